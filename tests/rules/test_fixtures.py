"""Fixture files: ``fixtures/<family>/PCMxxx.py`` hold runnable code with the expected
diagnostics written inline (``# PCM201: 13`` = this rule at this 1-based column of this line).

For each fixture: the diagnostics are exactly the expected ones; ``--fix --unsafe-fixes`` gives
the golden ``PCMxxx.fixed.py`` (``pytest --update-golden`` rewrites it), and a second run
changes nothing; the original, the safe-fixed and the fully fixed program all run and print the
same thing.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

from perfcodemod import api, registry

from ..conftest import FIXTURES, run_python
from .helpers import settings_for

EXPECTATION = re.compile(r"\b(PCM\d{3}):\s*(\d+)")
FIXTURE_FILES = sorted(
    path for path in FIXTURES.glob("*/PCM*.py") if not path.name.endswith(".fixed.py")
)


def expectations(text: str) -> set[tuple[int, int, str]]:
    found = set()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT and "noqa" not in token.string:
            for code, column in EXPECTATION.findall(token.string):
                found.add((token.start[0], int(column), code))
    return found


def rule_of(path: Path):
    rule = registry.get_rule(path.name.split(".")[0])
    assert rule is not None, f"{path}: no rule {path.stem}"
    return rule


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[p.stem for p in FIXTURE_FILES])
def test_fixture_diagnostics(path: Path) -> None:
    rule = rule_of(path)
    text = path.read_text(encoding="utf-8")
    report = api.check_source(text, path, settings_for(rule))
    assert not report.errors
    found = {(d.row, d.col, d.code) for d in report.diagnostics if d.code == rule.code}
    expected = expectations(text)
    assert expected, f"{path.name} states no expectation"
    assert sorted(found - expected) == [], "reported but not expected"
    assert sorted(expected - found) == [], "expected but not reported"


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[p.stem for p in FIXTURE_FILES])
def test_fixture_golden_and_behaviour(
    path: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    rule = rule_of(path)
    text = path.read_text(encoding="utf-8")
    settings = settings_for(rule)
    full = api.fix_source(text, path, settings, unsafe=True)
    assert not full.errors
    fully_fixed = (full.fixed or full.original).text  # type: ignore[union-attr]
    golden = path.with_name(path.stem + ".fixed.py")
    if request.config.getoption("--update-golden"):
        golden.write_text(fully_fixed, encoding="utf-8", newline="")
    assert golden.exists(), f"missing {golden.name}: run pytest --update-golden"
    assert fully_fixed == golden.read_text(encoding="utf-8")
    again = api.fix_source(fully_fixed, path, settings, unsafe=True)
    assert again.fixed is None or again.fixed.text == fully_fixed, "a second --fix changed the code"
    compile(fully_fixed, str(golden), "exec")

    safe = api.fix_source(text, path, settings, unsafe=False)
    safe_text = (safe.fixed or safe.original).text  # type: ignore[union-attr]
    original_run = run_python(path)
    assert original_run[0] == 0, original_run[2]
    for label, variant in (("safe", safe_text), ("unsafe", fully_fixed)):
        variant_path = tmp_path / label / path.name
        variant_path.parent.mkdir()
        variant_path.write_text(variant, encoding="utf-8")
        assert run_python(variant_path) == original_run, f"{label}-fixed code behaves differently"
