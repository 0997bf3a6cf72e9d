"""What ``--verify`` and ``--bench`` print: the fixes kept, rejected (with the rule, the place and
the last lines of the failing output) and not tried, the final check, and the benchmark; or,
for ``--output-format json``, the same as data."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfcodemod.api import RunReport
from perfcodemod.output.json import json_object

if TYPE_CHECKING:
    from perfcodemod.verify import CommandResult, Comparison, FixEntry, Timing, VerifyResult

#: Lines of a failing command's output shown under each rejected fix in text.
SHOWN_LINES = 8


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _entry_line(entry: FixEntry) -> str:
    cell = f"cell {entry.cell}:" if entry.cell is not None else ""
    return f"  {entry.path}:{cell}{entry.row}:{entry.col}: {entry.code} {entry.message}"


def _quoted(output: str, lines: int = SHOWN_LINES) -> list[str]:
    shown = output.splitlines()[-lines:]
    return [f"      | {line}" for line in shown] or ["      | (no output)"]


def text_summary(result: VerifyResult) -> str:
    """The human summary (standard output): what was kept and rejected, and why."""
    options = result.options
    lines: list[str] = []
    if options.command is not None and result.baseline is not None:
        lines.append(f"Verified with `{options.command}`: the original code "
                     f"{result.baseline.describe()}.")
    if not result.completed:
        return "\n".join(lines) + "\n" if lines else ""
    if result.kept:
        lines.append(f"Kept {_plural(len(result.kept), 'fix', 'fixes')}:")
        lines.extend(_entry_line(e) for e in result.kept)
    if result.rejected:
        lines.append(f"Rejected {_plural(len(result.rejected), 'fix', 'fixes')}:")
        shown: set[str] = set()
        for entry in result.rejected:
            lines.append(_entry_line(entry))
            lines.append(f"    {entry.reason}")
            if entry.output and entry.output not in shown:
                shown.add(entry.output)
                lines.append("    its output ended:")
                lines.extend(_quoted(entry.output))
            elif entry.output:
                lines.append("    (the same output as above)")
    if result.skipped:
        where = f" (see {options.record})" if options.record is not None else ""
        lines.append(f"Not tried: {_plural(len(result.skipped), 'fix', 'fixes')} that an "
                     f"earlier run rejected{where}:")
        for entry in result.skipped:
            lines.append(_entry_line(entry))
            if entry.reason:
                lines.append(f"    {entry.reason}")
    if result.broken:
        lines.append(f"Not tried: {_plural(len(result.broken), 'fix', 'fixes')} whose result "
                     "does not compile (please report this bug):")
        lines.extend(_entry_line(e) for e in result.broken)
    if not (result.kept or result.rejected or result.skipped or result.broken):
        lines.append("Nothing to fix.")
    if result.final is not None:
        lines.append(f"The final code {result.final.describe()} "
                     f"({_plural(result.runs, 'run', 'runs')} of the command, "
                     f"{result.seconds:.1f} s in all).")
    elif options.command is not None and result.baseline is None:
        lines.append("No file changed: nothing was left to try, so the command did not run.")
    elif options.command is not None:
        lines.append(f"No file changed ({_plural(result.runs, 'run', 'runs')} of the command, "
                     f"{result.seconds:.1f} s in all).")
    if result.bench is not None and options.bench is not None:
        lines.append(bench_line(options.bench, result.bench, options.bench_runs))
    elif options.bench is not None:
        lines.append(f"Benchmark `{options.bench}` not run: no file changed.")
    return "\n".join(lines) + "\n"


def _seconds(value: float) -> str:
    if value >= 1:
        return f"{value:.3f} s"
    return f"{value * 1000:.1f} ms"


def _timing(timing: Timing) -> str:
    return f"{_seconds(timing.median)} ({_seconds(timing.low)}–{_seconds(timing.high)})"


def bench_line(command: str, comparison: Comparison, runs: int) -> str:
    return (
        f"Benchmark `{command}` ({runs} runs each, alternating; median (lowest–highest)): "
        f"before {_timing(comparison.before)}, after {_timing(comparison.after)}: "
        f"{comparison.change:+.1%}, {comparison.verdict} "
        f"(Mann-Whitney U p = {comparison.p_value:.3g}; shift {comparison.shift * 1000:+.1f} ms)"
    )


def failure_text(result: VerifyResult) -> str:
    """Why the run stopped (standard error), with the failing output's last lines."""
    lines = [f"perfcodemod: error: {result.message}"]
    if result.output:
        lines.append("its output ended:")
        lines.extend(line[4:] for line in _quoted(result.output, 20))
    return "\n".join(lines) + "\n"


def left_alone_lines(result: VerifyResult) -> list[str]:
    return [f"{path}: left alone: {reason}" for path, reason in result.left_alone]


# -- JSON -------------------------------------------------------------------------------------


def _command(result: CommandResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "command": result.command,
        "passed": result.passed,
        "returncode": result.returncode,
        "timed_out": result.timed_out,
        "seconds": round(result.seconds, 4),
        "output_tail": result.tail,
    }


def _entry(entry: FixEntry) -> dict[str, Any]:
    return {
        "filename": str(Path(entry.path).resolve()),
        "code": entry.code,
        "message": entry.message,
        "cell": entry.cell,
        "location": {"row": entry.row, "column": entry.col},
        "key": entry.key,
        "reason": entry.reason or None,
        "output_tail": entry.output or None,
    }


def _timing_data(timing: Timing) -> dict[str, Any]:
    return {
        "median": timing.median,
        "low": timing.low,
        "high": timing.high,
        "samples": list(timing.samples),
    }


def verification_data(run: RunReport, result: VerifyResult) -> dict[str, Any]:
    """``--output-format json`` with ``--verify``/``--bench``: the verification, and the
    diagnostics that remain (ruff's objects, as the plain ``json`` format gives them)."""
    options = result.options
    bench = None
    if result.bench is not None:
        comparison = result.bench
        bench = {
            "command": options.bench,
            "runs": options.bench_runs,
            "before": _timing_data(comparison.before),
            "after": _timing_data(comparison.after),
            "change": comparison.change,
            "shift": comparison.shift,
            "p_value": comparison.p_value,
            "measurable": comparison.measurable,
            "verdict": comparison.verdict,
        }

    def entries(items: Sequence[FixEntry]) -> list[dict[str, Any]]:
        return [_entry(e) for e in items]

    verification = {
        "status": result.status.value,
        "message": result.message or None,
        "output_tail": result.output or None,
        "command": options.command,
        "timeout": options.timeout,
        "runs": result.runs,
        "seconds": round(result.seconds, 3),
        "baseline": _command(result.baseline),
        "final": _command(result.final),
        "kept": entries(result.kept),
        "rejected": entries(result.rejected),
        "skipped": entries(result.skipped),
        "broken": entries(result.broken),
        "left_alone": [{"filename": p, "reason": r} for p, r in result.left_alone],
        "restored": result.restored,
        "record": str(options.record) if options.record is not None else None,
        "bench": bench,
        "signal": result.signal,
    }
    diagnostics = [json_object(report, d) for report, d in run.diagnostics]
    return {"verification": verification, "diagnostics": diagnostics}
