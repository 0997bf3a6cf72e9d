"""Formatting diagnostics: one module per ``--output-format``, all reading the same reports.

| format | module | for |
| --- | --- | --- |
| ``text`` (default), ``concise`` | ``concise.py`` | ``path:row:col: CODE [*] message`` |
| ``full`` | ``full.py`` | the source lines with the range underlined; fixes as diffs |
| ``grouped`` | ``grouped.py`` | diagnostics under their file's name |
| ``json``, ``json-lines`` | ``json.py`` | ruff's JSON objects |
| ``sarif`` | ``sarif.py`` | SARIF 2.1.0, GitHub code scanning |
| ``github`` | ``github.py`` | GitHub Actions annotations |
| ``gitlab`` | ``gitlab.py`` | GitLab Code Quality |
| ``junit`` | ``junit.py`` | JUnit XML |
| ``pylint`` | ``pylint.py`` | ``path:row: [CODE] message`` |

Where a diagnostic is (positions, notebook cells, paths, fingerprints) comes from
``locations.py`` only; levels from ``severity.py``; the summary lines, ``--statistics``,
``--show-fixes``'s list and ``--diff`` from ``summary.py``; ``perfcodemod report``'s tickets
from ``tickets.py``. A diagnostic's profile annotation (``Diagnostic.profile``) is written by
the line formats (compactly) and as ``json.profile_object`` by JSON and SARIF.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import cast

from perfcodemod.api import FileReport
from perfcodemod.output.concise import dropped_listing, format_ranked, format_text, text_line
from perfcodemod.output.json import format_json, json_object, profile_object
from perfcodemod.output.options import Options
from perfcodemod.output.summary import (
    cache_statistics,
    fixes_listing,
    statistics,
    summary,
    unified_diff,
)
from perfcodemod.output.tickets import tickets_json, tickets_markdown

Renderer = Callable[[Sequence[FileReport], Options], str]

#: Each format's module and function, imported when the format is used (startup stays small).
_RENDERERS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "text": ("concise", "render"),
    "concise": ("concise", "render"),
    "full": ("full", "render"),
    "grouped": ("grouped", "render"),
    "json": ("json", "render"),
    "json-lines": ("json", "render_lines"),
    "sarif": ("sarif", "render"),
    "github": ("github", "render"),
    "gitlab": ("gitlab", "render"),
    "junit": ("junit", "render"),
    "pylint": ("pylint", "render"),
})
FORMATS = tuple(_RENDERERS)
#: Formats for people: followed by the summary lines, replaced by ``--statistics``.
HUMAN_FORMATS = frozenset({"text", "concise", "full", "grouped"})
DEFAULT_FORMAT = "text"


def renderer(name: str) -> Renderer:
    module_name, function = _RENDERERS[name]
    module = importlib.import_module(f"{__name__}.{module_name}")
    return cast(Renderer, getattr(module, function))


def render(name: str, reports: Sequence[FileReport], options: Options | None = None) -> str:
    return renderer(name)(reports, options or Options())


__all__ = [
    "DEFAULT_FORMAT",
    "cache_statistics",
    "FORMATS",
    "HUMAN_FORMATS",
    "Options",
    "dropped_listing",
    "fixes_listing",
    "format_json",
    "format_ranked",
    "format_text",
    "json_object",
    "profile_object",
    "render",
    "renderer",
    "statistics",
    "summary",
    "text_line",
    "tickets_json",
    "tickets_markdown",
    "unified_diff",
]
