"""``pylint``: ``path:row: [CODE] message``, pylint's parseable shape, as ruff writes it (no
column; in a notebook the row reads ``cell N:row``)."""

from __future__ import annotations

from collections.abc import Sequence

from perfcodemod.api import FileReport
from perfcodemod.output.locations import position
from perfcodemod.output.options import Options


def render(reports: Sequence[FileReport], options: Options) -> str:
    return "".join(
        f"{report.path}:{position(report, d).row_label()}: [{d.code}] {d.message}\n"
        for report in reports
        for d in report.diagnostics
    )
