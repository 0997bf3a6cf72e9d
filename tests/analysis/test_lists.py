"""analysis/lists.py: is a name known to be a list?  (and its ast twins for pre-checks)"""

from __future__ import annotations

import ast

import libcst as cst
import pytest

from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.lists import (
    function_list_names_ast,
    is_list_expression,
    is_list_expression_ast,
    is_module_list_ast,
    known_list,
)

from .helpers import context_for, find, name_nodes

LIST_EXPRESSIONS = [
    ("[]", True),
    ("[a, b]", True),
    ("[x for x in a]", True),
    ("list(a)", True),
    ("sorted(a)", True),
    ("s.split()", True),
    ("s.rsplit(',', 1)", True),
    ("s.splitlines()", True),
    ("'a b'.split()", True),
    ("re.split(',', s)", True),
    ("os.listdir(s)", True),
    ("[a] + [b]", True),
    ("[a] * 3", True),
    ("3 * [a]", True),
    ("os.path.split(s)", False),  # a tuple
    ("[a] + b", False),
    ("tuple(a)", False),
    ("set(a)", False),
    ("{x for x in a}", False),
    ("(x for x in a)", False),
    ("load(a)", False),
    ("a", False),
    ("a.copy()", False),
]


@pytest.mark.parametrize(
    ("expression", "expected"), LIST_EXPRESSIONS, ids=[e for e, _ in LIST_EXPRESSIONS]
)
def test_is_list_expression(expression: str, expected: bool) -> None:
    context = context_for(f"import os, re\ndef f(a, b, s):\n    return {expression}\n")
    value = find(context, cst.Return).value
    assert value is not None
    assert is_list_expression(context, value) is expected
    if expected:  # the pre-check twin never says no where the visitor says yes
        assert is_list_expression_ast(ast.parse(expression, mode="eval").body)


def test_shadowed_list_is_not_the_builtin() -> None:
    context = context_for("def f(a, list):\n    return list(a)\n")
    value = find(context, cst.Return).value
    assert value is not None and not is_list_expression(context, value)


@pytest.mark.parametrize(
    ("body", "known"),
    [
        ("L = sorted(xs)", True),
        ("L = []\n    L += xs", True),
        ("L: list[int] = load()", True),
        ("L: 'List[int]' = load()", True),
        ("L = xs.split()", True),
        ("L = []\n    if c:\n        L = list(xs)", True),
        ("L = []\n    if c:\n        L = set(xs)", False),
        ("L = M = []", False),  # two names for one list
        ("L = []\n    for L in xs:\n        pass", False),
        ("L = []\n    del L", False),
        ("L = []\n    L -= xs", False),
        ("L = []\n    def g(L):\n        pass", False),  # same name, another scope: no
        ("global L", False),
        ("pass", False),
    ],
)
def test_known_list_in_function(body: str, known: bool) -> None:
    source = f"def f(xs, c, load):\n    {body}\n    return L\n"
    context = context_for(source)
    variable = known_list(context, name_nodes(context, "L")[-1])
    assert (variable is not None) is known
    if variable is not None:
        assert isinstance(variable.owner, cst.FunctionDef) and variable.bindings
    tree = ast.parse(source)
    function = tree.body[0]
    twin = function_list_names_ast(function, ModuleFacts(tree, source).parents).get("L", False)
    if known:
        assert twin


@pytest.mark.parametrize(
    ("source", "known"),
    [
        ("def f(xs: list[str]):\n    return xs\n", True),
        ("def f(xs: 'list'):\n    return xs\n", True),
        ("from typing import List\ndef f(xs: List[int]):\n    return xs\n", True),
        ("def f(xs):\n    return xs\n", False),
        ("def f(*xs: list):\n    return xs\n", False),
        ("def f(xs: tuple[str, ...]):\n    return xs\n", False),
    ],
)
def test_known_list_parameter(source: str, known: bool) -> None:
    context = context_for(source)
    assert (known_list(context, name_nodes(context, "xs")[-1]) is not None) is known


@pytest.mark.parametrize(
    ("source", "known"),
    [
        ("NAMES = []\ndef f():\n    return NAMES\n", True),
        ("NAMES = sorted(x)\nNAMES += ['a']\ndef f():\n    return NAMES\n", True),
        ("NAMES = []\ndef f():\n    global NAMES\n    return NAMES\n", False),
        ("NAMES = []\ndef g():\n    NAMES = 1\ndef f():\n    return NAMES\n", False),
        ("NAMES = ()\ndef f():\n    return NAMES\n", False),
        ("if c:\n    NAMES = []\ndef f():\n    return NAMES\n", False),
    ],
)
def test_known_list_at_module_level(source: str, known: bool) -> None:
    context = context_for(source)
    variable = known_list(context, name_nodes(context, "NAMES")[-1])
    assert (variable is not None) is known
    tree = ast.parse(source)
    assert is_module_list_ast(ModuleFacts(tree, source), "NAMES") is known


def test_closure_variable_is_known_in_the_outer_function() -> None:
    context = context_for(
        "def outer(xs):\n    names = sorted(xs)\n    def inner(y):\n        return y in names\n"
    )
    variable = known_list(context, name_nodes(context, "names")[-1])
    assert variable is not None
    assert isinstance(variable.owner, cst.FunctionDef) and variable.owner.name.value == "outer"
