"""The project holds itself to its own standard: its rules find nothing in its own source, and
ruff and mypy (strict, configured in pyproject.toml) pass."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from .conftest import REPO, run_cli


def test_perfcodemod_finds_nothing_in_its_own_source() -> None:
    result = run_cli("check", "src", cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr


def _tool(name: str) -> str:
    path = shutil.which(name, path=str(REPO / ".venv" / "bin")) or shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (it is in the dev extra)")
    return path


def test_ruff_passes() -> None:
    result = subprocess.run(
        [_tool("ruff"), "check", "src", "tests", "benchmarks"],
        cwd=REPO, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_passes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental"],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    if "No module named mypy" in result.stderr:
        pytest.skip("mypy is not installed (it is in the dev extra)")
    assert result.returncode == 0, result.stdout + result.stderr
