"""Small questions about expressions as written: walking them, constants, expressions that
can be evaluated twice, what a replacement needs around it.

Shared by the rules that rewrite lookups and comprehensions; none of them resolves names (see
:mod:`perfcodemod.analysis.names` for that).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from perfcodemod.analysis.uses import name_occurrences
from perfcodemod.context import RuleContext, children
from perfcodemod.lazycst import cst


@cache
def _constant_types() -> tuple[
    type[cst.SimpleString], type[cst.ConcatenatedString], type[cst.Integer], type[cst.Float],
    type[cst.Imaginary],
]:
    """Literal constants."""
    return (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float, cst.Imaginary)


def is_constant_index(node: cst.BaseExpression) -> bool:
    """A string or number literal (a negative number too): a constant subscript."""
    if isinstance(node, _constant_types()):
        return True
    return (
        isinstance(node, cst.UnaryOperation)
        and isinstance(node.operator, cst.Minus)
        and isinstance(node.expression, (cst.Integer, cst.Float))
    )


def constant_subscript(node: cst.Subscript) -> cst.BaseExpression | None:
    """The constant of ``value["key"]`` (one plain index, a constant), else None."""
    if len(node.slice) != 1:
        return None
    element = node.slice[0].slice
    if not isinstance(element, cst.Index) or element.star is not None:
        return None
    return element.value if is_constant_index(element.value) else None


def is_repeatable(node: cst.BaseExpression) -> bool:
    """Evaluating ``node`` twice gives the same value and does nothing else: a name, a
    literal, or attributes and constant subscripts of those (``item.name``, ``row["id"]``).
    (A property or ``__getitem__`` with side effects would be run twice; the fixes that use
    this are unsafe anyway.)"""
    if isinstance(node, cst.Name) or is_constant_index(node):
        return True
    if isinstance(node, cst.Attribute):
        return isinstance(node.value, (cst.Name, cst.Attribute, cst.Subscript)) and is_repeatable(
            node.value
        )
    if isinstance(node, cst.Subscript):
        return (
            constant_subscript(node) is not None
            and isinstance(node.value, (cst.Name, cst.Attribute, cst.Subscript))
            and is_repeatable(node.value)
        )
    return False


def contains_name(node: cst.CSTNode, name: str) -> bool:
    """Some ``Name`` in ``node`` is spelled ``name`` (attribute names aside)."""
    return next(name_occurrences(node, name), None) is not None


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``node`` and all its descendants (depth first)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(children(current))


def has_await_yield_or_walrus(node: cst.CSTNode) -> bool:
    """``node`` holds an ``await``, a ``yield`` or an assignment expression (``:=``)."""
    return any(isinstance(n, (cst.Await, cst.Yield, cst.NamedExpr)) for n in walk(node))


def has_walrus(node: cst.CSTNode) -> bool:
    """``node`` holds an assignment expression (``:=``): evaluating it binds a name of the
    enclosing function (a comprehension's too)."""
    return any(isinstance(n, cst.NamedExpr) for n in walk(node))


@cache
def _bare_conditional_parents() -> tuple[
    type[cst.Element], type[cst.Index], type[cst.Return], type[cst.Expr],
]:
    """Parents where a conditional expression needs no parentheses."""
    return (cst.Element, cst.Index, cst.Return, cst.Expr)


@cache
def _value_parents() -> tuple[
    type[cst.Assign], type[cst.AnnAssign], type[cst.AugAssign], type[cst.DictElement],
    type[cst.DictComp],
]:
    """Parents that hold an expression as a value."""
    return (cst.Assign, cst.AnnAssign, cst.AugAssign, cst.DictElement, cst.DictComp)


def needs_parentheses(context: RuleContext, node: cst.BaseExpression) -> bool:
    """Would a conditional expression (``a if c else b``) put in ``node``'s place need
    parentheses? (When ``node`` has its own, they are kept.)"""
    if node.lpar:
        return False
    parent = context.parent(node)
    if isinstance(parent, _bare_conditional_parents()):
        return False
    if isinstance(parent, cst.Arg):
        return parent.star != ""
    if isinstance(parent, _value_parents()):
        return parent.value is not node  # a dict key is valid bare, but hard to read
    if isinstance(parent, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
        return parent.elt is not node
    return True


def parenthesized(node: cst.BaseExpression) -> cst.BaseExpression:
    """``node`` with a (new) pair of parentheses around it."""
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def snippet(context: RuleContext, node: cst.CSTNode, width: int = 60) -> str:
    """The first line of ``node``'s code, cut to ``width`` characters: for messages."""
    code = context.code_for(node).strip()
    first = code.splitlines()[0] if code else ""
    return first if len(first) <= width else first[: width - 3] + "..."


__all__ = [
    "constant_subscript",
    "contains_name",
    "has_await_yield_or_walrus",
    "has_walrus",
    "is_constant_index",
    "is_repeatable",
    "needs_parentheses",
    "parenthesized",
    "snippet",
    "walk",
]
