"""PCM402 (opt-in): a pure, non-trivial function called again with the same arguments, without
a cache."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from perfcodemod.analysis.caching import (
    called_repeatedly,
    does_work,
    is_generator,
    module_purity,
    recursion,
    repeated_arguments,
    role,
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
    "whether a cache pays depends on how often arguments repeat, and equal arguments of "
    "different types share an entry"
)


def _shape_fits(function: ast.FunctionDef, facts: ModuleFacts) -> bool:
    """The cheap conditions: an undecorated module function with parameters, that loops and is
    not PCM401's (overlapping recursion)."""
    args = function.args
    if function.decorator_list or not (args.posonlyargs or args.args or args.kwonlyargs):
        return False
    if role(function, facts) != "module" or is_generator(function) or not does_work(function):
        return False
    return recursion(function, facts) != "overlapping"


def worth_caching(
    function: ast.FunctionDef, facts: ModuleFacts, analysis: Purity, possible: bool = False
) -> str | None:
    """How the module calls ``function`` with arguments that repeat (``with arguments that take
    few values at line N each time `g()` runs``, ``for each character of a text in the loop at
    line N``),
    when it is a module function that loops, proven pure by ``analysis``, with immutable
    results and hashable parameters; None otherwise. With ``possible``, also calls that only
    may repeat (``in a loop at line N``, ``from N places``): candidates for a profile to
    measure."""
    if not _shape_fits(function, facts):
        return None
    how = repeated_arguments(function, facts)
    if how is None and possible:
        how = called_repeatedly(function, facts)
    if how is None or not analysis.is_pure(function) or not analysis.returns_immutable(function):
        return None
    return how if unhashable_parameter(function, facts) is None else None


class CacheableFunction(Rule):
    """Pure function that loops is called with repeating arguments; consider `lru_cache`.

    ## What it does
    Finds a module-level function that:

    - does work (its body has a loop or a comprehension over data, not over a fixed display
      or a `range` of constants), is not a generator, and is not PCM401's (overlapping
      recursion);
    - is proven pure and deterministic by the purity analysis (as in PCM401: no global state,
      no mutation of what it did not build, only calls of pure functions; extend the known
      pure functions with `extra-pure-functions`), returns values proven immutable, and has
      hashable parameters (annotated so, used only as numbers, or passed hashable values by
      every call in the module);
    - is called, somewhere in the module, in a way that **certainly** repeats arguments:
      - in the body of a function `g` (not in a loop of it, where the fix is to hoist the
        call; not in a test, which runs once), with arguments that take few values however
        long the program runs (literals, module constants, `Enum` members, attributes of
        imported modules, `bool` parameters): every run of `g` after the first few computes
        a result it already computed (`table(256)` in `lookup()`);
      - in a loop, with one character of a text (or one byte) as an argument and arguments
        that do not change in the loop as the others: a text has far more characters than
        its alphabet (`width(c) for c in text`);

    and proposes `@functools.lru_cache(maxsize=128)` (the `maxsize` option changes the figure),
    importing it in the module's style. Methods are never proposed (a cache on a method is
    PCM411's mistake); nested functions neither (their cache would last one call of the
    enclosing function).

    This rule reports only what the code shows. A loop over items that may recur
    (`for word in words: score(word)`), or calls from several places with variable
    arguments, may repeat arguments or may not: on real code (the standard library and
    35 packages) such findings were wrong or negligible in every case read, because the
    arguments were derived values (`(1 - D) // 4`) that rarely repeat, or the function was
    too cheap for a cache to pay. Whether they repeat is a measurement: run the program under
    `perfcodemod profile` and check with `--profile`, which reports PCM402 where the function
    is hot and the measured hit rate is high. The option `possible-repeats = true` (in
    `[tool.perfcodemod.caching]`) makes this rule also report those candidates (the former
    behaviour): a loop whose iterations may pass the same arguments again (not one whose
    iterations each pass a value no other passes: the index of a `range` or `enumerate`, the
    keys of a dict or set, the items of `dict.fromkeys(...)` or `sorted(set(...))`, a counter
    the loop only moves on), or two places that may pass equal arguments (not places that
    pass different constants for one parameter).

    This rule is opt-in: the plan's decision tree asks whether the computation is expensive
    and how often the same input repeats, and even where the code shows repeats, how often
    they happen is a matter of the program's use.

    ## Why is this bad?
    A pure function called again with the same arguments recomputes a result it already
    produced. When the same inputs repeat (the plan's "hit rate above 10%"), a cache turns each
    repeat into one dictionary lookup; when they do not, it only costs memory, which is why the
    proposal is bounded.

    ## Example
    ```python
    import unicodedata


    def display_width(character: str) -> int:
        decomposed = unicodedata.normalize("NFD", character)
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in decomposed)


    def text_width(text: str) -> int:
        return sum(display_width(character) for character in text)
    ```

    ## Use instead
    ```python
    import functools
    import unicodedata


    @functools.lru_cache(maxsize=128)
    def display_width(character: str) -> int:
        decomposed = unicodedata.normalize("NFD", character)
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in decomposed)
    ```

    ## Fix safety
    The fix is always **unsafe**: whether it pays depends on how often arguments repeat, and a
    cache changes behaviour slightly (equal arguments of different types can share an entry:
    `f(1, 2)` and `f(1.0, 2)`; arguments and results are kept alive until evicted).
    """

    code = "PCM402"
    name = "cacheable-function"
    message = (
        "Pure function that loops is called with repeating arguments; consider "
        "`@functools.lru_cache(maxsize=128)`"
    )
    fix_title = "Add `@functools.lru_cache(maxsize=128)`"
    default_enabled = False

    VALID = (
        # Called once.
        "def score(word: str) -> int:\n    return sum(ord(c) for c in word)\n\nprint(score('a'))\n",
        # Trivial: no loop, a cache lookup costs as much as the call.
        "def area(w: int, h: int) -> int:\n    return w * h\n\ndef page():\n"
        "    return area(3, 4)\n",
        # Impure.
        "def score(word: str) -> int:\n    print(word)\n    return sum(ord(c) for c in word)\n\n"
        "for w in 'ab':\n    score(w)\n",
        # Returns a list.
        "def letters(word: str):\n    return [c for c in word]\n\nfor w in 'ab':\n    letters(w)\n",
        # Returns a bytearray on some path (not provably immutable).
        "def pack(n: int):\n    s = bytes(n) if n else bytearray(2)\n    for i in range(n):\n"
        "        s = s + b'x'\n    return s\n\ndef page():\n    return pack(3)\n",
        # A method.
        "class C:\n    def score(self, word: str):\n        return sum(ord(c) for c in word)\n",
        # Arguments that may or may not repeat: items of a list, derived values, two places
        # with variables (the profile-guided mode measures these; `possible-repeats` reports
        # them).
        "def score(word: str) -> int:\n    return sum(ord(c) for c in word)\n\n"
        "def total(words):\n    return sum(score(w) for w in words)\n",
        "def digits(n):\n    total = 0\n    while n:\n        total += n % 10\n        n //= 10\n"
        "    return total\n\na = digits(123)\nb = digits(int('456'))\n",
        "def lucas(n: int, k: int) -> int:\n    u = 0\n    while k:\n        u += n\n"
        "        k //= 2\n    return u\n\ndef test(n: int, D: int) -> int:\n"
        "    return lucas(n, (1 - D) // 4)\n",
        # Fixed arguments, but in a loop (hoist the call), at module level (runs once), or in a
        # test (runs once).
        "def table(n: int) -> int:\n    out = 0\n    for i in range(n):\n        out += i\n"
        "    return out\n\ndef f(xs):\n    for x in xs:\n        print(x, table(256))\n",
        "def table(n: int) -> int:\n    out = 0\n    for i in range(n):\n        out += i\n"
        "    return out\n\nSIZE = table(256)\n",
        "def table(n: int) -> int:\n    out = 0\n    for i in range(n):\n        out += i\n"
        "    return out\n\ndef test_table():\n    assert table(3) == 3\n",
        # A character, but also an argument that changes in the loop.
        "def width(c: str, n: int) -> int:\n    return sum(1 for _ in range(ord(c) % n + 1))\n\n"
        "def widths(text: str):\n    return [width(c, i + 2) for i, c in enumerate(text)]\n",
        # A parameter of a dataclass that is not frozen: its instances cannot hash, so a cache
        # would make every call raise TypeError (used opaquely, like a number, all the same).
        "import dataclasses\n\n@dataclasses.dataclass\nclass Config:\n    depth: int\n\n"
        "def render(config: Config, c: str) -> int:\n    total = 0\n"
        "    for i in range(ord(c)):\n        total += i\n"
        "    return total if config == config else 0\n\n"
        "def draw(config: Config, text: str):\n    return [render(config, c) for c in text]\n",
        # Already cached.
        "import functools\n\n@functools.cache\ndef score(word: str):\n"
        "    return sum(ord(c) for c in word)\n\n"
        "for w in 'ab':\n    score(w)\n",
    )
    INVALID = (
        # One character of a text per iteration: the alphabet repeats.
        Invalid(
            "def score(word: str) -> int:\n    return sum(ord(c) for c in word)\n\n"
            "for w in 'abracadabra':\n    print(score(w))\n",
            "import functools\n\n\n@functools.lru_cache(maxsize=128)\n"
            "def score(word: str) -> int:\n"
            "    return sum(ord(c) for c in word)\n\nfor w in 'abracadabra':\n"
            "    print(score(w))\n",
            UNSAFE,
            message="for each character of a text in the loop at line 5",
        ),
        # Fixed arguments in a function: each run of it computes the same table again.
        Invalid(
            "from functools import reduce\n\nSIZE = 256\n\ndef table(n):\n    total = 0\n"
            "    while n:\n        total += n % 10\n        n //= 10\n    return total\n\n"
            "def lookup(k):\n    return table(SIZE) + k\n",
            "from functools import reduce\nfrom functools import lru_cache\n\nSIZE = 256\n\n"
            "@lru_cache(maxsize=128)\ndef table(n):\n    total = 0\n    while n:\n"
            "        total += n % 10\n        n //= 10\n    return total\n\n"
            "def lookup(k):\n    return table(SIZE) + k\n",
            UNSAFE,
            message="with arguments that take few values at line 13 each time `lookup()` runs",
        ),
        # The near miss of the mutable dataclass: a frozen one hashes by value.
        Invalid(
            "import dataclasses\n\n@dataclasses.dataclass(frozen=True)\nclass Config:\n"
            "    depth: int\n\ndef render(config: Config, c: str) -> int:\n    total = 0\n"
            "    for i in range(ord(c)):\n        total += i\n"
            "    return total if config == config else 0\n\n"
            "def draw(config: Config, text: str):\n    return [render(config, c) for c in text]\n",
            "import dataclasses\nimport functools\n\n@dataclasses.dataclass(frozen=True)\n"
            "class Config:\n    depth: int\n\n@functools.lru_cache(maxsize=128)\n"
            "def render(config: Config, c: str) -> int:\n    total = 0\n"
            "    for i in range(ord(c)):\n        total += i\n"
            "    return total if config == config else 0\n\n"
            "def draw(config: Config, text: str):\n    return [render(config, c) for c in text]\n",
            UNSAFE,
        ),
        # With `possible-repeats`: a loop over items that may recur.
        Invalid(
            "def score(word: str) -> int:\n    return sum(ord(c) for c in word)\n\n"
            "def total(words):\n    return sum(score(w) for w in words)\n",
            "import functools\n\n\n@functools.lru_cache(maxsize=128)\n"
            "def score(word: str) -> int:\n    return sum(ord(c) for c in word)\n\n"
            "def total(words):\n    return sum(score(w) for w in words)\n",
            UNSAFE,
            message="in a loop at line 5",
            options={"possible-repeats": True},
        ),
    )

    @classmethod
    def precheck(cls, facts: ModuleFacts) -> Iterable[Candidate]:
        for function in facts.nodes(ast.FunctionDef):
            # The most any configuration could prove: a pre-check cannot see the options.
            if worth_caching(function, facts, purity(facts, OPTIMISTIC), possible=True):
                yield function

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.decorators or node.asynchronous is not None:
            return
        function = ast_function(self.context, node)
        if not isinstance(function, ast.FunctionDef):
            return
        options = self.context.family_options(self)
        how = worth_caching(
            function,
            self.context.facts,
            module_purity(self.context, self),
            possible=bool(options.get("possible-repeats", False)),
        )
        if how is None:
            return
        maxsize = str(options.get("maxsize", 128))
        proposal = propose_cache(self, node, function, _UNSAFE_BECAUSE, maxsize)
        self.report(
            node.name,
            f"Pure function `{function.name}()` loops and is called {how}; consider "
            f"`@functools.lru_cache(maxsize={maxsize})`",
            proposal.fix,
        )
