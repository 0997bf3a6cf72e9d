"""What every front end calls: check or fix one source, or a set of paths.

The command line, the flake8 plugin and the pre-commit hooks are thin layers over these
functions; nothing here prints.
"""

from __future__ import annotations

import ast
import difflib
import enum
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Union

from perfcodemod import cache as cache_module
from perfcodemod import deep, engine, noqa, registry, safety, syntax, workers
from perfcodemod.annotation import ProfileAnnotation as ProfileAnnotation
from perfcodemod.cache import CachedResult, CacheStats, FileStamp, ResultCache, directory_override
from perfcodemod.config import ConfigResolver, Settings, default_settings
from perfcodemod.diagnostic import Diagnostic, Edit, ToolError
from perfcodemod.files import Target, discover, display_path
from perfcodemod.fixer import (
    FileChangedError,
    FixOutcome,
    ReadOnlyError,
    apply_edits,
    is_applicable,
    verifies,
    write_atomic,
)
from perfcodemod.fixer import fix_source as _fix_loop
from perfcodemod.notebook import COMPILE_FLAGS as NOTEBOOK_FLAGS
from perfcodemod.notebook import SUFFIX as NOTEBOOK_SUFFIX
from perfcodemod.notebook import CellLayout, Notebook, NotebookError
from perfcodemod.source import DecodeError, LineIndex, SourceText

if TYPE_CHECKING:
    from perfcodemod.profile import Profile as Profile
    from perfcodemod.profile import ProfileError as ProfileError
    from perfcodemod.profile import load_profiles as load_profiles
    from perfcodemod.profile.annotate import ProfileJoin as ProfileJoin
    from perfcodemod.profile.annotate import Selection as Selection
    from perfcodemod.profile.probes import SiteSpec
    from perfcodemod.profile.record import Program as Program
    from perfcodemod.profile.record import Recording
    from perfcodemod.profile.record import RecordOptions as RecordOptions
    from perfcodemod.profile.tickets import TicketReport
    from perfcodemod.verify import Select, VerifyResult


#: What api.py offers of the profile-guided mode, imported on first use (start-up: a check
#: without a profile never imports ``profile/``).
_PROFILE_NAMES = {
    "Profile": "perfcodemod.profile",
    "ProfileError": "perfcodemod.profile",
    "load_profiles": "perfcodemod.profile",
    "ProfileJoin": "perfcodemod.profile.annotate",
    "Selection": "perfcodemod.profile.annotate",
    "Program": "perfcodemod.profile.record",
    "RecordOptions": "perfcodemod.profile.record",
}


def __getattr__(name: str) -> object:
    module = _PROFILE_NAMES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


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
    #: The text as read (None when the file could not be read or decoded; in ``check_paths``'
    #: reports, also when the file has nothing to show: no diagnostic, error or change, since
    #: a run over many files keeps only the texts its output needs).
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
    #: Findings that profile evidence removed, with the reason (``--show-dropped``).
    dropped: list[tuple[Diagnostic, str]] = field(default_factory=list)
    #: The original text's ``ast``, kept only while a profile annotates the report (so that
    #: the file is parsed once), then dropped.
    tree: ast.Module | None = field(default=None, repr=False, compare=False)
    #: A notebook as read; ``original`` and ``fixed`` then hold its code cells joined, which
    #: the diagnostics' rows count in (``cell_of`` says which cell a diagnostic is in).
    notebook: Notebook | None = None
    #: Where the notebook's cells are in the current text (``fixed``, or else ``original``).
    layout: CellLayout | None = None

    @property
    def changed(self) -> bool:
        return self.fixed is not None and self.original is not None and (
            self.fixed.text != self.original.text
        )

    def fixed_bytes(self) -> bytes:
        """What ``--fix`` writes: the fixed text, or the notebook with its fixed cells."""
        assert self.fixed is not None
        if self.notebook is not None and self.layout is not None:
            return self.notebook.dump(self.fixed.text, self.layout)
        return self.fixed.encode()

    def cell_of(self, diagnostic: Diagnostic) -> tuple[int | None, int]:
        """The notebook cell a diagnostic is in, and how many rows of the checked text come
        before that cell (its rows within the cell are its rows minus that); ``(None, 0)``
        outside notebooks."""
        source = self.fixed or self.original
        if self.layout is None or not self.layout.starts or source is None:
            return None, 0
        return self.layout.cell_and_shift(source.lines, diagnostic.start)

    def row_label(self, row: int) -> str:
        """A row of the original text as messages show it (``cell 3:2`` in a notebook)."""
        if self.layout is None or not self.layout.starts or self.original is None:
            return str(row)
        lines = self.original.lines
        cell, cell_row, _ = self.layout.locate(lines, lines.offset(row))
        return f"cell {cell}:{cell_row}"

    def locate(self, offset: int, end: bool = False) -> tuple[int | None, int, int]:
        """The cell (None outside notebooks), 1-based row and column of an offset into the
        current text (a fix edit's ends), as diagnostics show theirs. ``end``: the offset ends
        something, so at the start of a cell it is the end of the cell before."""
        source = self.fixed or self.original
        lines = source.lines if source is not None else LineIndex("")
        if self.layout is not None and self.layout.starts:
            return self.layout.locate(lines, offset, end)
        return (None, *lines.position(offset))


@dataclass
class RunReport:
    files: list[FileReport] = field(default_factory=list)
    errors: list[ToolError] = field(default_factory=list)
    #: The result cache's hits and misses (None: the run used no cache).
    cache: CacheStats | None = None
    #: What the user should know about the run that is not a diagnostic (how a profile
    #: matched the checked files, existing caches that never hit...).
    notes: list[str] = field(default_factory=list)

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


def engine_options(settings: Settings, path: str | Path | None = None) -> engine.EngineOptions:
    """What the engine needs of ``settings`` for the file at ``path`` (its rules after the
    per-file ignores, the rule families' options, the target version)."""
    return engine.EngineOptions(
        rules=settings.rules_for(path),
        family_options=settings.family_options,
        target_version=settings.target_version,
    )


def diagnose(
    source: SourceText,
    settings: Settings,
    path: str | Path | None = None,
    tree: ast.Module | None = None,
    flags: int = 0,
) -> tuple[list[Diagnostic], list[ToolError]]:
    """The selected rules' diagnostics for one text (per-file ignores applied), before noqa
    comments and fix settings: what a front end with its own noqa handling (flake8) shows.
    ``flags``: compiler flags for the parse (``notebook.COMPILE_FLAGS`` for a notebook)."""
    display = display_path(path) if path is not None else "<stdin>"
    options = engine_options(settings, path)
    result = engine.check_source(source, options, display, tree, flags)
    diagnostics = result.diagnostics
    if not any(rule.code == PARSE_ERROR_CODE for rule in options.rules):
        diagnostics = [d for d in diagnostics if d.code != PARSE_ERROR_CODE]
    return diagnostics, result.errors


def lint(
    source: SourceText,
    settings: Settings,
    path: str | Path | None = None,
    tree: ast.Module | None = None,
    flags: int = 0,
) -> tuple[list[Diagnostic], list[ToolError], int]:
    """Diagnostics for one text: selected rules, per-file ignores, noqa, fix settings."""
    diagnostics, errors = diagnose(source, settings, path, tree, flags)
    if safety.is_test_path(path, settings.root):
        diagnostics = safety.demote_in_test_code(diagnostics)  # docs/fix-safety.md
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
    *,
    keep_tree: bool = False,
) -> FileReport:
    """Check one source text (bytes are decoded as Python does, honouring a coding cookie);
    a path ending in ``.ipynb`` makes it a notebook's JSON. ``keep_tree``: leave the text's
    ``ast`` in ``report.tree`` (for a profile's annotation; not for notebooks)."""
    settings = settings or default_settings()
    display = display_path(path) if path is not None else "<stdin>"
    if is_notebook(path):
        return _check_notebook(code, display, path, settings)
    try:
        source = SourceText.decode(code) if isinstance(code, bytes) else SourceText(code)
    except DecodeError as exc:
        return _unreadable(display, str(exc), settings, exc.row, exc.col)
    tree = _parse(source.text, display) if keep_tree else None
    diagnostics, errors, suppressed = lint(source, settings, path, tree)
    return FileReport(
        display, diagnostics, errors, source, suppressed=suppressed,
        unsafe_fixes=settings.unsafe_fixes, tree=tree,
    )


def _parse(text: str, path: str) -> ast.Module | None:
    """The ``ast`` as the engine parses it (None: the engine will report why it cannot)."""
    try:
        return deep.retry_deep(syntax.parse, text, path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
def is_notebook(path: str | Path | None) -> bool:
    return path is not None and str(path).endswith(NOTEBOOK_SUFFIX)


def _check_notebook(
    code: str | bytes, display: str, path: str | Path | None, settings: Settings
) -> FileReport:
    try:
        notebook = Notebook.parse(code)
    except NotebookError as exc:
        return _unreadable(display, str(exc), settings, exc.row, exc.col)
    source = SourceText(notebook.python)
    diagnostics, errors, suppressed = lint(source, settings, path, flags=NOTEBOOK_FLAGS)
    return FileReport(
        display, _within_layout(diagnostics, notebook.layout), errors, source,
        suppressed=suppressed, unsafe_fixes=settings.unsafe_fixes, notebook=notebook,
        layout=notebook.layout,
    )


def _within_layout(diagnostics: list[Diagnostic], layout: CellLayout | None) -> list[Diagnostic]:
    """A notebook's diagnostics without the fixes that would cross from one cell into another
    or touch an IPython escape."""
    if layout is None:
        return diagnostics
    return [
        d if d.fix is None or layout.allows(d.fix.edits) else replace(d, fix=None)
        for d in diagnostics
    ]


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
    flags = NOTEBOOK_FLAGS if report.notebook is not None else 0
    # The lint of the text a round starts from: the check above for the first round, the last
    # round's for the result (a file fixed in one round is linted twice, not four times).
    latest: dict[str, tuple[list[Diagnostic], list[ToolError], int]] = {
        source.text: (report.diagnostics, [], report.suppressed)
    }

    def linted(current: SourceText) -> tuple[list[Diagnostic], list[ToolError], int]:
        found = latest.get(current.text)
        if found is None:
            found = lint(current, settings, path, flags=flags)
            latest.clear()
            latest[current.text] = found
        return found

    def relint(current: SourceText) -> list[Diagnostic]:
        return linted(current)[0]

    outcome: FixOutcome = _fix_loop(
        source, relint, unsafe=use_unsafe, path=display, layout=report.layout
    )
    report.errors.extend(ToolError(display, message) for message in outcome.errors)
    if outcome.changed:
        report.fixed = outcome.source
        report.layout = outcome.layout
        report.applied = dict(outcome.applied)
        diagnostics, errors, report.suppressed = linted(outcome.source)
        report.diagnostics = _within_layout(diagnostics, report.layout)
        report.errors.extend(errors)
    return report


def _dump(text: str, flags: int) -> str:
    return ast.dump(syntax.parse(text, "<noqa>", flags))


def _same_code(before: str, after: str, flags: int = 0) -> bool:
    try:
        return deep.retry_deep(_dump, after, flags) == deep.retry_deep(_dump, before, flags)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


def add_noqa_source(report: FileReport) -> FileReport:
    """Add ``# noqa: CODE`` comments. A row where a comment would change the code (its line
    ends inside a string, or with a backslash) is left alone and reported."""
    source = report.original
    if source is None or not report.diagnostics:
        return report
    commentable = [d for d in report.diagnostics if d.code not in noqa.UNSUPPRESSIBLE]
    if report.layout is not None:
        # A comment after an IPython escape would be part of the command.
        escapes = report.layout.magic_rows(source.lines)
        for row in sorted({d.noqa_row for d in commentable if d.noqa_row in escapes}):
            report.errors.append(ToolError(
                report.path, f"{report.row_label(row)}: cannot add a noqa comment after an "
                "IPython escape"))
        commentable = [d for d in commentable if d.noqa_row not in escapes]
    if not commentable:
        return report
    flags = NOTEBOOK_FLAGS if report.notebook is not None else 0
    new_text = noqa.add_noqa_comments(source.text, source.lines, commentable)
    added = commentable
    if not _same_code(source.text, new_text, flags):
        added = []
        new_text = source.text
        for row in sorted({d.noqa_row for d in commentable}):
            on_row = [d for d in commentable if d.noqa_row == row]
            attempt = noqa.add_noqa_comments(new_text, LineIndex(new_text), on_row)
            if _same_code(source.text, attempt, flags):
                new_text = attempt
                added.extend(on_row)
            else:
                report.errors.append(ToolError(
                    report.path, f"{report.row_label(row)}: cannot add a noqa comment on this "
                    "line without changing the code (it ends inside a string or with a "
                    "backslash)"))
    if added:
        report.fixed = source.with_text(new_text)
        report.applied = {"noqa": len(added)}
        if report.layout is not None:
            report.layout = report.layout.realigned(source.lines, report.fixed.lines)
    report.diagnostics = [d for d in report.diagnostics if d not in added]
    return report


def _read_target(
    target: Target, unsafe: bool | None, keep_tree: bool = False
) -> tuple[FileReport, bytes | None]:
    """Read and check one file: its report, and its bytes (None when unreadable)."""
    try:
        raw = target.path.read_bytes()
    except OSError as exc:
        message = f"cannot read file: {exc.strerror or exc}"
        return _unreadable(display_path(target.path), message, target.settings), None
    return _check_bytes(target, raw, unsafe, keep_tree), raw


def _check_bytes(
    target: Target, raw: bytes, unsafe: bool | None, keep_tree: bool = False
) -> FileReport:
    report = check_source(raw, target.path, target.settings, keep_tree=keep_tree)
    report.path = display_path(target.path)
    if unsafe is not None:
        report.unsafe_fixes = unsafe
    return report


def _fixable_text(report: FileReport, raw: bytes) -> SourceText | None:
    """The decoded text, if writing it back gives the same bytes (else an error says so)."""
    source = report.original
    if source is not None and report.notebook is None and source.encode() != raw:
        report.errors.append(ToolError(
            report.path, f"not fixed: the file's bytes do not survive decoding and re-encoding "
            f"as {source.encoding}"))
        return None
    return source


def process_file(
    target: Target, mode: FixMode, unsafe: bool | None = None, *, keep_tree: bool = False
) -> FileReport:
    """Read, check, and (depending on ``mode``) fix and write one file."""
    try:
        raw = target.path.read_bytes()
    except OSError as exc:
        message = f"cannot read file: {exc.strerror or exc}"
        return _unreadable(display_path(target.path), message, target.settings)
    return _process_bytes(target, raw, mode, unsafe, keep_tree=keep_tree)


def _process_bytes(
    target: Target, raw: bytes, mode: FixMode, unsafe: bool | None, *, keep_tree: bool = False
) -> FileReport:
    """``process_file`` once the file's bytes are read."""
    display = display_path(target.path)
    settings = target.settings
    report = _check_bytes(target, raw, unsafe, keep_tree and mode is FixMode.CHECK)
    if report.original is None or mode is FixMode.CHECK:
        return report
    source = _fixable_text(report, raw)
    if source is None:
        return report
    as_read = (report.diagnostics, report.suppressed, report.layout)
    if mode is FixMode.ADD_NOQA:
        add_noqa_source(report)
    else:
        _fix_report(report, source, settings, target.path, unsafe)
    if mode in (FixMode.WRITE, FixMode.ADD_NOQA) and report.changed and report.fixed is not None:
        problem = _write(target, report.fixed_bytes(), raw)
        if problem is None:
            report.written = True
        else:
            # Nothing was written: the file keeps every diagnostic it was read with, and
            # nothing counts as fixed.
            report.errors.append(ToolError(display, problem))
            report.diagnostics, report.suppressed, report.layout = as_read
            report.fixed = None
            report.applied = {}
    return report


def _write(target: Target, data: bytes, expected: bytes) -> str | None:
    """Write a fixed file; None, or why it was not written."""
    if not target.writable:
        return "not written: the file is outside the named paths"
    try:
        write_atomic(target.path, data, expected)
    except (FileChangedError, ReadOnlyError) as exc:
        return str(exc)
    except OSError as exc:
        return f"cannot write file: {exc.strerror or exc}"
    return None


#: Called after each file with the number of files done and the number to do.
ProgressCallback = Callable[[int, int], None]


def check_paths(
    paths: Sequence[Path],
    resolver: ConfigResolver | None = None,
    *,
    mode: FixMode = FixMode.CHECK,
    unsafe: bool | None = None,
    force_exclude: bool = False,
    progress: ProgressCallback | None = None,
    jobs: int | None = None,
    cache: bool = True,
    cache_dir: Path | None = None,
    profile: Profile | None = None,
    hot: float | None = None,
) -> RunReport:
    """Check (and fix) every file under ``paths``; ``progress(done, total)`` after each.

    ``jobs`` worker processes share the files (None: the cores available, fewer for a few
    files; 1: this process); reports come back in the order the files were found, whatever
    the number of workers. With ``cache``, unchanged files checked before with the same
    settings are not checked again (``cache.py``; ``cache_dir`` overrides where the results
    are kept, as ``--cache-dir`` or ``PERFCODEMOD_CACHE_DIR``). Fixing reads every file it
    might write: a cached result is used only when it has nothing to fix.

    With a ``profile``, each file's diagnostics are annotated as it is checked
    (``annotate_report``); ``hot`` (a fraction) keeps those at or above that share of run time
    (default: each file's ``hot-threshold``). Such a run checks every file in this process,
    without the cache: the annotation needs each file's ``ast``, which neither keeps.
    """
    resolver = resolver or ConfigResolver()
    run = RunReport()
    found = list(discover(paths, resolver, force_exclude=force_exclude, errors=run.errors))
    if profile is not None:
        _check_profiled(found, mode, unsafe, run, progress, profile, hot)
        return run
    store = ResultCache(directory_override(cache_dir)) if cache else None
    outcomes: list[FileReport | ToolError | None] = [None] * len(found)
    done = 0

    def finished(index: int, outcome: FileReport | ToolError) -> None:
        nonlocal done
        outcomes[index] = outcome
        done += 1
        if progress is not None:
            progress(done, len(found))

    with workers.tuned_gc():
        tasks: list[_Task] = []
        indexes: list[int] = []
        for index, target in enumerate(found):
            raw = None
            if store is not None:
                verify = mode is not FixMode.CHECK  # fixing never trusts a time stamp
                lookup = store.lookup(target.path, target.settings, verify=verify)
                hit = _from_cache(target, lookup.result, lookup.raw, mode, unsafe)
                if hit is not None:
                    finished(index, hit)
                    continue
                raw = lookup.raw
            tasks.append(_Task(target, mode, unsafe, raw, store is not None))
            indexes.append(index)
        count = jobs if jobs is not None else workers.default_jobs(len(tasks))
        for index, outcome in _checked(tasks, count):
            if isinstance(outcome, ToolError):
                finished(indexes[index], outcome)
                continue
            if store is not None and outcome.stamp is not None:
                _to_cache(store, found[indexes[index]], outcome, mode)
            finished(indexes[index], outcome.report)
    for result in outcomes:
        if isinstance(result, FileReport):
            run.files.append(result)
        elif isinstance(result, ToolError):
            run.errors.append(result)
    if store is not None:
        store.save()
        run.cache = store.stats
    return run


@dataclass(frozen=True)
class _Task:
    """One file for a worker: what to do, and its bytes if the cache lookup read them."""

    target: Target
    mode: FixMode
    unsafe: bool | None
    raw: bytes | None
    stamp: bool


@dataclass
class _Checked:
    """A task's outcome: the report, the stamp of the bytes read (for the cache), and whether
    they could be decoded."""

    report: FileReport
    stamp: FileStamp | None
    decoded: bool


def _check_task(task: _Task) -> _Checked:
    """Read (unless read already), check and fix one file; with the stamp of what was read,
    for the cache (taken before reading: a file changed in between is checked again next
    time, never served stale)."""
    target = task.target
    try:
        stat = os.stat(target.path) if task.stamp else None
        raw = task.raw if task.raw is not None else target.path.read_bytes()
    except OSError as exc:
        message = f"cannot read file: {exc.strerror or exc}"
        return _Checked(
            _unreadable(display_path(target.path), message, target.settings), None, False
        )
    stamp = FileStamp.of(raw, stat) if stat is not None else None
    report = _process_bytes(target, raw, task.mode, task.unsafe)
    decoded = report.original is not None
    if not (report.diagnostics or report.errors or report.changed):
        # Nothing to show: the text need not be kept (or sent back by a worker).
        report.original = report.notebook = report.layout = None
    return _Checked(report, stamp, decoded)


_Outcome = Union[_Checked, ToolError]


def _checked(tasks: Sequence[_Task], jobs: int) -> Iterable[tuple[int, _Outcome]]:
    """Each task's outcome, by index: in this process, or spread over worker processes."""
    if jobs <= 1 or len(tasks) <= 1:
        for index, task in enumerate(tasks):
            try:
                yield index, _check_task(task)
            except Exception as exc:  # a bug costs this file its check, not the run
                if engine.DEBUG:
                    raise
                path = display_path(task.target.path)
                yield index, ToolError(path, f"internal error: {exc!r}")
        return
    sizes = [_size(task.target.path) for task in tasks]
    for done in workers.run(_check_task, tasks, min(jobs, len(tasks)), sizes=sizes):
        if isinstance(done.result, workers.TaskFailed):
            failure = done.result
            if engine.DEBUG and not failure.crashed:
                raise RuntimeError(f"{failure.message} in a worker:\n{failure.details}")
            path = display_path(tasks[done.index].target.path)
            yield done.index, ToolError(path, f"internal error: {failure.message}")
        else:
            yield done.index, done.result


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _from_cache(
    target: Target,
    result: CachedResult | None,
    raw: bytes | None,
    mode: FixMode,
    unsafe: bool | None,
) -> FileReport | None:
    """The report a cached result stands for, when ``mode`` has nothing more to do with the
    file (checking; fixing a file with nothing to fix; adding noqa to a file with nothing
    reported)."""
    if result is None:
        return None
    if mode is FixMode.ADD_NOQA and result.diagnostics:
        return None
    if mode in (FixMode.WRITE, FixMode.PREVIEW) and any(d.fix for d in result.diagnostics):
        return None
    display = display_path(target.path)
    original = notebook = None
    if raw is not None and result.decoded:
        try:
            if is_notebook(target.path):
                notebook = Notebook.parse(raw)
                original = SourceText(notebook.python)
            else:
                original = SourceText.decode(raw)
        except (DecodeError, NotebookError):
            return None
    return FileReport(
        display,
        list(result.diagnostics),
        [ToolError(display, message) for message in result.errors],
        original,
        suppressed=result.suppressed,
        unsafe_fixes=target.settings.unsafe_fixes if unsafe is None else unsafe,
        notebook=notebook,
        layout=notebook.layout if notebook is not None else None,
    )


def _to_cache(store: ResultCache, target: Target, checked: _Checked, mode: FixMode) -> None:
    """Keep what checking found, when the report is exactly that: never a fixed or written
    file's, or one whose fixes were attempted."""
    report, stamp = checked.report, checked.stamp
    if stamp is None:
        return
    if mode is not FixMode.CHECK and (
        report.fixed is not None or report.written or any(d.fix for d in report.diagnostics)
        or (mode is FixMode.ADD_NOQA and report.diagnostics)
    ):
        return
    result = CachedResult(
        tuple(report.diagnostics),
        tuple(error.message for error in report.errors),
        report.suppressed,
        checked.decoded,
    )
    store.store(target.path, target.settings, stamp, result)


def clean_caches(
    root: Path, resolver: ConfigResolver, cache_dir: Path | None = None
) -> list[Path]:
    """``perfcodemod clean``: remove the result caches under ``root`` and the one the
    settings name (``cache_dir``, ``PERFCODEMOD_CACHE_DIR`` or ``cache-dir``); directories
    without perfcodemod's ``CACHEDIR.TAG`` are left alone. Returns what was removed."""
    candidates = []
    for directory, subdirectories, _ in os.walk(root):
        if cache_module.DIRECTORY_NAME in subdirectories:
            candidates.append(Path(directory) / cache_module.DIRECTORY_NAME)
        subdirectories[:] = [
            d for d in subdirectories if d not in {".git", cache_module.DIRECTORY_NAME}
        ]
    override = cache_module.directory_override(cache_dir)
    candidates.append(cache_module.cache_directory(resolver.default, override))
    unique = list(dict.fromkeys(Path(os.path.abspath(c)) for c in candidates))
    return cache_module.clean(unique)


def _check_profiled(
    found: list[Target],
    mode: FixMode,
    unsafe: bool | None,
    run: RunReport,
    progress: ProgressCallback | None,
    profile: Profile,
    hot: float | None,
) -> None:
    """``check_paths`` with a profile: each file checked and annotated in turn."""
    from perfcodemod.profile.annotate import ProfileJoin
    from perfcodemod.profile.decisions import PROMOTABLE

    join = ProfileJoin(profile, [str(t.path) for t in found])
    # PCM402 runs where it may be promoted: files whose cache candidates were probed.
    promotable = {Path(s.file).name for s in profile.sites if s.code == PROMOTABLE}
    for done, target in enumerate(found, 1):
        _process_annotated(target, mode, unsafe, run, join, hot, promotable)
        if progress is not None:
            progress(done, len(found))
    run.notes.extend(join.notes())
    run.notes.extend(cache_notes(profile, join))


def _process_annotated(
    target: Target,
    mode: FixMode,
    unsafe: bool | None,
    run: RunReport,
    join: ProfileJoin,
    hot: float | None,
    promotable: set[str],
) -> None:
    """``_process_isolated``, then the profile's annotation while the file's tree is at hand
    (it is not kept)."""
    selection = profile_selection(target.settings, target.path)
    threshold = hot if hot is not None else target.settings.hot_threshold
    if target.path.name in promotable:
        target = replace(target, settings=evidence_settings(target.settings))
    before = len(run.files)
    _process_isolated(target, mode, unsafe, run, keep_tree=True)
    for report in run.files[before:]:
        annotate_report(report, join, hot=threshold, selection=selection)
        report.tree = None


def _process_isolated(
    target: Target, mode: FixMode, unsafe: bool | None, run: RunReport, keep_tree: bool = False
) -> None:
    """``process_file``, where a bug costs only this file its check, not the whole run."""
    try:
        run.files.append(process_file(target, mode, unsafe, keep_tree=keep_tree))
    except Exception as exc:
        if engine.DEBUG:
            raise
        run.errors.append(ToolError(display_path(target.path), f"internal error: {exc!r}"))


def targets(
    paths: Iterable[Path], resolver: ConfigResolver, force_exclude: bool = False
) -> list[Target]:
    return list(discover(list(paths), resolver, force_exclude=force_exclude))


# -- for editors: one fix, one noqa comment, the edits between two texts -----------------------


def fix_edits(source: SourceText, diagnostic: Diagnostic, path: str | Path | None = None
              ) -> tuple[Edit, ...]:
    """The edits of one diagnostic's fix, applied alone (an editor's quick fix): empty when it
    has no fix or when the result would not compile (what ``--fix`` rejects too)."""
    fix = diagnostic.fix
    if fix is None:
        return ()
    try:
        fixed = apply_edits(source.text, fix.edits)
    except ValueError:
        return ()
    display = str(path) if path is not None else "<stdin>"
    return fix.edits if verifies(source.text, fixed, display) else ()


def noqa_edit(source: SourceText, diagnostic: Diagnostic) -> Edit | None:
    """The edit that adds ``# noqa: CODE`` for one diagnostic on its row, or extends the row's
    ``# noqa: ...`` comment with the code; None when the code cannot be suppressed or a
    comment there would change the code (the line ends inside a string or with a backslash)."""
    lines = source.lines
    row = diagnostic.noqa_row
    if diagnostic.code in noqa.UNSUPPRESSIBLE or not 1 <= row <= len(lines):
        return None
    line = lines.line(row)
    new_line = noqa.add_noqa_comments(line, LineIndex(line), [replace(diagnostic, noqa_row=1)])
    if new_line == line:
        return None
    start = lines.offset(row)
    new_text = source.text[:start] + new_line + source.text[start + len(line) :]
    if not _same_code(source.text, new_text):
        return None
    return _narrowed(Edit(start, start + len(line), new_line), source.text)


def _narrowed(edit: Edit, text: str) -> Edit:
    """The same edit without the text it leaves unchanged at either end."""
    old = text[edit.start : edit.end]
    new = edit.content
    prefix = _common_prefix(old, new)
    suffix = _common_prefix(old[prefix:][::-1], new[prefix:][::-1])
    return Edit(edit.start + prefix, edit.end - suffix, new[prefix : len(new) - suffix])


def _common_prefix(a: str, b: str) -> int:
    size = min(len(a), len(b))
    index = 0
    while index < size and a[index] == b[index]:
        index += 1
    return index


def text_edits(before: str, after: str) -> list[Edit]:
    """Line-wise edits that turn ``before`` into ``after`` (what an editor applies for a whole
    file fix, so that untouched lines, and the cursor on them, stay where they are)."""
    if before == after:
        return []
    old = before.splitlines(keepends=True)
    new = after.splitlines(keepends=True)
    # Lines shared at both ends are skipped before matching the rest.
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    starts = [0]
    for line in old:
        starts.append(starts[-1] + len(line))
    old_middle = old[head : len(old) - tail]
    new_middle = new[head : len(new) - tail]
    matcher = difflib.SequenceMatcher(None, old_middle, new_middle, autojunk=False)
    edits = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            edits.append(Edit(starts[head + i1], starts[head + i2], "".join(new_middle[j1:j2])))
    return edits


@dataclass(frozen=True)
class RuleDoc:
    """What an editor shows about a rule (hover)."""

    code: str
    name: str
    summary: str
    url: str
    fix_title: str | None


def rule_doc(code: str) -> RuleDoc | None:
    rule = registry.get_rule(code)
    if rule is None:
        return None
    return RuleDoc(rule.code, rule.name, rule.summary(), rule.url(), rule.fix_title)


@dataclass
class EditorCheck:
    """One text checked for an editor."""

    report: FileReport
    #: How hot each of ``report.diagnostics`` is, from the profiles (``12.4% of run time in
    #: parse(); 3,402 calls``); None where they say nothing, or without profiles.
    hotness: list[str | None]
    #: Why the profiles could not be used (one line), or None.
    profile_problem: str | None = None


def check_for_editor(
    code: str, path: str | Path | None, settings: Settings, profiles: Sequence[Path] = ()
) -> EditorCheck:
    """Check one text as an editor shows it: ``check_source``, and with ``profiles`` the
    profile-guided mode's annotation of each diagnostic (which may also drop or demote
    findings, as on the command line).

    The language server calls this; its ``profile`` setting gives ``profiles``. They are read
    and joined once, and again only when one of the files changes on disk.
    """
    from perfcodemod.profile import ProfileError
    from perfcodemod.profile.decisions import PROMOTABLE

    if not profiles:
        report = check_source(code, path, settings)
        return EditorCheck(report, [None] * len(report.diagnostics))
    try:
        join = _editor_join(profiles)
    except ProfileError as exc:
        report = check_source(code, path, settings)
        return EditorCheck(report, [None] * len(report.diagnostics), str(exc))
    selection = profile_selection(settings, path)
    promotable = {Path(s.file).name for s in join.profile.sites if s.code == PROMOTABLE}
    if path is not None and Path(path).name in promotable:
        settings = evidence_settings(settings)
    report = check_source(code, path, settings, keep_tree=True)
    annotate_report(report, join, hot=settings.hot_threshold, selection=selection)
    report.tree = None
    return EditorCheck(report, [hotness_text(d) for d in report.diagnostics])


#: The profiles an editor asked for, read and joined, by the files' (path, size, mtime).
_EDITOR_JOINS: dict[tuple[tuple[str, int, int], ...], ProfileJoin] = {}


def _editor_join(profiles: Sequence[Path]) -> ProfileJoin:
    from perfcodemod.profile import ProfileError, load_profiles
    from perfcodemod.profile.annotate import ProfileJoin

    key = []
    for profile in profiles:
        try:
            stat = Path(profile).stat()
        except OSError as exc:
            raise ProfileError(f"{profile}: cannot read profile: {exc.strerror or exc}") from None
        key.append((str(profile), stat.st_size, stat.st_mtime_ns))
    found = _EDITOR_JOINS.get(tuple(key))
    if found is None:
        _EDITOR_JOINS.clear()  # one set of profiles at a time: the older one is stale
        found = _EDITOR_JOINS[tuple(key)] = ProfileJoin(load_profiles(profiles))
    return found


# -- profile-guided mode: what the command line, the report and an editor share ----------------

def evidence_settings(settings: Settings) -> Settings:
    """The settings to check with when a profile is given: the opt-in cache candidate
    (PCM402) runs too, unless the user ignores it explicitly, and with its possible repeats
    (a loop whose items may recur), so that the evidence can report it when its function is
    hot and a cache would hit (``annotate_*`` keeps it only then): whether arguments repeat
    is a measurement, which the probes make."""
    from perfcodemod.profile.decisions import CACHING_FAMILY, POSSIBLE_REPEATS, PROMOTABLE

    if _ignores(settings, PROMOTABLE):
        return settings
    caching = dict(settings.family_options.get(CACHING_FAMILY, {}))
    caching[POSSIBLE_REPEATS] = True
    options = {**settings.family_options, CACHING_FAMILY: caching}
    changed = replace(settings, family_options=options)
    if any(rule.code == PROMOTABLE for rule in settings.selected_rules()):
        return changed
    layer = (None, (PROMOTABLE,), ())
    return replace(changed, extra_selections=(*settings.extra_selections, layer))


def _ignores(settings: Settings, code: str) -> bool:
    ignores = [*settings.ignore, *(s for layer in settings.extra_selections for s in layer[2])]
    ignores.extend(s for _, selectors in settings.per_file_ignores for s in selectors)
    return any(s.upper() != "ALL" and code.startswith(s.upper()) for s in ignores)


def profile_selection(settings: Settings, path: str | Path | None) -> Selection:
    """What the user's (not the evidence's) settings say about PCM402 for one file."""
    from perfcodemod.profile.annotate import Selection
    from perfcodemod.profile.decisions import PROMOTABLE

    selected = any(rule.code == PROMOTABLE for rule in settings.rules_for(path))
    return Selection(pcm402_selected=selected, pcm402_allowed=not _ignores(settings, PROMOTABLE))


def annotate_report(
    report: FileReport,
    profile: Profile | ProfileJoin,
    *,
    settings: Settings | None = None,
    hot: float | None = None,
    selection: Selection | None = None,
) -> FileReport:
    """Annotate one file's diagnostics in place (``Diagnostic.profile``), drop or demote what
    the evidence says to, and return the report. Pass a ``ProfileJoin`` made once
    (``ProfileJoin(profile)``) when annotating many reports one at a time (an editor)."""
    from perfcodemod.profile.annotate import ProfileJoin

    join = profile if isinstance(profile, ProfileJoin) else ProfileJoin(profile, [report.path])
    if report.original is None:
        return report
    if selection is None:
        selection = profile_selection(settings or default_settings(), report.path)
    outcome = join.annotate(
        report.path, report.original.text if report.fixed is None else report.fixed.text,
        report.diagnostics, selection, hot, report.tree if report.fixed is None else None,
    )
    report.diagnostics = outcome.kept
    report.dropped.extend(outcome.dropped)
    return report


def annotate_run(
    run: RunReport,
    profile: Profile,
    selections: dict[str, Selection] | None = None,
    *,
    hot: float | None = None,
    resolver: ConfigResolver | None = None,
) -> RunReport:
    """Annotate every report of a run with one (merged) profile; notes go to ``run.notes``.
    ``hot`` (a fraction) keeps only findings at or above that share of run time; without it,
    each file's configured ``hot-threshold`` applies."""
    from perfcodemod.profile.annotate import ProfileJoin, Selection

    join = ProfileJoin(profile, [r.path for r in run.files])
    for report in run.files:
        threshold = hot
        if threshold is None and resolver is not None:
            threshold = resolver.for_path(Path(report.path)).hot_threshold
        selection = (selections or {}).get(report.path) or Selection()
        annotate_report(report, join, hot=threshold, selection=selection)
    run.notes.extend(join.notes())
    run.notes.extend(cache_notes(profile, join))
    return run


def cache_notes(profile: Profile, join: ProfileJoin) -> list[str]:
    """The program's own caches that never hit, or grew without a bound."""
    from perfcodemod.profile.tickets import cache_verdict

    shown = {name: checked for checked, names in join.matches.items() for name in names}
    notes = []
    for cache in profile.caches:
        verdict = cache_verdict(cache)
        if verdict is not None:
            where = shown.get(cache.file, cache.file)
            notes.append(f"{where}:{cache.first_line}: cache of {cache.name}(): {verdict}")
    return notes


def rank_statically(run: RunReport) -> RunReport:
    """Without a profile: annotate each diagnostic with the static estimate."""
    from perfcodemod.profile.static import StaticEstimator

    for report in run.files:
        if report.original is None or not report.diagnostics:
            continue
        source = report.fixed or report.original
        estimator = StaticEstimator(report.path, source.text)
        report.diagnostics = [estimator.annotate(d) for d in report.diagnostics]
    return run


def rank(run: RunReport) -> list[tuple[FileReport, Diagnostic]]:
    """Every diagnostic of the run, most urgent first (priority, estimated saving, line share,
    function share), then by place; unannotated ones keep their order after the others."""
    pairs = run.diagnostics

    def key(pair: tuple[FileReport, Diagnostic]) -> tuple[object, ...]:
        report, diagnostic = pair
        annotation = diagnostic.profile
        urgency = annotation.sort_key if annotation is not None else (4, 0.0, 0.0, 0.0)
        return (*urgency, report.path, diagnostic.sort_key)

    return sorted(pairs, key=key)


def hotness_text(diagnostic: Diagnostic) -> str | None:
    """One line about how hot a diagnostic's code is ("12.4% of run time in parse(); 3,402
    calls; ..."), or None without a profile annotation: for an editor's hover."""
    return diagnostic.profile.hotness() if diagnostic.profile is not None else None


def probe_sites(
    paths: Sequence[Path], resolver: ConfigResolver | None = None
) -> Iterator[tuple[str, list[SiteSpec]]]:
    """The sites ``perfcodemod profile`` probes: every finding under ``paths`` (the
    program's own code), with the opt-in cache candidate PCM402 as well."""
    from perfcodemod.profile.probes import SiteSpec

    resolver = resolver or ConfigResolver()
    for target in discover(list(paths), resolver):
        target = replace(target, settings=evidence_settings(target.settings))
        try:
            report = process_file(target, FixMode.CHECK)
        except Exception:  # a bug in a rule costs this file its probes, not the run
            if engine.DEBUG:
                raise
            continue
        yield str(target.path), [
            SiteSpec(d.code, d.row, d.col, d.end_row, d.end_col) for d in report.diagnostics
        ]


def record_profile(
    program: Program, options: RecordOptions, resolver: ConfigResolver | None = None
) -> Recording:
    """Run a program in this process and write its profile (``perfcodemod profile``)."""
    from perfcodemod.profile.record import record as _record


    def sites(paths: list[Path]) -> Iterator[tuple[str, list[SiteSpec]]]:
        return probe_sites(paths, resolver)

    return _record(program, options, sites)


def build_tickets(run: RunReport, profile: Profile | None) -> TicketReport:
    """The plan's optimisation tickets for an annotated run (``annotate_run``, or
    ``rank_statically`` without a profile): per function, with each finding's fix as a diff."""
    from perfcodemod.profile.join import function_spans
    from perfcodemod.profile.tickets import Finding, build, fix_diff

    findings: list[Finding] = []
    function_lines: dict[tuple[str, str], int] = {}
    for report in run.files:
        source = report.fixed or report.original
        if source is None or not report.diagnostics:
            continue
        try:
            spans = function_spans(ast.parse(source.text))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            spans = []
        for span in spans:
            function_lines.setdefault((report.path, span.qualname), span.def_line)
        for diagnostic in report.diagnostics:
            rule = registry.get_rule(diagnostic.code)
            findings.append(Finding(
                report.path, diagnostic, rule.name if rule else diagnostic.code,
                fix_diff(report.path, source.text, diagnostic),
            ))
    tickets = build(findings, profile, function_lines, [r.path for r in run.files])
    tickets.notes.extend(run.notes)
    return tickets


# -- verified fixes: keep only the fixes the project's own command accepts ---------------------

def verify_paths(
    paths: Sequence[Path],
    resolver: ConfigResolver | None = None,
    *,
    command: str | None,
    timeout: float | None = None,
    bench: str | None = None,
    bench_runs: int | None = None,
    keep_only_faster: bool = False,
    record: Path | None = None,
    use_record: bool = True,
    unsafe: bool | None = None,
    force_exclude: bool = False,
    select: Select | None = None,
    profile: Profile | None = None,
    hot: float | None = None,
    events: Callable[[str], None] | None = None,
) -> tuple[RunReport, VerifyResult]:
    """Fix the files under ``paths``, keeping only the fixes with which ``command`` (a shell
    command run in the current directory: the project's tests) still passes; with ``bench``,
    time that command before and after. ``command`` None applies every fix (``--fix --bench``).
    ``record`` is the file of rejected fixes (default ``.perfcodemod-verify.json``; not used
    when ``use_record`` is false);
    ``select`` narrows each file's fixable diagnostics; with a ``profile``, only the fixes
    that the profile's evidence keeps are tried, and with ``hot`` (a fraction; default: each
    file's ``hot-threshold``) only those at or above that share of run time. The run's
    reports describe the files as the run left them; see ``perfcodemod.verify``."""
    from perfcodemod import verify
    from perfcodemod.profile.annotate import ProfileJoin

    resolver = resolver or ConfigResolver()
    options = verify.VerifyOptions(
        command=command,
        timeout=verify.DEFAULT_TIMEOUT if timeout is None else timeout,
        bench=bench,
        bench_runs=bench_runs or verify.VerifyOptions.bench_runs,
        keep_only_faster=keep_only_faster,
        record=None if not use_record else verify.DEFAULT_RECORD if record is None else record,
    )
    run = RunReport()
    reports: dict[Path, tuple[FileReport, Settings]] = {}
    to_fix: list[verify.FileToFix] = []
    found = list(discover(paths, resolver, force_exclude=force_exclude, errors=run.errors))
    join = ProfileJoin(profile, [str(t.path) for t in found]) if profile is not None else None
    choices = {
        display_path(t.path): (
            profile_selection(t.settings, t.path),
            hot if hot is not None else t.settings.hot_threshold,
        )
        for t in found
    }
    if join is not None:
        select = _profile_select(join, choices, select)
    for target in found:
        report, raw = _read_target(target, unsafe)
        run.files.append(report)
        use_unsafe = target.settings.unsafe_fixes if unsafe is None else unsafe
        if raw is None or not any(is_applicable(d, use_unsafe) for d in report.diagnostics):
            continue
        source = _fixable_text(report, raw)
        if source is None or not target.writable:
            continue
        reports[target.path] = (report, target.settings)
        notebook = report.notebook
        flags = NOTEBOOK_FLAGS if notebook is not None else 0
        to_fix.append(verify.FileToFix(
            target.path, report.path, _record_path(target.path), raw, source,
            _fixable_lint(target.settings, target.path, use_unsafe, flags),
            layout=report.layout, flags=flags,
            dump=None if notebook is None else _notebook_dump(notebook),
        ))
    result = verify.verify_fixes(to_fix, options, select=select, events=events)
    for path, text in result.texts.items():
        report, settings = reports[path]
        report.fixed = text
        report.layout = result.layouts.get(path)
        report.written = True
        report.applied = dict(Counter(e.code for e in result.kept if e.path == report.path))
        flags = NOTEBOOK_FLAGS if report.notebook is not None else 0
        diagnostics, errors, report.suppressed = lint(text, settings, path, flags=flags)
        report.diagnostics = _within_layout(diagnostics, report.layout)
        report.errors.extend(errors)
    run.errors.extend(ToolError(path, message) for path, message in result.errors)
    if join is not None and profile is not None:
        # What remains, annotated and ranked as ``check --profile`` shows it.
        for report in run.files:
            selection, threshold = choices[report.path]
            annotate_report(report, join, hot=threshold, selection=selection)
        run.notes.extend(join.notes())
        run.notes.extend(cache_notes(profile, join))
    return run, result


def _profile_select(
    join: ProfileJoin,
    choices: dict[str, tuple[Selection, float | None]],
    then: Select | None,
) -> Select:
    """Each file's fixable diagnostics that the profile keeps (annotated, as ``check
    --profile`` shows them), at or above its hot threshold (``--hot``, or the file's
    ``hot-threshold``)."""

    def select(path: str, source: SourceText, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
        selection, threshold = choices[path]
        kept = join.annotate(path, source.text, diagnostics, selection, threshold).kept
        return then(path, source, kept) if then is not None else kept

    return select


def _fixable_lint(
    settings: Settings, path: Path, unsafe: bool, flags: int
) -> Callable[[SourceText], list[Diagnostic]]:
    def fixable(source: SourceText) -> list[Diagnostic]:
        diagnostics = lint(source, settings, path, flags=flags)[0]
        return [d for d in diagnostics if is_applicable(d, unsafe)]

    return fixable


def _notebook_dump(notebook: Notebook) -> Callable[[str, CellLayout | None], bytes]:
    def dump(text: str, layout: CellLayout | None) -> bytes:
        assert layout is not None
        return notebook.dump(text, layout)

    return dump


def _record_path(path: Path) -> str:
    """How the record of rejected fixes names a file: relative to the current directory."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()
