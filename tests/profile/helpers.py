"""Shared by the profile tests: the example program, its sample profiles, running the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import FIXTURES, REPO, run_cli

EXAMPLE = FIXTURES / "profile"
PROFILES = REPO / "tests" / "data" / "profiles"
#: Sample profiles of the example program, made by each tool (see tests/data/profiles/README).
SAMPLES = {
    "cprofile": "shop.cprofile.pstats",
    "profile": "shop.profile.pstats",
    "pyinstrument": "shop.pyinstrument.json",
    "py-spy-speedscope": "shop.py-spy.json",
    "py-spy-raw": "shop.py-spy.txt",
    "scalene": "shop.scalene.json",
    "perfcodemod": "shop.perfcodemod.json",
}


def example_copy(tmp_path: Path) -> Path:
    """The example program in a directory of its own (as another checkout would be)."""
    target = tmp_path / "shop"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("__pycache__", "*.json"))
    return target


def check_json(*args: str | Path, cwd: Path) -> tuple[list[dict[str, Any]], str, int]:
    result = run_cli("check", "--output-format", "json", *args, cwd=cwd)
    return json.loads(result.stdout or "[]"), result.stderr, result.returncode


def by_code(diagnostics: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["code"]: d for d in diagnostics}
