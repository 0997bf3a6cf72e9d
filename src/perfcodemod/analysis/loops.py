"""Loops: which loops repeat a node, and whether a name stays the same while they run.

A loop here is a ``for`` or ``while`` statement or a comprehension (list, set, dict, generator).
Only part of a loop runs on every iteration: a ``for``'s iterable and ``else`` run once, and so
does a comprehension's first iterable, which is evaluated in the enclosing scope before the
comprehension starts. :func:`enclosing_loops` answers "which loops repeat this node?" within one
function (it never looks past a ``def``, ``lambda`` or ``class``); :func:`repeating_loops`
leaves out the loops that the node's statement always leaves once it has run (a search followed
by ``break``).

A generator expression is a loop whose iterations run whenever someone advances it. When it is
consumed on the spot (``any(x in L for x in xs)``, or as the iterable of a ``for``:
:func:`perfcodemod.analysis.consumers.is_consumed_on_the_spot`) it behaves like the other
loops; when it is stored or passed elsewhere its code may run much later, after names it reads
have changed, so :func:`enclosing_loops` stops there unless asked not to.

Whether a name is rebound or changed in a loop is a region question of
:mod:`perfcodemod.analysis.uses` (:func:`is_loop_invariant` asks it of a whole loop); what runs
before and after a statement is :mod:`perfcodemod.analysis.flow`'s.

The ``*_ast`` functions answer the same questions on Python's ``ast`` for pre-checks; they may
say "maybe" where the LibCST versions say "no", never the other way round.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Union

from perfcodemod.analysis.comprehensions import comprehension_types
from perfcodemod.analysis.consumers import is_consumed_on_the_spot
from perfcodemod.analysis.expressions import walk
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.flow import is_inside, scope_boundaries, statement_of
from perfcodemod.analysis.uses import is_rebound_or_mutated_in
from perfcodemod.context import RuleContext
from perfcodemod.lazycst import cst

LoopNode = Union[
    "cst.For", "cst.While", "cst.ListComp", "cst.SetComp", "cst.DictComp", "cst.GeneratorExp"
]


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
        if isinstance(ancestor, scope_boundaries()):
            return Loops(tuple(loops), ancestor)
        if isinstance(ancestor, cst.For):
            if child is ancestor.body or child is ancestor.target:
                loops.append(ancestor)
        elif isinstance(ancestor, cst.While):
            if child is ancestor.body or child is ancestor.test:
                loops.append(ancestor)
        elif isinstance(ancestor, comprehension_types()):
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
            and is_inside(context, statement, loop.body)  # not the `while` test itself
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
    if _exits(statement) in {"return", "raise"}:
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
            if exit in {"return", "raise"}:
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


def is_loop_invariant(context: RuleContext, name: str, loop: cst.CSTNode) -> bool:
    """Every occurrence of ``name`` in ``loop`` (its whole statement or expression) only reads
    it. The caller must also know that nobody else holds the object (see :func:`escapes`)."""
    return not is_rebound_or_mutated_in(context, loop, name)


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


def in_loop_ast(facts: ModuleFacts, node: ast.AST) -> bool:
    """``node`` may be repeated by a loop or comprehension (not only inside a lambda)."""
    loops, boundary = enclosing_loops_ast(facts, node)
    return bool(loops) and not isinstance(boundary, ast.Lambda)


def _in_list(node: ast.AST, statements: Sequence[ast.AST]) -> bool:
    return any(s is node for s in statements)


__all__ = [
    "AST_COMPREHENSIONS",
    "AST_SCOPES",
    "LoopNode",
    "Loops",
    "enclosing_loops",
    "enclosing_loops_ast",
    "in_loop_ast",
    "is_loop_invariant",
    "repeating_loops",
]
