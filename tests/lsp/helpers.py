"""Driving ``perfcodemod server`` with a real LSP client (pytest-lsp) over stdio.

Positions are converted here independently of the server's code: lines split at ``\\r\\n``,
``\\r`` and ``\\n``, columns counted in the code units of the negotiated encoding by encoding
the line's prefix.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

SERVER = [sys.executable, "-m", "perfcodemod", "server"]
#: Generous: the machine running the tests may be busy.
TIMEOUT = 60.0
_LINE = re.compile(r"\r\n|\r|\n")


class Client(LanguageClient):
    """pytest-lsp's client, keeping every publishDiagnostics (with its version) and every
    registration the server asks for."""

    published: list[types.PublishDiagnosticsParams]
    registrations: list[types.Registration]
    changed: asyncio.Event

    def latest(self, uri: str) -> types.PublishDiagnosticsParams | None:
        return next((p for p in reversed(self.published) if p.uri == uri), None)

    async def until(self, condition: Any, what: str) -> None:
        async def wait() -> None:
            while not condition():
                self.changed.clear()
                await self.changed.wait()

        try:
            await asyncio.wait_for(wait(), TIMEOUT)
        except asyncio.TimeoutError:
            raise AssertionError(f"timed out waiting for {what}") from None

    async def published_for(self, uri: str, version: int | None) -> list[types.Diagnostic]:
        """The diagnostics published for this version of the document (waiting for them)."""
        def arrived() -> bool:
            latest = self.latest(uri)
            return latest is not None and latest.version == version

        await self.until(arrived, f"diagnostics of {uri} version {version}")
        latest = self.latest(uri)
        assert latest is not None
        return list(latest.diagnostics)

    async def message(self, fragment: str) -> types.ShowMessageParams:
        def shown() -> bool:
            return any(fragment in m.message for m in self.messages)

        await self.until(shown, f"a window/showMessage with {fragment!r}")
        return next(m for m in self.messages if fragment in m.message)


def make_client() -> Client:
    client = Client(converter_factory=default_converter)
    client.published = []
    client.registrations = []
    client.changed = asyncio.Event()
    features = dict(DEFAULT_CLIENT_FEATURES)

    def on_publish(client: Client, params: types.PublishDiagnosticsParams) -> None:
        client.published.append(params)
        client.changed.set()

    def on_show_message(client: Client, params: types.ShowMessageParams) -> None:
        client.messages.append(params)
        client.changed.set()

    def on_register(client: Client, params: types.RegistrationParams) -> None:
        client.registrations.extend(params.registrations)
        client.changed.set()

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = on_publish
    features[types.WINDOW_SHOW_MESSAGE] = on_show_message
    features[types.CLIENT_REGISTER_CAPABILITY] = on_register
    register_lsp_features(client, features)
    return client


CONFIG = ClientServerConfig(server_command=SERVER, client_factory=make_client)


def capabilities(name: str = "visual-studio-code") -> types.ClientCapabilities:
    return client_capabilities(name)


async def start(
    client: Client,
    root: Path | None = None,
    options: Any = None,
    name: str = "visual-studio-code",
) -> types.InitializeResult:
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(name),
            root_uri=root.as_uri() if root else None,
            workspace_folders=(
                [types.WorkspaceFolder(root.as_uri(), root.name)] if root else None
            ),
            initialization_options=options,
        )
    )


# -- documents ------------------------------------------------------------------------------


def open_document(client: Client, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", version, text))
    )


def change(client: Client, uri: str, version: int,
           changes: Sequence[tuple[types.Range | None, str]]) -> None:
    events: list[types.TextDocumentContentChangeEvent] = [
        types.TextDocumentContentChangeWholeDocument(text) if rng is None
        else types.TextDocumentContentChangePartial(rng, text)
        for rng, text in changes
    ]
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=version, uri=uri), events
        )
    )


def units(text: str, encoding: str) -> int:
    if encoding == "utf-32":
        return len(text)
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    return len(text.encode("utf-16-le")) // 2


def _line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in _LINE.finditer(text))]


def offset_at(text: str, position: types.Position, encoding: str = "utf-16") -> int:
    starts = _line_starts(text)
    if position.line >= len(starts):
        return len(text)
    start = starts[position.line]
    end = starts[position.line + 1] if position.line + 1 < len(starts) else len(text)
    line = _LINE.sub("", text[start:end])
    for index in range(len(line) + 1):
        if units(line[:index], encoding) >= position.character:
            return start + index
    return start + len(line)


def position_at(text: str, offset: int, encoding: str = "utf-16") -> types.Position:
    starts = _line_starts(text)
    line = max(i for i, s in enumerate(starts) if s <= offset)
    return types.Position(line, units(text[starts[line] : offset], encoding))


def text_in(text: str, rng: types.Range, encoding: str = "utf-16") -> str:
    return text[offset_at(text, rng.start, encoding) : offset_at(text, rng.end, encoding)]


def range_of(text: str, fragment: str, occurrence: int = 0) -> types.Range:
    index = -1
    for _ in range(occurrence + 1):
        index = text.index(fragment, index + 1)
    return types.Range(position_at(text, index), position_at(text, index + len(fragment)))


def apply_edits(text: str, edits: Sequence[types.TextEdit], encoding: str = "utf-16") -> str:
    """Apply LSP text edits as an editor does: all ranges refer to the original text."""
    spans = sorted(
        ((offset_at(text, e.range.start, encoding), offset_at(text, e.range.end, encoding),
          e.new_text) for e in edits),
        key=lambda span: (span[0], span[1]),
    )
    pieces, position = [], 0
    for start, end, new in spans:
        assert start >= position, "overlapping edits"
        pieces += [text[position:start], new]
        position = end
    return "".join(pieces) + text[position:]


def apply_workspace_edit(text: str, uri: str, edit: types.WorkspaceEdit | None,
                         version: int | None = None, encoding: str = "utf-16") -> str:
    assert edit is not None, "the action has no edit"
    if edit.document_changes is not None:
        (change,) = edit.document_changes
        assert isinstance(change, types.TextDocumentEdit)
        assert change.text_document.uri == uri
        if version is not None:
            assert change.text_document.version == version
        edits = [e for e in change.edits if isinstance(e, types.TextEdit)]
        return apply_edits(text, edits, encoding)
    assert edit.changes is not None
    return apply_edits(text, edit.changes[uri], encoding)


async def code_actions(
    client: Client, uri: str, rng: types.Range, only: Sequence[str] | None = None,
    diagnostics: Sequence[types.Diagnostic] = (),
) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri), rng,
            types.CodeActionContext(list(diagnostics), only=list(only) if only else None),
        )
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]
