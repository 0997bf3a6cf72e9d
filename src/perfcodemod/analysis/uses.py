"""What the code does with a name: read it, mutate the object, rebind it, or let the object escape.

The question "can this list change while this loop runs?" comes down to the occurrences of the
list's name. Each occurrence of a name is one of:

- ``READ``: looks at the value and lets nothing else hold it: ``x in L``, ``for v in L``,
  ``len(L)``, ``L[i]``, ``L.index(v)``, ``L + M``, ``f"{L}"``, ``if L:``, an argument of a
  builtin that neither keeps nor changes its argument (``sorted(L)``, ``set(L)``, ``any(L)``)...
- ``MUTATE``: changes the object in place: ``L.append(v)``, ``L[i] = v``, ``del L[i]``,
  ``L.sort()``...
- ``REBIND``: binds, deletes or declares the name: assignment and augmented-assignment targets,
  ``for`` and ``with`` targets, ``del L``, imports, ``def``/``class``, parameters, ``global``
  and ``nonlocal``, walrus and ``match`` captures.
- ``ESCAPE``: anything else, and every use this module cannot see through. The object may now
  be held by someone else (``M = L``, ``self.items = L``, ``f(L)``, ``return L``, ``[L]``,
  ``L.unknown()``), who may change it at any later call.

Occurrences are found by name, not by scope: a nested function's own variable of the same name
counts too. That errs on the side of "changed", which is what every caller wants (precision
before recall). The analysis trusts the builtins it names to be the builtins (callers that care
use :func:`perfcodemod.analysis.names.is_builtin`, which this module does) and does not model
what an element's own methods (``__eq__``, ``__hash__``) might do to the container.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Iterator, Sequence
from typing import Union

import libcst as cst

from perfcodemod.analysis import names
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.engine import RuleContext, children

#: Methods of ``list`` that do not change the list (and return nothing that aliases it).
LIST_READ_METHODS = frozenset({"index", "count", "copy", "__len__", "__contains__", "__iter__"})
#: Methods of ``list`` that change it in place.
LIST_MUTATING_METHODS = frozenset(
    {"append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse",
     "__setitem__", "__delitem__", "__iadd__", "__imul__"}
)
#: Builtins that read an argument without keeping it beyond the call or changing it (the
#: iterator builtins keep a reference, but can only read through it).
NON_RETAINING_BUILTINS = frozenset(
    {
        "len", "sorted", "set", "frozenset", "tuple", "list", "dict", "sum", "min", "max", "any",
        "all", "bool", "str", "repr", "ascii", "format", "print", "isinstance", "issubclass", "id",
        "hash", "type", "enumerate", "zip", "map", "filter", "reversed", "iter", "callable",
    }
)

Region = Union[cst.CSTNode, Sequence[cst.CSTNode]]


class Use(enum.Enum):
    """What one occurrence of a name does (see the module docstring)."""

    READ = "read"
    MUTATE = "mutate"
    REBIND = "rebind"
    ESCAPE = "escape"


# Wrappers that a target can be nested in (``a, (b, *c) = ...``).
_TARGET_WRAPPERS = (cst.Element, cst.StarredElement, cst.Tuple, cst.List)


def name_occurrences(region: Region, name: str) -> Iterator[cst.Name]:
    """Every ``Name`` node spelled ``name`` in ``region`` that refers to a variable, in source
    order: attribute names (``x.name``) and keyword names (``f(name=1)``) are left out, nested
    scopes are not."""
    stack: list[cst.CSTNode] = list(region) if isinstance(region, Sequence) else [region]
    stack.reverse()
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            if node.value == name:
                yield node
            continue
        found = []
        for child in children(node):
            if isinstance(node, cst.Attribute) and child is node.attr:
                continue
            if isinstance(node, cst.Arg) and child is node.keyword:
                continue
            found.append(child)
        stack.extend(reversed(found))


def classify_use(
    context: RuleContext,
    name: cst.Name,
    read_methods: frozenset[str] = LIST_READ_METHODS,
    mutating_methods: frozenset[str] = LIST_MUTATING_METHODS,
) -> Use:
    """What the occurrence ``name`` does to the variable and its object.

    ``read_methods`` and ``mutating_methods`` describe the object's type (a ``list`` by
    default); a method in neither set makes the object escape (it might do anything).
    """
    parent = context.parent(name)
    if parent is None:
        return Use.ESCAPE
    if isinstance(
        parent, (cst.FunctionDef, cst.ClassDef, cst.Param, cst.NameItem, cst.ImportAlias)
    ):
        return Use.REBIND
    if isinstance(parent, (cst.MatchAs, cst.MatchStar, cst.MatchMapping)):
        return Use.REBIND
    if in_target_position(context, name):
        return Use.REBIND
    if isinstance(parent, _TARGET_WRAPPERS):
        # Inside a display: ``[*L]`` copies the elements, ``[L]`` holds the object.
        if isinstance(parent, cst.StarredElement):
            return Use.READ
        return Use.ESCAPE
    if isinstance(parent, cst.Attribute):
        return _attribute_use(context, parent, read_methods, mutating_methods)
    if isinstance(parent, cst.Subscript) and parent.value is name:
        return Use.MUTATE if in_target_position(context, parent) else Use.READ
    if isinstance(parent, (cst.Comparison, cst.ComparisonTarget, cst.UnaryOperation)):
        return Use.READ
    if isinstance(parent, cst.BinaryOperation):
        return Use.READ
    if isinstance(parent, cst.Arg):
        return _argument_use(context, parent)
    if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is name:
        return Use.READ
    if isinstance(parent, (cst.If, cst.While, cst.Assert, cst.IfExp)) and parent.test is name:
        return Use.READ
    if isinstance(parent, (cst.Expr, cst.FormattedStringExpression, cst.Annotation)):
        return Use.READ
    return Use.ESCAPE


def in_target_position(context: RuleContext, node: cst.CSTNode) -> bool:
    """``node`` is bound or deleted, directly or as part of a target list (``a, (b, *c) = ...``)."""
    parent = context.parent(node)
    while isinstance(parent, _TARGET_WRAPPERS):
        node = parent
        parent = context.parent(node)
    return is_target(context, node, parent)


def is_target(context: RuleContext, node: cst.CSTNode, parent: cst.CSTNode | None) -> bool:
    """``node`` (a name, attribute, subscript or display of those) is where a value is bound
    or deleted: an assignment, ``for``/``with``/``except``/walrus target, or ``del``."""
    if parent is None:
        return False
    if isinstance(parent, cst.AssignTarget):
        return parent.target is node
    if isinstance(parent, (cst.AnnAssign, cst.AugAssign, cst.NamedExpr, cst.For, cst.CompFor)):
        return parent.target is node
    if isinstance(parent, cst.Del):
        return parent.target is node
    if isinstance(parent, cst.AsName):
        return parent.name is node
    return False


def _attribute_use(
    context: RuleContext,
    attribute: cst.Attribute,
    read_methods: frozenset[str],
    mutating_methods: frozenset[str],
) -> Use:
    grandparent = context.parent(attribute)
    method = attribute.attr.value
    if isinstance(grandparent, cst.Call) and grandparent.func is attribute:
        if method in mutating_methods:
            return Use.MUTATE
        if method in read_methods:
            return Use.READ
        return Use.ESCAPE
    if in_target_position(context, attribute):
        return Use.MUTATE
    return Use.ESCAPE  # ``L.append`` taken as a value, or an unknown attribute


def _argument_use(context: RuleContext, argument: cst.Arg) -> Use:
    if argument.star in ("*", "**"):
        return Use.READ  # the elements are passed, not the object
    call = context.parent(argument)
    if not isinstance(call, cst.Call):
        return Use.ESCAPE
    if names.is_builtin(context, call.func, *NON_RETAINING_BUILTINS):
        return Use.READ
    func = call.func
    if (
        isinstance(func, cst.Attribute)
        and func.attr.value == "join"
        and isinstance(func.value, (cst.SimpleString, cst.ConcatenatedString))
    ):
        return Use.READ  # "".join(L)
    return Use.ESCAPE


def uses_in(
    context: RuleContext,
    region: Region,
    name: str,
    read_methods: frozenset[str] = LIST_READ_METHODS,
    mutating_methods: frozenset[str] = LIST_MUTATING_METHODS,
) -> list[tuple[cst.Name, Use]]:
    """Every occurrence of ``name`` in ``region``, with what it does."""
    return [
        (occurrence, classify_use(context, occurrence, read_methods, mutating_methods))
        for occurrence in name_occurrences(region, name)
    ]


def is_membership_container(context: RuleContext, name: cst.Name) -> bool:
    """``name`` is the right side of ``in``/``not in`` and takes part in no other comparison
    (``x in name``, not ``x in name == y``)."""
    target = context.parent(name)
    if not isinstance(target, cst.ComparisonTarget) or target.comparator is not name:
        return False
    if not isinstance(target.operator, (cst.In, cst.NotIn)):
        return False
    comparison = context.parent(target)
    return isinstance(comparison, cst.Comparison) and comparison.comparisons[-1] is target


def membership_needle(context: RuleContext, name: cst.Name) -> cst.BaseExpression | None:
    """For a ``name`` that :func:`is_membership_container`, the value looked up in it."""
    target = context.parent(name)
    comparison = context.parent(target) if target is not None else None
    if not isinstance(comparison, cst.Comparison) or not isinstance(target, cst.ComparisonTarget):
        return None
    previous = comparison.left
    for candidate in comparison.comparisons:
        if candidate is target:
            return previous
        previous = candidate.comparator
    return None


def membership_containers_ast(facts: ModuleFacts) -> dict[str, list[ast.Name]]:
    """The pre-check twin of :func:`is_membership_container`, for the whole module at once:
    each name's reads that are the right side of the last ``in``/``not in`` of a comparison
    (found from the ``Compare`` nodes, without the module's parent map)."""
    cached: dict[str, list[ast.Name]] | None = getattr(facts, "_membership_containers", None)
    if cached is None:
        cached = {}
        for compare in facts.nodes(ast.Compare):
            container = compare.comparators[-1]
            if isinstance(container, ast.Name) and isinstance(compare.ops[-1], (ast.In, ast.NotIn)):
                cached.setdefault(container.id, []).append(container)
        facts._membership_containers = cached  # type: ignore[attr-defined]
    return cached


def builtin_visible_at(context: RuleContext, builtin: str, node: cst.CSTNode) -> bool:
    """A new reference to ``builtin`` (``set``, ``dict``...) inserted at ``node`` would mean
    the builtin: nothing outside functions binds the name (module level, class bodies), and
    nothing in the top-level function around ``node`` does."""
    facts = context.facts
    if facts.is_unbound_builtin(builtin):
        return True
    if facts.has_star_import or any(
        facts.enclosing_function(binding) is None for binding in facts.bindings.get(builtin, [])
    ):
        return False
    functions = [a for a in context.ancestors(node) if isinstance(a, cst.FunctionDef)]
    if isinstance(node, cst.FunctionDef):
        functions.insert(0, node)
    if not functions:
        return True  # module level, and every binding is inside some function
    return not any(
        classify_use(context, occurrence) is Use.REBIND
        for occurrence in name_occurrences(functions[-1], builtin)
    )


__all__ = [
    "builtin_visible_at",
    "LIST_MUTATING_METHODS",
    "LIST_READ_METHODS",
    "NON_RETAINING_BUILTINS",
    "Region",
    "Use",
    "classify_use",
    "in_target_position",
    "is_membership_container",
    "membership_containers_ast",
    "is_target",
    "membership_needle",
    "name_occurrences",
    "uses_in",
]
