"""A ``RuleContext`` over a whole snippet (one chunk), and ways to find nodes in it."""

from __future__ import annotations

import ast
import sysconfig
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import libcst as cst
import pytest

from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.scopes import ScopeTree
from perfcodemod.context import EngineOptions, RuleContext, children

NodeT = TypeVar("NodeT", bound=cst.CSTNode)


def context_for(code: str) -> RuleContext:
    code = textwrap.dedent(code)
    facts = ModuleFacts(ast.parse(code), code)
    module = cst.parse_module(code)
    return RuleContext(
        facts, module, EngineOptions(rules=()), 1, "example.py", scope_builder=ScopeTree
    )


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


STDLIB = Path(sysconfig.get_paths()["stdlib"])


def stdlib_source(name: str) -> str:
    """The text of a module of the standard library (``json/decoder.py``); the test is skipped
    where this Python does not have it."""
    path = STDLIB / name
    if not path.exists():
        pytest.skip(f"{name} is not in this Python's standard library")
    return path.read_text(encoding="utf-8")
