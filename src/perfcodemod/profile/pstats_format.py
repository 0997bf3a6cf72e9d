"""pstats files: ``python -m cProfile -o FILE``, ``python -m profile -o FILE``,
``pstats.Stats.dump_stats``: a ``marshal``-ed dict ``{(file, line, name): (primitive calls,
calls, self time, inclusive time, callers)}``."""

from __future__ import annotations

import marshal

from perfcodemod.profile.model import FunctionTiming, Profile, ProfileError

#: The first byte of a marshal-ed dict, with and without marshal's reference flag.
MARSHAL_DICT = frozenset({0x7B, 0xFB})


def looks_like_pstats(raw: bytes) -> bool:
    return bool(raw) and raw[0] in MARSHAL_DICT


def load(raw: bytes, path: str) -> Profile:
    try:
        stats = marshal.loads(raw)
    except EOFError:
        raise ProfileError(f"{path}: truncated pstats file (the data ends early)") from None
    except (ValueError, TypeError) as exc:
        raise ProfileError(
            f"{path}: not a readable pstats file ({exc}; a pstats file is marshal data, which "
            "a Python older than the one that wrote it may not read: the `profile` module "
            "stores code objects in it)"
        ) from None
    if not isinstance(stats, dict):
        raise ProfileError(f"{path}: not a pstats file (no table of functions)")
    profile = Profile(sources=[("pstats", path)])
    for key, value in stats.items():
        if not (
            isinstance(key, tuple) and len(key) == 3 and isinstance(value, tuple)
            and len(value) == 5 and all(isinstance(v, (int, float)) for v in value[:4])
        ):
            raise ProfileError(f"{path}: not a pstats file (unexpected entry {key!r:.60})")
        file, line, name = key
        primitive, calls, self_time, inclusive, _callers = value
        profile.timed_total += float(self_time)
        if not (isinstance(file, str) and isinstance(line, int) and isinstance(name, str)):
            # The profile module's own entry for the code it ran: ("profile", 0, <code>).
            continue
        if file == "~":  # built-in functions: no file to match
            continue
        profile.functions.append(FunctionTiming(
            file, name, line, int(calls), int(primitive), float(inclusive), float(self_time),
        ))
    profile.run_time = profile.timed_total
    return profile
