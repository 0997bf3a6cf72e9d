"""``[tool.perfcodemod]`` (or ``perfcodemod.toml`` / ``.perfcodemod.toml``) to ``Settings``.

As in ruff, the closest configuration file to each checked file applies; in one directory
``.perfcodemod.toml`` wins over ``perfcodemod.toml``, which wins over ``pyproject.toml`` (a
``pyproject.toml`` without a ``[tool.perfcodemod]`` table is not a configuration file). Paths in a
configuration file are relative to its directory. Every error names the file and the key, and
suggests a close match.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from perfcodemod import globs, registry
from perfcodemod.diagnostic import Applicability
from perfcodemod.rule import OptionSpec, Rule

CONFIG_FILES = (".perfcodemod.toml", "perfcodemod.toml", "pyproject.toml")
PARSE_ERROR_CODE = "PCM001"
DEFAULT_TARGET_VERSION = (3, 9)
SUPPORTED_TARGETS = tuple((3, minor) for minor in range(9, 15))

#: Directories never walked into (explicitly named files are still checked).
DEFAULT_EXCLUDE = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints",
    ".mypy_cache", ".nox", ".pants.d", ".perfcodemod_cache", ".pyenv", ".pytest_cache",
    ".pytype", ".ruff_cache", ".svn", ".tox", ".venv", ".vscode", "__pycache__",
    "__pypackages__", "_build", "buck-out", "build", "dist", "node_modules", "site-packages",
    "venv",
)


#: The files a directory walk checks (as ruff's default ``include``, notebooks included).
DEFAULT_INCLUDE = ("*.py", "*.pyi", "*.ipynb")
_DEFAULT_SUFFIXES = (".py", ".pyi", ".ipynb")


class ConfigError(Exception):
    """A configuration problem; the message names the file, the key and a close match."""


@dataclass(frozen=True)
class Overrides:
    """What the command line says, applied on top of every configuration file."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fixable: tuple[str, ...] | None = None
    unfixable: tuple[str, ...] = ()
    unsafe_fixes: bool | None = None
    target_version: str | None = None
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool | None = None


#: One layer of rule selection (``select``, ``extend-select``, ``ignore``): the configuration
#: file's, then the command line's, applied in order as ruff does.
Selection = tuple[Optional[tuple[str, ...]], tuple[str, ...], tuple[str, ...]]


@dataclass(frozen=True)
class Settings:
    #: The configuration file these settings come from (None: defaults).
    path: Path | None = None
    #: The directory that relative paths in the configuration are relative to.
    root: Path = field(default_factory=Path.cwd)
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    include: tuple[str, ...] = DEFAULT_INCLUDE
    extend_include: tuple[str, ...] = ()
    fixable: tuple[str, ...] = ("ALL",)
    unfixable: tuple[str, ...] = ()
    unsafe_fixes: bool = False
    respect_gitignore: bool = True
    target_version: tuple[int, int] = DEFAULT_TARGET_VERSION
    cache_dir: Path | None = None
    extend_safe_fixes: tuple[str, ...] = ()
    extend_unsafe_fixes: tuple[str, ...] = ()
    #: ``hot-threshold``: with a profile, keep findings at or above this share (0..1).
    hot_threshold: float | None = None
    family_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: Selection layers applied after the configuration file's (the command line's).
    extra_selections: tuple[Selection, ...] = ()

    # -- rule selection --

    def selected_codes(self) -> tuple[str, ...]:
        """The codes of the selected rules (importing no rule)."""
        return _selected(((self.select, self.extend_select, self.ignore), *self.extra_selections))

    def codes_for(self, path: Path | str | None) -> tuple[str, ...]:
        """The selected codes minus the per-file ignores that match ``path``."""
        codes = self.selected_codes()
        ignored = self.per_file_ignored(path)
        if not ignored:
            return codes
        return tuple(code for code in codes if not any(code.startswith(s) for s in ignored))

    def selected_rules(self) -> tuple[type[Rule], ...]:
        return tuple(registry.rule_class(code) for code in self.selected_codes())

    def rules_for(self, path: Path | str | None) -> tuple[type[Rule], ...]:
        """The selected rules minus the per-file ignores that match ``path``."""
        return tuple(registry.rule_class(code) for code in self.codes_for(path))

    def per_file_ignored(self, path: Path | str | None) -> tuple[str, ...]:
        if path is None or not self.per_file_ignores:
            return ()
        codes: list[str] = []
        for pattern, selectors in self.per_file_ignores:
            # As in ruff, a leading `!` applies the codes to the files the glob does not match.
            negated = pattern.startswith("!")
            if path_matches(Path(path), pattern[1:] if negated else pattern, self.root) != negated:
                codes.extend("" if s.upper() == "ALL" else s.upper() for s in selectors)
        return tuple(codes)

    def is_fixable(self, code: str) -> bool:
        fixable = _most_specific(code, self.fixable)
        unfixable = _most_specific(code, self.unfixable)
        return fixable > unfixable

    def applicability(self, code: str, applicability: Applicability) -> Applicability:
        safe = _most_specific(code, self.extend_safe_fixes)
        unsafe = _most_specific(code, self.extend_unsafe_fixes)
        if unsafe >= 0 and unsafe >= safe:
            return Applicability.UNSAFE
        if safe >= 0:
            return Applicability.SAFE
        return applicability

    def is_excluded(self, path: Path, *, is_dir: bool = False) -> bool:
        """Whether ``path`` itself matches ``exclude``/``extend-exclude`` (its parents are
        checked as directories while walking; see ``files.force_excluded`` for the rest)."""
        names, patterns = _split_excludes((*self.exclude, *self.extend_exclude))
        if path.name in names:
            return True
        return any(path_matches(path, pattern, self.root) for pattern in patterns)

    def is_included(self, path: Path) -> bool:
        """Whether a file found by walking a directory is checked: it matches ``include`` or
        ``extend-include`` (files named on the command line are checked whatever they are)."""
        if self.include == DEFAULT_INCLUDE and not self.extend_include:
            return path.name.endswith(_DEFAULT_SUFFIXES)
        return any(
            path_matches(path, pattern, self.root)
            for pattern in (*self.include, *self.extend_include)
        )

    def with_overrides(self, overrides: Overrides) -> Settings:
        changes: dict[str, Any] = {}
        if overrides.select is not None or overrides.extend_select or overrides.ignore:
            # A later layer: `--select` starts over (the configured ignores go with it),
            # `--extend-select`/`--ignore` adjust what the configuration selected.
            layer: Selection = (overrides.select, overrides.extend_select, overrides.ignore)
            changes["extra_selections"] = (*self.extra_selections, layer)
        if overrides.fixable is not None:
            changes["fixable"] = overrides.fixable
        if overrides.unfixable:
            changes["unfixable"] = self.unfixable + overrides.unfixable
        if overrides.unsafe_fixes is not None:
            changes["unsafe_fixes"] = overrides.unsafe_fixes
        if overrides.target_version is not None:
            changes["target_version"] = _target_version(
                overrides.target_version, "--target-version", None
            )
        if overrides.exclude is not None:
            changes["exclude"] = overrides.exclude
        if overrides.extend_exclude:
            changes["extend_exclude"] = self.extend_exclude + overrides.extend_exclude
        if overrides.respect_gitignore is not None:
            changes["respect_gitignore"] = overrides.respect_gitignore
        return replace(self, **changes) if changes else self


def _specificity(selector: str) -> int:
    return 0 if selector.upper() == "ALL" else len(selector)


def _most_specific(code: str, selectors: Iterable[str]) -> int:
    """The specificity of the most specific selector naming ``code`` (-1: none does)."""
    best = -1
    for selector in selectors:
        upper = selector.upper()
        if upper == "ALL" or code.startswith(upper):
            best = max(best, _specificity(upper))
    return best


_SELECTION_CACHE: dict[tuple[Selection, ...], tuple[str, ...]] = {}


def _selected(layers: tuple[Selection, ...]) -> tuple[str, ...]:
    """Apply selection layers in order, as ruff does: within a layer the most specific
    selector wins (an ignore wins a tie); a layer with ``select`` starts from nothing, one
    without adjusts the previous result. PCM001 is on unless a layer ignores it explicitly.
    Codes only: no rule module is imported here (see ``registry``)."""
    cached = _SELECTION_CACHE.get(layers)
    if cached is not None:
        return cached
    codes = registry.codes()
    enabled = {code for code in codes if _default_enabled(code)}
    parse_error_on = True
    for select, extend_select, ignore in layers:
        chosen = (*(select or ()), *extend_select)
        decisions: dict[str, bool] = {}
        for code in codes:
            selected = _most_specific(code, chosen)
            ignored = _most_specific(code, ignore)
            if ignored >= 0 and ignored >= selected:
                decisions[code] = False
            elif selected >= 0:
                decisions[code] = True
        if select is not None:
            enabled = {code for code, on in decisions.items() if on}
        else:
            enabled |= {code for code, on in decisions.items() if on}
            enabled -= {code for code, on in decisions.items() if not on}
        if PARSE_ERROR_CODE in decisions:
            parse_error_on = decisions[PARSE_ERROR_CODE]
    if parse_error_on:
        enabled.add(PARSE_ERROR_CODE)
    else:
        enabled.discard(PARSE_ERROR_CODE)
    result = tuple(code for code in codes if code in enabled)
    _SELECTION_CACHE[layers] = result
    return result


def _default_enabled(code: str) -> bool:
    entry = registry.entry(code)
    return entry is not None and entry.default_enabled


@lru_cache(maxsize=64)
def _split_excludes(patterns: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    """The patterns that are plain names (``.git``, ``node_modules``: what ``path_matches``
    compares with a path's name, here a set lookup: every path of a walk is asked about every
    pattern) and the others."""
    names: set[str] = set()
    others: list[str] = []
    for pattern in patterns:
        name = pattern.replace("\\", "/")
        while name.startswith("./"):
            name = name[2:]
        if name != "/":
            name = name.rstrip("/")
        # A plain name: no "/" and nothing the glob syntax gives a meaning to.
        if name and "/" not in name and globs.translate(name, gitignore=False) == re.escape(name):
            names.add(name)
        else:
            others.append(pattern)
    return frozenset(names), tuple(others)


@lru_cache(maxsize=1024)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob as ruff reads it (globset): ``*`` and ``?`` also match ``/``, ``**/`` is any
    number of directories (none included), ``[!a-z]`` is a negated class."""
    return re.compile(globs.translate(pattern, gitignore=False) + r"\Z", re.DOTALL)


def path_matches(path: Path, pattern: str, root: Path) -> bool:
    """ruff-style globs: a pattern without ``/`` matches the file or directory name
    (``build``, ``*_pb2.py``); one with ``/`` matches the path relative to ``root``
    (``src/gen/*.py``, ``**/generated``), and a directory pattern also covers what is below
    it. An absolute pattern matches the absolute path."""
    pattern = pattern.replace("\\", "/")
    while pattern.startswith("./"):
        pattern = pattern[2:]
    if pattern != "/":
        pattern = pattern.rstrip("/")
    if "/" not in pattern:
        return bool(_glob_regex(pattern).match(path.name))
    absolute = os.path.abspath(path).replace(os.sep, "/")
    if pattern.startswith("/") or os.path.isabs(pattern):
        subject = absolute
    else:
        try:
            subject = os.path.relpath(absolute, os.path.abspath(root)).replace(os.sep, "/")
        except ValueError:  # another drive on Windows
            subject = absolute
    regex = _glob_regex(pattern)
    return bool(regex.match(subject)) or bool(_glob_regex(pattern + "/**").match(subject))


# -- reading configuration files --------------------------------------------------------------

_KEYS = (
    "select", "extend-select", "ignore", "per-file-ignores", "exclude", "extend-exclude",
    "include", "extend-include", "fixable", "unfixable", "unsafe-fixes", "respect-gitignore",
    "target-version", "cache-dir", "extend-safe-fixes", "extend-unsafe-fixes",
    "hot-threshold",
)


def _close(word: str, choices: Iterable[str]) -> str:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not match:
        normalized = word.lower().replace("_", "-")
        match = difflib.get_close_matches(normalized, list(choices), n=1, cutoff=0.6)
    return f"; did you mean `{match[0]}`?" if match else ""


def _where(path: Path | None, table: str) -> str:
    return f"{path}: " if path else ""


def _in(table: str) -> str:
    """Where a key is: ``in [tool.perfcodemod]``, or the top level of ``perfcodemod.toml``."""
    return f"in [{table}]" if table else "at the top level"


def _type_name(value: object) -> str:
    names = {str: "a string", bool: "a boolean", int: "an integer", float: "a number",
             list: "an array", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def _string_list(value: object, key: str, path: Path | None, table: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        found = _type_name(value) if not isinstance(value, list) else "an array with non-strings"
        raise ConfigError(
            f"{_where(path, table)}`{key}` {_in(table)} must be a list of strings, not {found}"
        )
    return tuple(value)


def _glob(pattern: str, where: str, path: Path | None) -> bool:
    """Check one glob (True), or raise the configuration error naming it."""
    try:
        globs.check(pattern)
    except globs.GlobError as exc:
        prefix = f"{path}: " if path else ""
        raise ConfigError(f"{prefix}invalid glob `{pattern}` in {where}: {exc}") from None
    return True


def _globs(value: object, key: str, path: Path | None, table: str) -> tuple[str, ...]:
    patterns = _string_list(value, key, path, table)
    for pattern in patterns:
        _glob(pattern, f"`{key}` {_in(table)}", path)
    return patterns


def _selectors(value: object, key: str, path: Path | None, table: str) -> tuple[str, ...]:
    selectors = _string_list(value, key, path, table)
    for selector in selectors:
        check_selector(selector, f"`{key}` {_in(table)}", path)
    return selectors


def check_selector(selector: str, where: str, path: Path | None = None) -> None:
    if registry.is_valid_selector(selector):
        return
    by_name = registry.get_rule(selector)
    if by_name is not None:
        hint = f"; did you mean `{by_name.code}` ({by_name.name})?"
    else:
        close = registry.suggestion(selector)
        hint = f"; did you mean `{close}`?" if close else ""
    prefix = f"{path}: " if path else ""
    raise ConfigError(f"{prefix}unknown rule selector `{selector}` in {where}{hint}")


def _target_version(value: object, key: str, path: Path | None, table: str = "") -> tuple[int, int]:
    choices = [f"py3{minor}" for _, minor in SUPPORTED_TARGETS]
    if isinstance(value, str) and value.lower() in choices:
        return (3, int(value.lower()[3:]))
    prefix = f"{path}: " if path else ""
    where = f" {_in(table)}" if path else ""
    hint = _close(str(value), choices) if isinstance(value, str) else ""
    raise ConfigError(
        f"{prefix}`{key}`{where} must be one of {', '.join(choices)}, not {value!r}{hint}"
    )


def _bool(value: object, key: str, path: Path | None, table: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(
            f"{_where(path, table)}`{key}` {_in(table)} must be true or false, "
            f"not {_type_name(value)}"
        )
    return value


def settings_from_table(table: Mapping[str, Any], path: Path | None, root: Path) -> Settings:
    """Validate one ``[tool.perfcodemod]`` table (or a ``perfcodemod.toml`` top level)."""
    name = "tool.perfcodemod" if path is None or path.name == "pyproject.toml" else ""
    families = registry.family_options()
    values: dict[str, Any] = {"path": path, "root": root}
    family_options: dict[str, dict[str, Any]] = {}
    for key, value in table.items():
        if key in families:
            family_options[key] = _family_table(key, value, path, name)
            continue
        if key not in _KEYS:
            raise ConfigError(
                f"{_where(path, name)}unknown key `{key}` {_in(name)}"
                f"{_close(key, (*_KEYS, *families))}"
            )
        attr = key.replace("-", "_")
        if key in {"select", "extend-select", "ignore", "fixable", "unfixable",
                   "extend-safe-fixes", "extend-unsafe-fixes"}:
            values[attr] = _selectors(value, key, path, name)
        elif key in {"exclude", "extend-exclude", "include", "extend-include"}:
            values[attr] = _globs(value, key, path, name)
        elif key in {"unsafe-fixes", "respect-gitignore"}:
            values[attr] = _bool(value, key, path, name)
        elif key == "target-version":
            values[attr] = _target_version(value, key, path, name)
        elif key == "cache-dir":
            if not isinstance(value, str):
                raise ConfigError(
                    f"{_where(path, name)}`cache-dir` {_in(name)} must be a string, "
                    f"not {_type_name(value)}"
                )
            values[attr] = (root / value).resolve()
        elif key == "hot-threshold":
            values[attr] = parse_share(value, f"{_where(path, name)}`hot-threshold` {_in(name)}")
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(
                    f"{_where(path, name)}`per-file-ignores` {_in(name)} must be a table of "
                    f'glob = ["CODE", ...], not {_type_name(value)}'
                )
            values[attr] = tuple(
                (pattern, _selectors(codes, f'per-file-ignores."{pattern}"', path, name))
                for pattern, codes in value.items()
                if _glob(pattern[1:] if pattern.startswith("!") else pattern,
                         f"`per-file-ignores` {_in(name)}", path)
            )
    values["family_options"] = {
        family: {**{k: spec.default for k, spec in specs.items()}, **family_options.get(family, {})}
        for family, specs in families.items()
    }
    return Settings(**values)


def _family_table(family: str, value: object, path: Path | None, table: str) -> dict[str, Any]:
    full = f"{table}.{family}" if table else family
    if not isinstance(value, dict):
        raise ConfigError(
            f"{_where(path, table)}`{family}` {_in(table)} must be a table ([{full}]), "
            f"not {_type_name(value)}"
        )
    specs: Mapping[str, OptionSpec] = registry.family_options()[family]
    options: dict[str, Any] = {}
    for key, option in value.items():
        spec = specs.get(key)
        if spec is None:
            known = ", ".join(f"`{k}`" for k in specs) or "none"
            raise ConfigError(
                f"{_where(path, table)}unknown key `{key}` in [{full}]{_close(key, specs)}"
                f" (known keys: {known})"
            )
        try:
            options[key] = spec.validate(option, f"{_where(path, table)}`{key}` in [{full}]")
        except ValueError as exc:
            raise ConfigError(f"{exc}, not {_type_name(option)}") from None
    return options


def parse_share(value: object, where: str) -> float:
    """A share of run time: ``"5%"``, ``"0.5%"`` or a number of percent (``5``)."""
    text = str(value).strip() if isinstance(value, (str, int, float)) else ""
    if isinstance(value, bool):
        text = ""
    try:
        number = float(text[:-1] if text.endswith("%") else text)
    except ValueError:
        number = -1.0
    if not 0 <= number <= 100:
        raise ConfigError(
            f"{where} must be a share of run time such as \"5%\", not {value!r}"
        )
    return number / 100.0


def default_settings(root: Path | None = None) -> Settings:
    return settings_from_table({}, None, root or Path.cwd())


def load_config_file(path: Path) -> Settings | None:
    """Settings from one file; None for a ``pyproject.toml`` without ``[tool.perfcodemod]``."""
    # Imported here: a run in a directory without configuration never parses TOML.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on older Pythons only
        import tomli as tomllib

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{path}: invalid TOML: not UTF-8 ({exc.reason} at line {line})"
        ) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        if message.endswith("(at end of document)"):
            # Say which line that is: usually an unclosed bracket or string above it.
            message = message[: -len("(at end of document)")] + (
                f"(at end of document, line {text.count(chr(10)) + 1})"
            )
        raise ConfigError(f"{path}: invalid TOML: {message}") from None
    if path.name == "pyproject.toml":
        tool = document.get("tool", {})
        if not isinstance(tool, dict) or "perfcodemod" not in tool:
            return None
        table = tool["perfcodemod"]
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.perfcodemod] must be a table")
    else:
        table = document
    return settings_from_table(table, path, path.parent.resolve())


class ConfigResolver:
    """Finds the settings for each file: its closest configuration file, with the command
    line's overrides on top. ``config`` forces one file for all; ``isolated`` uses none."""

    def __init__(
        self,
        overrides: Overrides | None = None,
        config: Path | None = None,
        isolated: bool = False,
        cwd: Path | None = None,
    ) -> None:
        self.overrides = overrides or Overrides()
        self.isolated = isolated
        self.cwd = (cwd or Path.cwd()).resolve()
        self._by_dir: dict[Path, Settings] = {}
        self._fixed: Settings | None = None
        if config is not None:
            loaded = load_config_file(config)
            if loaded is None:
                raise ConfigError(f"{config}: no [tool.perfcodemod] table in this pyproject.toml")
            self._fixed = loaded.with_overrides(self.overrides)
        elif isolated:
            self._fixed = default_settings(self.cwd).with_overrides(self.overrides)
        self._default: Settings | None = None

    @property
    def default(self) -> Settings:
        if self._fixed is not None:
            return self._fixed
        if self._default is None:
            found = self._find(self.cwd)
            self._default = found
        return self._default

    def for_path(self, path: Path) -> Settings:
        if self._fixed is not None:
            return self._fixed
        # The path as named, not where its symlinks lead: a linked file belongs to the project
        # that links it (as in ruff).
        absolute = Path(os.path.abspath(path))
        return self._find(absolute if path.is_dir() else absolute.parent)

    def _find(self, directory: Path) -> Settings:
        cached = self._by_dir.get(directory)
        if cached is not None:
            return cached
        settings: Settings | None = None
        for name in CONFIG_FILES:
            candidate = directory / name
            if candidate.is_file():
                settings = load_config_file(candidate)
                if settings is not None:
                    settings = settings.with_overrides(self.overrides)
                    break
        if settings is None:
            parent = directory.parent
            if parent != directory:
                settings = self._find(parent)
            else:
                settings = default_settings(self.cwd).with_overrides(self.overrides)
        self._by_dir[directory] = settings
        return settings


def validate_overrides(overrides: Overrides) -> None:
    """Command-line selectors get the same checks as configuration keys."""
    for flag, selectors in (
        ("--select", overrides.select or ()),
        ("--extend-select", overrides.extend_select),
        ("--ignore", overrides.ignore),
        ("--fixable", overrides.fixable or ()),
        ("--unfixable", overrides.unfixable),
    ):
        for selector in selectors:
            check_selector(selector, flag)
    for flag, patterns in (
        ("--exclude", overrides.exclude or ()),
        ("--extend-exclude", overrides.extend_exclude),
    ):
        for pattern in patterns:
            _glob(pattern, flag, None)
    if overrides.target_version is not None:
        _target_version(overrides.target_version, "--target-version", None)


def split_selectors(values: Sequence[str] | None) -> tuple[str, ...] | None:
    """``--select A,B --select C`` -> (A, B, C)."""
    if values is None:
        return None
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())
