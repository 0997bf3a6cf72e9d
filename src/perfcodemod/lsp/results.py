"""What one check of a document becomes in the protocol: diagnostics, hovers, code actions.

Plain functions of immutable inputs (a ``documents.Document`` version and its check), run in
the server's worker thread; all checking, fixing and noqa editing goes through ``api``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types

from perfcodemod import api
from perfcodemod.config import Settings
from perfcodemod.diagnostic import Applicability, Diagnostic, Edit
from perfcodemod.files import force_excluded
from perfcodemod.lsp.documents import Document, Position

SOURCE = "perfcodemod"
FIX_ALL_KIND = "source.fixAll.perfcodemod"


@dataclass
class Checked:
    """The check of one version of a document, with what code actions need from it."""

    document: Document
    settings: Settings
    diagnostics: list[Diagnostic]
    #: The profile's hotness text per diagnostic (None: nothing to say).
    notes: list[str | None]
    published: list[types.Diagnostic]
    #: The tool's own problems with the file (logged, not shown as diagnostics).
    errors: list[str] = field(default_factory=list)
    #: Problems the user should see once (an unreadable profile).
    warnings: list[str] = field(default_factory=list)
    #: The edits of fix-all, once computed.
    fix_all_edits: list[types.TextEdit] | None = None
    #: Code actions already computed for this version, by diagnostic index and kind.
    actions: dict[tuple[int, str], types.CodeAction | None] = field(default_factory=dict)


def to_range(document: Document, start: int, end: int) -> types.Range:
    first, last = document.position(start), document.position(end)
    return types.Range(
        start=types.Position(line=first.line, character=first.character),
        end=types.Position(line=last.line, character=last.character),
    )


def offset_of(document: Document, position: types.Position) -> int:
    return document.offset(Position(position.line, position.character))


def _text_edits(document: Document, edits: Sequence[Edit]) -> list[types.TextEdit]:
    return [
        types.TextEdit(range=to_range(document, e.start, e.end), new_text=e.content)
        for e in edits
    ]


def kind_requested(kind: str, only: Sequence[str] | None) -> bool:
    """``only`` asks for this kind (a kind covers its sub-kinds: ``source`` covers
    ``source.fixAll.perfcodemod``)."""
    return only is None or any(kind == o or kind.startswith(f"{o}.") for o in only)


def check(document: Document, settings: Settings, profiles: list[Path]) -> Checked:
    """Check one version of a document (nothing for a file the configuration excludes)."""
    path = document.path
    source = document.source()
    if path is not None and force_excluded(path, settings):
        return Checked(document, settings, [], [], [])
    checked = api.check_for_editor(source.text, path, settings, profiles)
    report, notes = checked.report, checked.hotness
    warnings = []
    if checked.profile_problem is not None:
        warnings.append(f"cannot use the profile: {checked.profile_problem}")
    diagnostics = report.diagnostics
    published = [to_lsp(document, d, note) for d, note in zip(diagnostics, notes)]
    errors = [f"{path or document.uri}: {error.message}" for error in report.errors]
    return Checked(document, settings, diagnostics, notes, published, errors, warnings)


def to_lsp(document: Document, diagnostic: Diagnostic, note: str | None) -> types.Diagnostic:
    fix = diagnostic.fix
    rule = api.rule_doc(diagnostic.code)
    message = diagnostic.message if note is None else f"{diagnostic.message} [{note}]"
    severity = (
        types.DiagnosticSeverity.Error if diagnostic.code == api.PARSE_ERROR_CODE
        else types.DiagnosticSeverity.Warning
    )
    return types.Diagnostic(
        range=to_range(document, diagnostic.start, diagnostic.end),
        message=message,
        severity=severity,
        code=diagnostic.code,
        code_description=types.CodeDescription(href=rule.url) if rule else None,
        source=SOURCE,
        data={
            "fix": None if fix is None else {
                "applicability": fix.applicability.value,
                "message": fix.message,
                "reason": fix.reason,
            },
            "noqaRow": diagnostic.noqa_row,
        },
    )


def hover_text(diagnostic: Diagnostic, note: str | None) -> str:
    rule = api.rule_doc(diagnostic.code)
    lines = []
    if rule is not None:
        lines.append(f"**{rule.code}** ({rule.name}): {rule.summary}")
    else:
        lines.append(f"**{diagnostic.code}**")
    fix = diagnostic.fix
    if fix is None:
        lines.append("No automatic fix here.")
    else:
        reason = fix.reason.rstrip(".")
        lines.append(f"Fix ({fix.applicability.value}): {fix.message} — {reason}.")
    if note is not None:
        lines.append(f"Profile: {note}")
    if rule is not None:
        lines.append(f"[{rule.code} documentation]({rule.url})")
    return "\n\n".join(lines)


def hover(checked: Checked, offset: int) -> types.Hover | None:
    """The rule's summary and the fix's safety of every diagnostic at ``offset``."""
    found = [
        (diagnostic, note) for diagnostic, note in zip(checked.diagnostics, checked.notes)
        if diagnostic.start <= offset <= diagnostic.end
    ]
    if not found:
        return None
    text = "\n\n---\n\n".join(hover_text(diagnostic, note) for diagnostic, note in found)
    first = found[0][0]
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
        range=to_range(checked.document, first.start, first.end),
    )


def fixable(checked: Checked) -> bool:
    unsafe = checked.settings.unsafe_fixes
    return any(
        d.fix is not None and (unsafe or d.fix.applicability is Applicability.SAFE)
        for d in checked.diagnostics
    )


def workspace_edit(document: Document, edits: list[types.TextEdit], versioned: bool
                   ) -> types.WorkspaceEdit:
    """Edits of one document; ``versioned`` (the client supports ``documentChanges``) names
    the version they apply to, so that a client drops them once the text has changed."""
    if versioned:
        identifier = types.OptionalVersionedTextDocumentIdentifier(
            uri=document.uri, version=document.version
        )
        change = types.TextDocumentEdit(text_document=identifier, edits=list(edits))
        return types.WorkspaceEdit(document_changes=[change])
    return types.WorkspaceEdit(changes={document.uri: list(edits)})


Action = Callable[["Checked", int, bool], "types.CodeAction | None"]


def quick_fixes(checked: Checked, indices: Sequence[int], versioned: bool
                ) -> list[types.CodeAction]:
    """The fix and the "disable for this line" action of each diagnostic (the fixes first),
    computed once per version."""
    fixes: list[types.CodeAction] = []
    disables: list[types.CodeAction] = []
    disabled: set[tuple[str, int]] = set()
    for index in indices:
        diagnostic = checked.diagnostics[index]
        fix = _cached(checked, index, fix_action, versioned)
        if fix is not None:
            fixes.append(fix)
        if (diagnostic.code, diagnostic.noqa_row) in disabled:
            continue
        disabled.add((diagnostic.code, diagnostic.noqa_row))
        disable = _cached(checked, index, noqa_action, versioned)
        if disable is not None:
            disables.append(disable)
    return fixes + disables


def _cached(checked: Checked, index: int, make: Action, versioned: bool
            ) -> types.CodeAction | None:
    key = (index, make.__name__)
    if key not in checked.actions:
        checked.actions[key] = make(checked, index, versioned)
    return checked.actions[key]


def fix_action(checked: Checked, index: int, versioned: bool) -> types.CodeAction | None:
    diagnostic = checked.diagnostics[index]
    fix = diagnostic.fix
    if fix is None:
        return None
    document = checked.document
    edits = api.fix_edits(document.source(), diagnostic, document.path)
    if not edits:
        return None
    unsafe = fix.applicability is Applicability.UNSAFE
    label = f"{diagnostic.code} (unsafe)" if unsafe else diagnostic.code
    return types.CodeAction(
        f"Fix {label}: {fix.message}",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[checked.published[index]],
        is_preferred=not unsafe,
        edit=workspace_edit(document, _text_edits(document, edits), versioned),
    )


def noqa_action(checked: Checked, index: int, versioned: bool) -> types.CodeAction | None:
    diagnostic = checked.diagnostics[index]
    document = checked.document
    edit = api.noqa_edit(document.source(), diagnostic)
    if edit is None:
        return None
    return types.CodeAction(
        f"Disable {diagnostic.code} for this line",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[checked.published[index]],
        edit=workspace_edit(document, _text_edits(document, [edit]), versioned),
    )


def fix_all(checked: Checked, versioned: bool) -> types.WorkspaceEdit:
    """What ``check --fix`` would do to the editor's text (the fixer's loop to a fixed
    point), as edits of the lines that change; computed once per version."""
    document = checked.document
    edits = checked.fix_all_edits
    if edits is None:
        source = document.source()
        report = api.fix_source(source.text, document.path, checked.settings)
        fixed = source.text if report.fixed is None else report.fixed.text
        edits = checked.fix_all_edits = _text_edits(document, api.text_edits(source.text, fixed))
    return workspace_edit(document, edits, versioned)
