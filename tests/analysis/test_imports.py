"""``analysis/imports.py``: the module's own import style, and imports added once."""

from __future__ import annotations

import ast
import textwrap

import pytest

from perfcodemod import api, registry
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.imports import import_edit, reference
from perfcodemod.fixer import apply_edits
from perfcodemod.rule import ImportRequest

from ..rules.helpers import settings_for


def facts_of(code: str) -> ModuleFacts:
    code = textwrap.dedent(code)
    return ModuleFacts(ast.parse(code), code)


@pytest.mark.parametrize(
    ("code", "expression", "imports"),
    [
        pytest.param("import functools\n", "functools.cache", (), id="module-imported"),
        pytest.param("import functools as ft\n", "ft.cache", (), id="module-alias"),
        pytest.param("from functools import cache\n", "cache", (), id="name-imported"),
        pytest.param("from functools import cache as memo\n", "memo", (), id="name-alias"),
        pytest.param(
            "from functools import lru_cache\n", "cache", (ImportRequest("functools", "cache"),),
            id="from-style-of-the-module",
        ),
        pytest.param(
            "from os import path\nfrom sys import argv\n", "cache",
            (ImportRequest("functools", "cache"),), id="mostly-from-imports",
        ),
        pytest.param(
            "import os\nimport sys\n", "functools.cache", (ImportRequest("functools"),),
            id="mostly-plain-imports",
        ),
        pytest.param("", "functools.cache", (ImportRequest("functools"),), id="no-imports"),
        pytest.param(
            "from os import path\ncache = {}\n", "functools.cache", (ImportRequest("functools"),),
            id="cache-is-taken",
        ),
        pytest.param(
            "import functools\nfunctools = None\n", "cache", (ImportRequest("functools", "cache"),),
            id="module-name-rebound",
        ),
    ],
)
def test_reference_in_the_module_style(
    code: str, expression: str, imports: tuple[ImportRequest, ...]
) -> None:
    found = reference(facts_of(code), "functools", "cache", 100)
    assert found is not None
    assert (found.expression, found.imports) == (expression, imports)


def test_no_reference_when_every_spelling_collides() -> None:
    facts = facts_of("def f():\n    cache = functools = 1\n")
    assert reference(facts, "functools", "cache", 9) is None


def test_an_import_after_the_place_of_use_does_not_count() -> None:
    found = reference(facts_of("x = 1\nimport functools\n"), "functools", "cache", 1)
    assert found is not None and found.imports == (ImportRequest("functools"),)


def _request(what: str) -> ImportRequest:
    """``collections``: ``import collections``; ``functools.cache``: ``from functools import
    cache``."""
    module, _, name = what.partition(".")
    return ImportRequest(module, name or None)


#: The module's layout: a blank line between a docstring (or dunders) and a first import, none
#: inside an import block, and the import block found after `__all__` too.
LAYOUTS = {
    "docstring-then-code": (
        '"""Doc."""\nx = 1\n', "collections",
        '"""Doc."""\n\nimport collections\n\nx = 1\n',
    ),
    "docstring-blank-code": (
        '"""Doc."""\n\nx = 1\n', "collections",
        '"""Doc."""\n\nimport collections\n\nx = 1\n',
    ),
    "docstring-two-blanks-def": (
        '"""Doc."""\n\n\ndef f():\n    pass\n', "functools.cache",
        '"""Doc."""\n\nfrom functools import cache\n\n\ndef f():\n    pass\n',
    ),
    "docstring-then-def": (
        '"""Doc."""\ndef f():\n    pass\n', "functools",
        '"""Doc."""\n\nimport functools\n\n\ndef f():\n    pass\n',
    ),
    "docstring-comment": (
        '"""Doc."""\n\n# About x.\nx = 1\n', "functools",
        '"""Doc."""\n\nimport functools\n\n# About x.\nx = 1\n',
    ),
    "docstring-alone-no-newline": (
        '"""Doc."""', "functools",
        '"""Doc."""\n\nimport functools\n',
    ),
    "no-blank-line-added-inside-a-block": (
        '"""Doc."""\nimport os\n\nx = 1\n', "collections",
        '"""Doc."""\nimport collections\nimport os\n\nx = 1\n',
    ),
    "import-block-after-dunders": (
        "# License.\n\n__all__ = ['readsav']\n\nimport struct\nimport numpy as np\n\nX = 1\n",
        "collections",
        "# License.\n\n__all__ = ['readsav']\n\nimport collections\nimport struct\n"
        "import numpy as np\n\nX = 1\n",
    ),
    "from-import-after-the-last-import": (
        "__all__ = ['f']\nimport os\n__version__ = '1'\n\ndef f():\n    pass\n", "functools.cache",
        "__all__ = ['f']\nimport os\nfrom functools import cache\n__version__ = '1'\n\n"
        "def f():\n    pass\n",
    ),
    "first-import-after-dunders": (
        '"""Doc."""\n__all__ = ["f"]\n\ndef f():\n    pass\n', "functools",
        '"""Doc."""\n__all__ = ["f"]\n\nimport functools\n\n\ndef f():\n    pass\n',
    ),
}


@pytest.mark.parametrize(
    ("code", "request_", "expected"),
    [
        pytest.param(
            '"""Doc."""\nimport os\nimport sys\n\nx = 1\n', ImportRequest("functools"),
            '"""Doc."""\nimport functools\nimport os\nimport sys\n\nx = 1\n', id="alphabetical",
        ),
        pytest.param(
            "import abc\n\nx = 1\n", ImportRequest("functools"),
            "import abc\nimport functools\n\nx = 1\n", id="after-the-last",
        ),
        pytest.param(
            "from functools import wraps\nimport os\n", ImportRequest("functools", "cache"),
            "from functools import wraps\nfrom functools import cache\nimport os\n",
            id="next-to-its-module",
        ),
        pytest.param(
            "from __future__ import annotations\n\ndef f():\n    pass\n",
            ImportRequest("functools"),
            "from __future__ import annotations\nimport functools\n\ndef f():\n    pass\n",
            id="after-future",
        ),
        pytest.param(
            "def f():\n    pass\n", ImportRequest("functools"),
            "import functools\n\n\ndef f():\n    pass\n", id="first-import-before-a-def",
        ),
        pytest.param(
            "x = 1\n", ImportRequest("functools"), "import functools\n\nx = 1\n",
            id="first-import-before-a-statement",
        ),
        pytest.param(
            "x = 1", ImportRequest("functools"), "import functools\n\nx = 1", id="no-newline"
        ),
        pytest.param("", ImportRequest("functools"), "import functools\n", id="empty"),
        pytest.param(
            "import os\r\n\r\nx = 1\r\n", ImportRequest("functools"),
            "import functools\r\nimport os\r\n\r\nx = 1\r\n", id="crlf",
        ),
        *(
            pytest.param(code, _request(what), expected, id=layout)
            for layout, (code, what, expected) in LAYOUTS.items()
        ),
    ],
)
def test_import_goes_where_it_belongs(code: str, request_: ImportRequest, expected: str) -> None:
    facts = ModuleFacts(ast.parse(code), code)
    edit = import_edit(request_, facts)
    assert edit is not None
    assert apply_edits(code, [edit]) == expected


@pytest.mark.parametrize(
    ("code", "request_"),
    [
        ("import functools\n", ImportRequest("functools")),
        ("import os, functools\n", ImportRequest("functools")),
        ("from functools import cache, wraps\n", ImportRequest("functools", "cache")),
    ],
)
def test_an_import_that_is_there_is_not_added(code: str, request_: ImportRequest) -> None:
    assert import_edit(request_, facts_of(code)) is None


# -- through the fixer: one import per file, and none on the second run ------------------------

TWO_RECURSIONS = '''\
"""Two pure recursions, one import."""


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def catalan(n):
    return 1 if n <= 1 else sum(catalan(i) * catalan(n - 1 - i) for i in range(n))
'''


def fix(code: str, code_selector: str = "PCM401") -> str:
    rule = registry.get_rule(code_selector)
    assert rule is not None
    report = api.fix_source(code, "example.py", settings_for(rule), unsafe=True)
    assert not report.errors
    return (report.fixed or report.original).text  # type: ignore[union-attr]


def test_two_fixes_in_one_file_add_one_import() -> None:
    fixed = fix(TWO_RECURSIONS)
    assert fixed.startswith('"""Two pure recursions, one import."""\n\nimport functools\n\n\n')
    assert fixed.count("import functools") == 1
    assert fixed.count("@functools.cache") == 2
    compile(fixed, "fixed.py", "exec")


def test_a_second_fix_adds_no_import() -> None:
    fixed = fix(TWO_RECURSIONS)
    assert fix(fixed) == fixed
    # A file that already imports what the fix needs gets no new import.
    later = fixed + "\n\ndef pell(n):\n    return n if n < 2 else 2 * pell(n - 1) + pell(n - 2)\n"
    again = fix(later)
    assert again.count("import functools") == 1 and again.count("@functools.cache") == 3


def test_two_rules_asking_for_the_same_import_add_it_once() -> None:
    code = (
        "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n\n"
        "def score(word: str) -> int:\n    return sum(ord(c) for c in word)\n\n"
        "for w in 'ab':\n    print(score(w), fib(len(w)))\n"
    )
    rule = registry.get_rule("PCM401")
    assert rule is not None
    settings = settings_for(rule, **{"extend-select": ["PCM402"]})
    report = api.fix_source(code, "example.py", settings, unsafe=True)
    fixed = (report.fixed or report.original).text  # type: ignore[union-attr]
    assert fixed.count("import functools") == 1
    assert "@functools.cache\ndef fib" in fixed
    assert "@functools.lru_cache(maxsize=128)\ndef score" in fixed
