"""What a rule instance sees while it visits one chunk: the ``RuleContext``, and the chunk's tree.

Below the engine (which builds a context per chunk) and below the rules and analyses (which ask
it questions), so that imports run one way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from perfcodemod.lazycst import cst
from perfcodemod.proposals import FixProposal

if TYPE_CHECKING:
    from perfcodemod.analysis.facts import ModuleFacts
    from perfcodemod.analysis.scopes import ScopeTree
    from perfcodemod.rule import Rule


@dataclass(frozen=True)
class EngineOptions:
    """What the engine needs from the settings of one file."""

    rules: tuple[type[Rule], ...]
    #: ``[tool.perfcodemod.<family>]`` tables, by family.
    family_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    target_version: tuple[int, int] = (3, 9)
    #: Parse only the method around a candidate of a ``function_local`` rule (off: always the
    #: whole top-level statement, as the engine did before; the tests compare the two).
    function_chunks: bool = True


@dataclass
class Report:
    rule: Rule
    node: cst.CSTNode
    message: str
    fix: FixProposal | None


class RuleContext:
    """What a rule instance can ask about the chunk it visits and the module around it."""

    def __init__(
        self,
        facts: ModuleFacts,
        module: cst.Module,
        options: EngineOptions,
        first_row: int,
        path: str,
        code_row: int | None = None,
        toplevel_row: int | None = None,
        scope_builder: Callable[[cst.Module], ScopeTree] | None = None,
    ) -> None:
        self.facts = facts
        self.module = module
        self.options = options
        #: The file row that the chunk's first line stands for (a method chunk's first lines
        #: are ``class NAME:`` headers standing for the rows above the method).
        self.first_row = first_row
        #: The file row of the chunk's first line of the file's own code.
        self.code_row = code_row or first_row
        #: The first row of the top-level statement holding the chunk.
        self.toplevel_row = toplevel_row or first_row
        self.path = path
        self.reports: list[Report] = []
        self._parents: dict[cst.CSTNode, cst.CSTNode] | None = None
        self._scope_tree: ScopeTree | None = None
        #: Builds the chunk's scope tree (``analysis.scopes.ScopeTree``, which the engine
        #: passes: this module sits below the analyses and never imports them).
        self._scope_builder = scope_builder

    def report(
        self, rule: Rule, node: cst.CSTNode, message: str, fix: FixProposal | None
    ) -> None:
        self.reports.append(Report(rule, node, message, fix))

    def family_options(self, rule: type[Rule] | Rule) -> Mapping[str, Any]:
        return self.options.family_options.get(rule.family, {})

    @property
    def target_version(self) -> tuple[int, int]:
        return self.options.target_version

    # -- tree navigation --

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        if self._parents is None:
            self._parents = parent_map(self.module)
        return self._parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        """The parents of ``node``, innermost first, up to the chunk's module."""
        parent = self.parent(node)
        while parent is not None:
            yield parent
            parent = self.parent(parent)

    @property
    def scopes(self) -> ScopeTree:
        """Bindings and reads of every name in this chunk (``analysis/scopes.py``), built on
        first use (LibCST's ``ScopeProvider`` answers the same at several times the cost)."""
        if self._scope_tree is None:
            if self._scope_builder is None:
                raise RuntimeError("this RuleContext was made without a scope_builder")
            self._scope_tree = self._scope_builder(self.module)
        return self._scope_tree

    def code_for(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)


# -- the chunk's tree ----------------------------------------------------------------------------

# Fields holding only whitespace or punctuation: no rule looks inside them.
_SKIPPED_FIELDS = frozenset(
    {
        "lpar", "rpar", "comma", "semicolon", "leading_lines", "lines_after_decorators", "header",
        "footer", "trailing_whitespace", "indent", "newline", "equal", "colon", "lbracket",
        "rbracket", "lbrace", "rbrace", "dot", "star", "whitespace", "asynchronous", "first_colon",
        "second_colon", "leading_whitespace", "relative",
    }
)
# Where LibCST's field order differs from the order of the source.
_FIELD_ORDER_OVERRIDES = {
    "FunctionDef": ("decorators", "name", "type_parameters", "params", "returns", "body"),
    "ClassDef": ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    "IfExp": ("body", "test", "orelse"),
    "Arg": ("keyword", "value"),
    "ExceptHandler": ("type", "name", "body"),
    "ExceptStarHandler": ("type", "name", "body"),
    "MatchCase": ("pattern", "guard", "body"),
    "Parameters": (
        "posonly_params", "posonly_ind", "params", "star_arg", "kwonly_params", "star_kwarg"
    ),
}
_CHILD_FIELDS: dict[type[cst.CSTNode], tuple[str, ...]] = {}


def _child_fields(node_type: type[cst.CSTNode]) -> tuple[str, ...]:
    fields = _CHILD_FIELDS.get(node_type)
    if fields is None:
        names = [f.name for f in dataclasses.fields(node_type)]
        override = _FIELD_ORDER_OVERRIDES.get(node_type.__name__)
        if override:
            names = [n for n in override if n in names] + [n for n in names if n not in override]
        fields = tuple(
            n for n in names if n not in _SKIPPED_FIELDS and not n.startswith("whitespace")
        )
        _CHILD_FIELDS[node_type] = fields
    return fields


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The syntactic children of ``node`` in source order (whitespace and punctuation left out)."""
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield value
        elif isinstance(value, (tuple, list)):
            for item in value:
                if isinstance(item, cst.CSTNode):
                    yield item


def parent_map(root: cst.CSTNode) -> dict[cst.CSTNode, cst.CSTNode]:
    """Each node's parent under ``root`` (``children``'s walk, inlined: it is built for most
    chunks, and a generator per node costs as much as the rest of the walk)."""
    parents: dict[cst.CSTNode, cst.CSTNode] = {}
    node_type = cst.CSTNode
    stack = [root]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        for name in _child_fields(type(node)):
            value = getattr(node, name)
            if isinstance(value, node_type):
                parents[value] = node
                push(value)
            elif isinstance(value, (tuple, list)):
                for item in value:
                    if isinstance(item, node_type):
                        parents[item] = node
                        push(item)
    return parents
