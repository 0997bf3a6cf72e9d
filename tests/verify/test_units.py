"""Fix units (what stands or falls together) and the keys that recognise a fix again, on the
real rules' fixes."""

from __future__ import annotations

from perfcodemod import api
from perfcodemod.config import default_settings
from perfcodemod.fixer import apply_edits, is_applicable
from perfcodemod.source import SourceText
from perfcodemod.verify.units import choose_units, edits_in, fix_key, units_of

from ..conftest import FIXTURES

SHOP = FIXTURES / "verify" / "shop" / "shop"
#: The shop's loop with two lookups of one list, its two recursive functions (both fixes ask
#: for the same import) and its membership tests, in one module.
HOISTED = "\n\n".join(
    (SHOP / name).read_text().split('"""', 2)[2].strip("\n")
    for name in ("stock.py", "prices.py", "tags.py")
) + "\n"


def fixable(text: str) -> list:
    settings = default_settings()
    diagnostics, _, _ = api.lint(SourceText(text), settings, "m.py")
    return [d for d in diagnostics if is_applicable(d, True)]


def test_lookups_of_one_statement_are_one_unit() -> None:
    diagnostics = fixable(HOISTED)
    units = units_of("m.py", HOISTED, diagnostics)
    by_code = {}
    for unit in units:
        by_code.setdefault(unit.codes, []).append(unit)
    hoisted, single = by_code["PCM204"]
    assert len(single.diagnostics) == 1
    # Both membership tests of the loop: one fix builds the set and rewrites both.
    assert len(hoisted.diagnostics) == 2
    assert len(hoisted.keys) == 2 and len(set(hoisted.keys)) == 2
    # Each cache fix stands alone, although both add the same import.
    assert len(by_code["PCM401"]) == 2
    first, second = by_code["PCM401"]
    assert set(first.edits) & set(second.edits)


def test_each_unit_applies_alone_and_compiles() -> None:
    diagnostics = fixable(HOISTED)
    units = units_of("m.py", HOISTED, diagnostics)
    chosen, broken = choose_units(units, HOISTED, "m.py")
    assert not broken and len(chosen) == len(units)
    for unit in units:
        fixed = apply_edits(HOISTED, edits_in([unit]))
        compile(fixed, "m.py", "exec")
        namespace: dict[str, object] = {}
        exec(fixed, namespace)  # every subset is a working module
    cache_units = [u for u in units if u.codes == "PCM401"]
    alone = apply_edits(HOISTED, edits_in(cache_units[1:]))
    assert alone.count("import functools") == 1 and alone.count("@functools.cache") == 1
    both = apply_edits(HOISTED, edits_in(cache_units))
    assert both.count("import functools") == 1 and both.count("@functools.cache") == 2


def test_key_survives_edits_elsewhere_but_not_edits_around_the_fix() -> None:
    [diagnostic, _] = [d for d in fixable(HOISTED) if d.code == "PCM201"]
    key = fix_key("m.py", diagnostic, HOISTED)
    moved = "import os\n\n\n" + HOISTED.replace("def label(status):",
                                                 "def label(status):\n    pass")
    [after, _] = [d for d in fixable(moved) if d.code == "PCM201"]
    assert after.row != diagnostic.row
    assert fix_key("m.py", after, moved) == key
    assert fix_key("other.py", after, moved) != key
    changed = HOISTED.replace('return tag in ["new"', 'return tag.lower() in ["new"')
    [edited, _] = [d for d in fixable(changed) if d.code == "PCM201"]
    assert fix_key("m.py", edited, changed) != key


def test_cache_key_ignores_whether_the_import_is_already_there() -> None:
    units = [u for u in units_of("m.py", HOISTED, fixable(HOISTED)) if u.codes == "PCM401"]
    first, second = units
    with_import = apply_edits(HOISTED, edits_in([first]))
    [again] = [
        u for u in units_of("m.py", with_import, fixable(with_import))
        if u.codes == "PCM401"
    ]
    # The second fix no longer adds the import, and is still the same fix.
    assert len(again.edits) < len(second.edits)
    assert again.keys == second.keys
