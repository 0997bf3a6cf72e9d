"""Is ``self.items`` a list that nothing changes once the object is built?

A class often builds a list in ``__init__`` and searches it in the loops of its other
methods (``x in self.names``, ``self.order.index(v)``, ``next(c for c in self.columns if
...)``). Such a list is as good a candidate for an index as a local one when nothing can
change it after ``__init__``: :func:`stable_attribute_list` answers that from the whole
module, conservatively:

- the access is ``self.NAME`` in a method (not a static or class method, not ``__init__``)
  of a class defined at module level, ``self`` being its first parameter;
- every assignment to an attribute ``NAME`` anywhere in the module is ``self.NAME = <list>``
  (a list display or comprehension, ``list()``, ``sorted()``, ``str.split()``... or an
  annotation ``list[...]``) directly in that class's ``__init__``; nothing deletes it and no
  class body binds ``NAME``;
- every other use of ``.NAME`` in the module only reads the list (a ``for``, ``in``,
  ``len()``, an item, ``.index()``/``.count()``), except in ``__init__``, which may fill it
  (``self.NAME.append(...)``); a call ``x.NAME(...)`` is another object's method and does
  not count. Nothing may let the list escape (``return self.NAME``, ``f(self.NAME)``,
  ``alias = self.NAME``): whoever received it could change it while a loop runs;
- the module does not reach attributes dynamically (``setattr``, ``__dict__``, ``vars()``,
  ``exec``...) and never calls ``__init__`` again on an existing object.

Occurrences are matched by attribute name in the whole module, whatever the object: a
``.NAME`` of another class counts too, which errs towards "not stable". Code in other
modules is not seen; the rules that use this say so in their fix safety.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from perfcodemod.analysis import twins
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.lists import (
    annotation_items_may_be_unhashable,
    is_list_annotation_ast,
    is_list_expression_ast,
    list_function_aliases,
)
from perfcodemod.analysis.uses import Use, ast_use
from perfcodemod.context import RuleContext
from perfcodemod.lazycst import cst

_AST_UNHASHABLE = (ast.List, ast.ListComp, ast.Dict, ast.DictComp, ast.Set, ast.SetComp)
_DYNAMIC_ATTRIBUTE_NAMES = frozenset({"setattr", "delattr", "__dict__", "vars", "__setattr__"})
_METHOD_DECORATORS_TO_SKIP = frozenset({"staticmethod", "classmethod"})


@dataclass(frozen=True)
class StableList:
    """``self.NAME`` in ``method``: a list that only ``__init__`` builds."""

    attribute: str
    #: The method whose loops search it (LibCST node).
    method: cst.FunctionDef
    #: Some ``__init__`` binding gives (or is annotated with) lists, dicts or sets as items.
    unhashable_items: bool


def stable_attribute_list(context: RuleContext, node: cst.BaseExpression) -> StableList | None:
    """``node`` is ``self.NAME`` and a list that nothing changes after ``__init__`` (the
    module docstring says how that is decided); None otherwise."""
    if not isinstance(node, cst.Attribute) or not isinstance(node.value, cst.Name):
        return None
    method = _method_of(context, node)
    if method is None or method.name.value == "__init__":
        return None
    params = method.params.posonly_params or method.params.params
    if not params or params[0].name.value != node.value.value:
        return None
    if any(
        isinstance(d.decorator, cst.Name) and d.decorator.value in _METHOD_DECORATORS_TO_SKIP
        for d in method.decorators
    ):
        return None
    function = twins.ast_function(context, method)
    facts = context.facts
    cls = facts.parents.get(function) if function is not None else None
    if not isinstance(cls, ast.ClassDef) or facts.parents.get(cls) is not facts.tree:
        return None
    verdict = _verdict(facts, cls, node.attr.value)
    if verdict is None:
        return None
    return StableList(node.attr.value, method, verdict)


def _method_of(context: RuleContext, node: cst.CSTNode) -> cst.FunctionDef | None:
    """The function whose body holds ``node``, if it is directly in a class body."""
    for ancestor in context.ancestors(node):
        if isinstance(ancestor, (cst.Lambda, cst.ClassDef)):
            return None
        if isinstance(ancestor, cst.FunctionDef):
            block = context.parent(ancestor)
            owner = context.parent(block) if block is not None else None
            return ancestor if isinstance(owner, cst.ClassDef) else None
    return None


def _verdict(facts: ModuleFacts, cls: ast.ClassDef, name: str) -> bool | None:
    """None when ``self.name`` is not a stable list of ``cls``; else whether its items may be
    unhashable. Cached per module."""
    cache: dict[tuple[int, str], bool | None] | None = getattr(facts, "_stable_lists", None)
    if cache is None:
        cache = {}
        facts._stable_lists = cache  # type: ignore[attr-defined]
    key = (id(cls), name)
    if key not in cache:
        cache[key] = _decide(facts, cls, name)
    return cache[key]


def _decide(facts: ModuleFacts, cls: ast.ClassDef, name: str) -> bool | None:
    if facts.uses_dynamic_namespace or _reaches_attributes_dynamically(facts):
        return None
    init = next(
        (
            s for s in cls.body
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "__init__"
        ),
        None,
    )
    if init is None or not init.args.args:
        return None
    receiver = init.args.args[0].arg
    if any(
        isinstance(s, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and _binds(s, name)
        for s in cls.body
    ):
        return None  # a class attribute of that name
    aliases = list_function_aliases(facts)
    unhashable = False
    stored = False
    for attribute in facts.nodes(ast.Attribute):
        if attribute.attr != name:
            continue
        inside_init = facts.is_within(attribute, init)
        if isinstance(attribute.ctx, ast.Del):
            return None
        if isinstance(attribute.ctx, ast.Store):
            statement = facts.parents.get(attribute)
            if not (
                inside_init
                and facts.enclosing_function(attribute) is init
                and isinstance(attribute.value, ast.Name)
                and attribute.value.id == receiver
                and _gives_list(statement, attribute, aliases)
            ):
                return None
            stored = True
            unhashable = unhashable or _unhashable_items(statement)
            continue
        parent = facts.parents.get(attribute)
        if isinstance(parent, ast.Call) and parent.func is attribute:
            continue  # `x.name(...)`: a method of another object
        use = ast_use(facts, attribute)  # type: ignore[arg-type]
        if use is Use.READ or (use is Use.MUTATE and inside_init):
            continue
        return None
    return unhashable if stored else None


def _binds(statement: ast.stmt, name: str) -> bool:
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
        targets = [statement.target]
    else:
        return False
    return any(isinstance(t, ast.Name) and t.id == name for t in targets)


def _gives_list(statement: ast.AST | None, target: ast.Attribute, aliases: frozenset[str]) -> bool:
    if isinstance(statement, ast.Assign):
        return (
            len(statement.targets) == 1
            and statement.targets[0] is target
            and is_list_expression_ast(statement.value, aliases)
        )
    if isinstance(statement, ast.AnnAssign) and statement.target is target:
        return is_list_annotation_ast(statement.annotation) or (
            statement.value is not None and is_list_expression_ast(statement.value, aliases)
        )
    return False


def _unhashable_items(statement: ast.AST | None) -> bool:
    value = getattr(statement, "value", None)
    if isinstance(value, ast.ListComp) and isinstance(value.elt, _AST_UNHASHABLE):
        return True
    if isinstance(value, ast.List) and any(isinstance(e, _AST_UNHASHABLE) for e in value.elts):
        return True
    if isinstance(statement, ast.AnnAssign):
        try:
            annotation = cst.parse_expression(ast.unparse(statement.annotation))
        except (cst.ParserSyntaxError, ValueError):
            return True
        return annotation_items_may_be_unhashable(annotation)
    return False


def _reaches_attributes_dynamically(facts: ModuleFacts) -> bool:
    """``setattr()``, ``__dict__``, ``vars()``, or a second ``__init__`` call anywhere."""
    cached: bool | None = getattr(facts, "_dynamic_attributes", None)
    if cached is None:
        cached = any(n.id in _DYNAMIC_ATTRIBUTE_NAMES for n in facts.nodes(ast.Name)) or any(
            n.attr in _DYNAMIC_ATTRIBUTE_NAMES
            or (n.attr == "__init__" and not _is_super_init(facts, n))
            for n in facts.nodes(ast.Attribute)
        )
        facts._dynamic_attributes = cached  # type: ignore[attr-defined]
    return cached


def _is_super_init(facts: ModuleFacts, node: ast.Attribute) -> bool:
    """``super().__init__`` (or ``Base.__init__(self, ...)`` inside an ``__init__``): a
    constructor calling its parent's, not an object built twice."""
    value = node.value
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        return value.func.id == "super"
    function = facts.enclosing_function(node)
    return isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
        function.name == "__init__"
    )


__all__ = ["StableList", "stable_attribute_list"]
