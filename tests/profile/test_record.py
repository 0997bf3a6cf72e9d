"""``perfcodemod profile``: real runs of tiny programs in a subprocess, as a user runs it."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from perfcodemod.profile import read_profile
from tests.conftest import run_cli, write

PROGRAM = '''\
import functools
import sys

NAMES = ["alpha", "beta", "gamma"]


def digits(n: int) -> int:
    return sum(int(c) for c in str(n) * 3)


def total(n):
    return sum(digits(i % 7) for i in range(n))


def known(values):
    seen = [v * 2 for v in range(30)]
    return [v for v in values if v in seen]


@functools.lru_cache(maxsize=16)
def square(x):
    return x * x


class Table:
    KEYS = [k for k in range(5) if k in [1, 2, 3]]


def main():
    print(total(50), len(known(range(50))), sum(square(i % 4) for i in range(20)))
    print("to stderr", file=sys.stderr)
    if len(sys.argv) > 1:
        if sys.argv[1] == "raise":
            raise ValueError("boom")
        sys.exit(int(sys.argv[1]))


main()
'''


def profile_of(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def program(tmp_path: Path) -> Path:
    return write(tmp_path / "prog.py", PROGRAM)


def test_output_and_exit_status_pass_through(program: Path, tmp_path: Path) -> None:
    plain = __import__("subprocess").run(
        [sys.executable, str(program), "3"], capture_output=True, text=True, timeout=60
    )
    result = run_cli("profile", "-q", "-o", "out.json", "--", "prog.py", "3", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (
        plain.returncode, plain.stdout, plain.stderr
    ) == (3, plain.stdout, "to stderr\n")
    document = profile_of(tmp_path / "out.json")
    assert document["format"] == "perfcodemod-profile" and document["version"] == 1
    assert document["program"]["exit_status"] == 3
    assert document["program"]["argv"] == ["3"]


def test_a_program_that_raises_still_leaves_a_profile(program: Path, tmp_path: Path) -> None:
    result = run_cli("profile", "-o", "out.json", "prog.py", "raise", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("to stderr\nTraceback (most recent call last):\n")
    assert 'prog.py", line' in result.stderr and "ValueError: boom" in result.stderr
    assert "perfcodemod/profile" not in result.stderr  # the recorder's frames are not shown
    assert "profile written to out.json" in result.stderr
    profile = read_profile(tmp_path / "out.json")
    assert any(f.name == "main" for f in profile.functions)


def test_probes_count_hits_sizes_and_keys(program: Path, tmp_path: Path) -> None:
    run_cli("profile", "-q", "-o", "out.json", "prog.py", cwd=tmp_path)
    profile = read_profile(tmp_path / "out.json")
    sites = {(s.code, s.row): s for s in profile.sites}
    # PCM204 `v in seen`: 50 tests against a list of 30.
    membership = sites[("PCM204", 17)]
    assert (membership.hits, membership.max_size) == (50, 30)
    # PCM201 inside a class body's comprehension (no assignment expression allowed there).
    literal = sites[("PCM201", 26)]
    assert (literal.hits, literal.max_size) == (5, 3)
    # PCM402 digits(): 50 calls, 7 distinct arguments.
    cached = sites[("PCM402", 7)]
    assert (cached.calls, cached.distinct_keys, cached.unhashable) == (50, 7, 0)
    (cache,) = profile.caches
    assert (cache.name, cache.hits, cache.misses, cache.currsize, cache.maxsize) == (
        "square", 16, 4, 4, 16)
    assert profile.run_time and profile.timed_total  # too short a run for samples
    own = str((tmp_path / "prog.py").resolve())
    assert profile.loaded_files and own in profile.loaded_files
    assert profile.source_files[own].sha256


def test_probes_do_not_change_behaviour(program: Path, tmp_path: Path) -> None:
    probed = run_cli("profile", "-q", "-o", "a.json", "prog.py", cwd=tmp_path)
    plain = run_cli("profile", "-q", "--no-probes", "-o", "b.json", "prog.py", cwd=tmp_path)
    assert probed.stdout == plain.stdout and probed.returncode == plain.returncode == 0
    assert not read_profile(tmp_path / "b.json").sites


def test_module_mode_and_imported_modules(tmp_path: Path) -> None:
    write(tmp_path / "pkg" / "__init__.py", "")
    write(tmp_path / "pkg" / "work.py",
          "def search(step):\n    xs = list(range(0, 200, step))\n    found = []\n"
          "    for x in range(100):\n        if x in xs:\n            found.append(x)\n"
          "    return found\n")
    write(tmp_path / "pkg" / "__main__.py",
          "import sys\nfrom pkg.work import search\n\n"
          "print(len(search(3)), sys.argv[1:])\n")
    result = run_cli("profile", "-q", "-o", "m.json", "-m", "pkg", "--flag", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == "34 ['--flag']\n"
    profile = read_profile(tmp_path / "m.json")
    (site,) = [s for s in profile.sites if s.code == "PCM204"]
    assert Path(site.file).name == "work.py" and (site.hits, site.max_size) == (100, 67)


def test_profile_m_pytest(tmp_path: Path) -> None:
    write(tmp_path / "lib.py",
          "def unique(items):\n    out = []\n    for i in items:\n        if i not in out:\n"
          "            out.append(i)\n    return out\n")
    write(tmp_path / "test_lib.py",
          "from lib import unique\n\n\ndef test_unique():\n"
          "    assert unique([3, 1, 3, 2, 1] * 20) == [3, 1, 2]\n")
    result = run_cli("profile", "-q", "-o", "t.json", "-m", "pytest", "-q", "-p",
                     "no:cacheprovider", "test_lib.py", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    profile = read_profile(tmp_path / "t.json")
    (site,) = [s for s in profile.sites if s.code == "PCM203"]
    assert (site.hits, site.max_size) == (100, 3)
    failing = write(tmp_path / "test_fail.py", "def test_no():\n    assert False\n")
    result = run_cli("profile", "-q", "-o", "f.json", "-m", "pytest", "-q", "-p",
                     "no:cacheprovider", failing.name, cwd=tmp_path)
    assert result.returncode == 1 and (tmp_path / "f.json").is_file()


@pytest.mark.skipif(not hasattr(__import__("signal"), "setitimer"), reason="needs setitimer")
def test_signal_sampler(program: Path, tmp_path: Path) -> None:
    write(tmp_path / "spin.py", "total = 0\nfor i in range(3_000_000):\n    total += i % 7\n"
          "print(total)\n")
    result = run_cli("profile", "-q", "--sampler", "signal", "--interval", "0.5",
                     "-o", "s.json", "spin.py", cwd=tmp_path)
    assert result.returncode == 0
    document = profile_of(tmp_path / "s.json")
    assert document["program"]["sampler"] == "signal" and document["program"]["samples"] > 5
    profile = read_profile(tmp_path / "s.json")
    lines = {f.line for stack in profile.stacks for f in stack if f.file.endswith("spin.py")}
    assert lines & {2, 3}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "name a script"),
        (("-m",), "name a script"),
        (("--interval", "0", "x.py"), "--interval must be a positive"),
        (("--bogus", "x.py"), "unrecognized arguments"),
    ],
)
def test_usage_errors(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = run_cli("profile", *args, cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_script(tmp_path: Path) -> None:
    result = run_cli("profile", "-q", "-o", "x.json", "nope.py", cwd=tmp_path)
    assert result.returncode == 2 and "cannot run nope.py" in result.stderr
    assert "Traceback" not in result.stderr


def test_profile_file_mode_follows_umask(program: Path, tmp_path: Path) -> None:
    run_cli("profile", "-q", "-o", "out.json", "prog.py", cwd=tmp_path)
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "out.json").stat().st_mode & 0o777 == 0o666 & ~mask
