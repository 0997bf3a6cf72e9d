"""Before and after for the PCM1xx rules (single-use materialisation), on the running CPython.

    python benchmarks/rules/generators.py                # every case, 10 and 100,000 items
    python benchmarks/rules/generators.py --rule PCM104  # one rule
    python benchmarks/rules/generators.py --sizes 10 1000000

For each case and size: the best time per execution (``timeit``: autorange, best of 15 rounds
that alternate the two, so that load slows both alike) of the code the rule reports (*before*)
and of its fix (*after*), their ratio (after / before:
below 1 is a speed-up), and the peak memory that one execution allocates (``tracemalloc``, in
a separate run, since tracing slows everything down). The elements are ``x * 3`` of integers
from 0 (most are distinct ``int`` objects of 28 bytes, as real elements are distinct objects):
a list holds all of them at once, a generator one at a time. The "existing objects" cases
yield objects that already exist (``x for x in xs``): nothing is allocated per element, which
shows the generator's own overhead. (With fresh elements and large inputs the generator often
keeps up with the list: it reuses one freed object after another where the list allocates
them all.)

The figures quoted in the rule docs come from this script; rerun it on your Python to see
yours. Timing noise on a busy machine is a few percent; ratios are steadier than times.
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import timeit
import tracemalloc
from dataclasses import dataclass

from _measure import human_bytes, human_time


@dataclass(frozen=True)
class Case:
    rule: str
    label: str
    before: str
    after: str
    #: Setup code; ``{n}`` is the size.
    setup: str = "xs = list(range({n}))"


SETUP_FUNCTIONS = """
xs = list(range({n}))
def listed(xs):
    ys = [x * 3 for x in xs]
    for y in ys:
        if y < 0:
            return y
    return None
def generated(xs):
    ys = (x * 3 for x in xs)
    for y in ys:
        if y < 0:
            return y
    return None
def listed_early(xs):
    ys = [x * 3 for x in xs]
    for y in ys:
        if y >= 0:
            return y
    return None
def generated_early(xs):
    ys = (x * 3 for x in xs)
    for y in ys:
        if y >= 0:
            return y
    return None
def listed_sum(xs):
    ys = [x * 3 for x in xs]
    return sum(ys)
def generated_sum(xs):
    ys = (x * 3 for x in xs)
    return sum(ys)
def listed_same(xs):
    ys = [x for x in xs if x is not None]
    for y in ys:
        if y is None:
            return y
    return None
def generated_same(xs):
    ys = (x for x in xs if x is not None)
    for y in ys:
        if y is None:
            return y
    return None
"""

CASES = (
    # PCM101: any()/all()/in over a comprehension.
    Case("PCM101", "any(), first element decides", "any([x * 3 >= 0 for x in xs])",
         "any(x * 3 >= 0 for x in xs)"),
    Case("PCM101", "any(), no element decides", "any([x * 3 < 0 for x in xs])",
         "any(x * 3 < 0 for x in xs)"),
    Case("PCM101", "all(), no early exit", "all([x * 3 >= 0 for x in xs])",
         "all(x * 3 >= 0 for x in xs)"),
    Case("PCM101", "in, found first", "0 in [x * 3 for x in xs]", "0 in (x * 3 for x in xs)"),
    Case("PCM101", "in, not found", "-1 in [x * 3 for x in xs]", "-1 in (x * 3 for x in xs)"),
    Case("PCM101", "in, set comprehension, not found", "-1 in {x * 3 for x in xs}",
         "-1 in (x * 3 for x in xs)"),
    # PCM102: a list the consumer copies anyway.
    Case("PCM102", "set(list comprehension)", "set([x * 3 for x in xs])", "{x * 3 for x in xs}"),
    Case("PCM102", "list(list comprehension)", "list([x * 3 for x in xs])", "[x * 3 for x in xs]"),
    Case("PCM102", "dict(list of pairs)", "dict([(x, x * 3) for x in xs])",
         "{x: x * 3 for x in xs}"),
    Case("PCM102", "set([a, b, c]) display (3 items, size ignored)", "set([a, b, c])", "{a, b, c}",
         "a, b, c = 1, 2, 3"),
    # Not reported: no faster form of frozenset() of a list (shown for the record).
    Case("PCM102", "not reported: frozenset([a, b, c]) -> frozenset({a, b, c})",
         "frozenset([a, b, c])", "frozenset({a, b, c})", "a, b, c = 1, 2, 3"),
    Case("PCM102", "not reported: frozenset([comprehension]) -> frozenset({...})",
         "frozenset([x * 3 for x in xs])", "frozenset({x * 3 for x in xs})"),
    Case("PCM102", "dict([(k, v), (k, v)]) display (2 pairs, size ignored)",
         "dict([(a, b), (b, c)])", "{a: b, b: c}", "a, b, c = 1, 2, 3"),
    # PCM103: a list bound to a name and iterated once.
    Case("PCM103", "for loop, no early exit", "listed(xs)", "generated(xs)", SETUP_FUNCTIONS),
    Case("PCM103", "for loop, exits at the first item", "listed_early(xs)", "generated_early(xs)",
         SETUP_FUNCTIONS),
    Case("PCM103", "consumed by sum()", "listed_sum(xs)", "generated_sum(xs)", SETUP_FUNCTIONS),
    Case("PCM103", "for loop, no early exit, existing objects", "listed_same(xs)",
         "generated_same(xs)", SETUP_FUNCTIONS),
    # PCM104 (opt-in): eager reducers.
    Case("PCM104", "sum()", "sum([x * 3 for x in xs])", "sum(x * 3 for x in xs)"),
    Case("PCM104", "sum(), existing objects", "sum([x for x in xs])", "sum(x for x in xs)"),
    Case("PCM104", "min()", "min([x * 3 for x in xs])", "min(x * 3 for x in xs)"),
    Case("PCM104", "max()", "max([x * 3 for x in xs])", "max(x * 3 for x in xs)"),
    Case("PCM104", "sorted()", "sorted([x * 3 for x in xs])", "sorted(x * 3 for x in xs)"),
    Case("PCM104", "tuple()", "tuple([x * 3 for x in xs])", "tuple(x * 3 for x in xs)"),
    Case("PCM104", "tuple(), existing objects", "tuple([x for x in xs])", "tuple(x for x in xs)"),
    Case("PCM104", "frozenset()", "frozenset([x * 3 for x in xs])",
         "frozenset(x * 3 for x in xs)"),
    Case("PCM104", "collections.Counter()", "Counter([x % 7 for x in xs])",
         "Counter(x % 7 for x in xs)", "from collections import Counter; xs = list(range({n}))"),
)


def best_times(before: str, after: str, setup: str, repeats: int) -> tuple[float, float]:
    """The best time per execution of each statement. The two are timed alternately, so that
    a busy machine slows both alike and the ratio stays meaningful."""
    timers = [timeit.Timer(before, setup), timeit.Timer(after, setup)]
    numbers = [max(1, timer.autorange()[0] // 2) for timer in timers]
    best = [float("inf"), float("inf")]
    for _ in range(repeats):
        for index, timer in enumerate(timers):
            best[index] = min(best[index], timer.timeit(numbers[index]) / numbers[index])
    return best[0], best[1]


def peak_memory(statement: str, setup: str) -> int:
    namespace: dict[str, object] = {}
    exec(setup, namespace)
    code = compile(statement, "<case>", "exec")
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        exec(code, namespace)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return max(0, peak - baseline)






def ratio(value: float) -> str:
    return f"{value:.2f}x" if value >= 0.01 else f"{value:.1e}x"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rule", help="only this rule's cases (PCM101...)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100_000])
    parser.add_argument("--repeats", type=int, default=15, help="timing rounds (best is kept)")
    args = parser.parse_args(argv)
    print(f"CPython {platform.python_version()} ({sys.platform}), {platform.machine()}")
    print()
    print("| rule | case | items | before | after | after/before | peak before | peak after |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for case in CASES:
        if args.rule and case.rule != args.rule.upper():
            continue
        sizes = args.sizes if "{n}" in case.setup else args.sizes[:1]
        for size in sizes:
            setup = case.setup.format(n=size)
            before, after = best_times(case.before, case.after, setup, args.repeats)
            peak_before = peak_memory(case.before, setup)
            peak_after = peak_memory(case.after, setup)
            shown_size = f"{size:,}" if "{n}" in case.setup else "-"
            print(
                f"| {case.rule} | {case.label} | {shown_size} | {human_time(before)} | "
                f"{human_time(after)} | {ratio(after / before)} | {human_bytes(peak_before)} | "
                f"{human_bytes(peak_after)} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
