"""Profiles: recording them (``perfcodemod profile``), reading the profilers' formats into one
model, joining them to diagnostics, and what follows (estimates, decisions, tickets).

The front ends reach this package through ``perfcodemod.api``.
"""

from __future__ import annotations

from perfcodemod.profile.formats import load_profiles, read_profile
from perfcodemod.profile.model import Profile, ProfileError

__all__ = ["Profile", "ProfileError", "load_profiles", "read_profile"]
