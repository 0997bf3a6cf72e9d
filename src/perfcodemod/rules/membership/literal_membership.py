"""PCM201: ``x in [a, b, c]`` against a list or tuple display of constants."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from perfcodemod.analysis.expressions import snippet
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.hashability import (
    is_constant_display,
    is_hashable_constant,
    is_provably_hashable,
)
from perfcodemod.diagnostic import Applicability
from perfcodemod.lazycst import cst
from perfcodemod.rule import Candidate, Change, Invalid, Rule
from perfcodemod.transforms import set_display

SAFE = Applicability.SAFE
UNSAFE = Applicability.UNSAFE


class LiteralMembership(Rule):
    """Membership test against a list or tuple of constants; use a set literal.

    ## What it does
    Finds `x in [a, b, c]` and `x not in (a, b, c)` where the container is a list or tuple
    display of two or more hashable constants (strings, bytes, numbers, `True`, `False`, `None`,
    and tuples of these), and rewrites the container as a set literal.

    ## Why is this bad?
    A list or tuple is searched element by element, comparing the needle with each constant. A
    set display of constants on the right of `in` is folded by CPython into a `frozenset`
    constant, built once when the code is compiled, and looked up by hash. Measured on CPython
    3.11 (`python benchmarks/rules/membership.py`, CPU time per test): a miss against 3 strings
    costs 60 ns with the tuple and 37 ns with the set (0.62x); against 10 strings 123 ns vs
    39 ns (0.31x); against 30 strings 299 ns vs 38 ns (0.13x). A hit on the first element
    costs the same either way (about 36 ns).

    Containers holding names or calls are not reported: CPython cannot fold them, and building
    a set at run time costs more than scanning a short tuple. Single-element containers are not
    this rule's business (`x == a` is what they mean).

    ## Example
    ```python
    def is_open(status: str) -> bool:
        return status in ["active", "pending", "reviewing"]
    ```

    ## Use instead
    ```python
    def is_open(status: str) -> bool:
        return status in {"active", "pending", "reviewing"}
    ```

    ## Fix safety
    The fix is **safe** when the needle is provably hashable: a literal, an f-string, a
    call of a builtin that returns a hashable value (`str()`, `int()`, `len()`, `type()`...),
    a `str` method called on a value that is provably a string, a comparison with `in`/`is`,
    `not ...`, or a name whose every binding is a parameter or variable annotated with a hashable
    type (`str`, `int`, `bytes`, `bool`, `float`, `Optional[...]` of those, `Literal[...]`, an
    `Enum` subclass of the module, or a type listed in `hashable-types`), an assignment of a
    provably hashable value, or a loop variable over provably hashable items (`range()`, a
    string, `str.split()` of a string, a set...). Then the set gives the same answer: for these
    types, equal values have equal hashes.

    Otherwise the fix is **unsafe**: a set raises `TypeError: unhashable type` where the
    list answered `False` (a list or dict needle), and a user-defined `__eq__` without a matching
    `__hash__` can make the set miss where the list matched. An annotation is a promise, not a
    proof: code that passes a `list` to a parameter annotated `str` gets a `TypeError` after
    the fix.
    """

    code = "PCM201"
    name = "literal-membership"
    message = "Membership test against a list of constants; use a set literal"
    fix_title = "Use a set literal"
    function_local = True

    VALID = (
        # Names and calls cannot be folded into a constant.
        "def f(x, a, b):\n    return x in [a, b]\n",
        "def f(x):\n    return x in [len(x), 2]\n",
        # Already a set; or a single element (`x == 1` is meant).
        "def f(x):\n    return x in {1, 2}\n",
        "def f(x):\n    return x in [1]\n",
        "def f(x):\n    return x in ()\n",
        # Unhashable elements: a set display would raise.
        "def f(x):\n    return x in [[1], [2]]\n",
        "def f(x):\n    return x in ([1], [2])\n",
        # An f-string element is built at run time.
        'def f(x, y):\n    return x in [f"{y}", "a"]\n',
        # Not a membership test.
        "def f(x):\n    return x == [1, 2]\n",
        "def f(x):\n    return [1, 2] in x\n",
        "def f(x, other):\n    return x in [1, 2] + other\n",
        "def f(x, rest):\n    return x in [*rest, 1]\n",
        # In a chain, the list is also compared with the next operand: a set would change that.
        "def f(x: int, y):\n    return x in [1, 2] == y\n",
        # Iterating is not a membership test.
        "for x in [1, 2, 3]:\n    print(x)\n",
    )
    INVALID = (
        Invalid(
            'def is_open(status: str) -> bool:\n    return status in ["active", "pending"]\n',
            'def is_open(status: str) -> bool:\n    return status in {"active", "pending"}\n',
            SAFE,
        ),
        Invalid(
            "def f(x):\n    return x not in (1, 2, 3)\n",
            "def f(x):\n    return x not in {1, 2, 3}\n",
            UNSAFE,
            reason="`x` may be unhashable: a set raises TypeError where the tuple answered False",
        ),
        Invalid(
            "def f(s):\n    return len(s) in (1, 2)\n",
            "def f(s):\n    return len(s) in {1, 2}\n",
            SAFE,
        ),
        Invalid(
            'def f(s):\n    return s.lower().strip() in ["a", "b"]\n',
            'def f(s):\n    return s.lower().strip() in {"a", "b"}\n',
            UNSAFE,
            message="set literal",
        ),
        Invalid(
            'def f(s: str):\n    return s.lower().strip() in ["a", "b"]\n',
            'def f(s: str):\n    return s.lower().strip() in {"a", "b"}\n',
            SAFE,
        ),
        Invalid(
            'def f(s):\n    return str(s) in ["a", "b"]\n',
            'def f(s):\n    return str(s) in {"a", "b"}\n',
            SAFE,
        ),
        # A local `str` is not the builtin: unsafe.
        Invalid(
            'def f(s, str):\n    return str(s) in ["a", "b"]\n',
            'def f(s, str):\n    return str(s) in {"a", "b"}\n',
            UNSAFE,
        ),
        # Comments and layout inside the brackets survive.
        Invalid(
            'MODE = "r"\n\nif MODE in (\n    "r",  # read\n    "rb",  # binary\n):\n    pass\n',
            'MODE = "r"\n\nif MODE in {\n    "r",  # read\n    "rb",  # binary\n}:\n    pass\n',
            SAFE,
        ),
        # Negative numbers, tuples of constants, None and booleans are constants.
        Invalid(
            "def f(p: tuple[int, int]):\n    return p in [(0, 0), (-1, 1), None]\n",
            "def f(p: tuple[int, int]):\n    return p in {(0, 0), (-1, 1), None}\n",
            SAFE,
        ),
        # Outer parentheses are kept; the innermost pair becomes the braces.
        Invalid(
            'def f(x: int):\n    return x in ((1, 2))\n',
            'def f(x: int):\n    return x in ({1, 2})\n',
            SAFE,
        ),
        Invalid(
            'def f(a: str, b):\n    return a in ["x", "y"] and b in ("p", "q")\n',
            'def f(a: str, b):\n    return a in {"x", "y"} and b in {"p", "q"}\n',
            SAFE,  # the first diagnostic's fix; the second one's is unsafe
            count=2,
        ),
    )

    @classmethod
    def precheck(cls, facts: ModuleFacts) -> Iterable[Candidate]:
        for compare in facts.nodes(ast.Compare):
            if isinstance(compare.ops[-1], (ast.In, ast.NotIn)) and is_constant_display(
                compare.comparators[-1]
            ):
                yield compare

    def visit_Comparison(self, node: cst.Comparison) -> None:
        left = node.left
        last = len(node.comparisons) - 1
        for index, target in enumerate(node.comparisons):
            container = target.comparator
            if (
                # In a chain (`x in [1, 2] == y`) the container is also compared with the next
                # operand, and a set is not equal to a list: only the last link is a pure test.
                index == last
                and isinstance(target.operator, (cst.In, cst.NotIn))
                and isinstance(container, (cst.List, cst.Tuple))
                and len(container.elements) >= 2
                and all(
                    isinstance(element, cst.Element) and is_hashable_constant(element.value)
                    for element in container.elements
                )
                and (isinstance(container, cst.List) or container.lpar)
            ):
                self._report(left, container)
            left = container

    def _report(self, needle: cst.BaseExpression, container: cst.List | cst.Tuple) -> None:
        extra = self.context.family_options(self).get("hashable-types", ())
        kind = "list" if isinstance(container, cst.List) else "tuple"
        if is_provably_hashable(needle, self.context, extra):
            applicability, reason = SAFE, "the value looked up is provably hashable"
        else:
            applicability, reason = UNSAFE, (
                f"`{snippet(self.context, needle)}` may be unhashable: a set raises TypeError "
                f"where the {kind} answered False"
            )
        self.report(
            container,
            f"Membership test against a {kind} of constants; use a set literal",
            self.fix(Change(container, set_display(container)), applicability, reason),
        )
