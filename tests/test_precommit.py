"""The pre-commit hooks, through real pre-commit: ``try-repo`` builds a virtualenv from this
repository's working tree (pip-installing it, which needs PyPI) and runs a hook in a scratch git
repository. Two runs (one per hook) share one scratch repository: each installs the package,
which takes a while."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import REPO, write

CODE = "def f(x: int):\n    return x in [1, 2]\n"
FIXED = "def f(x: int):\n    return x in {1, 2}\n"
UNSAFE = "def g(value):\n    return value in ['x', 'y']\n"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")


def test_hooks_manifest() -> None:
    hooks = {hook["id"]: hook for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"perfcodemod", "perfcodemod-fix"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types_or"] == ["python", "pyi"]
        assert "--force-exclude" in hook["entry"].split()
    assert "--fix" not in hooks["perfcodemod"]["entry"].split()
    assert {"--fix", "--exit-non-zero-on-fix"} <= set(hooks["perfcodemod-fix"]["entry"].split())


def _git(*args: str, cwd: Path, env: dict[str, str]) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("precommit")
    project = root / "project"
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(root / "cache"),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    env.pop("PERFCODEMOD_DEBUG", None)
    project.mkdir()
    _git("init", "-q", ".", cwd=project, env=env)
    write(project / "pyproject.toml", '[tool.perfcodemod]\nextend-exclude = ["generated"]\n')
    write(project / "a.py", CODE)
    write(project / "unsafe.py", UNSAFE)
    write(project / "stub.pyi", "def f(x: int) -> bool: ...\nFLAG: bool = 1 in [1, 2]\n")
    write(project / "generated" / "g.py", CODE)
    write(project / "notes.txt", CODE)
    write(project / "clean.py", "x = 1\n")
    _git("add", "-A", cwd=project, env=env)
    results = {}
    for hook in ("perfcodemod", "perfcodemod-fix"):
        results[hook] = subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), hook, "--all-files",
             "--color", "never"],
            cwd=project, env=env, capture_output=True, text=True, timeout=900,
        )
        results[f"{hook}:files"] = {
            name: (project / name).read_text()
            for name in ("a.py", "unsafe.py", "stub.pyi", "generated/g.py", "notes.txt")
        }
    return results


def test_check_hook(runs: dict) -> None:
    result = runs["perfcodemod"]
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "- hook id: perfcodemod\n" in output
    assert "a.py:2:17: PCM201 [*] " in output
    assert "stub.pyi:2:19: PCM201 [*] " in output
    assert "unsafe.py:2:21: PCM201 " in output
    # Excluded by the project's configuration, although pre-commit names it; not Python.
    assert "generated" not in output and "notes.txt" not in output
    assert runs["perfcodemod:files"]["a.py"] == CODE  # the check hook writes nothing


def test_fix_hook(runs: dict) -> None:
    result = runs["perfcodemod-fix"]
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "- files were modified by this hook" in output
    files = runs["perfcodemod-fix:files"]
    assert files["a.py"] == FIXED
    assert files["stub.pyi"].endswith("FLAG: bool = 1 in {1, 2}\n")
    assert files["unsafe.py"] == UNSAFE  # unsafe fixes are not applied by the hook
    assert files["generated/g.py"] == CODE and files["notes.txt"] == CODE
    assert "unsafe.py:2:21: PCM201 " in output
