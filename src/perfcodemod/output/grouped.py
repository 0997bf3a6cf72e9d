"""``grouped``: diagnostics under their file's name, as ruff writes them.

::

    src/app.py:
       2:22 PCM201 [*] Membership test against a list of constants; use a set literal
      14:5  PCM411 Cache decorator on an instance method; ...

Files in name order, rows right-aligned and columns left-aligned within a file, a blank line
after each file.
"""

from __future__ import annotations

from collections.abc import Sequence

from perfcodemod.api import FileReport
from perfcodemod.output.concise import code_and_message
from perfcodemod.output.locations import position
from perfcodemod.output.options import Options


def render(reports: Sequence[FileReport], options: Options) -> str:
    by_path: dict[str, list[FileReport]] = {}
    for report in reports:
        if report.diagnostics:
            by_path.setdefault(report.path, []).append(report)
    lines: list[str] = []
    for path in sorted(by_path):
        found = [(r, d, position(r, d)) for r in by_path[path] for d in r.diagnostics]
        row_width = max(len(p.row_label()) for _, _, p in found)
        col_width = max(len(str(p.col)) for _, _, p in found)
        lines.append(f"{path}:")
        for report, diagnostic, where in found:
            row = where.row_label().rjust(row_width)
            col = str(where.col).ljust(col_width)
            lines.append(f"  {row}:{col} {code_and_message(report, diagnostic, options.unsafe)}")
        lines.append("")
    return "".join(line + "\n" for line in lines)
