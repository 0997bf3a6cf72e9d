"""Statements and the order they run in, within one run of a function (or of the module).

The rules that move code (build a set before a loop, compute a list lazily where it is
consumed) must know what runs before and after a statement, which blocks are left on the way
from one statement to another, and which ``try``/``with`` statements are around a node:

- :func:`statement_of`: the statement of a block that holds a node (where code can be
  inserted before it); :func:`is_inside`: whether a node lies within another;
- :func:`statements_before` / :func:`statements_after` / :func:`dominates`: what always runs
  before a statement, what can only run after it, and whether a node has always run when a
  statement starts;
- :func:`path_after`: how control gets from a statement to a later node (the statements in
  between, and the ``with``/``try``/``if`` blocks left on the way);
  :func:`runs_before_within`: what runs before a node once a statement around it has started;
- :func:`handlers_around`, :func:`in_type_error_handler`, :func:`miss_is_caught`: the
  ``try`` and ``with`` statements and the ``except`` clauses around a node.

:func:`statement_chain_ast` is the pre-check twin on Python's ``ast``. None of this looks past
a ``def``, ``lambda`` or ``class``: their bodies run at other times.
"""

from __future__ import annotations

import ast
import bisect
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from perfcodemod.context import RuleContext
from perfcodemod.lazycst import cst


@cache
def scope_boundaries() -> tuple[type[cst.FunctionDef], type[cst.Lambda], type[cst.ClassDef]]:
    """The nodes whose body is a scope of its own."""
    return (cst.FunctionDef, cst.Lambda, cst.ClassDef)


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


def is_inside(context: RuleContext, node: cst.CSTNode, container: cst.CSTNode) -> bool:
    """``node`` is ``container`` or one of its descendants."""
    return node is container or any(a is container for a in context.ancestors(node))


def is_inside_any(
    context: RuleContext, node: cst.CSTNode, containers: Sequence[cst.CSTNode]
) -> bool:
    """``node`` is a descendant of one of ``containers``."""
    ancestors = {id(a) for a in context.ancestors(node)}
    return any(id(container) in ancestors for container in containers)


def _block_and_owner(
    context: RuleContext, statement: cst.BaseStatement
) -> tuple[cst.IndentedBlock | cst.Module | None, cst.CSTNode | None]:
    block = context.parent(statement)
    if not isinstance(block, (cst.IndentedBlock, cst.Module)):
        return None, None
    return block, context.parent(block)


def _levels(
    context: RuleContext, statement: cst.BaseStatement, root: cst.CSTNode
) -> Iterator[tuple[cst.IndentedBlock | cst.Module, int, cst.CSTNode | None]]:
    """The blocks around ``statement`` within one run of ``root``, innermost first: each
    block, the index in it of the statement that holds ``statement``, and the block's owner."""
    current: cst.BaseStatement | None = statement
    while current is not None:
        block, owner = _block_and_owner(context, current)
        if block is None:
            return
        yield block, next(i for i, s in enumerate(block.body) if s is current), owner
        if owner is root or block is root or owner is None or isinstance(owner, scope_boundaries()):
            return
        current = statement_of(context, owner)


def statements_before(
    context: RuleContext, statement: cst.BaseStatement, root: cst.CSTNode
) -> Iterator[cst.BaseStatement]:
    """The statements that always finish before ``statement`` starts, within one run of
    ``root`` (a function, or the module): its earlier siblings, and the earlier siblings of
    each block statement around it, nearest first."""
    for block, index, _ in _levels(context, statement, root):
        yield from reversed(block.body[:index])


def statements_after(
    context: RuleContext, statement: cst.BaseStatement, root: cst.CSTNode
) -> Iterator[cst.BaseStatement]:
    """The statements that can only start after ``statement`` has finished, and after which
    ``statement`` never runs again within one run of ``root``: the later siblings of
    ``statement`` and of each block statement around it, except those inside a loop that
    repeats ``statement`` (they also run before its next run)."""
    levels: list[tuple[cst.IndentedBlock | cst.Module, int]] = []
    for block, index, owner in _levels(context, statement, root):
        levels.append((block, index))
        if isinstance(owner, (cst.For, cst.While)) and owner.body is block:
            levels.clear()  # everything so far is repeated with `statement`
    for block, index in levels:
        yield from block.body[index + 1 :]


def dominates(
    context: RuleContext, earlier: cst.CSTNode, statement: cst.BaseStatement, root: cst.CSTNode
) -> bool:
    """``earlier`` (a node in some statement) has run whenever ``statement`` starts: it sits in
    a statement that :func:`statements_before` lists, possibly inside ``with`` blocks, but not
    inside an ``if``, a loop or a ``try``. A statement of the module itself counts like one
    of a function body."""
    holder = statement_of(context, earlier)
    while holder is not None:
        block, owner = _block_and_owner(context, holder)
        if block is None:
            return False
        if any(s is holder for s in statements_before(context, statement, root)):
            return True
        if isinstance(owner, cst.With) and owner.body is block:
            holder = statement_of(context, owner)
            continue
        return False
    return False


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
        if owner is None or isinstance(owner, (*scope_boundaries(), cst.For, cst.While)):
            return None  # a loop body repeats; a def or class ends the search
        compound = statement_of(context, owner)
        if not isinstance(compound, cst.BaseCompoundStatement):
            return None
        exits.append(compound)
        current = compound


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


# -- try, with and except around a node ---------------------------------------------------------


def handlers_around(
    context: RuleContext, node: cst.CSTNode, earlier: cst.CSTNode
) -> list[cst.CSTNode]:
    """The ``try`` and ``with`` statements around ``node`` (innermost first, up to the
    enclosing function) that do not also hold ``earlier``: an exception raised at ``node``
    reaches their handlers (or context managers), one raised at ``earlier`` did not."""
    earlier_ancestors = {id(a) for a in context.ancestors(earlier)}
    found: list[cst.CSTNode] = []
    for ancestor in context.ancestors(node):
        if isinstance(ancestor, scope_boundaries()):
            break
        if isinstance(ancestor, (cst.Try, cst.TryStar, cst.With)):
            if id(ancestor) not in earlier_ancestors:
                found.append(ancestor)
    return found


#: Exceptions whose handler may be the fallback for an unhashable value.
_TYPE_ERROR_CATCHERS = frozenset({"TypeError", "Exception", "BaseException"})


def in_type_error_handler(context: RuleContext, node: cst.CSTNode) -> bool:
    """``node`` runs in an ``except`` clause that catches ``TypeError`` (by name, or a bare
    ``except``, ``Exception``, ``BaseException``), within its function: the classic fallback
    for values a set or dict rejects as unhashable (``try: x in seen_set except TypeError:
    x in seen_list``). A set there would defeat the purpose."""
    for ancestor in context.ancestors(node):
        if isinstance(ancestor, scope_boundaries()):
            return False
        if isinstance(ancestor, (cst.ExceptHandler, cst.ExceptStarHandler)):
            caught = ancestor.type
            if caught is None:
                return True
            names: Sequence[cst.BaseElement | cst.BaseExpression] = [caught]
            if isinstance(caught, cst.Tuple):
                names = caught.elements
            for item in names:
                value = item.value if isinstance(item, cst.Element) else item
                spelled = value.attr.value if isinstance(value, cst.Attribute) else getattr(
                    value, "value", None
                )
                if spelled in _TYPE_ERROR_CATCHERS:
                    return True
    return False


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
        holder = _holder(tree, statements, start, end)
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
    if block in {"handlers", "cases"}:
        return [inner for part in value for inner in part.body]
    return value


def _holder(
    tree: ast.Module, statements: list[ast.stmt], start: tuple[int, int], end: tuple[int, int]
) -> ast.stmt | None:
    """The statement of ``statements`` that spans ``start``-``end``: by bisection in a long
    body (statements are in source order and never overlap), so that asking for each of the
    candidates of a long module costs no scan of its top level."""
    if len(statements) < 16:
        return next((s for s in statements if _spans(s, start, end)), None)
    cached: dict[int, tuple[list[ast.stmt], list[tuple[int, int]]]] = tree.__dict__.setdefault(
        "_perfcodemod_statement_starts", {}
    )
    known = cached.get(id(statements))
    if known is None or known[0] is not statements:
        known = cached[id(statements)] = (statements, [_start(s) for s in statements])
    index = bisect.bisect_right(known[1], start) - 1
    if index >= 0 and _spans(statements[index], start, end):
        return statements[index]
    return None


def may_run_after_ast(
    node: ast.AST, statement: ast.stmt, parents: Mapping[ast.AST, ast.AST]
) -> bool:
    """Within one run of the function (or module) whose code holds ``statement``, ``node`` may
    run after ``statement`` has finished: it comes later in the text, or it sits in a loop that
    also holds ``statement`` (the next iteration runs it again), or in a function or lambda
    nested in that code (which runs whenever it is called). A node earlier in the text and in
    no such loop has run before ``statement`` finished, if it ran at all."""
    owner = _runner(statement, parents)
    runner = _runner(node, parents)
    if runner is not owner:
        return True  # a nested function's code (or the statement's own body): any time
    start = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
    if start >= (statement.end_lineno or 0, statement.end_col_offset or 0):
        return True
    loops = set()
    ancestor = parents.get(statement)
    while ancestor is not None and ancestor is not owner:
        if isinstance(ancestor, (ast.For, ast.AsyncFor, ast.While)):
            loops.add(ancestor)
        ancestor = parents.get(ancestor)
    ancestor = parents.get(node)
    while ancestor is not None and ancestor is not owner:
        if ancestor in loops:
            return True
        ancestor = parents.get(ancestor)
    return False


def _runner(node: ast.AST, parents: Mapping[ast.AST, ast.AST]) -> ast.AST | None:
    """The function or lambda whose call runs ``node`` (None: the module; class bodies run
    where the class statement is)."""
    parent = parents.get(node)
    while parent is not None:
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return parent
        parent = parents.get(parent)
    return None


def _start(statement: ast.stmt) -> tuple[int, int]:
    first = statement.lineno
    for decorator in getattr(statement, "decorator_list", ()):
        first = min(first, decorator.lineno)
    return (first, statement.col_offset if first == statement.lineno else 0)


def _spans(statement: ast.stmt, start: tuple[int, int], end: tuple[int, int]) -> bool:
    return _start(statement) <= start and end <= (
        statement.end_lineno or 0,
        statement.end_col_offset or 0,
    )


__all__ = [
    "ChainLink",
    "Path",
    "dominates",
    "handlers_around",
    "in_type_error_handler",
    "is_inside",
    "is_inside_any",
    "may_run_after_ast",
    "miss_is_caught",
    "path_after",
    "runs_before_within",
    "statement_chain_ast",
    "statement_of",
    "statements_after",
    "statements_before",
]
