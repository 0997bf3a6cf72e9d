"""What every front end calls: check or fix one source, or a set of paths.

The command line, the flake8 plugin and the pre-commit hooks are thin layers over these
functions; nothing here prints.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from perfcodemod import deep, engine, noqa, syntax
from perfcodemod.config import ConfigResolver, Settings, default_settings
from perfcodemod.diagnostic import Diagnostic, ToolError
from perfcodemod.files import Target, discover
from perfcodemod.fixer import FileChangedError, FixOutcome, write_atomic
from perfcodemod.fixer import fix_source as _fix_loop
from perfcodemod.source import DecodeError, LineIndex, SourceText


class FixMode(enum.Enum):
    #: Report only.
    CHECK = "check"
    #: Apply fixes and write the files.
    WRITE = "write"
    #: Compute fixes, write nothing (``--diff``, stdin).
    PREVIEW = "preview"
    #: Add noqa comments for every diagnostic.
    ADD_NOQA = "add-noqa"


@dataclass
class FileReport:
    path: str
    #: What remains (after fixing, in the fix modes), noqa applied.
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[ToolError] = field(default_factory=list)
    #: The text as read (None when the file could not be read or decoded).
    original: SourceText | None = None
    #: The text after fixing (or adding noqa comments), when it differs from the original.
    fixed: SourceText | None = None
    #: Fixes applied, by code.
    applied: dict[str, int] = field(default_factory=dict)
    suppressed: int = 0
    written: bool = False
    #: Whether unsafe fixes count as applicable for this file (``--unsafe-fixes`` or its
    #: configuration's ``unsafe-fixes``): decides the ``[*]`` marks and the summary's hints.
    unsafe_fixes: bool = False

    @property
    def changed(self) -> bool:
        return self.fixed is not None and self.original is not None and (
            self.fixed.text != self.original.text
        )


@dataclass
class RunReport:
    files: list[FileReport] = field(default_factory=list)
    errors: list[ToolError] = field(default_factory=list)

    @property
    def diagnostics(self) -> list[tuple[FileReport, Diagnostic]]:
        return [(report, d) for report in self.files for d in report.diagnostics]

    @property
    def all_errors(self) -> list[ToolError]:
        return [*self.errors, *(e for report in self.files for e in report.errors)]


def _adjust(diagnostic: Diagnostic, settings: Settings) -> Diagnostic:
    """Apply ``fixable``/``unfixable`` and ``extend-(un)safe-fixes`` to a diagnostic's fix."""
    fix = diagnostic.fix
    if fix is None:
        return diagnostic
    if not settings.is_fixable(diagnostic.code):
        return replace(diagnostic, fix=None)
    applicability = settings.applicability(diagnostic.code, fix.applicability)
    if applicability is not fix.applicability:
        reason = (
            f"{fix.reason} (made {applicability.value} by the `extend-"
            f"{'safe' if applicability.value == 'safe' else 'unsafe'}-fixes` setting)"
        )
        return replace(diagnostic, fix=fix.with_applicability(applicability, reason))
    return diagnostic


PARSE_ERROR_CODE = engine.PARSE_ERROR_CODE


def diagnose(
    source: SourceText,
    settings: Settings,
    path: str | Path | None = None,
    tree: ast.Module | None = None,
) -> tuple[list[Diagnostic], list[ToolError]]:
    """The selected rules' diagnostics for one text (per-file ignores applied), before noqa
    comments and fix settings: what a front end with its own noqa handling (flake8) shows."""
    display = str(path) if path is not None else "<stdin>"
    options = engine.EngineOptions(
        rules=settings.rules_for(path),
        family_options=settings.family_options,
        target_version=settings.target_version,
    )
    result = engine.check_source(source, options, display, tree)
    diagnostics = result.diagnostics
    if not any(rule.code == PARSE_ERROR_CODE for rule in options.rules):
        diagnostics = [d for d in diagnostics if d.code != PARSE_ERROR_CODE]
    return diagnostics, result.errors


def lint(
    source: SourceText,
    settings: Settings,
    path: str | Path | None = None,
    tree: ast.Module | None = None,
) -> tuple[list[Diagnostic], list[ToolError], int]:
    """Diagnostics for one text: selected rules, per-file ignores, noqa, fix settings."""
    diagnostics, errors = diagnose(source, settings, path, tree)
    kept, suppressed = noqa.filter_suppressed(diagnostics, source.text, source.lines)
    return [_adjust(d, settings) for d in kept], errors, suppressed


def file_exempt(source: SourceText, code: str) -> bool:
    """A ``# perfcodemod: noqa`` directive of the file covers ``code``."""
    return any(exemption.covers(code) for exemption in noqa.file_exemptions(source.text))


def _unreadable(
    path: str, message: str, settings: Settings, row: int = 1, col: int = 1
) -> FileReport:
    """A file that could not be read or decoded: PCM001 (unless it is not selected)."""
    report = FileReport(path, unsafe_fixes=settings.unsafe_fixes)
    if any(rule.code == PARSE_ERROR_CODE for rule in settings.rules_for(path)):
        diagnostic = engine.parse_error_diagnostic(message, 1, 1, LineIndex(""))
        report.diagnostics.append(
            replace(diagnostic, row=row, col=col, end_row=row, end_col=col, noqa_row=row)
        )
    return report


def check_source(
    code: str | bytes,
    path: str | Path | None = None,
    settings: Settings | None = None,
) -> FileReport:
    """Check one source text (bytes are decoded as Python does, honouring a coding cookie)."""
    settings = settings or default_settings()
    display = str(path) if path is not None else "<stdin>"
    try:
        source = SourceText.decode(code) if isinstance(code, bytes) else SourceText(code)
    except DecodeError as exc:
        return _unreadable(display, str(exc), settings, exc.row, exc.col)
    diagnostics, errors, suppressed = lint(source, settings, path)
    return FileReport(
        display, diagnostics, errors, source, suppressed=suppressed,
        unsafe_fixes=settings.unsafe_fixes,
    )


def fix_source(
    code: str | bytes,
    path: str | Path | None = None,
    settings: Settings | None = None,
    *,
    unsafe: bool | None = None,
) -> FileReport:
    """Fix one source text: ``report.fixed`` holds the result (None: nothing changed),
    ``report.diagnostics`` what remains."""
    settings = settings or default_settings()
    report = check_source(code, path, settings)
    if unsafe is not None:
        report.unsafe_fixes = unsafe
    if report.original is None:
        return report
    return _fix_report(report, report.original, settings, path, unsafe)


def _fix_report(
    report: FileReport,
    source: SourceText,
    settings: Settings,
    path: str | Path | None,
    unsafe: bool | None,
) -> FileReport:
    if not any(d.fix for d in report.diagnostics):
        return report
    display = report.path
    use_unsafe = settings.unsafe_fixes if unsafe is None else unsafe
    # The lint of the text a round starts from: the check above for the first round, the last
    # round's for the result (a file fixed in one round is linted twice, not four times).
    latest: dict[str, tuple[list[Diagnostic], list[ToolError], int]] = {
        source.text: (report.diagnostics, [], report.suppressed)
    }

    def relint(current: SourceText) -> list[Diagnostic]:
        found = latest.get(current.text)
        if found is None:
            found = lint(current, settings, path)
            latest.clear()
            latest[current.text] = found
        return found[0]

    outcome: FixOutcome = _fix_loop(source, relint, unsafe=use_unsafe, path=display)
    report.errors.extend(ToolError(display, message) for message in outcome.errors)
    if outcome.changed:
        report.fixed = outcome.source
        report.applied = dict(outcome.applied)
        found = latest.get(outcome.source.text) or lint(outcome.source, settings, path)
        report.diagnostics, errors, report.suppressed = found
        report.errors.extend(errors)
    return report


def _dump(text: str) -> str:
    return ast.dump(syntax.parse(text))


def _same_code(before: str, after: str) -> bool:
    try:
        return deep.retry_deep(_dump, after) == deep.retry_deep(_dump, before)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


def add_noqa_source(report: FileReport) -> FileReport:
    """Add ``# noqa: CODE`` comments. A row where a comment would change the code (its line
    ends inside a string, or with a backslash) is left alone and reported."""
    source = report.original
    if source is None or not report.diagnostics:
        return report
    commentable = [d for d in report.diagnostics if d.code not in noqa.UNSUPPRESSIBLE]
    if not commentable:
        return report
    new_text = noqa.add_noqa_comments(source.text, source.lines, commentable)
    added = commentable
    if not _same_code(source.text, new_text):
        added = []
        new_text = source.text
        for row in sorted({d.noqa_row for d in commentable}):
            on_row = [d for d in commentable if d.noqa_row == row]
            attempt = noqa.add_noqa_comments(new_text, LineIndex(new_text), on_row)
            if _same_code(source.text, attempt):
                new_text = attempt
                added.extend(on_row)
            else:
                report.errors.append(ToolError(
                    report.path, f"{row}: cannot add a noqa comment on this line without "
                    "changing the code (it ends inside a string or with a backslash)"))
    if added:
        report.fixed = source.with_text(new_text)
        report.applied = {"noqa": len(added)}
    report.diagnostics = [d for d in report.diagnostics if d not in added]
    return report


def process_file(target: Target, mode: FixMode, unsafe: bool | None = None) -> FileReport:
    """Read, check, and (depending on ``mode``) fix and write one file."""
    display = str(target.path)
    settings = target.settings
    try:
        raw = target.path.read_bytes()
    except OSError as exc:
        return _unreadable(display, f"cannot read file: {exc.strerror or exc}", settings)
    report = check_source(raw, target.path, settings)
    report.path = display
    if unsafe is not None:
        report.unsafe_fixes = unsafe
    source = report.original
    if source is None or mode is FixMode.CHECK:
        return report
    if source.encode() != raw:
        report.errors.append(ToolError(
            display, f"not fixed: the file's bytes do not survive decoding and re-encoding as "
            f"{source.encoding}"))
        return report
    if mode is FixMode.ADD_NOQA:
        add_noqa_source(report)
    else:
        _fix_report(report, source, settings, target.path, unsafe)
    if mode in (FixMode.WRITE, FixMode.ADD_NOQA) and report.changed and report.fixed is not None:
        if not target.writable:
            message = "not written: the file is outside the named paths"
            report.errors.append(ToolError(display, message))
            return report
        try:
            write_atomic(target.path, report.fixed.encode(), raw)
            report.written = True
        except FileChangedError as exc:
            report.errors.append(ToolError(display, str(exc)))
        except OSError as exc:
            report.errors.append(ToolError(display, f"cannot write file: {exc.strerror or exc}"))
    return report


def check_paths(
    paths: Sequence[Path],
    resolver: ConfigResolver | None = None,
    *,
    mode: FixMode = FixMode.CHECK,
    unsafe: bool | None = None,
    force_exclude: bool = False,
) -> RunReport:
    """Check (and fix) every file under ``paths``."""
    resolver = resolver or ConfigResolver()
    run = RunReport()
    for target in discover(paths, resolver, force_exclude=force_exclude, errors=run.errors):
        _process_isolated(target, mode, unsafe, run)
    return run


def _process_isolated(target: Target, mode: FixMode, unsafe: bool | None, run: RunReport) -> None:
    """``process_file``, where a bug costs only this file its check, not the whole run."""
    try:
        run.files.append(process_file(target, mode, unsafe))
    except Exception as exc:
        if engine.DEBUG:
            raise
        run.errors.append(ToolError(str(target.path), f"internal error: {exc!r}"))


def targets(
    paths: Iterable[Path], resolver: ConfigResolver, force_exclude: bool = False
) -> list[Target]:
    return list(discover(list(paths), resolver, force_exclude=force_exclude))
