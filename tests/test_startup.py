"""Start-up: LibCST (and rules) are imported only when a file needs them.

``import libcst`` costs about three times Python's own start-up, so ``--version``, ``rule``
and a check of a file whose pre-checks find nothing never import it; importing every rule
does not either (see ``lazycst``). Each command runs in a subprocess, as a user runs it, which
lists ``sys.modules`` when it exits (``python -X importtime`` misses modules imported through
``importlib``, as rules are).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import write

_LIST_MODULES_AT_EXIT = """
import atexit, json, runpy, sys
listing = sys.argv[1]
def dump():
    with open(listing, "w") as out:
        json.dump(sorted(sys.modules), out)
atexit.register(dump)
sys.argv = ["perfcodemod", *sys.argv[2:]]
runpy.run_module("perfcodemod", run_name="__main__", alter_sys=True)
"""


def imported(*args: str, cwd: Path) -> set[str]:
    """The modules that ``python -m perfcodemod ARGS`` has imported when it exits."""
    env = {**os.environ}
    env.pop("PERFCODEMOD_DEBUG", None)
    listing = cwd / "modules.json"
    result = subprocess.run(
        [sys.executable, "-c", _LIST_MODULES_AT_EXIT, str(listing), *args],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=300,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr
    return set(json.loads(listing.read_text()))


def test_version_imports_nothing_of_the_engine(tmp_path: Path) -> None:
    modules = imported("--version", cwd=tmp_path)
    assert "libcst" not in modules
    assert not {m for m in modules if m.startswith("perfcodemod.")} - {"perfcodemod.cli"}


def test_a_rule_page_imports_that_rule_only(tmp_path: Path) -> None:
    modules = imported("rule", "PCM201", cwd=tmp_path)
    assert "libcst" not in modules
    rules = {m for m in modules if m.startswith("perfcodemod.rules.") and m.count(".") == 3}
    assert rules == {"perfcodemod.rules.membership.literal_membership"}


def test_a_file_without_candidates_is_checked_without_libcst(tmp_path: Path) -> None:
    write(tmp_path / "plain.py", "import os\n\n\ndef f(x):\n    return os.path.join(x, 'a')\n")
    modules = imported("check", "--no-cache", "plain.py", cwd=tmp_path)
    assert "libcst" not in modules
    assert "perfcodemod.chunks" not in modules
    # Nor the profile-guided mode or verified fixes, which a check without them does not use.
    assert not {m for m in modules if m.startswith(("perfcodemod.profile", "perfcodemod.verify"))}
    # The rules' pre-checks ran: their modules were imported.
    assert "perfcodemod.rules.membership.literal_membership" in modules


def test_a_file_with_a_candidate_imports_libcst(tmp_path: Path) -> None:
    write(tmp_path / "found.py", "def f(x):\n    return x in ['a', 'b']\n")
    assert "libcst" in imported("check", "--no-cache", "found.py", cwd=tmp_path)


@pytest.mark.parametrize("what", ["all_rules", "family_options"])
def test_importing_every_rule_leaves_libcst_unimported(what: str) -> None:
    code = (
        "import sys\nfrom perfcodemod import registry\n"
        f"registry.{what}()\nprint('libcst' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
