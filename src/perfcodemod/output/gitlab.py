"""``gitlab``: a GitLab Code Quality report (Code Climate JSON), for
``artifacts: reports: codequality:``.

Each finding: ``description`` (``CODE: message``), ``check_name`` (the code), ``fingerprint``,
``severity`` (``minor`` for a finding, ``major`` for a file that could not be checked), and
``location`` with ``path`` relative to the project (``$CI_PROJECT_DIR`` when set, as ruff does,
else the working directory) and ``lines.begin``/``lines.end``. The fingerprint leaves the line
out, so a finding keeps it when lines are added above it, and GitLab does not show it as new in
a merge request (see ``locations.fingerprints``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from perfcodemod.api import FileReport
from perfcodemod.output.locations import fingerprints, position, project_path, project_root
from perfcodemod.output.options import Options
from perfcodemod.output.severity import Severity, severity


def _root() -> Path:
    return Path(os.environ.get("CI_PROJECT_DIR") or project_root())


def render(reports: Sequence[FileReport], options: Options) -> str:
    root = _root()
    findings = [(report, d) for report in reports for d in report.diagnostics]
    issues: list[dict[str, Any]] = []
    for (report, diagnostic), fingerprint in zip(findings, fingerprints(findings, root)):
        where = position(report, diagnostic)
        description = f"{diagnostic.code}: {diagnostic.message}"
        if where.cell is not None:
            # Lines count within the cell: say which, since GitLab shows only the lines.
            description = f"{description} (cell {where.cell})"
        issues.append({
            "check_name": diagnostic.code,
            "description": description,
            "fingerprint": fingerprint,
            "severity": "major" if severity(diagnostic.code) is Severity.ERROR else "minor",
            "location": {
                "path": project_path(report, root),
                "lines": {"begin": where.row, "end": where.end_row},
            },
        })
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
