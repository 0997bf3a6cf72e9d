"""Checking and fixing code with exactly one rule selected."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from perfcodemod import api
from perfcodemod.config import Settings, settings_from_table
from perfcodemod.diagnostic import Diagnostic
from perfcodemod.rule import Rule


def settings_for(
    rule: type[Rule], options: Mapping[str, Any] | None = None, **extra: Any
) -> Settings:
    table: dict[str, Any] = {"select": [rule.code], **extra}
    if options:
        table[rule.family] = dict(options)
    return settings_from_table(table, None, Path.cwd())


def diagnostics(
    rule: type[Rule], code: str, options: Mapping[str, Any] | None = None
) -> list[Diagnostic]:
    report = api.check_source(code, "example.py", settings_for(rule, options))
    assert not report.errors, report.errors
    return [d for d in report.diagnostics if d.code == rule.code]


def fixed(
    rule: type[Rule], code: str, options: Mapping[str, Any] | None = None, unsafe: bool = True
) -> str:
    report = api.fix_source(code, "example.py", settings_for(rule, options), unsafe=unsafe)
    assert not report.errors, report.errors
    return (report.fixed or report.original).text  # type: ignore[union-attr]
