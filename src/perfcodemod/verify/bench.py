"""Timing a benchmark command before and after the fixes, and saying honestly what changed.

The command is run alternately on the two trees (one discarded warm-up run of each, then
``runs`` pairs, each pair in the opposite order of the one before: before/after, then
after/before, so that a machine warming up or slowing down drifts both sides alike).

**The noise criterion.** Two sets of wall times differ measurably when both hold:

- the two-sided Mann-Whitney U test rejects "same distribution" at ``alpha = 0.05`` (exact
  distribution of U when no two times tie, the normal approximation with the tie correction
  otherwise). It assumes nothing about the shape of the noise, and with 5 runs a side it
  needs the two sets all but separated (p = 0.032 when at most two of the 25 before/after
  pairs are out of order), so a single slow outlier cannot make a difference;
- the Hodges-Lehmann estimate of the shift (the median of all after-minus-before
  differences) is at least 1% of the median before: smaller changes are real only on paper.

Otherwise the verdict is "no measurable change". The report shows each side's median and its
spread (the lowest and highest time), the relative change of the medians and the p-value.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from perfcodemod.verify.command import CommandResult

ALPHA = 0.05
MIN_CHANGE = 0.01
DEFAULT_RUNS = 5
#: Above this many before/after pairs (``n * m``) the normal approximation is used.
_EXACT_LIMIT = 900


@dataclass(frozen=True)
class Timing:
    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def low(self) -> float:
        return min(self.samples)

    @property
    def high(self) -> float:
        return max(self.samples)


@dataclass(frozen=True)
class Comparison:
    before: Timing
    after: Timing
    #: Two-sided Mann-Whitney U p-value.
    p_value: float
    #: Hodges-Lehmann estimate of after minus before, in seconds.
    shift: float

    @property
    def change(self) -> float:
        """The relative change of the medians (negative: faster)."""
        return (self.after.median - self.before.median) / self.before.median

    @property
    def measurable(self) -> bool:
        base = self.before.median
        return self.p_value < ALPHA and base > 0 and abs(self.shift) / base >= MIN_CHANGE

    @property
    def verdict(self) -> str:
        if not self.measurable:
            return "no measurable change"
        return "faster" if self.shift < 0 else "slower"

    @property
    def slower(self) -> bool:
        return self.measurable and self.shift > 0


def compare(before: Sequence[float], after: Sequence[float]) -> Comparison:
    differences = sorted(a - b for a in after for b in before)
    return Comparison(
        Timing(tuple(before)), Timing(tuple(after)), mann_whitney_p(before, after),
        statistics.median(differences),
    )


def mann_whitney_p(first: Sequence[float], second: Sequence[float]) -> float:
    """The two-sided p-value of the Mann-Whitney U test of ``first`` against ``second``."""
    n, m = len(first), len(second)
    if not n or not m:
        return 1.0
    u = sum((x > y) + 0.5 * (x == y) for x in first for y in second)
    pooled = [*first, *second]
    ties = len(set(pooled)) != len(pooled)
    if not ties and n * m <= _EXACT_LIMIT:
        counts = _u_counts(n, m)
        total = sum(counts)
        low = sum(counts[: int(u) + 1]) / total
        high = sum(counts[int(u) :]) / total
        return min(1.0, 2 * min(low, high))
    size = n + m
    tie_sizes = Counter(pooled).values()
    correction = sum(t**3 - t for t in tie_sizes) / (size * (size - 1))
    variance = n * m / 12 * ((size + 1) - correction)
    if variance <= 0:
        return 1.0
    z = (abs(u - n * m / 2) - 0.5) / math.sqrt(variance)
    return min(1.0, math.erfc(max(z, 0.0) / math.sqrt(2)))


@lru_cache(maxsize=64)
def _u_counts(n: int, m: int) -> tuple[int, ...]:
    """How many of the ``C(n+m, n)`` orderings give each value of U (0..n*m)."""
    if n == 0 or m == 0:
        return (1,)
    # U(n, m) = U(n-1, m) + m (the largest value is in the first sample) or U(n, m-1).
    with_first = _u_counts(n - 1, m)
    with_second = _u_counts(n, m - 1)
    counts = [0] * (n * m + 1)
    for u, count in enumerate(with_first):
        counts[u + m] += count
    for u, count in enumerate(with_second):
        counts[u] += count
    return tuple(counts)


class BenchFailed(Exception):
    """The benchmark command failed on one of the trees."""

    def __init__(self, side: str, result: CommandResult) -> None:
        super().__init__(f"the benchmark command {result.describe()} on the {side} code")
        self.side = side
        self.result = result


def measure(
    run: Callable[[str], CommandResult], runs: int = DEFAULT_RUNS
) -> Comparison:
    """Time ``run("before")`` and ``run("after")`` alternately; each must pass."""

    def timed(side: str) -> float:
        result = run(side)
        if not result.passed:
            raise BenchFailed(side, result)
        return result.seconds

    timed("before")
    timed("after")
    before: list[float] = []
    after: list[float] = []
    for index in range(runs):
        order = ("before", "after") if index % 2 == 0 else ("after", "before")
        for side in order:
            (before if side == "before" else after).append(timed(side))
    return compare(before, after)
