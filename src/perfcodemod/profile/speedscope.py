"""speedscope JSON: py-spy (``--format speedscope``), pyinstrument (``-r speedscope``), austin
(through ``austin2speedscope``). Sampled profiles hold stacks and weights; evented ones
(pyinstrument) open and close frames at times, replayed here into stacks and durations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from perfcodemod.profile.model import Frame, Profile, ProfileError

SCHEMA = "speedscope.app/file-format-schema"
UNITS = {"seconds": 1.0, "milliseconds": 1e-3, "microseconds": 1e-6, "nanoseconds": 1e-9,
         "none": 1.0}


def looks_like_speedscope(document: object) -> bool:
    return isinstance(document, dict) and (
        SCHEMA in str(document.get("$schema", ""))
        or ("shared" in document and "profiles" in document)
    )


def _frames(document: Mapping[str, Any], first_lines: bool) -> list[Frame | None]:
    frames: list[Frame | None] = []
    for entry in document["shared"]["frames"]:
        file = entry.get("file")
        line = entry.get("line")
        if not file or not isinstance(file, str) or file.startswith("<"):
            # pyinstrument's [self] and [await], built-ins, frozen modules: nothing to match.
            frames.append(None)
            continue
        number = int(line) if isinstance(line, (int, float)) and line > 0 else None
        name = str(entry.get("name", ""))
        if first_lines:
            frames.append(Frame(file, name, first_line=number))
        else:
            frames.append(Frame(file, name, line=number))
    return frames


def load(document: Mapping[str, Any], path: str) -> Profile:
    exporter = str(document.get("exporter", ""))
    # pyinstrument names each function by its first line; the samplers by the running line.
    first_lines = exporter.startswith("pyinstrument")
    profile = Profile(sources=[(f"speedscope ({exporter or 'unknown exporter'})", path)])
    try:
        frames = _frames(document, first_lines)
        profiles = document["profiles"]
        if not isinstance(profiles, list):
            raise TypeError("profiles is not a list")
        units: set[str] = set()
        for part in profiles:
            unit = str(part.get("unit", "none"))
            if unit not in UNITS:
                profile.notes.append(f"{path}: skipped a profile measured in {unit}")
                continue
            units.add(unit)
            scale = UNITS[unit]
            if part.get("type") == "evented":
                _replay(part, frames, scale, profile)
            else:
                _sampled(part, frames, scale, profile)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise ProfileError(f"{path}: malformed speedscope file ({exc!r})") from None
    if units and "none" not in units:
        profile.run_time = profile.sampled_total
    if "none" in units and len(units) > 1:
        profile.notes.append(f"{path}: mixes sample counts and times; shares are approximate")
    return profile


def _sampled(
    part: Mapping[str, Any], frames: Sequence[Frame | None], scale: float, profile: Profile
) -> None:
    samples = part["samples"]
    weights = part.get("weights") or [1.0] * len(samples)
    for sample, weight in zip(samples, weights):
        seconds = float(weight) * scale
        profile.sampled_total += seconds
        stack = tuple(frame for frame in (frames[i] for i in sample) if frame is not None)
        if stack:
            profile.add_stack(stack, seconds)


def _replay(
    part: Mapping[str, Any], frames: Sequence[Frame | None], scale: float, profile: Profile
) -> None:
    open_frames: list[int] = []
    last = float(part.get("startValue", 0.0))
    for event in part["events"]:
        at = float(event["at"])
        if open_frames and at > last:
            stack = tuple(f for f in (frames[i] for i in open_frames) if f is not None)
            if stack:
                profile.add_stack(stack, (at - last) * scale)
        last = max(last, at)
        if event["type"] == "O":
            open_frames.append(int(event["frame"]))
        elif event["type"] == "C" and open_frames:
            open_frames.pop()
    total = float(part.get("endValue", last)) - float(part.get("startValue", 0.0))
    profile.sampled_total += max(total, 0.0) * scale
