"""PCM101: ``any([...])``, ``all([...])``, ``x in [...]``: a list built in full for an answer
that may come from its first element."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from perfcodemod.analysis import names
from perfcodemod.analysis.comprehensions import (
    is_async,
    is_async_ast,
    iterated_values,
    not_reiterable_part,
    sole_argument,
    sole_argument_ast,
)
from perfcodemod.analysis.effects import (
    first_lazy_side_effect,
    lazy_stop_iteration,
    stop_iteration_reason,
)
from perfcodemod.analysis.expressions import snippet
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.hashability import is_provably_hashable
from perfcodemod.diagnostic import Applicability
from perfcodemod.lazycst import cst
from perfcodemod.rule import Candidate, Change, FixProposal, Invalid, Rule
from perfcodemod.transforms import generator_argument, generator_from

SAFE = Applicability.SAFE
UNSAFE = Applicability.UNSAFE
SHORT_CIRCUIT_BUILTINS = ("any", "all")


class ComprehensionInShortCircuit(Rule):
    """List or set comprehension in `any()`, `all()` or `in`; use a generator expression.

    ## What it does
    Finds a list or set comprehension passed to `any()` or `all()`, or on the right of `in` /
    `not in`, and turns it into a generator expression, which stops at the first element that
    decides the answer.

    Asynchronous comprehensions (`async for`, or `await` in the element or a condition) are
    never reported: as a generator expression they become an *asynchronous* generator, and
    `any()` or `in` over one raises `TypeError`. `any`, `all` that are not the builtins (a local
    function, an import) are not reported.

    ## Why is this bad?
    The comprehension computes every element and stores them all before `any()`, `all()` or
    `in` looks at the first one. A generator hands them over one at a time, and the consumer
    stops as soon as it knows the answer. Measured on CPython 3.11.7
    (`python benchmarks/rules/generators.py --rule PCM101`), time after / before (below 1 is
    faster) and peak memory:

    | case | 10 items | 100,000 items | peak memory, 100,000 items |
    | --- | ---: | ---: | ---: |
    | `any()`, the first element decides | 0.9-1.2x | 0.0002x | 783 KiB → 0.8 KiB |
    | `x in`, found first | 0.9-1.2x | 0.0001x | 3.8 MiB → 0.8 KiB |
    | `any()`, no element decides | 1.1x | 1.2-2.0x | 783 KiB → 0.6 KiB |
    | `all()`, no element decides | 1.0-1.1x | 1.0-1.35x | 783 KiB → 0.6 KiB |
    | `x in`, not found | 1.2-1.4x | 1.0-1.2x | 3.8 MiB → 0.6 KiB |
    | `x in` a set comprehension, not found | 1.0-1.3x | 0.8-1.4x | 8.4 MiB → 0.6 KiB |

    The win when an early element decides grows with the input (thousands of times faster
    here); the cost when none does is a fraction of a microsecond for small inputs and
    typically up to a third more time for large ones (twice, in the worst run), while the
    memory of the list is never needed.

    The benchmark alternates the two forms; on a busy shared machine the ratios still vary by
    about ±25% from run to run: the ranges above are over three runs.

    ## Example
    ```python
    def has_admin(users):
        return any([user.is_admin for user in users])
    ```

    ## Use instead
    ```python
    def has_admin(users):
        return any(user.is_admin for user in users)
    ```

    ## Fix safety
    With a generator, the elements after the deciding one are never computed, and what the
    comprehension iterates is left part-way. The first iterable is still evaluated at once
    (a generator expression evaluates it when it is created), so calls there change nothing.
    The fix is **safe** when nothing else can be seen:

    - the element, the conditions and the inner iterables have no side effects: no calls
      beyond the pure builtins (`len()`, `str()`, `isinstance()`...; see
      `analysis/effects.py`), no `await`, `yield` or `:=`. This also rules out
      `StopIteration` (from `next()`, or from any other call), which a generator expression
      turns into `RuntimeError` (PEP 479) where the list comprehension let it propagate;
    - everything the comprehension iterates can be stopped part-way without a trace: a list,
      tuple, set, dict or string (a display, a comprehension, a known list, a parameter
      annotated with a container type), `range()`, `enumerate()`/`zip()`/`reversed()` of
      those, or their concatenation or slice. A file, a generator or another iterator would
      be left part-consumed for whoever reads it next;
    - for a set comprehension, the elements (and the value looked up with `in`) are provably
      hashable: the set raised `TypeError` on an unhashable element, the generator does not.

    Otherwise the fix is **unsafe**, and the reason names the part in question: side effects
    of the skipped elements no longer happen, a `StopIteration` becomes `RuntimeError`, an
    iterator is left part-consumed. Operators, comparisons and attribute reads are assumed to
    have no side effects, and an exception that computing a skipped element would have raised
    is not raised any more.
    """

    code = "PCM101"
    name = "comprehension-in-short-circuit"
    message = "Comprehension is built in full before it is searched; use a generator expression"
    fix_title = "Use a generator expression"
    function_local = True

    VALID = (
        # Already a generator; a list display is not a comprehension.
        "def f(xs):\n    return any(x > 0 for x in xs)\n",
        "def f(a, b):\n    return any([a, b])\n",
        # Asynchronous comprehensions would become asynchronous generators: TypeError.
        "async def f(xs):\n    return any([x async for x in xs])\n",
        "async def f(xs, check):\n    return any([await check(x) for x in xs])\n",
        "async def f(xs, check):\n    return 1 in [await check(x) for x in xs]\n",
        # Not the builtins.
        "from numpy import any\n\ndef f(xs):\n    return any([x > 0 for x in xs])\n",
        "def f(xs, any):\n    return any([x > 0 for x in xs])\n",
        "def f(xs, np):\n    return np.any([x > 0 for x in xs])\n",
        # Not a single positional argument; the comprehension is not the container.
        "def f(xs):\n    return any(*[[x] for x in xs])\n",
        "def f(xs, y):\n    return [x for x in xs] in y\n",
        # In a chained comparison the list is also compared with the next operand.
        "def f(xs, y, z):\n    return y in [x for x in xs] == z\n",
        # Other consumers are other rules' business.
        "def f(xs):\n    return sum([x for x in xs])\n",
        "def f(xs):\n    return len([x for x in xs if x])\n",
        "def f(xs):\n    return {x: 1 for x in xs}\n",
    )
    INVALID = (
        Invalid(
            "def f(xs: list[int]):\n    return any([x > 0 for x in xs])\n",
            "def f(xs: list[int]):\n    return any(x > 0 for x in xs)\n",
            SAFE,
            message="generator expression",
        ),
        Invalid(
            "def f(n):\n    return all([i % 7 for i in range(1, n)])\n",
            "def f(n):\n    return all(i % 7 for i in range(1, n))\n",
            SAFE,
        ),
        # A call in the element: skipped elements no longer call it.
        Invalid(
            "def has_admin(users):\n    return any([is_admin(u) for u in users])\n",
            "def has_admin(users):\n    return any(is_admin(u) for u in users)\n",
            UNSAFE,
        ),
        # The iterable may be an iterator that another reader would find part-consumed.
        Invalid(
            "def f(lines):\n    return any([line == '' for line in lines])\n",
            "def f(lines):\n    return any(line == '' for line in lines)\n",
            UNSAFE,
        ),
        Invalid(
            "def f(word: str, xs: tuple[str, ...]):\n    return word in [x for x in xs if x]\n",
            "def f(word: str, xs: tuple[str, ...]):\n    return word in (x for x in xs if x)\n",
            SAFE,
        ),
        Invalid(
            "def f(word, xs: list[str]):\n    return word not in [x.lower() for x in xs]\n",
            "def f(word, xs: list[str]):\n    return word not in (x.lower() for x in xs)\n",
            UNSAFE,
        ),
        # A set comprehension raised TypeError on unhashable elements.
        Invalid(
            "def f(xs: list[list[int]]):\n    return any({len(x) for x in xs})\n",
            "def f(xs: list[list[int]]):\n    return any(len(x) for x in xs)\n",
            SAFE,
        ),
        Invalid(
            "def f(xs: list[list[int]]):\n    return [] in {x for x in xs}\n",
            "def f(xs: list[list[int]]):\n    return [] in (x for x in xs)\n",
            UNSAFE,
        ),
        # Comments inside the brackets survive.
        Invalid(
            "def f(xs: list[int]):\n    return any([  # positive?\n        x > 0\n"
            "        for x in xs  # every one\n    ])\n",
            "def f(xs: list[int]):\n    return any(  # positive?\n        x > 0\n"
            "        for x in xs  # every one\n    )\n",
            SAFE,
        ),
        # A trailing comma needs the parentheses.
        Invalid(
            "def f(xs: list[int]):\n    return all([x for x in xs],)\n",
            "def f(xs: list[int]):\n    return all((x for x in xs),)\n",
            SAFE,
        ),
        # `next()` in the element: its StopIteration would become RuntimeError (PEP 479).
        Invalid(
            "def f(it, n: int):\n    return any([next(it) for _ in range(n)])\n",
            "def f(it, n: int):\n    return any(next(it) for _ in range(n))\n",
            UNSAFE,
            reason="PEP 479",
        ),
        # ... with a default it never raises: only its side effects are in question.
        Invalid(
            "def f(it, n: int):\n    return any([next(it, 0) for _ in range(n)])\n",
            "def f(it, n: int):\n    return any(next(it, 0) for _ in range(n))\n",
            UNSAFE,
            reason="`next(it, 0)` may have side effects",
        ),
        # A call in the first iterable runs at once either way: what it returns is the question.
        Invalid(
            "def f(self):\n    return any([s.ok for s in self.items()])\n",
            "def f(self):\n    return any(s.ok for s in self.items())\n",
            UNSAFE,
            reason="`self.items()` may be an iterator",
        ),
        # Concatenated lists are a new list; for `zip()`, the argument that may be an iterator.
        Invalid(
            "def f(a: list[int], b: list[int]):\n    return any([x > 0 for x in a + b])\n",
            "def f(a: list[int], b: list[int]):\n    return any(x > 0 for x in a + b)\n",
            SAFE,
        ),
        Invalid(
            "def f(a: tuple[int, ...], b):\n    return any([x == y for x, y in zip(a, b)])\n",
            "def f(a: tuple[int, ...], b):\n    return any(x == y for x, y in zip(a, b))\n",
            UNSAFE,
            reason="`b` may be an iterator",
        ),
        # Nested comprehensions: both are reported; the fixes apply in turn.
        Invalid(
            "def f(rows: list[list[int]]):\n"
            "    return all([any([v for v in row]) for row in rows])\n",
            "def f(rows: list[list[int]]):\n    return all(any(v for v in row) for row in rows)\n",
            UNSAFE,
            count=2,
        ),
    )

    @classmethod
    def precheck(cls, facts: ModuleFacts) -> Iterable[Candidate]:
        containers = (ast.ListComp, ast.SetComp)
        for call in facts.nodes(ast.Call):
            func = call.func
            if isinstance(func, ast.Name) and func.id in SHORT_CIRCUIT_BUILTINS:
                argument = sole_argument_ast(call)
                if isinstance(argument, containers) and not is_async_ast(argument):
                    yield call
        for compare in facts.nodes(ast.Compare):
            for op, comparator in zip(compare.ops, compare.comparators):
                if (
                    isinstance(op, (ast.In, ast.NotIn))
                    and isinstance(comparator, containers)
                    and not is_async_ast(comparator)
                ):
                    yield compare
                    break

    def visit_Call(self, node: cst.Call) -> None:
        if not names.is_builtin(self.context, node.func, *SHORT_CIRCUIT_BUILTINS):
            return
        arg = sole_argument(node)
        if arg is None or not isinstance(arg.value, (cst.ListComp, cst.SetComp)):
            return
        comp = arg.value
        if is_async(comp):
            return
        old, new = generator_argument(node, arg)
        change = Change(old, new)
        func = cst.ensure_type(node.func, cst.Name).value
        self.report(comp, self._message(f"`{func}()`", comp), self._fix(comp, change, None))

    def visit_Comparison(self, node: cst.Comparison) -> None:
        left = node.left
        last = node.comparisons[-1]
        for target in node.comparisons:
            comp = target.comparator
            if (
                target is last  # in `x in [...] == y` the list is compared too
                and isinstance(target.operator, (cst.In, cst.NotIn))
                and isinstance(comp, (cst.ListComp, cst.SetComp))
                and not is_async(comp)
            ):
                change = Change(comp, generator_from(comp, parenthesized=True))
                self.report(comp, self._message("`in`", comp), self._fix(comp, change, left))
            left = comp

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _message(consumer: str, comp: cst.ListComp | cst.SetComp) -> str:
        kind = "List" if isinstance(comp, cst.ListComp) else "Set"
        return (
            f"{kind} comprehension is built in full before {consumer} looks at it; use a "
            "generator expression, which stops at the first deciding element"
        )

    def _fix(
        self,
        comp: cst.ListComp | cst.SetComp,
        change: Change,
        needle: cst.BaseExpression | None,
    ) -> FixProposal:
        reason = self._unsafe_reason(comp, needle)
        if reason is None:
            return self.fix(
                change,
                SAFE,
                "the comprehension has no side effects and iterates only containers: "
                "stopping early leaves no trace",
            )
        return self.fix(change, UNSAFE, reason)

    def _unsafe_reason(
        self, comp: cst.ListComp | cst.SetComp, needle: cst.BaseExpression | None
    ) -> str | None:
        context = self.context
        stop = lazy_stop_iteration(context, comp)
        if stop is not None and names.builtin_called(context, stop) == "next":
            return stop_iteration_reason(context, stop)
        # The first iterable is evaluated at once by the generator too: only the other parts
        # run lazily, or not at all after the deciding element.
        effect = first_lazy_side_effect(context, comp)
        if effect is not None:
            return (
                f"`{snippet(context, effect)}` may have side effects, which no longer happen for "
                "the elements after the deciding one"
            )
        for iterable in iterated_values(context, comp):
            part = not_reiterable_part(context, iterable)
            if part is not None:
                return (
                    f"`{snippet(context, part)}` may be an iterator (a file, a generator): "
                    "stopping early leaves it part-consumed"
                )
        if isinstance(comp, cst.SetComp):
            for value in (comp.elt, needle):
                if value is not None and not is_provably_hashable(value, context):
                    return (
                        f"`{snippet(context, value)}` may be unhashable: the set comprehension "
                        "raised TypeError on it, the generator does not"
                    )
        return None
