"""PCM413: a cache decorator on a generator function, or on one that returns an iterator."""

from __future__ import annotations

import ast

from perfcodemod.analysis.astscope import qualified_name_at, scopes
from perfcodemod.analysis.caching import (
    CachedFunction,
    CachedTwin,
)
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.purity import own_returns
from perfcodemod.rule import Invalid
from perfcodemod.rules.caching.base import CachedFunctionRule

#: Calls that return a one-shot iterator.
ITERATOR_CALLS = frozenset(
    {
        "builtins.map", "builtins.filter", "builtins.zip", "builtins.iter", "builtins.reversed",
        "builtins.enumerate", "itertools.*",
    }
)


def returned_iterator(
    function: ast.FunctionDef | ast.AsyncFunctionDef, facts: ModuleFacts
) -> str | None:
    """What one-shot iterator a ``return`` of ``function`` hands out, if one does."""
    table = scopes(facts)
    inside = table.of(function)
    for statement in own_returns(function):
        value = statement.value
        if isinstance(value, ast.GeneratorExp):
            return "a generator expression"
        if isinstance(value, ast.Call):
            name = qualified_name_at(value.func, inside, table)
            if name and (name in ITERATOR_CALLS or name.startswith("itertools.")):
                short = name.removeprefix("builtins.")
                return f"the iterator of `{short}()`"
    return None


class CacheOnGenerator(CachedFunctionRule):
    """Cache decorator on a generator function: callers share one generator, exhausted at once.

    ## What it does
    Finds `functools.cache` and `functools.lru_cache` (in any import form) on a generator
    function (a `def` or `async def` whose body contains `yield`), or on a function that returns
    a one-shot iterator: a generator expression, `map()`, `filter()`, `zip()`, `iter()`,
    `reversed()`, `enumerate()` or an `itertools` iterator. Methods and nested functions are
    reported alike: the failure is the same wherever the function lives.

    ## Why is this bad?
    The cache stores what the call returns: the generator object, not the values it would
    produce. The first caller consumes it; every later caller with the same arguments gets the
    same, exhausted, generator and sees no values at all, silently. No peer linter reports this.

    ```python
    import functools


    @functools.cache
    def words(text):
        for word in text.split():
            yield word.lower()


    first = list(words("Cache Me"))
    second = list(words("Cache Me"))
    assert first == ["cache", "me"]
    assert second == []  # the same generator, already exhausted
    ```

    ## Example
    ```python
    import functools


    @functools.cache
    def words(text):
        for word in text.split():
            yield word.lower()
    ```

    ## Use instead
    Cache the values: return a tuple (immutable, so callers cannot corrupt the cache either).
    ```python
    import functools


    @functools.cache
    def words(text):
        return tuple(word.lower() for word in text.split())
    ```

    ## Fix safety
    There is no fix: turning the generator into a tuple builds all its values eagerly, which
    changes memory use, laziness and the type callers get.
    """

    code = "PCM413"
    name = "cache-on-generator"
    message = (
        "Cache decorator on a generator function hands every caller the same generator, "
        "exhausted after the first; cache a tuple of its values instead"
    )

    VALID = (
        "import functools\n\n@functools.cache\ndef f(text):\n    return tuple(text.split())\n",
        "def f(text):\n    yield from text.split()\n",
        # A generator nested in a cached function is made anew for each computation.
        "import functools\n\n@functools.cache\ndef f(n):\n    def g():\n        yield n\n"
        "    return sum(g())\n",
        # A list comprehension is not an iterator.
        "import functools\n\n@functools.cache\ndef f(n):\n    return [i for i in range(n)]\n",
        # `map` from elsewhere is not the builtin.
        "import functools\nfrom mylib import map\n\n@functools.cache\ndef f(n):\n"
        "    return map(n)\n",
    )
    INVALID = (
        Invalid(
            "import functools\n\n@functools.cache\ndef f(text):\n    for word in text.split():\n"
            "        yield word\n"
        ),
        Invalid(
            "from functools import lru_cache\n\nclass C:\n    @staticmethod\n"
            "    @lru_cache(maxsize=8)\n    def f(n):\n        yield from range(n)\n"
        ),
        Invalid(
            "import functools\n\n@functools.cache\nasync def f(n):\n    yield n\n",
            message="same generator",
        ),
        Invalid(
            "import functools\n\n@functools.lru_cache\ndef f(n):\n"
            "    return (i * i for i in range(n))\n",
            message="generator expression",
        ),
        Invalid(
            "import functools\nimport itertools\n\n@functools.cache\ndef f(xs):\n"
            "    return itertools.chain(xs, xs)\n",
            message="itertools.chain",
        ),
    )

    @classmethod
    def applies_to(cls, cached: CachedFunction, facts: ModuleFacts) -> bool:
        if cached.returns == "generator":
            return True
        return returned_iterator(cached.function, facts) is not None

    def check(self, cached: CachedTwin) -> None:
        if cached.returns == "generator":
            self.report(cached.decorator_node())
            return
        iterator = returned_iterator(cached.function, self.context.facts)
        self.report(
            cached.decorator_node(),
            f"Cached function returns {iterator}: every caller gets the same iterator, "
            "exhausted after the first; return a tuple of its values instead",
        )
