"""Collapsed stacks ("folded"): one ``frame;frame;frame COUNT`` line per distinct stack, root
first. py-spy ``--format raw`` names frames ``function (file:line)``; austin writes
``file:function:line`` after its ``P<pid>;T<thread>`` frames; FlameGraph's folded files from
other sources use either, or bare names (which cannot be matched to code and are skipped)."""

from __future__ import annotations

import re

from perfcodemod.profile.model import Frame, Profile, ProfileError

_LINE = re.compile(r"^(?P<stack>.*?)\s+(?P<count>\d+(?:\.\d+)?)$")
_PY_SPY = re.compile(r"^(?P<name>.*) \((?P<file>.+?):(?P<line>\d+)\)$")
_AUSTIN = re.compile(r"^(?P<file>.+\.pyw?):(?P<name>[^:;]+):(?P<line>\d+)$")


def looks_like_collapsed(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return False
    return all(_LINE.match(line.rstrip()) for line in lines[:50])


def _frame(text: str) -> Frame | None:
    match = _PY_SPY.match(text) or _AUSTIN.match(text)
    if match is None:
        return None
    return Frame(match["file"], match["name"], line=int(match["line"]))


def load(text: str, path: str) -> Profile:
    profile = Profile(sources=[("collapsed stacks", path)])
    cache: dict[str, Frame | None] = {}
    named = False
    for number, line in enumerate(text.splitlines(), 1):
        line = line.rstrip()
        if not line:
            continue
        match = _LINE.match(line)
        if match is None:
            raise ProfileError(f"{path}:{number}: not a collapsed-stack line: {line[:60]!r}")
        count = float(match["count"])
        profile.sampled_total += count
        frames = []
        for part in match["stack"].split(";"):
            if part not in cache:
                cache[part] = _frame(part.strip())
            frame = cache[part]
            if frame is not None:
                frames.append(frame)
        if frames:
            named = True
            profile.add_stack(tuple(frames), count)
    if not named and profile.sampled_total:
        raise ProfileError(
            f"{path}: collapsed stacks without file names and lines cannot be matched to code "
            "(record with py-spy --format raw, or austin)"
        )
    return profile
