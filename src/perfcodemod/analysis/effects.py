"""Can evaluating this code have side effects, or see someone else's?

Turning a list comprehension into a generator makes its code run later (when the generator is
advanced) or not at all (when the consumer stops early). That is invisible when the code has no
side effects and nothing it reads changes in between. This module answers the two halves on
LibCST nodes of the chunk being visited:

- :func:`first_side_effect` / :func:`is_side_effect_free`: an expression makes no call beyond the
  pure builtins (``len``, ``str``, ``range``, ``isinstance``... the caching analysis's
  :data:`perfcodemod.analysis.purity_data.PURE_BUILTINS`, minus the higher-order ones that call
  what they are given: ``map``, ``filter``, and ``sorted``/``min``/``max`` with ``key=``), and
  holds no ``await``, ``yield`` or ``:=``.
- :func:`stop_iteration_source`: a call that may raise ``StopIteration``, which a generator
  expression turns into ``RuntimeError`` (PEP 479) where a list comprehension lets it through.
- :func:`region_activity`: what a run of statements may do to the world: nothing visible
  (``QUIET``: no calls beyond the pure builtins, no stores into objects, no suspension), only
  print (``PRINTS``), or anything (``BUSY``: other calls, stores into attributes or items,
  ``yield``/``await``, which let other code run).

Like the rest of the analyses, this takes the usual liberty with dunder methods: operators,
comparisons, attribute reads, ``str()`` and f-strings are assumed to run no user code with
effects. Names are resolved (a local ``len`` is not the builtin).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Sequence

from perfcodemod.analysis import names
from perfcodemod.analysis.comprehensions import Comprehension, lazy_parts
from perfcodemod.analysis.expressions import snippet
from perfcodemod.analysis.methods import (
    LIST_MUTATING_METHODS,
    LIST_READ_METHODS,
    READING_METHODS,
)
from perfcodemod.analysis.purity_data import (
    CALLABLE_ARGUMENTS,
    IMPURE_IN_PURE_MODULES,
    PURE_BUILTINS,
    PURE_STDLIB,
    matches,
)
from perfcodemod.analysis.scopes import all_params
from perfcodemod.analysis.uses import in_target_position
from perfcodemod.context import RuleContext, children
from perfcodemod.lazycst import cst

#: Builtins whose call has no side effect when their arguments have none (and, for the
#: higher-order ones, when they are given nothing to call).
EFFECT_FREE_BUILTINS = PURE_BUILTINS - {"NotImplemented", "Ellipsis"}
#: Higher-order builtins: positions and keywords of the arguments they call.
_CALLED_ARGUMENTS = {
    name.partition(".")[2]: spec
    for name, spec in CALLABLE_ARGUMENTS.items()
    if name.startswith("builtins.")
}
#: Methods of ``list``: called on a list nobody else holds, they change only that list.
LIST_METHODS = LIST_MUTATING_METHODS | LIST_READ_METHODS
#: Builtins whose only effect is output (they call ``__str__``, assumed well-behaved).
OUTPUT_BUILTINS = frozenset({"print"})


class Activity(enum.IntEnum):
    """What running some statements may do, from least to most."""

    QUIET = 0
    PRINTS = 1
    BUSY = 2


def _walk_evaluated(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``node`` and its descendants that run when ``node`` runs: a lambda's body and a nested
    ``def``'s body run only when called, so they are left out (defaults and decorators stay)."""
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, cst.Lambda):
            stack.extend(p.default for p in all_params(current.params) if p.default is not None)
            continue
        if isinstance(current, cst.FunctionDef):
            stack.extend(d.decorator for d in current.decorators)
            stack.extend(p.default for p in all_params(current.params) if p.default is not None)
            continue
        stack.extend(children(current))


def is_effect_free_call(context: RuleContext, call: cst.Call) -> bool:
    """``call`` is a call of a pure builtin that is given nothing to call back."""
    builtin = names.builtin_called(context, call)
    if builtin is None or builtin not in EFFECT_FREE_BUILTINS:
        return False
    called = _CALLED_ARGUMENTS.get(builtin)
    if called is not None:
        positions, keywords = called
        for index, arg in enumerate(call.args):
            if arg.star:
                return False  # unknown positions
            keyword = arg.keyword.value if arg.keyword is not None else None
            if (keyword is None and index in positions) or keyword in keywords:
                if not is_effect_free_callable(context, arg.value):
                    return False
    return True


def is_effect_free_callable(context: RuleContext, node: cst.BaseExpression) -> bool:
    """``node``, called, has no side effects: ``None`` (no function), a pure builtin that calls
    nothing back (``len``, ``str``, ``abs``...), or a lambda whose body has none."""
    if isinstance(node, cst.Name):
        if node.value == "None":
            return True
        return (
            node.value in EFFECT_FREE_BUILTINS
            and node.value not in _CALLED_ARGUMENTS
            and names.is_builtin(context, node)
        )
    if isinstance(node, cst.Lambda):
        return is_side_effect_free(context, node.body)
    return False


def first_side_effect(context: RuleContext, node: cst.CSTNode) -> cst.CSTNode | None:
    """The first node in ``node`` that may have a side effect (see the module docstring), or
    None when evaluating ``node`` has none."""
    for current in _walk_evaluated(node):
        if isinstance(current, (cst.Await, cst.Yield, cst.NamedExpr)):
            return current
        if isinstance(current, cst.Call) and not is_effect_free_call(context, current):
            return current
    return None


def first_lazy_side_effect(context: RuleContext, comp: Comprehension) -> cst.CSTNode | None:
    """:func:`first_side_effect` in the parts of ``comp`` that its generator twin would
    evaluate lazily (everything but the first iterable, which a generator expression evaluates
    at once, as the comprehension does)."""
    for part in lazy_parts(comp):
        effect = first_side_effect(context, part)
        if effect is not None:
            return effect
    return None


def stop_iteration_source(context: RuleContext, node: cst.CSTNode) -> cst.Call | None:
    """The first call in ``node`` that may raise ``StopIteration``, or None.

    PEP 479: a ``StopIteration`` raised inside a generator expression becomes
    ``RuntimeError``, where a list comprehension lets it propagate (and a caller's ``except
    StopIteration``, or the iterator protocol of an enclosing ``__next__``, catches it). Any
    call may raise it except those that run no code of the user's: the pure builtins given
    nothing to call back (:func:`is_effect_free_call`; ``next`` is not one of them) and
    ``next(iterator, default)``, which returns the default instead. As elsewhere, dunder
    methods are assumed well-behaved."""
    for current in _walk_evaluated(node):
        if not isinstance(current, cst.Call):
            continue
        if names.builtin_called(context, current) == "next":
            positional = [a for a in current.args if a.keyword is None]
            if len(positional) >= 2 and not any(a.star for a in current.args):
                continue
            return current
        if not is_effect_free_call(context, current):
            return current
    return None


def lazy_stop_iteration(context: RuleContext, comp: Comprehension) -> cst.Call | None:
    """:func:`stop_iteration_source` in the parts of ``comp`` that a generator expression
    evaluates inside its own frame (all but the first iterable)."""
    for part in lazy_parts(comp):
        source = stop_iteration_source(context, part)
        if source is not None:
            return source
    return None


def stop_iteration_reason(context: RuleContext, call: cst.Call) -> str:
    """Why turning a comprehension that makes ``call`` into a generator is unsafe."""
    code = snippet(context, call)
    if names.builtin_called(context, call) == "next":
        what = f"`{code}` raises StopIteration when its iterator is exhausted"
    else:
        what = f"`{code}` may raise StopIteration (a `next()` inside it)"
    return (
        f"{what}: in a generator expression that becomes RuntimeError (PEP 479), where the "
        "list comprehension let it propagate"
    )


def is_side_effect_free(context: RuleContext, node: cst.CSTNode) -> bool:
    """Evaluating ``node`` calls nothing but pure builtins, and holds no ``await``, ``yield``
    or assignment expression."""
    return first_side_effect(context, node) is None


def may_start_work(context: RuleContext, node: cst.CSTNode) -> bool:
    """Evaluating ``node`` makes a call that may start work of its own (submit a task, open a
    cursor or a connection, start a process): any call but those of the pure builtins, of the
    stdlib functions known to be pure (``os.path.join``, ``math.*``: the caching analysis's
    :data:`~perfcodemod.analysis.purity_data.PURE_STDLIB`), and of methods that only read
    their object (``line.strip()``, ``d.get(k)``:
    :data:`~perfcodemod.analysis.methods.READING_METHODS`, whatever the object)."""
    for current in _walk_evaluated(node):
        if not isinstance(current, cst.Call) or is_effect_free_call(context, current):
            continue
        func = current.func
        if isinstance(func, cst.Attribute) and func.attr.value in READING_METHODS:
            continue
        if isinstance(func, (cst.Name, cst.Attribute)):
            qualified = names.qualified_name(context, func)
            if qualified is not None and matches(qualified, PURE_STDLIB) is not None:
                if qualified not in IMPURE_IN_PURE_MODULES:
                    continue
        return True
    return False


def reads_object_state(node: cst.CSTNode) -> bool:
    """``node`` reads an attribute or an item: state that other code may change."""
    return any(isinstance(n, (cst.Attribute, cst.Subscript)) for n in _walk_evaluated(node))


def region_activity(
    context: RuleContext,
    region: Sequence[cst.CSTNode],
    private_list: Callable[[cst.Name], bool] | None = None,
) -> Activity:
    """What running ``region`` (statements or expressions) may do to state that other code can
    see (see :class:`Activity`). ``private_list`` says which names hold a list that no other
    code can see: calling its methods (``out.append(x)``) changes only that list."""
    found = Activity.QUIET
    for root in region:
        for node in _walk_evaluated(root):
            if isinstance(node, (cst.Await, cst.Yield)):
                return Activity.BUSY
            if isinstance(node, cst.Call):
                if is_effect_free_call(context, node):
                    continue
                func = node.func
                if (
                    private_list is not None
                    and isinstance(func, cst.Attribute)
                    and isinstance(func.value, cst.Name)
                    and func.attr.value in LIST_METHODS
                    and private_list(func.value)
                ):
                    continue
                if names.is_builtin(context, node.func, *OUTPUT_BUILTINS):
                    found = max(found, Activity.PRINTS)
                    continue
                return Activity.BUSY
            if isinstance(node, (cst.Attribute, cst.Subscript)):
                if in_target_position(context, node):
                    return Activity.BUSY
            if isinstance(node, cst.With):
                return Activity.BUSY  # __enter__ and __exit__ run
    return found


__all__ = [
    "Activity",
    "EFFECT_FREE_BUILTINS",
    "OUTPUT_BUILTINS",
    "first_lazy_side_effect",
    "first_side_effect",
    "lazy_stop_iteration",
    "is_effect_free_callable",
    "is_effect_free_call",
    "is_side_effect_free",
    "may_start_work",
    "reads_object_state",
    "region_activity",
    "stop_iteration_reason",
    "stop_iteration_source",
]
