"""Every rule's code, name, family, module, class and default selection.

Generated from discovery by ``python -m perfcodemod.registry``; do not edit by hand
(``tests/test_registry.py`` fails when it differs from what discovery finds).
"""

# ruff: noqa: E501 (generated: one rule per line)

from __future__ import annotations

from typing import NamedTuple


class RuleEntry(NamedTuple):
    code: str
    name: str
    family: str
    module: str
    cls: str
    default_enabled: bool


RULES: tuple[RuleEntry, ...] = (
    RuleEntry("PCM001", "parse-error", "tool", "perfcodemod.rules.tool.parse_error", "ParseError", True),
    RuleEntry("PCM101", "comprehension-in-short-circuit", "generators", "perfcodemod.rules.generators.comprehension_in_short_circuit", "ComprehensionInShortCircuit", True),
    RuleEntry("PCM102", "copied-intermediate-list", "generators", "perfcodemod.rules.generators.copied_intermediate_list", "CopiedIntermediateList", True),
    RuleEntry("PCM103", "single-use-list", "generators", "perfcodemod.rules.generators.single_use_list", "SingleUseList", True),
    RuleEntry("PCM104", "list-comprehension-in-reducer", "generators", "perfcodemod.rules.generators.list_comprehension_in_reducer", "ListComprehensionInReducer", False),
    RuleEntry("PCM201", "literal-membership", "membership", "perfcodemod.rules.membership.literal_membership", "LiteralMembership", True),
    RuleEntry("PCM202", "constant-list-membership", "membership", "perfcodemod.rules.membership.constant_membership", "ConstantMembership", True),
    RuleEntry("PCM203", "quadratic-deduplication", "membership", "perfcodemod.rules.membership.quadratic_deduplication", "QuadraticDeduplication", True),
    RuleEntry("PCM204", "list-membership-in-loop", "membership", "perfcodemod.rules.membership.list_membership_in_loop", "ListMembershipInLoop", True),
    RuleEntry("PCM301", "linear-search-in-loop", "lookups", "perfcodemod.rules.lookups.linear_search_in_loop", "LinearSearchInLoop", True),
    RuleEntry("PCM302", "list-index-in-loop", "lookups", "perfcodemod.rules.lookups.list_index_in_loop", "ListIndexInLoop", True),
    RuleEntry("PCM303", "list-count-in-loop", "lookups", "perfcodemod.rules.lookups.list_count_in_loop", "ListCountInLoop", True),
    RuleEntry("PCM401", "cacheable-recursive-function", "caching", "perfcodemod.rules.caching.cacheable_recursive_function", "CacheableRecursiveFunction", True),
    RuleEntry("PCM402", "cacheable-function", "caching", "perfcodemod.rules.caching.cacheable_function", "CacheableFunction", False),
    RuleEntry("PCM411", "cache-on-method", "caching", "perfcodemod.rules.caching.cache_on_method", "CacheOnMethod", True),
    RuleEntry("PCM412", "cache-on-async-function", "caching", "perfcodemod.rules.caching.cache_on_async_function", "CacheOnAsyncFunction", True),
    RuleEntry("PCM413", "cache-on-generator", "caching", "perfcodemod.rules.caching.cache_on_generator", "CacheOnGenerator", True),
    RuleEntry("PCM414", "cache-reads-outside-state", "caching", "perfcodemod.rules.caching.cache_reads_outside_state", "CacheReadsOutsideState", True),
    RuleEntry("PCM415", "cache-returns-mutable", "caching", "perfcodemod.rules.caching.cache_returns_mutable", "CacheReturnsMutable", True),
    RuleEntry("PCM416", "cache-unhashable-argument", "caching", "perfcodemod.rules.caching.cache_unhashable_argument", "CacheUnhashableArgument", True),
    RuleEntry("PCM417", "unbounded-cache", "caching", "perfcodemod.rules.caching.unbounded_cache", "UnboundedCache", False),
)
