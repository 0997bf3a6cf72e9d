"""Real code nobody here wrote: the standard library of the running Python.

By default a deterministic sample (every Nth file); ``pytest --stdlib-full`` runs every file.
- ``check`` with every rule selected finishes with no internal error and no traceback;
- ``--fix --unsafe-fixes`` on a copy leaves every file that compiled before still compiling
  (and every untouched file byte-identical), and a second ``--fix`` changes nothing.
"""

from __future__ import annotations

import shutil
import sysconfig
import warnings
from pathlib import Path

import pytest

from .conftest import run_cli

STDLIB = Path(sysconfig.get_paths()["stdlib"])
SAMPLE_SIZE = 80


def stdlib_files(full: bool) -> list[Path]:
    files = sorted(p for p in STDLIB.rglob("*.py") if "site-packages" not in p.parts)
    if full:
        return files
    step = max(1, len(files) // SAMPLE_SIZE)
    return files[::step]


@pytest.fixture(scope="module")
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the chosen stdlib files, keeping their relative paths."""
    root = tmp_path_factory.mktemp("stdlib")
    for path in stdlib_files(request.config.getoption("--stdlib-full")):
        target = root / path.relative_to(STDLIB)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return root


def compiles(path: Path) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def test_check_has_no_internal_error(corpus: Path) -> None:
    result = run_cli("check", "--isolated", "--select", "ALL", "--no-respect-gitignore", corpus)
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    assert result.stderr.strip() == "", result.stderr


def test_fix_keeps_code_compiling_and_settles(corpus: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    shutil.copytree(corpus, work)
    before = {p: p.read_bytes() for p in work.rglob("*.py")}
    compiled_before = {p for p in before if compiles(p)}
    result = run_cli(
        "check",
        "--isolated",
        "--select",
        "ALL",
        "--fix",
        "--unsafe-fixes",
        "--no-respect-gitignore",
        "--exit-zero",
        work,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    broken = sorted(str(p.relative_to(work)) for p in compiled_before if not compiles(p))
    assert broken == []
    changed = [p for p in before if p.read_bytes() != before[p]]
    # Something was fixed (the sample is large enough to hold antipatterns).
    assert changed
    after = {p: p.read_bytes() for p in before}
    again = run_cli(
        "check",
        "--isolated",
        "--select",
        "ALL",
        "--fix",
        "--unsafe-fixes",
        "--no-respect-gitignore",
        "--exit-zero",
        work,
    )
    assert again.returncode == 0, again.stderr
    assert [p for p in before if p.read_bytes() != after[p]] == [], "a second --fix changed files"
