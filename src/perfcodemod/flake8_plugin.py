"""The flake8 front end (entry point ``flake8.extension``, code prefix ``PCM``).

flake8 never reads ``pyproject.toml``, so the rule selection and rule options come from the
closest ``[tool.perfcodemod]`` configuration, as for the command line; flake8's own
``--select``/``--ignore``/``# noqa`` then apply on top. flake8's ``ast`` of the file is reused.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from perfcodemod import __version__, engine, noqa
from perfcodemod.config import ConfigError, ConfigResolver
from perfcodemod.source import SourceText

Flake8Result = tuple[int, int, str, type[Any]]


class Plugin:
    name = "perfcodemod"
    version = __version__

    _resolver: ConfigResolver | None = None

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        self.tree = tree
        self.filename = filename
        self.lines = lines

    @classmethod
    def _settings_resolver(cls) -> ConfigResolver:
        if cls._resolver is None:
            cls._resolver = ConfigResolver()
        return cls._resolver

    def run(self) -> Iterator[Flake8Result]:
        path = Path(self.filename) if self.filename not in {"stdin", "-", ""} else None
        try:
            resolver = self._settings_resolver()
            settings = resolver.for_path(path) if path is not None else resolver.default
        except ConfigError as exc:
            yield 1, 0, f"PCM001 perfcodemod configuration error: {exc}", type(self)
            return
        options = engine.EngineOptions(
            rules=settings.rules_for(path),
            family_options=settings.family_options,
            target_version=settings.target_version,
        )
        tree = self.tree if isinstance(self.tree, ast.Module) else None
        text = "".join(self.lines)
        result = engine.check_source(SourceText(text), options, self.filename, tree=tree)
        # flake8 handles line-level noqa comments itself; the file-level directive is ours.
        exemptions = noqa.file_exemptions(text)
        parse_errors_selected = any(rule.code == engine.PARSE_ERROR_CODE for rule in options.rules)
        for diagnostic in result.diagnostics:
            if diagnostic.code == engine.PARSE_ERROR_CODE:
                if not parse_errors_selected:
                    continue
                if tree is not None and "LibCST" not in diagnostic.message:
                    continue  # flake8 reports syntax errors itself (E999)
            elif any(exemption.covers(diagnostic.code) for exemption in exemptions):
                continue
            message = f"{diagnostic.code} {diagnostic.message}"
            yield diagnostic.row, diagnostic.col - 1, message, type(self)
        for error in result.errors:
            yield 1, 0, f"PCM001 perfcodemod could not check this file: {error.message}", type(self)
