"""Before and after for the PCM2xx rules (membership tests), on the running CPython.

    python benchmarks/rules/membership.py                 # every case
    python benchmarks/rules/membership.py --rule PCM203   # one rule
    python benchmarks/rules/membership.py --exact         # run the quadratic cases in full

For each case and size: the best CPU time per execution (``timeit`` with ``process_time``: 15
repeats of about 50 ms, *before* and *after* in turns, so that both see the same conditions on a
busy machine, and time spent waiting for a CPU does not count) of the code
the rule reports (*before*) and of its fix (*after*), their ratio (after / before: below 1 is a
speed-up), and the peak memory one execution allocates (``tracemalloc``, in a separate run,
since tracing slows everything down).

Sizes: PCM201/PCM202 use 3, 10 and 30 string constants (`"s00"`, `"s01"`...) and a needle
that is not among them (a miss, the common case of a guard) or is the first one (a hit, the
tuple's best case). PCM203/PCM204 use 10 and 100,000 distinct ``int`` objects, half of the
needles (or items) repeated or missing. The quadratic *before* of PCM203/PCM204 at 100,000
items takes minutes: it is measured on 10,000 items (PCM203) or 1,000 needles (PCM204) and
multiplied by 100 (marked ``~``; its peak memory, the result list, is scaled to the full
size), unless ``--exact`` is given.

The figures quoted in the rule docs come from this script; rerun it on your Python to see
yours. Timing noise on a busy machine is a few percent; ratios are steadier than times.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass

from _measure import human_bytes, human_time, namespace, peak_memory, print_table


def constants(n: int) -> list[str]:
    return [f"s{i:02d}" for i in range(n)]


def display(n: int, brackets: str) -> str:
    items = ", ".join(repr(c) for c in constants(n))
    return f"{brackets[0]}{items}{brackets[1]}"


@dataclass(frozen=True)
class Case:
    rule: str
    label: str
    sizes: tuple[int, ...]
    #: Each takes the size and returns setup code that defines ``before()`` and ``after()``.
    setup: Callable[[int], str]
    #: For a quadratic *before*: setup code for 1/100 of its work at a size (timed and
    #: multiplied by 100 at sizes of 100,000 and more, unless ``--exact``).
    reduced: Callable[[int], str] | None = None
    #: How much more memory the full *before* holds than the reduced one.
    memory_factor: int = 1


# -- PCM201: x in (a, b, c) -> x in {a, b, c} ---------------------------------------------------


def literal_setup(needle: str) -> Callable[[int], str]:
    def setup(n: int) -> str:
        return (
            f"x = {needle!r} if {needle!r} != 'FIRST' else 's00'\n"
            f"def before():\n    return x in {display(n, '()')}\n"
            f"def after():\n    return x in {display(n, '{}')}\n"
        )

    return setup


# -- PCM202: NAME = [...] used only in membership tests ------------------------------------------


def module_name_setup(n: int) -> str:
    return (
        "x = 'zz'\n"
        f"NAMES = {display(n, '()')}\n"
        f"FROZEN = frozenset({display(n, '{}')})\n"
        "def before():\n    return x in NAMES\n"
        "def after():\n    return x in FROZEN\n"
    )


def local_once_setup(brackets: str) -> Callable[[int], str]:
    def setup(n: int) -> str:
        return (
            "x = 'zz'\n"
            f"def before():\n    names = {display(n, brackets)}\n    return x in names\n"
            f"def after():\n    names = {display(n, '{}')}\n    return x in names\n"
        )

    return setup


def local_loop_setup(n: int) -> str:
    return (
        "xs = ['zz', 's00', 'yy', 's01'] * 25\n"
        f"def before():\n    names = {display(n, '()')}\n"
        "    return [x for x in xs if x in names]\n"
        f"def after():\n    names = {display(n, '{}')}\n"
        "    return [x for x in xs if x in names]\n"
    )


# -- PCM203: if x not in lst: lst.append(x) -------------------------------------------------------


def dedup_setup(companion_set: bool) -> Callable[[int], str]:
    after = (
        "def after():\n    out, seen = [], set()\n    for x in items:\n"
        "        if x not in seen:\n            seen.add(x)\n            out.append(x)\n"
        "    return out\n"
        if companion_set
        else "def after():\n    return list(dict.fromkeys(items))\n"
    )

    def setup(n: int) -> str:
        # n items, n // 2 distinct values, in a scrambled order; distinct int objects.
        return (
            f"distinct = max(1, {n} // 2)\n"
            f"items = [10**6 + (i * 7919) % distinct for i in range({n})]\n"
            "def before():\n    out = []\n    for x in items:\n"
            "        if x not in out:\n            out.append(x)\n    return out\n" + after
        )

    return setup


# -- PCM204: x in LIST inside a loop ---------------------------------------------------------------


def loop_membership_setup(needle_count: Callable[[int], int]) -> Callable[[int], str]:
    def setup(n: int) -> str:
        # A list of n distinct ints; needles: half of them in the list, half not.
        m = needle_count(n)
        return (
            f"known = [10**6 + i for i in range({n})]\n"
            f"needles = [10**6 + (i * 7919) % (2 * {n}) for i in range({m})]\n"
            "def before():\n    return [y for y in needles if y in known]\n"
            "def after():\n    known_set = set(known)\n"
            "    return [y for y in needles if y in known_set]\n"
        )

    return setup


CASES = (
    Case("PCM201", "miss: `x in (...)` vs `x in {...}`", (3, 10, 30), literal_setup("zz")),
    Case("PCM201", "hit on the first element", (3, 10, 30), literal_setup("FIRST")),
    Case("PCM202", "module name, miss: tuple vs frozenset", (3, 10, 30), module_name_setup),
    Case("PCM202", "local tuple, one test per call", (3, 10, 30), local_once_setup("()")),
    Case("PCM202", "local list, one test per call", (3, 10, 30), local_once_setup("[]")),
    Case("PCM202", "local, 100 tests per call", (3, 10, 30), local_loop_setup),
    Case(
        "PCM203",
        "loop vs list(dict.fromkeys(items))",
        (10, 100, 100_000),
        dedup_setup(companion_set=False),
        reduced=lambda n: dedup_setup(companion_set=False)(n // 10),
        memory_factor=10,
    ),
    Case(
        "PCM203",
        "loop vs companion set",
        (10, 100, 100_000),
        dedup_setup(companion_set=True),
        reduced=lambda n: dedup_setup(companion_set=True)(n // 10),
        memory_factor=10,
    ),
    Case(
        "PCM204",
        "n needles in a list of n vs set built first",
        (10, 100, 100_000),
        loop_membership_setup(lambda n: n),
        reduced=loop_membership_setup(lambda n: n // 100),
        memory_factor=100,
    ),
)


REDUCTION = 100
#: CPU time of this process: waiting for a CPU on a busy machine does not count.
CLOCK = time.process_time
#: Each repeat runs for about this long; the best of many short repeats, taken in turns for
#: *before* and *after*, is steadier on a busy machine than a few long ones.
REPEAT_SECONDS = 0.05
REPEATS = 15


def _calibrate(timer: timeit.Timer) -> int:
    number = 1
    while True:
        if timer.timeit(number) >= REPEAT_SECONDS / 5 or number >= 1 << 20:
            return max(1, number * 5)
        number *= 2


def best_times(
    first: Callable[[], object], second: Callable[[], object], repeats: int = REPEATS
) -> tuple[float, float]:
    """The best time per call of ``first`` and of ``second``, measured in alternation."""
    timers = [timeit.Timer(first, timer=CLOCK), timeit.Timer(second, timer=CLOCK)]
    numbers = [_calibrate(timer) for timer in timers]
    best = [float("inf"), float("inf")]
    for _ in range(repeats):
        for i, timer in enumerate(timers):
            best[i] = min(best[i], timer.timeit(numbers[i]) / numbers[i])
    return best[0], best[1]






def measure(case: Case, n: int, exact: bool) -> tuple[str, str, float, float, int, int]:
    run = namespace(case.setup(n))
    before, after = run["before"], run["after"]
    assert callable(before) and callable(after)
    if case.reduced is not None and n >= 100_000 and not exact:
        small = namespace(case.reduced(n))
        slow, small_after = small["before"], small["after"]
        assert callable(slow) and callable(small_after)
        assert slow() == small_after(), f"{case.rule} {case.label}: before and after disagree"
        before_time, after_time = best_times(slow, after, repeats=3)
        before_time *= REDUCTION
        # What the quadratic version holds (its result) grows linearly with the work left out.
        before_memory = peak_memory(slow) * case.memory_factor
        marker = "~"
    else:
        assert before() == after(), f"{case.rule} {case.label}: before and after disagree"
        before_time, after_time = best_times(before, after)
        before_memory = peak_memory(before)
        marker = ""
    after_memory = peak_memory(after)
    return marker, f"{n:,}", before_time, after_time, before_memory, after_memory






def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rule", action="append", help="only these rules (PCM201...)")
    parser.add_argument(
        "--exact", action="store_true", help="time quadratic cases in full (minutes)"
    )
    args = parser.parse_args(argv)
    print(f"CPython {platform.python_version()} on {platform.machine()} ({sys.platform})")
    header = (
        "rule", "case", "size", "before", "after", "after/before", "peak before", "peak after"
    )
    rows = []
    for case in CASES:
        if args.rule and case.rule not in args.rule:
            continue
        for n in case.sizes:
            marker, size, before, after, before_memory, after_memory = measure(case, n, args.exact)
            rows.append(
                (
                    case.rule,
                    case.label,
                    size,
                    marker + human_time(before),
                    human_time(after),
                    f"{after / before:.3g}",
                    human_bytes(before_memory),
                    human_bytes(after_memory),
                )
            )
            print(" | ".join(rows[-1]), file=sys.stderr, flush=True)
    print_table(header, rows)
    print("~: the quadratic case timed on 1/100 of the work, times 100; memory scaled likewise")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
