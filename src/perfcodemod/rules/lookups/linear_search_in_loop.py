"""PCM301: ``next(x for x in xs if x.key == k)`` (or ``[...][0]``) inside a loop."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Union

from perfcodemod.analysis import names
from perfcodemod.analysis.attributes import stable_attribute_list
from perfcodemod.analysis.bindings import bound_to_shared_object
from perfcodemod.analysis.expressions import (
    constant_subscript,
    contains_name,
    has_await_yield_or_walrus,
    is_repeatable,
    needs_parentheses,
    walk,
)
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.flow import miss_is_caught
from perfcodemod.analysis.hoisting import (
    HoistedFixes,
    hoist_point,
    hoist_point_in_method,
    repeats_same_lookup,
)
from perfcodemod.analysis.lists import has_unhashable_elements, known_list
from perfcodemod.analysis.lookups import (
    index_name,
    is_fallback,
    key_suffix,
    lookup_or_fallback,
)
from perfcodemod.analysis.loops import in_loop_ast
from perfcodemod.analysis.uses import builtin_visible_at, in_target_position
from perfcodemod.context import RuleContext
from perfcodemod.diagnostic import Applicability
from perfcodemod.lazycst import cst
from perfcodemod.rule import Candidate, Invalid, Rule

UNSAFE = Applicability.UNSAFE
REASON = (
    "the index is built eagerly (every element's key is computed, and must be hashable), "
    "and keys whose __eq__ and __hash__ disagree may match differently"
)

Search = Union["cst.GeneratorExp", "cst.ListComp"]
#: What ``[...][0]`` raises on a miss, and its base class.
INDEX_ERRORS = ("IndexError", "LookupError")
#: An accessor of the key path: ("attr", name) or ("item", constant value).
Accessor = tuple[str, object]


@dataclass(frozen=True)
class _Match:
    """``next((x for x in xs if KEY(x) == value), ...)``, taken apart."""

    comprehension: Search
    variable: str
    collection: cst.Name | cst.Attribute
    key: cst.BaseExpression
    accessors: tuple[Accessor, ...]
    value: cst.BaseExpression
    #: Whether ``value`` is the left operand of ``==``.
    value_on_left: bool


class LinearSearchInLoop(Rule):
    """Search for the item with a given key inside a loop; build a dict index once before the loop.

    ## What it does
    Finds `next((x for x in xs if KEY(x) == k), default)`, `next(x for x in xs if KEY(x) ==
    k)` and `[x for x in xs if KEY(x) == k][0]` inside a loop or comprehension, where `KEY(x)`
    is `x` itself or a chain of attributes and constant subscripts of `x` (`x.name`,
    `x.meta.id`, `x["path"]`), `k` does not depend on `x`, and the loop does not change
    `xs`; and builds a dict from each key to the first item with that key once, before the
    outermost loop in which `xs` stays the same (the plan's `files_by_path`).

    `xs` must be a variable (a parameter, a local, or a module-level one that no function of
    the module changes) that holds its own object: not an alias of another name, an
    attribute or an item (`files = self.files`), nor a `for` target, since changes made
    through those are invisible. It stays the same when nothing in the loop, its header and
    nested loops included, rebinds it, calls a method on it other than one that only reads a
    list, assigns, deletes or augments an item of it, or lets it escape; when it did not
    escape before the loop either; and when the loop assigns no attribute or constant
    subscript that the key reads (`x.name = ...` in the loop could change an item's key).

    `xs` may also be `self.NAME` in a method, where `self.NAME` is a list that only
    `__init__` builds and that nothing in the module changes, reorders or passes on
    (`analysis/attributes.py`); the index is then built in the method, before its outermost
    loop.

    Not reported: one search outside a loop, or one that the loop always leaves right after
    (a `return`, or a `break` that follows it); keys that are calls (`x.key()`), comparisons
    other than `==`, a `k` that reads `x`, several conditions or `for` clauses, generators
    that yield something other than the item; searches in a lambda or in a generator
    expression that is not consumed on the spot; class attributes used in a class body;
    searches in an `except TypeError:` clause (the fallback for unhashable keys); a search
    for a key that stays the same in every loop that repeats it (one search before the loop
    answers them all). When
    the loop catches the `StopIteration` (or `IndexError`) of a miss, misses are expected and
    the search is reported without a fix: the rewrite is `.get(k)` and a test for `None`.

    ## Why is this bad?
    Each search walks `xs` from the start, evaluating the key and comparing it for every item
    it passes, through a generator expression that is slow to start and to advance: n
    searches over n items cost O(n²), where a dict answers each in constant time after one
    O(n) pass. Measured on CPython 3.11 (`python benchmarks/rules/lookups.py --rule PCM301`;
    n searches with `next(..., None)` for keys spread over n dicts, before and after the fix,
    building the index included; best of two runs on a busy two-core machine):

    | items | before | after | after / before |
    | --- | --- | --- | --- |
    | 10 | 9.7 µs | 1.8 µs | 0.18 (5x faster) |
    | 1,000 | 16 ms | 0.16 ms | 0.010 (100x faster) |
    | 100,000 | about 210 s | 39 ms | 0.0002 (5,400x faster) |

    Even on tiny collections the index wins: the generator costs more than the dict. The index
    costs memory: about 5.5 MB for 100,000 items.

    ## Example
    ```python
    def sizes(files, paths_to_check):
        found = []
        for path in paths_to_check:
            file = next((f for f in files if f["path"] == path), None)
            found.append(file["size"] if file else None)
        return found
    ```

    ## Use instead
    ```python
    def sizes(files, paths_to_check):
        found = []
        files_by_path = {f["path"]: f for f in reversed(list(files))}
        for path in paths_to_check:
            file = files_by_path.get(path)
            found.append(file["size"] if file else None)
        return found
    ```

    ## Fix safety
    The fix is always **unsafe**. It inserts `xs_by_key = {KEY(x): x for x in reversed(xs)}`
    (`reversed(list(xs))` when `xs` is not known to be a list; a name nothing in the module
    uses) before the statement holding the outermost loop in which `xs` stays the same.
    Iterating in reverse makes the first item with a key win, as the search finds it (a plain
    dict comprehension would keep the last). Each search of that statement becomes:

    - `next(..., default)`: `xs_by_key.get(k, default)` (`.get(k)` for a `None` default);
    - `next(...)` and `[...][0]`: `xs_by_key[k] if k in xs_by_key else <the original
      search>`: a missing key still runs the search, which raises what it raised
      (`StopIteration`, or `IndexError`) with the same message. As `k` is evaluated twice,
      this fix is offered only when `k` is a name, a literal, or attributes and constant
      subscripts of a name; otherwise the search is reported without a fix.

    Behaviour changes when:

    - some item's key is unhashable (building the index raises `TypeError`), an item's key
      cannot be computed (`AttributeError`, `KeyError`: the search stopped at the first match
      and never looked at later items; the index looks at all of them), or computing it has
      side effects; `k` is unhashable (`.get` raises `TypeError` where `==` compared);
    - keys define `__eq__` without a matching `__hash__`, or equal keys hash differently: the
      index may miss an item the search found (with a default, the default is returned);
    - `xs` can be iterated only once (an iterator or generator passed in as a parameter): the
      original searched what was left of it each time, the index holds every item;
    - something the analysis cannot see changes `xs` or an item's key while the loop runs: a
      function called in the loop (`rename(file)`), a function that received `xs` before the
      loop (for a parameter, whoever called the function), another thread;
    - `k` has side effects: the search evaluated it once per item it compared, the fix once
      (or twice);
    - the loop runs no search at all: the index is built anyway (O(n) time and memory once).
    """

    code = "PCM301"
    name = "linear-search-in-loop"
    message = "Linear search by key inside a loop; build a dict index once before the loop"
    fix_title = "Build a dict index once before the loop"
    function_local = True

    VALID = (
        # One search, not in a loop.
        "def f(files, path):\n"
        "    return next((f for f in files if f['path'] == path), None)\n",
        # The key is a call, or not compared with `==`.
        "def f(files, paths):\n"
        "    return [next((f for f in files if f.key() == p), None) for p in paths]\n",
        "def f(files, paths):\n"
        "    return [next((f for f in files if f.size > p), None) for p in paths]\n",
        "def f(files, paths):\n"
        "    return [next((f for f in files if f.path is p), None) for p in paths]\n",
        "def f(files, paths, k):\n"
        "    return [next((f for f in files if f[k] == p), None) for p in paths]\n",
        # `k` depends on the item.
        "def f(files, paths):\n"
        "    return [next((f for f in files if f.path == f.name + p), None) for p in paths]\n",
        # Two conditions, two `for` clauses, or a projection of the item.
        "def f(files, paths):\n"
        "    return [next((f for f in files if f.path == p if f.ok), None) for p in paths]\n",
        "def f(files, paths):\n"
        "    return [next((f.size for f in files if f.path == p), None) for p in paths]\n",
        "def f(groups, paths):\n"
        "    return [next((f for g in groups for f in g if f.path == p), None) for p in paths]\n",
        # A list attribute that another method appends to.
        "class Table:\n"
        "    def __init__(self, columns):\n"
        "        self.columns = list(columns)\n"
        "    def add(self, c):\n"
        "        self.columns.append(c)\n"
        "    def find_all(self, names):\n"
        "        return [next((c for c in self.columns if c.name == n), None) for n in names]\n",
        # The same key on every iteration: one search before the loop answers it.
        "def f(files, rows, wanted):\n"
        "    for r in rows:\n"
        "        print(r, next((f for f in files if f.path == wanted), None))\n",
        # The fallback for unhashable keys, which a dict index cannot hold either.
        "def f(files, paths, by_path):\n"
        "    for p in paths:\n"
        "        try:\n"
        "            print(by_path[p])\n"
        "        except TypeError:\n"
        "            print(next((f for f in files if f.path == p), None))\n",
        # Not the builtin `next`; not index 0.
        "def f(files, paths, next):\n"
        "    return [next((f for f in files if f.path == p), None) for p in paths]\n",
        "def f(files, paths):\n"
        "    return [[f for f in files if f.path == p][1] for p in paths]\n",
        # The loop changes the collection, rebinds it, or lets it escape.
        "def f(files, paths):\n"
        "    for p in paths:\n"
        "        f = next((f for f in files if f.path == p), None)\n"
        "        files.remove(f)\n",
        "def f(groups, paths):\n"
        "    for files in groups:\n"
        "        print(next((f for f in files if f.path == paths), None))\n",
        "def f(files, paths, log):\n"
        "    for p in paths:\n"
        "        log(files)\n"
        "        print(next((f for f in files if f.path == p), None))\n",
        # The loop changes the key of an item.
        "def f(files, paths):\n"
        "    for p in paths:\n"
        "        f = next((f for f in files if f.path == p), None)\n"
        "        f.path = p.upper()\n",
        "def f(rows, paths):\n"
        "    for p in paths:\n"
        "        r = next((r for r in rows if r['path'] == p), None)\n"
        "        r['path'] = None\n",
        # A lazy generator: its searches run whenever it is advanced.
        "def f(files, paths):\n"
        "    return (next((f for f in files if f.path == p), None) for p in paths)\n",
        # The collection is an attribute (any call may change it) or a closure variable.
        "def f(self, paths):\n"
        "    return [next((f for f in self.files if f.path == p), None) for p in paths]\n",
        # The items are the keys, and they are lists: a dict cannot hold them.
        "def f(ys):\n"
        "    pairs = [[y, y] for y in ys]\n"
        "    return [next((p for p in pairs if p == [y, y]), None) for y in ys]\n",
        # An alias of an attribute or of another name: changes made through that one (a call
        # in the loop may) are invisible.
        "def f(self, paths):\n"
        "    files = self.files\n"
        "    for p in paths:\n"
        "        self.load(p)\n"
        "        print(next((f for f in files if f.path == p), None))\n",
        "def f(groups, paths):\n"
        "    for files in groups:\n"
        "        pass\n"
        "    return [next((f for f in files if f.path == p), None) for p in paths]\n",
        # A class attribute in a class body.
        "class C:\n"
        "    files = []\n"
        "    for p in ['a']:\n"
        "        print(next((f for f in files if f.path == p), None))\n",
    )
    INVALID = (
        Invalid(
            "def sizes(files, paths_to_check):\n"
            "    found = []\n"
            "    for path in paths_to_check:\n"
            "        file = next((f for f in files if f['path'] == path), None)\n"
            "        found.append(file['size'] if file else None)\n"
            "    return found\n",
            "def sizes(files, paths_to_check):\n"
            "    found = []\n"
            "    files_by_path = {f['path']: f for f in reversed(list(files))}\n"
            "    for path in paths_to_check:\n"
            "        file = files_by_path.get(path)\n"
            "        found.append(file['size'] if file else None)\n"
            "    return found\n",
            UNSAFE,
            message="`files`",
        ),
        # A known list is reversed as it is; a default other than None is kept; the value may
        # be on the left; an attribute chain.
        Invalid(
            "def f(models: list, tiers):\n"
            "    return [next((m for m in models if t == m.info.tier), 'none') for t in tiers]\n",
            "def f(models: list, tiers):\n"
            "    models_by_tier = {m.info.tier: m for m in reversed(models)}\n"
            "    return [models_by_tier.get(t, 'none') for t in tiers]\n",
            UNSAFE,
        ),
        # Without a default: a miss still raises StopIteration (from the original search).
        Invalid(
            "def f(users, ids):\n"
            "    for i in ids:\n"
            "        print(next(u for u in users if u.id == i).name)\n",
            "def f(users, ids):\n"
            "    users_by_id = {u.id: u for u in reversed(list(users))}\n"
            "    for i in ids:\n"
            "        print((users_by_id[i] if i in users_by_id else next(u for u in users if "
            "u.id == i)).name)\n",
            UNSAFE,
        ),
        # `[...][0]`, and the item compared itself.
        Invalid(
            "def f(words: list[str], wanted):\n"
            "    return [[w for w in words if w == x][0] for x in wanted]\n",
            "def f(words: list[str], wanted):\n"
            "    words_by_value = {w: w for w in reversed(words)}\n"
            "    return [words_by_value[x] if x in words_by_value else [w for w in words if w "
            "== x][0] for x in wanted]\n",
            UNSAFE,
        ),
        # The plan's model registry, at module level.
        Invalid(
            "MODEL_REGISTRY = {'a': 1}\n"
            "ALL_MODELS = list(MODEL_REGISTRY.values())\n"
            "for tier in ('cheap', 'premium'):\n"
            "    print(next((m for m in ALL_MODELS if m.tier == tier), None))\n",
            "MODEL_REGISTRY = {'a': 1}\n"
            "ALL_MODELS = list(MODEL_REGISTRY.values())\n"
            "ALL_MODELS_BY_TIER = {m.tier: m for m in reversed(ALL_MODELS)}\n"
            "for tier in ('cheap', 'premium'):\n"
            "    print(ALL_MODELS_BY_TIER.get(tier))\n",
            UNSAFE,
        ),
        # Two keys of one collection in one loop: two indexes, one fix.
        Invalid(
            "def f(rows, keys):\n"
            "    for k in keys:\n"
            "        a = next((r for r in rows if r['id'] == k), None)\n"
            "        b = next((r for r in rows if r['name'] == k), None)\n"
            "        print(a or b)\n",
            "def f(rows, keys):\n"
            "    rows_by_id = {r['id']: r for r in reversed(list(rows))}\n"
            "    rows_by_name = {r['name']: r for r in reversed(list(rows))}\n"
            "    for k in keys:\n"
            "        a = rows_by_id.get(k)\n"
            "        b = rows_by_name.get(k)\n"
            "        print(a or b)\n",
            UNSAFE,
            count=2,
        ),
        # A list attribute that only `__init__` builds, searched in another method's loop.
        Invalid(
            "class Table:\n"
            "    def __init__(self, columns):\n"
            "        self.columns = [c for c in columns if c.visible]\n"
            "\n"
            "    def find_all(self, names):\n"
            "        return [next((c for c in self.columns if c.name == n), None) "
            "for n in names]\n",
            "class Table:\n"
            "    def __init__(self, columns):\n"
            "        self.columns = [c for c in columns if c.visible]\n"
            "\n"
            "    def find_all(self, names):\n"
            "        columns_by_name = {c.name: c for c in reversed(self.columns)}\n"
            "        return [columns_by_name.get(n) for n in names]\n",
            UNSAFE,
        ),
        # Without a default and a `k` that is a call: reported, no fix (it would run twice).
        Invalid(
            "def f(users, names):\n"
            "    return [next(u for u in users if u.name == n.lower()) for n in names]\n",
            None,
        ),
    )

    # -- pre-check ------------------------------------------------------------------------

    @classmethod
    def precheck(cls, facts: ModuleFacts) -> Iterable[Candidate]:
        for call in facts.nodes(ast.Call):
            func = call.func
            if (
                isinstance(func, ast.Name)
                and func.id == "next"
                and 1 <= len(call.args) <= 2
                and not call.keywords
                and isinstance(call.args[0], ast.GeneratorExp)
                and _is_search_ast(call.args[0])
                and in_loop_ast(facts, call)
            ):
                yield call
        for subscript in facts.nodes(ast.Subscript):
            index = subscript.slice
            if (
                isinstance(subscript.value, ast.ListComp)
                and isinstance(index, ast.Constant)
                and index.value == 0
                and type(index.value) is int
                and _is_search_ast(subscript.value)
                and in_loop_ast(facts, subscript)
            ):
                yield subscript

    # -- visitor --------------------------------------------------------------------------

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        self._fixes = HoistedFixes(self, REASON)

    def visit_Call(self, node: cst.Call) -> None:
        if not isinstance(node.func, cst.Name) or node.func.value != "next":
            return
        if not 1 <= len(node.args) <= 2 or any(a.keyword or a.star for a in node.args):
            return
        generator = node.args[0].value
        if not isinstance(generator, cst.GeneratorExp):
            return
        if not names.is_builtin(self.context, node.func, "next"):
            return
        default = node.args[1].value if len(node.args) == 2 else None
        self._check(node, generator, default)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        comprehension = node.value
        if not isinstance(comprehension, cst.ListComp) or len(node.slice) != 1:
            return
        index = node.slice[0].slice
        if (
            isinstance(index, cst.Index)
            and index.star is None
            and isinstance(index.value, cst.Integer)
            and index.value.evaluated_value == 0
        ):
            self._check(node, comprehension, None)

    def leave_Module(self, node: cst.Module) -> None:
        self._fixes.flush()

    def _check(
        self, node: cst.BaseExpression, search: Search, default: cst.BaseExpression | None
    ) -> None:
        match = _match(self.context, search)
        if match is None or is_fallback(self.context, node):
            return

        def region_ok(statement: cst.BaseStatement) -> bool:
            return not _keys_may_change(self.context, statement, match)

        if isinstance(match.collection, cst.Attribute):
            # `self.NAME`: a list attribute that only __init__ builds.
            stable = stable_attribute_list(self.context, match.collection)
            if stable is None or (stable.unhashable_items and not match.accessors):
                return
            hoist = hoist_point_in_method(self.context, node, stable.method, region_ok)
            collection, base, is_list = (
                self.context.code_for(match.collection).strip(), stable.attribute, True
            )
        else:
            if bound_to_shared_object(self.context, match.collection):
                return  # an alias of something the loop may change through another name
            hoist = hoist_point(self.context, node, match.collection, region_ok=region_ok)
            known = known_list(self.context, match.collection)
            if known is not None and not match.accessors and has_unhashable_elements(known):
                return  # the items themselves are the keys, and they are lists or dicts
            collection = base = match.collection.value
            is_list = known is not None
        if hoist is None or repeats_same_lookup(self.context, node, match.value, hoist):
            return  # (the same key on every iteration: one search before the loop answers it)
        key_code = self.context.code_for(match.key).strip()
        message = (
            f"Linear search of `{collection}` for a matching `{key_code}` inside a loop; "
            "build a dict index once before the loop"
        )
        builtins = ("reversed",) if is_list else ("reversed", "list")
        if default is None:
            miss = ("StopIteration",) if isinstance(node, cst.Call) else INDEX_ERRORS
            if miss_is_caught(self.context, node, hoist.statement, miss):
                # Misses are expected here: the fallback would search for each of them.
                self.report(node, message + f" and look keys up with `.get()` instead of "
                            f"catching {miss[0]}")
                return
        repeatable = default is not None or is_repeatable(match.value)
        if not repeatable or not all(
            builtin_visible_at(self.context, b, hoist.statement) for b in builtins
        ):
            self.report(node, message)
            return
        suffix = key_suffix(match.accessors[-1][1]) if match.accessors else "value"
        source = collection if is_list else f"list({collection})"
        variable = match.variable
        index = self._fixes.define(
            hoist,
            (collection, key_code, variable),
            index_name(base, f"by_{suffix}", hoist),
            lambda _: cst.parse_expression(
                f"{{{key_code}: {variable} for {variable} in reversed({source})}}"
            ),
        )
        on_left = match.value_on_left
        if default is not None:
            self._fixes.replace(
                hoist.statement, node, lambda updated: _get(index, updated, on_left)
            )
        else:
            parentheses = needs_parentheses(self.context, node)
            self._fixes.replace(
                hoist.statement,
                node,
                lambda updated: lookup_or_fallback(
                    index, _value(updated, on_left), _expression(updated), parentheses
                ),
            )
        self._fixes.report(hoist.statement, node, message)


# -- matching -------------------------------------------------------------------------------


def _is_search_ast(node: ast.GeneratorExp | ast.ListComp) -> bool:
    """The ``ast`` shape: one synchronous ``for NAME in NAME`` yielding the item, one ``==``."""
    if len(node.generators) != 1:
        return False
    (generator,) = node.generators
    return (
        not generator.is_async
        and isinstance(generator.target, ast.Name)
        and isinstance(node.elt, ast.Name)
        and node.elt.id == generator.target.id
        and (
            isinstance(generator.iter, ast.Name)
            or (
                isinstance(generator.iter, ast.Attribute)
                and isinstance(generator.iter.value, ast.Name)
            )
        )
        and len(generator.ifs) == 1
        and isinstance(generator.ifs[0], ast.Compare)
        and len(generator.ifs[0].ops) == 1
        and isinstance(generator.ifs[0].ops[0], ast.Eq)
    )


def _match(context: RuleContext, search: Search) -> _Match | None:
    for_in = search.for_in
    if for_in.asynchronous is not None or for_in.inner_for_in is not None:
        return None
    target, element = for_in.target, search.elt
    if not isinstance(target, cst.Name) or not isinstance(element, cst.Name):
        return None
    variable = target.value
    collection = for_in.iter
    if element.value != variable or not (
        isinstance(collection, cst.Name)
        or (isinstance(collection, cst.Attribute) and isinstance(collection.value, cst.Name))
    ):
        return None
    if len(for_in.ifs) != 1:
        return None
    test = for_in.ifs[0].test
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return None
    if not isinstance(test.comparisons[0].operator, cst.Equal):
        return None
    left, right = test.left, test.comparisons[0].comparator
    for key, value, value_on_left in ((left, right, False), (right, left, True)):
        accessors = _key_path(key, variable)
        if accessors is None or contains_name(value, variable):
            continue
        if has_await_yield_or_walrus(value) or not _same_meaning_outside(context, search, value):
            return None
        return _Match(search, variable, collection, key, accessors, value, value_on_left)
    return None


def _key_path(node: cst.BaseExpression, variable: str) -> tuple[Accessor, ...] | None:
    """``x.a["b"]`` -> (("attr", "a"), ("item", "b")) for the variable ``x``; None for
    anything that is not ``x`` followed by attributes and constant subscripts."""
    accessors: list[Accessor] = []
    while True:
        if isinstance(node, cst.Name):
            return tuple(reversed(accessors)) if node.value == variable else None
        if isinstance(node, cst.Attribute):
            accessors.append(("attr", node.attr.value))
            node = node.value
        elif isinstance(node, cst.Subscript):
            constant = constant_subscript(node)
            value = _literal(constant) if constant is not None else None
            if value is None:
                return None
            accessors.append(("item", value))
            node = node.value
        else:
            return None


def _literal(node: cst.BaseExpression) -> object | None:
    try:
        return ast.literal_eval(cst.Module([]).code_for_node(node))  # type: ignore[no-any-return]
    except (ValueError, SyntaxError):
        return None


def _same_meaning_outside(context: RuleContext, search: Search, value: cst.BaseExpression) -> bool:
    """Every name in ``value`` means the same in the scope around the comprehension (it moves
    there): not so for a class attribute, which a comprehension in a class body skips."""
    scopes = context.scopes
    inner = scopes.scope_for_node(search)
    outer = inner.parent if inner is not None else None
    if outer is None:
        return False
    for node in walk(value):
        if isinstance(node, cst.Name) and node in scopes.scope_of:
            if scopes.resolve(node).scope is not scopes.resolve_in(node.value, outer).scope:
                return False
    return True


def _keys_may_change(context: RuleContext, region: cst.CSTNode, match: _Match) -> bool:
    """The region assigns or deletes an attribute or constant subscript that the key reads
    (``f.path = ...``, ``row["path"] = ...``), or calls ``setattr``/``delattr``."""
    attributes = {name for kind, name in match.accessors if kind == "attr"}
    items = [value for kind, value in match.accessors if kind == "item"]
    if not attributes and not items:
        return False
    for node in walk(region):
        if isinstance(node, cst.Attribute) and node.attr.value in attributes:
            if in_target_position(context, node):
                return True
        elif isinstance(node, cst.Subscript) and items and in_target_position(context, node):
            constant = constant_subscript(node)
            if constant is not None and _literal(constant) in items:
                return True
        elif (
            isinstance(node, cst.Call)
            and attributes
            and isinstance(node.func, cst.Name)
            and node.func.value in {"setattr", "delattr"}
        ):
            return True
    return False


# -- rewriting ------------------------------------------------------------------------------


def _comparison(node: cst.CSTNode) -> cst.Comparison:
    search = node.args[0].value if isinstance(node, cst.Call) else getattr(node, "value", None)
    assert isinstance(search, (cst.GeneratorExp, cst.ListComp))
    test = search.for_in.ifs[0].test
    assert isinstance(test, cst.Comparison)
    return test


def _value(node: cst.CSTNode, on_left: bool) -> cst.BaseExpression:
    comparison = _comparison(node)
    return comparison.left if on_left else comparison.comparisons[0].comparator


def _get(index: str, node: cst.CSTNode, on_left: bool) -> cst.BaseExpression:
    """``next(<search>, default)`` -> ``index.get(k, default)`` (``.get(k)`` for None)."""
    assert isinstance(node, cst.Call)
    args = [cst.Arg(_value(node, on_left).deep_clone())]
    default = node.args[1].value
    if not (isinstance(default, cst.Name) and default.value == "None"):
        args.append(cst.Arg(default))
    return cst.Call(
        func=cst.Attribute(cst.Name(index), cst.Name("get")),
        args=args,
        lpar=node.lpar,
        rpar=node.rpar,
    )


def _expression(node: cst.CSTNode) -> cst.BaseExpression:
    assert isinstance(node, cst.BaseExpression)
    return node
