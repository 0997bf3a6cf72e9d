"""``analysis/attributes.py``: list attributes that only ``__init__`` builds."""

from __future__ import annotations

import libcst as cst
import pytest

from perfcodemod.analysis.attributes import stable_attribute_list

from .helpers import context_for, find_all

HEADER = "class C:\n    def __init__(self, xs):\n        self.names = {build}\n"
SEARCH = "    def search(self, ys):\n        return [y for y in ys if y in self.names]\n"


def _verdict(source: str) -> bool | None:
    """None when not stable; else whether the items may be unhashable."""
    context = context_for(source)
    (attribute,) = [
        a for a in find_all(context, cst.Attribute)
        if a.attr.value == "names" and isinstance(context.parent(a), cst.ComparisonTarget)
    ]
    found = stable_attribute_list(context, attribute)
    return None if found is None else found.unhashable_items


@pytest.mark.parametrize(
    ("build", "extra", "verdict"),
    [
        ("sorted(xs)", "", False),
        ("[x.name for x in xs]", "", False),
        ("[[x] for x in xs]", "", True),  # lists as items
        ("[]\n        self.names.extend(xs)", "", False),  # filled in __init__
        ("list(xs)", "    def add(self, x):\n        self.names.append(x)\n", None),
        ("list(xs)", "    def order(self):\n        self.names.sort()\n", None),
        ("list(xs)", "    def reset(self):\n        self.names = []\n", None),
        ("list(xs)", "    def get(self):\n        return self.names\n", None),  # escapes
        ("list(xs)", "    def show(self):\n        print(len(self.names), self.names[0])\n", False),
        ("set(xs)", "", None),  # not a list
        ("load(xs)", "", None),  # not known
    ],
)
def test_stable_attribute_list(build: str, extra: str, verdict: bool | None) -> None:
    assert _verdict(HEADER.format(build=build) + extra + SEARCH) is verdict


def test_other_objects_and_dynamic_access_count() -> None:
    base = HEADER.format(build="list(xs)") + SEARCH
    assert _verdict(base) is False
    assert _verdict(base + "\ndef grow(c):\n    c.names.append(1)\n") is None
    assert _verdict(base + "\ndef poke(c):\n    setattr(c, 'names', [])\n") is None
    assert _verdict(base + "\ndef again(c):\n    c.__init__([])\n") is None
    # Another object's method of the same name is not the attribute.
    assert _verdict(base + "\ndef other(d):\n    return d.names()\n") is False


def test_static_methods_and_init_itself_are_not_searched() -> None:
    source = (
        HEADER.format(build="list(xs)")
        + "        print([y for y in xs if y in self.names])\n"
    )
    assert _verdict(source) is None
