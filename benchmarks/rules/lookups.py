"""Before and after for the PCM3xx rules (linear lookups in loops), on the running CPython.

    python benchmarks/rules/lookups.py                  # every case, 10, 1,000 and 100,000 items
    python benchmarks/rules/lookups.py --rule PCM302    # one rule
    python benchmarks/rules/lookups.py --exact          # run the quadratic cases in full (hours)

Each case makes n lookups in a collection of n items, the shape the rules report: a loop over
n keys, searching the collection for each. *Before* is the code as reported; *after* is the
code the fix produces, building the index included. For each size: the best time per execution
(``timeit``: autorange, best of 5 repeats), the ratio after / before (below 1 is a speed-up), and
the peak memory one execution allocates (``tracemalloc``, in a separate run, since tracing slows
everything down).

The data are distinct ``str`` keys (``"k00042"``), looked up in a scrambled order so that a hit
is on average halfway down the list:

- PCM301: ``next((r for r in rows if r["path"] == p), None)`` over n dicts, every key found;
- PCM302: ``ordered.index(v)`` over n strings, every value found (a miss would raise);
- PCM303: ``words.count(w)`` over n strings holding n / 2 distinct values.

At 100,000 items the quadratic *before* would take minutes to hours: it is measured with 1/100
of the lookups (1,000 instead of 100,000) and multiplied by 100 (marked ``~``), unless
``--exact`` is given. The figures quoted in the rule docs come from this script; rerun it on
your Python to see yours. Timing noise on a busy machine is a few percent; ratios are steadier
than times.
"""

from __future__ import annotations

import argparse
import platform
import sys
import timeit
from collections.abc import Callable
from dataclasses import dataclass

from _measure import human_bytes, human_time, namespace, peak_memory, print_table

SIZES = (10, 1_000, 100_000)
REDUCTION = 100


@dataclass(frozen=True)
class Case:
    rule: str
    label: str
    #: Takes (collection size, number of lookups) and returns setup code that defines
    #: ``before()`` and ``after()``.
    setup: Callable[[int, int], str]


def keys(n: int) -> str:
    return f"[f'k{{i:06d}}' for i in range({n})]"


def scrambled(n: int, m: int) -> str:
    """m keys of the n, in an order that spreads hits over the whole collection."""
    return f"[f'k{{(i * 7919) % {n}:06d}}' for i in range({m})]"


# -- PCM301: next((r for r in rows if r["path"] == p), None) ----------------------------------


def search_setup(n: int, m: int) -> str:
    return (
        f"rows = [{{'path': k, 'size': i}} for i, k in enumerate({keys(n)})]\n"
        f"paths = {scrambled(n, m)}\n"
        "def before():\n"
        "    found = []\n"
        "    for path in paths:\n"
        "        found.append(next((r for r in rows if r['path'] == path), None))\n"
        "    return found\n"
        "def after():\n"
        "    found = []\n"
        "    rows_by_path = {r['path']: r for r in reversed(rows)}\n"
        "    for path in paths:\n"
        "        found.append(rows_by_path.get(path))\n"
        "    return found\n"
    )


# -- PCM302: ordered.index(v) ----------------------------------------------------------------------


def index_setup(n: int, m: int) -> str:
    return (
        f"ordered = sorted({keys(n)})\n"
        f"wanted = {scrambled(n, m)}\n"
        "def before():\n"
        "    return [ordered.index(v) for v in wanted]\n"
        "def after():\n"
        "    ordered_index = {v: i for i, v in reversed(list(enumerate(ordered)))}\n"
        "    return [\n"
        "        ordered_index[v] if v in ordered_index else ordered.index(v) for v in wanted\n"
        "    ]\n"
    )


# -- PCM303: words.count(w) -----------------------------------------------------------------------


def count_setup(n: int, m: int) -> str:
    return (
        "import collections\n"
        f"words = [f'k{{i % max(1, {n} // 2):06d}}' for i in range({n})]\n"
        f"queries = {scrambled(n, m)}\n"
        "def before():\n"
        "    return [words.count(q) for q in queries]\n"
        "def after():\n"
        "    words_counts = collections.Counter(words)\n"
        "    return [words_counts[q] for q in queries]\n"
    )


CASES = (
    Case("PCM301", "`next(...)` search per key vs dict index", search_setup),
    Case("PCM302", "`.index()` per value vs position dict", index_setup),
    Case("PCM303", "`.count()` per value vs Counter", count_setup),
)


def best_time(function: Callable[[], object], repeat: int = 5) -> float:
    timer = timeit.Timer(function)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=repeat, number=number)) / number






def measure(case: Case, n: int, exact: bool) -> tuple[str, float, float, int, int]:
    run = namespace(case.setup(n, n))
    before, after = run["before"], run["after"]
    assert callable(before) and callable(after)
    if n < 100_000 or exact:
        assert before() == after(), f"{case.rule} {case.label}: before and after disagree"
        before_time = best_time(before)
        before_memory = peak_memory(before)
        marker = ""
    else:
        slow = namespace(case.setup(n, n // REDUCTION))["before"]
        assert callable(slow)
        before_time = best_time(slow, repeat=3) * REDUCTION
        before_memory = peak_memory(slow)
        marker = "~"
    after_time = best_time(after)
    after_memory = peak_memory(after)
    return marker, before_time, after_time, before_memory, after_memory






def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rule", action="append", help="only these rules (PCM301...)")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument(
        "--exact", action="store_true", help="time quadratic cases in full (hours)"
    )
    args = parser.parse_args(argv)
    print(f"CPython {platform.python_version()} on {platform.machine()} ({sys.platform})")
    header = (
        "rule", "case", "items", "before", "after", "after/before", "peak before", "peak after"
    )
    rows = []
    for case in CASES:
        if args.rule and case.rule not in args.rule:
            continue
        for n in args.sizes:
            marker, before, after, before_memory, after_memory = measure(case, n, args.exact)
            rows.append(
                (
                    case.rule,
                    case.label,
                    f"{n:,}",
                    marker + human_time(before),
                    human_time(after),
                    f"{after / before:.3g}",
                    human_bytes(before_memory),
                    human_bytes(after_memory),
                )
            )
            print(" | ".join(rows[-1]), file=sys.stderr, flush=True)
    print_table(header, rows)
    print("~: measured with 1/100 of the lookups and multiplied by 100")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
