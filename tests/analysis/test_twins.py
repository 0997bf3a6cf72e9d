"""``analysis/twins.py``: every LibCST function and call of a chunk pairs with the ``ast`` node
written at the same place.

The truth is position: LibCST's ``PositionProvider`` on the chunk against the ``ast`` node's line
and column. Checked on code made to trip an order-based pairing (the field orders of LibCST and
``ast`` differ for decorators, conditional expressions, keyword arguments before ``*args``,
positional-only parameters...) and on real modules of the standard library, each top-level
statement parsed as a chunk of its own, as the engine does.
"""

from __future__ import annotations

import ast
import sys
import textwrap

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.scopes import ScopeTree
from perfcodemod.analysis.twins import ast_call, ast_function
from perfcodemod.context import EngineOptions, RuleContext

from ..conftest import needs_310
from .helpers import stdlib_source, walk

#: Modules with much syntax: decorators, nested functions and classes, f-strings, comprehensions,
#: keyword-only and positional-only parameters, ``match``, ``async``, non-ASCII text.
MODULES = (
    "argparse.py", "dataclasses.py", "enum.py", "functools.py", "inspect.py",
    "json/encoder.py", "pathlib.py", "pprint.py", "statistics.py", "asyncio/tasks.py",
    "email/_header_value_parser.py", "fractions.py", "tomllib/_parser.py",
)


def chunks(text: str) -> list[tuple[ModuleFacts, RuleContext]]:
    """A context for each top-level statement of ``text``, as the engine makes them."""
    facts = ModuleFacts(ast.parse(text), text)
    found = []
    for first, last in facts.toplevel_spans:
        chunk = text[facts.lines.offset(first) : facts.lines.line_end(last)]
        module = cst.parse_module(chunk)
        found.append((facts, RuleContext(
            facts, module, EngineOptions(rules=()), first, "m.py", scope_builder=ScopeTree
        )))
    return found


def mispaired(text: str, keep_unpaired: bool = False) -> list[str]:
    """What does not pair with the ``ast`` node written at the same place. Before 3.10, calls
    in multi-line f-strings have wrong ast columns and are left unpaired (never paired wrongly):
    those are left out unless ``keep_unpaired``."""
    return [
        wrong
        for facts, context in chunks(text)
        for wrong in _mispaired_in(facts, context)
        if keep_unpaired or not wrong.startswith("unpaired")
    ]


def _mispaired_in(facts: ModuleFacts, context: RuleContext) -> list[str]:
    positions = MetadataWrapper(context.module, unsafe_skip_copy=True).resolve(PositionProvider)
    lines = facts.lines

    def column(row: int, byte_col: int) -> int:
        return lines.offset_of_utf8(row, byte_col) - lines.offset(row)

    def where(node: cst.CSTNode) -> tuple[int, int, int, int]:
        code_range = positions[node]
        return (
            context.first_row + code_range.start.line - 1,
            code_range.start.column,
            context.first_row + code_range.end.line - 1,
            code_range.end.column,
        )

    wrong = []
    for node in walk(context.module):
        if isinstance(node, cst.FunctionDef):
            function = ast_function(context, node)
            row = where(node)[0]  # the ``def`` line: decorators are not part of the range
            if function is None or (function.lineno, function.name) != (row, node.name.value):
                wrong.append(f"def {node.name.value} at line {row}")
        elif isinstance(node, cst.Call):
            call = ast_call(context, node)
            span = where(node)
            if call is None and sys.version_info < (3, 10):
                # Calls in multi-line f-strings have wrong ast columns before 3.10: unpaired.
                wrong.append(f"unpaired {context.code_for(node).strip()!r}")
            elif call is None or span != (
                call.lineno,
                column(call.lineno, call.col_offset),
                call.end_lineno,
                column(call.end_lineno or call.lineno, call.end_col_offset or 0),
            ) or not _same_callee(node, call):
                wrong.append(f"call {context.code_for(node).strip()!r} at {span}")
    return wrong


def _same_callee(ours: cst.Call, theirs: ast.Call) -> bool:
    if isinstance(ours.func, cst.Name) or isinstance(theirs.func, ast.Name):
        return (
            isinstance(ours.func, cst.Name)
            and isinstance(theirs.func, ast.Name)
            and ours.func.value == theirs.func.id
        )
    return True


TRICKY = {
    # LibCST lists positional-only parameters last: their defaults come out of order.
    "positional-only-defaults": "def f(a=g(1), /, b=g(2)):\n    return a\n",
    "lambda-defaults": "h = lambda a=g(1), /, b=g(2): a\n",
    "keyword-before-star": "f(a=g(), *h(), b=k(), **m())\n",
    "conditional-expression": "t = p() if q() else r()\n",
    "dict-comprehension": "u = {k(): v() for x in y() if z()}\n",
    "decorators-and-body": (
        "@d1()\n@d2(e())\ndef fn(x=a()) -> ret():\n    @inner()\n    def g():\n"
        "        pass\n    return [c() for c in g()]\n"
    ),
    "f-strings": (
        'x = f"{a()}" f"{b()}"\ny = (f"""\n{c()} and {d()}\n""" f"{e()}")\n'
        "z = f\"{f'{q()}'}{r()}\"\nw = f\"{x:{w()}} {v()!r}\"\n"
    ),
    # Before 3.10 the ast puts a() where b() is (shifted by the string's column, 6).
    "f-string-shifted-columns": 'y = (f"""\n{a()} {b()}\n""")\n',
    "match": "match command():\n    case Point(x=0) if guard():\n        act()\n",
    "statements": (
        "try:\n    a()\nexcept exc() as e:\n    b()\nelse:\n    c()\nfinally:\n    d()\n"
        "class K(base(), metaclass=meta()):\n    attr: ann() = val()\n"
        "    def method(self, x=dflt()):\n        return x\n"
        "async def coro():\n    async with ctx() as c, ctx2():\n        await aw()\n"
        "    async for x in it():\n        pass\n"
    ),
    "calls-of-calls": "f()()\n(g())(h())\nobj.m(a)(b).n()\n",
    "non-ascii": 'x = "é" + f("ü") + g(h("ß"))\ny = "\\\n" ; z = f(\n  g()) \\\n  + h()\n',
    "same-names": (
        "def f():\n    def f():\n        pass\n    return f()\ndef f(x=f(f())):\n    pass\n"
    ),
}


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(code, id=name, marks=[needs_310] if name == "match" else [])
        for name, code in TRICKY.items()
    ],
)
def test_tricky_code_pairs_by_place(code: str) -> None:
    assert mispaired(textwrap.dedent(code)) == []


@pytest.mark.skipif(sys.version_info >= (3, 10), reason="ast columns are right from 3.10")
def test_calls_in_multiline_f_strings_are_unpaired_before_310() -> None:
    code = TRICKY["f-strings"] + TRICKY["f-string-shifted-columns"]
    # e() is right, but its f-string is glued to a multi-line one: one JoinedStr.
    unpaired = ["unpaired 'c()'", "unpaired 'd()'", "unpaired 'e()'"]
    assert mispaired(code, keep_unpaired=True) == [*unpaired, "unpaired 'a()'", "unpaired 'b()'"]


def test_crlf_line_endings() -> None:
    assert mispaired("if 1:\r\n    f()\r\n    g(\r\n h())\r\ndef k():\r\n    pass\r\n") == []


@pytest.mark.parametrize("name", MODULES)
def test_standard_library_modules_pair_by_place(name: str) -> None:
    assert mispaired(stdlib_source(name)) == []


def test_a_function_pairs_in_a_chunk_that_starts_later() -> None:
    code = "import functools\n\nX = 1\n\n\n@functools.cache\ndef f(n):\n    return n\n"
    (_, _, (_, context)) = chunks(code)
    (node,) = [n for n in walk(context.module) if isinstance(n, cst.FunctionDef)]
    function = ast_function(context, node)
    assert function is not None and (function.name, function.lineno) == ("f", 7)
