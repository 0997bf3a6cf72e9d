"""Is a function pure and deterministic? Proven, conservatively, on the module's ``ast``.

A function is **pure** (DESIGN.md, PCM4xx) when, whatever its arguments:

- it declares no ``global`` or ``nonlocal`` and is not a generator or a coroutine;
- it assigns to attributes or items only of objects it created itself (``dp[i][j] = x`` on a
  table it built is fine; ``arg.x = 1`` or ``CACHE[k] = v`` is not), and calls mutating methods
  (``append``, ``update``...) only on such objects;
- it reads no module variable (or variable of an enclosing function) that is rebound or mutated
  anywhere in the module, and no attribute of an object whose state may change;
- it calls only itself, functions of the same module that are pure, functions nested in it, and
  builtins and standard-library functions listed as pure in :mod:`purity_data` (or in the
  ``extra-pure-functions`` option). Anything unknown (a parameter, a method of an object of
  unknown type, a function of another module) makes it impure.

The analysis is interprocedural within the module: a summary of each function on its own
(``Summary``) and a fixpoint over the module's call graph: ``pure(f) = alone_ok(f) and
pure(g) for every g that f calls``. It is the greatest fixpoint, so recursion and mutual
recursion do not by themselves make a function impure. Names are resolved through imports,
aliases (``now = time.time``, ``from time import time as now``) and local imports, so an alias
of the clock is still the clock.

Alongside, the analysis records the **reads of outside state** that make a cache go stale
(files, the clock, randomness, the environment, standard input, the network, other processes,
and module or enclosing variables changed at run time), with where they happen; those propagate
along calls too (a least fixpoint: the union over what a function reaches). Finally it says
whether a function **returns a fresh mutable object** (a list, dict or set it built), which a
cache would hand to every caller.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from perfcodemod.analysis import purity_data as data
from perfcodemod.analysis.astscope import (
    COMPREHENSIONS,
    Binding,
    FunctionNode,
    NodeWalker,
    Scope,
    Scopes,
    comprehension_elements,
    decorator_callee,
    import_target,
    qualified_name_at,
    reads_of,
    scopes,
    use_of,
    writers_elsewhere,
)
from perfcodemod.analysis.facts import BUILTIN_NAMES, ModuleFacts
from perfcodemod.analysis.hashability import enum_classes
from perfcodemod.analysis.methods import MUTATING_METHODS, READING_METHODS

_Edges = Callable[["Summary"], Mapping[FunctionNode, int]]

#: "Any depth": a value that is not a container, or whose every level was built here.
DEEP = 1000

#: What each kind of outside read is called in messages.
EFFECT_WORDS = {
    "clock": "reads the clock",
    "random": "uses randomness",
    "file": "reads the file system",
    "environment": "reads the environment",
    "network": "talks to the network",
    "process": "runs another process",
    "module-state": "reads module state that changes at run time",
    "enclosing-state": "reads a variable of the enclosing function that changes",
    "configured": "calls a function configured as impure",
}

#: Decorators that do not change what calling the function does.
TRANSPARENT_DECORATORS = frozenset(
    {
        "functools.cache", "functools.lru_cache", "functools.wraps", "typing.overload",
        "typing.final", "typing.no_type_check", "builtins.staticmethod",
    }
)
#: Annotations of values that are immutable builtins (reading their attributes is pure).
IMMUTABLE_ANNOTATIONS = frozenset(
    {
        "str", "int", "float", "bool", "bytes", "complex", "tuple", "frozenset", "Tuple",
        "FrozenSet", "Fraction", "Decimal", "date", "datetime", "time", "timedelta",
        "PurePath", "PurePosixPath", "PureWindowsPath", "None", "Literal", "LiteralString",
    }
)
#: Builtins whose result is a new object built from the arguments.
_FRESH_BUILTINS = frozenset({"list", "dict", "set", "bytearray", "sorted", "tuple", "frozenset"})


@dataclass(frozen=True)
class Read:
    """A read of state outside the arguments: what, where, and through which calls."""

    effect: str
    what: str
    line: int
    #: The functions called on the way, from the function asked about to the one that reads.
    via: tuple[str, ...] = ()
    #: Why a variable counts as changing (``changed at line 12``).
    detail: str = ""

    def describe(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        where = f"`{self.what}` at line {self.line}{detail}"
        if self.via:
            where += " (via " + " -> ".join(f"`{name}()`" for name in self.via) + ")"
        return f"{EFFECT_WORDS.get(self.effect, self.effect)}: {where}"


@dataclass
class Summary:
    """One function on its own."""

    function: FunctionNode
    #: The first reason it is impure on its own, and the line; None when it is not.
    impurity: tuple[str, int] | None = None
    #: Functions of the module it calls (or passes as a callable to a pure function).
    callees: dict[FunctionNode, int] = field(default_factory=dict)
    #: Functions whose outside reads it inherits (callees, and ``self.method()`` of its class).
    readers: dict[FunctionNode, int] = field(default_factory=dict)
    reads: list[Read] = field(default_factory=list)

    def impure(self, reason: str, node: ast.AST) -> None:
        if self.impurity is None:
            self.impurity = (reason, getattr(node, "lineno", self.function.lineno))


class Purity:
    """Purity, outside reads and fresh mutable results of a module's functions."""

    def __init__(
        self,
        facts: ModuleFacts,
        extra_pure: Iterable[str] = (),
        extra_impure: Iterable[str] = (),
    ) -> None:
        self.facts = facts
        self.scopes: Scopes = scopes(facts)
        self.extra_pure = frozenset(extra_pure)
        self.extra_impure = frozenset(extra_impure)
        self._summaries: dict[ast.AST, Summary] = {}
        self._pure: dict[ast.AST, bool] = {}
        self._module_vars: dict[tuple[int, str, int], tuple[str, str]] = {}

    # -- summaries ---------------------------------------------------------------------------

    def summary(self, function: FunctionNode) -> Summary:
        found = self._summaries.get(function)
        if found is None:
            walker = _Walker(self, function)
            walker.run()
            found = walker.summary
            self._summaries[function] = found
        return found

    # -- purity: the greatest fixpoint over the call graph --------------------------------

    def is_pure(self, function: FunctionNode) -> bool:
        known = self._pure.get(function)
        if known is not None:
            return known
        reachable = self._reachable(function, lambda s: s.callees)
        impure = {f for f in reachable if self.summary(f).impurity is not None}
        changed = True
        while changed:
            changed = False
            for candidate in reachable:
                if candidate not in impure and any(
                    callee in impure for callee in self.summary(candidate).callees
                ):
                    impure.add(candidate)
                    changed = True
        for candidate in reachable:
            self._pure[candidate] = candidate not in impure
        return self._pure[function]

    def impurity(self, function: FunctionNode) -> str | None:
        """Why ``function`` is not pure (the first reason found on a shortest call path)."""
        if self.is_pure(function):
            return None
        for path in self._paths(function, lambda s: s.callees):
            reason = self.summary(path[-1]).impurity
            if reason is not None:
                text, line = reason
                via = " -> ".join(f"`{f.name}()`" for f in path[1:])
                return f"{text} (line {line}" + (f", via {via})" if via else ")")
        return "it calls an impure function"

    # -- outside reads: the least fixpoint (union over what a function reaches) ------------

    def reads(self, function: FunctionNode, stop: frozenset[ast.AST] = frozenset()) -> list[Read]:
        """Every read of outside state that a call of ``function`` may make, through calls of
        same-module functions (not through those in ``stop``, cached functions say)."""
        found: list[Read] = []
        for path in self._paths(function, lambda s: s.readers, stop):
            via = tuple(f.name for f in path[1:])
            found.extend(
                Read(read.effect, read.what, read.line, via, read.detail)
                for read in self.summary(path[-1]).reads
            )
        return found

    # -- fresh mutable results -------------------------------------------------------------

    def fresh_mutable_return(
        self, function: FunctionNode, stop: frozenset[ast.AST] = frozenset()
    ) -> tuple[ast.Return, str] | None:
        """A ``return`` of ``function`` that hands out a new mutable object (list, dict, set...),
        directly or through a call of a same-module function that does; and what it is."""
        seen: set[ast.AST] = set()
        return self._fresh_return(function, stop, seen)

    def _fresh_return(
        self, function: FunctionNode, stop: frozenset[ast.AST], seen: set[ast.AST]
    ) -> tuple[ast.Return, str] | None:
        seen.add(function)
        values = _Values(self, self.scopes.of(function), function)
        for statement in own_returns(function):
            if statement.value is None:
                continue
            kind = values.fresh_mutable(statement.value)
            if kind:
                return statement, kind
            for callee in values.returned_calls(statement.value):
                if callee in seen or callee in stop:
                    continue
                inner = self._fresh_return(callee, stop, seen)
                if inner is not None:
                    return statement, f"{inner[1]} from `{callee.name}()`"
        return None

    def returns_immutable(
        self, function: FunctionNode, seen: set[ast.AST] | None = None
    ) -> bool:
        """Every ``return`` of ``function`` hands out a value proven immutable: a constant, a
        number or string computed from its arguments, a tuple of such, the result of a builtin or
        standard-library function that returns one, or of a function of the module that does
        (recursion is assumed to). What a cache may safely hand to every caller."""
        seen = seen if seen is not None else set()
        seen.add(function)
        values = _Values(self, self.scopes.of(function), function)
        return all(
            statement.value is None or values.immutable(statement.value, seen)
            for statement in own_returns(function)
        )

    # -- module and enclosing variables ----------------------------------------------------

    def variable_status(
        self, name: str, owner: Scope, reader: ast.AST | None = None
    ) -> tuple[str, str]:
        """What reading ``owner``'s variable ``name`` from an inner function means:
        ``("function"|"class"|"import"|"constant", "")`` are fine; ``("changes", why)`` is a
        variable rebound or mutated at run time (a stale-cache read); ``("unknown", why)`` is
        one that may change (rebound at import time, passed to unknown code...).

        ``reader`` is the ``def`` (or ``class``) statement of ``owner``'s code that holds the
        read, when ``owner`` is a function: its variable changes for the reader only where it
        is rebound or mutated after that statement may have run (:func:`may_run_after_ast`);
        what happens before (two exclusive branches that each assign it once) is settled by
        the time the reader exists."""
        if owner.is_module:
            reader = None
        key = (id(owner.node), name, id(reader))
        cached = self._module_vars.get(key)
        if cached is None:
            cached = self._variable_status(name, owner, reader)
            self._module_vars[key] = cached
        return cached

    def _after(self, node: ast.AST, reader: ast.AST | None) -> bool:
        """``node`` may run after ``reader`` (a statement of the enclosing function) is done;
        always true without a reader."""
        from perfcodemod.analysis.flow import may_run_after_ast

        if not isinstance(reader, ast.stmt):
            return True
        return may_run_after_ast(node, reader, self.facts.parents)

    def _variable_status(
        self, name: str, owner: Scope, reader: ast.AST | None = None
    ) -> tuple[str, str]:
        bindings = owner.bindings.get(name, [])
        writers = writers_elsewhere(name, owner, self.scopes)
        keyword = "global" if owner.is_module else "nonlocal"
        if writers:
            return "changes", f"rebound through `{keyword} {name}`"
        if not bindings:
            return "unknown", "not bound where it is read"
        kinds = {binding.kind for binding in bindings}
        if len(bindings) > 1:
            if kinds <= {"def", "class", "import"}:
                return "unknown", "defined more than once"
            if owner.is_module:
                return "unknown", "assigned more than once"
            later = [b for b in bindings if b.kind != "param" and self._after(b.node, reader)]
            if later:
                return "changes", f"assigned again at line {_line(later[0].node)}{_past(reader)}"
            # Every assignment is done before the reader exists: it sees one value for good.
            return "unknown", "assigned on several paths before the definition"
        (binding,) = bindings
        if binding.kind == "def":
            return "function", ""
        if binding.kind == "class":
            return "class", ""
        if binding.kind == "import":
            return "import", ""
        if binding.kind in {"param", "assign", "annassign"}:
            if binding.kind != "param" and binding.value is None:
                return "unknown", "declared without a value"
            if binding.value is not None and _immutable_constant(binding.value):
                return "constant", ""
            certain = possible = ""
            for read in reads_of(name, owner, self.facts, self.scopes):
                use = use_of(read, self.facts)
                if use == "mutate":
                    in_function = self.facts.enclosing_function(read) is not None
                    if owner.is_module and not in_function:
                        possible = possible or f"changed at line {read.lineno}"
                    elif not self._after(read, reader):
                        possible = possible or f"changed at line {read.lineno}, before"
                    else:
                        certain = f"changed at line {read.lineno}{_past(reader)}"
                        break
                elif use == "escape":
                    possible = possible or f"passed on at line {read.lineno}"
            if certain:
                return "changes", certain
            if possible:
                return "unknown", possible
            return "constant", ""
        return "unknown", f"bound by {binding.kind}"

    # -- graph helpers -----------------------------------------------------------------------

    def _reachable(self, function: FunctionNode, edges: _Edges) -> list[FunctionNode]:
        order = [function]
        seen = {function}
        queue = deque([function])
        while queue:
            current = queue.popleft()
            for callee in edges(self.summary(current)):
                if callee not in seen:
                    seen.add(callee)
                    order.append(callee)
                    queue.append(callee)
        return order

    def _paths(
        self, function: FunctionNode, edges: _Edges, stop: frozenset[ast.AST] = frozenset()
    ) -> Iterator[list[FunctionNode]]:
        """A shortest call path to each function reachable from ``function``, in BFS order."""
        seen = {function}
        queue: deque[list[FunctionNode]] = deque([[function]])
        while queue:
            path = queue.popleft()
            yield path
            for callee in edges(self.summary(path[-1])):
                if callee not in seen and callee not in stop:
                    seen.add(callee)
                    queue.append([*path, callee])

    # -- what names mean ---------------------------------------------------------------------

    def is_pure_qualified(self, name: str) -> bool:
        if self.nondeterministic(name):
            return False
        if data.matches(name, self.extra_pure):
            return True
        if _match_prefix(name, data.IMPURE) or name in data.IMPURE_IN_PURE_MODULES:
            return False
        if name.startswith("builtins."):
            short = name[len("builtins."):]
            if short in data.PURE_BUILTINS or short in data.BUILTIN_EXCEPTIONS:
                return True
        return data.matches(name, data.PURE_STDLIB) is not None

    def nondeterministic(self, name: str) -> str | None:
        """What outside state a call of (or a read of) ``name`` reads: ``os.environ.get`` reads
        the environment because ``os.environ`` does."""
        if _match_prefix(name, self.extra_impure):
            return "configured"
        pattern = _match_prefix(name, data.NONDETERMINISTIC)
        if pattern is None or name in data.SEEDED_CONSTRUCTORS:
            return None
        return data.NONDETERMINISTIC[pattern]


def _match_prefix(name: str, patterns: frozenset[str] | dict[str, str]) -> str | None:
    """The pattern covering ``name`` or one of its dotted prefixes (``sys.stdout.write`` is
    covered by ``sys.stdout``)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        found = data.matches(".".join(parts[:end]), patterns)
        if found is not None:
            return found
    return None


_NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def mutable_display(expr: ast.expr | None) -> str | None:
    """``list``, ``dict`` or ``set`` for a display or comprehension of one: a new object."""
    if isinstance(expr, (ast.List, ast.ListComp)):
        return "list"
    if isinstance(expr, (ast.Dict, ast.DictComp)):
        return "dict"
    if isinstance(expr, (ast.Set, ast.SetComp)):
        return "set"
    return None


def own_returns(function: FunctionNode) -> Iterator[ast.Return]:
    """The ``return`` statements of ``function`` itself (not of functions nested in it)."""
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return):
            yield node
        elif not isinstance(node, _NESTED_SCOPES):
            stack.extend(ast.iter_child_nodes(node))


def own_nodes(function: FunctionNode) -> Iterator[ast.AST]:
    """Every node of ``function``'s body that runs in its own scope (nested scopes left out,
    comprehensions included)."""
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))


def _line(node: ast.AST) -> int:
    return getattr(node, "lineno", 0)


def _past(reader: ast.AST | None) -> str:
    """`` after `f` is defined``, for a message about a variable that changes later."""
    if isinstance(reader, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return f", after `{reader.name}` is defined"
    return ""


def _immutable_constant(node: ast.expr) -> bool:
    """A value that can never change: a constant, or a tuple/frozenset of constants."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Tuple):
        return all(_immutable_constant(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp):
        return _immutable_constant(node.operand)
    if isinstance(node, ast.BinOp):
        return _immutable_constant(node.left) and _immutable_constant(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in (
        "frozenset",
    ):
        return not node.keywords and all(
            isinstance(a, (ast.Set, ast.List, ast.Tuple))
            and all(_immutable_constant(e) for e in a.elts)
            for a in node.args
        )
    return False


def annotation_leaf_names(annotation: ast.expr | None) -> list[str] | None:
    """``Optional[str]`` -> ``["str"]``; None when the annotation is not understood."""
    from perfcodemod.analysis.hashability import _annotation_names

    if annotation is None:
        return None
    return _annotation_names(annotation)


# -- values: how fresh is an object, is it a known builtin ---------------------------------


class _Values:
    """Questions about the values of expressions in one function (and what is nested in it)."""

    def __init__(self, analysis: Purity, scope: Scope, function: FunctionNode) -> None:
        self.analysis = analysis
        self.table = analysis.scopes
        self.scope = scope
        self.function = function
        #: Scopes whose variables are "ours" (the function and what is walked inside it).
        self.own: list[Scope] = [scope]
        #: Comprehension variables in effect.
        self.comprehension: list[set[str]] = []
        self._depth_guard: set[str] = set()
        #: Questions about variables being answered (``x = x.strip()`` asks about ``x`` again).
        self._asking: set[tuple[str, str]] = set()

    @property
    def current(self) -> Scope:
        return self.own[-1]

    def is_comprehension_variable(self, name: str) -> bool:
        return any(name in names for names in self.comprehension)

    def local_bindings(self, name: str) -> list[Binding] | None:
        """The bindings of a variable of this function (None: not one of ours)."""
        if self.is_comprehension_variable(name):
            return None
        owner = self.table.resolve(name, self.current)
        if owner is None or not any(owner is s for s in self.own):
            return None
        return owner.bindings.get(name, [])

    def depth(self, expr: ast.expr) -> int:
        """How many levels of ``expr``'s value were built by this function: 0 for an object from
        elsewhere (a parameter, a module variable), 1 for a new list of outside objects, 2 for a
        new list of new lists..., ``DEEP`` for immutable values and objects built throughout."""
        if isinstance(expr, (ast.Constant, ast.JoinedStr)):
            return DEEP
        if isinstance(expr, (ast.List, ast.Set, ast.Tuple)):
            if not expr.elts:
                return 1
            return min(DEEP, 1 + min(self._element_depth(e) for e in expr.elts))
        if isinstance(expr, ast.Dict):
            if not expr.values:
                return 1
            return min(DEEP, 1 + min(self._element_depth(v) for v in expr.values))
        if isinstance(expr, (ast.ListComp, ast.SetComp)):
            return min(DEEP, 1 + self._element_depth(expr.elt))
        if isinstance(expr, ast.DictComp):
            return min(DEEP, 1 + self._element_depth(expr.value))
        if isinstance(expr, ast.BinOp):
            left, right = self.depth(expr.left), self.depth(expr.right)
            if isinstance(expr.op, ast.Mult):
                return max(left, right) if max(left, right) < DEEP else DEEP
            return max(1, min(left, right))
        if isinstance(expr, (ast.UnaryOp, ast.Compare)):
            return DEEP
        if isinstance(expr, ast.BoolOp):
            return min(self.depth(value) for value in expr.values)
        if isinstance(expr, ast.IfExp):
            return min(self.depth(expr.body), self.depth(expr.orelse))
        if isinstance(expr, ast.Subscript):
            inner = self.depth(expr.value)
            if isinstance(expr.slice, ast.Slice):
                return inner
            return inner if inner >= DEEP else max(0, inner - 1)
        if isinstance(expr, ast.Call):
            return self._call_depth(expr)
        if isinstance(expr, ast.Name):
            return self._name_depth(expr.id)
        return 0

    def _element_depth(self, element: ast.expr) -> int:
        if isinstance(element, ast.Starred):
            return 0
        return self.depth(element)

    def _call_depth(self, call: ast.Call) -> int:
        name = qualified_name_at(call.func, self.current, self.table)
        if name is not None:
            if name in {"copy.deepcopy", "json.loads", "pickle.loads", "ast.literal_eval"}:
                return DEEP
            short = name[len("builtins."):] if name.startswith("builtins.") else ""
            if short in _IMMUTABLE_BUILTIN_RESULTS:
                return DEEP
            if short in _FRESH_BUILTINS or name in data.FRESH_MUTABLE_CALLS:
                return 1
            if self.analysis.is_pure_qualified(name):
                return 1
            return 0
        if isinstance(call.func, ast.Attribute):
            if call.func.attr in data.FRESH_LIST_METHODS:
                return DEEP
            if call.func.attr == "copy":
                return 1
            if self.is_known_value(call.func.value) and call.func.attr in READING_METHODS:
                shared = ("copy", "items", "keys", "values", "get")
                return DEEP if call.func.attr not in shared else 0
        return 0

    def _name_depth(self, name: str) -> int:
        bindings = self.local_bindings(name)
        if not bindings or name in self._depth_guard:
            return 0 if not bindings else DEEP
        self._depth_guard.add(name)
        try:
            depth = DEEP
            for binding in bindings:
                if binding.kind in {"assign", "annassign", "walrus"} and binding.value is not None:
                    depth = min(depth, self.depth(binding.value))
                elif binding.kind == "augassign" and binding.value is not None:
                    depth = min(depth, max(1, self.depth(binding.value)))
                elif (
                    binding.kind == "for"
                    and binding.value is not None
                    and isinstance(binding.node, ast.For)
                    and isinstance(binding.node.target, ast.Name)
                ):
                    inner = self.depth(binding.value)
                    depth = min(depth, inner if inner >= DEEP else max(0, inner - 1))
                elif binding.kind in {"def", "import"}:
                    continue
                else:
                    return 0
            return depth
        finally:
            self._depth_guard.discard(name)

    def _guarded(self, question: str, expr: ast.expr, answer: Callable[[ast.expr], bool]) -> bool:
        """``answer(expr)``, but False when the same question about the same variable is
        already being answered (a cycle through its bindings)."""
        if not isinstance(expr, ast.Name):
            return answer(expr)
        key = (question, expr.id)
        if key in self._asking:
            return False
        self._asking.add(key)
        try:
            return answer(expr)
        finally:
            self._asking.discard(key)

    def is_known_value(self, expr: ast.expr) -> bool:
        """``expr`` is a builtin value whose reading methods and attributes are pure: a
        constant, something this function built, a parameter annotated with a builtin type, a
        module constant, or the result of a pure call."""
        return self._guarded("known", expr, self._is_known_value_unguarded)

    def is_path(self, expr: ast.expr) -> bool:
        """``expr`` is certainly a ``pathlib.Path`` (a call of it, a ``/`` on one, a parameter
        or variable annotated so, or a variable bound only to those)."""
        return self._guarded("path", expr, self._is_path_unguarded)

    def _fresh_object(self, receiver: ast.expr) -> bool:
        """An object this function made by calling a pure function (a ``hashlib`` hash, a
        ``re`` match, a ``Fraction``...): its methods read or change only that object."""
        return self._guarded("fresh", receiver, self._fresh_object_unguarded)


    def _fresh_object_unguarded(self, receiver: ast.expr) -> bool:
        """An object this function made by calling a pure function (a ``hashlib`` hash, a
        ``re`` match, a ``Fraction``...): its methods read or change only that object."""
        if isinstance(receiver, ast.Call):
            name = qualified_name_at(receiver.func, self.current, self.table)
            if name in data.SEEDED_CONSTRUCTORS:
                return bool(receiver.args)
            return name is not None and self.analysis.is_pure_qualified(name)
        if isinstance(receiver, ast.Name):
            bindings = self.local_bindings(receiver.id)
            return bool(bindings) and all(
                b.kind in {"assign", "walrus"}
                and b.value is not None
                and self._fresh_object(b.value)
                for b in bindings or ()
            )
        return False

    def _is_known_value_unguarded(self, expr: ast.expr) -> bool:
        """``expr`` is a builtin value whose reading methods and attributes are pure: a
        constant, something this function built, a parameter annotated with a builtin type, a
        module constant, or the result of a pure call."""
        if self.depth(expr) >= 1:
            return True
        if isinstance(expr, ast.Call):
            name = qualified_name_at(expr.func, self.current, self.table)
            return name is not None and self.analysis.is_pure_qualified(name)
        if isinstance(expr, ast.Subscript):
            return self.is_known_value(expr.value) and self._annotated_immutable(expr.value)
        if isinstance(expr, ast.Name):
            bindings = self.local_bindings(expr.id)
            if bindings is not None:
                return bool(bindings) and all(self._binding_known(b) for b in bindings)
            owner = self.table.resolve(expr.id, self.current)
            if owner is not None and not any(owner is s for s in self.own):
                status, _ = self.analysis.variable_status(expr.id, owner)
                if status == "constant":
                    binding = owner.bindings[expr.id][0]
                    if binding.kind == "param":
                        allowed = IMMUTABLE_ANNOTATIONS | _CONTAINERS
                        return _annotation_is(binding.annotation, allowed)
                    return binding.value is not None and (
                        isinstance(binding.value, _DISPLAYS)
                        or _immutable_constant(binding.value)
                    )
        return False

    def _annotated_immutable(self, expr: ast.expr) -> bool:
        if isinstance(expr, ast.Name):
            bindings = self.local_bindings(expr.id) or []
            return bool(bindings) and all(
                b.kind == "param" and _annotation_is(b.annotation, IMMUTABLE_ANNOTATIONS)
                for b in bindings
            )
        return self.depth(expr) >= DEEP

    def _binding_known(self, binding: Binding) -> bool:
        if binding.kind == "param":
            return _annotation_is(binding.annotation, IMMUTABLE_ANNOTATIONS | _CONTAINERS)
        if binding.kind in _VALUE_BINDINGS and binding.value is not None:
            return self.is_known_value(binding.value)
        return False

    def _is_path_unguarded(self, expr: ast.expr) -> bool:
        """``expr`` is certainly a ``pathlib.Path`` (a call of it, a ``/`` on one, a parameter
        or variable annotated so, or a variable bound only to those)."""
        if isinstance(expr, ast.Call):
            name = qualified_name_at(expr.func, self.current, self.table)
            if name in data.PATH_TYPES or (name or "").rpartition(".")[0] in data.PATH_TYPES:
                return True
            if isinstance(expr.func, ast.Attribute) and expr.func.attr in (
                "with_name", "with_suffix", "with_stem", "joinpath", *data.PATH_NORMALISING_METHODS,
            ):
                return self.is_path(expr.func.value)
            return False
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
            return self.is_path(expr.left)
        if isinstance(expr, ast.Attribute) and expr.attr == "parent":
            return self.is_path(expr.value)
        if isinstance(expr, ast.Name):
            bindings = self.local_bindings(expr.id)
            if not bindings:
                return False
            for binding in bindings:
                if binding.kind == "param" or binding.kind == "annassign":
                    if not _annotation_is(binding.annotation, {"Path", "PosixPath", "WindowsPath"}):
                        return False
                elif binding.kind in {"assign", "walrus"} and binding.value is not None:
                    if not self.is_path(binding.value):
                        return False
                else:
                    return False
            return True
        return False

    # -- fresh mutable values (PCM415) ------------------------------------------------------

    def fresh_mutable(
        self, expr: ast.expr, guard: frozenset[str] = frozenset(), every_path: bool = False
    ) -> str | None:
        """What new mutable object ``expr`` builds (``list``, ``dict``...) on some path through
        it (with ``every_path``: on every path), if it does."""
        display = mutable_display(expr)
        if display:
            return display
        if isinstance(expr, (ast.IfExp, ast.BoolOp)):
            branches = [expr.body, expr.orelse] if isinstance(expr, ast.IfExp) else expr.values
            kinds = [self.fresh_mutable(b, guard, every_path) for b in branches]
            if every_path:
                return kinds[0] if all(kinds) else None
            return next((k for k in kinds if k), None)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Mult)):
            left = self.fresh_mutable(expr.left, guard, every_path)
            if left or not isinstance(expr.op, ast.Add):
                return left
            return self.fresh_mutable(expr.right, guard, every_path)
        if isinstance(expr, ast.Call):
            name = qualified_name_at(expr.func, self.current, self.table)
            if name is not None:
                return data.FRESH_MUTABLE_CALLS.get(name)
            if isinstance(expr.func, ast.Attribute):
                if expr.func.attr in data.FRESH_LIST_METHODS:
                    return "list"
                if expr.func.attr == "copy" and not expr.args:
                    return self._mutable_kind_of(expr.func.value, guard)
            return None
        if isinstance(expr, ast.Name) and expr.id not in guard:
            bindings = self.local_bindings(expr.id)
            if not bindings:
                return None
            kind = None
            for binding in bindings:
                if binding.kind == "augassign":
                    continue
                if binding.kind not in {"assign", "annassign", "walrus"} or binding.value is None:
                    return None
                value = binding.value
                if isinstance(value, ast.Constant) and value.value is None and not every_path:
                    continue
                found = self.fresh_mutable(value, guard | {expr.id}, every_path)
                if found is None:
                    return None
                kind = kind or found
            return kind
        return None

    def _mutable_kind_of(self, expr: ast.expr, guard: frozenset[str]) -> str | None:
        kind = self.fresh_mutable(expr, guard)
        if kind:
            return kind
        if isinstance(expr, ast.Name):
            owner = self.table.resolve(expr.id, self.current)
            if owner is not None:
                bindings = owner.bindings.get(expr.id, [])
                if len(bindings) == 1 and bindings[0].kind == "param":
                    leaves = annotation_leaf_names(bindings[0].annotation)
                    if leaves and leaves[0] in {"list", "List", "dict", "Dict", "set", "Set"}:
                        return leaves[0].lower()
                elif len(bindings) == 1 and bindings[0].value is not None:
                    value = bindings[0].value
                    if isinstance(value, (ast.List, ast.Dict, ast.Set)):
                        return type(value).__name__.lower()
        return None

    def immutable(
        self, expr: ast.expr, seen: set[ast.AST], guard: frozenset[str] = frozenset()
    ) -> bool:
        """``expr`` certainly evaluates to an immutable value (see ``Purity.returns_immutable``).
        A parameter counts as one: the caching rules have checked that it is hashable."""
        if isinstance(expr, (ast.Constant, ast.JoinedStr, ast.Compare)):
            return True
        if isinstance(expr, ast.Tuple):
            return all(self.immutable(e, seen, guard) for e in expr.elts)
        if isinstance(expr, ast.BinOp):
            return all(self.immutable(side, seen, guard) for side in (expr.left, expr.right))
        if isinstance(expr, ast.UnaryOp):
            return self.immutable(expr.operand, seen, guard)
        if isinstance(expr, (ast.BoolOp, ast.IfExp)):
            parts = expr.values if isinstance(expr, ast.BoolOp) else [expr.body, expr.orelse]
            return all(self.immutable(p, seen, guard) for p in parts)
        if isinstance(expr, ast.Call):
            return self._immutable_call(expr, seen, guard)
        if isinstance(expr, ast.Subscript):
            base = expr.value
            if isinstance(base, ast.Name):
                base_bindings = self.local_bindings(base.id) or []
                return bool(base_bindings) and all(b.kind == "param" for b in base_bindings)
            return isinstance(base, ast.Constant)
        if isinstance(expr, ast.Name):
            if expr.id in guard:
                return True  # ``x = x + 1``: a cycle adds no mutable value
            bindings = self.local_bindings(expr.id)
            if bindings is None:
                owner = self.table.resolve(expr.id, self.current)
                if owner is None:
                    return expr.id in {"True", "False", "None"}
                if self.analysis.variable_status(expr.id, owner)[0] != "constant":
                    return False
                binding = owner.bindings[expr.id][0]
                return binding.kind == "param" or (
                    binding.value is not None and _immutable_constant(binding.value)
                )
            inner = guard | {expr.id}
            for binding in bindings:
                if binding.kind == "param":
                    continue
                if binding.kind in _VALUE_BINDINGS and binding.value is not None:
                    if not self.immutable(binding.value, seen, inner):
                        return False
                elif binding.kind == "for" and isinstance(binding.value, ast.Call):
                    name = qualified_name_at(binding.value.func, self.current, self.table)
                    if name != "builtins.range":
                        return False
                else:
                    return False
            return bool(bindings)
        return False

    def _immutable_call(self, call: ast.Call, seen: set[ast.AST], guard: frozenset[str]) -> bool:
        name = qualified_name_at(call.func, self.current, self.table)
        if name is not None:
            if name in {"builtins.min", "builtins.max"}:
                if len(call.args) == 1 and isinstance(call.args[0], COMPREHENSIONS):
                    element = getattr(call.args[0], "elt", None)
                    return element is not None and self._immutable_element(element, seen)
                return bool(call.args) and all(self.immutable(a, seen, guard) for a in call.args)
            return data.matches(name, data.IMMUTABLE_RESULTS) is not None
        if isinstance(call.func, ast.Name):
            function = self.resolve_function(call.func.id)
            if function is None:
                return False
            return function in seen or self.analysis.returns_immutable(function, seen)
        if isinstance(call.func, ast.Attribute):
            return call.func.attr in data.STRING_RESULT_METHODS
        return False

    def _immutable_element(self, element: ast.expr, seen: set[ast.AST]) -> bool:
        """An element of a comprehension: its variables are not ours, so only calls and
        constants count."""
        if isinstance(element, ast.Call):
            return self._immutable_call(element, seen, frozenset())
        if isinstance(element, ast.BinOp):
            return all(
                isinstance(side, (ast.Constant, ast.Call, ast.BinOp))
                and self._immutable_element(side, seen)
                if not isinstance(side, ast.Constant) else True
                for side in (element.left, element.right)
            )
        return isinstance(element, ast.Constant)

    def returned_calls(self, expr: ast.expr) -> list[FunctionNode]:
        """Same-module functions whose result ``expr`` hands on unchanged."""
        if isinstance(expr, ast.IfExp):
            return self.returned_calls(expr.body) + self.returned_calls(expr.orelse)
        if isinstance(expr, ast.BoolOp):
            return [f for value in expr.values for f in self.returned_calls(value)]
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
            function = self.resolve_function(expr.func.id)
            return [function] if function is not None else []
        if isinstance(expr, ast.Name):
            bindings = self.local_bindings(expr.id) or []
            if len(bindings) == 1 and bindings[0].kind == "assign" and bindings[0].value:
                return self.returned_calls(bindings[0].value)
        return []

    def resolve_function(self, name: str) -> FunctionNode | None:
        """The function definition a call of ``name`` reaches, when it is bound only by it."""
        if self.is_comprehension_variable(name):
            return None
        owner = self.table.resolve(name, self.current)
        if owner is None:
            return None
        bindings = owner.bindings.get(name, [])
        if len(bindings) != 1 or bindings[0].kind != "def":
            return None
        if writers_elsewhere(name, owner, self.table):
            return None
        node = bindings[0].node
        assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        return node


_DISPLAYS = (ast.Constant, ast.Tuple, ast.List, ast.Dict, ast.Set)
_VALUE_BINDINGS = frozenset({"assign", "annassign", "walrus", "augassign"})
_IMMUTABLE_BUILTIN_RESULTS = frozenset(
    {"str", "int", "float", "bool", "bytes", "len", "repr", "hash", "abs", "round"}
)
_CONTAINERS = frozenset({"list", "List", "dict", "Dict", "set", "Set", "Sequence", "Mapping"})


def _annotation_is(annotation: ast.expr | None, allowed: frozenset[str] | set[str]) -> bool:
    leaves = annotation_leaf_names(annotation)
    return bool(leaves) and all(leaf in allowed for leaf in leaves or ())


# -- the walk over one function --------------------------------------------------------------


class _Walker(_Values, NodeWalker):
    """Summarises one function: why it is impure on its own, what it calls, what it reads."""

    def __init__(self, analysis: Purity, function: FunctionNode) -> None:
        super().__init__(analysis, analysis.scopes.of(function), function)
        self.summary = Summary(function)

    def run(self) -> None:
        if isinstance(self.function, ast.AsyncFunctionDef):
            self.summary.impure("it is a coroutine function", self.function)
        for statement in self.function.body:
            self.visit(statement)

    @property
    def at_top(self) -> bool:
        """Walking the function's own code (not a function or lambda nested in it)."""
        return len(self.own) == 1

    def impure(self, reason: str, node: ast.AST) -> None:
        self.summary.impure(reason, node)

    def read(self, effect: str, what: str, node: ast.AST) -> None:
        self.summary.reads.append(Read(effect, what, getattr(node, "lineno", 0)))
        self.impure(f"it {EFFECT_WORDS[effect]} (`{what}`)", node)

    # -- statements ------------------------------------------------------------------------

    def visit_Global(self, node: ast.Global) -> None:
        self.impure(f"it declares `global {', '.join(node.names)}`", node)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.impure(f"it declares `nonlocal {', '.join(node.names)}`", node)

    def visit_Yield(self, node: ast.Yield) -> None:
        if self.at_top:
            self.impure("it is a generator", node)
        self.visit_all([node.value])

    def visit_YieldFrom(self, node: ast.YieldFrom) -> None:
        if self.at_top:
            self.impure("it is a generator", node)
        self.visit(node.value)

    def visit_Await(self, node: ast.Await) -> None:
        self.impure("it awaits", node)
        self.visit(node.value)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.impure(f"it defines a class (`{node.name}`)", node)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self.store(target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
            self.store(node.target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        self.store(node.target)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self.store(target)

    def visit_For(self, node: ast.For) -> None:
        self.visit(node.iter)
        self.store(node.target)
        self.visit_all(node.body)
        self.visit_all(node.orelse)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self.impure("it iterates asynchronously", node)

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        self.impure("it enters an asynchronous context manager", node)

    def visit_With(self, node: ast.With) -> None:
        for item in node.items:
            if not isinstance(item.context_expr, ast.Call):
                self.impure("it enters a context manager", item.context_expr)
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self.store(item.optional_vars)
        self.visit_all(node.body)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)

    def store(self, target: ast.expr) -> None:
        """An assignment target: a variable of ours is fine; a part of an object is fine only
        when this function built that object (as deep as the target goes)."""
        if isinstance(target, ast.Name):
            ours = self.local_bindings(target.id) is not None
            if not ours and not self.is_comprehension_variable(target.id):
                self.impure(f"it assigns to `{target.id}` outside its scope", target)
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.store(element)
            return
        if isinstance(target, ast.Starred):
            self.store(target.value)
            return
        levels = 0
        root: ast.expr = target
        while isinstance(root, (ast.Subscript, ast.Attribute)):
            if isinstance(root, ast.Subscript):
                self.visit(root.slice)
            levels += 1
            root = root.value
        if isinstance(target, ast.Attribute) or self.depth(root) < levels:
            what = ast.unparse(target) if hasattr(ast, "unparse") else "an object"
            self.impure(f"it changes `{what}`, an object it did not build", target)
        self.visit(root)

    # -- nested scopes -----------------------------------------------------------------------

    def _enter(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        scope = self.table.of(node)
        self.own.append(scope)
        saved, self.comprehension = self.comprehension, []
        try:
            if isinstance(node, ast.Lambda):
                self.visit(node.body)
            else:
                self.visit_all(node.body)
        finally:
            self.comprehension = saved
            self.own.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            name = qualified_name_at(decorator_callee(decorator), self.current, self.table)
            if name not in TRANSPARENT_DECORATORS:
                self.impure("it defines a function with a decorator that may run code", decorator)
        self.visit_all(node.args.defaults)
        self.visit_all(node.args.kw_defaults)
        self._enter(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self.visit_FunctionDef(node)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.visit_all(node.args.defaults)
        self.visit_all(node.args.kw_defaults)
        self._enter(node)

    def _comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
    ) -> None:
        generators = node.generators
        if any(g.is_async for g in generators):
            self.impure("it iterates asynchronously", node)
        self.visit(generators[0].iter)
        names: set[str] = set()
        self.comprehension.append(names)
        try:
            for index, generator in enumerate(generators):
                if index:
                    self.visit(generator.iter)
                for target in ast.walk(generator.target):
                    if isinstance(target, ast.Name):
                        names.add(target.id)
                self.visit_all(generator.ifs)
            self.visit_all(comprehension_elements(node))
        finally:
            self.comprehension.pop()

    visit_ListComp = _comprehension
    visit_SetComp = _comprehension
    visit_DictComp = _comprehension
    visit_GeneratorExp = _comprehension

    # -- reads -------------------------------------------------------------------------------

    def _reader(self, owner: Scope) -> ast.AST | None:
        """The statement of ``owner``'s code (a ``def`` or ``class``) that holds the code being
        walked."""
        scope: Scope | None = self.current
        while scope is not None and scope.parent is not owner:
            scope = scope.parent
        return scope.node if scope is not None else None

    def visit_Name(self, node: ast.Name) -> None:
        if not isinstance(node.ctx, ast.Load) or self.is_comprehension_variable(node.id):
            return
        owner = self.table.resolve(node.id, self.current)
        if owner is None:
            if node.id not in BUILTIN_NAMES or self.analysis.facts.has_star_import:
                self.impure(f"it reads `{node.id}`, which is not defined in the module", node)
            return
        if any(owner is s for s in self.own):
            return
        status, why = self.analysis.variable_status(node.id, owner, self._reader(owner))
        if status in {"function", "class", "import", "constant"}:
            return
        kind = "module variable" if owner.is_module else "variable of the enclosing function"
        if status == "changes":
            effect = "module-state" if owner.is_module else "enclosing-state"
            self.summary.reads.append(Read(effect, node.id, node.lineno, detail=why))
        self.impure(f"it reads the {kind} `{node.id}` ({why})", node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if not isinstance(node.ctx, ast.Load):
            self.visit(node.value)
            return
        name = qualified_name_at(node, self.current, self.table)
        if name is not None and not name.startswith("builtins."):
            effect = self.analysis.nondeterministic(name)
            value = _match_prefix(name, data.NONDETERMINISTIC_VALUES)
            if effect and value:
                self.read(effect, value, node)
            elif effect:
                # A reference (``stamp = time.time``): calling it is what reads, through the alias.
                self.impure(f"it refers to `{name}`", node)
            elif not (
                data.matches(name, data.PURE_CONSTANTS) or self.analysis.is_pure_qualified(name)
            ):
                self.impure(f"it reads `{name}`, which may change", node)
            return
        if name is None and not self.is_known_value(node.value) and not self._is_enum(node.value):
            self.impure(
                f"it reads the attribute `.{node.attr}` of an object whose state may change", node
            )
        self.visit(node.value)

    def _is_enum(self, expr: ast.expr) -> bool:
        """``expr`` names an ``Enum`` class of the module (its members never change)."""
        if not isinstance(expr, ast.Name) or expr.id not in enum_classes(self.analysis.facts):
            return False
        owner = self.table.resolve(expr.id, self.current)
        return owner is not None and self.analysis.variable_status(expr.id, owner)[0] == "class"

    def _import_bound(self, name: str) -> bool:
        owner = self.table.resolve(name, self.current)
        return owner is not None and import_target(name, owner) is not None

    # -- calls -------------------------------------------------------------------------------

    def visit_Call(self, node: ast.Call) -> None:
        self.call(node)
        for argument in node.args:
            self.visit(argument)
        for keyword in node.keywords:
            self.visit(keyword.value)

    def call(self, node: ast.Call) -> None:
        func = node.func
        name = qualified_name_at(func, self.current, self.table)
        if name is not None:
            self.qualified_call(name, node)
            if isinstance(func, ast.Attribute) and not self._is_module_chain(func.value):
                self.visit(func.value)
            return
        if isinstance(func, ast.Name):
            self.name_call(func.id, node)
        elif isinstance(func, ast.Attribute):
            self.method_call(func, node)
        elif isinstance(func, ast.Lambda):
            self.visit(func)
        else:
            self.impure("it calls the result of an expression", node)
            self.visit(func)

    def _is_module_chain(self, expr: ast.expr) -> bool:
        while isinstance(expr, ast.Attribute):
            expr = expr.value
        return isinstance(expr, ast.Name) and (
            self._import_bound(expr.id)
            or (self.table.resolve(expr.id, self.current) is None and expr.id in BUILTIN_NAMES)
        )

    def qualified_call(self, name: str, node: ast.Call) -> None:
        display = name[len("builtins."):] if name.startswith("builtins.") else name
        effect = self.analysis.nondeterministic(name)
        if effect and not (name in _ONLY_WITHOUT_ARGUMENTS and node.args):
            self.read(effect, f"{display}()", node)
            return
        if not self.analysis.is_pure_qualified(name):
            if name not in data.SEEDED_CONSTRUCTORS or not node.args:
                self.impure(f"it calls `{display}()`, which is not known to be pure", node)
            return
        if name == "builtins.type" and len(node.args) != 1:
            self.impure("it creates a class with `type()`", node)
        positions, keywords = data.CALLABLE_ARGUMENTS.get(name, ((), ()))
        called = [node.args[i] for i in positions if i < len(node.args)]
        called += [k.value for k in node.keywords if k.arg in keywords]
        for argument in called:
            self.called_value(argument, display)

    def called_value(self, value: ast.expr, caller: str) -> None:
        """``value`` is passed to ``caller``, which calls it."""
        if isinstance(value, (ast.Lambda, ast.Call)):
            return  # a lambda is walked as part of this function; a call is checked itself
        if isinstance(value, ast.Constant) and value.value is None:
            return
        name = qualified_name_at(value, self.current, self.table)
        if name is not None:
            if not self.analysis.is_pure_qualified(name):
                self.impure(f"it passes `{name}` to `{caller}()`, which calls it", value)
            return
        if isinstance(value, ast.Name):
            function = self.resolve_function(value.id)
            if function is not None:
                if not any(function is s.node for s in self.own):
                    self.callee(function, value)
                return
            bindings = self.local_bindings(value.id)
            if bindings and all(
                b.kind == "assign" and isinstance(b.value, ast.Lambda) for b in bindings
            ):
                return
        if (
            isinstance(value, ast.Attribute)
            and value.attr in READING_METHODS
            and self.is_known_value(value.value)
        ):
            return
        self.impure(f"it passes a function it cannot see to `{caller}()`", value)

    def callee(self, function: FunctionNode, node: ast.AST) -> None:
        line = getattr(node, "lineno", 0)
        for decorator in function.decorator_list:
            name = qualified_name_at(
                decorator_callee(decorator), self.table.enclosing_scope(function), self.table
            )
            if name not in TRANSPARENT_DECORATORS:
                self.impure(f"it calls `{function.name}()`, whose decorator may run code", node)
                break
        if isinstance(function, ast.AsyncFunctionDef):
            self.impure(f"it calls the coroutine function `{function.name}()`", node)
        self.summary.callees.setdefault(function, line)
        self.summary.readers.setdefault(function, line)

    def name_call(self, name: str, node: ast.Call) -> None:
        if self.is_comprehension_variable(name):
            self.impure(f"it calls `{name}`, a value it iterates over", node)
            return
        function = self.resolve_function(name)
        if function is not None:
            if any(function is s.node for s in self.own[1:]) or self._nested_in_walk(function):
                return  # a function nested in this one: its body is walked in place
            self.callee(function, node)
            return
        bindings = self.local_bindings(name)
        if bindings is not None:
            if bindings and all(
                b.kind == "assign" and isinstance(b.value, ast.Lambda) for b in bindings
            ):
                return
            kind = "parameter" if any(b.kind == "param" for b in bindings) else "variable"
            self.impure(f"it calls the {kind} `{name}`", node)
            return
        owner = self.table.resolve(name, self.current)
        if owner is None:
            self.impure(f"it calls `{name}`, which is not defined in the module", node)
            return
        status, _ = self.analysis.variable_status(name, owner)
        if status == "class":
            self.impure(f"it creates a `{name}` instance (its `__init__` may do anything)", node)
        else:
            self.impure(f"it calls `{name}`, whose value is not known", node)

    def _nested_in_walk(self, function: FunctionNode) -> bool:
        """``function`` is defined inside the function being walked."""
        parents = self.analysis.facts.parents
        parent = parents.get(function)
        while parent is not None:
            if parent is self.function:
                return True
            parent = parents.get(parent)
        return False

    def method_call(self, func: ast.Attribute, node: ast.Call) -> None:
        receiver = func.value
        method = func.attr
        self.visit(receiver)
        if method in data.FILE_READING_METHODS or (
            method in data.PATH_READING_METHODS and self.is_path(receiver)
        ):
            self.read("file", f".{method}()", node)
        elif method in data.PATH_NORMALISING_METHODS and self.is_path(receiver):
            self.impure(f"it calls `.{method}()`, which reads the file system", node)
        elif self.is_path(receiver):
            pass  # pure path arithmetic: .with_suffix(), .joinpath(), .relative_to()...
        elif method in MUTATING_METHODS:
            if self.depth(receiver) < 1:
                what = ast.unparse(receiver)
                self.impure(f"it calls `.{method}()` on `{what}`, an object it did not build", node)
        elif method in READING_METHODS:
            if method in _STRING_ONLY_METHODS:
                pass
            elif not self.is_known_value(receiver):
                self.impure(f"it calls `.{method}()` on a value whose type is not known", node)
        elif self._self_method(receiver, method, node):
            pass
        elif not self._fresh_object(receiver):
            self.impure(f"it calls `.{method}()` on a value whose type is not known", node)

    def _self_method(self, receiver: ast.expr, method: str, node: ast.Call) -> bool:
        """``self.method()`` in a method: impure (``self`` is state), but its reads count."""
        if not isinstance(receiver, ast.Name):
            return False
        class_def = self.analysis.facts.parents.get(self.function)
        params = self.scope.params()
        if not isinstance(class_def, ast.ClassDef) or not params or params[0].arg != receiver.id:
            return False
        target = [
            s for s in class_def.body
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == method
        ]
        if len(target) == 1:
            self.summary.readers.setdefault(target[0], node.lineno)
        self.impure(f"it calls the method `{receiver.id}.{method}()`", node)
        return True


#: Functions that read the clock only when called without arguments (``time.localtime(ts)``
#: converts the time it is given).
_ONLY_WITHOUT_ARGUMENTS = frozenset(
    {"time.localtime", "time.gmtime", "time.ctime", "time.asctime", "random.Random"}
)
#: Method names that only strings have: calling one reads a string (or fails).
_STRING_ONLY_METHODS = frozenset(
    {
        "lower", "upper", "casefold", "capitalize", "title", "swapcase", "strip", "lstrip",
        "rstrip", "startswith", "endswith", "isdigit", "isalpha", "isalnum", "isspace",
        "isupper", "islower", "isdecimal", "isnumeric", "isidentifier", "isascii", "ljust",
        "rjust", "center", "zfill", "expandtabs", "splitlines", "partition", "rpartition",
        "removeprefix", "removesuffix", "rsplit", "rfind", "rindex", "split",
    }
)


#: Options under which every function of another module counts as pure: the most a user's
#: ``extra-pure-functions`` could prove, for pre-checks, which must not miss what the rule
#: would report under any configuration.
OPTIMISTIC = {"extra-pure-functions": ("*",)}


def purity(facts: ModuleFacts, options: Mapping[str, Any] | None = None) -> Purity:
    """The module's purity analysis for these ``[tool.perfcodemod.caching]`` options (computed
    once per module and options, and cached on ``facts``)."""
    options = options or {}
    extra_pure: tuple[str, ...] = tuple(options.get("extra-pure-functions", ()) or ())
    extra_impure: tuple[str, ...] = tuple(options.get("extra-impure-functions", ()) or ())
    key = (extra_pure, extra_impure)
    cache: dict[tuple[tuple[str, ...], tuple[str, ...]], Purity] | None
    cache = getattr(facts, "_purity", None)
    if cache is None:
        cache = {}
        facts._purity = cache  # type: ignore[attr-defined]
    found = cache.get(key)
    if found is None:
        found = Purity(facts, extra_pure, extra_impure)
        cache[key] = found
    return found


__all__ = [
    "COMPREHENSIONS",
    "DEEP",
    "EFFECT_WORDS",
    "Purity",
    "Read",
    "Summary",
    "mutable_display",
    "own_nodes",
    "own_returns",
    "purity",
]
