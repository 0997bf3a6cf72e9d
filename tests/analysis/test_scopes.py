"""The chunk scope analysis against Python's own answer (``symtable``) and by example."""

from __future__ import annotations

import symtable
import sys
import sysconfig
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from perfcodemod.analysis.scopes import ScopeTree


def tree_of(code: str) -> tuple[cst.Module, ScopeTree]:
    module = cst.parse_module(textwrap.dedent(code))
    return module, ScopeTree(module)


def reads(tree: ScopeTree, name: str) -> list[cst.Name]:
    return [read for scope in tree.root.walk() for read in scope.reads.get(name, ())]


def test_function_locals_and_globals() -> None:
    _, tree = tree_of(
        """
        x = 1
        def f(a, *args, b=x, **kw):
            y = a + x
            return y
        """
    )
    function = tree.root.children[0]
    assert function.kind == "function"
    assert set(function.bindings) == {"a", "args", "b", "kw", "y"}
    (x_default, x_body) = reads(tree, "x")
    assert tree.resolve(x_default).scope is tree.root
    assert tree.resolve(x_body).scope is tree.root
    (y_read,) = reads(tree, "y")
    assert tree.resolve(y_read).scope is function


def test_class_body_is_skipped_by_methods_but_not_by_its_own_code() -> None:
    _, tree = tree_of(
        """
        def outer():
            v = 1
            class C:
                v = 2
                w = v
                def m(self):
                    return v
            return C
        """
    )
    outer = tree.root.children[0]
    klass = outer.children[0]
    in_class, in_method = reads(tree, "v")
    assert tree.resolve(in_class).scope is klass
    assert tree.resolve(in_method).scope is outer


def test_comprehension_scopes() -> None:
    _, tree = tree_of(
        """
        def f(items, n):
            total = [x * n for x in items if x]
            return [(y := x) for x in total], y
        """
    )
    function = tree.root.children[0]
    first_comprehension = function.children[0]
    assert first_comprehension.kind == "comprehension"
    assert "x" in first_comprehension.bindings and "x" not in function.bindings
    # The first iterable is read in the enclosing function.
    (items,) = reads(tree, "items")
    assert tree.scope_of[items] is function
    # An assignment expression binds in the function, not the comprehension.
    assert "y" in function.bindings
    (y_read,) = reads(tree, "y")
    assert tree.resolve(y_read).scope is function


def test_global_nonlocal_and_references() -> None:
    _, tree = tree_of(
        """
        counter = 0
        def bump():
            global counter
            counter += 1
        def make():
            total = 0
            def add(n):
                nonlocal total
                total += n
                return total
            return add, total
        """
    )
    bump, make = tree.root.children
    (add,) = make.children
    (counter_read,) = reads(tree, "counter")
    assert tree.resolve(counter_read).scope is tree.root
    assert [b.binder for b in tree.bindings_of(tree.root, "counter")][1:] == [
        b.binder for b in bump.bindings["counter"]
    ]
    total_reads = tree.reads_of(make, "total")
    assert len(total_reads) == 3  # total += n, return total, return add, total
    assert len(tree.bindings_of(make, "total")) == 2


def test_keyword_names_and_attributes_are_not_reads() -> None:
    _, tree = tree_of("f(key=value).attr\nimport os.path as p\nfrom a import b as c\n")
    assert set(tree.root.reads) == {"f", "value"}
    assert set(tree.root.bindings) == {"p", "c"}


STDLIB = Path(sysconfig.get_paths()["stdlib"])
SAMPLE = sorted(STDLIB.glob("*.py"))[::12]


def _symtable_locals(table: symtable.SymbolTable, out: dict[str, set[str]]) -> None:
    if table.get_type() == "function":
        out.setdefault(table.get_name(), set()).update(
            s.get_name()
            for s in table.get_symbols()
            if s.is_local() and not s.get_name().startswith(".")
        )
    for child in table.get_children():
        _symtable_locals(child, out)


@pytest.mark.parametrize("path", SAMPLE, ids=[p.name for p in SAMPLE])
def test_function_bindings_agree_with_symtable(path: Path) -> None:
    """For every function of real code, the names it binds locally are Python's own."""
    source = path.read_text(encoding="utf-8")
    expected: dict[str, set[str]] = {}
    _symtable_locals(symtable.symtable(source, str(path), "exec"), expected)
    module = cst.parse_module(source)
    tree = ScopeTree(module)
    found: dict[str, set[str]] = {}
    symtable_names = {
        "ListComp": "listcomp",
        "SetComp": "setcomp",
        "DictComp": "dictcomp",
        "GeneratorExp": "genexpr",
        "Lambda": "lambda",
    }
    for scope in tree.root.walk():
        if sys.version_info >= (3, 12) and isinstance(
            scope.node, (cst.ListComp, cst.SetComp, cst.DictComp)
        ):
            # Inlined (PEP 709): symtable lists their variables in the scope around them.
            owner = scope.parent
            while owner is not None and owner.kind == "comprehension" and isinstance(
                owner.node, (cst.ListComp, cst.SetComp, cst.DictComp)
            ):
                owner = owner.parent
            if owner is not None and isinstance(owner.node, cst.FunctionDef):
                found.setdefault(owner.node.name.value, set()).update(scope.bindings)
            continue
        if scope.kind != "module" and scope.kind != "class":
            node = scope.node
            name = (
                node.name.value
                if isinstance(node, cst.FunctionDef)
                else symtable_names[type(node).__name__]
            )
            local = {
                n
                for n in scope.bindings
                if n not in scope.declared_global and n not in scope.declared_nonlocal
            }
            found.setdefault(name, set()).update(local)
    for name, names in expected.items():
        assert found.get(name, set()) == names, name
