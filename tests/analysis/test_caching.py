"""What the caching rules share (``analysis/caching.py``): cache decorators in every import form,
roles, self-recursion, version parameters, hashability of parameters."""

from __future__ import annotations

import ast
import textwrap

import pytest

from perfcodemod.analysis.astscope import scopes
from perfcodemod.analysis.caching import (
    annotation_types,
    cache_decorators,
    called_repeatedly,
    checks_one_character,
    one_character,
    parameter_use,
    recursion,
    repeated_arguments,
    result_uses,
    role,
    text_kind,
    unhashable_parameter,
    version_parameter,
)
from perfcodemod.analysis.facts import ModuleFacts

from ..conftest import needs_310


def functions(code: str) -> tuple[ModuleFacts, dict[str, ast.FunctionDef]]:
    code = textwrap.dedent(code)
    facts = ModuleFacts(ast.parse(code), code)
    found = {f.name: f for f in facts.nodes(ast.FunctionDef, ast.AsyncFunctionDef)}
    return facts, found  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("imports", "decorator", "function", "unbounded"),
    [
        ("import functools", "@functools.cache", "functools.cache", True),
        ("import functools", "@functools.lru_cache", "functools.lru_cache", False),
        ("import functools", "@functools.lru_cache()", "functools.lru_cache", False),
        ("import functools", "@functools.lru_cache(None)", "functools.lru_cache", True),
        ("import functools", "@functools.lru_cache(maxsize=None)", "functools.lru_cache", True),
        (
            "import functools", "@functools.lru_cache(maxsize=32, typed=True)",
            "functools.lru_cache", False,
        ),
        ("import functools", "@functools.lru_cache(maxsize=SIZE)", "functools.lru_cache", False),
        ("import functools as ft", "@ft.cache", "functools.cache", True),
        ("from functools import cache", "@cache", "functools.cache", True),
        ("from functools import cache as memo", "@memo", "functools.cache", True),
        ("from functools import lru_cache as memo", "@memo(1000)", "functools.lru_cache", False),
        ("import functools\nmemo = functools.cache", "@memo", "functools.cache", True),
    ],
)
def test_cache_decorators_in_every_import_form(
    imports: str, decorator: str, function: str, unbounded: bool
) -> None:
    facts, found = functions(f"{imports}\nSIZE = 8\n\n{decorator}\ndef f(x):\n    return x\n")
    (described,) = cache_decorators(found["f"], facts)
    assert (described.function, described.unbounded) == (function, unbounded)


@pytest.mark.parametrize(
    "code",
    [
        "from mylib import cache\n\n@cache\ndef f(x):\n    return x\n",
        "import functools\n\n@functools.wraps(len)\ndef f(x):\n    return x\n",
        "from functools import cache\ncache = None\n\n@cache\ndef f(x):\n    return x\n",
        "def f(x):\n    return x\n",
    ],
)
def test_not_cache_decorators(code: str) -> None:
    facts, found = functions(code)
    assert cache_decorators(found["f"], facts) == []


def test_roles_and_decorator_stacks() -> None:
    facts, found = functions(
        """
        import functools

        def module_function():
            def nested():
                pass

        class C:
            def method(self):
                pass

            @staticmethod
            @functools.cache
            def static():
                pass

            @classmethod
            @functools.cache
            def klass(cls):
                pass

            @property
            @functools.cache
            def prop(self):
                pass

            if True:
                def conditional(self):
                    pass
        """
    )
    assert {name: role(f, facts) for name, f in found.items()} == {
        "module_function": "module",
        "nested": "nested",
        "method": "method",
        "static": "staticmethod",
        "klass": "classmethod",
        "prop": "property",
        "conditional": "method",
    }
    assert all(cache_decorators(found[name], facts) for name in ("static", "klass", "prop"))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("return f(n - 1) + f(n - 2)", "overlapping"),
        ("return sum(f(k) for k in range(n))", "overlapping"),
        ("total = 0\nfor k in range(n):\n    total += f(k)\nreturn total", "overlapping"),
        ("return n * f(n - 1)", "linear"),
        ("if n > 1:\n    return f(n - 1)\nreturn f(n - 2)", "linear"),
        ("return f(n - 1) if n % 2 else f(n - 2)", "linear"),
        ("if n > 1:\n    x = f(n - 1)\nreturn x + f(n - 2)", "overlapping"),
        pytest.param(
            "match n:\n    case 0:\n        return f(1)\n    case _:\n        return f(2)",
            "linear",
            marks=needs_310,
        ),
        ("return all(f(c) for c in n) if len(n) > 1 else n == 'a'", "structural"),
        ("mid = n // 2\nreturn f(mid) + f(n - mid)", "divide"),
        ("return n", None),
        ("def g(k):\n    return f(k) + f(k)\nreturn g(n)", None),
    ],
)
def test_recursion_kind(body: str, expected: str | None) -> None:
    facts, found = functions("def f(n):\n" + textwrap.indent(body, "    ") + "\n")
    assert recursion(found["f"], facts) == expected


def test_a_shadowed_name_is_not_self_recursion() -> None:
    facts, found = functions("def f(n, f=len):\n    return f(n) + f(n)\n")
    assert recursion(found["f"], facts) is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ("file_path, file_hash", "file_hash"),
        ("path, mtime", "mtime"),
        ("url, etag", "etag"),
        ("name, schema_version", "schema_version"),
        ("path, content_sha", "content_sha"),
        ("path, rev", "rev"),
        ("path, last_modified", "last_modified"),
        ("path, reverse", None),
        ("path, mode", None),
    ],
)
def test_version_parameters(params: str, expected: str | None) -> None:
    _, found = functions(f"def f({params}):\n    pass\n")
    assert version_parameter(found["f"]) == expected


def test_version_parameters_from_the_option() -> None:
    _, found = functions("def f(path, serial):\n    pass\n")
    assert version_parameter(found["f"], ["ser*"]) == "serial"


@pytest.mark.parametrize(
    ("annotation", "types"),
    [
        ("list[int]", ["list"]),
        ("Optional[Dict[str, int]]", ["Dict", "None"]),
        ("'set[str] | None'", ["set", "None"]),
        ("Annotated[tuple[int, ...], 'x']", ["tuple"]),
        ("np.ndarray", ["ndarray"]),
    ],
)
def test_annotation_types(annotation: str, types: list[str]) -> None:
    assert annotation_types(ast.parse(annotation, mode="eval").body) == types


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("def f(n):\n    return n + f(n - 1) + f(n - 2)\n", None),
        ("def f(s: str, i):\n    return s[i] + f(s, i + 1) + f(s, i + 2)\n", None),
        ("def f(s, i):\n    return s[i] + f(s, i + 1)\n", "may be a list"),
        ("def f(s, i):\n    return s[i] + f(s, i + 1)\n\nf('abc', 0)\n", None),
        ("def f(s, i):\n    return s[i] + f(s, i + 1)\n\nf(['a'], 0)\n", "may pass an unhashable"),
        ("def f(xs: list[int]):\n    return xs\n", "annotated as an unhashable"),
        ("def f(xs=[]):\n    return xs\n", "defaults to an unhashable"),
    ],
)
def test_unhashable_parameter(code: str, expected: str | None) -> None:
    facts, found = functions(code)
    why = unhashable_parameter(found["f"], facts)
    assert (why is None) if expected is None else (expected in (why or ""))


def test_parameter_use() -> None:
    facts, found = functions(
        "import math\n\ndef f(n, s, k):\n"
        "    return math.sqrt(n) + len(s) + k * 2 + f(n - 1, s, k)\n"
    )
    assert [parameter_use(found["f"], p, facts) for p in ("n", "s", "k")] == [
        "scalar", "container", "scalar",
    ]


def test_called_repeatedly() -> None:
    facts, found = functions(
        "def once(x):\n    return x\n\ndef twice(x):\n    return x\n\ndef looped(x):\n"
        "    return x\n\ndef distinct(x):\n    return x\n\ndef moved(x):\n    return x\n\n"
        "once(1)\ntwice(1)\ntwice(int('1'))\nfor w in words:\n    looped(w)\n"
        "for i in range(3):\n    distinct(i)\nfor k, v in table.items():\n    distinct(-k)\n"
        "pos = 0\nwhile pos < 9:\n    pos += 1\n    moved(pos)\n"
    )
    assert called_repeatedly(found["once"], facts) is None
    assert called_repeatedly(found["twice"], facts) == "from 2 places"
    assert called_repeatedly(found["looped"], facts) == "in a loop at line 20"
    # Each iteration passes a value no other passes (and `i` and `-k` may meet: two places).
    assert called_repeatedly(found["distinct"], facts) == "from 2 places"
    assert called_repeatedly(found["moved"], facts) is None


def test_calls_with_different_constants_never_share_an_entry() -> None:
    facts, found = functions(
        "def quote(s, tcsh=False):\n    return s\n\n"
        "a = quote(x, tcsh=True)\nb = quote(x, tcsh=False)\nc = quote(x, True)\n"
    )
    # The first and the third pass True for `tcsh`: they may share an entry.
    assert called_repeatedly(found["quote"], facts) == "from 2 places"
    facts, found = functions(
        "def quote(s, tcsh=False):\n    return s\n\n"
        "a = quote(x, tcsh=True)\nb = quote(x, tcsh=False)\n"
    )
    assert called_repeatedly(found["quote"], facts) is None


def _value_of(code: str, name: str = "TARGET") -> tuple[ModuleFacts, ast.expr]:
    """The argument of the call ``TARGET(...)`` in ``code``."""
    facts, _ = functions(code)
    call = next(
        c for c in facts.nodes(ast.Call) if isinstance(c.func, ast.Name) and c.func.id == name
    )
    return facts, call.args[0]


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("def f(s: str):\n    TARGET(s)\n", "str"),
        ("def f(s: str):\n    TARGET(s[1:].lower())\n", "str"),
        ("def f(b: bytes):\n    t = b.decode()\n    TARGET(t + 'x')\n", "str"),
        ("def f(s: bytes):\n    TARGET(s[:3])\n", "bytes"),
        ("TARGET(f'{1}')\n", "str"),
        ("def f(s):\n    TARGET(s)\n", None),
        ("def f(s: list):\n    TARGET(s[1:])\n", None),
        ("def f(s: str):\n    s = g(s)\n    TARGET(s)\n", None),
        ("def f(s: str, t: bytes):\n    TARGET(s + t)\n", None),
    ],
)
def test_text_kind(code: str, kind: str | None) -> None:
    facts, value = _value_of(code)
    assert text_kind(value, scopes(facts).scope_at(value), facts) == kind


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("def f(s: str):\n    for c in s:\n        TARGET(c)\n", True),
        ("def f(s: str):\n    return [TARGET(c) for c in s[2:]]\n", True),
        ("def f(s: str, i: int):\n    TARGET(s[i])\n", True),
        ("def f(n: int):\n    TARGET(chr(n))\n", True),
        ("def f(b: bytes):\n    return [TARGET(x) for x in b]\n", True),
        ("def f(s: str):\n    for c in s:\n        c = c + c\n        TARGET(c)\n", False),
        ("def f(s: str):\n    for w in s.split():\n        TARGET(w)\n", False),
        ("def f(xs):\n    for c in xs:\n        TARGET(c)\n", False),
        ("def f(s: str):\n    return [TARGET(c) for i, c in enumerate(s)]\n", False),
    ],
)
def test_one_character(code: str, expected: bool) -> None:
    facts, value = _value_of(code)
    assert one_character(value, scopes(facts).scope_at(value), facts) is expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("    if len(c) != 1:\n        raise ValueError(c)\n    return c\n", True),
        ("    if not c or len(c) > 1:\n        raise ValueError(c)\n    return c\n", True),
        ("    n = ord(c) * 2\n    return n\n", True),
        ("    if not isinstance(c, str):\n        raise TypeError\n"
         "    if len(c) != 1:\n        raise ValueError\n    return c\n", True),
        # Something returns before the check; the check does not raise; `ord` may not run.
        ("    if c == '':\n        return c\n    if len(c) != 1:\n        raise ValueError\n"
         "    return c\n", False),
        ("    if len(c) != 1:\n        print(c)\n    return c\n", False),
        ("    n = ord(c) if c else 0\n    return n\n", False),
        ("    if len(c) == 1:\n        raise ValueError\n    return c\n", False),
    ],
)
def test_checks_one_character(body: str, expected: bool) -> None:
    _, found = functions("def f(c):\n" + body)
    assert checks_one_character(found["f"], "c") is expected


def test_repeated_arguments() -> None:
    facts, found = functions(
        "SIZE = 8\n\n"
        "def table(n):\n    return n\n\ndef lookup(k):\n    return table(SIZE) + k\n\n"
        "def width(c, n=1):\n    return c\n\n"
        "def line(text: str, tab: int):\n    return [width(c, tab) for c in text]\n\n"
        "def score(w):\n    return w\n\ndef total(words):\n    return [score(w) for w in words]\n\n"
        "def hoisted(n):\n    return n\n\ndef each(xs):\n    return [hoisted(3) for x in xs]\n\n"
        "def once(n):\n    return n\n\nONCE = once(3)\n\n"
        "def tested(n):\n    return n\n\ndef test_it():\n    assert tested(3) == 3\n\n"
        "def moving(c, n):\n    return c\n\n"
        "def moved(text: str):\n    return [moving(c, i) for i, c in enumerate(text)]\n"
    )
    assert repeated_arguments(found["table"], facts) == (
        "with arguments that take few values at line 7 each time `lookup()` runs"
    )
    assert repeated_arguments(found["width"], facts) == (
        "for each character of a text in the loop at line 13"
    )
    for name in ("score", "hoisted", "once", "tested", "moving"):
        assert repeated_arguments(found[name], facts) is None, name


def test_result_uses() -> None:
    facts, found = functions(
        "def _f(c):\n    return [c]\n\n"
        "def a(s):\n    return any(_f(c) for c in s)\n\n"
        "def b(s):\n    return all(_f(c) for c in s), bool(_f(s))\n\n"
        "def c(s):\n    return [x for x in _f(s)], list(_f(s))\n\n"
        "def d(s):\n    return max(_f(c) for c in s)\n\n"
        "def e(s):\n    _f(s).append(1)\n"
    )
    uses = result_uses(found["_f"], facts)
    assert uses.visible
    assert sorted(uses.read) == [5, 8, 8, 11] and uses.copied == (11,)
    assert uses.escaped == (14,)  # `max` hands one of the lists on
    assert uses.changed == (17,)
