"""The small pieces: the annotation's forms, curves, decisions, the static estimate, spans."""

from __future__ import annotations

import ast

import pytest

from perfcodemod.annotation import JSON_FIELDS, Priority, ProfileAnnotation, percent
from perfcodemod.diagnostic import Diagnostic
from perfcodemod.profile import decisions
from perfcodemod.profile.curves import curve
from perfcodemod.profile.join import SpanIndex, function_spans
from perfcodemod.profile.model import SiteEvidence
from perfcodemod.profile.probes import KEY_BUCKETS, distinct_keys
from perfcodemod.profile.static import StaticEstimator, is_test_path


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.124, "12.4%"), (0.0312, "3.1%"), (0.0031, "0.31%"), (0.00002, "0.002%"),
     (0.0, "0%"), (1e-9, "<0.001%"), (1.0, "100.0%")],
)
def test_percent(value: float, text: str) -> None:
    assert percent(value) == text


def test_annotation_forms() -> None:
    annotation = ProfileAnnotation(
        function="parse", share=0.124, self_share=0.02, calls=3402, line_share=0.031,
        hits=9000, max_size=8120, estimated_saving=0.08, priority=Priority.HIGH,
    )
    assert annotation.compact() == (
        "[12.4% · 3,402 calls · line 3.1% · ran 9,000× · max 8,120 items · "
        "est. −8.0% of run time]")
    assert annotation.hotness().startswith("12.4% of run time in parse(); 3,402 calls")
    assert tuple(annotation.to_json()) == JSON_FIELDS
    assert annotation.to_json()["priority"] == "high"
    assert ProfileAnnotation(priority=Priority.NOT_RUN).compact() == "[never ran]"
    static = ProfileAnnotation(priority=Priority.LOW, static=True, reasons=("test code",))
    assert static.compact() == "[static estimate: low · test code]"
    # Not part of a diagnostic's identity.
    plain = Diagnostic("PCM201", "m", 0, 1, 1, 1, 1, 2)
    from dataclasses import replace

    assert replace(plain, profile=annotation) == plain


def test_sort_key_orders_by_priority_then_own_share() -> None:
    hot_line = ProfileAnnotation(share=0.5, line_share=0.3, priority=Priority.HIGH)
    hot_function = ProfileAnnotation(share=0.2, priority=Priority.HIGH)
    tiny_but_estimated = ProfileAnnotation(share=1e-6, estimated_saving=1e-7,
                                           priority=Priority.LOW)
    cold_in_warm_function = ProfileAnnotation(share=0.012, line_share=0.0,
                                              priority=Priority.LOW)
    never = ProfileAnnotation(priority=Priority.NOT_RUN)
    ordered = sorted([never, tiny_but_estimated, cold_in_warm_function, hot_function, hot_line],
                     key=lambda a: a.sort_key)
    assert ordered == [hot_line, hot_function, cold_in_warm_function, tiny_but_estimated, never]


def test_curves_interpolate_and_extrapolate() -> None:
    found = curve("PCM204")
    assert found is not None and found.break_even is not None
    sizes = [p[0] for p in found.points]
    assert found.ratio(sizes[0]) == pytest.approx(found.points[0][2] / found.points[0][1])
    between = found.ratio((sizes[2] * sizes[3]) ** 0.5)
    assert min(found.ratio(sizes[2]), found.ratio(sizes[3])) <= between <= max(
        found.ratio(sizes[2]), found.ratio(sizes[3]))
    assert found.ratio(1_000_000) < found.ratio(sizes[-1])
    assert found.ratio(2) > 1 > found.ratio(100)
    assert curve("PCM999") is None


def test_decisions() -> None:
    rare = SiteEvidence("f.py", "PCM402", 1, 5, hits=500, calls=500, distinct_keys=498)
    assert decisions.cache_hit_rate(rare) == pytest.approx(0.004)
    reason = decisions.drop_reason("PCM402", rare) or ""
    assert "a cache would hit 0.40% of 500 calls (498 distinct arguments)" in reason
    assert reason.endswith("caching pays from about 10%")
    few = SiteEvidence("f.py", "PCM402", 1, 5, calls=5, distinct_keys=5)
    assert decisions.drop_reason("PCM402", few) is None  # too few calls to tell
    unhashable = SiteEvidence("f.py", "PCM401", 1, 5, calls=30, distinct_keys=1, unhashable=3)
    assert "unhashable" in (decisions.drop_reason("PCM401", unhashable) or "")
    often = SiteEvidence("f.py", "PCM402", 1, 5, calls=4000, distinct_keys=40)
    assert decisions.promotion(often, 0.28, None) is not None
    assert decisions.promotion(often, 0.03, None) is None  # not hot
    assert decisions.promotion(often, 0.28, 0.30) is None  # below --hot
    assert decisions.demotion("PCM203", 3) is not None
    assert decisions.demotion("PCM203", 500) is None
    assert decisions.demotion("PCM103", 1) is None  # a memory rule: no break-even in time
    assert decisions.priority(0.2, True) is Priority.HIGH
    assert decisions.priority(0.02, None) is Priority.MEDIUM
    assert decisions.priority(0.002, True) is Priority.LOW
    assert decisions.priority(0.5, False) is Priority.NOT_RUN
    site = SiteEvidence("f.py", "PCM204", 3, 9, hits=1000, max_size=1000)
    saving = decisions.estimated_saving("PCM204", site_share=0.5, function_share=0.6,
                                        site=site, run_time=1.0)
    ratio = curve("PCM204").ratio(1000)  # type: ignore[union-attr]
    assert saving == pytest.approx(0.5 * (1 - ratio))
    assert decisions.estimated_saving("PCM204", site_share=None, function_share=0.6,
                                      site=None, run_time=1.0) is None


def test_linear_counting() -> None:
    assert distinct_keys(40) == 40
    estimate = distinct_keys(200_000)
    assert 200_000 < estimate < 230_000
    assert distinct_keys(KEY_BUCKETS) == KEY_BUCKETS


def test_function_spans_and_innermost() -> None:
    source = (
        "import functools\n\n\nclass A:\n    @functools.cache\n    def m(self):\n"
        "        def inner():\n            return 1\n        return inner()\n\n\n"
        "def f():\n    return 2\n"
    )
    spans = function_spans(ast.parse(source))
    names = [(s.qualname, s.first_line, s.def_line, s.end_line) for s in spans]
    assert names == [("<module>", 1, 1, 13), ("A.m", 5, 6, 9), ("A.m.<locals>.inner", 7, 7, 8),
                     ("f", 12, 12, 13)]
    index = SpanIndex(spans)
    assert spans[index.innermost(8)].name == "inner"
    assert spans[index.innermost(9)].name == "m"
    assert spans[index.innermost(5)].name == "m"  # the decorator belongs to the function
    assert spans[index.innermost(2)].name == "<module>"
    assert index.innermost(8, "m") == 1


def test_static_estimate() -> None:
    source = (
        "def pairs(rows, keys):\n    known = list(keys)\n    for k in keys:\n"
        "        for r in rows:\n            if r in known:\n                pass\n\n\n"
        "def once(mode):\n    return mode in ['a', 'b']\n\n\n"
        "if __name__ == '__main__':\n    print('x' in ['x', 'y'])\n"
    )
    estimator = StaticEstimator("lib.py", source)

    def at(code: str, row: int, col: int) -> ProfileAnnotation:
        return estimator.estimate(Diagnostic(code, "m", 0, 0, row, col, row, col + 1))

    nested = at("PCM204", 5, 21)
    assert nested.priority is Priority.HIGH and nested.static
    assert "in 2 nested loops" in nested.reasons and nested.share is None
    assert at("PCM201", 10, 20).priority is Priority.LOW
    main = at("PCM201", 14, 18)
    assert main.priority is Priority.LOW and "runs once (__main__ block)" in main.reasons
    # The loop's own header runs once per loop.
    header = StaticEstimator("x.py", "def f(xs):\n    for x in [1, 2, 3]:\n        pass\n")
    assert header.estimate(Diagnostic("PCM201", "m", 0, 0, 2, 14, 2, 23)).priority is (
        Priority.LOW)
    assert is_test_path("tests/test_x.py") and is_test_path("pkg/conftest.py")
    assert not is_test_path("src/contest.py")
