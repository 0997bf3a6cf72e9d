"""Are the items of an iterable provably hashable?

A fix that feeds an iterable to ``set()`` or ``dict.fromkeys()`` where the code compared items
with ``==`` (a list's ``in``, ``index``, ``count``) is safe only when every item is hashable.
"Provably" means: iterating a string (characters), ``range()``, ``str.split()`` of a string, a set,
frozenset or dict (their items and keys are hashable by construction), a display or
comprehension whose elements are provably hashable (:mod:`perfcodemod.analysis.hashability`),
``sorted()``/``list()``/``tuple()``/``reversed()``/``iter()`` of one of those, or a name whose
every binding is one of those or is annotated with a container of a hashable type
(``list[str]``, ``Sequence[int]``, ``tuple[str, ...]``, ``set[Any]``, ``dict[str, Any]``).
Annotations are promises, as in the rest of the hashability analysis.
"""

from __future__ import annotations

import ast
from collections.abc import Collection

from perfcodemod.analysis import names
from perfcodemod.analysis.hashability import (
    annotation_is_hashable,
    is_provably_hashable,
    is_provably_str,
)
from perfcodemod.analysis.lists import (
    annotation_items_may_be_unhashable,
    yields_unhashable_displays,
)
from perfcodemod.context import RuleContext
from perfcodemod.lazycst import cst

#: Containers whose items are hashable whatever their element type.
HASHABLE_ITEM_CONTAINERS = frozenset(
    {"set", "Set", "frozenset", "FrozenSet", "AbstractSet", "MutableSet", "dict", "Dict",
     "OrderedDict", "defaultdict", "DefaultDict", "Counter", "KeysView"}
)
#: Containers that yield their (first) type argument.
ELEMENT_CONTAINERS = frozenset(
    {"list", "List", "Sequence", "MutableSequence", "Iterable", "Iterator", "Collection",
     "Reversible", "deque", "Deque", "Generator"}
)
_PASS_THROUGH_BUILTINS = frozenset({"sorted", "list", "tuple", "reversed", "iter"})
_SPLIT_METHODS = frozenset({"split", "rsplit", "splitlines"})


def elements_are_provably_hashable(
    node: cst.BaseExpression, context: RuleContext, extra_types: Collection[str] = ()
) -> bool:
    """Every item that iterating ``node`` yields is certainly hashable (module docstring)."""
    if is_provably_str(node, context):
        return True  # characters, or ints for bytes
    if isinstance(node, (cst.Set, cst.SetComp, cst.Dict, cst.DictComp)):
        return True
    if isinstance(node, (cst.List, cst.Tuple)):
        return all(
            isinstance(element, cst.Element)
            and is_provably_hashable(element.value, context, extra_types)
            for element in node.elements
        )
    if isinstance(node, (cst.ListComp, cst.GeneratorExp)):
        return is_provably_hashable(node.elt, context, extra_types)
    if isinstance(node, cst.Call):
        return _call_elements_hashable(node, context, extra_types)
    if isinstance(node, cst.Name):
        return _name_elements_hashable(node, context, extra_types)
    return False


def _call_elements_hashable(
    call: cst.Call, context: RuleContext, extra_types: Collection[str]
) -> bool:
    builtin = names.builtin_called(context, call)
    if builtin in {"range", "set", "frozenset", "dict"}:
        return True
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if builtin in _PASS_THROUGH_BUILTINS and len(positional) == 1:
        return elements_are_provably_hashable(positional[0].value, context, extra_types)
    func = call.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value in _SPLIT_METHODS
        and is_provably_str(func.value, context)
    )


def _name_elements_hashable(
    node: cst.Name, context: RuleContext, extra_types: Collection[str]
) -> bool:
    resolution = context.scopes.resolve(node)
    if resolution.is_module_level or resolution.scope is None or not resolution.bindings:
        return False  # module-level bindings may be anywhere; not worth proving here
    if node.value in resolution.scope.declared_nonlocal:
        return False
    for binding in context.scopes.bindings_of(resolution.scope, node.value):
        binder = binding.binder
        if isinstance(binder, cst.Param):
            if binder.annotation is None or binder.star in {"*", "**"}:
                return False
            if not _annotation_yields_hashable(binder.annotation.annotation, context, extra_types):
                return False
        elif isinstance(binder, cst.AnnAssign):
            if not _annotation_yields_hashable(binder.annotation.annotation, context, extra_types):
                return False
        elif (
            isinstance(binder, cst.Assign)
            and len(binder.targets) == 1
            and binder.targets[0].target is binding.node
        ):
            if not elements_are_provably_hashable(binder.value, context, extra_types):
                return False
        else:
            return False
    return True


def _annotation_yields_hashable(
    annotation: cst.BaseExpression, context: RuleContext, extra_types: Collection[str]
) -> bool:
    try:
        expression = ast.parse(context.code_for(annotation).strip(), mode="eval").body
    except SyntaxError:
        return False
    return annotation_yields_hashable(expression, context, extra_types)


def annotation_yields_hashable(
    annotation: ast.expr, context: RuleContext, extra_types: Collection[str] = ()
) -> bool:
    """Iterating a value annotated ``annotation`` yields hashable items."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return False
    head = annotation.value if isinstance(annotation, ast.Subscript) else annotation
    head_name = head.attr if isinstance(head, ast.Attribute) else getattr(head, "id", None)
    if head_name in {"str", "bytes"}:
        return True
    if head_name in HASHABLE_ITEM_CONTAINERS:
        return True
    if not isinstance(annotation, ast.Subscript):
        return False
    index = annotation.slice
    arguments = list(index.elts) if isinstance(index, ast.Tuple) else [index]
    if head_name in ELEMENT_CONTAINERS:
        return bool(arguments) and annotation_is_hashable(arguments[0], context.facts, extra_types)
    if head_name in {"tuple", "Tuple"}:
        items = [a for a in arguments if not (isinstance(a, ast.Constant) and a.value is Ellipsis)]
        return bool(items) and all(
            annotation_is_hashable(item, context.facts, extra_types) for item in items
        )
    return False


def items_may_be_unhashable(node: cst.BaseExpression, context: RuleContext) -> bool:
    """What the code says about ``node`` shows that some item it yields is unhashable: a
    display or comprehension of lists, dicts or sets, or a local name bound to one or
    annotated as a container of them (``rows: list[dict[str, int]]``). The opposite question
    to :func:`elements_are_provably_hashable`, for rules that stay silent where a set or
    ``dict.fromkeys()`` cannot work."""
    if yields_unhashable_displays(node):
        return True
    if not isinstance(node, cst.Name):
        return False
    resolution = context.scopes.resolve(node)
    if resolution.scope is None or not resolution.bindings:
        return False
    for binding in context.scopes.bindings_of(resolution.scope, node.value):
        binder = binding.binder
        annotation = getattr(binder, "annotation", None)
        if isinstance(annotation, cst.Annotation) and annotation_items_may_be_unhashable(
            annotation.annotation
        ):
            return True
        if isinstance(binder, cst.Assign) and yields_unhashable_displays(binder.value):
            return True
    return False


__all__ = [
    "annotation_yields_hashable",
    "elements_are_provably_hashable",
    "items_may_be_unhashable",
]
