"""What a class of the module says about its instances: how they hash (by value, by identity,
not at all) and whether they have a ``__dict__``. Read from the class statement, its
decorators (``dataclass``, ``attrs``) and its bases of the same module, on the module's ``ast``.
"""

from __future__ import annotations

import ast
import builtins
from typing import Literal

from perfcodemod.analysis.astscope import decorator_callee, qualified_name_at, scopes
from perfcodemod.analysis.facts import ModuleFacts

#: ``value``: equal instances hash alike (tuples, named tuples, frozen dataclasses, a class with
#: its own ``__hash__``); ``identity``: ``object.__hash__``; ``unhashable``: ``__hash__`` is None
#: (``__eq__`` without ``__hash__``, a dataclass with ``eq=True`` that is not frozen);
#: ``unknown``: a base the module does not define decides.
Hashing = Literal["value", "identity", "unhashable", "unknown"]

#: Bases from elsewhere whose instances hash by value, and those whose instances cannot hash.
_VALUE_BASES = frozenset(
    {
        "tuple", "str", "int", "float", "bytes", "frozenset", "complex", "NamedTuple",
        "typing.NamedTuple", "Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "enum.Enum",
        "enum.IntEnum", "enum.StrEnum", "enum.Flag", "enum.IntFlag",
    }
)
_UNHASHABLE_BASES = frozenset({"list", "dict", "set", "bytearray"})
_IDENTITY_BASES = frozenset({"object", "Exception", "BaseException"})
#: Class decorators that write ``__eq__`` (and decide ``__hash__``) from the fields, with the
#: default of ``frozen`` and of ``slots`` for each.
_DATACLASS_DECORATORS: dict[str, tuple[bool, bool]] = {
    "dataclasses.dataclass": (False, False),
    "attr.s": (False, False), "attr.attrs": (False, False), "attr.attributes": (False, False),
    "attr.define": (False, True), "attr.mutable": (False, True), "attr.frozen": (True, True),
    "attrs.define": (False, True), "attrs.mutable": (False, True), "attrs.frozen": (True, True),
}


def module_class(name: str, facts: ModuleFacts) -> ast.ClassDef | None:
    """The class the module binds to ``name`` at top level, when that is its only binding."""
    found = [
        node
        for node in facts.tree.body
        if isinstance(node, ast.ClassDef) and node.name == name
    ]
    bindings = facts.bindings.get(name, ())
    if len(found) == 1 and len(bindings) == 1:
        return found[0]
    return None


def _base_name(base: ast.expr, facts: ModuleFacts) -> str:
    table = scopes(facts)
    if isinstance(base, ast.Call):  # ``namedtuple("P", "x y")``
        name = qualified_name_at(base.func, table.module, table) or ""
        return "namedtuple" if name.endswith("namedtuple") else "?"
    if isinstance(base, ast.Subscript):  # ``Generic[T]``
        base = base.value
    qualified = qualified_name_at(base, table.module, table)
    if qualified is None:
        return base.id if isinstance(base, ast.Name) else "?"
    return qualified.removeprefix("builtins.")


def _dataclass_options(cls: ast.ClassDef, facts: ModuleFacts) -> dict[str, bool] | None:
    """``eq``, ``frozen``, ``unsafe_hash`` and ``slots`` of a dataclass-like decorator (None:
    the class has none)."""
    table = scopes(facts)
    for decorator in cls.decorator_list:
        name = qualified_name_at(decorator_callee(decorator), table.module, table) or ""
        defaults = _DATACLASS_DECORATORS.get(name)
        if defaults is None:
            continue
        frozen, slots = defaults
        options = {"eq": True, "frozen": frozen, "unsafe_hash": False, "slots": slots}
        if isinstance(decorator, ast.Call):
            for keyword in decorator.keywords:
                key = {"cmp": "eq", "hash": "unsafe_hash"}.get(keyword.arg or "", keyword.arg)
                if key in options and isinstance(keyword.value, ast.Constant):
                    options[key] = bool(keyword.value.value)
        return options
    return None


def _defines(cls: ast.ClassDef, name: str) -> ast.stmt | None:
    for statement in cls.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
            statement.name == name
        ):
            return statement
        targets = (
            statement.targets
            if isinstance(statement, ast.Assign)
            else [statement.target]
            if isinstance(statement, ast.AnnAssign) and statement.value is not None
            else []
        )
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return statement
    return None


def instance_hashing(
    cls: ast.ClassDef, facts: ModuleFacts, seen: frozenset[str] = frozenset()
) -> Hashing:
    """How the instances of ``cls`` hash."""
    hash_definition = _defines(cls, "__hash__")
    if isinstance(hash_definition, ast.Assign):
        value = hash_definition.value
        return "unhashable" if isinstance(value, ast.Constant) and value.value is None else "value"
    if hash_definition is not None:
        return "value"
    options = _dataclass_options(cls, facts)
    if options is not None and options["eq"]:
        if options["frozen"] or options["unsafe_hash"]:
            return "value"
        return "unhashable"
    if options is None and _defines(cls, "__eq__") is not None:
        return "unhashable"  # Python sets ``__hash__`` to None
    for base in cls.bases:
        name = _base_name(base, facts)
        if name in _VALUE_BASES or name == "namedtuple":
            return "value"
        if name in _UNHASHABLE_BASES:
            return "unhashable"
        if name in _IDENTITY_BASES or name == "Generic" or name.endswith(".Generic"):
            continue
        if _is_builtin_exception(name):
            continue
        defined = module_class(name, facts) if name not in seen else None
        if defined is None:
            return "unknown"
        found = instance_hashing(defined, facts, seen | {cls.name})
        if found != "identity":
            return found
    return "identity"


def _is_builtin_exception(name: str) -> bool:
    found = getattr(builtins, name, None)
    return isinstance(found, type) and issubclass(found, BaseException)


def has_instance_dict(
    cls: ast.ClassDef, facts: ModuleFacts, seen: frozenset[str] = frozenset()
) -> bool | None:
    """Whether the instances of ``cls`` have a ``__dict__`` (which ``cached_property`` needs);
    None when a base of another module decides. A class without ``__slots__`` always has one;
    ``typing.NamedTuple`` classes and slotted dataclasses never do."""
    options = _dataclass_options(cls, facts)
    slotted = _defines(cls, "__slots__")
    if options is not None and options["slots"]:
        return False
    if slotted is None:
        named_tuple = {"NamedTuple", "typing.NamedTuple"}
        return not any(_base_name(base, facts) in named_tuple for base in cls.bases)
    value = getattr(slotted, "value", None)
    if isinstance(value, (ast.Tuple, ast.List, ast.Set)) and any(
        isinstance(e, ast.Constant) and e.value == "__dict__" for e in value.elts
    ):
        return True
    for base in cls.bases:
        name = _base_name(base, facts)
        if name in {"object", "Generic", "typing.Generic", "NamedTuple", "typing.NamedTuple"}:
            continue
        if name in _VALUE_BASES and name not in {"Enum", "enum.Enum"}:
            continue  # builtin value types have no ``__dict__`` of their own
        defined = module_class(name, facts) if name not in seen else None
        if defined is None:
            return None
        inherited = has_instance_dict(defined, facts, seen | {cls.name})
        if inherited is not False:
            return inherited
    return False
