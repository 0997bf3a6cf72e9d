"""What a profile (or the static estimate) says about one diagnostic: a value that any front
end can read (``Diagnostic.profile``) and show, compactly or as JSON."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Priority(str, enum.Enum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    #: The code never ran in the profiled program.
    NOT_RUN = "not-run"

    def __str__(self) -> str:
        return self.value

    @property
    def rank(self) -> int:
        """0 for the most urgent; sorts not-run last."""
        return _RANKS[self]


_RANKS = {Priority.HIGH: 0, Priority.MEDIUM: 1, Priority.LOW: 2, Priority.NOT_RUN: 3}

#: Shares below this (0.1% of the run) are too small to order findings by.
RESOLUTION = 0.001

#: The keys of the JSON ``profile`` object, in DESIGN's order.
JSON_FIELDS = (
    "function", "share", "self_share", "calls", "line_share", "hits", "max_size", "hit_rate",
    "estimated_saving", "priority",
)


@dataclass(frozen=True)
class ProfileAnnotation:
    """Shares are fractions of the profiled run time (0..1); None: the profile cannot tell."""

    #: The enclosing function (``<module>`` at module level).
    function: str | None = None
    #: The enclosing function's inclusive share, and its own (self) share.
    share: float | None = None
    self_share: float | None = None
    calls: int | None = None
    #: The share of samples in which the diagnostic's line was running (or on the stack).
    line_share: float | None = None
    #: How often the flagged expression ran; the largest collection it saw.
    hits: int | None = None
    max_size: int | None = None
    #: A cache's (measured or would-be) hit rate.
    hit_rate: float | None = None
    #: The fix's estimated saving, as a fraction of the run time.
    estimated_saving: float | None = None
    priority: Priority | None = None
    #: The priority is a static estimate (no profile).
    static: bool = False
    #: Why, in words: the static estimate's reasons, or how the evidence changed a decision.
    reasons: tuple[str, ...] = field(default=())
    #: Estimated peak memory the fix saves, in bytes.
    saved_bytes: int | None = None
    #: Seconds per call of the enclosing function (inclusive), when the profile times calls.
    time_per_call: float | None = None

    def to_json(self) -> dict[str, Any]:
        """DESIGN's ``profile`` object: exactly its fields, null where unknown."""
        return {
            "function": self.function,
            "share": _rounded(self.share),
            "self_share": _rounded(self.self_share),
            "calls": self.calls,
            "line_share": _rounded(self.line_share),
            "hits": self.hits,
            "max_size": self.max_size,
            "hit_rate": _rounded(self.hit_rate),
            "estimated_saving": _rounded(self.estimated_saving),
            "priority": self.priority.value if self.priority is not None else None,
        }

    def compact(self) -> str:
        """``[12.4% · 3,402 calls · max 8,120 items]``, as text output shows it."""
        return "[" + " · ".join(self._parts(short=True)) + "]"

    def hotness(self) -> str:
        """One line for an editor's hover or a diagnostic's related text."""
        return "; ".join(self._parts(short=False))

    def _parts(self, short: bool) -> list[str]:
        if self.static:
            head = f"static estimate: {self.priority}" if self.priority else "static estimate"
            return [head, *self.reasons]
        if self.priority is Priority.NOT_RUN:
            return ["never ran", *self.reasons]
        parts: list[str] = []
        if self.share is not None:
            where = "" if short or not self.function else f" in {self.function}()"
            parts.append(f"{percent(self.share)}{'' if short else ' of run time'}{where}")
        if self.calls is not None:
            parts.append(f"{self.calls:,} call{'s' if self.calls != 1 else ''}")
        if self.line_share is not None:
            parts.append(f"line {percent(self.line_share)}")
        if self.hits is not None:
            parts.append(f"ran {self.hits:,}×")
        if self.max_size is not None:
            parts.append(f"max {self.max_size:,} item{'s' if self.max_size != 1 else ''}")
        if self.hit_rate is not None:
            parts.append(f"hit rate {percent(self.hit_rate)}")
        if self.estimated_saving:
            parts.append(f"est. −{percent(self.estimated_saving)} of run time")
        if self.saved_bytes:
            parts.append(f"est. {human_bytes(self.saved_bytes)} peak saved")
        if not parts:
            parts.append("no timing for this code")
        parts.extend(self.reasons)
        return parts

    @property
    def sort_key(self) -> tuple[int, float, float, float]:
        """Most urgent first: priority, then the share of the finding's own code (its line's
        where the profile has lines, else its function's), the function's share and the
        estimated saving (larger first)."""
        rank = self.priority.rank if self.priority is not None else 2
        own = self.line_share if self.line_share is not None else self.share
        if own is not None and own < RESOLUTION:
            own = 0.0  # below what the profile can tell apart: the function's share decides
        return (
            rank,
            -(own or 0.0),
            -(self.share or 0.0),
            -(self.estimated_saving or 0.0),
        )


def percent(value: float) -> str:
    """A share as a short percentage: 12.4%, 0.31%, 0.002%."""
    scaled = value * 100
    if scaled == 0:
        return "0%"
    if scaled >= 1:
        return f"{scaled:.1f}%"
    if scaled >= 0.1:
        return f"{scaled:.2f}%"
    if scaled < 0.001:
        return "<0.001%"
    return f"{scaled:.1g}%"


def human_bytes(size: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} B"


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
