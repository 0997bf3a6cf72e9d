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

def render(config: Config, c: str) -> int:
    total = 0
    for i in range(ord(c) % 5):
        total += i
    return total if config == config else 0

def draw(config: Config, text: str):
    return [render(config, c) for c in text]
"""


def test_a_cache_is_not_proposed_for_a_parameter_that_cannot_hash() -> None:
    mutable = RENDER.format(options="")
    assert diagnostics(rule("PCM402"), mutable) == []
    module = run(mutable)
    cached = functools.lru_cache(maxsize=128)(module.render)
    with pytest.raises(TypeError, match="unhashable type"):
        cached(module.Config(1), "c")
    frozen = RENDER.format(options="(frozen=True)")
    assert len(diagnostics(rule("PCM402"), frozen)) == 1
    frozen_module = run(frozen)
    assert functools.lru_cache(maxsize=128)(frozen_module.render)(frozen_module.Config(1), "c") == 6


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


BRANCHES = """
import functools

def partition(G, weight=None):
    if weight is None:
        safe = {k: dict(v, w=1) for k, v in G.items()}
        weight = 'w'
    else:
        safe = G

    @functools.lru_cache(64)
    def value(key):
        return safe[key][weight]

    return value
"""


def test_variables_settled_before_a_cached_closure_exists_cannot_make_it_stale() -> None:
    assert diagnostics(rule("PCM414"), BRANCHES) == []
    module = run(BRANCHES)
    for graph, weight in [({"a": {"x": 5}}, None), ({"a": {"x": 5}}, "x")]:
        value = module.partition(graph, weight)
        first = value("a")
        assert value("a") == first == value.__wrapped__("a")  # cached = computed afresh


def test_a_variable_changed_after_the_cached_closure_exists_makes_it_stale() -> None:
    code = (
        "import functools\n\ndef run():\n    seen = {}\n\n    @functools.cache\n"
        "    def known(name):\n        return name in seen\n\n    first = known('a')\n"
        "    seen['a'] = True\n    return known('a'), known.__wrapped__('a')\n"
    )
    (found,) = diagnostics(rule("PCM414"), code)
    assert "changed at line 11, after `known` is defined" in found.message
    assert run(code).run() == (False, True)  # the cache answers False; the truth is True


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
    # Silent even where results callers out of sight may change are reported.
    assert diagnostics(rule("PCM415"), ENV, {"possible-mutations": True}) == []
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


CHARACTERS = """
import functools

@functools.cache
def _info(character: str) -> bool:
    return character.isalpha()

def ratio(text: str, step: int) -> int:
    info = _info
    n = 0
    for start in range(0, len(text), step):
        for character in text[start : start + step]:
            n += info(character)
    return n
"""


def test_a_per_character_cache_holds_the_alphabet_and_a_bound_of_128_would_thrash() -> None:
    assert diagnostics(rule("PCM417"), CHARACTERS) == []
    module = run(CHARACTERS)
    alphabet = "".join(chr(0x4E00 + i) for i in range(200))  # 200 distinct CJK characters
    module.ratio(alphabet * 5, 32)
    unbounded = module._info.cache_info()
    assert unbounded.currsize == 200 and unbounded.hits == 800
    bounded = functools.lru_cache(maxsize=128)(module._info.__wrapped__)
    module._info = bounded  # what the proposed bound would have done
    module.ratio(alphabet * 5, 32)
    assert bounded.cache_info().hits == 0  # every call evicts an entry needed later


def test_a_cache_that_returns_only_for_one_character_keys_only_characters() -> None:
    code = (
        "import functools\n\n@functools.cache\ndef _check(c: object) -> str:\n"
        "    if not isinstance(c, str):\n        raise TypeError(c)\n"
        "    if len(c) != 1:\n        raise ValueError(c)\n    return c\n"
    )
    assert diagnostics(rule("PCM417"), code) == []
    module = run(code)
    for value in ["a", "ab", "abc", 3, "b", "a"]:
        try:
            module._check(value)
        except (TypeError, ValueError):
            pass
    assert module._check.cache_info().currsize == 2  # only "a" and "b": exceptions are not kept


# -- PCM402: loops that never pass the same arguments twice -------------------------------------


def test_a_loop_over_distinct_indexes_gives_a_cache_no_hits() -> None:
    code = (
        "def gcd(a: int, b: int) -> int:\n    while b:\n        a, b = b, a % b\n    return a\n\n"
        "def table():\n    return [gcd(i, j) for i in range(1, 20) for j in range(1, 20)]\n"
    )
    # Not even a candidate when possible repeats are asked for.
    assert diagnostics(rule("PCM402"), code, {"possible-repeats": True}) == []
    module = run(code)
    module.gcd = functools.lru_cache(maxsize=128)(module.gcd)  # what the table now calls
    module.table()
    assert module.gcd.cache_info().hits == 0


# -- PCM402: repeats the code shows -------------------------------------------------------------


def test_fixed_arguments_in_a_function_hit_the_cache_on_every_run_after_the_first() -> None:
    code = (
        "SIZE = 256\n\ndef table(n):\n    total = 0\n    for i in range(n):\n"
        "        total += i * i\n    return total\n\ndef lookup(k):\n    return table(SIZE) + k\n"
    )
    (found,) = diagnostics(rule("PCM402"), code)
    assert "take few values at line 10 each time `lookup()` runs" in found.message
    module = run(code)
    module.table = functools.lru_cache(maxsize=128)(module.table)
    for k in range(50):
        module.lookup(k)
    assert module.table.cache_info().hits == 49


def test_a_function_of_one_character_of_a_text_hits_once_the_alphabet_is_seen() -> None:
    code = (
        "def weight(character: str) -> int:\n"
        "    return sum(ord(part) % 7 for part in character.upper())\n\n"
        "def text_weight(text: str) -> int:\n"
        "    return sum(weight(character) for character in text)\n"
    )
    (found,) = diagnostics(rule("PCM402"), code)
    assert "for each character of a text in the loop at line 5" in found.message
    module = run(code)
    module.weight = functools.lru_cache(maxsize=128)(module.weight)
    module.text_weight("abracadabra")
    assert module.weight.cache_info().hits == 6  # 11 characters, an alphabet of 5


def test_repeats_the_code_does_not_show_are_left_to_a_profile() -> None:
    code = (
        "def score(word: str) -> int:\n    return sum(ord(c) for c in word)\n\n"
        "def total(words):\n    return sum(score(w) for w in words)\n"
    )
    assert diagnostics(rule("PCM402"), code) == []
    (found,) = diagnostics(rule("PCM402"), code, {"possible-repeats": True})
    assert "in a loop at line 5" in found.message


def test_a_shared_result_no_caller_changes_is_reported_only_on_request() -> None:
    code = "import functools\n\n@functools.cache\ndef tags(kind):\n    return ['python', kind]\n"
    assert diagnostics(rule("PCM415"), code) == []
    (found,) = diagnostics(rule("PCM415"), code, {"possible-mutations": True})
    assert "a caller that mutates it corrupts the cache" in found.message
    module = run(code)
    assert module.tags("web") is module.tags("web")  # the hazard: one list for every caller
