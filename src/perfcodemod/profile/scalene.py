"""Scalene's JSON (``scalene run -o FILE``, or ``--json`` in older versions): per-line CPU
percentages for each profiled file, and (Scalene 1.5.30 and later) the sampled stacks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from perfcodemod.profile.model import Frame, LineTime, Profile, ProfileError

#: A stack frame as Scalene writes it: ``/path/file.py function:line;``.
_FRAME = re.compile(r"^(?P<file>.+) (?P<name>[^ ]+):(?P<line>\d+);?$")
_PERCENTS = ("n_cpu_percent_python", "n_cpu_percent_c", "n_sys_percent")


def looks_like_scalene(document: object) -> bool:
    return (
        isinstance(document, dict)
        and isinstance(document.get("files"), dict)
        and "elapsed_time_sec" in document
    )


def load(document: Mapping[str, Any], path: str) -> Profile:
    # Scalene samples in the process, on signals: like perfcodemod's own sampler, it sees a
    # loop's body at the loop's back edge.
    profile = Profile(sources=[("scalene", path)], loop_level_lines=True)
    try:
        elapsed = float(document["elapsed_time_sec"])
        profile.line_total = elapsed
        profile.run_time = elapsed
        for file, info in document["files"].items():
            for line in info.get("lines", ()):
                percent = sum(float(line.get(key, 0.0)) for key in _PERCENTS)
                if percent > 0:
                    seconds = percent / 100.0 * elapsed
                    profile.line_times[(str(file), int(line["lineno"]))] = LineTime(
                        seconds, seconds
                    )
        stacks = document.get("stacks") or []
        counted = [(frames, float(info.get("count", 0))) for frames, info in stacks]
        samples = sum(count for _, count in counted)
        scale = elapsed / samples if samples else 0.0
        for frames, count in counted:
            stack = []
            for text in frames:
                match = _FRAME.match(str(text))
                if match is not None:
                    # The line is one inside the function (not always the running one).
                    stack.append(Frame(match["file"], match["name"], line=int(match["line"])))
            profile.sampled_total += count * scale
            if stack:
                profile.add_stack(tuple(stack), count * scale)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise ProfileError(f"{path}: malformed Scalene profile ({exc!r})") from None
    if not profile.line_times and not profile.stacks:
        profile.notes.append(f"{path}: Scalene recorded no CPU time in any profiled file")
    return profile
