"""The failures the caching rules' documentation shows, reproduced for real.

Each of PCM411-PCM417 shows, under "Why is this bad?", a short program that fails because of
the cache. The test takes that very program from the rule's docstring (so the documentation
cannot drift from what is tested), runs it, and checks that it fails as the documentation says;
then it runs the program again without the cache decorator (or, for PCM417, with a bounded one)
and checks that the failure is gone: the cache is the cause.

PCM401's "Fix safety" claims (a cache shares results between equal arguments of different
types; it lowers the recursion depth that works) are checked here too.
"""

from __future__ import annotations

import functools
import re
import sys
import textwrap

import pytest

from perfcodemod import registry

#: For each rule: the exception the reproduction raises (None: it runs, its asserts showing the
#: failure), a fragment of the exception's message, and what replaces the decorator in the
#: control run.
REPRODUCTIONS = {
    "PCM411": (None, "", ""),
    "PCM412": (RuntimeError, "cannot reuse already awaited coroutine", ""),
    "PCM413": (None, "", ""),
    "PCM414": (None, "", ""),
    "PCM415": (None, "", ""),
    "PCM416": (TypeError, "unhashable type: 'list'", ""),
    "PCM417": (None, "", "@functools.lru_cache(maxsize=128)"),
}
DECORATOR = re.compile(r"^([ \t]*)@functools\.(cache|lru_cache\([^)]*\))$", re.MULTILINE)


def reproduction(code: str) -> str:
    rule = registry.get_rule(code)
    assert rule is not None
    why = rule.doc_sections()["Why is this bad?"]
    match = re.search(r"```python\n(.*?)```", why, re.DOTALL)
    assert match, f"{code}: no reproduction under 'Why is this bad?'"
    return textwrap.dedent(match.group(1))


def run(program: str) -> None:
    namespace = {"__name__": "__reproduction__"}
    exec(compile(program, "<reproduction>", "exec"), namespace)


@pytest.mark.parametrize("code", sorted(REPRODUCTIONS))
def test_documented_failure_happens(code: str) -> None:
    program = reproduction(code)
    assert DECORATOR.search(program), "the reproduction uses a functools cache"
    error, fragment, _ = REPRODUCTIONS[code]
    if error is None:
        run(program)
    else:
        with pytest.raises(error, match=re.escape(fragment)):
            run(program)


@pytest.mark.parametrize("code", sorted(REPRODUCTIONS))
def test_failure_goes_away_without_the_cache(code: str) -> None:
    error, _, replacement = REPRODUCTIONS[code]
    program = DECORATOR.sub(lambda m: m.group(1) + replacement, reproduction(code))
    if error is None:
        # The reproduction's asserts describe the failure: without the cache they no longer hold.
        with pytest.raises(AssertionError):
            run(program)
    else:
        run(program)


def test_equal_arguments_of_different_types_share_a_result() -> None:
    @functools.cache
    def describe(n: object, width: int) -> str:
        return f"{type(n).__name__}:{n}".ljust(width)

    assert describe(1, 0) == "int:1"
    assert describe(1.0, 0) == "int:1"  # (1.0, 0) == (1, 0): the cache answers for 1
    assert describe(True, 0) == "int:1"


def test_a_cache_lowers_the_reachable_recursion_depth() -> None:
    def plain(n: int) -> int:
        return 0 if n == 0 else 1 + plain(n - 1)

    @functools.cache
    def cached(n: int) -> int:
        return 0 if n == 0 else 1 + cached(n - 1)

    def deepest(function, clear=lambda: None) -> int:  # type: ignore[no-untyped-def]
        low, high = 0, sys.getrecursionlimit()
        while low + 1 < high:
            middle = (low + high) // 2
            clear()
            try:
                function(middle)
                low = middle
            except RecursionError:
                high = middle
        return low

    without = deepest(plain)
    with_cache = deepest(cached, cached.cache_clear)
    if sys.version_info < (3, 13):
        # PCM401's fix reason: the C wrapper's calls count against the limit too.
        assert with_cache < 0.75 * without, (with_cache, without)
    else:
        # 3.13 counts Python frames only (the reason says "before Python 3.13").
        assert with_cache >= 0.95 * without, (with_cache, without)
