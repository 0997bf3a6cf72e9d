"""``json`` and ``json-lines``: ruff's JSON objects, one per diagnostic.

``json`` writes one array; ``json-lines`` one object per line (for streaming consumers). Rows
and columns are 1-based and count characters; edit positions refer to the same text as the
diagnostics (the fixed text after ``--fix``). Each fix also says why it is safe or unsafe
(``applicability_reason``), which ruff's users ask for and ruff does not give.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from perfcodemod import registry
from perfcodemod.api import FileReport
from perfcodemod.diagnostic import Diagnostic, Edit
from perfcodemod.output.locations import absolute_path, noqa_row, offset_location, position
from perfcodemod.output.options import Options


def _edit(report: FileReport, edit: Edit) -> dict[str, Any]:
    """A fix edit. In a notebook its rows count within its own cell, which it names: an
    added import may be in another cell than the diagnostic."""
    cell, row, column = offset_location(report, edit.start, end=edit.start == edit.end)
    _, end_row, end_column = offset_location(report, edit.end, end=True)
    found: dict[str, Any] = {"content": edit.content}
    if report.notebook is not None:
        found["cell"] = cell
    found["location"] = {"row": row, "column": column}
    found["end_location"] = {"row": end_row, "column": end_column}
    return found


def json_object(report: FileReport, diagnostic: Diagnostic) -> dict[str, Any]:
    fix = None
    if diagnostic.fix is not None:
        fix = {
            "applicability": diagnostic.fix.applicability.value,
            "applicability_reason": diagnostic.fix.reason,
            "message": diagnostic.fix.message,
            "edits": [_edit(report, edit) for edit in diagnostic.fix.edits],
        }
    rule = registry.get_rule(diagnostic.code)
    where = position(report, diagnostic)
    return {
        "cell": where.cell,
        "code": diagnostic.code,
        "end_location": {"row": where.end_row, "column": where.end_col},
        "filename": absolute_path(report),
        "fix": fix,
        "location": {"row": where.row, "column": where.col},
        "message": diagnostic.message,
        "noqa_row": noqa_row(report, diagnostic),
        "profile": profile_object(diagnostic),
        "url": rule.url() if rule else None,
    }


def profile_object(diagnostic: Diagnostic) -> dict[str, Any] | None:
    """The ``profile`` object of a diagnostic (None without a profile): what every format
    that carries it (JSON, SARIF ``properties``) writes."""
    return diagnostic.profile.to_json() if diagnostic.profile is not None else None


def _objects(reports: Sequence[FileReport], dropped: bool) -> list[dict[str, Any]]:
    objects = [json_object(r, d) for r in reports for d in r.diagnostics]
    if dropped:  # --show-dropped: what the profile evidence removed, and why
        objects.extend(
            {**json_object(r, d), "dropped": reason} for r in reports for d, reason in r.dropped
        )
    return objects


def format_json(reports: Sequence[FileReport], dropped: bool = False) -> str:
    return json.dumps(_objects(reports, dropped), indent=2, ensure_ascii=False)


def render(reports: Sequence[FileReport], options: Options) -> str:
    return format_json(reports, options.show_dropped) + "\n"


def render_lines(reports: Sequence[FileReport], options: Options) -> str:
    return "".join(
        json.dumps(item, ensure_ascii=False) + "\n"
        for item in _objects(reports, options.show_dropped)
    )
