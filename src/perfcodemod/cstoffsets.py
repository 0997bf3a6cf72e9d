"""Where chosen nodes' code starts and ends in LibCST's code generation (character offsets).

LibCST's ``PositionProvider`` records every node of a module, at several times the cost of
generating its code; the engine (``chunks.py``) and the reading of newer syntax
(``newsyntax.py``) need the offsets of a few nodes only, and get them from one code-generation
pass with this state. Imported only by modules that have already imported LibCST.
"""

from __future__ import annotations

import libcst as cst
from libcst._nodes.internal import CodegenState


class OffsetState(CodegenState):
    """Code generation that counts characters and records only the target nodes' offsets
    (``inclusive``: from the node's first character to its last, whitespace it owns
    included). Subclasses hear of each target in ``opened`` and ``closed``."""

    def __init__(self, module: cst.Module, targets: set[cst.CSTNode]) -> None:
        super().__init__(
            default_indent=module.default_indent, default_newline=module.default_newline
        )
        self.targets = targets
        self.offset = 0
        self.inclusive: dict[cst.CSTNode, tuple[int, int]] = {}
        self._open: dict[cst.CSTNode, int] = {}

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self.offset += len(value)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def pop_trailing_newline(self) -> None:
        if self.tokens:
            self.offset -= len(self.tokens.pop())

    def before_codegen(self, node: cst.CSTNode) -> None:
        if node in self.targets:
            self._open[node] = self.offset
            self.opened(node)

    def after_codegen(self, node: cst.CSTNode) -> None:
        if node in self.targets:
            self.inclusive[node] = (self._open.pop(node), self.offset)
            self.closed(node)

    def opened(self, node: cst.CSTNode) -> None:
        """A target's code starts here (``self.offset``)."""

    def closed(self, node: cst.CSTNode) -> None:
        """A target's code has ended (``self.inclusive[node]``)."""


__all__ = ["OffsetState"]
