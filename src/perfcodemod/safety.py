"""The fix safety policy that holds for every rule, beyond each rule's own reasons.

``docs/fix-safety.md`` states it for users. Two parts of it depend on where the code is rather
than on what a rule sees in it:

- **Test code gets no safe fix.** A test exercises code on purpose, often in forms nobody
  would write elsewhere (``assertEqual(list([]), [])`` tests ``list()``; rewritten to ``[]``
  it compares ``[]`` with ``[]``). And the tests are what tells a user that the fixes kept
  behaviour: rewriting them in the same run takes that check away. So in test code every fix
  is offered as unsafe (``--unsafe-fixes``, or ``extend-safe-fixes`` for a code, applies it).
- Test code is recognised by the conventions of pytest and unittest: a file named
  ``test_*.py``, ``*_test.py``, ``tests.py`` or ``conftest.py``, or any file under a directory
  named ``test``, ``tests`` or ``testing`` (or ``*_test``, ``*_tests``), counted from the
  project root (the directory of the configuration file, or the current directory).

What a rule decides from the code itself (``sys.getsizeof`` in the module, say) is the rule's
business; this module only applies the policy to finished diagnostics.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from perfcodemod.diagnostic import Applicability, Diagnostic

TEST_FILE_NAMES = frozenset({"tests.py", "conftest.py"})
TEST_DIRECTORY_NAMES = frozenset({"test", "tests", "testing"})
TEST_CODE_REASON = (
    "in test code no fix is safe: the test may exercise this very expression (a rewrite can "
    "make it test nothing), and the tests are what checks the other fixes"
)


def is_test_path(path: str | Path | None, root: Path | None = None) -> bool:
    """``path`` follows the test-file conventions above (relative to ``root`` when inside
    it, so a project that lives in a directory named ``tests`` is not all test code)."""
    if path is None:
        return False
    absolute = os.path.abspath(path)
    parts: Sequence[str] = Path(absolute).parts
    if root is not None:
        try:
            parts = Path(os.path.relpath(absolute, os.path.abspath(root))).parts
        except ValueError:  # another drive on Windows
            pass
        if parts and parts[0] == os.pardir:
            parts = Path(path).parts
    if not parts:
        return False
    name = parts[-1]
    if name in TEST_FILE_NAMES or (
        name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))
    ):
        return True
    return any(
        part in TEST_DIRECTORY_NAMES or part.endswith(("_test", "_tests"))
        for part in parts[:-1]
    )


def demote_in_test_code(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Every safe fix made unsafe, its reason saying why."""
    demoted = []
    for diagnostic in diagnostics:
        fix = diagnostic.fix
        if fix is not None and fix.applicability is Applicability.SAFE:
            reason = f"{TEST_CODE_REASON} (otherwise: {fix.reason})"
            fix = fix.with_applicability(Applicability.UNSAFE, reason)
            diagnostic = replace(diagnostic, fix=fix)
        demoted.append(diagnostic)
    return demoted


__all__ = ["TEST_CODE_REASON", "demote_in_test_code", "is_test_path"]
