"""Formatting diagnostics: flake8-shaped text, ruff-shaped JSON, and the summary lines."""

from __future__ import annotations

import difflib
import json
import os
from collections import Counter
from collections.abc import Sequence
from typing import Any

from perfcodemod import registry
from perfcodemod.api import FileReport, RunReport
from perfcodemod.diagnostic import Applicability, Diagnostic
from perfcodemod.fixer import is_applicable
from perfcodemod.profile import tickets
from perfcodemod.profile.tickets import TicketReport
from perfcodemod.source import LINE_BREAK, LineIndex

FORMATS = ("text", "json")


def _current_lines(report: FileReport) -> LineIndex:
    source = report.fixed or report.original
    return source.lines if source is not None else LineIndex("")


def text_line(report: FileReport, diagnostic: Diagnostic, unsafe: bool | None = None) -> str:
    """``path:row:col: CODE [*] message``; ``[*]``: ``--fix`` would fix it (with unsafe fixes
    when ``unsafe``, which defaults to the file's own setting)."""
    unsafe = report.unsafe_fixes if unsafe is None else unsafe
    marker = "[*] " if is_applicable(diagnostic, unsafe) else ""
    position = f"{report.path}:{diagnostic.row}:{diagnostic.col}"
    hotness = f" {diagnostic.profile.compact()}" if diagnostic.profile is not None else ""
    return f"{position}: {diagnostic.code} {marker}{diagnostic.message}{hotness}"


def profile_object(diagnostic: Diagnostic) -> dict[str, Any] | None:
    """The JSON ``profile`` object of a diagnostic (None without a profile): what every
    format that carries it (JSON, SARIF ``properties``) writes."""
    return diagnostic.profile.to_json() if diagnostic.profile is not None else None


def _location(lines: LineIndex, offset: int) -> dict[str, int]:
    row, column = lines.position(offset)
    return {"row": row, "column": column}


def json_object(report: FileReport, diagnostic: Diagnostic) -> dict[str, Any]:
    lines = _current_lines(report)
    fix = None
    if diagnostic.fix is not None:
        fix = {
            "applicability": diagnostic.fix.applicability.value,
            "applicability_reason": diagnostic.fix.reason,
            "message": diagnostic.fix.message,
            "edits": [
                {
                    "content": edit.content,
                    "location": _location(lines, edit.start),
                    "end_location": _location(lines, edit.end),
                }
                for edit in diagnostic.fix.edits
            ],
        }
    rule = registry.get_rule(diagnostic.code)
    return {
        "cell": None,
        "code": diagnostic.code,
        "end_location": {"row": diagnostic.end_row, "column": diagnostic.end_col},
        "filename": (
            report.path if report.path in {"-", "<stdin>"} else os.path.abspath(report.path)
        ),
        "fix": fix,
        "location": {"row": diagnostic.row, "column": diagnostic.col},
        "message": diagnostic.message,
        "noqa_row": diagnostic.noqa_row,
        "profile": profile_object(diagnostic),
        "url": rule.url() if rule else None,
    }


def format_json(reports: Sequence[FileReport], dropped: bool = False) -> str:
    objects = [json_object(r, d) for r in reports for d in r.diagnostics]
    if dropped:  # --show-dropped: what the profile evidence removed, and why
        objects.extend(
            {**json_object(r, d), "dropped": reason} for r in reports for d, reason in r.dropped
        )
    return json.dumps(objects, indent=2, ensure_ascii=False)


def format_text(reports: Sequence[FileReport], unsafe: bool | None = None) -> str:
    return "".join(text_line(r, d, unsafe) + "\n" for r in reports for d in r.diagnostics)


def format_ranked(
    pairs: Sequence[tuple[FileReport, Diagnostic]], unsafe: bool | None = None
) -> str:
    """Text lines in the given order (``api.rank``: hottest first)."""
    return "".join(text_line(r, d, unsafe) + "\n" for r, d in pairs)


def dropped_listing(run: RunReport) -> str:
    """``--show-dropped``: the findings profile evidence removed, and why."""
    return "".join(
        f"{r.path}:{d.row}:{d.col}: {d.code} {d.message} [{reason}]\n"
        for r in run.files for d, reason in r.dropped
    )


def _plural(count: int, word: str) -> str:
    if count == 1:
        return f"{count} {word}"
    return f"{count} {word}es" if word.endswith(("x", "s")) else f"{count} {word}s"


def summary(run: RunReport, *, unsafe: bool | None = None, fixing: bool) -> str:
    """ruff's summary lines: counts, and how many are fixable with which option."""
    remaining = [d for _, d in run.diagnostics]
    unsafe_of = [(r.unsafe_fixes if unsafe is None else unsafe) for r, _ in run.diagnostics]
    fixed = sum(sum(r.applied.values()) for r in run.files if "noqa" not in r.applied)
    lines: list[str] = []
    if not remaining:
        errors = len(run.all_errors)
        if fixed:
            lines.append(f"Found {_plural(fixed, 'diagnostic')} ({fixed} fixed, 0 remaining).")
        elif errors:
            # Not "All checks passed!": some checks did not run.
            lines.append(f"No diagnostics, but {_plural(errors, 'error')} stopped some checks.")
        else:
            lines.append("All checks passed!")
        return "\n".join(lines) + "\n"
    if fixed:
        total = fixed + len(remaining)
        lines.append(
            f"Found {_plural(total, 'diagnostic')} ({fixed} fixed, {len(remaining)} remaining)."
        )
    else:
        lines.append(f"Found {_plural(len(remaining), 'diagnostic')}.")
    applicable = sum(1 for d, u in zip(remaining, unsafe_of) if is_applicable(d, u))
    hidden = sum(
        1 for d, u in zip(remaining, unsafe_of)
        if d.fix is not None and d.fix.applicability is Applicability.UNSAFE and not u
    )
    if applicable and not fixing:
        lines.append(f"[*] {applicable} fixable with the `--fix` option.")
    if hidden:
        lines.append(
            f"{_plural(hidden, 'hidden fix')} can be enabled with the `--unsafe-fixes` option."
        )
    return "\n".join(lines) + "\n"


def fixes_listing(run: RunReport) -> str:
    """``--show-fixes``: what was fixed, per file and rule."""
    rows: list[str] = []
    for report in run.files:
        if not report.applied or "noqa" in report.applied:
            continue
        rows.append(f"{report.path}:")
        for code, count in sorted(report.applied.items()):
            rule = registry.get_rule(code)
            rows.append(f"    {count} × {code} ({rule.name if rule else '?'})")
    if not rows:
        return ""
    total = sum(sum(r.applied.values()) for r in run.files if "noqa" not in r.applied)
    return f"Fixed {_plural(total, 'diagnostic')}:\n" + "\n".join(rows) + "\n"


def _diff_lines(text: str) -> list[str]:
    """Lines with their endings (Python's line breaks only, unlike ``str.splitlines``); a last
    line without one gets git's marker, so that the diff stays a valid patch."""
    starts = [0, *(match.end() for match in LINE_BREAK.finditer(text))]
    if starts[-1] != len(text):
        starts.append(len(text))
    lines = [text[a:b] for a, b in zip(starts, starts[1:])]
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


def unified_diff(report: FileReport) -> str:
    if report.original is None or report.fixed is None:
        return ""
    before = _diff_lines(report.original.text)
    after = _diff_lines(report.fixed.text)
    return "".join(difflib.unified_diff(before, after, report.path, report.path))


def statistics(run: RunReport, unsafe: bool | None = None) -> str:
    counts: Counter[str] = Counter(d.code for _, d in run.diagnostics)
    fixable: Counter[str] = Counter(
        d.code for r, d in run.diagnostics
        if is_applicable(d, r.unsafe_fixes if unsafe is None else unsafe)
    )
    rows = []
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        rule = registry.get_rule(code)
        marker = "[*]" if fixable[code] == count else "[-]" if fixable[code] else "   "
        rows.append(f"{count:>5}\t{code}\t{marker} {rule.name if rule else ''}")
    return "\n".join(rows) + ("\n" if rows else "")


def tickets_markdown(report: TicketReport) -> str:
    """``perfcodemod report``: the plan's optimisation tickets as Markdown."""
    return tickets.markdown(report)


def tickets_json(report: TicketReport) -> dict[str, Any]:
    """``perfcodemod report --output-format json``."""
    return tickets.as_json(report)
