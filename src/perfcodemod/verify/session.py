"""A verification run: keep only the fixes that the user's command accepts.

1. The command runs on the original code; if it fails, nothing is changed.
2. Rounds: every file is linted (on what was kept so far); its applicable fixes become fix
   units (:mod:`perfcodemod.verify.units`), minus those rejected earlier in the run or by an
   earlier run (:mod:`perfcodemod.verify.record`), minus those that overlap another (they wait
   for the next round). All of them are written and the command runs once. When it fails, the
   group is split, by files while it spans several files, then into halves, and searched:

   - ``search(C)``, where the kept fixes plus ``C`` fail: one unit left is rejected;
     otherwise the first half ``A`` is tested with what is kept; if that passes ``A`` is kept
     and the failure is in the second half, searched; else ``A`` is searched, then the second
     half is tested on top of what ``A`` gave, and kept or searched.

   A fix that fails is found in about ``log2(n)`` runs; a group that passes costs one. Each
   test writes the base text of the round with the chosen units' edits (units of one round are
   computed on the same text and do not overlap, so any subset applies cleanly); what later
   becomes possible (a chain of lists, fixes whose edits overlapped) comes from re-linting
   the result in the next round.
3. The command runs once more on the final tree; it must pass (if it does not, the tests are
   not deterministic enough to trust, and everything is put back).
4. With a benchmark command, the two trees are timed (:mod:`perfcodemod.verify.bench`);
   ``keep_only_faster`` first times each changed file with and without its fixes and puts
   back those that make the benchmark slower beyond noise.

Every file is restored byte for byte (times included) when the run is interrupted (SIGINT,
SIGTERM, SIGHUP), when a command outlives its time limit (its process group is killed), when
the final check or a benchmark run fails, or on any unexpected error; a file that someone else
changed is left alone and reported (:mod:`perfcodemod.verify.workspace`).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from perfcodemod.diagnostic import Diagnostic
from perfcodemod.fixer import MAX_ROUNDS, apply_edits
from perfcodemod.notebook import CellLayout
from perfcodemod.source import LineIndex, SourceText
from perfcodemod.verify.bench import DEFAULT_RUNS, BenchFailed, Comparison, measure
from perfcodemod.verify.command import (
    CommandResult,
    Interrupted,
    deferred_signals,
    interruptible,
    run_command,
)
from perfcodemod.verify.record import DEFAULT_PATH, RecordError, Rejection, RejectionRecord
from perfcodemod.verify.units import FixUnit, choose_units, edits_in, units_of
from perfcodemod.verify.workspace import Workspace

#: The default time limit of one run of the command, in seconds.
DEFAULT_TIMEOUT = 600.0

#: A file's applicable fixes in a text (what ``--fix`` would apply).
Lint = Callable[[SourceText], Sequence[Diagnostic]]
#: Which of a file's fixable diagnostics to try (all, or those a profile says are hot).
Select = Callable[[str, SourceText, list[Diagnostic]], list[Diagnostic]]
#: Progress, one line at a time.
Events = Callable[[str], None]


@dataclass
class FileToFix:
    path: Path
    #: As shown to the user.
    display: str
    #: As recorded in the record of rejected fixes (relative to the command's directory).
    record_path: str
    raw: bytes
    source: SourceText
    lint: Lint
    #: A notebook's cells in ``source`` (its code cells joined); None for a Python file.
    layout: CellLayout | None = None
    #: The file's bytes for a version of its text (default: ``source``'s encoding).
    dump: Callable[[str, CellLayout | None], bytes] | None = None
    #: Compiler flags for checking that a fixed version compiles.
    flags: int = 0

    def encode(self, text: str, layout: CellLayout | None) -> bytes:
        if text == self.source.text:
            return self.raw
        if self.dump is not None:
            return self.dump(text, layout)
        return self.source.with_text(text).encode()


@dataclass(frozen=True)
class VerifyOptions:
    #: The command that must pass (None: apply every fix, for a benchmark alone).
    command: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    bench: str | None = None
    bench_runs: int = DEFAULT_RUNS
    keep_only_faster: bool = False
    #: The record of rejected fixes (None: neither read nor written).
    record: Path | None = DEFAULT_PATH
    #: Where the commands run (None: the current directory).
    cwd: Path | None = None
    max_rounds: int = MAX_ROUNDS


class Status(str, enum.Enum):
    COMPLETED = "completed"
    BASELINE_FAILED = "baseline-failed"
    FINAL_CHECK_FAILED = "final-check-failed"
    BENCH_FAILED = "bench-failed"
    TIMED_OUT = "timed-out"
    INTERRUPTED = "interrupted"
    ERROR = "error"


@dataclass(frozen=True)
class FixEntry:
    """One diagnostic whose fix was kept, rejected or skipped."""

    path: str
    code: str
    message: str
    #: Where it is: in the final text for fixes not applied, in the text the fix was applied
    #: to for kept ones (in a notebook, the cell's number and the row within the cell).
    row: int
    col: int
    key: str
    reason: str = ""
    #: The last lines of the output of the run that rejected it.
    output: str = ""
    cell: int | None = None


@dataclass
class VerifyResult:
    options: VerifyOptions
    status: Status = Status.COMPLETED
    #: Why the run stopped early (empty when it completed).
    message: str = ""
    baseline: CommandResult | None = None
    final: CommandResult | None = None
    #: How many times the command ran (the baseline and the final check included; the
    #: benchmark's runs are not counted).
    runs: int = 0
    kept: list[FixEntry] = field(default_factory=list)
    rejected: list[FixEntry] = field(default_factory=list)
    #: Fixes that an earlier run rejected (found in the record), not tried again.
    skipped: list[FixEntry] = field(default_factory=list)
    #: Fixes whose result did not compile (a bug in a rule), not tried.
    broken: list[FixEntry] = field(default_factory=list)
    #: Files changed by someone else during the run, left alone, and why.
    left_alone: list[tuple[str, str]] = field(default_factory=list)
    #: Problems with single files (a rule that crashed on one).
    errors: list[tuple[str, str]] = field(default_factory=list)
    #: Every file was put back as it was.
    restored: bool = False
    bench: Comparison | None = None
    #: The final text of every file that changed (and where a notebook's cells are in it).
    texts: dict[Path, SourceText] = field(default_factory=dict)
    layouts: dict[Path, CellLayout | None] = field(default_factory=dict)
    seconds: float = 0.0
    #: The signal that interrupted the run.
    signal: int | None = None
    #: The output of the failing command when the run stopped because of it.
    output: str = ""

    @property
    def completed(self) -> bool:
        return self.status is Status.COMPLETED


class _Abort(Exception):
    def __init__(self, status: Status, message: str, output: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.output = output


def verify_fixes(
    files: Sequence[FileToFix],
    options: VerifyOptions,
    *,
    select: Select | None = None,
    events: Events | None = None,
) -> VerifyResult:
    """Apply the fixes of ``files`` that ``options.command`` accepts (see the module's
    documentation); the files end in the state the result describes."""
    return _Session(files, options, select, events).run()


class _Session:
    def __init__(
        self,
        files: Sequence[FileToFix],
        options: VerifyOptions,
        select: Select | None,
        events: Events | None,
    ) -> None:
        self.files = list(files)
        self.options = options
        self.select = select
        self.events = events
        self.result = VerifyResult(options)
        self.workspace = Workspace()
        self.record = RejectionRecord(None)
        #: The text each file has with the fixes kept so far.
        self.base: dict[Path, str] = {f.path: f.source.text for f in self.files}
        self.layouts: dict[Path, CellLayout | None] = {f.path: f.layout for f in self.files}
        self.by_path = {f.path: f for f in self.files}
        self.by_display = {f.display: f for f in self.files}
        self.rejected_keys: set[str] = set()
        self.skipped_keys: set[str] = set()
        self.linted: set[str] = set()
        self.kept_units: dict[Path, list[FixUnit]] = {}
        #: Files not fixed because linting them failed.
        self.disabled: set[Path] = set()
        #: Files with no fix left to try.
        self.settled: set[Path] = set()

    # -- the run ----------------------------------------------------------------------------

    def run(self) -> VerifyResult:
        start = time.perf_counter()
        result = self.result
        # Signals are held outside ``interruptible`` too, so that one arriving while the files
        # are put back cannot stop that (SIGTERM's default would end the process).
        with deferred_signals(reraise=False):
            try:
                self.record = RejectionRecord.load(self.options.record)
            except RecordError as exc:
                result.status, result.message = Status.ERROR, str(exc)
                return result
            try:
                with interruptible():
                    self._run()
            except Interrupted as exc:
                result.status, result.signal = Status.INTERRUPTED, exc.signum
                result.message = f"interrupted by {exc}"
                self._restore()
            except _Abort as exc:
                result.status, result.message, result.output = exc.status, exc.message, exc.output
                self._restore()
            except Exception as exc:
                result.status = Status.ERROR
                result.message = f"internal error: {exc!r}"
                self._restore()
                if _debug():
                    raise
        result.seconds = time.perf_counter() - start
        return result

    def _run(self) -> None:
        for file in self.files:
            self.workspace.track(file.path, file.display, file.raw)
        command = self.options.command
        # The first round is planned before anything runs: with nothing to try (every fix
        # rejected before), the command need not run at all.
        plan = self._plan() if self.files else []
        if command is not None and plan:
            self._event(f"running `{command}` on the original code")
            baseline = self.result.baseline = self._execute(command, "the original code")
            if not baseline.passed:
                self.result.status = Status.BASELINE_FAILED
                self.result.message = (
                    f"the command {baseline.describe()} on the original code; nothing was changed"
                )
                self.result.output = baseline.tail
                return
            self._event(f"the original code {baseline.describe()}")
        for round_number in range(self.options.max_rounds):
            if round_number:
                plan = self._plan()
            if not plan:
                break
            self._try(plan)
        self._write_kept()
        if command is not None and self.workspace.changed:
            self._final_check(command)
        if self.options.bench is not None:
            self._bench(self.options.bench)
        for tracked in self.workspace.changed:
            file = self.by_path[tracked.path]
            self.result.texts[file.path] = file.source.with_text(self.base[file.path])
            self.result.layouts[file.path] = self.layouts[file.path]
        self.result.left_alone.extend((t.display, t.foreign_reason) for t in self.workspace.foreign)
        self._relocate()
        for entries in (self.result.kept, self.result.rejected, self.result.skipped):
            entries.sort(key=lambda entry: (entry.path, entry.cell or 0, entry.row, entry.col))
        try:
            self.record.save(
                f.record_path for f in self.files
                if f.display in self.linted and not self.workspace.files[f.path].foreign
            )
        except RecordError as exc:
            self.result.errors.append((str(self.options.record), str(exc)))

    # -- choosing the fixes of a round ------------------------------------------------------

    def _plan(self) -> list[FixUnit]:
        plan: list[FixUnit] = []
        for file in self.files:
            if (
                self.workspace.files[file.path].foreign
                or file.path in self.disabled
                or file.path in self.settled
            ):
                continue
            try:
                plan.extend(self._candidates(file))
            except Interrupted:
                raise
            except Exception as exc:
                if _debug():
                    raise
                self.result.errors.append((file.display, f"not fixed: internal error: {exc!r}"))
                self.linted.discard(file.display)
                self.disabled.add(file.path)
        return plan

    def _candidates(self, file: FileToFix) -> list[FixUnit]:
        text = self.base[file.path]
        source = file.source.with_text(text)
        diagnostics = [d for d in file.lint(source) if d.fix is not None]
        self.linted.add(file.display)
        # Every fix is looked up in the record, selected or not, so that the record keeps
        # what a narrower run (``--hot``) did not try.
        known = {
            key: rejection
            for unit in units_of(file.record_path, text, diagnostics)
            for key in unit.keys
            if (rejection := self.record.find([key])) is not None
        }
        if self.select is not None:
            diagnostics = self.select(file.display, source, diagnostics)
        fresh: list[FixUnit] = []
        layout = self.layouts[file.path]
        for unit in units_of(file.record_path, text, diagnostics):
            if any(key in self.rejected_keys for key in unit.keys):
                continue
            if layout is not None and not layout.allows(unit.edits):
                continue  # it would cross a notebook's cells or touch an IPython escape
            earlier = next((known[key] for key in unit.keys if key in known), None)
            if earlier is not None:
                if not self.skipped_keys.intersection(unit.keys):
                    self.skipped_keys.update(unit.keys)
                    self.result.skipped.extend(
                        self._entries(unit, text, earlier.reason, earlier.output)
                    )
                continue
            fresh.append(unit)
        if not fresh:
            # Its text changes only through its own fixes: nothing will come of it any more.
            self.settled.add(file.path)
        chosen, broken = choose_units(fresh, text, file.display, file.flags)
        for unit in broken:
            self.rejected_keys.update(unit.keys)
            self.result.broken.extend(self._entries(
                unit, text, "the fixed code does not compile (a bug in the rule)"))
        return chosen

    # -- testing a round's fixes ------------------------------------------------------------

    def _try(self, plan: list[FixUnit]) -> None:
        command = self.options.command
        files = len({unit.path for unit in plan})
        count = sum(len(unit.diagnostics) for unit in plan)
        accepted: list[FixUnit] = []
        if command is None:
            accepted = list(plan)
        else:
            self._event(f"testing {_plural(count, 'fix', 'fixes')} in "
                        f"{_plural(files, 'file', 'files')}")
            outcome = self._test(plan, plan, command)
            if outcome.passed:
                accepted = list(plan)
            else:
                self._search(plan, plan, accepted, outcome, command)
        # What was kept becomes the base of the next round.
        for file_path, units in _by_file(self.by_display, accepted).items():
            if self.workspace.files[file_path].foreign:
                continue
            text = self.base[file_path]
            for unit in units:
                self.result.kept.extend(self._entries(unit, text))
            self.base[file_path], self.layouts[file_path] = self._version(file_path, units)
            self.kept_units.setdefault(file_path, []).extend(units)
        self._write_kept()

    def _search(
        self,
        plan: list[FixUnit],
        candidates: list[FixUnit],
        accepted: list[FixUnit],
        failure: CommandResult,
        command: str,
    ) -> None:
        """``accepted`` plus ``candidates`` fail (``failure`` is that run): find the units to
        reject, adding the others to ``accepted``."""
        if len(candidates) == 1:
            self._reject(candidates[0], failure, command)
            return
        first, second = _split(candidates)
        outcome = self._test(plan, [*accepted, *first], command)
        if outcome.passed:
            accepted.extend(first)
            self._search(plan, second, accepted, failure, command)
            return
        self._search(plan, first, accepted, outcome, command)
        outcome = self._test(plan, [*accepted, *second], command)
        if outcome.passed:
            accepted.extend(second)
        else:
            self._search(plan, second, accepted, outcome, command)

    def _test(self, plan: list[FixUnit], applied: list[FixUnit], command: str) -> CommandResult:
        """Write the round's files with the ``applied`` units and run the command."""
        self._write_round(plan, applied)
        count = sum(len(unit.diagnostics) for unit in applied)
        return self._execute(command, f"{_plural(count, 'fix', 'fixes')} applied")

    def _write_round(self, plan: list[FixUnit], applied: list[FixUnit]) -> None:
        chosen = _by_file(self.by_display, applied)
        for file_path in _by_file(self.by_display, plan):
            self._write(file_path, *self._version(file_path, chosen.get(file_path, [])))

    def _version(
        self, path: Path, units: Sequence[FixUnit]
    ) -> tuple[str, CellLayout | None]:
        """The text (and cell layout) of ``path`` with the units applied to what is kept."""
        edits = edits_in(units)
        layout = self.layouts[path]
        if layout is not None and edits:
            layout = layout.moved(edits)
        return apply_edits(self.base[path], edits), layout

    def _write_kept(self) -> None:
        for file in self.files:
            self._write(file.path, self.base[file.path], self.layouts[file.path])

    def _write(self, path: Path, text: str, layout: CellLayout | None) -> None:
        self.workspace.write(path, self.by_path[path].encode(text, layout))

    def _reject(self, unit: FixUnit, failure: CommandResult, command: str) -> None:
        text = self.base[self.by_display[unit.path].path]
        reason = f"the command {failure.describe()}"
        self.rejected_keys.update(unit.keys)
        entries = self._entries(unit, text, reason, failure.tail)
        self.result.rejected.extend(entries)
        for key, entry in zip(unit.keys, entries):
            self.record.add(Rejection(
                key, self.by_display[unit.path].record_path, entry.code, entry.row,
                entry.message, reason, command, entry.output,
            ))
        self._event(f"rejected: {unit.path}:{entries[0].row}: {unit.codes}")

    # -- the command ------------------------------------------------------------------------

    def _execute(self, command: str, what: str, *, bench: bool = False) -> CommandResult:
        result = run_command(command, timeout=self.options.timeout, cwd=self.options.cwd)
        if not bench:
            self.result.runs += 1
        if result.timed_out:
            raise _Abort(
                Status.TIMED_OUT,
                f"`{command}` did not finish within {self.options.timeout:g} s "
                f"(--verify-timeout) with {what}; it was stopped and every file was put back",
                result.tail,
            )
        for tracked in self.workspace.check_unchanged():
            self._event(f"{tracked.display} changed on disk during the run: left alone")
        return result

    def _final_check(self, command: str) -> None:
        self._event("running the command once more on the final code")
        final = self.result.final = self._execute(command, "the final code")
        if not final.passed:
            raise _Abort(
                Status.FINAL_CHECK_FAILED,
                f"the final check {final.describe()} although every fix it holds had passed: "
                "the command does not give the same answer twice (flaky tests?); every file "
                "was put back",
                final.tail,
            )
        self._event(f"the final code {final.describe()}")

    # -- benchmarks -------------------------------------------------------------------------

    def _bench(self, bench: str) -> None:
        if self.options.keep_only_faster:
            reverted = [path for path in list(self.kept_units) if self._slower(bench, path)]
            if reverted and self.options.command is not None and self.workspace.changed:
                self._final_check(self.options.command)
        changed = [t.path for t in self.workspace.changed]
        if not changed:
            return
        self._event(f"timing `{bench}` before and after the fixes")
        self.result.bench = self._measure(bench, changed)
        self._event(f"benchmark: {self.result.bench.verdict}")

    def _slower(self, bench: str, path: Path) -> bool:
        """Time the benchmark without and with ``path``'s fixes; put them back if they make
        it slower beyond noise."""
        file = self.by_path[path]
        if self.workspace.files[path].foreign:
            return False
        self._event(f"timing `{bench}` with and without the fixes of {file.display}")
        comparison = self._measure(bench, [path])
        if not comparison.slower:
            return False
        reason = (f"the benchmark got slower with the fixes of this file "
                  f"({comparison.change:+.1%}, p = {comparison.p_value:.3g})")
        units = self.kept_units.pop(path)
        keys = {key for unit in units for key in unit.keys}
        for entry in [e for e in self.result.kept if e.key in keys]:
            self.result.kept.remove(entry)
            rejected = FixEntry(entry.path, entry.code, entry.message, entry.row, entry.col,
                                entry.key, reason)
            self.result.rejected.append(rejected)
            self.record.add(Rejection(
                entry.key, file.record_path, entry.code, entry.row, entry.message, reason, bench,
                "",
            ))
        self.base[path], self.layouts[path] = file.source.text, file.layout
        self._write(path, file.source.text, file.layout)
        self._event(f"put back {file.display}: {reason}")
        return True

    def _measure(self, bench: str, paths: list[Path]) -> Comparison:
        final = {path: (self.base[path], self.layouts[path]) for path in paths}

        def run(side: str) -> CommandResult:
            for path in paths:
                file = self.by_path[path]
                original = (file.source.text, file.layout)
                self._write(path, *(final[path] if side == "after" else original))
            return self._execute(bench, f"the {side} code", bench=True)

        try:
            comparison = measure(run, self.options.bench_runs)
        except BenchFailed as exc:
            status = Status.BASELINE_FAILED if exc.side == "before" else Status.BENCH_FAILED
            raise _Abort(status, f"{exc}; every file was put back", exc.result.tail) from None
        for path in paths:
            self._write(path, *final[path])
        return comparison

    # -- results ----------------------------------------------------------------------------

    def _entries(
        self, unit: FixUnit, text: str, reason: str = "", output: str = ""
    ) -> list[FixEntry]:
        """Entries for ``unit``'s diagnostics (found in ``text``, the base of the round)."""
        layout = self.layouts[self.by_display[unit.path].path]
        entries = []
        for diagnostic, key in zip(unit.diagnostics, unit.keys):
            row, col, cell = _place(diagnostic, text, layout)
            entries.append(FixEntry(
                unit.path, diagnostic.code, diagnostic.message, row, col, key, reason, output,
                cell,
            ))
        return entries

    def _relocate(self) -> None:
        """Rows and columns of the fixes not applied, in the final text (kept fixes of a
        later round may have moved them)."""
        entries = [*self.result.rejected, *self.result.skipped]
        for file in self.files:
            mine = [e for e in entries if e.path == file.display]
            if not mine or file.path in self.disabled or file.source.text == self.base[file.path]:
                continue
            text, layout = self.base[file.path], self.layouts[file.path]
            found = {
                key: diagnostic
                for unit in units_of(file.record_path, text, [
                    d for d in file.lint(file.source.with_text(text)) if d.fix is not None
                ])
                for key, diagnostic in zip(unit.keys, unit.diagnostics)
            }
            for kind in (self.result.rejected, self.result.skipped):
                for index, entry in enumerate(kind):
                    diagnostic = found.get(entry.key)
                    if entry.path == file.display and diagnostic is not None:
                        row, col, cell = _place(diagnostic, text, layout)
                        kind[index] = replace(entry, row=row, col=col, cell=cell)

    def _restore(self) -> None:
        skipped = self.workspace.restore()
        self.result.restored = True
        self.result.texts.clear()
        self.result.left_alone = [(t.display, t.foreign_reason) for t in skipped]

    def _event(self, message: str) -> None:
        if self.events is not None:
            self.events(message)


def _place(
    diagnostic: Diagnostic, text: str, layout: CellLayout | None
) -> tuple[int, int, int | None]:
    """A diagnostic's row and column in ``text``; in a notebook, the row in its cell, and the
    cell's number."""
    if layout is None or not layout.starts:
        return diagnostic.row, diagnostic.col, None
    cell, row, col = layout.locate(LineIndex(text), diagnostic.start)
    return row, col, cell


def _by_file(
    files: dict[str, FileToFix], units: Sequence[FixUnit]
) -> dict[Path, list[FixUnit]]:
    grouped: dict[Path, list[FixUnit]] = {}
    for unit in units:
        grouped.setdefault(files[unit.path].path, []).append(unit)
    return grouped


def _split(units: list[FixUnit]) -> tuple[list[FixUnit], list[FixUnit]]:
    """Two halves: whole files while the units span several, else the list's halves."""
    paths = list(dict.fromkeys(unit.path for unit in units))
    if len(paths) > 1:
        first_paths = set(paths[: len(paths) // 2])
        return (
            [u for u in units if u.path in first_paths],
            [u for u in units if u.path not in first_paths],
        )
    middle = len(units) // 2
    return units[:middle], units[middle:]


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _debug() -> bool:
    import os

    return bool(os.environ.get("PERFCODEMOD_DEBUG"))
