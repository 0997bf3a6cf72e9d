"""The editor's settings for the server (``initializationOptions`` and
``workspace/didChangeConfiguration``), applied on top of every configuration file as the command
line's options are.

Clients nest settings differently, so the object may be the settings themselves, or hold them
under ``perfcodemod`` (a VS Code style section) or ``settings`` (ruff's shape). Keys are
``select``, ``extend-select``, ``ignore``, ``unsafe-fixes`` and ``profile``; camelCase
(``extendSelect``) and snake_case spellings are accepted too. A bad value is reported and
ignored, never fatal.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from perfcodemod.config import ConfigError, Overrides, check_selector

KEYS = ("select", "extend-select", "ignore", "unsafe-fixes", "profile")
_SECTIONS = ("perfcodemod", "settings")


@dataclass(frozen=True)
class ClientSettings:
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    unsafe_fixes: bool | None = None
    #: Profile files, as given (relative paths are relative to the workspace root).
    profile: tuple[str, ...] = ()

    def overrides(self) -> Overrides:
        return Overrides(
            select=self.select,
            extend_select=self.extend_select,
            ignore=self.ignore,
            unsafe_fixes=self.unsafe_fixes,
        )


def _kebab(key: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", key).lower().replace("_", "-")


def section(raw: object) -> Mapping[str, Any]:
    """The perfcodemod settings inside whatever wrapping the client uses."""
    while isinstance(raw, Mapping):
        inner = next((raw[name] for name in _SECTIONS if isinstance(raw.get(name), Mapping)), None)
        if inner is None:
            return raw
        raw = inner
    return {}


def _strings(value: object, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"`{key}` must be a list of strings")
    return tuple(value)


def parse(raw: object) -> tuple[ClientSettings, list[str]]:
    """The settings, and one line per problem (the setting that was ignored, and why)."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for original, value in section(raw).items():
        key = _kebab(str(original))
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            problems.append(f"unknown setting `{original}`{hint} (known: {', '.join(KEYS)})")
            continue
        if value is None:
            continue
        try:
            if key == "unsafe-fixes":
                if not isinstance(value, bool):
                    raise ConfigError("`unsafe-fixes` must be true or false")
                values["unsafe_fixes"] = value
            elif key == "profile":
                values["profile"] = _strings(value, key)
            else:
                selectors = _strings(value, key)
                for selector in selectors:
                    check_selector(selector, f"the `{key}` setting")
                values[key.replace("-", "_")] = selectors
        except ConfigError as exc:
            problems.append(f"{exc}; the setting is ignored")
    return ClientSettings(**values), problems
