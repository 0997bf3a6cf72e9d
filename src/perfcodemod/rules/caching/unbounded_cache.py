"""PCM417 (opt-in): an unbounded cache on a function that does not recurse."""

from __future__ import annotations

import ast

from perfcodemod.analysis.caching import (
    PROGRAM_TYPES,
    CachedFunction,
    CachedTwin,
    annotation_types,
    cache_reference,
    cacheable_params,
    called_only_with_bounded_values,
    checks_one_character,
    role,
    self_calls,
)
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.hashability import enum_classes
from perfcodemod.analysis.purity import own_returns
from perfcodemod.diagnostic import Applicability
from perfcodemod.lazycst import cst
from perfcodemod.rule import Change, ImportRequest, Invalid
from perfcodemod.rules.caching.base import CachedFunctionRule

SAFE = Applicability.SAFE
UNSAFE = Applicability.UNSAFE

#: Annotations whose values are few: a cache keyed by them cannot grow much.
_FEW_VALUES = frozenset({"bool", "Literal", "None", "NoneType"})


def grows_without_bound(
    function: ast.FunctionDef | ast.AsyncFunctionDef, facts: ModuleFacts
) -> bool:
    """Some parameter can take unboundedly many values (not all are `bool`, `Literal`, an
    `Enum` of the module, or parts of the loaded program such as classes and modules), and
    some call of the module may pass many values (not only constants, module attributes or
    parts of the program): the cache can keep growing."""
    if called_only_with_bounded_values(function, facts):
        return False
    few = _FEW_VALUES | PROGRAM_TYPES | enum_classes(facts)
    params = cacheable_params(function, role(function, facts))
    for arg in params:
        if checks_one_character(function, arg.arg):
            continue  # its entries are characters: the alphabet bounds them
        types = annotation_types(arg.annotation) if arg.annotation is not None else []
        if not types or not all(t in few for t in types):
            return True
    return False


def returns_a_value(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(statement.value is not None for statement in own_returns(function))


def _is_maxsize(arg: cst.Arg, index: int) -> bool:
    if arg.keyword is None:
        return index == 0
    return arg.keyword.value == "maxsize"


def unbounded_for_no_reason(cached: CachedFunction, facts: ModuleFacts) -> bool:
    """An unbounded cache on a function whose cache nothing bounds: not a recursion's
    subproblems, not a method's or nested function's, not a "once per argument" guard, with
    arguments that can take many values."""
    function = cached.function
    return (
        any(decorator.unbounded for decorator in cached.decorators)
        and cached.returns == "value"
        and returns_a_value(function)
        and role(function, facts) in {"module", "staticmethod", "classmethod"}
        and not self_calls(function, facts)
        and grows_without_bound(function, facts)
    )


class UnboundedCache(CachedFunctionRule):
    """Unbounded cache on a function that does not recurse; bound it with `lru_cache(maxsize=...)`.

    ## What it does
    Finds `functools.cache`, `lru_cache(maxsize=None)` and `lru_cache(None)` (in any import
    form) on a function that never calls itself, and proposes `lru_cache(maxsize=128)` (the
    `maxsize` option changes the figure). Not reported:

    - recursive functions: there the cache holds the subproblems of one computation, and
      bounding it can bring back the exponential running time (PCM401 proposes `cache` there);
    - functions without parameters, or whose parameters all take few values (`bool`,
      `Literal[...]`, an `Enum` of the module) or are parts of the loaded program (`type`,
      `type[X]`, `ModuleType`, `CodeType`: as many as the program has): such a cache cannot
      grow much;
    - functions that the module calls, and mentions only to call them, where every call passes
      values from a small domain: constants and module constants, attributes of imported
      modules (`sys.executable`), `Enum` members, parts of the loaded program
      (`frame.f_code.co_filename`, `cls.__name__`, `type(x)`), or variables bound only to
      these (four calls with two constants make a cache of two entries: a bound could only
      re-run the function, and on a hot path keyed by loaded files, evict on every call);
    - functions whose every call passes one character of a text (`chr(n)`, `text[i]`, the
      item of a `for` loop or comprehension over a `str`, a slice of one or a `str` method's
      result) or one item of a `bytes`, and functions that return only for one character
      (before anything returns, they raise unless `len(c) == 1`, or evaluate `ord(c)`: a
      cache keeps results, never exceptions): the cache holds at most the input's alphabet
      (256 bytes; at most 1,114,112 code points, a few hundred in most texts), which is bounded,
      and a bound of 128 would evict on every text with more distinct characters, on what is
      usually the hottest path of the program (a per-character cache of character
      properties). A bound there must sit above the alphabet, which only the author knows;
    - methods (PCM411 reports any cache on them) and nested functions, whose cache dies with
      the call of the enclosing function;
    - generator and `async` functions, whose cache is broken anyway (PCM412, PCM413);
    - functions that return nothing: there the cache is a "once per argument" guard (warn once,
      register once), and bounding it would repeat the effect.

    This rule is opt-in: an unbounded cache is right when the set of arguments is known to be
    small, which only the author knows.

    ## Why is this bad?
    The plan's risk 4, memory leaks from caching: an unbounded cache keeps every distinct
    argument and result for the life of the process. Fed by user input, file names or
    timestamps, it grows until the process is restarted:

    ```python
    import functools


    @functools.cache
    def normalize(name):
        return name.strip().lower()


    for number in range(100_000):
        normalize(f"user-{number} ")
    assert normalize.cache_info().currsize == 100_000  # every argument, forever
    ```

    ## Example
    ```python
    import functools


    @functools.cache
    def normalize(name):
        return name.strip().lower()
    ```

    ## Use instead
    ```python
    import functools


    @functools.lru_cache(maxsize=128)
    def normalize(name):
        return name.strip().lower()
    ```

    ## Fix safety
    The fix replaces the decorator (keeping `typed=`, and the module's import style: a bare
    `cache` imported from `functools` becomes `lru_cache`, imported next to it). It is **safe**
    when the purity analysis proves the function pure and its results immutable (numbers,
    strings, tuples of them, the standard library's value types such as `timedelta`): then an
    evicted entry is recomputed to an equal, immutable value, and only speed and `cache_info()`
    change. Otherwise it is **unsafe**: recomputing an impure function repeats its effects, and
    callers may rely on getting the very same object back.
    """

    code = "PCM417"
    name = "unbounded-cache"
    message = (
        "Unbounded cache on a function that does not recurse keeps every argument forever; "
        "bound it with `lru_cache(maxsize=128)`"
    )
    fix_title = "Bound the cache with `lru_cache(maxsize=128)`"
    default_enabled = False

    VALID = (
        "import functools\n\n@functools.lru_cache(maxsize=256)\ndef f(x):\n    return x\n",
        "from functools import lru_cache\n\n@lru_cache\ndef f(x):\n    return x\n",
        # Recursive: the cache holds one computation's subproblems.
        "import functools\n\n@functools.cache\ndef fib(n):\n"
        "    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
        # No parameters (a lazily built singleton), or only few values.
        "import functools\n\n@functools.cache\ndef settings():\n    return {'debug': False}\n",
        "import functools\nfrom typing import Literal\n\n@functools.cache\n"
        "def f(mode: Literal['r', 'w'], strict: bool = False):\n    return mode\n",
        # Nested: the cache dies with the call.
        "import functools\n\ndef outer(xs):\n    @functools.cache\n    def g(x):\n"
        "        return x * 2\n    return [g(x) for x in xs]\n",
        # Returns nothing: a "warn once per argument" guard.
        "import functools\nimport warnings\n\n@functools.cache\ndef warn_once(key):\n"
        "    warnings.warn(key)\n",
        # Every call passes a constant: two entries at most.
        "import functools\n\n@functools.cache\ndef _folder(name):\n    return '/sdcard/' + name\n\n"
        "def downloads():\n    return _folder('Download')\n\n"
        "def pictures():\n    return _folder('Pictures')\n\nDOCS = _folder('Documents')\n",
        # Keyed by loaded source files (a tracer's hot path): as many as the program has.
        "import functools\n\n@functools.cache\ndef should_trace(fname: str) -> bool:\n"
        "    return not fname.startswith('<')\n\ndef trace(frame, event, arg):\n"
        "    fname = frame.f_code.co_filename\n    if should_trace(fname):\n"
        "        print(fname)\n    return trace\n",
        "import functools\n\n@functools.cache\ndef handler(kind: type) -> str:\n"
        "    return kind.__name__.lower()\n",
        # One character of a text (charset_normalizer's per-codepoint cache), or one byte.
        "import functools\n\n@functools.cache\ndef _info(character: str) -> bool:\n"
        "    return character.isalpha()\n\ndef ratio(text: str, step: int) -> int:\n"
        "    info = _info\n    n = 0\n    for start in range(0, len(text), step):\n"
        "        for character in text[start : start + step]:\n"
        "            n += info(character)\n    return n\n",
        "import functools\n\n@functools.cache\ndef _check_char(c: object) -> str:\n"
        "    if not isinstance(c, str):\n        raise TypeError(c)\n    if len(c) != 1:\n"
        "        raise ValueError(c)\n    return c\n",
        "import functools\n\n@functools.cache\ndef _high(b):\n    return b >= 128\n\n"
        "def highs(data: bytes):\n    return [_high(b) for b in data] + [_high(data[0])]\n",
        # Methods are PCM411's.
        "import functools\n\nclass C:\n    @functools.cache\n    def f(self, x):\n"
        "        return x\n",
    )
    INVALID = (
        # The near miss: one call passes a value from outside (a parameter).
        Invalid(
            "import functools\n\n@functools.cache\ndef _folder(name):\n"
            "    return '/sdcard/' + name\n\ndef downloads():\n    return _folder('Download')\n\n"
            "def any_folder(name):\n    return _folder(name)\n",
            "import functools\n\n@functools.lru_cache(maxsize=128)\ndef _folder(name):\n"
            "    return '/sdcard/' + name\n\ndef downloads():\n    return _folder('Download')\n\n"
            "def any_folder(name):\n    return _folder(name)\n",
            SAFE,
        ),
        # The near miss of the length check: a path returns before it.
        Invalid(
            "import functools\n\n@functools.cache\ndef _check_char(c):\n    if c == '':\n"
            "        return c\n    if len(c) != 1:\n        raise ValueError(c)\n    return c\n",
            "import functools\n\n@functools.lru_cache(maxsize=128)\ndef _check_char(c):\n"
            "    if c == '':\n"
            "        return c\n    if len(c) != 1:\n        raise ValueError(c)\n    return c\n",
            SAFE,
        ),
        # The near miss of the per-character cache: words of a text are not an alphabet.
        Invalid(
            "import functools\n\n@functools.cache\ndef _key(word):\n"
            "    return word.casefold()\n\ndef keys(text: str):\n"
            "    return [_key(w) for w in text.split()]\n",
            "import functools\n\n@functools.lru_cache(maxsize=128)\ndef _key(word):\n"
            "    return word.casefold()\n\ndef keys(text: str):\n"
            "    return [_key(w) for w in text.split()]\n",
            SAFE,
        ),
        Invalid(
            "import functools\n\n@functools.cache\ndef normalize(name):\n"
            "    return name.strip().lower()\n",
            "import functools\n\n@functools.lru_cache(maxsize=128)\ndef normalize(name):\n"
            "    return name.strip().lower()\n",
            SAFE,
        ),
        Invalid(
            "from functools import lru_cache\n\n@lru_cache(maxsize=None, typed=True)\n"
            "def f(x):\n    return x * 2\n",
            "from functools import lru_cache\n\n@lru_cache(maxsize=128, typed=True)\n"
            "def f(x):\n    return x * 2\n",
            SAFE,
        ),
        Invalid(
            "from functools import lru_cache\n\n@lru_cache(None)\ndef f(x):\n    return [x]\n",
            "from functools import lru_cache\n\n@lru_cache(128)\ndef f(x):\n    return [x]\n",
            UNSAFE,
        ),
        # `cache` imported from functools: `lru_cache` is imported next to it.
        Invalid(
            "from functools import cache\nimport os\n\n@cache\ndef f(x):\n"
            "    return os.getcwd() + x\n",
            "from functools import cache\nfrom functools import lru_cache\nimport os\n\n"
            "@lru_cache(maxsize=128)\ndef f(x):\n    return os.getcwd() + x\n",
            UNSAFE,
        ),
        Invalid(
            "import functools as ft\n\nclass C:\n    @staticmethod\n    @ft.cache\n"
            "    def f(x):\n        return x\n",
            "import functools as ft\n\nclass C:\n    @staticmethod\n"
            "    @ft.lru_cache(maxsize=128)\n"
            "    def f(x):\n        return x\n",
            SAFE,
        ),
        Invalid(
            "import functools\n\n@functools.cache\ndef f(x):\n    return x\n",
            "import functools\n\n@functools.lru_cache(maxsize=500)\ndef f(x):\n    return x\n",
            SAFE,
            options={"maxsize": 500},
        ),
    )

    @classmethod
    def applies_to(cls, cached: CachedFunction, facts: ModuleFacts) -> bool:
        return unbounded_for_no_reason(cached, facts)

    def check(self, cached: CachedTwin) -> None:
        decorator = next(d for d in cached.decorators if d.unbounded)
        target = cached.decorator_node(decorator)
        maxsize = int(self.context.family_options(self).get("maxsize", 128))
        message = (
            "Unbounded cache on a function that does not recurse keeps every argument forever; "
            f"bound it with `lru_cache(maxsize={maxsize})`"
        )
        replacement = self._bounded(target.decorator, cached, maxsize)
        if replacement is None:
            self.report(target, message)
            return
        expression, imports = replacement
        analysis = self.purity
        if analysis.is_pure(cached.function) and analysis.returns_immutable(cached.function):
            applicability, reason = SAFE, (
                "the function is pure and its results are immutable: an evicted entry is "
                "recomputed to an equal value"
            )
        else:
            applicability, reason = UNSAFE, (
                "the function is not proven pure, or its results not proven immutable: "
                "recomputing an evicted entry may repeat effects or hand out a different object"
            )
        self.report(
            target,
            message,
            self.fix(
                Change(target.decorator, expression),
                applicability,
                reason,
                imports,
                title=f"Bound the cache with `lru_cache(maxsize={maxsize})`",
            ),
        )

    def _bounded(
        self, old: cst.BaseExpression, cached: CachedFunction, maxsize: int
    ) -> tuple[cst.BaseExpression, tuple[ImportRequest, ...]] | None:
        """The decorator with a bound: ``maxsize`` in place of ``None``, or ``lru_cache`` with
        it in place of ``cache``, imported in the module's style."""
        size = cst.Integer(str(maxsize))
        if isinstance(old, cst.Call):  # lru_cache(None) / lru_cache(maxsize=None)
            args = [
                arg.with_changes(value=size) if _is_maxsize(arg, index) else arg
                for index, arg in enumerate(old.args)
            ]
            return old.with_changes(args=args), ()
        if isinstance(old, cst.Attribute):  # functools.cache -> functools.lru_cache(maxsize=N)
            no_space = cst.SimpleWhitespace("")
            equal = cst.AssignEqual(whitespace_before=no_space, whitespace_after=no_space)
            bound = cst.Arg(keyword=cst.Name("maxsize"), value=size, equal=equal)
            return cst.Call(func=old.with_changes(attr=cst.Name("lru_cache")), args=[bound]), ()
        reference = cache_reference(self.context, cached.function, str(maxsize))
        if reference is None:
            return None
        expression, imports = reference
        return cst.parse_expression(expression), imports
