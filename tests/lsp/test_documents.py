"""The server's document model and the editor helpers of ``api`` (no client needed): LSP
positions in each encoding, changes, the editor's settings, noqa edits and whole-file edits."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfcodemod import api
from perfcodemod.config import default_settings
from perfcodemod.lsp import settings as client_settings
from perfcodemod.lsp.documents import UTF8, UTF16, UTF32, Change, Document, Position
from perfcodemod.source import SourceText


def document(text: str, encoding: str = UTF16) -> Document:
    return Document("file:///x.py", text, 1, None, encoding)


@pytest.mark.parametrize(
    ("encoding", "column"),
    # A tab and two quotes (1 unit each), two emoji (astral: 2 UTF-16 units, 4 UTF-8 bytes)
    # and an é (1 UTF-16 unit, 2 UTF-8 bytes).
    [(UTF16, 3 + 4 + 1), (UTF8, 3 + 8 + 2), (UTF32, 3 + 2 + 1)],
)
def test_columns_count_code_units(encoding: str, column: int) -> None:
    text = "a\n\t'😀🐍é' + x\n"
    doc = document(text, encoding)
    offset = text.index(" + x")
    assert doc.position(offset) == Position(1, column)
    assert doc.offset(Position(1, column)) == offset


def test_line_breaks_are_the_protocols() -> None:
    # \r\n, \r and \n end lines; a form feed does not (str.splitlines would split there).
    text = "a\r\nb\rc\x0cd\ne"
    doc = document(text)
    assert doc.position(text.index("b")) == Position(1, 0)
    assert doc.position(text.index("d")) == Position(2, 2)
    assert doc.position(text.index("e")) == Position(3, 0)
    # Past the end of a line is its end (before the line break); past the last line, the end.
    assert doc.offset(Position(0, 99)) == 1
    assert doc.offset(Position(9, 0)) == len(text)


def test_a_position_inside_a_surrogate_pair_goes_to_the_characters_start() -> None:
    doc = document("'😀'\n")
    assert doc.offset(Position(0, 2)) == 1  # between the two UTF-16 halves of the emoji
    assert doc.offset(Position(0, 3)) == 2


def test_byte_order_mark_is_kept_out_of_the_linters_text() -> None:
    doc = document("\ufeffx = [1]\n")
    assert doc.source() == SourceText("x = [1]\n", bom=True)
    assert doc.position(0) == Position(0, 1)
    assert doc.offset(Position(0, 1)) == 0


def test_changes_apply_in_order_and_make_a_new_version() -> None:
    doc = document("one\r\ntwo 😀 three\r\n")
    changed = doc.changed(
        [
            # Replace "two 😀" (the emoji is two UTF-16 units) across nothing else...
            Change("2", Position(1, 0), Position(1, 6)),
            # ...then, in the result, join the two lines.
            Change(" ", Position(0, 3), Position(1, 0)),
        ],
        2,
    )
    assert changed.text == "one 2 three\r\n"
    assert changed.version == 2
    assert doc.text == "one\r\ntwo 😀 three\r\n"  # the old version is untouched
    assert doc.changed([Change("new\n")], 3).text == "new\n"


def test_client_settings_shapes_and_spellings() -> None:
    for raw in (
        {"select": ["PCM2"], "unsafeFixes": True, "extend_select": "PCM104"},
        {"settings": {"select": ["PCM2"], "unsafe-fixes": True, "extendSelect": ["PCM104"]}},
        {"perfcodemod": {"select": ["PCM2"], "unsafeFixes": True, "extend-select": ["PCM104"]}},
    ):
        parsed, problems = client_settings.parse(raw)
        assert problems == []
        assert parsed == client_settings.ClientSettings(
            select=("PCM2",), extend_select=("PCM104",), unsafe_fixes=True
        )
    assert client_settings.parse(None) == (client_settings.ClientSettings(), [])
    parsed, problems = client_settings.parse({"profile": "run.prof", "ignore": [1]})
    assert parsed.profile == ("run.prof",)
    assert problems == ["`ignore` must be a list of strings; the setting is ignored"]


def diagnostic_at(code: str, text: str):  # type: ignore[no-untyped-def]
    (found,) = api.check_source(text, "x.py", default_settings()).diagnostics
    assert found.code == code
    return found


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("ok = x in [1, 2]\n", "ok = x in [1, 2]  # noqa: PCM201\n"),
        ("ok = x in [1, 2]  # type: ignore\n",
         "ok = x in [1, 2]  # type: ignore  # noqa: PCM201\n"),
        ("ok = x in [1, 2]  # noqa:E501\n", "ok = x in [1, 2]  # noqa: E501, PCM201\n"),
        ("ok = x in [1, 2]  # NOQA:E501,W291\n", "ok = x in [1, 2]  # noqa: E501, PCM201, W291\n"),
    ],
)
def test_noqa_edit_adds_or_extends_the_comment(line: str, expected: str) -> None:
    text = f"x = 1\n{line}"
    source = SourceText(text)
    edit = api.noqa_edit(source, diagnostic_at("PCM201", text))
    assert edit is not None
    fixed = text[: edit.start] + edit.content + text[edit.end :]
    assert fixed == f"x = 1\n{expected}"
    assert api.check_source(fixed, "x.py").diagnostics == []


def test_noqa_edit_on_a_statement_that_spans_rows() -> None:
    # The comment goes where flake8 reads it for a statement that spans rows: after the
    # string that ends it, not inside it.
    text = 'x = 1\nok = x in [1, 2] and """\n"""\n'
    edit = api.noqa_edit(SourceText(text), diagnostic_at("PCM201", text))
    assert edit is not None
    fixed = text[: edit.start] + edit.content + text[edit.end :]
    assert fixed == 'x = 1\nok = x in [1, 2] and """\n"""  # noqa: PCM201\n'
    assert api.check_source(fixed, "x.py").diagnostics == []


@given(
    st.lists(st.sampled_from(["a\n", "b\n", "c\r\n", "\n", "d"]), max_size=12),
    st.lists(st.sampled_from(["a\n", "b\n", "x\n", "c\r\n", "\n", "e"]), max_size=12),
)
def test_text_edits_turn_one_text_into_the_other(before: list[str], after: list[str]) -> None:
    old, new = "".join(before), "".join(after)
    edits = api.text_edits(old, new)
    pieces, position = [], 0
    for edit in edits:
        assert edit.start >= position
        pieces += [old[position : edit.start], edit.content]
        position = edit.end
    assert "".join(pieces) + old[position:] == new


def test_text_edits_touch_only_the_lines_that_change() -> None:
    old = textwrap.dedent("""\
        a = 1
        b = x in [1, 2]
        c = 3
    """)
    (edit,) = api.text_edits(old, old.replace("[1, 2]", "{1, 2}"))
    assert old[edit.start : edit.end] == "b = x in [1, 2]\n"
    assert edit.content == "b = x in {1, 2}\n"


def test_fix_edits_apply_one_fix_alone() -> None:
    text = "def f(x: str):\n    return x in ['a', 'b']\n"
    edits = api.fix_edits(SourceText(text), diagnostic_at("PCM201", text))
    (edit,) = edits
    assert text[: edit.start] + edit.content + text[edit.end :] == text.replace("['a', 'b']",
                                                                              "{'a', 'b'}")
