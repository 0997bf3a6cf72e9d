"""A ``RuleContext`` over a whole snippet (one chunk), and ways to find nodes in it."""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator
from typing import TypeVar

import libcst as cst

from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.engine import EngineOptions, RuleContext, children

NodeT = TypeVar("NodeT", bound=cst.CSTNode)


def context_for(code: str) -> RuleContext:
    code = textwrap.dedent(code)
    facts = ModuleFacts(ast.parse(code), code)
    module = cst.parse_module(code)
    return RuleContext(facts, module, EngineOptions(rules=()), 1, "example.py")


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(children(current))))


def find_all(context: RuleContext, node_type: type[NodeT]) -> list[NodeT]:
    return [n for n in walk(context.module) if isinstance(n, node_type)]


def find(context: RuleContext, node_type: type[NodeT], index: int = 0) -> NodeT:
    return find_all(context, node_type)[index]


def name_nodes(context: RuleContext, name: str) -> list[cst.Name]:
    return [n for n in find_all(context, cst.Name) if n.value == name]


def code(context: RuleContext, node: cst.CSTNode) -> str:
    return context.code_for(node).strip()
