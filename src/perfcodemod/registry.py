"""Rules by code: a static index of every rule, and discovery to build and check it.

Every ``Rule`` subclass in a module under ``perfcodemod.rules`` that sets its own ``code`` is a
rule (a family's base class, which sets none, is not). Walking the package imports every rule
module, which a run that checks nothing (``--version``, a warm run served by the result cache)
or one rule's page (``perfcodemod rule PCM201``) has no use for. So codes, names, families and
default selection come from ``rule_index.py``, a table generated from discovery
(``python -m perfcodemod.registry`` rewrites it; ``tests/test_registry.py`` fails when it is
stale), and a rule's module is imported when its class is first asked for.

Codes are mapped to rules here and only here.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType

from perfcodemod import rules as rules_package
from perfcodemod.rule import CODE_PATTERN, NAME_PATTERN, OptionSpec, Rule
from perfcodemod.rule_index import RULES, RuleEntry


class RegistryError(Exception):
    pass


_BY_CODE: Mapping[str, RuleEntry] = MappingProxyType({entry.code: entry for entry in RULES})
_BY_NAME: Mapping[str, RuleEntry] = MappingProxyType({entry.name: entry for entry in RULES})


def codes() -> tuple[str, ...]:
    """Every rule's code, in order (no rule module is imported)."""
    return tuple(_BY_CODE)


def entry(code: str) -> RuleEntry | None:
    """What the index says of one rule (no import)."""
    return _BY_CODE.get(code)


@cache
def rule_class(code: str) -> type[Rule]:
    """The class of the rule ``code`` (its module is imported now if it was not)."""
    found = _BY_CODE[code]
    module = importlib.import_module(found.module)
    rule: type[Rule] = getattr(module, found.cls)
    rule.family = found.family
    return rule


@cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule, ordered by code (imports every rule module)."""
    return tuple(rule_class(code) for code in codes())


def rules_by_code() -> Mapping[str, type[Rule]]:
    # Read-only: the cached mapping is shared by every caller.
    return MappingProxyType({rule.code: rule for rule in all_rules()})


def get_rule(code_or_name: str) -> type[Rule] | None:
    key = code_or_name.strip()
    found = _BY_CODE.get(key.upper()) or _BY_NAME.get(key.lower())
    return rule_class(found.code) if found is not None else None


def matching_codes(selector: str) -> list[str]:
    """The codes a selector names: ``ALL``, ``PCM``, a prefix (``PCM2``, ``PCM20``) or a code."""
    selector = selector.strip().upper()
    if selector == "ALL":
        return list(codes())
    return [code for code in codes() if code.startswith(selector)] if selector else []


def matching(selector: str) -> list[type[Rule]]:
    """The rules a selector names (see ``matching_codes``)."""
    return [rule_class(code) for code in matching_codes(selector)]


def is_valid_selector(selector: str) -> bool:
    return bool(matching_codes(selector))


@cache
def family_options() -> Mapping[str, Mapping[str, OptionSpec]]:
    """Each family's option table, from the ``OPTIONS`` of its package (read-only: the cached
    mapping is shared by every caller). Family packages are imported, their rules are not."""
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
    Never call it with a valid selector: a prefix is not a typo. (The index alone: no rule
    module is imported.)"""
    upper = word.strip().upper()
    prefix = next(
        (upper[:end] for end in range(len(upper), 0, -1) if matching_codes(upper[:end])), ""
    )
    if prefix.startswith("PCM"):
        rest = upper[len(prefix):]
        if rest and not rest[0].isdigit():
            return prefix
    codes = [code for code in _BY_CODE if code.startswith(prefix)]
    if not prefix:
        codes.append("ALL")
    close = difflib.get_close_matches(upper, codes, n=1, cutoff=0.6)
    if not close:
        names = list(_BY_NAME)
        close = difflib.get_close_matches(word.strip().lower(), names, n=1, cutoff=0.6)
    return close[0] if close else None


# -- discovery: what the index is generated from ---------------------------------------------


def discover() -> tuple[RuleEntry, ...]:
    """Walk ``perfcodemod.rules`` and list every rule found, ordered by code."""
    found: dict[str, RuleEntry] = {}
    names: set[str] = set()
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
                found[value.code] = RuleEntry(
                    value.code, value.name, family, module.__name__, value.__qualname__,
                    value.default_enabled,
                )
                names.add(value.name)
    return tuple(found[code] for code in sorted(found))


def _check_rule(rule: type[Rule]) -> None:
    if not CODE_PATTERN.match(getattr(rule, "code", "")):
        raise RegistryError(f"{rule.__qualname__}: code must be PCM and three digits")
    if not NAME_PATTERN.match(getattr(rule, "name", "")):
        raise RegistryError(f"{rule.__qualname__}: name must be kebab-case")
    if not getattr(rule, "message", ""):
        raise RegistryError(f"{rule.__qualname__}: a message is required")


def index_source(entries: tuple[RuleEntry, ...]) -> str:
    """The text of ``rule_index.py`` for ``entries``."""
    rows = "".join(f"    RuleEntry{tuple(entry)!r},\n".replace("'", '"') for entry in entries)
    return (
        '"""Every rule\'s code, name, family, module, class and default selection.\n\n'
        "Generated from discovery by ``python -m perfcodemod.registry``; do not edit by hand\n"
        "(``tests/test_registry.py`` fails when it differs from what discovery finds).\n"
        '"""\n\n'
        "# ruff: noqa: E501 (generated: one rule per line)\n\n"
        "from __future__ import annotations\n\n"
        "from typing import NamedTuple\n\n\n"
        "class RuleEntry(NamedTuple):\n"
        "    code: str\n"
        "    name: str\n"
        "    family: str\n"
        "    module: str\n"
        "    cls: str\n"
        "    default_enabled: bool\n\n\n"
        "RULES: tuple[RuleEntry, ...] = (\n" + rows + ")\n"
    )


def main(argv: list[str] | None = None) -> int:
    """Rewrite ``rule_index.py`` from discovery."""
    del argv
    path = Path(__file__).with_name("rule_index.py")
    text = index_source(discover())
    if path.read_text(encoding="utf-8") != text:
        with path.open("w", encoding="utf-8", newline="\n") as out:  # (write_text: 3.10+)
            out.write(text)
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
