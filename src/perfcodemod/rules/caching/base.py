"""The shape of the rules about functions with a cache decorator (PCM411-PCM417), and how the
rules that propose a cache (PCM401, PCM402, PCM417) add one. The questions they ask of a
function are analyses, in ``analysis/caching.py``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from perfcodemod.analysis.astscope import FunctionNode
from perfcodemod.analysis.caching import (
    CachedFunction,
    CachedTwin,
    cache_reference,
    cached_functions,
    cached_twin,
    is_stub,
    module_purity,
)
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.purity import Purity
from perfcodemod.diagnostic import Applicability
from perfcodemod.lazycst import cst
from perfcodemod.proposals import Candidate, Change, FixProposal
from perfcodemod.rule import Rule


class CachedFunctionRule(Rule):
    """The shape of the rules about functions with a cache decorator (PCM411-PCM417).

    ``applies_to`` picks the cached functions a rule is about, from the module's ``ast`` alone
    (no options; stubs, whose body is ``...`` or ``pass``, are never about anything): the
    pre-check yields them, and the visitor asks it again of each cached
    function in the chunk, so the two cannot disagree. ``check`` decides the rest, with this
    file's options, and reports (on the cache decorator, as a rule: ``cached.decorator_node()``).
    """

    @classmethod
    def applies_to(cls, cached: CachedFunction, facts: ModuleFacts) -> bool:
        return True

    def check(self, cached: CachedTwin) -> None:
        raise NotImplementedError

    @classmethod
    def precheck(cls, facts: ModuleFacts) -> Iterable[Candidate]:
        return [
            cached.function
            for cached in cached_functions(facts).values()
            if cls._concerns(cached, facts)
        ]

    @classmethod
    def _concerns(cls, cached: CachedFunction, facts: ModuleFacts) -> bool:
        # A stub (``...``, ``pass``) computes nothing: no cache on it can go wrong.
        return not is_stub(cached.function) and cls.applies_to(cached, facts)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        cached = cached_twin(self.context, node)
        if cached is not None and self._concerns(cached, self.context.facts):
            self.check(cached)

    @property
    def purity(self) -> Purity:
        """The module's purity analysis under this file's options."""
        return module_purity(self.context, self)


@dataclass(frozen=True)
class CacheProposal:
    """The cache decorator to add to a function, as this module would write it, and the fix
    that adds it (None when every spelling would collide with a name the module binds)."""

    decorator: str
    fix: FixProposal | None


def propose_cache(
    rule: Rule,
    node: cst.FunctionDef,
    function: FunctionNode,
    reason: str,
    maxsize: str | None = None,
) -> CacheProposal:
    """Decorate the undecorated ``node`` with ``functools.cache`` (or ``lru_cache(maxsize=...)``
    when ``maxsize`` is given), importing it in the module's style: an unsafe fix, for
    ``reason``."""
    reference = cache_reference(rule.context, function, maxsize)
    if reference is None:
        bounded = f"functools.lru_cache(maxsize={maxsize})"
        return CacheProposal("functools.cache" if maxsize is None else bounded, None)
    expression, imports = reference
    decorated = node.with_changes(decorators=[cst.Decorator(cst.parse_expression(expression))])
    fix = rule.fix(
        Change(node, decorated),
        Applicability.UNSAFE,
        reason,
        imports,
        title=f"Add `@{expression}`",
    )
    return CacheProposal(expression, fix)
