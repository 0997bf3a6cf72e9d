"""Which files are checked: recursion, default excludes, virtual environments, .gitignore (with
git itself as the oracle) and symlinks (never a write outside the named paths)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from .conftest import run_cli, write

CODE = "def f(x: int):\n    return x in [1, 2]\n"
FIXED = "def f(x: int):\n    return x in {1, 2}\n"
LINE = re.compile(r"^(?P<path>[^:]+):\d+:\d+: (?P<code>PCM\d{3}) ", re.MULTILINE)


def checked(*args: str | Path, cwd: Path) -> set[str]:
    result = run_cli(*args, cwd=cwd)
    assert result.returncode in {0, 1}, result.stderr
    return {m["path"].replace(os.sep, "/") for m in LINE.finditer(result.stdout)}


def git(*args: str, cwd: Path) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
        env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"},
    )
    return result.stdout


def test_directories_are_walked_for_py_and_pyi_files(tmp_path: Path) -> None:
    for name in ("a.py", "b.pyi", "pkg/c.py", "pkg/sub/d.py", "pkg/sub/e.pyi"):
        write(tmp_path / name, CODE)
    for name in ("notes.txt", "script", "f.pyc", "g.py.bak", "pkg/h.pyx", "pkg/data.json"):
        write(tmp_path / name, CODE)
    # Not a regular file: reading a FIFO would block the run forever.
    os.mkfifo(tmp_path / "pkg" / "pipe.py")
    found = {"a.py", "b.pyi", "pkg/c.py", "pkg/sub/d.py", "pkg/sub/e.pyi"}
    assert checked(".", cwd=tmp_path) == found
    assert checked("pkg/sub", "a.py", cwd=tmp_path) == {"pkg/sub/d.py", "pkg/sub/e.pyi", "a.py"}
    # A file named explicitly is checked whatever its suffix.
    assert checked("script", cwd=tmp_path) == {"script"}
    # Named twice (directly and through its directory): reported once.
    result = run_cli("pkg/c.py", "pkg", "./pkg/c.py", cwd=tmp_path)
    assert result.stdout.count("c.py:2:") == 1


def test_default_excludes_and_virtual_environments(tmp_path: Path) -> None:
    excluded = [".git/a.py", ".hg/a.py", ".venv/a.py", "venv/a.py", ".tox/a.py", ".nox/a.py",
                "build/a.py", "dist/a.py", "__pycache__/a.py", "node_modules/a.py",
                ".mypy_cache/a.py", ".eggs/a.py", "site-packages/a.py", "src/pkg/build/a.py"]
    for name in excluded:
        write(tmp_path / name, CODE)
    # Any directory holding a pyvenv.cfg is a virtual environment, whatever its name.
    write(tmp_path / "myenv" / "pyvenv.cfg", "home = /usr/bin\n")
    write(tmp_path / "myenv" / "lib" / "mod.py", CODE)
    write(tmp_path / "src" / "pkg" / "ok.py", CODE)
    write(tmp_path / "src" / "builder" / "ok.py", CODE)
    assert checked(".", cwd=tmp_path) == {"src/pkg/ok.py", "src/builder/ok.py"}
    # Named explicitly, excluded files are checked (unless --force-exclude).
    named = ("build/a.py", "myenv/lib/mod.py")
    assert checked(*named, cwd=tmp_path) == set(named)
    assert checked("--force-exclude", "build/a.py", cwd=tmp_path) == set()
    # A named directory is walked even when its name is excluded (as in ruff).
    assert checked("build", cwd=tmp_path) == {"build/a.py"}


GITIGNORE = """\
# comment, then a blank line

*.gen.py
!important.gen.py
/anchored.py
build_out/
!build_out/keep.py
docs/**/conf.py
**/tmp_*.py
sub/*.py
!sub/keep.py
\\#hash.py
spaced.py\\\x20
trailing.py\x20\x20\x20
[abc]_class.py
file_only.py/
"""

FILES = [
    "a.py", "x.gen.py", "important.gen.py", "anchored.py", "pkg/anchored.py",
    "build_out/b.py", "build_out/keep.py", "pkg/build_out/c.py", "build_out.py",
    "docs/conf.py", "docs/a/b/conf.py", "docs/other.py", "deep/er/tmp_x.py", "tmp_y.py",
    "sub/s.py", "sub/keep.py", "sub/inner/t.py", "#hash.py", "spaced.py ", "trailing.py",
    "a_class.py", "d_class.py", "file_only.py", "pkg/local.py", "local.py",
    "pkg/nested/local.py", "pkg/nested/reincluded.py", "info_excluded.py",
]


def test_gitignore_matches_git(tmp_path: Path) -> None:
    git("init", "-q", ".", cwd=tmp_path)
    write(tmp_path / ".gitignore", GITIGNORE)
    write(tmp_path / "pkg" / ".gitignore", "local.py\nreincluded.py\n")
    write(tmp_path / "pkg" / "nested" / ".gitignore", "!reincluded.py\n")
    write(tmp_path / ".git" / "info" / "exclude", "info_excluded.py\n")
    for name in FILES:
        write(tmp_path / name, CODE)
    # git's own answer: the files it does not ignore.
    listed = git("ls-files", "--others", "--exclude-standard", "-z", cwd=tmp_path)
    expected = {name for name in listed.split("\0") if name.endswith(".py")}
    assert "build_out/keep.py" not in expected and "sub/keep.py" in expected  # sanity
    assert "pkg/nested/reincluded.py" in expected and "pkg/local.py" not in expected
    assert checked(".", cwd=tmp_path) == expected
    # From a subdirectory, the repository's .gitignore files still apply.
    assert checked(".", cwd=tmp_path / "pkg") == {
        name[len("pkg/"):] for name in expected if name.startswith("pkg/")
    }
    # Files named explicitly are checked even when ignored.
    assert checked("x.gen.py", "build_out/b.py", cwd=tmp_path) == {"x.gen.py", "build_out/b.py"}
    # respect-gitignore = false, or --no-respect-gitignore: every file.
    every = {name for name in FILES if name.endswith(".py")}
    assert checked(".", "--no-respect-gitignore", cwd=tmp_path) == every
    write(tmp_path / "perfcodemod.toml", "respect-gitignore = false\n")
    assert checked(".", cwd=tmp_path) == every


def test_gitignore_outside_a_repository_is_not_read(tmp_path: Path) -> None:
    write(tmp_path / ".gitignore", "*.py\n")
    write(tmp_path / "a.py", CODE)
    assert checked(".", cwd=tmp_path) == {"a.py"}


def test_nested_repository_uses_its_own_gitignore(tmp_path: Path) -> None:
    git("init", "-q", ".", cwd=tmp_path)
    write(tmp_path / ".gitignore", "ignored_by_outer.py\n")
    (tmp_path / "inner").mkdir()
    git("init", "-q", ".", cwd=tmp_path / "inner")
    write(tmp_path / "inner" / ".gitignore", "ignored_by_inner.py\n")
    for name in ("ignored_by_outer.py", "inner/ignored_by_outer.py", "inner/ignored_by_inner.py"):
        write(tmp_path / name, CODE)
    assert checked(".", cwd=tmp_path) == {"inner/ignored_by_outer.py"}


# -- symlinks -------------------------------------------------------------------------------


def test_symlinked_file_inside_the_tree_is_fixed_at_its_target(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    real = write(project / "real.py", CODE)
    link = project / "link.py"
    link.symlink_to("real.py")
    result = run_cli("--fix", ".", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(1 fixed, 0 remaining)" in result.stdout  # one file, not two
    assert link.is_symlink() and os.readlink(link) == "real.py"
    assert real.read_text() == FIXED


def test_symlink_named_explicitly_is_written_through(tmp_path: Path) -> None:
    target = write(tmp_path / "elsewhere" / "target.py", CODE)
    project = tmp_path / "proj"
    project.mkdir()
    link = project / "link.py"
    link.symlink_to(target)
    result = run_cli("--fix", "link.py", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert link.is_symlink() and Path(os.readlink(link)) == target
    assert target.read_text() == FIXED


def test_symlinks_out_of_the_named_paths_are_never_followed(tmp_path: Path) -> None:
    outside = write(tmp_path / "outside" / "secret.py", CODE)
    outside_dir = tmp_path / "outside"
    project = tmp_path / "proj"
    write(project / "own.py", CODE)
    (project / "secret_link.py").symlink_to(outside)
    (project / "dir_link").symlink_to(outside_dir, target_is_directory=True)
    (project / "dangling.py").symlink_to(tmp_path / "nowhere.py")
    (project / "loop.py").symlink_to("loop.py")
    (project / "pkg").mkdir()
    (project / "pkg" / "up.py").symlink_to(project / "own.py")
    before = sorted(p.name for p in project.iterdir())
    result = run_cli("--fix", "--unsafe-fixes", ".", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(1 fixed, 0 remaining)" in result.stdout
    assert (project / "own.py").read_text() == FIXED
    assert outside.read_text() == CODE
    assert sorted(p.name for p in project.iterdir()) == before  # no temporary files left
    assert (project / "secret_link.py").is_symlink() and (project / "dir_link").is_symlink()


def test_named_directory_that_is_a_symlink(tmp_path: Path) -> None:
    real = write(tmp_path / "real" / "a.py", CODE)
    (tmp_path / "alias").symlink_to(tmp_path / "real", target_is_directory=True)
    result = run_cli("--fix", "alias", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert real.read_text() == FIXED and (tmp_path / "alias").is_symlink()


@pytest.mark.parametrize("name", ["dangling.py", "loop.py"])
def test_unreadable_named_link_is_pcm001(tmp_path: Path, name: str) -> None:
    (tmp_path / "dangling.py").symlink_to(tmp_path / "nowhere.py")
    (tmp_path / "loop.py").symlink_to("loop.py")
    write(tmp_path / "ok.py", CODE)
    result = run_cli("--fix", name, "ok.py", cwd=tmp_path)
    assert result.returncode == 1
    assert re.match(rf"{name}:1:1: PCM001 cannot read file: ", result.stdout)
    assert "Traceback" not in result.stderr
    assert (tmp_path / "ok.py").read_text() == FIXED
