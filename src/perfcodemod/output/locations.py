"""Where a diagnostic is, as every format shows it: positions, paths and fingerprints.

Every format takes these from here, so that a change in how positions are shown (notebook
cells, for one) or how paths are written is made once. Rows are 1-based; columns are 1-based
and count characters (Unicode code points), as in the JSON output; an end column is the column
just past the range.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path, PurePath
from urllib.parse import quote

from perfcodemod.api import FileReport
from perfcodemod.diagnostic import Diagnostic, Edit
from perfcodemod.source import LineIndex

#: Names that stand for standard input rather than a file.
STDIN_NAMES = frozenset({"-", "<stdin>"})


@dataclass(frozen=True)
class Position:
    """A diagnostic's range as shown to a user. ``cell`` is the notebook cell (1-based) the
    rows count within, or None in a plain Python file."""

    row: int
    col: int
    end_row: int
    end_col: int
    cell: int | None = None

    def label(self) -> str:
        """``row:col``, or ``cell N:row:col`` in a notebook (as ruff writes it)."""
        return f"{self.row_label()}:{self.col}"

    def row_label(self) -> str:
        return f"cell {self.cell}:{self.row}" if self.cell is not None else str(self.row)


def position(report: FileReport, diagnostic: Diagnostic) -> Position:
    """Where ``diagnostic`` is shown. The one place that maps the tool's rows to what a user
    sees: diagnostics in notebooks get their cell here, and every format follows."""
    cell, shift = report.cell_of(diagnostic)
    return Position(
        diagnostic.row - shift, diagnostic.col, diagnostic.end_row - shift, diagnostic.end_col,
        cell,
    )


def noqa_row(report: FileReport, diagnostic: Diagnostic) -> int:
    """The row where a noqa comment suppresses ``diagnostic``, numbered as its position."""
    return diagnostic.noqa_row - report.cell_of(diagnostic)[1]


def cell_view(report: FileReport, diagnostic: Diagnostic) -> tuple[LineIndex, Diagnostic] | None:
    """A notebook's diagnostic as its cell shows it: the cell's own text (IPython escapes as
    written, nothing of other cells) and the diagnostic with offsets and rows in that text;
    its fix keeps the edits made in that cell. None outside notebooks."""
    source = report.fixed or report.original
    layout = report.layout
    if report.notebook is None or layout is None or not layout.starts or source is None:
        return None
    index = layout.cell_index(diagnostic.start)
    start = layout.starts[index]
    end = layout.starts[index + 1] if index + 1 < len(layout.starts) else len(source.text)
    text = report.notebook.cell_sources(source.text, layout)[index]
    magics = [m for m in layout.magics if start <= m.start < end]

    def local(offset: int) -> int:
        grown = sum(len(m.original) - len(m.placeholder) for m in magics if m.end <= offset)
        return min(len(text), max(0, offset - start + grown))

    def in_cell(edit: Edit) -> bool:
        # An insertion at the start of a cell belongs to the cell before (CellLayout.allows).
        starts_here = edit.start > start or (edit.start == start and (
            index == 0 or edit.end > edit.start))
        return starts_here and edit.end <= end

    lines = LineIndex(text)
    row, col = lines.position(local(diagnostic.start))
    end_row, end_col = lines.position(local(diagnostic.end))
    fix = diagnostic.fix
    if fix is not None:
        # The newline that ends a cell in the checked text is not the cell's own.
        edits = tuple(
            Edit(local(e.start), local(e.end),
                 e.content[:-1] if e.end == end and e.content.endswith("\n") else e.content)
            for e in fix.edits if in_cell(e)
        )
        fix = replace(fix, edits=edits)
    shown = replace(
        diagnostic, start=local(diagnostic.start), end=local(diagnostic.end), row=row, col=col,
        end_row=end_row, end_col=end_col, noqa_row=row + diagnostic.noqa_row - diagnostic.row,
        fix=fix,
    )
    return lines, shown


def source_lines(report: FileReport) -> LineIndex | None:
    """The text the report's diagnostics and fix offsets refer to: the fixed text after
    ``--fix``, the text as read otherwise; None when the file could not be read."""
    source = report.fixed or report.original
    return source.lines if source is not None else None


def offset_position(report: FileReport, offset: int, end: bool = False) -> tuple[int, int]:
    """1-based row and column of a character offset (a fix edit's ends), within its cell in
    a notebook (``offset_location`` names the cell)."""
    return offset_location(report, offset, end)[1:]


def offset_location(
    report: FileReport, offset: int, end: bool = False
) -> tuple[int | None, int, int]:
    """The notebook cell (None in a Python file), row and column of a character offset.
    ``end``: the offset ends something (an edit), so at the start of a cell it is the end of
    the cell before; an insertion there belongs to that cell."""
    return report.locate(offset, end)


# -- paths ---------------------------------------------------------------------------------


def is_stdin(report: FileReport) -> bool:
    return report.path in STDIN_NAMES


def absolute_path(report: FileReport) -> str:
    """The file's absolute path (standard input keeps its name)."""
    return report.path if is_stdin(report) else os.path.abspath(report.path)


def project_root() -> Path:
    """What relative paths in CI reports are relative to: the working directory, where CI
    systems run their jobs (the repository's root)."""
    return Path.cwd()


def project_path(report: FileReport, root: Path | None = None) -> str:
    """The path relative to ``root`` (default: the working directory) with forward slashes;
    a file outside it keeps its absolute path."""
    if is_stdin(report):
        return report.path
    path = Path(os.path.abspath(report.path))
    try:
        return path.relative_to(os.path.abspath(root or project_root())).as_posix()
    except ValueError:
        return path.as_posix()


#: SARIF's name for the directory relative artifact URIs start from (CodeQL's convention).
SOURCE_ROOT_ID = "%SRCROOT%"


def directory_uri(directory: Path) -> str:
    """A ``file:`` URI for a directory, ending with a slash as SARIF requires of a base."""
    uri = Path(os.path.abspath(directory)).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def artifact_location(report: FileReport, root: Path | None = None) -> dict[str, str]:
    """A SARIF ``artifactLocation``: a percent-encoded path relative to the source root (with
    ``uriBaseId``), or an absolute ``file:`` URI for a file outside it."""
    path = project_path(report, root)
    if is_stdin(report) or not PurePath(path).is_absolute():
        return {"uri": quote(path), "uriBaseId": SOURCE_ROOT_ID}
    return {"uri": Path(path).as_uri()}


# -- fingerprints ----------------------------------------------------------------------------

_WHITESPACE = re.compile(r"\s+")


def _flagged_code(report: FileReport, diagnostic: Diagnostic) -> str:
    """The reported code with its whitespace normalised: what the finding is about, wherever
    it moves. An empty range (a syntax error's position) stands for its whole line."""
    lines = source_lines(report)
    if lines is None:
        return ""
    code = lines.text[diagnostic.start : diagnostic.end]
    if not code.strip() and diagnostic.row <= len(lines):
        code = lines.line(diagnostic.row)
    return _WHITESPACE.sub(" ", code).strip()


def fingerprints(
    findings: Iterable[tuple[FileReport, Diagnostic]], root: Path | None = None
) -> list[str]:
    """A stable identity for each finding, for CI systems that track findings across runs
    (GitLab's ``fingerprint``, SARIF's ``partialFingerprints``).

    As ruff's, it hashes the rule and the file's path but not the position, so that adding lines
    above a finding keeps its fingerprint; unlike ruff's, it also hashes the flagged code, so
    that fixing one of several findings of a rule in a file does not change the others'. Equal
    findings in one file (the same rule on the same code) are told apart by order, as ruff does:
    the second hashes the first's fingerprint again.
    """
    seen: set[str] = set()
    found: list[str] = []
    for report, diagnostic in findings:
        key = "\0".join((diagnostic.code, project_path(report, root),
                         _flagged_code(report, diagnostic)))
        fingerprint = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        while fingerprint in seen:
            fingerprint = hashlib.sha256(f"{fingerprint}\0{key}".encode(
                "utf-8", "surrogatepass")).hexdigest()[:32]
        seen.add(fingerprint)
        found.append(fingerprint)
    return found
