"""analysis/loops.py: which loops repeat a node, invariance; analysis/flow.py: statements before
and after, dominance."""

from __future__ import annotations

import ast

import libcst as cst
import pytest

from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.flow import (
    dominates,
    in_type_error_handler,
    may_run_after_ast,
    statement_of,
    statements_after,
    statements_before,
)
from perfcodemod.analysis.loops import (
    enclosing_loops,
    enclosing_loops_ast,
    is_loop_invariant,
)
from perfcodemod.analysis.uses import escapes, is_rebound_or_mutated_in

from .helpers import code, context_for, find, find_all, name_nodes


def marked(context, marker: str = "TARGET") -> cst.Name:  # type: ignore[no-untyped-def]
    return name_nodes(context, marker)[0]


def loop_kinds(source: str, **options: bool) -> tuple[list[str], str | None]:
    context = context_for(source)
    found = enclosing_loops(context, marked(context), **options)
    boundary = type(found.boundary).__name__ if found.boundary is not None else None
    return [type(loop).__name__ for loop in found.loops], boundary


@pytest.mark.parametrize(
    ("source", "kinds", "boundary"),
    [
        ("def f(xs):\n    TARGET\n", [], "FunctionDef"),
        ("def f(xs):\n    for x in xs:\n        TARGET\n", ["For"], "FunctionDef"),
        ("def f(xs):\n    for x in TARGET:\n        pass\n", [], "FunctionDef"),
        (
            "def f(xs):\n    for x in xs:\n        pass\n    else:\n        TARGET\n",
            [],
            "FunctionDef",
        ),
        ("def f(xs):\n    while TARGET:\n        pass\n", ["While"], "FunctionDef"),
        (
            "def f(xs):\n    while xs:\n        for x in xs:\n            TARGET\n",
            ["For", "While"],
            "FunctionDef",
        ),
        # A comprehension's first iterable runs once, in the enclosing scope.
        ("def f(xs):\n    return [x for x in TARGET]\n", [], "FunctionDef"),
        ("def f(xs):\n    return [x for x in xs if TARGET]\n", ["ListComp"], "FunctionDef"),
        ("def f(xs):\n    return [TARGET for x in xs]\n", ["ListComp"], "FunctionDef"),
        ("def f(xs):\n    return {x: TARGET for x in xs}\n", ["DictComp"], "FunctionDef"),
        ("def f(xs):\n    return [y for x in xs for y in TARGET]\n", ["ListComp"], "FunctionDef"),
        # Generators consumed on the spot are loops; others end the search.
        ("def f(xs):\n    return any(TARGET for x in xs)\n", ["GeneratorExp"], "FunctionDef"),
        (
            "def f(xs):\n    for y in (TARGET for x in xs):\n        pass\n",
            ["GeneratorExp"],
            "FunctionDef",
        ),
        ("def f(xs):\n    return (TARGET for x in xs)\n", [], "GeneratorExp"),
        ("def f(xs):\n    for y in xs:\n        g = (TARGET for x in xs)\n", [], "GeneratorExp"),
        ("def f(xs):\n    return zip(TARGET for x in xs)\n", [], "GeneratorExp"),
        # Scopes end the search.
        ("def f(xs):\n    for x in xs:\n        g = lambda: TARGET\n", [], "Lambda"),
        ("def f(xs):\n    for x in xs:\n        def g():\n            TARGET\n", [], "FunctionDef"),
        ("for x in xs:\n    TARGET\n", ["For"], None),
    ],
)
def test_enclosing_loops(source: str, kinds: list[str], boundary: str | None) -> None:
    assert loop_kinds(source) == (kinds, boundary)


def test_lazy_generators_can_count_as_loops() -> None:
    source = "def f(xs):\n    return (TARGET for x in xs)\n"
    assert loop_kinds(source, lazy_generators_are_loops=True) == (["GeneratorExp"], "FunctionDef")


def test_nested_function_inside_loop_is_its_own_scope() -> None:
    context = context_for("def f(xs):\n    for x in xs:\n        def g():\n            TARGET\n")
    found = enclosing_loops(context, marked(context))
    assert isinstance(found.boundary, cst.FunctionDef) and found.boundary.name.value == "g"
    assert found.in_function and not found


@pytest.mark.parametrize(
    ("source", "kinds"),
    [
        ("def f(xs):\n    for x in xs:\n        TARGET\n", ["For"]),
        ("def f(xs):\n    return [x for x in TARGET]\n", []),
        ("def f(xs):\n    return [x for x in xs if TARGET]\n", ["ListComp"]),
        ("def f(xs):\n    return [y for x in xs for y in TARGET]\n", ["ListComp"]),
        ("def f(xs):\n    return (TARGET for x in xs)\n", ["GeneratorExp"]),
        ("def f(xs):\n    while TARGET:\n        pass\n    else:\n        pass\n", ["While"]),
        ("def f(xs):\n    for x in xs:\n        pass\n    else:\n        TARGET\n", []),
    ],
)
def test_ast_twin_counts_every_generator(source: str, kinds: list[str]) -> None:
    from perfcodemod.analysis.facts import ModuleFacts

    tree = ast.parse(source)
    facts = ModuleFacts(tree, source)
    target = next(n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "TARGET")
    loops, boundary = enclosing_loops_ast(facts, target)
    assert [type(loop).__name__ for loop in loops] == kinds
    assert isinstance(boundary, ast.FunctionDef)


SOURCE = """\
def f(xs, c):
    a = 1
    with open(xs) as handle:
        b = 2
    if c:
        d = 3
    for x in xs:
        e = 4
        TARGET
        g = 5
    h = 6
    return h
"""


def test_statements_before_and_after() -> None:
    context = context_for(SOURCE)
    function = find(context, cst.FunctionDef)
    statement = statement_of(context, marked(context))
    assert statement is not None and code(context, statement) == "TARGET"
    before = [
        code(context, s).split("\n")[0] for s in statements_before(context, statement, function)
    ]
    assert before == ["e = 4", "if c:", "with open(xs) as handle:", "a = 1"]
    # `g = 5` runs before the next TARGET: not "after".
    after = [
        code(context, s).split("\n")[0] for s in statements_after(context, statement, function)
    ]
    assert after == ["h = 6", "return h"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("a", True), ("b", True), ("d", False), ("e", True), ("g", False), ("h", False)],
)
def test_dominates(name: str, expected: bool) -> None:
    context = context_for(SOURCE)
    function = find(context, cst.FunctionDef)
    statement = statement_of(context, marked(context))
    assert statement is not None
    binding = name_nodes(context, name)[0]
    assert dominates(context, binding, statement, function) is expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("a", True), ("b", True), ("c", False), ("d", False)],
)
def test_dominates_at_module_level(name: str, expected: bool) -> None:
    """A binding in a statement of the module itself (its block's owner is None) dominates
    like one in a function body; one in a `with` block too, not one in an `if` or a loop."""
    context = context_for(
        "a = 1\n"
        "with open(p) as f:\n"
        "    b = 2\n"
        "if a:\n"
        "    c = 3\n"
        "for x in y:\n"
        "    d = 4\n"
        "TARGET = a + b\n"
    )
    statement = statement_of(context, marked(context))
    assert statement is not None
    binding = name_nodes(context, name)[0]
    assert dominates(context, binding, statement, context.module) is expected


@pytest.mark.parametrize(
    ("body", "changed"),
    [
        ("if y in L:\n            print(y)", False),
        ("print(len(L), L[0], sorted(L))", False),
        ("L.append(y)", True),
        ("L[0] = y", True),
        ("L = []", True),
        ("L += [y]", True),
        ("log(L)", True),
        ("M = L", True),
        ("for L in ys:\n            pass", True),
    ],
)
def test_invariance(body: str, changed: bool) -> None:
    context = context_for(f"def f(L, ys, log):\n    for y in ys:\n        {body}\n")
    loop = find(context, cst.For)
    assert is_rebound_or_mutated_in(context, loop, "L") is changed
    assert is_loop_invariant(context, "L", loop) is not changed


def test_escapes() -> None:
    context = context_for("def f(L, log):\n    log(L)\n    x = L\n    print(L)\n    return L\n")
    found = escapes(context, find(context, cst.FunctionDef).body, "L")
    assert [code(context, context.parent(n)) for n in found] == ["L", "x = L", "return L"]


def test_statement_of_elif_is_the_whole_if() -> None:
    context = context_for("def f(a, b):\n    if a:\n        pass\n    elif TARGET:\n        pass\n")
    statement = statement_of(context, marked(context))
    assert isinstance(statement, cst.If) and statement is find_all(context, cst.If)[0]


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        ("except TypeError:", True),
        ("except (KeyError, TypeError):", True),
        ("except builtins.TypeError:", True),
        ("except Exception as error:", True),
        ("except:", True),
        ("except KeyError:", False),
    ],
)
def test_in_type_error_handler(handler: str, expected: bool) -> None:
    source = f"def f(x):\n    try:\n        pass\n    {handler}\n        TARGET\n"
    context = context_for(source)
    assert in_type_error_handler(context, marked(context)) is expected


def test_type_error_handler_of_an_outer_function_does_not_count() -> None:
    source = (
        "def f(x):\n    try:\n        pass\n    except TypeError:\n"
        "        def g():\n            TARGET\n"
    )
    context = context_for(source)
    assert not in_type_error_handler(context, marked(context))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("    TARGET = 1\n    def reader(): pass\n", False, id="before"),
        pytest.param("    def reader(): pass\n    TARGET = 1\n", True, id="after"),
        pytest.param(
            "    if c:\n        TARGET = 1\n    else:\n        x = 2\n    def reader(): pass\n",
            False,
            id="branch-before",
        ),
        pytest.param(
            "    for i in c:\n        TARGET = i\n        def reader(): pass\n",
            True,
            id="loop-around-both",
        ),
        pytest.param(
            "    for i in c:\n        TARGET = i\n    def reader(): pass\n",
            False,
            id="loop-before",
        ),
        pytest.param(
            "    def helper():\n        TARGET = 1\n    def reader(): pass\n",
            True,
            id="nested-function-runs-any-time",
        ),
        pytest.param(
            "    class K:\n        TARGET = 1\n    def reader(): pass\n", False, id="class-body"
        ),
        pytest.param(
            "    try:\n        def reader(): pass\n    except E:\n        TARGET = 1\n",
            True,
            id="handler-after",
        ),
        pytest.param("    while c:\n        def reader(): pass\n    TARGET = 1\n", True, id="x"),
    ],
)
def test_may_run_after(body: str, expected: bool) -> None:
    source = "def f(c):\n" + body
    facts = ModuleFacts(ast.parse(source), source)
    target = next(n for n in ast.walk(facts.tree) if isinstance(n, ast.Name) and n.id == "TARGET")
    reader = next(
        n for n in ast.walk(facts.tree) if isinstance(n, ast.FunctionDef) and n.name == "reader"
    )
    assert may_run_after_ast(target, reader, facts.parents) is expected
