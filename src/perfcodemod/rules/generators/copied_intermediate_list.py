"""PCM102: ``set([...])``, ``dict([(k, v) for ...])``, ``list([...])``, ``frozenset([])``: a list
built only to be copied."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from functools import cache

from perfcodemod.analysis import names
from perfcodemod.analysis.comprehensions import is_async, sole_argument, sole_argument_ast
from perfcodemod.analysis.effects import lazy_stop_iteration, stop_iteration_reason
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.hashability import is_constant_ast, is_hashable_constant
from perfcodemod.diagnostic import Applicability
from perfcodemod.lazycst import cst
from perfcodemod.rule import Candidate, Change, Invalid, Rule
from perfcodemod.transforms import (
    generator_argument,
    has_comment,
    set_comprehension_from,
    set_display,
)

SAFE = Applicability.SAFE
UNSAFE = Applicability.UNSAFE
COPYING_BUILTINS = ("set", "frozenset", "dict", "list")
SAFE_REASON = (
    "the new code builds the same object from the same elements, evaluated in the same order"
)


class CopiedIntermediateList(Rule):
    """A list built only to be copied into a set, dict or list; build the result directly.

    ## What it does
    Finds a list comprehension or list display passed straight to `set()`, `frozenset()`,
    `dict()` or `list()`, which copy it and throw it away, and builds the result directly:

    | code | fix |
    | --- | --- |
    | `set([f(x) for x in xs])` | `{f(x) for x in xs}` |
    | `set([a, b])`, `set([])` | `{a, b}`, `set()` |
    | `dict([(k, v) for k, v in pairs])` | `{k: v for k, v in pairs}` |
    | `dict([(a, 1), (b, 2)])`, `dict([])` | `{a: 1, b: 2}`, `{}` |
    | `dict([(a, 1)], c=3, **more)` | `{a: 1, "c": 3, **more}` |
    | `dict([(k, v) for k, v in pairs], c=3)` | `{**{k: v for k, v in pairs}, "c": 3}` |
    | `dict([line.split("=") for line in lines])` | `dict(line.split("=") for line in lines)` |
    | `list([f(x) for x in xs])`, `list([a, b])` | `[f(x) for x in xs]`, `[a, b]` |
    | `frozenset([])` | `frozenset()` |
    | `frozenset(["a", "b", "c"])` (constants) | `frozenset({"a", "b", "c"})` |

    Other `frozenset()` calls of a non-empty list are not reported here: there is no frozenset
    display, and for other elements neither `frozenset({...})` nor a generator measures faster
    than the list (the generator saves memory at a cost in time: that trade is PCM104's, which
    is opt-in). Names that are not the builtins (a local `set`, an import) are not reported.

    ## Why is this bad?
    The list is built, copied element by element into the result, and freed: one allocation
    and one pass too many, and for `dict()` a tuple per pair as well. Measured on CPython
    3.11.7 (`python benchmarks/rules/generators.py --rule PCM102`), time after / before
    (below 1 is faster):

    | case | 10 items | 100,000 items | peak memory, 100,000 items |
    | --- | ---: | ---: | ---: |
    | `set([comprehension])` → set comprehension | 0.70-0.74x | 0.73-0.94x | 9.8 → 8.4 MiB |
    | `dict([(k, v) for ...])` → dict comprehension | 0.33-0.49x | 0.48-0.57x | 16.7 → 10.2 MiB |
    | `list([comprehension])` → comprehension | 0.84-0.98x | 0.88-0.96x | 4.6 → 3.8 MiB |
    | `set([a, b, c])` → `{a, b, c}` | 0.42-0.45x | | 552 → 424 B |
    | `dict([(a, b), (b, c)])` → `{a: b, b: c}` | 0.28-0.36x | | 608 → 432 B |

    The pair forms that take more than one line to write were timed with `python -m
    timeit` (one run each on a busy machine, so read them as "no slower"):
    `dict([line.split("=", 1) for ...])` → `dict(line.split("=", 1) for ...)` 0.97x at 10
    lines, 0.91x at 1,000, 0.56x at 100,000; `dict([(k, v) for ...], **kw)` →
    `{**{k: v for ...}, **kw}` 0.56x at 10 pairs, 0.51x at 1,000, 0.94x at 100,000.

    A frozenset built from a set reuses the set's hashes: `frozenset(["a", "b", "c"])` →
    `frozenset({"a", "b", "c"})` measured 0.55x (3 strings) and 0.78x (10 strings)
    (`python -m timeit 'frozenset(["a", "b", "c"])'` against the set display). Not reported,
    because no form measured consistently faster: `frozenset([a, b, c])` with names →
    `frozenset({a, b, c})` (0.6-1.4x), `frozenset([comprehension])` →
    `frozenset({comprehension})` (0.9-1.6x, and more memory).

    The benchmark alternates the two forms; on a busy shared machine the ratios still vary by
    about ±25% from run to run: the ranges above are over three runs.

    ## Example
    ```python
    def index(users):
        names = set([user.name for user in users])
        by_id = dict([(user.id, user) for user in users])
        return names, by_id
    ```

    ## Use instead
    ```python
    def index(users):
        names = {user.name for user in users}
        by_id = {user.id: user for user in users}
        return names, by_id
    ```

    ## Fix safety
    The fix is **safe**: the result is an equal object of the same type, built from the same
    elements computed in the same order. Two things move and are not considered changes in
    behaviour (as everywhere in perfcodemod, dunder methods are assumed well-behaved): a set or
    dict now hashes each element as soon as it is computed rather than after all of them are,
    and when an element is unhashable (or, for `dict()`, not a pair) the exception comes
    before the later elements are computed rather than after. Keyword arguments of `dict()`
    become string keys of the display, inserted after the pairs as `dict()` inserts them, so
    the same key wins.

    The fix is **unsafe** when:

    - the module measures object sizes (`sys.getsizeof()`, `__sizeof__`, `tracemalloc`...):
      the new container may be allocated with a different spare capacity (`list([1])`
      over-allocates, `[1]` does not), which is all such code looks at. Elsewhere that is
      not part of behaviour; see the [fix safety policy](../fix-safety.md);
    - `dict()` gets `**mapping`: the call raises `TypeError` on a key that is not a string
      or that repeats a keyword argument, the display accepts both;
    - `dict()` gets a generator (pairs not written as `(key, value)`) and an element makes a
      call that may raise `StopIteration` (`next()`, or any call but the pure builtins): PEP
      479 turns it into `RuntimeError` inside a generator expression.

    As for every rule, no fix is safe in test code (a test of `list()` may be what
    `list([])` is). No fix is offered when the call's parentheses or a `(key, value)` pair
    hold a comment that the new code would have no place for.
    """

    code = "PCM102"
    name = "copied-intermediate-list"
    message = "A list built only to be copied; build the result directly"
    fix_title = "Build the result directly"
    function_local = True

    VALID = (
        "def f(xs):\n    return {x for x in xs}\n",
        "def f(xs):\n    return set(xs)\n",
        "def f(xs):\n    return set(x for x in xs)\n",
        # frozenset() of a non-empty list: no faster form (the generator is PCM104's trade).
        "def f(a, b):\n    return frozenset([a, b])\n",
        "def f(xs):\n    return frozenset([x.lower() for x in xs])\n",
        # Displays that are not pairs: dict() raises either way.
        "def f(xs):\n    return dict([(x, x, x) for x in xs])\n",
        "def f(xs):\n    return dict([(*x,) for x in xs])\n",
        # Other arguments: positional ones, or keywords for another builtin.
        "def f(xs, more):\n    return dict([(x, 1) for x in xs], *more)\n",
        "def f(xs):\n    return list(*[[x] for x in xs])\n",
        "def f(xs):\n    return set([x for x in xs], key=1)\n",
        # Not the builtins.
        "def f(xs, set):\n    return set([x for x in xs])\n",
        "from sets import set\n\ndef f(xs):\n    return set([x for x in xs])\n",
        "def f(xs, np):\n    return np.set([x for x in xs])\n",
        # Other consumers.
        "def f(xs):\n    return tuple([x for x in xs])\n",
    )
    INVALID = (
        Invalid(
            "def f(users):\n    return set([u.name for u in users])\n",
            "def f(users):\n    return {u.name for u in users}\n",
            SAFE,
            message="set comprehension",
        ),
        Invalid(
            "def f(a, b):\n    return set([a, b])\n", "def f(a, b):\n    return {a, b}\n", SAFE
        ),
        Invalid("def f():\n    return set([])\n", "def f():\n    return set()\n", SAFE),
        Invalid(
            "def f(users):\n    return dict([(u.id, u) for u in users if u])\n",
            "def f(users):\n    return {u.id: u for u in users if u}\n",
            SAFE,
            message="dict comprehension",
        ),
        Invalid(
            "def f(a, b):\n    return dict([(a, 1), (b, 2)])\n",
            "def f(a, b):\n    return {a: 1, b: 2}\n",
            SAFE,
        ),
        Invalid("def f():\n    return dict([])\n", "def f():\n    return {}\n", SAFE),
        Invalid(
            "def f(xs):\n    return list([x * 2 for x in xs])\n",
            "def f(xs):\n    return [x * 2 for x in xs]\n",
            SAFE,
        ),
        Invalid("def f(a):\n    return list([a, 1])\n", "def f(a):\n    return [a, 1]\n", SAFE),
        Invalid("def f():\n    return frozenset([])\n", "def f():\n    return frozenset()\n", SAFE),
        Invalid(
            'MODES = frozenset(["r", "w"])  # keep\n',
            'MODES = frozenset({"r", "w"})  # keep\n',
            SAFE,
            message="set display",
        ),
        # Asynchronous comprehensions are fine as set and dict comprehensions.
        Invalid(
            "async def f(xs, g):\n    return set([await g(x) for x in xs])\n",
            "async def f(xs, g):\n    return {await g(x) for x in xs}\n",
            SAFE,
        ),
        # Comments inside the brackets survive; the call's own parentheses stay as parentheses.
        Invalid(
            "def f(xs):\n"
            "    return (set([  # the names\n        x.name\n        for x in xs\n    ]))\n",
            "def f(xs):\n    return ({  # the names\n        x.name\n        for x in xs\n    })\n",
            SAFE,
        ),
        Invalid(
            "def f(a, b):\n    return dict([\n        (a, 1),  # first\n        (b, 2),\n    ])\n",
            "def f(a, b):\n    return {\n        a: 1,  # first\n        b: 2,\n    }\n",
            SAFE,
        ),
        # Pairs that are not written as `(key, value)`: dict() takes them from a generator.
        Invalid(
            "def f(pairs):\n    return dict([pair for pair in pairs])\n",
            "def f(pairs):\n    return dict(pair for pair in pairs)\n",
            SAFE,
            message="generator expression",
        ),
        # ... unsafe when an element may raise StopIteration (PEP 479 turns it into
        # RuntimeError inside a generator).
        Invalid(
            'def f(lines):\n    return dict([line.split("=", 1) for line in lines])\n',
            'def f(lines):\n    return dict(line.split("=", 1) for line in lines)\n',
            UNSAFE,
            reason="PEP 479",
        ),
        # Keyword arguments join the display; `**mapping` in a call rejects keys that are not
        # strings, a display does not.
        Invalid(
            "def f(a, b):\n    return dict([(a, 1), (b, 2)], c=3)\n",
            'def f(a, b):\n    return {a: 1, b: 2, "c": 3}\n',
            SAFE,
            message="keyword arguments",
        ),
        Invalid(
            "def f(pairs, kw):\n    return dict([(k, v) for k, v in pairs], **kw)\n",
            "def f(pairs, kw):\n    return {**{k: v for k, v in pairs}, **kw}\n",
            UNSAFE,
            reason="`**kw` in a call raises TypeError",
        ),
        Invalid(
            "def f(a, b):\n    return dict([\n        (a, 1),\n        (b, 2),\n    ], c=3)\n",
            'def f(a, b):\n    return {\n        a: 1,\n        b: 2,\n        "c": 3,\n    }\n',
            SAFE,
        ),
        # A module that measures object sizes sees the new list's different spare capacity.
        Invalid(
            "import sys\n\ndef f(a):\n    return sys.getsizeof(list([a, 1]))\n",
            "import sys\n\ndef f(a):\n    return sys.getsizeof([a, 1])\n",
            UNSAFE,
            reason="measures object sizes (line 4)",
        ),
        # A comment inside a pair has no place in a dict display: reported, no fix.
        Invalid("def f(a):\n    return dict([(a,  # key\n        1)])\n", None),
    )

    @classmethod
    def precheck(cls, facts: ModuleFacts) -> Iterable[Candidate]:
        for call in facts.nodes(ast.Call):
            func = call.func
            if isinstance(func, ast.Name) and func.id in COPYING_BUILTINS:
                argument = sole_argument_ast(call)
                if func.id == "dict" and len(call.args) == 1 and call.keywords:
                    argument = call.args[0]  # dict([...], key=value, **more)
                if isinstance(argument, (ast.List, ast.ListComp)):
                    if func.id != "frozenset" or (
                        isinstance(argument, ast.List)
                        and all(is_constant_ast(e) for e in argument.elts)
                    ):
                        yield call

    def visit_Call(self, node: cst.Call) -> None:
        if not node.args or not isinstance(node.args[0].value, (cst.List, cst.ListComp)):
            return
        if not names.is_builtin(self.context, node.func, *COPYING_BUILTINS):
            return
        builtin = cst.ensure_type(node.func, cst.Name).value
        arg = sole_argument(node)
        if arg is None:
            if builtin == "dict":
                self._dict_with_keywords(node)
            return
        value = arg.value
        assert isinstance(value, (cst.List, cst.ListComp))
        if builtin == "frozenset" and (isinstance(value, cst.ListComp) or value.elements):
            if isinstance(value, cst.List) and _constant_elements(value) and not value.lpar:
                # A frozenset copied from a set reuses its hashes: measured faster for
                # constants, which are hashable (no TypeError) and evaluate to themselves.
                self.report(
                    node,
                    "`frozenset()` copies a list display of constants; pass a set display",
                    self.fix(Change(value, set_display(value)), *self._safety(builtin)),
                )
            return  # otherwise no faster form: see the docstring
        if builtin == "dict" and not _pairs(value):
            if isinstance(value, cst.ListComp) and not isinstance(value.elt, _displays()):
                self._dict_of_generator(node, arg, value)
            return
        change = self._change(node, arg, builtin)
        message = self._message(builtin, value)
        if change is None:
            self.report(node, message)
        else:
            self.report(node, message, self.fix(change, *self._safety(builtin)))

    def _dict_of_generator(self, call: cst.Call, arg: cst.Arg, comp: cst.ListComp) -> None:
        """``dict([line.split("=", 1) for line in lines])``: pairs that are not written as
        ``(key, value)``; ``dict()`` takes them from a generator just as well."""
        if is_async(comp):
            return  # an asynchronous generator: dict() would raise TypeError
        old, new = generator_argument(call, arg)
        stop = lazy_stop_iteration(self.context, comp)
        if stop is not None:
            fix = self.fix(Change(old, new), UNSAFE, stop_iteration_reason(self.context, stop))
        else:
            fix = self.fix(Change(old, new), *self._safety("dict"))
        self.report(
            call,
            "`dict()` copies a list comprehension of pairs and throws it away; pass it a "
            "generator expression",
            fix,
        )

    def _dict_with_keywords(self, call: cst.Call) -> None:
        """``dict([(k, v) ...], name=value, **more)``: one dict display (or a dict
        comprehension unpacked into one) holds the keywords too."""
        first, *rest = call.args
        value = first.value
        if first.keyword is not None or first.star or not rest:
            return
        if not all((a.keyword is not None and not a.star) or a.star == "**" for a in rest):
            return
        assert isinstance(value, (cst.List, cst.ListComp))
        if not _pairs(value):
            return
        what = "list comprehension" if isinstance(value, cst.ListComp) else "list display"
        message = (
            f"`dict()` copies a {what} and throws it away; use one dict display that holds "
            "the keyword arguments too"
        )
        display = _merged_dict(call, value, rest)
        if display is None:
            self.report(call, message)
            return
        change = Change(call, display)
        unpacked = [a for a in rest if a.star == "**"]
        if unpacked:
            code = self.context.code_for(unpacked[0].value).strip()
            fix = self.fix(
                change,
                UNSAFE,
                f"`**{code}` in a call raises TypeError on a key that is not a string or that "
                "repeats a keyword argument; a dict display accepts both",
            )
        else:
            fix = self.fix(change, *self._safety("dict"))
        self.report(call, message, fix)

    # -- the fixes ---------------------------------------------------------------------------

    def _safety(self, builtin: str) -> tuple[Applicability, str]:
        row = self.context.facts.measures_object_sizes
        if row is None:
            return SAFE, SAFE_REASON
        return UNSAFE, (
            f"the module measures object sizes (line {row}): the result of `{builtin}()` and "
            "the new code may be allocated with different spare capacity, which "
            "`sys.getsizeof()` sees"
        )

    def _change(self, call: cst.Call, arg: cst.Arg, builtin: str) -> Change | None:
        value = arg.value
        assert isinstance(value, (cst.List, cst.ListComp))
        if isinstance(value, cst.List) and not value.elements and builtin in {"set", "frozenset"}:
            if has_comment(value):
                return None
            return Change(call, call.with_changes(args=[]))
        if _call_holds_comments(call, arg):
            return None
        outer = {"lpar": call.lpar, "rpar": call.rpar}
        if builtin == "list":
            parenthesized = value.with_changes(
                lpar=[*call.lpar, *value.lpar], rpar=[*value.rpar, *call.rpar]
            )
            return Change(call, parenthesized)
        if value.lpar:
            return None  # `set(([...]))`: rare; the parentheses would need a home
        if builtin == "set":
            if isinstance(value, cst.ListComp):
                return Change(call, set_comprehension_from(value).with_changes(**outer))
            return Change(call, set_display(value).with_changes(**outer))
        display = _dict_from_pairs(value)
        return None if display is None else Change(call, display.with_changes(**outer))

    @staticmethod
    def _message(builtin: str, value: cst.List | cst.ListComp) -> str:
        what = "list comprehension" if isinstance(value, cst.ListComp) else "list display"
        result = {
            "set": "a set comprehension" if isinstance(value, cst.ListComp) else "a set display",
            "dict": "a dict comprehension" if isinstance(value, cst.ListComp) else "a dict display",
            "list": "the list itself",
            "frozenset": "`frozenset()`",
        }[builtin]
        if isinstance(value, cst.List) and not value.elements:
            result = {"dict": "`{}`", "list": "`[]`"}.get(builtin, f"`{builtin}()`")
        return f"`{builtin}()` copies a {what} and throws it away; use {result}"


def _constant_elements(value: cst.List) -> bool:
    return all(
        isinstance(element, cst.Element) and is_hashable_constant(element.value)
        for element in value.elements
    )


def _call_holds_comments(call: cst.Call, arg: cst.Arg) -> bool:
    return (
        has_comment(call.whitespace_after_func)
        or has_comment(call.whitespace_before_args)
        or has_comment(arg.whitespace_after_arg)
        or (isinstance(arg.comma, cst.Comma) and has_comment(arg.comma))
    )


def _pair(node: cst.BaseExpression) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
    """``(key, value)``: a parenthesized tuple of two plain elements."""
    if not isinstance(node, cst.Tuple) or len(node.elements) != 2 or not node.lpar:
        return None
    key, value = node.elements
    if not isinstance(key, cst.Element) or not isinstance(value, cst.Element):
        return None
    return key.value, value.value


def _pairs(value: cst.List | cst.ListComp) -> bool:
    """A comprehension of ``(key, value)`` pairs, or a display of them (or empty)."""
    if isinstance(value, cst.ListComp):
        return _pair(value.elt) is not None
    return all(isinstance(e, cst.Element) and _pair(e.value) is not None for e in value.elements)


def _pair_is_plain(node: cst.BaseExpression) -> bool:
    """The pair's parentheses and comma hold no comment (a dict has no place for one)."""
    assert isinstance(node, cst.Tuple)
    commas = [e.comma for e in node.elements if isinstance(e.comma, cst.Comma)]
    return not any(has_comment(part) for part in (*node.lpar, *node.rpar, *commas))


def _dict_from_pairs(value: cst.List | cst.ListComp) -> cst.Dict | cst.DictComp | None:
    lbrace = cst.LeftCurlyBrace(whitespace_after=value.lbracket.whitespace_after)
    rbrace = cst.RightCurlyBrace(whitespace_before=value.rbracket.whitespace_before)
    if isinstance(value, cst.ListComp):
        pair = _pair(value.elt)
        if pair is None or not _pair_is_plain(value.elt):
            return None
        return cst.DictComp(
            key=pair[0],
            value=pair[1],
            for_in=value.for_in,
            lbrace=lbrace,
            rbrace=rbrace,
            whitespace_before_colon=cst.SimpleWhitespace(""),
            whitespace_after_colon=cst.SimpleWhitespace(" "),
        )
    elements = []
    for element in value.elements:
        assert isinstance(element, cst.Element)
        pair = _pair(element.value)
        if pair is None or not _pair_is_plain(element.value):
            return None
        elements.append(
            cst.DictElement(
                key=pair[0], value=pair[1], comma=element.comma,
                whitespace_before_colon=cst.SimpleWhitespace(""),
                whitespace_after_colon=cst.SimpleWhitespace(" "),
            )
        )
    return cst.Dict(elements=elements, lbrace=lbrace, rbrace=rbrace)


@cache
def _displays() -> tuple[type[cst.Tuple], type[cst.List], type[cst.Set], type[cst.Dict]]:
    return (cst.Tuple, cst.List, cst.Set, cst.Dict)


def _merged_dict(
    call: cst.Call, value: cst.List | cst.ListComp, keywords: list[cst.Arg]
) -> cst.Dict | None:
    """``dict([(a, 1)], b=2, **more)`` -> ``{a: 1, "b": 2, **more}``; ``dict([(k, v) for
    ...], b=2)`` -> ``{**{k: v for ...}, "b": 2}``. None when a comment would be lost."""
    if any(has_comment(part) for part in (
        call.whitespace_after_func, call.whitespace_before_args, call.args[0].whitespace_after_arg,
        *(cst.ensure_type(call.args[0].comma, cst.Comma),), *keywords,
    )) or value.lpar:
        return None
    plain = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    added: list[cst.BaseDictElement] = []
    for keyword in keywords:
        if keyword.keyword is not None:
            key = cst.SimpleString(f'"{keyword.keyword.value}"')
            added.append(cst.DictElement(key=key, value=keyword.value))
        else:
            added.append(cst.StarredDictElement(value=keyword.value))
    if isinstance(value, cst.ListComp):
        inner = _dict_from_pairs(value)
        if inner is None:
            return None
        elements: list[cst.BaseDictElement] = [cst.StarredDictElement(value=inner), *added]
        return cst.Dict(
            elements=[e.with_changes(comma=plain) for e in elements[:-1]] + elements[-1:],
            lpar=call.lpar,
            rpar=call.rpar,
        )
    display = _dict_from_pairs(value)
    if not isinstance(display, cst.Dict):
        return None
    existing = list(display.elements)
    if not existing:
        return cst.Dict(
            elements=[e.with_changes(comma=plain) for e in added[:-1]] + added[-1:],
            lpar=call.lpar,
            rpar=call.rpar,
        )
    # New elements follow the layout of the old ones: the separator between the first two,
    # and the last one's own trailing comma (or none) at the end.
    separator = existing[0].comma if len(existing) > 1 else plain
    if not isinstance(separator, cst.Comma) or has_comment(separator):
        separator = plain
    trailing = existing[-1].comma
    existing[-1] = existing[-1].with_changes(comma=separator)
    added = [e.with_changes(comma=separator) for e in added[:-1]] + [
        added[-1].with_changes(comma=trailing)
    ]
    return display.with_changes(elements=[*existing, *added], lpar=call.lpar, rpar=call.rpar)
