"""PCM411: ``functools.cache``/``lru_cache`` on an instance method."""

from __future__ import annotations

from perfcodemod.analysis.caching import (
    CachedFunction,
    CachedTwin,
    owner_class,
    role,
)
from perfcodemod.analysis.classes import has_instance_dict, instance_hashing
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.hashability import enum_classes
from perfcodemod.rule import Invalid
from perfcodemod.rules.caching.base import CachedFunctionRule

#: First-parameter names of methods whose receiver is a class.
_CLASS_RECEIVERS = frozenset({"cls", "mcs", "mcls", "metacls", "klass"})


def caches_instances(cached: CachedFunction, facts: ModuleFacts) -> bool:
    """The cache's keys hold instances that would otherwise die: an instance method or property
    (not of an ``Enum``, whose members live forever; not of a metaclass, whose instances are
    classes, which live anyway), and not a bounded cache on a class whose instances hash by
    value (equal instances share entries by design, and at most ``maxsize`` are kept)."""
    function = cached.function
    if role(function, facts) not in {"method", "property"}:
        return False
    owner = owner_class(function, facts)
    if owner is not None and owner.name in enum_classes(facts):
        return False
    params = function.args.posonlyargs + function.args.args
    if params and params[0].arg in _CLASS_RECEIVERS:
        return False
    bounded = not any(decorator.unbounded for decorator in cached.decorators)
    return not (bounded and owner is not None and instance_hashing(owner, facts) == "value")


def _kept(cached: CachedFunction, by_value: bool) -> str:
    """What the cache keeps alive, as the decorator says."""
    if any(decorator.unbounded for decorator in cached.decorators):
        which = "distinct instance" if by_value else "instance"
        return f"keeps every {which} it is called on alive for the life of the process"
    bound = cached.decorator.bound
    most = f"up to {bound}" if bound is not None else "up to `maxsize`"
    return f"keeps {most} instances alive and shares that bound across all instances"


def _remedy(cached: CachedFunction, facts: ModuleFacts, is_property: bool) -> str:
    """What works for this method: `cached_property` needs a method of `self` alone and
    instances with a `__dict__`; a value class only needs a bound."""
    owner = owner_class(cached.function, facts)
    if owner is not None and instance_hashing(owner, facts) == "value":
        return "bound it with `lru_cache(maxsize=...)` (equal instances share entries)"
    alone = len(cached.function.args.args) + len(cached.function.args.posonlyargs) == 1 and not (
        cached.function.args.kwonlyargs
        or cached.function.args.vararg
        or cached.function.args.kwarg
    )
    has_dict = owner is not None and has_instance_dict(owner, facts) is True
    if alone and has_dict:
        if is_property:
            return "use `functools.cached_property`"
        return "use `functools.cached_property`, a per-instance cache, or a module function"
    if alone and owner is not None and has_instance_dict(owner, facts) is False:
        return (
            "`cached_property` needs a `__dict__`, which this class's `__slots__` rule out: "
            "compute the value in `__init__` into a slot, or use a module function"
        )
    return "use a per-instance cache or a module function of the values it needs"


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
    its cache is made anew by each call and dies with it, so it keeps nothing alive. Stubs
    (a body of `...`, `pass` or `raise NotImplementedError`) compute nothing and are not
    reported.

    A **bounded** cache (`lru_cache()`, `lru_cache(maxsize=1024)`) on a method of a class whose
    instances hash **by value** is not reported: a `NamedTuple`, a `tuple` subclass, a frozen
    dataclass or `attrs` class, a class with its own `__hash__`. There equal instances share
    entries, which is the point of such a cache, and at most `maxsize` instances are kept. An
    unbounded cache there still keeps every distinct value forever and is reported, with a
    bound as the remedy.

    The message says what is true of the case: an unbounded cache keeps every instance alive
    for the life of the process, a bounded one up to its `maxsize`. It proposes
    `functools.cached_property` only where it works: a method of `self` alone, on a class whose
    instances have a `__dict__` (a class with `__slots__` and no `__dict__`, a `NamedTuple`, or
    a slotted dataclass would raise `TypeError`); otherwise a value computed in `__init__`, a
    per-instance cache, or a module function. On a class whose instances cannot hash (`__eq__`
    without `__hash__`, a dataclass with `eq=True` that is not frozen) the message says what
    happens instead: every call raises `TypeError: unhashable type`.

    This is the ground of flake8-bugbear's `B019` and pylint's `W1518`
    (`method-cache-max-size-none`), for projects that run perfcodemod alone; with bugbear
    enabled, ignore one of the two. Suppressions do not carry over, because codes are each
    tool's own: a `# noqa: B019` comment does not silence PCM411. When moving from bugbear, run
    `perfcodemod check --select PCM411 --add-noqa` once: it adds the code to each existing
    comment (`# noqa: B019, PCM411`), and the bugbear code can go when bugbear does.

    ## Why is this bad?
    The cache belongs to the function, not to the instance: its keys hold `self`, so every
    instance the method was ever called on stays alive (with everything it references) for as
    long as the class exists (an unbounded cache), or until the `maxsize` most recent calls
    push it out (a bounded one); and all instances share one bounded cache, so a busy instance
    evicts the entries of the others, which for instances compared by identity are never
    shared anyway. The
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
    method needs instead of `self`. On a class with `__slots__` and no `__dict__`,
    `cached_property` raises `TypeError`: compute the value in `__init__` into a slot instead.

    ## Fix safety
    There is no fix: each remedy changes how the method is called or where its cache lives,
    which is the author's choice.
    """

    code = "PCM411"
    name = "cache-on-method"
    message = (
        "Cache decorator on a method keeps the instances it is called on alive and shares one "
        "cache across instances; use a per-instance cache, `functools.cached_property`, or a "
        "module function"
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
        # A bounded cache on a value class: equal instances share entries, at most 1024 kept.
        "from functools import lru_cache\nfrom typing import NamedTuple\n\n"
        "class Color(NamedTuple):\n"
        "    red: int\n\n    @lru_cache(maxsize=1024)\n    def darker(self, by: int) -> int:\n"
        "        return self.red - by\n",
        "import dataclasses\nimport functools\n\n@dataclasses.dataclass(frozen=True)\n"
        "class Point:\n    x: int\n\n    @functools.lru_cache()\n    def norm(self):\n"
        "        return abs(self.x)\n",
        "import functools\n\nclass Style:\n    __slots__ = ('bold',)\n\n    def __hash__(self):\n"
        "        return hash(self.bold)\n\n    @functools.lru_cache(maxsize=128)\n"
        "    def combine(self, other):\n        return other\n",
        # A stub computes nothing (a test of decorators, a protocol).
        "import functools\n\nclass C:\n    @functools.lru_cache()\n    def f(self): ...\n",
    )
    INVALID = (
        Invalid(
            "import functools\n\nclass C:\n    @functools.cache\n    def f(self, x):\n"
            "        return x * 2\n",
            message="keeps every instance it is called on alive for the life of the process",
        ),
        Invalid(
            "import functools\n\nclass C:\n    @functools.cache\n    def f(self):\n"
            "        return 2\n",
            message="use `functools.cached_property`",
        ),
        # Bounded: the message says how many instances, never "every".
        Invalid(
            "import functools\n\nclass C:\n    @functools.lru_cache()\n    def f(self):\n"
            "        return 2\n",
            message="keeps up to 128 instances alive",
        ),
        # Unbounded on a value class: every distinct value, forever; a bound is the remedy.
        Invalid(
            "import functools\nfrom typing import NamedTuple\n\nclass P(NamedTuple):\n"
            "    x: int\n\n    @functools.cache\n    def f(self):\n        return self.x\n",
            message="every distinct instance it is called on alive for the life of the process; "
            "bound it",
        ),
        # `__slots__` without `__dict__`: `cached_property` cannot work, so it is not proposed.
        Invalid(
            "import functools\n\nclass C:\n    __slots__ = ('rows',)\n\n"
            "    @functools.lru_cache(maxsize=16)\n    def total(self):\n"
            "        return sum(self.rows)\n",
            message="`cached_property` needs a `__dict__`",
        ),
        # A mutable dataclass compares by value but cannot hash: every call raises.
        Invalid(
            "import dataclasses\nimport functools\n\n@dataclasses.dataclass(unsafe_hash=False)\n"
            "class Point:\n    x: int\n\n    @functools.lru_cache()\n    def norm(self):\n"
            "        return abs(self.x)\n",
            message=(
                "every call raises `TypeError: unhashable type`; use `functools.cached_property`"
            ),
        ),
        Invalid(
            "from functools import lru_cache\n\nclass C:\n    @lru_cache(maxsize=None)\n"
            "    def f(self, x):\n        return x * 2\n"
        ),
        # Bounded, and imported under another name: the 32 most recent `self` kept alive.
        Invalid(
            "from functools import lru_cache as memo\n\nclass C:\n    @memo(maxsize=32)\n"
            "    def f(self, x):\n        return x * 2\n",
            message="keeps up to 32 instances alive",
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
        facts = self.context.facts
        is_property = role(cached.function, facts) == "property"
        owner = owner_class(cached.function, facts)
        hashing = instance_hashing(owner, facts) if owner is not None else "unknown"
        where = "under `@property`" if is_property else "on a method"
        if hashing == "unhashable":
            self.report(
                cached.decorator_node(),
                f"Cache decorator {where} of a class whose instances cannot hash (`__eq__` "
                "without `__hash__`, or a dataclass that is not frozen): every call raises "
                f"`TypeError: unhashable type`; {_remedy(cached, facts, is_property)}",
            )
            return
        by_value = hashing == "value"
        self.report(
            cached.decorator_node(),
            f"Cache decorator {where} {_kept(cached, by_value)}; "
            f"{_remedy(cached, facts, is_property)}",
        )
