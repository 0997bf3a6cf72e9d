"""Reading a Python file's bytes into text and writing text back byte for byte.

A fix must keep everything it does not touch: the encoding named by a coding cookie, a UTF-8 BOM,
the file's line endings. Text is decoded once here; the rest of the tool works on the decoded
text (without the BOM) and offsets into it.
"""

from __future__ import annotations

import bisect
import codecs
import io
import itertools
import re
import tokenize
from dataclasses import dataclass
from functools import cached_property

#: Python's own notion of a line break (``str.splitlines`` also splits on form feeds and others).
LINE_BREAK = re.compile(r"\r\n|\r|\n")


class DecodeError(Exception):
    """The bytes are not text in the encoding the file declares."""

    def __init__(self, message: str, row: int = 1, col: int = 1) -> None:
        super().__init__(message)
        self.row = row
        self.col = col


@dataclass(frozen=True)
class SourceText:
    """A file's decoded text and what is needed to write it back unchanged."""

    text: str
    encoding: str = "utf-8"
    bom: bool = False

    @classmethod
    def decode(cls, raw: bytes) -> SourceText:
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        except SyntaxError as exc:
            message = str(exc)
            if not message.startswith("invalid or missing encoding declaration"):
                # An unknown coding cookie, or one that contradicts the BOM.
                row = 2 if raw.count(b"\n", 0, raw.find(b"coding")) else 1
                if message.startswith("encoding problem"):
                    message += " (the coding cookie contradicts the UTF-8 byte order mark)"
                raise DecodeError(message, row) from None
            # No cookie, and the first lines are not UTF-8: decoding below says where.
            encoding = "utf-8-sig" if raw.startswith(codecs.BOM_UTF8) else "utf-8"
        bom = encoding == "utf-8-sig"
        if bom:
            encoding = "utf-8"
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            row = raw.count(b"\n", 0, exc.start) + 1
            line_start = raw.rfind(b"\n", 0, exc.start) + 1
            # Columns count characters, as everywhere else.
            col = len(raw[line_start : exc.start].decode(encoding, "replace")) + 1
            raise DecodeError(
                f"cannot decode file as {encoding}: byte {raw[exc.start:exc.start + 1]!r} "
                f"at offset {exc.start} ({exc.reason})",
                row,
                col,
            ) from None
        return cls(text, encoding, bom)

    def encode(self, text: str | None = None) -> bytes:
        body = (self.text if text is None else text).encode(self.encoding)
        return codecs.BOM_UTF8 + body if self.bom else body

    def with_text(self, text: str) -> SourceText:
        return SourceText(text, self.encoding, self.bom)

    @cached_property
    def lines(self) -> LineIndex:
        return LineIndex(self.text)

    def __getstate__(self) -> dict[str, object]:
        # The line index (as large as the text) is rebuilt where it is needed, not pickled
        # (a worker process sends its reports back to the parent).
        state = dict(self.__dict__)
        state.pop("lines", None)
        return state

    @property
    def newline(self) -> str:
        return self.lines.newline


class LineIndex:
    """Converts between character offsets and 1-based rows and columns."""

    def __init__(self, text: str) -> None:
        self.text = text
        if "\r" not in text:
            # The common case, at C speed: line starts from the lengths of the lines.
            self.starts = [0, *itertools.accumulate(len(line) + 1 for line in text.split("\n"))]
            self.starts.pop()
            self.newline = "\n"
            return
        self.starts = [0]
        counts: dict[str, int] = {}
        for match in LINE_BREAK.finditer(text):
            self.starts.append(match.end())
            counts[match.group()] = counts.get(match.group(), 0) + 1
        self.newline = max(counts, key=counts.__getitem__) if counts else "\n"

    def __len__(self) -> int:
        return len(self.starts)

    def offset(self, row: int, col: int = 0) -> int:
        """The offset of 1-based ``row`` and 0-based character column ``col``."""
        if row > len(self.starts):
            return len(self.text)
        return self.starts[row - 1] + col

    def offset_of_utf8(self, row: int, byte_col: int) -> int:
        """The offset of an ``ast`` position: 1-based row, UTF-8 byte column."""
        start = self.starts[row - 1]
        line = self.text[start : start + byte_col]
        if line.isascii():
            return start + byte_col
        return start + len(line.encode("utf-8")[:byte_col].decode("utf-8", "ignore"))

    def position(self, offset: int) -> tuple[int, int]:
        """1-based row and 1-based column of ``offset``."""
        row = bisect.bisect_right(self.starts, offset)
        return row, offset - self.starts[row - 1] + 1

    def line_end(self, row: int) -> int:
        """The offset just past ``row``'s line break (or the end of the text)."""
        return self.starts[row] if row < len(self.starts) else len(self.text)

    def line(self, row: int) -> str:
        return self.text[self.starts[row - 1] : self.line_end(row)]
