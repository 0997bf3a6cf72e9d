"""Whole-module facts computed from Python's own ``ast``, which is ten times cheaper than LibCST.

The engine parses with LibCST only the top-level statements where some rule's pre-check found a
candidate. What a rule must know about the rest of the module (which names are bound where, what
they were imported as, where imports go) comes from here, computed once per file and lazily.
"""

from __future__ import annotations

import ast
import bisect
import builtins
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import TypeVar, cast, overload

from perfcodemod.astcompat import MATCH_MAPPING, MATCH_NAME_PATTERNS, pattern_binding
from perfcodemod.source import LineIndex

N1 = TypeVar("N1", bound=ast.AST)
N2 = TypeVar("N2", bound=ast.AST)
N3 = TypeVar("N3", bound=ast.AST)

BUILTIN_NAMES = frozenset(dir(builtins))

_SINGLETON_FIELDS = frozenset({"ctx", "op", "ops"})
#: Fields that hold identifiers, numbers or strings, never nodes: not looked into by the walks
#: (``Name.id``, ``Constant.value``...; a leaf costs no field lookup at all).
_SCALAR_FIELDS = frozenset(
    {"id", "attr", "arg", "kind", "type_comment", "level", "is_async", "conversion", "simple",
     "module", "asname"}
)
_SCALAR_FIELDS_OF = {
    "Constant": {"value"}, "MatchSingleton": {"value"}, "alias": {"name"}, "FunctionDef": {"name"},
    "AsyncFunctionDef": {"name"}, "ClassDef": {"name"}, "ExceptHandler": {"name"},
    "MatchAs": {"name"}, "MatchStar": {"name"}, "MatchMapping": {"rest"}, "Global": {"names"},
    "Nonlocal": {"names"}, "MatchClass": {"kwd_attrs"},
}
_CHILD_FIELDS: dict[type, tuple[str, ...] | None] = {}
_UNKNOWN: tuple[str, ...] = ("not looked up yet",)


def _child_fields(node_type: type) -> tuple[str, ...] | None:
    """The fields of ``node_type`` that may hold nodes; None for what is not a node (a ``None``
    dictionary key, a string in a list)."""
    if not issubclass(node_type, ast.AST):
        _CHILD_FIELDS[node_type] = None
        return None
    skip = _SINGLETON_FIELDS | _SCALAR_FIELDS | _SCALAR_FIELDS_OF.get(node_type.__name__, set())
    fields = _CHILD_FIELDS[node_type] = tuple(f for f in node_type._fields if f not in skip)
    return fields

FunctionNode = (ast.FunctionDef, ast.AsyncFunctionDef)
ScopeNode = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


class ModuleFacts:
    """What the cheap ``ast`` of one module says, for pre-checks and whole-module questions."""

    def __init__(self, tree: ast.Module, text: str, lines: LineIndex | None = None) -> None:
        self.tree = tree
        self.text = text
        self.lines = lines if lines is not None else LineIndex(text)
        self._by_position: dict[tuple[str, str], tuple[list[ast.AST], list[tuple[int, int]]]] = {}

    # -- node index ------------------------------------------------------------------------

    @cached_property
    def _by_type(self) -> dict[type[ast.AST], list[ast.AST]]:
        """One walk over the tree. Expression contexts and operators (``Load``, ``Add``,
        ``In``...) are left out: they are singletons, read from their parent node."""
        index: dict[type[ast.AST], list[ast.AST]] = defaultdict(list)
        fields_of = _CHILD_FIELDS
        stack: list[ast.AST] = [self.tree]
        pop, push, extend = stack.pop, stack.append, stack.extend
        while stack:
            node = pop()
            node_type = type(node)
            fields = fields_of.get(node_type, _UNKNOWN)
            if fields is _UNKNOWN:
                fields = _child_fields(node_type)
            if fields is None:
                continue  # the None keys of ``{**d}``
            index[node_type].append(node)
            for name in fields:
                value = getattr(node, name, None)
                if type(value) is list:
                    extend(value)
                elif value is not None:
                    push(value)
        return index

    @overload
    def nodes(self, t1: type[N1], /) -> Iterator[N1]: ...
    @overload
    def nodes(self, t1: type[N1], t2: type[N2], /) -> Iterator[N1 | N2]: ...
    @overload
    def nodes(self, t1: type[N1], t2: type[N2], t3: type[N3], /) -> Iterator[N1 | N2 | N3]: ...
    @overload
    def nodes(self, *types: type[ast.AST]) -> Iterator[ast.AST]: ...

    def nodes(self, *types: type[ast.AST]) -> Iterator[ast.AST]:
        """Every node of the given types in the module (in no particular order)."""
        for node_type in types:
            yield from self._by_type.get(node_type, ())

    @cached_property
    def parents(self) -> dict[ast.AST, ast.AST]:
        """Each node's parent (one walk as ``_by_type``'s; the shared ``Load``, ``Add``...
        singletons have none)."""
        parents: dict[ast.AST, ast.AST] = {}
        fields_of = _CHILD_FIELDS
        stack: list[ast.AST] = [self.tree]
        pop, push = stack.pop, stack.append
        while stack:
            node = pop()
            node_type = type(node)
            fields = fields_of.get(node_type, _UNKNOWN)
            if fields is _UNKNOWN:
                fields = _child_fields(node_type)
            for name in fields or ():
                value = getattr(node, name, None)
                if type(value) is list:
                    for item in value:
                        if isinstance(item, ast.AST):
                            parents[item] = node
                            push(item)
                elif isinstance(value, ast.AST):
                    parents[value] = node
                    push(value)
        return parents

    def enclosing_function(self, node: ast.AST) -> ast.AST | None:
        """The innermost function or lambda around ``node`` (``None`` at module or class level)."""
        parent = self.parents.get(node)
        while parent is not None:
            if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                return parent
            parent = self.parents.get(parent)
        return None

    def is_within(self, node: ast.AST, container: ast.AST) -> bool:
        """``container`` is an ancestor of ``node``."""
        parent = self.parents.get(node)
        while parent is not None:
            if parent is container:
                return True
            parent = self.parents.get(parent)
        return False

    # -- top-level statements: the units the engine parses with LibCST ---------------------

    @cached_property
    def toplevel_spans(self) -> list[tuple[int, int]]:
        """(first row, last row) of each top-level statement, decorators included; statements
        that share a line (``a = 1; b = 2``) form one span."""
        spans: list[tuple[int, int]] = []
        for stmt in self.tree.body:
            first = stmt.lineno
            for decorator in getattr(stmt, "decorator_list", ()):
                first = min(first, decorator.lineno)
            last = stmt.end_lineno or stmt.lineno
            if spans and first <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(last, spans[-1][1]))
            else:
                spans.append((first, last))
        return spans

    def toplevel_span(self, row: int) -> tuple[int, int] | None:
        """The span of the top-level statement that contains ``row``."""
        spans = self.toplevel_spans
        index = bisect.bisect_right(spans, (row, float("inf"))) - 1
        if index >= 0 and spans[index][0] <= row <= spans[index][1]:
            return spans[index]
        return None

    def expression_depth(self, first: int, last: int, limit: int) -> int:
        """How deeply expressions nest in the statements on rows ``first`` to ``last`` (whole
        top-level statements, or a method's rows inside its classes) (``a + b + c`` is 3
        deep: two operations, then a name), counted up to just past ``limit``. Statements do
        not count: an ``elif`` chain is as deep as its tests."""
        fields_of = _CHILD_FIELDS
        expression = ast.expr
        stack: list[tuple[ast.AST, int]] = [
            (statement, 0) for statement in self._statements_within(first, last)
        ]
        pop, push = stack.pop, stack.append
        deepest = 0
        while stack:
            node, depth = pop()
            node_type = type(node)
            fields = fields_of.get(node_type, _UNKNOWN)
            if fields is _UNKNOWN:
                fields = _child_fields(node_type)
            for name in fields or ():
                value = getattr(node, name, None)
                for child in value if type(value) is list else (value,):
                    if isinstance(child, expression):
                        child_depth = depth + 1
                        if child_depth > deepest:
                            deepest = child_depth
                            if deepest > limit:
                                return deepest
                        push((child, child_depth))
                    elif isinstance(child, ast.AST):
                        push((child, 0))
        return deepest

    def _statements_within(self, first: int, last: int) -> list[ast.stmt]:
        """The statements of the module's body, or of the classes around rows ``first`` to
        ``last``, that start on those rows (found by bisection: a file of thousands of chunks
        costs no quadratic scan)."""
        body: list[ast.stmt] = self.tree.body
        while True:
            starts = self._body_starts.get(id(body))
            if starts is None or starts[0] is not body:
                starts = self._body_starts[id(body)] = (body, [s.lineno for s in body])
            rows = starts[1]
            low = bisect.bisect_left(rows, first)
            high = bisect.bisect_right(rows, last)
            if low < high:
                return body[low:high]
            outer = body[low - 1] if low else None
            if not isinstance(outer, ast.ClassDef) or (outer.end_lineno or 0) < last:
                return []
            body = outer.body

    @cached_property
    def _body_starts(self) -> dict[int, tuple[list[ast.stmt], list[int]]]:
        return {}

    # -- bindings and names ----------------------------------------------------------------

    @cached_property
    def bindings(self) -> dict[str, list[ast.AST]]:
        """Every place anywhere in the module (any scope) that binds, deletes or declares a name."""
        found: dict[str, list[ast.AST]] = defaultdict(list)
        for name in self.nodes(ast.Name):
            if not isinstance(name.ctx, ast.Load):
                found[name.id].append(name)
        for arg in self.nodes(ast.arg):
            found[arg.arg].append(arg)
        for definition in self.nodes(ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            found[definition.name].append(definition)
        for statement in self.nodes(ast.Import, ast.ImportFrom):
            for local, _ in import_targets(statement):
                found[local].append(statement)
        for declaration in self.nodes(ast.Global, ast.Nonlocal):
            for declared in declaration.names:
                found[declared].append(declaration)
        for handler in self.nodes(ast.ExceptHandler):
            if handler.name:
                found[handler.name].append(handler)
        for pattern in self.nodes(*MATCH_NAME_PATTERNS, *MATCH_MAPPING):
            bound = pattern_binding(pattern)
            if bound:
                found[bound].append(pattern)
        return found

    @cached_property
    def has_star_import(self) -> bool:
        return any(
            alias.name == "*"
            for statement in self.nodes(ast.ImportFrom)
            for alias in statement.names
        )

    @cached_property
    def uses_dynamic_namespace(self) -> bool:
        """Calls that can read or bind names invisibly (``exec``, ``globals()``...)."""
        dynamic = {"exec", "eval", "globals", "locals", "vars", "__import__"}
        return any(
            isinstance(call.func, ast.Name) and call.func.id in dynamic
            for call in self.nodes(ast.Call)
        )

    @cached_property
    def measures_object_sizes(self) -> int | None:
        """The first row where the module looks at how objects are laid out in memory: a name
        or attribute with ``sizeof`` in it (``sys.getsizeof``, ``__sizeof__``, a
        ``check_sizeof`` helper) or a use of ``tracemalloc``; None when it does not. A fix that
        builds a container another way changes its spare capacity, which such code sees."""
        rows = [
            node.lineno
            for node in self.nodes(ast.Name)
            if "sizeof" in node.id or node.id == "tracemalloc"
        ]
        rows.extend(
            node.lineno for node in self.nodes(ast.Attribute) if "sizeof" in node.attr
        )
        return min(rows) if rows else None

    def is_unbound_builtin(self, name: str) -> bool:
        """``name`` is a builtin and nothing in the module could shadow it."""
        return (
            name in BUILTIN_NAMES and name not in self.bindings and not self.has_star_import
        )

    @cached_property
    def imported_as(self) -> dict[str, set[str]]:
        """Local name -> the qualified names that imports anywhere in the module bind it to."""
        found: dict[str, set[str]] = defaultdict(set)
        for statement in self.nodes(ast.Import, ast.ImportFrom):
            for local, qualified in import_targets(statement):
                found[local].add(qualified)
        return found

    def aliases_of(self, qualified_names: Iterable[str]) -> frozenset[str]:
        """The local names that imports bind to one of ``qualified_names``, under any name
        (``Tally`` for ``from collections import Counter as Tally``): pre-checks that look for
        ``Counter(...)`` by its short name must look for these too."""
        wanted = set(qualified_names)
        return frozenset(
            local for local, targets in self.imported_as.items() if not targets.isdisjoint(wanted)
        )

    def qualified_name(self, name: str) -> str | None:
        """What ``name`` means wherever it is used, if the whole module agrees on it.

        ``builtins.sum`` for an unshadowed builtin, ``numpy.max`` for a name bound only by
        ``from numpy import max``; ``None`` when the name is bound in other ways too, so that
        the answer depends on the scope (callers then ask LibCST's scope analysis, or stay silent).
        A star import may shadow any builtin, but a name the module imports explicitly keeps its
        meaning (``ast`` analyses resolve names the same way).
        """
        bindings = self.bindings.get(name)
        if not bindings:
            return self._builtin(name)
        if all(isinstance(b, (ast.Import, ast.ImportFrom)) for b in bindings):
            targets = self.imported_as.get(name, set())
            if len(targets) == 1:
                return next(iter(targets))
        return None

    def _builtin(self, name: str) -> str | None:
        return f"builtins.{name}" if name in BUILTIN_NAMES and not self.has_star_import else None

    @cached_property
    def module_level_bindings(self) -> dict[str, list[ast.AST]]:
        """The bindings made at module level (not inside functions, classes or lambdas)."""
        found: dict[str, list[ast.AST]] = defaultdict(list)
        stack: list[ast.AST] = list(self.tree.body)
        while stack:
            node = stack.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found[node.name].append(node)
                stack.extend(node.decorator_list)
                continue
            if isinstance(node, ast.Lambda):
                continue
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                found[node.id].append(node)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for local, _ in import_targets(node):
                    found[local].append(node)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                found[node.name].append(node)
            stack.extend(ast.iter_child_nodes(node))
        return found

    @cached_property
    def rebound_by_functions(self) -> frozenset[str]:
        """Module variables that a function declares ``global`` and binds: whatever the module
        level binds them to, they may mean something else at run time."""
        rows = sorted(declaration.lineno for declaration in self.nodes(ast.Global))
        if not rows:
            return frozenset()
        found: set[str] = set()
        for function in self.nodes(ast.FunctionDef, ast.AsyncFunctionDef):
            # Only functions with a `global` statement inside can rebind a module variable.
            index = bisect.bisect_left(rows, function.lineno)
            if index == len(rows) or rows[index] > (function.end_lineno or function.lineno):
                continue
            declared: set[str] = set()
            bound: set[str] = set()
            stack: list[ast.AST] = list(function.body)
            while stack:
                node = stack.pop()
                if isinstance(node, ast.Global):
                    declared.update(node.names)
                elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                    bound.add(node.id)
                elif isinstance(node, (ast.Import, ast.ImportFrom)):
                    bound.update(local for local, _ in import_targets(node))
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    bound.add(node.name)
                    continue  # a scope of its own
                elif isinstance(node, ast.Lambda):
                    continue
                elif isinstance(node, ast.ExceptHandler) and node.name:
                    bound.add(node.name)
                stack.extend(ast.iter_child_nodes(node))
            found |= declared & bound
        return frozenset(found)

    def module_level_qualified_name(self, name: str) -> str | None:
        """What ``name`` means at module level: ``None`` when it is bound there other than by
        imports of one thing, or rebound by a function through ``global``; ``builtins.<name>``
        when it is not bound anywhere at module level (and no star import may bind it)."""
        if name in self.rebound_by_functions:
            return None
        bindings = self.module_level_bindings.get(name)
        if not bindings:
            return self._builtin(name)
        imports = [b for b in bindings if isinstance(b, (ast.Import, ast.ImportFrom))]
        if len(imports) == len(bindings):
            targets = {
                qualified
                for b in imports
                for qualified in import_targets(b)
                if qualified[0] == name
            }
            if len(targets) == 1:
                return next(iter(targets))[1]
        return None

    def bindings_within(self, name: str, scope: ast.AST) -> list[ast.AST]:
        """The ``bindings`` of ``name`` written inside ``scope``'s text (in source order)."""
        return self._within(self.bindings, "bindings", name, scope)

    def loads_within(self, name: str, scope: ast.AST) -> list[ast.Name]:
        """The ``loads`` of ``name`` written inside ``scope``'s text (in source order)."""
        loads: dict[str, list[ast.AST]] = self.loads  # type: ignore[assignment]
        return cast("list[ast.Name]", self._within(loads, "loads", name, scope))

    def _within(
        self, table: dict[str, list[ast.AST]], kind: str, name: str, scope: ast.AST
    ) -> list[ast.AST]:
        # By bisection on the nodes sorted by position: a name bound or read thousands of
        # times in a long module costs no scan per question.
        key = (kind, name)
        known = self._by_position.get(key)
        if known is None:
            ordered = sorted(table.get(name, ()), key=_start)
            known = self._by_position[key] = (ordered, [_start(node) for node in ordered])
        ordered, starts = known
        first, last = _start(scope), _end(scope)
        low = bisect.bisect_left(starts, first)
        high = bisect.bisect_right(starts, last)
        return [node for node in ordered[low:high] if _end(node) <= last]

    @cached_property
    def loads(self) -> dict[str, list[ast.Name]]:
        """Every read of each name, anywhere in the module."""
        found: dict[str, list[ast.Name]] = defaultdict(list)
        for name in self.nodes(ast.Name):
            if isinstance(name.ctx, ast.Load):
                found[name.id].append(name)
        return found

    @cached_property
    def dunder_all(self) -> frozenset[str]:
        names: set[str] = set()
        for statement in self.tree.body:
            if isinstance(statement, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                targets = (
                    statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                )
                if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                    value = statement.value
                    if isinstance(value, (ast.List, ast.Tuple)):
                        names.update(
                            e.value for e in value.elts
                            if isinstance(e, ast.Constant) and isinstance(e.value, str)
                        )
        return frozenset(names)

    # -- imports ---------------------------------------------------------------------------

    @cached_property
    def docstring(self) -> ast.Expr | None:
        """The module's docstring statement, if it has one."""
        first = self.tree.body[0] if self.tree.body else None
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            return first
        return None


def import_targets(statement: ast.Import | ast.ImportFrom) -> list[tuple[str, str]]:
    """(local name, qualified name) for each name an import statement binds."""
    found = []
    if isinstance(statement, ast.Import):
        for alias in statement.names:
            if alias.asname:
                found.append((alias.asname, alias.name))
            else:
                top = alias.name.partition(".")[0]
                found.append((top, top))
    else:
        module = "." * statement.level + (statement.module or "")
        found.extend(
            (alias.asname or alias.name, f"{module}.{alias.name}")
            for alias in statement.names
            if alias.name != "*"
        )
    return found


def _start(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def _end(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0)
