"""The cost of ``perfcodemod profile`` against the plain program and ``python -m cProfile``.

    python benchmarks/bench_profile_overhead.py                # the example program
    python benchmarks/bench_profile_overhead.py --runs 7 --workload both

Each mode runs the same program in a fresh interpreter, in turns (so that a busy machine slows
all alike), and the figure is the program's own CPU time (from its start to its end inside the
interpreter, startup excluded; CPU time, since on a shared machine waiting for a core is noise),
the median of the runs:

* ``plain``: ``runpy.run_path`` of the script;
* ``cProfile``: the same inside ``cProfile.Profile()`` (what ``python -m cProfile`` does);
* ``perfcodemod, no probes``: ``perfcodemod profile --no-probes`` (cProfile without built-in
  functions, and the stack sampler), its ``cpu_time``;
* ``perfcodemod, no probes, signal sampler``: the same with ``--sampler signal``;
* ``perfcodemod``: ``perfcodemod profile`` with probes at every finding of the program.

The total command time of ``perfcodemod profile`` is shown as well: it checks the program's
files before running it (the probes' sites), which the program's run time does not include.

Workloads: ``example`` is ``fixtures/profile/shop.py`` (hot loops with probed sites in them);
``calls`` is a call-heavy recursion (cProfile's worst case) that PCM401 flags, so that every one
of its 262,143 calls runs a probe (the probes' worst case).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "fixtures" / "profile"

CALLS = """\
import sys


def tree(depth):
    if depth == 0:
        return 1
    return tree(depth - 1) + tree(depth - 1) + 1


if __name__ == "__main__":
    print(tree(int(sys.argv[1]) if len(sys.argv) > 1 else 17))
"""

TIMED = """\
import cProfile, runpy, sys, time
sys.argv = [{script!r}]
sys.path[0] = {folder!r}
profiler = cProfile.Profile() if {profiled} else None
start = time.process_time()
try:
    if profiler:
        profiler.enable()
    try:
        runpy.run_path({script!r}, run_name="__main__")
    finally:
        if profiler:
            profiler.disable()
except SystemExit:
    pass
elapsed = time.process_time() - start
if profiler:
    profiler.dump_stats({dump!r})
print("ELAPSED", elapsed, file=sys.stderr)
"""


def _elapsed(stderr: str) -> float:
    for line in stderr.splitlines():
        if line.startswith("ELAPSED "):
            return float(line.split()[1])
    raise RuntimeError(f"no timing in: {stderr[-500:]}")


def run_mode(mode: str, script: Path, scratch: Path) -> tuple[float, float]:
    """(program time, command time) of one run."""
    started = time.perf_counter()
    if mode in ("plain", "cProfile"):
        code = TIMED.format(script=str(script), folder=str(script.parent),
                            profiled=mode == "cProfile", dump=str(scratch / "c.prof"))
        result = subprocess.run([sys.executable, "-c", code], cwd=script.parent,
                                capture_output=True, text=True, check=True)
        return _elapsed(result.stderr), time.perf_counter() - started
    output = scratch / "p.json"
    args = [sys.executable, "-m", "perfcodemod", "profile", "-q", "-o", str(output)]
    if mode.startswith("perfcodemod, no probes"):
        args.append("--no-probes")
    if mode.endswith("signal sampler"):
        args.extend(["--sampler", "signal"])
    subprocess.run([*args, str(script)], cwd=script.parent, capture_output=True, text=True,
                   check=True)
    document = json.loads(output.read_text(encoding="utf-8"))
    return float(document["program"]["cpu_time"]), time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workload", choices=("example", "calls", "both"), default="both")
    args = parser.parse_args(argv)
    modes = ("plain", "cProfile", "perfcodemod, no probes",
             "perfcodemod, no probes, signal sampler", "perfcodemod")
    print(f"CPython {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores;"
          f" median of {args.runs} runs, modes in turns")
    with tempfile.TemporaryDirectory() as temporary:
        scratch = Path(temporary)
        workloads = []
        if args.workload in ("example", "both"):
            shutil.copytree(EXAMPLE, scratch / "example",
                            ignore=shutil.ignore_patterns("__pycache__", "*.json"))
            workloads.append(("example (fixtures/profile/shop.py)",
                              scratch / "example" / "shop.py"))
        if args.workload in ("calls", "both"):
            (scratch / "calls").mkdir()
            (scratch / "calls" / "tree.py").write_text(CALLS, encoding="utf-8")
            workloads.append(("calls (recursion, 262,143 calls, each probed)",
                              scratch / "calls" / "tree.py"))
        for label, script in workloads:
            times: dict[str, list[tuple[float, float]]] = {mode: [] for mode in modes}
            for _ in range(args.runs):
                for mode in modes:
                    times[mode].append(run_mode(mode, script, scratch))
            plain = statistics.median(t for t, _ in times["plain"])
            cprofile = statistics.median(t for t, _ in times["cProfile"])
            print(f"\n{label}\n")
            print("| mode | program CPU time | vs plain | vs cProfile | command time |")
            print("| --- | ---: | ---: | ---: | ---: |")
            for mode in modes:
                program = statistics.median(t for t, _ in times[mode])
                command = statistics.median(c for _, c in times[mode])
                print(f"| {mode} | {program * 1000:.0f} ms | {program / plain:.2f}x | "
                      f"{program / cprofile:.2f}x | {command * 1000:.0f} ms |", flush=True)
            probes = statistics.median(t for t, _ in times["perfcodemod"])
            bare = statistics.median(t for t, _ in times["perfcodemod, no probes"])
            print(f"\nprobes add {100 * (probes / bare - 1):+.1f}% to perfcodemod without probes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
