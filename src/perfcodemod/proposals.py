"""What a rule proposes: where it may fire (pre-check candidates) and the fixes it offers.

Plain values, below the rules and the analyses that build them, and below the engine that turns
them into text edits.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

from perfcodemod.diagnostic import Applicability

if TYPE_CHECKING:
    import libcst as cst

#: A pre-check result: an ``ast`` node whose top-level statement must be parsed, or an explicit
#: inclusive range of rows (for rules that must see two statements in one LibCST module).
Candidate = Union[ast.AST, tuple[int, int]]

Replacement = Union["cst.CSTNode", "cst.FlattenSentinel[cst.CSTNode]", "cst.RemovalSentinel"]


@dataclass(frozen=True)
class ImportRequest:
    """``import module`` (``name`` is None) or ``from module import name``."""

    module: str
    name: str | None = None


@dataclass(frozen=True)
class Change:
    """Replace ``old`` (a node of the parsed tree) with ``new`` (or with several statements, or
    with nothing)."""

    old: cst.CSTNode
    new: Replacement


@dataclass(frozen=True)
class FixProposal:
    """What a rule proposes; the engine turns it into text edits."""

    changes: Sequence[Change]
    applicability: Applicability
    #: Why the fix is safe or unsafe at this place (shown as ``applicability_reason``).
    reason: str
    imports: Sequence[ImportRequest] = ()
    #: Overrides the rule's ``fix_title`` for this fix.
    title: str | None = None


__all__ = ["Candidate", "Change", "FixProposal", "ImportRequest", "Replacement"]
