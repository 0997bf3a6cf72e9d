"""Building something once before a loop: where it can go, what it is called, and the fix.

The linear-lookup rules (PCM301-PCM303) replace a search of a collection inside a loop with an
index built once before the loop. That is only right where the collection cannot change while
the loops run, and only possible where a statement can be inserted that the lookups see. This
module answers, for one lookup of a collection named ``xs``:

- :func:`hoist_point`: the statement before which the index goes, the one holding the outermost
  loop in which ``xs`` stays the same (``None``: not in a loop, or no such statement);
- :func:`module_name_is_stable`: for a module-level ``xs``, that no function of the module can
  rebind or change it while a loop runs (from the module's ``ast``);
- :func:`fresh_name`: a name for the index that nothing in the module binds or reads;
- :class:`HoistedFixes`: one fix per insertion point, holding every index built there and
  every lookup rewritten under it (two lookups of one statement share their fix).

Why a module of its own: ``rules/membership/list_membership_in_loop.py`` (PCM204) answers the
same "where does the set go" question for function locals in a private method, and
``analysis/loops.py`` was being written by another engineer at the same time. This generalises
that placement to module-level names, globals read in functions and comprehensions in class
bodies; it is meant to be merged into ``analysis/loops.py`` (and PCM204 to use it) later.
"""

from __future__ import annotations

import ast
import keyword
from collections.abc import Callable, Collection, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Union

import libcst as cst

from perfcodemod.analysis.facts import BUILTIN_NAMES, ModuleFacts
from perfcodemod.analysis.loops import (
    LoopNode,
    Loops,
    changes_in,
    dominates,
    enclosing_loops,
    statement_of,
    statements_after,
    statements_before,
)
from perfcodemod.analysis.uses import (
    LIST_MUTATING_METHODS,
    LIST_READ_METHODS,
    NON_RETAINING_BUILTINS,
    Use,
    name_occurrences,
    uses_in,
)
from perfcodemod.diagnostic import Applicability
from perfcodemod.engine import RuleContext, children
from perfcodemod.rule import Change, FixProposal, ImportRequest, Rule

Frame = Union[cst.FunctionDef, cst.Module]
FUNCTION_OR_CLASS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_READING_PARENTS = (ast.Compare, ast.BinOp, ast.UnaryOp, ast.Expr, ast.FormattedValue, ast.Starred)

#: Calls that let a function reach its own local variables by name.
FRAME_ACCESS = ("locals", "vars", "exec", "eval")


@dataclass(frozen=True)
class Hoist:
    """Where an index of a collection is built."""

    #: Insert before this statement (of ``frame``'s body, or of a block nested in it).
    statement: cst.BaseStatement
    #: The function whose body holds ``statement``, or the chunk's module.
    frame: Frame
    #: ``local``: a variable of ``frame`` (at module level, of the module); ``global``: a
    #: module-level variable read inside a function.
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

    Placement follows Python's scoping: a lookup in a lambda or in a generator expression that
    is not consumed on the spot runs at unknown times, so it gets nothing; an index built in a
    class body would be invisible to the comprehensions of that body (and would become a class
    attribute), so a loop in a class body gets its index before the ``class`` statement, in the
    enclosing function or module, and only for a collection that resolves there.
    """
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
        if any(next(name_occurrences(frame, call), None) is not None for call in FRAME_ACCESS):
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
            if not all(_inside_any(context, escape, later) for escape in escapes):
                break
        if region_ok is not None and not region_ok(statement):
            break
        best = statement
    if best is None:
        return None
    return Hoist(best, frame, kind)


def repeating_loops(context: RuleContext, node: cst.CSTNode) -> Loops:
    """The loops that run ``node`` more than once: :func:`enclosing_loops`, without the
    ``for``/``while`` loops that ``node``'s statement always leaves once it has run (a
    ``return`` or ``raise`` statement, or one followed in its block by ``break``, ``return``
    or ``raise`` with no ``continue`` in between). ``for m in parts: if m.startswith(p):
    i = parts.index(m); break`` searches once per run of the loop, not once per item."""
    found = enclosing_loops(context, node)
    statement = statement_of(context, node)
    if statement is None or not found.loops:
        return found
    kept: list[LoopNode] = []
    leaving = True
    for loop in found.loops:
        if (
            isinstance(loop, (cst.For, cst.While))
            and leaving
            and _inside(context, statement, loop.body)  # not the `while` test itself
        ):
            exit = _always_leaves(context, statement, loop)
            if exit == "loop":
                statement = loop
                continue
            if exit == "function":
                # Every enclosing loop of the frame is left too (comprehensions, which hold
                # no statement, came first).
                return Loops(tuple(kept), found.boundary)
            leaving = False
        kept.append(loop)
    return Loops(tuple(kept), found.boundary)


def _always_leaves(
    context: RuleContext, statement: cst.BaseStatement, loop: cst.For | cst.While
) -> str | None:
    """``"loop"`` when running ``statement`` (inside ``loop``'s body) is always followed by
    leaving ``loop`` (``break``), ``"function"`` when by leaving the function (``return``,
    ``raise``), None when the loop may go on. Only ``if``/``else`` and ``with`` blocks are
    looked through, and no ``try`` may lie between ``statement`` and the loop: the statement
    may raise into a handler that goes on looping (``try: i = xs.index(v); break`` /
    ``except ValueError: pass`` searches once per miss)."""
    for ancestor in context.ancestors(statement):
        if ancestor is loop:
            break
        if isinstance(ancestor, (cst.Try, cst.TryStar)):
            return None  # the statement may raise into a handler that goes on looping
    if _exits(statement) in ("return", "raise"):
        return "function"
    current: cst.CSTNode = statement
    while True:
        block = context.parent(current)
        if not isinstance(block, cst.IndentedBlock):
            return None
        later = block.body[next(i for i, s in enumerate(block.body) if s is current) + 1 :]
        for following in later:
            if any(isinstance(n, cst.Continue) for n in walk(following)):
                return None
            exit = _exits(following)
            if exit == "break":
                return "loop"
            if exit in ("return", "raise"):
                return "function"
        owner = context.parent(block)
        if owner is loop:
            return None
        if isinstance(owner, cst.Else):
            owner = context.parent(owner)
        if not isinstance(owner, (cst.If, cst.With)):
            return None
        holder = statement_of(context, owner)
        if holder is None:
            return None
        current = holder


def _exits(statement: cst.CSTNode) -> str | None:
    """``break``, ``return`` or ``raise`` when ``statement`` is a simple statement line that
    ends with one of them (``x = f(); return x`` on one line counts)."""
    if isinstance(statement, cst.SimpleStatementLine) and statement.body:
        last = statement.body[-1]
        if isinstance(last, cst.Break):
            return "break"
        if isinstance(last, cst.Return):
            return "return"
        if isinstance(last, cst.Raise):
            return "raise"
    return None


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
        if isinstance(frame, cst.FunctionDef) and not _inside(context, statement, frame.body):
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
        _toplevel_statement_row(facts, binding) < context.first_row
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
        # `loops.dominates` answers False whenever the binding's block is the module itself
        # (its owner is None), so at module level: the binding's statement is one of those
        # that always run before, or sits in a `with` block of one.
        before = list(statements_before(context, statement, context.module))
        for node in nodes:
            holder = statement_of(context, node)
            while holder is not None and not any(holder is s for s in before):
                owner = context.parent(context.parent(holder) or holder)
                holder = statement_of(context, owner) if isinstance(owner, cst.With) else None
            if holder is not None:
                return True
        return False

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


def _inside(context: RuleContext, node: cst.CSTNode, container: cst.CSTNode) -> bool:
    return any(ancestor is container for ancestor in context.ancestors(node))


def _inside_any(
    context: RuleContext, node: cst.CSTNode, statements: Sequence[cst.BaseStatement]
) -> bool:
    ancestors = {id(a) for a in context.ancestors(node)}
    return any(id(statement) in ancestors for statement in statements)


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


def ast_use(facts: ModuleFacts, load: ast.Name) -> Use:
    """What a read of a name does to its object (the ``ast`` twin of
    :func:`perfcodemod.analysis.uses.classify_use`, for reads only)."""
    parents = facts.parents
    parent = parents.get(load)
    if isinstance(parent, ast.Attribute):
        grandparent = parents.get(parent)
        if isinstance(grandparent, ast.Call) and grandparent.func is parent:
            if parent.attr in LIST_READ_METHODS:
                return Use.READ
            if parent.attr in LIST_MUTATING_METHODS:
                return Use.MUTATE
        elif not isinstance(parent.ctx, ast.Load):
            return Use.MUTATE
        return Use.ESCAPE
    if isinstance(parent, ast.Subscript) and parent.value is load:
        return Use.READ if isinstance(parent.ctx, ast.Load) else Use.MUTATE
    if isinstance(parent, _READING_PARENTS):
        return Use.READ
    if isinstance(parent, (ast.For, ast.AsyncFor, ast.comprehension)) and parent.iter is load:
        return Use.READ
    if isinstance(parent, (ast.If, ast.While, ast.Assert, ast.IfExp)) and parent.test is load:
        return Use.READ
    if isinstance(parent, ast.Call) and any(arg is load for arg in parent.args):
        func = parent.func
        if (
            isinstance(func, ast.Name)
            and func.id in NON_RETAINING_BUILTINS
            and facts.is_unbound_builtin(func.id)
        ):
            return Use.READ
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "join"
            and isinstance(func.value, ast.Constant)
            and isinstance(func.value.value, str)
        ):
            return Use.READ
    return Use.ESCAPE


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


# -- expressions ------------------------------------------------------------------------------

_CONSTANTS = (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float, cst.Imaginary)


def is_constant_index(node: cst.BaseExpression) -> bool:
    """A string or number literal (a negative number too): a constant subscript."""
    if isinstance(node, _CONSTANTS):
        return True
    return (
        isinstance(node, cst.UnaryOperation)
        and isinstance(node.operator, cst.Minus)
        and isinstance(node.expression, (cst.Integer, cst.Float))
    )


def constant_subscript(node: cst.Subscript) -> cst.BaseExpression | None:
    """The constant of ``value["key"]`` (one plain index, a constant), else None."""
    if len(node.slice) != 1:
        return None
    element = node.slice[0].slice
    if not isinstance(element, cst.Index) or element.star is not None:
        return None
    return element.value if is_constant_index(element.value) else None


def is_repeatable(node: cst.BaseExpression) -> bool:
    """Evaluating ``node`` twice gives the same value and does nothing else: a name, a
    literal, or attributes and constant subscripts of those (``item.name``, ``row["id"]``).
    (A property or ``__getitem__`` with side effects would be run twice; the fixes that use
    this are unsafe anyway.)"""
    if isinstance(node, cst.Name) or is_constant_index(node):
        return True
    if isinstance(node, cst.Attribute):
        return isinstance(node.value, (cst.Name, cst.Attribute, cst.Subscript)) and is_repeatable(
            node.value
        )
    if isinstance(node, cst.Subscript):
        return (
            constant_subscript(node) is not None
            and isinstance(node.value, (cst.Name, cst.Attribute, cst.Subscript))
            and is_repeatable(node.value)
        )
    return False


def contains_name(node: cst.CSTNode, name: str) -> bool:
    """Some ``Name`` in ``node`` is spelled ``name`` (attribute names aside)."""
    return next(name_occurrences(node, name), None) is not None


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(children(current))


def has_await_yield_or_walrus(node: cst.CSTNode) -> bool:
    return any(isinstance(n, (cst.Await, cst.Yield, cst.NamedExpr)) for n in walk(node))


_BARE_CONDITIONAL_PARENTS = (cst.Element, cst.Index, cst.Return, cst.Expr)
_VALUE_PARENTS = (cst.Assign, cst.AnnAssign, cst.AugAssign, cst.DictElement, cst.DictComp)


def needs_parentheses(context: RuleContext, node: cst.BaseExpression) -> bool:
    """Would a conditional expression (``a if c else b``) put in ``node``'s place need
    parentheses? (When ``node`` has its own, they are kept.)"""
    if node.lpar:
        return False
    parent = context.parent(node)
    if isinstance(parent, _BARE_CONDITIONAL_PARENTS):
        return False
    if isinstance(parent, cst.Arg):
        return parent.star != ""
    if isinstance(parent, _VALUE_PARENTS):
        return parent.value is not node  # a dict key is valid bare, but hard to read
    if isinstance(parent, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
        return parent.elt is not node
    return True


# -- the fix ----------------------------------------------------------------------------------

Builder = Callable[[cst.CSTNode], cst.BaseExpression]


@dataclass
class _Group:
    statement: cst.BaseStatement
    #: Index key -> (name, value), in the order they were asked for.
    definitions: dict[Hashable, tuple[str, cst.BaseExpression]] = field(default_factory=dict)
    replacements: dict[cst.CSTNode, Builder] = field(default_factory=dict)
    imports: list[ImportRequest] = field(default_factory=list)
    reports: list[tuple[cst.CSTNode, str]] = field(default_factory=list)


class HoistedFixes:
    """The fixes of one rule in one chunk, grouped by the statement the indexes go before.

    A rule calls :meth:`define` for the index a lookup needs (lookups of one collection by one
    key share it), :meth:`replace` for the lookup, :meth:`report` for the diagnostic, and
    :meth:`flush` when the chunk has been visited (``leave_Module``): every diagnostic of a
    statement then carries the same fix, which inserts all its indexes and rewrites all its
    lookups (two fixes that both replaced the statement would overlap).
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
    ) -> str:
        """The name of the index ``key`` built before ``hoist.statement`` (made on first
        request; ``value`` receives its name and returns the expression that builds it)."""
        group = self._group(hoist.statement)
        known = group.definitions.get(key)
        if known is not None:
            return known[0]
        taken = self._taken(hoist.frame)
        name = fresh_name(self.rule.context, base_name, taken)
        taken.add(name)
        group.definitions[key] = (name, value(name))
        group.imports.extend(i for i in imports if i not in group.imports)
        return name

    def replace(self, statement: cst.BaseStatement, node: cst.CSTNode, build: Builder) -> None:
        """Rewrite ``node`` (in ``statement``) as ``build(node after the inner rewrites)``."""
        self._group(statement).replacements[node] = build

    def report(self, statement: cst.BaseStatement, node: cst.CSTNode, message: str) -> None:
        self._group(statement).reports.append((node, message))

    def flush(self) -> None:
        for group in self._groups.values():
            fix = self._fix(group) if group.definitions and group.replacements else None
            for node, message in group.reports:
                self.rule.report(node, message, fix)
        self._groups.clear()

    def _fix(self, group: _Group) -> FixProposal:
        statement = group.statement
        rewritten = statement.visit(_Replacer(group.replacements))
        assert isinstance(rewritten, cst.BaseStatement)
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
        names = ", ".join(f"`{name}`" for name, _ in group.definitions.values())
        return self.rule.fix(
            Change(statement, cst.FlattenSentinel([*built, rewritten])),
            Applicability.UNSAFE,
            self.reason,
            imports=tuple(group.imports),
            title=f"Build {names} once before the loop",
        )


class _Replacer(cst.CSTTransformer):
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


def miss_is_caught(
    context: RuleContext, node: cst.CSTNode, region: cst.CSTNode, exceptions: Collection[str]
) -> bool:
    """A ``try`` inside ``region`` (the loops) runs ``node`` in its body and has a handler for
    one of ``exceptions`` (or ``Exception``, ``BaseException``, a bare ``except``): a search
    that misses is then part of the loop's normal flow, not an error that ends it."""
    caught = {*exceptions, "Exception", "BaseException"}
    child: cst.CSTNode = node
    for ancestor in context.ancestors(node):
        if isinstance(ancestor, (cst.Try, cst.TryStar)) and child is ancestor.body:
            for handler in ancestor.handlers:
                if handler.type is None or _names_in(handler.type) & caught:
                    return True
        if ancestor is region:
            return False
        child = ancestor
    return False


def _names_in(node: cst.BaseExpression) -> set[str]:
    """``ValueError``, ``(KeyError, builtins.ValueError)`` -> their last names."""
    if isinstance(node, cst.Name):
        return {node.value}
    if isinstance(node, cst.Attribute):
        return {node.attr.value}
    if isinstance(node, cst.Tuple):
        return {name for element in node.elements for name in _names_in(element.value)}
    return {"<unknown>", "Exception"}  # a computed tuple of exceptions: assume it catches


def is_fallback(context: RuleContext, node: cst.BaseExpression) -> bool:
    """``node`` is the miss path of :func:`lookup_or_fallback`'s shape: the ``else`` of
    ``index[key] if key in index else node`` (the original search, run only on a miss)."""
    parent = context.parent(node)
    if not isinstance(parent, cst.IfExp) or parent.orelse is not node:
        return False
    test, body = parent.test, parent.body
    if not (
        isinstance(test, cst.Comparison)
        and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].operator, cst.In)
        and isinstance(test.comparisons[0].comparator, cst.Name)
        and isinstance(body, cst.Subscript)
        and isinstance(body.value, cst.Name)
        and body.value.value == test.comparisons[0].comparator.value
        and len(body.slice) == 1
        and isinstance(body.slice[0].slice, cst.Index)
    ):
        return False
    return body.slice[0].slice.value.deep_equals(test.left)


def parenthesized(node: cst.BaseExpression) -> cst.BaseExpression:
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def lookup_or_fallback(
    index: str, key: cst.BaseExpression, fallback: cst.BaseExpression, parentheses: bool
) -> cst.BaseExpression:
    """``index[key] if key in index else fallback``: a hit is served by the index, a miss runs
    the original search (which raises what it raised, or finds what the index missed).

    ``fallback``'s own parentheses move to the whole expression; ``parentheses`` asks for new
    ones (see :func:`needs_parentheses`)."""
    lpar, rpar = fallback.lpar, fallback.rpar
    expression: cst.BaseExpression = cst.IfExp(
        test=cst.Comparison(
            left=key.deep_clone(),
            comparisons=[cst.ComparisonTarget(cst.In(), cst.Name(index))],
        ),
        body=cst.Subscript(
            value=cst.Name(index), slice=[cst.SubscriptElement(cst.Index(key.deep_clone()))]
        ),
        orelse=fallback.with_changes(lpar=[], rpar=[]) if lpar else fallback,
    )
    if lpar:
        return expression.with_changes(lpar=lpar, rpar=rpar)
    return parenthesized(expression) if parentheses else expression


__all__ = [
    "FRAME_ACCESS",
    "ast_use",
    "Frame",
    "Hoist",
    "HoistedFixes",
    "constant_subscript",
    "contains_name",
    "fresh_name",
    "has_await_yield_or_walrus",
    "hoist_point",
    "identifier_part",
    "is_fallback",
    "is_constant_index",
    "is_repeatable",
    "lookup_or_fallback",
    "miss_is_caught",
    "module_name_is_stable",
    "needs_parentheses",
    "parenthesized",
    "repeating_loops",
    "walk",
]
