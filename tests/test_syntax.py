"""Syntax newer than the running Python: checked as the newer Python would, on every Python.

A pre-commit hook runs perfcodemod on its own Python, not the project's. Code using PEP 695
type parameters or PEP 701 f-strings must be checked under 3.9 to 3.11 too, never reported as
a syntax error (``syntax.py`` spells it in older syntax for ``ast``, keeping every position);
what cannot be spelled so (a ``match`` statement under 3.9) says which Python can check it.
CI runs these tests on the oldest and the newest supported Python.
"""

from __future__ import annotations

import ast
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from perfcodemod import api, syntax

from .conftest import run_cli, write

#: Code of newer Pythons, each with a membership test that PCM201 reports at (row, column).
NEWER = {
    "pep695-function": ("def pick[T](x: T) -> bool:\n    return x in [1, 2]\n", (2, 17)),
    "pep695-class": (
        "class Box[T: (int, str), *Ts, **P]:\n    def has(self, x: int) -> bool:\n"
        "        return x in [1, 2]\n",
        (3, 21),
    ),
    "pep695-multiline-parameters": (
        "def pick[\n    T,  # the item\n    U: int,\n](x: T, y: U) -> bool:\n"
        "    return x in [1, 2]\n",
        (5, 17),
    ),
    "pep695-alias": ("type Pair[T] = tuple[T, T]\nok = 3 in [1, 2]\n", (2, 11)),
    "pep695-alias-in-function": (
        "def f(x: int) -> bool:\n    type Ints = list[int]\n    return x in [1, 2]\n",
        (3, 17),
    ),
    "pep696-default": ("def pick[T = int](x: T) -> bool:\n    return 1 in [1, 2]\n", (2, 17)),
    "pep701-quotes": (
        'def label(row: dict) -> str:\n    return f"{row["k"]}: {"y" if 1 in [1, 2] else "n"}"\n',
        (2, 39),
    ),
    "pep701-backslash": ("s = f\"{'\\n'.join(['a'])}\"\nok = 1 in [1, 2]\n", (2, 11)),
    "pep701-comment-and-lines": (
        'x = 1\ns = f"{x  # a comment\n   in [1, 2]}"\n', (3, 7)),
    "pep701-nested-and-concatenated": (
        "v = 1\ns = (f\"{f\"{v in [1, 2]}\"}\" 'plain'\n     f'{v!r:>{v}}')\n", (2, 17)),
    "pep701-format-spec": ('w = 3\ns = f"{1 in [1, 2]!r:>{w}}{"{"}"\n', (2, 13)),
    "pep646-stars": (
        "def f(*args: *Ts) -> tuple[*Ts]:\n    return 1 in [1, 2]\n", (2, 17)),
    "except-star": (
        "try:\n    pass\nexcept* (ValueError, TypeError) as group:\n    ok = 1 in [1, 2]\n",
        (4, 15),
    ),
    "pep750-template-string": ('x = 1\nt = t"{x in [1, 2]} {x!r:>{x}}"\n', (2, 13)),
}


def _pcm201_rows(report: api.FileReport) -> list[tuple[str, int, int]]:
    return [(d.code, d.row, d.col) for d in report.diagnostics]


@pytest.mark.parametrize("code, where", list(NEWER.values()), ids=list(NEWER))
def test_newer_syntax_is_checked_on_every_python(code: str, where: tuple[int, int]) -> None:
    report = api.check_source(code, "new.py")
    assert not report.errors
    assert ("PCM201", *where) in _pcm201_rows(report)
    assert [d.message for d in report.diagnostics if d.code == "PCM001"] == []


@pytest.mark.parametrize("code, where", list(NEWER.values()), ids=list(NEWER))
def test_newer_syntax_is_fixed(code: str, where: tuple[int, int]) -> None:
    fixed = api.fix_source(code, "new.py", unsafe=True)
    assert not fixed.errors
    assert fixed.fixed is not None
    text = fixed.fixed.text
    assert text == code.replace("[1, 2]", "{1, 2}")
    syntax.parse(text)


def _ast_positions(tree: ast.Module, lines: list[str]) -> tuple[set[tuple], set[tuple]]:
    def column(row: int, byte_col: int) -> int:
        return len(lines[row - 1].encode()[:byte_col].decode())

    calls = {
        (n.lineno, column(n.lineno, n.col_offset), n.end_lineno,
         column(n.end_lineno or n.lineno, n.end_col_offset or 0))
        for n in ast.walk(tree) if isinstance(n, ast.Call)
    }
    names = {
        (n.id, n.lineno, column(n.lineno, n.col_offset))
        for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }
    return calls, names


def misplaced(code: str) -> tuple[set[tuple], set[tuple]]:
    """The calls and names read of ``syntax.parse``'s tree that are not where LibCST puts
    them, and the calls that LibCST has and the tree lacks."""
    tree = syntax.parse(code)
    module = cst.parse_module(code)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    # Type parameters are blanked: a call in a bound is not in the tree (nor run eagerly).
    blanked = [
        ((p.start.line, p.start.column), (p.end.line, p.end.column))
        for node, p in positions.items() if isinstance(node, cst.TypeParameters)
    ]
    cst_calls = {
        (p.start.line, p.start.column, p.end.line, p.end.column)
        for node, p in positions.items()
        if isinstance(node, cst.Call)
        and not any(
            start <= (p.start.line, p.start.column) and (p.end.line, p.end.column) <= end
            for start, end in blanked
        )
    }
    cst_names = {
        (node.value, p.start.line, p.start.column)
        for node, p in positions.items() if isinstance(node, cst.Name)
    }
    calls, names = _ast_positions(tree, code.splitlines(keepends=True))
    calls = {
        c for c in calls
        if not any(start <= c[:2] and c[2:] <= end for start, end in blanked)
    }
    if sys.version_info < (3, 10):
        # 3.9's ast gives calls in multi-line f-strings wrong columns (see analysis/twins.py).
        calls = {c for c in calls if c[0] == c[2]}
        cst_calls = {c for c in cst_calls if c[0] == c[2]}
    return (calls ^ cst_calls), names - cst_names


CALLS = (
    "def f[T](x: T = g(1)) -> h[T]:\n    return k(x)\n"
    "type A[T: g(2)] = h(3)\n"
    "s = f\"{m(f\"{n(1)}\")!r:>{o(2)}}\" f'{p(\n  3)}'\n"
    "try:\n    q()\nexcept* r() as e:\n    u(e)\n"
)


@pytest.mark.parametrize(
    "code", [*[code for code, _ in NEWER.values()], CALLS], ids=[*NEWER, "calls"]
)
def test_rewriting_keeps_every_call_and_name_in_place(code: str) -> None:
    calls, names = misplaced(code)
    assert calls == set()
    assert names == set()


def _newer_stdlib_tests() -> list[Path]:
    """Test modules of newer Pythons installed here that the running Python cannot parse."""
    found = []
    names = ("test_type_params.py", "test_type_aliases.py", "test_except_star.py",
             "test_fstring.py")
    for version in sorted(Path("/root/.pyenv/versions").glob("3.1[1-9].*")):
        for name in names:
            path = next(version.glob(f"lib/python3.*/test/{name}"), None)
            if path is None:
                continue
            try:
                ast.parse(path.read_bytes())
            except SyntaxError:
                found.append(path)
            except ValueError:
                pass  # 3.12.1 cannot build the ast of 3.13's test_fstring.py (a CPython bug)
    return found


NEWER_STDLIB = _newer_stdlib_tests()


@pytest.mark.skipif(not NEWER_STDLIB, reason="no newer Python's test suite here")
@pytest.mark.parametrize("path", NEWER_STDLIB, ids=[str(p)[-40:] for p in NEWER_STDLIB])
def test_newer_pythons_own_tests_are_read(path: Path) -> None:
    """CPython's tests of its newest syntax, read by an older Python: every call in place."""
    code = path.read_text(encoding="utf-8")
    reproduced = cst.parse_module(code).code
    if reproduced != code:
        # LibCST drops some whitespace that 3.12 allows (`f"{x!r  }"`): positions after it
        # would be wrong, so the file is "for Python 3.12", and LibCST's version is checked.
        with pytest.raises(syntax.NewerSyntaxError, match="Python 3.12 syntax"):
            syntax.parse(code)
        code = reproduced
    calls, _ = misplaced(code)
    assert calls == set()


def test_code_libcst_cannot_reproduce_is_not_fixed_in_the_wrong_place() -> None:
    """LibCST drops the whitespace after an f-string's ``!r`` (valid from 3.12): its offsets
    after it are off by that much, and a fix there would edit the wrong characters."""
    code = 'def f(x):\n    s = f"{x!r  }"\n    return x in [1, 2]\n\nok = 1 in [1, 2]\n'
    report = api.fix_source(code, "ws.py", unsafe=True)
    assert not report.errors
    if sys.version_info < (3, 12):
        assert report.fixed is None
        (diagnostic,) = report.diagnostics
        assert (diagnostic.code, diagnostic.row, diagnostic.col) == ("PCM001", 2, 9)
        assert diagnostic.message.startswith("this file uses Python 3.12 syntax (an f-string")
        return
    # The next statement is checked and fixed; the function is left alone, and says why.
    assert report.fixed is not None
    assert report.fixed.text == code.replace("ok = 1 in [1, 2]", "ok = 1 in {1, 2}")
    (diagnostic,) = report.diagnostics
    assert (diagnostic.code, diagnostic.row) == ("PCM001", 2)
    assert diagnostic.message == (
        "LibCST cannot reproduce this code exactly; rules PCM201 were not run on it"
    )


def test_match_statement_needs_python_310() -> None:
    code = "def f(x):\n    match x:\n        case [a, *rest]:\n            return a in [1, 2]\n"
    report = api.check_source(code, "m.py")
    if sys.version_info >= (3, 10):
        assert _pcm201_rows(report) == [("PCM201", 4, 25)]
    else:
        (diagnostic,) = report.diagnostics
        assert (diagnostic.code, diagnostic.row, diagnostic.col) == ("PCM001", 2, 5)
        assert diagnostic.message == (
            "this file uses Python 3.10 syntax (a `match` statement), which Python 3.9 "
            "(running perfcodemod) cannot parse; run perfcodemod under Python 3.10 or newer "
            "to check it"
        )


@pytest.mark.parametrize(
    "code, where",
    [
        # A real error in a file that uses newer syntax too: the real error is reported.
        # (Below 3.12, ast's complaint about the type parameters comes first.)
        ("def f[T](x: T):\n    return x in [1, 2]\ndef g(:\n    pass\n", None),
        ('s = f"{1 in [1, 2]}"\nx = (\n', None),
        # Nested beyond CPython's limit: LibCST (whose parser would crash) is not asked.
        ("x = " + "(" * 300 + "1" + ")" * 300 + "\ny = 1 in [1, 2]\n", None),
    ],
    ids=["real-error-after-newer-syntax", "unclosed", "too-deep"],
)
def test_real_syntax_errors_are_still_reported(
    code: str, where: tuple[int, int] | None
) -> None:
    report = api.check_source(code, "bad.py")
    (diagnostic,) = report.diagnostics
    assert diagnostic.code == "PCM001"
    assert diagnostic.message.startswith(("SyntaxError: ", "cannot parse: "))
    if where is not None:
        assert (diagnostic.row, diagnostic.col) == where


def test_cli_on_a_312_project(tmp_path: Path) -> None:
    """What a pre-commit hook on the default Python does with a Python 3.12 project, through
    the real command line, also with a target version below the syntax (not reported: see
    the README)."""
    write(tmp_path / "app.py", textwrap.dedent("""\
        type Names = list[str]


        def label[T](row: dict[str, T]) -> str:
            return f"{row["name"]}{"!" if row["name"] in ["a", "b"] else ""}"
        """))
    for target in ("py312", "py39"):
        result = run_cli("check", "--isolated", "--target-version", target, "app.py",
                         cwd=tmp_path)
        assert result.stderr == ""
        assert result.stdout.splitlines()[0] == (
            "app.py:5:50: PCM201 Membership test against a list of constants; use a set literal"
        )
        assert "PCM001" not in result.stdout
        assert result.returncode == 1
