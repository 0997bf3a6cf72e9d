"""analysis/hashability.py: names whose bindings refer back to themselves, loop variables."""

from __future__ import annotations

import libcst as cst
import pytest

from perfcodemod.analysis.hashability import is_provably_hashable, is_provably_str

from .helpers import context_for, find


def needle(source: str):  # type: ignore[no-untyped-def]
    context = context_for(source)
    value = find(context, cst.Return).value
    assert value is not None
    return context, value


@pytest.mark.parametrize(
    ("source", "hashable"),
    [
        # Self-reference used to recurse without end (RecursionError in PCM201).
        ("def f(s: str):\n    s = s.strip()\n    return s\n", True),
        ("def f(s):\n    s = s.strip()\n    return s\n", False),
        ("def f(s: str, c):\n    if c:\n        s = s + s\n    return s\n", False),
        ("def f(a: int, b: int):\n    a, b = b, a\n    return a\n", False),
        # Loop variables over provably hashable items.
        ("def f(n):\n    for i in range(n):\n        pass\n    return i\n", True),
        ("def f(text: str):\n    return [w for w in text.split()][0]\n", False),
        ("def f(text: str):\n    for w in text.split():\n        return w\n", True),
        ("def f(xs):\n    for x in xs:\n        return x\n", False),
        ("def f(xs: list[str]):\n    for x in xs:\n        return x\n", True),
        ("def f(d: dict):\n    for k, v in d.items():\n        return k\n", False),
        ("def f(q):\n    for q in q:\n        return q\n", False),
    ],
)
def test_names(source: str, hashable: bool) -> None:
    context, value = needle(source)
    assert is_provably_hashable(value, context) is hashable


def test_self_reference_as_str() -> None:
    context, value = needle("def f(s: str):\n    s = s.lower()\n    return s.strip()\n")
    assert is_provably_str(value, context)
