"""Reading a profile file of any supported format: the format is told by the content."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from perfcodemod.profile import collapsed, native, pstats_format, scalene, speedscope
from perfcodemod.profile.model import Profile, ProfileError, merge

KNOWN = (
    "perfcodemod JSON, pstats (cProfile/profile -o), speedscope JSON (py-spy, pyinstrument, "
    "austin), collapsed stacks (py-spy --format raw, FlameGraph folded) or Scalene JSON"
)


def read_profile(path: str | Path) -> Profile:
    """One profile file; ``ProfileError`` (one line) when it is none of the known formats."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ProfileError(f"{name}: cannot read profile: {exc.strerror or exc}") from None
    if not raw.strip():
        raise ProfileError(f"{name}: the profile file is empty")
    if raw[0] == 0xFB:
        return pstats_format.load(raw, name)
    text: str | None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    stripped = text.lstrip() if text is not None else ""
    if stripped.startswith("{") or stripped.startswith("["):
        try:
            document = json.loads(stripped)
        except (json.JSONDecodeError, RecursionError) as exc:
            if pstats_format.looks_like_pstats(raw):
                try:
                    return pstats_format.load(raw, name)
                except ProfileError:
                    pass  # text that is neither: the JSON error says more
            reason = getattr(exc, "msg", str(exc))
            where = f" at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
            if isinstance(exc, json.JSONDecodeError) and exc.pos >= len(stripped.rstrip()) - 1:
                raise ProfileError(f"{name}: truncated JSON profile ({reason}{where})") from None
            raise ProfileError(f"{name}: malformed JSON profile ({reason}{where})") from None
        return _from_json(document, name)
    if pstats_format.looks_like_pstats(raw):
        return pstats_format.load(raw, name)
    if text is not None and collapsed.looks_like_collapsed(text):
        return collapsed.load(text, name)
    raise ProfileError(f"{name}: not a profile perfcodemod can read (expected {KNOWN})")


def _from_json(document: object, name: str) -> Profile:
    if native.looks_native(document):
        assert isinstance(document, dict)
        return native.load(document, name)
    if speedscope.looks_like_speedscope(document):
        assert isinstance(document, dict)
        return speedscope.load(document, name)
    if scalene.looks_like_scalene(document):
        assert isinstance(document, dict)
        return scalene.load(document, name)
    raise ProfileError(f"{name}: JSON, but not a profile perfcodemod can read (expected {KNOWN})")


def load_profiles(paths: Sequence[str | Path]) -> Profile:
    """Read and merge several profile files."""
    return merge(read_profile(path) for path in paths)
