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
from perfcodemod.analysis.classes import instance_hashing, module_class
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.purity import Purity, _Values, mutable_display, own_nodes
from perfcodemod.context import RuleContext
from perfcodemod.lazycst import cst
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

    @property
    def bound(self) -> int | None:
        """How many entries the cache keeps, when the code says (128 for ``@lru_cache`` and
        ``lru_cache()``); None when unbounded or not a constant."""
        if self.unbounded:
            return None
        if self.maxsize is None:
            return 128
        value = self.maxsize.value if isinstance(self.maxsize, ast.Constant) else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None


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


def is_stub(function: FunctionNode) -> bool:
    """The body is only a docstring, ``...``, ``pass`` or ``raise NotImplementedError``: a
    protocol, an overload or a test of decorators, which computes nothing a cache could
    keep."""
    for statement in function.body:
        if isinstance(statement, ast.Pass):
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # a docstring or ``...``
        if isinstance(statement, ast.Raise) and statement.exc is not None:
            raised = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
            if isinstance(raised, ast.Name) and raised.id == "NotImplementedError":
                continue
        return False
    return True


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
            hashing = annotated_class_hashing(arg.annotation, facts)
            if "unhashable" in hashing:
                return f"`{arg.arg}` is annotated with a class whose instances cannot hash"
            if hashing and hashing <= {"value", "identity"}:
                continue
        if arg is function.args.kwarg or arg is function.args.vararg:
            if parameter_use(function, arg.arg, facts) == "container":
                # ``*args``/``**kwargs`` are always iterated; what they hold is unknown.
                if not external:
                    return f"what `{arg.arg}` holds is not known"
            continue
        # An opaque use proves nothing of an annotated class from elsewhere: a dataclass that is
        # not frozen is used opaquely too, and cannot hash.
        if arg.annotation is None and parameter_use(function, arg.arg, facts) == "scalar":
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


def annotated_class_hashing(annotation: ast.expr, facts: ModuleFacts) -> set[str]:
    """How the instances of the classes an annotation names hash (``value``, ``identity``,
    ``unhashable``, ``unknown``: see ``analysis/classes.py``); ``None`` and other known
    hashable names count as ``value``. Empty when it names nothing."""
    from perfcodemod.analysis.hashability import HASHABLE_ANNOTATIONS

    found: set[str] = set()
    for name in annotation_types(annotation):
        if name in HASHABLE_ANNOTATIONS:
            found.add("value")
            continue
        defined = module_class(name, facts)
        found.add(instance_hashing(defined, facts) if defined is not None else "unknown")
    return found


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
    """How the module calls ``function`` with arguments that may repeat: ``in a loop at line
    N`` (a loop whose iterations may pass the same arguments again) or ``from N places`` (calls
    that may pass equal arguments); None when no call may repeat another's arguments. A loop
    whose iterations each pass a value no other iteration passes (the index of a ``range``
    or ``enumerate``, the keys of a dict or set, the items of a de-duplicated list, a counter
    that only grows) cannot repeat; nor can calls that pass different constants for one
    parameter (``quote(s, tcsh=True)`` and ``quote(s, tcsh=False)``)."""
    external = [c for c in calls_of(function, facts) if not _inside(c, function, facts)]
    parents = facts.parents
    for call in external:
        parent = parents.get(call)
        while parent is not None and not isinstance(
            parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
        ):
            if isinstance(parent, (ast.For, ast.While, ast.AsyncFor, *COMPREHENSIONS)):
                if not _distinct_each_iteration(call, parent):
                    return f"in a loop at line {call.lineno}"
                break
            parent = parents.get(parent)
    sharing = [
        call
        for call in external
        if any(other is not call and _may_share_key(call, other, function) for other in external)
    ]
    if len(sharing) >= 2:
        return f"from {len(sharing)} places"
    return None


def repeated_arguments(function: FunctionNode, facts: ModuleFacts) -> str | None:
    """Where the module certainly calls ``function`` again with arguments it had before, so
    that a cache would have hits (None when the code does not show it):

    - ``with arguments that take few values at line N each time `g()` runs``: a call in the
      body of a function ``g`` (not in a loop of it, where hoisting the call is the fix; not a
      test, which runs once) whose every argument takes few values however long the program
      runs (:func:`few_values`: constants, module constants, ``Enum`` members...);
    - ``for each character of a text in the loop at line N``: a call in a loop whose
      arguments are one character (or byte) of a text (:func:`one_character`) or do not change
      in the loop, at least one a character: a text has far more characters than its
      alphabet.

    A loop over other items, or calls from several places with variable arguments, may or
    may not repeat them: only a measured hit rate can say (the profile-guided mode)."""
    from perfcodemod.analysis.loops import enclosing_loops_ast

    table = scopes(facts)
    calls, _ = _calls_and_references(function, facts)
    for call in sorted(calls, key=lambda call: (call.lineno, call.col_offset)):
        if _inside(call, function, facts) or any(
            isinstance(a, ast.Starred) for a in call.args
        ) or any(keyword.arg is None for keyword in call.keywords):
            continue
        where = table.scope_at(call)
        arguments = [*call.args, *(keyword.value for keyword in call.keywords)]
        loops, boundary = enclosing_loops_ast(facts, call)
        if loops:
            characters = [a for a in arguments if one_character(a, where, facts)]
            if characters and all(
                a in characters
                or few_values(a, where, facts)
                or _unchanged_in(a, loops[0])
                for a in arguments
            ):
                return f"for each character of a text in the loop at line {call.lineno}"
            continue
        if (
            isinstance(boundary, (ast.FunctionDef, ast.AsyncFunctionDef))
            and not boundary.name.startswith("test")
            and all(few_values(a, where, facts) for a in arguments)
        ):
            return (
                f"with arguments that take few values at line {call.lineno} each time "
                f"`{boundary.name}()` runs"
            )
    return None


def _unchanged_in(expr: ast.expr, loop: ast.AST) -> bool:
    """``expr`` is names and constants (and operators on them) that ``loop`` never binds: the
    same value in every iteration."""
    names = set()
    for node in ast.walk(expr):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif not isinstance(
            node, (ast.Constant, ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop,
                   ast.expr_context)
        ):
            return False  # a call or an attribute may give another value each time
    for node in ast.walk(loop):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load) and node.id in names:
            return False
    return True


def _distinct_each_iteration(call: ast.Call, loop: ast.AST) -> bool:
    """Some argument of ``call`` takes a value in each iteration of ``loop`` that no other
    iteration gives it: it is (or offsets) a loop variable over distinct values, or a variable
    the loop moves on by a constant step."""
    distinct = _distinct_loop_names(loop) | _stepped_names(loop)
    for argument in [*call.args, *(keyword.value for keyword in call.keywords)]:
        if _one_to_one(argument, distinct):
            return True
    return False


def _one_to_one(expr: ast.expr, names: set[str]) -> bool:
    """``expr`` is one of ``names``, or one of them shifted or negated (``i``, ``-i``,
    ``i + 1``, ``n - i``), so distinct values stay distinct."""
    if isinstance(expr, ast.Name):
        return expr.id in names
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        return _one_to_one(expr.operand, names)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Sub)):
        left, right = _one_to_one(expr.left, names), _one_to_one(expr.right, names)
        return left != right and not (
            _mentions(expr.right if left else expr.left, names)
        )
    return False


#: Calls whose iteration yields each value once.
_DISTINCT_ITERABLES = frozenset({"range", "set", "frozenset", "dict", "enumerate"})
_DISTINCT_METHODS = frozenset({"keys", "items", "fromkeys"})


def _distinct_loop_names(loop: ast.AST) -> set[str]:
    """Loop variables that take a different value in each iteration: the target of a ``range``,
    a set or a dict (or its ``.keys()``), the index of ``enumerate``, the key of ``.items()``."""
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        pairs = [(loop.target, loop.iter)]
    elif isinstance(loop, COMPREHENSIONS):
        pairs = [(g.target, g.iter) for g in loop.generators]
    else:
        return set()
    found = set()
    for target, iterable in pairs:
        kind = _distinct_iterable(iterable)
        if kind is None:
            continue
        if kind in {"enumerate", "items"}:
            if isinstance(target, ast.Tuple) and target.elts:
                target = target.elts[0]
            else:
                continue
        if isinstance(target, ast.Name):
            found.add(target.id)
    return found


def _distinct_iterable(iterable: ast.expr) -> str | None:
    if isinstance(iterable, (ast.Set, ast.SetComp, ast.Dict, ast.DictComp)):
        return "set"
    if not isinstance(iterable, ast.Call):
        return None
    func = iterable.func
    if isinstance(func, ast.Name) and func.id in _DISTINCT_ITERABLES:
        return func.id
    if isinstance(func, ast.Name) and func.id == "sorted" and iterable.args:
        return "sorted" if _distinct_iterable(iterable.args[0]) in {"set", "frozenset"} else None
    if isinstance(func, ast.Attribute) and func.attr in _DISTINCT_METHODS:
        return "items" if func.attr == "items" else "keys"
    return None


def _stepped_names(loop: ast.AST) -> set[str]:
    """Variables that every rebinding in ``loop`` moves on by a nonzero constant step (``pos +=
    1``, ``n //= 2``) or from their own value (``pos = skip(src, pos)``), with at least one
    step: they never come back to a value they had."""
    if not isinstance(loop, (ast.For, ast.While, ast.AsyncFor)):
        return set()
    stepped: set[str] = set()
    reset: set[str] = set()
    for node in (n for statement in loop.body for n in ast.walk(statement)):
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            step = node.value
            if (
                isinstance(node.op, (ast.Add, ast.Sub, ast.FloorDiv, ast.RShift))
                and isinstance(step, ast.Constant)
                and isinstance(step.value, int)
                and step.value > (1 if isinstance(node.op, ast.FloorDiv) else 0)
            ):
                stepped.add(node.target.id)
            else:
                reset.add(node.target.id)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name) and not _mentions(node.value, {name.id}):
                        reset.add(name.id)
        elif isinstance(node, (ast.For, ast.comprehension, ast.NamedExpr, ast.AnnAssign)):
            reset.update(n.id for n in ast.walk(node.target) if isinstance(n, ast.Name))
    return stepped - reset


def _may_share_key(call: ast.Call, other: ast.Call, function: FunctionNode) -> bool:
    """Two calls may pass equal arguments: no parameter gets different constants from them."""
    mine, theirs = _constant_arguments(call, function), _constant_arguments(other, function)
    return not any(
        key in theirs and theirs[key] != value for key, value in mine.items()
    )


def _constant_arguments(call: ast.Call, function: FunctionNode) -> dict[str, object]:
    positional = [*function.args.posonlyargs, *function.args.args]
    found: dict[str, object] = {}
    for arg in all_params(function.args):
        value = _argument_for(call, arg, positional)
        if isinstance(value, ast.Constant):
            found[arg.arg] = (type(value.value), value.value)
    return found


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


# -- what callers do with a cached function's result (PCM415) ---------------------------------

#: Calls that copy the container they are given (the caller's own object, not the cache's).
_COPYING_BUILTINS = frozenset({"list", "dict", "set", "tuple", "frozenset", "sorted"})
_COPYING_FUNCTIONS = frozenset({"copy.copy", "copy.deepcopy"})


@dataclass(frozen=True)
class ResultUses:
    """What the module's calls of a function do with the object it returns."""

    #: Every call is in sight: the function is private (``_name``) or nested, and the module
    #: mentions it only to call it.
    visible: bool
    #: Lines of calls whose result is copied at once (``dict(_env())``, ``list(f())[:]``...).
    copied: tuple[int, ...] = ()
    #: Lines where a caller only reads the result (iterates, indexes, measures, tests it).
    read: tuple[int, ...] = ()
    #: Lines where a caller changes the result in place (``f().append(x)``, ``r = f();
    #: r[0] = x``).
    changed: tuple[int, ...] = ()
    #: Lines where the result goes somewhere this analysis cannot follow (returned, stored,
    #: passed on).
    escaped: tuple[int, ...] = ()


def result_uses(function: FunctionNode, facts: ModuleFacts) -> ResultUses:
    """Where the module's calls of ``function`` copy, read, change or pass on its result."""
    calls, every_reference_a_call = _calls_and_references(function, facts)
    private = role(function, facts) == "nested" or (
        function.name.startswith("_") and not function.name.endswith("__")
    )
    found: dict[str, list[int]] = {"copied": [], "read": [], "changed": [], "escaped": []}
    for call in calls:
        found[_result_use(call, facts)].append(call.lineno)
    return ResultUses(
        private and every_reference_a_call,
        *(tuple(found[key]) for key in ("copied", "read", "changed", "escaped")),
    )


def _calls_and_references(
    function: FunctionNode, facts: ModuleFacts
) -> tuple[list[ast.Call], bool]:
    """The calls of ``function`` (``f(...)``, or ``x.f(...)`` for a method), and whether the
    module mentions its name only in those calls."""
    parents = facts.parents
    if role(function, facts) in {"module", "nested"}:
        references: list[ast.expr] = list(facts.loads.get(function.name, []))
    else:
        references = [
            attribute
            for attribute in facts.nodes(ast.Attribute)
            if attribute.attr == function.name
        ]
    calls = []
    seen = 0
    for reference in references:
        parent = parents.get(reference)
        if isinstance(parent, ast.Call) and parent.func is reference:
            calls.append(parent)
            seen += 1
            continue
        aliased = _alias_calls(reference, facts)
        if aliased is not None:  # ``translate = self._translate_parts``, then ``translate(v)``
            calls.extend(aliased)
            seen += 1
    return calls, seen == len(references)


def _alias_calls(reference: ast.expr, facts: ModuleFacts) -> list[ast.Call] | None:
    """The calls through a local alias (``name = reference`` in a function, the name bound
    once and only ever called); None when ``reference`` is not so bound."""
    assignment = facts.parents.get(reference)
    if not (
        isinstance(assignment, ast.Assign)
        and assignment.value is reference
        and len(assignment.targets) == 1
        and isinstance(assignment.targets[0], ast.Name)
    ):
        return None
    alias = assignment.targets[0].id
    holder = facts.enclosing_function(assignment)
    if holder is None:
        return None
    calls = []
    for node in ast.walk(holder):
        if isinstance(node, ast.Name) and node.id == alias:
            if not isinstance(node.ctx, ast.Load):
                if node is not assignment.targets[0]:
                    return None
                continue
            parent = facts.parents.get(node)
            if not (isinstance(parent, ast.Call) and parent.func is node):
                return None
            calls.append(parent)
    return calls


def _result_use(call: ast.Call, facts: ModuleFacts) -> str:
    from perfcodemod.analysis.uses import Use, ast_use

    if _copies(call, facts):
        return "copied"
    parent = facts.parents.get(call)
    if (
        isinstance(parent, ast.Assign)
        and len(parent.targets) == 1
        and isinstance(parent.targets[0], ast.Name)
    ):
        return _variable_use(parent.targets[0].id, parent, facts)
    if _read_by_method(call, facts) or _truth_tested_item(call, facts):
        return "read"
    use = ast_use(facts, call)  # type: ignore[arg-type]  # any expression's parent decides
    return {Use.READ: "read", Use.MUTATE: "changed"}.get(use, "escaped")


def _truth_tested_item(value: ast.expr, facts: ModuleFacts) -> bool:
    """``any(value for ...)``, ``all(value for ...)``: each item is only tested for truth."""
    generator = facts.parents.get(value)
    if not (isinstance(generator, ast.GeneratorExp) and generator.elt is value):
        return False
    call = facts.parents.get(generator)
    return (
        isinstance(call, ast.Call)
        and call.args == [generator]
        and isinstance(call.func, ast.Name)
        and call.func.id in {"any", "all"}
        and facts.is_unbound_builtin(call.func.id)
    )


def _read_by_method(value: ast.expr, facts: ModuleFacts) -> bool:
    """``value.get(k)``, ``value.items()``...: a method of the builtin containers that only
    reads."""
    from perfcodemod.analysis.methods import READING_METHODS

    parent = facts.parents.get(value)
    return (
        isinstance(parent, ast.Attribute)
        and parent.attr in READING_METHODS
        and isinstance(facts.parents.get(parent), ast.Call)
    )


def _copies(value: ast.expr, facts: ModuleFacts) -> bool:
    """``value`` is copied at once: ``list(value)``, ``dict(value)``, ``copy.copy(value)``,
    ``value.copy()``, ``value[:]``, ``[*value]``, ``{**value}``."""
    parent = facts.parents.get(value)
    if isinstance(parent, ast.Call) and parent.args == [value] and not parent.keywords:
        func = parent.func
        if isinstance(func, ast.Name) and func.id in _COPYING_BUILTINS:
            return facts.is_unbound_builtin(func.id)
        table = scopes(facts)
        return qualified_name_at(func, table.scope_at(parent), table) in _COPYING_FUNCTIONS
    if isinstance(parent, ast.Attribute) and parent.attr == "copy":
        grandparent = facts.parents.get(parent)
        return isinstance(grandparent, ast.Call) and grandparent.func is parent
    if isinstance(parent, ast.Subscript) and isinstance(parent.slice, ast.Slice):
        whole = parent.slice
        return whole.lower is None and whole.upper is None and whole.step is None
    if isinstance(parent, ast.Starred):
        return isinstance(facts.parents.get(parent), (ast.List, ast.Set))
    if isinstance(parent, ast.keyword) and parent.arg is None:
        return True  # ``f(**value)``: the callee gets a dict of its own
    return isinstance(parent, ast.Dict) and None in parent.keys and any(
        v is value for k, v in zip(parent.keys, parent.values) if k is None
    )


def _variable_use(name: str, assignment: ast.Assign, facts: ModuleFacts) -> str:
    """What the function holding ``name = f(...)`` does with ``name``: the worst of its uses
    (a change, then an escape, then a read; a copy counts as a read)."""
    from perfcodemod.analysis.uses import Use, ast_use

    holder = facts.enclosing_function(assignment) or facts.tree
    worst = "read"
    for node in ast.walk(holder):
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            if node.target.id == name:
                return "changed"  # ``items += [x]`` extends a list in place
        if not (isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)):
            continue
        if _copies(node, facts) or _read_by_method(node, facts):
            continue
        use = ast_use(facts, node)
        if use is Use.MUTATE:
            return "changed"
        if use is not Use.READ:
            worst = "escaped"
    return worst


# -- how many keys a cache can get (PCM417) ---------------------------------------------------

#: Attributes whose values are parts of the loaded program (code objects, functions, classes,
#: modules): as many as the program has, however long it runs.
PROGRAM_ATTRIBUTES = frozenset(
    {
        "co_filename", "co_name", "co_qualname", "f_code", "__code__", "__name__",
        "__qualname__", "__module__", "__class__", "__file__", "__func__",
    }
)
#: Annotations of parameters whose values are parts of the loaded program.
PROGRAM_TYPES = frozenset(
    {"type", "Type", "ModuleType", "CodeType", "FunctionType", "MethodType", "FrameType"}
)


def few_values(expr: ast.expr, scope: Scope, facts: ModuleFacts, depth: int = 0) -> bool:
    """``expr`` takes few values however long the program runs: a constant (or a tuple of
    them), an attribute of an imported module (``sys.executable``, ``zoneinfo.TZPATH``), an
    ``Enum`` member, a part of the loaded program (``frame.f_code.co_filename``,
    ``cls.__name__``, ``type(x)``), or a variable bound only to such values."""
    from perfcodemod.analysis.hashability import enum_classes, is_constant_ast

    if depth > 5:
        return False
    if is_constant_ast(expr):
        return True
    if isinstance(expr, ast.Tuple):
        return all(few_values(e, scope, facts, depth + 1) for e in expr.elts)
    if isinstance(expr, ast.Attribute):
        if expr.attr in PROGRAM_ATTRIBUTES:
            return True
        root: ast.expr = expr
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name):
            return False
        if root.id in enum_classes(facts):
            return True
        owner = scopes(facts).resolve(root.id, scope)
        bindings = owner.bindings.get(root.id, []) if owner is not None else []
        # An attribute of an imported module (or class): fixed when the process starts.
        return bool(bindings) and all(binding.kind == "import" for binding in bindings)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        return expr.func.id == "type" and facts.is_unbound_builtin("type") and len(expr.args) == 1
    if isinstance(expr, ast.Name):
        table = scopes(facts)
        owner = table.resolve(expr.id, scope)
        if owner is None:
            return expr.id in {"True", "False", "None", "__file__", "__name__"}
        bindings = owner.bindings.get(expr.id, [])
        if not bindings:
            return False
        for binding in bindings:
            if binding.kind in {"param", "annassign"} and binding.annotation is not None:
                types = annotation_types(binding.annotation)
                if not types or not set(types) <= PROGRAM_TYPES | {"bool", "Literal", "None"}:
                    return False
            elif binding.kind == "assign" and binding.value is not None:
                if not few_values(binding.value, owner, facts, depth + 1):
                    return False
            else:
                return False
        return True
    return False


#: ``str`` (and ``bytes``) methods that return the same type as the object they are called on.
_TEXT_METHODS = frozenset(
    {
        "lower", "upper", "casefold", "title", "capitalize", "swapcase", "strip", "lstrip",
        "rstrip", "replace", "expandtabs", "zfill", "center", "ljust", "rjust", "translate",
        "join", "removeprefix", "removesuffix",
    }
)


def text_kind(expr: ast.expr, scope: Scope, facts: ModuleFacts, depth: int = 0) -> str | None:
    """``str`` or ``bytes`` when ``expr`` is certainly one: a literal, an f-string, ``str()``,
    ``x.decode()`` / ``x.encode()``, a slice of one, a ``str`` method of one, a variable
    annotated ``str``/``bytes`` or bound only to such values."""
    if depth > 5:
        return None
    if isinstance(expr, ast.Constant) and isinstance(expr.value, (str, bytes)):
        return type(expr.value).__name__
    if isinstance(expr, ast.JoinedStr):
        return "str"
    if isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Slice):
        return text_kind(expr.value, scope, facts, depth + 1)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        left = text_kind(expr.left, scope, facts, depth + 1)
        return left if left == text_kind(expr.right, scope, facts, depth + 1) else None
    if isinstance(expr, ast.Call):
        func = expr.func
        if isinstance(func, ast.Name) and func.id in {"str", "bytes"}:
            return func.id if facts.is_unbound_builtin(func.id) else None
        if isinstance(func, ast.Attribute):
            if func.attr in {"decode", "encode"}:
                return "str" if func.attr == "decode" else "bytes"
            if func.attr in _TEXT_METHODS:
                return text_kind(func.value, scope, facts, depth + 1)
        return None
    if isinstance(expr, ast.Name):
        owner = scopes(facts).resolve(expr.id, scope)
        bindings = owner.bindings.get(expr.id, []) if owner is not None else []
        kinds = set()
        for binding in bindings:
            if binding.kind in {"param", "annassign"} and binding.annotation is not None:
                types = annotation_types(binding.annotation)
                kinds.add(types[0] if types in (["str"], ["bytes"]) else None)
            elif binding.kind == "assign" and binding.value is not None and owner is not None:
                kinds.add(text_kind(binding.value, owner, facts, depth + 1))
            else:
                return None
        return kinds.pop() if len(kinds) == 1 else None
    return None


def one_character(expr: ast.expr, scope: Scope, facts: ModuleFacts, depth: int = 0) -> bool:
    """``expr`` is one character of a text or one byte of a ``bytes``: ``chr(n)``, ``text[i]``,
    an item of a ``for`` loop or comprehension over a text (or a slice of one), or a variable
    bound only to such. The values it takes are the input's alphabet: at most 1,114,112 code
    points, 256 bytes."""
    if depth > 5:
        return False
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        return expr.func.id == "chr" and facts.is_unbound_builtin("chr")
    if isinstance(expr, ast.Subscript) and not isinstance(expr.slice, ast.Slice):
        return text_kind(expr.value, scope, facts, depth + 1) is not None
    if not isinstance(expr, ast.Name):
        return False
    iterable = _comprehension_iterable(expr, facts)
    if iterable is not None:
        return text_kind(iterable, scopes(facts).scope_at(iterable), facts, depth + 1) is not None
    owner = scopes(facts).resolve(expr.id, scope)
    bindings = owner.bindings.get(expr.id, []) if owner is not None else []
    if owner is None or not bindings:
        return False
    for binding in bindings:
        if binding.value is None:
            return False
        if binding.kind == "for":
            if text_kind(binding.value, owner, facts, depth + 1) is None:
                return False
        elif binding.kind != "assign" or not one_character(binding.value, owner, facts, depth + 1):
            return False
    return True


def checks_one_character(function: FunctionNode, name: str) -> bool:
    """``function`` returns only when its parameter ``name`` is one character (or one byte):
    before anything can return, a statement of its body raises unless ``len(name) == 1``
    (``if len(c) != 1: raise ...``) or evaluates ``ord(name)``. A cache keeps results, never
    exceptions, so its keys are characters."""
    for statement in function.body:
        if isinstance(statement, ast.If) and _raises_unless_one_long(statement, name):
            return True
        if isinstance(statement, (ast.Expr, ast.Assign, ast.AnnAssign)) and statement.value:
            if any(
                _call_of_name("ord", node, name) for node in _unconditional_parts(statement.value)
            ):
                return True
        if any(
            isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom))
            for node in ast.walk(statement)
        ):
            return False
    return False


def _raises_unless_one_long(statement: ast.If, name: str) -> bool:
    """``if len(name) != 1: raise ...`` (or ``> 1``, or such a test among ``or``-ed ones)."""
    if not statement.body or not isinstance(statement.body[-1], ast.Raise):
        return False
    if any(isinstance(node, ast.Return) for part in statement.body for node in ast.walk(part)):
        return False
    tests = statement.test.values if (
        isinstance(statement.test, ast.BoolOp) and isinstance(statement.test.op, ast.Or)
    ) else [statement.test]
    for test in tests:
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
            continue
        bound = test.comparators[0]
        if not (
            _call_of_name("len", test.left, name)
            and isinstance(bound, ast.Constant)
            and bound.value == 1
        ):
            continue
        if isinstance(test.ops[0], (ast.NotEq, ast.Gt)):
            return True
    return False


def _call_of_name(function: str, node: ast.AST, name: str) -> bool:
    """``node`` is ``function(name)`` (``len(c)``, ``ord(c)``)."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == function
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id == name
    )


def _unconditional_parts(expr: ast.expr) -> Iterator[ast.AST]:
    """The nodes of ``expr`` that every evaluation of it evaluates (not the branches of a
    conditional expression, the later operands of ``and``/``or``, lambdas, or the elements of a
    comprehension, which may run zero times)."""
    stack: list[ast.AST] = [expr]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.IfExp):
            stack.append(node.test)
        elif isinstance(node, ast.BoolOp):
            stack.append(node.values[0])
        elif isinstance(node, (ast.Lambda, *COMPREHENSIONS)):
            continue
        else:
            stack.extend(ast.iter_child_nodes(node))


def _comprehension_iterable(name: ast.Name, facts: ModuleFacts) -> ast.expr | None:
    """The iterable of the comprehension ``for`` that binds ``name`` to each item directly
    (``for c in text``); None when no comprehension around ``name`` binds it."""
    parents = facts.parents
    child: ast.AST = name
    parent = parents.get(name)
    while parent is not None and not isinstance(parent, (ast.stmt, ast.Lambda)):
        if isinstance(parent, COMPREHENSIONS) and child is not parent.generators[0].iter:
            for generator in reversed(parent.generators):
                target = generator.target
                if isinstance(target, ast.Name) and target.id == name.id:
                    return generator.iter
                if any(isinstance(n, ast.Name) and n.id == name.id for n in ast.walk(target)):
                    return None
        child = parent
        parent = parents.get(parent)
    return None


def called_only_with_bounded_values(function: FunctionNode, facts: ModuleFacts) -> bool:
    """The module calls ``function`` (and mentions it only to call it), and every call passes
    only values that :func:`few_values` or :func:`one_character` accepts: its cache cannot
    grow past a handful of entries, or past the alphabet of the text it is fed (a bound there
    must be above the alphabet, which only the author knows)."""
    calls, every_reference_a_call = _calls_and_references(function, facts)
    if not calls or not every_reference_a_call:
        return False
    table = scopes(facts)
    for call in calls:
        where = table.scope_at(call)
        arguments = [*call.args, *(keyword.value for keyword in call.keywords)]
        if any(isinstance(a, ast.Starred) for a in call.args) or any(
            keyword.arg is None for keyword in call.keywords
        ):
            return False
        if not all(
            few_values(argument, where, facts) or one_character(argument, where, facts)
            for argument in arguments
        ):
            return False
    return True


# -- files whose content a cache cannot outlive (PCM414) --------------------------------------

#: Values that name the running installation: the interpreter and the loaded code's files, which
#: do not change while the process runs.
INSTALLATION_VALUES = frozenset(
    {
        "sys.executable", "sys._base_executable", "sys.prefix", "sys.base_prefix",
        "sys.exec_prefix", "sys.base_exec_prefix", "sys.platlibdir",
    }
)
#: Functions whose result names the file of loaded code.
INSTALLATION_CALLS = frozenset(
    {"inspect.getsourcefile", "inspect.getfile", "inspect.getabsfile", "inspect.getmodule"}
)
#: Calls that write (or move into place) the file named by their argument at this index.
_WRITING_CALLS = {
    "os.rename": 1, "os.renames": 1, "os.replace": 1, "shutil.move": 1, "shutil.copy": 1,
    "shutil.copyfile": 1, "shutil.copy2": 1,
}
_WRITING_METHODS = frozenset({"write_text", "write_bytes", "touch", "rename", "replace"})
_OPENERS = frozenset(
    {"builtins.open", "io.open", "gzip.open", "gzip.GzipFile", "bz2.open", "lzma.open"}
)


def unchanging_file_lines(function: FunctionNode, facts: ModuleFacts) -> frozenset[int]:
    """Lines of ``function``'s own body whose file reads cannot go stale under its cache: reads
    of a file the function writes itself (its own on-disk cache of the result: written when
    missing, read otherwise), and reads of the running installation (``sys.executable``, the
    source file of a loaded module, or a parameter that every call in the module passes such a
    value)."""
    table = scopes(facts)
    own = table.of(function)
    tainted: set[str] = set(_persisted_names(function, facts)) | _installation_params(
        function, facts
    )
    body = [node for statement in function.body for node in ast.walk(statement)]
    changed = True
    while changed:  # names bound from what names such a file name (or open) it too
        changed = False
        for node in body:
            targets, value = _binding_of(node)
            if value is None or not (
                _mentions(value, tainted) or _installation_value(value, own, facts)
            ):
                continue
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name) and name.id not in tainted:
                        tainted.add(name.id)
                        changed = True
    return frozenset(
        node.lineno
        for node in body
        if isinstance(node, ast.Call)
        and (_mentions(node, tainted) or _installation_value(node, own, facts))
    )


def _binding_of(node: ast.AST) -> tuple[list[ast.expr], ast.expr | None]:
    if isinstance(node, ast.Assign):
        return list(node.targets), node.value
    if isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
        return [node.target], node.value
    if isinstance(node, ast.withitem) and node.optional_vars is not None:
        return [node.optional_vars], node.context_expr
    if isinstance(node, (ast.For, ast.comprehension)):
        return [node.target], node.iter
    return [], None


def _mentions(node: ast.AST, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def _installation_value(expr: ast.AST, scope: Scope, facts: ModuleFacts) -> bool:
    """``expr`` is, or is built from, a name of the running installation."""
    table = scopes(facts)
    for node in ast.walk(expr):
        if isinstance(node, ast.Name) and node.id == "__file__":
            return True
        if isinstance(node, ast.Attribute) and node.attr == "__file__":
            return True
        if isinstance(node, (ast.Attribute, ast.Name)):
            name = qualified_name_at(node, scope, table)
            if name in INSTALLATION_VALUES:
                return True
        if isinstance(node, ast.Call):
            if qualified_name_at(node.func, scope, table) in INSTALLATION_CALLS:
                return True
    return False


def _installation_params(function: FunctionNode, facts: ModuleFacts) -> set[str]:
    """Parameters that every call of ``function`` in the module passes a name of the running
    installation (``_get_musl_version(sys.executable)``)."""
    calls, every_reference_a_call = _calls_and_references(function, facts)
    if not calls or not every_reference_a_call:
        return set()
    table = scopes(facts)
    positional = [*function.args.posonlyargs, *function.args.args]
    found = set()
    for arg in all_params(function.args):
        values = [_argument_for(call, arg, positional) for call in calls]
        if all(
            value is not None and _installation_value(value, table.scope_at(call), facts)
            for value, call in zip(values, calls)
        ):
            found.add(arg.arg)
    return found


def _persisted_names(function: FunctionNode, facts: ModuleFacts) -> Iterator[str]:
    """Names of the files that ``function`` itself writes or moves into place."""
    table = scopes(facts)
    own = table.of(function)
    for node in own_nodes(function):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = qualified_name_at(func, own, table) or ""
        target: ast.expr | None = None
        if name in _WRITING_CALLS and len(node.args) > _WRITING_CALLS[name]:
            target = node.args[_WRITING_CALLS[name]]
        elif name in _OPENERS and node.args and _writes(node):
            target = node.args[0]
        elif isinstance(func, ast.Attribute) and func.attr in _WRITING_METHODS:
            target = func.value
        if target is not None:
            yield from (n.id for n in ast.walk(target) if isinstance(n, ast.Name))


def _writes(call: ast.Call) -> bool:
    """An ``open``-like call with a mode that writes (``w``, ``a``, ``x``, ``+``)."""
    mode = call.args[1] if len(call.args) > 1 else None
    for keyword in call.keywords:
        if keyword.arg == "mode":
            mode = keyword.value
    return (
        isinstance(mode, ast.Constant)
        and isinstance(mode.value, str)
        and any(letter in mode.value for letter in "wax+")
    )
