"""Jupyter notebooks: their code cells as one Python text, and the fixed text back into the
notebook.

As ruff does, the code cells that hold Python are joined into one text, each followed by a
newline, so that the rules see one module (a name bound in one cell and used in another is one
name). IPython's escapes (``%time``, ``!ls``, ``?obj``, ``obj?``, ``x = !ls``, a ``%%time``
line) are replaced by placeholders on the same rows, so that every position keeps its row, and
put back when the notebook is written; a fix that would touch one, or cross from one cell into
another, is not offered (``CellLayout.allows``). A cell in another language (``%%bash``) or of
IPython commands without their ``%`` (``pip install x``) is not Python and is left alone.

Positions are shown as ruff shows them: a cell number (1-based, counting every cell of the
notebook, Markdown ones included) and rows within the cell. Only what changed is rewritten in
the JSON: each changed cell's ``source`` value, as a list of lines or a string as it was, laid
out as the notebook lays it out; every other byte (indentation, key order, escapes, the final
newline) stays.
"""

from __future__ import annotations

import ast
import bisect
import codecs
import json
import keyword
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from perfcodemod.diagnostic import Edit
from perfcodemod.source import LINE_BREAK, DecodeError, LineIndex

SUFFIX = ".ipynb"
#: IPython runs top-level ``await`` in a cell.
COMPILE_FLAGS = getattr(ast, "PyCF_ALLOW_TOP_LEVEL_AWAIT", 0)

#: Cell magics whose body is Python that runs in the notebook (as ruff lists them).
TRANSPARENT_CELL_MAGICS = frozenset(
    {"capture", "debug", "prun", "pypy", "python", "python3", "time", "timeit"}
)
#: Line magics IPython runs without their ``%`` (automagic). A cell that starts with one and
#: is not Python is a cell of commands (``pip install requests``), as ruff reads it.
AUTOMAGICS = frozenset({
    "alias", "alias_magic", "autoawait", "autocall", "automagic", "bookmark", "cd", "code_wrap",
    "colors", "conda", "config", "debug", "dhist", "dirs", "doctest_mode", "edit", "env", "gui",
    "history", "killbgscripts", "load", "load_ext", "loadpy", "logoff", "logon", "logstart",
    "logstate", "logstop", "lsmagic", "macro", "magic", "mamba", "matplotlib", "micromamba",
    "notebook", "page", "pastebin", "pdb", "pdef", "pdoc", "pfile", "pinfo", "pinfo2", "pip",
    "popd", "pprint", "precision", "prun", "psearch", "psource", "pushd", "pwd", "pycat",
    "pylab", "quickref", "recall", "rehashx", "reload_ext", "rerun", "reset", "reset_selective",
    "run", "save", "sc", "set_env", "sx", "system", "tb", "time", "timeit", "unalias",
    "unload_ext", "who", "who_ls", "whos", "xdel", "xmode",
})
#: Characters that start an IPython escape at the start of a line: magics, shell commands,
#: help, and the autocall/autoquote escapes.
ESCAPES = "%!?/,;"
#: ``a, b.c = !cmd`` or ``= %magic``: the value comes from an escape.
_ASSIGNED_ESCAPE = re.compile(r"(?P<target>[\w.]+(?:\s*,\s*[\w.]+)*\s*=\s*)(?=[!%])")
_NAME = re.compile(r"[^\W\d]\w*")
#: What a magic is replaced by: an unknown call given every name the magic mentions, so that
#: the analyses see that it may read or change them (``%time items.append(x)``).
PLACEHOLDER = "__ipython_escape__"


class NotebookError(DecodeError):
    """The file is not a notebook that can be read (bad JSON, not nbformat 4, bad cells)."""


@dataclass(frozen=True)
class Magic:
    """An IPython escape in the Python text: ``placeholder`` at ``start`` stands for
    ``original`` (both within one line)."""

    start: int
    placeholder: str
    original: str

    @property
    def end(self) -> int:
        return self.start + len(self.placeholder)

    def touched_by(self, edit: Edit) -> bool:
        if not self.placeholder:
            # A line continuing a magic: nothing may change at it.
            return edit.start <= self.start <= edit.end
        if edit.start == edit.end:
            # An insertion just before a placeholder moves it; anywhere in it, or just after
            # it (a comment), changes the magic.
            return self.start < edit.start <= self.end
        return edit.start < self.end and self.start < edit.end


@dataclass(frozen=True)
class CellLayout:
    """Where the code cells are in the Python text, and the escapes it holds placeholders for.
    Fixes carry it through their edits (``moved``)."""

    #: The notebook's number (1-based, all cells counted) of each code cell, in order.
    numbers: tuple[int, ...]
    #: The offset where each code cell starts (the first is 0).
    starts: tuple[int, ...]
    magics: tuple[Magic, ...] = ()

    def allows(self, edits: Iterable[Edit]) -> bool:
        """Whether edits stay inside cells and away from escapes. An insertion at the start of
        a cell belongs to the cell before it (an import after the last line of a cell)."""
        for edit in edits:
            if any(edit.start < start < edit.end for start in self.starts[1:]):
                return False
            if any(magic.touched_by(edit) for magic in self.magics):
                return False
        return True

    def moved(self, edits: Sequence[Edit]) -> CellLayout:
        """The layout after ``edits`` (which ``allows``) are applied."""
        if not edits:
            return self
        ordered = sorted(edits, key=lambda e: (e.start, e.end))
        ends = [edit.end for edit in ordered]
        growth = [0]
        for edit in ordered:
            growth.append(growth[-1] + len(edit.content) - (edit.end - edit.start))

        def shifted(offset: int) -> int:
            # Edits that end at or before the offset (an insertion there included) move it.
            return offset + growth[bisect.bisect_right(ends, offset)]

        starts = (0, *(shifted(start) for start in self.starts[1:]))
        magics = tuple(replace(m, start=shifted(m.start)) for m in self.magics)
        return CellLayout(self.numbers, starts, magics)

    def realigned(self, before: LineIndex, after: LineIndex) -> CellLayout:
        """The layout after changes that kept every row, and every escape where it is in its
        row (noqa comments added at the ends of other lines)."""

        def moved(offset: int) -> int:
            row, col = before.position(offset)
            return after.offset(row, col - 1)

        starts = tuple(moved(start) for start in self.starts)
        magics = tuple(replace(m, start=moved(m.start)) for m in self.magics)
        return CellLayout(self.numbers, starts, magics)

    def cell_index(self, offset: int, end: bool = False) -> int:
        """The cell holding ``offset``; at the start of a cell, the cell before it when the
        offset ends something (an edit's end, an insertion that belongs to that cell)."""
        if end:
            return max(0, bisect.bisect_left(self.starts, offset) - 1)
        return max(0, bisect.bisect_right(self.starts, offset) - 1)

    def locate(self, lines: LineIndex, offset: int, end: bool = False) -> tuple[int, int, int]:
        """The cell number, row within the cell and column of an offset in the text."""
        index = self.cell_index(offset, end)
        row, col = lines.position(offset)
        first_row = lines.position(self.starts[index])[0]
        return self.numbers[index], row - first_row + 1, col

    def cell_and_shift(self, lines: LineIndex, offset: int) -> tuple[int, int]:
        """The cell holding ``offset``, and how many rows of the text come before it."""
        index = self.cell_index(offset)
        return self.numbers[index], lines.position(self.starts[index])[0] - 1

    def magic_rows(self, lines: LineIndex) -> set[int]:
        return {lines.position(magic.start)[0] for magic in self.magics}


@dataclass(frozen=True)
class CodeCell:
    """A code cell that holds Python."""

    #: 1-based, counting every cell of the notebook.
    number: int
    #: The cell's code as the notebook holds it.
    source: str
    #: Where the ``source`` value is in the notebook's JSON text.
    span: tuple[int, int]


@dataclass(frozen=True)
class Notebook:
    #: The notebook's JSON text (without a BOM).
    json_text: str
    bom: bool
    cells: tuple[CodeCell, ...]
    #: The code cells' Python, joined; what the rules check.
    python: str
    layout: CellLayout

    @classmethod
    def parse(cls, raw: bytes | str) -> Notebook:
        text, bom = _decode(raw)
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise NotebookError(
                f"cannot read notebook: invalid JSON: {exc.msg}", exc.lineno, exc.colno
            ) from None
        except RecursionError:
            raise NotebookError("cannot read notebook: the JSON is nested too deeply") from None
        raw_cells = _check_schema(document)
        spans = _source_spans(text)
        python_cells: list[tuple[int, str, tuple[int, int]]] = []
        if _is_python(document):
            for index, cell in enumerate(raw_cells):
                if cell.get("cell_type") == "code":
                    python_cells.append((index + 1, _source_text(cell, index), spans[index]))
        pieces: list[str] = []
        numbers: list[int] = []
        starts: list[int] = []
        magics: list[Magic] = []
        cells: list[CodeCell] = []
        offset = 0
        for number, source, span in python_cells:
            converted = _python_of_cell(source)
            if converted is None:
                continue  # another language, or IPython commands
            code, cell_magics = converted
            numbers.append(number)
            starts.append(offset)
            magics.extend(replace(m, start=m.start + offset) for m in cell_magics)
            cells.append(CodeCell(number, source, span))
            pieces.append(code + "\n")
            offset += len(code) + 1
        layout = CellLayout(tuple(numbers), tuple(starts), tuple(magics))
        return cls(text, bom, tuple(cells), "".join(pieces), layout)

    def cell_sources(self, text: str, layout: CellLayout) -> list[str]:
        """Each code cell's new source, from the (fixed) Python text and its layout."""
        sources = []
        for index, start in enumerate(layout.starts):
            end = layout.starts[index + 1] if index + 1 < len(layout.starts) else len(text)
            pieces = []
            position = start
            for magic in layout.magics:
                if start <= magic.start < end:
                    pieces.append(text[position : magic.start])
                    pieces.append(magic.original)
                    position = magic.end
            pieces.append(text[position:end])
            source = "".join(pieces)
            sources.append(source[:-1] if source.endswith("\n") else source)
        return sources

    def dump(self, text: str, layout: CellLayout) -> bytes:
        """The notebook's bytes with the code cells' sources taken from ``text``."""
        edits = []
        for cell, source in zip(self.cells, self.cell_sources(text, layout)):
            if source != cell.source:
                start, end = cell.span
                edits.append((start, end, self._encode_source(source, self.json_text[start:end])))
        pieces = []
        position = 0
        for start, end, content in edits:
            pieces.append(self.json_text[position:start])
            pieces.append(content)
            position = end
        pieces.append(self.json_text[position:])
        body = "".join(pieces).encode("utf-8")
        return codecs.BOM_UTF8 + body if self.bom else body

    def _encode_source(self, source: str, old: str) -> str:
        """``source`` as a JSON value in the shape and layout of the ``old`` value."""
        ascii_only = self.json_text.isascii()
        if not old.startswith("["):
            return json.dumps(source, ensure_ascii=ascii_only)
        lines = [json.dumps(line, ensure_ascii=ascii_only) for line in _split_lines(source)]
        if not lines:
            return "[]"
        items = list(_ARRAY_ITEM.finditer(old))
        opening = re.match(r"\[\s*", old)
        lead = old[1 : opening.end()] if opening else ""
        closing = old[len(old.rstrip("]").rstrip()) : -1] if old.endswith("]") else ""
        if len(items) >= 2:
            separator = old[items[0].end() : items[1].start()]
        elif "\n" in lead:
            separator = "," + lead
        else:
            separator = ", " if '", "' in self.json_text else ","
        return "[" + lead + separator.join(lines) + closing + "]"


_ARRAY_ITEM = re.compile(r'"(?:[^"\\]|\\.)*"')


def _decode(raw: bytes | str) -> tuple[str, bool]:
    if isinstance(raw, str):
        return raw, False
    bom = raw.startswith(codecs.BOM_UTF8)
    try:
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8") if bom else raw.decode("utf-8"), bom
    except UnicodeDecodeError as exc:
        row = raw.count(b"\n", 0, exc.start) + 1
        raise NotebookError(
            f"cannot read notebook: not UTF-8 (byte {raw[exc.start:exc.start + 1]!r} at offset "
            f"{exc.start})", row
        ) from None


def _check_schema(document: object) -> list[dict[str, object]]:
    if isinstance(document, dict) and document.get("nbformat", 4) != 4:
        raise NotebookError(
            f"cannot read notebook: nbformat {document.get('nbformat')!r} is not supported "
            "(only nbformat 4; `jupyter nbconvert --to notebook` converts older ones)"
        )
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        raise NotebookError("cannot read notebook: not a Jupyter notebook (no `cells` list)")
    cells: list[dict[str, object]] = []
    for index, cell in enumerate(document["cells"]):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise NotebookError(f"cannot read notebook: cell {index + 1} is not a notebook cell")
        cells.append(cell)
    return cells


def _source_text(cell: dict[str, object], index: int) -> str:
    source = cell.get("source", "")
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    raise NotebookError(
        f"cannot read notebook: cell {index + 1}: `source` must be a string or a list of strings"
    )


def _is_python(document: dict[str, object]) -> bool:
    """Notebooks of another kernel's language are not checked (as in ruff)."""
    metadata = document.get("metadata")
    if not isinstance(metadata, dict):
        return True
    for key, field in (("language_info", "name"), ("kernelspec", "language")):
        table = metadata.get(key)
        if isinstance(table, dict) and isinstance(table.get(field), str):
            return str(table[field]).lower() == "python"
    return True


# -- where each cell's `source` is in the JSON text ----------------------------------------

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


def _space(text: str, index: int) -> int:
    match = _SPACE.match(text, index)
    return match.end() if match else index


def _value_end(text: str, index: int) -> int:
    _, end = _DECODER.raw_decode(text, index)
    return end


def _members(text: str, index: int) -> list[tuple[str, int, int]]:
    """The (key, value start, value end) of the JSON object at ``index``."""
    found: list[tuple[str, int, int]] = []
    index = _space(text, index + 1)
    if text.startswith("}", index):
        return found
    while True:
        key, index = _DECODER.raw_decode(text, index)
        index = _space(text, _space(text, index) + 1)  # past the colon
        end = _value_end(text, index)
        found.append((key, index, end))
        index = _space(text, end)
        if text.startswith("}", index):
            return found
        index = _space(text, index + 1)  # past the comma


def _elements(text: str, index: int) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    index = _space(text, index + 1)
    if text.startswith("]", index):
        return found
    while True:
        end = _value_end(text, index)
        found.append((index, end))
        index = _space(text, end)
        if text.startswith("]", index):
            return found
        index = _space(text, index + 1)


def _source_spans(text: str) -> list[tuple[int, int]]:
    """For each cell, where its ``source`` value is (the text is valid JSON, a notebook). The
    last of repeated keys counts, as in ``json.loads``."""
    top = _members(text, _space(text, 0))
    cells_start = [start for key, start, _ in top if key == "cells"][-1]
    spans = []
    for start, _ in _elements(text, cells_start):
        sources = [(s, e) for key, s, e in _members(text, start) if key == "source"]
        spans.append(sources[-1] if sources else (start, start))
    return spans


# -- a cell's Python ------------------------------------------------------------------------


def _split_lines(text: str) -> list[str]:
    """Lines with their endings (Python's line breaks only), as nbformat stores them."""
    starts = [0, *(match.end() for match in LINE_BREAK.finditer(text))]
    if starts[-1] != len(text):
        starts.append(len(text))
    return [text[a:b] for a, b in zip(starts, starts[1:])]


def _placeholder(original: str) -> str:
    names = dict.fromkeys(n for n in _NAME.findall(original) if not keyword.iskeyword(n))
    return f"{PLACEHOLDER}({', '.join(names)})"


def _python_of_cell(source: str) -> tuple[str, list[Magic]] | None:
    """The cell's code with its escapes replaced, and where they are; None when the cell is
    not Python (another language's cell magic, or a cell of automagic commands)."""
    lines = _split_lines(source)
    first = next((line.strip() for line in lines if line.strip()), "")
    if first.startswith("%%"):
        name = first[2:].split(maxsplit=1)[0] if len(first) > 2 else ""
        if name not in TRANSPARENT_CELL_MAGICS:
            return None
    pieces: list[str] = []
    magics: list[Magic] = []
    scanner = _Scanner()
    offset = 0
    continues_magic = False  # the previous line was a magic ending with a backslash
    for line in lines:
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        escape_at = None
        if continues_magic:
            escape_at = 0
        elif scanner.at_statement_start:
            escape_at = _escape_start(body, scanner)
        if escape_at is None:
            scanner.feed(body)
            pieces.append(line)
            offset += len(line)
            continue
        original = body[escape_at:]
        placeholder = "" if continues_magic else _placeholder(original)
        magics.append(Magic(offset + escape_at, placeholder, original))
        pieces.append(body[:escape_at] + placeholder + ending)
        offset += escape_at + len(placeholder) + len(ending)
        continues_magic = body.endswith("\\")
    code = "".join(pieces)
    words = first.split(maxsplit=1)
    if words and words[0] in AUTOMAGICS and not magics:
        try:
            compile(code, "<cell>", "exec", ast.PyCF_ONLY_AST | COMPILE_FLAGS, dont_inherit=True)
        except (SyntaxError, ValueError):
            return None  # `pip install x`: IPython commands, not Python
    return code, magics


def _escape_start(line: str, scanner: _Scanner) -> int | None:
    """Where an IPython escape starts in a line that starts a statement (None: none does):
    ``%magic``, ``!shell``, ``?help`` and the other escape characters, ``x = !shell`` /
    ``x = %magic``, and ``obj?`` help."""
    stripped = line.lstrip(" \t")
    indent = len(line) - len(stripped)
    if stripped[:1] and stripped[0] in ESCAPES:
        return indent
    assigned = _ASSIGNED_ESCAPE.match(stripped)
    if assigned:
        return indent + assigned.end()
    if scanner.ends_with_help(stripped):
        return indent
    return None


class _Scanner:
    """Just enough of Python's tokenizer to know, line by line, whether the next line starts
    a statement (not inside brackets, a string, or a backslash continuation), where IPython
    looks for its escapes."""

    def __init__(self) -> None:
        self.depth = 0
        self.quote = ""  # the open string's quote ('"', "'", '"""' or "'''")
        self.continued = False

    @property
    def at_statement_start(self) -> bool:
        return not (self.depth or self.quote or self.continued)

    def ends_with_help(self, line: str) -> bool:
        """``obj?`` / ``obj.attr??``: IPython's help, a `?` ending a one-line statement."""
        probe = _Scanner()
        code = probe.feed(line)
        return probe.at_statement_start and code.rstrip().endswith("?")

    def feed(self, line: str) -> str:
        """Advance over one line (without its line break); returns its code outside strings
        and comments."""
        code: list[str] = []
        index = 0
        self.continued = False
        while index < len(line):
            if self.quote:
                index = self._string_end(line, index)
                continue
            char = line[index]
            if char == "#":
                break
            if char in "\"'":
                self.quote = char * 3 if line.startswith(char * 3, index) else char
                index += len(self.quote)
                continue
            if char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(0, self.depth - 1)
            elif char == "\\" and index == len(line) - 1:
                self.continued = True
                break
            code.append(char)
            index += 1
        if len(self.quote) == 1 and not line.endswith("\\"):
            self.quote = ""  # an unterminated one-line string: Python's error, not ours
        return "".join(code)

    def _string_end(self, line: str, index: int) -> int:
        while index < len(line):
            if line[index] == "\\":
                index += 2
                continue
            if line.startswith(self.quote, index):
                index += len(self.quote)
                self.quote = ""
                return index
            index += 1
        return index
