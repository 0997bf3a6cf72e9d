"""Scopes on Python's own ``ast``: what a scope binds, what a name means where it is read, and
whether a variable is ever rebound or mutated.

Whole-module questions (is this module variable a constant? which function does this call
reach?) must be answered on the ``ast``, because the engine parses with LibCST only the
top-level statements holding candidates. This is a small purpose-built scope analysis: module,
function, lambda and class scopes, ``global``/``nonlocal``, comprehension variables, and imports
inside functions. It is computed lazily, once per module, and cached on the ``ModuleFacts``.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Union

from perfcodemod.analysis.facts import BUILTIN_NAMES, ModuleFacts, import_targets
from perfcodemod.analysis.methods import MUTATING_METHODS, READING_METHODS
from perfcodemod.astcompat import MATCH_CASE

ScopeNode = Union[ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef]
FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_SCOPE_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
#: What the blocks of a statement hold: statements, ``except`` handlers, ``match`` cases.
_STATEMENT_LIKE: tuple[type[ast.AST], ...] = (ast.stmt, ast.excepthandler, *MATCH_CASE)

#: Builtins that never mutate their arguments (``setattr``, ``delattr``, ``next``... do).
_NON_MUTATING_BUILTINS = BUILTIN_NAMES - {
    "setattr", "delattr", "next", "exec", "eval", "vars", "globals", "locals", "__import__",
    "iter", "open", "breakpoint", "help", "input", "memoryview",
}


@dataclass(frozen=True)
class Binding:
    """One place that binds a name in a scope."""

    name: str
    #: ``param``, ``assign`` (a single ``name = value``), ``annassign``, ``augassign``,
    #: ``unpack``, ``for``, ``with``, ``import``, ``def``, ``class``, ``except``, ``delete``,
    #: ``walrus``, ``match``.
    kind: str
    node: ast.AST
    #: The value of ``name = value``, ``name: T = value``, ``name += value``, ``(name := value)``,
    #: and the iterable of a ``for``.
    value: ast.expr | None = None
    annotation: ast.expr | None = None
    #: For an import: the qualified name it binds (``os.path``, ``functools.cache``).
    qualified: str | None = None


@dataclass
class Scope:
    node: ScopeNode
    #: The scope whose names this one sees (class scopes are skipped by functions inside them).
    parent: Scope | None
    bindings: dict[str, list[Binding]] = field(default_factory=lambda: defaultdict(list))
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)

    @property
    def is_module(self) -> bool:
        return isinstance(self.node, ast.Module)

    @property
    def is_class(self) -> bool:
        return isinstance(self.node, ast.ClassDef)

    @property
    def is_function(self) -> bool:
        return isinstance(self.node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))

    def binds(self, name: str) -> bool:
        """``name`` is local to this scope."""
        return name in self.bindings and name not in self.globals and name not in self.nonlocals

    def params(self) -> list[ast.arg]:
        if isinstance(self.node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return all_params(self.node.args)
        return []


def comprehension_elements(node: ast.AST) -> list[ast.expr]:
    """What a comprehension computes each item from: its ``elt``, or a dict's key and value."""
    if isinstance(node, ast.DictComp):
        return [node.key, node.value]
    return [node.elt] if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)) else []


def all_params(args: ast.arguments) -> list[ast.arg]:
    found = [*args.posonlyargs, *args.args]
    if args.vararg:
        found.append(args.vararg)
    found.extend(args.kwonlyargs)
    if args.kwarg:
        found.append(args.kwarg)
    return found


class NodeWalker:
    """A walk over ``ast`` nodes that calls ``visit_<NodeType>`` where a subclass defines one and
    otherwise walks on into the node's children (``ast.NodeVisitor`` without its per-node
    overhead for legacy constant types)."""

    def visit(self, node: ast.AST) -> None:
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is not None:
            method(node)
        else:
            for child in ast.iter_child_nodes(node):
                self.visit(child)

    def visit_all(self, nodes: Iterable[ast.AST | None]) -> None:
        for node in nodes:
            if node is not None:
                self.visit(node)


class _Collector(NodeWalker):
    """The bindings of one scope, without descending into the scopes nested in it."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def bind(self, name: str, kind: str, node: ast.AST, **extra: object) -> None:
        binding = Binding(name, kind, node, **extra)  # type: ignore[arg-type]
        self.scope.bindings[name].append(binding)

    def target(
        self, target: ast.expr, kind: str, statement: ast.AST, value: ast.expr | None
    ) -> None:
        if isinstance(target, ast.Name):
            self.bind(target.id, kind, statement, value=value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self.target(element, "unpack" if kind == "assign" else kind, statement, None)
        elif isinstance(target, ast.Starred):
            self.target(target.value, "unpack" if kind == "assign" else kind, statement, None)
        else:  # attribute or subscript targets bind nothing, but their parts are read
            self.visit(target)

    # -- nested scopes: bind the name, visit what runs here (decorators, defaults, bases) --

    def _function(self, node: FunctionNode) -> None:
        self.bind(node.name, "def", node)
        self.visit_all(node.decorator_list)
        self._arguments(node.args)
        if node.returns:
            self.visit(node.returns)

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def _arguments(self, args: ast.arguments) -> None:
        self.visit_all([d for d in args.defaults if d is not None])
        self.visit_all([d for d in args.kw_defaults if d is not None])
        for arg in all_params(args):
            if arg.annotation:
                self.visit(arg.annotation)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.visit_all([d for d in node.args.defaults if d is not None])
        self.visit_all([d for d in node.args.kw_defaults if d is not None])

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.bind(node.name, "class", node)
        self.visit_all(node.decorator_list)
        self.visit_all(node.bases)
        self.visit_all([k.value for k in node.keywords])

    def _comprehension(self, node: ast.AST) -> None:
        # The targets are the comprehension's own; a walrus inside binds here.
        for generator in node.generators:  # type: ignore[attr-defined]
            self.visit(generator.iter)
            self.visit_all(generator.ifs)
        self.visit_all(comprehension_elements(node))

    visit_ListComp = _comprehension
    visit_SetComp = _comprehension
    visit_DictComp = _comprehension
    visit_GeneratorExp = _comprehension

    # -- statements that bind ----------------------------------------------------------

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        value = node.value
        for target in node.targets:
            single = len(node.targets) == 1
            if single and isinstance(target, ast.Name):
                self.target(target, "assign", node, value)
            elif (
                single
                and isinstance(target, (ast.Tuple, ast.List))
                and isinstance(value, (ast.Tuple, ast.List))
                and len(target.elts) == len(value.elts)
                and not any(isinstance(e, ast.Starred) for e in (*target.elts, *value.elts))
            ):
                # ``a, b = b, a + b``: each name gets its own value.
                for element, element_value in zip(target.elts, value.elts):
                    if isinstance(element, ast.Name):
                        self.bind(element.id, "assign", node, value=element_value)
                    else:
                        self.target(element, "unpack", node, None)
            else:
                self.target(target, "unpack", node, None)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.annotation)
        if isinstance(node.target, ast.Name):
            self.bind(
                node.target.id, "annassign", node, value=node.value, annotation=node.annotation
            )
        else:
            self.visit(node.target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            self.bind(node.target.id, "augassign", node, value=node.value)
        else:
            self.visit(node.target)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self.bind(node.target.id, "walrus", node, value=node.value)

    def _for(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self.target(node.target, "for", node, node.iter)
        self.visit_all(node.body)
        self.visit_all(node.orelse)

    visit_For = _for
    visit_AsyncFor = _for

    def _with(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self.target(item.optional_vars, "with", node, item.context_expr)
        self.visit_all(node.body)

    visit_With = _with
    visit_AsyncWith = _with

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        for local, qualified in import_targets(node):
            self.bind(local, "import", node, qualified=qualified)

    visit_Import = _import
    visit_ImportFrom = _import

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.bind(node.name, "except", node)
        self.visit_all(node.body)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.bind(target.id, "delete", node)
            else:
                self.visit(target)

    def visit_Global(self, node: ast.Global) -> None:
        self.scope.globals.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.scope.nonlocals.update(node.names)

    if sys.version_info >= (3, 10):  # no match statements (nor their ast nodes) before

        def visit_MatchAs(self, node: ast.MatchAs) -> None:
            if node.pattern is not None:
                self.visit(node.pattern)
            if node.name:
                self.bind(node.name, "match", node)

        def visit_MatchStar(self, node: ast.MatchStar) -> None:
            if node.name:
                self.bind(node.name, "match", node)

        def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
            self.visit_all(node.keys)
            self.visit_all(node.patterns)
            if node.rest:
                self.bind(node.rest, "match", node)


class Scopes:
    """Every scope of one module, built on first use."""

    def __init__(self, facts: ModuleFacts) -> None:
        self.facts = facts
        self._scopes: dict[ast.AST, Scope] = {}
        self._writers: dict[tuple[int, str], list[Binding]] = {}
        self._owners: dict[ast.AST, ast.AST] | None = None
        self.module = self._build(facts.tree, None)

    def _build(self, node: ScopeNode, parent: Scope | None) -> Scope:
        scope = Scope(node, parent)
        collector = _Collector(scope)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for arg in all_params(node.args):
                param = Binding(arg.arg, "param", arg, annotation=arg.annotation)
                scope.bindings[arg.arg].append(param)
        if isinstance(node, ast.Lambda):
            collector.visit(node.body)
        else:
            collector.visit_all(node.body)
        self._scopes[node] = scope
        return scope

    def of(self, node: ScopeNode) -> Scope:
        """The scope that ``node`` (a module, function, lambda or class) opens."""
        scope = self._scopes.get(node)
        if scope is None:
            enclosing = self.enclosing_scope(node)
            # Nested scopes do not see the names of a class around them.
            visible = enclosing.parent if enclosing.is_class else enclosing
            scope = self._build(node, visible)
        return scope

    def _definition_owners(self) -> dict[ast.AST, ast.AST]:
        """For each ``def`` and ``class``: the ``def``, ``class`` or module whose body holds it.
        Built by walking statements only (a definition is never inside an expression), which is
        much cheaper than the full parent map."""
        owners = self._owners
        if owners is None:
            owners = {}
            stack: list[tuple[ast.AST, ast.AST]] = [(self.facts.tree, self.facts.tree)]
            while stack:
                node, owner = stack.pop()
                for part in ("body", "orelse", "finalbody", "handlers", "cases"):
                    for child in getattr(node, part, ()):
                        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                            owners[child] = owner
                            stack.append((child, child))
                        elif isinstance(child, _STATEMENT_LIKE):
                            stack.append((child, owner))
            self._owners = owners
        return owners

    def enclosing_scope(self, node: ast.AST) -> Scope:
        """The scope in which ``node`` itself is evaluated (for a def: where its name is bound)."""
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            owner = self._definition_owners().get(node)
            if owner is not None:
                if owner is self.facts.tree:
                    return self.module
                return self.of(owner)  # type: ignore[arg-type]
        parents = self.facts.parents
        child = node
        parent = parents.get(node)
        while parent is not None:
            if isinstance(parent, _SCOPE_TYPES) and not _evaluated_outside(child, parent):
                return self.of(parent)
            child = parent
            parent = parents.get(parent)
        return self.module

    def scope_at(self, node: ast.AST) -> Scope:
        """The scope a name read at ``node`` is looked up in (comprehensions aside)."""
        return self.enclosing_scope(node)

    def resolve(self, name: str, scope: Scope) -> Scope | None:
        """The scope whose binding ``name`` refers to when read in ``scope`` (None: a builtin or
        an unknown name)."""
        if name in scope.globals:
            return self.module if name in self.module.bindings else None
        current: Scope | None = scope
        first = True
        while current is not None:
            if current.binds(name) and (first or not current.is_class):
                return current
            if name in current.globals:
                return self.module if name in self.module.bindings else None
            first = False
            current = current.parent
        return None

    def function_scopes(self) -> Iterator[Scope]:
        for node in self.facts.nodes(ast.FunctionDef, ast.AsyncFunctionDef):
            yield self.of(node)

    def global_writers(self, name: str) -> list[Scope]:
        """Functions that declare ``global name`` and bind it."""
        found: list[Scope] = []
        if not any(name in d.names for d in self.facts.nodes(ast.Global)):
            return found
        for declaration in self.facts.nodes(ast.Global):
            if name in declaration.names:
                function = self.facts.enclosing_function(declaration)
                if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    scope = self.of(function)
                    if name in scope.bindings:
                        found.append(scope)
        return found


def _evaluated_outside(child: ast.AST, scope_node: ast.AST) -> bool:
    """``child`` (a direct child of ``scope_node``) is evaluated in the enclosing scope:
    decorators, default values, annotations, class bases."""
    if isinstance(child, ast.arguments):
        return True
    if isinstance(scope_node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return child is scope_node.returns or any(child is d for d in scope_node.decorator_list)
    if isinstance(scope_node, ast.ClassDef):
        return any(
            child is part
            for part in (*scope_node.decorator_list, *scope_node.bases, *scope_node.keywords)
        )
    return False


def scopes(facts: ModuleFacts) -> Scopes:
    cached = getattr(facts, "_astscopes", None)
    if cached is None:
        cached = Scopes(facts)
        facts._astscopes = cached  # type: ignore[attr-defined]
    return cached


# -- what a read of a name is used for -----------------------------------------------------


def comprehension_binds(name: ast.Name, facts: ModuleFacts, stop: ast.AST | None = None) -> bool:
    """``name`` is a variable of a comprehension around it (up to ``stop``)."""
    parents = facts.parents
    child: ast.AST = name
    parent = parents.get(name)
    while parent is not None and parent is not stop and not isinstance(parent, _SCOPE_TYPES):
        if isinstance(parent, COMPREHENSIONS):
            generators = parent.generators
            first_iter = generators[0].iter if generators else None
            if child is not first_iter:
                for generator in generators:
                    for target in ast.walk(generator.target):
                        if isinstance(target, ast.Name) and target.id == name.id:
                            return True
        child = parent
        parent = parents.get(parent)
    return False


def use_of(name: ast.Name, facts: ModuleFacts) -> str:
    """What the code does with the value read at ``name``: ``mutate`` (stores into it, deletes
    from it, calls a mutating method on it or on a part of it), ``escape`` (passes it to code
    that may mutate it: a call, an alias, a ``return``), ``call`` (calls it), or ``read``."""
    parents = facts.parents
    expr: ast.AST = name
    parent = parents.get(expr)
    while isinstance(parent, (ast.Subscript, ast.Attribute)) and parent.value is expr:
        if isinstance(parent.ctx, (ast.Store, ast.Del)):
            return "mutate"
        grand = parents.get(parent)
        if (
            isinstance(parent, ast.Attribute)
            and isinstance(grand, ast.Call)
            and grand.func is parent
        ):
            if parent.attr in MUTATING_METHODS:
                return "mutate"
            if parent.attr in READING_METHODS:
                return "read"
            return "escape"
        expr = parent
        parent = grand
    if isinstance(parent, ast.Call):
        if parent.func is expr:
            return "call"
        func = parent.func
        if (
            isinstance(func, ast.Name)
            and func.id in _NON_MUTATING_BUILTINS
            and facts.is_unbound_builtin(func.id)
        ):
            return "read"
        return "escape"
    if isinstance(parent, ast.keyword):
        return "escape"
    if (
        isinstance(parent, (ast.Assign, ast.AnnAssign, ast.NamedExpr))
        and getattr(parent, "value", None) is expr
    ):
        return "escape"
    if isinstance(parent, (ast.Return, ast.Yield, ast.YieldFrom, ast.Await)):
        return "escape"
    if isinstance(parent, ast.withitem):
        return "escape"
    if isinstance(parent, ast.AugAssign) and parent.value is expr:
        return "escape"  # ``other += X`` may keep references to X's elements
    if isinstance(parent, (ast.List, ast.Tuple, ast.Set, ast.Dict)) and not isinstance(
        expr, ast.Starred
    ):
        return "escape"  # stored in a container
    return "read"


def reads_of(name: str, scope: Scope, facts: ModuleFacts, table: Scopes) -> Iterator[ast.Name]:
    """Every read of ``name`` that refers to ``scope``'s binding of it."""
    if scope.is_module:
        candidates: list[ast.Name] = facts.loads.get(name, [])
    else:
        candidates = [
            n for n in ast.walk(scope.node)
            if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
        ]
    for read in candidates:
        if comprehension_binds(read, facts):
            continue
        where = table.scope_at(read)
        if table.resolve(name, where) is scope:
            yield read


def writers_elsewhere(name: str, scope: Scope, table: Scopes) -> list[Binding]:
    """Bindings of ``scope``'s variable made from inner scopes (``global``/``nonlocal``)."""
    key = (id(scope.node), name)
    cached = table._writers.get(key)
    if cached is None:
        cached = _writers_elsewhere(name, scope, table)
        table._writers[key] = cached
    return cached


def _writers_elsewhere(name: str, scope: Scope, table: Scopes) -> list[Binding]:
    found: list[Binding] = []
    if scope.is_module:
        for writer in table.global_writers(name):
            found.extend(writer.bindings[name])
        return found
    for node in ast.walk(scope.node):
        if node is scope.node or not isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
        ):
            continue
        inner = table.of(node)
        if name in inner.nonlocals and name in inner.bindings:
            found.extend(inner.bindings[name])
    return found


def is_builtin_name(name: str, scope: Scope, table: Scopes) -> bool:
    return (
        name in BUILTIN_NAMES
        and table.resolve(name, scope) is None
        and not table.facts.has_star_import
    )


# -- what a name means -----------------------------------------------------------------------


def qualified_name_at(expr: ast.expr, scope: Scope, table: Scopes, depth: int = 0) -> str | None:
    """The qualified name of a name or attribute chain read in ``scope``, when certain:
    ``builtins.len``, an import's target (``functools.cache``), or what a variable bound once
    to such a chain means (``now = time.time``); None for anything else.

    The ``ast`` side's resolver, for whole-module analyses and pre-checks; on LibCST nodes,
    ``analysis/names.py`` answers the same question."""
    if depth > 4:
        return None
    if isinstance(expr, ast.Attribute):
        base = qualified_name_at(expr.value, scope, table, depth)
        return f"{base}.{expr.attr}" if base else None
    if not isinstance(expr, ast.Name):
        return None
    owner = table.resolve(expr.id, scope)
    if owner is None:
        builtin = expr.id in BUILTIN_NAMES and not table.facts.has_star_import
        return f"builtins.{expr.id}" if builtin else None
    if writers_elsewhere(expr.id, owner, table):
        return None
    imported = import_target(expr.id, owner)
    if imported is not None:
        return imported
    bindings = owner.bindings.get(expr.id, [])
    alias = bindings[0] if len(bindings) == 1 else None
    if (
        alias is not None
        and alias.kind in {"assign", "annassign"}
        and isinstance(alias.value, (ast.Name, ast.Attribute))
    ):
        return qualified_name_at(alias.value, owner, table, depth + 1)
    return None


def import_target(name: str, scope: Scope) -> str | None:
    """What ``name`` is in ``scope`` when every binding of it there is an import of one thing
    (``import os`` and ``import os.path`` both bind ``os``)."""
    bindings = scope.bindings.get(name, ())
    targets = {binding.qualified for binding in bindings}
    if bindings and len(targets) == 1 and all(b.kind == "import" for b in bindings):
        return targets.pop()
    return None


def decorator_callee(decorator: ast.expr) -> ast.expr:
    """What a decorator names: ``lru_cache`` for ``@lru_cache(maxsize=None)``."""
    return decorator.func if isinstance(decorator, ast.Call) else decorator
