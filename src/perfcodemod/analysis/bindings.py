"""One binding of a name, its uses, and what happens between the binding and a use.

Why a module of its own: :mod:`perfcodemod.analysis.uses` and :mod:`~perfcodemod.analysis.loops`
answer "what does this occurrence do to the object" and "which loops repeat this node" by
name, over a region; the generator rules (PCM103) need more, built on the chunk's scope tree
(:mod:`perfcodemod.analysis.scopes`):

- :func:`sole_binding_uses`: for a binding that is the only one of its name in its scope
  (no other assignment, ``del``, augmented assignment, ``global``/``nonlocal`` anywhere),
  every read that refers to it, closures included;
- :func:`free_names`: the names an expression reads from outside itself (not the variables of
  the comprehensions inside it);
- :func:`path_after`: how control gets from a statement to a later node in the same run of
  the function: the statements that may run in between, and the ``with``, ``try`` and loop
  blocks that are left on the way (after which a lazily computed value sees a closed file, an
  exception handler that no longer applies, a later iteration);
- :func:`handlers_around`: the ``try`` and ``with`` statements around a node that do not
  also hold an earlier statement (exceptions raised at the node now reach them);
- :func:`first_change`: the first occurrence in a region that rebinds, mutates or lets escape
  one of some names (:func:`perfcodemod.analysis.uses.classify_use`).

It may be merged into ``uses.py``/``loops.py`` once those settle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import libcst as cst

from perfcodemod.analysis.loops import statement_of
from perfcodemod.analysis.names import dotted_name
from perfcodemod.analysis.scopes import Scope
from perfcodemod.analysis.uses import (
    LIST_MUTATING_METHODS,
    Use,
    classify_use,
    in_target_position,
    name_occurrences,
)
from perfcodemod.engine import RuleContext, children

_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
#: Methods that change the list, dict, set or deque they are called on.
CONTAINER_MUTATING_METHODS = LIST_MUTATING_METHODS | frozenset(
    {
        "update", "setdefault", "popitem", "add", "discard", "difference_update",
        "intersection_update", "symmetric_difference_update", "appendleft", "extendleft",
        "popleft", "rotate", "move_to_end",
    }
)
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


def sole_binding_uses(
    context: RuleContext, target: cst.Name
) -> tuple[Scope, list[cst.Name]] | None:
    """The scope of ``target``'s binding and every read of it, when that binding is the only
    binding of the name in the scope: no other assignment, ``del``, augmented assignment,
    ``for`` target..., no ``global`` or ``nonlocal`` declaration of the name in the scope or in
    any scope nested in it. None otherwise (the reads may then see other values)."""
    scopes = context.scopes
    scope = scopes.scope_of.get(target)
    if scope is None or scope.kind not in ("function", "module"):
        return None
    name = target.value
    for inner in scope.walk():
        if name in inner.declared_global or name in inner.declared_nonlocal:
            return None
    bindings = scopes.bindings_of(scope, name)
    if len(bindings) != 1 or bindings[0].node is not target:
        return None
    return scope, scopes.reads_of(scope, name)


def free_names(
    context: RuleContext, node: cst.CSTNode, within: cst.CSTNode | None = None
) -> list[cst.Name]:
    """The reads in ``node`` of names bound outside ``within`` (by default ``node`` itself):
    the variables of the comprehensions in ``within`` are not free (pass the comprehension as
    ``within`` to ask about one of its parts); names in lambda bodies are included."""
    scopes = context.scopes
    inner_scopes: set[int] = set()
    if within is not None:
        for current in _descendants(within):
            created = scopes.scope_for_node(current)
            if created is not None:
                inner_scopes.add(id(created))
    stack: list[cst.CSTNode] = [node]
    reads: list[cst.Name] = []
    while stack:
        current = stack.pop()
        created = scopes.scope_for_node(current)
        if created is not None:
            inner_scopes.add(id(created))
        if isinstance(current, cst.Name):
            reads.append(current)
        elif isinstance(current, cst.Attribute):
            stack.append(current.value)
            continue
        elif isinstance(current, cst.Arg):
            stack.append(current.value)
            continue
        stack.extend(children(current))
    found = []
    for read in reads:
        scope = scopes.scope_of.get(read)
        if scope is None or not any(r is read for r in scope.reads.get(read.value, ())):
            continue  # a binding occurrence (a comprehension target)
        resolved = scopes.resolve(read).scope
        if resolved is None or id(resolved) not in inner_scopes:
            found.append(read)
    return found


def _descendants(node: cst.CSTNode) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []
    stack = [node]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children(current))
    return found


@dataclass(frozen=True)
class Path:
    """How control gets from a statement to a later node in the same run of its function."""

    #: The statements that may run after the statement and before the node finishes, in
    #: order; the last one holds the node.
    region: tuple[cst.BaseStatement, ...]
    #: The compound statements whose blocks are left on the way (``if``, ``with``, ``try``,
    #: ``match``, a loop's ``else``), innermost first.
    exits: tuple[cst.BaseCompoundStatement, ...]
    #: The statement of ``region`` that holds the node.
    holder: cst.BaseStatement

    @property
    def leaves_with_or_try(self) -> cst.BaseCompoundStatement | None:
        """The first ``with`` or ``try`` statement left on the way, if any."""
        kinds = (cst.With, cst.Try, cst.TryStar)
        return next((e for e in self.exits if isinstance(e, kinds)), None)


def path_after(
    context: RuleContext, statement: cst.BaseStatement, node: cst.CSTNode
) -> Path | None:
    """The :class:`Path` from ``statement`` (a statement of a block) to ``node``, when
    ``node`` can only run after ``statement`` within the same run of the enclosing function or
    module: ``node`` lies in a later statement of ``statement``'s block, or of the block of an
    ``if``/``with``/``try``/``match`` statement (or a loop's ``else``) around it.

    None when ``node`` is not after ``statement``, or when getting there leaves a loop body
    (``node`` would see the value of the last iteration) or a function or class.
    """
    ancestors = {id(a) for a in context.ancestors(node)}
    ancestors.add(id(node))
    current: cst.CSTNode = statement
    region: list[cst.BaseStatement] = []
    exits: list[cst.BaseCompoundStatement] = []
    while True:
        block = context.parent(current)
        if not isinstance(block, (cst.IndentedBlock, cst.Module)):
            return None
        body = list(block.body)
        index = next((i for i, s in enumerate(body) if s is current), None)
        if index is None:
            return None
        for later in body[index + 1 :]:
            region.append(later)
            if id(later) in ancestors:
                return Path(tuple(region), tuple(exits), later)
        if isinstance(block, cst.Module):
            return None
        owner = context.parent(block)
        if owner is None or isinstance(owner, (*_SCOPES, cst.For, cst.While)):
            return None  # a loop body repeats; a def or class ends the search
        compound = statement_of(context, owner)
        if not isinstance(compound, cst.BaseCompoundStatement):
            return None
        exits.append(compound)
        current = compound


def handlers_around(
    context: RuleContext, node: cst.CSTNode, earlier: cst.CSTNode
) -> list[cst.CSTNode]:
    """The ``try`` and ``with`` statements around ``node`` (innermost first, up to the
    enclosing function) that do not also hold ``earlier``: an exception raised at ``node``
    reaches their handlers (or context managers), one raised at ``earlier`` did not."""
    earlier_ancestors = {id(a) for a in context.ancestors(earlier)}
    found: list[cst.CSTNode] = []
    for ancestor in context.ancestors(node):
        if isinstance(ancestor, _SCOPES):
            break
        if isinstance(ancestor, (cst.Try, cst.TryStar, cst.With)):
            if id(ancestor) not in earlier_ancestors:
                found.append(ancestor)
    return found


def first_change(
    context: RuleContext,
    region: Sequence[cst.CSTNode],
    names: Iterable[str],
    *,
    in_place: Iterable[str] = (),
    iteration_changes: Iterable[str] = (),
    kinds: frozenset[Use] = frozenset({Use.REBIND, Use.MUTATE, Use.ESCAPE}),
) -> tuple[cst.Name, Use] | None:
    """The first occurrence in ``region`` of one of ``names`` that rebinds the name, mutates
    its object or lets it escape. For names in ``in_place`` only changes to the object count
    (their value was taken before the region: rebinding the name no longer matters). Names in
    ``iteration_changes`` hold iterators: any occurrence of them counts (iterating an iterator
    consumes it). ``kinds`` limits what counts (rebinding, mutation, escape)."""
    consuming = set(iteration_changes)
    rebinding_matters = set(names)
    for name in dict.fromkeys([*rebinding_matters, *in_place]):
        for occurrence in name_occurrences(list(region), name):
            use = classify_use(
                context, occurrence, mutating_methods=CONTAINER_MUTATING_METHODS
            )
            if use is Use.REBIND and name not in rebinding_matters and name not in consuming:
                continue
            if use in kinds or name in consuming:
                return occurrence, use
    return None


def in_place_changes(
    context: RuleContext, region: Sequence[cst.CSTNode], dotted: str
) -> list[cst.CSTNode]:
    """The places in ``region`` that change the container named ``dotted`` (``xs``,
    ``self.items``, ``os.environ``) in place: item assignment or deletion (``del d[k]``,
    ``xs[:] = ...``), augmented assignment, and calls of the container methods that mutate
    (``remove``, ``pop``, ``update``...)."""
    found: list[cst.CSTNode] = []
    stack: list[cst.CSTNode] = list(region)
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Subscript) and dotted_name(node.value) == dotted:
            if in_target_position(context, node):
                found.append(node)
        elif isinstance(node, cst.AugAssign) and dotted_name(node.target) == dotted:
            found.append(node)
        elif (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in CONTAINER_MUTATING_METHODS
            and dotted_name(node.func.value) == dotted
        ):
            found.append(node)
        stack.extend(children(node))
    return found


def runs_before_within(
    context: RuleContext, node: cst.CSTNode, holder: cst.CSTNode
) -> list[cst.CSTNode]:
    """What may run before ``node`` once ``holder`` (a statement around it) has started: the
    earlier statements of each block between them, and the headers of the compound statements
    in between (``if``/``while`` tests, ``with`` items, a ``for``'s iterable, a ``match``
    subject)."""
    found: list[cst.CSTNode] = []
    child = node
    for ancestor in context.ancestors(node):
        body = getattr(ancestor, "body", None)
        if isinstance(body, (list, tuple)):
            for statement in body:
                if statement is child:
                    break
                found.append(statement)
        if isinstance(ancestor, (cst.If, cst.While)):
            found.append(ancestor.test)
        elif isinstance(ancestor, cst.For) and child is not ancestor.iter:
            found.append(ancestor.iter)
        elif isinstance(ancestor, cst.With):
            found.extend(ancestor.items)
        elif isinstance(ancestor, cst.Match):
            found.append(ancestor.subject)
        if ancestor is holder:
            break
        child = ancestor
    return found


def is_inside(context: RuleContext, node: cst.CSTNode, container: cst.CSTNode) -> bool:
    """``node`` is ``container`` or one of its descendants."""
    return node is container or any(a is container for a in context.ancestors(node))


def is_in_comprehension(node: cst.CSTNode) -> bool:
    return isinstance(node, _COMPREHENSIONS)


# -- the ast twins, for pre-checks -------------------------------------------------------------

#: One level of :func:`statement_chain_ast`: a statement, and the name of the block of it that
#: holds the node (``body``, ``orelse``, ``finalbody``, ``handlers``, ``cases``), or None when
#: the node is in the statement itself (an ``if`` test, a ``for`` iterable, an expression).
ChainLink = tuple[ast.stmt, "str | None"]
_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


def statement_chain_ast(tree: ast.Module, node: ast.AST) -> list[ChainLink]:
    """The statements that hold ``node``, outermost first, found by position (no parent map:
    it costs a walk of the whole tree), with the block of each that leads to ``node``."""
    start = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
    end = (getattr(node, "end_lineno", 0), getattr(node, "end_col_offset", 0))
    chain: list[ChainLink] = []
    statements: list[ast.stmt] = tree.body
    while True:
        holder = next((s for s in statements if _spans(s, start, end)), None)
        if holder is None:
            return chain
        found: tuple[str, list[ast.stmt]] | None = None
        for block in _BLOCKS:
            for inner in _block_statements(holder, block):
                if _spans(inner, start, end):
                    found = (block, _block_statements(holder, block))
                    break
            if found:
                break
        if found is None:
            chain.append((holder, None))
            return chain
        chain.append((holder, found[0]))
        statements = found[1]


def _block_statements(statement: ast.stmt, block: str) -> list[ast.stmt]:
    value = getattr(statement, block, None)
    if not isinstance(value, list):
        return []
    if block in ("handlers", "cases"):
        return [inner for part in value for inner in part.body]
    return value


def _spans(statement: ast.stmt, start: tuple[int, int], end: tuple[int, int]) -> bool:
    first = statement.lineno
    for decorator in getattr(statement, "decorator_list", ()):
        first = min(first, decorator.lineno)
    column = statement.col_offset if first == statement.lineno else 0
    return (first, column) <= start and end <= (
        statement.end_lineno or 0,
        statement.end_col_offset or 0,
    )


__all__ = [
    "Path",
    "ChainLink",
    "first_change",
    "free_names",
    "handlers_around",
    "in_place_changes",
    "runs_before_within",
    "is_inside",
    "path_after",
    "sole_binding_uses",
    "statement_chain_ast",
]
