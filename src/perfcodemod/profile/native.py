"""perfcodemod's own profile file (``perfcodemod.prof.json``): writing and reading.

The format is documented in ``docs/profiling.md``; ``version`` changes whenever a reader of
the previous version would misread a file. Files and frames are stored once in tables and
referred to by index, so that a long run's stacks stay small.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from perfcodemod.atomicfile import replace_file
from perfcodemod.profile.model import (
    CacheEvidence,
    Frame,
    FunctionTiming,
    Profile,
    ProfileError,
    SiteEvidence,
    SourceInfo,
)

FORMAT = "perfcodemod-profile"
VERSION = 1


class _Files:
    """The file table: each path once, referred to by its index."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, path: str) -> int:
        if path not in self.index:
            self.index[path] = len(self.index)
        return self.index[path]


def dump(profile: Profile, program: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON document for one recorded run."""
    files = _Files()
    frames: dict[Frame, int] = {}

    def frame_id(frame: Frame) -> int:
        if frame not in frames:
            frames[frame] = len(frames)
        return frames[frame]

    functions = [
        [files(f.file), f.name, f.first_line, f.calls, f.primitive_calls,
         round(f.inclusive, 9), round(f.self_time, 9)]
        for f in profile.functions
    ]
    stacks = [
        [[frame_id(frame) for frame in stack], round(weight, 9)]
        for stack, weight in profile.stacks.items()
    ]
    sites = [
        {
            "file": files(s.file), "code": s.code, "row": s.row, "col": s.col, "hits": s.hits,
            "max_size": s.max_size, "max_bytes": s.max_bytes, "calls": s.calls,
            "distinct_keys": s.distinct_keys, "unhashable": s.unhashable,
            "keys_capped": s.keys_capped,
        }
        for s in profile.sites
    ]
    caches = [
        {
            "file": files(c.file), "name": c.name, "line": c.first_line, "hits": c.hits,
            "misses": c.misses, "currsize": c.currsize, "maxsize": c.maxsize,
        }
        for c in profile.caches
    ]
    for path in profile.source_files:
        files(path)
    loaded = sorted(files(path) for path in profile.loaded_files or ())
    frame_table = [[files(f.file), f.name, f.first_line, f.line] for f in frames]
    file_table = []
    for path in files.index:
        info = profile.source_files.get(path)
        entry: dict[str, Any] = {"path": path}
        if info is not None:
            entry.update(sha256=info.sha256, module=info.module)
        file_table.append(entry)
    return {
        "format": FORMAT,
        "version": VERSION,
        "program": dict(program),
        "files": file_table,
        "timing": {"total": round(profile.timed_total, 9), "functions": functions},
        "samples": {"total": round(profile.sampled_total, 9), "frames": frame_table,
                    "stacks": stacks, "loop_level_lines": profile.loop_level_lines},
        "sites": sites,
        "caches": caches,
        "loaded_files": loaded,
    }


def looks_native(document: object) -> bool:
    return isinstance(document, dict) and document.get("format") == FORMAT


def load(document: Mapping[str, Any], path: str) -> Profile:
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ProfileError(f"{path}: perfcodemod profile without a version number")
    if version > VERSION:
        raise ProfileError(
            f"{path}: perfcodemod profile version {version} is newer than this perfcodemod "
            f"reads (version {VERSION}); upgrade perfcodemod"
        )
    try:
        return _load_v1(document, path)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise ProfileError(f"{path}: malformed perfcodemod profile ({exc!r})") from None


def _int_or_none(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def _load_v1(document: Mapping[str, Any], path: str) -> Profile:
    profile = Profile(sources=[("perfcodemod", path)])
    file_table = [str(entry["path"]) for entry in document["files"]]
    for entry in document["files"]:
        if "sha256" in entry or "module" in entry:
            profile.source_files[str(entry["path"])] = SourceInfo(
                entry.get("sha256"), entry.get("module")
            )
    timing = document["timing"]
    profile.timed_total = float(timing["total"])
    for file_id, name, first_line, calls, primitive, inclusive, self_time in timing["functions"]:
        profile.functions.append(FunctionTiming(
            file_table[file_id], str(name), int(first_line), int(calls), int(primitive),
            float(inclusive), float(self_time),
        ))
    samples = document["samples"]
    profile.sampled_total = float(samples["total"])
    profile.loop_level_lines = bool(samples.get("loop_level_lines", False))
    frames = [
        Frame(file_table[file_id], str(name), _int_or_none(first), _int_or_none(line))
        for file_id, name, first, line in samples["frames"]
    ]
    for frame_ids, weight in samples["stacks"]:
        profile.add_stack(tuple(frames[i] for i in frame_ids), float(weight))
    for s in document["sites"]:
        profile.sites.append(SiteEvidence(
            file_table[s["file"]], str(s["code"]), int(s["row"]), int(s["col"]),
            int(s["hits"]), _int_or_none(s.get("max_size")), _int_or_none(s.get("max_bytes")),
            _int_or_none(s.get("calls")), _int_or_none(s.get("distinct_keys")),
            int(s.get("unhashable", 0)), bool(s.get("keys_capped", False)),
        ))
    for c in document["caches"]:
        profile.caches.append(CacheEvidence(
            file_table[c["file"]], str(c["name"]), int(c["line"]), int(c["hits"]),
            int(c["misses"]), int(c["currsize"]), _int_or_none(c.get("maxsize")),
        ))
    loaded = document.get("loaded_files")
    if loaded is not None:
        profile.loaded_files = {file_table[i] for i in loaded}
    program = document.get("program")
    if isinstance(program, dict):
        profile.programs.append(program)
        wall = program.get("wall_time")
        if isinstance(wall, (int, float)) and not isinstance(wall, bool):
            profile.run_time = float(wall)
    return profile


def write(target: str, profile: Profile, program: Mapping[str, Any]) -> None:
    """Write the profile atomically (a reader never sees half a file)."""
    text = json.dumps(dump(profile, program), separators=(",", ":")) + "\n"
    replace_file(target, text.encode("utf-8"))
