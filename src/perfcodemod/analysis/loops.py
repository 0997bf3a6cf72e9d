"""Loops, the statements around them, and whether a name stays the same while they run.

A loop here is a ``for`` or ``while`` statement or a comprehension (list, set, dict, generator).
Only part of a loop runs on every iteration: a ``for``'s iterable and ``else`` run once, and so
does a comprehension's first iterable, which is evaluated in the enclosing scope before the
comprehension starts. :func:`enclosing_loops` answers "which loops repeat this node?" within one
function (it never looks past a ``def``, ``lambda`` or ``class``).

A generator expression is a loop whose iterations run whenever someone advances it. When it is
consumed on the spot (``any(x in L for x in xs)``, or as the iterable of a ``for``) it behaves
like the other loops; when it is stored or passed elsewhere its code may run much later, after
names it reads have changed, so :func:`enclosing_loops` stops there unless asked not to.

The region questions ("is ``L`` rebound or changed in this loop?", "has it escaped before
it?") are answered from :mod:`perfcodemod.analysis.uses`.

The ``*_ast`` functions answer the same questions on Python's ``ast`` for pre-checks; they may
say "maybe" where the LibCST versions say "no", never the other way round.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Union

import libcst as cst

from perfcodemod.analysis import names
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.uses import (
    LIST_MUTATING_METHODS,
    LIST_READ_METHODS,
    Region,
    Use,
    uses_in,
)
from perfcodemod.engine import RuleContext

COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
SCOPE_BOUNDARIES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)
LoopNode = Union[cst.For, cst.While, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp]
#: Builtins that consume a generator argument completely (or until they have their answer)
#: before they return.
EAGER_CONSUMERS = frozenset(
    {"any", "all", "sum", "min", "max", "sorted", "list", "set", "frozenset", "tuple", "dict"}
)


@dataclass(frozen=True)
class Loops:
    """The loops that repeat a node, innermost first, and where the search stopped."""

    loops: tuple[LoopNode, ...]
    #: The ``def``, ``lambda`` or ``class`` that ends the search, a generator expression that
    #: is not consumed on the spot (when asked to stop there), or None at module level.
    boundary: cst.CSTNode | None

    @property
    def in_function(self) -> bool:
        """The search ended at the ``def`` whose body holds the node (not at a lambda, a class
        body or a lazy generator)."""
        return isinstance(self.boundary, cst.FunctionDef)

    @property
    def innermost(self) -> LoopNode | None:
        return self.loops[0] if self.loops else None

    def __bool__(self) -> bool:
        return bool(self.loops)


def enclosing_loops(
    context: RuleContext, node: cst.CSTNode, *, lazy_generators_are_loops: bool = False
) -> Loops:
    """The loops whose repeated part holds ``node``, innermost first, up to the enclosing
    ``def``/``lambda``/``class``.

    With ``lazy_generators_are_loops`` false (the default), a generator expression that is not
    consumed on the spot ends the search (it is then the ``boundary``): code inside it runs
    when the generator is advanced, which may be anywhere.
    """
    loops: list[LoopNode] = []
    child: cst.CSTNode = node
    grandchild: cst.CSTNode | None = None
    for ancestor in context.ancestors(node):
        if isinstance(ancestor, SCOPE_BOUNDARIES):
            return Loops(tuple(loops), ancestor)
        if isinstance(ancestor, cst.For):
            if child is ancestor.body or child is ancestor.target:
                loops.append(ancestor)
        elif isinstance(ancestor, cst.While):
            if child is ancestor.body or child is ancestor.test:
                loops.append(ancestor)
        elif isinstance(ancestor, COMPREHENSIONS):
            first = ancestor.for_in
            evaluated_once = child is first and grandchild is first.iter
            if not evaluated_once:
                if (
                    isinstance(ancestor, cst.GeneratorExp)
                    and not lazy_generators_are_loops
                    and not is_consumed_on_the_spot(context, ancestor)
                ):
                    return Loops(tuple(loops), ancestor)
                loops.append(ancestor)
        grandchild, child = child, ancestor
    return Loops(tuple(loops), None)


def is_consumed_on_the_spot(context: RuleContext, generator: cst.GeneratorExp) -> bool:
    """``generator`` runs to completion (or to an early answer) within the expression or
    statement that creates it: the argument of ``any``/``sum``/``sorted``/``"".join``..., or
    the iterable of a ``for`` or of a comprehension."""
    parent = context.parent(generator)
    if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is generator:
        return True
    if not isinstance(parent, cst.Arg) or parent.keyword is not None or parent.star:
        return False
    call = context.parent(parent)
    if not isinstance(call, cst.Call):
        return False
    if names.is_builtin(context, call.func, *EAGER_CONSUMERS):
        return True
    func = call.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value == "join"
        and isinstance(func.value, (cst.SimpleString, cst.ConcatenatedString))
    )


def loop_contains(loop: cst.CSTNode, node: cst.CSTNode, context: RuleContext) -> bool:
    """``node`` is ``loop`` or inside it (anywhere, repeated part or not)."""
    return node is loop or any(ancestor is loop for ancestor in context.ancestors(node))


# -- statements ------------------------------------------------------------------------------


def statement_of(context: RuleContext, node: cst.CSTNode) -> cst.BaseStatement | None:
    """The statement of a block (a module, or the body of a ``def``, ``if``, ``for``...) that
    holds ``node``: the place where code can be inserted before it."""
    current: cst.CSTNode | None = node
    while current is not None:
        parent = context.parent(current)
        if isinstance(current, cst.BaseStatement) and isinstance(
            parent, (cst.IndentedBlock, cst.Module)
        ):
            return current
        current = parent
    return None


def _block_and_owner(
    context: RuleContext, statement: cst.BaseStatement
) -> tuple[cst.IndentedBlock | cst.Module | None, cst.CSTNode | None]:
    block = context.parent(statement)
    if not isinstance(block, (cst.IndentedBlock, cst.Module)):
        return None, None
    return block, context.parent(block)


def statements_before(
    context: RuleContext, statement: cst.BaseStatement, root: cst.CSTNode
) -> Iterator[cst.BaseStatement]:
    """The statements that always finish before ``statement`` starts, within one run of
    ``root`` (a function, or the module): its earlier siblings, and the earlier siblings of
    each block statement around it, nearest first."""
    current: cst.BaseStatement | None = statement
    while current is not None:
        block, owner = _block_and_owner(context, current)
        if block is None:
            return
        index = next(i for i, s in enumerate(block.body) if s is current)
        yield from reversed(block.body[:index])
        if owner is root or block is root or owner is None or isinstance(owner, SCOPE_BOUNDARIES):
            return
        current = statement_of(context, owner)


def statements_after(
    context: RuleContext, statement: cst.BaseStatement, root: cst.CSTNode
) -> Iterator[cst.BaseStatement]:
    """The statements that can only start after ``statement`` has finished, and after which
    ``statement`` never runs again within one run of ``root``: the later siblings of
    ``statement`` and of each block statement around it, except those inside a loop that
    repeats ``statement`` (they also run before its next run)."""
    levels: list[tuple[cst.IndentedBlock | cst.Module, int]] = []
    current: cst.BaseStatement | None = statement
    while current is not None:
        block, owner = _block_and_owner(context, current)
        if block is None:
            return
        index = next(i for i, s in enumerate(block.body) if s is current)
        levels.append((block, index))
        if owner is root or block is root or owner is None or isinstance(owner, SCOPE_BOUNDARIES):
            break
        if isinstance(owner, (cst.For, cst.While)) and owner.body is block:
            levels.clear()  # everything so far is repeated with `statement`
        current = statement_of(context, owner)
    for block, index in levels:
        yield from block.body[index + 1 :]


def dominates(
    context: RuleContext, earlier: cst.CSTNode, statement: cst.BaseStatement, root: cst.CSTNode
) -> bool:
    """``earlier`` (a node in some statement) has run whenever ``statement`` starts: it sits in
    a statement that :func:`statements_before` lists, possibly inside ``with`` blocks, but not
    inside an ``if``, a loop or a ``try``."""
    holder = statement_of(context, earlier)
    while holder is not None:
        block, owner = _block_and_owner(context, holder)
        if owner is None or block is None:
            return False
        if any(s is holder for s in statements_before(context, statement, root)):
            return True
        if isinstance(owner, cst.With) and owner.body is block:
            holder = statement_of(context, owner)
            continue
        return False
    return False


#: Exceptions whose handler may be the fallback for an unhashable value.
_TYPE_ERROR_CATCHERS = frozenset({"TypeError", "Exception", "BaseException"})


def in_type_error_handler(context: RuleContext, node: cst.CSTNode) -> bool:
    """``node`` runs in an ``except`` clause that catches ``TypeError`` (by name, or a bare
    ``except``, ``Exception``, ``BaseException``), within its function: the classic fallback
    for values a set or dict rejects as unhashable (``try: x in seen_set except TypeError:
    x in seen_list``). A set there would defeat the purpose."""
    for ancestor in context.ancestors(node):
        if isinstance(ancestor, SCOPE_BOUNDARIES):
            return False
        if isinstance(ancestor, (cst.ExceptHandler, cst.ExceptStarHandler)):
            caught = ancestor.type
            if caught is None:
                return True
            names = caught.elements if isinstance(caught, cst.Tuple) else [caught]
            for item in names:
                value = item.value if isinstance(item, cst.Element) else item
                spelled = value.attr.value if isinstance(value, cst.Attribute) else getattr(
                    value, "value", None
                )
                if spelled in _TYPE_ERROR_CATCHERS:
                    return True
    return False


# -- regions ---------------------------------------------------------------------------------


def changes_in(
    context: RuleContext,
    region: Region,
    name: str,
    read_methods: frozenset[str] = LIST_READ_METHODS,
    mutating_methods: frozenset[str] = LIST_MUTATING_METHODS,
) -> list[tuple[cst.Name, Use]]:
    """The occurrences of ``name`` in ``region`` that rebind it, change its object, or let the
    object escape (where it may be changed later)."""
    return [
        (occurrence, use)
        for occurrence, use in uses_in(context, region, name, read_methods, mutating_methods)
        if use is not Use.READ
    ]


def is_rebound_or_mutated_in(
    context: RuleContext,
    region: Region,
    name: str,
    read_methods: frozenset[str] = LIST_READ_METHODS,
    mutating_methods: frozenset[str] = LIST_MUTATING_METHODS,
) -> bool:
    """``name`` may be rebound in ``region``, or its object changed there (an escape within
    the region counts: whoever receives the object may change it)."""
    return bool(changes_in(context, region, name, read_methods, mutating_methods))


def is_loop_invariant(context: RuleContext, name: str, loop: cst.CSTNode) -> bool:
    """Every occurrence of ``name`` in ``loop`` (its whole statement or expression) only reads
    it. The caller must also know that nobody else holds the object (see :func:`escapes`)."""
    return not is_rebound_or_mutated_in(context, loop, name)


def escapes(context: RuleContext, region: Region, name: str) -> list[cst.Name]:
    """The occurrences of ``name`` in ``region`` that let its object escape (``M = L``,
    ``f(L)``, ``return L``, ``self.x = L``...)."""
    return [n for n, use in uses_in(context, region, name) if use is Use.ESCAPE]


# -- the ast twins, for pre-checks -----------------------------------------------------------

AST_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
AST_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def enclosing_loops_ast(
    facts: ModuleFacts, node: ast.AST
) -> tuple[list[ast.AST], ast.AST | None]:
    """The ``ast`` loops whose repeated part holds ``node`` (innermost first; every generator
    expression counts), and the ``def``/``lambda``/``class`` that ended the search."""
    parents = facts.parents
    loops: list[ast.AST] = []
    child: ast.AST = node
    parent = parents.get(node)
    while parent is not None:
        if isinstance(parent, AST_SCOPES):
            return loops, parent
        if isinstance(parent, (ast.For, ast.AsyncFor)):
            if child is parent.target or _in_list(child, parent.body):
                loops.append(parent)
        elif isinstance(parent, ast.While):
            if child is parent.test or _in_list(child, parent.body):
                loops.append(parent)
        elif isinstance(parent, AST_COMPREHENSIONS):
            if child is not parent.generators[0]:
                loops.append(parent)
        elif isinstance(parent, ast.comprehension):
            comprehension = parents.get(parent)
            if (
                isinstance(comprehension, AST_COMPREHENSIONS)
                and parent is comprehension.generators[0]
                and child is not parent.iter
            ):
                loops.append(comprehension)  # the target or a condition of the first `for`
                child, parent = comprehension, parents.get(comprehension)
                continue
        child, parent = parent, parents.get(parent)
    return loops, None


def _in_list(node: ast.AST, statements: Sequence[ast.AST]) -> bool:
    return any(s is node for s in statements)


__all__ = [
    "COMPREHENSIONS",
    "EAGER_CONSUMERS",
    "LoopNode",
    "Loops",
    "changes_in",
    "dominates",
    "enclosing_loops",
    "enclosing_loops_ast",
    "escapes",
    "in_type_error_handler",
    "is_consumed_on_the_spot",
    "is_loop_invariant",
    "is_rebound_or_mutated_in",
    "loop_contains",
    "statement_of",
    "statements_after",
    "statements_before",
]
