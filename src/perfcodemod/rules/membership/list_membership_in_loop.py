"""PCM204: a membership test in a loop against a list that the loop does not change."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable

from perfcodemod.analysis.expressions import walk
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.hashability import is_constant_display, is_hashable_constant
from perfcodemod.analysis.hoisting import HoistedFixes, hoist_point, repeats_same_lookup
from perfcodemod.analysis.lists import (
    ListVariable,
    function_list_names_ast,
    has_unhashable_elements,
    is_small_fixed_list,
    known_list,
    list_bound_names_ast,
    list_function_aliases,
    maybe_list_ast,
    module_list_has_unhashable_elements,
)
from perfcodemod.analysis.lookups import index_name, index_unsafe_reason, indexable_list
from perfcodemod.analysis.loops import enclosing_loops, enclosing_loops_ast, in_loop_ast
from perfcodemod.analysis.uses import (
    Use,
    builtin_visible_at,
    is_membership_container,
    membership_containers_ast,
    membership_needle,
    name_occurrences,
    uses_in,
)
from perfcodemod.context import RuleContext
from perfcodemod.diagnostic import Applicability
from perfcodemod.lazycst import cst
from perfcodemod.rule import Candidate, Invalid, Rule

UNSAFE = Applicability.UNSAFE

FIX_REASON = (
    "set() raises TypeError on unhashable elements or values looked up, and values whose "
    "__eq__ and __hash__ disagree may give other answers"
)
#: Lists of at most this many items, whose length is fixed, are not reported.
SMALL = 7


class ListMembershipInLoop(Rule):
    """Membership test in a loop against a list the loop does not change; build a set first.

    ## What it does
    Finds `x in NAME` and `x not in NAME` inside a loop or comprehension of a function,
    where `NAME` is a local variable of the function, or a module-level variable, that is
    known to be a list (bound to a list
    comprehension, `list()`, `sorted()`, `.split()`, a list display, or annotated
    `list[...]`/`List[...]`; every binding must agree) and that is computed before the loop
    and never rebound or changed in it. The fix builds a set from the list once, just before
    the outermost loop in which the list stays the same, and tests the set instead:
    O(n·m) becomes O(n + m).

    The list must not change while the loop runs, and nobody else may hold it: the rule stays
    silent when the loop rebinds the name, calls a method that changes it (`append`,
    `remove`, `sort`...), assigns or deletes an item or slice, or lets the list escape
    (assigns it to another name or attribute, puts it in a container, returns or yields it,
    passes it to any function other than a builtin that only reads it), and when the list
    escaped before the loop, or is used by a nested function or lambda in any way other
    than reading it. Tests in a lambda, or in a generator expression that is not consumed on
    the spot, run at unknown times and are not reported, nor are tests in an `except
    TypeError:` clause (the fallback for unhashable values), nor tests of a value that stays
    the same in every loop that repeats them (a constant, a name the loops do not rebind, a
    module or class attribute): one test before the loop answers them all. A module-level
    list read in a function's loop is reported when no function of the module changes,
    rebinds or passes it on (the set is then built in the function, before the loop); a loop
    at module level runs once, at import, and is not reported.
    The same holds for `self.NAME` in a method's loop when `self.NAME` is a list that only
    `__init__` builds: every assignment to an attribute of that name in the module is
    `self.NAME = <list>` in the class's `__init__`, and every other use of `.NAME` in the
    module only reads it (no `append`, no item assignment, no `sort`, never passed on,
    returned or aliased; see `analysis/attributes.py`). The set is built in the method,
    before its outermost loop.

    A list of constants whose every use is a membership test is PCM202's business, and a list
    that the code shows to stay small is not reported: bound to displays (or a string
    literal's `split()`) and grown only by calls that run at most once (`append` in an `if`,
    not in a loop), it never holds more than 7 items. With a small bounded m, O(n·m) is O(n),
    and a scan of so few items costs about what hashing the needle does.

    ## Why is this bad?
    Each test scans the list: a loop of n iterations over a list of m items costs O(n·m)
    comparisons. Measured on CPython 3.11 (`python benchmarks/rules/membership.py`, CPU
    time), n needles of which half are in a list of n items: for 10, 1.25 µs with the list vs
    0.74 µs building the set first; for 100, 76 µs vs 5 µs; for 100,000, about 79 s vs 9 ms
    (the list timed on 1,000 needles, times 100). The set costs memory: a peak of 6 MB for
    100,000 items, against 0.4 MB for the result list alone.

    When an outer loop changes the list, the set is built before the inner loop, once per
    outer iteration: that still pays when the inner loop tests more than once or twice, but
    keeping a set beside the list (adding to both) may be the better change.

    ## Example
    ```python
    def active_orders(orders, customers):
        active = [c.id for c in customers if c.active]
        return [o for o in orders if o.customer_id in active]
    ```

    ## Use instead
    ```python
    def active_orders(orders, customers):
        active = [c.id for c in customers if c.active]
        active_set = set(active)
        return [o for o in orders if o.customer_id in active_set]
    ```

    ## Fix safety
    The fix is always **unsafe**. It inserts `NAME_set = set(NAME)` (a name that nothing in
    the module uses) before the statement holding the outermost loop in which the list stays
    the same, and rewrites the membership tests against `NAME` in that statement. It changes
    behaviour when:

    - an element of the list is unhashable (`set()` raises `TypeError` where the list
      worked), or a value looked up is unhashable (the set raises where the list answered
      `False`);
    - elements or values looked up define `__eq__` without a matching `__hash__`: the set may
      miss what the list found;
    - something the analysis cannot see changes the list during the loop: another thread, a
      function that received the list before (for a parameter, the caller's own references;
      for a module-level list, another module that imported it; for a list attribute, code
      in another module that reaches the object), or an element's methods.

    The set is built even when the loop runs no test, which costs O(m) once.
    """

    code = "PCM204"
    name = "list-membership-in-loop"
    message = "Membership test against a list inside a loop; build a set once before the loop"
    fix_title = "Build a set once before the loop"
    function_local = True

    VALID = (
        # Not in a loop.
        "def f(xs, y):\n    names = [x.name for x in xs]\n    return y in names\n",
        # The loop changes the list.
        (
            "def f(xs, ys):\n"
            "    seen = list(xs)\n"
            "    for y in ys:\n"
            "        if y not in seen:\n"
            "            seen.append(y)\n"
            "    return seen\n"
        ),
        (
            "def f(xs, ys):\n"
            "    names = sorted(xs)\n"
            "    for y in ys:\n"
            "        if y in names:\n"
            "            names.remove(y)\n"
        ),
        (
            "def f(xs, ys):\n"
            "    names = sorted(xs)\n"
            "    for y in ys:\n"
            "        names[0] = y\n"
            "        print(y in names)\n"
        ),
        # The loop rebinds the name.
        (
            "def f(xs, ys):\n"
            "    names = sorted(xs)\n"
            "    for y in ys:\n"
            "        if y in names:\n"
            "            names = names[1:]\n"
        ),
        # The list escapes in the loop, or escaped before it.
        (
            "def f(xs, ys, log):\n"
            "    names = sorted(xs)\n"
            "    for y in ys:\n"
            "        log(names)\n"
            "        print(y in names)\n"
        ),
        (
            "def f(self, xs, ys):\n"
            "    names = sorted(xs)\n"
            "    self.names = names\n"
            "    return [y for y in ys if y in names and self.check(y)]\n"
        ),
        # A nested function that changes it.
        (
            "def f(xs, ys):\n"
            "    names = sorted(xs)\n"
            "    def add(v):\n"
            "        names.append(v)\n"
            "    return [add(y) for y in ys if y not in names]\n"
        ),
        # Not known to be a list: a parameter without annotation, a dict, a str, a call.
        "def f(names, ys):\n    return [y for y in ys if y in names]\n",
        "def f(xs, ys):\n    names = dict.fromkeys(xs)\n    return [y for y in ys if y in names]\n",
        (
            "def f(text: str, ys):\n"
            "    words = text.lower()\n"
            "    return [y for y in ys if y in words]\n"
        ),
        "def f(xs, ys):\n    names = load(xs)\n    return [y for y in ys if y in names]\n",
        # Bound to something else on one path.
        (
            "def f(xs, ys, c):\n"
            "    names = list(xs)\n"
            "    if c:\n"
            "        names = set(xs)\n"
            "    return [y for y in ys if y in names]\n"
        ),
        # Not bound before the loop on every path.
        (
            "def f(xs, ys, c):\n"
            "    if c:\n"
            "        names = list(xs)\n"
            "    return [y for y in ys if c and y in names]\n"
        ),
        # A lazy generator: its tests run whenever it is advanced.
        "def f(xs, ys):\n    names = list(xs)\n    return (y for y in ys if y in names)\n",
        # A lambda: runs whenever it is called.
        "def f(xs, ys):\n    names = list(xs)\n    return sorted(ys, key=lambda y: y in names)\n",
        # The same value on every iteration: one test before the loop answers it.
        (
            "STAR2 = 4\n"
            "def f(kinds, xs):\n"
            "    formal = list(xs)\n"
            "    out = []\n"
            "    for k in kinds:\n"
            "        if k == 3 and STAR2 in formal:\n"
            "            out.append(k)\n"
            "    return out\n"
        ),
        # The fallback for unhashable values.
        (
            "def f(xs, ys):\n    names = list(xs)\n    for y in ys:\n        try:\n"
            "            hash(y)\n        except TypeError:\n            print(y in names)\n"
        ),
        # Elements that are lists: `set()` would raise.
        (
            "def f(xs, ys):\n"
            "    pairs = [[x, x] for x in xs]\n"
            "    return [y for y in ys if y in pairs]\n"
        ),
        # ... or annotated as a list of lists.
        "def f(pairs: list[list[int]], ys):\n    return [y for y in ys if y in pairs]\n",
        # A list of constants only used for membership tests: PCM202 reports it.
        "def f(ys):\n    names = ['a', 'b']\n    return [y for y in ys if y in names]\n",
        # A short list of fixed length: the scan is short anyway.
        "def f(ys):\n    choices = '1 2 3 4'.split()\n    return [y for y in ys if y in choices]\n",
        "def f(a, b, ys):\n    pair = [a(), b()]\n    return [y for y in ys if y in pair]\n",
        # ... also when a branch appends to it: it never holds more than three items.
        (
            "def f(a, b, c, extra, ys):\n"
            "    pair = [a, b]\n"
            "    if extra:\n"
            "        pair.append(c)\n"
            "    return [y for y in ys if y in pair]\n"
        ),
        # A loop at module level runs once, at import.
        "NAMES = sorted(['b', 'a'])\nfor y in ['a', 'c']:\n    print(y in NAMES)\n",
        # A module-level list that a function changes, or a list of constants only tested for
        # membership (PCM202's business).
        (
            "WORDS = sorted(load())\n\ndef add(w):\n    WORDS.append(w)\n\n"
            "def f(ys):\n    return [y for y in ys if y in WORDS]\n"
        ),
        (
            "_WORDS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']\n\n"
            "def f(ys):\n    return [y for y in ys if y in _WORDS]\n"
        ),
        # A list attribute that another method changes, or that escapes (a caller may
        # change it), or that is not built in `__init__`.
        (
            "class Stops:\n"
            "    def __init__(self, text):\n"
            "        self.words = text.split()\n"
            "    def add(self, w):\n"
            "        self.words.append(w)\n"
            "    def keep(self, tokens):\n"
            "        return [t for t in tokens if t not in self.words]\n"
        ),
        (
            "class Stops:\n"
            "    def __init__(self, text):\n"
            "        self.words = text.split()\n"
            "    def all_words(self):\n"
            "        return self.words\n"
            "    def keep(self, tokens):\n"
            "        return [t for t in tokens if t not in self.words]\n"
        ),
        (
            "class Stops:\n"
            "    def load(self, text):\n"
            "        self.words = text.split()\n"
            "    def keep(self, tokens):\n"
            "        return [t for t in tokens if t not in self.words]\n"
        ),
        # `locals()` can reach the list.
        (
            "def f(xs, ys):\n"
            "    names = list(xs)\n"
            "    for y in ys:\n"
            "        locals()['names'].append(y)\n"
            "        print(y in names)\n"
        ),
    )
    INVALID = (
        Invalid(
            "def active_orders(orders, customers):\n"
            "    active = [c.id for c in customers if c.active]\n"
            "    return [o for o in orders if o.customer_id in active]\n",
            "def active_orders(orders, customers):\n"
            "    active = [c.id for c in customers if c.active]\n"
            "    active_set = set(active)\n"
            "    return [o for o in orders if o.customer_id in active_set]\n",
            UNSAFE,
            message="build a set once before the loop",
        ),
        # The outermost loop in which the list stays the same; every test is rewritten.
        Invalid(
            "def f(text, rows):\n"
            "    stop = text.split()\n"
            "    out = []\n"
            "    # scan every row\n"
            "    for row in rows:\n"
            "        for word in row:\n"
            "            if word not in stop and word.upper() not in stop:\n"
            "                out.append(word)\n"
            "    return out, len(stop)\n",
            "def f(text, rows):\n"
            "    stop = text.split()\n"
            "    out = []\n"
            "    # scan every row\n"
            "    stop_set = set(stop)\n"
            "    for row in rows:\n"
            "        for word in row:\n"
            "            if word not in stop_set and word.upper() not in stop_set:\n"
            "                out.append(word)\n"
            "    return out, len(stop)\n",
            UNSAFE,
            count=2,
        ),
        # Hoisted only out of the inner loop: the outer one changes the list.
        Invalid(
            "def f(groups: list[list[int]]) -> list[int]:\n"
            "    seen: list[int] = []\n"
            "    for group in groups:\n"
            "        fresh = [g for g in group if g not in seen]\n"
            "        seen.extend(fresh)\n"
            "    return seen\n",
            "def f(groups: list[list[int]]) -> list[int]:\n"
            "    seen: list[int] = []\n"
            "    for group in groups:\n"
            "        seen_set = set(seen)\n"
            "        fresh = [g for g in group if g not in seen_set]\n"
            "        seen.extend(fresh)\n"
            "    return seen\n",
            UNSAFE,
        ),
        # A `while` test, and a fresh name when `names_set` is taken.
        Invalid(
            "def f(xs, it):\n"
            "    names = sorted(xs)\n"
            "    names_set = None\n"
            "    y = next(it)\n"
            "    while y in names:\n"
            "        y = next(it)\n"
            "    return y, names_set\n",
            "def f(xs, it):\n"
            "    names = sorted(xs)\n"
            "    names_set = None\n"
            "    y = next(it)\n"
            "    names_set_1 = set(names)\n"
            "    while y in names_set_1:\n"
            "        y = next(it)\n"
            "    return y, names_set\n",
            UNSAFE,
        ),
        # Returned after the loop: fine, nothing else holds it during the loop.
        Invalid(
            "def f(words: list[str], ys: list[str]) -> list[str]:\n"
            "    for y in ys:\n"
            "        if y in words:\n"
            "            print(y)\n"
            "    return words\n",
            "def f(words: list[str], ys: list[str]) -> list[str]:\n"
            "    words_set = set(words)\n"
            "    for y in ys:\n"
            "        if y in words_set:\n"
            "            print(y)\n"
            "    return words\n",
            UNSAFE,
        ),
        # Consumed on the spot by `any`.
        Invalid(
            "def f(xs, ys):\n"
            "    names = list(xs)\n"
            "    return any(y in names for y in ys)\n",
            "def f(xs, ys):\n"
            "    names = list(xs)\n"
            "    names_set = set(names)\n"
            "    return any(y in names_set for y in ys)\n",
            UNSAFE,
        ),
        # A display that grows before the loop.
        Invalid(
            "def f(a, b, more, ys):\n"
            "    pair = [a, b]\n"
            "    pair.extend(more)\n"
            "    return [y for y in ys if y in pair]\n",
            "def f(a, b, more, ys):\n"
            "    pair = [a, b]\n"
            "    pair.extend(more)\n"
            "    pair_set = set(pair)\n"
            "    return [y for y in ys if y in pair_set]\n",
            UNSAFE,
        ),
        # Near miss of the small list: appended to in a loop, it can grow without bound.
        Invalid(
            "def f(a, b, more, ys):\n"
            "    pair = [a, b]\n"
            "    for m in more:\n"
            "        pair.append(m)\n"
            "    return [y for y in ys if y in pair]\n",
            "def f(a, b, more, ys):\n"
            "    pair = [a, b]\n"
            "    for m in more:\n"
            "        pair.append(m)\n"
            "    pair_set = set(pair)\n"
            "    return [y for y in ys if y in pair_set]\n",
            UNSAFE,
        ),
        # A module-level list read in a function's loop: no function of the module changes it.
        Invalid(
            "WORDS = sorted(load())\n\ndef f(ys):\n"
            "    return [y for y in ys if y in WORDS]\n",
            "WORDS = sorted(load())\n\ndef f(ys):\n"
            "    words_set = set(WORDS)\n"
            "    return [y for y in ys if y in words_set]\n",
            UNSAFE,
        ),
        # A list attribute that only `__init__` builds, searched in another method's loop.
        Invalid(
            "class Stops:\n"
            "    def __init__(self, text):\n"
            "        self.words = text.split()\n"
            "\n"
            "    def keep(self, tokens):\n"
            "        return [t for t in tokens if t not in self.words]\n",
            "class Stops:\n"
            "    def __init__(self, text):\n"
            "        self.words = text.split()\n"
            "\n"
            "    def keep(self, tokens):\n"
            "        words_set = set(self.words)\n"
            "        return [t for t in tokens if t not in words_set]\n",
            UNSAFE,
            reason="`self.words` is an attribute",
        ),
        # A list function imported under another name.
        Invalid(
            "from re import split as resplit\n\ndef f(text, ys):\n"
            "    parts = resplit(',', text)\n"
            "    return [y for y in ys if y in parts]\n",
            "from re import split as resplit\n\ndef f(text, ys):\n"
            "    parts = resplit(',', text)\n"
            "    parts_set = set(parts)\n"
            "    return [y for y in ys if y in parts_set]\n",
            UNSAFE,
        ),
        # `set` shadowed: reported without a fix.
        Invalid(
            "def f(xs, ys, set):\n"
            "    names = list(xs)\n"
            "    return [y for y in ys if y in names]\n",
            None,
        ),
    )

    # -- pre-check ------------------------------------------------------------------------

    @classmethod
    def precheck(cls, facts: ModuleFacts) -> Iterable[Candidate]:
        # `x in self.NAME` in a method's loop: a list attribute that only __init__ builds.
        for compare in facts.nodes(ast.Compare):
            last = compare.comparators[-1]
            if (
                isinstance(compare.ops[-1], (ast.In, ast.NotIn))
                and isinstance(last, ast.Attribute)
                and isinstance(last.value, ast.Name)
                and in_loop_ast(facts, compare)
            ):
                yield compare
        # Cheap filters first: a test against a name that something binds to a list.
        list_names = list_bound_names_ast(facts)
        if not list_names:
            return
        tests = [
            container
            for name, containers in membership_containers_ast(facts).items()
            if name in list_names
            for container in containers
        ]
        if not tests:
            return
        parents = facts.parents
        list_names_of: dict[ast.AST, dict[str, bool]] = {}
        for container in tests:
            loops, boundary = enclosing_loops_ast(facts, container)
            if not loops or not isinstance(boundary, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            known = list_names_of.get(boundary)
            if known is None:
                known = list_names_of[boundary] = function_list_names_ast(
                    boundary, parents, list_function_aliases(facts)
                )
            if known.get(container.id) or (
                container.id not in known and maybe_list_ast(facts, container.id, container)
            ):
                yield container  # a local list, or a module-level one the function reads

    # -- visitor --------------------------------------------------------------------------

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._fixes = HoistedFixes(self, FIX_REASON)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        container = node.comparisons[-1].comparator
        if isinstance(container, cst.Attribute):
            self._attribute_test(node, container)
            return
        if not isinstance(container, cst.Name) or not is_membership_container(
            self.context, container
        ):
            return
        loops = enclosing_loops(self.context, container)
        if not loops or not loops.in_function:
            return  # (`hoist_point` leaves out the `except TypeError:` fallback)
        function = loops.boundary
        assert isinstance(function, cst.FunctionDef)
        variable = known_list(self.context, container)
        if variable is None:
            return
        if variable.owner is self.context.module:
            # A module-level list read in the function: no function of the module may change
            # it (hoist_point checks), and a list of constants tested only for membership is
            # PCM202's business.
            if _module_constant_membership(self.context, variable.name) or (
                module_list_has_unhashable_elements(self.context.facts, variable.name)
            ):
                return
        elif variable.owner is not function:
            return  # a closure variable: the enclosing function may change it between calls
        elif self._constant_membership(variable, function) or has_unhashable_elements(variable):
            return
        if is_small_fixed_list(self.context, variable, SMALL):
            return  # O(n·m) with a small fixed m is O(n): a set gains little over so short a scan
        hoist = hoist_point(self.context, node, container)
        if hoist is None or hoist.frame is not function:
            return
        needle = membership_needle(self.context, container)
        if needle is None or repeats_same_lookup(self.context, node, needle, hoist):
            return  # (the same value on every iteration: one test before the loop answers it)
        statement = hoist.statement
        message = (
            f"Membership test against list `{variable.name}` inside a loop; build a set once "
            "before the loop"
        )
        if builtin_visible_at(self.context, "set", statement):
            name = variable.name
            fresh = self._fixes.define(
                hoist, ("set", name), index_name(name, "set", hoist), lambda _: _set_of(name),
                reusable=True,
            )
            for occurrence in name_occurrences(statement, name):
                if is_membership_container(self.context, occurrence):
                    self._fixes.replace(statement, occurrence, _renamer(fresh))
        extra = self.context.family_options(self).get("hashable-types", ())
        reason = index_unsafe_reason(self.context, container, needle, "the set", extra)
        self._fixes.report(statement, container, message, reason)

    def _attribute_test(self, node: cst.Comparison, container: cst.Attribute) -> None:
        """``x in self.NAME`` in a loop of a method, ``self.NAME`` a list that only
        ``__init__`` builds: the set goes before the method's outermost loop."""
        context = self.context
        if not isinstance(node.comparisons[-1].operator, (cst.In, cst.NotIn)):
            return
        found = indexable_list(context, node, container, SMALL)
        needle = node.left if len(node.comparisons) == 1 else None
        if found is None or needle is None or repeats_same_lookup(
            context, node, needle, found.hoist
        ):
            return
        statement, code = found.hoist.statement, found.code
        message = (
            f"Membership test against list `{code}` inside a loop; build a set once before "
            "the loop"
        )
        if builtin_visible_at(context, "set", statement):
            fresh = self._fixes.define(
                found.hoist,
                ("set", code),
                index_name(found.base, "set", found.hoist),
                lambda _: cst.parse_expression(f"set({code})"),
                reusable=True,
            )
            for comparison in _membership_tests_of(statement, container):
                self._fixes.replace(statement, comparison, _renamer(fresh))
        extra = context.family_options(self).get("hashable-types", ())
        reason = index_unsafe_reason(context, container, needle, "the set", extra)
        self._fixes.report(statement, container, message, reason)

    def leave_Module(self, node: cst.Module) -> None:
        self._fixes.flush()

    def _constant_membership(self, variable: ListVariable, function: cst.FunctionDef) -> bool:
        """PCM202's case: one binding to a display of constants, only membership tests."""
        if len(variable.bindings) != 1:
            return False
        (binding,) = variable.bindings
        value = getattr(binding, "value", None)
        if not isinstance(value, (cst.List, cst.Tuple)) or not all(
            isinstance(e, cst.Element) and is_hashable_constant(e.value) for e in value.elements
        ):
            return False
        return all(
            is_membership_container(self.context, occurrence) or use is Use.REBIND
            for occurrence, use in uses_in(self.context, function, variable.name)
        )


def _module_constant_membership(context: RuleContext, name: str) -> bool:
    """PCM202's case at module level: one binding to a display of constants, and every read
    in the module a membership test."""
    facts = context.facts
    bindings = facts.bindings.get(name, ())
    if len(bindings) != 1:
        return False
    statement = facts.parents.get(bindings[0])
    value = getattr(statement, "value", None)
    if value is None or not is_constant_display(value, minimum=1):
        return False
    tests = {id(n) for n in membership_containers_ast(facts).get(name, ())}
    return all(id(load) in tests for load in facts.loads.get(name, ()))


def _renamer(new: str) -> Callable[[cst.CSTNode], cst.BaseExpression]:
    def rename(node: cst.CSTNode) -> cst.BaseExpression:
        if isinstance(node, cst.Attribute):  # `self.names` -> `names_set`
            return cst.Name(new, lpar=node.lpar, rpar=node.rpar)
        assert isinstance(node, cst.Name)
        return node.with_changes(value=new)

    return rename


def _membership_tests_of(
    statement: cst.CSTNode, container: cst.Attribute
) -> list[cst.Attribute]:
    """The places in ``statement`` where ``container`` (``self.names``) is the right side of
    the last ``in``/``not in`` of a comparison."""
    found = []
    for node in walk(statement):
        if isinstance(node, cst.Comparison):
            last = node.comparisons[-1]
            if isinstance(last.operator, (cst.In, cst.NotIn)) and last.comparator.deep_equals(
                container
            ):
                assert isinstance(last.comparator, cst.Attribute)
                found.append(last.comparator)
    return found


def _set_of(name: str) -> cst.Call:
    return cst.Call(cst.Name("set"), args=[cst.Arg(cst.Name(name))])
