"""Deep but valid code is checked and fixed, or skipped rule by rule, saying why.

A 500-branch ``elif`` chain or a 1,000-term ``+`` chain is valid Python; LibCST's code
generation, ``ast``'s construction of its tree and some analyses recurse once per level, past
Python's default recursion limit, and LibCST's parser takes time that grows with the cube of
an expression's depth. Inputs are generated here at the sizes CPython itself accepts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from perfcodemod import api, deep, engine

from .conftest import run_cli, write

#: Python 3.12 caps recursion through C code, whatever the recursion limit: LibCST's code
#: generation stops at about 700 levels there (3.13: about 5,000).
PY312 = sys.version_info[:2] == (3, 12)


def elif_chain(branches: int) -> str:
    """A function with ``branches`` branches, each with a constant membership test (PCM201),
    and a quadratic de-duplication after them (PCM203)."""
    lines = ["def classify(x: int, names: list[str]) -> list[str]:"]
    for i in range(branches):
        lines.append(f"    {'if' if i == 0 else 'elif'} x == {i} and x in [{i}, {i + 1}]:")
        lines.append(f"        return ['v{i}']")
    lines += [
        "    seen = []",
        "    for name in names:",
        "        if name not in seen:",
        "            seen.append(name)",
        "    return seen",
        "",
        "OTHER = 'a' in ['a', 'b']",
    ]
    return "\n".join(lines) + "\n"


def plus_chain(terms: int) -> str:
    """A membership test in a loop (PCM204) whose branch adds ``terms`` terms, and another
    statement with a PCM201."""
    total = " + ".join(f"v{i % 3}" for i in range(terms))
    return (
        "def total(rows: list[int], v0: int, v1: int, v2: int) -> int:\n"
        "    wanted = [r for r in rows if r]\n"
        "    out = 0\n"
        "    for r in rows:\n"
        "        if r in wanted:\n"
        f"            out += {total}\n"
        "    return out\n"
        "\n"
        "OTHER = 'a' in ['a', 'b']\n"
    )


def codes(report: api.FileReport) -> list[tuple[str, int]]:
    return [(d.code, d.row) for d in report.diagnostics]


def test_500_branch_elif_chain_is_checked_and_fixed() -> None:
    code = elif_chain(500)
    report = api.check_source(code, "deep.py")
    assert not report.errors
    found = codes(report)
    assert found.count(("PCM201", 2)) == 1 and ("PCM201", 1000) in found  # first and last
    assert sum(code == "PCM201" for code, _ in found) == 501  # with OTHER
    assert ("PCM203", 1004) in found and ("PCM201", 1008) in found
    fixed = api.fix_source(code, "deep.py", unsafe=True)
    assert not fixed.errors
    assert fixed.fixed is not None
    text = fixed.fixed.text
    assert "x in {499, 500}:" in text and "seen = list(dict.fromkeys(names))" in text
    compile(text, "deep.py", "exec")
    assert api.fix_source(text, "deep.py", unsafe=True).fixed is None


def test_2000_branch_elif_chain() -> None:
    report = api.check_source(elif_chain(2000), "deep.py")
    assert not report.errors
    found = codes(report)
    assert ("PCM201", 4008) in found  # OTHER, in a statement of its own
    if PY312:
        # Beyond 3.12's C recursion cap: the rules that report in the chain are skipped.
        assert sorted(m for d in report.diagnostics if (m := d.message).startswith("the")) == [
            f"the code nests too deeply here for Python's recursion limit; rule {code} was not "
            "run on lines 1-4006"
            for code in ("PCM201", "PCM203")
        ]
    else:
        assert sum(code == "PCM201" for code, _ in found) == 2001
        assert ("PCM203", 4004) in found


def test_1000_term_chain_is_checked_and_fixed() -> None:
    code = plus_chain(1000)
    report = api.check_source(code, "chain.py")
    assert not report.errors
    if PY312:
        assert codes(report) == [("PCM001", 1), ("PCM201", 9)]
        assert report.diagnostics[0].message == (
            "the code nests too deeply here for Python's recursion limit; rule PCM204 was not "
            "run on lines 1-7"
        )
        return
    assert codes(report) == [("PCM204", 5), ("PCM201", 9)]
    fixed = api.fix_source(code, "chain.py", unsafe=True)
    assert not fixed.errors and fixed.fixed is not None
    assert "wanted_set = set(wanted)" in fixed.fixed.text
    compile(fixed.fixed.text, "chain.py", "exec")


def test_5000_term_chain_skips_its_statement_and_checks_the_rest() -> None:
    code = plus_chain(5000)
    try:
        deep.retry_deep(compile, code, "chain.py", "exec")
    except RecursionError:
        pytest.skip("this Python does not compile a 5,000-term chain either")
    report = api.check_source(code, "chain.py")
    assert not report.errors
    assert codes(report) == [("PCM001", 1), ("PCM201", 9)]
    assert report.diagnostics[0].message == (
        f"expressions nest more than {engine.MAX_EXPRESSION_DEPTH} deep here, deeper than "
        "LibCST parses in reasonable time; rule PCM204 was not run on lines 1-7"
    )


NESTED = {
    "calls": "f(" * 190 + "x in [1, 2]" + ")" * 190,
    "lists": "[" * 190 + "x in [1, 2]" + "]" * 190,
    "parentheses": "(" * 190 + "x in [1, 2]" + ")" * 190,
    "subscripts": "x" + "[0]" * 190 + " in [1, 2]",
    "unary": "-" * 190 + "x in [1, 2]",
    "lambdas": "lambda: " * 190 + "x in [1, 2]",
    "conditional": "x in [1, 2] if x else " * 190 + "0",
}


@pytest.mark.parametrize("expression", list(NESTED.values()), ids=list(NESTED))
def test_deeply_nested_expressions_are_checked(expression: str) -> None:
    """190 levels: CPython's parser refuses 200 nested brackets."""
    code = f"def g(x: int, f=print):\n    return {expression}\n"
    report = api.check_source(code, "nested.py")
    assert not report.errors
    assert {code for code, _ in codes(report)} == {"PCM201"}
    fixed = api.fix_source(code, "nested.py", unsafe=True)
    assert not fixed.errors and fixed.fixed is not None
    assert "[1, 2]" not in fixed.fixed.text
    compile(fixed.fixed.text, "nested.py", "exec")


def test_a_rule_out_of_room_is_skipped_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no room to retry (the limit that a Python beyond its means has), the rule that
    cannot finish is skipped with a diagnostic, and the rest of the file is checked."""
    monkeypatch.setattr(deep, "RECURSION_LIMIT", 1000)
    monkeypatch.setattr(engine, "DEBUG", False)
    report = api.check_source(elif_chain(500), "deep.py")
    assert not report.errors
    assert [(d.code, d.row, d.message) for d in report.diagnostics] == [
        ("PCM001", 1, f"the code nests too deeply here for Python's recursion limit; rule {code} "
         "was not run on lines 1-1006")
        for code in ("PCM201", "PCM203")
    ] + [("PCM201", 1008, "Membership test against a list of constants; use a set literal")]


def test_cli_on_deep_code(tmp_path: Path) -> None:
    """The real command line: no traceback, no internal error, exit 1 with findings."""
    write(tmp_path / "deep.py", elif_chain(500))
    write(tmp_path / "chain.py", plus_chain(1000))
    result = run_cli("check", "--isolated", "--statistics", ".", cwd=tmp_path)
    assert result.stderr == ""
    assert result.returncode == 1
    assert "internal error" not in result.stdout
