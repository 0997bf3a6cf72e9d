"""The purity analysis (``analysis/purity.py``): proven, conservative, interprocedural."""

from __future__ import annotations

import ast
import textwrap

import pytest

from perfcodemod.analysis import purity_data as data
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.purity import Purity, purity


def analyse(code: str, **options: object) -> tuple[Purity, dict[str, ast.FunctionDef]]:
    code = textwrap.dedent(code)
    facts = ModuleFacts(ast.parse(code), code)
    functions = {f.name: f for f in facts.nodes(ast.FunctionDef, ast.AsyncFunctionDef)}
    table = {k.replace("_", "-"): v for k, v in options.items()}
    return purity(facts, table), functions  # type: ignore[return-value]


def pure(code: str, name: str, **options: object) -> bool:
    analysis, functions = analyse(code, **options)
    return analysis.is_pure(functions[name])


def effects(code: str, name: str, **options: object) -> list[tuple[str, str]]:
    analysis, functions = analyse(code, **options)
    return [(r.effect, r.what) for r in analysis.reads(functions[name])]


# -- pure and impure on their own -----------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("return n if n < 2 else f(n - 1) + f(n - 2)", id="recursion"),
        pytest.param("return sorted(str(n), key=lambda c: -ord(c))", id="pure-higher-order"),
        pytest.param(
            "table = [[0] * n for _ in range(n)]\ntable[0][0] = 1\nreturn table[0][0]",
            id="own-table",
        ),
        pytest.param(
            "out = []\nfor i in range(n):\n    out.append(i)\nreturn len(out)", id="own-list"
        ),
        pytest.param("return math.comb(n, 2) + math.pi", id="math"),
        pytest.param(
            "import hashlib\nreturn hashlib.sha256(str(n).encode()).hexdigest()", id="hash-object"
        ),
        pytest.param("if n < 0:\n    raise ValueError('negative')\nreturn n", id="raise"),
        pytest.param("return LIMITS[0] + TABLE.get(n, 0)", id="module-constants"),
        pytest.param("return random.Random(n).random()", id="seeded-random"),
    ],
)
def test_pure_functions(body: str) -> None:
    code = "import math\nimport random\nLIMITS = (1, 2)\nTABLE = {1: 2}\n\ndef f(n):\n"
    code += textwrap.indent(body, "    ") + "\n"
    analysis, functions = analyse(code)
    assert analysis.is_pure(functions["f"]), analysis.impurity(functions["f"])


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param("print(n)\nreturn n", "`print()`", id="print"),
        pytest.param("global COUNT\nCOUNT += 1\nreturn n", "global COUNT", id="global"),
        pytest.param("n.append(1)\nreturn n", "`.append()` on `n`", id="mutates-parameter"),
        pytest.param(
            "rows = [n]\nrows[0].append(1)\nreturn rows", "`.append()` on `rows[0]`",
            id="mutates-element",
        ),
        pytest.param("n.x = 1\nreturn n", "changes `n.x`", id="attribute-store"),
        pytest.param("return n.value", "attribute `.value`", id="attribute-read"),
        pytest.param("return helper_from_elsewhere(n)", "helper_from_elsewhere", id="unknown-call"),
        pytest.param("return n()", "the parameter `n`", id="calls-parameter"),
        pytest.param(
            "return sorted(n, key=n.get)", "a function it cannot see", id="unknown-key-function"
        ),
        pytest.param("return REGISTRY.get(n)", "REGISTRY", id="mutated-module-state"),
        pytest.param("yield n", "generator", id="generator"),
        pytest.param("with n:\n    return 1", "context manager", id="context-manager"),
    ],
)
def test_impure_functions(body: str, reason: str) -> None:
    code = (
        "COUNT = 0\nREGISTRY = {}\n\ndef register(k):\n    REGISTRY[k] = 1\n\n"
        "def f(n):\n" + textwrap.indent(body, "    ") + "\n"
    )
    analysis, functions = analyse(code)
    assert not analysis.is_pure(functions["f"])
    assert reason in (analysis.impurity(functions["f"]) or "")


def test_async_functions_are_not_pure() -> None:
    assert not pure("async def f(n):\n    return n\n", "f")


# -- interprocedural: a fixpoint over the module's functions ---------------------------------------


def test_impurity_propagates_along_calls_with_the_path() -> None:
    code = """
        def a(n):
            return b(n) + 1
        def b(n):
            return c(n) * 2
        def c(n):
            print(n)
            return n
        """
    analysis, functions = analyse(code)
    assert not analysis.is_pure(functions["a"])
    assert analysis.impurity(functions["a"]) == (
        "it calls `print()`, which is not known to be pure (line 7, via `b()` -> `c()`)"
    )


def test_mutual_recursion_stays_pure() -> None:
    code = """
        def even(n):
            return True if n == 0 else odd(n - 1)
        def odd(n):
            return False if n == 0 else even(n - 1)
        """
    assert pure(code, "even") and pure(code, "odd")


def test_nested_functions_and_closures() -> None:
    code = """
        def solve(a: str, b: str) -> int:
            def d(i, j):
                if not i or not j:
                    return i + j
                return min(d(i - 1, j), d(i, j - 1)) + (a[i - 1] != b[j - 1])
            return d(len(a), len(b))

        def stale():
            factor = 2
            def scale(x):
                return x * factor
            first = scale(1)
            factor = 3
            return first

        def mutated(xs):
            def total(i):
                return xs[i] + (total(i - 1) if i else 0)
            xs.append(1)
            return total(len(xs) - 1)
        """
    analysis, functions = analyse(code)
    assert analysis.is_pure(functions["d"]) and analysis.is_pure(functions["solve"])
    assert not analysis.is_pure(functions["scale"])
    assert [r.effect for r in analysis.reads(functions["scale"])] == ["enclosing-state"]
    assert not analysis.is_pure(functions["total"])


def test_enclosing_variables_count_only_changes_after_the_definition() -> None:
    # networkx's lukes_partitioning: `safe_G` and `edge_weight` are assigned on exclusive
    # branches before the cached closures exist; they see one value for good.
    code = """
        def settled(G, edge_weight=None, flag=False):
            if flag:
                safe_G = dict(G)
                edge_weight = "w"
            else:
                safe_G = G
            table = {}
            table["a"] = 1
            def value(cluster):
                return sum(safe_G[e][edge_weight] for e in cluster) + table["a"]
            return value

        def rebound_later():
            factor = 2
            def scale(x):
                return x * factor
            factor = 3
            return scale

        def mutated_later():
            table = {}
            def get(k):
                return table.get(k)
            table["a"] = 1
            return get

        def rebound_by_a_helper():
            seen = []
            def add(x):
                seen.append(x)
            def count(x):
                return len(seen) + x
            return add, count

        def rebound_in_a_loop(xs):
            out = []
            for x in xs:
                if x:
                    factor = x
                else:
                    factor = 0
                def scale_each(y):
                    return y * factor
                out.append(scale_each)
            return out
        """
    analysis, functions = analyse(code)
    assert analysis.reads(functions["value"]) == []
    assert not analysis.is_pure(functions["value"])  # still not proven: only not stale
    for name, detail in [
        ("scale", "assigned again at line"),
        ("get", "after `get` is defined"),
        ("count", "changed at line"),
    ]:
        reads = analysis.reads(functions[name])
        assert [r.effect for r in reads] == ["enclosing-state"], name
        assert detail in reads[0].detail, (name, reads[0].detail)
    # A loop around both the assignments and the definition runs them again afterwards.
    assert [r.effect for r in analysis.reads(functions["scale_each"])] == ["enclosing-state"]


# -- names are resolved: an alias of the clock is the clock ------------------------------------


@pytest.mark.parametrize(
    ("imports", "call", "effect"),
    [
        ("import time", "time.time()", ("clock", "time.time()")),
        ("import time as t", "t.monotonic()", ("clock", "time.monotonic()")),
        ("from time import time as now", "now()", ("clock", "time.time()")),
        ("import time\nclock = time.perf_counter", "clock()", ("clock", "time.perf_counter()")),
        ("from datetime import datetime", "datetime.now()", ("clock", "datetime.datetime.now()")),
        ("import random", "random.choice('ab')", ("random", "random.choice()")),
        ("import os", "os.environ['HOME']", ("environment", "os.environ")),
        ("import os", "os.getenv('HOME')", ("environment", "os.getenv()")),
        ("", "open(n).read()", ("file", "open()")),
        ("from pathlib import Path", "Path(n).read_text()", ("file", ".read_text()")),
        ("import subprocess", "subprocess.run(n)", ("process", "subprocess.run()")),
    ],
)
def test_outside_reads_are_found_through_aliases(
    imports: str, call: str, effect: tuple[str, str]
) -> None:
    code = f"{imports}\n\ndef f(n):\n    return {call}\n"
    assert effects(code, "f") == [effect]
    assert not pure(code, "f")


def test_local_import_and_local_alias() -> None:
    code = "def f():\n    import time\n    stamp = time.time\n    return stamp()\n"
    assert effects(code, "f") == [("clock", "time.time()")]


def test_reads_follow_calls_of_the_module() -> None:
    code = (
        "import random\n\ndef jitter():\n    return random.random()\n\n"
        "def f(n):\n    return n + jitter()\n"
    )
    analysis, functions = analyse(code)
    (read,) = analysis.reads(functions["f"])
    assert read.via == ("jitter",) and read.describe() == (
        "uses randomness: `random.random()` at line 4 (via `jitter()`)"
    )


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(
            "def open(x):\n    return x\n\ndef f(n):\n    return open(n)\n", id="shadowed-open"
        ),
        pytest.param(
            "import time\n\ndef f(n):\n    return time.localtime(n)\n", id="localtime-of-a-value"
        ),
        pytest.param(
            "import random\n\ndef f(n):\n    return random.Random(n).random()\n", id="seeded"
        ),
        # Impure, but not what makes a cache stale.
        pytest.param("import sys\n\ndef f(n):\n    return sys.argv[n]\n", id="argv"),
        pytest.param("import sys\n\ndef f(n):\n    return sys.stdin.read(n)\n", id="stdin"),
        pytest.param("import os\n\ndef f(n):\n    return os.path.abspath(n)\n", id="abspath"),
        pytest.param(
            "from importlib import resources\n\ndef f(n):\n    return resources.files(n)\n",
            id="package-data",
        ),
    ],
)
def test_not_outside_reads(code: str) -> None:
    assert effects(code, "f") == []


def test_module_state_changed_only_at_import_time_is_not_a_run_time_read() -> None:
    code = "TABLE = {}\nTABLE['a'] = 1\n\ndef f(k):\n    return TABLE.get(k)\n"
    assert effects(code, "f") == []
    assert not pure(code, "f")  # still not proven constant


# -- the data and its extension ----------------------------------------------------------------


def test_extra_pure_functions_make_a_function_provably_pure() -> None:
    code = "from mylib import weight\n\ndef f(n):\n    return weight(n)\n"
    assert not pure(code, "f")
    assert pure(code, "f", extra_pure_functions=("mylib.weight",))
    assert pure(code, "f", extra_pure_functions=("mylib.*",))


def test_extra_impure_functions_are_outside_reads() -> None:
    code = "import math\nfrom myapp import db\n\ndef f(n):\n    return db.query(n)\n"
    found = effects(code, "f", extra_impure_functions=("myapp.db.query",))
    assert found == [("configured", "myapp.db.query()")]
    code = "import math\n\ndef f(n):\n    return math.sqrt(n)\n"
    assert pure(code, "f")
    assert not pure(code, "f", extra_impure_functions=("math.sqrt",))


def test_the_lists_do_not_contradict_each_other() -> None:
    analysis, _ = analyse("")
    for name in data.NONDETERMINISTIC:
        if not name.endswith(".*"):
            assert not analysis.is_pure_qualified(name), name
    for name in data.IMPURE | data.IMPURE_IN_PURE_MODULES:
        if not name.endswith(".*"):
            assert not analysis.is_pure_qualified(name), name
    for name in data.PURE_STDLIB:
        if not name.endswith(".*"):
            assert analysis.is_pure_qualified(name), name
            assert "." in name


# -- fresh mutable results (PCM415) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("return [n]", "list"),
        ("return {n: 1}", "dict"),
        ("out = []\nout.append(n)\nreturn out", "list"),
        ("return sorted(n)", "list"),
        ("return json.loads(n)", "object from json.loads"),
        ("return helper(n)", "set from `helper()`"),
        ("return n.split() if n else ()", "list"),
        ("return (n,)", None),
        ("return tuple(sorted(n))", None),
        ("make = lambda: [n]\nreturn len(make())", None),
    ],
)
def test_fresh_mutable_returns(body: str, kind: str | None) -> None:
    code = "import json\n\ndef helper(n):\n    return set(n)\n\ndef f(n):\n"
    code += textwrap.indent(body, "    ") + "\n"
    analysis, functions = analyse(code)
    found = analysis.fresh_mutable_return(functions["f"])
    assert (found[1] if found else None) == kind
