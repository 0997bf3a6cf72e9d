"""Caching rules beyond their examples: the target version, options, and the engine's chunks."""

from __future__ import annotations

from perfcodemod import engine, registry
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
    options = engine.EngineOptions(rules=(pcm401,), target_version=(3, 8))
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


def test_calls_in_other_statements_reach_the_cached_function() -> None:
    code = (
        "import functools\n\n@functools.cache\ndef total(xs):\n    return sum(xs)\n\n"
        "x = 1\n\nprint(total([1, 2]))\n"
    )
    (found,) = diagnostics(rule("PCM416"), code)
    assert (found.row, found.col) == (9, 13)


def test_a_call_in_a_positional_only_default_is_reported_on_its_own_argument() -> None:
    # LibCST lists positional-only parameters after the others: pairing calls by order reported
    # the tuple of the first call (column 11) for the list of the second.
    code = (
        "import functools\n\n@functools.cache\ndef f(x):\n    return x\n\n"
        "def g(a=f((1,)), /, b=f([1])):\n    return a\n"
    )
    (found,) = diagnostics(rule("PCM416"), code)
    assert (found.row, found.col) == (7, 25)
