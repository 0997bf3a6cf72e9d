"""Which files to check: directories recursively (what ``include``/``extend-include`` match:
by default ``.py``, ``.pyi`` and ``.ipynb``), minus the default and configured excludes and what
``.gitignore`` ignores; files named on the command line always (unless ``--force-exclude``)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from perfcodemod import globs
from perfcodemod.config import ConfigResolver, Settings
from perfcodemod.diagnostic import ToolError


@dataclass(frozen=True)
class Target:
    path: Path
    settings: Settings
    #: Named on the command line (checked whatever its suffix).
    explicit: bool
    #: May be written by ``--fix`` (false for symlinks that lead outside the named paths).
    writable: bool = True


class DiscoveryError(Exception):
    pass


def display_path(path: str | os.PathLike[str]) -> str:
    """A path as every output shows it. Python keeps the bytes of a name that is not valid
    UTF-8 as lone surrogates, which no UTF-8 output (JSON, XML, a strict terminal) can hold;
    they become U+FFFD, as ruff shows such names."""
    text = os.fspath(path)
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "replace")
    return text


# -- .gitignore -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _IgnorePattern:
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool


class IgnoreFile:
    """The patterns of one ``.gitignore`` (or ``.git/info/exclude``), relative to ``base``."""

    def __init__(self, base: Path, text: str) -> None:
        self.base = base
        self.patterns: list[_IgnorePattern] = []
        for raw in text.splitlines():
            line = raw.rstrip("\r")
            if not line or line.startswith("#"):
                continue
            # Trailing spaces are ignored unless escaped with a backslash.
            stripped = line.rstrip(" ")
            if stripped.endswith("\\") and len(stripped) < len(line):
                stripped += " "
            line = stripped
            negate = line.startswith("!")
            if negate:
                line = line[1:]
            elif line.startswith("\\!") or line.startswith("\\#"):
                line = line[1:]
            dir_only = line.endswith("/")
            line = line.rstrip("/")
            if not line:
                continue
            anchored = "/" in line
            line = line.lstrip("/")
            body = globs.translate(line, gitignore=True)
            regex = ("^" if anchored else "^(?:.*/)?") + body + "$"
            self.patterns.append(_IgnorePattern(re.compile(regex, re.DOTALL), negate, dir_only))

    def match(self, relative: str, is_dir: bool) -> bool | None:
        """True: ignored; False: re-included by ``!``; None: no pattern matches."""
        result: bool | None = None
        for pattern in self.patterns:
            if pattern.dir_only and not is_dir:
                continue
            if pattern.regex.match(relative):
                result = not pattern.negate
        return result


def _read_ignore_file(base: Path, path: Path) -> IgnoreFile | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return IgnoreFile(base, text)


class GitIgnore:
    """Decides whether a path is ignored by the ``.gitignore`` files of its repository (and
    its ``.git/info/exclude``). Files are read once per run."""

    def __init__(self) -> None:
        self._ignore_files: dict[Path, IgnoreFile | None] = {}
        self._excludes: dict[Path, IgnoreFile | None] = {}
        self._roots: dict[Path, Path | None] = {}

    def git_root(self, directory: Path) -> Path | None:
        if directory not in self._roots:
            if (directory / ".git").exists():
                self._roots[directory] = directory
            elif directory.parent == directory:
                self._roots[directory] = None
            else:
                self._roots[directory] = self.git_root(directory.parent)
        return self._roots[directory]

    def _chain(self, directory: Path, root: Path) -> list[IgnoreFile]:
        chain: list[IgnoreFile] = []
        if root not in self._excludes:
            self._excludes[root] = _read_ignore_file(root, root / ".git" / "info" / "exclude")
        exclude = self._excludes[root]
        if exclude is not None:
            chain.append(exclude)
        current = root
        for part in ("", *directory.relative_to(root).parts):
            if part:
                current = current / part
            if current not in self._ignore_files:
                self._ignore_files[current] = _read_ignore_file(current, current / ".gitignore")
            loaded = self._ignore_files[current]
            if loaded is not None:
                chain.append(loaded)
        return chain

    def ignored(self, path: Path, is_dir: bool) -> bool:
        """Whether git ignores ``path`` itself (its directories are checked while walking)."""
        path = Path(os.path.abspath(path))
        root = self.git_root(path.parent)
        if root is None or path == root:
            return False
        result: bool | None = None
        for ignore_file in self._chain(path.parent, root):
            relative = path.relative_to(ignore_file.base).as_posix()
            matched = ignore_file.match(relative, is_dir)
            if matched is not None:
                result = matched
        return bool(result)


# -- walking ------------------------------------------------------------------------------------


def _resolve(path: Path) -> Path:
    """Where ``path``'s symlinks lead; a symlink loop resolves to the path itself (reading it
    then fails and is reported as PCM001)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


def _is_virtualenv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").is_file()


def force_excluded(path: Path, settings: Settings) -> bool:
    """``--force-exclude`` for a path named on the command line (or ``--stdin-filename``):
    excluded when it or a directory above it, up to the configuration's root, matches
    ``exclude``/``extend-exclude``, as if it had been found by walking (as in ruff, and for the
    same reason .gitignore is not consulted: git does not ignore tracked files)."""
    absolute = Path(os.path.abspath(path))
    root = Path(os.path.abspath(settings.root))
    for candidate in (absolute, *absolute.parents):
        if candidate == root or candidate.parent == candidate:
            break
        if settings.is_excluded(candidate, is_dir=candidate != absolute):
            return True
        if root not in candidate.parents:
            break  # outside the configuration's root: only the path itself is matched
    return False


def discover(
    paths: Sequence[Path],
    resolver: ConfigResolver,
    *,
    force_exclude: bool = False,
    errors: list[ToolError] | None = None,
) -> Iterator[Target]:
    """Every file to check under ``paths``, each with the settings of its closest config.

    A path that does not exist is a usage error (``DiscoveryError``); a directory that cannot
    be listed is reported in ``errors`` and skipped.
    """
    gitignore = GitIgnore()
    roots = [_resolve(path) for path in paths]
    seen: set[Path] = set()
    problems: list[ToolError] = errors if errors is not None else []
    for given in paths:
        if not given.exists() and not given.is_symlink():
            raise DiscoveryError(f"{display_path(given)}: no such file or directory")
        settings = resolver.for_path(given)
        if force_exclude and force_excluded(given, settings):
            continue
        if given.is_dir():
            yield from _walk(given, resolver, gitignore, roots, seen, problems)
            continue
        resolved = _resolve(given)
        if resolved not in seen:
            seen.add(resolved)
            yield Target(given, settings, explicit=True)


def _excluded(path: Path, settings: Settings, gitignore: GitIgnore, *, is_dir: bool) -> bool:
    if settings.is_excluded(path, is_dir=is_dir):
        return True
    return settings.respect_gitignore and gitignore.ignored(path, is_dir)


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def _walk(
    top: Path,
    resolver: ConfigResolver,
    gitignore: GitIgnore,
    roots: Sequence[Path],
    seen: set[Path],
    errors: list[ToolError],
) -> Iterator[Target]:
    stack = [top]
    while stack:
        directory = stack.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            message = f"cannot list directory: {exc.strerror or exc}"
            errors.append(ToolError(display_path(directory), message))
            continue
        settings = resolver.for_path(directory)
        resolved_directory: Path | None = None
        subdirectories: list[Path] = []
        for entry in entries:
            path = directory / entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if _excluded(path, settings, gitignore, is_dir=True) or _is_virtualenv(path):
                    continue
                subdirectories.append(path)
            elif settings.is_included(path):
                is_link = entry.is_symlink()
                try:
                    is_file = entry.is_file()
                except OSError:  # a symlink loop
                    is_file = False
                if not is_file:
                    # A dangling link, a loop, a link to a directory (never followed), or not
                    # a regular file at all (a FIFO would block the run).
                    continue
                if _excluded(path, settings, gitignore, is_dir=False):
                    continue
                if is_link:
                    resolved = _resolve(path)
                else:  # where the directory leads, and this name in it (one lookup each)
                    if resolved_directory is None:
                        resolved_directory = _resolve(directory)
                    resolved = resolved_directory / entry.name
                if resolved in seen:
                    continue
                if is_link and not _inside(resolved, roots):
                    continue  # a link out of the named paths: not ours to check or write
                seen.add(resolved)
                yield Target(path, settings, explicit=False)
        stack.extend(reversed(subdirectories))
