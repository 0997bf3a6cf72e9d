"""Shared by the profile tests: the example program, its sample profiles, running the CLI."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

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

def tools(*names: str) -> list[Any]:
    """The named tools (every one by default), for ``parametrize``. Python's `profile` module
    stores code objects in its file: marshal data that a Python older than the one that wrote
    the sample (3.11, see the samples' README) may not read."""
    return [
        pytest.param(tool, marks=pytest.mark.skipif(
            sys.version_info < (3, 11), reason="the sample holds 3.11 code objects"))
        if tool == "profile" else tool
        for tool in names or sorted(SAMPLES)
    ]


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
