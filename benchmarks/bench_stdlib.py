"""Speed and memory of ``perfcodemod check`` against the LibCST parse floor, in one run.

    python benchmarks/bench_stdlib.py                 # the running Python's standard library
    python benchmarks/bench_stdlib.py --limit 300     # a deterministic sample
    python benchmarks/bench_stdlib.py --corpus DIR    # any tree of .py files

Each phase runs in its own process (so that peak memory is its own) over the same files, read
into memory first (so that disk speed is not measured):

- ``ast``:        ``ast.parse`` of every file (Python's own parser, for scale);
- ``libcst``:     ``libcst.parse_module`` of every file: the floor a LibCST linter that parses
                  everything cannot go below;
- ``perfcodemod``: a single-process check of the default rules (or ``--select``), no cache.

The ratio perfcodemod / libcst is the figure the design budgets (at most about 1).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import sysconfig
import time
from pathlib import Path


def corpus_files(corpus: Path | None, limit: int | None) -> list[Path]:
    if corpus is None:
        root = Path(sysconfig.get_paths()["stdlib"])
        files = sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)
    else:
        files = sorted(corpus.rglob("*.py"))
    if limit and limit < len(files):
        step = len(files) / limit
        files = [files[int(i * step)] for i in range(limit)]
    return files


def _read(files: list[Path]) -> list[tuple[Path, bytes]]:
    out = []
    for path in files:
        try:
            out.append((path, path.read_bytes()))
        except OSError:
            pass
    return out


def run_phase(phase: str, files: list[Path], select: str | None) -> dict[str, object]:
    sources = _read(files)
    failures = 0
    extra: dict[str, object] = {}
    start = time.perf_counter()
    if phase == "ast":
        import ast
        import warnings

        warnings.simplefilter("ignore")
        for _, raw in sources:
            try:
                ast.parse(raw)
            except (SyntaxError, ValueError):
                failures += 1
    elif phase == "libcst":
        import libcst

        for _, raw in sources:
            try:
                libcst.parse_module(raw)
            except Exception:
                failures += 1
    elif phase == "perfcodemod":
        from perfcodemod import api, engine
        from perfcodemod.config import default_settings, settings_from_table
        from perfcodemod.source import DecodeError, SourceText

        settings = (
            settings_from_table({"select": select.split(",")}, None, Path.cwd())
            if select
            else default_settings()
        )
        options = api.engine_options(settings)
        diagnostics = 0
        parsed_rows = 0
        errors = 0
        for path, raw in sources:
            try:
                source = SourceText.decode(raw)
            except DecodeError:
                failures += 1
                continue
            result = engine.check_source(source, options, str(path))
            diagnostics += len(result.diagnostics)
            parsed_rows += result.parsed_rows
            errors += len(result.errors)
        extra = {"diagnostics": diagnostics, "libcst_rows": parsed_rows, "tool_errors": errors}
    else:
        raise SystemExit(f"unknown phase {phase}")
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"phase": phase, "seconds": seconds, "files": len(sources), "failures": failures,
            "peak_rss_mib": peak_kib / 1024, **extra}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--select", help="rules to run (default: the default selection)")
    parser.add_argument("--phases", default="ast,libcst,perfcodemod")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    files = corpus_files(args.corpus, args.limit)
    if args.phase:
        print(json.dumps(run_phase(args.phase, files, args.select)))
        return 0
    lines = 0
    for path in files:
        try:
            lines += path.read_bytes().count(b"\n")
        except OSError:
            pass
    results = {}
    for phase in args.phases.split(","):
        command = [sys.executable, __file__, "--phase", phase]
        if args.corpus:
            command += ["--corpus", str(args.corpus)]
        if args.limit:
            command += ["--limit", str(args.limit)]
        if args.select:
            command += ["--select", args.select]
        child = subprocess.run(command, capture_output=True, text=True)
        if child.returncode != 0:
            print(f"the {phase} phase failed:\n{child.stderr}", file=sys.stderr)
            return 1
        results[phase] = json.loads(child.stdout.strip().splitlines()[-1])
    if args.json:
        print(json.dumps({"files": len(files), "lines": lines, "results": results}, indent=2))
        return 0
    where = args.corpus or "stdlib of " + sys.version.split()[0]
    print(f"corpus: {len(files)} files, {lines:,} lines ({where})")
    print(f"{'phase':<12} {'seconds':>8} {'files/s':>9} {'lines/s':>10} {'peak RSS':>10}")
    for phase, result in results.items():
        seconds = float(result["seconds"])
        print(
            f"{phase:<12} {seconds:>8.2f} {len(files) / seconds:>9.0f} {lines / seconds:>10,.0f} "
            f"{float(result['peak_rss_mib']):>7.0f} MiB"
        )
    if "libcst" in results and "perfcodemod" in results:
        ratio = float(results["perfcodemod"]["seconds"]) / float(results["libcst"]["seconds"])
        print(f"perfcodemod / libcst.parse_module: {ratio:.2f}x")
        check = results["perfcodemod"]
        print(
            f"perfcodemod: {check['diagnostics']} diagnostics, {check['tool_errors']} tool errors, "
            f"LibCST parsed {check['libcst_rows']:,} of {lines:,} lines "
            f"({100 * int(check['libcst_rows']) / max(lines, 1):.1f}%)"
        )
    return 0


if __name__ == "__main__":
    os.environ.pop("PERFCODEMOD_DEBUG", None)
    raise SystemExit(main())
