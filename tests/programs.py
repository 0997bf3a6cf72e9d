"""Hypothesis strategies for valid programs full of what the rules look for.

hypothesmith's programs are valid but almost never hold a pattern a rule reports (in a run of
5,000 none did), so they test parsing, not checking and fixing. These are built from the
rules' own material instead: membership tests against displays and names, de-duplication
loops, lookups in loops, comprehensions consumed once, cache decorators on functions,
methods, generators and coroutines; nested in functions, classes, loops, ``with``, ``try``
and ``match``, with a small pool of names so that bindings, shadowed builtins, ``global``
and mutations meet the patterns. Each program is valid by construction where that is easy,
and filtered by ``compile`` where it is not.
"""

from __future__ import annotations

import sys
import warnings

from hypothesis import assume
from hypothesis import strategies as st

NAMES = ["x", "y", "xs", "items", "seen", "key", "n", "data", "result", "set", "list", "any"]
CONSTANTS = ["1", "2", "0", "-1", "'a'", "'b'", "None", "True", "1.5", "b'x'", "(1, 2)", "()"]
CALLEES = [
    "any", "all", "sum", "min", "max", "sorted", "set", "frozenset", "list", "tuple", "dict",
    "len", "str", "int", "next", "print", "f", "g", "fib", "xs.index", "xs.count", "items.index",
    "seen.append", "data.get", "functools.reduce", "collections.Counter",
]
DECORATORS = [
    "@functools.cache", "@functools.lru_cache(maxsize=None)", "@functools.lru_cache()",
    "@lru_cache(128)", "@cache", "@property", "@staticmethod", "@classmethod", "@decorator",
]

names = st.sampled_from(NAMES)
constants = st.sampled_from(CONSTANTS)


def _join(items: list[str]) -> str:
    return ", ".join(items)


def _expressions() -> st.SearchStrategy[str]:
    leaves = st.one_of(names, constants)

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        some = st.lists(inner, min_size=0, max_size=4).map(_join)
        constant_list = st.lists(constants, min_size=1, max_size=4).map(_join)
        return st.one_of(
            constant_list.map("[{}]".format),
            constant_list.map("({},)".format),
            constant_list.map("{{{}}}".format),
            some.map("[{}]".format),
            st.tuples(inner, st.sampled_from(["in", "not in"]), st.one_of(
                constant_list.map("[{}]".format), constant_list.map("({},)".format), names,
                inner,
            )).map(" ".join),
            st.tuples(st.sampled_from(CALLEES), some).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(
                st.sampled_from(["[{} for {} in {} if {}]", "({} for {} in {} if {})",
                                 "{{{} for {} in {} if {}}}", "[{} for {} in {}{}]"]),
                inner, names, inner, inner,
            ).map(lambda t: t[0].format(*t[1:3], t[3], t[4] if "if" in t[0] else "")),
            st.tuples(st.sampled_from(["any", "all", "sum", "set", "sorted", "tuple"]), inner,
                      names, inner).map(lambda t: f"{t[0]}([{t[1]} for {t[2]} in {t[3]}])"),
            st.tuples(names, names, inner, st.sampled_from(["id", "name", "key"]), inner).map(
                lambda t: f"next(({t[0]} for {t[0]} in {t[2]} if {t[0]}.{t[3]} == {t[4]}), None)"
            ),
            st.tuples(inner, st.sampled_from(["id", "name", "append", "get"])).map(
                lambda t: f"({t[0]}).{t[1]}"
            ),
            st.tuples(inner, inner).map(lambda t: f"{t[0]}[{t[1]}]"),
            st.tuples(inner, st.sampled_from(["+", "*", "and", "or", "=="]), inner).map(
                lambda t: f"({' '.join(t)})"
            ),
            st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
            st.tuples(names, inner).map(lambda t: f"({t[0]} := {t[1]})"),
            st.tuples(names, names).map(lambda t: f"f'{{{t[0]}}} {{{t[1]}!r:>3}}'"),
            inner.map("(lambda: {})".format),
        )

    return st.recursive(leaves, extend, max_leaves=6)


expressions = _expressions()


def _indent(lines: list[str], level: int = 1) -> list[str]:
    return ["    " * level + line for line in lines]


@st.composite
def blocks(draw: st.DrawFn, depth: int = 0, in_function: bool = False,
           in_loop: bool = False, in_async: bool = False) -> list[str]:
    """Statements of one block (lines, not indented)."""
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        lines.extend(draw(statements(depth, in_function, in_loop, in_async)))
    return lines


@st.composite
def statements(draw: st.DrawFn, depth: int, in_function: bool, in_loop: bool,
               in_async: bool) -> list[str]:
    expr = draw(expressions)
    name = draw(names)
    simple = [
        f"{name} = {expr}",
        f"{name} = [{draw(constants)}, {draw(constants)}, {draw(constants)}]",
        f"{name} = [{draw(names)} for {draw(names)} in {expr}]",
        f"{name}.append({expr})",
        f"{name} += {expr}",
        f"if {expr} not in {name}:\n    {name}.append({expr})",
        f"del {name}",
        expr,
        "pass",
    ]
    if in_function:
        simple += [f"return {expr}", f"return {expr}", f"yield {expr}"]
        if depth == 1:
            simple.append(f"global {name}\n{name} = {expr}")
    if in_loop:
        simple += ["break", "continue"]
    if in_async:
        simple = [line for line in simple if not line.startswith("yield")]
        simple += [f"await {expr}", f"return await {expr}"]
    kind = draw(st.integers(0, 11 if depth < 3 else 0))
    if kind <= 2:
        return draw(st.sampled_from(simple)).split("\n")
    if kind <= 5:
        return draw(patterns(depth, in_function, in_loop, in_async))
    inner = depth + 1
    body = draw(blocks(inner, in_function, in_loop, in_async))
    if kind == 6:
        lines = [f"for {name} in {expr}:", *_indent(draw(blocks(inner, in_function, True,
                                                                 in_async)))]
        if draw(st.booleans()):
            lines += ["else:", *_indent(body)]
        return lines
    if kind == 7:
        lines = [f"if {expr}:", *_indent(body)]
        if draw(st.booleans()):
            lines += [f"elif {draw(expressions)}:", *_indent(draw(blocks(inner, in_function,
                                                                           in_loop, in_async)))]
        if draw(st.booleans()):
            lines += ["else:", *_indent(draw(blocks(inner, in_function, in_loop, in_async)))]
        return lines
    if kind == 8:
        return [f"with {expr} as {name}:", *_indent(body)]
    if kind == 9:
        return [
            "try:", *_indent(body), f"except {draw(st.sampled_from(['TypeError', 'Exception']))}:",
            *_indent(draw(blocks(inner, in_function, in_loop, in_async))),
        ]
    if kind == 10 and sys.version_info >= (3, 10):
        return [f"match {expr}:", f"    case [{name}, *rest]:", *_indent(body, 2),
                "    case _:", "        pass"]
    # A function (or a class holding one), maybe decorated, async or recursive.
    asynchronous = draw(st.booleans()) and not draw(st.booleans())
    decorators = draw(st.lists(st.sampled_from(DECORATORS), max_size=2))
    function_name = draw(st.sampled_from(["f", "g", "fib", "helper"]))
    params = draw(st.sampled_from(["n", "xs", "self, n", "n, key=None", "xs: list", "*args",
                                   "n: int = 0", "items=[]"]))
    body = draw(blocks(inner, True, False, asynchronous))
    if draw(st.booleans()):
        body += [f"return {function_name}(n - 1) + {function_name}(n - 2)"]
    function = [*decorators, f"{'async ' if asynchronous else ''}def {function_name}({params}):",
                *_indent(body)]
    if draw(st.booleans()):
        return [f"class {draw(st.sampled_from(['C', 'D']))}:", *_indent(function)]
    return function


@st.composite
def patterns(draw: st.DrawFn, depth: int, in_function: bool, in_loop: bool,
             in_async: bool) -> list[str]:
    """One of the rules' patterns, with drawn names and values."""
    a, b, c = draw(names), draw(names), draw(names)
    expr, other = draw(expressions), draw(expressions)
    k1, k2, k3 = draw(constants), draw(constants), draw(constants)
    decorator = draw(st.sampled_from(DECORATORS))
    found = [
        f"{a} = {b} in [{k1}, {k2}, {k3}]",
        f"{a} = [{k1}, {k2}]\nif {b} in {a}:\n    {c} = {k3}",
        f"{a} = []\nfor {b} in {expr}:\n    if {b} not in {a}:\n        {a}.append({b})",
        f"{a} = sorted({expr})\nfor {b} in {other}:\n    if {b} in {a}:\n        print({b})",
        f"{a} = [{b} for {b} in {expr}]\nfor {c} in {a}:\n    print({c})",
        f"for {a} in {expr}:\n    {b} = next(({c} for {c} in {other} if {c}.id == {a}), None)",
        f"for {a} in {expr}:\n    {b} = {other}.index({a})",
        f"for {a} in {expr}:\n    {b} = xs.count({a})",
        f"{a} = set([{b} for {b} in {expr}])",
        f"{a} = any([{b} > 0 for {b} in {expr}])",
        f"{decorator}\ndef fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)",
        f"{decorator}\ndef {a}_cached(path):\n    return open(path).read()",
        f"{decorator}\ndef {a}_fresh(n):\n    return [n, {k1}]",
        f"{decorator}\ndef {a}_gen(n):\n    yield n",
        f"{decorator}\nasync def {a}_coro(n):\n    return n",
        f"class {a.capitalize()}:\n    {decorator}\n    def m(self, n):\n        return n",
        f"{decorator}\ndef {a}_list(xs: list):\n    return len(xs)\n{a}_list([{k1}])",
    ]
    lines = draw(st.sampled_from(found)).split("\n")
    if not in_function and draw(st.booleans()):
        # Most rules look inside functions.
        lines = [f"def {draw(st.sampled_from(['f', 'g', 'h']))}({a}, {b}, xs):", *_indent(lines)]
    return lines


def _compiles(code: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(code, "example.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


HEADER = "import collections\nimport functools\nfrom functools import cache, lru_cache\n"


@st.composite
def pattern_programs(draw: st.DrawFn) -> str:
    """A module that compiles, built from what the rules look for."""
    lines = draw(blocks())
    code = HEADER + "\n".join(lines) + "\n"
    assume(_compiles(code))
    return code
