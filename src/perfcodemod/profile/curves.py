"""The rules' benchmark curves (``curves.json``, written by ``benchmarks/rules/curves.py``):
time per hit before and after each rule's fix, by collection size."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType


@dataclass(frozen=True)
class Curve:
    rule: str
    case: str
    #: ``(size, seconds per hit before the fix, seconds per hit after it)``, by size.
    points: tuple[tuple[float, float, float], ...]
    #: The smallest size from which the fix is faster (None: never, in the measured range).
    break_even: float | None

    def at(self, size: float) -> tuple[float, float]:
        """Before and after per hit at ``size``: log-log interpolation between measured
        sizes, and the trend of the last two beyond them (each side a power law)."""
        points = self.points
        if size <= points[0][0] or len(points) == 1:
            return points[0][1], points[0][2]
        for low, high in zip(points, points[1:]):
            if size <= high[0]:
                return _between(low, high, size)
        return _between(points[-2], points[-1], size)

    def ratio(self, size: float) -> float:
        before, after = self.at(size)
        return after / before if before > 0 else 1.0


def _between(
    low: tuple[float, float, float], high: tuple[float, float, float], size: float
) -> tuple[float, float]:
    t = (math.log(size) - math.log(low[0])) / (math.log(high[0]) - math.log(low[0]))
    before = math.exp(math.log(low[1]) + t * (math.log(high[1]) - math.log(low[1])))
    after = math.exp(math.log(low[2]) + t * (math.log(high[2]) - math.log(low[2])))
    return before, after


@lru_cache(maxsize=1)
def _curves() -> Mapping[str, Curve]:
    text = resources.files("perfcodemod.profile").joinpath("curves.json").read_text("utf-8")
    document = json.loads(text)
    return MappingProxyType({
        code: Curve(
            code, entry["case"],
            tuple((float(n), float(b), float(a)) for n, b, a in entry["points"]),
            entry.get("break_even"),
        )
        for code, entry in document["rules"].items()
    })


def curve(code: str) -> Curve | None:
    return _curves().get(code)
