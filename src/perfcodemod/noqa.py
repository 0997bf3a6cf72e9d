"""Suppression comments: ``# noqa``, ``# noqa: PCM201, PCM3`` on the diagnostic's line, and
``# perfcodemod: noqa`` (optionally with codes) anywhere in a file for the whole file.

PCM001 (the file could not be read or parsed) is not suppressed by comments: a syntax error
would otherwise silently hide a whole file from the checks. ``ignore``/``per-file-ignores``
turn it off.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from perfcodemod.diagnostic import Diagnostic
from perfcodemod.source import LineIndex

# As in flake8: codes are letters followed by digits, separated by commas or spaces.
_CODES = r"(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*)"
LINE_NOQA = re.compile(rf"#\s*noqa(?::[\s]?{_CODES})?", re.IGNORECASE)
FILE_NOQA = re.compile(
    r"^[ \t\f]*#[ \t]*perfcodemod[ \t]*:[ \t]*noqa"
    r"(?::[ \t]*(?P<codes>[A-Z]+[0-9]*(?:[, \t]+[A-Z]+[0-9]*)*))?[ \t\f\r]*$",
    re.IGNORECASE | re.MULTILINE,
)
_MENTIONS_NOQA = re.compile("noqa", re.IGNORECASE)
UNSUPPRESSIBLE = frozenset({"PCM001"})


def _codes(match: re.Match[str]) -> tuple[str, ...] | None:
    codes = match.group("codes")
    if not codes:
        return None
    return tuple(code.upper() for code in re.split(r"[,\s]+", codes.strip()) if code)


@dataclass(frozen=True)
class FileExemption:
    """``None``: the whole file is exempt; a tuple: these code prefixes are."""

    codes: tuple[str, ...] | None

    def covers(self, code: str) -> bool:
        return self.codes is None or any(code.startswith(prefix) for prefix in self.codes)


def _comment_rows(text: str) -> set[int] | None:
    """The rows holding a comment token (None when the text does not tokenize)."""
    rows: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                rows.add(token.start[0])
    except (tokenize.TokenError, SyntaxError):
        return None
    return rows


_CONTINUED = re.compile(r"\\\r?\n|\\\r")


def noqa_rows(text: str) -> dict[int, int]:
    """Rows whose noqa comment cannot stand on the row itself, mapped to the row where it
    goes, as ruff places it: every row of a multi-line string but its last, and a row continued
    by a backslash, map to the last row of the string or continuation (chains merged). A
    comment anywhere else would be part of the string, or break the continuation."""
    if '"""' not in text and "'''" not in text and not _CONTINUED.search(text):
        return {}
    fstring_start = getattr(tokenize, "FSTRING_START", None)
    fstring_end = getattr(tokenize, "FSTRING_END", None)
    line_ends = {tokenize.NEWLINE, tokenize.NL, tokenize.ENCODING}
    spans: list[tuple[int, int]] = []
    open_fstrings: list[int] = []
    previous: tokenize.TokenInfo | None = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.STRING and token.end[0] > token.start[0]:
                spans.append((token.start[0], token.end[0]))
            elif token.type == fstring_start:
                open_fstrings.append(token.start[0])
            elif token.type == fstring_end and open_fstrings:
                spans.append((open_fstrings.pop(), token.end[0]))
            if (previous is not None and previous.type not in line_ends
                    and token.start[0] > previous.end[0]):
                spans.append((previous.end[0], token.start[0]))  # a backslash continuation
            previous = token
    except (tokenize.TokenError, SyntaxError):
        return {}
    rows: dict[int, int] = {}
    first = last = 0
    for start, end in sorted(span for span in spans if span[1] > span[0]):
        if start > last:
            first, last = start, end
        else:
            last = max(last, end)
        for row in range(first, last):
            rows[row] = last
    return rows


def file_exemptions(text: str) -> list[FileExemption]:
    if not _MENTIONS_NOQA.search(text):
        return []
    matches = list(FILE_NOQA.finditer(text))
    if not matches:
        return []
    # A line that looks like the directive inside a string (a docstring's example) is not one.
    comment_rows = _comment_rows(text)
    exemptions = []
    for match in matches:
        row = text.count("\n", 0, match.start()) + 1
        if comment_rows is None or row in comment_rows:
            exemptions.append(FileExemption(_codes(match)))
    return exemptions


def line_noqa(line: str) -> tuple[str, ...] | None | bool:
    """False: no noqa; None: a bare ``# noqa``; a tuple: the listed code prefixes."""
    match = LINE_NOQA.search(line)
    if match is None:
        return False
    return _codes(match)


def filter_suppressed(
    diagnostics: Sequence[Diagnostic], text: str, lines: LineIndex
) -> tuple[list[Diagnostic], int]:
    """The diagnostics no noqa comment suppresses, and how many were suppressed."""
    if not diagnostics or not _MENTIONS_NOQA.search(text):
        return list(diagnostics), 0
    exemptions = file_exemptions(text)
    kept: list[Diagnostic] = []
    for diagnostic in diagnostics:
        if diagnostic.code in UNSUPPRESSIBLE:
            kept.append(diagnostic)
            continue
        if any(exemption.covers(diagnostic.code) for exemption in exemptions):
            continue
        row = diagnostic.noqa_row
        noqa = line_noqa(lines.line(row)) if 1 <= row <= len(lines) else False
        if noqa is None:
            continue
        if isinstance(noqa, tuple) and any(diagnostic.code.startswith(p) for p in noqa):
            continue
        kept.append(diagnostic)
    suppressed = len(diagnostics) - len(kept)
    if suppressed:
        kept = _without_suppressed_fixes(kept, diagnostics)
    return kept, suppressed


def _without_suppressed_fixes(
    kept: list[Diagnostic], diagnostics: Sequence[Diagnostic]
) -> list[Diagnostic]:
    """Some rules give every diagnostic of a statement one shared fix (two fixes that both
    rewrote the statement would overlap). When one of them is suppressed, the fix would still
    rewrite the suppressed code through the others: drop it from them too."""
    kept_ids = {id(d) for d in kept}
    suppressed_fixes = [d.fix for d in diagnostics if id(d) not in kept_ids and d.fix is not None]
    if not suppressed_fixes:
        return kept
    suppressed_fixes_set = set(suppressed_fixes)
    return [
        replace(d, fix=None) if d.fix is not None and d.fix in suppressed_fixes_set else d
        for d in kept
    ]


def add_noqa_comments(text: str, lines: LineIndex, diagnostics: Iterable[Diagnostic]) -> str:
    """``--add-noqa``: append ``# noqa: CODES`` to each line with a diagnostic."""
    by_row: dict[int, set[str]] = {}
    for diagnostic in diagnostics:
        by_row.setdefault(diagnostic.noqa_row, set()).add(diagnostic.code)
    pieces: list[str] = []
    for row in range(1, len(lines) + 1):
        line = lines.line(row)
        codes = by_row.get(row)
        if codes:
            body = line.rstrip("\r\n")
            ending = line[len(body):]
            existing = LINE_NOQA.search(body)
            if existing and existing.group("codes"):
                merged = sorted(set(_codes(existing) or ()) | codes)
                comment = "# noqa: " + ", ".join(merged)
                body = body[: existing.start()] + comment + body[existing.end() :]
            elif not existing:
                body = body.rstrip() + "  # noqa: " + ", ".join(sorted(codes))
            line = body + ending
        pieces.append(line)
    return "".join(pieces)
