"""PCM415: a cached function that returns a new mutable object."""

from __future__ import annotations

import ast

from perfcodemod.analysis.caching import (
    CachedFunction,
    CachedTwin,
    annotation_types,
    other_cached_functions,
    result_uses,
)
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.rule import Invalid
from perfcodemod.rules.caching.base import CachedFunctionRule

#: Return annotations that declare the result read-only: a type checker stops a caller that
#: mutates it.
READ_ONLY_TYPES = frozenset(
    {
        "Mapping", "Sequence", "AbstractSet", "Collection", "Iterable", "Container",
        "Reversible", "frozenset", "FrozenSet", "tuple", "Tuple", "MappingProxyType",
    }
)


def _declared_read_only(annotation: ast.expr) -> bool:
    types = [t for t in annotation_types(annotation) if t != "None"]
    return bool(types) and all(t in READ_ONLY_TYPES for t in types)


#: The option that reports results callers out of sight may change.
MAY_CHANGE: dict[str, object] = {"possible-mutations": True}

_TUPLE_LIKE = {"list": "a tuple", "set": "a frozenset", "dict": "a `types.MappingProxyType`"}
_COPY = {"list": "list", "set": "set", "dict": "dict"}


class CacheReturnsMutable(CachedFunctionRule):
    """Cached function returns a new list, dict or set; a caller that mutates it corrupts the cache.

    ## What it does
    Finds a function with a cache decorator (`functools.cache`, `lru_cache`, in any import
    form) with a `return` that hands out a mutable object the function built: a list, dict or
    set display or comprehension, `list()`, `dict()`, `set()`, `sorted()`, `json.loads()`,
    `copy.deepcopy()`, `collections` containers, `str.split()`, a variable bound only to such
    values (`result = []` ... `return result`), or the result of a function of the same module
    that returns one (unless that function is cached itself: it is reported on its own).
    Methods and nested functions are reported alike: the failure is the same. A return
    annotation of a read-only type (`Mapping`, `Sequence`, `AbstractSet`, `Collection`,
    `Iterable`, `frozenset`, `tuple`) is taken as the author's declaration that callers must not
    mutate the result (a type checker holds them to it), and is not reported.

    Then the callers in the module decide (for a method, `x.name(...)`; a local alias that is
    only called, `translate = self._translate`, counts as calls). If some caller changes the
    result in place (`f().append(x)`, `tags = f(); tags[0] = x`, `tags += [...]`), the cache
    is corrupted today: the message says where, and the advice is to copy there (a tuple would
    break that caller). This is what the rule reports by default.

    A result that no caller in sight changes is not reported by default: every call copies it
    at once (`dict(_env())`, `list(f())`, `f().copy()`, `[*f()]`) or only reads it (iterates,
    indexes, measures, tests it, also as the items of `any(...)`/`all(...)`, calls reading
    methods such as `.get()`, directly or through a variable), or the result goes where this
    analysis cannot follow (a public function's callers in other modules, a result that is
    returned, stored or passed on). There the shared object is a hazard, not a corruption the
    code shows: on real code (the standard library and 35 packages) every such finding read
    was of results that no caller changed. The option `possible-mutations = true` (in
    `[tool.perfcodemod.caching]`) reports the hazard too, for a public function or a result
    that leaves sight, with both remedies: an immutable result, or a copy where a caller
    needs its own.

    ## Why is this bad?
    A cache hands the *same* object to every caller with the same arguments. A caller that
    changes its result (appends, sorts, updates) changes the cached value, and every later
    caller gets the changed one; the bug shows up far from its cause. No peer linter reports
    this.

    ```python
    import functools


    @functools.cache
    def default_tags(kind):
        return ["python", kind]


    tags = default_tags("web")
    tags.append("urgent")  # this caller meant to change its own list
    assert default_tags("web") == ["python", "web", "urgent"]  # every later caller sees it
    ```

    ## Example
    ```python
    import functools


    @functools.cache
    def default_tags(kind):
        return ["python", kind]


    def urgent_tags(kind):
        tags = default_tags(kind)
        tags.append("urgent")  # changes the list every later caller gets
        return tags
    ```

    ## Use instead
    Copy where a caller needs its own (or return an immutable value, a tuple, a frozenset, a
    `types.MappingProxyType` over a dict, and build the caller's list from it).
    ```python
    import functools


    @functools.cache
    def default_tags(kind):
        return ["python", kind]


    def urgent_tags(kind):
        tags = list(default_tags(kind))
        tags.append("urgent")
        return tags
    ```

    ## Fix safety
    There is no fix: a tuple is not a list, and callers that append to the result (expecting
    their own copy) must be changed to copy it.
    """

    code = "PCM415"
    name = "cache-returns-mutable"
    message = (
        "Cached function returns a new mutable object that every caller shares; return a tuple "
        "or frozenset, or copy it at the call site"
    )

    VALID = (
        "import functools\n\n@functools.cache\ndef f(kind):\n    return ('python', kind)\n",
        "import functools\n\n@functools.cache\ndef f(xs):\n    return frozenset(xs)\n",
        "import functools\n\n@functools.cache\ndef f(xs):\n    return tuple(sorted(xs))\n",
        "def f(kind):\n    return ['python', kind]\n",
        # A list built inside, but a tuple returned.
        "import functools\n\n@functools.cache\ndef f(n):\n    out = []\n    for i in range(n):\n"
        "        out.append(i)\n    return tuple(out)\n",
        # The list of another cached function is reported there.
        "import functools\n\n@functools.cache\ndef base(n):\n    return tuple(range(n))\n\n"
        "@functools.cache\ndef f(n):\n    return base(n)\n",
        # Declared read-only: a type checker stops callers that mutate it.
        "import functools\nfrom typing import Mapping\n\n@functools.cache\n"
        "def table(n) -> Mapping[int, int]:\n    return {i: i * i for i in range(n)}\n",
        # A lambda's list is not the function's result.
        "import functools\n\n@functools.cache\ndef f(n):\n    make = lambda: [n]\n"
        "    return len(make())\n",
        # The only caller copies it: the remedy is in place.
        "import functools\nimport os\n\n@functools.cache\ndef _env() -> dict:\n"
        "    return {k: v for k, v in os.environ.items() if k.startswith('APP_')}\n\n"
        "def env():\n    return dict(_env())\n",
        # Every caller only reads it (directly, or through a variable).
        "import functools\n\n@functools.cache\ndef _words(text):\n    return text.split()\n\n"
        "def count(text):\n    words = _words(text)\n"
        "    return len(words) + sum(1 for w in _words(text) if w)\n",
        "import functools\n\nclass F:\n    @functools.lru_cache(maxsize=100)\n"
        "    def _parts(self, value):\n        return value.split('\\n')\n\n"
        "    def last(self, value):\n        parts = self._parts(value)\n"
        "        return parts[-1] if parts else ''\n\n    def lines(self, values):\n"
        "        split = self._parts\n        return sum(len(split(v)) for v in values)\n",
        # Only tested for truth: `any(_f(c) for c in s)`, `bool(_f(c))`, or iterated.
        "import functools\n\n@functools.lru_cache(maxsize=4096)\ndef _simpler(c):\n"
        "    return [d for d in c.lower() if d < c]\n\n"
        "def shrink(s: str):\n    if not any(_simpler(c) for c in s):\n        return s\n"
        "    i = next(j for j in range(len(s)) if bool(_simpler(s[j])))\n"
        "    return [s[:i] + r + s[i + 1 :] for r in _simpler(s[i])]\n",
        # By default, a result that no caller in sight changes (`possible-mutations` reports
        # these): a public function, a result returned to callers out of sight.
        "import functools\n\n@functools.cache\ndef f(kind):\n    return ['python', kind]\n",
        "import functools\n\n@functools.cache\ndef _words(text):\n    return text.split()\n\n"
        "def words(text):\n    return _words(text)\n",
        "import functools\n\n@functools.cache\ndef _meta() -> dict:\n    return {'pid': 1}\n\n"
        "def record(**extra):\n    return {'kind': 'test', **_meta(), **extra}\n",
    )
    INVALID = (
        Invalid(
            "import functools\n\n@functools.cache\ndef f(kind):\n    return ['python', kind]\n",
            message="returns a new list",
            options=MAY_CHANGE,
        ),
        Invalid(
            "from functools import lru_cache\n\n@lru_cache(maxsize=64)\ndef f(n):\n"
            "    out = []\n    for i in range(n):\n        out.append(i)\n    return out\n",
            message="a tuple",
            options=MAY_CHANGE,
        ),
        Invalid(
            "import functools\nimport json\n\n@functools.cache\ndef settings(text):\n"
            "    return json.loads(text)\n",
            message="json.loads",
            options=MAY_CHANGE,
        ),
        Invalid(
            "import functools\n\n@functools.cache\ndef f(xs):\n"
            "    return {x: len(x) for x in xs}\n",
            message="MappingProxyType",
            options=MAY_CHANGE,
        ),
        Invalid(
            "import functools\n\n@functools.cache\ndef f(xs):\n    return sorted(xs)\n",
            options=MAY_CHANGE,
        ),
        # Through a helper of the module.
        Invalid(
            "import functools\n\ndef build(n):\n    return set(range(n))\n\n@functools.cache\n"
            "def f(n):\n    return build(n)\n",
            message="from `build()`",
            options=MAY_CHANGE,
        ),
        # One path is enough.
        Invalid(
            "import functools\n\n@functools.cache\ndef f(text):\n"
            "    return text.split() if text else ()\n",
            options=MAY_CHANGE,
        ),
        Invalid(
            "import functools\n\nclass C:\n    @staticmethod\n    @functools.cache\n"
            "    def f(n):\n        return [n] * 3\n",
            options=MAY_CHANGE,
        ),
        # A caller changes it: the cache is corrupted now, and a tuple would break that caller.
        Invalid(
            "import functools\n\n@functools.cache\ndef _tags(kind):\n"
            "    return ['python', kind]\n\ndef tagged(kind):\n    tags = _tags(kind)\n"
            "    tags[0] = 'py'\n    return tags\n",
            message="the caller at line 8 changes it, which changes the cached value: copy it "
            "there (`list(...)`)",
        ),
        Invalid(
            "import functools\n\n@functools.cache\ndef _table(n):\n"
            "    return {i: i for i in range(n)}\n\ndef grow(n):\n    _table(n).update({n: n})\n",
            message="copy it there (`dict(...)`)",
        ),
        # With `possible-mutations`: private, but its result is returned to callers out of
        # sight.
        Invalid(
            "import functools\n\n@functools.cache\ndef _words(text):\n    return text.split()\n\n"
            "def words(text):\n    return _words(text)\n",
            message="return a tuple instead, or copy it at the call site",
            options=MAY_CHANGE,
        ),
        # Private, but passed around as a value: not every call is in sight.
        Invalid(
            "import functools\n\n@functools.cache\ndef _words(text):\n    return text.split()\n\n"
            "loaders = [_words]\n",
            options=MAY_CHANGE,
        ),
    )

    @classmethod
    def applies_to(cls, cached: CachedFunction, facts: ModuleFacts) -> bool:
        annotation = cached.function.returns
        return cached.returns == "value" and (
            annotation is None or not _declared_read_only(annotation)
        )

    def check(self, cached: CachedTwin) -> None:
        function = cached.function
        others = other_cached_functions(function, self.context.facts)
        returned = self.purity.fresh_mutable_return(function, stop=others)
        if returned is None:
            return
        statement, kind = returned
        uses = result_uses(function, self.context.facts)
        if uses.changed:
            copy = _COPY.get(kind.split(" ")[0], "copy.copy")
            lines = ", ".join(map(str, uses.changed))
            self.report(
                cached.decorator_node(),
                f"Cached function returns a new {kind} (line {statement.lineno}) that every "
                f"caller shares, and the caller at line {lines} changes it, which changes the "
                f"cached value: copy it there (`{copy}(...)`)",
            )
            return
        if not self.context.family_options(self).get("possible-mutations", False):
            return  # no caller in sight changes it: a hazard, reported only on request
        if uses.visible and not uses.escaped:
            return  # every caller copies it or only reads it: none can change the cached value
        instead = _TUPLE_LIKE.get(kind.split(" ")[0], "an immutable value")
        self.report(
            cached.decorator_node(),
            f"Cached function returns a new {kind} (line {statement.lineno}) that every caller "
            f"shares, so a caller that mutates it corrupts the cache; return {instead} instead, "
            "or copy it at the call site",
        )
