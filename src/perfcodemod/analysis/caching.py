"""What the caching rules (PCM4xx) ask of a function: cache decorators however they are imported,
the role of a function (module function, method, nested), what a call of it returns,
self-recursion, version parameters, unhashable parameters and arguments. The analyses work on the
module's ``ast``; a visitor reaches them through the ``ast`` twin of the LibCST node it visits.
The rules' shared base class is in ``rules/caching/base.py``.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import libcst as cst

from perfcodemod.analysis.astscope import (
    COMPREHENSIONS,
    FunctionNode,
    Scope,
    Scopes,
    all_params,
    decorator_callee,
    qualified_name_at,
    scopes,
    writers_elsewhere,
)
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.purity import Purity, _Values, mutable_display, own_nodes
from perfcodemod.context import RuleContext
from perfcodemod.proposals import ImportRequest

if TYPE_CHECKING:
    from perfcodemod.rule import Rule

CACHE_FUNCTIONS = frozenset({"functools.cache", "functools.lru_cache"})
#: The last part of a decorator's name that may be a cache decorator (a cheap first filter).
_CACHE_TAILS = frozenset({"cache", "lru_cache"})


@dataclass(frozen=True)
class CacheDecorator:
    """A ``functools.cache``/``lru_cache`` decorator and what it says."""

    node: ast.expr
    #: Its place in the function's decorator list (the same in the LibCST twin's).
    index: int
    #: ``functools.cache`` or ``functools.lru_cache``.
    function: str
    #: ``cache``, ``lru_cache(None)``, ``lru_cache(maxsize=None)``.
    unbounded: bool
    #: The ``maxsize`` argument, when one is written.
    maxsize: ast.expr | None = None


def _tail(expr: ast.expr) -> str:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return ""


def may_be_cached(function: FunctionNode, facts: ModuleFacts) -> bool:
    """A cheap filter for pre-checks: some decorator is a name that may be a cache decorator
    (``cache``, ``lru_cache``, ``functools.cache``, or any name imported from ``functools``)."""
    for decorator in function.decorator_list:
        callee = decorator_callee(decorator)
        tail = _tail(callee)
        if tail in _CACHE_TAILS:
            return True
        if isinstance(callee, ast.Name):
            if any(q.startswith("functools.") for q in facts.imported_as.get(callee.id, ())):
                return True
            if callee.id in facts.bindings and not facts.imported_as.get(callee.id):
                return True  # an alias (``memo = functools.cache``): let the resolver decide
    return False


def cache_decorators(function: FunctionNode, facts: ModuleFacts) -> list[CacheDecorator]:
    """The cache decorators of ``function`` (usually zero or one)."""
    if not function.decorator_list or not may_be_cached(function, facts):
        return []
    table = scopes(facts)
    where = table.enclosing_scope(function)
    found = []
    for index, decorator in enumerate(function.decorator_list):
        name = qualified_name_at(decorator_callee(decorator), where, table)
        if name in CACHE_FUNCTIONS:
            found.append(_describe(decorator, index, name))
    return found


def _describe(decorator: ast.expr, index: int, name: str) -> CacheDecorator:
    if name == "functools.cache":
        return CacheDecorator(decorator, index, name, True)
    if not isinstance(decorator, ast.Call):
        return CacheDecorator(decorator, index, name, False)  # ``@lru_cache``: maxsize=128
    maxsize: ast.expr | None = decorator.args[0] if decorator.args else None
    for keyword in decorator.keywords:
        if keyword.arg == "maxsize":
            maxsize = keyword.value
    unbounded = isinstance(maxsize, ast.Constant) and maxsize.value is None
    return CacheDecorator(decorator, index, name, unbounded, maxsize)


def decorator_names(function: FunctionNode, facts: ModuleFacts) -> list[str]:
    """The qualified names of ``function``'s decorators (``builtins.staticmethod``...; ``?``
    for those that cannot be resolved)."""
    table = scopes(facts)
    where = table.enclosing_scope(function)
    return [
        qualified_name_at(decorator_callee(d), where, table) or "?" for d in function.decorator_list
    ]


#: Methods that Python makes class methods without a decorator (``__new__`` is a static method).
_IMPLICIT_CLASSMETHODS = frozenset({"__init_subclass__", "__class_getitem__"})


def role(function: FunctionNode, facts: ModuleFacts) -> str:
    """``module`` (a function of the module, also under ``if``/``try``), ``method``,
    ``staticmethod``, ``classmethod``, ``property`` or ``nested`` (inside a function)."""
    table = scopes(facts)
    owner = table.enclosing_scope(function)
    if owner.is_module:
        return "module"
    if owner.is_class:
        names = decorator_names(function, facts)
        if "builtins.staticmethod" in names or function.name == "__new__":
            return "staticmethod"
        if "builtins.classmethod" in names or function.name in _IMPLICIT_CLASSMETHODS:
            return "classmethod"
        if "builtins.property" in names or any(n.endswith((".setter", ".getter")) for n in names):
            return "property"
        return "method"
    return "nested"


def owner_class(function: FunctionNode, facts: ModuleFacts) -> ast.ClassDef | None:
    """The class whose body defines ``function`` (None for other functions)."""
    owner = scopes(facts).enclosing_scope(function).node
    return owner if isinstance(owner, ast.ClassDef) else None


def is_generator(function: FunctionNode) -> bool:
    return any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in own_nodes(function))


#: What calling a function returns: what a cache on it keeps.
CallResult = Literal["value", "coroutine", "generator"]


def call_returns(function: FunctionNode) -> CallResult:
    """What a call of ``function`` returns, which is what a cache keeps: ``generator`` (a
    ``def`` or ``async def`` with ``yield``), ``coroutine`` (any other ``async def``) or
    ``value``."""
    if is_generator(function):
        return "generator"
    if isinstance(function, ast.AsyncFunctionDef):
        return "coroutine"
    return "value"


# -- recursion --------------------------------------------------------------------------------


def self_calls(function: FunctionNode, facts: ModuleFacts) -> list[ast.Call]:
    """The calls in ``function``'s own body that call ``function`` itself by name."""
    return [call for call, _ in self_calls_in_loops(function, facts)]


def self_calls_in_loops(
    function: FunctionNode, facts: ModuleFacts
) -> list[tuple[ast.Call, ast.AST | None]]:
    """Each call of ``function`` by itself, with the innermost loop or comprehension (of its own
    body) it sits in. A walk of the body alone: no parent map is needed."""
    found: list[tuple[ast.Call, ast.AST | None]] = []
    stack: list[tuple[ast.AST, ast.AST | None]] = [(child, None) for child in function.body]
    while stack:
        node, loop = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == function.name
        ):
            found.append((node, loop))
        if isinstance(node, (ast.For, ast.AsyncFor)):
            stack += [(node.iter, loop), (node.target, loop)]
            stack += [(child, node) for child in (*node.body, *node.orelse)]
        elif isinstance(node, ast.While):
            stack += [(child, node) for child in (node.test, *node.body, *node.orelse)]
        elif isinstance(node, COMPREHENSIONS):
            generators = node.generators
            stack.append((generators[0].iter, loop))
            stack += [
                (child, node)
                for child in ast.iter_child_nodes(node)
                if child is not generators[0] and not isinstance(child, ast.comprehension)
            ]
            for index, generator in enumerate(generators):
                parts = [generator.target, *generator.ifs] + ([generator.iter] if index else [])
                stack += [(part, node) for part in parts]
        else:
            stack += [(child, loop) for child in ast.iter_child_nodes(node)]
    if found:
        table = scopes(facts)
        if not _reaches(function.name, table.of(function), function, table):
            return []
    found.sort(key=lambda item: (item[0].lineno, item[0].col_offset))
    return found


def _reaches(name: str, scope: Scope, function: FunctionNode, table: Scopes) -> bool:
    owner = table.resolve(name, scope)
    if owner is None:
        return False
    bindings = owner.bindings.get(name, [])
    return (
        len(bindings) == 1
        and bindings[0].node is function
        and not writers_elsewhere(name, owner, table)
    )


def recursion(function: FunctionNode, facts: ModuleFacts) -> str | None:
    """``overlapping`` when one call of ``function`` may call itself twice or more (two calls on
    one path through the body, or a call in a loop or comprehension) on arguments that shrink by
    steps; ``divide`` when the arguments are halved (divide and conquer: the subproblems do not
    overlap); ``structural`` when a loop passes on the elements of a collection (each visited
    once); ``linear`` when it calls itself at most once; None when it does not."""
    found = self_calls_in_loops(function, facts)
    if not found:
        return None
    calls = [call for call, _ in found]
    wanted = set(map(id, calls))
    for call, loop in found:
        if loop is not None:
            return "structural" if _walks_elements(call, loop) else "overlapping"
    if any(_halves(argument, function, facts) for call in calls for argument in _arguments(call)):
        return "divide"
    return "overlapping" if _most_calls(function.body, wanted) >= 2 else "linear"


def _walks_elements(call: ast.Call, loop: ast.AST) -> bool:
    """The call passes on, unchanged, an element the loop takes from a collection (``for child
    in node.children: f(child)``, ``all(f(c) for c in s)``): structural recursion, which visits
    each element once; only loops over ``range()`` build overlapping subproblems that way."""
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        loops = [(loop.target, loop.iter)]
    elif isinstance(loop, COMPREHENSIONS):
        loops = [(g.target, g.iter) for g in loop.generators]
    else:
        return False
    bare = {a.id for a in _arguments(call) if isinstance(a, ast.Name)}
    for target, iterable in loops:
        names = {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
        is_range = (
            isinstance(iterable, ast.Call)
            and isinstance(iterable.func, ast.Name)
            and iterable.func.id in {"range", "enumerate", "zip"}
        )
        if names & bare and not is_range:
            return True
    return False


def _arguments(call: ast.Call) -> list[ast.expr]:
    return [*call.args, *(k.value for k in call.keywords)]


def _halves(expr: ast.expr, function: FunctionNode, facts: ModuleFacts, depth: int = 0) -> bool:
    """``expr`` divides (``//``, ``/``, ``>>``, directly or through a variable of the function):
    a divide-and-conquer recursion, whose subproblems do not overlap."""
    if depth > 4:
        return False
    table = scopes(facts)
    own = table.of(function)
    for node in ast.walk(expr):
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.FloorDiv, ast.Div, ast.RShift)):
            return True
        if isinstance(node, ast.Slice):
            continue
        if isinstance(node, ast.Name) and own.binds(node.id):
            for binding in own.bindings[node.id]:
                if binding.kind not in {"assign", "annassign", "augassign", "walrus"}:
                    continue
                if binding.value is not None and _halves(binding.value, function, facts, depth + 1):
                    return True
    return False


def _terminates(statements: list[ast.stmt]) -> bool:
    return bool(statements) and isinstance(
        statements[-1], (ast.Return, ast.Raise, ast.Continue, ast.Break)
    )


def _most_calls(statements: list[ast.stmt], wanted: set[int]) -> int:
    """The most calls (of those in ``wanted``) that one path through ``statements`` makes."""
    total = 0
    for index, statement in enumerate(statements):
        if isinstance(statement, ast.If):
            rest = statements[index + 1 :]
            after = _most_calls(rest, wanted)
            body = _most_calls(statement.body, wanted) + (
                0 if _terminates(statement.body) else after
            )
            orelse = _most_calls(statement.orelse, wanted) + (
                0 if _terminates(statement.orelse) else after
            )
            return total + _expr_calls(statement.test, wanted) + max(body, orelse)
        if sys.version_info >= (3, 10) and isinstance(statement, ast.Match):
            match = statement
            rest = statements[index + 1 :]
            after = _most_calls(rest, wanted)
            cases = [
                _most_calls(case.body, wanted) + (0 if _terminates(case.body) else after)
                for case in match.cases
            ]
            return total + _expr_calls(match.subject, wanted) + max(cases + [after])
        total += _expr_calls(statement, wanted)
        if isinstance(statement, (ast.Return, ast.Raise)):
            return total
    return total


def _expr_calls(node: ast.AST, wanted: set[int]) -> int:
    if isinstance(node, ast.IfExp):
        return _expr_calls(node.test, wanted) + max(
            _expr_calls(node.body, wanted), _expr_calls(node.orelse, wanted)
        )
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
        return 0
    count = 1 if id(node) in wanted else 0
    return count + sum(_expr_calls(child, wanted) for child in ast.iter_child_nodes(node))


def calls_of(function: FunctionNode, facts: ModuleFacts) -> Iterator[ast.Call]:
    """Every call in the module that reaches ``function`` by its name."""
    table = scopes(facts)
    owner = table.enclosing_scope(function)
    if owner.is_class:
        return
    for call in facts.nodes(ast.Call):
        func = call.func
        if isinstance(func, ast.Name) and func.id == function.name:
            if _reaches(func.id, table.scope_at(call), function, table):
                yield call


# -- versions and hashability -----------------------------------------------------------------

#: Parts of a parameter name that say it carries a version of what the function reads.
VERSION_WORDS = (
    "hash", "mtime", "etag", "version", "digest", "checksum", "fingerprint", "revision",
    "timestamp", "modified", "generation", "ctime", "sha1", "sha256", "md5",
)
VERSION_TOKENS = frozenset({"sha", "rev", "crc", "stamp", "ver", "tag"})
#: What a version parameter makes legitimate: reads whose result changes only when something
#: that can be versioned changes. The clock, randomness, standard input and the environment
#: cannot be versioned by an argument.
VERSIONABLE_EFFECTS = frozenset(
    {"file", "network", "process", "configured", "module-state", "enclosing-state"}
)


def version_parameter(
    function: FunctionNode, extra: Collection[str] = ()
) -> str | None:
    """The first parameter whose name says it carries a version (``file_hash``, ``mtime``,
    ``etag``, ``version``, ``content_sha``...), or one named in ``extra`` (names or ``fnmatch``
    patterns)."""
    import fnmatch

    for arg in all_params(function.args):
        name = arg.arg.lower()
        tokens = set(re.split(r"[_\d]+", name))
        if any(word in name for word in VERSION_WORDS) or tokens & VERSION_TOKENS:
            return arg.arg
        if any(fnmatch.fnmatchcase(arg.arg, pattern) for pattern in extra):
            return arg.arg
    return None


#: Type names whose instances are unhashable.
UNHASHABLE_TYPES = frozenset(
    {
        "list", "List", "dict", "Dict", "set", "Set", "bytearray", "MutableMapping",
        "MutableSequence", "MutableSet", "defaultdict", "DefaultDict", "OrderedDict", "Counter",
        "deque", "Deque", "ndarray", "DataFrame", "Series", "ChainMap",
    }
)


def annotation_types(annotation: ast.expr) -> list[str]:
    """The outer type names an annotation allows (``Optional[list[int]]`` -> list, None)."""
    if isinstance(annotation, ast.Constant):
        if isinstance(annotation.value, str):
            try:
                return annotation_types(ast.parse(annotation.value, mode="eval").body)
            except SyntaxError:
                return []
        return ["None"] if annotation.value is None else []
    if isinstance(annotation, ast.Name):
        return [annotation.id]
    if isinstance(annotation, ast.Attribute):
        return [annotation.attr]
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return annotation_types(annotation.left) + annotation_types(annotation.right)
    if isinstance(annotation, ast.Subscript):
        head = annotation_types(annotation.value)
        index = annotation.slice
        items = index.elts if isinstance(index, ast.Tuple) else [index]
        if head in (["Optional"], ["Union"]):
            found = [name for item in items for name in annotation_types(item)]
            return found + ["None"] if head == ["Optional"] else found
        if head == ["Annotated"] and items:
            return annotation_types(items[0])
        return head
    return []


def unhashable_default(value: ast.expr | None) -> str | None:
    """``list``, ``dict``, ``set`` or ``bytearray`` for a default value that builds one."""
    display = mutable_display(value)
    if display:
        return display
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id in {"list", "dict", "set", "bytearray"}
    ):
        return value.func.id
    return None


def cacheable_params(function: FunctionNode, function_role: str) -> list[ast.arg]:
    """The parameters that make up the cache key (``self``/``cls`` are part of the key of a
    method, but are not this analysis's business)."""
    params = all_params(function.args)
    if function_role in {"method", "classmethod", "property"} and params:
        return params[1:]
    return params


def defaults_by_param(function: FunctionNode) -> dict[str, ast.expr]:
    args = function.args
    positional = [*args.posonlyargs, *args.args]
    found: dict[str, ast.expr] = {}
    for arg, default in zip(positional[len(positional) - len(args.defaults):], args.defaults):
        found[arg.arg] = default
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults):
        if kw_default is not None:
            found[arg.arg] = kw_default
    return found


_UNHASHABLE_KINDS = frozenset(
    {"list", "dict", "set", "bytearray", "defaultdict", "OrderedDict", "Counter", "deque"}
)


def unhashable_arguments(
    call: ast.Call, analysis: Purity
) -> Iterator[tuple[ast.expr, str]]:
    """Arguments of ``call`` that are certainly unhashable: a new list, dict or set (a display,
    a comprehension, ``list(...)``...), or a variable bound only to such values."""
    table = analysis.scopes
    scope = table.scope_at(call)
    node = scope.node
    function = node if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
    values = _Values(analysis, scope, function)  # type: ignore[arg-type]
    for argument in [*call.args, *(k.value for k in call.keywords if k.arg is not None)]:
        if isinstance(argument, ast.Starred):
            continue
        kind = values.fresh_mutable(argument, every_path=True)
        if kind in _UNHASHABLE_KINDS:
            yield argument, kind


# -- cached functions, and the rules about them (PCM411-PCM417) ---------------------------------


@dataclass(frozen=True)
class CachedFunction:
    """A function with a cache decorator."""

    #: Its ``ast``: what the whole-module analyses are asked about.
    function: FunctionNode
    #: Its cache decorators, in the order written (usually one).
    decorators: tuple[CacheDecorator, ...]
    #: What a call returns, which is what the cache keeps (:func:`call_returns`).
    returns: CallResult

    @property
    def decorator(self) -> CacheDecorator:
        """The first cache decorator: the one reports point at."""
        return self.decorators[0]


@dataclass(frozen=True)
class CachedTwin(CachedFunction):
    """A cached function in the chunk being visited, with its LibCST node."""

    node: cst.FunctionDef

    def decorator_node(self, decorator: CacheDecorator | None = None) -> cst.Decorator:
        """The LibCST twin of a cache decorator (the first one by default)."""
        return self.node.decorators[(decorator or self.decorator).index]


def cached_functions(facts: ModuleFacts) -> dict[FunctionNode, CachedFunction]:
    """Every function of the module with a cache decorator, in source order (computed once per
    module)."""
    cached: dict[FunctionNode, CachedFunction] | None = getattr(facts, "_cached_functions", None)
    if cached is None:
        found = []
        for function in facts.nodes(ast.FunctionDef, ast.AsyncFunctionDef):
            if function.decorator_list and may_be_cached(function, facts):
                decorators = tuple(cache_decorators(function, facts))
                if decorators:
                    found.append(CachedFunction(function, decorators, call_returns(function)))
        found.sort(key=lambda cached_function: cached_function.function.lineno)
        cached = {cached_function.function: cached_function for cached_function in found}
        facts._cached_functions = cached  # type: ignore[attr-defined]
    return cached


def other_cached_functions(function: FunctionNode, facts: ModuleFacts) -> frozenset[ast.AST]:
    """The module's cached functions but ``function``: reported on their own, so analyses of
    ``function`` do not follow calls into them."""
    return frozenset(cached_functions(facts)) - {function}


def cached_twin(context: RuleContext, node: cst.FunctionDef) -> CachedTwin | None:
    """``node`` as a cached function, if it has a cache decorator."""
    from perfcodemod.analysis.twins import ast_function

    if not node.decorators:
        return None
    function = ast_function(context, node)
    cached = cached_functions(context.facts).get(function) if function is not None else None
    if cached is None:
        return None
    return CachedTwin(cached.function, cached.decorators, cached.returns, node)


def clears_cache(function: FunctionNode, facts: ModuleFacts) -> bool:
    """The module calls ``function.cache_clear()`` somewhere (``f.cache_clear()``,
    ``self.f.cache_clear()``, ``Cls.f.cache_clear()``): it manages the cache's invalidation."""
    cleared: frozenset[str] | None = getattr(facts, "_cleared_caches", None)
    if cleared is None:
        cleared = frozenset(
            _tail(attribute.value)
            for attribute in facts.nodes(ast.Attribute)
            if attribute.attr == "cache_clear"
        )
        facts._cleared_caches = cleared  # type: ignore[attr-defined]
    return function.name in cleared


def module_purity(context: RuleContext, rule: type[Rule] | Rule) -> Purity:
    """The module's purity analysis under this file's ``[tool.perfcodemod.caching]`` options."""
    from perfcodemod.analysis.purity import purity

    return purity(context.facts, context.family_options(rule))


# -- proposing a cache (PCM401, PCM402, PCM417) ------------------------------------------------


def toplevel_row(facts: ModuleFacts, function: FunctionNode) -> int:
    """The first row of the top-level statement holding ``function`` (decorators included)."""
    span = facts.toplevel_span(function.lineno)
    return span[0] if span else function.lineno


def cache_reference(
    context: RuleContext, function: FunctionNode, maxsize: str | None = None
) -> tuple[str, tuple[ImportRequest, ...]] | None:
    """The decorator to add, in the module's import style: ``functools.cache`` (or
    ``lru_cache(maxsize=None)`` below Python 3.9), or ``lru_cache(maxsize=N)`` when ``maxsize``
    is given; and the imports that takes. None when every spelling would collide."""
    from perfcodemod.analysis.imports import reference

    row = toplevel_row(context.facts, function)
    if maxsize is None and context.target_version >= (3, 9):
        found = reference(context.facts, "functools", "cache", row)
        return (found.expression, found.imports) if found else None
    found = reference(context.facts, "functools", "lru_cache", row)
    if found is None:
        return None
    return f"{found.expression}(maxsize={maxsize or 'None'})", found.imports


# -- are the parameters hashable? (PCM401, PCM402) ---------------------------------------------

#: Builtins that take a collection: a parameter passed to one is a container.
_CONSUMERS = frozenset(
    {
        "len", "sorted", "list", "set", "tuple", "frozenset", "dict", "sum", "any", "all",
        "enumerate", "zip", "iter", "reversed", "map", "filter",
    }
)
#: Builtins whose result is hashable whatever the (valid) argument.
_HASHABLE_RESULTS = frozenset(
    {
        "str", "int", "float", "bool", "bytes", "len", "ord", "chr", "abs", "hash", "repr",
        "tuple", "frozenset", "round", "min", "max", "sum", "hex", "oct", "bin",
    }
)


def parameter_use(
    function: FunctionNode, name: str, facts: ModuleFacts, seen: frozenset[ast.AST] = frozenset()
) -> str:
    """``scalar`` when ``function`` uses parameter ``name`` only as a number or opaque value
    (arithmetic, comparisons, an index, an argument of a call of itself, or of a function of the
    module that uses it so, a format value), so that a list would not work anyway;
    ``container`` when it indexes, iterates, measures or passes it on, which a list would
    satisfy."""
    seen = seen | {function}
    table = scopes(facts)
    own = table.of(function)
    parents = facts.parents
    for node in ast.walk(function):
        if not (isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)):
            continue
        if table.resolve(name, table.scope_at(node)) is not own:
            continue
        parent = parents.get(node)
        if isinstance(parent, (ast.Subscript, ast.Attribute)) and parent.value is node:
            return "container"
        if isinstance(parent, (ast.For, ast.comprehension)) and parent.iter is node:
            return "container"
        if isinstance(parent, ast.Starred):
            return "container"
        if isinstance(parent, ast.Compare) and any(
            isinstance(op, (ast.In, ast.NotIn)) and comparator is node
            for op, comparator in zip(parent.ops, parent.comparators)
        ):
            return "container"
        if isinstance(parent, ast.keyword):
            parent = parents.get(parent)
        if isinstance(parent, ast.Call) and parent.func is not node:
            func = parent.func
            if isinstance(func, ast.Name) and func.id == function.name:
                continue  # passed on to itself
            if isinstance(func, ast.Name) and facts.is_unbound_builtin(func.id):
                if func.id in _CONSUMERS or (func.id in {"min", "max"} and len(parent.args) == 1):
                    return "container"
                continue
            name_of = qualified_name_at(func, table.scope_at(parent), table) or ""
            if name_of.startswith(("math.", "cmath.", "operator.")):
                continue
            if _passed_as_scalar(parent, node, table, facts, seen):
                continue
            return "container"
    return "scalar"


def _passed_as_scalar(
    call: ast.Call, value: ast.Name, table: Scopes, facts: ModuleFacts, seen: frozenset[ast.AST]
) -> bool:
    """``value`` is passed to a function of the module that uses that parameter as a scalar."""
    if not isinstance(call.func, ast.Name):
        return False
    owner = table.resolve(call.func.id, table.scope_at(call))
    bindings = owner.bindings.get(call.func.id, []) if owner else []
    if len(bindings) != 1 or bindings[0].kind != "def":
        return False
    callee = bindings[0].node
    assert isinstance(callee, (ast.FunctionDef, ast.AsyncFunctionDef))
    if callee in seen:
        return True
    positional = [*callee.args.posonlyargs, *callee.args.args]
    target: str | None = None
    for index, argument in enumerate(call.args):
        if argument is value and index < len(positional):
            target = positional[index].arg
    for keyword in call.keywords:
        if keyword.value is value:
            target = keyword.arg
    return target is not None and parameter_use(callee, target, facts, seen) == "scalar"


def is_hashable_value(expr: ast.expr, scope: Scope, facts: ModuleFacts, depth: int = 0) -> bool:
    """``expr`` certainly evaluates to a hashable value (a constant, an f-string, a tuple of
    such, arithmetic on them, a builtin that returns one, a variable bound only to such)."""
    from perfcodemod.analysis.hashability import annotation_is_hashable, is_constant_ast

    if depth > 5:
        return False
    if is_constant_ast(expr) or isinstance(expr, ast.JoinedStr):
        return True
    if isinstance(expr, ast.Tuple):
        return all(is_hashable_value(e, scope, facts, depth + 1) for e in expr.elts)
    if isinstance(expr, (ast.BinOp, ast.UnaryOp)):
        parts = [expr.left, expr.right] if isinstance(expr, ast.BinOp) else [expr.operand]
        return all(is_hashable_value(p, scope, facts, depth + 1) for p in parts)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        return expr.func.id in _HASHABLE_RESULTS and facts.is_unbound_builtin(expr.func.id)
    if isinstance(expr, ast.Name):
        table = scopes(facts)
        owner = table.resolve(expr.id, scope)
        if owner is None:
            return expr.id in {"True", "False", "None"}
        bindings = owner.bindings.get(expr.id, [])
        if not bindings:
            return False
        for binding in bindings:
            if binding.kind in {"param", "annassign"} and binding.annotation is not None:
                if not annotation_is_hashable(binding.annotation, facts):
                    return False
            elif binding.kind == "assign" and binding.value is not None:
                if not is_hashable_value(binding.value, owner, facts, depth + 1):
                    return False
            else:
                return False
        return True
    return False


def unhashable_parameter(function: FunctionNode, facts: ModuleFacts) -> str | None:
    """Why some parameter of ``function`` may be unhashable (None: all are hashable, by
    annotation, by how the function uses them, or by what every call in the module passes)."""
    from perfcodemod.analysis.hashability import annotation_is_hashable

    defaults = defaults_by_param(function)
    external = [
        call for call in calls_of(function, facts) if not _inside(call, function, facts)
    ]
    positional = [*function.args.posonlyargs, *function.args.args]
    for arg in all_params(function.args):
        if unhashable_default(defaults.get(arg.arg)):
            return f"`{arg.arg}` defaults to an unhashable value"
        if arg.annotation is not None:
            if any(t in UNHASHABLE_TYPES for t in annotation_types(arg.annotation)):
                return f"`{arg.arg}` is annotated as an unhashable type"
            if annotation_is_hashable(arg.annotation, facts):
                continue
        if arg is function.args.kwarg or arg is function.args.vararg:
            if parameter_use(function, arg.arg, facts) == "container":
                # ``*args``/``**kwargs`` are always iterated; what they hold is unknown.
                if not external:
                    return f"what `{arg.arg}` holds is not known"
            continue
        if parameter_use(function, arg.arg, facts) == "scalar":
            continue
        if not external:
            return f"`{arg.arg}` may be a list (nothing in the module calls it)"
        for call in external:
            value = _argument_for(call, arg, positional)
            if value is None:
                if arg.arg in defaults:
                    continue
                return f"a call passes `{arg.arg}` in a way that cannot be followed"
            if not is_hashable_value(value, scopes(facts).scope_at(call), facts):
                return f"a call at line {call.lineno} may pass an unhashable `{arg.arg}`"
    return None


def _inside(node: ast.AST, function: FunctionNode, facts: ModuleFacts) -> bool:
    parent = facts.parents.get(node)
    while parent is not None:
        if parent is function:
            return True
        parent = facts.parents.get(parent)
    return False


def _argument_for(call: ast.Call, arg: ast.arg, positional: list[ast.arg]) -> ast.expr | None:
    if any(isinstance(a, ast.Starred) for a in call.args):
        return None
    if any(k.arg is None for k in call.keywords):
        return None
    for keyword in call.keywords:
        if keyword.arg == arg.arg:
            return keyword.value
    if arg in positional:
        index = positional.index(arg)
        if index < len(call.args):
            return call.args[index]
    return None


def called_repeatedly(function: FunctionNode, facts: ModuleFacts) -> str | None:
    """How the module calls ``function`` more than once: ``in a loop at line N`` or ``from N
    places`` (None: at most one call, outside loops)."""
    external = [c for c in calls_of(function, facts) if not _inside(c, function, facts)]
    parents = facts.parents
    for call in external:
        parent = parents.get(call)
        while parent is not None and not isinstance(
            parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
        ):
            if isinstance(parent, (ast.For, ast.While, ast.AsyncFor, *COMPREHENSIONS)):
                return f"in a loop at line {call.lineno}"
            parent = parents.get(parent)
    if len(external) >= 2:
        return f"from {len(external)} places"
    return None


def does_work(function: FunctionNode) -> bool:
    """The body loops over data (a ``while``, or a ``for`` or comprehension whose iterable is not
    a display or a ``range`` of constants): a call costs more than a cache lookup."""
    for node in own_nodes(function):
        if isinstance(node, ast.While):
            return True
        if isinstance(node, ast.For) and not _fixed_iterable(node.iter):
            return True
        if isinstance(node, COMPREHENSIONS) and not all(
            _fixed_iterable(generator.iter) for generator in node.generators
        ):
            return True
    return False


def _fixed_iterable(iterable: ast.expr) -> bool:
    """A display (``for t in int, float``) or a ``range`` of constants: a few fixed steps."""
    if isinstance(iterable, (ast.Tuple, ast.List, ast.Set)):
        return True
    return (
        isinstance(iterable, ast.Call)
        and isinstance(iterable.func, ast.Name)
        and iterable.func.id == "range"
        and all(isinstance(a, ast.Constant) for a in iterable.args)
    )
