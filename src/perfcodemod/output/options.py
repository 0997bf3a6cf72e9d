"""What a format may be asked besides the reports themselves."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Options:
    #: Whether ``[*]`` counts unsafe fixes as applicable; None: each file's own setting
    #: (``--unsafe-fixes`` or its configuration's ``unsafe-fixes``).
    unsafe: bool | None = None
    #: ``--show-fixes``: the ``full`` format shows each fix as a diff.
    show_fixes: bool = False
    #: ``--show-dropped``: machine formats include the findings profile evidence dropped.
    show_dropped: bool = False
    #: Diagnostics carry profile annotations: line formats put the most urgent first.
    ranked: bool = False
