"""Matching the files a profile names to the files being checked.

A profile names files as the profiled program saw them: absolute paths in another checkout, in
``site-packages`` of an installed copy, or relative to ``sys.path`` (py-spy's raw output,
``python -m cProfile -o x.prof script.py``). A checked file matches a profile file when the
profile's path ends with the checked file's *module path*: its path from the top of its
package (the first directory up without an ``__init__.py``), or its name for a file outside
packages. Where several checked files qualify, the one sharing the longest tail wins.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path


def _parts(path: str) -> tuple[str, ...]:
    return tuple(part for part in path.replace("\\", "/").split("/") if part and part != ".")


# One run's view of the tree: packages do not appear or vanish while a check runs.
@lru_cache(maxsize=4096)  # noqa: PCM414
def _is_package(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "__init__.py"))


def module_parts(path: str) -> tuple[str, ...]:
    """``src/pkg/sub/mod.py`` -> ``("pkg", "sub", "mod.py")`` when ``pkg`` and ``sub`` are
    packages; a file outside packages is just its name."""
    absolute = os.path.abspath(path)
    parts = [os.path.basename(absolute)]
    directory = os.path.dirname(absolute)
    while _is_package(directory):
        parts.append(os.path.basename(directory))
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return tuple(reversed(parts))


def _common_tail(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    count = 0
    for x, y in zip(reversed(a), reversed(b)):
        if x != y:
            break
        count += 1
    return count


def match_files(profile_files: Iterable[str], checked: Iterable[str]) -> dict[str, list[str]]:
    """For each checked file (as given), the profile files that are the same module."""
    by_name: dict[str, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
    for name in profile_files:
        parts = _parts(name)
        if parts:
            by_name[parts[-1]].append((name, parts))
    candidates: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for path in checked:
        absolute = Path(os.path.abspath(path))
        real = os.path.realpath(absolute)
        own = _parts(str(absolute).replace(os.sep, "/"))
        module = module_parts(path)
        for name, parts in by_name.get(absolute.name, ()):
            if os.path.isabs(name) and os.path.realpath(name) == real:
                candidates[name].append((path, 1 << 20))
            elif parts[-len(module):] == module:
                candidates[name].append((path, _common_tail(parts, own)))
    matched: dict[str, list[str]] = defaultdict(list)
    for name, options in candidates.items():
        best = max(score for _, score in options)
        for path, score in options:
            if score == best:
                matched[path].append(name)
    return dict(matched)
