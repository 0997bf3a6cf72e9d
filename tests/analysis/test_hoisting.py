"""Where an index of a loop-invariant collection goes (``analysis/hoisting.py``), and the
lookup helpers of ``analysis/lookups.py``."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from perfcodemod import api
from perfcodemod.analysis.expressions import is_repeatable, needs_parentheses
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.flow import miss_is_caught
from perfcodemod.analysis.hoisting import (
    fresh_name,
    hoist_point,
    identifier_part,
    module_name_is_stable,
)
from perfcodemod.analysis.lists import is_small_fixed_list, known_list, max_length, maybe_list_ast
from perfcodemod.analysis.lookups import (
    SMALL_LIST,
    index_name,
    key_suffix,
    list_method_calls_ast,
)
from perfcodemod.analysis.loops import repeating_loops
from perfcodemod.config import settings_from_table
from perfcodemod.context import RuleContext

from .helpers import code, context_for, find_all


def lookup(context: RuleContext, method: str = "index", index: int = 0) -> cst.Call:
    calls = [
        c
        for c in find_all(context, cst.Call)
        if isinstance(c.func, cst.Attribute) and c.func.attr.value == method
    ]
    return calls[index]


def receiver(call: cst.Call) -> cst.Name:
    assert isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.Name)
    return call.func.value


def hoisted(source: str, index: int = 0) -> str | None:
    """The first line of the statement the index goes before, or None."""
    context = context_for(source)
    call = lookup(context, index=index)
    hoist = hoist_point(context, call, receiver(call))
    return None if hoist is None else code(context, hoist.statement).splitlines()[0]


# -- placement --------------------------------------------------------------------------------


def test_outermost_loop_in_which_the_list_stays_the_same() -> None:
    source = """
    def f(xs, rows):
        order = sorted(xs)
        for row in rows:
            for v in row:
                print(order.index(v))
    """
    assert hoisted(source) == "for row in rows:"


def test_stops_at_the_loop_that_changes_the_list() -> None:
    source = """
    def f(groups):
        seen = []
        for group in groups:
            seen.extend(group)
            for g in group:
                print(seen.index(g))
    """
    assert hoisted(source) == "for g in group:"


@pytest.mark.parametrize(
    "body",
    [
        "order.append(v)",  # a method that changes it
        "order[0] = v",  # item assignment
        "del order[0]",
        "order += [v]",  # augmented assignment rebinds
        "order = list(order)",  # rebinding
        "log(order)",  # escapes
        "other = order",
    ],
)
def test_not_invariant_in_the_innermost_loop(body: str) -> None:
    source = f"""
    def f(xs, ys, log):
        order = sorted(xs)
        for v in ys:
            print(order.index(v))
            {body}
    """
    assert hoisted(source) is None


def test_changes_in_the_loop_header_count() -> None:
    source = """
    def f(xs, ys):
        order = sorted(xs)
        for order[0] in ys:
            print(order.index(order[0]))
    """
    assert hoisted(source) is None


def test_changes_in_a_nested_loop_count() -> None:
    source = """
    def f(xs, ys):
        order = sorted(xs)
        for v in ys:
            print(order.index(v))
            while order:
                order.pop()
    """
    assert hoisted(source) is None


def test_not_in_a_loop() -> None:
    assert hoisted("def f(xs, v):\n    order = sorted(xs)\n    return order.index(v)\n") is None


def test_escape_before_the_loop_blocks_it_escape_after_does_not() -> None:
    before = """
    def f(self, xs, ys):
        order = sorted(xs)
        self.order = order
        for v in ys:
            self.refresh()
            print(order.index(v))
    """
    after = """
    def f(self, xs, ys):
        order = sorted(xs)
        for v in ys:
            print(order.index(v))
        self.order = order
    """
    assert hoisted(before) is None
    assert hoisted(after) == "for v in ys:"


def test_not_bound_before_the_loop_on_every_path() -> None:
    source = """
    def f(xs, ys, c):
        if c:
            order = sorted(xs)
        for v in ys:
            print(order.index(v))
    """
    assert hoisted(source) is None


def test_nested_function_that_changes_it() -> None:
    source = """
    def f(xs, ys):
        order = sorted(xs)
        def add(v):
            order.append(v)
        for v in ys:
            add(v)
            print(order.index(v))
    """
    assert hoisted(source) is None


def test_frame_access_calls_block_it() -> None:
    source = """
    def f(xs, ys):
        order = sorted(xs)
        for v in ys:
            print(order.index(v), locals())
    """
    assert hoisted(source) is None


def test_lambda_and_lazy_generator_run_at_unknown_times() -> None:
    start = "def f(xs, ys):\n    o = list(xs)\n"
    assert hoisted(start + "    return map(lambda y: o.index(y), ys)\n") is None
    assert hoisted(start + "    return (o.index(y) for y in ys)\n") is None
    consumed = "def f(xs, ys):\n    o = list(xs)\n    return sum(o.index(y) for y in ys)\n"
    assert hoisted(consumed) == "return sum(o.index(y) for y in ys)"


def test_module_level_loop_over_a_stable_module_list() -> None:
    source = """
    ORDER = "a b c".split()
    for v in "ab":
        print(ORDER.index(v))
    """
    assert hoisted(source) == 'for v in "ab":'


def test_module_list_changed_by_a_function_is_not_stable() -> None:
    source = """
    ORDER = "a b c".split()
    def grow(v):
        ORDER.append(v)
    for v in "ab":
        grow(v)
        print(ORDER.index(v))
    """
    assert hoisted(source) is None


def test_global_read_in_a_function_gets_its_index_in_the_function() -> None:
    source = """
    ORDER = "a b c".split()
    def f(ys):
        return [ORDER.index(y) for y in ys]
    """
    context = context_for(source)
    call = lookup(context)
    hoist = hoist_point(context, call, receiver(call))
    assert hoist is not None and hoist.kind == "global"
    assert isinstance(hoist.frame, cst.FunctionDef)


def test_class_body_comprehension_gets_its_index_before_the_class() -> None:
    source = """
    ORDER = "a b c".split()
    class C:
        ranks = [ORDER.index(n) for n in "ab"]
    """
    assert hoisted(source) == "class C:"


def test_class_attribute_is_not_indexed() -> None:
    source = """
    class C:
        order = "a b c".split()
        for n in "ab":
            print(order.index(n))
    """
    assert hoisted(source) is None


def test_closure_variable_is_not_indexed() -> None:
    source = """
    def f(xs):
        order = list(xs)
        def g(ys):
            return [order.index(y) for y in ys]
        return g
    """
    assert hoisted(source) is None


# -- loops that repeat a node -------------------------------------------------------------------


def repeating(source: str) -> int:
    context = context_for(source)
    return len(repeating_loops(context, lookup(context)).loops)


def test_a_break_after_the_lookup_means_once_per_loop() -> None:
    source = """
    def f(paths):
        for path in paths:
            parts = path.split("/")
            for part in parts:
                if part.startswith("lib"):
                    i = parts.index(part)
                    break
    """
    assert repeating(source) == 1  # the outer loop still repeats it


def test_return_or_raise_means_once_per_call() -> None:
    assert repeating("def f(xs, ys):\n    for y in ys:\n        return xs.index(y)\n") == 0
    assert repeating(
        "def f(xs, ys):\n    for y in ys:\n        i = xs.index(y)\n        raise ValueError(i)\n"
    ) == 0
    # ... but a comprehension in the return statement repeats it.
    comprehension = "def f(xs, ys):\n    for y in ys:\n        return [xs.index(z) for z in y]\n"
    assert repeating(comprehension) == 1


def test_continue_or_try_keep_the_loop_repeating() -> None:
    with_continue = """
    def f(xs, ys):
        for y in ys:
            i = xs.index(y)
            if i:
                continue
            break
    """
    with_try = """
    def f(xs, ys):
        for y in ys:
            try:
                i = xs.index(y)
                break
            except ValueError:
                pass
    """
    assert repeating(with_continue) == 1
    assert repeating(with_try) == 1


def test_while_test_repeats() -> None:
    assert repeating("def f(xs, y):\n    while xs.index(y):\n        y += 1\n    return y\n") == 1


def test_miss_is_caught_in_the_loop() -> None:
    context = context_for(
        """
        def f(xs, ys):
            for y in ys:
                try:
                    print(xs.index(y))
                except (KeyError, ValueError):
                    pass
        """
    )
    call = lookup(context)
    loop = find_all(context, cst.For)[0]
    assert miss_is_caught(context, call, loop, ("ValueError",))
    assert not miss_is_caught(context, call, loop, ("StopIteration",))


# -- module-level names -------------------------------------------------------------------------


def facts_for(source: str) -> ModuleFacts:
    source = textwrap.dedent(source)
    return ModuleFacts(ast.parse(source), source)


@pytest.mark.parametrize(
    ("source", "stable"),
    [
        ("X = [1]\ndef f():\n    return X.index(1), len(X), 1 in X\n", True),
        ("X = [1]\nX.append(2)\n", True),  # at import time, not during a loop
        ("X = [1]\ndef f():\n    X.append(2)\n", False),
        ("X = [1]\ndef f():\n    global X\n    X = []\n", False),
        ("X = [1]\ndef f(g):\n    g(X)\n", False),
        ("X = [1]\nregister(X)\n", False),  # someone else holds it
        ("X = [1]\ndef f():\n    return globals()\n", False),
    ],
)
def test_module_name_is_stable(source: str, stable: bool) -> None:
    assert module_name_is_stable(facts_for(source), "X") is stable


# -- names and expressions ----------------------------------------------------------------------


def test_fresh_name_avoids_every_name_in_the_module() -> None:
    context = context_for("order_index = 1\ndef f(order_index_1):\n    return order_index_2\n")
    assert fresh_name(context, "order_index") == "order_index_3"
    assert fresh_name(context, "list") == "list_1"  # a builtin
    assert fresh_name(context, "other", {"other"}) == "other_1"


def test_index_names() -> None:
    assert identifier_part("first name") == "first_name"
    assert identifier_part("--") == "key"
    assert key_suffix("path") == "path"
    assert key_suffix(0) == "item0"
    assert key_suffix(-1) == "last"


def test_index_name_follows_the_collection_case() -> None:
    source = "MODELS = list('ab')\ndef f(ys):\n    return [MODELS.index(y) for y in ys]\n"
    context = context_for(source)
    call = lookup(context)
    hoist = hoist_point(context, call, receiver(call))
    assert hoist is not None
    assert index_name("MODELS", "by_tier", hoist) == "models_by_tier"
    module_level = context_for("MODELS = list('ab')\nfor y in 'a':\n    print(MODELS.index(y))\n")
    call = lookup(module_level)
    hoist = hoist_point(module_level, call, receiver(call))
    assert hoist is not None
    assert index_name("MODELS", "by_tier", hoist) == "MODELS_BY_TIER"


@pytest.mark.parametrize(
    ("expression", "repeatable"),
    [
        ("v", True),
        ("'a'", True),
        ("-1", True),
        ("item.name", True),
        ("row['id'].key", True),
        ("f(v)", False),
        ("v + 1", False),
        ("row[i]", False),
        ("(yield)", False),
    ],
)
def test_is_repeatable(expression: str, repeatable: bool) -> None:
    assert is_repeatable(cst.parse_expression(expression)) is repeatable


@pytest.mark.parametrize(
    ("statement", "needs"),
    [
        ("x = xs.index(v)", False),
        ("f(xs.index(v))", False),
        ("f(*xs.index(v))", True),
        ("y = [xs.index(v) for v in ys]", False),
        ("y = {xs.index(v): v for v in ys}", True),  # a dict key
        ("y = {v: xs.index(v) for v in ys}", False),
        ("y = xs.index(v) + 1", True),
        ("y = (xs.index(v))", False),  # its own parentheses are kept
        ("if xs.index(v): pass", True),
    ],
)
def test_needs_parentheses(statement: str, needs: bool) -> None:
    context = context_for(statement + "\n")
    assert needs_parentheses(context, lookup(context)) is needs


# -- known lists ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "length"),
    [
        ("xs = ['a', 'b']", 2),
        ("xs = ['a', 'b']\n    if ys:\n        xs.append('c')", 3),  # grown once at most
        ("xs = ['a', 'b']\n    xs.extend(['c', 'd'])\n    xs.pop()", 4),
        ("xs = ['a', 'b']\n    xs += ['c']\n    del xs[0]", 3),
        ("xs = 'a b c'.split()", 3),
        ("xs = ['a', 'b']\n    for y in ys:\n        xs.append(y)", None),  # in a loop
        ("xs = ['a', 'b']\n    xs.extend(ys)", None),  # unknown length
        ("xs = ['a', 'b']\n    xs[1:1] = ys", None),  # a slice assignment can grow it
        ("xs = list('abcdefghij')", None),
    ],
)
def test_max_length_of_a_list(body: str, length: int | None) -> None:
    context = context_for(f"def f(ys):\n    {body}\n    return [xs.index(y) for y in ys]\n")
    variable = known_list(context, receiver(lookup(context)))
    assert variable is not None
    assert max_length(context, variable) == length
    assert is_small_fixed_list(context, variable, SMALL_LIST) is (length is not None)


def test_precheck_twin_is_a_superset() -> None:
    source = textwrap.dedent(
        """
        def f(text: str, words: list[str], other, ys):
            a = [text.index(y) for y in ys]
            b = [words.index(y) for y in ys]
            c = [other.index(y) for y in ys]
            return words.index(ys[0])
        """
    )
    facts = ModuleFacts(ast.parse(source), source)
    found = [ast.unparse(call) for call in list_method_calls_ast(facts, "index")]
    assert found == ["words.index(y)"]
    name = next(n for n in facts.nodes(ast.Name) if n.id == "words" and isinstance(n.ctx, ast.Load))
    assert maybe_list_ast(facts, name.id, name)


# -- one index for consecutive loops ------------------------------------------------------------


def _fixed_with(code_text: str, code: str) -> tuple[str, list[object]]:
    settings = settings_from_table({"select": [code]}, None, Path.cwd())
    report = api.check_source(code_text, "example.py", settings)
    fixed = api.fix_source(code_text, "example.py", settings, unsafe=True)
    assert not fixed.errors
    return (fixed.fixed or fixed.original).text, [d.fix for d in report.diagnostics]  # type: ignore[union-attr]


def test_consecutive_loops_share_an_identical_index() -> None:
    source = textwrap.dedent(
        """\
        def f(raw, xs, ys, failed):
            keys = list(raw)
            for x in xs:
                if x not in keys:
                    failed.append(x)
            failed.sort()
            for y in ys:
                if y in keys:
                    print(y)
        """
    )
    result, fixes = _fixed_with(source, "PCM204")
    assert result.count("set(keys)") == 1
    assert "keys_set_1" not in result
    assert result.count("in keys_set") == 2
    # Both diagnostics carry the one fix that defines the set and rewrites both loops: applied
    # alone (one diagnostic at a time, as an editor does), it never leaves `keys_set` undefined.
    assert len(fixes) == 2 and fixes[0] == fixes[1]


@pytest.mark.parametrize(
    ("between", "second_loop_test"),
    [
        ("keys.append(0)", "if y in keys_set_1:"),  # the list changes between the loops
        ("keys = list(raw)", "if y in keys_set_1:"),  # rebound
        ("if raw:\n        failed.append(keys)", "if y in keys:"),  # escapes: not hoisted
    ],
)
def test_no_shared_index_when_something_changes_between(
    between: str, second_loop_test: str
) -> None:
    source = (
        "def f(raw, xs, ys, failed):\n"
        "    keys = list(raw)\n"
        "    for x in xs:\n"
        "        if x not in keys:\n"
        "            failed.append(x)\n"
        f"    {between}\n"
        "    for y in ys:\n"
        "        if y in keys:\n"
        "            print(y)\n"
    )
    result, _ = _fixed_with(source, "PCM204")
    assert "if x not in keys_set:" in result
    assert second_loop_test in result
