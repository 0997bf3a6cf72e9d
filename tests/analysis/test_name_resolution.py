"""What a name means, asked on either tree: ``analysis/names.py`` on LibCST nodes (the chunk's
scope tree, then ``ModuleFacts`` for module-level names) and ``astscope.qualified_name_at`` on
the ``ast`` (pre-checks and whole-module analyses). They must give one answer."""

from __future__ import annotations

import ast
import textwrap

import libcst as cst
import pytest

from perfcodemod.analysis import names
from perfcodemod.analysis.astscope import decorator_callee, qualified_name_at, scopes
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.scopes import ScopeTree
from perfcodemod.analysis.twins import ast_function
from perfcodemod.context import EngineOptions, RuleContext

from .helpers import stdlib_source, walk

#: Modules with many decorators, star imports (``ctypes`` tests) and modules imported twice
#: (``import unittest`` and ``import unittest.mock``).
MODULES = (
    "functools.py", "dataclasses.py", "enum.py", "typing.py", "unittest/mock.py",
    "ctypes/test/test_bitfields.py", "idlelib/idle_test/test_sidebar.py", "test/test_functools.py",
)


def decorator_answers(code: str) -> list[tuple[int, str | None, str | None]]:
    """For each decorator of the module: its row, what the ``ast`` side says it names, and
    what ``names.py`` says, each top-level statement parsed as a chunk as the engine does."""
    facts = ModuleFacts(ast.parse(code), code)
    table = scopes(facts)
    found = []
    for first, last in facts.toplevel_spans:
        chunk = code[facts.lines.offset(first) : facts.lines.line_end(last)]
        context = RuleContext(
            facts, cst.parse_module(chunk), EngineOptions(rules=()), first, "",
            scope_builder=ScopeTree,
        )
        for node in walk(context.module):
            if not isinstance(node, cst.FunctionDef) or not node.decorators:
                continue
            function = ast_function(context, node)
            assert function is not None
            where = table.enclosing_scope(function)
            for ours, theirs in zip(node.decorators, function.decorator_list):
                expr = ours.decorator
                callee = expr.func if isinstance(expr, cst.Call) else expr
                found.append(
                    (
                        theirs.lineno,
                        qualified_name_at(decorator_callee(theirs), where, table),
                        names.qualified_name(context, callee),
                    )
                )
    return found


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # `cache` bound otherwise elsewhere (the whole module does not agree on it): the scope of
        # the use decides.
        (
            "from functools import cache\n\ndef g():\n    cache = {}\n    return cache\n\n"
            "@cache\ndef f(n):\n    return n\n",
            "functools.cache",
        ),
        (
            "from functools import cache\n\nclass C:\n    cache = {}\n\n"
            "    @cache\n    def f(self):\n        return 1\n",
            None,
        ),
        # A function rebinds it at run time.
        (
            "from functools import cache\n\ndef reset():\n    global cache\n    cache = None\n\n"
            "@cache\ndef f(n):\n    return n\n",
            None,
        ),
        # `import os` and `import os.path` both bind `os`.
        (
            "import functools\nimport functools.x\n\n@functools.cache\ndef f(n):\n    return n\n",
            "functools.cache",
        ),
        # A star import may shadow builtins, not what the module imports itself.
        (
            "from functools import cache\nfrom tkinter import *\n\n@cache\ndef f(n):\n"
            "    return n\n",
            "functools.cache",
        ),
        ("from tkinter import *\n\n@staticmethod\ndef f(n):\n    return n\n", None),
        ("@staticmethod\ndef f(n):\n    return n\n", "builtins.staticmethod"),
        # Imported inside a function.
        (
            "def outer():\n    from functools import lru_cache as memo\n\n    @memo(None)\n"
            "    def f(n):\n        return n\n    return f\n",
            "functools.lru_cache",
        ),
    ],
)
def test_both_sides_resolve_a_decorator_alike(code: str, expected: str | None) -> None:
    ((_, on_the_ast, on_libcst),) = decorator_answers(textwrap.dedent(code))
    assert on_the_ast == on_libcst == expected


def test_an_alias_is_followed_on_the_ast_side_only() -> None:
    # ``memo = functools.cache``: the caching rules recognise it (they ask the ast side);
    # names.py does not follow assignments.
    code = "import functools\nmemo = functools.cache\n\n@memo\ndef f(n):\n    return n\n"
    assert decorator_answers(code) == [(4, "functools.cache", None)]


@pytest.mark.parametrize("name", MODULES)
def test_both_sides_agree_on_the_standard_library(name: str) -> None:
    answers = decorator_answers(stdlib_source(name))
    assert answers
    assert [a for a in answers if a[1] != a[2]] == []
