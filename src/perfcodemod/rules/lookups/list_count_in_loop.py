"""PCM303: ``xs.count(v)`` inside a loop, on a list the loop does not change."""

from __future__ import annotations

from collections.abc import Iterable

from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.hoisting import HoistedFixes, repeats_same_lookup
from perfcodemod.analysis.imports import reference
from perfcodemod.analysis.lookups import (
    SMALL_LIST,
    index_name,
    index_unsafe_reason,
    indexable_list,
    list_method_calls_ast,
    list_method_receiver,
)
from perfcodemod.context import RuleContext
from perfcodemod.diagnostic import Applicability
from perfcodemod.lazycst import cst
from perfcodemod.rule import Candidate, ImportRequest, Invalid, Rule

UNSAFE = Applicability.UNSAFE
REASON = (
    "Counter() raises TypeError on unhashable elements or values looked up, values whose "
    "__eq__ and __hash__ disagree may be counted differently, and the Counter is built even "
    "when no count runs"
)


class ListCountInLoop(Rule):
    """`list.count()` in a loop, on a list the loop does not change; build a `Counter` first.

    ## What it does
    Finds `xs.count(v)` inside a loop or comprehension, where `xs` is known to be a list
    (bound to a list display, a list comprehension, `list()`, `sorted()`, `str.split()`...,
    or annotated `list[...]`/`List[...]`; every binding must agree) that the loop does not
    change (or `self.xs.count(v)` in a method, `self.xs` a list that only `__init__` builds
    and nothing in the module changes, reorders or passes on: `analysis/attributes.py`), and
    counts every value once with `collections.Counter`, before the outermost loop in which
    the list stays the same.

    The list stays the same when nothing in the loop, its header and nested loops included,
    rebinds the name, calls a method that changes the list, assigns, deletes or augments an
    item, or lets the list escape; when it did not escape before the loop either; and, for a
    module-level list, when no function of the module changes or rebinds it.

    Not reported: one `.count()` outside a loop, or one that the loop always leaves right
    after (a `return`, or a `break` that follows it); `str.count` (it counts substrings) and
    any receiver not known to be a list; a list that never holds more than 8 items
    (displays grown at most once per call, not in a loop: counting it costs about a dict
    lookup); counts in a lambda or in a generator
    expression that is not consumed on the spot; class attributes used in a class body;
    counts in an `except TypeError:` clause (the fallback for unhashable values, which a
    `Counter` cannot hold either); a count of a value that stays the same in the loop (a
    constant, a name the loop does not rebind, a module or class attribute): one count
    before the loop answers every iteration, a `Counter` of every value is the wrong advice.

    ## Why is this bad?
    `.count()` compares the value with every element, every time: n counts over a list of n
    items cost O(n²) comparisons; a `Counter` costs one O(n) pass and answers each count in
    constant time. Measured on CPython 3.11 (`python benchmarks/rules/lookups.py --rule
    PCM303`; counting n values in a list of n strings holding n / 2 distinct values, before
    and after the fix, building the Counter included; best of two runs on a busy two-core
    machine):

    | items | before | after | after / before |
    | --- | --- | --- | --- |
    | 10 | 3.4 µs | 5.0 µs | 1.5 (slower: the Counter does not pay off on tiny lists) |
    | 1,000 | 39 ms | 0.25 ms | 0.0063 (160x faster) |
    | 100,000 | about 420 s | 37 ms | 0.00009 (11,000x faster) |

    The Counter costs memory: about 2.8 MB for 50,000 distinct values.

    ## Example
    ```python
    def duplicates(words: list[str]) -> list[str]:
        return [w for w in words if words.count(w) > 1]
    ```

    ## Use instead
    ```python
    import collections


    def duplicates(words: list[str]) -> list[str]:
        words_counts = collections.Counter(words)
        return [w for w in words if words_counts[w] > 1]
    ```

    ## Fix safety
    The fix is always **unsafe**. It inserts `xs_counts = Counter(xs)` (a name nothing in the
    module uses; `Counter` written the way the module imports `collections`, with the import
    added when it is missing) before the statement holding the outermost loop in which the
    list stays the same, and rewrites each `xs.count(v)` of that statement as
    `xs_counts[v]`. A value the list does not hold counts 0, as before (a `Counter` answers 0
    for a missing key and does not store it); `.count()` raises no exception to keep.

    Behaviour changes when:

    - an element is unhashable: building the Counter raises `TypeError`, even if the loop runs
      no count; an unhashable value looked up raises `TypeError` where `.count()` compared;
    - elements or values looked up define `__eq__` without a matching `__hash__`, or unequal
      values compare equal (`.count()` adds up every element equal to the value; the Counter
      adds up equal elements only when their hashes agree too);
    - something the analysis cannot see changes the list while the loop runs: a function that
      received the list before the loop (for a parameter, whoever called the function), a
      called function that changes a module-level list through another name, another thread;
    - the loop runs no count at all: the Counter is built anyway (O(n) time and memory once).
    """

    code = "PCM303"
    name = "list-count-in-loop"
    message = (
        "`list.count()` inside a loop scans the list on every iteration; build a "
        "`collections.Counter` once before the loop"
    )
    fix_title = "Build a `collections.Counter` once before the loop"
    function_local = True

    VALID = (
        # One count, not in a loop.
        "def f(xs, y):\n"
        "    items = list(xs)\n"
        "    return items.count(y)\n",
        # A `str`: `.count` counts substrings.
        "def f(text: str, words):\n"
        "    return [text.count(w) for w in words]\n",
        # Unknown type.
        "def f(xs, ys):\n"
        "    return [xs.count(y) for y in ys]\n",
        # The same value on every iteration: one count before the loop is the fix, not a
        # Counter of every value.
        "VOTES = 'a b a c'.split()\n"
        "n = 0\n"
        "while VOTES.count('a') > n:\n"
        "    n += 1\n",
        # The fallback for unhashable values, which a Counter cannot hold either.
        "def f(xs, ys, counts):\n"
        "    items = list(xs)\n"
        "    for y in ys:\n"
        "        try:\n"
        "            print(counts[y])\n"
        "        except TypeError:\n"
        "            print(items.count(y))\n",
        "def f(ys, db):\n"
        "    xs = db.rows()\n"
        "    return [xs.count(y) for y in ys]\n",
        # The loop changes the list.
        "def f(xs, ys):\n"
        "    items = list(xs)\n"
        "    for y in ys:\n"
        "        if items.count(y) > 1:\n"
        "            items.remove(y)\n",
        "def f(xs, ys):\n"
        "    items = list(xs)\n"
        "    for y in ys:\n"
        "        print(items.count(y))\n"
        "        items[0] = y\n",
        # The loop rebinds it.
        "def f(xs, ys):\n"
        "    items = list(xs)\n"
        "    for y in ys:\n"
        "        print(items.count(y))\n"
        "        items = items[1:]\n",
        # The list escapes in the loop.
        "def f(xs, ys, sink):\n"
        "    items = list(xs)\n"
        "    for y in ys:\n"
        "        sink(items)\n"
        "        print(items.count(y))\n",
        # A small list display, never changed.
        "def f(ys):\n"
        "    items = ['a', 'b', 'a']\n"
        "    return [items.count(y) for y in ys]\n",
        # A lambda runs at unknown times.
        "def f(xs, ys):\n"
        "    items = list(xs)\n"
        "    return sorted(ys, key=lambda y: items.count(y))\n",
        # A module-level list that a function rebinds.
        "ITEMS = ['a']\n"
        "def reset():\n"
        "    global ITEMS\n"
        "    ITEMS = []\n"
        "for y in 'ab':\n"
        "    print(ITEMS.count(y))\n",
    )
    INVALID = (
        Invalid(
            "def duplicates(words: list[str]) -> list[str]:\n"
            "    return [w for w in words if words.count(w) > 1]\n",
            "import collections\n"
            "\n"
            "\n"
            "def duplicates(words: list[str]) -> list[str]:\n"
            "    words_counts = collections.Counter(words)\n"
            "    return [w for w in words if words_counts[w] > 1]\n",
            UNSAFE,
            message="`words.count()`",
        ),
        # `import collections` is used as it is; the count of a call is fine (evaluated once).
        Invalid(
            "import collections\n"
            "\n"
            "def f(text, rows):\n"
            "    words = text.split()\n"
            "    for row in rows:\n"
            "        print(words.count(row.strip()))\n",
            "import collections\n"
            "\n"
            "def f(text, rows):\n"
            "    words = text.split()\n"
            "    words_counts = collections.Counter(words)\n"
            "    for row in rows:\n"
            "        print(words_counts[row.strip()])\n",
            UNSAFE,
        ),
        # `Counter` already imported; a local named `collections` is left alone.
        Invalid(
            "from collections import Counter\n"
            "\n"
            "def f(xs: list[int], collections):\n"
            "    return {x: xs.count(x) for x in collections}\n",
            "from collections import Counter\n"
            "\n"
            "def f(xs: list[int], collections):\n"
            "    xs_counts = Counter(xs)\n"
            "    return {x: xs_counts[x] for x in collections}\n",
            UNSAFE,
        ),
        # `Counter` means something else here: `import collections` is added.
        Invalid(
            "from typing import Counter\n"
            "\n"
            "def f(xs: list[int]) -> Counter[int]:\n"
            "    return {x: xs.count(x) for x in range(3)}\n",
            "from typing import Counter\n"
            "import collections\n"
            "\n"
            "def f(xs: list[int]) -> Counter[int]:\n"
            "    xs_counts = collections.Counter(xs)\n"
            "    return {x: xs_counts[x] for x in range(3)}\n",
            UNSAFE,
        ),
        # A list attribute that only `__init__` builds.
        Invalid(
            "import collections\n"
            "\n"
            "class Ballot:\n"
            "    def __init__(self, votes):\n"
            "        self.votes = list(votes)\n"
            "\n"
            "    def tally(self, names):\n"
            "        return {n: self.votes.count(n) for n in names}\n",
            "import collections\n"
            "\n"
            "class Ballot:\n"
            "    def __init__(self, votes):\n"
            "        self.votes = list(votes)\n"
            "\n"
            "    def tally(self, names):\n"
            "        votes_counts = collections.Counter(self.votes)\n"
            "        return {n: votes_counts[n] for n in names}\n",
            UNSAFE,
        ),
        # Module level, in a `while` loop.
        Invalid(
            "VOTES = 'a b a c'.split()\n"
            "n = 0\n"
            "while VOTES.count(VOTES[n]) > 1:\n"
            "    n += 1\n",
            "import collections\n"
            "\n"
            "VOTES = 'a b a c'.split()\n"
            "n = 0\n"
            "VOTES_COUNTS = collections.Counter(VOTES)\n"
            "while VOTES_COUNTS[VOTES[n]] > 1:\n"
            "    n += 1\n",
            UNSAFE,
        ),
    )

    @classmethod
    def precheck(cls, facts: ModuleFacts) -> Iterable[Candidate]:
        return list_method_calls_ast(facts, "count")

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._fixes = HoistedFixes(self, REASON)

    def visit_Call(self, node: cst.Call) -> None:
        receiver = list_method_receiver(node, "count")
        if receiver is None:
            return
        found = indexable_list(self.context, node, receiver, SMALL_LIST)
        needle = node.args[0].value
        if found is None or repeats_same_lookup(self.context, node, needle, found.hoist):
            return  # (the same value on every iteration: one `.count()` before the loop)
        hoist, name = found.hoist, found.code
        message = (
            f"`{name}.count()` inside a loop scans the list on every iteration; build a "
            "`collections.Counter` once before the loop"
        )
        context = self.context
        counter = reference(context.facts, "collections", "Counter", context.toplevel_row)
        if counter is None:
            self.report(node, message)
            return
        imports: tuple[ImportRequest, ...] = counter.imports
        counts = self._fixes.define(
            hoist,
            name,
            index_name(found.base, "counts", hoist),
            lambda _: cst.parse_expression(f"{counter.expression}({name})"),
            imports,
            reusable=True,
        )
        self._fixes.replace(hoist.statement, node, lambda updated: _lookup(counts, updated))
        reason = index_unsafe_reason(self.context, receiver, node.args[0].value, "the Counter")
        self._fixes.report(hoist.statement, node, message, reason)

    def leave_Module(self, node: cst.Module) -> None:
        self._fixes.flush()


def _lookup(counts: str, call: cst.CSTNode) -> cst.BaseExpression:
    """``xs.count(v)`` -> ``counts[v]``, keeping the call's parentheses."""
    assert isinstance(call, cst.Call)
    return cst.Subscript(
        value=cst.Name(counts),
        slice=[cst.SubscriptElement(cst.Index(call.args[0].value))],
        lpar=call.lpar,
        rpar=call.rpar,
    )
