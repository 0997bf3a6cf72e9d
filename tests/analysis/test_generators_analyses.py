"""The analyses behind the generator rules: ``effects``, ``comprehensions`` and ``bindings``."""

from __future__ import annotations

import libcst as cst
import pytest

from perfcodemod.analysis import bindings, comprehensions, consumers, effects, flow, uses
from perfcodemod.analysis.uses import Use

from .helpers import code, context_for, find, find_all, name_nodes

# -- effects ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "free"),
    [
        ("x + 1", True),
        ("a.b[c] > 2", True),
        ("len(x) + int(y)", True),
        ("sorted(xs, key=len)", True),
        ("[str(v) for v in range(3) if isinstance(v, int)]", True),
        ("lambda: f()", True),  # defining a lambda calls nothing
        ("f(x)", False),
        ("x.lower()", False),
        ("sorted(xs, key=f)", False),  # calls f
        ("map(f, xs)", False),
        ("print(x)", False),
        ("(y := 1)", False),
    ],
)
def test_side_effect_free(source: str, free: bool) -> None:
    context = context_for(f"value = {source}\n")
    value = find(context, cst.Assign).value
    assert effects.is_side_effect_free(context, value) is free


@pytest.mark.parametrize(
    ("source", "starts"),
    [
        ("len(x) + 1", False),
        ("line.strip().lower()", False),  # methods that only read
        ("os.path.join(root, x)", False),  # a pure stdlib function
        ("pool.submit(x)", True),
        ("threading.Thread(target=x)", True),
        ("start(x)", True),
        ("cx.execute('select 1')", True),
    ],
)
def test_may_start_work(source: str, starts: bool) -> None:
    context = context_for(f"import os\nimport threading\nvalue = {source}\n")
    value = find(context, cst.Assign).value
    assert effects.may_start_work(context, value) is starts


@pytest.mark.parametrize(
    ("consumer", "busy"),
    [
        ("for y in ys:\n        print(y)", False),
        ("for y in ys:\n        y.join()", True),
        ("return [y.result() for y in ys]", True),
        ("return [y + 1 for y in ys]", False),
        ("return sum(ys)", False),
        ("return sorted(ys, key=len)", False),
        ("return sorted(ys, key=rank)", True),
        ("return list(map(rank, ys))", True),
        ("for i, y in enumerate(ys):\n        print(i, y)", False),
    ],
)
def test_per_element_activity(consumer: str, busy: bool) -> None:
    context = context_for(f"def f(xs, rank):\n    ys = [x for x in xs]\n    {consumer}\n")
    read = name_nodes(context, "ys")[-1]
    found = consumers.single_pass_consumer(context, read)
    assert found is not None
    activity = consumers.per_element_activity(context, found)
    assert (activity is effects.Activity.BUSY) is busy


def test_async_and_shadowed_builtins_have_effects() -> None:
    context = context_for(
        "async def f(xs, len):\n    a = [await g(x) for x in xs]\n    b = len(xs)\n"
    )
    first, second = find_all(context, cst.Assign)
    assert isinstance(effects.first_side_effect(context, first.value), cst.Await)
    assert not effects.is_side_effect_free(context, second.value)  # a parameter named len


@pytest.mark.parametrize(
    ("body", "activity"),
    [
        ("total = 0\nfor v in vs:\n    total += v * 2\n", effects.Activity.QUIET),
        ("for v in vs:\n    print(v, len(v))\n", effects.Activity.PRINTS),
        ("for v in vs:\n    process(v)\n", effects.Activity.BUSY),
        ("for v in vs:\n    v.count = 1\n", effects.Activity.BUSY),
        ("for v in vs:\n    d[v] = 1\n", effects.Activity.BUSY),
        ("with lock:\n    pass\n", effects.Activity.BUSY),
        ("def g():\n    process()\n", effects.Activity.QUIET),  # defined, not called
    ],
)
def test_region_activity(body: str, activity: effects.Activity) -> None:
    context = context_for(body)
    assert effects.region_activity(context, list(context.module.body)) is activity


def test_private_list_methods_are_quiet() -> None:
    context = context_for("out = []\nfor v in vs:\n    out.append(v)\n")
    region = list(context.module.body)
    assert effects.region_activity(context, region) is effects.Activity.BUSY
    quiet = effects.region_activity(context, region, lambda name: name.value == "out")
    assert quiet is effects.Activity.QUIET


# -- comprehensions --------------------------------------------------------------------------


def test_async_comprehensions() -> None:
    context = context_for(
        "async def f(xs):\n"
        "    a = [x async for x in xs]\n"
        "    b = [await x for x in xs]\n"
        "    c = [[await y for y in x] for x in xs]\n"
        "    d = [x for x in xs]\n"
    )
    found = [comprehensions.is_async(a.value) for a in find_all(context, cst.Assign)]
    assert found == [True, True, True, False]


@pytest.mark.parametrize(
    ("setup", "iterable", "reiterable"),
    [
        ("", "[1, 2]", True),
        ("", "range(10)", True),
        ("", "'abc'", True),
        ("xs = [1, 2]\n", "xs", True),
        ("", "enumerate([1, 2])", True),
        ("", "zip(range(3), 'ab')", True),
        ("", "open('f')", False),
        ("", "(x for x in range(3))", False),
        ("", "self.items", False),
        ("xs = iter([1])\n", "xs", False),
    ],
)
def test_reiterable(setup: str, iterable: str, reiterable: bool) -> None:
    context = context_for(f"def f(self):\n    {setup.strip() or 'pass'}\n    value = {iterable}\n")
    value = find_all(context, cst.Assign)[-1].value
    assert comprehensions.is_reiterable(context, value) is reiterable


def test_annotated_parameters_are_reiterable() -> None:
    context = context_for(
        "def f(a: list[int], b: 'Sequence[str]', c, d: Iterator[int]):\n    return a, b, c, d\n"
    )
    names = [name_nodes(context, n)[-1] for n in "abcd"]
    assert [comprehensions.is_reiterable(context, n) for n in names] == [True, True, False, False]


def test_lazy_parts_and_iterated_values() -> None:
    context = context_for("value = [f(x) for x in xs if x for y in g(x) if sum(y)]\n")
    comp = find(context, cst.ListComp)
    parts = [code(context, p) for p in comprehensions.lazy_parts(comp)]
    assert parts == ["x", "g(x)", "sum(y)", "f(x)"]
    assert sorted(code(context, v) for v in comprehensions.iterated_values(context, comp)) == [
        "g(x)", "xs", "y"
    ]


# -- bindings --------------------------------------------------------------------------------


def test_sole_binding_uses() -> None:
    context = context_for(
        "def f(xs):\n"
        "    ys = [x for x in xs]\n"
        "    g = lambda: ys\n"
        "    for y in ys:\n"
        "        pass\n"
        "def h(xs, c):\n"
        "    zs = [x for x in xs]\n"
        "    if c:\n"
        "        del zs\n"
    )
    ys, zs = (name_nodes(context, n)[0] for n in ("ys", "zs"))
    found = bindings.sole_binding_uses(context, ys)
    assert found is not None and len(found[1]) == 2  # the lambda's read is a use too
    assert bindings.sole_binding_uses(context, zs) is None  # `del` is a binding


def test_sole_binding_uses_sees_nonlocal_and_global() -> None:
    context = context_for(
        "def f():\n"
        "    ys = [1]\n"
        "    def g():\n"
        "        nonlocal ys\n"
        "    return ys\n"
        "def h():\n"
        "    global zs\n"
        "    zs = [1]\n"
    )
    assert bindings.sole_binding_uses(context, name_nodes(context, "ys")[0]) is None
    assert bindings.sole_binding_uses(context, name_nodes(context, "zs")[0]) is None


def test_free_names_leave_out_comprehension_variables() -> None:
    context = context_for("value = [x + k for x in xs if len(x) > limit]\n")
    comp = find(context, cst.ListComp)
    free = sorted(n.value for n in bindings.free_names(context, comp))
    assert free == ["k", "len", "limit", "xs"]
    assert [n.value for n in bindings.free_names(context, comp.elt, within=comp)] == ["k"]


def _statement_holding(context, name: str, index: int = 0) -> cst.CSTNode:  # type: ignore[no-untyped-def]
    node = name_nodes(context, name)[index]
    for ancestor in context.ancestors(node):
        if isinstance(ancestor, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return ancestor
    raise AssertionError(name)


def test_path_after_through_if_and_with() -> None:
    context = context_for(
        "def f(c, p):\n"
        "    if c:\n"
        "        ys = [1]\n"
        "    print('between')\n"
        "    for y in ys:\n"
        "        pass\n"
        "    with open(p) as fh:\n"
        "        zs = [1]\n"
        "    sum(zs)\n"
    )
    ys_statement = _statement_holding(context, "ys")
    path = flow.path_after(context, ys_statement, name_nodes(context, "ys")[1])
    assert path is not None
    assert [type(s).__name__ for s in path.region] == ["SimpleStatementLine", "For"]
    assert path.leaves_with_or_try is None
    zs_statement = _statement_holding(context, "zs")
    path = flow.path_after(context, zs_statement, name_nodes(context, "zs")[1])
    assert path is not None and isinstance(path.leaves_with_or_try, cst.With)


def test_path_after_refuses_loops_and_earlier_uses() -> None:
    context = context_for(
        "def f(groups):\n"
        "    for g in groups:\n"
        "        ys = [g]\n"
        "    print(ys)\n"
        "    print(zs)\n"
        "    zs = [1]\n"
    )
    ys_statement = _statement_holding(context, "ys")
    assert flow.path_after(context, ys_statement, name_nodes(context, "ys")[1]) is None
    zs_statement = _statement_holding(context, "zs", 1)
    assert flow.path_after(context, zs_statement, name_nodes(context, "zs")[0]) is None


def test_handlers_around() -> None:
    context = context_for(
        "def f(ys):\n"
        "    try:\n"
        "        a = 1\n"
        "        with lock:\n"
        "            print(ys)\n"
        "    except E:\n"
        "        pass\n"
    )
    use = name_nodes(context, "ys")[1]
    inner = _statement_holding(context, "a")
    assert [type(h).__name__ for h in flow.handlers_around(context, use, inner)] == ["With"]
    outer = find(context, cst.FunctionDef).body.body[0]
    handlers = flow.handlers_around(context, use, outer)
    assert [type(h).__name__ for h in handlers] == ["With", "Try"]


def test_first_change_and_in_place_changes() -> None:
    context = context_for(
        "def f(xs, d, k):\n"
        "    print(xs, k)\n"
        "    xs = []\n"
        "    d.pop(k)\n"
        "    del d[k]\n"
        "    self.items.remove(k)\n"
    )
    body = list(find(context, cst.FunctionDef).body.body)
    change = uses.first_change(context, body, ["xs"])
    assert change is not None and change[1] is Use.REBIND
    assert uses.first_change(context, body, [], in_place=["xs"]) is None  # rebinding only
    assert uses.first_change(context, body[:1], ["k"]) is None
    assert uses.first_change(context, body[:1], ["k"], iteration_changes=["k"]) is not None
    assert len(uses.in_place_changes(context, body, "d")) == 2
    assert len(uses.in_place_changes(context, body, "self.items")) == 1
    assert uses.in_place_changes(context, body, "xs") == []


def test_runs_before_within() -> None:
    context = context_for(
        "def f(c):\n"
        "    if check(c):\n"
        "        prepare()\n"
        "        for y in ys:\n"
        "            pass\n"
    )
    holder = find(context, cst.If)
    loop = find(context, cst.For)
    assert [code(context, n) for n in flow.runs_before_within(context, loop, holder)] == [
        "prepare()", "check(c)"
    ]


# -- StopIteration (PEP 479) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "raiser"),
    [
        ("[x + 1 for x in xs]", None),
        ("[len(x) for x in xs if isinstance(x, str)]", None),
        ("[next(it) for _ in range(3)]", "next(it)"),
        ("[next(it, None) for _ in range(3)]", None),  # a default: never raises
        ("[f(x) for x in xs]", "f(x)"),  # unknown code may call next()
        ("[x.strip() for x in xs]", "x.strip()"),
        ("[x for x in f()]", None),  # the first iterable runs outside the generator
        ("[y for x in xs for y in g(x)]", "g(x)"),  # an inner iterable does not
        ("[sorted(x, key=k) for x in xs]", "sorted(x, key=k)"),
    ],
)
def test_lazy_stop_iteration(source: str, raiser: str | None) -> None:
    context = context_for(f"value = {source}\n")
    comp = find(context, cst.ListComp)
    found = effects.lazy_stop_iteration(context, comp)
    assert (None if found is None else code(context, found)) == raiser


def test_first_lazy_side_effect_skips_the_first_iterable() -> None:
    context = context_for("a = [s.name for s in self.items()]\nb = [s for s in xs if check(s)]\n")
    first, second = find_all(context, cst.ListComp)
    assert code(context, effects.first_side_effect(context, first)) == "self.items()"
    assert effects.first_lazy_side_effect(context, first) is None
    assert code(context, effects.first_lazy_side_effect(context, second)) == "check(s)"


@pytest.mark.parametrize(
    ("source", "part"),
    [
        ("def f(a: list[int], b: list[int]):\n    value = a + b\n", None),
        ("def f(a: list[int]):\n    value = a[1:] * 2\n", None),
        ("def f(a: tuple[int, ...], b):\n    value = zip(a, b)\n", "b"),
        ("def f(a, b: list[int]):\n    value = enumerate(a + b)\n", "a"),
        ("def f(g):\n    value = g()\n", "g()"),
    ],
)
def test_not_reiterable_part_names_the_culprit(source: str, part: str | None) -> None:
    context = context_for(source)
    value = find(context, cst.Assign).value
    found = comprehensions.not_reiterable_part(context, value)
    assert (None if found is None else code(context, found)) == part
