"""PCM402 (opt-in): a pure, non-trivial function called repeatedly, without a cache."""

from __future__ import annotations

import ast
from collections.abc import Iterable

import libcst as cst

from perfcodemod.analysis.caching import (
    called_repeatedly,
    does_work,
    is_generator,
    module_purity,
    recursion,
    role,
    unhashable_parameter,
)
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.purity import OPTIMISTIC, Purity, purity
from perfcodemod.analysis.twins import ast_function
from perfcodemod.diagnostic import Applicability
from perfcodemod.rule import Candidate, Invalid, Rule
from perfcodemod.rules.caching.base import propose_cache

UNSAFE = Applicability.UNSAFE

_UNSAFE_BECAUSE = (
    "whether a cache pays depends on how often arguments repeat, and equal arguments of "
    "different types share an entry"
)


def _shape_fits(function: ast.FunctionDef, facts: ModuleFacts) -> str | None:
    """The cheap conditions: an undecorated module function with parameters, that loops, is
    not PCM401's (overlapping recursion), and is called in a loop or from several places."""
    args = function.args
    if function.decorator_list or not (args.posonlyargs or args.args or args.kwonlyargs):
        return None
    if role(function, facts) != "module" or is_generator(function) or not does_work(function):
        return None
    if recursion(function, facts) == "overlapping":
        return None
    return called_repeatedly(function, facts)


def worth_caching(function: ast.FunctionDef, facts: ModuleFacts, analysis: Purity) -> str | None:
    """How the module calls ``function`` repeatedly (``in a loop at line N``, ``from N
    places``), when it is a module function that loops, proven pure by ``analysis``, with
    immutable results and hashable parameters; None otherwise."""
    how = _shape_fits(function, facts)
    if how is None or not analysis.is_pure(function) or not analysis.returns_immutable(function):
        return None
    return how if unhashable_parameter(function, facts) is None else None


class CacheableFunction(Rule):
    """Pure function that loops is called repeatedly; consider `@functools.lru_cache(maxsize=128)`.

    ## What it does
    Finds a module-level function that:

    - does work (its body has a loop or a comprehension);
    - is called in a loop or comprehension, or from two or more places in the module, in a way
      that may pass the same arguments again: not a loop whose iterations each pass a value no
      other iteration passes (the index of a `range` or `enumerate`, the keys of a dict or set,
      the items of `dict.fromkeys(...)` or `sorted(set(...))`, or such a value shifted or
      negated, or a counter the loop only moves on: `pos += 1`), and not places that pass
      different constants for one parameter (`quote(s, tcsh=True)` and `quote(s, tcsh=False)`
      never share an entry);
    - is proven pure and deterministic by the purity analysis (as in PCM401: no global state,
      no mutation of what it did not build, only calls of pure functions; extend the known
      pure functions with `extra-pure-functions`), returns values proven immutable, and has
      hashable parameters (annotated so, used only as numbers, or passed hashable values by
      every call in the module);

    and proposes `@functools.lru_cache(maxsize=128)` (the `maxsize` option changes the figure),
    importing it in the module's style. Overlapping recursion is PCM401's; methods are never
    proposed (a cache on a method is PCM411's mistake); nested functions neither (their cache
    would last one call of the enclosing function, rarely enough to pay).

    This rule is opt-in: the plan's decision tree asks whether the computation is expensive
    and how often the same input repeats, and the code alone cannot say. Select it when looking
    for candidates, and check the hit rate (`cache_info()`) after adding a cache; the
    profile-guided mode (`--profile`, `--hot`) ranks findings by the time their function takes.

    ## Why is this bad?
    A pure function called again with the same arguments recomputes a result it already
    produced. When the same inputs repeat (the plan's "hit rate above 10%"), a cache turns each
    repeat into one dictionary lookup; when they do not, it only costs memory, which is why the
    proposal is bounded.

    ## Example
    ```python
    def word_score(word: str) -> int:
        return sum(ord(letter) - 96 for letter in word.lower())


    def best(words):
        return max(words, key=lambda word: word_score(word))


    def total(words):
        return sum(word_score(word) for word in words)
    ```

    ## Use instead
    ```python
    import functools


    @functools.lru_cache(maxsize=128)
    def word_score(word: str) -> int:
        return sum(ord(letter) - 96 for letter in word.lower())
    ```

    ## Fix safety
    The fix is always **unsafe**: whether it pays depends on how often arguments repeat, and a
    cache changes behaviour slightly (equal arguments of different types can share an entry:
    `f(1, 2)` and `f(1.0, 2)`; arguments and results are kept alive until evicted).
    """

    code = "PCM402"
    name = "cacheable-function"
    message = (
        "Pure function that loops is called repeatedly; consider "
        "`@functools.lru_cache(maxsize=128)`"
    )
    fix_title = "Add `@functools.lru_cache(maxsize=128)`"
    default_enabled = False

    VALID = (
        # Called once.
        "def score(word: str) -> int:\n    return sum(ord(c) for c in word)\n\nprint(score('a'))\n",
        # Trivial: no loop, a cache lookup costs as much as the call.
        "def area(w: int, h: int) -> int:\n    return w * h\n\nfor i in range(3):\n"
        "    print(area(i, i))\n",
        # Impure.
        "def score(word: str) -> int:\n    print(word)\n    return sum(ord(c) for c in word)\n\n"
        "for w in 'ab':\n    score(w)\n",
        # Returns a list.
        "def letters(word: str):\n    return [c for c in word]\n\nfor w in 'ab':\n    letters(w)\n",
        # Returns a bytearray on some path (not provably immutable).
        "def pack(n: int):\n    s = bytes(n) if n else bytearray(2)\n    for i in range(n):\n"
        "        s = s + b'x'\n    return s\n\npack(1)\npack(2)\n",
        # Called with a list.
        "def total(xs):\n    return sum(x for x in xs)\n\nfor i in range(3):\n    total([i, i])\n",
        # A method.
        "class C:\n    def score(self, word: str):\n        return sum(ord(c) for c in word)\n",
        # Arguments that can never repeat: different constants at the two call sites, the
        # items of a de-duplicated list, a loop index, a position that only moves on.
        "def quote(s: str, tcsh: bool) -> str:\n"
        "    return ''.join(c for c in s if c != '!' or tcsh)\n\n"
        "def both(s: str):\n    return quote(s, tcsh=True), quote(s, tcsh=False)\n",
        "def size(name: str) -> int:\n    return sum(1 for c in name if c.isalpha())\n\n"
        "def sizes(names):\n    return [size(n) for n in dict.fromkeys(names)]\n",
        "def gcd(a: int, b: int) -> int:\n    while b:\n        a, b = b, a % b\n    return a\n\n"
        "for i in range(1, 20):\n    for j in range(1, 20):\n        print(gcd(i, j))\n",
        "def skip(src: str, pos: int) -> int:\n    while pos < len(src) and src[pos] == ' ':\n"
        "        pos += 1\n    return pos\n\ndef parse(src: str):\n    pos = 0\n"
        "    while pos < len(src):\n        pos += 1\n        pos = skip(src, pos)\n"
        "    return pos\n",
        # A parameter of a dataclass that is not frozen: its instances cannot hash, so a cache
        # would make every call raise TypeError (used opaquely, like a number, all the same).
        "import dataclasses\n\n@dataclasses.dataclass\nclass Config:\n    depth: int\n\n"
        "def render(config: Config, n: int) -> int:\n    total = 0\n    for i in range(n):\n"
        "        total += i\n    return total if config == config else 0\n\n"
        "for i in range(3):\n    render(Config(1), i)\n",
        # Already cached.
        "import functools\n\n@functools.cache\ndef score(word: str):\n"
        "    return sum(ord(c) for c in word)\n\n"
        "for w in 'ab':\n    score(w)\n",
    )
    INVALID = (
        Invalid(
            "def score(word: str) -> int:\n    return sum(ord(c) for c in word)\n\n"
            "for w in ['a', 'b', 'a']:\n    print(score(w))\n",
            "import functools\n\n\n@functools.lru_cache(maxsize=128)\n"
            "def score(word: str) -> int:\n"
            "    return sum(ord(c) for c in word)\n\nfor w in ['a', 'b', 'a']:\n"
            "    print(score(w))\n",
            UNSAFE,
            message="called in a loop at line 5",
        ),
        Invalid(
            "from functools import reduce\n\ndef digits(n):\n    total = 0\n    while n:\n"
            "        total += n % 10\n        n //= 10\n    return total\n\n"
            "a = digits(123)\nb = digits(int('456'))\n",
            "from functools import reduce\nfrom functools import lru_cache\n\n"
            "@lru_cache(maxsize=128)\ndef digits(n):\n    total = 0\n    while n:\n"
            "        total += n % 10\n        n //= 10\n    return total\n\n"
            "a = digits(123)\nb = digits(int('456'))\n",
            UNSAFE,
            message="called from 2 places",
        ),
        # The near miss of the mutable dataclass: a frozen one hashes by value.
        Invalid(
            "import dataclasses\n\n@dataclasses.dataclass(frozen=True)\nclass Config:\n"
            "    depth: int\n\ndef render(config: Config, n: int) -> int:\n    total = 0\n"
            "    for i in range(n):\n        total += i\n"
            "    return total if config == config else 0\n\nfor i in [3, 4, 3]:\n"
            "    render(Config(1), i)\n",
            "import dataclasses\nimport functools\n\n@dataclasses.dataclass(frozen=True)\n"
            "class Config:\n    depth: int\n\n@functools.lru_cache(maxsize=128)\n"
            "def render(config: Config, n: int) -> int:\n    total = 0\n"
            "    for i in range(n):\n        total += i\n"
            "    return total if config == config else 0\n\nfor i in [3, 4, 3]:\n"
            "    render(Config(1), i)\n",
            UNSAFE,
        ),
    )

    @classmethod
    def precheck(cls, facts: ModuleFacts) -> Iterable[Candidate]:
        for function in facts.nodes(ast.FunctionDef):
            # The most any configuration could prove: a pre-check cannot see the options.
            if worth_caching(function, facts, purity(facts, OPTIMISTIC)):
                yield function

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.decorators or node.asynchronous is not None:
            return
        function = ast_function(self.context, node)
        if not isinstance(function, ast.FunctionDef):
            return
        how = worth_caching(function, self.context.facts, module_purity(self.context, self))
        if how is None:
            return
        maxsize = str(self.context.family_options(self).get("maxsize", 128))
        proposal = propose_cache(self, node, function, _UNSAFE_BECAUSE, maxsize)
        self.report(
            node.name,
            f"Pure function `{function.name}()` loops and is called {how}; consider "
            f"`@functools.lru_cache(maxsize={maxsize})`",
            proposal.fix,
        )
