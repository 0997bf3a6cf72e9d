"""``perfcodemod server`` driven by a real LSP client (VS Code's capabilities) over stdio: one
server for the module, one document per test."""

from __future__ import annotations

import ast
import json
import textwrap

import pytest
import pytest_lsp
from lsprotocol import types

from tests.conftest import run_cli
from tests.lsp.helpers import (
    CONFIG,
    Client,
    apply_workspace_edit,
    change,
    code_actions,
    open_document,
    range_of,
    start,
    text_in,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

CODE = textwrap.dedent(
    """\
    def f(x: str, y):
        a = x in ["a", "b"]
        b = y in ["c", "d"]  # noqa: E501
        return a, b
    """
)
SAFE = '["a", "b"]'
UNSAFE = '["c", "d"]'


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: Client, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("workspace")
    await start(lsp_client, root)
    lsp_client.root = root  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


def uri_for(client: Client, name: str) -> str:
    return (client.root / name).as_uri()  # type: ignore[attr-defined]


def cli_json(text: str) -> list[dict[str, object]]:
    """What the command line reports for the same text (the reference for positions)."""
    result = run_cli("check", "--isolated", "--output-format", "json", "-",
                     "--stdin-filename", "example.py", stdin=text.encode())
    return json.loads(result.stdout)


def cli_fixed(text: str, *flags: str) -> str:
    result = run_cli("check", "--isolated", "--fix", *flags, "-", "--stdin-filename",
                     "example.py", stdin=text.encode())
    return result.stdout


def char_offset(text: str, row: int, column: int) -> int:
    """Offset of a 1-based row and 1-based character column (the CLI's JSON)."""
    lines = text.splitlines(keepends=True)
    return sum(len(line) for line in lines[: row - 1]) + column - 1


def assert_ranges_match_cli(text: str, diagnostics: list[types.Diagnostic]) -> None:
    expected = sorted(
        (d["code"], char_offset(text, d["location"]["row"], d["location"]["column"]),
         char_offset(text, d["end_location"]["row"], d["end_location"]["column"]))
        for d in cli_json(text)
    )
    found = sorted(
        (str(d.code), len(text_in(text, types.Range(types.Position(0, 0), d.range.start))),
         text_in(text, d.range))
        for d in diagnostics
    )
    assert found == [(code, begin, text[begin:end]) for code, begin, end in expected]


async def test_diagnostics_on_open(client: Client) -> None:
    uri = uri_for(client, "open.py")
    open_document(client, uri, CODE)
    diagnostics = await client.published_for(uri, 1)
    assert [d.code for d in diagnostics] == ["PCM201", "PCM201"]
    safe, unsafe = diagnostics
    assert text_in(CODE, safe.range) == SAFE
    assert text_in(CODE, unsafe.range) == UNSAFE
    assert safe.source == "perfcodemod"
    assert safe.severity == types.DiagnosticSeverity.Warning
    assert "set literal" in safe.message
    assert safe.code_description is not None
    assert safe.code_description.href.endswith("/docs/rules/PCM201.md")
    assert safe.data["fix"]["applicability"] == "safe"
    assert unsafe.data["fix"]["applicability"] == "unsafe"
    assert_ranges_match_cli(CODE, diagnostics)


async def test_positions_are_utf16_on_astral_lines_with_tabs(client: Client) -> None:
    # An emoji is two UTF-16 units; the diagnostic after it on the same line must say so.
    text = (
        "def g(s: str):\n"
        "\tlabel = '😀🐍𝔘'; ok = s in ['😀', 'b']  # 🐍\n"
        "\treturn label, ok\n"
    )
    uri = uri_for(client, "astral.py")
    open_document(client, uri, text)
    (diagnostic,) = await client.published_for(uri, 1)
    assert text_in(text, diagnostic.range) == "['😀', 'b']"
    line = text.splitlines()[1]
    before = line[: line.index("['😀'")]
    assert diagnostic.range.start.character == len(before.encode("utf-16-le")) // 2
    assert diagnostic.range.start.character == len(before) + 3  # three astral characters
    assert_ranges_match_cli(text, [diagnostic])
    # Its quick fix, applied with UTF-16 positions, rewrites exactly the list.
    (fix, _) = await code_actions(client, uri, diagnostic.range, only=["quickfix"])
    fixed = apply_workspace_edit(text, uri, fix.edit, version=1)
    assert fixed == text.replace("['😀', 'b']", "{'😀', 'b'}")
    assert fixed == cli_fixed(text)


async def test_crlf_document(client: Client) -> None:
    text = CODE.replace("\n", "\r\n")
    uri = uri_for(client, "crlf.py")
    open_document(client, uri, text)
    diagnostics = await client.published_for(uri, 1)
    assert [text_in(text, d.range) for d in diagnostics] == [SAFE, UNSAFE]
    assert [d.range.start.line for d in diagnostics] == [1, 2]
    actions = await code_actions(client, uri, diagnostics[1].range)
    disable = next(a for a in actions if a.title == "Disable PCM201 for this line")
    fixed = apply_workspace_edit(text, uri, disable.edit)
    assert fixed.split("\r\n")[2] == '    b = y in ["c", "d"]  # noqa: E501, PCM201'
    assert "\n" not in fixed.replace("\r\n", "")


async def test_quick_fixes_and_noqa_actions(client: Client) -> None:
    uri = uri_for(client, "actions.py")
    open_document(client, uri, CODE)
    safe, unsafe = await client.published_for(uri, 1)

    actions = await code_actions(client, uri, safe.range, diagnostics=[safe])
    titles = [a.title for a in actions]
    assert titles == [
        "Fix PCM201: Use a set literal",
        "Disable PCM201 for this line",
        "perfcodemod: fix all safe problems",
    ]
    fix, disable, _ = actions
    assert fix.kind == types.CodeActionKind.QuickFix and fix.is_preferred
    assert fix.diagnostics and fix.diagnostics[0].range == safe.range
    assert apply_workspace_edit(CODE, uri, fix.edit, version=1) == CODE.replace(SAFE, '{"a", "b"}')
    assert apply_workspace_edit(CODE, uri, disable.edit).splitlines()[1] == (
        '    a = x in ["a", "b"]  # noqa: PCM201'
    )

    fix, disable = await code_actions(client, uri, unsafe.range, only=["quickfix"])
    assert fix.title == "Fix PCM201 (unsafe): Use a set literal"
    assert not fix.is_preferred
    assert apply_workspace_edit(CODE, uri, fix.edit) == CODE.replace(UNSAFE, '{"c", "d"}')
    # The existing noqa comment is extended, not doubled.
    assert apply_workspace_edit(CODE, uri, disable.edit).splitlines()[2] == (
        '    b = y in ["c", "d"]  # noqa: E501, PCM201'
    )
    # After the noqa edit, the diagnostic is gone.
    disabled = apply_workspace_edit(CODE, uri, disable.edit)
    change(client, uri, 2, [(None, disabled)])
    assert [text_in(disabled, d.range) for d in await client.published_for(uri, 2)] == [SAFE]

    # No quick fix on a line without diagnostics.
    assert await code_actions(client, uri, range_of(CODE, "return a, b"), ["quickfix"]) == []


async def test_fix_all_is_the_fixers_loop_on_the_unsaved_buffer(client: Client) -> None:
    # The file on disk says something else: the actions use the editor's text.
    path = client.root / "unsaved.py"  # type: ignore[attr-defined]
    path.write_text("x = 1\n")
    text = textwrap.dedent(
        """\
        import os

        def h(name: str, items):
            if name in ["a", "b", "c"]:
                return any([i for i in items])
            return name not in ("x", "y")
        """
    )
    uri = path.as_uri()
    open_document(client, uri, text)
    await client.published_for(uri, 1)
    whole = types.Range(types.Position(0, 0), types.Position(0, 0))
    (action,) = await code_actions(client, uri, whole, only=["source.fixAll"])
    assert action.kind == "source.fixAll.perfcodemod"
    assert action.title == "perfcodemod: fix all safe problems"
    fixed = apply_workspace_edit(text, uri, action.edit, version=1)
    assert fixed == cli_fixed(text)
    assert fixed != text and "{" in fixed
    assert path.read_text() == "x = 1\n"

    # In the general list (no `only`), VS Code gets it unresolved and resolves it.
    actions = await code_actions(client, uri, whole)
    (unresolved,) = [a for a in actions if a.kind == "source.fixAll.perfcodemod"]
    assert unresolved.edit is None
    resolved = await client.code_action_resolve_async(unresolved)
    assert apply_workspace_edit(text, uri, resolved.edit) == fixed


async def test_hover_shows_summary_and_fix_safety(client: Client) -> None:
    uri = uri_for(client, "hover.py")
    open_document(client, uri, CODE)
    safe, unsafe = await client.published_for(uri, 1)
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), unsafe.range.start)
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    value = hover.contents.value
    assert "**PCM201** (literal-membership)" in value
    assert "Membership test against a list or tuple of constants" in value
    assert "Fix (unsafe): Use a set literal — the value looked up may be unhashable" in value
    assert hover.range == unsafe.range
    nothing = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(0, 0))
    )
    assert nothing is None


async def test_change_and_syntax_error_mid_typing(client: Client) -> None:
    uri = uri_for(client, "typing.py")
    open_document(client, uri, CODE)
    await client.published_for(uri, 1)
    # Typing `(` after `return` leaves an unclosed parenthesis: PCM001 where Python says.
    change(client, uri, 2, [(range_of(CODE, "return a, b"), "return (a, b")])
    broken = CODE.replace("return a, b", "return (a, b")
    (error,) = await client.published_for(uri, 2)
    assert error.code == "PCM001"
    assert error.severity == types.DiagnosticSeverity.Error
    with pytest.raises(SyntaxError) as raised:
        ast.parse(broken)
    exc = raised.value
    assert (error.range.start.line, error.range.start.character) == (
        exc.lineno - 1, exc.offset - 1
    )
    # Closing it brings the diagnostics back; an incremental edit removes one of them.
    end = types.Position(3, len("    return (a, b"))
    change(client, uri, 3, [(types.Range(end, end), ")")])
    fixed = broken.replace("(a, b", "(a, b)")
    assert [text_in(fixed, d.range) for d in await client.published_for(uri, 3)] == [SAFE, UNSAFE]
    change(client, uri, 4, [(range_of(fixed, SAFE), '{"a", "b"}')])
    assert [d.code for d in await client.published_for(uri, 4)] == ["PCM201"]


async def test_newer_versions_are_never_overwritten(client: Client) -> None:
    uri = uri_for(client, "burst.py")
    open_document(client, uri, CODE)
    await client.published_for(uri, 1)
    text = CODE
    # A burst of edits, faster than the debounce: only the last version's result counts.
    for version in range(2, 12):
        position = types.Position(3, len("    return a, b"))
        change(client, uri, version, [(types.Range(position, position), " ")])
        text = text.replace("return a, b", "return a, b ")
    diagnostics = await client.published_for(uri, 11)
    assert [text_in(text, d.range) for d in diagnostics] == [SAFE, UNSAFE]
    versions = [p.version for p in client.published if p.uri == uri]
    assert versions == sorted(versions)
    # And a save republishes for the same version.
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
    await client.until(lambda: [p.version for p in client.published if p.uri == uri].count(11) >= 2,
                       "the diagnostics after save")


async def test_close_clears_diagnostics(client: Client) -> None:
    uri = uri_for(client, "close.py")
    open_document(client, uri, CODE)
    assert len(await client.published_for(uri, 1)) == 2
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
    assert await client.published_for(uri, None) == []


async def test_registers_config_file_watchers(client: Client) -> None:
    await client.until(lambda: client.registrations, "the file watcher registration")
    (registration,) = client.registrations
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    globs = [w["globPattern"] for w in registration.register_options["watchers"]]
    assert globs == ["**/pyproject.toml", "**/perfcodemod.toml", "**/.perfcodemod.toml"]



async def test_hostile_input_never_stops_the_server(client: Client) -> None:
    # A lone surrogate (valid JSON, not encodable text), a change past the end of the
    # document, requests about documents that were never opened: each gets an answer or is
    # ignored, and the server goes on serving.
    lone = uri_for(client, "surrogate.py")
    open_document(client, lone, "x = '\ud800'\n")
    (error,) = await client.published_for(lone, 1)
    assert error.code == "PCM001"
    uri = uri_for(client, "short.py")
    open_document(client, uri, "x = 1\n")
    assert await client.published_for(uri, 1) == []
    far = types.Position(99, 99)
    change(client, uri, 2, [(types.Range(far, far), "\ny = 2 in [1, 2]\n")])
    (diagnostic,) = await client.published_for(uri, 2)
    assert diagnostic.code == "PCM201"
    never = uri_for(client, "never-opened.py")
    change(client, never, 2, [(None, "x = 1\n")])
    nowhere = types.Range(types.Position(0, 0), types.Position(0, 0))
    assert await code_actions(client, never, nowhere) == []
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(never), types.Position(0, 0))
    )
    assert hover is None
    other = uri_for(client, "notes.txt")
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(other, "plaintext", 1, "x in [1, 2]\n")))
    # Notebooks are the command line's: a cell alone would not see the other cells' names.
    cell = "vscode-notebook-cell:" + uri_for(client, "nb.ipynb")[len("file:"):] + "#W0sZmlsZQ"
    open_document(client, cell, "y = x in [1, 2]\n")
    # Still serving: a new document gets its diagnostics.
    after = uri_for(client, "after.py")
    open_document(client, after, CODE)
    assert len(await client.published_for(after, 1)) == 2
    assert client.latest(other) is None
    assert client.latest(cell) is None
