"""Each rule's benchmark curve, kept as data in the package for profile-guided estimates.

    python benchmarks/rules/curves.py              # writes src/perfcodemod/profile/curves.json
    python benchmarks/rules/curves.py --print      # show the curves, write nothing

For each rule, its representative case from the per-rule benchmarks (``membership.py``,
``lookups.py``, ``generators.py``: the same set-up code) is timed at a range of sizes, *before*
and *after* in alternation (best of several rounds, CPU time), and stored as the time per
*hit*: per evaluation of the expression perfcodemod probes at the flagged site (one membership
test, one lookup, one materialised list). ``perfcodemod check --profile`` combines this curve
with the observed size and hit count: the estimated saving is share x (1 - after/before at the
observed size), or hits x (before - after) per hit, and a lookup or membership finding whose
collection never grew past the break-even size (the smallest size from which *after* is
faster) is demoted.

The cases chosen are conservative where the benefit depends on data the probes do not see
(PCM101: no element decides early; PCM103: the loop does not exit early).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import generators
import lookups
import membership

TARGET = Path(__file__).resolve().parents[2] / "src" / "perfcodemod" / "profile" / "curves.json"
SMALL = (2, 3, 5, 10, 30, 100)
LINEAR = (3, 10, 30, 100, 300, 1000, 3000)


@dataclass(frozen=True)
class Curve:
    rule: str
    label: str
    sizes: tuple[int, ...]
    #: Setup code defining ``before()`` and ``after()`` for a size.
    setup: Callable[[int], str]
    #: How many hits one ``before()`` call makes at a size.
    hits_per_call: Callable[[int], int]


def _generator_setup(case: generators.Case) -> Callable[[int], str]:
    def setup(n: int) -> str:
        return (
            case.setup.format(n=n)
            + f"\ndef before():\n    return {case.before}\ndef after():\n    return {case.after}\n"
        )

    return setup


def _generator_case(rule: str, label: str) -> generators.Case:
    return next(c for c in generators.CASES if c.rule == rule and c.label == label)


def one(n: int) -> int:
    return 1


def each(n: int) -> int:
    return n


CURVES = (
    Curve("PCM201", "miss: `x in (...)` vs `x in {...}`", SMALL,
          membership.literal_setup("zz"), one),
    Curve("PCM202", "module name, miss: tuple vs frozenset", SMALL,
          membership.module_name_setup, one),
    Curve("PCM203", "loop vs list(dict.fromkeys(items))", LINEAR,
          membership.dedup_setup(companion_set=False), each),
    Curve("PCM204", "n needles in a list of n vs set built first", LINEAR,
          membership.loop_membership_setup(lambda n: n), each),
    Curve("PCM301", "`next(...)` search per key vs dict index", LINEAR,
          lambda n: lookups.search_setup(n, n), each),
    Curve("PCM302", "`.index()` per value vs position dict", LINEAR,
          lambda n: lookups.index_setup(n, n), each),
    Curve("PCM303", "`.count()` per value vs Counter", LINEAR,
          lambda n: lookups.count_setup(n, n), each),
    Curve("PCM101", "in, not found (no early exit)", LINEAR,
          _generator_setup(_generator_case("PCM101", "in, not found")), one),
    Curve("PCM102", "set(list comprehension)", LINEAR,
          _generator_setup(_generator_case("PCM102", "set(list comprehension)")), one),
    Curve("PCM103", "for loop, no early exit", LINEAR,
          _generator_setup(_generator_case("PCM103", "for loop, no early exit")), one),
    Curve("PCM104", "sum()", LINEAR, _generator_setup(_generator_case("PCM104", "sum()")), one),
)


def measure(curve: Curve, n: int, repeats: int) -> tuple[float, float]:
    run = membership.namespace(curve.setup(n))
    before, after = run["before"], run["after"]
    assert callable(before) and callable(after)
    before_time, after_time = membership.best_times(before, after, repeats=repeats)
    per = curve.hits_per_call(n)
    return before_time / per, after_time / per


def break_even(points: list[list[float]]) -> float | None:
    """The smallest size from which *after* is faster (interpolated), None if never."""
    previous: list[float] | None = None
    for size, before, after in points:
        if after < before:
            if previous is None:
                return size
            p_size, p_before, p_after = previous
            # Linear interpolation of the difference between the two measured sizes.
            d0, d1 = p_after - p_before, after - before
            return round(p_size + (size - p_size) * d0 / (d0 - d1), 1)
        previous = [size, before, after]
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--print", action="store_true", help="print, do not write")
    parser.add_argument("--rule", action="append", help="only these rules")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    started = time.time()
    rules: dict[str, object] = {}
    for curve in CURVES:
        if args.rule and curve.rule not in args.rule:
            continue
        points = []
        for n in curve.sizes:
            before, after = measure(curve, n, args.repeats)
            points.append([n, before, after])
            print(f"{curve.rule} n={n}: {before * 1e9:.1f} ns -> {after * 1e9:.1f} ns per hit "
                  f"({after / before:.3g}x)", file=sys.stderr, flush=True)
        rules[curve.rule] = {
            "case": curve.label,
            "points": [[n, float(f"{b:.4g}"), float(f"{a:.4g}")] for n, b, a in points],
            "break_even": break_even(points),
        }
    document = {
        "generated_by": "python benchmarks/rules/curves.py",
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "unit": "seconds per hit (one probed evaluation at the flagged site)",
        "rules": rules,
    }
    text = json.dumps(document, indent=1) + "\n"
    if args.print or args.rule:
        print(text)
    else:
        TARGET.write_text(text, encoding="utf-8")
        print(f"wrote {TARGET} in {time.time() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
