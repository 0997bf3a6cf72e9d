"""PCM302: ``xs.index(v)`` inside a loop, on a list the loop does not change."""

from __future__ import annotations

from collections.abc import Iterable

from perfcodemod.analysis.expressions import is_repeatable, needs_parentheses
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.flow import miss_is_caught
from perfcodemod.analysis.hoisting import HoistedFixes, repeats_same_lookup
from perfcodemod.analysis.lookups import (
    SMALL_LIST,
    index_name,
    index_unsafe_reason,
    indexable_list,
    is_fallback,
    list_method_calls_ast,
    list_method_receiver,
    lookup_or_fallback,
)
from perfcodemod.analysis.uses import builtin_visible_at
from perfcodemod.context import RuleContext
from perfcodemod.diagnostic import Applicability
from perfcodemod.lazycst import cst
from perfcodemod.rule import Candidate, Invalid, Rule

UNSAFE = Applicability.UNSAFE
REASON = (
    "building the dict raises TypeError on unhashable elements, values whose __eq__ and "
    "__hash__ disagree may be found at other positions, and the dict is built even when no "
    "lookup runs"
)


class ListIndexInLoop(Rule):
    """`list.index()` in a loop, on a list the loop does not change; build a position dict first.

    ## What it does
    Finds `xs.index(v)` inside a loop or comprehension, where `xs` is known to be a list
    (bound to a list display, a list comprehension, `list()`, `sorted()`, `str.split()`...,
    or annotated `list[...]`/`List[...]`; every binding must agree) that the loop does not
    change, or `self.xs.index(v)` in a method, where `self.xs` is a list that only
    `__init__` builds and nothing in the module changes, reorders or passes on
    (`analysis/attributes.py`), and builds a dict from each value to its first position
    once, before the outermost loop in which the list stays the same.

    The list stays the same when nothing in the loop, its header and nested loops included,
    rebinds the name, calls a method that changes the list (`append`, `remove`, `sort`...),
    assigns, deletes or augments an item, or lets the list escape (passes it to a function
    other than a builtin that only reads it, stores it elsewhere); when it did not escape
    before the loop either; and, for a module-level list, when no function of the module
    changes or rebinds it.

    Not reported: one `.index()` outside a loop, or one that the loop always leaves right
    after (a `return`, or a `break` that follows it): a single search costs what building
    the dict would; `str.index` (a substring search) and any receiver not known to be a
    list; a list that never holds more than 8 items (displays grown at most once per call,
    not in a loop: scanning it costs about a dict lookup); `.index(v, start)`; lookups in a
    lambda or in a generator expression that is not consumed on the spot (they run at
    unknown times); class attributes used in a class
    body; a lookup in an `except TypeError:` clause (the fallback for unhashable values,
    which a dict cannot hold either); a lookup of a value that stays the same in every loop
    that repeats it (a constant, a name the loops do not rebind, a module or class
    attribute): one `.index()` before the loop answers every iteration, and a dict of every
    position is the wrong advice. When the loop catches the `ValueError` of a miss
    (misses are then expected), the lookup is reported without a fix: the rewrite is
    `xs_index.get(v)` and a test for `None`.

    ## Why is this bad?
    `.index()` compares the value with each element in turn: n lookups in a list of n items
    cost O(n²) comparisons, where a dict answers each in constant time after one O(n) pass.
    Measured on CPython 3.11 (`python benchmarks/rules/lookups.py --rule PCM302`; n lookups
    of values spread over a list of n distinct strings, before and after the fix, building the
    dict included; best of two runs on a busy two-core machine):

    | items | before | after | after / before |
    | --- | --- | --- | --- |
    | 10 | 1.4 µs | 5.5 µs | 3.9 (slower: the dict does not pay off on tiny lists) |
    | 1,000 | 8.2 ms | 0.19 ms | 0.023 (43x faster) |
    | 100,000 | about 108 s | 97 ms | 0.0009 (1,100x faster) |

    The dict costs memory: at 100,000 items, 14 MB at the peak of building it (the reversed
    list of pairs) and about 5 MB kept, next to the list's 0.8 MB.

    ## Example
    ```python
    def ranks(names: list[str], wanted: list[str]) -> list[int]:
        order = sorted(names)
        return [order.index(n) for n in wanted]
    ```

    ## Use instead
    ```python
    def ranks(names: list[str], wanted: list[str]) -> list[int]:
        order = sorted(names)
        order_index = {v: i for i, v in reversed(list(enumerate(order)))}
        return [order_index[n] if n in order_index else order.index(n) for n in wanted]
    ```

    ## Fix safety
    The fix is always **unsafe**. It inserts `xs_index = {v: i for i, v in
    reversed(list(enumerate(xs)))}` (a name nothing in the module uses) before the statement
    holding the outermost loop in which the list stays the same, and rewrites each
    `xs.index(v)` of that statement as `xs_index[v] if v in xs_index else xs.index(v)`.
    Enumerating in reverse makes the first position of a repeated value win, as `.index()`
    answers. A value that is not in the list still runs `.index()`, which raises the same
    `ValueError` with the same message; the exception type never changes, but such misses
    still cost a scan (where misses are common, `xs_index.get(v, -1)` is the faster rewrite).
    The value looked up is evaluated twice, so the fix is offered only when it is a name, a
    literal, or attributes and constant subscripts of a name; otherwise the lookup is
    reported without a fix.

    Behaviour changes when:

    - an element is unhashable: building the dict raises `TypeError`, even if the loop runs
      no lookup; an unhashable value looked up raises `TypeError` where `.index()` compared;
    - elements or values looked up define `__eq__` without a matching `__hash__`: the dict
      may find another position, or none (then the fallback still finds the right one);
    - something the analysis cannot see changes the list while the loop runs: a function that
      received the list before the loop (for a parameter, whoever called the function), a
      called function that changes a module-level list through another name, another thread;
    - the loop runs no lookup at all: the dict is built anyway (O(n) time and memory once).
    """

    code = "PCM302"
    name = "list-index-in-loop"
    message = (
        "`list.index()` inside a loop scans the list on every iteration; build a position dict "
        "once before the loop"
    )
    fix_title = "Build a position dict once before the loop"
    function_local = True

    VALID = (
        # One lookup, not in a loop.
        "def f(xs, y):\n"
        "    ordered = sorted(xs)\n"
        "    return ordered.index(y)\n",
        # A `str`: `.index` is a substring search.
        "def f(text: str, words):\n"
        "    return [text.index(w) for w in words]\n",
        "def f(line, words):\n"
        "    text = line.strip()\n"
        "    return [text.index(w) for w in words]\n",
        # Unknown type: a parameter without annotation, a call of anything.
        "def f(xs, ys):\n"
        "    return [xs.index(y) for y in ys]\n",
        "def f(ys):\n"
        "    xs = load()\n"
        "    return [xs.index(y) for y in ys]\n",
        # The loop changes the list (a method call, an item assignment, `del`, `+=`).
        "def f(xs, ys):\n"
        "    order = list(xs)\n"
        "    for y in ys:\n"
        "        i = order.index(y)\n"
        "        order.pop(i)\n",
        "def f(xs, ys):\n"
        "    order = list(xs)\n"
        "    for y in ys:\n"
        "        order[order.index(y)] = None\n",
        "def f(xs, ys):\n"
        "    order = list(xs)\n"
        "    for y in ys:\n"
        "        del order[order.index(y)]\n",
        "def f(xs, ys):\n"
        "    order = list(xs)\n"
        "    for y in ys:\n"
        "        print(order.index(y))\n"
        "        order += [y]\n",
        # ... in the loop's own header, or in a nested loop.
        "def f(xs, ys):\n"
        "    order = list(xs)\n"
        "    while order.pop():\n"
        "        print(order.index(ys[0]))\n",
        "def f(xs, ys):\n"
        "    order = list(xs)\n"
        "    for y in ys:\n"
        "        print(order.index(y))\n"
        "        for z in y:\n"
        "            order.append(z)\n",
        # The loop rebinds the name.
        "def f(xs, ys):\n"
        "    order = list(xs)\n"
        "    for y in ys:\n"
        "        print(order.index(y))\n"
        "        order = sorted(order + [y])\n",
        # The list escapes in the loop, or before it.
        "def f(xs, ys, log):\n"
        "    order = list(xs)\n"
        "    for y in ys:\n"
        "        log(order)\n"
        "        print(order.index(y))\n",
        "def f(self, xs, ys):\n"
        "    order = list(xs)\n"
        "    self.order = order\n"
        "    for y in ys:\n"
        "        self.step()\n"
        "        print(order.index(y))\n",
        # A start position: not a plain lookup.
        "def f(xs, ys):\n"
        "    order = list(xs)\n"
        "    return [order.index(y, 1) for y in ys]\n",
        # A lazy generator or a lambda: runs at unknown times.
        "def f(xs, ys):\n"
        "    order = list(xs)\n"
        "    return (order.index(y) for y in ys)\n",
        "def f(xs, ys):\n"
        "    order = list(xs)\n"
        "    return sorted(ys, key=lambda y: order.index(y))\n",
        # A module-level list that a function changes.
        "ORDER = ['a', 'b']\n"
        "def add(x):\n"
        "    ORDER.append(x)\n"
        "def f(ys):\n"
        "    return [ORDER.index(y) for y in ys]\n",
        # A small list display, never changed: scanning it costs about a dict lookup.
        "def f(ys):\n"
        "    order = ['a', 'b', 'c']\n"
        "    return [order.index(y) for y in ys]\n",
        "ORDER = ('a', 'b', 'c')\n"
        "LEVELS = ['a', 'b', 'c']\n"
        "def f(ys):\n"
        "    return [LEVELS.index(y) for y in ys]\n",
        # Run once per loop: followed by `break`, or in a `return`.
        "def f(parts: list[str]):\n"
        "    for p in parts:\n"
        "        if p.startswith('m'):\n"
        "            i = parts.index(p)\n"
        "            break\n"
        "    return i\n",
        "def f(parts: list[str], ys):\n"
        "    for y in ys:\n"
        "        if y:\n"
        "            return parts.index(y)\n",
        # Elements that are lists: a dict cannot hold them as keys.
        "def f(xs, ys):\n"
        "    pairs = [[x, x] for x in xs]\n"
        "    return [pairs.index(y) for y in ys]\n",
        # The same value on every iteration (a module attribute, a name the loop does not
        # rebind), in a rare branch: one `.index()` before the loop is the advice, if any.
        "import nodes\n"
        "def f(kinds: list[int], formal: list[int], out):\n"
        "    for k in kinds:\n"
        "        if k == 3 and nodes.STAR2 in formal:\n"
        "            out.append(formal.index(nodes.STAR2))\n",
        "def f(kinds: list[int], formal: list[int], star, out):\n"
        "    for k in kinds:\n"
        "        if k == 3:\n"
        "            out.append(formal.index(star))\n",
        # ... also through a name set to such a value just before, in the branch that looks
        # it up.
        "def f(node_map: list[str], source, pick, n):\n"
        "    for k in range(n):\n"
        "        if source is None:\n"
        "            node = pick()\n"
        "        else:\n"
        "            node = source\n"
        "            print(node_map.index(node))\n",
        # The fallback for unhashable values, which a position dict cannot hold either.
        "def f(xs, ys, positions):\n"
        "    order = list(xs)\n"
        "    for y in ys:\n"
        "        try:\n"
        "            print(positions[y])\n"
        "        except TypeError:\n"
        "            print(order.index(y))\n",
        # A list attribute that another method reorders.
        "class Header:\n"
        "    def __init__(self, names):\n"
        "        self.names = sorted(names)\n"
        "    def flip(self):\n"
        "        self.names.reverse()\n"
        "    def positions(self, wanted):\n"
        "        return [self.names.index(w) for w in wanted]\n",
        # ... or annotated as a list of dicts.
        "def f(rows: list[dict[str, int]], ys):\n"
        "    return [rows.index(y) for y in ys]\n",
        # A closure variable: the enclosing function might change it between calls.
        "def f(xs):\n"
        "    order = list(xs)\n"
        "    def g(ys):\n"
        "        return [order.index(y) for y in ys]\n"
        "    order.append(1)\n"
        "    return g\n",
    )
    INVALID = (
        Invalid(
            "def ranks(names: list[str], wanted: list[str]) -> list[int]:\n"
            "    ordered = sorted(names)\n"
            "    return [ordered.index(name) for name in wanted]\n",
            "def ranks(names: list[str], wanted: list[str]) -> list[int]:\n"
            "    ordered = sorted(names)\n"
            "    ordered_index = {v: i for i, v in reversed(list(enumerate(ordered)))}\n"
            "    return [ordered_index[name] if name in ordered_index else ordered.index(name) "
            "for name in wanted]\n",
            UNSAFE,
            message="`ordered.index()`",
        ),
        # Before the outermost loop in which the list stays the same; both lookups share it.
        Invalid(
            "def f(text, edges):\n"
            "    words = text.split()\n"
            "    out = []\n"
            "    for group in edges:\n"
            "        for edge in group:\n"
            "            out.append(words.index(edge.end) - words.index(edge.start))\n"
            "    return out\n",
            "def f(text, edges):\n"
            "    words = text.split()\n"
            "    out = []\n"
            "    words_index = {v: i for i, v in reversed(list(enumerate(words)))}\n"
            "    for group in edges:\n"
            "        for edge in group:\n"
            "            out.append((words_index[edge.end] if edge.end in words_index else "
            "words.index(edge.end)) - (words_index[edge.start] if edge.start in words_index else "
            "words.index(edge.start)))\n"
            "    return out\n",
            UNSAFE,
            count=2,
        ),
        # Only out of the inner loop: the outer one changes the list.
        Invalid(
            "def f(groups: list[list[str]]) -> list[int]:\n"
            "    seen: list[str] = []\n"
            "    out = []\n"
            "    for group in groups:\n"
            "        seen.extend(group)\n"
            "        for g in group:\n"
            "            out.append(seen.index(g))\n"
            "    return out\n",
            "def f(groups: list[list[str]]) -> list[int]:\n"
            "    seen: list[str] = []\n"
            "    out = []\n"
            "    for group in groups:\n"
            "        seen.extend(group)\n"
            "        seen_index = {v: i for i, v in reversed(list(enumerate(seen)))}\n"
            "        for g in group:\n"
            "            out.append(seen_index[g] if g in seen_index else seen.index(g))\n"
            "    return out\n",
            UNSAFE,
        ),
        # A fresh name when `order_index` is taken; a miss still raises ValueError.
        Invalid(
            "def f(xs, ys):\n"
            "    order = list(xs)\n"
            "    order_index = 0\n"
            "    for y in ys:\n"
            "        print(order.index(y), order_index)\n",
            "def f(xs, ys):\n"
            "    order = list(xs)\n"
            "    order_index = 0\n"
            "    order_index_1 = {v: i for i, v in reversed(list(enumerate(order)))}\n"
            "    for y in ys:\n"
            "        print(order_index_1[y] if y in order_index_1 else order.index(y), "
            "order_index)\n",
            UNSAFE,
        ),
        # Misses are caught in the loop: they are expected, and the fallback would scan for
        # each; reported without a fix.
        Invalid(
            "def f(xs, ys):\n"
            "    order = list(xs)\n"
            "    for y in ys:\n"
            "        try:\n"
            "            print(order.index(y))\n"
            "        except (KeyError, ValueError):\n"
            "            pass\n",
            None,
            message="instead of catching ValueError",
        ),
        # A module-level comprehension over a module-level list.
        Invalid(
            "LEVELS = 'debug info warning error'.split()\n"
            "RANKS = {name: LEVELS.index(name) for name in ('info', 'error')}\n",
            "LEVELS = 'debug info warning error'.split()\n"
            "LEVELS_INDEX = {v: i for i, v in reversed(list(enumerate(LEVELS)))}\n"
            "RANKS = {name: LEVELS_INDEX[name] if name in LEVELS_INDEX else LEVELS.index(name) "
            "for name in ('info', 'error')}\n",
            UNSAFE,
        ),
        # A comprehension in a class body cannot see class-level names: the dict goes
        # before the class.
        Invalid(
            "LEVELS = 'debug info warning error'.split()\n"
            "\n"
            "\n"
            "class Config:\n"
            "    ranks = [LEVELS.index(n) for n in ('info',)]\n",
            "LEVELS = 'debug info warning error'.split()\n"
            "\n"
            "\n"
            "LEVELS_INDEX = {v: i for i, v in reversed(list(enumerate(LEVELS)))}\n"
            "\n"
            "\n"
            "class Config:\n"
            "    ranks = [LEVELS_INDEX[n] if n in LEVELS_INDEX else LEVELS.index(n) for n in "
            "('info',)]\n",
            UNSAFE,
        ),
        # A hit leaves the loop, a miss goes on: the search repeats for every miss.
        Invalid(
            "ORDER = 'a b c d e f g h i j'.split()\n"
            "def rank(cls):\n"
            "    for base in cls.__mro__:\n"
            "        try:\n"
            "            return ORDER.index(base.__name__)\n"
            "        except ValueError:\n"
            "            pass\n",
            None,
        ),
        # Near miss: the name set just before holds the loop's own item.
        Invalid(
            "def f(order: list[str], ys):\n"
            "    for y in ys:\n"
            "        z = y\n"
            "        print(order.index(z))\n",
            "def f(order: list[str], ys):\n"
            "    order_index = {v: i for i, v in reversed(list(enumerate(order)))}\n"
            "    for y in ys:\n"
            "        z = y\n"
            "        print(order_index[z] if z in order_index else order.index(z))\n",
            UNSAFE,
        ),
        # Near miss: the value changes in the inner loop (not in the outer one).
        Invalid(
            "def f(rows, order: list[str]):\n"
            "    for row in rows:\n"
            "        for cell in row:\n"
            "            print(order.index(cell), order.index(row.key))\n",
            "def f(rows, order: list[str]):\n"
            "    order_index = {v: i for i, v in reversed(list(enumerate(order)))}\n"
            "    for row in rows:\n"
            "        for cell in row:\n"
            "            print(order_index[cell] if cell in order_index else order.index(cell), "
            "order_index[row.key] if row.key in order_index else order.index(row.key))\n",
            UNSAFE,
            count=2,
        ),
        # A list attribute that only `__init__` builds, searched in another method's loop.
        Invalid(
            "class Header:\n"
            "    def __init__(self, names):\n"
            "        self.names = sorted(names)\n"
            "\n"
            "    def positions(self, wanted):\n"
            "        return [self.names.index(w) for w in wanted]\n",
            "class Header:\n"
            "    def __init__(self, names):\n"
            "        self.names = sorted(names)\n"
            "\n"
            "    def positions(self, wanted):\n"
            "        names_index = {v: i for i, v in reversed(list(enumerate(self.names)))}\n"
            "        return [names_index[w] if w in names_index else self.names.index(w) "
            "for w in wanted]\n",
            UNSAFE,
            reason="`self.names` is an attribute",
        ),
        # The value looked up is a call: it would be evaluated twice; reported without a fix.
        Invalid(
            "def f(names: list[str], ys):\n"
            "    return [names.index(y.strip()) for y in ys]\n",
            None,
        ),
    )

    @classmethod
    def precheck(cls, facts: ModuleFacts) -> Iterable[Candidate]:
        return list_method_calls_ast(facts, "index")

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._fixes = HoistedFixes(self, REASON)

    def visit_Call(self, node: cst.Call) -> None:
        receiver = list_method_receiver(node, "index")
        if receiver is None or is_fallback(self.context, node):
            return
        found = indexable_list(self.context, node, receiver, SMALL_LIST)
        needle = node.args[0].value
        if found is None or repeats_same_lookup(self.context, node, needle, found.hoist):
            return  # (the same value on every iteration: one `.index()` before the loop)
        hoist, name = found.hoist, found.code
        message = (
            f"`{name}.index()` inside a loop scans the list on every iteration; build a "
            "position dict once before the loop"
        )
        if miss_is_caught(self.context, node, hoist.statement, ("ValueError",)):
            # Misses are expected here: the fallback would scan for each of them.
            self.report(node, message + " and look values up with `.get()` instead of "
                        "catching ValueError")
            return
        if not is_repeatable(needle) or not all(
            builtin_visible_at(self.context, builtin, hoist.statement)
            for builtin in ("reversed", "list", "enumerate")
        ):
            self.report(node, message)
            return
        position, value = ("j", "w") if found.base in {"i", "v"} else ("i", "v")
        index = self._fixes.define(
            hoist,
            name,
            index_name(found.base, "index", hoist),
            lambda _: cst.parse_expression(
                f"{{{value}: {position} for {position}, {value} in "
                f"reversed(list(enumerate({name})))}}"
            ),
            reusable=True,
        )
        parentheses = needs_parentheses(self.context, node)
        self._fixes.replace(
            hoist.statement,
            node,
            lambda updated: lookup_or_fallback(
                index, _argument(updated), _expression(updated), parentheses
            ),
        )
        reason = index_unsafe_reason(self.context, receiver, needle, "the position dict")
        self._fixes.report(hoist.statement, node, message, reason)

    def leave_Module(self, node: cst.Module) -> None:
        self._fixes.flush()


def _argument(call: cst.CSTNode) -> cst.BaseExpression:
    assert isinstance(call, cst.Call)
    return call.args[0].value


def _expression(node: cst.CSTNode) -> cst.BaseExpression:
    assert isinstance(node, cst.BaseExpression)
    return node
