"""The language server: pygls handlers over ``api``.

What it does, and how it stays responsive:

- Each open document's text is kept here (``documents.Document``, one immutable object per
  version) and checked in one worker thread, never on the event loop that reads the client's
  messages. A change waits ``DEBOUNCE`` seconds for the next one; a newer change cancels the
  waiting check, and a check whose version is no longer the document's is thrown away, so an
  older result never replaces a newer one.
- Code actions and hovers use the result of the document's current version (checking it first
  if it is not there yet): quick fixes, "disable for this line" and fix-all edit the text the
  editor holds, saved or not. Fix-all is computed when the client resolves it (or at once for
  a client that cannot resolve code actions and asked for it by kind).
- Settings: the closest configuration file of each document (as the command line), with the
  editor's settings on top; a broken configuration file is shown once and the defaults apply
  until it is fixed. Only the protocol goes to standard output: anything printed goes to
  standard error.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from perfcodemod import __version__
from perfcodemod.config import ConfigError, ConfigResolver, Settings, default_settings
from perfcodemod.lsp import settings as client_settings
from perfcodemod.lsp.documents import UTF16, Change, Document, Position
from perfcodemod.lsp.results import (
    FIX_ALL_KIND,
    SOURCE,
    Checked,
    check,
    fix_all,
    fixable,
    hover,
    kind_requested,
    offset_of,
    quick_fixes,
)

#: How long a change waits for the next one before it is checked: long enough to gather the
#: notifications of one keystroke (an editor's auto-indent or completion sends several), short
#: beside the check itself, which dominates the latency (benchmarks/bench_lsp.py).
DEBOUNCE = 0.03
CONFIG_GLOBS = ("**/pyproject.toml", "**/perfcodemod.toml", "**/.perfcodemod.toml")
WATCHER_ID = "perfcodemod-config-files"
CONFIG_ERROR = "configuration error"

T = TypeVar("T")


class PerfcodemodServer:
    def __init__(self) -> None:
        self.ls = LanguageServer(
            SOURCE, __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental
        )
        self.documents: dict[str, Document] = {}
        self.checked: dict[str, Checked] = {}
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="perfcodemod-check")
        self.encoding = UTF16
        self.root = Path.cwd()
        self.client = client_settings.ClientSettings()
        self.resolver = ConfigResolver(cwd=self.root)
        #: Messages already shown (a broken configuration is shown once, not on every key).
        self.shown: set[str] = set()
        self.setting_problems: list[str] = []
        self.capabilities = types.ClientCapabilities()
        self.shut_down = False
        #: Whether the client watches the configuration files for the server.
        self.watching = False
        self._register()

    # -- registration ---------------------------------------------------------------------

    def _register(self) -> None:
        code_actions = types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND], resolve_provider=True
        )
        handlers: list[tuple[str, Callable[..., Any], Any]] = [
            (types.INITIALIZE, self.initialize, None),
            (types.INITIALIZED, self.initialized, None),
            (types.SHUTDOWN, self.shutdown, None),
            (types.TEXT_DOCUMENT_DID_OPEN, self.did_open, None),
            (types.TEXT_DOCUMENT_DID_CHANGE, self.did_change, None),
            (types.TEXT_DOCUMENT_DID_SAVE, self.did_save, types.SaveOptions(include_text=False)),
            (types.TEXT_DOCUMENT_DID_CLOSE, self.did_close, None),
            (types.WORKSPACE_DID_CHANGE_CONFIGURATION, self.did_change_configuration, None),
            (types.WORKSPACE_DID_CHANGE_WATCHED_FILES, self.did_change_watched_files, None),
            (types.TEXT_DOCUMENT_HOVER, self.hover, None),
            (types.TEXT_DOCUMENT_CODE_ACTION, self.code_action, code_actions),
            (types.CODE_ACTION_RESOLVE, self.resolve_code_action, None),
        ]
        for method, handler, options in handlers:
            self.ls.feature(method, options)(_function(handler))

    # -- messages to the client -----------------------------------------------------------

    def show(self, message: str, kind: types.MessageType = types.MessageType.Error) -> None:
        """``window/showMessage``, once per distinct message (and logged every time)."""
        self.log(message, kind)
        if message not in self.shown:
            self.shown.add(message)
            self.ls.window_show_message(
                types.ShowMessageParams(type=kind, message=f"perfcodemod: {message}")
            )

    def log(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        self.ls.window_log_message(types.LogMessageParams(type=kind, message=message))

    def trace(self, message: str) -> None:
        """``$/logTrace``, when the client asked for a trace (``initialize``'s ``trace``, or
        ``$/setTrace``): how long each check took."""
        if self.ls.protocol.trace != types.TraceValue.Off:
            self.ls.log_trace(types.LogTraceParams(message=message))

    # -- lifecycle ------------------------------------------------------------------------

    def initialize(self, params: types.InitializeParams) -> None:
        self.capabilities = params.capabilities
        if params.trace is not None:
            self.ls.protocol.trace = params.trace
        encoding = self.ls.workspace.position_encoding
        self.encoding = str(getattr(encoding, "value", encoding) or UTF16)
        # The workspace's root (the first folder of a multi-root workspace): where the
        # defaults apply from, and what the `profile` setting's relative paths start from.
        root = self.ls.workspace.root_path
        if not root and params.workspace_folders:
            root = to_fs_path(params.workspace_folders[0].uri)
        if root:
            self.root = Path(root)
        self._apply_client_settings(params.initialization_options)

    async def initialized(self, params: types.InitializedParams) -> None:
        for problem in self.setting_problems:
            self.show(problem, types.MessageType.Warning)
        workspace = self.capabilities.workspace
        watched = workspace.did_change_watched_files if workspace else None
        if watched is None or not watched.dynamic_registration:
            self.log("the client cannot watch files: configuration files are read again when "
                     "a document is opened or saved")
            return
        options = types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern=glob) for glob in CONFIG_GLOBS]
        )
        registration = types.Registration(
            id=WATCHER_ID, method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=options,
        )
        try:
            await self.ls.client_register_capability_async(
                types.RegistrationParams(registrations=[registration])
            )
        except Exception as exc:  # the client refused: diagnostics still work
            self.log(f"could not register the configuration file watcher: {exc}",
                     types.MessageType.Warning)
        else:
            self.watching = True

    def shutdown(self, params: None) -> None:
        self.shut_down = True
        for task in self.pending.values():
            task.cancel()
        self.pending.clear()
        self.worker.shutdown(wait=False, cancel_futures=True)

    # -- settings -------------------------------------------------------------------------

    def _apply_client_settings(self, raw: object) -> None:
        self.client, self.setting_problems = client_settings.parse(raw)
        self.setting_problems += [
            f"profile file `{path}` not found (the `profile` setting)"
            for path in self.profiles() if not path.is_file()
        ]
        self._reset_configuration()

    def _reset_configuration(self, forget_messages: bool = True) -> None:
        """Forget every configuration file read so far (and the messages about them)."""
        self.resolver = ConfigResolver(self.client.overrides(), cwd=self.root)
        if forget_messages:
            self.shown = {m for m in self.shown if not m.startswith(CONFIG_ERROR)}

    def settings_for(self, document: Document) -> Settings:
        try:
            if document.path is None:
                return self.resolver.default
            return self.resolver.for_path(document.path)
        except (ConfigError, OSError) as exc:
            self.show(f"{CONFIG_ERROR}, using the default settings: {exc}")
            return default_settings(self.root).with_overrides(self.client.overrides())

    def profiles(self) -> list[Path]:
        return [self.root / Path(os.path.expanduser(p)) for p in self.client.profile]

    def did_change_configuration(self, params: types.DidChangeConfigurationParams) -> None:
        if not client_settings.section(params.settings):
            # Clients send this with nothing in it on start (eglot, Neovim) or to mean "ask
            # me" (pull model): that keeps the settings given at initialization.
            return
        self._apply_client_settings(params.settings)
        for problem in self.setting_problems:
            self.show(problem, types.MessageType.Warning)
        self.recheck_all()

    def did_change_watched_files(self, params: types.DidChangeWatchedFilesParams) -> None:
        self.log("configuration files changed: "
                 + ", ".join(change.uri for change in params.changes))
        self._reset_configuration()
        self.recheck_all()

    # -- documents ------------------------------------------------------------------------

    def _path(self, uri: str) -> Path | None:
        if not uri.startswith("file:"):
            return None
        path = to_fs_path(uri)
        return Path(path) if path else None

    def did_open(self, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        if item.language_id not in {"python", ""} or _in_notebook(item.uri):
            return
        self.documents[item.uri] = Document(
            item.uri, item.text, item.version, self._path(item.uri), self.encoding
        )
        if not self.watching:
            self._reset_configuration(forget_messages=False)
        self.schedule(item.uri, 0)

    def did_change(self, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        document = self.documents.get(uri)
        if document is None:
            return
        changes = []
        for change in params.content_changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                start, end = change.range.start, change.range.end
                changes.append(Change(change.text, Position(start.line, start.character),
                                      Position(end.line, end.character)))
            else:
                changes.append(Change(change.text))
        self.documents[uri] = document.changed(changes, params.text_document.version)
        self.schedule(uri, DEBOUNCE)

    def did_save(self, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        checked = self.checked.get(uri)
        document = self.documents.get(uri)
        if document is None:
            return
        if not self.watching:
            # Without a file watcher, a save is when configuration changes are noticed.
            self._reset_configuration(forget_messages=False)
            self.checked.pop(uri, None)
            checked = None
        if checked is not None and checked.document is document:
            self.publish(checked)
        else:
            self.schedule(uri, 0)

    def did_close(self, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        self.documents.pop(uri, None)
        self.checked.pop(uri, None)
        self.ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )

    def recheck_all(self) -> None:
        """Check every open document again (the settings changed)."""
        self.checked.clear()
        for uri in list(self.documents):
            self.schedule(uri, 0)

    # -- checking -------------------------------------------------------------------------

    def schedule(self, uri: str, delay: float) -> None:
        """Check the document after ``delay`` seconds, replacing any check still waiting."""
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        self.pending[uri] = asyncio.ensure_future(self._check_later(uri, delay))

    async def _check_later(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        document = self.documents.get(uri)
        if document is None:
            return
        checked = await self.current(document)
        if checked is not None and self.documents.get(uri) is document:
            self.publish(checked)
        if self.pending.get(uri) is asyncio.current_task():
            del self.pending[uri]

    async def current(self, document: Document) -> Checked | None:
        """The check of this version of the document, computed if it is not there yet (None
        if the check failed, or the document changed meanwhile)."""
        checked = self.checked.get(document.uri)
        if checked is not None and checked.document is document:
            return checked
        settings = self.settings_for(document)
        profiles = self.profiles()
        started = time.perf_counter()
        try:
            checked = await self.in_worker(check, document, settings, profiles)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.show(f"internal error checking {document.path or document.uri}: {exc!r}")
            return None
        superseded = self.documents.get(document.uri) is not document
        self.trace(
            f"checked {document.uri} version {document.version} in "
            f"{1000 * (time.perf_counter() - started):.1f} ms"
            + (" (superseded: dropped)" if superseded else "")
        )
        if superseded:
            return None
        for message in checked.errors:
            self.log(message, types.MessageType.Warning)
        for message in checked.warnings:
            self.show(message, types.MessageType.Warning)
        self.checked[document.uri] = checked
        return checked

    async def in_worker(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.worker, function, *args)

    def publish(self, checked: Checked) -> None:
        document = checked.document
        self.ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=document.uri, diagnostics=checked.published, version=document.version
            )
        )

    # -- hover ----------------------------------------------------------------------------

    async def hover(self, params: types.HoverParams) -> types.Hover | None:
        document = self.documents.get(params.text_document.uri)
        checked = await self.current(document) if document is not None else None
        if checked is None:
            return None
        return hover(checked, offset_of(checked.document, params.position))

    # -- code actions ---------------------------------------------------------------------

    async def code_action(
        self, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        document = self.documents.get(params.text_document.uri)
        if document is None:
            return None
        checked = await self.current(document)
        if checked is None:
            return None
        only = params.context.only
        start = offset_of(document, params.range.start)
        end = offset_of(document, params.range.end)
        actions: list[types.CodeAction] = []
        if kind_requested(types.CodeActionKind.QuickFix, only):
            wanted = [
                index for index, d in enumerate(checked.diagnostics)
                if d.start <= end and start <= d.end
            ]
            actions.extend(
                await self.in_worker(quick_fixes, checked, wanted, self.versioned_edits())
            )
        if kind_requested(FIX_ALL_KIND, only) and fixable(checked):
            # Fix-all costs a whole fix loop (computed once per version). A client that can
            # resolve code actions gets it unresolved in the general list, and computed only
            # when chosen; asked for by kind (on save, "source action"), or by a client that
            # cannot resolve, it is computed now.
            action = self.fix_all_action(checked)
            if only is not None or not self.can_resolve():
                action = await self.resolve_code_action(action)
            actions.append(action)
        if self.documents.get(document.uri) is not document:
            return None  # edited meanwhile: these edits are for a text that is gone
        return actions

    def can_resolve(self) -> bool:
        document = self.capabilities.text_document
        code_action = document.code_action if document else None
        resolve = code_action.resolve_support if code_action else None
        return resolve is not None and "edit" in resolve.properties

    def fix_all_action(self, checked: Checked) -> types.CodeAction:
        unsafe = checked.settings.unsafe_fixes
        title = (
            "perfcodemod: fix all problems (unsafe fixes included)" if unsafe
            else "perfcodemod: fix all safe problems"
        )
        return types.CodeAction(
            title, kind=FIX_ALL_KIND,
            data={"uri": checked.document.uri, "version": checked.document.version},
        )

    async def resolve_code_action(self, action: types.CodeAction) -> types.CodeAction:
        data = action.data if isinstance(action.data, dict) else {}
        document = self.documents.get(str(data.get("uri")))
        if action.kind != FIX_ALL_KIND or document is None:
            return action
        if document.version != data.get("version"):
            return action  # the document changed: the client asks again
        checked = await self.current(document)
        if checked is None:
            return action
        edit = await self.in_worker(fix_all, checked, self.versioned_edits())
        if self.documents.get(document.uri) is document:
            action.edit = edit
        return action

    def versioned_edits(self) -> bool:
        workspace = self.capabilities.workspace
        edit = workspace.workspace_edit if workspace else None
        return bool(edit is not None and edit.document_changes)


def _in_notebook(uri: str) -> bool:
    """A notebook's cell, or a notebook opened as text: out of the server's scope (a cell
    checked alone would not see the names the other cells define; the command line checks
    notebooks whole)."""
    return uri.startswith("vscode-notebook-cell:") or uri.split("#", 1)[0].endswith(".ipynb")


def _function(method: Callable[..., Any]) -> Callable[..., Any]:
    """A plain function calling a bound method: pygls marks the handler function itself, which
    a bound method cannot take."""
    if asyncio.iscoroutinefunction(method):
        async def call_async(params: Any) -> Any:
            return await method(params)

        return call_async

    def call(params: Any) -> Any:
        return method(params)

    return call


# -- running ----------------------------------------------------------------------------------


def _protocol_stdout() -> Any:
    """The stream the protocol is written to: the real standard output. File descriptor 1 and
    ``sys.stdout`` become standard error, so that a stray print (ours, a library's, a C
    extension's) cannot corrupt the protocol."""
    protocol_fd = os.dup(sys.stdout.fileno())
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    return os.fdopen(protocol_fd, "wb", buffering=0)


def serve() -> int:
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr,
        format="perfcodemod server: %(levelname)s: %(name)s: %(message)s",
    )
    stdout = _protocol_stdout()
    server = PerfcodemodServer()
    server.ls.start_io(sys.stdin.buffer, stdout)
    # As the protocol says: 0 after `shutdown` then `exit`, 1 when the client went away or
    # sent `exit` without `shutdown`.
    return 0 if server.shut_down else 1


__all__ = ["PerfcodemodServer", "serve"]
