"""The result cache, through the real command line: a warm run says what a cold run says, and a
cache that is corrupt, truncated, unwritable or written by two runs at once never breaks a run
or changes its output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from perfcodemod import cache
from perfcodemod.config import default_settings, settings_from_table

from .conftest import FIXTURES, run_cli, write

HOUR_AGO = time.time() - 3600


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small project: two fixture files full of findings and one clean file."""
    root = tmp_path / "project"
    for name in ("membership/PCM201.py", "generators/PCM103.py"):
        target = root / "src" / Path(name).name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FIXTURES / name, target)
    write(root / "src" / "clean.py", "def f(x):\n    return x + 1\n")
    return root


def check(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("check", "--isolated", "--no-respect-gitignore", *args, "src", cwd=root)


def shards(root: Path) -> list[Path]:
    return sorted((root / ".perfcodemod_cache").glob("*/*.json"))


def hit_rate(result: subprocess.CompletedProcess[str]) -> str:
    (line,) = [line for line in result.stdout.splitlines() if "hit rate" in line]
    return line


def without_cache_line(output: str) -> str:
    return "".join(line for line in output.splitlines(True) if "Result cache" not in line)


def test_a_warm_run_says_what_a_cold_run_says(project: Path) -> None:
    cold = check(project, "--output-format", "json")
    assert cold.returncode == 1
    directory = project / ".perfcodemod_cache"
    assert (directory / "CACHEDIR.TAG").read_text().startswith(
        "Signature: 8a477f597d28d172789f06886806bc55"
    )
    assert (directory / ".gitignore").read_text() == "*\n"
    assert len(shards(project)) == 1
    warm = check(project, "--output-format", "json")
    assert warm.stdout == cold.stdout
    assert warm.returncode == cold.returncode
    text = check(project)
    assert text.stdout == check(project, "--no-cache").stdout
    rate = hit_rate(check(project, "--statistics"))
    assert rate == "Result cache hit rate: 100.0% (3 of 3 files)"


def test_what_changes_is_checked_again(project: Path) -> None:
    check(project)
    clean = project / "src" / "clean.py"
    # Same size, new content: the hash decides.
    before = clean.read_bytes()
    write(clean, "def g(y):\n    return y + 2\n")
    assert len(clean.read_bytes()) == len(before)
    assert hit_rate(check(project, "--statistics")).endswith("(2 of 3 files)")
    # Touched but unchanged: a hit (the hash matches).
    os.utime(clean, (HOUR_AGO, HOUR_AGO))
    assert hit_rate(check(project, "--statistics")).endswith("(3 of 3 files)")
    # A finding appears: reported.
    write(clean, "def g(y):\n    return y in [1, 2]\n")
    assert "clean.py:2:17: PCM201" in check(project).stdout


def test_settings_that_change_results_change_the_key(project: Path) -> None:
    check(project)
    assert hit_rate(check(project, "--statistics", "--select", "PCM201")).endswith(
        "(0 of 3 files)"
    )
    write(project / "pyproject.toml", "[tool.perfcodemod.membership]\nhashable-types = []\n")
    configured = run_cli("check", "--statistics", "--no-respect-gitignore", "src", cwd=project)
    assert hit_rate(configured).endswith("(0 of 3 files)")
    assert len(shards(project)) == 3
    # The digest is stable across processes (the second run above hit) and covers options.
    a = settings_from_table({"membership": {"hashable-types": ["x.Y"]}}, None, project)
    b = settings_from_table({"membership": {"hashable-types": ["x.Z"]}}, None, project)
    assert cache.settings_digest(a) != cache.settings_digest(b)
    assert cache.settings_digest(default_settings(project)) == cache.settings_digest(
        default_settings(project)
    )


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: b"\x00\xff" * 100, id="garbage"),
        pytest.param(lambda data: b"[]", id="not-a-table"),
        pytest.param(
            lambda data: data.replace(b'"suppressed":0', b'"suppressed":"zero"'),
            id="wrong-types",
        ),
        pytest.param(lambda data: data.replace(b'"diagnostics":[[', b'"diagnostics":[[7,'),
                     id="wrong-shape"),
        pytest.param(lambda data: b"", id="empty"),
    ],
)
def test_a_damaged_cache_is_ignored_and_rebuilt(project: Path, damage) -> None:  # type: ignore[no-untyped-def]
    expected = check(project, "--no-cache", "--output-format", "json").stdout
    check(project)
    (shard,) = shards(project)
    damaged = damage(shard.read_bytes())
    assert damaged != shard.read_bytes()
    shard.write_bytes(damaged)
    result = check(project, "--output-format", "json")
    assert result.stdout == expected
    assert result.stderr == ""
    # Rebuilt: the next run is answered by the cache again.
    assert hit_rate(check(project, "--statistics")).endswith("(3 of 3 files)")
    assert check(project, "--output-format", "json").stdout == expected


def test_an_unwritable_cache_directory_does_not_break_a_run(project: Path) -> None:
    blocker = write(project / "not-a-directory", "")
    expected = check(project, "--no-cache")
    result = check(project, "--cache-dir", str(blocker / "cache"), "--statistics")
    assert result.returncode == expected.returncode
    assert "cannot write" in result.stdout
    assert without_cache_line(check(project, "--cache-dir", str(blocker / "cache")).stdout) == (
        expected.stdout
    )


def test_two_runs_at_once(project: Path) -> None:
    """Both runs are right, the shard they leave is whole, and a third run uses it."""
    stdlib = Path(sys.modules["json"].__file__ or "").parent.parent
    for name in ("argparse.py", "enum.py", "typing.py", "tarfile.py", "shutil.py"):
        shutil.copyfile(stdlib / name, project / "src" / name)
    expected = check(project, "--no-cache", "--output-format", "json").stdout
    command = [
        sys.executable, "-m", "perfcodemod", "check", "--isolated", "--no-respect-gitignore",
        "--output-format", "json", "-j", "1", "src",
    ]
    env = {k: v for k, v in os.environ.items() if k != "PERFCODEMOD_DEBUG"}
    runs = [
        subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    assert [out for out, _ in outputs] == [expected, expected]
    assert [err for _, err in outputs] == ["", ""]
    (shard,) = shards(project)
    assert json.loads(shard.read_bytes())["format"] == cache.FORMAT
    assert hit_rate(check(project, "--statistics")).endswith("(8 of 8 files)")
    assert not list((project / ".perfcodemod_cache").glob("*/.*.tmp"))


def test_fix_reads_what_it_writes(project: Path, tmp_path: Path) -> None:
    """A file whose cached result says "nothing to fix" is rewritten keeping its size and its
    modification time: a check trusts size and time (as ruff's cache does), ``--fix`` reads
    every file it may write and fixes it."""
    clean = project / "src" / "clean.py"
    os.utime(clean, (HOUR_AGO, HOUR_AGO))
    check(project)
    stamp = clean.stat().st_mtime_ns
    rewritten = "def f(x: int): x in (1, 2)\n"
    assert len(rewritten) == clean.stat().st_size
    write(clean, rewritten)
    os.utime(clean, ns=(stamp, stamp))
    copy = tmp_path / "copy"
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns(".perfcodemod_cache"))
    fixed = check(project, "--fix")
    expected = check(copy, "--fix", "--no-cache")
    assert fixed.stdout == expected.stdout
    assert clean.read_text() == "def f(x: int): x in {1, 2}\n"
    for name in ("PCM201.py", "PCM103.py", "clean.py"):
        assert (project / "src" / name).read_bytes() == (copy / "src" / name).read_bytes()


def test_no_cache_writes_nothing(project: Path) -> None:
    check(project, "--no-cache")
    assert not (project / ".perfcodemod_cache").exists()


def test_where_the_cache_goes(project: Path, tmp_path: Path) -> None:
    check(project, "--cache-dir", "elsewhere")
    assert list((project / "elsewhere").glob("*/*.json"))
    env_dir = tmp_path / "from-env"
    run_cli("check", "--isolated", "src", cwd=project, env={"PERFCODEMOD_CACHE_DIR": str(env_dir)})
    assert list(env_dir.glob("*/*.json"))
    write(project / "perfcodemod.toml", 'cache-dir = "configured"\n')
    run_cli("check", "src", cwd=project)
    assert list((project / "configured").glob("*/*.json"))
    assert not (project / ".perfcodemod_cache").exists()


def test_clean(project: Path) -> None:
    check(project)
    nested = project / "sub"
    write(nested / "a.py", "x = 1\n")
    run_cli("check", "a.py", cwd=nested)
    impostor = project / "build" / ".perfcodemod_cache"  # not ours: no tag
    write(impostor / "keep.txt", "mine")
    result = run_cli("clean", cwd=project)
    assert result.returncode == 0, result.stderr
    assert not (project / ".perfcodemod_cache").exists()
    assert not (nested / ".perfcodemod_cache").exists()
    assert (impostor / "keep.txt").read_text() == "mine"
    assert result.stderr.count("Removed") == 2


def test_flake8_does_not_use_the_cache(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "PCM", "src"],
        cwd=project, capture_output=True, text=True,
    )
    assert "PCM201" in result.stdout
    assert not (project / ".perfcodemod_cache").exists()
