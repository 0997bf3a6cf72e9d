"""The plan's optimisation tickets (``perfcodemod report``), and verdicts on existing caches."""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from perfcodemod.annotation import Priority, ProfileAnnotation, human_bytes, percent
from perfcodemod.diagnostic import Diagnostic
from perfcodemod.profile.decisions import DROP_HIT_RATE, MIN_CALLS
from perfcodemod.profile.model import CacheEvidence, Profile

#: An unbounded cache holding at least this many entries at exit is worth a look (the plan's
#: risk 4: memory leaks from caching).
LARGE_CACHE = 1000


def cache_verdict(cache: CacheEvidence) -> str | None:
    """What is wrong with an existing cache, by its numbers at exit (None: nothing)."""
    calls = cache.hits + cache.misses
    rate = cache.hit_rate
    figures = f"{cache.hits:,} hits, {cache.misses:,} misses"
    size = f"{cache.currsize:,}" + (f"/{cache.maxsize:,}" if cache.maxsize is not None else "")
    if calls >= MIN_CALLS and rate is not None and rate < DROP_HIT_RATE:
        what = "never hits" if cache.hits == 0 else f"hits only {percent(rate)} of calls"
        return f"{what} ({figures}, size {size}): remove it, or cache on a key that repeats"
    if cache.maxsize is None and cache.currsize >= LARGE_CACHE:
        return (
            f"unbounded and holding {cache.currsize:,} entries at exit ({figures}): bound it "
            "(lru_cache(maxsize=...))"
        )
    return None


# -- tickets ------------------------------------------------------------------------------------

#: Hotspots listed at the top of a report.
TOP = 10
#: Code objects that are not functions a ticket could name.
_NOT_HOTSPOTS = frozenset({"<module>", "<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>"})


@dataclass(frozen=True)
class Finding:
    path: str
    diagnostic: Diagnostic
    rule_name: str
    #: The fix as a unified diff ("" without a fix).
    diff: str


@dataclass
class Ticket:
    function: str
    path: str
    line: int
    findings: list[Finding] = field(default_factory=list)

    @property
    def annotation(self) -> ProfileAnnotation:
        first = self.findings[0].diagnostic.profile
        return first if first is not None else ProfileAnnotation()

    @property
    def priority(self) -> Priority:
        levels = [f.diagnostic.profile.priority for f in self.findings
                  if f.diagnostic.profile is not None and f.diagnostic.profile.priority]
        return min(levels, key=lambda p: p.rank) if levels else Priority.LOW

    @property
    def expected_saving(self) -> float | None:
        savings = [f.diagnostic.profile.estimated_saving for f in self.findings
                   if f.diagnostic.profile is not None
                   and f.diagnostic.profile.estimated_saving is not None]
        return sum(savings) if savings else None

    @property
    def saved_bytes(self) -> int | None:
        sizes = [f.diagnostic.profile.saved_bytes for f in self.findings
                 if f.diagnostic.profile is not None and f.diagnostic.profile.saved_bytes]
        return sum(sizes) if sizes else None

    def sort_key(self) -> tuple[Any, ...]:
        keys = [f.diagnostic.profile.sort_key for f in self.findings
                if f.diagnostic.profile is not None]
        return (min(keys) if keys else (4, 0.0, 0.0, 0.0), self.path, self.line)


@dataclass(frozen=True)
class Hotspot:
    function: str
    path: str
    line: int | None
    share: float
    calls: int | None
    checked: bool


@dataclass
class TicketReport:
    tickets: list[Ticket]
    not_run: list[Finding]
    hotspots: list[Hotspot]
    caches: list[tuple[CacheEvidence, str | None]]
    static: bool
    sources: list[tuple[str, str]]
    run_time: float | None
    notes: list[str] = field(default_factory=list)


def fix_diff(path: str, text: str, diagnostic: Diagnostic) -> str:
    """The diagnostic's own fix, applied alone, as a unified diff."""
    if diagnostic.fix is None:
        return ""
    fixed = text
    for edit in sorted(diagnostic.fix.edits, key=lambda e: (e.start, e.end), reverse=True):
        fixed = fixed[: edit.start] + edit.content + fixed[edit.end:]
    diff = difflib.unified_diff(
        text.splitlines(keepends=True), fixed.splitlines(keepends=True), path, path, n=2
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in diff)


def build(
    findings: Sequence[Finding],
    profile: Profile | None,
    function_lines: dict[tuple[str, str], int],
    checked_files: Sequence[str] = (),
) -> TicketReport:
    """Tickets per function (the plan's template), findings that never ran, the profile's top
    hotspots, and the program's caches with their verdicts."""
    by_function: dict[tuple[str, str], Ticket] = {}
    not_run: list[Finding] = []
    for finding in findings:
        annotation = finding.diagnostic.profile
        if annotation is not None and annotation.priority is Priority.NOT_RUN:
            not_run.append(finding)
            continue
        function = (annotation.function if annotation is not None else None) or "<module>"
        key = (finding.path, function)
        if key not in by_function:
            line = function_lines.get(key, finding.diagnostic.row)
            by_function[key] = Ticket(function, finding.path, line)
        by_function[key].findings.append(finding)
    tickets = sorted(by_function.values(), key=Ticket.sort_key)
    hotspots = top_hotspots(profile, checked_files) if profile is not None else []
    caches = [(c, cache_verdict(c)) for c in profile.caches] if profile is not None else []
    return TicketReport(
        tickets, not_run, hotspots, caches, profile is None,
        profile.sources if profile is not None else [],
        profile.run_time if profile is not None else None,
    )


def top_hotspots(profile: Profile, checked_files: Sequence[str] = (), limit: int = TOP
                 ) -> list[Hotspot]:
    """The functions with the largest inclusive share (the plan's "Top 10 Hotspots")."""
    checked = {os.path.abspath(p) for p in checked_files}

    def is_checked(file: str) -> bool:
        return os.path.abspath(file) in checked or any(
            c.endswith(os.sep + file.replace("/", os.sep)) for c in checked
        )

    rows: list[Hotspot] = []
    if profile.has_timings:
        for f in profile.functions:
            if f.name in _NOT_HOTSPOTS or f.file.startswith("<"):
                continue
            rows.append(Hotspot(f.name, f.file, f.first_line, f.inclusive / profile.timed_total,
                                f.calls, is_checked(f.file)))
    elif profile.has_samples:
        weights: dict[tuple[str, str], float] = {}
        for stack, weight in profile.stacks.items():
            for key in {(frame.file, frame.name) for frame in stack}:
                weights[key] = weights.get(key, 0.0) + weight
        for (file, name), weight in weights.items():
            if name not in _NOT_HOTSPOTS and not file.startswith("<"):
                rows.append(Hotspot(name, file, None, weight / profile.sampled_total, None,
                                    is_checked(file)))
    rows.sort(key=lambda h: -h.share)
    return rows[:limit]


# -- rendering ----------------------------------------------------------------------------------


def _time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def _impact(annotation: ProfileAnnotation | None) -> str:
    if annotation is None or annotation.static:
        return "no estimate without a profile"
    parts = []
    if annotation.estimated_saving is not None:
        parts.append(f"est. −{percent(annotation.estimated_saving)} of run time")
    if annotation.saved_bytes:
        parts.append(f"est. {human_bytes(annotation.saved_bytes)} peak memory saved")
    if not parts:
        if annotation.max_size is None and annotation.hit_rate is None:
            return ("no estimate: no probe evidence here (record with `perfcodemod profile` "
                    "for sizes, hits and hit rates)")
        return "no measurable time saving at the observed size"
    return "; ".join(parts)


def markdown(report: TicketReport) -> str:
    out: list[str] = ["# Performance optimisation tickets", ""]
    if report.static:
        out += ["No profile: priorities are a **static estimate** (loop depth, recursion, sizes "
                "in the code, test and one-shot code last). Record one with `perfcodemod "
                "profile` for measured shares.", ""]
    else:
        names = ", ".join(f"`{path}` ({kind})" for kind, path in report.sources)
        took = f", {_time(report.run_time)} of run time" if report.run_time else ""
        out += [f"Profile: {names}{took}.", ""]
    for note in report.notes:
        out += [f"> note: {note}", ""]
    if report.hotspots:
        out += ["## Top hotspots (by cumulative time)", ""]
        for number, spot in enumerate(report.hotspots, 1):
            where = f"{spot.path}:{spot.line}" if spot.line else spot.path
            calls = "" if spot.calls is None else (
                f", {spot.calls:,} call{'s' if spot.calls != 1 else ''}")
            mark = "" if spot.checked else " (not in the checked files)"
            out.append(f"{number}. `{spot.function}()` `{where}` - {percent(spot.share)}"
                       f"{calls}{mark}")
        out.append("")
    if not report.tickets:
        out += ["No findings ran in this profile." if not report.static else "No findings.", ""]
    for ticket in report.tickets:
        out += _ticket_markdown(ticket, report.static)
    if report.caches:
        out += ["## Existing caches (at exit)", "",
                "| cache | hits | misses | hit rate | size | verdict |",
                "| --- | ---: | ---: | ---: | ---: | --- |"]
        for cache, verdict in report.caches:
            rate = percent(cache.hit_rate) if cache.hit_rate is not None else "-"
            size = f"{cache.currsize:,}/{cache.maxsize:,}" if cache.maxsize is not None else (
                f"{cache.currsize:,}/unbounded")
            out.append(f"| `{cache.name}()` `{cache.file}:{cache.first_line}` | {cache.hits:,} "
                       f"| {cache.misses:,} | {rate} | {size} | {verdict or 'fine'} |")
        out.append("")
    if report.not_run:
        out += ["## Never ran in this profile", "",
                "Correct findings, but the profiled run never executed them: fix them only "
                "if another workload does.", ""]
        for finding in report.not_run:
            d = finding.diagnostic
            out.append(f"- `{finding.path}:{d.row}:{d.col}` {d.code} {d.message}")
        out.append("")
    return "\n".join(out)


def _ticket_markdown(ticket: Ticket, static: bool) -> list[str]:
    a = ticket.annotation
    first = ticket.findings[0].diagnostic
    out = [f"## Performance Optimization: `{ticket.function}()`", "",
           f"**Hotspot:** `{ticket.path}:{first.row}`"]
    if static:
        out.append("**Current Performance:** unknown (static estimate: no profile)")
    else:
        per_call = _time(a.time_per_call) if a.time_per_call is not None else (
            "unknown (the profile has no call counts)")
        share = f"{percent(a.share)} of total execution" if a.share is not None else "unknown"
        if a.self_share is not None and a.share is not None:
            share += f" ({percent(a.self_share)} in its own code)"
        calls = "unknown (sampling profile)" if a.calls is None else (
            f"{a.calls:,} call{'s' if a.calls != 1 else ''}")
        out += [f"**Current Performance:** {per_call} per call",
                f"**Cumulative Time:** {share}",
                f"**Call Count:** {calls}"]
    out += ["", "**Root Cause:**"]
    for finding in ticket.findings:
        d = finding.diagnostic
        evidence = f" {d.profile.compact()}" if d.profile is not None else ""
        out.append(f"- `{finding.path}:{d.row}:{d.col}` {d.code} ({finding.rule_name}): "
                   f"{d.message}{evidence}")
    out += ["", "**Proposed Fix:**"]
    for finding in ticket.findings:
        d = finding.diagnostic
        if finding.diff:
            safety = "" if d.fix is None else f" ({d.fix.applicability.value} fix: {d.fix.reason})"
            out += [f"- {d.code}: {d.fix.message if d.fix else ''}{safety}", "", "```diff",
                    finding.diff.rstrip("\n"), "```"]
        else:
            out.append(f"- {d.code}: no automatic fix; {d.message}")
    out += ["", "**Expected Impact:**"]
    for finding in ticket.findings:
        out.append(f"- {finding.diagnostic.code}: {_impact(finding.diagnostic.profile)}")
    out += ["", f"**Implementation Priority:** {ticket.priority.value.upper()}"
            + (" (static estimate)" if static else ""), ""]
    return out


def as_json(report: TicketReport) -> dict[str, Any]:
    def finding_json(finding: Finding) -> dict[str, Any]:
        d = finding.diagnostic
        annotation = d.profile
        return {
            "code": d.code, "name": finding.rule_name, "message": d.message,
            "filename": finding.path, "location": {"row": d.row, "column": d.col},
            "profile": annotation.to_json() if annotation is not None else None,
            "static_reasons": list(annotation.reasons) if annotation and annotation.static
            else None,
            "fix": None if d.fix is None else {
                "applicability": d.fix.applicability.value, "reason": d.fix.reason,
                "message": d.fix.message, "diff": finding.diff,
            },
            "expected_impact": _impact(annotation),
        }

    return {
        "static": report.static,
        "profiles": [{"format": kind, "path": path} for kind, path in report.sources],
        "run_time": report.run_time,
        "notes": report.notes,
        "hotspots": [
            {"function": h.function, "filename": h.path, "line": h.line, "share": h.share,
             "calls": h.calls, "checked": h.checked}
            for h in report.hotspots
        ],
        "tickets": [
            {
                "function": t.function, "filename": t.path, "line": t.line,
                "priority": t.priority.value, "share": t.annotation.share,
                "self_share": t.annotation.self_share, "calls": t.annotation.calls,
                "time_per_call": t.annotation.time_per_call,
                "expected_saving": t.expected_saving, "saved_bytes": t.saved_bytes,
                "findings": [finding_json(f) for f in t.findings],
            }
            for t in report.tickets
        ],
        "caches": [
            {"function": c.name, "filename": c.file, "line": c.first_line, "hits": c.hits,
             "misses": c.misses, "hit_rate": c.hit_rate, "currsize": c.currsize,
             "maxsize": c.maxsize, "verdict": verdict}
            for c, verdict in report.caches
        ],
        "not_run": [finding_json(f) for f in report.not_run],
    }
