"""The documents an editor has open, and LSP positions in them.

An LSP position is a 0-based line and a column counted in the code units of the negotiated
position encoding: UTF-16 unless the client offers UTF-8 or UTF-32 (an emoji is one character,
two UTF-16 units, four UTF-8 bytes). Lines end at ``\\n``, ``\\r\\n`` or ``\\r``, as in the LSP
and in Python (a form feed is not a line break, unlike for ``str.splitlines``).

The server keeps its own copy of each document, built from ``didOpen`` and the changes of
``didChange``: the text being edited, never the file on disk. Nothing here imports pygls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from perfcodemod.source import LineIndex, SourceText

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"
BOM = "\ufeff"


def _units(text: str, encoding: str) -> int:
    """How many code units ``text`` takes in ``encoding``."""
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _chars(line: str, units: int, encoding: str) -> int:
    """How many characters of ``line`` come before code unit ``units`` (a position inside a
    character, such as between the two halves of a surrogate pair, goes back to its start)."""
    if encoding == UTF32 or line.isascii():
        return min(units, len(line))
    count = 0
    for index, char in enumerate(line):
        count += _units(char, encoding)
        if count > units:
            return index
    return len(line)


@dataclass(frozen=True)
class Position:
    """An LSP position: 0-based line, column in code units of the position encoding."""

    line: int
    character: int


@dataclass(frozen=True)
class Change:
    """One content change of ``didChange``: a range replaced, or (no range) the whole text."""

    text: str
    start: Position | None = None
    end: Position | None = None


class Document:
    """One version of an open document: its text, and conversions between character offsets
    (what the linter speaks) and LSP positions."""

    def __init__(self, uri: str, text: str, version: int | None, path: Path | None,
                 encoding: str = UTF16) -> None:
        self.uri = uri
        self.text = text
        self.version = version
        self.path = path
        self.encoding = encoding
        self.lines = LineIndex(text)

    # -- what the linter sees ---------------------------------------------------------------

    @property
    def bom(self) -> int:
        """1 when the text starts with a byte order mark (the linter sees the text after it),
        0 otherwise; the linter's offsets are shifted by this much."""
        return 1 if self.text.startswith(BOM) else 0

    def source(self) -> SourceText:
        if self.bom:
            return SourceText(self.text[1:], bom=True)
        return SourceText(self.text)

    # -- positions ------------------------------------------------------------------------

    def position(self, offset: int) -> Position:
        """The LSP position of a character offset into the linter's text (after any BOM)."""
        offset = max(0, min(offset + self.bom, len(self.text)))
        row, col = self.lines.position(offset)
        start = self.lines.starts[row - 1]
        return Position(row - 1, _units(self.text[start : start + col - 1], self.encoding))

    def offset(self, position: Position) -> int:
        """The character offset (into the linter's text, after any BOM) of an LSP position;
        past the end of a line means the line's end, past the last line the end of the text."""
        return max(0, self._text_offset(position) - self.bom)

    def _text_offset(self, position: Position) -> int:
        if position.line < 0:
            return 0
        if position.line >= len(self.lines):
            return len(self.text)
        row = position.line + 1
        start = self.lines.starts[position.line]
        line = self.lines.line(row).rstrip("\r\n")
        return start + _chars(line, max(0, position.character), self.encoding)

    # -- changes --------------------------------------------------------------------------

    def changed(self, changes: Sequence[Change], version: int | None) -> Document:
        """A new document: ``didChange``'s changes applied in order, each to the result of the
        one before. A document is never changed in place, so a check running on one version
        in another thread reads a text that stays as it was."""
        document = self
        for change in changes:
            text = document.text
            if change.start is None or change.end is None:
                text = change.text
            else:
                start = document._text_offset(change.start)
                end = max(start, document._text_offset(change.end))
                text = text[:start] + change.text + text[end:]
            document = Document(self.uri, text, version, self.path, self.encoding)
        if document is self:
            document = Document(self.uri, self.text, version, self.path, self.encoding)
        return document
