"""How the time and memory of ``check`` and ``--fix`` grow with the size of one file.

    python benchmarks/bench_file_size.py                      # 5k, 20k and 50k lines
    python benchmarks/bench_file_size.py --sizes 5000,50000
    python benchmarks/bench_file_size.py --write-only DIR     # just write the files

Each file is whole modules of the running Python's standard library, concatenated in sorted
order (each that still fits) until it holds about the wanted number of lines (modules with
``from __future__`` imports, which must come first, or that do not parse are left out), so it
is real code with the findings real code has. Each phase runs in its own process (its peak
memory is its own) on the same file:

- ``ast``:    ``ast.parse`` (Python's own parser, for scale);
- ``libcst``: ``libcst.parse_module`` (what parsing everything with LibCST would cost);
- ``check``:  ``perfcodemod check --isolated FILE`` (the command line, in-process);
- ``fix``:    ``perfcodemod check --isolated --fix FILE`` on a copy (safe fixes, written);
- ``unsafe``: the same with ``--unsafe-fixes`` (every fix, in as many rounds as they take).

Times are seconds of one run (``--repeat N`` keeps the fastest of N): wall clock, and the
process's CPU time (user + system), which a busy machine disturbs less. The last column
divides by the smallest file's CPU time, so that growth, not the machine, shows.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import warnings
from pathlib import Path

DEFAULT_SIZES = (5_000, 20_000, 50_000)
PHASES = ("ast", "libcst", "check", "fix", "unsafe")


def stdlib_modules() -> list[tuple[Path, str]]:
    """The standard library's top-level modules that can be concatenated, in sorted order."""
    root = Path(sysconfig.get_paths()["stdlib"])
    found = []
    for path in sorted(root.glob("*.py")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "from __future__" in text or "\r" in text:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ast.parse(text)
        except (SyntaxError, ValueError):
            continue
        found.append((path, text if text.endswith("\n") else text + "\n"))
    return found


def build(lines: int) -> str:
    """About ``lines`` lines (within 2%) of whole standard-library modules: in sorted order,
    each module that still fits."""
    parts: list[str] = []
    total = 0
    for _, text in stdlib_modules():
        count = text.count("\n")
        if total + count <= lines * 1.02:
            parts.append(text)
            total += count
        if total >= lines * 0.98:
            return "".join(parts)
    raise SystemExit(f"the standard library holds only {total:,} usable lines")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_phase(phase: str, path: Path) -> dict[str, object]:
    text = path.read_text(encoding="utf-8")
    extra: dict[str, object] = {}
    start, cpu = time.perf_counter(), _cpu()
    if phase == "ast":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    elif phase == "libcst":
        import libcst

        libcst.parse_module(text)
    elif phase in ("check", "fix", "unsafe"):
        from perfcodemod import cli

        target = path
        options = {"check": [], "fix": ["--fix"], "unsafe": ["--fix", "--unsafe-fixes"]}[phase]
        if options:
            target = Path(tempfile.mkdtemp()) / path.name
            shutil.copyfile(path, target)
        start, cpu = time.perf_counter(), _cpu()  # (the command line's start-up is included)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            extra["exit"] = cli.main(["check", "--isolated", *options, str(target)])
        seconds, cpu = time.perf_counter() - start, _cpu() - cpu
        summary = [line for line in out.getvalue().splitlines() if line.startswith("Found")]
        extra["summary"] = summary[-1] if summary else out.getvalue().strip()[-80:]
        if options:
            shutil.rmtree(target.parent)
        return _result(phase, seconds, cpu, extra)
    else:
        raise SystemExit(f"unknown phase {phase}")
    return _result(phase, time.perf_counter() - start, _cpu() - cpu, extra)


def _result(phase: str, seconds: float, cpu: float, extra: dict[str, object]) -> dict[str, object]:
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "phase": phase, "seconds": seconds, "cpu_seconds": cpu, "peak_rss_mib": peak_kib / 1024,
        **extra,
    }


def measure(phase: str, path: Path, repeat: int) -> dict[str, object]:
    best: dict[str, object] | None = None
    for _ in range(repeat):
        child = subprocess.run(
            [sys.executable, __file__, "--phase", phase, str(path)],
            capture_output=True, text=True,
        )
        if child.returncode != 0:
            raise SystemExit(f"the {phase} phase failed on {path}:\n{child.stderr}")
        result = json.loads(child.stdout.strip().splitlines()[-1])
        if best is None or float(result["cpu_seconds"]) < float(best["cpu_seconds"]):
            best = result
    assert best is not None
    return best


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--phases", default=",".join(PHASES))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--write-only", type=Path, metavar="DIR")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("path", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(run_phase(args.phase, args.path)))
        return 0
    sizes = [int(size) for size in args.sizes.split(",")]
    directory = args.write_only or Path(tempfile.mkdtemp(prefix="perfcodemod-sizes-"))
    directory.mkdir(parents=True, exist_ok=True)
    files = {}
    files_lines = {}
    for size in sizes:
        files[size] = directory / f"stdlib_{size // 1000}k.py"
        text = build(size)
        files[size].write_text(text, encoding="utf-8")
        files_lines[size] = text.count("\n")
    if args.write_only:
        for size, path in files.items():
            print(f"{path} ({files_lines[size]:,} lines)")
        return 0
    results: dict[int, dict[str, dict[str, object]]] = {}
    for size, path in files.items():
        results[size] = {
            phase: measure(phase, path, args.repeat) for phase in args.phases.split(",")
        }
    shutil.rmtree(directory)
    if args.json:
        print(json.dumps(
            {"python": sys.version.split()[0], "lines": files_lines, "results": results}, indent=2
        ))
        return 0
    print(f"Python {sys.version.split()[0]}; one file of whole standard-library modules")
    print(
        f"{'lines':>7} {'phase':<7} {'wall s':>7} {'CPU s':>7} {'µs/line':>8} {'peak RSS':>9} "
        f"{'growth':>6}"
    )
    base = results[sizes[0]]
    for size in sizes:
        lines = files_lines[size]
        for phase, result in results[size].items():
            cpu = float(result["cpu_seconds"])
            growth = cpu / float(base[phase]["cpu_seconds"])
            print(
                f"{lines:>7,} {phase:<7} {float(result['seconds']):>7.2f} {cpu:>7.2f} "
                f"{cpu / lines * 1e6:>8.1f} {float(result['peak_rss_mib']):>5.0f} MiB "
                f"{growth:>6.1f}" + (f"  {result['summary']}" if result.get("summary") else "")
            )
    return 0


if __name__ == "__main__":
    os.environ.pop("PERFCODEMOD_DEBUG", None)
    raise SystemExit(main())
