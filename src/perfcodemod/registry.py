"""Rule discovery: every ``Rule`` subclass in a module under ``perfcodemod.rules`` that sets its
own ``code`` is a rule (a family's base class, which sets none, is not).

Codes are mapped to rules here and only here.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from perfcodemod import rules as rules_package
from perfcodemod.rule import CODE_PATTERN, NAME_PATTERN, OptionSpec, Rule


class RegistryError(Exception):
    pass


@cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule, ordered by code."""
    found: dict[str, type[Rule]] = {}
    names: dict[str, str] = {}
    prefix = rules_package.__name__ + "."
    for module_info in pkgutil.walk_packages(rules_package.__path__, prefix):
        module = importlib.import_module(module_info.name)
        family = module_info.name[len(prefix) :].split(".")[0]
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value is not Rule
                and value.__module__ == module.__name__
                and "code" in vars(value)
            ):
                _check_rule(value)
                if value.code in found or value.name in names:
                    raise RegistryError(f"duplicate rule {value.code} / {value.name}")
                value.family = family
                found[value.code] = value
                names[value.name] = value.code
    return tuple(found[code] for code in sorted(found))


def _check_rule(rule: type[Rule]) -> None:
    if not CODE_PATTERN.match(getattr(rule, "code", "")):
        raise RegistryError(f"{rule.__qualname__}: code must be PCM and three digits")
    if not NAME_PATTERN.match(getattr(rule, "name", "")):
        raise RegistryError(f"{rule.__qualname__}: name must be kebab-case")
    if not getattr(rule, "message", ""):
        raise RegistryError(f"{rule.__qualname__}: a message is required")


@cache
def rules_by_code() -> Mapping[str, type[Rule]]:
    # Read-only: the cached mapping is shared by every caller.
    return MappingProxyType({rule.code: rule for rule in all_rules()})


def get_rule(code_or_name: str) -> type[Rule] | None:
    key = code_or_name.strip()
    by_code = rules_by_code()
    if key.upper() in by_code:
        return by_code[key.upper()]
    return next((rule for rule in all_rules() if rule.name == key.lower()), None)


def matching(selector: str) -> list[type[Rule]]:
    """The rules a selector names: ``ALL``, ``PCM``, a prefix (``PCM2``, ``PCM20``) or a code."""
    selector = selector.strip().upper()
    if selector == "ALL":
        return list(all_rules())
    return [rule for rule in all_rules() if rule.code.startswith(selector)] if selector else []


def is_valid_selector(selector: str) -> bool:
    return bool(matching(selector))


@cache
def family_options() -> Mapping[str, Mapping[str, OptionSpec]]:
    """Each family's option table, from the ``OPTIONS`` of its package (read-only: the cached
    mapping is shared by every caller)."""
    found: dict[str, Mapping[str, OptionSpec]] = {}
    prefix = rules_package.__name__ + "."
    for module_info in pkgutil.iter_modules(rules_package.__path__, prefix):
        if module_info.ispkg:
            package = importlib.import_module(module_info.name)
            options = getattr(package, "OPTIONS", {})
            if options:
                found[module_info.name[len(prefix) :]] = MappingProxyType(dict(options))
    return MappingProxyType(found)
