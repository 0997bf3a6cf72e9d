"""Caching rules beyond their examples: the target version, options, and the engine's chunks."""

from __future__ import annotations

import pytest

from perfcodemod import context, engine, registry
from perfcodemod.fixer import apply_edits
from perfcodemod.source import SourceText

from .helpers import diagnostics, fixed

FIB = "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n"


def rule(code: str):  # type: ignore[no-untyped-def]
    found = registry.get_rule(code)
    assert found is not None
    return found


def test_below_python_3_9_the_fix_uses_lru_cache_without_a_bound() -> None:
    pcm401 = rule("PCM401")
    options = context.EngineOptions(rules=(pcm401,), target_version=(3, 8))
    result = engine.check_source(SourceText(FIB), options)
    (diagnostic,) = result.diagnostics
    assert diagnostic.fix is not None
    assert "functools.lru_cache(maxsize=None)" in diagnostic.message
    assert apply_edits(FIB, diagnostic.fix.edits) == (
        "import functools\n\n\n@functools.lru_cache(maxsize=None)\n" + FIB
    )


def test_from_python_3_9_the_fix_uses_cache() -> None:
    assert fixed(rule("PCM401"), FIB) == "import functools\n\n\n@functools.cache\n" + FIB


def test_version_parameters_option() -> None:
    code = (
        "import functools\n\n@functools.cache\ndef load(path, serial):\n"
        "    with open(path) as f:\n        return f.read()\n"
    )
    pcm414 = rule("PCM414")
    assert len(diagnostics(pcm414, code)) == 1
    assert diagnostics(pcm414, code, {"version-parameters": ["serial"]}) == []


def test_a_helper_in_another_top_level_statement_is_analysed() -> None:
    # Only the statement holding `f` is parsed with LibCST; `helper` is proven pure (or not) on
    # the module's `ast`.
    fib = FIB.replace("return n if", "return helper(n) if")
    pure = "def helper(k):\n    return k * 2\n\n" + fib
    impure = "def helper(k):\n    print(k)\n    return k\n\n" + fib
    assert len(diagnostics(rule("PCM401"), pure)) == 1
    assert diagnostics(rule("PCM401"), impure) == []


CACHED_F = "import functools\n\n@functools.cache\ndef f(xs):\n    return xs\n\n"


@pytest.mark.parametrize(
    ("code", "where"),
    [
        # The call is in another top-level statement: only that one is parsed with LibCST.
        pytest.param(CACHED_F + "x = 1\n\nprint(f([1, 2]))\n", (9, 9), id="another-statement"),
        # LibCST lists positional-only parameters after the others: pairing calls by order
        # reported the tuple of the first call (column 11) for the list of the second.
        pytest.param(
            CACHED_F + "def g(a=f((1,)), /, b=f([1])):\n    return a\n", (7, 25),
            id="positional-only-default",
        ),
    ],
)
def test_an_unhashable_argument_is_reported_where_it_is(code: str, where: tuple[int, int]) -> None:
    (found,) = diagnostics(rule("PCM416"), code)
    assert (found.row, found.col) == where
