"""The ``ast`` node behind a LibCST node of the chunk being visited.

Whole-module analyses (purity, call sites) run on Python's ``ast``; the rules visit LibCST nodes
of one chunk. The engine records no positions for LibCST nodes (that would cost a metadata
pass), so the two are paired by order instead: the chunk holds whole top-level statements
starting at ``context.first_row``, both trees list the nodes of one kind in source order, and the
chunk's nodes are therefore the first ones of the ``ast`` at or after that row. The pairing is
checked by name and dropped (None) if the two trees disagree.
"""

from __future__ import annotations

import ast
from typing import Union

import libcst as cst

from perfcodemod.engine import RuleContext, children

AstFunction = Union[ast.FunctionDef, ast.AsyncFunctionDef]

_KINDS: dict[type[cst.CSTNode], tuple[type[ast.AST], ...]] = {
    cst.FunctionDef: (ast.FunctionDef, ast.AsyncFunctionDef),
    cst.Call: (ast.Call,),
}


def _pairs(context: RuleContext, kind: type[cst.CSTNode]) -> dict[cst.CSTNode, ast.AST]:
    cache: dict[type[cst.CSTNode], dict[cst.CSTNode, ast.AST]] | None
    cache = getattr(context, "_twins", None)
    if cache is None:
        cache = {}
        context._twins = cache  # type: ignore[attr-defined]
    found = cache.get(kind)
    if found is not None:
        return found
    ours: list[cst.CSTNode] = []
    stack: list[cst.CSTNode] = [context.module]
    while stack:
        node = stack.pop()
        if isinstance(node, kind):
            ours.append(node)
        stack.extend(reversed(list(children(node))))
    theirs = sorted(
        (
            node
            for node in context.facts.nodes(*_KINDS[kind])
            if node.lineno >= context.first_row  # type: ignore[attr-defined]
        ),
        key=lambda n: (
            n.lineno,  # type: ignore[attr-defined]
            n.col_offset,  # type: ignore[attr-defined]
            -(n.end_lineno or 0),  # type: ignore[attr-defined]
            -(n.end_col_offset or 0),  # type: ignore[attr-defined]
        ),
    )[: len(ours)]
    found = {}
    if len(theirs) == len(ours) and all(_agree(a, b) for a, b in zip(ours, theirs)):
        found = dict(zip(ours, theirs))
    cache[kind] = found
    return found


def _agree(ours: cst.CSTNode, theirs: ast.AST) -> bool:
    if isinstance(ours, cst.FunctionDef):
        return ours.name.value == getattr(theirs, "name", None) and (
            (ours.asynchronous is not None) == isinstance(theirs, ast.AsyncFunctionDef)
        )
    if isinstance(ours, cst.Call) and isinstance(theirs, ast.Call):
        return len(ours.args) == len(theirs.args) + len(theirs.keywords) and _tail(
            ours.func
        ) == _ast_tail(theirs.func)
    return True


def _tail(func: cst.BaseExpression) -> str | None:
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


def _ast_tail(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def ast_function(context: RuleContext, node: cst.FunctionDef) -> AstFunction | None:
    found = _pairs(context, cst.FunctionDef).get(node)
    return found if isinstance(found, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def ast_call(context: RuleContext, node: cst.Call) -> ast.Call | None:
    found = _pairs(context, cst.Call).get(node)
    return found if isinstance(found, ast.Call) else None
