"""analysis/elements.py: are the items of an iterable provably hashable?"""

from __future__ import annotations

import libcst as cst
import pytest

from perfcodemod.analysis.elements import elements_are_provably_hashable

from .helpers import context_for, find

CASES = [
    ("'abc'", True),
    ("text", True),  # text: str
    ("text.split()", True),
    ("text.lower().splitlines()", True),
    ("range(n)", True),
    ("set(anything)", True),
    ("frozenset(anything)", True),
    ("{a for a in anything}", True),
    ("{1: 2}", True),
    ("dict(anything)", True),
    ("[1, 'a', (2, 3), None]", True),
    ("(n, n)", True),  # n: int
    ("sorted(words)", True),  # words: list[str]
    ("reversed(words)", True),
    ("words", True),
    ("pairs", True),  # pairs: tuple[str, ...]
    ("ints", True),  # ints: Iterable[int]
    ("keyed", True),  # keyed: dict[str, list]
    ("[str(a) for a in anything]", True),
    ("(len(a) for a in anything)", True),
    ("anything", False),
    ("anything.split()", False),  # not known to be a string
    ("[[1], [2]]", False),
    ("[a for a in anything]", False),
    ("rows", False),  # rows: list[list[int]]
    ("loose", False),  # loose: list[Any]
    ("local", True),  # local = text.split()
    ("enumerate(words)", False),
    ("sorted(anything)", False),
]


@pytest.mark.parametrize(("expression", "expected"), CASES, ids=[c[0] for c in CASES])
def test_elements_are_provably_hashable(expression: str, expected: bool) -> None:
    source = (
        "from typing import Any, Iterable\n"
        "def f(text: str, n: int, words: list[str], pairs: tuple[str, ...], ints: Iterable[int],\n"
        "      keyed: dict[str, list], rows: list[list[int]], loose: list[Any], anything):\n"
        "    local = text.split()\n"
        f"    return {expression}\n"
    )
    context = context_for(source)
    value = find(context, cst.Return).value
    assert value is not None
    assert elements_are_provably_hashable(value, context) is expected


def test_extra_hashable_types() -> None:
    source = "def f(colors: list[Color]):\n    return colors\n"
    context = context_for(source)
    value = find(context, cst.Return).value
    assert value is not None
    assert not elements_are_provably_hashable(value, context)
    assert elements_are_provably_hashable(value, context, extra_types=("Color",))
