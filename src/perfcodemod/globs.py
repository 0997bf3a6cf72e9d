"""Globs to regular expressions, in the two dialects the tool reads.

- ruff's (``exclude``, ``per-file-ignores``; globset): ``*`` and ``?`` also match ``/``.
- git's (``.gitignore``): ``*`` and ``?`` stop at ``/``; ``\\`` escapes the next character.

In both, ``**/`` is any number of directories (none included), ``[a-z]`` a class and
``[!a-z]`` a negated one.
"""

from __future__ import annotations

import re


def translate(pattern: str, *, gitignore: bool) -> str:
    """The body of a regular expression (no anchors) for ``pattern``."""
    star, one = ("[^/]*", "[^/]") if gitignore else (".*", ".")
    out: list[str] = []
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
        elif char == "[" and (end := pattern.find("]", index + 2)) != -1:
            body = pattern[index + 1 : end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            index = end
        elif gitignore and char == "\\" and index + 1 < len(pattern):
            index += 1
            out.append(re.escape(pattern[index]))
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)
