"""Before and after for PCM401 (pure recursion, overlapping subproblems), on the running CPython.

    python benchmarks/rules/caching.py            # the table quoted in PCM401's documentation
    python benchmarks/rules/caching.py --quick    # fewer repeats

For each classic recursive function, the same body is defined twice, plain and under
``functools.cache``, and measured with ``timeit`` (best of several repeats):

- *without a cache*: one call of the plain function;
- *cold*: one call of the cached function after ``cache_clear()`` (what the first call in a
  program costs: every subproblem computed once, plus the cache's bookkeeping);
- *warm*: the same call again, answered from the cache;
- *cache memory*: what ``tracemalloc`` sees allocated by one cold call and still held by the
  filled cache afterwards (keys, results, the cache's links), and the number of entries.

The figures quoted in PCM401's documentation come from this script; rerun it to see yours.
Timing noise on a busy machine is a few percent.
"""

from __future__ import annotations

import argparse
import functools
import gc
import platform
import sys
import timeit
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def fib(n: int) -> int:
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def binomial(n: int, k: int) -> int:
    if k in (0, n):
        return 1
    return binomial(n - 1, k - 1) + binomial(n - 1, k)


def catalan(n: int) -> int:
    if n <= 1:
        return 1
    return sum(catalan(i) * catalan(n - 1 - i) for i in range(n))


def edit_distance(a: str, b: str) -> int:
    if not a or not b:
        return len(a) + len(b)
    return min(
        edit_distance(a[1:], b) + 1,
        edit_distance(a, b[1:]) + 1,
        edit_distance(a[1:], b[1:]) + (a[0] != b[0]),
    )


def cached_twin(function: Callable[..., Any]) -> Callable[..., Any]:
    """The same function under ``functools.cache``, whose recursive calls go through the cache."""
    namespace: dict[str, Any] = {"functools": functools}
    source = _SOURCES[function.__name__]
    exec(compile("@functools.cache\n" + source, f"<cached {function.__name__}>", "exec"), namespace)
    return namespace[function.__name__]  # type: ignore[no-any-return]


_SOURCES = {
    "fib": (
        "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n"
    ),
    "binomial": (
        "def binomial(n, k):\n    if k in (0, n):\n        return 1\n"
        "    return binomial(n - 1, k - 1) + binomial(n - 1, k)\n"
    ),
    "catalan": (
        "def catalan(n):\n    if n <= 1:\n        return 1\n"
        "    return sum(catalan(i) * catalan(n - 1 - i) for i in range(n))\n"
    ),
    "edit_distance": (
        "def edit_distance(a, b):\n    if not a or not b:\n        return len(a) + len(b)\n"
        "    return min(\n        edit_distance(a[1:], b) + 1,\n"
        "        edit_distance(a, b[1:]) + 1,\n"
        "        edit_distance(a[1:], b[1:]) + (a[0] != b[0]),\n    )\n"
    ),
}


@dataclass(frozen=True)
class Case:
    label: str
    function: Callable[..., Any]
    args: tuple[Any, ...]


CASES = (
    Case("`fib(25)`", fib, (25,)),
    Case("`binomial(20, 10)`", binomial, (20, 10)),
    Case("`catalan(14)`", catalan, (14,)),
    Case("`edit_distance` (kitten, sitting)", edit_distance, ("kitten", "sitting")),
)


def best(statement: Callable[[], object], repeat: int, number: int = 1) -> float:
    """Best time of one execution, in seconds."""
    timer = timeit.Timer(statement)
    return min(timer.repeat(repeat=repeat, number=number)) / number


def held_by_cache(cached: Callable[..., Any], args: tuple[Any, ...]) -> tuple[int, int]:
    """Bytes still allocated after one cold call (the filled cache), and its entry count."""
    cached.cache_clear()  # type: ignore[attr-defined]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    cached(*args)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return after - before, cached.cache_info().currsize  # type: ignore[attr-defined]


def measure(case: Case, repeat: int) -> dict[str, Any]:
    cached = cached_twin(case.function)
    plain_result = case.function(*case.args)
    assert cached(*case.args) == plain_result, case.label

    def cold() -> object:
        cached.cache_clear()
        return cached(*case.args)

    def warm() -> object:
        return cached(*case.args)

    plain = best(lambda: case.function(*case.args), repeat)
    cold_time = best(cold, repeat * 20, 1)
    warm_time = best(warm, repeat, 100_000)
    memory, entries = held_by_cache(cached, case.args)
    return {
        "label": case.label,
        "plain": plain,
        "cold": cold_time,
        "warm": warm_time,
        "memory": memory,
        "entries": entries,
    }


def duration(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:,.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:,.1f} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:,.1f} µs"
    return f"{seconds * 1e9:,.0f} ns"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args(argv)
    repeat = 2 if args.quick else 5
    print(f"# CPython {platform.python_version()} on {platform.machine()} ({sys.platform})")
    print("| function | no cache | `@cache`, cold | `@cache`, warm | speed-up | cache memory |")
    print("| --- | --- | --- | --- | --- | --- |")
    for case in CASES:
        row = measure(case, repeat)
        print(
            f"| {row['label']} | {duration(row['plain'])} | {duration(row['cold'])} | "
            f"{duration(row['warm'])} | {row['plain'] / row['cold']:,.0f}x | "
            f"{row['memory'] / 1024:,.1f} KiB ({row['entries']} entries) |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
