"""The profile-guided walkthrough, measured: fixing the findings the profile ranks hot makes the
example program faster; fixing the cold ones does not.

    python benchmarks/bench_profile_example.py [--runs 7]

Steps (each a real command line, in a copy of ``fixtures/profile``):

1. ``perfcodemod profile -o p.json shop.py``;
2. ``perfcodemod check --profile p.json --hot 5% --output-format json .``: the hot findings;
3. copy A: ``perfcodemod check --fix --unsafe-fixes --select CODES FILE`` for each file holding
   hot findings (CODES: their rules);
4. copy B: the same for the other findings (the cold ones) only;
5. the original, A and B must print the same; each runs ``--runs`` times in turns, and the
   figure is the program's CPU time (median).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "fixtures" / "profile"


def perfcodemod(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "perfcodemod", *args], cwd=cwd,
                          capture_output=True, text=True)


def program_cpu(folder: Path) -> tuple[float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run([sys.executable, "shop.py"], cwd=folder, capture_output=True,
                            text=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), result.stdout


def fix(folder: Path, findings: list[tuple[str, str]]) -> None:
    codes: dict[str, set[str]] = defaultdict(set)
    for filename, code in findings:
        codes[filename].add(code)
    for filename, selected in sorted(codes.items()):
        result = perfcodemod("check", "--fix", "--unsafe-fixes", "--exit-zero", "--select",
                             ",".join(sorted(selected)), filename, cwd=folder)
        print(f"  fixed {', '.join(sorted(selected))} in {Path(filename).name}: "
              f"{result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ''}",
              file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as temporary:
        scratch = Path(temporary)
        copies = {}
        for name in ("original", "hot fixed", "cold fixed"):
            copies[name] = scratch / name.replace(" ", "-")
            shutil.copytree(EXAMPLE, copies[name],
                            ignore=shutil.ignore_patterns("__pycache__", "*.json"))
        original = copies["original"]
        perfcodemod("profile", "-q", "-o", str(scratch / "p.json"), "shop.py", cwd=original)
        every = json.loads(perfcodemod("check", "--profile", str(scratch / "p.json"),
                                       "--output-format", "json", ".", cwd=original).stdout)
        hot = json.loads(perfcodemod("check", "--profile", str(scratch / "p.json"), "--hot",
                                     "5%", "--output-format", "json", ".", cwd=original).stdout)
        hot_keys = {(d["filename"], d["code"], d["location"]["row"]) for d in hot}
        cold = [d for d in every
                if (d["filename"], d["code"], d["location"]["row"]) not in hot_keys]

        def relative(item: dict[str, object], folder: Path) -> tuple[str, str]:
            name = Path(str(item["filename"])).relative_to(original)
            return str(folder / name), str(item["code"])

        print("hot (--hot 5%): " + ", ".join(
            f"{d['code']} {Path(d['filename']).name}:{d['location']['row']} "
            f"({d['profile']['priority']})" for d in hot))
        print("cold: " + ", ".join(
            f"{d['code']} {Path(d['filename']).name}:{d['location']['row']}" for d in cold))
        fix(copies["hot fixed"], [relative(d, copies["hot fixed"]) for d in hot])
        fix(copies["cold fixed"], [relative(d, copies["cold fixed"]) for d in cold])
        times: dict[str, list[float]] = {name: [] for name in copies}
        outputs: dict[str, str] = {}
        for _ in range(args.runs):
            for name, folder in copies.items():
                cpu, stdout = program_cpu(folder)
                times[name].append(cpu)
                outputs[name] = stdout
        assert len(set(outputs.values())) == 1, f"the fixed programs print otherwise: {outputs}"
        base = statistics.median(times["original"])
        print(f"\nmedian of {args.runs} runs, CPU time of `python shop.py` (same output in all "
              "three)\n")
        print("| program | CPU time | vs original |")
        print("| --- | ---: | ---: |")
        for name, values in times.items():
            median = statistics.median(values)
            print(f"| {name} | {median * 1000:.0f} ms | {median / base:.2f}x |")
    print(f"\n({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
