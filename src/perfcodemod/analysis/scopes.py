"""Bindings and uses of names in a chunk, by Python's scoping rules, in one walk.

LibCST's ``ScopeProvider`` (with the ``ExpressionContextProvider`` it depends on) costs several
times the parse and dominated the engine's profile, for questions that need much less: what
binds this name, where is it read. This is the purpose-built replacement, built once per chunk on
first use (``context.scopes``):

- a tree of scopes (the chunk's module level, classes, functions, lambdas, comprehensions);
- in each, the bindings of each name (with the construct that binds it: ``Param``, ``Assign``,
  ``AnnAssign``, ``AugAssign``, ``For``, ``CompFor``, ``WithItem``, ``NamedExpr``,
  ``ExceptHandler``, ``Import``, ``ImportFrom``, ``FunctionDef``, ``ClassDef``, ``Del``, match
  patterns) and the reads of each name, plus ``global``/``nonlocal`` declarations;
- ``resolve(name)``: the scope a read of a name refers to, as Python decides it (class bodies
  are skipped by the functions nested in them; a comprehension's first iterable is evaluated in
  the enclosing scope; an assignment expression in a comprehension binds in the enclosing
  function).

A chunk is one or more top-level statements: names bound at module level in other statements
are not in the chunk's module scope; ``ModuleFacts.bindings`` has the whole module's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from perfcodemod.context import children
from perfcodemod.lazycst import cst


@dataclass(eq=False)
class Scope:
    kind: str  # "module", "class", "function", "lambda" or "comprehension"
    node: cst.CSTNode
    parent: Scope | None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    reads: dict[str, list[cst.Name]] = field(default_factory=dict)
    declared_global: set[str] = field(default_factory=set)
    declared_nonlocal: set[str] = field(default_factory=set)
    star_import: bool = False
    children: list[Scope] = field(default_factory=list)

    def walk(self) -> Iterator[Scope]:
        """This scope and every scope nested in it."""
        stack: list[Scope] = [self]
        while stack:
            scope = stack.pop()
            yield scope
            stack.extend(scope.children)

    @property
    def is_function(self) -> bool:
        return self.kind in {"function", "lambda"}


@dataclass(frozen=True, eq=False)
class Binding:
    name: str
    #: The bound ``Name`` (for ``Param``, ``FunctionDef``, ``ClassDef`` and imports: that node).
    node: cst.CSTNode
    #: The construct that binds: ``Assign``, ``For``, ``Param``, ``Import``...
    binder: cst.CSTNode
    scope: Scope


@dataclass(frozen=True)
class Resolution:
    #: The scope in the chunk that the name resolves to (None: outside the chunk — the module
    #: level of another statement, or a builtin).
    scope: Scope | None
    #: The chunk's bindings of the name in that scope.
    bindings: tuple[Binding, ...]

    @property
    def is_module_level(self) -> bool:
        return self.scope is None or self.scope.kind == "module"


class ScopeTree:
    def __init__(self, module: cst.Module) -> None:
        self.root = Scope("module", module, None)
        #: The scope each ``Name`` (read or bound) and each scope-creating node belongs to.
        self.scope_of: dict[cst.CSTNode, Scope] = {module: self.root}
        self._nodes: dict[cst.CSTNode, Scope] = {module: self.root}
        _Builder(self).visit(module, self.root)

    def scope_for_node(self, node: cst.CSTNode) -> Scope | None:
        """The scope that a function, lambda, class or comprehension node creates."""
        return self._nodes.get(node)

    def resolve(self, name: cst.Name) -> Resolution:
        """What a read (or binding) of ``name`` refers to."""
        scope = self.scope_of.get(name)
        if scope is None:
            return Resolution(None, ())
        return self.resolve_in(name.value, scope)

    def resolve_in(self, name: str, scope: Scope) -> Resolution:
        current: Scope | None = scope
        first = True
        while current is not None:
            if name in current.declared_global:
                return self._module(name)
            if current.kind != "class" or first:
                if name in current.bindings and name not in current.declared_nonlocal:
                    return Resolution(current, tuple(current.bindings[name]))
            first = False
            current = current.parent
        return Resolution(None, ())

    def _module(self, name: str) -> Resolution:
        return Resolution(self.root, tuple(self.root.bindings.get(name, ())))

    def reads_of(self, scope: Scope, name: str) -> list[cst.Name]:
        """Every read of ``name`` that refers to ``scope``'s binding, in ``scope`` and in the
        scopes nested in it (closures, comprehensions)."""
        return [
            read
            for inner in scope.walk()
            for read in inner.reads.get(name, ())
            if self.resolve(read).scope is scope
        ]

    def bindings_of(self, scope: Scope, name: str) -> list[Binding]:
        """Every binding of ``name`` that refers to ``scope``: its own, and those of nested
        scopes that declare the name ``nonlocal`` (or ``global``, for the module scope)."""
        found = list(scope.bindings.get(name, ()))
        for inner in scope.walk():
            if inner is scope:
                continue
            declared = inner.declared_global if scope.kind == "module" else inner.declared_nonlocal
            if name in declared:
                found.extend(inner.bindings.get(name, ()))
        return found


class _Builder:
    def __init__(self, tree: ScopeTree) -> None:
        self.tree = tree

    # -- helpers --

    def _new_scope(self, kind: str, node: cst.CSTNode, parent: Scope) -> Scope:
        scope = Scope(kind, node, parent)
        parent.children.append(scope)
        self.tree._nodes[node] = scope
        return scope

    def _read(self, name: cst.Name, scope: Scope) -> None:
        scope.reads.setdefault(name.value, []).append(name)
        self.tree.scope_of[name] = scope

    def _bind(self, name: str, node: cst.CSTNode, binder: cst.CSTNode, scope: Scope) -> None:
        scope.bindings.setdefault(name, []).append(Binding(name, node, binder, scope))
        self.tree.scope_of[node] = scope

    def _bind_target(self, target: cst.BaseExpression, binder: cst.CSTNode, scope: Scope) -> None:
        if isinstance(target, cst.Name):
            self._bind(target.value, target, binder, scope)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_target(element.value, binder, scope)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, binder, scope)
        else:  # an attribute or subscript target reads its base
            self.visit(target, scope)

    @staticmethod
    def _function_scope(scope: Scope) -> Scope:
        """Where an assignment expression binds: the nearest non-comprehension scope."""
        while scope.kind == "comprehension" and scope.parent is not None:
            scope = scope.parent
        return scope

    # -- the walk --

    def visit(self, node: cst.CSTNode, scope: Scope) -> None:
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is not None:
            method(node, scope)
            return
        for child in children(node):
            self.visit(child, scope)

    def visit_Name(self, node: cst.Name, scope: Scope) -> None:
        self._read(node, scope)

    def visit_Attribute(self, node: cst.Attribute, scope: Scope) -> None:
        self.visit(node.value, scope)

    def visit_Arg(self, node: cst.Arg, scope: Scope) -> None:
        self.visit(node.value, scope)

    def visit_FunctionDef(self, node: cst.FunctionDef, scope: Scope) -> None:
        for decorator in node.decorators:
            self.visit(decorator.decorator, scope)
        self._visit_parameter_defaults(node.params, scope)
        if node.returns is not None:
            self.visit(node.returns.annotation, scope)
        self._bind(node.name.value, node, node, scope)
        inner = self._new_scope("function", node, scope)
        self._bind_parameters(node.params, inner)
        self.visit(node.body, inner)

    def visit_Lambda(self, node: cst.Lambda, scope: Scope) -> None:
        self._visit_parameter_defaults(node.params, scope)
        inner = self._new_scope("lambda", node, scope)
        self._bind_parameters(node.params, inner)
        self.visit(node.body, inner)

    def _visit_parameter_defaults(self, params: cst.Parameters, scope: Scope) -> None:
        for param in all_params(params):
            if param.default is not None:
                self.visit(param.default, scope)
            if param.annotation is not None:
                self.visit(param.annotation.annotation, scope)

    def _bind_parameters(self, params: cst.Parameters, scope: Scope) -> None:
        for param in all_params(params):
            self._bind(param.name.value, param, param, scope)

    def visit_ClassDef(self, node: cst.ClassDef, scope: Scope) -> None:
        for decorator in node.decorators:
            self.visit(decorator.decorator, scope)
        for arg in (*node.bases, *node.keywords):
            self.visit(arg.value, scope)
        self._bind(node.name.value, node, node, scope)
        inner = self._new_scope("class", node, scope)
        self.visit(node.body, inner)

    def _visit_comprehension(
        self,
        node: cst.CSTNode,
        for_in: cst.CompFor,
        results: list[cst.BaseExpression],
        scope: Scope,
    ) -> None:
        # The first iterable is evaluated in the enclosing scope, everything else inside.
        self.visit(for_in.iter, scope)
        inner = self._new_scope("comprehension", node, scope)
        current: cst.CompFor | None = for_in
        first = True
        while current is not None:
            if not first:
                self.visit(current.iter, inner)
            first = False
            self._bind_target(current.target, current, inner)
            for condition in current.ifs:
                self.visit(condition.test, inner)
            current = current.inner_for_in
        for result in results:
            self.visit(result, inner)

    def visit_ListComp(self, node: cst.ListComp, scope: Scope) -> None:
        self._visit_comprehension(node, node.for_in, [node.elt], scope)

    def visit_SetComp(self, node: cst.SetComp, scope: Scope) -> None:
        self._visit_comprehension(node, node.for_in, [node.elt], scope)

    def visit_GeneratorExp(self, node: cst.GeneratorExp, scope: Scope) -> None:
        self._visit_comprehension(node, node.for_in, [node.elt], scope)

    def visit_DictComp(self, node: cst.DictComp, scope: Scope) -> None:
        self._visit_comprehension(node, node.for_in, [node.key, node.value], scope)

    def visit_Assign(self, node: cst.Assign, scope: Scope) -> None:
        self.visit(node.value, scope)
        for target in node.targets:
            self._bind_target(target.target, node, scope)

    def visit_AnnAssign(self, node: cst.AnnAssign, scope: Scope) -> None:
        self.visit(node.annotation.annotation, scope)
        if node.value is not None:
            self.visit(node.value, scope)
        self._bind_target(node.target, node, scope)

    def visit_AugAssign(self, node: cst.AugAssign, scope: Scope) -> None:
        self.visit(node.value, scope)
        if isinstance(node.target, cst.Name):
            # Reads the old value, then binds the new one.
            read = node.target
            scope.reads.setdefault(read.value, []).append(read)
            self._bind(read.value, read, node, scope)
        else:
            self.visit(node.target, scope)

    def visit_NamedExpr(self, node: cst.NamedExpr, scope: Scope) -> None:
        self.visit(node.value, scope)
        self._bind_target(node.target, node, self._function_scope(scope))

    def visit_For(self, node: cst.For, scope: Scope) -> None:
        self.visit(node.iter, scope)
        self._bind_target(node.target, node, scope)
        self.visit(node.body, scope)
        if node.orelse is not None:
            self.visit(node.orelse, scope)

    def visit_WithItem(self, node: cst.WithItem, scope: Scope) -> None:
        self.visit(node.item, scope)
        if node.asname is not None:
            self._bind_target(node.asname.name, node, scope)

    def visit_ExceptHandler(self, node: cst.ExceptHandler, scope: Scope) -> None:
        if node.type is not None:
            self.visit(node.type, scope)
        if node.name is not None:
            self._bind_target(node.name.name, node, scope)
        self.visit(node.body, scope)

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler, scope: Scope) -> None:
        self.visit(node.type, scope)
        if node.name is not None:
            self._bind_target(node.name.name, node, scope)
        self.visit(node.body, scope)

    def visit_Import(self, node: cst.Import, scope: Scope) -> None:
        for alias in node.names:
            if alias.asname is not None:
                self._bind_target(alias.asname.name, node, scope)
            else:
                top = alias.name
                while isinstance(top, cst.Attribute):
                    top = top.value  # type: ignore[assignment]
                if isinstance(top, cst.Name):
                    self._bind(top.value, alias, node, scope)

    def visit_ImportFrom(self, node: cst.ImportFrom, scope: Scope) -> None:
        if isinstance(node.names, cst.ImportStar):
            scope.star_import = True
            return
        for alias in node.names:
            if alias.asname is not None:
                self._bind_target(alias.asname.name, node, scope)
            elif isinstance(alias.name, cst.Name):
                self._bind(alias.name.value, alias, node, scope)

    def visit_Global(self, node: cst.Global, scope: Scope) -> None:
        scope.declared_global.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal, scope: Scope) -> None:
        scope.declared_nonlocal.update(item.name.value for item in node.names)

    def visit_Del(self, node: cst.Del, scope: Scope) -> None:
        self._bind_target(node.target, node, scope)

    def visit_MatchAs(self, node: cst.MatchAs, scope: Scope) -> None:
        if node.pattern is not None:
            self.visit(node.pattern, scope)
        if node.name is not None:
            self._bind(node.name.value, node.name, node, scope)

    def visit_MatchStar(self, node: cst.MatchStar, scope: Scope) -> None:
        if node.name is not None:
            self._bind(node.name.value, node.name, node, scope)

    def visit_MatchMapping(self, node: cst.MatchMapping, scope: Scope) -> None:
        for element in node.elements:
            self.visit(element.key, scope)
            self.visit(element.pattern, scope)
        if node.rest is not None:
            self._bind(node.rest.value, node.rest, node, scope)

    def visit_MatchKeywordElement(self, node: cst.MatchKeywordElement, scope: Scope) -> None:
        self.visit(node.pattern, scope)

    def visit_MatchClass(self, node: cst.MatchClass, scope: Scope) -> None:
        self.visit(node.cls, scope)
        for pattern in (*node.patterns, *node.kwds):
            self.visit(pattern, scope)


def all_params(params: cst.Parameters) -> Iterator[cst.Param]:
    """Every parameter of a ``def`` or ``lambda``, in order (``*args`` and ``**kwargs`` too)."""
    yield from params.posonly_params
    yield from params.params
    if isinstance(params.star_arg, cst.Param):
        yield params.star_arg
    yield from params.kwonly_params
    if params.star_kwarg is not None:
        yield params.star_kwarg
