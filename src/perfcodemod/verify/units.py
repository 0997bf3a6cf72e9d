"""Fix units: the fixes that are kept or dropped together, and how a fix is recognised again.

A rule's fix is self-contained: its edits include the imports it needs (an import two fixes
need is an identical edit in both, applied once), so any set of non-overlapping fixes of one
text can be applied without the others. Fixes that depend on each other are already one fix:
the hoisting rules (``analysis/hoisting.py``, ``HoistedFixes``) give every lookup of a
statement the same fix, which builds all its indexes and rewrites all its lookups, so that an
index is never used without its definition. A unit is therefore the set of diagnostics that
carry identical edits.

Fixes that only become possible after others were applied (a chain of single-use lists, an
import another fix added) appear when the fixed text is linted again, in a later round; they
are tested on top of what was kept, never without it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from perfcodemod.diagnostic import Diagnostic, Edit
from perfcodemod.fixer import apply_edits, choose_by, syntax_check


@dataclass(frozen=True)
class FixUnit:
    """Diagnostics of one file whose fixes stand or fall together."""

    path: str
    diagnostics: tuple[Diagnostic, ...]
    edits: tuple[Edit, ...]
    #: One key per diagnostic (see :func:`fix_key`).
    keys: tuple[str, ...]

    @property
    def codes(self) -> str:
        return ", ".join(dict.fromkeys(d.code for d in self.diagnostics))


def fix_key(path: str, diagnostic: Diagnostic, text: str) -> str:
    """The rule, the file, the whole lines the diagnostic covers (and where in them it is),
    and the edits of its fix that touch those lines (the text each replaces and what it puts
    there), hashed: the same fix of the same code is recognised after edits elsewhere in the
    file moved it. Edits away from the diagnostic (an import at the top) are left out:
    whether one is needed depends on what other fixes did."""
    start = text.rfind("\n", 0, diagnostic.start) + 1
    end = text.find("\n", diagnostic.end)
    end = len(text) if end < 0 else end
    lines = text[start:end]
    edits = [
        edit for edit in (diagnostic.fix.edits if diagnostic.fix is not None else ())
        if edit.start <= end and edit.end >= start
    ]
    # Where in those lines: two diagnostics of one line differ.
    span = f"{diagnostic.start - start}:{diagnostic.end - start}"
    parts = [path, diagnostic.code, lines, span]
    parts.extend(f"{text[e.start : e.end]}\x01{e.content}" for e in edits)
    return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:20]


def units_of(path: str, text: str, diagnostics: Sequence[Diagnostic]) -> list[FixUnit]:
    """The fix units of ``diagnostics`` (all with fixes), in the order of their first
    diagnostic."""
    grouped: dict[tuple[Edit, ...], list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        assert diagnostic.fix is not None
        grouped.setdefault(diagnostic.fix.edits, []).append(diagnostic)
    return [
        FixUnit(path, tuple(group), edits, tuple(fix_key(path, d, text) for d in group))
        for edits, group in grouped.items()
    ]


def choose_units(
    units: Sequence[FixUnit], text: str, path: str, flags: int = 0
) -> tuple[list[FixUnit], list[FixUnit]]:
    """Units that can be applied together (no overlapping edits; an overlapping one waits for
    the next round), and those among them whose result does not compile (a tool bug: they are
    dropped, as ``--fix`` drops them). Units are added one at a time once the whole set fails
    to compile."""
    chosen = choose_by(units, lambda unit: unit.edits)
    check = syntax_check(text, path, flags)
    if check(apply_edits(text, edits_in(chosen)), path):
        return chosen, []
    accepted: list[FixUnit] = []
    broken: list[FixUnit] = []
    for unit in chosen:
        if check(apply_edits(text, edits_in([*accepted, unit])), path):
            accepted.append(unit)
        else:
            broken.append(unit)
    return accepted, broken


def edits_in(units: Sequence[FixUnit]) -> list[Edit]:
    return list(dict.fromkeys(edit for unit in units for edit in unit.edits))
