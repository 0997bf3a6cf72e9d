"""One chunk: the LibCST half of the engine (``engine.py`` plans the chunks).

1. Parse the chunk's text with LibCST (a method chunk below its ``class NAME:`` header lines).
2. Visit it once with all its rules batched, walking the dataclass fields directly (about five
   times cheaper than ``CSTNode.visit``, which rebuilds every node).
3. Only for chunks with reports, one code-generation pass records the offsets of the reported
   nodes and of the nodes that fixes replace (cheaper than LibCST's ``PositionProvider``, which
   records every node). Edits are the old node's exact span and the new node's code generated
   at the same indentation.

No LibCST metadata provider runs: names and scopes come from ``analysis/scopes.py`` (one walk
per chunk, built only when a rule asks), parents from one walk of the chunk, positions from the
code-generation pass above.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Callable

import libcst as cst
from libcst._nodes.internal import CodegenState

from perfcodemod import deep, engine, noqa
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.scopes import ScopeTree
from perfcodemod.context import EngineOptions, RuleContext, children
from perfcodemod.cstoffsets import OffsetState
from perfcodemod.diagnostic import Diagnostic, Edit, Fix, ToolError
from perfcodemod.engine import (
    MAX_EXPRESSION_DEPTH,
    CheckResult,
    Chunk,
    import_edit,
    not_run,
    parse_error_diagnostic,
)
from perfcodemod.proposals import FixProposal, Replacement
from perfcodemod.rule import Rule

# -- one chunk --------------------------------------------------------------------------------


def check_chunk(
    facts: ModuleFacts,
    chunk: Chunk,
    options: EngineOptions,
    path: str,
    result: CheckResult,
) -> None:
    """Run ``chunk.rules`` on the chunk's rows; diagnostics and errors go to ``result``.

    Deep but valid code: the rules run again with room to recurse (``deep.py``), and if one of
    them still cannot, that one is skipped and says so while the others run."""
    first, last, lines = chunk.first, chunk.last, facts.lines
    if _too_deep(facts, chunk, result):
        return

    def findings(rules: tuple[type[Rule], ...]) -> CheckResult:
        found = CheckResult([], [])
        _check_chunk(facts, Chunk(first, last, rules, chunk.classes, chunk.toplevel_first),
                     options, path, found)
        return found

    try:
        found = deep.retry_deep(findings, chunk.rules)
    except RecursionError:
        found = CheckResult([], [], last - first + 1)
        for rule_type in chunk.rules:
            try:
                alone = deep.call_deep(findings, (rule_type,))
            except RecursionError:
                why = "the code nests too deeply here for Python's recursion limit"
                found.diagnostics.append(not_run([rule_type], first, last, why, lines))
            else:
                found.diagnostics.extend(alone.diagnostics)
                found.errors.extend(alone.errors)
    result.diagnostics.extend(found.diagnostics)
    result.errors.extend(found.errors)
    result.parsed_rows += found.parsed_rows


def _too_deep(facts: ModuleFacts, chunk: Chunk, result: CheckResult) -> bool:
    """The chunk nests expressions too deeply for LibCST's parser, whose time grows with the
    cube of the depth: its rules are not run, and a diagnostic says so."""
    first, last = chunk.first, chunk.last
    if facts.expression_depth(first, last, MAX_EXPRESSION_DEPTH) <= MAX_EXPRESSION_DEPTH:
        return False
    result.parsed_rows += last - first + 1
    why = (
        f"expressions nest more than {MAX_EXPRESSION_DEPTH} deep here, deeper than "
        "LibCST parses in reasonable time"
    )
    result.diagnostics.append(not_run(chunk.rules, first, last, why, facts.lines))
    return True


def _check_chunk(
    facts: ModuleFacts,
    chunk: Chunk,
    options: EngineOptions,
    path: str,
    result: CheckResult,
) -> None:
    """LibCST's parse of the chunk, its rules' traversal, and their diagnostics into
    ``result`` (this raises ``RecursionError``, which ``check_chunk`` handles; a rule's other
    errors become tool errors)."""
    lines = facts.lines
    newline = _line_break(lines.line(chunk.toplevel_first or chunk.first))
    header = "".join(f"{indent}class {name}:{newline}" for indent, name in chunk.classes)
    first_row = chunk.first - len(chunk.classes)  # the row that the chunk's line 1 stands for
    chunk_start = lines.offset(chunk.first) - len(header)
    chunk_text = header + facts.text[lines.offset(chunk.first) : lines.line_end(chunk.last)]
    result.parsed_rows += chunk.last - chunk.first + 1
    rule_types = chunk.rules
    try:
        module = cst.parse_module(chunk_text)
    except cst.ParserSyntaxError as exc:
        row, col, detail = _libcst_error_position(exc, first_row)
        result.diagnostics.append(
            parse_error_diagnostic(
                f"LibCST cannot parse this code, which Python accepts (a limit of LibCST's "
                f"parser, not an error in the file; at {row}:{col}: {detail}); "
                f"{', '.join(r.code for r in rule_types)} not run on lines "
                f"{chunk.first}-{chunk.last}, the rest of the file was checked",
                row,
                col,
                lines,
            )
        )
        return
    context = RuleContext(
        facts, module, options, first_row, path,
        code_row=chunk.first, toplevel_row=chunk.toplevel_first or chunk.first,
        scope_builder=ScopeTree,
    )
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
        if chunk.classes and _reaches_outside_the_method(module, targets, anchors):
            _check_whole_statement(facts, chunk, options, path, result)
            return
        spans = _Spans(module, targets, anchors, chunk_text)
    except RecursionError:
        raise
    except Exception as exc:  # a bug in a rule must not end the run
        if engine.DEBUG:
            raise
        names = ", ".join(r.code for r in rule_types)
        result.errors.append(
            ToolError(path, f"internal error in {names} at line {chunk.first}: {exc!r}")
        )
        return
    if not spans.exact:
        # LibCST did not give back what it read (it drops the whitespace after an f-string's
        # `!r`, which 3.12 allows): its offsets would put edits in the wrong place.
        generated = "".join(spans.state.tokens)
        result.diagnostics.append(
            parse_error_diagnostic(
                "LibCST cannot reproduce this code exactly; rules "
                f"{', '.join(r.code for r in rule_types)} were not run on it",
                first_row + generated.count("\n", 0, _common_prefix(generated, chunk_text)),
                1,
                lines,
            )
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
                noqa_row=noqa_rows.get(row - first_row + 1, row - first_row + 1) + first_row - 1,
            )
        )


_LIBCST_ERROR_AT = re.compile(r"^parser error: error at (\d+):(\d+): (.*)$", re.DOTALL)


def _libcst_error_position(exc: cst.ParserSyntaxError, first_row: int) -> tuple[int, int, str]:
    """The file row and 1-based column of a LibCST parse error in the chunk whose first line
    stands for ``first_row``, and what LibCST says without its own (chunk-relative) position.
    The parser's message names the offending token (line 1-based, column 0-based, relative to
    the chunk); the exception's ``raw_line`` may point at the line after it."""
    message = exc.message.strip()
    match = _LIBCST_ERROR_AT.match(message)
    if match is not None:
        line, column, detail = int(match.group(1)), int(match.group(2)), match.group(3)
        return first_row + line - 1, column + 1, detail.strip()
    return first_row + exc.raw_line - 1, exc.raw_column + 1, message


def _line_break(line: str) -> str:
    for newline in ("\r\n", "\n", "\r"):
        if line.endswith(newline):
            return newline
    return "\n"


def _reaches_outside_the_method(
    module: cst.Module, targets: set[cst.CSTNode], anchors: dict[cst.CSTNode, cst.CSTNode]
) -> bool:
    """A report or an edit of a method chunk that involves more than the method's own code:
    a node of the ``class NAME:`` header (which stands for code the chunk does not have), or
    an edit of the whole method (its text would start at the comments above it, which belong
    to it in the whole class but are not in the chunk)."""
    outer: set[cst.CSTNode] = {module}
    node: cst.CSTNode = module.body[0]
    while isinstance(node, cst.ClassDef) and isinstance(node.body, cst.IndentedBlock):
        outer.update((node, node.body))
        node = node.body.body[0]
    method = node
    return bool(targets & outer) or any(
        anchor in outer or anchor is method for anchor in anchors.values()
    )


def _check_whole_statement(
    facts: ModuleFacts, chunk: Chunk, options: EngineOptions, path: str, result: CheckResult
) -> None:
    """Check a method chunk's rows as part of its whole top-level statement: what the rules
    find on the method's rows, as the statement's chunk finds it."""
    span = facts.toplevel_span(chunk.first) or (chunk.first, chunk.last)
    whole = CheckResult([], [])
    statement = Chunk(span[0], span[1], chunk.rules, (), span[0])
    if not _too_deep(facts, statement, whole):
        _check_chunk(facts, statement, options, path, whole)
    result.parsed_rows += whole.parsed_rows
    result.errors.extend(whole.errors)
    result.diagnostics.extend(
        d for d in whole.diagnostics if chunk.first <= d.row <= chunk.last
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


class _AllGenerated(Exception):
    """Every target's position is known: the rest of the chunk need not be generated."""


class _SpanState(OffsetState):
    """Code generation that counts characters and records only the target nodes, with their
    indentation and syntactic spans."""

    def __init__(
        self, module: cst.Module, targets: set[cst.CSTNode], stop_when_done: bool = False
    ) -> None:
        super().__init__(module, targets)
        #: Targets not generated yet; with ``stop_when_done``, generation stops with the last.
        self.pending = set(targets) if stop_when_done else None
        self.syntactic: dict[cst.CSTNode, tuple[int, int]] = {}
        self.indents: dict[cst.CSTNode, list[str]] = {}

    def opened(self, node: cst.CSTNode) -> None:
        self.indents[node] = list(self.indent_tokens)

    def closed(self, node: cst.CSTNode) -> None:
        pending = self.pending
        if pending is not None:
            pending.discard(node)
            if not pending:
                raise _AllGenerated

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
    """Where the target nodes are in the chunk's text, from one code-generation pass.

    With the chunk's ``text`` (which LibCST generates back exactly), generation stops once the
    last target is generated: on average half of a chunk is generated, not all of it.
    """

    def __init__(
        self,
        module: cst.Module,
        targets: set[cst.CSTNode],
        anchors: dict[cst.CSTNode, cst.CSTNode] | None = None,
        text: str | None = None,
    ) -> None:
        self.module = module
        self.anchors = anchors or {}
        self.state = _SpanState(module, set(targets), stop_when_done=text is not None)
        stopped = False
        try:
            module._codegen(self.state)
        except _AllGenerated:
            stopped = True
        generated = "".join(self.state.tokens)
        #: LibCST generated back the text it read, as far as it went (not quite always: it
        #: drops the whitespace after an f-string's ``!r``, which 3.12 allows); if not, its
        #: offsets cannot be trusted.
        self.exact = text is None or (text.startswith(generated) if stopped else generated == text)
        self.code = text if text is not None else generated

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


__all__ = ["check_chunk"]
