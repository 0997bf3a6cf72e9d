"""analysis/classes.py: how a class's instances hash, and whether they have a ``__dict__``
(checked against what Python does with the same classes)."""

from __future__ import annotations

import ast
import dataclasses
import sys
from types import ModuleType

import pytest

from perfcodemod.analysis.classes import has_instance_dict, instance_hashing, module_class
from perfcodemod.analysis.facts import ModuleFacts

CLASSES = '''
import dataclasses
from dataclasses import dataclass
from typing import NamedTuple

@dataclass
class Mutable:
    x: int

@dataclass(frozen=True)
class Frozen:
    x: int

@dataclasses.dataclass(eq=False)
class ByIdentity:
    x: int

@dataclass(unsafe_hash=True)
class UnsafeHash:
    x: int

@dataclass(frozen=True, slots=True)
class FrozenSlots:
    x: int

class Point(NamedTuple):
    x: int

class Plain:
    pass

class Slotted:
    __slots__ = ("a",)

class EqOnly:
    __slots__ = ("a",)

    def __eq__(self, other):
        return True

class Hashed(EqOnly):
    def __hash__(self):
        return 1

class Child(Hashed):
    pass

class NoHash:
    __hash__ = None

class Failure(ValueError):
    pass
'''

EXPECTED = {
    "Mutable": ("unhashable", True),
    "Frozen": ("value", True),
    "ByIdentity": ("identity", True),
    "UnsafeHash": ("value", True),
    "FrozenSlots": ("value", False),
    "Point": ("value", False),
    "Plain": ("identity", True),
    "Slotted": ("identity", False),
    "EqOnly": ("unhashable", False),
    "Hashed": ("value", True),
    "Child": ("value", True),
    "NoHash": ("unhashable", True),
    "Failure": ("identity", True),
}


@pytest.fixture(scope="module")
def runtime() -> ModuleType:
    if sys.version_info < (3, 10):
        pytest.skip("the classes use dataclass(slots=True), new in Python 3.10")
    module = ModuleType("_classes_example")
    sys.modules[module.__name__] = module
    try:
        exec(compile(CLASSES, "<classes>", "exec"), module.__dict__)
    finally:
        del sys.modules[module.__name__]
    return module


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_analysis_agrees_with_python(name: str, runtime: ModuleType) -> None:
    facts = ModuleFacts(ast.parse(CLASSES), CLASSES)
    definition = module_class(name, facts)
    assert definition is not None
    hashing, has_dict = EXPECTED[name]
    assert (instance_hashing(definition, facts), has_instance_dict(definition, facts)) == (
        hashing, has_dict,
    )
    # Python's own view of the same class.
    cls = getattr(runtime, name)
    assert (cls.__hash__ is None) == (hashing == "unhashable")
    if hashing == "identity":
        assert cls.__hash__ is object.__hash__ or issubclass(cls, BaseException)
    # The dataclasses and the named tuple take one field; the other classes none.
    takes_a_field = dataclasses.is_dataclass(cls) or issubclass(cls, tuple)
    instance = cls(1) if takes_a_field else cls()
    assert hasattr(instance, "__dict__") == has_dict


def test_a_base_from_elsewhere_is_unknown() -> None:
    code = "from mylib import Base\n\nclass C(Base):\n    __slots__ = ()\n"
    facts = ModuleFacts(ast.parse(code), code)
    definition = module_class("C", facts)
    assert definition is not None
    assert instance_hashing(definition, facts) == "unknown"
    assert has_instance_dict(definition, facts) is None
