"""PCM104 (opt-in): ``sum([...])``, ``max([...])``, ``sorted([...])``...: a list built for a
reducer that could take the elements one at a time."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from perfcodemod.analysis import names
from perfcodemod.analysis.comprehensions import is_async, is_async_ast
from perfcodemod.analysis.effects import (
    first_side_effect,
    is_effect_free_callable,
    lazy_stop_iteration,
    stop_iteration_reason,
)
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.diagnostic import Applicability
from perfcodemod.lazycst import cst
from perfcodemod.rule import Candidate, Change, Invalid, Rule
from perfcodemod.transforms import generator_argument

SAFE = Applicability.SAFE
UNSAFE = Applicability.UNSAFE

#: Reducer (qualified name) -> (position of the iterable, the most positional arguments it may
#: have, keywords that name a function it calls while iterating, what the generator costs).
#: ``min``/``max`` with two positional arguments compare them instead of iterating one.
REDUCERS: dict[str, tuple[int, int, tuple[str, ...], str]] = {
    "builtins.sum": (0, 2, (), "up to 1.4x the time"),
    "builtins.min": (0, 1, ("key",), "up to 1.4x the time"),
    "builtins.max": (0, 1, ("key",), "up to 1.4x the time"),
    "builtins.sorted": (0, 1, (), "up to 1.4x the time, and saves only the copy"),
    "builtins.tuple": (0, 1, (), "up to 2-3x the time, and saves only the copy"),
    "builtins.frozenset": (0, 1, (), "up to 1.5x the time, and saves only the copy"),
    "collections.Counter": (0, 1, (), "up to 1.2x the time"),
    "collections.deque": (0, 2, (), "up to 1.2x the time, and saves only the copy"),
    "heapq.nlargest": (1, 2, ("key",), "up to 1.2x the time"),
    "heapq.nsmallest": (1, 2, ("key",), "up to 1.2x the time"),
}
_SHORT_NAMES = frozenset(name.rpartition(".")[2] for name in REDUCERS)
_BUILTIN_REDUCERS = frozenset(
    name.partition(".")[2] for name in REDUCERS if name.startswith("builtins.")
)


class ListComprehensionInReducer(Rule):
    """List comprehension passed to an eager reducer; a generator saves the list, at a cost in time.

    ## What it does
    Finds a list comprehension passed to a function that consumes its argument in one pass
    and keeps only a result: `sum()`, `min()`, `max()`, `sorted()`, `tuple()`, `frozenset()`,
    `collections.Counter()`, `collections.deque()`, `heapq.nlargest()`,
    `heapq.nsmallest()`, and turns it into a generator expression. Other arguments are kept
    (`sum((x for x in xs), start=10)`, `max((x for x in xs), key=f, default=0)`).

    This rule is **off by default** (select `PCM104`): it trades time for memory. Never
    reported: `str.join()` (it builds a list from a generator anyway, so the generator only
    adds time), lazy consumers (`zip`, `map`, `enumerate`: their caller decides), names that
    are not these functions (a local `sum`, `numpy.max`, `series.sum()`), asynchronous
    comprehensions (their generator would be asynchronous: `TypeError`), and `min`/`max`
    with two positional arguments (they compare the arguments).

    ## Why is this bad?
    The comprehension holds every element in memory at once although the reducer looks at
    each one once: the list's 8 bytes per element, and every element object, stay alive until
    the call returns. A generator holds one element at a time. But on CPython a generator costs
    more per element than a list comprehension, so the saving is paid in time. Measured on
    CPython 3.11.7 (`python benchmarks/rules/generators.py --rule PCM104`), time after / before
    (above 1 is slower); elements `x * 3` of `range(n)` unless they "already exist" (`x`):

    | reducer | 10 items | 100,000 items | peak memory, 100,000 items |
    | --- | ---: | ---: | ---: |
    | `sum()` | 1.1-1.25x | 0.6-1.9x | 3.8 MiB → 0.6 KiB |
    | `sum()`, elements that already exist | 1.15-1.3x | 1.2-1.4x | 783 KiB → 0.6 KiB |
    | `min()` / `max()` | 1.0-1.4x | 0.8-1.3x | 3.8 MiB → 0.7 KiB |
    | `sorted()` | 1.0-1.4x | 1.1-1.25x | 4.6 → 3.8 MiB (the sorted list remains) |
    | `tuple()` | 1.2-1.7x | 0.9-1.5x | 4.6 → 3.9 MiB (the tuple remains) |
    | `tuple()`, elements that already exist | 1.5-3x | 1.5-2.1x | 1.5 MiB → 907 KiB |
    | `frozenset()` | 1.1-1.5x | 1.05-1.6x | 9.8 → 8.4 MiB |
    | `collections.Counter()` | 1.05-1.6x | 1.1-1.2x | 783 KiB → 1.6 KiB |
    | `collections.deque()` | 1.0x | 1.2x | 4.6 → 3.8 MiB |
    | `heapq.nlargest(3, ...)` | 1.2x | 1.1x | 3.8 MiB → 1.6 KiB |



    The benchmark alternates the two forms; on a busy shared machine the ratios still vary by
    about ±25% from run to run: the ranges above are over three runs.

    Select it where memory is what is short: large inputs, long-lived processes, or elements
    that are big objects.

    ## Example
    ```python
    def total_size(paths):
        return sum([path.stat().st_size for path in paths])
    ```

    ## Use instead
    ```python
    def total_size(paths):
        return sum(path.stat().st_size for path in paths)
    ```

    ## Fix safety
    The reducer consumes every element either way, in the same order; what changes is that
    each element is computed just before the reducer takes it instead of all of them first,
    and inside the generator's own frame. The fix is **unsafe** when either can be seen:

    - the element, a condition or an inner iterable makes a call that may raise
      `StopIteration`: `next()` without a default, or any call but the pure builtins (a
      function of yours may call `next()`). PEP 479 turns a `StopIteration` raised inside a
      generator expression into `RuntimeError`, where the list comprehension let it
      propagate to a caller that may catch it;
    - the reducer calls a function of yours while it iterates (a `key=` of `min()`, `max()`,
      `heapq.nlargest()`/`nsmallest()`) and either that function or the comprehension may
      have side effects (calls beyond the pure builtins): their calls would then interleave
      instead of running one after the other. `sorted()` builds its list before it calls
      `key`, so its key never interleaves.

    Otherwise the fix is **safe**: the same elements are computed, in the same order, with
    the same exceptions, before the reducer returns.
    """

    code = "PCM104"
    name = "list-comprehension-in-reducer"
    message = "List comprehension passed to a reducer; a generator expression saves the list"
    fix_title = "Use a generator expression"
    default_enabled = False
    function_local = True

    VALID = (
        "def f(xs):\n    return sum(x for x in xs)\n",
        "def f(xs):\n    return sum(xs)\n",
        # join materialises its argument anyway; lazy consumers decide nothing.
        "def f(xs):\n    return ', '.join([str(x) for x in xs])\n",
        "def f(xs, ys):\n    return zip([x for x in xs], ys)\n",
        "def f(xs):\n    return enumerate([x for x in xs])\n",
        # Not the builtins.
        "from numpy import max\n\ndef f(xs):\n    return max([x for x in xs])\n",
        "import numpy as np\n\ndef f(xs):\n    return np.sum([x for x in xs])\n",
        "def f(series, xs):\n    return series.sum([x for x in xs])\n",
        "def f(xs, sum):\n    return sum([x for x in xs])\n",
        # min/max of two lists compare the lists.
        "def f(xs, ys):\n    return max([x for x in xs], [y for y in ys])\n",
        # Asynchronous comprehensions.
        "async def f(xs):\n    return sum([x async for x in xs])\n",
        "async def f(xs, g):\n    return max([await g(x) for x in xs])\n",
        # Other rules' business.
        "def f(xs):\n    return any([x for x in xs])\n",
        "def f(xs):\n    return set([x for x in xs])\n",
    )
    INVALID = (
        Invalid(
            "def total(xs):\n    return sum([x.size for x in xs])\n",
            "def total(xs):\n    return sum(x.size for x in xs)\n",
            SAFE,
            message="costs",
        ),
        Invalid(
            "def f(xs):\n    return sum([x for x in xs], start=10)\n",
            "def f(xs):\n    return sum((x for x in xs), start=10)\n",
            SAFE,
        ),
        Invalid(
            "def f(xs):\n    return sum([x for x in xs], 10)\n",
            "def f(xs):\n    return sum((x for x in xs), 10)\n",
            SAFE,
        ),
        # `g` may raise StopIteration, which the generator would turn into RuntimeError.
        Invalid(
            "def f(xs, g):\n    return max([g(x) for x in xs], key=len, default=0)\n",
            "def f(xs, g):\n    return max((g(x) for x in xs), key=len, default=0)\n",
            UNSAFE,
            reason="PEP 479",
        ),
        # Pure builtins only: no StopIteration, no side effects to interleave with `key`.
        Invalid(
            "def f(xs):\n    return max([len(x) for x in xs], key=abs, default=0)\n",
            "def f(xs):\n    return max((len(x) for x in xs), key=abs, default=0)\n",
            SAFE,
        ),
        Invalid(
            "def f(its):\n    return sum([next(it) for it in its])\n",
            "def f(its):\n    return sum(next(it) for it in its)\n",
            UNSAFE,
            reason="raises StopIteration when its iterator is exhausted",
        ),
        # A key function of the user's and a call in the element would interleave.
        Invalid(
            "def f(xs, g, k):\n    return min([g(x) for x in xs], key=k)\n",
            "def f(xs, g, k):\n    return min((g(x) for x in xs), key=k)\n",
            UNSAFE,
        ),
        Invalid(
            "def f(xs, k):\n    return sorted([x.name for x in xs], key=k)\n",
            "def f(xs, k):\n    return sorted((x.name for x in xs), key=k)\n",
            SAFE,
        ),
        # A method of an unknown object may raise StopIteration too.
        Invalid(
            "def f(xs):\n    return frozenset([x.lower() for x in xs])\n",
            "def f(xs):\n    return frozenset(x.lower() for x in xs)\n",
            UNSAFE,
            reason="`x.lower()` may raise StopIteration",
        ),
        Invalid(
            "def f(xs):\n    return tuple([x for x in xs if x])\n",
            "def f(xs):\n    return tuple(x for x in xs if x)\n",
            SAFE,
        ),
        Invalid(
            "import collections\n\ndef f(words):\n"
            "    return collections.Counter([len(w) for w in words])\n",
            "import collections\n\ndef f(words):\n"
            "    return collections.Counter(len(w) for w in words)\n",
            SAFE,
        ),
        Invalid(
            "from heapq import nlargest\n\ndef f(xs):\n"
            "    return nlargest(3, [x.score for x in xs])\n",
            "from heapq import nlargest\n\ndef f(xs):\n"
            "    return nlargest(3, (x.score for x in xs))\n",
            SAFE,
        ),
        # Imported under another name.
        Invalid(
            "from collections import Counter as Tally\n\ndef f(words):\n"
            "    return Tally([len(w) for w in words])\n",
            "from collections import Counter as Tally\n\ndef f(words):\n"
            "    return Tally(len(w) for w in words)\n",
            SAFE,
            message="`Counter()`",
        ),
        # Comments inside the brackets survive.
        Invalid(
            "def f(xs):\n    return sum([  # sizes\n        x.size for x in xs\n    ])\n",
            "def f(xs):\n    return sum(  # sizes\n        x.size for x in xs\n    )\n",
            SAFE,
        ),
    )

    @classmethod
    def precheck(cls, facts: ModuleFacts) -> Iterable[Candidate]:
        wanted = _SHORT_NAMES | facts.aliases_of(REDUCERS)  # `Counter as Tally` too
        for call in facts.nodes(ast.Call):
            func = call.func
            short = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if short not in wanted:
                continue
            if any(
                isinstance(arg, ast.ListComp) and not is_async_ast(arg) for arg in call.args[:2]
            ):
                yield call

    def visit_Call(self, node: cst.Call) -> None:
        reducer = self._reducer(node)
        if reducer is None:
            return
        position, most, callback_keywords, cost = REDUCERS[reducer]
        positional = [arg for arg in node.args if arg.keyword is None]
        if any(arg.star for arg in node.args) or not position < len(positional) <= most:
            return
        arg = positional[position]
        comp = arg.value
        if not isinstance(comp, cst.ListComp) or is_async(comp):
            return
        old, new = generator_argument(node, arg)
        short = reducer.rpartition(".")[2]
        message = (
            f"List comprehension passed to `{short}()` holds every element at once; a generator "
            f"expression saves that memory but costs {cost}"
        )
        callbacks = (
            a.value for a in node.args
            if a.keyword is not None and a.keyword.value in callback_keywords
        )
        interleaving = [
            c for c in callbacks
            if not is_effect_free_callable(self.context, c)
        ]
        effect = first_side_effect(self.context, comp)
        stop = lazy_stop_iteration(self.context, comp)
        if stop is not None:
            fix = self.fix(Change(old, new), UNSAFE, stop_iteration_reason(self.context, stop))
        elif interleaving and effect is not None:
            fix = self.fix(
                Change(old, new),
                UNSAFE,
                f"`{self.context.code_for(interleaving[0]).strip()}` would be called between the "
                "element computations instead of after them, and the comprehension may have "
                "side effects",
            )
        else:
            fix = self.fix(
                Change(old, new),
                SAFE,
                "every element is still computed, in the same order, before the reducer returns",
            )
        self.report(comp, message, fix)

    def _reducer(self, call: cst.Call) -> str | None:
        func = call.func
        if isinstance(func, cst.Name) and func.value in _BUILTIN_REDUCERS:
            return f"builtins.{func.value}" if names.is_builtin(self.context, func) else None
        if isinstance(func, (cst.Name, cst.Attribute)):
            short = func.value if isinstance(func, cst.Name) else func.attr.value
            if short in _SHORT_NAMES or short in self.context.facts.imported_as:
                qualified = names.qualified_name(self.context, func)
                if qualified in REDUCERS:
                    return qualified
        return None
