"""The values that cross module boundaries: edits, fixes and diagnostics.

Offsets are character offsets into the decoded text of a file (without its BOM); rows and
columns are computed from them only when something is shown to a user.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from perfcodemod.annotation import ProfileAnnotation


class Applicability(str, enum.Enum):
    """How sure a fix is: ``safe`` fixes are applied by ``--fix``, ``unsafe`` only with
    ``--unsafe-fixes``."""

    SAFE = "safe"
    UNSAFE = "unsafe"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, order=True)
class Edit:
    """Replace ``text[start:end]`` with ``content`` (an insertion when ``start == end``)."""

    start: int
    end: int
    content: str

    def overlaps(self, other: Edit) -> bool:
        # Two insertions at one point, or an insertion at the edge of a replacement, can be
        # applied in a defined order; an insertion strictly inside a replacement cannot.
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Fix:
    applicability: Applicability
    #: What the fix does, in the imperative ("Use a set literal").
    message: str
    #: Why the fix is safe or unsafe here, in one sentence.
    reason: str
    edits: tuple[Edit, ...]

    def with_applicability(self, applicability: Applicability, reason: str) -> Fix:
        return Fix(applicability, self.message, reason, self.edits)


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    #: Character offsets of the reported range in the decoded text.
    start: int
    end: int
    #: 1-based row and column of ``start`` and ``end`` (columns count characters).
    row: int
    col: int
    end_row: int
    end_col: int
    fix: Fix | None = None
    #: The row whose noqa comment suppresses this diagnostic.
    noqa_row: int = 0
    #: Extra, front-end specific notes (for instance, profile figures).
    notes: tuple[str, ...] = field(default=())
    #: What a profile (or the static estimate) says about this finding: None without one.
    #: Every output format reads it here (``profile.to_json()`` is the JSON ``profile``).
    profile: ProfileAnnotation | None = field(default=None, compare=False)

    @property
    def sort_key(self) -> tuple[int, int, str]:
        return (self.row, self.col, self.code)


@dataclass(frozen=True)
class ToolError:
    """Something that went wrong in the tool itself for one file; never a traceback."""

    path: str
    message: str
