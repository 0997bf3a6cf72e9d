"""What the human formats print around the diagnostics: the summary lines, ``--show-fixes``'s
list of applied fixes, ``--statistics``, and ``--diff``'s unified diff."""

from __future__ import annotations

import difflib
from collections import Counter

from perfcodemod import registry
from perfcodemod.api import FileReport, RunReport
from perfcodemod.diagnostic import Applicability
from perfcodemod.fixer import is_applicable
from perfcodemod.source import LINE_BREAK


def _plural(count: int, word: str) -> str:
    if count == 1:
        return f"{count} {word}"
    return f"{count} {word}es" if word.endswith(("x", "s")) else f"{count} {word}s"


def summary(run: RunReport, *, unsafe: bool | None = None, fixing: bool) -> str:
    """ruff's summary lines: counts, and how many are fixable with which option."""
    remaining = [d for _, d in run.diagnostics]
    unsafe_of = [(r.unsafe_fixes if unsafe is None else unsafe) for r, _ in run.diagnostics]
    fixed = sum(sum(r.applied.values()) for r in run.files if "noqa" not in r.applied)
    lines: list[str] = []
    if not remaining:
        errors = len(run.all_errors)
        if fixed:
            lines.append(f"Found {_plural(fixed, 'diagnostic')} ({fixed} fixed, 0 remaining).")
        elif errors:
            # Not "All checks passed!": some checks did not run.
            lines.append(f"No diagnostics, but {_plural(errors, 'error')} stopped some checks.")
        else:
            lines.append("All checks passed!")
        return "\n".join(lines) + "\n"
    if fixed:
        total = fixed + len(remaining)
        lines.append(
            f"Found {_plural(total, 'diagnostic')} ({fixed} fixed, {len(remaining)} remaining)."
        )
    else:
        lines.append(f"Found {_plural(len(remaining), 'diagnostic')}.")
    applicable = sum(1 for d, u in zip(remaining, unsafe_of) if is_applicable(d, u))
    hidden = sum(
        1 for d, u in zip(remaining, unsafe_of)
        if d.fix is not None and d.fix.applicability is Applicability.UNSAFE and not u
    )
    if applicable and not fixing:
        lines.append(f"[*] {applicable} fixable with the `--fix` option.")
    if hidden:
        lines.append(
            f"{_plural(hidden, 'hidden fix')} can be enabled with the `--unsafe-fixes` option."
        )
    return "\n".join(lines) + "\n"


def fixes_listing(run: RunReport) -> str:
    """``--show-fixes``: what was fixed, per file and rule."""
    rows: list[str] = []
    for report in run.files:
        if not report.applied or "noqa" in report.applied:
            continue
        rows.append(f"{report.path}:")
        for code, count in sorted(report.applied.items()):
            rule = registry.entry(code)
            rows.append(f"    {count} × {code} ({rule.name if rule else '?'})")
    if not rows:
        return ""
    total = sum(sum(r.applied.values()) for r in run.files if "noqa" not in r.applied)
    return f"Fixed {_plural(total, 'diagnostic')}:\n" + "\n".join(rows) + "\n"


def _diff_lines(text: str) -> list[str]:
    """Lines with their endings (Python's line breaks only, unlike ``str.splitlines``); a last
    line without one gets git's marker, so that the diff stays a valid patch."""
    starts = [0, *(match.end() for match in LINE_BREAK.finditer(text))]
    if starts[-1] != len(text):
        starts.append(len(text))
    lines = [text[a:b] for a, b in zip(starts, starts[1:])]
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


def unified_diff(report: FileReport) -> str:
    """The fixes as a unified diff; a notebook's, one per changed cell (``nb.ipynb:cell 3``),
    as ruff shows them."""
    if report.original is None or report.fixed is None:
        return ""
    notebook = report.notebook
    if notebook is not None and report.layout is not None:
        after_cells = notebook.cell_sources(report.fixed.text, report.layout)
        return "".join(
            "".join(difflib.unified_diff(
                _diff_lines(cell.source), _diff_lines(after), f"{report.path}:cell {cell.number}",
                f"{report.path}:cell {cell.number}",
            ))
            for cell, after in zip(notebook.cells, after_cells)
            if after != cell.source
        )
    before = _diff_lines(report.original.text)
    after = _diff_lines(report.fixed.text)
    return "".join(difflib.unified_diff(before, after, report.path, report.path))


def statistics(run: RunReport, unsafe: bool | None = None) -> str:
    counts: Counter[str] = Counter(d.code for _, d in run.diagnostics)
    fixable: Counter[str] = Counter(
        d.code for r, d in run.diagnostics
        if is_applicable(d, r.unsafe_fixes if unsafe is None else unsafe)
    )
    rows = []
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        rule = registry.entry(code)
        marker = "[*]" if fixable[code] == count else "[-]" if fixable[code] else "   "
        rows.append(f"{count:>5}\t{code}\t{marker} {rule.name if rule else ''}")
    return "\n".join(rows) + ("\n" if rows else "")


def cache_statistics(run: RunReport) -> str:
    """``--statistics``: how many files the result cache answered for (empty without it)."""
    stats = run.cache
    if stats is None:
        return ""
    rate = f"{100 * stats.hits / stats.files:.1f}%" if stats.files else "-"
    lines = [f"Result cache hit rate: {rate} ({stats.hits} of {_plural(stats.files, 'file')})"]
    lines.extend(f"Result cache: {problem}" for problem in stats.problems)
    return "\n".join(lines) + "\n"
