"""PCM203: ``if x not in lst: lst.append(x)`` in a loop, a quadratic de-duplication."""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterable, Sequence
from functools import cache

from perfcodemod.analysis.elements import (
    elements_are_provably_hashable,
    items_may_be_unhashable,
)
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.flow import in_type_error_handler
from perfcodemod.analysis.lists import (
    has_unhashable_elements,
    is_unhashable_display,
    known_list,
    maybe_list_ast,
)
from perfcodemod.analysis.loops import enclosing_loops, enclosing_loops_ast
from perfcodemod.analysis.uses import (
    Use,
    builtin_visible_at,
    classify_use,
    name_occurrences,
    uses_in,
)
from perfcodemod.context import RuleContext
from perfcodemod.diagnostic import Applicability
from perfcodemod.lazycst import cst
from perfcodemod.rule import Candidate, Change, FixProposal, Invalid, Rule

SAFE = Applicability.SAFE
UNSAFE = Applicability.UNSAFE

@cache
def _nested_scopes() -> tuple[
    type[cst.FunctionDef], type[cst.Lambda], type[cst.ClassDef], type[cst.GeneratorExp],
]:
    """The nodes that open a scope of their own."""
    return (cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.GeneratorExp)


class QuadraticDeduplication(Rule):
    """Quadratic de-duplication with `not in` on a list; use `dict.fromkeys` or a companion set.

    ## What it does
    Finds `if x not in lst: lst.append(x)` inside a loop, where `lst` is known to be a list.
    When the whole construct is a new empty list followed by a loop that does nothing else,

    ```python
    unique = []
    for item in items:
        if item not in unique:
            unique.append(item)
    ```

    the fix replaces it with `unique = list(dict.fromkeys(items))`, which keeps the first of
    equal items in their original order, as the loop did. When the loop does more, the rule
    reports without a fix: keep a `set` of the items seen beside the list, test the set, and
    add to both.

    Not reported:

    - a test in an `except TypeError:` clause (or a bare `except:`, `except Exception:`):
      that is the classic fallback for items a set rejects as unhashable;
    - items that the code shows to be unhashable: the list annotated as a list of lists,
      dicts or sets (`out: list[dict[str, int]]`), items that are such displays, or a loop
      variable over such items (`rows: list[dict]`). Neither `dict.fromkeys` nor a companion
      set can hold them;
    - a bounded window: a loop that also takes items out of the list (`pop`, `remove`,
      `clear`, `del lst[...]`, an item or slice assignment) keeps the last few items, not
      every item seen: it is not quadratic in the input, and a companion set would remember
      what the list forgot.

    A list comprehension cannot do this (it cannot test the list it is building); the
    advice some linters give to use one here is wrong.

    ## Why is this bad?
    Each `not in` scans the list built so far: de-duplicating n items costs O(n²) comparisons.
    Measured on CPython 3.11 (`python benchmarks/rules/membership.py`, CPU time, half of the
    items distinct): for 10 items the loop is the fastest, 0.79 µs vs 0.96 µs with
    `list(dict.fromkeys(items))` (a companion set: about the same as the loop); for 100
    items, 38 µs vs 5.7 µs (companion set: 4.5 µs); for 100,000 items, about 27 s vs 4.2 ms
    (companion set: 4.5 ms). The price is memory while it works: a peak of 3.75 MB with
    `dict.fromkeys` (2.67 MB with a companion set) against 0.4 MB for the list alone, for
    50,000 distinct items.

    ## Example
    ```python
    def tags_of(posts):
        tags = []
        for tag in (t for p in posts for t in p.tags):
            if tag not in tags:
                tags.append(tag)
        return tags
    ```

    ## Use instead
    ```python
    def tags_of(posts):
        tags = list(dict.fromkeys(t for p in posts for t in p.tags))
        return tags
    ```

    ## Fix safety
    The fix is **safe** only when all of these hold:

    - the code is in a function, and both the list and the loop variable are local variables
      of it that no nested function, lambda or generator expression uses, in a module that
      does not use `exec`, `eval`, `globals()`, `locals()` or `vars()`;
    - the items are provably hashable (a string, `range()`, `str.split()` of a string, a set
      or dict, a display of hashable constants, a name annotated `list[str]`,
      `Iterable[int]`, `tuple[str, ...]`...): `dict.fromkeys` raises `TypeError` on an
      unhashable item where `not in` compared it with `==`;
    - the construct is not inside a `try` or `with` statement of the function: if iterating
      the items raises, the loop left `lst` bound to the items seen so far, while the fix
      leaves it as it was before, which an `except`, `finally` or `__exit__` could observe.

    Then the result is the same list: `dict.fromkeys` keeps the first of equal items (`1`,
    `1.0` and `True` are equal: the first one stays, as with `not in`), and for hashable
    built-in values equality and hashing agree. The items may come from an iterator or a
    generator: both consume it once, in order.

    Otherwise the fix is **unsafe**; also in a module that measures object sizes
    (`sys.getsizeof()`...), since the new list may have another spare capacity (see the [fix
    safety policy](../fix-safety.md)). It is not offered at all when the loop variable is read
    or deleted after the loop (the loop left it bound to the last item; the fix does not bind
    it), for an `async for`, a loop with an `else`, or an item expression other than the loop
    variable itself. Comments inside the
    loop move above the new statement.
    """

    code = "PCM203"
    name = "quadratic-deduplication"
    message = "De-duplicating with `not in` on a list is quadratic; use `dict.fromkeys` or a set"
    fix_title = "Use `list(dict.fromkeys(...))`"
    function_local = True

    VALID = (
        # Not in a loop.
        (
            "def add(tags, tag):\n"
            "    tags = list(tags)\n"
            "    if tag not in tags:\n"
            "        tags.append(tag)\n"
            "    return tags\n"
        ),
        # Not known to be a list (a parameter, an attribute).
        (
            "def f(items, out):\n"
            "    for x in items:\n"
            "        if x not in out:\n"
            "            out.append(x)\n"
        ),
        (
            "def f(self, items):\n"
            "    for x in items:\n"
            "        if x not in self.out:\n"
            "            self.out.append(x)\n"
        ),
        # Appends something else than what it tests.
        (
            "def f(items):\n"
            "    out = []\n"
            "    for x in items:\n"
            "        if x not in out:\n"
            "            out.append(x.upper())\n"
            "    return out\n"
        ),
        # `in`, not `not in`; or a condition with more to it.
        (
            "def f(items):\n"
            "    out = []\n"
            "    for x in items:\n"
            "        if x in out:\n"
            "            out.append(x)\n"
            "    return out\n"
        ),
        (
            "def f(items):\n"
            "    out = []\n"
            "    for x in items:\n"
            "        if x and x not in out:\n"
            "            out.append(x)\n"
            "    return out\n"
        ),
        # The fallback for unhashable items: a set is what failed.
        (
            "def f(items):\n    seen, unhashable = set(), []\n    for x in items:\n"
            "        try:\n            if x not in seen:\n                seen.add(x)\n"
            "        except TypeError:\n            if x not in unhashable:\n"
            "                unhashable.append(x)\n"
        ),
        # A bounded window: the loop also takes items out, so the list stays short (and a
        # companion set would keep what the list dropped).
        (
            "def f(items):\n"
            "    recent = []\n"
            "    for x in items:\n"
            "        if x not in recent:\n"
            "            recent.append(x)\n"
            "            if len(recent) > 10:\n"
            "                recent.pop(0)\n"
            "    return recent\n"
        ),
        (
            "def f(items):\n"
            "    recent = []\n"
            "    for x in items:\n"
            "        if x not in recent:\n"
            "            recent.append(x)\n"
            "        del recent[:-10]\n"
            "    return recent\n"
        ),
        # Unhashable items, as annotated: neither dict.fromkeys nor a set can hold them.
        (
            "def f(items):\n"
            "    out: list[dict[str, int]] = []\n"
            "    for x in items:\n"
            "        if x not in out:\n"
            "            out.append(x)\n"
            "    return out\n"
        ),
        (
            "def f(items: list[dict[str, int]]):\n"
            "    out = []\n"
            "    for x in items:\n"
            "        if x not in out:\n"
            "            out.append(x)\n"
            "    return out\n"
        ),
        (
            "def f(items):\n"
            "    out = []\n"
            "    for x in items:\n"
            "        if [x] not in out:\n"
            "            out.append([x])\n"
            "    return out\n"
        ),
        # Already uses a set.
        (
            "def f(items):\n"
            "    out, seen = [], set()\n"
            "    for x in items:\n"
            "        if x not in seen:\n"
            "            seen.add(x)\n"
            "            out.append(x)\n"
            "    return out\n"
        ),
        # The list is rebuilt on every iteration.
        (
            "def f(groups):\n"
            "    for g in groups:\n"
            "        out = []\n"
            "        if g not in out:\n"
            "            out.append(g)\n"
            "        print(out)\n"
        ),
    )
    INVALID = (
        # The whole construct, items provably hashable, loop variable unused afterwards: safe.
        Invalid(
            "def words(text: str) -> list[str]:\n"
            "    unique = []\n"
            "    for word in text.split():\n"
            "        if word not in unique:\n"
            "            unique.append(word)\n"
            "    return unique\n",
            "def words(text: str) -> list[str]:\n"
            "    unique = list(dict.fromkeys(text.split()))\n"
            "    return unique\n",
            SAFE,
            message="dict.fromkeys",
        ),
        # Near miss of the window: appending more (`extend`) keeps every item seen.
        Invalid(
            "def f(groups):\n"
            "    out = []\n"
            "    for g in groups:\n"
            "        if g[0] not in out:\n"
            "            out.append(g[0])\n"
            "            out.extend(g[1:])\n"
            "    return out\n",
            None,
            message="set",
        ),
        # Near miss of the annotations: hashable items (`list[tuple[str, int]]`).
        Invalid(
            "def f(items: list[tuple[str, int]]):\n"
            "    out = []\n"
            "    for x in items:\n"
            "        if x not in out:\n"
            "            out.append(x)\n"
            "    return out\n",
            "def f(items: list[tuple[str, int]]):\n"
            "    out = list(dict.fromkeys(items))\n"
            "    return out\n",
            SAFE,
        ),
        # Items of unknown hashability: unsafe.
        Invalid(
            "def f(items):\n"
            "    out = []\n"
            "    for x in items:\n"
            "        if x not in out:\n"
            "            out.append(x)\n"
            "    return out\n",
            "def f(items):\n"
            "    out = list(dict.fromkeys(items))\n"
            "    return out\n",
            UNSAFE,
        ),
        # The loop variable is read after the loop: no fix (it would be unbound).
        Invalid(
            "def f(names: list[str]):\n"
            "    out: list[str] = []\n"
            "    for n in names:\n"
            "        if n not in out: out.append(n)\n"
            "    return out, n\n",
            None,
        ),
        # Inside a `try`: an exception while iterating would leave `out` half built: unsafe.
        Invalid(
            "def f(names: list[str]):\n"
            "    try:\n"
            "        out: list[str] = []\n"
            "        for n in names:\n"
            "            if n not in out: out.append(n)  # keep order\n"
            "    except TypeError:\n"
            "        return out\n"
            "    return out\n",
            "def f(names: list[str]):\n"
            "    try:\n"
            "        # keep order\n"
            "        out: list[str] = list(dict.fromkeys(names))\n"
            "    except TypeError:\n"
            "        return out\n"
            "    return out\n",
            UNSAFE,
        ),
        # Module level: the loop variable is a module attribute.
        Invalid(
            "seen = []\n"
            "for ch in 'mississippi':\n"
            "    if ch not in seen:\n"
            "        seen.append(ch)\n",
            "seen = list(dict.fromkeys('mississippi'))\n",
            UNSAFE,
        ),
        # An unparenthesised tuple of items gets its parentheses; comments before the loop stay.
        Invalid(
            "def f(a: int, b: int):\n"
            "    out = []  # distinct values\n"
            "    # in order\n"
            "    for v in a, b, a:\n"
            "        if v not in out:\n"
            "            out.append(v)\n"
            "    return out\n",
            "def f(a: int, b: int):\n"
            "    # in order\n"
            "    out = list(dict.fromkeys((a, b, a)))  # distinct values\n"
            "    return out\n",
            SAFE,
        ),
        # The loop does more: no fix, a companion set is the answer.
        Invalid(
            "def f(rows):\n"
            "    keys = []\n"
            "    for row in rows:\n"
            "        key = row[0]\n"
            "        if key not in keys:\n"
            "            keys.append(key)\n"
            "            print(row)\n"
            "    return keys\n",
            None,
            message="set",
        ),
        # A loop variable declared global outlives the loop: no fix.
        Invalid(
            "def f(items: list[str]):\n"
            "    global last\n"
            "    out = []\n"
            "    for last in items:\n"
            "        if last not in out:\n"
            "            out.append(last)\n"
            "    return out\n",
            None,
        ),
        # A `while` loop over a list that is not new.
        Invalid(
            "def f(queue, known: list[str]):\n"
            "    while queue:\n"
            "        item = queue.pop()\n"
            "        if item not in known:\n"
            "            known.append(item)\n",
            None,
        ),
    )

    # -- pre-check ------------------------------------------------------------------------

    @classmethod
    def precheck(cls, facts: ModuleFacts) -> Iterable[Candidate]:
        found = ((s, _deduplicated_list_ast(s)) for s in facts.nodes(ast.If))
        candidates = [(statement, name) for statement, name in found if name is not None]
        if not candidates:
            return
        for statement, name in candidates:
            loops, _ = enclosing_loops_ast(facts, statement)
            if not loops:
                continue
            fresh = _fresh_list_before_ast(facts, loops[0], name)
            if fresh is not None:
                # At module level `lst = []` is a top-level statement of its own: the
                # visitor must see it together with the loop.
                loop = loops[0]
                assert isinstance(loop, ast.stmt)  # an `if` is only ever in statement loops
                yield (fresh.lineno, loop.end_lineno or loop.lineno)
                continue
            if maybe_list_ast(facts, name, statement):
                yield statement

    # -- visitor --------------------------------------------------------------------------

    def visit_If(self, node: cst.If) -> None:
        test = node.test
        if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
            return
        target = test.comparisons[0]
        container = target.comparator
        if not isinstance(target.operator, cst.NotIn) or not isinstance(container, cst.Name):
            return
        statements = _small_statements(node.body)
        if not any(_is_append(s, container.value, test.left) for s in statements):
            return
        loops = enclosing_loops(self.context, node)
        if not loops or in_type_error_handler(self.context, node):
            return  # not in a loop, or the fallback for unhashable items
        loop = loops.innermost
        assert loop is not None
        name = container.value
        if any(use is Use.REBIND for _, use in uses_in(self.context, loop, name)):
            return  # a fresh list on every iteration
        if any(_shrinks(self.context, loop, name) for loop in loops.loops):
            return  # a bounded window (the last n items): not quadratic, and a set would lie
        if self._items_unhashable(test.left, loop, container):
            return  # neither dict.fromkeys nor a companion set can hold them
        construct = self._whole_construct(node, loop, name, statements)
        if construct is None and known_list(self.context, container) is None:
            return
        if construct is None:
            self.report(
                test,
                f"De-duplicating into list `{name}` with `not in` is quadratic; keep a `set` of "
                "the items seen beside the list and test that",
            )
            return
        binding_line, for_loop = construct
        self.report(
            test,
            f"De-duplicating into list `{name}` with `not in` is quadratic; use "
            f"`{name} = list(dict.fromkeys(...))`",
            self._fix(binding_line, for_loop, name),
        )

    def _items_unhashable(
        self, needle: cst.BaseExpression, loop: cst.CSTNode, container: cst.Name
    ) -> bool:
        """What the code says shows that the items are unhashable: the list is annotated as
        a list of lists, dicts or sets (or bound to a display of them), the item is such a
        display, or it is the loop variable over such items."""
        context = self.context
        variable = known_list(context, container)
        if variable is not None and has_unhashable_elements(variable):
            return True
        if is_unhashable_display(needle):
            return True
        return (
            isinstance(loop, cst.For)
            and isinstance(loop.target, cst.Name)
            and isinstance(needle, cst.Name)
            and needle.value == loop.target.value
            and items_may_be_unhashable(loop.iter, context)
        )

    def _whole_construct(
        self,
        node: cst.If,
        loop: cst.CSTNode,
        name: str,
        statements: Sequence[cst.BaseSmallStatement],
    ) -> tuple[cst.SimpleStatementLine, cst.For] | None:
        """``lst = []`` right before ``for x in items:`` whose body is only the ``if``."""
        context = self.context
        if node.orelse is not None or len(statements) != 1:
            return None
        if not isinstance(loop, cst.For) or loop.orelse is not None or loop.asynchronous:
            return None
        body = loop.body
        if not isinstance(body, cst.IndentedBlock) or len(body.body) != 1:
            return None
        if body.body[0] is not node:
            return None
        if not isinstance(loop.target, cst.Name) or not isinstance(node.test, cst.Comparison):
            return None
        needle = node.test.left
        if not isinstance(needle, cst.Name) or needle.value != loop.target.value:
            return None
        if loop.target.value == name or next(name_occurrences(loop.iter, name), None):
            return None
        block = context.parent(loop)
        if not isinstance(block, (cst.IndentedBlock, cst.Module)):
            return None
        index = next(i for i, s in enumerate(block.body) if s is loop)
        previous = block.body[index - 1] if index else None
        if not isinstance(previous, cst.SimpleStatementLine) or len(previous.body) != 1:
            return None
        if not _is_empty_list_binding(previous.body[0], name):
            return None
        return previous, loop

    def _fix(
        self, binding_line: cst.SimpleStatementLine, loop: cst.For, name: str
    ) -> FixProposal | None:
        context = self.context
        if not (
            builtin_visible_at(context, "list", loop) and builtin_visible_at(context, "dict", loop)
        ):
            return None
        if self._loop_variable_read_elsewhere(loop):
            return None  # the fix would leave it unbound: not a fix, whatever its safety
        items = loop.iter
        if isinstance(items, cst.Tuple) and not items.lpar:
            items = items.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        elif isinstance(items, cst.GeneratorExp) and len(items.lpar) == 1:
            items = items.with_changes(lpar=[], rpar=[])  # the call's parentheses suffice
        fromkeys = cst.Call(
            func=cst.Attribute(cst.Name("dict"), cst.Name("fromkeys")), args=[cst.Arg(items)]
        )
        value = cst.Call(func=cst.Name("list"), args=[cst.Arg(fromkeys)])
        binding = binding_line.body[0]
        assert isinstance(binding, (cst.Assign, cst.AnnAssign))
        # The loop's own comments move above the new statement.
        comments = [
            cst.EmptyLine(indent=True, comment=cst.Comment(text))
            for text in _comments(context, loop.with_changes(leading_lines=()))
        ]
        new_line = binding_line.with_changes(
            body=[binding.with_changes(value=value)],
            leading_lines=[*binding_line.leading_lines, *loop.leading_lines, *comments],
        )
        reason = self._unsafe_reason(loop, name)
        return self.fix(
            [Change(binding_line, new_line), Change(loop, cst.RemovalSentinel.REMOVE)],
            UNSAFE if reason else SAFE,
            reason
            or "local names, the loop variable unused elsewhere, provably hashable items",
        )

    def _loop_variable_read_elsewhere(self, loop: cst.For) -> bool:
        """The loop variable is read or deleted outside the loop (the loop leaves it bound to
        the last item; the fix does not bind it)."""
        context = self.context
        assert isinstance(loop.target, cst.Name)
        variable = loop.target.value
        function = next(
            (a for a in context.ancestors(loop) if isinstance(a, (cst.FunctionDef, cst.ClassDef))),
            None,
        )
        if isinstance(function, cst.FunctionDef):
            for occurrence in name_occurrences(function, variable):
                if any(a is loop for a in context.ancestors(occurrence)):
                    continue
                if (
                    classify_use(context, occurrence) is not Use.REBIND
                    or _is_deleted(context, occurrence)
                    or isinstance(context.parent(occurrence), cst.NameItem)  # global x: seen
                ):
                    return True
            return False
        # At module or class level the variable's reads may be anywhere in the module.
        facts = context.facts
        inside = [
            occurrence
            for occurrence in name_occurrences(loop, variable)
            if classify_use(context, occurrence) is not Use.REBIND
        ]
        deleted = any(
            isinstance(binding, ast.Name) and isinstance(binding.ctx, ast.Del)
            for binding in facts.bindings.get(variable, [])
        )
        return deleted or len(facts.loads.get(variable, [])) != len(inside)

    def _unsafe_reason(self, loop: cst.For, name: str) -> str | None:
        context = self.context
        function = next(
            (a for a in context.ancestors(loop) if isinstance(a, (cst.FunctionDef, cst.ClassDef))),
            None,
        )
        assert isinstance(loop.target, cst.Name)
        variable = loop.target.value
        if not isinstance(function, cst.FunctionDef):
            return (
                f"outside a function, `{variable}` and `{name}` are visible to other code, and "
                f"`{variable}` stays bound after the loop"
            )
        if context.facts.uses_dynamic_namespace:
            return "the module reads or writes names dynamically (exec, eval, locals()...)"
        for occurrence in name_occurrences(function, variable):
            if _in_nested_scope(context, occurrence, function):
                return f"`{variable}` is used by a nested scope while the loop runs"
        for occurrence, use in uses_in(context, function, name):
            if use is Use.REBIND and isinstance(context.parent(occurrence), cst.NameItem):
                return f"`{name}` is declared global or nonlocal"
            if _in_nested_scope(context, occurrence, function):
                return f"`{name}` is used by a nested function, lambda or generator"
        sizes = context.facts.measures_object_sizes
        if sizes is not None:
            return (
                f"the module measures object sizes (line {sizes}): the list built by "
                "`list(dict.fromkeys(...))` may have another spare capacity than the appended one"
            )
        extra = context.family_options(self).get("hashable-types", ())
        if not elements_are_provably_hashable(loop.iter, context, extra):
            return (
                "the items may be unhashable: dict.fromkeys raises TypeError where `not in` "
                "compared them with =="
            )
        for ancestor in context.ancestors(loop):
            if ancestor is function:
                break
            if isinstance(ancestor, (cst.Try, cst.TryStar, cst.With)):
                return (
                    "inside a try or with statement, an exception while iterating could be "
                    f"observed with `{name}` partly built"
                )
        return None


# -- helpers -----------------------------------------------------------------------------------


#: List methods that take items out (or replace them): a loop that calls them on the list
#: keeps a window of it, not every item seen.
_SHRINKING_METHODS = frozenset({"pop", "remove", "clear", "__delitem__", "__setitem__"})


def _shrinks(context: RuleContext, loop: cst.CSTNode, name: str) -> bool:
    """``loop`` takes items out of the list ``name`` (``pop``, ``remove``, ``clear``, ``del
    name[...]``) or replaces some (``name[i] = ...``, ``name[:] = name[-n:]``)."""
    for occurrence, use in uses_in(context, loop, name):
        if use is not Use.MUTATE:
            continue
        parent = context.parent(occurrence)
        if isinstance(parent, cst.Attribute) and parent.value is occurrence:
            if parent.attr.value in _SHRINKING_METHODS:
                return True
        elif isinstance(parent, cst.Subscript):
            return True  # an item or slice assigned or deleted
    return False


def _small_statements(body: cst.BaseSuite) -> list[cst.BaseSmallStatement]:
    if isinstance(body, cst.SimpleStatementSuite):
        return list(body.body)
    found: list[cst.BaseSmallStatement] = []
    for statement in body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            found.extend(statement.body)
        else:
            found.append(statement)  # type: ignore[arg-type]  # a compound statement: never an append
    return found


def _is_append(statement: cst.CSTNode, name: str, needle: cst.BaseExpression) -> bool:
    if not isinstance(statement, cst.Expr) or not isinstance(statement.value, cst.Call):
        return False
    call = statement.value
    func = call.func
    return (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.value.value == name
        and func.attr.value == "append"
        and len(call.args) == 1
        and call.args[0].keyword is None
        and not call.args[0].star
        and call.args[0].value.deep_equals(needle)
    )


def _is_empty_list_binding(statement: cst.BaseSmallStatement, name: str) -> bool:
    if isinstance(statement, cst.Assign):
        if len(statement.targets) != 1:
            return False
        target = statement.targets[0].target
        value: cst.BaseExpression | None = statement.value
    elif isinstance(statement, cst.AnnAssign):
        target, value = statement.target, statement.value
    else:
        return False
    return (
        isinstance(target, cst.Name)
        and target.value == name
        and isinstance(value, cst.List)
        and not value.elements
    )


def _is_deleted(context: RuleContext, name: cst.Name) -> bool:
    return any(isinstance(a, cst.Del) for a in context.ancestors(name))


def _in_nested_scope(context: RuleContext, node: cst.CSTNode, function: cst.FunctionDef) -> bool:
    for ancestor in context.ancestors(node):
        if ancestor is function:
            return False
        if isinstance(ancestor, _nested_scopes()):
            return True
    return False


def _comments(context: RuleContext, node: cst.CSTNode) -> list[str]:
    code = context.code_for(node)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []
    return [token.string for token in tokens if token.type == tokenize.COMMENT]


def _deduplicated_list_ast(statement: ast.If) -> str | None:
    """``if X not in NAME: ... NAME.append(X) ...``: NAME."""
    test = statement.test
    if not (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.NotIn)
        and isinstance(test.comparators[0], ast.Name)
    ):
        return None
    name = test.comparators[0].id
    needle = ast.dump(test.left)
    for child in statement.body:
        if (
            isinstance(child, ast.Expr)
            and isinstance(child.value, ast.Call)
            and isinstance(child.value.func, ast.Attribute)
            and child.value.func.attr == "append"
            and isinstance(child.value.func.value, ast.Name)
            and child.value.func.value.id == name
            and len(child.value.args) == 1
            and not child.value.keywords
            and ast.dump(child.value.args[0]) == needle
        ):
            return name
    return None


def _fresh_list_before_ast(facts: ModuleFacts, loop: ast.AST, name: str) -> ast.stmt | None:
    """The statement ``NAME = []`` right before ``loop``, if there is one."""
    parent = facts.parents.get(loop)
    for field in ("body", "orelse", "finalbody"):
        statements = getattr(parent, field, None)
        if isinstance(statements, list) and any(s is loop for s in statements):
            index = next(i for i, s in enumerate(statements) if s is loop)
            if index == 0:
                return None
            previous: ast.stmt = statements[index - 1]
            value: ast.expr | None
            if isinstance(previous, ast.Assign) and len(previous.targets) == 1:
                target, value = previous.targets[0], previous.value
            elif isinstance(previous, ast.AnnAssign):
                target, value = previous.target, previous.value
            else:
                return None
            if (
                isinstance(target, ast.Name)
                and target.id == name
                and isinstance(value, ast.List)
                and not value.elts
            ):
                return previous
            return None
    return None
