"""``github``: GitHub Actions workflow commands, which GitHub shows as annotations on the
pull request's files and in the run's summary.

::

    ::warning file=/repo/src/app.py,line=2,col=22,endLine=2,endColumn=42,title=perfcodemod \
    (PCM201)::src/app.py:2:22: PCM201 Membership test ...

(one line).

Escaped as the Actions runner requires (``@actions/core``'s ``escapeData`` and
``escapeProperty``): ``%``, carriage return and line feed in the message; those and ``:`` and
``,`` in property values. ``file`` is absolute, as ruff writes it: the runner makes it relative
to the repository, wherever in it the command ran. Columns are given only when the range is on
one line (GitHub ignores them otherwise); a notebook's rows count within a cell, which GitHub
cannot show, so there only the message says where (``cell N:row:col``).
"""

from __future__ import annotations

from collections.abc import Sequence

from perfcodemod.api import FileReport
from perfcodemod.diagnostic import Diagnostic
from perfcodemod.output.locations import absolute_path, position, project_path
from perfcodemod.output.options import Options
from perfcodemod.output.severity import severity

_DATA_ESCAPES = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A"})
_PROPERTY_ESCAPES = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A", ":": "%3A", ",": "%2C"})


def escape_data(text: str) -> str:
    return text.translate(_DATA_ESCAPES)


def escape_property(text: str) -> str:
    return text.translate(_PROPERTY_ESCAPES)


def command(report: FileReport, diagnostic: Diagnostic) -> str:
    where = position(report, diagnostic)
    properties = [("file", absolute_path(report))]
    if where.cell is None:
        properties.append(("line", str(where.row)))
        if where.row == where.end_row:
            properties += [("col", str(where.col)), ("endLine", str(where.end_row)),
                           ("endColumn", str(where.end_col))]
        else:
            properties.append(("endLine", str(where.end_row)))
    properties.append(("title", f"perfcodemod ({diagnostic.code})"))
    rendered = ",".join(f"{name}={escape_property(value)}" for name, value in properties)
    message = f"{project_path(report)}:{where.label()}: {diagnostic.code} {diagnostic.message}"
    return f"::{severity(diagnostic.code).value} {rendered}::{escape_data(message)}"


def render(reports: Sequence[FileReport], options: Options) -> str:
    return "".join(command(r, d) + "\n" for r in reports for d in r.diagnostics)
