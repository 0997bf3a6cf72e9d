"""PCM401: a pure recursive function with overlapping subproblems and no cache."""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable

from perfcodemod.analysis.caching import (
    is_generator,
    module_purity,
    recursion,
    role,
    self_calls_in_loops,
    unhashable_parameter,
)
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.purity import OPTIMISTIC, Purity, purity
from perfcodemod.analysis.twins import ast_function
from perfcodemod.diagnostic import Applicability
from perfcodemod.lazycst import cst
from perfcodemod.rule import Candidate, Invalid, Rule
from perfcodemod.rules.caching.base import propose_cache

UNSAFE = Applicability.UNSAFE

_UNSAFE_BECAUSE = (
    "a cache lets equal arguments of different types share a result, keeps every argument "
    "alive, and (before Python 3.13) halves the recursion depth CPython reaches"
)


def cacheable_recursion(function: ast.FunctionDef, facts: ModuleFacts, analysis: Purity) -> bool:
    """An undecorated plain function with parameters (at module level or nested) whose
    recursion overlaps, proven pure by ``analysis``, with immutable results and hashable
    parameters."""
    return (
        not function.decorator_list
        and has_parameters(function)
        and role(function, facts) in {"module", "nested"}
        and recursion(function, facts) == "overlapping"
        and not is_generator(function)
        and analysis.is_pure(function)
        and analysis.returns_immutable(function)
        and unhashable_parameter(function, facts) is None
    )


def recursive_candidates(facts: ModuleFacts) -> Iterable[ast.FunctionDef]:
    """The functions :func:`cacheable_recursion` accepts under the most generous options (a
    pre-check must not depend on the configuration it cannot see)."""
    # Rows of the calls by name: a function that never calls its name inside its own rows is
    # ruled out without building any scope (most functions, in most modules).
    rows: dict[str, list[int]] = defaultdict(list)
    for call in facts.nodes(ast.Call):
        if isinstance(call.func, ast.Name):
            rows[call.func.id].append(call.lineno)
    for function in facts.nodes(ast.FunctionDef):
        if function.decorator_list or not has_parameters(function) or function.name not in rows:
            continue
        first, last = function.body[0].lineno, function.end_lineno or function.lineno
        if any(first <= row <= last for row in rows[function.name]) and cacheable_recursion(
            function, facts, purity(facts, OPTIMISTIC)
        ):
            yield function


def has_parameters(function: ast.FunctionDef) -> bool:
    args = function.args
    return bool(args.posonlyargs or args.args or args.kwonlyargs or args.vararg or args.kwarg)


class CacheableRecursiveFunction(Rule):
    """Pure recursive function recomputes overlapping subproblems; add `@functools.cache`.

    ## What it does
    Finds a function that calls itself more than once per call (two self-calls on one path
    through its body, or a self-call in a loop or comprehension: overlapping subproblems),
    that the purity analysis proves pure and deterministic (see below), whose parameters are
    hashable and whose results are proven immutable (numbers, strings, tuples of them: a cache
    hands the same result to every caller), and adds `@functools.cache` (or
    `@functools.lru_cache(maxsize=None)` when `target-version` is below 3.9), importing it in
    the module's style: `functools.cache` after an existing `import functools`, `ft.cache` after
    `import functools as ft`, `cache` after `from functools import cache`, a new
    `from functools import cache` next to an existing `from functools import ...`, otherwise a
    new import in the style the module uses most, avoiding names the module already binds.

    Pure means: no `global`/`nonlocal`, no assignment into objects it did not build, no reads
    of module (or enclosing) variables that are rebound or mutated anywhere in the module, and
    only calls of itself, of functions of the module proven pure, and of builtins and
    standard-library functions known to be pure (extend the list with the
    `extra-pure-functions` option). Anything unknown makes a function impure, so the rule
    stays silent rather than guess. Divide-and-conquer recursions (arguments halved with `//`,
    `/` or `>>`: merge sort, binary splitting) are not reported: their subproblems do not
    overlap, so a cache would only hold memory. Nor are structural recursions, whose loop
    hands each element of a collection to the self-call (`all(f(c) for c in s)`): each element
    is visited once. Reading an attribute of a parameter (`node.left`) counts as
    impure: the object may change, and such recursions (tree walks) visit each node once, so a
    cache would only cost memory.

    A parameter is hashable when it is annotated with a hashable type (`int`, `str`,
    `tuple[int, ...]`...), when the function uses it only as a number or opaque value
    (arithmetic, comparisons, indexes), or, for a parameter the function indexes or iterates
    (`s[i]`, `for x in items`), when every call of the function in the module passes a hashable
    value (a string, a tuple...). A parameter annotated or defaulted as a list, dict or set
    rules the function out.

    Methods are not reported: a cache on a method is itself a mistake (PCM411); move the
    recursion to a module function or a nested one. Functions nested in another are reported,
    which covers the common dynamic-programming shape (an inner `solve(i, j)` reading the outer
    function's arguments): the purity analysis then requires that those outer variables are
    never rebound or mutated, and the cache lives for one call of the outer function. Functions
    that already have a decorator are not reported (the decorator's behaviour is unknown).

    ## Why is this bad?
    Without a cache, a recursion with overlapping subproblems recomputes the same values an
    exponential number of times; with one, each subproblem is computed once. Measured on CPython
    3.11 (`python benchmarks/rules/caching.py`: best of 5; *cold* is one call after
    `cache_clear()`, *warm* the same call again; cache memory is what `tracemalloc` sees the
    filled cache hold):

    | function | no cache | `@cache`, cold | `@cache`, warm | speed-up | cache memory |
    | --- | --- | --- | --- | --- | --- |
    | `fib(25)` | 15.0 ms | 8.3 µs | 97 ns | 1,822x | 2.6 KiB (26 entries) |
    | `binomial(20, 10)` | 50.5 ms | 51.5 µs | 109 ns | 981x | 12.5 KiB (120 entries) |
    | `catalan(14)` | 828.0 ms | 23.1 µs | 68 ns | 35,835x | 2.1 KiB (15 entries) |
    | `edit_distance` (kitten, sitting) | 10.7 ms | 47.0 µs | 125 ns | 227x | 7.0 KiB (56 entries) |

    The price is memory held until the process ends (or `cache_clear()`): one entry per
    distinct argument tuple.

    ## Example
    ```python
    def fib(n: int) -> int:
        if n < 2:
            return n
        return fib(n - 1) + fib(n - 2)
    ```

    ## Use instead
    ```python
    import functools


    @functools.cache
    def fib(n: int) -> int:
        if n < 2:
            return n
        return fib(n - 1) + fib(n - 2)
    ```

    ## Fix safety
    The fix is always **unsafe**, because a cache changes behaviour in three ways that the
    analysis cannot rule out:

    - equal arguments of different types can share one entry: after `f(1, 2)`, the calls
      `f(1.0, 2)` and `f(True, 2)` return the result computed for `(1, 2)`
      (`lru_cache(typed=True)` keeps types apart);
    - every argument and result stays alive as long as the function does;
    - the cache's C wrapper counts against the recursion limit on every recursive call: on
      CPython 3.9 to 3.12 the deepest recursion that still works halves (about 997 calls
      without the cache, about 498 with it, at the default recursion limit), so a deep call
      that worked may raise `RecursionError` (3.13 counts only Python frames: no change there).
    """

    code = "PCM401"
    name = "cacheable-recursive-function"
    message = (
        "Pure recursive function recomputes overlapping subproblems; decorate it with "
        "`@functools.cache`"
    )
    fix_title = "Add `@functools.cache`"

    VALID = (
        # Linear recursion: each value is computed once anyway.
        "def fact(n):\n    return 1 if n < 2 else n * fact(n - 1)\n",
        # Two calls on exclusive paths are still linear.
        "def gcd(a, b):\n    if a > b:\n        return gcd(a - b, b)\n"
        "    return gcd(a, b - a) if b > a else a\n",
        # Already cached, or decorated with something else.
        "import functools\n\n@functools.cache\ndef fib(n):\n"
        "    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
        "import mylib\n\n@mylib.trace\ndef fib(n):\n"
        "    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
        # Impure: prints, reads a global that changes, reads the clock.
        "def fib(n):\n    print(n)\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
        "STEP = 1\n\ndef bump():\n    global STEP\n    STEP += 1\n\n"
        "def f(n):\n    return n if n < 2 else f(n - STEP) + f(n - 2)\n",
        "import time\n\ndef f(n):\n    return time.time() if n < 2 else f(n - 1) + f(n - 2)\n",
        # A tree walk reads attributes of its argument (and visits each node once).
        "def size(node):\n    return 1 + sum(size(child) for child in node.children)\n",
        # A list parameter would make the cache raise TypeError.
        "def total(xs: list, i):\n"
        "    return 0 if i >= len(xs) else xs[i] + total(xs, i + 1) + total(xs, i + 2)\n",
        "def count(coins, n):\n"
        "    return 1 if n == 0 else sum(count(coins, n - c) for c in coins if c <= n)\n\n"
        "print(count([1, 2, 5], 10))\n",
        # Structural recursion over the characters of a string: each visited once.
        "def check(s: str) -> bool:\n    if len(s) != 1:\n        return all(check(c) for c in s)\n"
        "    return s.isalpha()\n",
        # Divide and conquer: the halves do not overlap.
        "def product(lo, hi):\n    if hi - lo < 2:\n        return lo\n    mid = (lo + hi) // 2\n"
        "    return product(lo, mid) * product(mid, hi)\n",
        # Returns a new list: a cache would hand the same list to every caller.
        "def perms(s: str):\n    if len(s) <= 1:\n        return [s]\n"
        "    return [c + p for i, c in enumerate(s) for p in perms(s[:i] + s[i + 1:])]\n",
        # A method (a cache there is PCM411's mistake).
        "class C:\n    def fib(self, n):\n"
        "        return n if n < 2 else self.fib(n - 1) + self.fib(n - 2)\n",
        # Generators are not cacheable.
        "def walk(n):\n    if n:\n        yield from walk(n - 1)\n        yield from walk(n - 2)\n"
        "    yield n\n",
        # A function of another module is unknown, hence impure (unless configured as pure).
        "from mylib import weight\n\ndef f(n: int):\n"
        "    return n if weight(n) < 2 else f(n - 1) + f(n - 2)\n",
        # A mutable enclosing variable.
        "def outer(xs):\n    def f(i):\n"
        "        return 0 if i < 0 else xs[i] + f(i - 1) + f(i - 2)\n"
        "    xs.append(1)\n    return f(len(xs) - 1)\n",
    )
    INVALID = (
        Invalid(
            "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
            "import functools\n\n\n@functools.cache\ndef fib(n):\n    if n < 2:\n        return n\n"
            "    return fib(n - 1) + fib(n - 2)\n",
            UNSAFE,
            message="decorate it with `@functools.cache`",
        ),
        # The module's import style: `import functools` already there.
        Invalid(
            '"""Numbers."""\nimport functools\nimport math\n\n\n'
            "def binomial(n: int, k: int) -> int:\n    if k in (0, n):\n        return 1\n"
            "    return binomial(n - 1, k - 1) + binomial(n - 1, k)\n",
            '"""Numbers."""\nimport functools\nimport math\n\n\n@functools.cache\n'
            "def binomial(n: int, k: int) -> int:\n    if k in (0, n):\n        return 1\n"
            "    return binomial(n - 1, k - 1) + binomial(n - 1, k)\n",
            UNSAFE,
        ),
        # `from functools import ...` style: a `from` import next to it.
        Invalid(
            "from functools import reduce\n\ndef catalan(n):\n"
            "    return 1 if n <= 1 else sum(catalan(i) * catalan(n - 1 - i) for i in range(n))\n",
            "from functools import reduce\nfrom functools import cache\n\n@cache\ndef catalan(n):\n"
            "    return 1 if n <= 1 else sum(catalan(i) * catalan(n - 1 - i) for i in range(n))\n",
            UNSAFE,
        ),
        # An alias of the module.
        Invalid(
            "import functools as ft\n\ndef f(n):\n    return n if n < 2 else f(n - 1) + f(n - 2)\n",
            "import functools as ft\n\n@ft.cache\ndef f(n):\n"
            "    return n if n < 2 else f(n - 1) + f(n - 2)\n",
            UNSAFE,
        ),
        # A nested dynamic-programming function reading the outer arguments.
        Invalid(
            "def edit_distance(a: str, b: str) -> int:\n    def d(i, j):\n"
            "        if i == 0 or j == 0:\n"
            "            return i + j\n        return min(d(i - 1, j) + 1, d(i, j - 1) + 1,"
            " d(i - 1, j - 1) + (a[i - 1] != b[j - 1]))\n    return d(len(a), len(b))\n",
            "import functools\n\n\ndef edit_distance(a: str, b: str) -> int:\n"
            "    @functools.cache\n"
            "    def d(i, j):\n        if i == 0 or j == 0:\n"
            "            return i + j\n        return min(d(i - 1, j) + 1, d(i, j - 1) + 1,"
            " d(i - 1, j - 1) + (a[i - 1] != b[j - 1]))\n    return d(len(a), len(b))\n",
            UNSAFE,
        ),
        # A string parameter the function indexes: every call passes a string.
        Invalid(
            "def ways(s, i=0):\n    if i >= len(s):\n        return 1\n"
            "    return ways(s, i + 1) + (ways(s, i + 2) if s[i:i + 2] < '27' else 0)\n\n"
            "print(ways('1226'))\n",
            "import functools\n\n\n@functools.cache\ndef ways(s, i=0):\n    if i >= len(s):\n"
            "        return 1\n"
            "    return ways(s, i + 1) + (ways(s, i + 2) if s[i:i + 2] < '27' else 0)\n\n"
            "print(ways('1226'))\n",
            UNSAFE,
        ),
        # `cache` is taken by a variable: the module form is used.
        Invalid(
            "cache = {}\n\ndef f(n):\n    return n if n < 2 else f(n - 1) + f(n - 2)\n",
            "import functools\n\ncache = {}\n\n@functools.cache\ndef f(n):\n"
            "    return n if n < 2 else f(n - 1) + f(n - 2)\n",
            UNSAFE,
        ),
        # Interprocedural: a pure helper of the module, and a known-pure stdlib function.
        Invalid(
            "import math\n\ndef cost(k):\n    return math.isqrt(k) + 1\n\n"
            "def best(n: int) -> int:\n    if n <= 1:\n        return 0\n"
            "    return min(best(n - k) + cost(k) for k in range(1, n + 1))\n",
            "import functools\nimport math\n\ndef cost(k):\n    return math.isqrt(k) + 1\n\n"
            "@functools.cache\ndef best(n: int) -> int:\n    if n <= 1:\n        return 0\n"
            "    return min(best(n - k) + cost(k) for k in range(1, n + 1))\n",
            UNSAFE,
        ),
        # A function of another module configured as pure.
        Invalid(
            "from mylib import weight\n\ndef f(n: int):\n"
            "    return n if weight(n) < 2 else f(n - 1) + f(n - 2)\n",
            "from functools import cache\nfrom mylib import weight\n\n@cache\n"
            "def f(n: int):\n    return n if weight(n) < 2 else f(n - 1) + f(n - 2)\n",
            UNSAFE,
            options={"extra-pure-functions": ["mylib.weight"]},
        ),
    )

    @classmethod
    def precheck(cls, facts: ModuleFacts) -> Iterable[Candidate]:
        return recursive_candidates(facts)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.decorators or node.asynchronous is not None:
            return
        function = ast_function(self.context, node)
        facts = self.context.facts
        if not isinstance(function, ast.FunctionDef) or not cacheable_recursion(
            function, facts, module_purity(self.context, self)
        ):
            return
        in_a_loop = any(loop is not None for _, loop in self_calls_in_loops(function, facts))
        how = "calls itself in a loop" if in_a_loop else "calls itself more than once"
        proposal = propose_cache(self, node, function, _UNSAFE_BECAUSE)
        self.report(
            node.name,
            f"Pure recursive function `{function.name}()` {how}, recomputing overlapping "
            f"subproblems; decorate it with `@{proposal.decorator}`",
            proposal.fix,
        )
