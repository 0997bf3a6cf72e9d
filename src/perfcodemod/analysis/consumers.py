"""What iterates a value, how often, and what runs for each element it yields.

A list that is iterated once, on the spot, can be a generator instead. This module answers:

- :func:`is_consumed_on_the_spot`: a generator expression runs to completion (or to an early
  answer) within the expression or statement that creates it;
- :func:`single_pass_consumer`: what iterates an expression exactly once: a ``for``
  statement, a comprehension evaluated on the spot, or a call of a single-pass consumer
  (``sum()``, ``sorted()``, ``collections.Counter()``...), possibly through lazy wrappers
  (``enumerate()``, ``zip()``, ``map()``, ``filter()``);
- :func:`per_element_activity`: what the code that such a consumer runs between two elements
  may do (a loop body, a comprehension's element and conditions, the function a wrapper
  calls);
- :func:`consumer_positions_ast`: the pre-check twin, the expressions of a module that sit
  where something iterates them.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from perfcodemod.analysis import names
from perfcodemod.analysis.comprehensions import comprehension_types
from perfcodemod.analysis.effects import (
    Activity,
    is_effect_free_call,
    is_effect_free_callable,
    region_activity,
)
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.context import RuleContext
from perfcodemod.lazycst import cst

#: Builtins that consume an iterable argument completely (or until they have their answer)
#: before they return.
EAGER_CONSUMERS = frozenset(
    {"any", "all", "sum", "min", "max", "sorted", "list", "set", "frozenset", "tuple", "dict"}
)
#: Other single-pass consumers, by qualified name: the position of the iterable.
CONSUMING_FUNCTIONS = {
    "collections.Counter": 0,
    "collections.deque": 0,
    "heapq.nlargest": 1,
    "heapq.nsmallest": 1,
}
#: Builtins that wrap their arguments in a lazy iterator, by the positions they iterate
#: (None: every position; ``map`` iterates every position but the first, the function): the
#: value is consumed where the wrapper is.
LAZY_WRAPPERS: dict[str, tuple[int, ...] | None] = {
    "enumerate": (0,),
    "zip": None,
    "map": None,
    "filter": (1,),
}


def is_consumed_on_the_spot(context: RuleContext, generator: cst.GeneratorExp) -> bool:
    """``generator`` runs to completion (or to an early answer) within the expression or
    statement that creates it: the argument of ``any``/``sum``/``sorted``/``"".join``..., or
    the iterable of a ``for`` or of a comprehension."""
    parent = context.parent(generator)
    if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is generator:
        return True
    if not isinstance(parent, cst.Arg) or parent.keyword is not None or parent.star:
        return False
    call = context.parent(parent)
    if not isinstance(call, cst.Call):
        return False
    if names.is_builtin(context, call.func, *EAGER_CONSUMERS):
        return True
    func = call.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value == "join"
        and isinstance(func.value, (cst.SimpleString, cst.ConcatenatedString))
    )


@dataclass(frozen=True)
class Consumer:
    """What iterates an expression once."""

    #: The ``for`` statement, comprehension or call that iterates it.
    node: cst.CSTNode
    #: For messages: "a `for` loop", "a comprehension", "`sum()`".
    description: str
    #: The lazy wrappers between the expression and ``node`` (``enumerate(xs)``), innermost
    #: first.
    wrappers: tuple[cst.Call, ...] = ()


def single_pass_consumer(context: RuleContext, node: cst.CSTNode) -> Consumer | None:
    """What iterates ``node`` exactly once, on the spot: a (synchronous) ``for`` statement, a
    comprehension evaluated on the spot (``node`` its first iterable), or a single-pass call
    (:data:`EAGER_CONSUMERS`, :data:`CONSUMING_FUNCTIONS`, ``node`` in the iterable's
    position), possibly through lazy wrappers (:data:`LAZY_WRAPPERS`)."""
    wrappers: list[cst.Call] = []
    while True:
        parent = context.parent(node)
        if isinstance(parent, cst.For) and parent.iter is node:
            if parent.asynchronous:
                return None
            return Consumer(parent, "a `for` loop", tuple(wrappers))
        if isinstance(parent, cst.CompFor) and parent.iter is node:
            comp = context.parent(parent)
            if not isinstance(comp, comprehension_types()) or comp.for_in is not parent:
                return None
            if parent.asynchronous is not None:
                return None
            if isinstance(comp, cst.GeneratorExp):
                if not is_consumed_on_the_spot(context, comp):
                    return None  # a generator stored or returned runs later
            return Consumer(comp, "a comprehension", tuple(wrappers))
        if not isinstance(parent, cst.Arg) or parent.keyword is not None or parent.star:
            return None
        call = context.parent(parent)
        if not isinstance(call, cst.Call) or any(a.star for a in call.args):
            return None
        positional = [a for a in call.args if a.keyword is None]
        index = next(i for i, a in enumerate(positional) if a is parent)
        builtin = names.builtin_called(context, call)
        if builtin in EAGER_CONSUMERS:
            most = 2 if builtin == "sum" else 1
            if index != 0 or len(positional) > most:
                return None
            return Consumer(call, f"`{builtin}()`", tuple(wrappers))
        if builtin in LAZY_WRAPPERS:
            positions = LAZY_WRAPPERS[builtin]
            if builtin == "map" and index == 0:
                return None
            if positions is not None and index not in positions:
                return None
            wrappers.append(call)
            node = call
            continue
        if isinstance(call.func, (cst.Name, cst.Attribute)):
            qualified = names.qualified_name(context, call.func)
            if qualified in CONSUMING_FUNCTIONS and CONSUMING_FUNCTIONS[qualified] == index:
                return Consumer(call, f"`{qualified.rpartition('.')[2]}()`", tuple(wrappers))
        return None


def per_element_activity(context: RuleContext, consumer: Consumer) -> Activity:
    """What the code that ``consumer`` runs between two elements may do (see
    :func:`perfcodemod.analysis.effects.region_activity`): a ``for`` loop's target and body; a
    comprehension's conditions, inner loops and element; the functions the consuming call and
    the wrappers call back (``map(f, ...)``, ``key=``). A loop's ``else`` runs once, after the
    last element, and is left out."""
    node = consumer.node
    parts: list[cst.CSTNode] = []
    if isinstance(node, cst.For):
        parts.extend((node.target, node.body))
    elif isinstance(node, comprehension_types()):
        first = node.for_in
        parts.append(first.target)
        parts.extend(condition.test for condition in first.ifs)
        if first.inner_for_in is not None:
            parts.append(first.inner_for_in)
        if isinstance(node, cst.DictComp):
            parts.extend((node.key, node.value))
        else:
            parts.append(node.elt)
    activity = region_activity(context, parts)
    calls = [*consumer.wrappers, *([node] if isinstance(node, cst.Call) else [])]
    for call in calls:
        if names.builtin_called(context, call) is not None:
            if not is_effect_free_call(context, call):
                return Activity.BUSY  # map(f, ...), sorted(..., key=f)
            continue
        for arg in call.args:  # collections.Counter, heapq.nlargest(n, xs, key=f)...
            if arg.keyword is not None and not is_effect_free_callable(context, arg.value):
                return Activity.BUSY
    return activity


# -- the ast twin, for pre-checks -------------------------------------------------------------

_CONSUMER_NAMES = EAGER_CONSUMERS | frozenset(
    name.rpartition(".")[2] for name in CONSUMING_FUNCTIONS
)


def consumer_positions_ast(facts: ModuleFacts) -> set[int]:
    """The ids of the expressions of the module that sit where something iterates them: the
    iterable of a ``for`` or of a comprehension, an argument of a consuming call, or of a lazy
    wrapper (``enumerate``...) that sits in such a place itself (a superset of what
    :func:`single_pass_consumer` accepts). Computed once per module."""
    cached: set[int] | None = getattr(facts, "_consumer_positions", None)
    if cached is not None:
        return cached
    found: set[int] = set()
    for loop in facts.nodes(ast.For):
        found.add(id(loop.iter))
    for clause in facts.nodes(ast.comprehension):
        found.add(id(clause.iter))
    wrappers = []
    consumer_names = _CONSUMER_NAMES | facts.aliases_of(CONSUMING_FUNCTIONS)  # Tally: Counter
    for call in facts.nodes(ast.Call):
        func = call.func
        short = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if short in consumer_names:
            found.update(id(arg) for arg in call.args)
        elif isinstance(func, ast.Name) and func.id in LAZY_WRAPPERS:
            wrappers.append(call)
    for _ in range(3):  # wrappers in wrappers: enumerate(zip(a, b))
        for call in wrappers:
            if id(call) in found:
                found.update(id(arg) for arg in call.args)
    facts._consumer_positions = found  # type: ignore[attr-defined]
    return found


__all__ = [
    "CONSUMING_FUNCTIONS",
    "Consumer",
    "EAGER_CONSUMERS",
    "LAZY_WRAPPERS",
    "consumer_positions_ast",
    "is_consumed_on_the_spot",
    "per_element_activity",
    "single_pass_consumer",
]
