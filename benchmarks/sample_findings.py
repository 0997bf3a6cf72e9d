"""Draw a seeded random sample of findings per code, each with its context, for a blind read.

    python benchmarks/sample_findings.py --select PCM0,PCM1,PCM2,PCM3 --seed 11 \\
        --per-code 8 --exclude __pycache__ --exclude "$STDLIB/site-packages" \\
        "$STDLIB" /work/corpus/venv-big/lib/python3.11/site-packages

The check runs as a subprocess (``python -m perfcodemod check --output-format json``) with
this interpreter, so ``PYTHONPATH=/some/other/checkout/src`` samples another version of the
tool. Every rule named by ``--select`` runs (opt-in rules included); only what ``--exclude``
names is skipped (default: ``__pycache__``; the tool's own defaults skip ``site-packages``,
``build``... which a corpus of installed packages needs). ``--findings FILE`` keeps the raw
findings (and reuses them when the file exists, so a second sample with another seed costs
nothing). Each code's sample is drawn by its own generator seeded with ``seed:code``, from
the findings sorted by file and position, so adding or removing a code does not change the
other codes' samples.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

Finding = dict[str, Any]


def run_check(paths: list[str], select: str, exclude: list[str]) -> list[Finding]:
    command = [
        sys.executable, "-m", "perfcodemod", "check", "--isolated", "--exit-zero",
        "--output-format", "json", "--select", select,
        *(f"--exclude={pattern}" for pattern in exclude), *paths,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        sys.exit(f"perfcodemod failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    findings: list[Finding] = json.loads(done.stdout)
    return findings


def load_findings(
    paths: list[str], select: str, exclude: list[str], cache: Path | None
) -> list[Finding]:
    if cache is not None and cache.exists():
        findings: list[Finding] = json.loads(cache.read_text())
        return findings
    findings = run_check(paths, select, exclude)
    if cache is not None:
        cache.write_text(json.dumps(findings))
    return findings


def sample(findings: list[Finding], seed: int, per_code: int) -> dict[str, list[Finding]]:
    by_code: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_code[finding["code"]].append(finding)
    drawn: dict[str, list[Finding]] = {}
    for code in sorted(by_code):
        ordered = sorted(
            by_code[code],
            key=lambda f: (f["filename"], f["location"]["row"], f["location"]["column"]),
        )
        rng = random.Random(f"{seed}:{code}")
        picked = rng.sample(ordered, min(per_code, len(ordered)))
        drawn[code] = sorted(picked, key=ordered.index)
    return drawn


def context(filename: str, row: int, lines: int) -> str:
    try:
        text = Path(filename).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as error:
        return f"    (cannot read: {error})"
    before = lines // 2
    first = max(1, row - before)
    last = min(len(text), first + lines - 1)
    return "\n".join(
        f"{'>' if number == row else ' '}{number:5} | {text[number - 1]}"
        for number in range(first, last + 1)
    )


def describe(finding: Finding, lines: int) -> str:
    location = finding["location"]
    fix = finding.get("fix")
    if fix is None:
        fix_line = "fix: none"
    else:
        fix_line = f"fix: {fix['applicability']} ({fix.get('applicability_reason', '')})"
        edits = fix.get("edits") or []
        if edits:
            fix_line += "\n      -> " + "\n      -> ".join(
                e["content"].replace("\n", "\n         ") for e in edits
            )
    return (
        f"{finding['filename']}:{location['row']}:{location['column']}: "
        f"{finding['code']} {finding['message']}\n  {fix_line}\n"
        f"{context(finding['filename'], location['row'], lines)}\n"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--select", default="PCM")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-code", type=int, default=8)
    parser.add_argument("--context", type=int, default=15, help="lines shown per finding")
    parser.add_argument("--findings", type=Path, help="raw findings (written, or reused)")
    parser.add_argument(
        "--exclude", action="append", default=None,
        help="a glob to skip (repeatable; default: __pycache__ only)",
    )
    args = parser.parse_args(argv)
    findings = load_findings(
        args.paths, args.select, args.exclude or ["__pycache__"], args.findings
    )
    drawn = sample(findings, args.seed, args.per_code)
    totals: dict[str, int] = defaultdict(int)
    for finding in findings:
        totals[finding["code"]] += 1
    print(f"# seed {args.seed}, up to {args.per_code} per code, select {args.select}")
    print("# " + ", ".join(f"{code}: {totals[code]}" for code in sorted(totals)))
    for code, picked in drawn.items():
        print(f"\n## {code} ({len(picked)} of {totals[code]})\n")
        for number, finding in enumerate(picked, 1):
            print(f"### {code} #{number}")
            print(describe(finding, args.context))


if __name__ == "__main__":
    main()
