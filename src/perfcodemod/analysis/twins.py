"""The ``ast`` node behind a LibCST node of the chunk being visited.

Whole-module analyses (purity, call sites) run on Python's ``ast``; the rules visit LibCST nodes
of one chunk, which records no positions. Two pairings, each the cheapest that cannot mis-pair:

- **Functions, by order.** A ``def`` is a statement, never part of an expression, and the
  statements of a chunk are in source order in both trees (the bodies of ``if``, ``try``,
  ``for``, ``with``, ``match``, classes and functions are walked in the order they are
  written), so the chunk's ``def`` statements, in order, are the ``ast`` functions whose
  ``def`` line is at or after the chunk's first row, sorted by that line (no two share one).
  Only statements are walked, and each pair is checked by name, ``async`` and decorator count;
  if the two trees disagree anywhere, nothing is paired.
- **Calls, by position.** Calls are expressions, and the field order of some LibCST nodes is
  not the source order (``Parameters`` lists positional-only parameters last, so the calls in
  their defaults would be met out of order): a call is paired with the ``ast`` call that
  starts and ends at exactly the same place, which no other call can. The positions come from
  LibCST's ``PositionProvider`` on the chunk, resolved on first use: ask only about calls that
  may matter (a callee's name checked first).
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Union

from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.context import RuleContext, children
from perfcodemod.lazycst import cst
from perfcodemod.source import LineIndex

if TYPE_CHECKING:
    from libcst.metadata import CodeRange

AstFunction = Union[ast.FunctionDef, ast.AsyncFunctionDef]

@cache
def _statement_holders() -> tuple[type[cst.CSTNode], ...]:
    """The nodes whose children may hold ``def`` statements (and ``def`` itself)."""
    return (
        cst.FunctionDef, cst.Module, cst.BaseCompoundStatement, cst.BaseSuite, cst.Else,
        cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally, cst.MatchCase,
    )


def ast_function(context: RuleContext, node: cst.FunctionDef) -> AstFunction | None:
    """The ``ast`` function that ``node`` is (None if the trees disagree, which they should not)."""
    return _functions(context).get(node)


def ast_call(context: RuleContext, node: cst.Call) -> ast.Call | None:
    """The ``ast`` call written at the same place as ``node``."""
    where = _positions(context).get(node)
    if where is None:
        return None
    row = context.first_row + where.start.line - 1
    end_row = context.first_row + where.end.line - 1
    lines = context.facts.lines
    for call in _calls_by_row(context.facts).get(row, ()):
        if (
            call.end_lineno == end_row
            and _column(lines, row, call.col_offset) == where.start.column
            and _column(lines, end_row, call.end_col_offset or 0) == where.end.column
        ):
            return call
    return None


def _functions(context: RuleContext) -> dict[cst.FunctionDef, AstFunction]:
    found: dict[cst.FunctionDef, AstFunction] | None = getattr(context, "_ast_functions", None)
    if found is not None:
        return found
    ours: list[cst.FunctionDef] = []
    stack: list[cst.CSTNode] = [context.module]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.FunctionDef):
            ours.append(node)
        if isinstance(node, _statement_holders()):
            stack.extend(reversed(list(children(node))))
    theirs = sorted(
        (f for f in context.facts.nodes(ast.FunctionDef, ast.AsyncFunctionDef)
         if f.lineno >= context.code_row),
        key=lambda function: function.lineno,
    )[: len(ours)]
    found = {}
    if len(theirs) == len(ours) and all(map(_same_function, ours, theirs)):
        found = dict(zip(ours, theirs))
    context._ast_functions = found  # type: ignore[attr-defined]
    return found


def _same_function(ours: cst.FunctionDef, theirs: AstFunction) -> bool:
    return (
        ours.name.value == theirs.name
        and (ours.asynchronous is not None) == isinstance(theirs, ast.AsyncFunctionDef)
        and len(ours.decorators) == len(theirs.decorator_list)
    )


def _positions(context: RuleContext) -> Mapping[cst.CSTNode, CodeRange]:
    found: Mapping[cst.CSTNode, CodeRange] | None = getattr(context, "_positions", None)
    if found is None:
        from libcst.metadata import MetadataWrapper, PositionProvider

        found = MetadataWrapper(context.module, unsafe_skip_copy=True).resolve(PositionProvider)
        context._positions = found  # type: ignore[attr-defined]
    return found


def _calls_by_row(facts: ModuleFacts) -> dict[int, list[ast.Call]]:
    found: dict[int, list[ast.Call]] | None = getattr(facts, "_calls_by_row", None)
    if found is None:
        found = defaultdict(list)
        misplaced = _misplaced_calls(facts)
        for call in facts.nodes(ast.Call):
            if call not in misplaced:
                found[call.lineno].append(call)
        facts._calls_by_row = found  # type: ignore[attr-defined]
    return found


def _misplaced_calls(facts: ModuleFacts) -> set[ast.AST]:
    """Calls whose ``ast`` position is wrong: before Python 3.10, the columns of expressions
    in a multi-line f-string are off (by the column where the string starts), so one call's
    wrong position can be another call's right one. They are left unpaired."""
    if sys.version_info >= (3, 10):
        return set()
    return {
        node
        for string in facts.nodes(ast.JoinedStr)
        if string.end_lineno != string.lineno
        for node in ast.walk(string)
        if isinstance(node, ast.Call)
    }


def _column(lines: LineIndex, row: int, byte_col: int) -> int:
    """The character column of an ``ast`` position (``ast`` counts UTF-8 bytes)."""
    return lines.offset_of_utf8(row, byte_col) - lines.offset(row)
