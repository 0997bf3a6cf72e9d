"""What a name means: builtins, imports, and the bindings of a local.

The cheap path asks ``ModuleFacts`` (the whole module's ``ast``): a builtin that nothing in the
module binds is the builtin everywhere, and a name bound only by imports of one thing is that
thing everywhere. Otherwise the chunk's scope tree (``context.scopes``) says which scope a use
refers to: a function's own bindings decide there, and at module level the module-level
bindings of the whole module do.
"""

from __future__ import annotations

from collections.abc import Iterator

from perfcodemod.analysis.scopes import Binding, Resolution
from perfcodemod.context import RuleContext, children
from perfcodemod.lazycst import cst


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a chain of names and attributes, None for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def head_name(node: cst.BaseExpression) -> cst.Name | None:
    """The ``a`` of ``a.b.c``."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return node if isinstance(node, cst.Name) else None


def qualified_name(context: RuleContext, node: cst.BaseExpression) -> str | None:
    """``builtins.sum``, ``numpy.max``, ``functools.lru_cache``... for a name or attribute
    chain whose meaning is certain; None when it is a local variable or unknown."""
    dotted = dotted_name(node)
    head = head_name(node)
    if dotted is None or head is None:
        return None
    base = _qualified_head(context, head)
    if base is None:
        return None
    rest = dotted.partition(".")[2]
    if base.startswith("builtins.") and rest:
        return None  # attributes of builtins (str.join) are not what callers look for
    return f"{base}.{rest}" if rest else base


def _qualified_head(context: RuleContext, head: cst.Name) -> str | None:
    facts = context.facts
    known = facts.qualified_name(head.value)
    if known is not None:
        return known
    # The module binds the name in more than one way: ask the scope the use refers to.
    resolution = context.scopes.resolve(head)
    if resolution.is_module_level:
        return facts.module_level_qualified_name(head.value)
    return _imported_name(resolution)


def _imported_name(resolution: Resolution) -> str | None:
    """The qualified name when every binding in the scope imports the same thing."""
    targets = {import_target(binding) for binding in resolution.bindings}
    if len(targets) == 1:
        return next(iter(targets))
    return None


def import_target(binding: Binding) -> str | None:
    """``os.path`` for the binding of ``path`` by ``from os import path`` (None: not an import)."""
    binder = binding.binder
    if isinstance(binder, cst.Import):
        for alias in binder.names:
            local = alias.evaluated_alias or (dotted_name(alias.name) or "").partition(".")[0]
            if local == binding.name:
                full = dotted_name(alias.name)
                return full if alias.asname is not None else local
        return None
    if isinstance(binder, cst.ImportFrom) and not isinstance(binder.names, cst.ImportStar):
        module = "." * len(binder.relative) + (
            (dotted_name(binder.module) or "") if binder.module else ""
        )
        for alias in binder.names:
            if (alias.evaluated_alias or alias.evaluated_name) == binding.name:
                return f"{module}.{alias.evaluated_name}"
    return None


def is_builtin(context: RuleContext, node: cst.BaseExpression, *names: str) -> bool:
    """``node`` is one of the named builtins (``is_builtin(ctx, call.func, "any", "all")``)."""
    if not isinstance(node, cst.Name) or (names and node.value not in names):
        return False
    if context.facts.is_unbound_builtin(node.value):
        return True
    return qualified_name(context, node) == f"builtins.{node.value}"


def builtin_called(context: RuleContext, node: cst.BaseExpression) -> str | None:
    """The builtin's name if ``node`` is a call of an unshadowed builtin."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
        if is_builtin(context, node.func):
            return node.func.value
    return None


def local_bindings(context: RuleContext, name: cst.Name) -> tuple[Binding, ...] | None:
    """The bindings of the local (function-level) variable that ``name`` refers to.

    None when it refers to the module level (bindings there may be in other top-level
    statements: ask ``context.facts``) or to nothing in the chunk.
    """
    resolution = context.scopes.resolve(name)
    if resolution.is_module_level:
        return None
    return resolution.bindings


def enclosing_function(context: RuleContext, node: cst.CSTNode) -> cst.FunctionDef | None:
    """The function whose body holds ``node`` directly (None inside a class body or at module
    level)."""
    for ancestor in context.ancestors(node):
        if isinstance(ancestor, cst.FunctionDef):
            return ancestor
        if isinstance(ancestor, cst.ClassDef):
            return None
    return None


def iter_names(node: cst.CSTNode) -> Iterator[cst.Name]:
    """Every ``Name`` node under ``node`` (whatever its role)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            yield current
        stack.extend(children(current))
