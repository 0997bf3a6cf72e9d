"""The ``ast`` scope analysis of the caching rules against Python's own answer (``symtable``)."""

from __future__ import annotations

import ast
import symtable
import sys
import textwrap

import pytest

from perfcodemod.analysis.astscope import scopes
from perfcodemod.analysis.facts import ModuleFacts

from .helpers import stdlib_source

SAMPLES = [
    "functools.py", "ast.py", "textwrap.py", "argparse.py", "json/encoder.py", "dataclasses.py",
]


def facts_of(code: str) -> ModuleFacts:
    code = textwrap.dedent(code)
    return ModuleFacts(ast.parse(code), code)


def compare_with_symtable(code: str) -> list[str]:
    """Every disagreement between our locals and symtable's, per function and class (and a
    problem if some function or class could not be paired)."""
    facts = facts_of(code)
    table = scopes(facts)
    ours = {}
    for node in facts.nodes(ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
        scope = table.of(node)
        ours.setdefault((node.name, node.lineno), set()).update(
            name for name in scope.bindings if scope.binds(name)
        )
    problems = []
    compared: set[tuple[str, int]] = set()
    # From 3.12 comprehensions are inlined (PEP 709) and symtable lists their variables among
    # the function's symbols, although the function cannot see them.
    inlined = set()
    if sys.version_info >= (3, 12):
        inlined = {
            name.id
            for comprehension in ast.walk(facts.tree)
            if isinstance(comprehension, ast.comprehension)
            for name in ast.walk(comprehension.target)
            if isinstance(name, ast.Name)
        }

    def visit(symbols: symtable.SymbolTable) -> None:
        for child in symbols.get_children():
            if child.get_type() in ("function", "class") and child.get_name() not in (
                "lambda", "listcomp", "setcomp", "dictcomp", "genexpr",
                "<lambda>", "<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>",
            ):
                theirs = {
                    s.get_name() for s in child.get_symbols()
                    if (s.is_local() or s.is_parameter())
                    and not s.is_global()
                    and not s.is_nonlocal()
                    and (s.is_assigned() or s.is_imported() or s.is_parameter() or s.is_namespace())
                }
                key = (child.get_name(), child.get_lineno())
                theirs -= inlined - ours.get(key, set())
                compared.add(key)
                if key not in ours:
                    problems.append(f"{key}: not found by us")
                elif ours[key] != theirs:
                    problems.append(
                        f"{key}: ours-only {ours[key] - theirs}, theirs-only {theirs - ours[key]}"
                    )
            visit(child)

    visit(symtable.symtable(textwrap.dedent(code), "<m>", "exec"))
    if set(ours) - compared:
        problems.append(f"not found by symtable: {sorted(set(ours) - compared)}")
    return problems


def test_locals_by_example() -> None:
    code = """
        import os
        X = 1

        def f(a, *args, b=X, **kw):
            global X
            import sys as system
            y = [z for z in args if (w := z)]
            for i, (j, k) in enumerate(kw):
                pass
            with open(a) as handle:
                pass
            try:
                pass
            except OSError as error:
                pass
            def g():
                nonlocal y
                y = 2
            class C:
                attr = y
            X = 3
            return w
        """
    assert compare_with_symtable(code) == []
    facts = facts_of(code)
    f = next(n for n in facts.nodes(ast.FunctionDef) if n.name == "f")
    scope = scopes(facts).of(f)
    assert {n for n in scope.bindings if scope.binds(n)} == {
        "a", "args", "b", "kw", "system", "y", "w", "i", "j", "k", "handle", "error", "g", "C",
    }
    assert "X" in scope.globals and not scope.binds("X")


def test_resolution_skips_class_scopes() -> None:
    facts = facts_of(
        """
        size = 1
        class C:
            size = 2
            def method(self):
                return size
        """
    )
    table = scopes(facts)
    method = next(iter(facts.nodes(ast.FunctionDef)))
    assert table.resolve("size", table.of(method)) is table.module


@pytest.mark.parametrize("name", SAMPLES)
def test_agrees_with_symtable_on_the_standard_library(name: str) -> None:
    assert compare_with_symtable(stdlib_source(name)) == []
