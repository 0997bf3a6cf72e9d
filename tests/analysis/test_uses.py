"""analysis/uses.py: what each occurrence of a name does."""

from __future__ import annotations

import libcst as cst
import pytest

from perfcodemod.analysis.uses import (
    Use,
    builtin_visible_at,
    classify_use,
    is_membership_container,
    membership_needle,
    name_occurrences,
)

from .helpers import code, context_for, find, name_nodes

CASES = [
    # (statement using L, expected use of the last occurrence of L)
    ("x in L", Use.READ),
    ("x not in L", Use.READ),
    ("for v in L: pass", Use.READ),
    ("[v for v in L]", Use.READ),
    ("len(L)", Use.READ),
    ("sorted(L)", Use.READ),
    ("set(L)", Use.READ),
    ("any(L)", Use.READ),
    ("print(L)", Use.READ),
    ("', '.join(L)", Use.READ),
    ("L[0]", Use.READ),
    ("L[1:]", Use.READ),
    ("L.index(1)", Use.READ),
    ("L.count(1)", Use.READ),
    ("L + [1]", Use.READ),
    ("not L", Use.READ),
    ("if L: pass", Use.READ),
    ("f'{L}'", Use.READ),
    ("[*L]", Use.READ),
    ("f(*L)", Use.READ),
    ("L == M", Use.READ),
    ("L.append(1)", Use.MUTATE),
    ("L.extend(M)", Use.MUTATE),
    ("L.sort()", Use.MUTATE),
    ("L.pop()", Use.MUTATE),
    ("L[0] = 1", Use.MUTATE),
    ("a, L[0] = 1, 2", Use.MUTATE),
    ("L[:] = []", Use.MUTATE),
    ("del L[0]", Use.MUTATE),
    ("L[0] += 1", Use.MUTATE),
    ("L = []", Use.REBIND),
    ("a, L = 1, 2", Use.REBIND),
    ("[a, *L] = M", Use.REBIND),
    ("L += [1]", Use.REBIND),
    ("L: list = []", Use.REBIND),
    ("for L in M: pass", Use.REBIND),
    ("[v for L in M]", Use.REBIND),
    ("del L", Use.REBIND),
    ("(L := [])", Use.REBIND),
    ("import L", Use.REBIND),
    ("from m import L", Use.REBIND),
    ("import m as L", Use.REBIND),
    ("with f() as L: pass", Use.REBIND),
    ("def L(): pass", Use.REBIND),
    ("class L: pass", Use.REBIND),
    ("global L", Use.REBIND),
    ("M = L", Use.ESCAPE),
    ("self.items = L", Use.ESCAPE),
    ("d[k] = L", Use.ESCAPE),
    ("f(L)", Use.ESCAPE),
    ("f(key=L)", Use.ESCAPE),
    ("obj.method(L)", Use.ESCAPE),
    ("[L]", Use.ESCAPE),
    ("(L, 1)", Use.ESCAPE),
    ("{'k': L}", Use.ESCAPE),
    ("L.frobnicate()", Use.ESCAPE),
    ("m = L.append", Use.ESCAPE),
    ("a = L or []", Use.ESCAPE),
    ("a = L if c else M", Use.ESCAPE),
    ("d[L]", Use.ESCAPE),
    ("L()", Use.ESCAPE),
]


@pytest.mark.parametrize(("statement", "expected"), CASES, ids=[c[0] for c in CASES])
def test_classify_use(statement: str, expected: Use) -> None:
    context = context_for(f"def g(L, M, f, d, k, c, self, obj):\n    {statement}\n")
    occurrence = list(name_occurrences(find(context, cst.IndentedBlock), "L"))
    assert occurrence, statement
    assert classify_use(context, occurrence[0]) is expected


def test_shadowed_builtin_argument_escapes() -> None:
    context = context_for("def g(L, sorted):\n    sorted(L)\n")
    assert classify_use(context, name_nodes(context, "L")[-1]) is Use.ESCAPE


def test_occurrences_leave_out_attributes_and_keywords() -> None:
    context = context_for("def g(obj, f):\n    obj.L = 1\n    f(L=2)\n    return L\n")
    found = list(name_occurrences(context.module, "L"))
    assert [code(context, context.parent(n)) for n in found] == ["return L"]


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("D.get(1)", Use.ESCAPE),  # not a list method: it might do anything
        ("D.update(x)", Use.MUTATE),
        ("D.setdefault(1, [])", Use.MUTATE),
        ("D.popitem()", Use.MUTATE),
        ("D.add(x)", Use.MUTATE),
        ("D.discard(x)", Use.MUTATE),
        ("D.difference_update(x)", Use.MUTATE),
        ("D.popleft()", Use.MUTATE),
        ("D.appendleft(x)", Use.MUTATE),
        ("D.move_to_end(x)", Use.MUTATE),
        ("D.index(x)", Use.READ),
    ],
)
def test_container_mutators_mutate(statement: str, expected: Use) -> None:
    """One table of methods (``analysis/methods.py``): the mutators of dicts, sets and deques
    change the object like a list's do, instead of letting it escape."""
    context = context_for(f"def g(D, x):\n    {statement}\n")
    occurrence = name_nodes(context, "D")[-1]
    assert classify_use(context, occurrence) is expected


@pytest.mark.parametrize(
    ("expression", "container", "needle"),
    [
        ("x in L", True, "x"),
        ("x.y not in L", True, "x.y"),
        ("a < x in L", True, "x"),
        ("x in L == M", False, None),
        ("L in x", False, None),
        ("x == L", False, None),
    ],
)
def test_membership_container(expression: str, container: bool, needle: str | None) -> None:
    context = context_for(f"def g(x, L, M, a):\n    return {expression}\n")
    occurrence = name_nodes(context, "L")[-1]
    assert is_membership_container(context, occurrence) is container
    if container:
        found = membership_needle(context, occurrence)
        assert found is not None and code(context, found) == needle


@pytest.mark.parametrize(
    ("source", "visible"),
    [
        ("def g(x):\n    return x\n", True),
        ("def g(set):\n    return set\n", False),
        ("set = frozenset\ndef g(x):\n    return x\n", False),
        ("def h():\n    set = 1\ndef g(x):\n    return x\n", True),
        ("def g(x):\n    def h(set):\n        pass\n    return x\n", False),
    ],
)
def test_builtin_visible_at(source: str, visible: bool) -> None:
    context = context_for(source)
    function = [f for f in _functions(context) if f.name.value == "g"][0]
    statement = function.body.body[-1]
    assert builtin_visible_at(context, "set", statement) is visible


def _functions(context):  # type: ignore[no-untyped-def]
    from .helpers import find_all

    return find_all(context, cst.FunctionDef)
