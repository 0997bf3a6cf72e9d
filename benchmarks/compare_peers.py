"""perfcodemod against its floor and its peers, on the same files, in one run.

    python benchmarks/compare_peers.py                       # the running Python's stdlib
    python benchmarks/compare_peers.py --limit 300           # a deterministic sample of it
    python benchmarks/compare_peers.py --peers ruff          # only some peers ("" for none)
    python benchmarks/compare_peers.py --venv /tmp/peers     # keep (and reuse) the peers' venv

The peers are installed into a temporary virtual environment (pip): ruff (its PERF, C4, FURB
and PLR6201 rules, preview on), flake8 with flake8-comprehensions (C4), pylint with perflint,
and Fixit (its built-in rules; a LibCST linter like perfcodemod). Every tool gets the same
files, named on its command line, copied into a scratch directory first. Times are wall-clock
seconds of the whole command (start-up included) and, beside them, the CPU seconds the command
and its children used: on a machine shared with other work the CPU figure is the steadier
one. Each perfcodemod and floor measurement is the median of ``--repeat`` runs.

What is printed is DESIGN's speed budget (issue 10) with the measured value beside each target:

- cold, one process: ``perfcodemod check --no-cache -j 1`` / ``ast.parse`` of the same files
  (a Python process that reads and parses each file: the floor of any Python tool);
- cold, ``-j N``: the speed-up of ``-j N`` over ``-j 1`` on the cores this process may use;
- warm: ``perfcodemod check`` again on the unchanged files (the result cache) / ruff's cold
  run (``--no-cache``);
- one file changed in a tree of ``--tree-size`` files (the sample topped up with copies): the
  warm run after a one-line change;
- peak memory: the largest resident set of any one process of a cold run (``-j 1``: the one
  process; ``-j N``: the parent or any worker);
- file size: seconds per line checking one file of 5k, 20k and 80k lines (whole modules of the
  sample concatenated, each size a prefix of the next), the largest over the smallest;
- start-up: ``check`` of a 20-line file (with a finding, and without a candidate),
  ``--version``, ``rule PCM201`` (medians of ``--startup-repeat`` runs).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

PEERS = {
    "ruff": ["ruff"],
    "flake8": ["flake8", "flake8-comprehensions"],
    "pylint": ["pylint", "perflint"],
    "fixit": ["fixit"],
}
TWENTY_LINES_WITH_A_FINDING = (
    '"""A small module."""\n\nimport os\n\n\ndef kind(path: str) -> str:\n'
    '    ext = os.path.splitext(path)[1]\n    if ext in [".py", ".pyi"]:\n'
    '        return "python"\n    return "other"\n\n\ndef names(paths):\n'
    "    out = []\n    for path in paths:\n        out.append(os.path.basename(path))\n"
    "    return out\n\n\nprint(kind(__file__))\n"
)
TWENTY_LINES_PLAIN = TWENTY_LINES_WITH_A_FINDING.replace('[".py", ".pyi"]', "SUFFIXES")


@dataclass
class Measure:
    wall: float
    cpu: float
    max_rss_mib: float
    returncode: int
    timed_out: bool = False

    def __str__(self) -> str:
        return f"{self.wall:.2f} s ({self.cpu:.2f} s CPU)"


def run(
    command: list[str],
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> Measure:
    """Run ``command``; wall time, CPU time and the peak RSS of its largest process (killed,
    with its process group, after ``timeout`` seconds)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    timer = None
    if timeout is not None:
        timer = threading.Timer(timeout, os.killpg, (process.pid, signal.SIGKILL))
        timer.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if timer is not None:
        timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    timed_out = timeout is not None and wall >= timeout
    return Measure(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
                   process.returncode, timed_out)


def median_of(repeat: int, command: list[str], **kwargs: object) -> Measure:
    runs = [run(command, **kwargs) for _ in range(repeat)]  # type: ignore[arg-type]
    return Measure(
        statistics.median(r.wall for r in runs),
        statistics.median(r.cpu for r in runs),
        max(r.max_rss_mib for r in runs),
        runs[-1].returncode,
    )


def corpus_files(corpus: Path | None, limit: int | None) -> tuple[Path, list[Path]]:
    root = corpus or Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)
    if limit and limit < len(files):
        step = len(files) / limit
        files = [files[int(i * step)] for i in range(limit)]
    return root, files


def copy_tree(root: Path, files: list[Path], target: Path) -> list[Path]:
    """The files copied under ``target`` (relative paths kept; directories named like
    default excludes, such as the stdlib's ``venv`` package, are renamed so that no tool
    skips them)."""
    copied = []
    for path in files:
        relative = Path(*(f"{p}_" if p in {"venv", "build", "dist"} else p
                          for p in path.relative_to(root).parts))
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
        copied.append(destination)
    return copied


def install_peers(venv: Path, peers: list[str]) -> None:
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    packages = [p for peer in peers for p in PEERS[peer]]
    if packages:
        subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)


def peer_command(peer: str, venv: Path, files: list[str], jobs: int) -> list[str]:
    tool = venv / "bin"
    if peer == "ruff":
        return [str(tool / "ruff"), "check", "--no-cache", "--isolated", "--preview",
                "--select", "PERF,C4,FURB,PLR6201", "--exit-zero", "--quiet", *files]
    if peer == "flake8":
        return [str(tool / "flake8"), "--isolated", "--select", "C4", "--jobs", str(jobs),
                "--exit-zero", *files]
    if peer == "pylint":
        return [str(tool / "pylint"), "--load-plugins", "perflint", "--disable", "all",
                "--enable", "W8101,W8102,W8201,W8202,R8203,W8205,W8301,W8401,W8402,W8403",
                "--jobs", str(jobs), "--exit-zero", "--score", "n", *files]
    if peer == "fixit":
        return [str(tool / "fixit"), "lint", *files]
    raise ValueError(peer)


_AST_FLOOR = """
import ast, sys, warnings
warnings.simplefilter("ignore")
for name in open(sys.argv[1]).read().splitlines():
    with open(name, "rb") as f:
        data = f.read()
    try:
        ast.parse(data)
    except (SyntaxError, ValueError):
        pass
"""


def concatenated(files: list[Path], sizes: tuple[int, ...], out: Path) -> list[tuple[int, Path]]:
    """One file per size: whole modules of ``files`` appended until the size is reached (a
    module that would overshoot it by more than a tenth is skipped; each file is a prefix of
    the next); modules with ``from __future__`` imports (only allowed first) are left out."""
    modules: list[str] = []
    for path in files:
        try:
            module = path.read_text(encoding="utf-8")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile(module, str(path), "exec", dont_inherit=True)
        except (UnicodeDecodeError, SyntaxError, ValueError):
            continue
        if "from __future__" not in module:
            modules.append(module if module.endswith("\n") else module + "\n")
    text: list[str] = []
    used: set[int] = set()
    lines = 0
    made = []
    for size in sizes:
        for index, module in enumerate(modules):
            if lines >= 0.95 * size:
                break
            count = module.count("\n")
            if index in used or lines + count > 1.1 * size:
                continue
            used.add(index)
            text.append(module)
            lines += count
        target = out / f"lines_{size}.py"
        target.write_text("".join(text), encoding="utf-8")
        made.append((lines, target))
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, help="a tree of .py files (default: the stdlib)")
    parser.add_argument("--limit", type=int, help="a deterministic sample of this many files")
    parser.add_argument("--peers", default="ruff,flake8,pylint,fixit")
    parser.add_argument("--venv", type=Path, help="the peers' virtual environment (kept)")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--startup-repeat", type=int, default=15)
    parser.add_argument("--tree-size", type=int, default=2000)
    parser.add_argument("--peer-timeout", type=float, default=1800,
                        help="seconds after which a peer is stopped (reported as not finished)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    peers = [p for p in args.peers.split(",") if p]
    root, files = corpus_files(args.corpus, args.limit)
    perfcodemod = [sys.executable, "-m", "perfcodemod"]
    # As users run it: byte-compiled modules written and reused (some environments forbid it).
    env = {k: v for k, v in os.environ.items() if k not in {
        "PERFCODEMOD_DEBUG", "PERFCODEMOD_CACHE_DIR", "PYTHONDONTWRITEBYTECODE"}}
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="perfcodemod-bench-") as scratch:
        work = Path(scratch)
        venv = args.venv or work / "peers"
        if peers:
            install_peers(venv, peers)
        tree = work / "tree"
        # One level down: the tools run in ``tree``, and a copy of the standard library in the
        # working directory would shadow the real one (``python -m``, worker processes).
        copied = copy_tree(root, files, tree / "corpus")
        names = [str(p.relative_to(tree)) for p in copied]
        lines = sum(p.read_bytes().count(b"\n") for p in copied)
        listing = work / "files.txt"
        listing.write_text("\n".join(str(p) for p in copied))
        check = [*perfcodemod, "check", "--isolated", "--exit-zero", "--quiet"]

        # Warm-up: every module perfcodemod may import is byte-compiled once.
        warm_up = work / "warm_up.py"
        warm_up.write_text(TWENTY_LINES_WITH_A_FINDING)
        run([*check, "--no-cache", str(warm_up)], env=env)
        run([*check, "--no-cache", "-j", "2", *names[:20]], cwd=tree, env=env)
        floor = median_of(args.repeat, [sys.executable, "-c", _AST_FLOOR, str(listing)], env=env)
        cold = median_of(args.repeat, [*check, "--no-cache", "-j", "1", *names], cwd=tree,
                         env=env)
        cold_j = median_of(args.repeat, [*check, "--no-cache", "-j", str(args.jobs), *names],
                           cwd=tree, env=env)
        run([*check, *names], cwd=tree, env=env)  # fills the cache
        warm = median_of(args.repeat, [*check, *names], cwd=tree, env=env)
        for name, measure in (("cold", cold), ("-j", cold_j), ("warm", warm)):
            if measure.returncode != 0:  # --exit-zero: anything else is a failure
                raise SystemExit(f"perfcodemod ({name}) failed with exit {measure.returncode}")

        peer_times = {}
        for peer in peers:
            peer_times[peer] = run(peer_command(peer, venv, names, args.jobs), cwd=tree, env=env,
                                   timeout=args.peer_timeout)

        # One changed file in a tree of --tree-size files (topped up with copies).
        big = work / "big"
        shutil.copytree(tree, big / "a")
        extra = 0
        while len(names) + extra < args.tree_size:
            source = copied[extra % len(copied)]
            destination = big / "extra" / f"copy_{extra}.py"
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
            extra += 1
        tree_files = len(names) + extra
        big_check = [*perfcodemod, "check", "--isolated", "--exit-zero", "--quiet", "."]
        run(big_check, cwd=big, env=env)
        changed_runs = []
        victim = big / "a" / names[len(names) // 2]
        for attempt in range(args.repeat):
            with victim.open("a", encoding="utf-8") as handle:
                handle.write(f"\nCHANGED_{attempt} = {attempt}\n")
            changed_runs.append(run(big_check, cwd=big, env=env))
        one_changed = Measure(statistics.median(r.wall for r in changed_runs),
                              statistics.median(r.cpu for r in changed_runs),
                              max(r.max_rss_mib for r in changed_runs), 0)

        # Start-up.
        small = work / "small"
        small.mkdir()
        (small / "finding.py").write_text(TWENTY_LINES_WITH_A_FINDING)
        (small / "plain.py").write_text(TWENTY_LINES_PLAIN)

        # File size: seconds per line for 5k, 20k and 80k lines (CPU, less the CPU of checking
        # the 20-line file: start-up and imports).
        base = median_of(args.repeat, [*check, "--no-cache", "finding.py"], cwd=small, env=env)
        sized = concatenated(files, (5_000, 20_000, 80_000), work)
        per_line = []
        for count, path in sized:
            measure = median_of(args.repeat, [*check, "--no-cache", "-j", "1", str(path)],
                                env=env)
            per_line.append((count, measure, (measure.cpu - base.cpu) / count))
        startup = {
            "python -c pass": median_of(args.startup_repeat, [sys.executable, "-c", "pass"]),
            "check (a finding)": median_of(
                args.startup_repeat, [*check, "--no-cache", "finding.py"], cwd=small, env=env
            ),
            "check (no candidate)": median_of(
                args.startup_repeat, [*check, "--no-cache", "plain.py"], cwd=small, env=env
            ),
            "--version": median_of(args.startup_repeat, [*perfcodemod, "--version"], env=env),
            "rule PCM201": median_of(args.startup_repeat, [*perfcodemod, "rule", "PCM201"],
                                     env=env),
        }

    load = os.getloadavg()
    where = args.corpus or f"stdlib of Python {sys.version.split()[0]}"
    print(f"corpus: {len(files)} files, {lines:,} lines ({where}); {args.jobs} cores; "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print()
    print("| tool | wall | CPU | peak RSS |")
    print("| --- | --- | --- | --- |")
    rows = [("ast.parse (the floor)", floor), ("perfcodemod cold, -j 1", cold),
            (f"perfcodemod cold, -j {args.jobs}", cold_j), ("perfcodemod warm", warm)]
    rows += [(f"{peer}", measure) for peer, measure in peer_times.items()]
    for name, measure in rows:
        if measure.timed_out:
            print(f"| {name} | did not finish in {args.peer_timeout:.0f} s | - | - |")
            continue
        print(f"| {name} | {measure.wall:.2f} s | {measure.cpu:.2f} s | "
              f"{measure.max_rss_mib:.0f} MiB |")
    print()
    ratio_wall, ratio_cpu = cold.wall / floor.wall, cold.cpu / floor.cpu
    speedup = cold.wall / cold_j.wall
    print("| what | target | measured |")
    print("| --- | --- | --- |")
    print(f"| cold, 1 process, default rules | <= 2.5x `ast.parse` | {ratio_wall:.2f}x wall, "
          f"{ratio_cpu:.2f}x CPU ({cold.wall:.1f} s vs {floor.wall:.1f} s) |")
    print(f"| cold, `-j {args.jobs}` | close to 1/{args.jobs} of one process | "
          f"{speedup:.2f}x faster ({cold_j.wall:.1f} s) |")
    if "ruff" in peer_times and not peer_times["ruff"].timed_out:
        ruff = peer_times["ruff"]
        print(f"| warm, unchanged tree | within 2x of ruff's cold run | "
              f"{warm.wall / ruff.wall:.2f}x ({warm.wall:.2f} s vs ruff {ruff.wall:.2f} s; CPU "
              f"{warm.cpu:.2f} s vs {ruff.cpu:.2f} s) |")
    else:
        print(f"| warm, unchanged tree | within 2x of ruff's cold run | {warm.wall:.2f} s "
              f"(ruff not run) |")
    print(f"| warm, one file changed in a {tree_files}-file tree | under 1 s | "
          f"{one_changed.wall:.2f} s ({one_changed.cpu:.2f} s CPU) |")
    print(f"| peak memory | <= 150 MB per worker | {cold.max_rss_mib:.0f} MiB (-j 1), "
          f"{cold_j.max_rss_mib:.0f} MiB (largest process of -j {args.jobs}) |")
    spread = max(p for _, _, p in per_line) / min(p for _, _, p in per_line)
    sizes = ", ".join(f"{count:,} lines {1e6 * p:.0f} µs/line" for count, _, p in per_line)
    print(f"| file size | time per line within 1.5x | {spread:.2f}x ({sizes}; CPU) |")
    print(f"| start-up, `check` on a 20-line file | under 150 ms | "
          f"{1000 * startup['check (a finding)'].wall:.0f} ms with a finding, "
          f"{1000 * startup['check (no candidate)'].wall:.0f} ms without a candidate "
          f"(`python -c pass`: {1000 * startup['python -c pass'].wall:.0f} ms) |")
    print(f"| start-up, `--version`, `rule` | faster still | "
          f"{1000 * startup['--version'].wall:.0f} ms, "
          f"{1000 * startup['rule PCM201'].wall:.0f} ms |")
    if args.json:
        results = {
            "files": len(files), "lines": lines, "load": load, "jobs": args.jobs,
            "floor": vars(floor), "cold": vars(cold), "cold_jobs": vars(cold_j),
            "warm": vars(warm), "peers": {k: vars(v) for k, v in peer_times.items()},
            "one_changed": vars(one_changed), "tree_files": tree_files,
            "per_line": [(count, vars(m)) for count, m, _ in per_line],
            "startup": {k: vars(v) for k, v in startup.items()},
        }
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
