"""The facts behind the caching rules' precision (issue 11), checked by running the code.

Each test pairs a rule's verdict on a piece of code with what that code does when it runs: a
case the rule leaves alone is shown to be harmless (or the remedy the rule would have proposed
is shown not to work), and its near miss is shown to be reported.
"""

from __future__ import annotations

import functools
import sys
import textwrap
from types import ModuleType
from typing import Any

import pytest

from perfcodemod import registry

from .helpers import diagnostics


def rule(code: str):  # type: ignore[no-untyped-def]
    found = registry.get_rule(code)
    assert found is not None
    return found


def run(code: str) -> ModuleType:
    """Run ``code`` as a module (dataclasses look their module up in ``sys.modules``)."""
    module = ModuleType("__precision__")
    sys.modules[module.__name__] = module
    try:
        exec(compile(textwrap.dedent(code), "<precision>", "exec"), module.__dict__)
    finally:
        del sys.modules[module.__name__]
    return module


# -- PCM411: what a cache on a method keeps, and what works instead ---------------------------

VALUE_CLASS = """
import functools
from typing import NamedTuple

class Color(NamedTuple):
    red: int

    @functools.lru_cache(maxsize=4)
    def darker(self, by: int) -> int:
        return self.red - by
"""


def test_a_bounded_cache_on_a_value_class_shares_entries_and_keeps_at_most_maxsize() -> None:
    assert diagnostics(rule("PCM411"), VALUE_CLASS) == []
    module = run(VALUE_CLASS)
    for red in range(100):
        module.Color(red).darker(1)
        module.Color(red).darker(1)  # an equal, new instance: served from the cache
    info = module.Color.darker.cache_info()
    assert info.hits == 100 and info.currsize == 4


def test_an_unbounded_cache_on_a_value_class_keeps_every_distinct_value() -> None:
    code = VALUE_CLASS.replace("lru_cache(maxsize=4)", "cache")
    (found,) = diagnostics(rule("PCM411"), code)
    assert "every distinct instance" in found.message and "bound it" in found.message
    module = run(code)
    for red in range(100):
        module.Color(red).darker(1)
    assert module.Color.darker.cache_info().currsize == 100


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("class C:\n    __slots__ = ('rows',)\n", id="slots"),
        pytest.param(
            "from typing import NamedTuple\n\nclass C(NamedTuple):\n    rows: tuple\n",
            id="namedtuple",
        ),
    ],
)
def test_cached_property_is_not_proposed_where_it_raises(header: str) -> None:
    cached = header + "\n    @functools.lru_cache(maxsize=None)\n    def total(self):\n" + (
        "        return sum(self.rows)\n"
    )
    (found,) = diagnostics(rule("PCM411"), "import functools\n" + cached)
    assert "use `functools.cached_property`" not in found.message
    remedy = header + "\n    @functools.cached_property\n    def total(self):\n" + (
        "        return sum(self.rows)\n"
    )
    module = run("import functools\n" + remedy)
    instance = module.C((1, 2)) if "NamedTuple" in header else module.C()
    if "NamedTuple" not in header:
        instance.rows = (1, 2)
    # No `__dict__` to store the value in (a NamedTuple's body never even names the property).
    with pytest.raises(TypeError, match="__dict__|__set_name__"):
        instance.total  # noqa: B018  # the property's own TypeError is the point


def test_a_cache_on_a_method_of_a_class_that_cannot_hash_makes_every_call_raise() -> None:
    code = (
        "import dataclasses\nimport functools\n\n@dataclasses.dataclass\nclass P:\n"
        "    x: int\n\n    @functools.lru_cache()\n    def norm(self):\n"
        "        return abs(self.x)\n"
    )
    (found,) = diagnostics(rule("PCM411"), code)
    assert "every call raises `TypeError" in found.message
    with pytest.raises(TypeError, match="unhashable type"):
        run(code).P(1).norm()


# -- PCM401, PCM402, PCM416: a parameter of a class that cannot hash --------------------------

RENDER = """
import dataclasses

@dataclasses.dataclass{options}
class Config:
    depth: int

def render(config: Config, n: int) -> int:
    total = 0
    for i in range(n):
        total += i
    return total if config == config else 0

for i in [3, 4, 3]:
    render(Config(1), i)
"""


def test_a_cache_is_not_proposed_for_a_parameter_that_cannot_hash() -> None:
    mutable = RENDER.format(options="")
    assert diagnostics(rule("PCM402"), mutable) == []
    module = run(mutable)
    cached = functools.lru_cache(maxsize=128)(module.render)
    with pytest.raises(TypeError, match="unhashable type"):
        cached(module.Config(1), 3)
    frozen = RENDER.format(options="(frozen=True)")
    assert len(diagnostics(rule("PCM402"), frozen)) == 1
    frozen_module = run(frozen)
    assert functools.lru_cache(maxsize=128)(frozen_module.render)(frozen_module.Config(1), 3) == 3


# -- PCM414: reads that cannot go stale ---------------------------------------------------------


def test_a_function_that_reads_its_own_on_disk_cache_returns_what_it_computes(
    tmp_path: Any,
) -> None:
    code = f"""
import functools
import json
import os

@functools.cache
def table(name):
    path = os.path.join({str(tmp_path)!r}, name + '.json')
    try:
        with open(path) as stream:
            return tuple(json.load(stream))
    except OSError:
        result = tuple(range(len(name)))
        with open(path, 'w') as stream:
            json.dump(result, stream)
        return result
"""
    assert diagnostics(rule("PCM414"), code) == []
    module = run(code)
    first = module.table("abc")
    assert (tmp_path / "abc.json").exists()
    module.table.cache_clear()
    assert module.table("abc") == first  # read back from its own file: the same value


# -- PCM415: what the callers do with the result ------------------------------------------------

ENV = """
import functools
import os

@functools.cache
def _env() -> dict:
    return {k: v for k, v in os.environ.items() if k.startswith('PATH')}

def env():
    return dict(_env())
"""


def test_a_result_every_caller_copies_cannot_be_corrupted() -> None:
    assert diagnostics(rule("PCM415"), ENV) == []
    module = run(ENV)
    mine = module.env()
    mine["PATH_EXTRA"] = "changed"
    assert "PATH_EXTRA" not in module.env()


def test_a_caller_that_changes_the_result_is_named_and_does_corrupt_the_cache() -> None:
    code = (
        "import functools\n\n@functools.cache\ndef _tags(kind):\n"
        "    return ['python', kind]\n\ndef tagged(kind):\n    tags = _tags(kind)\n"
        "    tags.append('urgent')\n    return tags\n"
    )
    (found,) = diagnostics(rule("PCM415"), code)
    assert "the caller at line 8 changes it" in found.message
    module = run(code)
    module.tagged("web")
    assert module._tags("web") == ["python", "web", "urgent"]  # the cached list changed


# -- PCM417: a cache over a small domain --------------------------------------------------------


def test_a_cache_called_only_with_constants_holds_one_entry_per_constant() -> None:
    code = (
        "import functools\n\n@functools.cache\ndef _folder(name):\n    return '/sdcard/' + name\n\n"
        "def downloads():\n    return _folder('Download')\n\n"
        "def pictures():\n    return _folder('Pictures')\n"
    )
    assert diagnostics(rule("PCM417"), code) == []
    module = run(code)
    for _ in range(50):
        module.downloads(), module.pictures()
    assert module._folder.cache_info().currsize == 2


# -- PCM402: loops that never pass the same arguments twice -------------------------------------


def test_a_loop_over_distinct_indexes_gives_a_cache_no_hits() -> None:
    code = (
        "def gcd(a: int, b: int) -> int:\n    while b:\n        a, b = b, a % b\n    return a\n\n"
        "def table():\n    return [gcd(i, j) for i in range(1, 20) for j in range(1, 20)]\n"
    )
    assert diagnostics(rule("PCM402"), code) == []
    module = run(code)
    module.gcd = functools.lru_cache(maxsize=128)(module.gcd)  # what the table now calls
    module.table()
    assert module.gcd.cache_info().hits == 0
