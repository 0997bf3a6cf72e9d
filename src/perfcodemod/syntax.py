"""Python's ``ast`` of a module, also when it uses syntax newer than the running Python.

The engine reads every file with ``ast.parse`` first (pre-checks and whole-module facts), and
``ast`` understands only the syntax of the Python that runs perfcodemod: under 3.11, PEP 695
type parameters and PEP 701 f-strings are syntax errors although the code is valid 3.12. LibCST,
which parses the chunks that rules visit, reads every version's syntax. So when ``ast.parse``
fails, the module is parsed with LibCST and, if that succeeds, rewritten for ``ast`` with every
newer construct spelled in older syntax, character for character in place so that every row
and column stays where it was (the engine pairs ``ast`` and LibCST nodes by position):

- type parameters (``def f[T](x: T)``, ``class C[T]``; PEP 695, defaults PEP 696) are blanked;
- ``type X[T] = value`` becomes ``X         = value``;
- ``except* E`` becomes ``except  E``; ``tuple[*Ts]`` and ``*args: *Ts`` (PEP 646) lose the star;
- an f-string (or template string) that this Python cannot read (PEP 701: its own quotes,
  backslashes or comments inside the replacement fields; PEP 750 ``t"..."``) becomes a tuple
  of its replacement fields' expressions: ``f"{x["k"]:>{w}}"`` is read as ``( x["k"], w, )``.

The rewritten text is only ever given to ``ast``: diagnostics and fixes come from LibCST's
parse of the original text. What cannot be rewritten this way (a ``match`` statement under
Python 3.9) is a :class:`NewerSyntaxError` naming the Python that can check the file, not a
syntax error.

This module is the fast path (``ast.parse``, with no LibCST); the LibCST half, imported only
for a file that ``ast`` rejects, is ``newsyntax.py``.
"""

from __future__ import annotations

import ast
import sys
import warnings

#: The nesting depth (brackets) up to which LibCST is asked to parse what ``ast`` rejected;
#: CPython's own limit is 200, and LibCST's native parser crashes the process far beyond it.
MAX_DEPTH = 200

RUNNING = sys.version_info[:2]


class NewerSyntaxError(SyntaxError):
    """Valid code for a newer Python, which the running Python's parser cannot read."""

    def __init__(self, needed: tuple[int, int], feature: str, row: int, col: int) -> None:
        running = f"{RUNNING[0]}.{RUNNING[1]}"
        version = f"{needed[0]}.{needed[1]}"
        super().__init__(
            f"this file uses Python {version} syntax ({feature}), which Python {running} "
            f"(running perfcodemod) cannot parse; run perfcodemod under Python {version} or "
            "newer to check it"
        )
        self.needed = needed
        self.feature = feature
        self.lineno = row
        self.offset = col


def parse(text: str, path: str = "<unknown>", flags: int = 0) -> ast.Module:
    """``ast.parse(text)``; for syntax newer than the running Python's, the ``ast`` of the
    same code spelled in older syntax (see the module's docstring). ``flags``: compiler flags
    (``notebook.COMPILE_FLAGS`` for a notebook's code).

    Raises ``SyntaxError`` for code that is not valid Python, :class:`NewerSyntaxError` for
    valid code that this Python cannot read even so, and what ``ast.parse`` raises otherwise
    (``ValueError`` for NUL bytes, ``RecursionError``, ``MemoryError``).
    """
    try:
        return ast_parse(text, path, flags)
    except SyntaxError as error:
        original = error
    if "nested" in (original.msg or "") or _bracket_depth(text) > MAX_DEPTH:
        raise original  # LibCST's native parser must not be asked about deep nesting
    from perfcodemod import newsyntax  # LibCST: only for what ast rejected

    return newsyntax.parse_newer(text, path, flags, original)


def ast_parse(text: str, path: str, flags: int = 0) -> ast.Module:
    """``ast.parse`` without warnings (SyntaxWarning for invalid escapes and the like)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if flags:
            tree = compile(text, path, "exec", ast.PyCF_ONLY_AST | flags, dont_inherit=True)
            assert isinstance(tree, ast.Module)
            return tree
        return ast.parse(text, filename=path)


def _bracket_depth(text: str) -> int:
    """An upper bound of the bracket nesting (brackets in strings and comments counted too)."""
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif char in ")]}" and depth:
            depth -= 1
    return deepest


__all__ = ["MAX_DEPTH", "NewerSyntaxError", "ast_parse", "parse"]
