"""The cost of ``check --profile`` over ``check``, on the standard library with a large profile.

    python benchmarks/bench_check_profile.py                 # makes the profiles first
    python benchmarks/bench_check_profile.py --runs 3 --limit 400

The profiles come from running part of the standard library's own test suite
(``python -m test``, TESTS below) under ``python -m cProfile`` (a pstats file: every function
called, thousands of them across hundreds of stdlib files) and under ``perfcodemod profile
--no-probes`` (timings and stack samples). Then ``perfcodemod check --isolated`` runs over the
standard library without and with each profile, in turns, and the figure is the command's CPU
time (user + system of the child process, so that waiting for a core on a busy machine does not
count), the median of the runs. Reading the profile, matching its files and annotating every
diagnostic are all inside the difference.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

TESTS = ("test_json", "test_argparse", "test_difflib", "test_csv", "test_textwrap",
         "test_configparser", "test_statistics", "test_tokenize", "test_ast", "test_email")


def cpu_of(args: list[str], cwd: Path | None = None) -> tuple[float, float, str]:
    """(CPU seconds, wall seconds, stderr) of a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode not in (0, 1):
        raise RuntimeError(f"{args} failed ({result.returncode}): {result.stderr[-800:]}")
    return cpu, wall, result.stderr


def make_profiles(scratch: Path) -> list[Path]:
    pstats = scratch / "stdlib-tests.pstats"
    native = scratch / "stdlib-tests.json"
    tests = ["-m", "test", "-q", *TESTS]
    print(f"profiling `python -m test {' '.join(TESTS)}` ...", file=sys.stderr, flush=True)
    cpu_of([sys.executable, "-m", "cProfile", "-o", str(pstats), *tests], cwd=scratch)
    cpu_of([sys.executable, "-m", "perfcodemod", "profile", "-q", "--no-probes", "-o",
            str(native), *tests], cwd=scratch)
    return [pstats, native]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="append", type=Path,
                        help="use these profiles instead of making them")
    parser.add_argument("--corpus", type=Path, default=Path(sysconfig.get_paths()["stdlib"]))
    args = parser.parse_args(argv)
    from perfcodemod.profile import read_profile

    with tempfile.TemporaryDirectory() as temporary:
        scratch = Path(temporary)
        profiles = args.profile or make_profiles(scratch)
        check = [sys.executable, "-m", "perfcodemod", "check", "--isolated", "--exit-zero",
                 "--output-format", "json", "--extend-exclude", "site-packages",
                 str(args.corpus)]
        modes = {"check": check}
        for profile in profiles:
            loaded = read_profile(profile)
            files = len(loaded.files())
            print(f"{profile.name}: {files:,} files, {len(loaded.functions):,} timed functions, "
                  f"{len(loaded.stacks):,} distinct stacks, {profile.stat().st_size / 1e6:.1f} MB",
                  flush=True)
            modes[f"check --profile {profile.name}"] = [*check, "--profile", str(profile)]
        times: dict[str, list[float]] = {mode: [] for mode in modes}
        for _ in range(args.runs):
            for mode, command in modes.items():
                cpu, _, _ = cpu_of(command)
                times[mode].append(cpu)
                print(f"  {mode}: {cpu:.1f} s CPU", file=sys.stderr, flush=True)
        base = statistics.median(times["check"])
        print(f"\nCPython {platform.python_version()}, {os.cpu_count()} cores, corpus "
              f"{args.corpus}, median of {args.runs}\n")
        print("| command | CPU time | vs check |")
        print("| --- | ---: | ---: |")
        for mode, values in times.items():
            median = statistics.median(values)
            print(f"| `{mode}` | {median:.1f} s | {100 * (median / base - 1):+.1f}% |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
