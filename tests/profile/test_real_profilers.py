"""Profiles made by the real tools, here, then read by ``check --profile``: the hot finding
must come out above the cold one whatever the profiler."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from perfcodemod.profile import read_profile
from tests.conftest import write
from tests.profile.helpers import by_code, check_json

PROGRAM = '''\
def hot(n):
    known = list(range(0, 3000, 3))
    return sum(1 for i in range(n) if i in known)


def cold():
    return "mode" in ["a", "b", "c"]


if __name__ == "__main__":
    print(hot(20000), cold())
'''
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[dev]' installs it)")
    return found


def run(*args: str | os.PathLike[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def assert_ranked(cwd: Path, profile: str, sampled: bool = False) -> None:
    stacks = read_profile(cwd / profile).stacks
    if sampled and not any(f.file.endswith("app.py") for stack in stacks for f in stack):
        # An outside sampler on a busy machine may catch nothing of a short program.
        pytest.skip("the sampler took no sample of the program's code")
    data, stderr, code = check_json("--profile", profile, "app.py", cwd=cwd)
    assert code == 1, stderr
    found = by_code(data)
    assert found["PCM204"]["profile"]["share"] > 0.5
    assert found["PCM204"]["profile"]["priority"] == "high"
    assert found["PCM201"]["profile"]["priority"] in {"low", "not-run"}


@pytest.fixture
def app(tmp_path: Path) -> Path:
    write(tmp_path / "app.py", PROGRAM)
    return tmp_path


@pytest.mark.parametrize("module", ["cProfile", "profile"])
def test_stdlib_profilers(app: Path, module: str) -> None:
    result = run(sys.executable, "-m", module, "-o", "out.prof", "app.py", cwd=app)
    assert result.returncode == 0, result.stderr
    assert_ranked(app, "out.prof")


def test_pyinstrument(app: Path) -> None:
    result = run(tool("pyinstrument"), "-r", "speedscope", "-o", "out.json", "app.py", cwd=app)
    assert result.returncode == 0, result.stderr
    assert_ranked(app, "out.json", sampled=True)


@pytest.mark.parametrize("fmt", ["speedscope", "raw"])
def test_py_spy(app: Path, fmt: str) -> None:
    result = run(tool("py-spy"), "record", "-r", "500", "--format", fmt, "-o", "out.prof",
                 "--", sys.executable, "app.py", cwd=app)
    if result.returncode != 0 or not (app / "out.prof").is_file():
        pytest.skip(f"py-spy cannot sample here (it needs ptrace): {result.stderr.strip()[-200:]}")
    assert_ranked(app, "out.prof", sampled=True)


def test_scalene(app: Path) -> None:
    result = run(tool("scalene"), "run", "--cpu-only", "-o", "out.json", "app.py", cwd=app)
    if result.returncode != 0 or not (app / "out.json").is_file():
        pytest.skip(f"Scalene cannot run here: {result.stderr.strip()[-200:]}")
    assert_ranked(app, "out.json", sampled=True)


def test_perfcodemod_profile(app: Path) -> None:
    result = run(sys.executable, "-m", "perfcodemod", "profile", "-q", "-o", "out.json",
                 "app.py", cwd=app)
    assert result.returncode == 0, result.stderr
    assert_ranked(app, "out.json")
