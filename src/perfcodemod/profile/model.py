"""The one in-memory model every profile format loads into, and merging several profiles.

Two kinds of timing live side by side, each with its own denominator:

* *timed* functions (cProfile, the ``profile`` module, perfcodemod's recorder): exact call
  counts, inclusive and self time, keyed by the function's file, first line and name;
* *samples* (stack samplers: perfcodemod's, py-spy, pyinstrument, austin, Scalene): whole
  stacks with a weight, from which inclusive time per function and per line follow, and
  per-line times without stacks (Scalene's line table).

A function's share is its inclusive time over the timed total when the profile times
functions, else its sampled weight over the sampled total; a line's share always comes from
samples. Merging adds times and totals, so that each profile counts by how long it ran.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


class ProfileError(Exception):
    """A profile file that cannot be read; the message is one line naming the file."""


@dataclass(frozen=True)
class Frame:
    """One frame of a sampled stack, as the profiler named it."""

    file: str
    name: str
    #: The function's first line (``co_firstlineno``), when the profiler says it.
    first_line: int | None = None
    #: The line that was running, when the profiler says it.
    line: int | None = None


@dataclass
class FunctionTiming:
    """A function as a deterministic profiler saw it (times in seconds)."""

    file: str
    name: str
    first_line: int
    calls: int
    primitive_calls: int
    inclusive: float
    self_time: float


@dataclass
class LineTime:
    """Time attributed to one line by a line-level profiler without stacks (Scalene)."""

    inclusive: float = 0.0
    self_time: float = 0.0


@dataclass
class SiteEvidence:
    """What perfcodemod's probes saw at one flagged site (rows and columns 1-based, as in
    the diagnostic that the site was probed for)."""

    file: str
    code: str
    row: int
    col: int
    #: How often the flagged expression was evaluated (the line ran).
    hits: int = 0
    #: The largest ``len()`` of the collection searched or materialised there.
    max_size: int | None = None
    #: The largest ``sys.getsizeof()`` of that collection (a list or set's own memory).
    max_bytes: int | None = None
    #: For a cache candidate: calls, and how many distinct argument keys they had.
    calls: int | None = None
    distinct_keys: int | None = None
    #: Calls whose arguments could not be hashed (a cache would raise TypeError).
    unhashable: int = 0
    #: The distinct keys stopped being counted at this many (memory bound).
    keys_capped: bool = False

    def merge(self, other: SiteEvidence) -> None:
        self.hits += other.hits
        self.max_size = _max(self.max_size, other.max_size)
        self.max_bytes = _max(self.max_bytes, other.max_bytes)
        if other.calls is not None:
            self.calls = (self.calls or 0) + other.calls
            # Keys of two runs may overlap: the larger count is a lower bound of the union.
            self.distinct_keys = _max(self.distinct_keys, other.distinct_keys)
        self.unhashable += other.unhashable
        self.keys_capped = self.keys_capped or other.keys_capped


@dataclass
class CacheEvidence:
    """An existing ``functools`` cache of the program, at exit (``cache_info()``)."""

    file: str
    name: str
    first_line: int
    hits: int
    misses: int
    currsize: int
    #: None: unbounded.
    maxsize: int | None

    @property
    def hit_rate(self) -> float | None:
        total = self.hits + self.misses
        return self.hits / total if total else None


@dataclass
class SourceInfo:
    """A file of the profiled program, as perfcodemod's recorder saw it."""

    sha256: str | None = None
    module: str | None = None


@dataclass
class Profile:
    #: ``(format, path)`` of every profile merged into this one.
    sources: list[tuple[str, str]] = field(default_factory=list)
    timed_total: float = 0.0
    functions: list[FunctionTiming] = field(default_factory=list)
    sampled_total: float = 0.0
    #: Root-first stacks and their weight (seconds, or samples when the unit is unknown).
    stacks: dict[tuple[Frame, ...], float] = field(default_factory=dict)
    line_total: float = 0.0
    line_times: dict[tuple[str, int], LineTime] = field(default_factory=dict)
    sites: list[SiteEvidence] = field(default_factory=list)
    caches: list[CacheEvidence] = field(default_factory=list)
    #: Files of the program recorded by perfcodemod (with their hash, to detect edits).
    source_files: dict[str, SourceInfo] = field(default_factory=dict)
    #: Every Python file the program imported (perfcodemod's recorder only: None elsewhere).
    loaded_files: set[str] | None = None
    #: What ran (argv, Python version, exit status...) per source profile.
    programs: list[dict[str, Any]] = field(default_factory=list)
    #: Notes for the user made while reading (a skipped part, an unknown unit).
    notes: list[str] = field(default_factory=list)
    #: Seconds the profiled run took, when the format says (collapsed stacks count samples).
    run_time: float | None = None
    #: The samples come from an in-process sampler, which sees a loop's body at its back
    #: edge: a line inside a loop is credited with the time at its loop's header as well.
    loop_level_lines: bool = False

    @property
    def has_timings(self) -> bool:
        return bool(self.functions) and self.timed_total > 0

    @property
    def has_samples(self) -> bool:
        return bool(self.stacks) and self.sampled_total > 0

    @property
    def has_lines(self) -> bool:
        return self.has_samples or (bool(self.line_times) and self.line_total > 0)

    def files(self) -> set[str]:
        """Every file this profile names."""
        found = {f.file for f in self.functions}
        found.update(frame.file for stack in self.stacks for frame in stack)
        found.update(file for file, _ in self.line_times)
        found.update(s.file for s in self.sites)
        found.update(c.file for c in self.caches)
        found.update(self.source_files)
        if self.loaded_files:
            found.update(self.loaded_files)
        found.discard("")
        return found

    def add_stack(self, stack: tuple[Frame, ...], weight: float) -> None:
        self.stacks[stack] = self.stacks.get(stack, 0.0) + weight


def merge(profiles: Iterable[Profile]) -> Profile:
    """One profile holding the others' times, samples and evidence (times add up)."""
    merged = Profile()
    every_file_known = True
    run_times: list[float | None] = []
    timings: dict[tuple[str, int, str], FunctionTiming] = {}
    sites: dict[tuple[str, str, int, int], SiteEvidence] = {}
    caches: dict[tuple[str, int, str], CacheEvidence] = {}
    for profile in profiles:
        merged.sources.extend(profile.sources)
        merged.timed_total += profile.timed_total
        for f in profile.functions:
            key = (f.file, f.first_line, f.name)
            known = timings.get(key)
            if known is None:
                timings[key] = FunctionTiming(
                    f.file, f.name, f.first_line, f.calls, f.primitive_calls, f.inclusive,
                    f.self_time,
                )
            else:
                known.calls += f.calls
                known.primitive_calls += f.primitive_calls
                known.inclusive += f.inclusive
                known.self_time += f.self_time
        merged.sampled_total += profile.sampled_total
        for stack, weight in profile.stacks.items():
            merged.add_stack(stack, weight)
        merged.line_total += profile.line_total
        for line_key, line in profile.line_times.items():
            into = merged.line_times.setdefault(line_key, LineTime())
            into.inclusive += line.inclusive
            into.self_time += line.self_time
        for site in profile.sites:
            site_key = (site.file, site.code, site.row, site.col)
            if site_key in sites:
                sites[site_key].merge(site)
            else:
                sites[site_key] = SiteEvidence(**vars(site))
        for cache in profile.caches:
            cache_key = (cache.file, cache.first_line, cache.name)
            seen = caches.get(cache_key)
            if seen is None:
                caches[cache_key] = CacheEvidence(**vars(cache))
            else:
                seen.hits += cache.hits
                seen.misses += cache.misses
                seen.currsize = max(seen.currsize, cache.currsize)
        merged.source_files.update(profile.source_files)
        # Which files were imported is known only when every profile says it.
        if profile.loaded_files is None:
            every_file_known = False
        else:
            merged.loaded_files = (merged.loaded_files or set()) | profile.loaded_files
        run_times.append(profile.run_time)
        merged.loop_level_lines = merged.loop_level_lines or profile.loop_level_lines
        merged.programs.extend(profile.programs)
        merged.notes.extend(profile.notes)
    if run_times and all(t is not None for t in run_times):
        merged.run_time = sum(t for t in run_times if t is not None)
    if not every_file_known:
        merged.loaded_files = None
    merged.functions = list(timings.values())
    merged.sites = list(sites.values())
    merged.caches = list(caches.values())
    return merged


def _max(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)
