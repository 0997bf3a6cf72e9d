"""Record what the engine finds over a tree as JSON, and compare two recordings.

An engine change must not change a finding. To compare two versions of the engine (a branch
and main, say), record each over the same files and compare:

    git stash; python benchmarks/engine_output.py record /tmp/before.json --select ALL
    git stash pop; python benchmarks/engine_output.py record /tmp/after.json --select ALL
    python benchmarks/engine_output.py compare /tmp/before.json /tmp/after.json

(or point ``PYTHONPATH`` at an exported copy of the other version's ``src``). A recording holds,
per file (relative to the corpus), every diagnostic with its offsets, positions, message, noqa
row and fix (applicability, title, reason, edits), and the tool errors. ``compare`` prints the
files whose recordings differ and exits 1 if any does. The corpus defaults to the running
Python's standard library; ``tests/test_engine_equivalence.py`` makes the same comparison
between the engine's two chunking modes as a test.
"""

from __future__ import annotations

import argparse
import json
import sys
import sysconfig
from pathlib import Path


def record(out: Path, corpus: Path | None, select: str | None) -> int:
    from perfcodemod import api, engine
    from perfcodemod.config import default_settings, settings_from_table
    from perfcodemod.source import DecodeError, SourceText

    root = corpus or Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)
    settings = (
        settings_from_table({"select": select.split(",")}, None, Path.cwd())
        if select
        else default_settings()
    )
    options = api.engine_options(settings)
    recording: dict[str, object] = {}
    for path in files:
        try:
            source = SourceText.decode(path.read_bytes())
        except (OSError, DecodeError):
            continue
        name = str(path.relative_to(root))
        result = engine.check_source(source, options, name)
        recording[name] = {
            "diagnostics": [
                [d.code, d.message, d.start, d.end, d.row, d.col, d.end_row, d.end_col,
                 d.noqa_row,
                 None if d.fix is None else [
                     d.fix.applicability.value, d.fix.message, d.fix.reason,
                     [[e.start, e.end, e.content] for e in d.fix.edits],
                 ]]
                for d in result.diagnostics
            ],
            "errors": [e.message for e in result.errors],
        }
    out.write_text(json.dumps(recording, indent=0, sort_keys=True), encoding="utf-8")
    count = sum(len(v["diagnostics"]) for v in recording.values())  # type: ignore[index]
    print(f"{len(recording)} files, {count} diagnostics -> {out}")
    return 0


def compare(before: Path, after: Path) -> int:
    old = json.loads(before.read_text(encoding="utf-8"))
    new = json.loads(after.read_text(encoding="utf-8"))
    differing = sorted(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))
    for name in differing:
        print(f"differs: {name}")
    count = sum(len(v["diagnostics"]) for v in old.values())
    print(f"{len(old.keys() | new.keys())} files, {count} diagnostics before, "
          f"{sum(len(v['diagnostics']) for v in new.values())} after; "
          f"{len(differing)} files differ")
    return 1 if differing else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    recorder = commands.add_parser("record")
    recorder.add_argument("out", type=Path)
    recorder.add_argument("--corpus", type=Path)
    recorder.add_argument("--select", help="rules (default: the default selection)")
    comparer = commands.add_parser("compare")
    comparer.add_argument("before", type=Path)
    comparer.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "record":
        return record(args.out, args.corpus, args.select)
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
