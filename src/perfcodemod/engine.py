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
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Callable

import libcst as cst
from libcst._nodes.internal import CodegenState

from perfcodemod import deep, noqa, syntax
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.context import EngineOptions, RuleContext, children
from perfcodemod.diagnostic import Diagnostic, Edit, Fix, ToolError
from perfcodemod.proposals import FixProposal, ImportRequest, Replacement
from perfcodemod.rule import Candidate, Rule
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
    plan = _plan_chunks(facts, options.rules, path)
    result = CheckResult(list(plan.skipped), list(plan.errors))
    for (first, last), rule_types in plan.chunks:
        _check_chunk(facts, first, last, rule_types, options, path, result)
    result.diagnostics.sort(key=lambda d: d.sort_key)
    return result


# -- planning -------------------------------------------------------------------------------


@dataclass
class _Plan:
    chunks: list[tuple[tuple[int, int], list[type[Rule]]]]
    errors: list[ToolError]
    #: Rules whose pre-check could not run (too deep), each with its diagnostic.
    skipped: list[Diagnostic] = field(default_factory=list)


def _candidates(rule_type: type[Rule], facts: ModuleFacts) -> list[Candidate]:
    return list(rule_type.precheck(facts))


def _plan_chunks(facts: ModuleFacts, rule_types: Sequence[type[Rule]], path: str) -> _Plan:
    wanted: list[tuple[int, int, type[Rule]]] = []
    errors: list[ToolError] = []
    skipped: list[Diagnostic] = []
    for rule_type in rule_types:
        try:
            candidates = deep.retry_deep(_candidates, rule_type, facts)
        except RecursionError:
            why = "the code nests too deeply for Python's recursion limit"
            skipped.append(_not_run([rule_type], 1, len(facts.lines), why, facts.lines))
            continue
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
    return _Plan(chunks, errors, skipped)


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
    """The chunk's diagnostics into ``result``. Deep but valid code: its rules run again with
    room to recurse (``deep.py``), and if one of them still cannot, that one is skipped and
    says so while the others run."""
    result.parsed_rows += last - first + 1
    if facts.expression_depth(first, last, MAX_EXPRESSION_DEPTH) > MAX_EXPRESSION_DEPTH:
        # LibCST's parser takes time that grows with the cube of this depth.
        why = (
            f"expressions nest more than {MAX_EXPRESSION_DEPTH} deep here, deeper than "
            "LibCST parses in reasonable time"
        )
        result.diagnostics.append(_not_run(rule_types, first, last, why, facts.lines))
        return

    def findings(rules: Sequence[type[Rule]]) -> _Findings:
        return _chunk_findings(facts, first, last, rules, options, path)

    try:
        found = deep.retry_deep(findings, rule_types)
    except RecursionError:
        found = _Findings([], [])
        for rule_type in rule_types:
            try:
                alone = deep.call_deep(findings, [rule_type])
            except RecursionError:
                why = "the code nests too deeply here for Python's recursion limit"
                found.diagnostics.append(_not_run([rule_type], first, last, why, facts.lines))
            else:
                found.diagnostics.extend(alone.diagnostics)
                found.errors.extend(alone.errors)
    result.diagnostics.extend(found.diagnostics)
    result.errors.extend(found.errors)


@dataclass
class _Findings:
    diagnostics: list[Diagnostic]
    errors: list[ToolError]


def _not_run(
    rule_types: Sequence[type[Rule]], first: int, last: int, why: str, lines: LineIndex
) -> Diagnostic:
    codes = ", ".join(rule.code for rule in rule_types)
    rules = f"rule {codes} was" if len(rule_types) == 1 else f"rules {codes} were"
    message = f"{why}; {rules} not run on lines {first}-{last}"
    return parse_error_diagnostic(message, first, 1, lines)


def _chunk_findings(
    facts: ModuleFacts,
    first: int,
    last: int,
    rule_types: Sequence[type[Rule]],
    options: EngineOptions,
    path: str,
) -> _Findings:
    """LibCST's parse of the chunk, its rules' traversal, and their diagnostics (this raises
    ``RecursionError``, which the caller handles; a rule's other errors become tool errors)."""
    lines = facts.lines
    found = _Findings([], [])
    chunk_start = lines.offset(first)
    chunk_text = facts.text[chunk_start : lines.line_end(last)]
    try:
        module = cst.parse_module(chunk_text)
    except cst.ParserSyntaxError as exc:
        row, col, detail = _libcst_error_position(exc, first)
        found.diagnostics.append(
            parse_error_diagnostic(
                f"LibCST cannot parse this code, which Python accepts (a limit of LibCST's "
                f"parser, not an error in the file; at {row}:{col}: {detail}); "
                f"{', '.join(r.code for r in rule_types)} not run on lines {first}-{last}, "
                "the rest of the file was checked",
                row,
                col,
                lines,
            )
        )
        return found
    context = RuleContext(facts, module, options, first, path)
    try:
        rules = [rule_type(context) for rule_type in rule_types]
        _traverse(module, rules)
        if not context.reports:
            return found
        targets: set[cst.CSTNode] = set()
        anchors: dict[cst.CSTNode, cst.CSTNode] = {}
        for report in context.reports:
            targets.add(report.node)
            if report.fix:
                for change in report.fix.changes:
                    anchors[change.old] = _block_statement(change.old, context)
        targets.update(anchors.values())
        spans = _Spans(module, targets, anchors)
    except RecursionError:
        raise
    except Exception as exc:  # a bug in a rule must not end the run
        if DEBUG:
            raise
        names = ", ".join(r.code for r in rule_types)
        found.errors.append(ToolError(path, f"internal error in {names} at line {first}: {exc!r}"))
        return found
    if spans.code != chunk_text:
        # LibCST did not give back what it read (it drops the whitespace after an f-string's
        # `!r`, which 3.12 allows): its offsets would put edits in the wrong place.
        found.diagnostics.append(
            parse_error_diagnostic(
                "LibCST cannot reproduce this code exactly; rules "
                f"{', '.join(r.code for r in rule_types)} were not run on it",
                first + spans.code.count("\n", 0, _common_prefix(spans.code, chunk_text)),
                1,
                lines,
            )
        )
        return found
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
        found.diagnostics.append(
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
    return found


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


_LIBCST_ERROR_AT = re.compile(r"^parser error: error at (\d+):(\d+): (.*)$", re.DOTALL)


def _libcst_error_position(exc: cst.ParserSyntaxError, first_row: int) -> tuple[int, int, str]:
    """The file row and 1-based column of a LibCST parse error in the chunk starting at
    ``first_row``, and what LibCST says without its own (chunk-relative) position. The
    parser's message names the offending token (line 1-based, column 0-based, relative to
    the chunk); the exception's ``raw_line`` may point at the line after it."""
    message = exc.message.strip()
    match = _LIBCST_ERROR_AT.match(message)
    if match is not None:
        line, column, detail = int(match.group(1)), int(match.group(2)), match.group(3)
        return first_row + line - 1, column + 1, detail.strip()
    return first_row + exc.raw_line - 1, exc.raw_column + 1, message


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

    # Depth first, in source order, without recursion (a 2,000-branch elif chain nests 2,000
    # deep). A node whose leave_ handlers are due is pushed again inside a 1-tuple.
    stack: list[cst.CSTNode | tuple[cst.CSTNode]] = [module]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        item = pop()
        if type(item) is tuple:
            node = item[0]
            for handler in leaves[type(node).__name__]:
                handler(node)
            continue
        node = item  # type: ignore[assignment]
        name = type(node).__name__
        for handler in visits.get(name, ()):
            handler(node)
        if name in leaves:
            push((node,))
        found = list(children(node))
        if found:
            found.reverse()
            extend(found)


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
        if self.active and exc_info[0] is None:  # (not while an error, RecursionError, unwinds)
            state = self.state
            start = self.start
            end = state.offset
            if self.start_node is not None:
                start = state.syntactic.get(self.start_node, state.inclusive[self.start_node])[0]
            if self.end_node is not None:
                end = state.syntactic.get(self.end_node, state.inclusive[self.end_node])[1]
            state.syntactic[self.node] = (start, end)


def _block_statement(node: cst.CSTNode, context: RuleContext) -> cst.CSTNode:
    """What an edit of ``node`` regenerates: ``node`` itself if it is an expression (whose
    code depends on nothing around it) or a statement directly in a block (whose code depends
    only on its indentation), else the nearest ancestor that is a statement in a block.

    Other nodes' code can depend on their parent: an ``If`` is written ``elif`` in another
    ``If``'s ``orelse``, an element or argument gets its comma from its container, a small
    statement its semicolon. (Regenerating the statement for an expression would make a fix
    in the 500th branch of an ``elif`` chain regenerate all of it: quadratic.)
    """
    if isinstance(node, cst.BaseExpression) and not hasattr(node, "comma"):
        return node  # a starred element is an expression with a comma of its own
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
