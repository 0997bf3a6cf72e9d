"""Parse once, traverse once, report.

LibCST is an order of magnitude slower than Python's ``ast``, and its metadata several times more
again, so the engine works in this order:

1. ``ast.parse`` the whole file (a syntax error becomes PCM001) and wrap it in ``ModuleFacts``.
2. Ask every selected rule's ``precheck`` where it may fire. A rule with no candidate is not run.
3. Plan the chunks to parse with LibCST: for each candidate, the top-level statement holding it
   (a contiguous run of whole lines, hence a valid module of its own); or, for a rule whose
   decisions stay inside the function around the candidate (``Rule.function_local``), only the
   outermost function holding it when that function is a method of a top-level class: a method
   is a few dozen lines, its class can be thousands. Never the whole file unless a rule needs it.
4. ``chunks.py`` parses each chunk with LibCST, visits it once with all its rules batched, and
   turns what they report into diagnostics and fix edits.

This module never imports LibCST: a file whose pre-checks find nothing is checked on the ``ast``
alone, and LibCST (``chunks.py``) is imported by the first chunk to parse.
"""

from __future__ import annotations

import ast
import bisect
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from perfcodemod import deep, syntax
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.context import EngineOptions
from perfcodemod.diagnostic import Diagnostic, Edit, ToolError
from perfcodemod.proposals import Candidate, ImportRequest
from perfcodemod.rule import Rule
from perfcodemod.source import LineIndex, SourceText

PARSE_ERROR_CODE = "PCM001"
#: Deeper nested expressions are not given to LibCST, whose parser takes time that grows with
#: the cube of the depth (1,000 levels take seconds; CPython itself accepts a few thousand).
MAX_EXPRESSION_DEPTH = 1_000

#: Set to re-raise exceptions from rules instead of turning them into tool errors (for tests).
DEBUG = bool(os.environ.get("PERFCODEMOD_DEBUG"))


@dataclass
class CheckResult:
    diagnostics: list[Diagnostic]
    errors: list[ToolError]
    #: How many rows the LibCST chunks held (for benchmarks).
    parsed_rows: int = 0


@dataclass(frozen=True)
class Chunk:
    """Rows to parse with LibCST and the rules to run on them.

    A method chunk (``classes`` not empty) holds one function of a class: LibCST parses it
    below a header of one ``class NAME:`` line per class around it (at that class's
    indentation), so that the function keeps its indentation, its place in a class and its
    text; the header's lines stand for the rows just above ``first``.
    """

    first: int
    last: int
    rules: tuple[type[Rule], ...]
    #: The classes around a method chunk, outermost first: (indentation, name).
    classes: tuple[tuple[str, str], ...] = ()
    #: The first row of the top-level statement that holds the chunk.
    toplevel_first: int = 0


@dataclass
class Plan:
    chunks: list[Chunk]
    errors: list[ToolError] = field(default_factory=list)
    #: Rules whose pre-check could not run (too deep), each with its diagnostic.
    skipped: list[Diagnostic] = field(default_factory=list)


def check_source(
    source: SourceText,
    options: EngineOptions,
    path: str = "<stdin>",
    tree: ast.Module | None = None,
    flags: int = 0,
) -> CheckResult:
    """Every diagnostic of the selected rules in one file's text (no noqa filtering here).
    ``flags``: compiler flags for the parse (a notebook's top-level ``await``)."""
    lines = source.lines
    if tree is None:
        try:
            tree = deep.retry_deep(syntax.parse, source.text, path, flags)
        except syntax.NewerSyntaxError as exc:
            row, col = exc.lineno or 1, exc.offset or 1
            return CheckResult([parse_error_diagnostic(exc.msg, row, col, lines)], [])
        except SyntaxError as exc:
            return CheckResult([_syntax_error(exc, lines)], [])
        except (ValueError, RecursionError, MemoryError) as exc:
            message = str(exc) if isinstance(exc, ValueError) else "the code is nested too deeply"
            diagnostic = parse_error_diagnostic(f"cannot parse: {message}", 1, 1, lines)
            return CheckResult([diagnostic], [])
    facts = ModuleFacts(tree, source.text, lines)
    plan = plan_chunks(facts, options.rules, path, function_chunks=options.function_chunks)
    result = CheckResult(list(plan.skipped), list(plan.errors))
    if plan.chunks:
        from perfcodemod import chunks  # LibCST: only for a file that has something to parse

        for chunk in plan.chunks:
            chunks.check_chunk(facts, chunk, options, path, result)
    result.diagnostics.sort(key=lambda d: d.sort_key)
    return result


# -- planning -------------------------------------------------------------------------------


def plan_chunks(
    facts: ModuleFacts,
    rule_types: Sequence[type[Rule]],
    path: str,
    *,
    function_chunks: bool = True,
) -> Plan:
    """The chunks to parse and the rules to run on each, from the rules' pre-checks.

    Overlapping wants merge into one chunk that runs the rules of all of them: a method chunk
    inside a top-level statement that another candidate needs whole becomes that statement.
    """
    wanted: list[tuple[int, int, type[Rule], tuple[tuple[str, str], ...], int]] = []
    errors: list[ToolError] = []
    skipped: list[Diagnostic] = []
    toplevel = _Statements(facts.tree)
    for rule_type in rule_types:
        try:
            candidates = deep.retry_deep(_candidates, rule_type, facts)
        except RecursionError:
            why = "the code nests too deeply for Python's recursion limit"
            skipped.append(not_run([rule_type], 1, len(facts.lines), why, facts.lines))
            continue
        except Exception as exc:  # a bug in a pre-check must not end the run
            if DEBUG:
                raise
            errors.append(ToolError(path, f"internal error in {rule_type.code} pre-check: {exc!r}"))
            continue
        local = function_chunks and rule_type.function_local
        for candidate in candidates:
            wanted.extend(
                (first, last, rule_type, classes, top)
                for first, last, classes, top in _spans(facts, candidate, local, toplevel)
            )
    wanted.sort(key=lambda item: (item[0], -item[1]))
    merged: list[tuple[int, int, list[type[Rule]], tuple[tuple[str, str], ...], int]] = []
    for first, last, rule_type, classes, top in wanted:
        if merged and first <= merged[-1][1]:
            chunk_first, chunk_last, chunk_rules, chunk_classes, chunk_top = merged[-1]
            if rule_type not in chunk_rules:
                chunk_rules.append(rule_type)
            if (first, last, classes) != (chunk_first, chunk_last, chunk_classes):
                # Two different wants overlap: only their whole top-level statement(s) hold
                # both (method chunks never overlap unless they are the same method).
                span_first = facts.toplevel_span(chunk_first) or (chunk_first, chunk_last)
                span_last = facts.toplevel_span(max(last, chunk_last)) or (first, last)
                chunk_first, chunk_last = span_first[0], max(span_last[1], last, chunk_last)
                chunk_classes = ()
                chunk_top = chunk_first
            merged[-1] = (chunk_first, chunk_last, chunk_rules, chunk_classes, chunk_top)
        else:
            merged.append((first, last, [rule_type], classes, top))
    chunks = [
        Chunk(first, last, tuple(sorted(rules, key=lambda rule: rule.code)), classes, top)
        for first, last, rules, classes, top in merged
    ]
    return Plan(chunks, errors, skipped)


def _candidates(rule_type: type[Rule], facts: ModuleFacts) -> list[Candidate]:
    return list(rule_type.precheck(facts))


_Span = tuple[int, int, tuple[tuple[str, str], ...], int]


class _Statements:
    """Finds the statement of a body that holds a position, by bisection (a module or class
    of thousands of statements with a candidate in each costs no quadratic scan)."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self._starts: dict[int, tuple[list[ast.stmt], list[tuple[int, int]]]] = {}

    def at(self, body: list[ast.stmt], where: tuple[int, int]) -> ast.stmt | None:
        known = self._starts.get(id(body))
        if known is None or known[0] is not body:
            known = (body, [_statement_start(statement) for statement in body])
            self._starts[id(body)] = known
        index = bisect.bisect_right(known[1], where) - 1
        if index < 0:
            return None
        statement = body[index]
        last = statement.end_lineno or statement.lineno
        end = (last, statement.end_col_offset if statement.end_col_offset is not None else 0)
        return statement if where <= end else None


def _statement_start(statement: ast.stmt) -> tuple[int, int]:
    if getattr(statement, "decorator_list", None):
        return (_statement_rows(statement)[0], 0)
    return (statement.lineno, statement.col_offset)


def _spans(
    facts: ModuleFacts, candidate: Candidate, function_local: bool, statements: _Statements
) -> list[_Span]:
    """The rows one candidate needs parsed: (first, last, classes, top-level first row)."""
    if isinstance(candidate, tuple):
        first, last = candidate
        for row in (first, last):
            span = facts.toplevel_span(row)
            if span:
                first, last = min(first, span[0]), max(last, span[1])
        return [(first, last, (), first)]
    row = getattr(candidate, "lineno", 1)
    span = facts.toplevel_span(row)
    if span is None:
        return []
    if function_local:
        method = _method_span(facts, candidate, statements)
        if method is not None:
            return [method]
    return [(span[0], span[1], (), span[0])]


def _method_span(facts: ModuleFacts, node: ast.AST, statements: _Statements) -> _Span | None:
    """The outermost function holding ``node`` in its body, when the only statements around
    that function are classes (a method of a top-level class, or of a class nested in one).

    Anything else keeps the whole top-level statement: a function under an ``if`` or a loop,
    a candidate in a decorator, a default or an annotation (those run in the class's scope).
    """
    row = getattr(node, "lineno", None)
    col = getattr(node, "col_offset", None)
    if row is None or col is None:
        return None
    where = (row, col)
    statement = statements.at(facts.tree.body, where)
    toplevel_first = _statement_rows(statement)[0] if statement is not None else 0
    classes: list[tuple[str, str]] = []
    while isinstance(statement, ast.ClassDef):
        classes.append((_indentation(facts, statement), statement.name))
        statement = statements.at(statement.body, where)
    if not classes or not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    body_start = (statement.body[0].lineno, statement.body[0].col_offset)
    if where < body_start:
        return None  # the header: decorators, defaults, annotations
    first, last = _statement_rows(statement)
    return (first, last, tuple(classes), toplevel_first)


def _statement_rows(statement: ast.stmt) -> tuple[int, int]:
    first = statement.lineno
    for decorator in getattr(statement, "decorator_list", ()):
        first = min(first, decorator.lineno)
    return first, statement.end_lineno or statement.lineno


def _indentation(facts: ModuleFacts, statement: ast.stmt) -> str:
    line = facts.lines.line(statement.lineno)
    return line[: len(line) - len(line.lstrip(" \t\f"))]


# -- diagnostics the engine makes itself ------------------------------------------------------


def import_edit(request: ImportRequest, facts: ModuleFacts) -> Edit | None:
    """The edit adding ``request``'s import in the module's style (None: it is already there);
    see ``analysis/imports.py``."""
    from perfcodemod.analysis import imports

    return imports.import_edit(request, facts)


def parse_error_diagnostic(message: str, row: int, col: int, lines: LineIndex) -> Diagnostic:
    row = max(1, min(row, len(lines)))
    start = lines.offset(row) + max(0, col - 1)
    start = min(start, len(lines.text))
    return Diagnostic(PARSE_ERROR_CODE, message, start, start, row, col, row, col, None, row)


def not_run(
    rule_types: Sequence[type[Rule]], first: int, last: int, why: str, lines: LineIndex
) -> Diagnostic:
    """PCM001 saying that ``rule_types`` were not run on rows ``first`` to ``last``, and why."""
    codes = ", ".join(rule.code for rule in rule_types)
    rules = f"rule {codes} was" if len(rule_types) == 1 else f"rules {codes} were"
    message = f"{why}; {rules} not run on lines {first}-{last}"
    return parse_error_diagnostic(message, first, 1, lines)


def _syntax_error(exc: SyntaxError, lines: LineIndex) -> Diagnostic:
    row = exc.lineno or 1
    col = exc.offset or 1
    if row <= len(lines):
        # SyntaxError.offset is 1-based and counts characters for str input (bytes: UTF-8).
        col = max(1, min(col, len(lines.line(row).rstrip("\r\n")) + 1))
    return parse_error_diagnostic(f"SyntaxError: {exc.msg}", row, col, lines)


__all__ = [
    "CheckResult",
    "Chunk",
    "EngineOptions",
    "Plan",
    "check_source",
    "import_edit",
    "not_run",
    "parse_error_diagnostic",
    "plan_chunks",
]
