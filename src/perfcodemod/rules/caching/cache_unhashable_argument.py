"""PCM416: a cached function whose arguments are (or are declared) unhashable."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from perfcodemod.analysis.caching import (
    UNHASHABLE_TYPES,
    CachedFunction,
    CachedTwin,
    annotated_class_hashing,
    annotation_types,
    cacheable_params,
    cached_functions,
    calls_of,
    defaults_by_param,
    role,
    unhashable_arguments,
    unhashable_default,
)
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.purity import purity
from perfcodemod.analysis.twins import ast_call
from perfcodemod.lazycst import cst
from perfcodemod.rule import Candidate, Invalid
from perfcodemod.rules.caching.base import CachedFunctionRule

_ALTERNATIVE = {"dict": "a tuple of items or a frozenset of items", "set": "a frozenset"}


def unhashable_params(
    function: ast.FunctionDef | ast.AsyncFunctionDef, facts: ModuleFacts
) -> Iterator[tuple[ast.arg, str]]:
    """Parameters of a cached function annotated or defaulted as an unhashable type."""
    defaults = defaults_by_param(function)
    for arg in cacheable_params(function, role(function, facts)):
        if arg is function.args.vararg or arg is function.args.kwarg:
            continue
        if arg.annotation is not None:
            bad = [t for t in annotation_types(arg.annotation) if t in UNHASHABLE_TYPES]
            if bad:
                yield arg, f"annotated as `{ast.unparse(arg.annotation)}`"
                continue
            if "unhashable" in annotated_class_hashing(arg.annotation, facts):
                yield arg, (
                    f"annotated as `{ast.unparse(arg.annotation)}`, a class whose instances "
                    "cannot hash (`__eq__` without `__hash__`, or a dataclass that is not frozen)"
                )
                continue
        kind = unhashable_default(defaults.get(arg.arg))
        if kind:
            yield arg, f"defaulted to a {kind}"


def unhashable_calls(facts: ModuleFacts) -> dict[ast.Call, tuple[str, list[tuple[ast.expr, str]]]]:
    """Calls of the module's cached functions that pass an unhashable argument."""
    cached: dict[ast.Call, tuple[str, list[tuple[ast.expr, str]]]] | None = getattr(
        facts, "_unhashable_calls", None
    )
    if cached is None:
        cached = {}
        functions = cached_functions(facts)
        analysis = purity(facts) if functions else None  # no scopes for most modules
        for function in functions:
            for call in calls_of(function, facts):
                assert analysis is not None
                found = list(unhashable_arguments(call, analysis))
                if found:
                    cached[call] = (function.name, found)
        facts._unhashable_calls = cached  # type: ignore[attr-defined]
    return cached


class CacheUnhashableArgument(CachedFunctionRule):
    """Cached function takes an unhashable argument (list, dict, set); the call raises TypeError.

    ## What it does
    Finds, for a function with a cache decorator (`functools.cache`, `lru_cache`, in any
    import form):

    - a parameter annotated with an unhashable type (`list`, `dict`, `set`, `List[int]`,
      `Optional[dict]`, `bytearray`, `MutableMapping`, `defaultdict`, `deque`, numpy's
      `ndarray`, pandas' `DataFrame`...), or with a class of the module whose instances cannot
      hash (a dataclass or `attrs` class with `eq=True` that is not frozen, a class that
      defines `__eq__` without `__hash__`), or with such a default (`[]`, `{}`, `set()`);
    - a call of it in the module that passes a new list, dict or set: a display, a
      comprehension, `list(...)`, `sorted(...)`, or a variable bound only to such values.

    `self` and `cls` are not checked (PCM411 is about `self`). Parameters annotated
    `Sequence` or `Iterable` are not reported: a tuple satisfies them. Calls are found only
    where they can be resolved: a module function or a nested function called by its name.

    ## Why is this bad?
    A cache looks its arguments up in a dictionary, so every argument must be hashable: a list
    raises `TypeError: unhashable type: 'list'` at the call, where the uncached function worked.
    The plan's decision tree asks "are inputs hashable?" first; this makes the answer visible.

    ```python
    import functools


    @functools.lru_cache(maxsize=128)
    def total(prices):
        return sum(prices)


    assert total((1, 2, 3)) == 6  # a tuple is hashable
    total([1, 2, 3])  # TypeError: unhashable type: 'list'
    ```

    ## Example
    ```python
    import functools


    @functools.lru_cache(maxsize=128)
    def total(prices: list[int]) -> int:
        return sum(prices)


    total([1, 2, 3])
    ```

    ## Use instead
    ```python
    import functools


    @functools.lru_cache(maxsize=128)
    def total(prices: tuple[int, ...]) -> int:
        return sum(prices)


    total((1, 2, 3))
    ```

    ## Fix safety
    There is no fix: changing the type a function takes touches every caller, and converting
    one call's argument hides the problem from the others.
    """

    code = "PCM416"
    name = "cache-unhashable-argument"
    message = (
        "Cached function takes an unhashable argument; the call raises TypeError: pass a tuple "
        "or frozenset instead"
    )

    VALID = (
        "import functools\n\n@functools.cache\ndef f(xs: tuple[int, ...]):\n    return sum(xs)\n\n"
        "f((1, 2))\n",
        "import functools\nfrom typing import Sequence\n\n@functools.cache\n"
        "def f(xs: Sequence[int]):\n    return sum(xs)\n",
        "import functools\n\n@functools.cache\ndef f(xs=None):\n    return xs\n",
        "def f(xs: list):\n    return sum(xs)\n\nf([1, 2])\n",
        # `*args` is a tuple.
        "import functools\n\n@functools.cache\ndef f(*xs):\n    return sum(xs)\n\nf(*[1, 2])\n",
        # A different `f` in a local scope.
        "import functools\n\n@functools.cache\ndef f(x):\n    return x\n\ndef g():\n"
        "    f = len\n    return f([1, 2])\n",
        # A frozen dataclass hashes by value.
        "import dataclasses\nimport functools\n\n@dataclasses.dataclass(frozen=True)\n"
        "class Config:\n    depth: int\n\n@functools.cache\ndef f(config: Config):\n"
        "    return config.depth\n",
        # A variable that may hold a tuple.
        "import functools\n\n@functools.cache\ndef f(x):\n    return x\n\ndef g(flag):\n"
        "    xs = [1] if flag else (1,)\n    return f(xs)\n",
    )
    INVALID = (
        Invalid(
            "import functools\n\n@functools.cache\ndef f(xs: list[int]):\n    return sum(xs)\n",
            message="Parameter `xs` of cached `f()` is annotated as `list[int]`",
        ),
        Invalid(
            "from functools import lru_cache\nfrom typing import Dict, Optional\n\n"
            "@lru_cache(maxsize=32)\ndef f(key, opts: Optional[Dict[str, int]] = None):\n"
            "    return key\n"
        ),
        Invalid(
            "import functools\n\n@functools.cache\ndef f(key, seen=set()):\n    return key\n",
            message="defaulted to a set",
        ),
        Invalid(
            "import functools\n\n@functools.cache\ndef total(prices):\n    return sum(prices)\n\n"
            "print(total([1, 2, 3]))\n",
            message="`total()` is cached and this list argument is unhashable",
        ),
        Invalid(
            "import functools\n\n@functools.cache\ndef f(x, opts=None):\n    return x\n\n"
            "def g():\n    xs = [1, 2]\n    return f(xs) + f(1, opts={'a': 1})\n",
            count=2,
        ),
        Invalid(
            "import functools\n\nclass C:\n    @staticmethod\n    @functools.cache\n"
            "    def f(xs: set):\n        return len(xs)\n"
        ),
        # A dataclass that is not frozen cannot hash.
        Invalid(
            "import dataclasses\nimport functools\n\n@dataclasses.dataclass\nclass Config:\n"
            "    depth: int\n\n@functools.cache\ndef f(config: Config):\n"
            "    return config.depth\n",
            message="a class whose instances cannot hash",
        ),
    )

    @classmethod
    def applies_to(cls, cached: CachedFunction, facts: ModuleFacts) -> bool:
        return any(True for _ in unhashable_params(cached.function, facts))

    @classmethod
    def precheck(cls, facts: ModuleFacts) -> Iterable[Candidate]:
        yield from super().precheck(facts)
        yield from unhashable_calls(facts)

    def check(self, cached: CachedTwin) -> None:
        params = _params_by_name(cached.node)
        for arg, why in unhashable_params(cached.function, self.context.facts):
            target = params.get(arg.arg)
            if target is not None:
                self.report(
                    target,
                    f"Parameter `{arg.arg}` of cached `{cached.function.name}()` is {why}: a "
                    "call that passes one raises `TypeError: unhashable type`; take a tuple or "
                    "frozenset",
                )

    def visit_Call(self, node: cst.Call) -> None:
        if not isinstance(node.func, cst.Name):
            return
        calls = unhashable_calls(self.context.facts)
        if not any(name == node.func.value for name, _ in calls.values()):
            return
        call = ast_call(self.context, node)
        if call is None:
            return
        found = calls.get(call)
        if found is None:
            return
        name, arguments = found
        for argument, kind in arguments:
            target = _cst_argument(node, call, argument)
            if target is None:
                continue
            instead = _ALTERNATIVE.get(kind, "a tuple")
            self.report(
                target,
                f"`{name}()` is cached and this {kind} argument is unhashable: the call raises "
                f"`TypeError`; pass {instead} instead",
            )


def _params_by_name(node: cst.FunctionDef) -> dict[str, cst.Param]:
    params = node.params
    found: dict[str, cst.Param] = {}
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        found[param.name.value] = param
    return found


def _cst_argument(node: cst.Call, call: ast.Call, argument: ast.expr) -> cst.Arg | None:
    positional = [a for a in node.args if a.keyword is None and a.star != "**"]
    keywords = [a for a in node.args if a.keyword is not None or a.star == "**"]
    for index, value in enumerate(call.args):
        if value is argument and index < len(positional):
            return positional[index]
    for index, keyword in enumerate(call.keywords):
        if keyword.value is argument and index < len(keywords):
            return keywords[index]
    return None
