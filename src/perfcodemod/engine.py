"""Parse once, traverse once, report.

LibCST is an order of magnitude slower than Python's ``ast``, and its metadata several times more
again, so the engine works in this order:

1. ``ast.parse`` the whole file (a syntax error becomes PCM001) and wrap it in ``ModuleFacts``.
2. Ask every selected rule's ``precheck`` where it may fire. A rule with no candidate is not run.
3. Parse with LibCST only the top-level statements holding candidates (each "chunk" is a
   contiguous run of whole lines, hence a valid module of its own), never the whole file unless
   a rule needs it.
4. Visit each chunk once with all its rules batched, walking the dataclass fields directly (about
   five times cheaper than ``CSTNode.visit``, which rebuilds every node).
5. Only for chunks with reports, one code-generation pass records the offsets of the reported
   nodes and of the nodes that fixes replace (cheaper than LibCST's ``PositionProvider``, which
   records every node). Edits are the old node's exact span and the new node's code generated
   at the same indentation.

No LibCST metadata provider runs: names and scopes come from ``analysis/scopes.py`` (one walk
per chunk, built only when a rule asks), parents from one walk of the chunk, positions from the
code-generation pass above.
"""

from __future__ import annotations

import ast
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Callable

import libcst as cst
from libcst._nodes.internal import CodegenState

from perfcodemod import noqa
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.context import EngineOptions, RuleContext, children
from perfcodemod.diagnostic import Diagnostic, Edit, Fix, ToolError
from perfcodemod.proposals import FixProposal, ImportRequest, Replacement
from perfcodemod.rule import Rule
from perfcodemod.source import LineIndex, SourceText

PARSE_ERROR_CODE = "PCM001"

#: Set to re-raise exceptions from rules instead of turning them into tool errors (for tests).
DEBUG = bool(os.environ.get("PERFCODEMOD_DEBUG"))


@dataclass
class CheckResult:
    diagnostics: list[Diagnostic]
    errors: list[ToolError]
    #: How many LibCST chunks were parsed and how many rows they held (for benchmarks).
    parsed_rows: int = 0


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
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes and the like
                tree = ast.parse(source.text, filename=path) if not flags else compile(
                    source.text, path, "exec", ast.PyCF_ONLY_AST | flags, dont_inherit=True
                )
        except SyntaxError as exc:
            return CheckResult([_syntax_error(exc, lines)], [])
        except (ValueError, RecursionError, MemoryError) as exc:
            message = str(exc) if isinstance(exc, ValueError) else "the code is nested too deeply"
            diagnostic = parse_error_diagnostic(f"cannot parse: {message}", 1, 1, lines)
            return CheckResult([diagnostic], [])
    facts = ModuleFacts(tree, source.text, lines)
    plan = _plan_chunks(facts, options.rules, path)
    result = CheckResult([], list(plan.errors))
    for (first, last), rule_types in plan.chunks:
        _check_chunk(facts, first, last, rule_types, options, path, result)
    result.diagnostics.sort(key=lambda d: d.sort_key)
    return result


# -- planning -------------------------------------------------------------------------------


@dataclass
class _Plan:
    chunks: list[tuple[tuple[int, int], list[type[Rule]]]]
    errors: list[ToolError]


def _plan_chunks(facts: ModuleFacts, rule_types: Sequence[type[Rule]], path: str) -> _Plan:
    wanted: list[tuple[int, int, type[Rule]]] = []
    errors: list[ToolError] = []
    for rule_type in rule_types:
        try:
            candidates = list(rule_type.precheck(facts))
        except Exception as exc:  # a bug in a pre-check must not end the run
            if DEBUG:
                raise
            errors.append(ToolError(path, f"internal error in {rule_type.code} pre-check: {exc!r}"))
            continue
        for candidate in candidates:
            if isinstance(candidate, tuple):
                first, last = candidate
                for row in (first, last):
                    span = facts.toplevel_span(row)
                    if span:
                        first, last = min(first, span[0]), max(last, span[1])
                wanted.append((first, last, rule_type))
            else:
                span = facts.toplevel_span(getattr(candidate, "lineno", 1))
                if span:
                    wanted.append((span[0], span[1], rule_type))
    wanted.sort(key=lambda item: (item[0], item[1]))
    chunks: list[tuple[tuple[int, int], list[type[Rule]]]] = []
    for first, last, rule_type in wanted:
        if chunks and first <= chunks[-1][0][1]:
            (chunk_first, chunk_last), chunk_rules = chunks[-1]
            if rule_type not in chunk_rules:
                chunk_rules.append(rule_type)
            chunks[-1] = ((chunk_first, max(chunk_last, last)), chunk_rules)
        else:
            chunks.append(((first, last), [rule_type]))
    for _, chunk_rules in chunks:
        chunk_rules.sort(key=lambda rule: rule.code)
    return _Plan(chunks, errors)


# -- one chunk --------------------------------------------------------------------------------


def _check_chunk(
    facts: ModuleFacts,
    first: int,
    last: int,
    rule_types: Sequence[type[Rule]],
    options: EngineOptions,
    path: str,
    result: CheckResult,
) -> None:
    lines = facts.lines
    chunk_start = lines.offset(first)
    chunk_text = facts.text[chunk_start : lines.line_end(last)]
    result.parsed_rows += last - first + 1
    try:
        module = cst.parse_module(chunk_text)
    except cst.ParserSyntaxError as exc:
        row = first + exc.raw_line - 1
        result.diagnostics.append(
            parse_error_diagnostic(
                f"LibCST cannot parse this code ({exc.message}); rules "
                f"{', '.join(r.code for r in rule_types)} were not run on it",
                row,
                exc.raw_column + 1,
                lines,
            )
        )
        return
    except RecursionError:
        result.diagnostics.append(
            parse_error_diagnostic("the code is nested too deeply for LibCST", first, 1, lines)
        )
        return
    context = RuleContext(facts, module, options, first, path)
    try:
        rules = [rule_type(context) for rule_type in rule_types]
        _traverse(module, rules)
        if not context.reports:
            return
        targets: set[cst.CSTNode] = set()
        anchors: dict[cst.CSTNode, cst.CSTNode] = {}
        for report in context.reports:
            targets.add(report.node)
            if report.fix:
                for change in report.fix.changes:
                    anchors[change.old] = _block_statement(change.old, context)
        targets.update(anchors.values())
        spans = _Spans(module, targets, anchors)
    except Exception as exc:  # a bug in a rule must not end the run
        if DEBUG:
            raise
        names = ", ".join(r.code for r in rule_types)
        result.errors.append(
            ToolError(path, f"internal error in {names} at line {first}: {exc!r}")
        )
        return
    # Where a noqa comment for a row goes (after a multi-line string or continuation that
    # the row starts), in the chunk's own rows.
    noqa_rows = noqa.noqa_rows(chunk_text)
    for report in context.reports:
        start, end = spans.syntactic(report.node)
        start += chunk_start
        end += chunk_start
        row, col = lines.position(start)
        end_row, end_col = lines.position(end)
        fix = None
        if report.fix is not None:
            fix = _make_fix(report.rule, report.fix, spans, chunk_start, module, facts)
        result.diagnostics.append(
            Diagnostic(
                code=report.rule.code,
                message=report.message,
                start=start,
                end=end,
                row=row,
                col=col,
                end_row=end_row,
                end_col=end_col,
                fix=fix,
                noqa_row=noqa_rows.get(row - first + 1, row - first + 1) + first - 1,
            )
        )


def _make_fix(
    rule: Rule,
    proposal: FixProposal,
    spans: _Spans,
    chunk_start: int,
    module: cst.Module,
    facts: ModuleFacts,
) -> Fix:
    edits = []
    for change in proposal.changes:
        start, end, content = spans.edit(change.old, change.new)
        edits.append(Edit(chunk_start + start, chunk_start + end, content))
    for request in dict.fromkeys(proposal.imports):
        edit = import_edit(request, facts)
        if edit is not None:
            edits.append(edit)
    edits.sort()
    return Fix(
        proposal.applicability,
        proposal.title or rule.fix_title or rule.message,
        proposal.reason,
        tuple(edits),
    )


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


def _syntax_error(exc: SyntaxError, lines: LineIndex) -> Diagnostic:
    row = exc.lineno or 1
    col = exc.offset or 1
    if row <= len(lines):
        # SyntaxError.offset is 1-based and counts characters for str input (bytes: UTF-8).
        col = max(1, min(col, len(lines.line(row).rstrip("\r\n")) + 1))
    return parse_error_diagnostic(f"SyntaxError: {exc.msg}", row, col, lines)


# -- traversal --------------------------------------------------------------------------------

_Handler = Callable[[cst.CSTNode], object]
_HANDLER_NAMES: dict[type[Rule], tuple[tuple[str, str], ...]] = {}


def _handler_names(rule_type: type[Rule]) -> tuple[tuple[str, str], ...]:
    names = _HANDLER_NAMES.get(rule_type)
    if names is None:
        names = tuple(
            (attr, attr.split("_", 1)[1])
            for attr in dir(rule_type)
            if attr.startswith(("visit_", "leave_")) and callable(getattr(rule_type, attr))
        )
        _HANDLER_NAMES[rule_type] = names
    return names


def _traverse(module: cst.Module, rules: Sequence[Rule]) -> None:
    visits: dict[str, list[_Handler]] = {}
    leaves: dict[str, list[_Handler]] = {}
    for rule in rules:
        for attr, node_name in _handler_names(type(rule)):
            table = visits if attr.startswith("visit_") else leaves
            table.setdefault(node_name, []).append(getattr(rule, attr))

    def walk(node: cst.CSTNode) -> None:
        name = type(node).__name__
        for handler in visits.get(name, ()):
            handler(node)
        for child in children(node):
            walk(child)
        for handler in leaves.get(name, ()):
            handler(node)

    walk(module)


# -- spans: where nodes are in the chunk's text ------------------------------------------------


class _SpanState(CodegenState):
    """Code generation that counts characters and records only the target nodes."""

    def __init__(self, module: cst.Module, targets: set[cst.CSTNode]) -> None:
        super().__init__(
            default_indent=module.default_indent, default_newline=module.default_newline
        )
        self.targets = targets
        self.offset = 0
        self.inclusive: dict[cst.CSTNode, tuple[int, int]] = {}
        self.syntactic: dict[cst.CSTNode, tuple[int, int]] = {}
        self.indents: dict[cst.CSTNode, list[str]] = {}
        self._open: dict[cst.CSTNode, int] = {}

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self.offset += len(value)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def pop_trailing_newline(self) -> None:
        if self.tokens:
            self.offset -= len(self.tokens.pop())

    def before_codegen(self, node: cst.CSTNode) -> None:
        if node in self.targets:
            self._open[node] = self.offset
            self.indents[node] = list(self.indent_tokens)

    def after_codegen(self, node: cst.CSTNode) -> None:
        if node in self.targets:
            self.inclusive[node] = (self._open.pop(node), self.offset)

    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> Any:
        return _SyntacticRecorder(self, node, start_node, end_node)


class _SyntacticRecorder:
    def __init__(
        self,
        state: _SpanState,
        node: cst.CSTNode,
        start_node: cst.CSTNode | None,
        end_node: cst.CSTNode | None,
    ) -> None:
        self.state = state
        self.node = node
        self.start_node = start_node
        self.end_node = end_node
        self.active = node in state.targets

    def __enter__(self) -> None:
        if self.active:
            self.start = self.state.offset
            for hoisted in (self.start_node, self.end_node):
                if hoisted is not None:
                    self.state.targets.add(hoisted)

    def __exit__(self, *exc_info: object) -> None:
        if self.active:
            state = self.state
            start = self.start
            end = state.offset
            if self.start_node is not None:
                start = state.syntactic.get(self.start_node, state.inclusive[self.start_node])[0]
            if self.end_node is not None:
                end = state.syntactic.get(self.end_node, state.inclusive[self.end_node])[1]
            state.syntactic[self.node] = (start, end)


def _block_statement(node: cst.CSTNode, context: RuleContext) -> cst.CSTNode:
    """``node`` if it is a statement directly in a block, else the nearest ancestor that is.

    Such a statement's code depends on nothing around it but its indentation. Other nodes' code
    can depend on their parent: an ``If`` is written ``elif`` in another ``If``'s ``orelse``,
    an element or argument gets its comma from its container, a small statement its semicolon.
    """
    current = node
    while True:
        parent = context.parent(current)
        if parent is None or isinstance(parent, (cst.Module, cst.IndentedBlock)):
            return current
        current = parent


def _common_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix (slices compare at C speed)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


class _Spans:
    def __init__(
        self,
        module: cst.Module,
        targets: set[cst.CSTNode],
        anchors: dict[cst.CSTNode, cst.CSTNode] | None = None,
    ) -> None:
        self.module = module
        self.anchors = anchors or {}
        self.state = _SpanState(module, set(targets))
        module._codegen(self.state)
        self.code = "".join(self.state.tokens)

    def inclusive(self, node: cst.CSTNode) -> tuple[int, int]:
        return self.state.inclusive[node]

    def syntactic(self, node: cst.CSTNode) -> tuple[int, int]:
        """The node's own range: without surrounding whitespace and comments, but with its
        parentheses (LibCST's ``PositionProvider`` leaves those out; for a tuple they are
        what a reader sees as its start)."""
        found = self.state.syntactic.get(node)
        if found is None or getattr(node, "lpar", None):
            return self.state.inclusive[node]
        return found

    def edit(self, old: cst.CSTNode, new: Replacement) -> tuple[int, int, str]:
        """The smallest edit of the chunk's text that replaces ``old`` with ``new``.

        The statement around ``old`` (``_block_statement``) is generated again with ``old``
        replaced, at its indentation, and compared with its text: whatever ``old``'s parent
        contributes to its code (``elif``, commas) is generated as the parent would.
        """
        anchor = self.anchors.get(old, old)
        start, end = self.inclusive(anchor)
        if anchor is old:
            after = self.code_at(old, new)
        else:
            # deep_replace accepts a FlattenSentinel or RemovalSentinel below the root.
            after = self.code_at(anchor, anchor.deep_replace(old, new))  # type: ignore[type-var]
        if end > len(self.code):
            # The last statement of a module without a final newline: LibCST dropped the
            # newline token it generated; drop the regenerated one too.
            after = after[: len(after) - (end - len(self.code))]
            end = len(self.code)
        if anchor is old:
            return start, end, after
        before = self.code[start:end]
        prefix = _common_prefix(before, after)
        suffix = _common_prefix(before[prefix:][::-1], after[prefix:][::-1])
        return start + prefix, end - suffix, after[prefix : len(after) - suffix]

    def code_at(self, old: cst.CSTNode, new: Replacement) -> str:
        """The code of ``new`` as it would be generated in ``old``'s place."""
        if isinstance(new, cst.RemovalSentinel):
            return ""
        nodes = new.nodes if isinstance(new, cst.FlattenSentinel) else [new]
        state = CodegenState(
            default_indent=self.module.default_indent,
            default_newline=self.module.default_newline,
        )
        state.indent_tokens = list(self.state.indents[old])
        for node in nodes:
            node._codegen(state)
        return "".join(state.tokens)


__all__ = [
    "CheckResult",
    "EngineOptions",
    "check_source",
    "import_edit",
    "parse_error_diagnostic",
]
