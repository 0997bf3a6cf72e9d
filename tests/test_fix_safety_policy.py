"""The fix safety policy for every rule (docs/fix-safety.md): no safe fix in test code, none
that changes a container's allocation in a module that measures object sizes. Checked through
the real command line on real files, and the test-code conventions one by one."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from perfcodemod.safety import is_test_path

from .conftest import run_cli, write

# A test of the constructor: rewritten to `[]`, it would compare `[]` with `[]`.
TEST_OF_LIST = """\
import unittest


class ListTest(unittest.TestCase):
    def test_empty(self):
        self.assertEqual(list([]), [])
        self.assertEqual(list([1, 2]), [1, 2])


if __name__ == "__main__":
    unittest.main()
"""
LIBRARY = "def pair(a, b):\n    return list([a, b])\n"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tests/test_api.py", True),
        ("test_api.py", True),
        ("pkg/api_test.py", True),
        ("pkg/tests.py", True),
        ("conftest.py", True),
        ("tests/helpers.py", True),
        ("src/pkg/testing/asserts.py", True),
        ("Lib/idlelib/idle_test/test_x.py", True),
        ("src/pkg/api.py", False),
        ("src/pkg/testimony.py", False),
        ("src/pkg/contest.py", False),
        ("src/test_data_loader/load.py", False),  # a package whose name starts with test_
    ],
)
def test_test_code_conventions(path: str, expected: bool, tmp_path: Path) -> None:
    assert is_test_path(tmp_path / path, tmp_path) is expected


def test_the_project_root_does_not_count(tmp_path: Path) -> None:
    root = tmp_path / "tests" / "project"
    assert not is_test_path(root / "src" / "mod.py", root)
    assert is_test_path(root / "tests" / "test_mod.py", root)


def _applicability(output: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in json.loads(output):
        found.setdefault(Path(item["filename"]).name, []).append(
            item["fix"]["applicability"] if item["fix"] else "none"
        )
    return found


def test_fix_leaves_test_code_alone_and_unsafe_fixes_reach_it(tmp_path: Path) -> None:
    write(tmp_path / "pkg" / "mod.py", LIBRARY)
    write(tmp_path / "tests" / "test_list.py", TEST_OF_LIST)
    report = run_cli("check", "--isolated", "--output-format", "json", ".", cwd=tmp_path)
    assert _applicability(report.stdout) == {
        "mod.py": ["safe"],
        "test_list.py": ["unsafe", "unsafe"],
    }
    reasons = [d["fix"]["applicability_reason"] for d in json.loads(report.stdout)]
    assert all(r.startswith("in test code no fix is safe") for r in reasons[1:])

    fixed = run_cli("check", "--isolated", "--fix", ".", cwd=tmp_path)
    assert fixed.returncode == 1, fixed.stderr  # the test file's two findings remain
    assert (tmp_path / "pkg" / "mod.py").read_text() == "def pair(a, b):\n    return [a, b]\n"
    assert (tmp_path / "tests" / "test_list.py").read_text() == TEST_OF_LIST

    run_cli("check", "--isolated", "--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert "assertEqual([], [])" in (tmp_path / "tests" / "test_list.py").read_text()


def test_extend_safe_fixes_applies_them_in_test_code_too(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.perfcodemod]\nextend-safe-fixes = ["PCM102"]\n')
    write(tmp_path / "tests" / "test_list.py", TEST_OF_LIST)
    run_cli("check", "--fix", ".", cwd=tmp_path)
    assert "assertEqual([], [])" in (tmp_path / "tests" / "test_list.py").read_text()


def test_a_module_that_measures_sizes_gets_no_safe_allocation_fix(tmp_path: Path) -> None:
    # The failure the policy exists for: `list([1])` over-allocates, `[1]` does not (on
    # CPython 3.10 and newer; how much a list reserves is an implementation detail).
    if sys.implementation.name == "cpython" and sys.version_info >= (3, 10):
        assert sys.getsizeof(list([1])) != sys.getsizeof([1])  # noqa: PCM102
    code = "import sys\n\nSIZE = sys.getsizeof(list([1]))\nprint(SIZE)\n"
    path = write(tmp_path / "sizes.py", code)
    report = run_cli("check", "--isolated", "--output-format", "json", str(path))
    (item,) = json.loads(report.stdout)
    assert item["fix"]["applicability"] == "unsafe"
    assert "measures object sizes (line 3)" in item["fix"]["applicability_reason"]
    run_cli("check", "--isolated", "--fix", str(path))
    assert path.read_text() == code
