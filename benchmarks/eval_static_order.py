"""How well the static estimate (``check --rank``) picks the findings a profile finds hot.

    python benchmarks/eval_static_order.py DIR PACKAGE PROFILE [DIR PACKAGE PROFILE ...]

For each project: every finding under PACKAGE with its static priority (``check --rank``) and
what PROFILE measured at it (``check --profile``: hits, priority). The table counts, per static
priority, the findings that ran 1,000 times or more, fewer, or never. The figures in
docs/profiling.md come from sqlparse 0.6.1 and Python-Markdown 3.11.3 (sdists from PyPI),
profiled with ``perfcodemod profile -m sqlparse --reindent --keywords upper big.sql`` and
``perfcodemod profile -m markdown -x tables -x fenced_code -x toc -x footnotes big.md``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

FREQUENT = 1000


def findings(project: Path, package: str, *args: str) -> dict[tuple[str, int, int, str], dict]:
    result = subprocess.run(
        [sys.executable, "-m", "perfcodemod", "check", "--isolated", "--output-format", "json",
         *args, package], cwd=project, capture_output=True, text=True,
    )
    return {(d["filename"], d["location"]["row"], d["location"]["column"], d["code"]):
            d["profile"] for d in json.loads(result.stdout or "[]")}


def main(argv: list[str]) -> int:
    if not argv or len(argv) % 3:
        print(__doc__, file=sys.stderr)
        return 2
    table: Counter[tuple[str, str]] = Counter()
    rows = []
    for index in range(0, len(argv), 3):
        project, package, profile = Path(argv[index]), argv[index + 1], argv[index + 2]
        static = findings(project, package, "--rank")
        measured = findings(project, package, "--profile", str(Path(profile).resolve()))
        for key, estimate in static.items():
            evidence = measured.get(key) or {}
            hits = evidence.get("hits")
            ran = ("never ran" if evidence.get("priority") == "not-run" else
                   "ran 1,000+ times" if (hits or 0) >= FREQUENT else "ran, fewer")
            table[(estimate["priority"], ran)] += 1
            rows.append((estimate["priority"], hits, evidence.get("priority"), key))
    for row in sorted(rows, key=lambda r: (["high", "medium", "low"].index(r[0]), -(r[1] or 0))):
        print(*row, sep="\t")
    print("\n| static priority | findings | ran 1,000+ times | ran, fewer | never ran |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for level in ("high", "medium", "low"):
        counts = [table[(level, ran)] for ran in ("ran 1,000+ times", "ran, fewer", "never ran")]
        print(f"| {level} | {sum(counts)} | " + " | ".join(map(str, counts)) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
