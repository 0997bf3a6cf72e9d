"""LibCST, imported on first use.

``import libcst`` costs more than everything else perfcodemod imports together (about three
times Python's own start-up), and most files never need it: a file whose pre-checks find no
candidate is checked on Python's ``ast`` alone, and ``--version``, ``rule`` or a warm run (the
result cache) parse nothing. Modules that use LibCST at run time therefore write

    from perfcodemod.lazycst import cst

instead of ``import libcst as cst``. ``cst`` is a stand-in module: its first attribute read
imports LibCST and copies LibCST's namespace into it, so later reads are plain module attribute
reads (no extra call in hot loops). For the type checker it is LibCST itself.

Code that runs while a module is imported must not read it: a type alias names its members as
strings (``Union["cst.List", "cst.Tuple"]``), a tuple of node classes for ``isinstance`` is
returned by a ``@cache``d function (``comprehension_types()``), a subclass of a LibCST class
is defined in a function. ``tests/test_startup.py`` checks that importing every rule leaves
LibCST unimported.
"""

from __future__ import annotations

import importlib
import types
from typing import TYPE_CHECKING, Any


class LazyModule(types.ModuleType):
    """A module imported by the first read of one of its attributes."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # copy, pickle and introspection probe these
        module = importlib.import_module(self.__name__)
        for key, value in vars(module).items():
            if not (key.startswith("__") and key.endswith("__")):
                self.__dict__[key] = value
        return getattr(module, name)


def is_loaded(name: str = "libcst") -> bool:
    """Whether the real module has been imported in this process."""
    import sys

    return name in sys.modules


if TYPE_CHECKING:
    import libcst as cst
else:
    cst = LazyModule("libcst")

__all__ = ["LazyModule", "cst", "is_loaded"]
