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

Which methods read and which mutate comes from :mod:`perfcodemod.analysis.methods`: the
mutators of ``list``, ``dict``, ``set`` and ``deque`` (``seen.add(x)``, ``d.update(...)``) are
``MUTATE`` whatever the receiver, the read-only methods of ``list`` are ``READ``, any other
method call is an ``ESCAPE``.

On top of the single occurrence, the region questions: what in a region (a node, or a list of
statements) rebinds a name, changes its object or lets it escape (:func:`changes_in`,
:func:`first_change`, :func:`escapes`), and which places change a container named by a dotted
path in place (:func:`in_place_changes`). :func:`ast_use` is the pre-check twin of
:func:`classify_use` on Python's ``ast``.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from typing import Union

from perfcodemod.analysis import names
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.methods import CONTAINER_MUTATING_METHODS, LIST_READ_METHODS
from perfcodemod.context import RuleContext, children
from perfcodemod.lazycst import cst

#: Builtins that read an argument without keeping it beyond the call or changing it (the
#: iterator builtins keep a reference, but can only read through it).
NON_RETAINING_BUILTINS = frozenset(
    {
        "len", "sorted", "set", "frozenset", "tuple", "list", "dict", "sum", "min", "max", "any",
        "all", "bool", "str", "repr", "ascii", "format", "print", "isinstance", "issubclass", "id",
        "hash", "type", "enumerate", "zip", "map", "filter", "reversed", "iter", "callable",
    }
)

Region = Union["cst.CSTNode", "Sequence[cst.CSTNode]"]


class Use(enum.Enum):
    """What one occurrence of a name does (see the module docstring)."""

    READ = "read"
    MUTATE = "mutate"
    REBIND = "rebind"
    ESCAPE = "escape"


# Wrappers that a target can be nested in (``a, (b, *c) = ...``).
@cache
def _target_wrappers() -> tuple[
    type[cst.Element], type[cst.StarredElement], type[cst.Tuple], type[cst.List],
]:
    """Nodes that wrap an assignment target."""
    return (cst.Element, cst.StarredElement, cst.Tuple, cst.List)


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


def classify_use(context: RuleContext, name: cst.Name) -> Use:
    """What the occurrence ``name`` does to the variable and its object.

    A call of a container mutator (:data:`~perfcodemod.analysis.methods.CONTAINER_MUTATING_METHODS`:
    ``append``, ``add``, ``update``, ``popleft``...) mutates the object, a call of one of
    ``list``'s read-only methods reads it; any other method may do anything, so the object
    escapes.
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
    if isinstance(parent, _target_wrappers()):
        # Inside a display: ``[*L]`` copies the elements, ``[L]`` holds the object.
        if isinstance(parent, cst.StarredElement):
            return Use.READ
        return Use.ESCAPE
    if isinstance(parent, cst.Attribute):
        return _attribute_use(context, parent)
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
    while isinstance(parent, _target_wrappers()):
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


def _attribute_use(context: RuleContext, attribute: cst.Attribute) -> Use:
    grandparent = context.parent(attribute)
    method = attribute.attr.value
    if isinstance(grandparent, cst.Call) and grandparent.func is attribute:
        if method in CONTAINER_MUTATING_METHODS:
            return Use.MUTATE
        if method in LIST_READ_METHODS:
            return Use.READ
        return Use.ESCAPE
    if in_target_position(context, attribute):
        return Use.MUTATE
    return Use.ESCAPE  # ``L.append`` taken as a value, or an unknown attribute


def _argument_use(context: RuleContext, argument: cst.Arg) -> Use:
    if argument.star in {"*", "**"}:
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


def uses_in(context: RuleContext, region: Region, name: str) -> list[tuple[cst.Name, Use]]:
    """Every occurrence of ``name`` in ``region``, with what it does."""
    return [
        (occurrence, classify_use(context, occurrence))
        for occurrence in name_occurrences(region, name)
    ]


# -- regions ---------------------------------------------------------------------------------


def changes_in(context: RuleContext, region: Region, name: str) -> list[tuple[cst.Name, Use]]:
    """The occurrences of ``name`` in ``region`` that rebind it, change its object, or let the
    object escape (where it may be changed later)."""
    return [
        (occurrence, use)
        for occurrence, use in uses_in(context, region, name)
        if use is not Use.READ
    ]


def is_rebound_or_mutated_in(context: RuleContext, region: Region, name: str) -> bool:
    """``name`` may be rebound in ``region``, or its object changed there (an escape within
    the region counts: whoever receives the object may change it)."""
    return bool(changes_in(context, region, name))


def escapes(context: RuleContext, region: Region, name: str) -> list[cst.Name]:
    """The occurrences of ``name`` in ``region`` that let its object escape (``M = L``,
    ``f(L)``, ``return L``, ``self.x = L``...)."""
    return [n for n, use in uses_in(context, region, name) if use is Use.ESCAPE]


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
            use = classify_use(context, occurrence)
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
        if isinstance(node, cst.Subscript) and names.dotted_name(node.value) == dotted:
            if in_target_position(context, node):
                found.append(node)
        elif isinstance(node, cst.AugAssign) and names.dotted_name(node.target) == dotted:
            found.append(node)
        elif (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in CONTAINER_MUTATING_METHODS
            and names.dotted_name(node.func.value) == dotted
        ):
            found.append(node)
        stack.extend(children(node))
    return found


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


# -- the ast twin, for pre-checks ------------------------------------------------------------

_READING_PARENTS = (ast.Compare, ast.BinOp, ast.UnaryOp, ast.Expr, ast.FormattedValue, ast.Starred)


def ast_use(facts: ModuleFacts, load: ast.Name) -> Use:
    """What a read of a name does to its object (the ``ast`` twin of :func:`classify_use`,
    for reads only)."""
    parents = facts.parents
    parent = parents.get(load)
    if isinstance(parent, ast.Attribute):
        grandparent = parents.get(parent)
        if isinstance(grandparent, ast.Call) and grandparent.func is parent:
            if parent.attr in LIST_READ_METHODS:
                return Use.READ
            if parent.attr in CONTAINER_MUTATING_METHODS:
                return Use.MUTATE
        elif not isinstance(parent.ctx, ast.Load):
            return Use.MUTATE
        return Use.ESCAPE
    if isinstance(parent, ast.Subscript) and parent.value is load:
        return Use.READ if isinstance(parent.ctx, ast.Load) else Use.MUTATE
    if isinstance(parent, _READING_PARENTS):
        return Use.READ
    if isinstance(parent, (ast.For, ast.AsyncFor, ast.comprehension)) and parent.iter is load:
        return Use.READ
    if isinstance(parent, (ast.If, ast.While, ast.Assert, ast.IfExp)) and parent.test is load:
        return Use.READ
    if isinstance(parent, ast.Call) and any(arg is load for arg in parent.args):
        func = parent.func
        if (
            isinstance(func, ast.Name)
            and func.id in NON_RETAINING_BUILTINS
            and facts.is_unbound_builtin(func.id)
        ):
            return Use.READ
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "join"
            and isinstance(func.value, ast.Constant)
            and isinstance(func.value.value, str)
        ):
            return Use.READ
    return Use.ESCAPE


__all__ = [
    "NON_RETAINING_BUILTINS",
    "Region",
    "Use",
    "ast_use",
    "builtin_visible_at",
    "changes_in",
    "classify_use",
    "escapes",
    "first_change",
    "in_place_changes",
    "in_target_position",
    "is_membership_container",
    "is_rebound_or_mutated_in",
    "is_target",
    "membership_containers_ast",
    "membership_needle",
    "name_occurrences",
    "uses_in",
]
