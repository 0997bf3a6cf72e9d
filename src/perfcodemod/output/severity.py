"""How serious a finding is, for the formats that have levels (SARIF, GitHub, GitLab, JUnit).

perfcodemod's findings are performance problems and caching mistakes in code that runs: each is
a warning. A file that could not be checked at all (PCM001) is an error: nothing in it was
checked.
"""

from __future__ import annotations

import enum

from perfcodemod.api import PARSE_ERROR_CODE


class Severity(str, enum.Enum):
    WARNING = "warning"
    ERROR = "error"


def severity(code: str) -> Severity:
    return Severity.ERROR if code == PARSE_ERROR_CODE else Severity.WARNING
