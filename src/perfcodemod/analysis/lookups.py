"""Lookups that scan a list: ``xs.index(v)``, ``xs.count(v)``, ``next(x for x in xs if ...)``.

What the linear-lookup rules (PCM301-PCM303) share beyond the general analyses: finding
``xs.method(v)`` calls (and their ``ast`` pre-check twin), naming the index a fix builds
(``files_by_path``, ``names_index``), and the rewrite that serves a hit from the index and
falls back to the original search on a miss. Where the index goes is
:mod:`perfcodemod.analysis.hoisting`'s question; whether ``xs`` is a list, small, or holds
unhashable items is :mod:`perfcodemod.analysis.lists`'.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass

from perfcodemod.analysis.attributes import stable_attribute_list
from perfcodemod.analysis.elements import elements_are_provably_hashable
from perfcodemod.analysis.expressions import parenthesized, snippet
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.hashability import is_provably_hashable
from perfcodemod.analysis.hoisting import (
    Hoist,
    hoist_point,
    hoist_point_in_method,
    identifier_part,
)
from perfcodemod.analysis.lists import (
    has_unhashable_elements,
    is_small_fixed_list,
    known_list,
    list_bound_names_ast,
    maybe_list_ast,
)
from perfcodemod.analysis.loops import in_loop_ast
from perfcodemod.context import RuleContext
from perfcodemod.lazycst import cst

#: Lists of at most this many items are scanned about as fast as a dict is looked up: an
#: index built for them costs more than it saves unless the loop is long (measured in
#: ``benchmarks/rules/lookups.py``), so ``.index()``/``.count()`` on them are not reported
#: (:func:`perfcodemod.analysis.lists.is_small_fixed_list`).
SMALL_LIST = 8


# -- finding the lookups ---------------------------------------------------------------------


def list_method_calls_ast(facts: ModuleFacts, method: str) -> Iterator[ast.Call]:
    """``NAME.method(v)`` calls (one positional argument, nothing else) inside loops, on a
    name that may be a list; and ``NAME.attr.method(v)``, on an attribute that may be a list
    built in ``__init__`` (:mod:`perfcodemod.analysis.attributes` decides)."""
    candidates = _one_argument_method_calls(facts).get(method)
    if not candidates:
        return
    listed = list_bound_names_ast(facts)
    for call in candidates:
        receiver = call.func.value  # type: ignore[attr-defined]
        if isinstance(receiver, ast.Attribute):
            if in_loop_ast(facts, call):
                yield call
        elif (
            receiver.id in listed
            and in_loop_ast(facts, call)
            and maybe_list_ast(facts, receiver.id, receiver)
        ):
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
                and (
                    isinstance(func.value, ast.Name)
                    or (
                        isinstance(func.value, ast.Attribute)
                        and isinstance(func.value.value, ast.Name)
                    )
                )
                and len(call.args) == 1
                and not call.keywords
                and not isinstance(call.args[0], ast.Starred)
            ):
                cached.setdefault(func.attr, []).append(call)
        facts._one_argument_method_calls = cached  # type: ignore[attr-defined]
    return cached


def list_method_receiver(node: cst.Call, method: str) -> cst.Name | cst.Attribute | None:
    """The ``xs`` of ``xs.method(v)`` (or the ``self.xs`` of ``self.xs.method(v)``) with
    exactly one plain positional argument."""
    func = node.func
    if not isinstance(func, cst.Attribute) or func.attr.value != method:
        return None
    receiver = func.value
    if isinstance(receiver, cst.Attribute) and not isinstance(receiver.value, cst.Name):
        return None
    if not isinstance(receiver, (cst.Name, cst.Attribute)) or len(node.args) != 1:
        return None
    (arg,) = node.args
    if arg.keyword is not None or arg.star != "":
        return None
    return receiver


# -- where the index goes ---------------------------------------------------------------------


@dataclass(frozen=True)
class IndexedList:
    """A list that a lookup searches, and where an index of it can be built."""

    hoist: Hoist
    #: The list as written (``xs``, ``self.items``): what the index is built from.
    code: str
    #: What the index is named after (``xs``, ``items``).
    base: str


def indexable_list(
    context: RuleContext,
    lookup: cst.CSTNode,
    receiver: cst.Name | cst.Attribute,
    small: int,
    region_ok: Callable[[cst.BaseStatement], bool] | None = None,
) -> IndexedList | None:
    """``receiver`` (a name, or ``self.NAME``) is known to be a list that holds more than
    ``small`` items and hashable-looking ones, and an index of it can be built before the
    loops that repeat ``lookup``: a local or module-level list
    (:func:`~perfcodemod.analysis.lists.known_list`, :func:`~.hoisting.hoist_point`), or a
    list attribute that only ``__init__`` builds
    (:func:`~perfcodemod.analysis.attributes.stable_attribute_list`,
    :func:`~.hoisting.hoist_point_in_method`)."""
    if isinstance(receiver, cst.Attribute):
        stable = stable_attribute_list(context, receiver)
        if stable is None or stable.unhashable_items:
            return None
        hoist = hoist_point_in_method(context, lookup, stable.method, region_ok)
        if hoist is None:
            return None
        return IndexedList(hoist, context.code_for(receiver).strip(), stable.attribute)
    variable = known_list(context, receiver)
    if (
        variable is None
        or is_small_fixed_list(context, variable, small)
        or has_unhashable_elements(variable)
    ):
        return None
    hoist = hoist_point(context, lookup, receiver, region_ok)
    if hoist is None:
        return None
    return IndexedList(hoist, receiver.value, receiver.value)


# -- the index and the rewrite ---------------------------------------------------------------


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


def index_unsafe_reason(
    context: RuleContext,
    collection: cst.Name | cst.Attribute,
    value: cst.BaseExpression | None,
    index: str,
    extra_types: Collection[str] = (),
) -> str:
    """Why replacing a search of the list ``collection`` for ``value`` by a lookup in
    ``index`` (``set()``, ``the position dict``, ``Counter()``) is unsafe here: what the code
    leaves open about hashing, or else what no analysis of the code can rule out."""
    reasons = []
    if not elements_are_provably_hashable(collection, context, extra_types):
        reasons.append(
            f"an item of `{snippet(context, collection)}` may be unhashable: {index} raises "
            "TypeError where the list compared it with =="
        )
    if value is not None and not is_provably_hashable(value, context, extra_types):
        reasons.append(
            f"`{snippet(context, value)}` may be unhashable: looking it up in {index} raises "
            "TypeError where the list compared it with =="
        )
    if isinstance(collection, cst.Attribute):
        reasons.append(
            f"`{snippet(context, collection)}` is an attribute: code in other modules could "
            "change the list while the loop runs, which the index would not see"
        )
    if reasons:
        return "; ".join(reasons)
    return (
        f"{index} is built before the loop from the items as they are then: it answers "
        "differently if they define __eq__ without a matching __hash__, or if the list "
        "changes in a way the code does not show (through another reference, in another thread)"
    )


def is_fallback(context: RuleContext, node: cst.BaseExpression) -> bool:
    """``node`` is the miss path of :func:`lookup_or_fallback`'s shape: the ``else`` of
    ``index[key] if key in index else node`` (the original search, run only on a miss)."""
    parent = context.parent(node)
    if not isinstance(parent, cst.IfExp) or parent.orelse is not node:
        return False
    test, body = parent.test, parent.body
    if not (
        isinstance(test, cst.Comparison)
        and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].operator, cst.In)
        and isinstance(test.comparisons[0].comparator, cst.Name)
        and isinstance(body, cst.Subscript)
        and isinstance(body.value, cst.Name)
        and body.value.value == test.comparisons[0].comparator.value
        and len(body.slice) == 1
        and isinstance(body.slice[0].slice, cst.Index)
    ):
        return False
    return body.slice[0].slice.value.deep_equals(test.left)


def lookup_or_fallback(
    index: str, key: cst.BaseExpression, fallback: cst.BaseExpression, parentheses: bool
) -> cst.BaseExpression:
    """``index[key] if key in index else fallback``: a hit is served by the index, a miss runs
    the original search (which raises what it raised, or finds what the index missed).

    ``fallback``'s own parentheses move to the whole expression; ``parentheses`` asks for new
    ones (see :func:`needs_parentheses`)."""
    lpar, rpar = fallback.lpar, fallback.rpar
    expression: cst.BaseExpression = cst.IfExp(
        test=cst.Comparison(
            left=key.deep_clone(),
            comparisons=[cst.ComparisonTarget(cst.In(), cst.Name(index))],
        ),
        body=cst.Subscript(
            value=cst.Name(index), slice=[cst.SubscriptElement(cst.Index(key.deep_clone()))]
        ),
        orelse=fallback.with_changes(lpar=[], rpar=[]) if lpar else fallback,
    )
    if lpar:
        return expression.with_changes(lpar=lpar, rpar=rpar)
    return parenthesized(expression) if parentheses else expression


__all__ = [
    "IndexedList",
    "indexable_list",
    "SMALL_LIST",
    "index_name",
    "index_unsafe_reason",
    "is_fallback",
    "key_suffix",
    "list_method_calls_ast",
    "list_method_receiver",
    "lookup_or_fallback",
]
