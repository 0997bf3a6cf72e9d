"""Lookups that scan a collection: ``xs.index(v)``, ``xs.count(v)``, ``next(x for x in xs if ...)``.

Shared by the linear-lookup rules (PCM301-PCM303): recognising a method call on a name, the
``ast`` pre-check twins (which may say "maybe" where the LibCST side says no, never the other
way round), and the name of the index a fix builds.

The ast twin of :func:`perfcodemod.analysis.lists.known_list` lives here rather than in
``analysis/lists.py`` because that module was being written by another engineer at the time;
it belongs there.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

import libcst as cst

from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.hoisting import Hoist, ast_use, identifier_part
from perfcodemod.analysis.lists import (
    ListVariable,
    function_list_names_ast,
    is_list_annotation_ast,
    is_list_expression_ast,
    is_module_list_ast,
)
from perfcodemod.analysis.loops import enclosing_loops_ast
from perfcodemod.analysis.uses import Use, uses_in
from perfcodemod.engine import RuleContext

_AST_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def in_loop_ast(facts: ModuleFacts, node: ast.AST) -> bool:
    """``node`` may be repeated by a loop or comprehension (not only inside a lambda)."""
    loops, boundary = enclosing_loops_ast(facts, node)
    return bool(loops) and not isinstance(boundary, ast.Lambda)


def maybe_list_ast(facts: ModuleFacts, name: ast.Name) -> bool:
    """The pre-check twin of ``known_list``: the innermost enclosing function that binds the
    name binds it to lists only, or no function does and the module does."""
    parents = facts.parents
    cache: dict[ast.AST, dict[str, bool]] | None = getattr(facts, "_list_names_by_function", None)
    if cache is None:
        cache = {}
        facts._list_names_by_function = cache  # type: ignore[attr-defined]
    node: ast.AST | None = parents.get(name)
    while node is not None:
        if isinstance(node, _AST_FUNCTIONS):
            known = cache.get(node)
            if known is None:
                known = cache[node] = function_list_names_ast(node, parents)
            if name.id in known:
                return known[name.id]
        node = parents.get(node)
    return is_module_list_ast(facts, name.id)


def list_method_calls_ast(facts: ModuleFacts, method: str) -> Iterator[ast.Call]:
    """``NAME.method(v)`` calls (one positional argument, nothing else) inside loops, on a
    name that may be a list."""
    candidates = _one_argument_method_calls(facts).get(method)
    if not candidates:
        return
    listed = _names_bound_to_lists(facts)
    for call in candidates:
        receiver = call.func.value  # type: ignore[attr-defined]
        if receiver.id in listed and in_loop_ast(facts, call) and maybe_list_ast(facts, receiver):
            yield call


def _one_argument_method_calls(facts: ModuleFacts) -> dict[str, list[ast.Call]]:
    """``NAME.method(v)`` calls by method name, found in one pass for the rules that share it."""
    cached: dict[str, list[ast.Call]] | None = getattr(facts, "_one_argument_method_calls", None)
    if cached is None:
        cached = {}
        for call in facts.nodes(ast.Call):
            func = call.func
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and len(call.args) == 1
                and not call.keywords
                and not isinstance(call.args[0], ast.Starred)
            ):
                cached.setdefault(func.attr, []).append(call)
        facts._one_argument_method_calls = cached  # type: ignore[attr-defined]
    return cached


def _names_bound_to_lists(facts: ModuleFacts) -> frozenset[str]:
    """Names that some binding gives a list (every binding must, for ``known_list``): a cheap
    filter that needs no parent map (``"abc".index`` calls on strings are common)."""
    cached: frozenset[str] | None = getattr(facts, "_names_bound_to_lists", None)
    if cached is not None:
        return cached
    found: set[str] = set()
    for assign in facts.nodes(ast.Assign):
        if is_list_expression_ast(assign.value):
            found.update(t.id for t in assign.targets if isinstance(t, ast.Name))
    for annotated in facts.nodes(ast.AnnAssign):
        if isinstance(annotated.target, ast.Name) and (
            is_list_annotation_ast(annotated.annotation)
            or (annotated.value is not None and is_list_expression_ast(annotated.value))
        ):
            found.add(annotated.target.id)
    for argument in facts.nodes(ast.arg):
        if is_list_annotation_ast(argument.annotation):
            found.add(argument.arg)
    cached = frozenset(found)
    facts._names_bound_to_lists = cached  # type: ignore[attr-defined]
    return cached


def list_method_receiver(node: cst.Call, method: str) -> cst.Name | None:
    """The ``xs`` of ``xs.method(v)`` with exactly one plain positional argument."""
    func = node.func
    if not isinstance(func, cst.Attribute) or func.attr.value != method:
        return None
    if not isinstance(func.value, cst.Name) or len(node.args) != 1:
        return None
    (arg,) = node.args
    if arg.keyword is not None or arg.star != "":
        return None
    return func.value


#: Lists of at most this many items are scanned about as fast as a dict is looked up: an
#: index built for them costs more than it saves unless the loop is long (measured in
#: ``benchmarks/rules/lookups.py``), so ``.index()``/``.count()`` on them are not reported.
SMALL_LIST = 8


def is_small_list(context: RuleContext, variable: ListVariable) -> bool:
    """Every binding of the list is a display of at most :data:`SMALL_LIST` items (no
    ``*rest``), and nothing changes it in place (an ``append`` could grow it)."""
    if variable.bindings:
        for binding in variable.bindings:
            value = getattr(binding, "value", None)
            if not isinstance(binding, (cst.Assign, cst.AnnAssign)) or not _small_display(value):
                return False
        return not any(
            use is Use.MUTATE for _, use in uses_in(context, variable.owner, variable.name)
        )
    facts = context.facts
    for node in facts.bindings.get(variable.name, ()):
        statement = facts.parents.get(node) if isinstance(node, ast.Name) else None
        value = getattr(statement, "value", None)
        if not isinstance(statement, (ast.Assign, ast.AnnAssign)) or not (
            isinstance(value, (ast.List, ast.Tuple))
            and len(value.elts) <= SMALL_LIST
            and not any(isinstance(e, ast.Starred) for e in value.elts)
        ):
            return False
    return not any(
        ast_use(facts, load) is Use.MUTATE for load in facts.loads.get(variable.name, ())
    )


_UNHASHABLE_DISPLAYS = (cst.List, cst.ListComp, cst.Dict, cst.DictComp, cst.Set, cst.SetComp)


def has_unhashable_elements(variable: ListVariable) -> bool:
    """Some binding gives a list whose elements are lists, dicts or sets (a display or
    comprehension of them): an index keyed by the elements cannot be built."""
    for binding in variable.bindings:
        value = getattr(binding, "value", None)
        if isinstance(value, cst.ListComp) and isinstance(value.elt, _UNHASHABLE_DISPLAYS):
            return True
        if isinstance(value, cst.List) and any(
            isinstance(e, cst.Element) and isinstance(e.value, _UNHASHABLE_DISPLAYS)
            for e in value.elements
        ):
            return True
    return False


def _small_display(value: object) -> bool:
    return (
        isinstance(value, (cst.List, cst.Tuple))
        and len(value.elements) <= SMALL_LIST
        and all(isinstance(element, cst.Element) for element in value.elements)
    )


_ALIAS_VALUES = (cst.Name, cst.Attribute, cst.Subscript)
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
                value, _ALIAS_VALUES
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


def index_name(collection: str, suffix: str, hoist: Hoist) -> str:
    """``files_by_path``, ``ordered_index``; ``MODELS_BY_TIER`` for a module-level constant
    indexed at module level, ``models_by_tier`` for one indexed inside a function."""
    base = f"{collection}_{suffix}"
    if collection.isupper():
        return base.upper() if isinstance(hoist.frame, cst.Module) else base.lower()
    return base


def key_suffix(value: object) -> str:
    """The ``path`` of ``files_by_path``, from an attribute name or a subscript constant."""
    if isinstance(value, bool) or value is None:
        return identifier_part(repr(value))
    if isinstance(value, int):
        return "last" if value == -1 else (f"minus{-value}" if value < 0 else f"item{value}")
    if isinstance(value, (str, bytes)):
        text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
        return identifier_part(text)
    return identifier_part(str(value))


__all__ = [
    "bound_to_shared_object",
    "in_loop_ast",
    "has_unhashable_elements",
    "index_name",
    "is_small_list",
    "key_suffix",
    "list_method_calls_ast",
    "list_method_receiver",
    "maybe_list_ast",
]
