"""``analysis/aliases.py``: access paths, and which names and items may reach one object."""

from __future__ import annotations

import libcst as cst
import pytest

from perfcodemod.analysis import aliases

from .helpers import code, context_for, find, find_all


@pytest.mark.parametrize(
    ("source", "path"),
    [
        ("xs", ("xs",)),
        ("self.items", ("self", "items")),
        ("columns[start]", ("columns", "[]")),
        ("table[i].cells", ("table", "[]", "cells")),
        ("d.get(k)", ("d", "[]")),
        ("f(x)", None),
        ("[1, 2]", None),
    ],
)
def test_access_path(source: str, path: tuple[str, ...] | None) -> None:
    context = context_for(f"value = {source}\n")
    assert aliases.access_path(find(context, cst.Assign).value) == path


@pytest.mark.parametrize(
    ("source", "paths"),
    [
        ("d.items()", [("d",)]),
        ("zip(a, b.c)", [("a",), ("b", "c")]),
        ("reversed(xs[0])", [("xs", "[]")]),
        ("sorted(xs)", []),  # a new list
        ("load()", []),
    ],
)
def test_iterated_paths(source: str, paths: list[tuple[str, ...]]) -> None:
    context = context_for(f"for value in {source}:\n    pass\n")
    assert aliases.iterated_paths(context, find(context, cst.For).iter) == paths


def _changes(source: str) -> list[str]:
    context = context_for(source)
    function = find(context, cst.FunctionDef)
    loop = find_all(context, cst.For)[-1]
    comp = find(context, cst.ListComp)
    (path,) = aliases.iterated_paths(context, comp.for_in.iter)
    found = aliases.changes_through_aliases(context, [loop], function, path)
    return [code(context, n) for n in found]


def test_an_item_bound_to_a_name_may_be_the_item_iterated() -> None:
    found = _changes(
        "def f(columns, i, start):\n"
        "    column = columns[i]\n"
        "    snapshot = [o for o in columns[start]]\n"
        "    for o in snapshot:\n"
        "        column.add(o)\n"
    )
    assert found == ["column.add(o)"]


def test_a_loop_variable_over_the_container_reaches_its_items() -> None:
    found = _changes(
        "def f(groups, g):\n"
        "    members = [m for m in groups[g]]\n"
        "    for m in members:\n"
        "        for other in groups:\n"
        "            other.discard(m)\n"
    )
    assert found == ["other.discard(m)"]


def test_another_attribute_or_a_new_object_is_not_the_container() -> None:
    assert _changes(
        "def f(self, rows):\n"
        "    out = build(rows)\n"
        "    names = [n for n in self.items]\n"
        "    for n in names:\n"
        "        self.seen.add(n)\n"
        "        out.append(n)\n"
    ) == []


def test_a_copy_of_a_name_is_the_same_object() -> None:
    found = _changes(
        "def f(d):\n"
        "    e = d\n"
        "    stale = [k for k in d.keys() if not d[k]]\n"
        "    for k in stale:\n"
        "        del e[k]\n"
    )
    assert found == ["e[k]"]
