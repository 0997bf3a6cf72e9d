"""The flake8 front end (entry point ``flake8.extension``, code prefix ``PCM``).

flake8 never reads ``pyproject.toml``, so the rule selection and rule options come from the
closest ``[tool.perfcodemod]`` configuration, as for the command line; flake8's own
``--select``/``--ignore``/``# noqa`` then apply on top. flake8's ``ast`` of the file is reused.
"""

from __future__ import annotations

import argparse
import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from perfcodemod import __version__, api, registry
from perfcodemod.config import ConfigError, ConfigResolver, Overrides
from perfcodemod.source import SourceText

Flake8Result = tuple[int, int, str, type[Any]]
#: The plugin's code prefix (the ``flake8.extension`` entry point's name).
PREFIX = "PCM"


class Plugin:
    name = "perfcodemod"
    version = __version__

    _resolver: ConfigResolver | None = None
    #: Selectors from flake8's own ``--select``/``--extend-select`` (or its configuration)
    #: that name some of our rules more narrowly than the plugin's prefix.
    _selected: tuple[str, ...] = ()

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        self.tree = tree
        self.filename = filename
        self.lines = lines

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        """flake8's options, once per process. Rules its selection names explicitly run, opt-in
        ones included (``flake8 --select PCM104``), as with ``--extend-select`` on our command
        line. ``PCM`` alone (or ``P``) only says to show the plugin's codes, so it turns on
        no opt-in rule, as flake8-bugbear treats its opt-in B9 codes."""
        chosen = [*(getattr(options, "select", None) or ()),
                  *(getattr(options, "extend_select", None) or ())]
        cls._selected = tuple(
            selector.upper() for selector in chosen
            if len(selector) > len(PREFIX) and selector.upper().startswith(PREFIX)
            and registry.is_valid_selector(selector)
        )
        cls._resolver = None

    @classmethod
    def _settings_resolver(cls) -> ConfigResolver:
        if cls._resolver is None:
            cls._resolver = ConfigResolver(Overrides(extend_select=cls._selected))
        return cls._resolver

    def run(self) -> Iterator[Flake8Result]:
        path = Path(self.filename) if self.filename not in {"stdin", "-", ""} else None
        try:
            resolver = self._settings_resolver()
            settings = resolver.for_path(path) if path is not None else resolver.default
        except ConfigError as exc:
            yield 1, 0, f"PCM001 perfcodemod configuration error: {exc}", type(self)
            return
        tree = self.tree if isinstance(self.tree, ast.Module) else None
        source = SourceText("".join(self.lines))
        # flake8 handles line-level noqa comments itself; the file-level directive is ours.
        diagnostics, errors = api.diagnose(source, settings, path or self.filename, tree)
        for diagnostic in diagnostics:
            if diagnostic.code == api.PARSE_ERROR_CODE:
                if tree is not None and "LibCST" not in diagnostic.message:
                    continue  # flake8 reports syntax errors itself (E999)
            elif api.file_exempt(source, diagnostic.code):
                continue
            message = f"{diagnostic.code} {diagnostic.message}"
            yield diagnostic.row, diagnostic.col - 1, message, type(self)
        for error in errors:
            yield 1, 0, f"PCM001 perfcodemod could not check this file: {error.message}", type(self)
