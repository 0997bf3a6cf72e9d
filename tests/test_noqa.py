"""Suppression comments, through the real command line: ``# noqa`` (bare, with codes, with
prefixes) on the diagnostic's line, and ``# perfcodemod: noqa`` for a whole file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from perfcodemod import noqa

from .conftest import run_cli, write

LINE = re.compile(r"^(?P<path>[^:\s]+):(?P<row>\d+):\d+: (?P<code>PCM\d{3}) ", re.MULTILINE)

# Each line holds one PCM201 (safe fix); the trailing comment decides whether it is suppressed.
LINES = [
    ("a = 1 in [1, 2]", True),
    ("a = 1 in [1, 2]  # noqa", False),
    ("a = 1 in [1, 2]  #noqa", False),
    ("a = 1 in [1, 2]  # NOQA", False),
    ("a = 1 in [1, 2]  # noqa: PCM201", False),
    ("a = 1 in [1, 2]  # noqa:PCM201", False),
    ("a = 1 in [1, 2]  # noqa: pcm201", False),
    ("a = 1 in [1, 2]  # noqa: PCM2", False),
    ("a = 1 in [1, 2]  # noqa: PCM", False),
    ("a = 1 in [1, 2]  # noqa: E501, PCM201", False),
    ("a = 1 in [1, 2]  # noqa: E501,PCM201", False),
    ("a = 1 in [1, 2]  # noqa: E501 PCM2", False),
    ("a = 1 in [1, 2]  # type: ignore  # noqa: PCM201", False),
    ("a = 1 in [1, 2]  # noqa: E501", True),
    ("a = 1 in [1, 2]  # noqa: PCM202", True),
    ("a = 1 in [1, 2]  # noqa: PCM3, PCM20", False),
    ("a = 1 in [1, 2]  # noqa: PCM3, PCM0", True),
    ("a = 1 in [1, 2]  # noqa PCM202 (a bare noqa: the codes need a colon)", False),
    ("a = 1 in [1, 2]  # not a noqa: PCM201", True),  # `noqa` must follow the `#`
    ("a = 1 in [1, 2]  # see above # noqa: PCM201", False),  # ...but may follow another comment
]


def reported_rows(*args: str, cwd: Path) -> dict[str, set[int]]:
    result = run_cli(*args, cwd=cwd)
    assert result.returncode in {0, 1}, result.stderr
    rows: dict[str, set[int]] = {}
    for match in LINE.finditer(result.stdout):
        rows.setdefault(match["path"], set()).add(int(match["row"]))
    return rows


def test_line_noqa_variants(tmp_path: Path) -> None:
    write(tmp_path / "a.py", "".join(line + "\n" for line, _ in LINES))
    expected = {row for row, (_, reported) in enumerate(LINES, 1) if reported}
    assert reported_rows("a.py", cwd=tmp_path) == {"a.py": expected}
    # --fix leaves suppressed lines alone.
    run_cli("--fix", "a.py", cwd=tmp_path)
    fixed = (tmp_path / "a.py").read_text().splitlines()
    for row, (line, reported) in enumerate(LINES, 1):
        assert fixed[row - 1] == (line.replace("[1, 2]", "{1, 2}") if reported else line)


def test_noqa_belongs_on_the_diagnostics_first_line(tmp_path: Path) -> None:
    write(tmp_path / "a.py", (
        "def f(x: int):\n"
        "    a = x in (  # noqa: PCM201\n"
        "        1,\n"
        "        2,\n"
        "    )\n"
        "    b = x in (\n"
        "        1,\n"
        "        2,\n"
        "    )  # noqa: PCM201\n"
        "    # noqa\n"
        "    c = x in [1, 2]\n"
        "    return a, b, c\n"
    ))
    assert reported_rows("a.py", cwd=tmp_path) == {"a.py": {6, 11}}


# A diagnostic whose first row starts a multi-line string or a backslash continuation: the
# noqa comment goes after the string's (continuation's) last row, as ruff places it.
MULTI_LINE = (
    'def f(x: int):\n'
    '    return (x in (1, 2), """\n'
    'text\n'
    '""")\n'
    '\n'
    '\n'
    'def g(x: int):\n'
    '    return x in (1, 2) and \\\n'
    '        x > 0\n'
    '\n'
    '\n'
    'def h(x: int):\n'
    '    return (x in (1, 2), """a\n'
    '""", """b\n'
    '""")\n'
    '\n'
    '\n'
    'TEXT = f"""{1 in [1, 2]}\n'
    '"""\n'
)


def test_noqa_after_a_multi_line_string_or_continuation(tmp_path: Path) -> None:
    lines = MULTI_LINE.splitlines(keepends=True)
    # Where the comment goes: the last row of the string or continuation (chains merged).
    noqa_rows = {2: 4, 8: 9, 13: 15, 18: 19}
    write(tmp_path / "a.py", MULTI_LINE)
    assert reported_rows("a.py", cwd=tmp_path) == {"a.py": set(noqa_rows)}
    data = json.loads(run_cli("a.py", "--output-format", "json", cwd=tmp_path).stdout)
    assert {item["location"]["row"]: item["noqa_row"] for item in data} == noqa_rows
    commented = "".join(
        line.rstrip("\n") + "  # noqa: PCM201\n" if row in noqa_rows.values() else line
        for row, line in enumerate(lines, 1)
    )
    write(tmp_path / "b.py", commented)
    assert reported_rows("b.py", cwd=tmp_path) == {}
    # --add-noqa puts its comments there, and the code is unchanged.
    write(tmp_path / "c.py", MULTI_LINE)
    added = run_cli("--add-noqa", "c.py", cwd=tmp_path)
    assert (added.returncode, added.stderr) == (0, "Added 4 noqa directives.\n")
    assert (tmp_path / "c.py").read_text() == commented
    # A comment on a string's first row is not a comment, nor one before a continuation.
    first_rows = "".join(
        line.rstrip("\n") + "  # noqa\n" if row in {2, 13, 18} else line
        for row, line in enumerate(lines, 1)
    )
    write(tmp_path / "d.py", first_rows)
    assert reported_rows("d.py", cwd=tmp_path) == {"d.py": set(noqa_rows)}


@pytest.mark.parametrize(("text", "expected"), [
    ("x = 1\n", {}),
    ('x = """a\nb\nc"""\n', {1: 3, 2: 3}),
    ("x = 1 + \\\n    2 + \\\n    3\n", {1: 3, 2: 3}),
    ('x = (\n    "a"\n    "b"\n)\n', {}),  # brackets: the first row takes the comment
    ('x = """a\n""" + \\\n    """b\n"""\ny = 1\n', {1: 4, 2: 4, 3: 4}),
    ("x = '''\n'''\n\ny = '''\n'''\n", {1: 2, 4: 5}),
    ("def f(:\n", {}),
])
def test_noqa_rows(text: str, expected: dict[int, int]) -> None:
    assert noqa.noqa_rows(text) == expected


FILE_LEVEL = {
    "all.py": ("# perfcodemod: noqa\nx = 1 in [1, 2]\n", set()),
    "spaced.py": ("x = 1 in [1, 2]\n\n  #perfcodemod:NOQA  \n", set()),
    "codes.py": ("# perfcodemod: noqa: PCM201\nx = 1 in [1, 2]\n", set()),
    "prefix.py": ("x = 1 in [1, 2]\n# perfcodemod: noqa: PCM3, PCM2\n", set()),
    "other.py": ("# perfcodemod: noqa: PCM3\nx = 1 in [1, 2]\n", {2}),
    "crlf.py": ("# perfcodemod: noqa: PCM201\r\nx = 1 in [1, 2]\r\n", set()),
    "in_docstring.py": ('"""Example:\n# perfcodemod: noqa\n"""\nx = 1 in [1, 2]\n', {4}),
    # The file-level directive must be on its own line (nor is it a line noqa).
    "trailing.py": ("x = 1 in [1, 2]  # perfcodemod: noqa\ny = 1 in [1, 2]\n", {1, 2}),
    "flake8_style.py": ("# flake8: noqa\nx = 1 in [1, 2]\n", {2}),
    "next_line.py": ("# perfcodemod: noqa: PCM3\nPCM201 = 1 in [1, 2]\n", {2}),
}


def test_file_level_noqa(tmp_path: Path) -> None:
    for name, (text, _) in FILE_LEVEL.items():
        write(tmp_path / name, text)
    rows = reported_rows(".", cwd=tmp_path)
    assert rows == {name: expected for name, (_, expected) in FILE_LEVEL.items() if expected}


def test_noqa_does_not_hide_a_syntax_error(tmp_path: Path) -> None:
    write(tmp_path / "broken.py", "# perfcodemod: noqa\ndef f(:  # noqa\n    pass\n")
    result = run_cli("broken.py", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("broken.py:2:7: PCM001 SyntaxError: ")
    # Only the configuration turns PCM001 off.
    assert run_cli("broken.py", "--ignore", "PCM001", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("x = 1", False),
        ("x = 1  # noqa", None),
        ("x = 1  # noqa: PCM201,PCM3", ("PCM201", "PCM3")),
        ("x = 1  # NoQA:pcm2 E501", ("PCM2", "E501")),
        ("x = 1  # noqa: PCM201\r\n", ("PCM201",)),
    ],
)
def test_line_noqa_parsing(comment: str, expected: object) -> None:
    assert noqa.line_noqa(comment) == expected


def test_a_suppressed_diagnostic_keeps_a_shared_fix_away_from_its_code() -> None:
    """Rules that give every diagnostic of one statement one shared fix must not rewrite the
    suppressed line through the diagnostic that is still reported."""
    from perfcodemod import api
    from perfcodemod.config import settings_from_table

    code = (
        "def f(names: list[str], wanted: list[str]) -> list[int]:\n"
        "    ordered = sorted(names)\n"
        "    return [\n"
        "        ordered.index(a)  # noqa: PCM302\n"
        "        + ordered.index(b)\n"
        "        for a, b in zip(wanted, wanted)\n"
        "    ]\n"
    )
    settings = settings_from_table({"select": ["PCM302"]}, None, Path.cwd())
    unsuppressed = api.check_source(code.replace("  # noqa: PCM302", ""), "a.py", settings)
    assert [d.fix is not None for d in unsuppressed.diagnostics] == [True, True]
    report = api.check_source(code, "a.py", settings)
    assert [(d.row, d.fix) for d in report.diagnostics] == [(5, None)]
    fixed = api.fix_source(code, "a.py", settings, unsafe=True)
    assert fixed.fixed is None
