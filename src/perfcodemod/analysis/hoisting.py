"""Building something once before a loop: where it can go, what it is called, and the fix.

The linear-lookup rules (PCM301-PCM303) and PCM204 replace a search of a collection inside a
loop with an index (a dict, a ``Counter``, a set) built once before the loop. That is only
right where the collection cannot change while the loops run, and only possible where a
statement can be inserted that the lookups see. This module answers, for one lookup of a
collection named ``xs``:

- :func:`hoist_point`: the statement before which the index goes, the one holding the outermost
  loop in which ``xs`` stays the same (``None``: not in a loop, or no such statement);
- :func:`hoist_point_in_method`: the same for a list attribute that nothing changes after
  ``__init__``;
- :func:`repeats_same_lookup`: the value looked up never changes in those loops (then one
  lookup hoisted out answers every iteration, and an index is the wrong advice);
- :func:`module_name_is_stable`: for a module-level ``xs``, that no function of the module can
  rebind or change it while a loop runs (from the module's ``ast``);
- :func:`fresh_name`: a name for the index that nothing in the module binds or reads;
- :class:`HoistedFixes`: one fix per insertion point, holding every index built there and
  every lookup rewritten under it (two lookups of one statement share their fix; a later
  loop of the same block reuses an identical index built before an earlier one).

It builds on :mod:`perfcodemod.analysis.loops` (which loops repeat the lookup),
:mod:`perfcodemod.analysis.flow` (what runs before the insertion point) and
:mod:`perfcodemod.analysis.uses` (what changes the collection).
"""

from __future__ import annotations

import ast
import keyword
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Union

from perfcodemod.analysis.bindings import calls_dynamic_namespace
from perfcodemod.analysis.effects import Activity, is_effect_free_call, region_activity
from perfcodemod.analysis.expressions import walk
from perfcodemod.analysis.facts import BUILTIN_NAMES, ModuleFacts
from perfcodemod.analysis.flow import (
    dominates,
    in_type_error_handler,
    is_inside,
    is_inside_any,
    statement_of,
    statements_after,
)
from perfcodemod.analysis.loops import Loops, enclosing_loops, repeating_loops
from perfcodemod.analysis.uses import Use, ast_use, changes_in, uses_in
from perfcodemod.context import RuleContext
from perfcodemod.diagnostic import Applicability
from perfcodemod.lazycst import cst
from perfcodemod.proposals import Change, FixProposal, ImportRequest

if TYPE_CHECKING:
    from perfcodemod.rule import Rule

Frame = Union["cst.FunctionDef", "cst.Module"]
FUNCTION_OR_CLASS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(frozen=True)
class Hoist:
    """Where an index of a collection is built."""

    #: Insert before this statement (of ``frame``'s body, or of a block nested in it).
    statement: cst.BaseStatement
    #: The function whose body holds ``statement``, or the chunk's module.
    frame: Frame
    #: ``local``: a variable of ``frame`` (at module level, of the module); ``global``: a
    #: module-level variable read inside a function; ``attribute``: ``self.NAME`` that only
    #: ``__init__`` builds.
    kind: str


# -- where ----------------------------------------------------------------------------------


def hoist_point(
    context: RuleContext,
    lookup: cst.CSTNode,
    collection: cst.Name,
    region_ok: Callable[[cst.BaseStatement], bool] | None = None,
) -> Hoist | None:
    """Where to build an index of ``collection`` (a read of a name inside ``lookup``) so that
    ``lookup`` can use it: before the statement holding the outermost loop that repeats
    ``lookup`` and in which the collection stays the same.

    The collection stays the same in a loop when nothing in the loop's whole statement (its
    header, its body, nested loops) rebinds the name, changes its object or lets it escape
    (:func:`perfcodemod.analysis.loops.changes_in`); when it is bound before that statement on
    every path; when it did not escape before the statement (whoever holds it might change it
    during the loop); when no nested function or lambda changes it; and, for a module-level
    name, when no function of the module can (:func:`module_name_is_stable`). ``region_ok``
    adds a caller's condition on each candidate statement (say, that the loop does not assign
    the attribute the index is keyed by).

    A lookup in an ``except TypeError:`` clause (or a bare ``except:``, ``except
    Exception:``) gets nothing: that is the fallback for values a set or dict rejects as
    unhashable, which an index built from them could not hold either.

    Placement follows Python's scoping: a lookup in a lambda or in a generator expression that
    is not consumed on the spot runs at unknown times, so it gets nothing; an index built in a
    class body would be invisible to the comprehensions of that body (and would become a class
    attribute), so a loop in a class body gets its index before the ``class`` statement, in the
    enclosing function or module, and only for a collection that resolves there.
    """
    if in_type_error_handler(context, lookup):
        return None  # the fallback for unhashable values: no hashed index can serve it
    found = repeating_loops(context, lookup)
    if not found.loops:
        return None
    located = _frame_and_statements(context, found)
    if located is None:
        return None
    frame, statements = located
    kind = _collection_kind(context, collection, frame)
    if kind is None:
        return None
    name = collection.value
    facts = context.facts
    if kind == "global" or isinstance(frame, cst.Module):
        if not module_name_is_stable(facts, name) or not _bound_at_module_level(facts, name):
            return None
        escapes: list[cst.Name] = []
        bound_before = _module_binding_before(context, collection, frame)
    else:
        if calls_dynamic_namespace(frame):
            return None
        local = _local_facts(context, frame, name)
        if local is None:
            return None
        escapes, binding_nodes, is_parameter = local

        def bound_before(statement: cst.BaseStatement) -> bool:
            return is_parameter or any(
                dominates(context, node, statement, frame) for node in binding_nodes
            )

    best: cst.BaseStatement | None = None
    for statement in statements:
        if changes_in(context, statement, name) or not bound_before(statement):
            break
        if escapes:
            later = list(statements_after(context, statement, frame))
            if not all(is_inside_any(context, escape, later) for escape in escapes):
                break
        if region_ok is not None and not region_ok(statement):
            break
        best = statement
    if best is None:
        return None
    return Hoist(best, frame, kind)


def hoist_point_in_method(
    context: RuleContext,
    lookup: cst.CSTNode,
    method: cst.FunctionDef,
    region_ok: Callable[[cst.BaseStatement], bool] | None = None,
) -> Hoist | None:
    """:func:`hoist_point` for a collection that nothing changes while ``method`` runs (a list
    attribute that only ``__init__`` builds: :mod:`perfcodemod.analysis.attributes`): before
    the statement holding the outermost loop of ``method`` that repeats ``lookup``, as far
    out as ``region_ok`` allows."""
    if in_type_error_handler(context, lookup):
        return None
    found = repeating_loops(context, lookup)
    if not found.loops or found.boundary is not method:
        return None
    located = _frame_and_statements(context, found)
    if located is None or located[0] is not method:
        return None
    best: cst.BaseStatement | None = None
    for statement in located[1]:
        if region_ok is not None and not region_ok(statement):
            break
        best = statement
    return None if best is None else Hoist(best, method, "attribute")


def repeats_same_lookup(
    context: RuleContext, lookup: cst.CSTNode, value: cst.BaseExpression, hoist: Hoist
) -> bool:
    """The value ``lookup`` looks for stays the same in every loop that would run it before
    the index (``for k in kinds: if STAR2 in formal: ...``): each iteration asks the same
    question, so one lookup hoisted out of the loops answers it, and an index of the whole
    collection is the wrong advice.

    A value stays the same in a loop when it is built from constants, names the loop neither
    rebinds nor changes, and pure builtin calls of such values; an attribute or constant item
    of such a name too, when the name is a module or class (``nodes.ARG_STAR2``) or the loop
    runs no code that could change it (no calls, no stores into attributes or items)."""
    loops = [
        loop
        for loop in repeating_loops(context, lookup).loops
        if is_inside(context, loop, hoist.statement)
    ]
    return bool(loops) and all(_stays_the_same(context, value, loop) for loop in loops)


def _stays_the_same(context: RuleContext, value: cst.BaseExpression, loop: cst.CSTNode) -> bool:
    if isinstance(value, (cst.BaseNumber, cst.SimpleString, cst.ConcatenatedString)):
        return True
    if isinstance(value, cst.Name):
        # Passing it on (an escape) does not make it another value: only rebinding it or
        # changing its object in place does.
        if value.value in {"None", "True", "False"} or not any(
            use in {Use.REBIND, Use.MUTATE} for _, use in changes_in(context, loop, value.value)
        ):
            return True
        # Rebound in the loop, but just before the lookup to a value that stays the same
        # (`node = source` in the branch that then looks `node` up).
        assigned = _assigned_just_before(context, value, loop)
        return (
            assigned is not None
            and not any(n.value == value.value for n in walk(assigned) if isinstance(n, cst.Name))
            and _stays_the_same(context, assigned, loop)
        )
    if isinstance(value, (cst.Attribute, cst.Subscript)):
        if isinstance(value, cst.Subscript) and not (
            len(value.slice) == 1
            and isinstance(value.slice[0].slice, cst.Index)
            and _stays_the_same(context, value.slice[0].slice.value, loop)
        ):
            return False
        root = value.value
        while isinstance(root, (cst.Attribute, cst.Subscript)):
            root = root.value
        if not isinstance(root, cst.Name) or not _stays_the_same(context, root, loop):
            return False
        return _names_module_or_class(context, root) or (
            region_activity(context, [loop]) is Activity.QUIET
        )
    if isinstance(value, cst.UnaryOperation):
        return _stays_the_same(context, value.expression, loop)
    if isinstance(value, cst.BinaryOperation):
        return _stays_the_same(context, value.left, loop) and _stays_the_same(
            context, value.right, loop
        )
    if isinstance(value, cst.Tuple):
        return all(
            isinstance(e, cst.Element) and _stays_the_same(context, e.value, loop)
            for e in value.elements
        )
    if isinstance(value, cst.Call) and is_effect_free_call(context, value):
        return all(
            arg.keyword is None and not arg.star and _stays_the_same(context, arg.value, loop)
            for arg in value.args
        )
    return False


def _assigned_just_before(
    context: RuleContext, name: cst.Name, loop: cst.CSTNode
) -> cst.BaseExpression | None:
    """The value of the last ``NAME = value`` that runs before ``name`` (a read) on every
    path inside ``loop``: found by walking back through the statements of the read's block
    and the blocks around it (``if``/``with``/``try`` bodies), up to the loop's own body;
    None when another binding of the name, or the start of the loop's body, comes first."""
    current = statement_of(context, name)
    while current is not None and current is not loop:
        block = context.parent(current)
        if not isinstance(block, cst.IndentedBlock):
            return None
        siblings = list(block.body)
        index = next(i for i, s in enumerate(siblings) if s is current)
        for previous in reversed(siblings[:index]):
            value = _plain_assignment(previous, name.value)
            if value is not None:
                return value
            if any(use is Use.REBIND for _, use in uses_in(context, previous, name.value)):
                return None
        owner = context.parent(block)
        if isinstance(owner, cst.Else):
            owner = context.parent(owner)
            if not isinstance(owner, cst.If):
                return None  # the `else` of a loop or of a `try`
        elif isinstance(owner, (cst.Try, cst.TryStar)):
            if owner.body is not block:
                return None  # a handler or `finally`: the `try` body may have rebound it
        elif not isinstance(owner, (cst.If, cst.With)):
            return None  # the loop itself, a nested loop, a function...
        holder: cst.CSTNode | None = owner
        while isinstance(holder, (cst.If, cst.Else)) and not isinstance(
            context.parent(holder), (cst.IndentedBlock, cst.Module)
        ):
            holder = context.parent(holder)  # an `elif` chain: the `if` that holds it
        if not isinstance(holder, cst.BaseStatement):
            return None
        current = holder
    return None


def _plain_assignment(statement: cst.BaseStatement, name: str) -> cst.BaseExpression | None:
    """``NAME = value`` (one target, one statement on its line): the value."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    assign = statement.body[0]
    if (
        isinstance(assign, cst.Assign)
        and len(assign.targets) == 1
        and isinstance(assign.targets[0].target, cst.Name)
        and assign.targets[0].target.value == name
    ):
        return assign.value
    return None


def _names_module_or_class(context: RuleContext, name: cst.Name) -> bool:
    """``name`` is bound only by imports or module-level ``class`` statements: its
    attributes are constants of a module or a class (``nodes.ARG_STAR2``, ``Color.RED``)."""
    resolution = context.scopes.resolve(name)
    if not resolution.is_module_level:
        return False
    facts = context.facts
    bindings = facts.bindings.get(name.value, ())
    return bool(bindings) and all(
        isinstance(b, (ast.Import, ast.ImportFrom))
        or (isinstance(b, ast.ClassDef) and facts.parents.get(b) is facts.tree)
        for b in bindings
    )


def _frame_and_statements(
    context: RuleContext, found: Loops
) -> tuple[Frame, list[cst.BaseStatement]] | None:
    """The frame that runs the loops, and the statements holding them, innermost first."""
    boundary = found.boundary
    if isinstance(boundary, cst.ClassDef):
        class_statement = statement_of(context, boundary)
        outer = _enclosing_frame(context, boundary)
        if class_statement is None or outer is None:
            return None
        return outer, [class_statement]
    if boundary is None:
        frame: Frame = context.module
    elif isinstance(boundary, cst.FunctionDef):
        frame = boundary
    else:
        return None  # a lambda, or a generator expression that runs at unknown times
    statements: list[cst.BaseStatement] = []
    for loop in found.loops:
        statement = statement_of(context, loop)
        if statement is None:
            break
        if isinstance(frame, cst.FunctionDef) and not is_inside(context, statement, frame.body):
            break  # a loop in a default value or decorator of the function
        if not statements or statements[-1] is not statement:
            statements.append(statement)
    if not statements:
        return None
    return frame, statements


def _enclosing_frame(context: RuleContext, node: cst.CSTNode) -> Frame | None:
    """The function or module whose body holds ``node`` (None: a class body or a lambda)."""
    for ancestor in context.ancestors(node):
        if isinstance(ancestor, cst.FunctionDef):
            return ancestor
        if isinstance(ancestor, (cst.ClassDef, cst.Lambda)):
            return None
    return context.module


def _collection_kind(context: RuleContext, collection: cst.Name, frame: Frame) -> str | None:
    resolution = context.scopes.resolve(collection)
    if isinstance(frame, cst.Module):
        return "local" if resolution.is_module_level else None
    frame_scope = context.scopes.scope_for_node(frame)
    if frame_scope is not None and resolution.scope is frame_scope:
        return "local"
    if resolution.is_module_level:
        return "global"
    return None  # a closure variable, a class attribute, a comprehension variable


def _local_facts(
    context: RuleContext, function: cst.FunctionDef, name: str
) -> tuple[list[cst.Name], list[cst.CSTNode], bool] | None:
    """For a local variable of ``function``: where it escapes, the nodes that bind it (not
    ``del``), and whether it is a parameter. None when a nested scope rebinds or changes it."""
    scope = context.scopes.scope_for_node(function)
    if scope is None:
        return None
    bindings = context.scopes.bindings_of(scope, name)
    if any(binding.scope is not scope for binding in bindings):
        return None  # `nonlocal name` in a nested function
    escapes = []
    for occurrence, use in uses_in(context, function, name):
        if use is Use.READ:
            continue
        if enclosing_loops(context, occurrence).boundary is not function:
            return None  # a nested function, lambda, class or lazy generator changes it
        if use is Use.ESCAPE:
            escapes.append(occurrence)
    binding_nodes = [b.node for b in bindings if not isinstance(b.binder, (cst.Del, cst.Param))]
    is_parameter = any(isinstance(b.binder, cst.Param) for b in bindings)
    return escapes, binding_nodes, is_parameter


def _module_binding_before(
    context: RuleContext, collection: cst.Name, frame: Frame
) -> Callable[[cst.BaseStatement], bool]:
    """For a module-level name: is it bound before a statement? Inside a function, it is bound
    when the function runs (some module-level assignment binds it, checked by the caller); at
    module level, by a statement of the chunk before it, or an earlier top-level statement."""
    if isinstance(frame, cst.FunctionDef):
        return lambda statement: True
    facts = context.facts
    name = collection.value
    earlier = any(
        _toplevel_statement_row(facts, binding) < context.toplevel_row
        for binding in facts.bindings.get(name, ())
        if isinstance(binding, ast.Name) and _is_unconditional_toplevel(facts, binding)
    )
    if earlier:
        return lambda statement: True
    root = context.scopes.root
    nodes = [
        b.node for b in root.bindings.get(name, ()) if not isinstance(b.binder, cst.Del)
    ]

    def bound_before(statement: cst.BaseStatement) -> bool:
        return any(dominates(context, node, statement, context.module) for node in nodes)

    return bound_before


def _is_unconditional_toplevel(facts: ModuleFacts, binding: ast.Name) -> bool:
    parent = facts.parents.get(binding)
    while isinstance(parent, (ast.Tuple, ast.List, ast.Starred)):
        parent = facts.parents.get(parent)
    return isinstance(parent, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and (
        facts.parents.get(parent) is facts.tree
    )


def _toplevel_statement_row(facts: ModuleFacts, node: ast.Name) -> int:
    return node.end_lineno or node.lineno


def _bound_at_module_level(facts: ModuleFacts, name: str) -> bool:
    """Assigned at module level, and bound nowhere by an import, ``def`` or ``class`` (another
    module may hold and change an imported object)."""
    bindings = facts.bindings.get(name, [])
    return any(
        isinstance(b, ast.Name) for b in facts.module_level_bindings.get(name, ())
    ) and not any(
        isinstance(b, (ast.Import, ast.ImportFrom, *FUNCTION_OR_CLASS))
        for b in bindings
    )


# -- module-level names ---------------------------------------------------------------------


def module_name_is_stable(facts: ModuleFacts, name: str) -> bool:
    """No function of the module can rebind or change the module-level variable ``name``
    while a loop runs: no ``global name``, no ``exec``/``globals()``..., every read inside a
    function or lambda only reads it, and no module-level code lets the object escape (to
    someone who might change it later). Module-level code may change it: that runs when the
    module is imported, never in the middle of a loop of another statement.

    Occurrences are found by name, so a local variable of the same name in some function
    counts too: "stable" errs towards "no".
    """
    cache: dict[str, bool] | None = getattr(facts, "_stable_module_names", None)
    if cache is None:
        cache = {}
        facts._stable_module_names = cache  # type: ignore[attr-defined]
    if name not in cache:
        cache[name] = _module_name_is_stable(facts, name)
    return cache[name]


def _module_name_is_stable(facts: ModuleFacts, name: str) -> bool:
    if facts.uses_dynamic_namespace:
        return False
    if any(isinstance(b, ast.Global) for b in facts.bindings.get(name, ())):
        return False
    for load in facts.loads.get(name, ()):
        use = ast_use(facts, load)
        if use is Use.READ:
            continue
        if use is Use.ESCAPE or facts.enclosing_function(load) is not None:
            return False
    return True


# -- names ------------------------------------------------------------------------------------


def fresh_name(
    context: RuleContext, base: str, taken: set[str] | frozenset[str] = frozenset()
) -> str:
    """``base``, or ``base_1``, ``base_2``...: a name that nothing in the module binds or reads
    (in any scope), that is no builtin or keyword, and that is not in ``taken``."""
    used = _used_names(context)
    candidate, counter = base, 0
    while candidate in used or candidate in taken or keyword.iskeyword(candidate):
        counter += 1
        candidate = f"{base}_{counter}"
    return candidate


def _used_names(context: RuleContext) -> set[str]:
    cached: set[str] | None = getattr(context, "_hoisting_used_names", None)
    if cached is None:
        facts = context.facts
        cached = set(facts.bindings) | set(facts.loads) | BUILTIN_NAMES
        for scope in context.scopes.root.walk():
            cached.update(scope.bindings)
            cached.update(scope.reads)
        context._hoisting_used_names = cached  # type: ignore[attr-defined]
    return cached


def identifier_part(text: str) -> str:
    """``"first name"`` -> ``first_name``: a piece of an identifier made from a key."""
    cleaned = "".join(c if c.isalnum() or c == "_" else "_" for c in text.strip().lower())
    cleaned = "_".join(part for part in cleaned.split("_") if part)
    if not cleaned.isidentifier() and not ("x" + cleaned).isidentifier():
        return "key"
    return cleaned or "key"


# -- the fix ----------------------------------------------------------------------------------

Builder = Callable[["cst.CSTNode"], "cst.BaseExpression"]


@dataclass
class _Group:
    statement: cst.BaseStatement
    #: Known once an index is asked for before ``statement``.
    frame: Frame | None = None
    #: Index key -> (name, value), in the order they were asked for.
    definitions: dict[Hashable, tuple[str, cst.BaseExpression]] = field(default_factory=dict)
    #: The keys of ``definitions`` that later statements may reuse.
    reusable: set[Hashable] = field(default_factory=set)
    replacements: dict[cst.CSTNode, Builder] = field(default_factory=dict)
    imports: list[ImportRequest] = field(default_factory=list)
    reports: list[tuple[cst.CSTNode, str]] = field(default_factory=list)
    #: Why each of the group's fixes is unsafe, in the order they were given.
    reasons: list[str] = field(default_factory=list)
    #: The earlier group whose index this one reuses: both are fixed by one fix.
    joined: _Group | None = None


class HoistedFixes:
    """The fixes of one rule in one chunk, grouped by the statement the indexes go before.

    A rule calls :meth:`define` for the index a lookup needs (lookups of one collection by one
    key share it), :meth:`replace` for the lookup, :meth:`report` for the diagnostic, and
    :meth:`flush` when the chunk has been visited (``leave_Module``): every diagnostic of a
    statement then carries the same fix, which inserts all its indexes and rewrites all its
    lookups (two fixes that both replaced the statement would overlap).

    An index asked for before a later loop of the same block is not built again when an
    identical one (same key, same expression) is built before an earlier loop and nothing from
    that loop on rebinds, changes or lets escape a name the expression reads (the hoisting
    rules already ensure that nobody else holds the collection there): the later loop uses
    it, and both statements are rewritten by one fix, so that the index is never used without
    its definition.
    """

    def __init__(self, rule: Rule, reason: str) -> None:
        self.rule = rule
        self.reason = reason
        self._groups: dict[int, _Group] = {}

    def _group(self, statement: cst.BaseStatement) -> _Group:
        group = self._groups.get(id(statement))
        if group is None:
            group = self._groups[id(statement)] = _Group(statement)
        return group

    def _taken(self, frame: Frame) -> set[str]:
        """The names already chosen for new variables of ``frame`` in this round, by any rule:
        for the module, in any chunk (two module-level loops must not both bind
        ``LEVELS_INDEX``); for a function, in its chunk."""
        context = self.rule.context
        if isinstance(frame, cst.Module):
            holder: object = context.facts
            key = 0
        else:
            holder, key = context, id(frame)
        table: dict[int, set[str]] | None = getattr(holder, "_hoisted_names", None)
        if table is None:
            table = {}
            holder._hoisted_names = table  # type: ignore[attr-defined]
        return table.setdefault(key, set())

    def define(
        self,
        hoist: Hoist,
        key: Hashable,
        base_name: str,
        value: Callable[[str], cst.BaseExpression],
        imports: Sequence[ImportRequest] = (),
        *,
        reusable: bool = False,
    ) -> str:
        """The name of the index ``key`` built before ``hoist.statement`` (made on first
        request; ``value`` receives its name and returns the expression that builds it).

        ``reusable``: the index depends only on the objects its expression names (a set or
        ``Counter`` of a list's items, their positions), not on the items' attributes, so an
        identical index built before an earlier loop of the block serves a later one."""
        group = self._group(hoist.statement)
        group.frame = hoist.frame
        known = group.definitions.get(key)
        if known is not None:
            return known[0]
        if reusable:
            earlier = self._reusable(group, key, value)
            if earlier is not None:
                group.joined = earlier
                return earlier.definitions[key][0]
        taken = self._taken(hoist.frame)
        name = fresh_name(self.rule.context, base_name, taken)
        taken.add(name)
        group.definitions[key] = (name, value(name))
        if reusable:
            group.reusable.add(key)
        group.imports.extend(i for i in imports if i not in group.imports)
        return name

    def _reusable(
        self, group: _Group, key: Hashable, value: Callable[[str], cst.BaseExpression]
    ) -> _Group | None:
        """An earlier group of the same block whose index ``key`` is built by the same
        expression and still holds when ``group``'s statement starts."""
        context = self.rule.context
        block = context.parent(group.statement)
        if not isinstance(block, (cst.IndentedBlock, cst.Module)):
            return None
        body = list(block.body)
        position = next(i for i, s in enumerate(body) if s is group.statement)
        for earlier in self._groups.values():
            if earlier is group or earlier.frame is not group.frame or key not in earlier.reusable:
                continue
            start = next((i for i, s in enumerate(body) if s is earlier.statement), None)
            if start is None or start >= position:
                continue
            name, built = earlier.definitions[key]
            if not value(name).deep_equals(built):
                continue
            between = body[start:position]
            called, read = _names_called_and_read(built)
            if not any(changes_in(context, between, n) for n in read) and not any(
                use is Use.REBIND for n in called for _, use in uses_in(context, between, n)
            ):
                return earlier
        return None

    def replace(self, statement: cst.BaseStatement, node: cst.CSTNode, build: Builder) -> None:
        """Rewrite ``node`` (in ``statement``) as ``build(node after the inner rewrites)``."""
        self._group(statement).replacements[node] = build

    def report(
        self,
        statement: cst.BaseStatement,
        node: cst.CSTNode,
        message: str,
        reason: str | None = None,
    ) -> None:
        """Report ``node``; ``reason`` says why its rewrite is unsafe at this place (the
        rule's general reason when None). A fix that rewrites several lookups gives each
        distinct reason (the parts of a reason are separated by ``"; "``)."""
        group = self._group(statement)
        group.reports.append((node, message))
        for part in reason.split("; ") if reason is not None else ():
            if part not in group.reasons:
                group.reasons.append(part)  # one hazard named once, however many lookups

    def flush(self) -> None:
        units: dict[int, list[_Group]] = {}
        for group in self._groups.values():
            first = group
            while first.joined is not None:
                first = first.joined
            units.setdefault(id(first), []).append(group)
        for unit in units.values():
            fixable = any(g.definitions for g in unit) and any(g.replacements for g in unit)
            fix = self._fix(unit) if fixable else None
            for group in unit:
                for node, message in group.reports:
                    self.rule.report(node, message, fix)
        self._groups.clear()

    def _fix(self, unit: list[_Group]) -> FixProposal:
        changes = [
            self._change(group) for group in unit if group.definitions or group.replacements
        ]
        definitions = [d for group in unit for d in group.definitions.values()]
        imports: list[ImportRequest] = []
        for group in unit:
            imports.extend(i for i in group.imports if i not in imports)
        names = ", ".join(f"`{name}`" for name, _ in definitions)
        reasons: list[str] = []
        for group in unit:
            reasons.extend(r for r in group.reasons if r not in reasons)
        return self.rule.fix(
            changes,
            Applicability.UNSAFE,
            "; ".join(reasons) or self.reason,
            imports=tuple(imports),
            title=f"Build {names} once before the loop",
        )

    def _change(self, group: _Group) -> Change:
        """The group's statement with its lookups rewritten, its indexes built before it."""
        statement = group.statement
        rewritten = statement.visit(_replacer(group.replacements))
        assert isinstance(rewritten, cst.BaseStatement)
        if not group.definitions:
            return Change(statement, rewritten)
        built: list[cst.BaseStatement] = [
            cst.SimpleStatementLine(
                body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(name))], value=value)]
            )
            for name, value in group.definitions.values()
        ]
        leading = getattr(statement, "leading_lines", ())
        built[0] = built[0].with_changes(leading_lines=leading)
        spacing: Sequence[cst.EmptyLine] = ()
        if isinstance(statement, cst.ClassDef):
            # A class stays apart from the new statement: by its own blank lines, or by two
            # at module level (the chunk holds no blank line before a top-level statement).
            spacing = [line for line in leading if line.comment is None] or [
                cst.EmptyLine()
            ] * (2 if self.rule.context.parent(statement) is self.rule.context.module else 1)
        rewritten = rewritten.with_changes(leading_lines=spacing)
        return Change(statement, cst.FlattenSentinel([*built, rewritten]))


def _names_called_and_read(expression: cst.CSTNode) -> tuple[set[str], set[str]]:
    """The names that ``expression`` calls (``set``, ``collections.Counter``: only their
    rebinding matters), and the other names it reads (whose objects must not change)."""
    called = {
        n.value
        for call in walk(expression)
        if isinstance(call, cst.Call)
        for n in walk(call.func)
        if isinstance(n, cst.Name)
    }
    read = {n.value for n in walk(expression) if isinstance(n, cst.Name)} - called
    return called, read


def _replacer(replacements: dict[cst.CSTNode, Builder]) -> cst.CSTTransformer:
    """A transformer that rebuilds each node of ``replacements`` with its builder."""
    return _replacer_class()(replacements)  # type: ignore[call-arg]


@cache
def _replacer_class() -> type[cst.CSTTransformer]:
    # Defined on first use: LibCST is imported only when a fix is built (see ``lazycst``).
    class Replacer(cst.CSTTransformer):
        def __init__(self, replacements: dict[cst.CSTNode, Builder]) -> None:
            super().__init__()
            self.replacements = replacements

        def on_leave(  # type: ignore[override]
            self, original_node: cst.CSTNode, updated_node: cst.CSTNode
        ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
            result = super().on_leave(original_node, updated_node)
            build = self.replacements.get(original_node)
            if build is not None and isinstance(result, cst.CSTNode):
                return build(result)
            return result

    return Replacer


__all__ = [
    "FUNCTION_OR_CLASS",
    "Frame",
    "Hoist",
    "HoistedFixes",
    "fresh_name",
    "hoist_point",
    "hoist_point_in_method",
    "identifier_part",
    "module_name_is_stable",
    "repeats_same_lookup",
]
