"""Can this code reach the same object through another name or subscript?

A list built from a container is a snapshot of it; a generator over the container reads it
live. Whether code that runs meanwhile changes *that* object is not a question of spelling:
``column = columns[i]`` and ``columns[start]`` are the same set when ``start == i``, and
``for col in columns: col.add(x)`` reaches every element. This module answers it with access
paths:

- an access path is a root name followed by attribute names and ``[]`` ("some item of"):
  ``columns[start]`` and ``columns.get(k)`` are ``columns[]``, ``self.items`` is
  ``self.items``; a call of anything else has no path (a new object, as far as this module
  knows);
- a local variable stands for the paths it was bound to anywhere in its function:
  ``column = columns[i]`` makes ``column`` ``columns[]`` too, a ``for`` target is an item of
  what the loop iterates (``enumerate``/``zip``/``reversed`` looked through), a tuple target
  an item of the value;
- two paths may name the same object when some expansion of one equals some expansion of the
  other (``[]`` stands for any item, so ``columns[i]`` and ``columns[start]`` meet; distinct
  attribute names do not).

Parameters and names bound to unknown calls stand only for themselves: two parameters may be
the same object at run time, which no static analysis of one function can know (the rules
that care treat the calls and stores of such code as unsafe, not as proof).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from perfcodemod.analysis import names
from perfcodemod.analysis.methods import CONTAINER_MUTATING_METHODS
from perfcodemod.analysis.uses import Use, classify_use, in_target_position, name_occurrences
from perfcodemod.context import RuleContext, children
from perfcodemod.lazycst import cst

Path = tuple[str, ...]
ITEM = "[]"
#: Methods whose result is an item of the receiver (``d.get(k)``, ``xs.pop()``).
ITEM_METHODS = frozenset({"get", "setdefault", "pop", "popitem", "popleft"})
#: Views and iterators over a container that read it live.
VIEW_METHODS = frozenset({"items", "keys", "values"})
#: Builtins whose result iterates their positional arguments live.
WRAPPING_BUILTINS = frozenset({"enumerate", "zip", "reversed", "iter"})
_MAX_DEPTH = 4


def access_path(node: cst.BaseExpression) -> Path | None:
    """``columns[i].cells`` -> ``("columns", "[]", "cells")``; None when ``node`` is not a
    name, an attribute or item of one, or an item-returning method call on one."""
    if isinstance(node, cst.Name):
        return (node.value,)
    if isinstance(node, cst.Attribute):
        base = access_path(node.value)
        return None if base is None else (*base, node.attr.value)
    if isinstance(node, cst.Subscript):
        base = access_path(node.value)
        return None if base is None else (*base, ITEM)
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in ITEM_METHODS
    ):
        base = access_path(node.func.value)
        return None if base is None else (*base, ITEM)
    return None


def iterated_paths(context: RuleContext, iterable: cst.BaseExpression) -> list[Path]:
    """The containers that iterating ``iterable`` reads live: the iterable itself (a name,
    attribute or item), the receiver of ``.items()``/``.keys()``/``.values()``, the
    arguments of ``enumerate()``/``zip()``/``reversed()``/``iter()``. Empty for a new value
    (a display, a comprehension, ``sorted()``, any other call)."""
    path = access_path(iterable)
    if path is not None:
        return [path]
    if not isinstance(iterable, cst.Call):
        return []
    func = iterable.func
    if isinstance(func, cst.Attribute) and func.attr.value in VIEW_METHODS and not iterable.args:
        base = access_path(func.value)
        return [] if base is None else [base]
    if names.builtin_called(context, iterable) in WRAPPING_BUILTINS:
        found: list[Path] = []
        for arg in iterable.args:
            if arg.keyword is None:
                found.extend(iterated_paths(context, arg.value))
        return found
    return []


def _binding_paths(context: RuleContext, occurrence: cst.Name) -> list[Path] | None:
    """The paths a binding occurrence of a name binds it to: [] for a new object, None for a
    binding this module cannot follow (it then stands for itself only)."""
    node: cst.CSTNode = occurrence
    parent = context.parent(node)
    item_depth = 0
    while isinstance(parent, (cst.Element, cst.StarredElement, cst.Tuple, cst.List)):
        if isinstance(parent, (cst.Tuple, cst.List)):
            item_depth += 1
        node, parent = parent, context.parent(parent)
    suffix = (ITEM,) * item_depth
    if isinstance(parent, cst.AssignTarget):
        assign = context.parent(parent)
        value = assign.value if isinstance(assign, cst.Assign) else None
    elif isinstance(parent, (cst.AnnAssign, cst.NamedExpr)) and parent.target is node:
        value = parent.value
    elif isinstance(parent, cst.For) and parent.target is node:
        return [(*path, ITEM, *suffix) for path in iterated_paths(context, parent.iter)]
    elif isinstance(parent, cst.CompFor) and parent.target is node:
        return [(*path, ITEM, *suffix) for path in iterated_paths(context, parent.iter)]
    else:
        return None
    if value is None:
        return None
    path = access_path(value)
    return [] if path is None else [(*path, *suffix)]


def expansions(context: RuleContext, scope: cst.CSTNode, path: Path) -> set[Path]:
    """``path`` and what it may also be reached as, through the bindings of its root within
    ``scope`` (a function or module node), followed up to a small depth."""
    found: set[Path] = set()
    todo: list[tuple[Path, int]] = [(path, 0)]
    while todo:
        current, depth = todo.pop()
        if current in found:
            continue
        found.add(current)
        if depth >= _MAX_DEPTH:
            continue
        root, rest = current[0], current[1:]
        for occurrence in name_occurrences(scope, root):
            if classify_use(context, occurrence) is not Use.REBIND:
                continue
            bound_paths = _binding_paths(context, occurrence) or ()
            todo.extend(((*bound, *rest), depth + 1) for bound in bound_paths)
    return found


def may_be_same(context: RuleContext, scope: cst.CSTNode, first: Path, second: Path) -> bool:
    """``first`` and ``second`` may name the same object (see the module docstring)."""
    return not expansions(context, scope, first).isdisjoint(expansions(context, scope, second))


def _changed_paths(context: RuleContext, node: cst.CSTNode) -> Iterable[Path]:
    """The objects ``node`` changes in place, as access paths."""
    if isinstance(node, cst.Subscript) and in_target_position(context, node):
        path = access_path(node.value)
        if path is not None:
            yield path
    elif isinstance(node, cst.AugAssign):
        path = access_path(node.target)
        if path is not None:
            yield path  # `xs += ys` extends a list in place
    elif (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in CONTAINER_MUTATING_METHODS
    ):
        path = access_path(node.func.value)
        if path is not None:
            yield path


def changes_through_aliases(
    context: RuleContext,
    region: Sequence[cst.CSTNode],
    scope: cst.CSTNode,
    source: Path,
) -> list[cst.CSTNode]:
    """The places in ``region`` that change, in place, an object that may be the one at
    ``source`` (item assignment or deletion, augmented assignment, the mutating methods of
    the containers), through any name or item that may reach it."""
    targets = expansions(context, scope, source)
    known: dict[Path, bool] = {}
    found: list[cst.CSTNode] = []
    stack: list[cst.CSTNode] = list(region)
    while stack:
        node = stack.pop()
        for path in _changed_paths(context, node):
            if path not in known:
                known[path] = not targets.isdisjoint(expansions(context, scope, path))
            if known[path]:
                found.append(node)
                break
        stack.extend(children(node))
    return found


__all__ = [
    "ITEM",
    "Path",
    "access_path",
    "changes_through_aliases",
    "expansions",
    "iterated_paths",
    "may_be_same",
]
