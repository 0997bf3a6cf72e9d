"""PCM411: ``functools.cache``/``lru_cache`` on an instance method."""

from __future__ import annotations

from perfcodemod.analysis.caching import (
    CachedFunction,
    CachedTwin,
    owner_class,
    role,
)
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.hashability import enum_classes
from perfcodemod.rule import Invalid
from perfcodemod.rules.caching.base import CachedFunctionRule

#: First-parameter names of methods whose receiver is a class.
_CLASS_RECEIVERS = frozenset({"cls", "mcs", "mcls", "metacls", "klass"})

_PROPERTY_MESSAGE = (
    "Cache decorator under `@property` keeps every instance alive and shares one cache across "
    "instances; use `functools.cached_property`"
)


def caches_instances(cached: CachedFunction, facts: ModuleFacts) -> bool:
    """The cache's keys hold instances that would otherwise die: an instance method or property
    (not of an ``Enum``, whose members live forever; not of a metaclass, whose instances are
    classes, which live anyway)."""
    function = cached.function
    if role(function, facts) not in {"method", "property"}:
        return False
    owner = owner_class(function, facts)
    if owner is not None and owner.name in enum_classes(facts):
        return False
    params = function.args.posonlyargs + function.args.args
    return not (params and params[0].arg in _CLASS_RECEIVERS)


class CacheOnMethod(CachedFunctionRule):
    """Cache decorator on an instance method; use `cached_property` or a per-instance cache.

    ## What it does
    Finds `functools.cache` and `functools.lru_cache` (however they are imported: `@cache`,
    `@functools.lru_cache(maxsize=None)`, `from functools import cache as memo`...) on an
    instance method, sync or async, also under `@property`. Static methods and class methods
    are not reported: their cache holds no instance (a class lives as long as its module
    anyway); neither are `__new__` (a static method without the decorator), `__init_subclass__`
    and `__class_getitem__` (class methods without it), and methods whose first parameter is
    `cls` (a metaclass's). Methods of `Enum` classes are not reported either: their members
    live forever. A cached function nested in a method (a closure over `self`) is not a method:
    its cache is made anew by each call and dies with it, so it keeps nothing alive.

    This is the ground of flake8-bugbear's `B019` and pylint's `W1518`
    (`method-cache-max-size-none`), for projects that run perfcodemod alone; with bugbear
    enabled, ignore one of the two. Suppressions do not carry over, because codes are each
    tool's own: a `# noqa: B019` comment does not silence PCM411. When moving from bugbear, run
    `perfcodemod check --select PCM411 --add-noqa` once: it adds the code to each existing
    comment (`# noqa: B019, PCM411`), and the bugbear code can go when bugbear does.

    ## Why is this bad?
    The cache belongs to the function, not to the instance: its keys hold `self`, so every
    instance the method was ever called on stays alive (with everything it references) for as
    long as the class exists, or until the `maxsize` most recent calls push it out; and all
    instances share one bounded cache, so a busy instance evicts the entries of the others. The
    plan's risk 4 (memory leaks from caching) in its most common form:

    ```python
    import functools
    import gc
    import weakref


    class Report:
        def __init__(self, rows):
            self.rows = rows

        @functools.cache
        def total(self):
            return sum(self.rows)


    report = Report(list(range(100_000)))
    report.total()
    alive = weakref.ref(report)
    del report
    gc.collect()
    assert alive() is not None  # the cache keeps the report and its 100,000 rows alive
    ```

    ## Example
    ```python
    import functools


    class Report:
        @functools.cache
        def total(self):
            return sum(self.rows)
    ```

    ## Use instead
    For a method without arguments, `functools.cached_property` (callers then write
    `report.total`, without parentheses): the value is stored on the instance and dies with it.
    ```python
    import functools


    class Report:
        @functools.cached_property
        def total(self):
            return sum(self.rows)
    ```
    For a method with arguments, a cache made per instance in `__init__`
    (`self.lookup = functools.lru_cache(maxsize=256)(self._lookup)`, which makes a reference
    cycle that the garbage collector frees), or a module-level cached function of the values the
    method needs instead of `self`.

    ## Fix safety
    There is no fix: each remedy changes how the method is called or where its cache lives,
    which is the author's choice.
    """

    code = "PCM411"
    name = "cache-on-method"
    message = (
        "Cache decorator on a method keeps every instance alive and shares one cache across "
        "instances; use `functools.cached_property`, a per-instance cache, or a module function"
    )

    VALID = (
        # Static and class methods hold no instance.
        "import functools\n\nclass C:\n    @staticmethod\n    @functools.cache\n"
        "    def f(x):\n        return x * 2\n",
        "from functools import lru_cache\n\nclass C:\n    @classmethod\n"
        "    @lru_cache(maxsize=None)\n"
        "    def f(cls, x):\n        return x * 2\n",
        # A module function, and a cached_property (the per-instance remedy).
        "import functools\n\n@functools.cache\ndef f(x):\n    return x * 2\n",
        "import functools\n\nclass C:\n    @functools.cached_property\n    def f(self):\n"
        "        return 2\n",
        # A `cache` that is not functools'.
        "from mylib import cache\n\nclass C:\n    @cache\n    def f(self):\n        return 2\n",
        # A cache on a function nested in a method lives as long as one call.
        "import functools\n\nclass C:\n    def f(self, n):\n        @functools.cache\n"
        "        def g(k):\n            return k * n\n        return g(1) + g(2)\n",
        # `__new__` is a static method: interning instances by argument is what it is for.
        "import functools\n\nclass Path:\n    @functools.lru_cache()\n    def __new__(cls, root):\n"
        "        return super().__new__(cls)\n",
        # Members of an Enum live forever anyway.
        "import enum\nimport functools\n\nclass Color(enum.Enum):\n    RED = 1\n\n"
        "    @functools.cache\n    def label(self):\n        return self.name.lower()\n",
    )
    INVALID = (
        Invalid(
            "import functools\n\nclass C:\n    @functools.cache\n    def f(self, x):\n"
            "        return x * 2\n",
            message="cached_property",
        ),
        Invalid(
            "from functools import lru_cache\n\nclass C:\n    @lru_cache(maxsize=None)\n"
            "    def f(self, x):\n        return x * 2\n"
        ),
        # Bounded, and imported under another name: still every recent `self` kept alive.
        Invalid(
            "from functools import lru_cache as memo\n\nclass C:\n    @memo(maxsize=32)\n"
            "    def f(self, x):\n        return x * 2\n"
        ),
        Invalid(
            "import functools as ft\n\nclass C:\n    @property\n    @ft.cache\n"
            "    def total(self):\n        return 2\n",
            message="use `functools.cached_property`",
        ),
        # An async method: PCM412 reports the coroutine, this rule the instance.
        Invalid(
            "import functools\n\nclass C:\n    @functools.cache\n    async def f(self):\n"
            "        return 2\n"
        ),
    )

    @classmethod
    def applies_to(cls, cached: CachedFunction, facts: ModuleFacts) -> bool:
        return caches_instances(cached, facts)

    def check(self, cached: CachedTwin) -> None:
        if role(cached.function, self.context.facts) == "property":
            self.report(cached.decorator_node(), _PROPERTY_MESSAGE)
        else:
            self.report(cached.decorator_node())
