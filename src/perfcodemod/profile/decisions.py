"""What the evidence decides: priorities, estimates, and findings dropped, promoted or demoted.

The thresholds are the plan's where it gives one ("How often is same input repeated? Often
(>10% hit rate): implement caching; rarely: don't cache") and are documented in
``docs/profiling.md``.
"""

from __future__ import annotations

from perfcodemod.annotation import Priority, percent
from perfcodemod.profile.curves import curve
from perfcodemod.profile.model import SiteEvidence

#: Cache candidates: the probes count their calls and distinct argument keys.
CACHE_CANDIDATES = frozenset({"PCM401", "PCM402"})
#: Opt-in cache candidate that the evidence may report anyway.
PROMOTABLE = "PCM402"
#: Its family's option that also finds candidates whose arguments only may repeat: with a
#: profile, the probes measure whether they do.
CACHING_FAMILY = "caching"
POSSIBLE_REPEATS = "possible-repeats"
#: Rules about caches the program already has: ``cache_info()`` at exit is their evidence.
EXISTING_CACHES = frozenset({"PCM411", "PCM412", "PCM413", "PCM414", "PCM415", "PCM416",
                             "PCM417"})
#: Rules whose fix trades time for memory: the estimate is the memory the list held.
MEMORY_RULES = frozenset({"PCM101", "PCM103", "PCM104"})

#: Below this measured hit rate a cache candidate is dropped (the plan's 10%).
DROP_HIT_RATE = 0.10
#: At or above this hit rate (and hot), PCM402 is reported without opt-in.
PROMOTE_HIT_RATE = 0.5
#: A function at least this hot may have PCM402 reported without opt-in (or ``--hot``'s
#: threshold, when that is higher).
PROMOTE_SHARE = 0.05
#: Fewer calls than this are no evidence about a hit rate.
MIN_CALLS = 20
#: Share of run time for each priority.
HIGH_SHARE = 0.10
MEDIUM_SHARE = 0.01


def priority(share: float | None, ran: bool | None) -> Priority | None:
    if ran is False:
        return Priority.NOT_RUN
    if share is None:
        return None
    if share >= HIGH_SHARE:
        return Priority.HIGH
    if share >= MEDIUM_SHARE:
        return Priority.MEDIUM
    return Priority.LOW


def cache_hit_rate(site: SiteEvidence | None) -> float | None:
    """The hit rate a cache would have had: 1 - distinct keys / calls."""
    if site is None or not site.calls or site.distinct_keys is None:
        return None
    return max(0.0, 1.0 - site.distinct_keys / site.calls)


def drop_reason(code: str, site: SiteEvidence | None) -> str | None:
    """Why a cache candidate is not worth caching on this evidence (None: keep it)."""
    if code not in CACHE_CANDIDATES or site is None or not site.calls:
        return None
    if site.unhashable:
        return (
            f"dropped on profile evidence: {site.unhashable:,} of {site.calls:,} calls had "
            "unhashable arguments, where a cache raises TypeError"
        )
    rate = cache_hit_rate(site)
    if rate is not None and site.calls >= MIN_CALLS and rate < DROP_HIT_RATE:
        return (
            f"dropped on profile evidence: a cache would hit {percent(rate)} of "
            f"{site.calls:,} calls ({site.distinct_keys:,} distinct arguments); caching pays "
            f"from about {DROP_HIT_RATE:.0%}"
        )
    return None


def promotion(
    site: SiteEvidence | None, share: float | None, hot: float | None
) -> str | None:
    """Why an opt-in PCM402 finding is shown anyway (None: it is not)."""
    rate = cache_hit_rate(site)
    if site is None or rate is None or share is None or not site.calls:
        return None
    if site.calls < MIN_CALLS or site.unhashable or rate < PROMOTE_HIT_RATE:
        return None
    if share < max(PROMOTE_SHARE, hot or 0.0):
        return None
    return (
        f"reported on profile evidence: {percent(share)} of run time, a cache would hit "
        f"{percent(rate)} of {site.calls:,} calls"
    )


def demotion(code: str, max_size: int | None) -> str | None:
    """Why a finding whose collection stayed small is demoted (None: it is not)."""
    found = curve(code)
    if found is None or max_size is None or found.break_even is None:
        return None
    if code in MEMORY_RULES or max_size >= found.break_even:
        return None
    return (
        f"low priority on profile evidence: the collection never exceeded {max_size:,} "
        f"item{'s' if max_size != 1 else ''}, below the measured break-even of about "
        f"{found.break_even:,.0f}"
    )


def estimated_saving(
    code: str,
    *,
    site_share: float | None,
    function_share: float | None,
    site: SiteEvidence | None,
    run_time: float | None,
) -> float | None:
    """The fraction of run time the fix would save, where the evidence supports a figure.

    Cache candidates: the function's share times the hit rate (each hit skips a call).
    Rules with a benchmark curve and an observed size: the site's share times (1 - after /
    before at that size); without a line share, hits times the per-hit difference over the
    run time, capped by the function's share. No evidence, no estimate."""
    if code in CACHE_CANDIDATES:
        rate = cache_hit_rate(site)
        if rate is None or function_share is None:
            return None
        return function_share * rate
    found = curve(code)
    if found is None or site is None or site.max_size is None or code in MEMORY_RULES:
        return None
    before, after = found.at(max(site.max_size, 1))
    gain = max(0.0, 1.0 - after / before)
    if site_share is not None:
        return site_share * gain
    if run_time and site.hits:
        saving = site.hits * max(0.0, before - after) / run_time
        return min(saving, function_share if function_share is not None else 1.0)
    return None
