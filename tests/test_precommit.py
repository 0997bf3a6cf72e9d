"""The pre-commit hooks, through real pre-commit: ``try-repo`` builds a virtualenv from this
repository's working tree (pip-installing it, which needs PyPI and takes a while) and runs the
hooks in a scratch git repository. One run, without a hook id, runs both hooks in manifest order
(the check, then the fix) with one installation; pre-commit reports each hook separately."""

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
    manifest = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hooks = {hook["id"]: hook for hook in manifest}
    assert set(hooks) == {"perfcodemod", "perfcodemod-fix"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types_or"] == ["python", "pyi", "jupyter"]
        assert "--force-exclude" in hook["entry"].split()
        assert hook["require_serial"] is True  # one process, one summary
    assert "--fix" not in hooks["perfcodemod"]["entry"].split()
    assert {"--fix", "--exit-non-zero-on-fix"} <= set(hooks["perfcodemod-fix"]["entry"].split())


def _git(*args: str, cwd: Path, env: dict[str, str]) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def _hook_repository(root: Path, env: dict[str, str]) -> Path:
    """This repository, or, when it is not a git work tree (an exported source tree), a git
    copy of it: ``try-repo`` needs git."""
    inside = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=REPO, env=env, capture_output=True, text=True
    )
    if inside.returncode == 0 and Path(inside.stdout.strip()).resolve() == REPO.resolve():
        return REPO
    copy = root / "perfcodemod-repo"
    shutil.copytree(
        REPO, copy,
        ignore=shutil.ignore_patterns(".venv*", ".git", "__pycache__", "*.egg-info", ".*_cache"),
    )
    _git("init", "-q", ".", cwd=copy, env=env)
    _git("add", "-A", cwd=copy, env=env)
    _git("commit", "-q", "-m", "snapshot", cwd=copy, env=env)
    return copy


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
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(_hook_repository(root, env)),
         "--all-files",
         "--color", "never"],
        cwd=project, env=env, capture_output=True, text=True, timeout=900,
    )
    output = result.stdout + result.stderr
    # Each hook's report starts with its status line, then `- hook id: ID`.
    sections = {}
    for part in output.split("- hook id: ")[1:]:
        hook_id, _, rest = part.partition("\n")
        sections[hook_id] = rest
    files = {
        name: (project / name).read_text()
        for name in ("a.py", "unsafe.py", "stub.pyi", "generated/g.py", "notes.txt")
    }
    return {"result": result, "output": output, "sections": sections, "files": files}


def test_both_hooks_ran(runs: dict) -> None:
    assert runs["result"].returncode == 1, runs["output"]
    assert list(runs["sections"]) == ["perfcodemod", "perfcodemod-fix"], runs["output"]


def test_check_hook(runs: dict) -> None:
    output = runs["sections"]["perfcodemod"]
    assert "- exit code: 1\n" in output
    assert "a.py:2:17: PCM201 [*] " in output
    assert "stub.pyi:2:19: PCM201 [*] " in output
    assert "unsafe.py:2:21: PCM201 " in output
    # The check hook writes nothing (pre-commit would say the files were modified).
    assert "files were modified" not in output
    # Excluded by the project's configuration, although pre-commit names it; not Python.
    assert "generated" not in runs["output"] and "notes.txt" not in runs["output"]


def test_fix_hook(runs: dict) -> None:
    output = runs["sections"]["perfcodemod-fix"]
    assert "- exit code: 1\n" in output
    assert "- files were modified by this hook" in output  # so the user re-stages them
    files = runs["files"]
    assert files["a.py"] == FIXED
    assert files["stub.pyi"].endswith("FLAG: bool = 1 in {1, 2}\n")
    assert files["unsafe.py"] == UNSAFE  # unsafe fixes are not applied by the hook
    assert files["generated/g.py"] == CODE and files["notes.txt"] == CODE
    assert "unsafe.py:2:21: PCM201 " in output
    assert "Found 3 diagnostics (2 fixed, 1 remaining)." in output


def test_readme_snippet_pins_the_current_release() -> None:
    """The README's pre-commit snippet names hooks that exist and pins the tag of the
    version being released (`v` + __version__), the tag each release gets."""
    from perfcodemod import __version__

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## pre-commit", 1)[1]
    snippet = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    [entry] = yaml.safe_load(snippet)
    assert entry["rev"] == f"v{__version__}"
    manifest = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert {hook["id"] for hook in entry["hooks"]} <= {hook["id"] for hook in manifest}
