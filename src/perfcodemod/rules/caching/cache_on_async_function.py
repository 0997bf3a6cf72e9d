"""PCM412: ``functools.cache``/``lru_cache`` on an ``async def``."""

from __future__ import annotations

from perfcodemod.analysis.caching import (
    CachedFunction,
    CachedTwin,
)
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.rule import Invalid
from perfcodemod.rules.caching.base import CachedFunctionRule


class CacheOnAsyncFunction(CachedFunctionRule):
    """Cache decorator on an `async def` caches the coroutine; a second await raises `RuntimeError`.

    ## What it does
    Finds `functools.cache` and `functools.lru_cache` (in any import form) on a coroutine
    function: an `async def` at module level, in a class (sync or static or class method), or
    nested in a function. An `async def` that contains `yield` is an asynchronous generator,
    which PCM413 reports.

    ## Why is this bad?
    Calling an `async def` does not run it: it returns a coroutine object, and that is what the
    cache stores. The first caller awaits it; every later caller with the same arguments gets
    the same, already finished, coroutine, and awaiting it raises. No peer linter reports this.

    ```python
    import asyncio
    import functools


    @functools.cache
    async def fetch_user(user_id):
        await asyncio.sleep(0)
        return {"id": user_id}


    async def main():
        await fetch_user(1)
        await fetch_user(1)  # RuntimeError: cannot reuse already awaited coroutine


    asyncio.run(main())
    ```

    ## Example
    ```python
    import functools


    @functools.cache
    async def fetch_user(user_id):
        return await database.get_user(user_id)
    ```

    ## Use instead
    Cache the awaited result, not the coroutine: a dictionary of results (below), a cache of
    `asyncio.Task`s (a task can be awaited many times, but belongs to one event loop), or an
    asynchronous cache such as the `async-lru` package's `alru_cache`.
    ```python
    _users = {}


    async def fetch_user(user_id):
        if user_id not in _users:
            _users[user_id] = await database.get_user(user_id)
        return _users[user_id]
    ```

    ## Fix safety
    There is no fix: where the results should live (and how concurrent first calls should share
    one fetch) is the author's choice.
    """

    code = "PCM412"
    name = "cache-on-async-function"
    message = (
        "Cache decorator on an `async def` caches the coroutine, and awaiting it a second time "
        "raises RuntimeError; cache the awaited result (a dict of results or tasks) instead"
    )

    VALID = (
        "import functools\n\n@functools.cache\ndef f(x):\n    return x\n",
        "async def f(x):\n    return x\n",
        # An asynchronous cache from another package is made for coroutines.
        "from async_lru import alru_cache\n\n@alru_cache\nasync def f(x):\n    return x\n",
        # An asynchronous generator is PCM413's business.
        "import functools\n\n@functools.cache\nasync def f(x):\n    yield x\n",
        # A cached sync function nested in an async one.
        "import functools\n\nasync def f(x):\n    @functools.cache\n    def g(k):\n"
        "        return k * 2\n    return g(x)\n",
    )
    INVALID = (
        Invalid("import functools\n\n@functools.cache\nasync def f(x):\n    return x\n"),
        Invalid(
            "from functools import lru_cache as memo\n\n@memo(maxsize=16)\nasync def f(x):\n"
            "    return x\n"
        ),
        Invalid(
            "from functools import lru_cache\n\nclass Client:\n    @staticmethod\n    @lru_cache\n"
            "    async def fetch(key):\n        return key\n"
        ),
        Invalid(
            "import functools\n\ndef outer():\n    @functools.lru_cache(None)\n"
            "    async def inner(x):\n        return x\n    return inner\n"
        ),
    )

    @classmethod
    def applies_to(cls, cached: CachedFunction, facts: ModuleFacts) -> bool:
        return cached.returns == "coroutine"

    def check(self, cached: CachedTwin) -> None:
        self.report(cached.decorator_node())
