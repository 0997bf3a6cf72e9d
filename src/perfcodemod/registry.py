"""Rule discovery: every ``Rule`` subclass in a module under ``perfcodemod.rules`` that sets its
own ``code`` is a rule (a family's base class, which sets none, is not).

Codes are mapped to rules here and only here.
"""

from __future__ import annotations

import difflib
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


def suggestion(word: str) -> str | None:
    """The code (or name) a mistyped selector most likely meant. The longest prefix of
    ``word`` that names rules narrows the candidates (``PCM21`` -> ``PCM201``); a prefix
    followed by stray letters is that prefix (``PCM2x`` -> ``PCM2``, ``PCM201x`` -> ``PCM201``).
    Never call it with a valid selector: a prefix is not a typo."""
    upper = word.strip().upper()
    prefix = next(
        (upper[:end] for end in range(len(upper), 0, -1) if matching(upper[:end])), ""
    )
    if prefix.startswith("PCM"):
        rest = upper[len(prefix):]
        if rest and not rest[0].isdigit():
            return prefix
    codes = [rule.code for rule in all_rules() if rule.code.startswith(prefix)]
    if not prefix:
        codes.append("ALL")
    close = difflib.get_close_matches(upper, codes, n=1, cutoff=0.6)
    if not close:
        names = [rule.name for rule in all_rules()]
        close = difflib.get_close_matches(word.strip().lower(), names, n=1, cutoff=0.6)
    return close[0] if close else None
