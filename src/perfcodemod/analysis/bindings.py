"""What a name's binding is, found through the chunk's scope tree: which reads refer to it,
whether other code can hold its object, which outside names an expression reads.

:mod:`perfcodemod.analysis.uses` goes by spelling (every ``Name`` spelled ``xs`` in a region,
nested scopes included, which errs towards "changed"); the questions here need to know which
binding a read refers to (:mod:`perfcodemod.analysis.scopes`):

- :func:`sole_binding_uses`: for a binding that is the only one of its name in its scope
  (no other assignment, ``del``, augmented assignment, ``global``/``nonlocal`` anywhere),
  every read that refers to it, closures included;
- :func:`free_names` / :func:`lazy_free_names`: the names an expression reads from outside
  itself (not the variables of the comprehensions inside it), and those a comprehension
  would read element by element as a generator;
- :func:`is_private_local`: a local variable whose object no other code can hold while some
  statements run;
- :func:`bound_to_shared_object`: a name bound to an object that something else certainly
  holds too (``rows = self.rows``, a ``for`` target);
- :func:`reads_names_dynamically`: the scope calls ``locals()``, ``vars()``, ``eval()`` or
  ``exec()``, which reach its variables by name.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from functools import cache

from perfcodemod.analysis import names
from perfcodemod.analysis.comprehensions import Comprehension, lazy_parts
from perfcodemod.analysis.expressions import walk
from perfcodemod.analysis.flow import is_inside_any, statements_after
from perfcodemod.analysis.scopes import Scope
from perfcodemod.analysis.uses import escapes, name_occurrences
from perfcodemod.context import RuleContext, children
from perfcodemod.lazycst import cst

#: Calls that read or change a function's variables by name.
DYNAMIC_NAMESPACE_CALLS = frozenset({"locals", "vars", "eval", "exec"})


def sole_binding_uses(
    context: RuleContext, target: cst.Name
) -> tuple[Scope, list[cst.Name]] | None:
    """The scope of ``target``'s binding and every read of it, when that binding is the only
    binding of the name in the scope: no other assignment, ``del``, augmented assignment,
    ``for`` target..., no ``global`` or ``nonlocal`` declaration of the name in the scope or in
    any scope nested in it. None otherwise (the reads may then see other values)."""
    scopes = context.scopes
    scope = scopes.scope_of.get(target)
    if scope is None or scope.kind not in {"function", "module"}:
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
        for current in walk(within):
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


def lazy_free_names(context: RuleContext, comp: Comprehension) -> list[cst.Name]:
    """The outside names that ``comp``, as a generator, would read element by element (its
    :func:`~perfcodemod.analysis.comprehensions.lazy_parts`; builtins left out)."""
    return [
        n
        for part in lazy_parts(comp)
        for n in free_names(context, part, within=comp)
        if not names.is_builtin(context, n)
    ]


def is_private_local(
    context: RuleContext, name: cst.Name, scope: Scope, region: Sequence[cst.BaseStatement]
) -> bool:
    """``name`` is a builtin, or a local variable of ``scope`` (a function; not a parameter)
    whose object no other code can hold while ``region`` runs: it escapes (is returned,
    stored, passed to a call) only in statements that run after the region is over."""
    resolution = context.scopes.resolve(name)
    if resolution.scope is None:
        return names.is_builtin(context, name)
    if resolution.scope is not scope or scope.kind != "function" or not region:
        return False
    if any(isinstance(b.binder, cst.Param) for b in resolution.bindings):
        return False
    later = list(statements_after(context, region[-1], scope.node))
    return all(
        is_inside_any(context, occurrence, later)
        for occurrence in escapes(context, scope.node, name.value)
    )


def reads_names_dynamically(scope: Scope) -> bool:
    """Code in ``scope`` (nested scopes included) calls ``locals()``, ``vars()``, ``eval()``
    or ``exec()`` (by name): it may read or change any variable without spelling it."""
    return any(DYNAMIC_NAMESPACE_CALLS & inner.reads.keys() for inner in scope.walk())


def calls_dynamic_namespace(node: cst.CSTNode) -> bool:
    """Some ``Name`` in ``node`` spells ``locals``, ``vars``, ``eval`` or ``exec``."""
    return any(
        next(name_occurrences(node, call), None) is not None for call in DYNAMIC_NAMESPACE_CALLS
    )


@cache
def _alias_values() -> tuple[type[cst.Name], type[cst.Attribute], type[cst.Subscript]]:
    """Values that an alias may name."""
    return (cst.Name, cst.Attribute, cst.Subscript)
_AST_ALIAS_VALUES = (ast.Name, ast.Attribute, ast.Subscript)


def bound_to_shared_object(context: RuleContext, name: cst.Name) -> bool:
    """Some binding of ``name`` makes it refer to an object that something else certainly
    holds too: another name, an attribute or an item (``rows = self.rows``), or an item of
    another collection (a ``for`` target). Whoever else holds it may change it while a loop
    runs (``self.add_row(...)``), and the analysis only sees changes made through ``name``.
    Parameters and call results are taken to be the function's own."""
    resolution = context.scopes.resolve(name)
    if resolution.scope is not None and resolution.scope.kind != "module":
        for binding in context.scopes.bindings_of(resolution.scope, name.value):
            binder = binding.binder
            if isinstance(binder, (cst.For, cst.CompFor, cst.WithItem)):
                return True
            value = getattr(binder, "value", None)
            if isinstance(binder, (cst.Assign, cst.AnnAssign, cst.NamedExpr)) and isinstance(
                value, _alias_values()
            ):
                return True
        return False
    facts = context.facts
    for node in facts.module_level_bindings.get(name.value, ()):
        parent = facts.parents.get(node)
        if isinstance(parent, (ast.For, ast.AsyncFor, ast.withitem)):
            return True
        if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and isinstance(
            parent.value, _AST_ALIAS_VALUES
        ):
            return True
    return False


__all__ = [
    "DYNAMIC_NAMESPACE_CALLS",
    "bound_to_shared_object",
    "calls_dynamic_namespace",
    "free_names",
    "is_private_local",
    "lazy_free_names",
    "reads_names_dynamically",
    "sole_binding_uses",
]
