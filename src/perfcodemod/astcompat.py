"""``ast`` node types that not every supported Python has, as tuples for ``isinstance``.

The package runs on Python 3.9, where ``ast`` has no ``Match`` nodes (3.10), no ``TryStar``
(3.11) and no type parameters or ``TypeAlias`` (3.12). Code that names them directly fails
with ``AttributeError`` there; through these tuples it works everywhere: a tuple is empty on a
Python without the type, so ``isinstance(node, MATCH)`` is simply ``False`` (a 3.9 ``ast`` can
never hold such a node). A small value module: anything may import it.
"""

from __future__ import annotations

import ast


def _types(*names: str) -> tuple[type[ast.AST], ...]:
    return tuple(getattr(ast, name) for name in names if hasattr(ast, name))


#: ``match`` statements and their cases (3.10).
MATCH = _types("Match")
MATCH_CASE = _types("match_case")
#: Patterns that bind a name in their ``name`` field: ``case x``, ``case [*rest]`` (3.10).
MATCH_NAME_PATTERNS = _types("MatchAs", "MatchStar")
#: ``case {**rest}`` binds ``rest`` (3.10).
MATCH_MAPPING = _types("MatchMapping")
#: ``try: ... except* E:`` (3.11).
TRY_STAR = _types("TryStar")
#: ``type X = ...`` (3.12) and the type parameters of ``def f[T]``/``class C[T]`` (3.12).
TYPE_ALIAS = _types("TypeAlias")
TYPE_PARAMS = _types("TypeVar", "ParamSpec", "TypeVarTuple")


def pattern_binding(node: ast.AST) -> str | None:
    """The name a ``match`` pattern node binds by itself (``case x``, ``case [*rest]``,
    ``case {**rest}``), or ``None`` (any other node, and wildcards)."""
    if isinstance(node, MATCH_NAME_PATTERNS):
        name: str | None = getattr(node, "name", None)
        return name
    if isinstance(node, MATCH_MAPPING):
        rest: str | None = getattr(node, "rest", None)
        return rest
    return None


__all__ = [
    "MATCH",
    "MATCH_CASE",
    "MATCH_MAPPING",
    "MATCH_NAME_PATTERNS",
    "TRY_STAR",
    "TYPE_ALIAS",
    "TYPE_PARAMS",
    "pattern_binding",
]
