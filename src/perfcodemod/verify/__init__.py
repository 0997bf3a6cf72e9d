"""Verified fixes: keep only the fixes that the project's own command (its tests) accepts, and
time a benchmark before and after (``check --fix --verify CMD``, ``--bench CMD``).

| module | does |
| --- | --- |
| ``session.py`` | the run: baseline, rounds of fix units, bisection, final check, benchmarks |
| ``units.py`` | which fixes stand or fall together; the key that recognises a fix again |
| ``command.py`` | running a command in its own process group with a time limit; signals |
| ``workspace.py`` | writing versions of the files and putting them back byte for byte |
| ``record.py`` | the file of rejected fixes that the next run reads |
| ``bench.py`` | alternating timings, and the noise criterion (Mann-Whitney U) |
"""

from perfcodemod.verify.bench import Comparison, Timing
from perfcodemod.verify.command import CommandResult
from perfcodemod.verify.record import DEFAULT_PATH as DEFAULT_RECORD
from perfcodemod.verify.record import RecordError
from perfcodemod.verify.session import (
    DEFAULT_TIMEOUT,
    FileToFix,
    FixEntry,
    Lint,
    Select,
    Status,
    VerifyOptions,
    VerifyResult,
    verify_fixes,
)

__all__ = [
    "DEFAULT_RECORD",
    "DEFAULT_TIMEOUT",
    "CommandResult",
    "Comparison",
    "FileToFix",
    "FixEntry",
    "Lint",
    "RecordError",
    "Select",
    "Status",
    "Timing",
    "VerifyOptions",
    "VerifyResult",
    "verify_fixes",
]
