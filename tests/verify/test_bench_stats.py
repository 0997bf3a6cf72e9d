"""The noise criterion of ``--bench``: the Mann-Whitney U test against a brute-force count of
every ordering, its published critical values, and the verdicts it leads to."""

from __future__ import annotations

import itertools
import math

import pytest

from perfcodemod.verify.bench import (
    BenchFailed,
    CommandResult,
    compare,
    mann_whitney_p,
    measure,
)


def brute_force_p(first: list[float], second: list[float]) -> float:
    """Two-sided exact p-value by enumerating every way to split the pooled values."""
    pooled = [*first, *second]
    n = len(first)

    def u_of(sample: tuple[float, ...], rest: list[float]) -> float:
        return sum((x > y) + 0.5 * (x == y) for x in sample for y in rest)

    observed = u_of(tuple(first), second)
    values = []
    for chosen in itertools.combinations(range(len(pooled)), n):
        sample = tuple(pooled[i] for i in chosen)
        rest = [pooled[i] for i in range(len(pooled)) if i not in chosen]
        values.append(u_of(sample, rest))
    low = sum(v <= observed for v in values) / len(values)
    high = sum(v >= observed for v in values) / len(values)
    return min(1.0, 2 * min(low, high))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ([1.0, 2.0, 3.0, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0, 10.0]),
        ([1.0, 2.0, 3.0, 7.0, 5.0], [6.0, 4.0, 8.0, 9.0, 10.0]),
        ([1.0, 9.0, 3.0, 7.0, 5.0], [6.0, 4.0, 8.0, 2.0, 10.0]),
        ([0.31, 0.35, 0.30], [0.29, 0.40, 0.33, 0.28]),
        ([5.0, 1.0], [3.0, 4.0, 2.0, 6.0]),
    ],
    ids=["separated", "two-swapped", "mixed", "unequal-sizes", "two-against-four"],
)
def test_exact_p_matches_every_ordering(first: list[float], second: list[float]) -> None:
    assert mann_whitney_p(first, second) == pytest.approx(brute_force_p(first, second))
    assert mann_whitney_p(second, first) == pytest.approx(brute_force_p(first, second))


def test_published_critical_values() -> None:
    # n = m = 5: P(U <= 2) = 4/252, so a two-sided p of 8/252 (tables: U_crit = 2 at 0.05).
    assert mann_whitney_p([1, 2, 3, 4, 7], [5, 6, 8, 9, 10]) == pytest.approx(8 / 252)
    # n = m = 3 can never reach 0.05 (the smallest two-sided p is 2/20).
    assert mann_whitney_p([1, 2, 3], [4, 5, 6]) == pytest.approx(0.1)


def test_ties_use_the_normal_approximation_with_correction() -> None:
    first = [1.0, 1.0, 2.0, 2.0, 3.0]
    second = [2.0, 3.0, 3.0, 4.0, 4.0]
    p = mann_whitney_p(first, second)
    exact = brute_force_p(first, second)
    # The approximation is close to the exact tie-aware permutation p-value.
    assert abs(p - exact) < 0.03
    assert mann_whitney_p([1.0] * 4, [1.0] * 4) == 1.0


def test_verdicts() -> None:
    faster = compare([1.00, 1.02, 0.99, 1.01, 1.03], [0.80, 0.82, 0.79, 0.81, 0.83])
    assert faster.verdict == "faster" and faster.measurable and not faster.slower
    assert faster.change == pytest.approx(0.81 / 1.01 - 1)
    assert faster.shift == pytest.approx(-0.2, abs=0.02)
    slower = compare([0.80, 0.82, 0.79, 0.81, 0.83], [1.00, 1.02, 0.99, 1.01, 1.03])
    assert slower.verdict == "slower" and slower.slower
    # Interleaved samples: no measurable change, whatever the medians say.
    noise = compare([1.00, 1.20, 0.90, 1.10, 1.05], [1.02, 1.15, 0.95, 1.12, 0.98])
    assert noise.verdict == "no measurable change" and not noise.slower
    # Fully separated but tiny (0.1%): real only on paper.
    tiny = compare([1.000, 1.0001, 1.0002, 1.0003, 1.0004],
                   [1.0010, 1.0011, 1.0012, 1.0013, 1.0014])
    assert tiny.p_value < 0.05 and tiny.verdict == "no measurable change"


def _result(seconds: float, returncode: int = 0) -> CommandResult:
    return CommandResult("bench", returncode, seconds, "", False)


def test_measure_alternates_and_discards_a_warm_up() -> None:
    order: list[str] = []
    times = {"before": iter([9.0, 1.0, 1.1, 1.2, 1.0]), "after": iter([9.0, 2.0, 2.1, 2.2, 2.0])}

    def run(side: str) -> CommandResult:
        order.append(side)
        return _result(next(times[side]))

    comparison = measure(run, runs=4)
    assert order == ["before", "after", "before", "after", "after", "before", "before", "after",
                     "after", "before"]
    assert comparison.before.samples == (1.0, 1.1, 1.2, 1.0)
    assert comparison.after.samples == (2.0, 2.1, 2.2, 2.0)
    assert comparison.verdict == "slower"
    assert math.isclose(comparison.before.median, 1.05)


def test_measure_stops_at_a_failing_run() -> None:
    def run(side: str) -> CommandResult:
        return _result(0.1, 1 if side == "after" else 0)

    with pytest.raises(BenchFailed) as caught:
        measure(run, runs=4)
    assert caught.value.side == "after"
