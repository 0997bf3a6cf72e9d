"""Settings of ``perfcodemod server``: configuration files on disk (closest per document, changes
picked up through the file watcher), the editor's settings, and bad ones. One server per test,
each on its own workspace."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types

from tests.conftest import write
from tests.lsp.helpers import (
    CONFIG,
    Client,
    apply_workspace_edit,
    code_actions,
    open_document,
    start,
    text_in,
    units,
)

pytestmark = pytest.mark.asyncio

CODE = textwrap.dedent(
    """\
    def f(x: str, items):
        if x in ["a", "b"]:
            return any([i for i in items])
        return None
    """
)


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: Client):
    yield
    await lsp_client.shutdown_session()


def codes(diagnostics: list[types.Diagnostic]) -> list[str]:
    return [str(d.code) for d in diagnostics]


async def settles(client: Client, uri: str, expected: list[str]) -> None:
    """Wait until the document's latest diagnostics have these codes."""
    def settled() -> bool:
        latest = client.latest(uri)
        return latest is not None and codes(list(latest.diagnostics)) == expected

    await client.until(settled, f"diagnostics {expected} for {uri}")


def watched(client: Client, *paths: Path) -> None:
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            [types.FileEvent(uri=p.as_uri(), type=types.FileChangeType.Changed) for p in paths]
        )
    )


async def test_closest_config_file_per_document_and_changes_on_disk(
    client: Client, tmp_path: Path
) -> None:
    write(tmp_path / "pyproject.toml", '[tool.perfcodemod]\nignore = ["PCM201"]\n')
    write(tmp_path / "sub" / ".perfcodemod.toml", 'ignore = ["PCM101"]\n')
    await start(client, tmp_path)
    top, sub = (tmp_path / "a.py").as_uri(), (tmp_path / "sub" / "b.py").as_uri()
    open_document(client, top, CODE)
    open_document(client, sub, CODE)
    assert codes(await client.published_for(top, 1)) == ["PCM101"]
    assert codes(await client.published_for(sub, 1)) == ["PCM201"]
    # A file the configuration excludes (`build` is excluded by default) is not checked.
    excluded = (tmp_path / "build" / "c.py").as_uri()
    open_document(client, excluded, CODE)
    assert await client.published_for(excluded, 1) == []

    # The file watcher was registered; a change on disk re-checks the open documents.
    await client.until(lambda: client.registrations, "the file watcher registration")
    write(tmp_path / "pyproject.toml", '[tool.perfcodemod]\nextend-select = ["PCM104"]\n')
    watched(client, tmp_path / "pyproject.toml")
    await settles(client, top, ["PCM201", "PCM101"])
    assert codes(await client.published_for(sub, 1)) == ["PCM201"]


async def test_broken_config_is_shown_and_defaults_apply(client: Client, tmp_path: Path) -> None:
    config = write(tmp_path / "perfcodemod.toml", 'ignore = ["PCM201"\n')
    await start(client, tmp_path)
    uri = (tmp_path / "a.py").as_uri()
    open_document(client, uri, CODE)
    message = await client.message("invalid TOML")
    assert message.type == types.MessageType.Error
    assert str(config) in message.message and "using the default settings" in message.message
    assert codes(await client.published_for(uri, 1)) == ["PCM201", "PCM101"]

    # An unknown key is as bad; fixing the file brings its settings back.
    write(config, 'ignor = ["PCM201"]\n')
    watched(client, config)
    await client.message("did you mean `ignore`?")
    write(config, 'ignore = ["PCM201"]\n')
    watched(client, config)
    await settles(client, uri, ["PCM101"])


async def test_client_settings_from_initialization_and_changes(
    client: Client, tmp_path: Path
) -> None:
    write(tmp_path / "pyproject.toml", '[tool.perfcodemod]\nignore = ["PCM101"]\n')
    await start(client, tmp_path, {"settings": {"extendSelect": ["PCM104"], "ignore": ["PCM2"]}})
    uri = (tmp_path / "a.py").as_uri()
    open_document(client, uri, CODE)
    # The config file's ignore, then the editor's settings on top (as the command line's).
    assert codes(await client.published_for(uri, 1)) == []

    # An empty didChangeConfiguration (eglot and Neovim send one on start) keeps them.
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams({}))
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(None))
    other = (tmp_path / "b.py").as_uri()
    open_document(client, other, CODE)
    assert codes(await client.published_for(other, 1)) == []

    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams({"perfcodemod": {"select": ["PCM201"]}})
    )
    await settles(client, uri, ["PCM201"])
    (diagnostic,) = await client.published_for(uri, 1)
    assert text_in(CODE, diagnostic.range) == '["a", "b"]'


async def test_unsafe_fixes_setting_makes_fix_all_apply_them(
    client: Client, tmp_path: Path
) -> None:
    await start(client, tmp_path, {"unsafe-fixes": True})
    text = "def f(y):\n    return y in ['c', 'd']\n"
    uri = (tmp_path / "a.py").as_uri()
    open_document(client, uri, text)
    (diagnostic,) = await client.published_for(uri, 1)
    assert diagnostic.data["fix"]["applicability"] == "unsafe"
    whole = types.Range(types.Position(0, 0), types.Position(0, 0))
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri), whole,
            types.CodeActionContext([], only=["source.fixAll"]),
        )
    )
    assert result is not None
    (action,) = result
    assert isinstance(action, types.CodeAction)
    assert action.title == "perfcodemod: fix all problems (unsafe fixes included)"
    assert action.edit is not None


async def test_bad_client_settings_are_reported_and_ignored(
    client: Client, tmp_path: Path
) -> None:
    await start(client, tmp_path, {"selcet": ["PCM201"], "ignore": ["PCM9"],
                                   "unsafe-fixes": "yes", "profile": "missing.prof"})
    await client.message("unknown setting `selcet`; did you mean `select`?")
    await client.message(f"profile file `{tmp_path / 'missing.prof'}` not found")
    await client.message("unknown rule selector `PCM9`")
    await client.message("`unsafe-fixes` must be true or false")
    uri = (tmp_path / "a.py").as_uri()
    open_document(client, uri, CODE)
    assert codes(await client.published_for(uri, 1)) == ["PCM201", "PCM101"]


@pytest.mark.parametrize(
    ("name", "encoding", "watches", "resolves"),
    [
        # Neovim 0.11 offers utf-8 first (columns count bytes), resolves code actions, and
        # cannot watch files dynamically.
        ("neovim@v0.11", "utf-8", False, True),
        # Emacs 29's eglot prefers utf-32 (columns count characters) and cannot resolve code
        # actions: fix-all comes in the general list with its edit.
        ("emacs@v29.1", "utf-32", True, False),
    ],
)
async def test_the_clients_position_encoding_and_capabilities(
    client: Client, tmp_path: Path, name: str, encoding: str, watches: bool, resolves: bool
) -> None:
    result = await start(client, tmp_path, name=name)
    assert result.capabilities.position_encoding == encoding
    text = "def g(s: str):\n    t = 'é😀'; return s in ['😀', 'b']\n"
    uri = (tmp_path / "a.py").as_uri()
    open_document(client, uri, text)
    (diagnostic,) = await client.published_for(uri, 1)
    assert text_in(text, diagnostic.range, encoding) == "['😀', 'b']"
    line = text.splitlines()[1]
    before = line[: line.index("['")]
    assert diagnostic.range.start.character == units(before, encoding)
    actions = await code_actions(client, uri, diagnostic.range)
    assert [a.title for a in actions] == [
        "Fix PCM201: Use a set literal",
        "Disable PCM201 for this line",
        "perfcodemod: fix all safe problems",
    ]
    fix_all = actions[2]
    assert (fix_all.edit is None) == resolves
    if resolves:
        fix_all = await client.code_action_resolve_async(fix_all)
    fixed = apply_workspace_edit(text, uri, fix_all.edit, encoding=encoding)
    assert fixed == text.replace("['😀', 'b']", "{'😀', 'b'}")
    if watches:
        await client.until(lambda: client.registrations, "the file watcher registration")
    else:
        # Without a watcher, a configuration change on disk applies from the next save.
        assert client.registrations == []
        write(tmp_path / "perfcodemod.toml", 'ignore = ["PCM201"]\n')
        client.text_document_did_save(
            types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri))
        )
        await settles(client, uri, [])


#: A program whose one finding is hot: ``hot()`` runs its membership test 200,000 times.
PROGRAM = textwrap.dedent(
    """\
    def hot(words):
        count = 0
        for word in words:
            if word in ["a", "b", "c"]:
                count += 1
        return count


    print(hot(["a", "x", "c", "y"] * 50_000))
    """
)


async def test_a_real_profile_reaches_the_message_and_the_hover(
    client: Client, tmp_path: Path
) -> None:
    # A real profile of the program, as a user makes one with cProfile.
    write(tmp_path / "app.py", PROGRAM)
    subprocess.run([sys.executable, "-m", "cProfile", "-o", "run.prof", "app.py"],
                   cwd=tmp_path, check=True, capture_output=True)
    await start(client, tmp_path, {"profile": ["run.prof"], "select": ["PCM201"]})
    uri = (tmp_path / "app.py").as_uri()
    open_document(client, uri, PROGRAM)
    (diagnostic,) = await client.published_for(uri, 1)
    # The profile's hotness in brackets after the message: this code's share of the run,
    # in the function the profile names, and how often that function was called.
    hotness = diagnostic.message.rpartition(" [")[2]
    assert hotness.endswith("]") and "of run time in hot()" in hotness, diagnostic.message
    assert "1 call" in hotness
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), diagnostic.range.start)
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert f"Profile: {hotness[:-1]}" in hover.contents.value
