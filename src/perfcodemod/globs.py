"""Globs to regular expressions, in the two dialects the tool reads.

- ruff's (``exclude``, ``include``, ``per-file-ignores``; globset): ``*`` and ``?`` also match
  ``/``; ``{a,b}`` is either alternative. A malformed glob is an error (``GlobError``), as it
  is in ruff, not a pattern that silently matches nothing.
- git's (``.gitignore``): ``*`` and ``?`` stop at ``/``; ``\\`` escapes the next character.

In both, ``**/`` is any number of directories (none included), ``[a-z]`` a class and
``[!a-z]`` a negated one.
"""

from __future__ import annotations

import re


class GlobError(ValueError):
    """A glob that cannot mean anything: an unclosed ``[`` or ``{``, a reversed range."""


def translate(pattern: str, *, gitignore: bool) -> str:
    """The body of a regular expression (no anchors) for ``pattern``. In the ruff dialect a
    malformed pattern raises ``GlobError``; git's reads an unclosed ``[`` literally."""
    star, one = ("[^/]*", "[^/]") if gitignore else (".*", ".")
    out: list[str] = []
    alternatives = 0  # open `{` groups (ruff's dialect only)
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
            continue
        if gitignore and pattern.startswith("/**", index) and index + 3 == len(pattern):
            out.append("/.*")
            index += 3
            continue
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            while pattern.startswith("*", index):
                index += 1
            continue
        if char == "*":
            out.append(star)
        elif char == "?":
            out.append(one)
        elif char == "[":
            end = _class_end(pattern, index)
            if end == -1:
                if not gitignore:
                    raise GlobError("unclosed character class `[` (write `[[]` for a literal `[`)")
                out.append(re.escape(char))
            else:
                out.append(_character_class(pattern[index + 1 : end]))
                index = end
        elif not gitignore and char == "{":
            if alternatives:
                raise GlobError("nested alternatives `{...{` are not supported")
            alternatives += 1
            out.append("(?:")
        elif not gitignore and char == "}" and alternatives:
            alternatives -= 1
            out.append(")")
        elif not gitignore and char == "," and alternatives:
            out.append("|")
        elif gitignore and char == "\\" and index + 1 < len(pattern):
            index += 1
            out.append(re.escape(pattern[index]))
        else:
            out.append(re.escape(char))
        index += 1
    if alternatives:
        raise GlobError("unclosed alternatives `{` (write `[{]` for a literal `{`)")
    return "".join(out)


def _class_end(pattern: str, start: int) -> int:
    """The index of the ``]`` closing the class opened at ``start`` (-1: none). A ``]`` right
    after ``[`` or ``[!`` is a member, not the end."""
    index = start + 1
    if pattern.startswith(("!", "^"), index):
        index += 1
    if pattern.startswith("]", index):
        index += 1
    return pattern.find("]", index)


def _character_class(body: str) -> str:
    negated = body.startswith(("!", "^"))
    if negated:
        body = body[1:]
    for low, high in re.findall(r"(.)-(.)", body):
        if low > high:
            raise GlobError(f"invalid range `{low}-{high}` in a character class")
    escaped = body.replace("\\", "\\\\").replace("[", "\\[")
    return ("[^" if negated else "[") + escaped + "]"


def check(pattern: str) -> None:
    """Raise ``GlobError`` when ``pattern`` is not a valid glob in ruff's dialect."""
    try:
        re.compile(translate(pattern, gitignore=False))
    except re.error as exc:
        raise GlobError(str(exc)) from None
