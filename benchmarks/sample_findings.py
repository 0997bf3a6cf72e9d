"""A seeded random sample of findings per rule code, each printed in its context, for reading
them blind (the precision check that issue 11 describes).

    python benchmarks/sample_findings.py --select PCM4 --seed 11
    python benchmarks/sample_findings.py --select PCM2,PCM3 --per-code 8 PATH [PATH ...]
    python benchmarks/sample_findings.py --select PCM4 --save run.json   # keep every finding
    python benchmarks/sample_findings.py --load run.json --seed 12        # re-sample, no re-check

Without paths, the corpus is the running Python's standard library. Directories named
``site-packages`` below a path given are left out (``--skip``), so the standard library's
installed packages do not count as stdlib; a path may itself be a ``site-packages``. The check runs
``python -m perfcodemod check --isolated`` (so no project configuration changes what is
reported) with the default excludes replaced (``site-packages`` is a corpus here, not noise),
over the paths in parallel shards (``--jobs``). The findings are sorted by file, row and column,
then ``random.Random(seed)`` draws up to ``--per-code`` of each code: the same findings and seed
give the same sample, so a reader can quote "seed 11" and someone else can see the same cases.

Each sampled finding is printed with its message, its fix's applicability and reason, and the
lines around it (``--before``/``--after``); the report ends with a table (code, findings,
sampled) and blank true/false/negligible columns to fill in while reading.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import sysconfig
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

Finding = dict[str, Any]

#: Replaces the default excludes (``site-packages``, ``build``, ``.venv``...): the corpus is
#: often exactly those directories. Caches of bytecode are never Python source anyway.
_EXCLUDE = "__pycache__"


def python_files(paths: Sequence[Path], skip: frozenset[str] = frozenset()) -> list[Path]:
    """The ``.py`` files under ``paths``, but those in a directory named in ``skip`` below the
    path given (the path itself may be one: ``venv/lib/python3.11/site-packages``)."""
    files: list[Path] = []
    skipped = skip | {"__pycache__"}
    for path in paths:
        if path.is_file():
            files.append(path)
        else:
            files.extend(
                p for p in path.rglob("*.py") if skipped.isdisjoint(p.relative_to(path).parts)
            )
    return sorted(set(files))


def _check_shard(files: Sequence[Path], select: str, python: str) -> list[Finding]:
    command = [
        python, "-m", "perfcodemod", "check", "--isolated", "--exit-zero",
        "--output-format", "json", "--exclude", _EXCLUDE, "--select", select,
        *map(str, files),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"perfcodemod failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    found: list[Finding] = json.loads(done.stdout or "[]")
    return found


def check(
    paths: Sequence[Path], select: str, jobs: int, python: str, skip: frozenset[str]
) -> list[Finding]:
    """Every finding of the selected codes under ``paths``."""
    files = python_files(paths, skip)
    # Shards small enough for a command line, and interleaved so each holds a mix of trees.
    shards = [files[index::max(jobs * 8, 1)] for index in range(max(jobs * 8, 1))]
    shards = [shard for shard in shards if shard]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = pool.map(lambda shard: _check_shard(shard, select, python), shards)
        findings = [finding for result in results for finding in result]
    return sorted(findings, key=_position)


def _position(finding: Finding) -> tuple[str, int, int, str]:
    location = finding["location"]
    return (finding["filename"], location["row"], location["column"], finding["code"])


def sample(
    findings: Iterable[Finding], seed: int, per_code: int
) -> dict[str, tuple[int, list[Finding]]]:
    """For each code: how many findings it has, and up to ``per_code`` of them drawn at random
    with ``seed`` (each code drawn with its own generator, so adding a code to the selection
    does not change another code's sample)."""
    by_code: dict[str, list[Finding]] = defaultdict(list)
    for finding in sorted(findings, key=_position):
        by_code[finding["code"]].append(finding)
    drawn = {}
    for code in sorted(by_code):
        every = by_code[code]
        chooser = random.Random(f"{seed}:{code}")
        picked = chooser.sample(every, min(per_code, len(every)))
        drawn[code] = (len(every), sorted(picked, key=_position))
    return drawn


def context(finding: Finding, before: int, after: int) -> str:
    path = Path(finding["filename"])
    row = finding["location"]["row"]
    end_row = finding.get("end_location", {}).get("row", row)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as error:
        return f"    (cannot read {path}: {error})"
    first, last = max(1, row - before), min(len(lines), max(row, end_row) + after)
    width = len(str(last))
    return "\n".join(
        f"{'>' if row <= number <= end_row else ' '} {number:>{width}} | {lines[number - 1]}"
        for number in range(first, last + 1)
    )


def _short(path: str, roots: Sequence[Path]) -> str:
    for root in roots:
        try:
            return str(Path(path).relative_to(root))
        except ValueError:
            continue
    return path


def report(
    drawn: dict[str, tuple[int, list[Finding]]],
    roots: Sequence[Path],
    before: int,
    after: int,
) -> str:
    out: list[str] = []
    for code, (total, picked) in drawn.items():
        out.append(f"\n{'=' * 100}\n{code}: {len(picked)} of {total} findings\n{'=' * 100}")
        for number, finding in enumerate(picked, 1):
            location = finding["location"]
            where = f"{_short(finding['filename'], roots)}:{location['row']}:{location['column']}"
            out.append(f"\n--- {code} #{number}  {where}\n{finding['message']}")
            fix = finding.get("fix")
            if fix:
                reason = fix.get("applicability_reason") or ""
                out.append(f"fix ({fix['applicability']}): {fix.get('message') or ''} {reason}")
            out.append(context(finding, before, after))
    out.append("\n| code | findings | sampled | true | false | negligible |")
    out.append("| --- | --- | --- | --- | --- | --- |")
    for code, (total, picked) in drawn.items():
        out.append(f"| {code} | {total} | {len(picked)} | | | |")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="default: the standard library")
    parser.add_argument("--select", default="PCM", help="codes or prefixes (default: all)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--per-code", type=int, default=8)
    parser.add_argument("--before", type=int, default=5, help="lines shown before a finding")
    parser.add_argument("--after", type=int, default=10, help="lines shown after it")
    parser.add_argument(
        "--skip",
        action="append",
        help="leave out directories of this name below a path given (default: site-packages, "
        "so the standard library's installed packages are not counted as stdlib; a path may "
        "itself be a site-packages); --skip '' keeps them",
    )
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--python", default=sys.executable, help="the Python that runs the check")
    parser.add_argument("--save", type=Path, help="write every finding (JSON) to this file")
    parser.add_argument(
        "--load", type=Path, action="append", help="sample the findings of earlier --save runs"
    )
    args = parser.parse_args(argv)

    paths = list(args.paths) or [Path(sysconfig.get_paths()["stdlib"])]
    skip = frozenset(name for name in args.skip or ["site-packages"] if name)
    if args.load:
        findings: list[Finding] = [f for load in args.load for f in json.loads(load.read_text())]
    else:
        findings = check(paths, args.select, args.jobs, args.python, skip)
    if args.save:
        args.save.write_text(json.dumps(findings))
    wanted = tuple(code.strip() for code in args.select.split(",") if code.strip())
    findings = [f for f in findings if f["code"].startswith(wanted)]
    roots = sorted((p.resolve() for p in paths if p.is_dir()), key=lambda p: -len(p.parts))
    print(f"{len(findings)} findings; seed {args.seed}, up to {args.per_code} per code")
    print(report(sample(findings, args.seed, args.per_code), roots, args.before, args.after))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
