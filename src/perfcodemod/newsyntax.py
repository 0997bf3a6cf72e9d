"""The LibCST half of ``syntax.py``: code that ``ast`` rejected, parsed with LibCST and spelled
in older syntax in place (see ``syntax.py``'s docstring for what is rewritten and why).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import Any

import libcst as cst

from perfcodemod.context import children
from perfcodemod.cstoffsets import OffsetState
from perfcodemod.source import LineIndex
from perfcodemod.syntax import RUNNING, NewerSyntaxError, ast_parse

_FORMATTED: tuple[type[cst.CSTNode], ...] = tuple(
    getattr(cst, name) for name in ("FormattedString", "TemplatedString") if hasattr(cst, name)
)
_FIELDS: tuple[type[cst.CSTNode], ...] = tuple(
    getattr(cst, name)
    for name in ("FormattedStringExpression", "TemplatedStringExpression")
    if hasattr(cst, name)
)
_LEADING = re.compile(r"(?:[ \t\f]*(?:#[^\r\n]*)?(?:\r\n|\r|\n))*[ \t\f]*")


def parse_newer(text: str, path: str, flags: int, original: SyntaxError) -> ast.Module:
    """The ``ast`` of ``text``, which ``ast.parse`` rejected with ``original``, spelled in
    older syntax; raises ``original``, a :class:`NewerSyntaxError` or the rewritten text's
    ``SyntaxError`` when there is none."""
    try:
        module = cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError, MemoryError):
        raise original from None  # not Python for LibCST either
    try:
        rewrite = _Rewrite(text, module)
    except (RecursionError, MemoryError):
        raise original from None  # too deep for LibCST's code generation
    try:
        return ast_parse(rewrite.older_text(), path, flags)
    except _CannotRewrite:
        raise _newer_syntax(rewrite, text, rewritten=False) or original from None
    except SyntaxError as error:
        # Positions are the original's: a real error, unless the code holds what is never
        # rewritten (a `match` statement, under 3.9).
        raise _newer_syntax(rewrite, text, rewritten=True) or error from None


def _newer_syntax(rewrite: _Rewrite, text: str, rewritten: bool) -> NewerSyntaxError | None:
    """The error naming the newest construct that the running Python cannot read (if the
    text was ``rewritten``: of those that are never rewritten), or None when there is none."""
    newest: tuple[tuple[int, int], str, int] | None = None
    for needed, feature, offset in rewrite.features():
        if needed <= RUNNING or (rewritten and needed > (3, 10)):
            continue
        if newest is None or needed > newest[0]:
            newest = (needed, feature, offset)
    if newest is None:
        return None
    # The node's code starts with its leading comment lines and indentation.
    leading = _LEADING.match(text, newest[2])
    row, col = LineIndex(text).position(leading.end() if leading else newest[2])
    return NewerSyntaxError(newest[0], newest[1], row, col)


def _nodes(module: cst.Module) -> Iterator[cst.CSTNode]:
    """Every node, parents before children (without recursion: the tree may be deep)."""
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(list(children(node))))


def _string_parts(node: cst.ConcatenatedString) -> list[cst.CSTNode]:
    """The strings of an implicit concatenation, in order (a long one nests deeply)."""
    parts: list[cst.CSTNode] = []
    stack: list[cst.CSTNode] = [node]
    while stack:
        part = stack.pop()
        if isinstance(part, cst.ConcatenatedString):
            stack.extend((part.right, part.left))
        else:
            parts.append(part)
    return parts


def _is_string_unit(node: cst.CSTNode, parent: cst.CSTNode | None) -> bool:
    """A string expression as written with a replacement field: an f-string or template
    string, or an implicit concatenation holding one (its parts are not units of their own)."""
    if isinstance(parent, cst.ConcatenatedString):
        return False
    if isinstance(node, cst.ConcatenatedString):
        return any(isinstance(part, _FORMATTED) for part in _string_parts(node))
    return isinstance(node, _FORMATTED)


def _feature(node: cst.CSTNode) -> tuple[tuple[int, int], str] | None:
    """The Python version that ``node``'s syntax needs, and what it is (None: any Python, or a
    string, whose needs depend on what is in it)."""
    if isinstance(node, cst.Match):
        return (3, 10), "a `match` statement"
    if isinstance(node, cst.TryStar):
        return (3, 11), "`except*`"
    if (isinstance(node, cst.Index) and node.star) or (
        isinstance(node, cst.Annotation) and isinstance(node.annotation, cst.StarredElement)
    ):
        return (3, 11), "a star in a subscript or annotation (PEP 646)"
    if isinstance(node, cst.TypeParam) and node.default is not None:
        return (3, 13), "a type parameter default (PEP 696)"
    if isinstance(node, (cst.TypeParameters, cst.TypeAlias)):
        return (3, 12), "type parameters or a `type` statement (PEP 695)"
    return None


def _string_feature(node: cst.CSTNode) -> tuple[tuple[int, int], str]:
    parts = _string_parts(node) if isinstance(node, cst.ConcatenatedString) else [node]
    if any(type(part).__name__ == "TemplatedString" for part in parts):
        return (3, 14), "a template string (PEP 750)"
    return (3, 12), "an f-string that only Python 3.12 reads (PEP 701)"


class _CannotRewrite(Exception):
    """A construct that cannot be spelled in older syntax without moving a row or column."""


class _Rewrite:
    """The module's text with newer constructs spelled in older syntax, in place."""

    def __init__(self, text: str, module: cst.Module) -> None:
        self.text = text
        self.module = module
        #: The nodes that need a newer Python than 3.9 (or may: string units), in order.
        self.found: list[cst.CSTNode] = []
        targets: set[cst.CSTNode] = set()
        stack: list[tuple[cst.CSTNode, cst.CSTNode | None]] = [(module, None)]
        while stack:
            node, parent = stack.pop()
            if (
                _feature(node) is not None
                or isinstance(node, cst.ExceptStarHandler)
                or _is_string_unit(node, parent)
            ):
                self.found.append(node)
                targets.add(node)
                targets.update(_parts_to_place(node))
            stack.extend((child, node) for child in reversed(list(children(node))))
        state = OffsetState(module, targets)
        module._codegen(state)
        self.offsets = state.inclusive
        #: LibCST gives back the text it read (not quite always: it drops the whitespace
        #: after an f-string's ``!r``, which 3.12 allows); if not, offsets cannot be trusted.
        self.exact = "".join(state.tokens) == text
        self._readable: dict[cst.CSTNode, bool] = {}

    def readable(self, node: cst.CSTNode) -> bool:
        """The running Python reads this string unit as written (a string nested in one of
        its fields is checked on its own)."""
        known = self._readable.get(node)
        if known is None:
            start, end = self.offsets[node]
            try:
                ast_parse(f"({self.text[start:end]}\n)", "<string>")
                known = True
            except (SyntaxError, ValueError):
                known = False
            self._readable[node] = known
        return known

    def features(self) -> Iterator[tuple[tuple[int, int], str, int]]:
        """(Python version, what, offset) of each construct that needs a newer Python than 3.9
        (strings: than the running one)."""
        for node in self.found:
            found = _feature(node)
            if found is None:
                if isinstance(node, cst.ExceptStarHandler) or self.readable(node):
                    continue
                found = _string_feature(node)
            yield found[0], found[1], self.offsets[node][0]

    def older_text(self) -> str:
        if not self.exact:
            raise _CannotRewrite
        chars = list(self.text)
        for node in self.found:
            if isinstance(node, cst.TypeParameters):
                self.blank(chars, *self.offsets[node])
            elif isinstance(node, cst.TypeAlias):
                self.alias_as_assignment(chars, node)
            elif isinstance(node, cst.ExceptStarHandler):
                assert node.type is not None  # `except*` always names what it catches
                star = self.text.rindex("*", 0, self.offsets[node.type][0])
                chars[star] = " "
            elif isinstance(node, cst.Index):
                chars[self.offsets[node][0]] = " "
            elif isinstance(node, cst.Annotation):
                chars[self.offsets[node.annotation][0]] = " "
            elif _is_string_unit(node, None) and not self.readable(node):
                self.fields_as_tuple(chars, node)
        return "".join(chars)

    def blank(self, chars: list[str], start: int, end: int) -> None:
        """Spaces over ``[start, end)``, its line breaks kept (continued with a backslash)."""
        text = self.text
        for index in range(start, end):
            char = text[index]
            if char not in "\r\n":
                chars[index] = " "
            elif not (char == "\n" and index > start and text[index - 1] == "\r"):
                before = index - 1
                if before < start or text[before] in "\r\n":
                    raise _CannotRewrite  # an empty line, which a backslash cannot continue
                chars[before] = "\\"

    def alias_as_assignment(self, chars: list[str], node: cst.TypeAlias) -> None:
        """``type X[T] = value`` -> ``X         = value`` (on the rows it had; the name
        moves to where ``type`` was, the value stays)."""
        start = self.offsets[node][0]
        head = node.type_parameters or node.name
        equal = self.text.index("=", self.offsets[head][1])
        self.blank(chars, start, equal)
        name = node.name.value
        chars[start : start + len(name)] = name

    def fields_as_tuple(self, chars: list[str], node: cst.CSTNode) -> None:
        """``f"a{x!r:>{w}}b" "c"`` -> ``(   x,   w,     )``: every replacement field's
        expression where it was, a comma right after each, the rest blank (line breaks kept:
        they are inside the parentheses)."""
        start, end = self.offsets[node]
        kept = sorted(
            (self.offsets[field][0] + 1, self.offsets[field.expression][1])
            for field in _fields(node)
        )
        position = start
        for kept_start, kept_end in [*kept, (end, end)]:
            for index in range(position, kept_start):
                if self.text[index] not in "\r\n":
                    chars[index] = " "
            if kept_end < end:
                chars[kept_end] = ","
                position = kept_end + 1
        chars[start] = "("
        chars[end - 1] = ")"


def _parts_to_place(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The parts of a found node whose offsets its rewriting needs."""
    if isinstance(node, cst.TypeAlias):
        yield node.type_parameters or node.name
    elif isinstance(node, cst.ExceptStarHandler) and node.type is not None:
        yield node.type
    elif isinstance(node, cst.Annotation):
        yield node.annotation
    elif _is_string_unit(node, None):
        for field in _fields(node):
            yield field
            yield field.expression


def _fields(node: cst.CSTNode) -> Iterator[Any]:
    """The replacement fields of a string unit, with those nested in format specs (not those
    of strings inside the fields' expressions: each string is rewritten on its own)."""
    parts = _string_parts(node) if isinstance(node, cst.ConcatenatedString) else [node]
    while parts:
        part = parts.pop()
        if isinstance(part, _FIELDS):
            yield part
            parts.extend(getattr(part, "format_spec", None) or ())
        elif isinstance(part, _FORMATTED):
            parts.extend(getattr(part, "parts", ()))


__all__ = ["parse_newer"]
