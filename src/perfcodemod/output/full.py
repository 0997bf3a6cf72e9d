"""``full``: each diagnostic with its source lines, the range underlined, as ruff shows it.

::

    PCM201 [*] Membership test against a list of constants; use a set literal
     --> src/app.py:2:22
      |
    1 | def status_ok(status: str) -> bool:
    2 |     return status in ["active", "pending"]
      |                      ^^^^^^^^^^^^^^^^^^^^^
      |
    help: Use a set literal

With ``--show-fixes`` the fix follows as a diff of the lines it changes, with whether it is safe
and why. The underline is measured in terminal cells, not characters: a tab is shown as four
spaces (as ruff does), East Asian wide characters and emoji take two cells, combining marks
none, and control characters are shown as visible symbols, so the carets stay under what they
mark.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Sequence

from perfcodemod.api import FileReport
from perfcodemod.diagnostic import Applicability, Diagnostic, Edit, Fix
from perfcodemod.fixer import apply_edits
from perfcodemod.output.concise import code_and_message
from perfcodemod.output.locations import cell_view, position, source_lines
from perfcodemod.output.options import Options
from perfcodemod.source import LINE_BREAK, LineIndex

#: Lines shown before and after the reported ones (and around a fix's changes).
CONTEXT = 2
FIX_CONTEXT = 1
#: A longer range shows its first and last lines only.
MAX_RANGE_ROWS = 8
TAB = "    "
#: Characters that reorder the text around them in a terminal (bidirectional controls).
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def render(reports: Sequence[FileReport], options: Options) -> str:
    return "".join(
        _diagnostic(report, diagnostic, options) + "\n"
        for report in reports
        for diagnostic in report.diagnostics
    )


def _diagnostic(report: FileReport, diagnostic: Diagnostic, options: Options) -> str:
    where = position(report, diagnostic)
    # Shown rows follow the position's numbering (cell-relative in a notebook).
    shift = diagnostic.row - where.row
    out = [
        code_and_message(report, diagnostic, options.unsafe),
        f" --> {report.path}:{where.label()}",
    ]
    lines = source_lines(report)
    view = cell_view(report, diagnostic)
    if view is not None:
        # A notebook's cell is quoted from its own text, escapes as written.
        lines, diagnostic = view
        shift = 0
    if lines is not None and 1 <= diagnostic.row <= _last_row(lines):
        out.extend(_snippet(lines, diagnostic, shift))
    fix = diagnostic.fix
    if fix is not None:
        out.append(f"help: {fix.message}")
        if options.show_fixes and lines is not None:
            out.extend(_fix_diff(lines, fix, shift))
            kind = "safe" if fix.applicability is Applicability.SAFE else "unsafe"
            out.append(f"note: {kind} fix: {fix.reason}")
    return "\n".join(line.rstrip() for line in out) + "\n"


# -- terminal cells --------------------------------------------------------------------------


def _cell(char: str) -> tuple[str, int]:
    """How a character is shown, and how many terminal cells it takes."""
    if char == "\t":
        return TAB, len(TAB)
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code), 1  # the Control Pictures block: NUL -> ␀, FF -> ␌
    if code == 0x7F:
        return "\u2421", 1
    if char in _BIDI_CONTROLS:
        return "\ufffd", 1
    if unicodedata.combining(char) or unicodedata.category(char) in {"Mn", "Me", "Cf"}:
        return char, 0
    if unicodedata.east_asian_width(char) in {"W", "F"}:
        return char, 2
    return char, 1


def _shown(text: str) -> str:
    if text.isascii() and text.isprintable():
        return text
    return "".join(_cell(char)[0] for char in text)


def _width(text: str) -> int:
    if text.isascii() and text.isprintable():
        return len(text)
    return sum(_cell(char)[1] for char in text)


def _underline(content: str, start_col: int, end_col: int) -> str:
    """Carets under ``content[start_col - 1 : end_col - 1]`` (at least one)."""
    before = _width(content[: start_col - 1])
    covered = _width(content[start_col - 1 : max(start_col, end_col) - 1])
    return " " * before + "^" * max(1, covered)


# -- source lines ----------------------------------------------------------------------------


def _content(lines: LineIndex, row: int) -> str:
    """A row's text without its line break."""
    return LINE_BREAK.sub("", lines.line(row))


def _last_row(lines: LineIndex) -> int:
    """The last row with text (the empty "row" after a final line break is not shown)."""
    count = len(lines)
    if count > 1 and lines.starts[-1] == len(lines.text):
        return count - 1
    return count


def _numbered(number: int, width: int, marker: str, text: str) -> str:
    return f"{number:>{width}} | {marker}{_shown(text)}"


def _snippet(lines: LineIndex, diagnostic: Diagnostic, shift: int) -> list[str]:
    last_row = _last_row(lines)
    first, first_col = diagnostic.row, diagnostic.col
    end, end_col = min(diagnostic.end_row, last_row), diagnostic.end_col
    if end > first and end_col == 1:
        # The range ends at the start of a line: it ends on the line before.
        end -= 1
        end_col = len(_content(lines, end)) + 1
    elif end < diagnostic.end_row:
        end_col = len(_content(lines, end)) + 1
    flagged: list[int | None] = list(range(first, end + 1))
    if len(flagged) > MAX_RANGE_ROWS:
        flagged = [*flagged[:4], None, *flagged[-3:]]
    before = range(max(1, first - CONTEXT), first)
    after = range(end + 1, min(last_row, end + CONTEXT) + 1)
    width = len(str(max(1, min(last_row, end + CONTEXT) - shift)))
    blank = " " * width + " |"
    out = [blank]
    out.extend(_numbered(row - shift, width, "", _content(lines, row)) for row in before)
    for row in flagged:
        if row is None:
            out.append(" " * max(0, width - 3) + "...")
            continue
        content = _content(lines, row)
        out.append(_numbered(row - shift, width, "", content))
        if row not in (first, end) and not content.strip():
            continue
        start = first_col if row == first else len(content) - len(content.lstrip()) + 1
        stop = end_col if row == end else len(content) + 1
        out.append(f"{blank} {_underline(content, start, stop)}")
    out.extend(_numbered(row - shift, width, "", _content(lines, row)) for row in after)
    out.append(blank)
    return out


def _fix_diff(lines: LineIndex, fix: Fix, shift: int) -> list[str]:
    """The lines a fix changes, as a diff: removed (``-``) and unchanged lines with their
    numbers, added lines (``+``) without, and ``FIX_CONTEXT`` unchanged lines around each
    change. Only the rows around the edits are compared; edits far apart (an import added at
    the top) become separate hunks."""
    last_row = _last_row(lines)
    hunks: list[tuple[int, int, list[Edit]]] = []
    for edit in sorted(fix.edits):
        first = lines.position(edit.start)[0]
        last = lines.position(max(edit.start, edit.end - 1))[0]
        if hunks and first - hunks[-1][1] <= 2 * FIX_CONTEXT + 1:
            hunks[-1] = (hunks[-1][0], max(hunks[-1][1], last), [*hunks[-1][2], edit])
        else:
            hunks.append((first, last, [edit]))
    entries = [
        entry
        for a, b, edits in hunks
        for entry in _hunk(lines, max(1, a - FIX_CONTEXT), min(last_row, b + FIX_CONTEXT), edits)
    ]
    changed = [index for index, (_, marker, _) in enumerate(entries) if marker != "  "]
    kept = [
        index for index, (_, marker, _) in enumerate(entries)
        if marker != "  " or any(abs(index - other) <= FIX_CONTEXT for other in changed)
    ]
    if not kept:
        return []
    width = len(str(max(1, max(entries[index][0] for index in kept) - shift)))
    blank = " " * width + " |"
    out = [blank]
    previous: int | None = None
    for index in kept:
        number, marker, text = entries[index]
        if previous is not None and (index != previous + 1 or number > entries[previous][0] + 1):
            out.append(" " * max(0, width - 3) + "...")
        previous = index
        if marker == "+ ":
            out.append(f"{blank} {marker}{_shown(text)}")
        else:
            out.append(_numbered(number - shift, width, marker, text))
    out.append(blank)
    return out


def _hunk(
    lines: LineIndex, first: int, last: int, edits: list[Edit]
) -> list[tuple[int, str, str]]:
    """Rows ``first..last`` before and after ``edits``: (row, marker, text) per row shown, the
    row of an added line being the row it is inserted before."""
    start, end = lines.offset(first), lines.line_end(last)
    segment = lines.text[start:end]
    fixed = apply_edits(segment, [Edit(e.start - start, e.end - start, e.content) for e in edits])
    before, after = LINE_BREAK.split(segment), LINE_BREAK.split(fixed)
    if before and after and before[-1] == after[-1] == "":
        # The segment ends with its last row's line break: no row after it.
        before.pop()
        after.pop()
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    shown: list[tuple[int, str, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            shown.extend((first + i, "  ", before[i]) for i in range(i1, i2))
            continue
        shown.extend((first + i, "- ", before[i]) for i in range(i1, i2))
        shown.extend((first + i2, "+ ", after[j]) for j in range(j1, j2))
    return shown
