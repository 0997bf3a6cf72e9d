"""Joining a profile to one checked file: the figures of its functions, lines and probed sites.

A diagnostic's *function* is the innermost ``def`` around it (``<module>`` at module level).
Timed functions are found by file, first line (the ``def`` line, or the first decorator's, as
``co_firstlineno`` counts) and name; sampled frames by name and a line inside the function, so
that samplers that only give the running line (py-spy) still add up per function. Inclusive
time counts each sample once per function, however deep the recursion.
"""

from __future__ import annotations

import ast
import bisect
import hashlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from perfcodemod.profile.model import (
    CacheEvidence,
    Frame,
    FunctionTiming,
    Profile,
    SiteEvidence,
)

MODULE = "<module>"


@dataclass(frozen=True)
class FunctionSpan:
    name: str
    qualname: str
    #: First line as ``co_firstlineno`` counts it (the first decorator's line), ``def`` line,
    #: last line.
    first_line: int
    def_line: int
    end_line: int


_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


def _statements(node: ast.AST) -> Iterator[ast.stmt]:
    """The statements directly inside a compound statement (functions and classes are only
    ever statements: expressions need not be walked)."""
    for name in _BLOCKS:
        for child in getattr(node, name, ()):
            if isinstance(child, ast.stmt):
                yield child
            else:  # an except handler or a match case: its own body
                yield from (s for s in getattr(child, "body", ()) if isinstance(s, ast.stmt))


def function_spans(tree: ast.Module) -> list[FunctionSpan]:
    """Every function of the module, and the module itself first."""
    end = max((getattr(n, "end_lineno", 1) or 1 for n in tree.body), default=1)
    spans = [FunctionSpan(MODULE, MODULE, 1, 1, end)]

    def visit(node: ast.AST, prefix: str) -> None:
        for child in _statements(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([d.lineno for d in child.decorator_list] + [child.lineno])
                qualname = f"{prefix}{child.name}"
                spans.append(FunctionSpan(
                    child.name, qualname, first, child.lineno, child.end_lineno or child.lineno
                ))
                visit(child, f"{qualname}.<locals>.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return spans


def loop_statements(tree: ast.Module) -> list[tuple[int, int, int]]:
    """``(header line, first body line, last line)`` of every ``for`` and ``while``."""
    loops = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        for child in _statements(node):
            if isinstance(child, (ast.For, ast.AsyncFor, ast.While)) and child.body:
                loops.append((child.lineno, child.body[0].lineno,
                              child.end_lineno or child.lineno))
            pending.append(child)
    return loops


class SpanIndex:
    """The innermost function around a line."""

    def __init__(self, spans: Sequence[FunctionSpan]) -> None:
        self.spans = list(spans)
        # Nested spans start later; scanning candidates from the latest start finds the
        # innermost one that still contains the line.
        self._by_start = sorted(range(len(spans)), key=lambda i: spans[i].first_line)
        self._starts = [spans[i].first_line for i in self._by_start]

    def innermost(self, line: int, name: str | None = None) -> int:
        """The index of the innermost span containing ``line`` (named ``name``, if given)."""
        position = bisect.bisect_right(self._starts, line)
        for k in range(position - 1, -1, -1):
            span = self.spans[self._by_start[k]]
            if span.first_line <= line <= span.end_line and (
                name is None or _same_name(name, span)
            ):
                return self._by_start[k]
        return 0 if name is None or name == MODULE else -1


def _same_name(name: str, span: FunctionSpan) -> bool:
    return name == span.name or name.endswith("." + span.name) or name == span.qualname


@dataclass
class FunctionFigures:
    inclusive: float | None = None
    self_time: float | None = None
    calls: int | None = None
    #: Calls from outside the function (not recursive ones): what "time per call" divides by.
    primitive_calls: int | None = None
    #: False: the profile shows the function never ran; None: it cannot tell.
    ran: bool | None = None
    #: The share's denominator (timed or sampled total).
    total: float = 0.0


@dataclass
class _Sampled:
    inclusive: dict[int, float] = field(default_factory=dict)
    self_time: dict[int, float] = field(default_factory=dict)
    line_inclusive: dict[int, float] = field(default_factory=dict)
    line_self: dict[int, float] = field(default_factory=dict)
    #: Each stack's lines in this file, and its weight.
    stack_lines: list[tuple[frozenset[int], float]] = field(default_factory=list)


class ProfileIndex:
    """What is computed once per profile: stacks and timings grouped by file."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.timings_by_file: dict[str, list[FunctionTiming]] = defaultdict(list)
        for timing in profile.functions:
            self.timings_by_file[timing.file].append(timing)
        self.stacks_by_file: dict[str, list[tuple[tuple[Frame, ...], float]]] = defaultdict(list)
        for stack, weight in profile.stacks.items():
            for file in {frame.file for frame in stack}:
                self.stacks_by_file[file].append((stack, weight))
        self.lines_by_file: dict[str, dict[int, float]] = defaultdict(dict)
        for (file, line), time in profile.line_times.items():
            self.lines_by_file[file][line] = time.inclusive
        self.sites: dict[tuple[str, str, int, int], SiteEvidence] = {
            (s.file, s.code, s.row, s.col): s for s in profile.sites
        }
        self.caches_by_file: dict[str, list[CacheEvidence]] = defaultdict(list)
        for cache in profile.caches:
            self.caches_by_file[cache.file].append(cache)


class FileEvidence:
    """The profile's figures for one checked file (matched to ``profile_files``)."""

    def __init__(
        self, index: ProfileIndex, profile_files: Sequence[str], text: str, tree: ast.Module
    ) -> None:
        self.index = index
        self.profile = index.profile
        self.files = list(profile_files)
        self.spans = SpanIndex(function_spans(tree))
        self.tree = tree
        self._loops: list[tuple[int, int, int]] | None = None
        self.stale = self._stale(text)
        self._sampled: _Sampled | None = None

    def _stale(self, text: str) -> bool:
        """The program's file was not this text when it ran (perfcodemod's own profiles
        record a hash of each source file)."""
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        hashes = {
            info.sha256 for f in self.files
            if (info := self.profile.source_files.get(f)) is not None and info.sha256
        }
        return bool(hashes) and digest not in hashes

    # -- functions ---------------------------------------------------------------------------

    def span_of(self, row: int) -> FunctionSpan:
        return self.spans.spans[self.spans.innermost(row)]

    def function(self, row: int) -> tuple[FunctionSpan, FunctionFigures]:
        span_id = self.spans.innermost(row)
        span = self.spans.spans[span_id]
        figures = FunctionFigures()
        profile = self.profile
        timed_here = [t for f in self.files for t in self.index.timings_by_file.get(f, ())]
        if profile.has_timings:
            figures.total = profile.timed_total
            found = [
                t for t in timed_here
                if t.first_line in (span.first_line, span.def_line) and (
                    t.name == span.name or span.name == MODULE and t.name == MODULE
                )
            ]
            if found:
                figures.inclusive = sum(t.inclusive for t in found)
                figures.self_time = sum(t.self_time for t in found)
                figures.calls = sum(t.calls for t in found)
                figures.primitive_calls = sum(t.primitive_calls for t in found)
                figures.ran = figures.calls > 0
                return span, figures
            if timed_here or not self.files or self._never_loaded():
                # The profile times every call: a function of a profiled file that is not
                # there never ran (its module may not even have been imported).
                figures.inclusive = figures.self_time = 0.0
                figures.calls = 0
                figures.ran = False
                return span, figures
        if profile.has_samples:
            sampled = self._sampled_figures()
            figures.total = profile.sampled_total
            figures.inclusive = sampled.inclusive.get(span_id, 0.0)
            figures.self_time = sampled.self_time.get(span_id, 0.0)
            if figures.inclusive > 0:
                figures.ran = True
            elif self._never_loaded():
                figures.ran = False
        return span, figures

    def _never_loaded(self) -> bool:
        loaded = self.profile.loaded_files
        return loaded is not None and not any(f in loaded for f in self.files)

    def _sampled_figures(self) -> _Sampled:
        if self._sampled is not None:
            return self._sampled
        sampled = _Sampled()
        files = set(self.files)
        span_of_frame: dict[Frame, int] = {}
        seen: set[int] = set()
        for file in self.files:
            for stack, weight in self.index.stacks_by_file.get(file, ()):
                if id(stack) in seen:
                    continue
                seen.add(id(stack))
                spans_here: set[int] = set()
                lines_here: set[int] = set()
                for frame in stack:
                    if frame.file not in files:
                        continue
                    span_id = span_of_frame.get(frame)
                    if span_id is None:
                        span_id = span_of_frame[frame] = self._span_of_frame(frame)
                    if span_id >= 0:
                        spans_here.add(span_id)
                    if frame.line is not None:
                        lines_here.add(frame.line)
                for span_id in spans_here:
                    sampled.inclusive[span_id] = sampled.inclusive.get(span_id, 0.0) + weight
                for line in lines_here:
                    sampled.line_inclusive[line] = sampled.line_inclusive.get(line, 0.0) + weight
                if lines_here:
                    sampled.stack_lines.append((frozenset(lines_here), weight))
                leaf = stack[-1]
                if leaf.file in files:
                    span_id = span_of_frame.get(leaf, -1)
                    if span_id >= 0:
                        sampled.self_time[span_id] = sampled.self_time.get(span_id, 0.0) + weight
                    if leaf.line is not None:
                        sampled.line_self[leaf.line] = (
                            sampled.line_self.get(leaf.line, 0.0) + weight
                        )
        self._sampled = sampled
        return sampled

    def _span_of_frame(self, frame: Frame) -> int:
        spans = self.spans.spans
        if frame.first_line is not None:
            for i, span in enumerate(spans):
                if frame.first_line in (span.first_line, span.def_line) and (
                    _same_name(frame.name, span) or span.name == MODULE == frame.name
                ):
                    return i
            return -1
        if frame.line is None:
            return -1
        return self.spans.innermost(frame.line, frame.name)

    # -- lines and sites ---------------------------------------------------------------------

    def line_share(self, row: int) -> float | None:
        profile = self.profile
        if profile.has_samples:
            sampled = self._sampled_figures()
            if sampled.line_inclusive or self._lines_known():
                if profile.loop_level_lines:
                    around = {row, *self.loop_lines(row)}
                    weight = sum(w for lines, w in sampled.stack_lines if lines & around)
                    return weight / profile.sampled_total
                return sampled.line_inclusive.get(row, 0.0) / profile.sampled_total
        if profile.line_times and profile.line_total > 0:
            wanted = sorted({row, *self.loop_lines(row)}) if profile.loop_level_lines else [row]
            for file in self.files:
                lines = self.index.lines_by_file.get(file)
                if lines is not None:
                    return sum(lines.get(line, 0.0) for line in wanted) / profile.line_total
            return 0.0
        return None

    def loop_lines(self, row: int) -> list[int]:
        """The lines an in-process sampler credits with the time of ``row`` when it runs in
        a loop: the loops' headers (their back edge) and the function's first line (where
        Scalene puts a sample without a line)."""
        headers = self.loop_headers(row)
        if not headers:
            return []
        span = self.span_of(row)
        return [*headers, span.first_line, span.def_line]

    def loop_headers(self, row: int) -> list[int]:
        """The header lines of the loops around ``row`` in its own function."""
        span = self.span_of(row)
        if self._loops is None:
            self._loops = loop_statements(self.tree)
        return [
            header for header, body, end in self._loops
            if body <= row <= end and header >= span.first_line and self.span_of(header) == span
        ]

    def _lines_known(self) -> bool:
        return any(
            frame.line is not None
            for file in self.files for stack, _ in self.index.stacks_by_file.get(file, ())[:1]
            for frame in stack
        )

    def site(self, code: str, row: int, col: int) -> SiteEvidence | None:
        if self.stale:
            return None
        for file in self.files:
            found = self.index.sites.get((file, code, row, col))
            if found is not None:
                return found
        return None

    def cache(self, span: FunctionSpan) -> CacheEvidence | None:
        if self.stale:
            return None
        for file in self.files:
            for cache in self.index.caches_by_file.get(file, ()):
                if cache.first_line in (span.first_line, span.def_line) and (
                    cache.name.split(".")[-1] == span.name
                ):
                    return cache
        return None
