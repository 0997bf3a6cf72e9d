"""``text`` (the default) and ``concise``: one line per diagnostic, flake8's shape.

``path:row:col: CODE [*] message``, where ``[*]`` marks a fix that ``--fix`` would apply (with
``--unsafe-fixes``, unsafe ones too). In a notebook the position reads ``cell N:row:col``.
"""

from __future__ import annotations

from collections.abc import Sequence

from perfcodemod.api import FileReport, RunReport, rank
from perfcodemod.diagnostic import Diagnostic
from perfcodemod.fixer import is_applicable
from perfcodemod.output.locations import position
from perfcodemod.output.options import Options


def code_and_message(
    report: FileReport, diagnostic: Diagnostic, unsafe: bool | None = None
) -> str:
    """``CODE [*] message``: the part of a line every human format shares."""
    unsafe = report.unsafe_fixes if unsafe is None else unsafe
    marker = "[*] " if is_applicable(diagnostic, unsafe) else ""
    return f"{diagnostic.code} {marker}{diagnostic.message}"


def text_line(report: FileReport, diagnostic: Diagnostic, unsafe: bool | None = None) -> str:
    """``path:row:col: CODE [*] message``; ``[*]``: ``--fix`` would fix it (with unsafe fixes
    when ``unsafe``, which defaults to the file's own setting)."""
    where = position(report, diagnostic).label()
    hotness = f" {diagnostic.profile.compact()}" if diagnostic.profile is not None else ""
    return f"{report.path}:{where}: {code_and_message(report, diagnostic, unsafe)}{hotness}"


def format_text(reports: Sequence[FileReport], unsafe: bool | None = None) -> str:
    return "".join(text_line(r, d, unsafe) + "\n" for r in reports for d in r.diagnostics)


def format_ranked(reports: Sequence[FileReport], unsafe: bool | None = None) -> str:
    """Every file's lines together, most urgent first (``api.rank``)."""
    pairs = rank(RunReport(list(reports)))
    return "".join(text_line(r, d, unsafe) + "\n" for r, d in pairs)


def dropped_listing(run: RunReport) -> str:
    """``--show-dropped``: the findings profile evidence removed, and why."""
    return "".join(
        f"{text_line(r, d)} [{reason}]\n" for r in run.files for d, reason in r.dropped
    )


def render(reports: Sequence[FileReport], options: Options) -> str:
    if options.ranked:
        return format_ranked(reports, options.unsafe)
    return format_text(reports, options.unsafe)
