"""Comprehensions: their parts, whether they are asynchronous, whether what they iterate can be
iterated lazily without anyone noticing.

A list comprehension runs its loop to the end when it is evaluated; a generator expression runs
it step by step, when (and as far as) its consumer asks. The generator rules (PCM1xx) need to
know:

- whether the comprehension is asynchronous (``async for``, or ``await`` anywhere inside):
  its generator twin would be an *asynchronous* generator, which ``any()``, ``sum()`` or a
  plain ``for`` cannot iterate (``TypeError``);
- what it iterates (:func:`iterables`), and whether stopping part-way leaves a trace
  (:func:`is_reiterable`): iterating a list, a tuple, a string or ``range()`` and stopping early
  changes nothing, while a file, a generator or any other iterator is left part-consumed for
  whoever reads it next.

The ``*_ast`` functions are the pre-check twins on Python's ``ast``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from typing import Union

from perfcodemod.analysis import lists, names
from perfcodemod.context import RuleContext, children
from perfcodemod.lazycst import cst

Comprehension = Union["cst.ListComp", "cst.SetComp", "cst.DictComp", "cst.GeneratorExp"]
@cache
def comprehension_types() -> tuple[
    type[cst.ListComp], type[cst.SetComp], type[cst.DictComp], type[cst.GeneratorExp],
]:
    """The comprehension nodes."""
    return (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
AST_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)

#: Builtins that return a new container: iterating their result leaves no trace elsewhere.
FRESH_CONTAINER_BUILTINS = frozenset(
    {"range", "sorted", "list", "tuple", "set", "frozenset", "dict", "bytes", "bytearray", "str"}
)
#: Builtins that return an iterator over their (positional) arguments: re-iterable when those are.
WRAPPING_BUILTINS = frozenset({"enumerate", "zip", "reversed"})
#: Annotations of values that can be iterated again (containers, not iterators).
REITERABLE_ANNOTATIONS = frozenset(
    {
        "list", "List", "tuple", "Tuple", "set", "Set", "frozenset", "FrozenSet", "dict", "Dict",
        "str", "bytes", "Sequence", "MutableSequence", "Mapping", "MutableMapping", "Collection",
        "AbstractSet", "MutableSet", "range",
    }
)


def comp_fors(comp: Comprehension) -> Iterator[cst.CompFor]:
    """The ``for`` clauses of ``comp``, outermost first."""
    current: cst.CompFor | None = comp.for_in
    while current is not None:
        yield current
        current = current.inner_for_in


def iterables(comp: Comprehension) -> list[cst.BaseExpression]:
    """What ``comp`` iterates, outermost first (the first is evaluated in the enclosing scope)."""
    return [clause.iter for clause in comp_fors(comp)]


def lazy_parts(comp: Comprehension) -> list[cst.CSTNode]:
    """The parts of ``comp`` that a generator evaluates lazily, element by element: everything
    but the first iterable (which is evaluated when the comprehension is)."""
    parts: list[cst.CSTNode] = []
    for index, clause in enumerate(comp_fors(comp)):
        if index:
            parts.append(clause.iter)
        parts.extend(condition.test for condition in clause.ifs)
    if isinstance(comp, cst.DictComp):
        parts.extend((comp.key, comp.value))
    else:
        parts.append(comp.elt)
    return parts


#: Builtins that iterate their positional arguments (in full or until they have an answer).
ITERATING_BUILTINS = frozenset(
    {
        "any", "all", "sum", "min", "max", "sorted", "list", "tuple", "set", "frozenset", "dict",
        "enumerate", "zip", "reversed", "map", "filter", "bytes", "bytearray",
    }
)


def iterated_values(context: RuleContext, node: cst.CSTNode) -> list[cst.BaseExpression]:
    """Everything that evaluating ``node`` iterates: the iterables of the comprehensions in it
    (``node`` itself included) and the positional arguments of builtins that iterate them
    (``sum(row)``). Lambda bodies are left out (they run when called)."""
    found: list[cst.BaseExpression] = []
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Lambda):
            continue
        if isinstance(current, cst.CompFor):
            found.append(current.iter)
        elif isinstance(current, cst.Call):
            if names.builtin_called(context, current) in ITERATING_BUILTINS:
                found.extend(a.value for a in current.args if a.keyword is None and not a.star)
        stack.extend(children(current))
    return found


def is_async(comp: cst.CSTNode) -> bool:
    """``comp`` holds an ``async for`` or an ``await`` anywhere (nested comprehensions too):
    as a generator expression it would be an asynchronous generator."""
    stack: list[cst.CSTNode] = [comp]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Await):
            return True
        if isinstance(node, cst.CompFor) and node.asynchronous is not None:
            return True
        if isinstance(node, cst.Lambda):
            continue  # `await` cannot appear there; a nested `async` lambda cannot exist
        stack.extend(children(node))
    return False


def is_async_ast(comp: ast.AST) -> bool:
    """Pre-check twin of :func:`is_async`."""
    for node in ast.walk(comp):
        if isinstance(node, ast.Await):
            return True
        if isinstance(node, ast.comprehension) and node.is_async:
            return True
    return False


def is_reiterable(context: RuleContext, node: cst.BaseExpression, depth: int = 0) -> bool:
    """Iterating ``node``'s value part of the way, or later, leaves no trace elsewhere: it is a
    display, a list/set/dict comprehension, a string, a fresh container from a builtin
    (``range()``, ``sorted()``, ``list()``...), ``enumerate``/``zip``/``reversed`` of such
    values, a concatenation, repetition or slice of such values (``xs + ys``, ``xs * 2``,
    ``xs[1:]``), or a name known to hold one (a known list, a parameter annotated with a
    container type, a local bound only to such values). Not: files, generators, iterators,
    attributes and anything unknown."""
    return not_reiterable_part(context, node, depth) is None


def not_reiterable_part(
    context: RuleContext, node: cst.BaseExpression, depth: int = 0
) -> cst.BaseExpression | None:
    """The part of ``node`` that keeps it from being :func:`re-iterable <is_reiterable>` (for
    ``zip(a, b)``, the argument that may be an iterator, not the ``zip``), or None when it
    is re-iterable: what an honest "may be an iterator" names."""
    if depth > 3:
        return node
    if isinstance(
        node,
        (
            cst.List, cst.Tuple, cst.Set, cst.Dict, cst.ListComp, cst.SetComp, cst.DictComp,
            cst.SimpleString, cst.ConcatenatedString, cst.FormattedString,
        ),
    ):
        return None
    if isinstance(node, cst.Call):
        builtin = names.builtin_called(context, node)
        if builtin in FRESH_CONTAINER_BUILTINS:
            return None
        if builtin in WRAPPING_BUILTINS:
            for arg in node.args:
                if arg.keyword is not None:
                    continue
                if arg.star:
                    return arg.value
                part = not_reiterable_part(context, arg.value, depth + 1)
                if part is not None:
                    return part
            return None
        return node
    if isinstance(node, cst.BinaryOperation):
        # A sequence concatenated or repeated is a new sequence (or a TypeError).
        if isinstance(node.operator, cst.Add):
            return not_reiterable_part(context, node.left, depth + 1) or not_reiterable_part(
                context, node.right, depth + 1
            )
        if isinstance(node.operator, cst.Multiply):
            left = not_reiterable_part(context, node.left, depth + 1)
            if left is None:
                return None
            return left if not_reiterable_part(context, node.right, depth + 1) else None
        return node
    if (
        isinstance(node, cst.Subscript)
        and len(node.slice) == 1
        and isinstance(node.slice[0].slice, cst.Slice)
    ):
        return not_reiterable_part(context, node.value, depth + 1)  # a slice is a new sequence
    if isinstance(node, cst.Name):
        return None if _name_is_reiterable(context, node, depth) else node
    return node


def _name_is_reiterable(context: RuleContext, name: cst.Name, depth: int) -> bool:
    if lists.known_list(context, name) is not None:
        return True
    resolution = context.scopes.resolve(name)
    if resolution.is_module_level or resolution.scope is None or not resolution.bindings:
        return False
    scope = resolution.scope
    if scope.kind == "comprehension" or name.value in scope.declared_nonlocal:
        return False
    for binding in context.scopes.bindings_of(scope, name.value):
        binder = binding.binder
        if isinstance(binder, cst.Param):
            if binder.star in {"*", "**"}:
                continue  # *args is a tuple, **kwargs a dict
            annotation = binder.annotation
            if annotation is None or not _annotation_is_reiterable(annotation.annotation):
                return False
        elif isinstance(binder, cst.AnnAssign) and binder.target is binding.node:
            if not _annotation_is_reiterable(binder.annotation.annotation):
                return False
        elif (
            isinstance(binder, cst.Assign)
            and len(binder.targets) == 1
            and binder.targets[0].target is binding.node
        ):
            if not is_reiterable(context, binder.value, depth + 1):
                return False
        else:
            return False
    return True


def _annotation_is_reiterable(annotation: cst.BaseExpression) -> bool:
    if isinstance(annotation, cst.SimpleString):
        try:
            annotation = cst.parse_expression(str(annotation.evaluated_value))
        except (cst.ParserSyntaxError, ValueError):
            return False
    if isinstance(annotation, cst.Subscript):
        annotation = annotation.value
    if isinstance(annotation, cst.Attribute):
        return annotation.attr.value in REITERABLE_ANNOTATIONS
    return isinstance(annotation, cst.Name) and annotation.value in REITERABLE_ANNOTATIONS


def sole_argument(call: cst.Call) -> cst.Arg | None:
    """The only argument of ``call``, if it has exactly one, positional and not starred."""
    if len(call.args) != 1:
        return None
    arg = call.args[0]
    if arg.keyword is not None or arg.star:
        return None
    return arg


def sole_argument_ast(call: ast.Call) -> ast.expr | None:
    """Pre-check twin of :func:`sole_argument`."""
    if len(call.args) != 1 or call.keywords or isinstance(call.args[0], ast.Starred):
        return None
    return call.args[0]


__all__ = [
    "AST_COMPREHENSIONS",
    "comprehension_types",
    "Comprehension",
    "FRESH_CONTAINER_BUILTINS",
    "REITERABLE_ANNOTATIONS",
    "WRAPPING_BUILTINS",
    "comp_fors",
    "ITERATING_BUILTINS",
    "is_async",
    "iterated_values",
    "lazy_parts",
    "is_async_ast",
    "is_reiterable",
    "not_reiterable_part",
    "iterables",
    "sole_argument",
    "sole_argument_ast",
]
