"""What a name means: builtins, imports, and the bindings of a local.

The cheap path asks ``ModuleFacts`` (the whole module's ``ast``): a builtin that nothing in the
module binds is the builtin everywhere, and a name bound only by imports of one thing is that
thing everywhere. Only when the module binds the name in several ways does an answer need
LibCST's scope analysis of the chunk, which is resolved on first use.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst
from libcst.metadata.scope_provider import (
    Assignment,
    BuiltinAssignment,
    FunctionScope,
    GlobalScope,
    ImportAssignment,
    Scope,
)

from perfcodemod.engine import RuleContext


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a chain of names and attributes, None for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def _local_assignments(context: RuleContext, node: cst.Name) -> set[Assignment] | None:
    """The chunk-local bindings visible where ``node`` is used (None: scope unknown)."""
    scope = context.scope(node)
    if scope is None:
        return None
    return {a for a in scope[node.value] if isinstance(a, Assignment)}


def qualified_name(context: RuleContext, node: cst.BaseExpression) -> str | None:
    """``builtins.sum``, ``numpy.max``, ``functools.lru_cache``... for a name or attribute
    chain whose meaning is certain; None when it is local or unknown."""
    dotted = dotted_name(node)
    if dotted is None:
        return None
    head, _, rest = dotted.partition(".")
    base = _qualified_head(context, node, head)
    if base is None:
        return None
    if base.startswith("builtins.") and rest:
        return None  # attributes of builtins (str.join) are not what callers look for
    return f"{base}.{rest}" if rest else base


def _head_name(node: cst.BaseExpression) -> cst.Name | None:
    while isinstance(node, cst.Attribute):
        node = node.value
    return node if isinstance(node, cst.Name) else None


def _qualified_head(context: RuleContext, node: cst.BaseExpression, head: str) -> str | None:
    facts = context.facts
    known = facts.qualified_name(head)
    if known is not None:
        return known
    if facts.has_star_import:
        return None
    # The module binds the name in more than one way: ask the scope where it is used.
    name = _head_name(node)
    if name is None:
        return None
    scope = context.scope(name)
    if scope is None:
        return None
    assignments = scope[head]
    if len(assignments) != 1:
        return None
    (assignment,) = assignments
    if isinstance(assignment, BuiltinAssignment):
        # Bound nowhere in this chunk; the module binds it elsewhere, at module level or in
        # another function. Only a binding at module level would change what it means here.
        if isinstance(scope, GlobalScope) or head in _module_level_names(context):
            return None
        return f"builtins.{head}"
    if isinstance(assignment, ImportAssignment):
        names = assignment.get_qualified_names_for(head)
        if len(names) == 1:
            return next(iter(names)).name
    return None


def _module_level_names(context: RuleContext) -> frozenset[str]:
    cached = getattr(context, "_module_level_names", None)
    if cached is None:
        import ast

        names: set[str] = set()
        stack: list[ast.AST] = list(context.facts.tree.body)
        while stack:
            statement = stack.pop()
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(statement.name)
                continue
            for child in ast.walk(statement):
                if isinstance(child, ast.Name) and not isinstance(child.ctx, ast.Load):
                    names.add(child.id)
                elif isinstance(child, (ast.Import, ast.ImportFrom)):
                    names.update(
                        (a.asname or a.name.partition(".")[0]) for a in child.names
                    )
                elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    names.add(child.name)
        cached = frozenset(names)
        context._module_level_names = cached  # type: ignore[attr-defined]
    return cached


def is_builtin(context: RuleContext, node: cst.BaseExpression, *names: str) -> bool:
    """``node`` is one of the named builtins (``is_builtin(ctx, call.func, "any", "all")``)."""
    if not isinstance(node, cst.Name) or (names and node.value not in names):
        return False
    facts = context.facts
    if facts.is_unbound_builtin(node.value):
        return True
    return qualified_name(context, node) == f"builtins.{node.value}"


def builtin_called(context: RuleContext, node: cst.BaseExpression) -> str | None:
    """The builtin's name if ``node`` is a call of an unshadowed builtin."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
        if is_builtin(context, node.func):
            return node.func.value
    return None


def bindings_in_scope(context: RuleContext, name: cst.Name) -> set[Assignment] | None:
    """Every binding of ``name`` in the scope it resolves to (chunk-local)."""
    return _local_assignments(context, name)


def binding_statements(context: RuleContext, assignment: Assignment) -> cst.CSTNode | None:
    """The node that binds: the ``Param``, the ``Assign``/``AnnAssign``/``AugAssign``
    statement, the ``For``, the ``With`` item, the import..."""
    node = assignment.node
    if not isinstance(node, cst.Name):
        return node
    for ancestor in context.ancestors(node):
        if isinstance(
            ancestor,
            (
                cst.Assign, cst.AnnAssign, cst.AugAssign, cst.For, cst.WithItem, cst.CompFor,
                cst.NamedExpr, cst.ExceptHandler, cst.Del, cst.Global, cst.Nonlocal,
                cst.MatchAs, cst.MatchStar, cst.MatchMapping,
            ),
        ):
            return ancestor
        if isinstance(ancestor, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return ancestor
    return None


def enclosing_function(context: RuleContext, node: cst.CSTNode) -> cst.FunctionDef | None:
    for ancestor in context.ancestors(node):
        if isinstance(ancestor, cst.FunctionDef):
            return ancestor
        if isinstance(ancestor, cst.ClassDef):
            return None
    return None


def is_function_scope(scope: Scope | None) -> bool:
    return isinstance(scope, FunctionScope)


def iter_names(node: cst.CSTNode) -> Iterator[cst.Name]:
    """Every ``Name`` node under ``node`` (whatever its role)."""
    from perfcodemod.engine import children

    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            yield current
        stack.extend(children(current))
