"""Configuration: where it is found, what each key does, and what a mistake in it looks like.

Everything goes through the real command line; the error cases check the whole contract: exit
code 2, one line on stderr naming the file and the key (or the TOML line), a close match when
there is one, and never a traceback.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .conftest import run_cli, write

# Line 2: safe fix (annotated `str`); line 6: unsafe fix (unknown needle).
CODE = '''\
def status_ok(status: str) -> bool:
    return status in ["active", "pending"]


def unknown(value):
    return value in ["x", "y"]
'''
SAFE_FIXED = CODE.replace('["active", "pending"]', '{"active", "pending"}')
ALL_FIXED = SAFE_FIXED.replace('["x", "y"]', '{"x", "y"}')
LINE = re.compile(r"^(?P<path>[^:\s]+):(?P<row>\d+):\d+: (?P<code>PCM\d{3}) ", re.MULTILINE)


def reported(*args: str | Path, cwd: Path) -> set[tuple[str, int]]:
    """The (path, row) pairs the CLI reports (paths with forward slashes)."""
    result = run_cli(*args, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    return {(m["path"].replace("\\", "/"), int(m["row"])) for m in LINE.finditer(result.stdout)}


def files(root: Path, *names: str, code: str = CODE) -> None:
    for name in names:
        write(root / name, code)


# -- discovery -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("pyproject.toml", '[tool.perfcodemod]\nignore = ["PCM201"]\n'),
        ("perfcodemod.toml", 'ignore = ["PCM201"]\n'),
        (".perfcodemod.toml", 'ignore = ["PCM201"]\n'),
    ],
)
def test_each_configuration_file_is_read(tmp_path: Path, name: str, text: str) -> None:
    files(tmp_path, "a.py")
    assert reported("a.py", cwd=tmp_path) == {("a.py", 2), ("a.py", 6)}
    write(tmp_path / name, text)
    assert reported("a.py", cwd=tmp_path) == set()


def test_precedence_in_one_directory(tmp_path: Path) -> None:
    files(tmp_path, "a.py")
    write(tmp_path / "pyproject.toml", '[tool.perfcodemod]\nignore = ["PCM201"]\n')
    write(tmp_path / "perfcodemod.toml", 'select = ["PCM201"]\n')
    assert reported("a.py", cwd=tmp_path) == {("a.py", 2), ("a.py", 6)}
    write(tmp_path / ".perfcodemod.toml", 'ignore = ["PCM2"]\n')
    assert reported("a.py", cwd=tmp_path) == set()


def test_closest_configuration_applies_to_each_file(tmp_path: Path) -> None:
    # root: PCM201 ignored; inner project: its own config (no merging with the outer one);
    # a pyproject.toml without [tool.perfcodemod] is not a configuration file.
    write(tmp_path / "pyproject.toml", '[tool.perfcodemod]\nignore = ["PCM201"]\n')
    write(tmp_path / "inner" / "pyproject.toml", '[tool.perfcodemod]\nunsafe-fixes = true\n')
    write(tmp_path / "plain" / "pyproject.toml", '[project]\nname = "plain"\n')
    files(tmp_path, "top.py", "inner/pkg/a.py", "plain/b.py")
    assert reported(".", cwd=tmp_path) == {("inner/pkg/a.py", 2), ("inner/pkg/a.py", 6)}
    # The same from inside the inner project, and from a directory with no config at all.
    assert reported("pkg", cwd=tmp_path / "inner") == {("pkg/a.py", 2), ("pkg/a.py", 6)}
    elsewhere = tmp_path.parent / (tmp_path.name + "-elsewhere")
    elsewhere.mkdir()
    found = reported(tmp_path, cwd=elsewhere)
    assert {row for _, row in found} == {2, 6} and all(p.endswith("inner/pkg/a.py") for p, _ in found)
    # Fixing uses each file's configuration: the inner project enables unsafe fixes.
    run_cli("--fix", ".", cwd=tmp_path)
    assert (tmp_path / "inner/pkg/a.py").read_text() == ALL_FIXED
    assert (tmp_path / "top.py").read_text() == CODE
    assert (tmp_path / "plain/b.py").read_text() == CODE


def test_paths_in_a_configuration_are_relative_to_its_directory(tmp_path: Path) -> None:
    write(tmp_path / "proj" / "pyproject.toml",
          '[tool.perfcodemod]\nextend-exclude = ["src/gen"]\n'
          '[tool.perfcodemod.per-file-ignores]\n"src/legacy/*" = ["PCM2"]\n')
    files(tmp_path / "proj", "src/gen/a.py", "src/legacy/b.py", "src/c.py")
    from_outside = reported("proj", cwd=tmp_path)
    assert {p for p, _ in from_outside} == {"proj/src/c.py"}
    from_inside = reported("src", cwd=tmp_path / "proj" / "src" / "..")
    assert {p for p, _ in from_inside} == {"src/c.py"}


# -- per-file-ignores ----------------------------------------------------------------------------


def test_per_file_ignores(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", """\
[tool.perfcodemod.per-file-ignores]
"tests/**/*.py" = ["PCM201"]
"conftest.py" = ["PCM2"]
"scripts/*" = ["ALL"]
"!src/**" = ["PCM20"]
"src/pkg/keep.py" = []
""")
    files(tmp_path, "tests/unit/test_a.py", "conftest.py", "scripts/run.py", "other/x.py",
          "src/pkg/keep.py")
    assert {p for p, _ in reported(".", cwd=tmp_path)} == {"src/pkg/keep.py"}


def test_per_file_ignores_do_not_hide_other_rules(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml",
          '[tool.perfcodemod.per-file-ignores]\n"*.py" = ["PCM201"]\n')
    files(tmp_path, "ok.py")
    write(tmp_path / "broken.py", "def f(:\n")
    result = run_cli(".", cwd=tmp_path)
    assert "broken.py:1:7: PCM001" in result.stdout and "PCM201" not in result.stdout


# -- exclude / extend-exclude (ruff semantics) -----------------------------------------------------


def test_default_excludes_and_extend_exclude(tmp_path: Path) -> None:
    files(tmp_path, "build/a.py", "dist/b.py", "node_modules/c.py", ".venv/d.py", "venv/e.py",
          "__pycache__/f.py", ".tox/g.py", "src/h.py", "src/gen_pb2.py", "src/vendor/i.py",
          "deep/x/generated/j.py")
    assert {p for p, _ in reported(".", cwd=tmp_path)} == {
        "src/h.py", "src/gen_pb2.py", "src/vendor/i.py", "deep/x/generated/j.py"}
    write(tmp_path / "pyproject.toml",
          '[tool.perfcodemod]\nextend-exclude = ["*_pb2.py", "src/vendor", "**/generated"]\n')
    assert {p for p, _ in reported(".", cwd=tmp_path)} == {"src/h.py"}
    # The command line's --extend-exclude adds to the configuration's.
    assert reported(".", "--extend-exclude", "h.py", cwd=tmp_path) == set()


def test_exclude_replaces_the_defaults(tmp_path: Path) -> None:
    files(tmp_path, "build/a.py", "src/b.py", "src/skip_me.py")
    write(tmp_path / "perfcodemod.toml", 'exclude = ["skip_*"]\n')
    assert {p for p, _ in reported(".", cwd=tmp_path)} == {"build/a.py", "src/b.py"}
    assert {p for p, _ in reported(".", "--exclude", "src", cwd=tmp_path)} == {"build/a.py"}


# -- fixes ---------------------------------------------------------------------------------------


def test_fixable_and_unfixable_keys(tmp_path: Path) -> None:
    files(tmp_path, "a.py")
    write(tmp_path / "perfcodemod.toml", 'unfixable = ["PCM2"]\n')
    result = run_cli("--fix", "a.py", cwd=tmp_path)
    assert (tmp_path / "a.py").read_text() == CODE and "[*]" not in result.stdout
    write(tmp_path / "perfcodemod.toml", 'fixable = ["PCM001"]\n')
    run_cli("--fix", "a.py", cwd=tmp_path)
    assert (tmp_path / "a.py").read_text() == CODE
    write(tmp_path / "perfcodemod.toml", 'fixable = ["PCM201"]\nunfixable = ["PCM"]\n')
    run_cli("--fix", "a.py", cwd=tmp_path)
    assert (tmp_path / "a.py").read_text() == SAFE_FIXED


def test_unsafe_fixes_key(tmp_path: Path) -> None:
    files(tmp_path, "a.py")
    write(tmp_path / "perfcodemod.toml", "unsafe-fixes = true\n")
    result = run_cli("--fix", "a.py", cwd=tmp_path)
    assert result.returncode == 0 and (tmp_path / "a.py").read_text() == ALL_FIXED


def test_extend_safe_fixes_and_extend_unsafe_fixes(tmp_path: Path) -> None:
    files(tmp_path, "a.py")
    write(tmp_path / "perfcodemod.toml", 'extend-safe-fixes = ["PCM201"]\n')
    data = json.loads(run_cli("a.py", "--output-format", "json", cwd=tmp_path).stdout)
    assert [d["fix"]["applicability"] for d in data] == ["safe", "safe"]
    assert "made safe by the `extend-safe-fixes` setting" in data[1]["fix"]["applicability_reason"]
    run_cli("--fix", "a.py", cwd=tmp_path)
    assert (tmp_path / "a.py").read_text() == ALL_FIXED

    files(tmp_path, "a.py")
    write(tmp_path / "perfcodemod.toml", 'extend-unsafe-fixes = ["PCM2"]\n')
    data = json.loads(run_cli("a.py", "--output-format", "json", cwd=tmp_path).stdout)
    assert [d["fix"]["applicability"] for d in data] == ["unsafe", "unsafe"]
    assert "made unsafe by the `extend-unsafe-fixes` setting" in data[0]["fix"]["applicability_reason"]
    run_cli("--fix", "a.py", cwd=tmp_path)
    assert (tmp_path / "a.py").read_text() == CODE


# -- target-version and family tables ------------------------------------------------------------


def test_target_version(tmp_path: Path) -> None:
    files(tmp_path, "a.py")
    for version in ("py39", "py310", "py311", "py312", "py313", "PY314"):
        write(tmp_path / "perfcodemod.toml", f'target-version = "{version}"\n')
        assert len(reported("a.py", cwd=tmp_path)) == 2
    assert run_cli("a.py", "--target-version", "py313", cwd=tmp_path).returncode == 1


def test_family_option_table(tmp_path: Path) -> None:
    code = (
        "class Status(str):\n    pass\n\n\n"
        "def ok(s: Status):\n    return s in ['a', 'b']\n"
    )
    write(tmp_path / "a.py", code)
    data = json.loads(run_cli("a.py", "--output-format", "json", cwd=tmp_path).stdout)
    assert data[0]["fix"]["applicability"] == "unsafe"
    write(tmp_path / "pyproject.toml",
          '[tool.perfcodemod.membership]\nhashable-types = ["Status"]\n')
    data = json.loads(run_cli("a.py", "--output-format", "json", cwd=tmp_path).stdout)
    assert data[0]["fix"]["applicability"] == "safe"
    # The same table at the top level of perfcodemod.toml.
    (tmp_path / "pyproject.toml").unlink()
    write(tmp_path / "perfcodemod.toml", '[membership]\nhashable-types = ["Status"]\n')
    run_cli("--fix", "a.py", cwd=tmp_path)
    assert "s in {'a', 'b'}" in (tmp_path / "a.py").read_text()


# -- errors ---------------------------------------------------------------------------------------

ERRORS = [
    pytest.param(
        "pyproject.toml", '[tool.perfcodemod]\nextend-selct = ["PCM2"]\n',
        "pyproject.toml: unknown key `extend-selct` in [tool.perfcodemod]; did you mean "
        "`extend-select`?", id="unknown-key"),
    pytest.param(
        "pyproject.toml", '[tool.perfcodemod]\nextend_select = ["PCM2"]\n',
        "unknown key `extend_select` in [tool.perfcodemod]; did you mean `extend-select`?",
        id="snake-case-key"),
    pytest.param(
        "perfcodemod.toml", 'ignor = ["PCM2"]\n',
        "perfcodemod.toml: unknown key `ignor` at the top level; did you mean `ignore`?",
        id="unknown-key-top-level"),
    pytest.param(
        "pyproject.toml", '[tool.perfcodemod]\nselect = ["PCM202x"]\n',
        "pyproject.toml: unknown rule selector `PCM202x` in `select` in [tool.perfcodemod]; "
        "did you mean `PCM201`?", id="unknown-code"),
    pytest.param(
        ".perfcodemod.toml", 'ignore = ["literal-membership"]\n',
        ".perfcodemod.toml: unknown rule selector `literal-membership` in `ignore` at the top "
        "level; did you mean `PCM201` (literal-membership)?", id="rule-name-instead-of-code"),
    pytest.param(
        "pyproject.toml", '[tool.perfcodemod]\nselect = "PCM201"\n',
        "pyproject.toml: `select` in [tool.perfcodemod] must be a list of strings, not a string",
        id="string-instead-of-list"),
    pytest.param(
        "pyproject.toml", '[tool.perfcodemod]\nunsafe-fixes = "yes"\n',
        "`unsafe-fixes` in [tool.perfcodemod] must be true or false, not a string",
        id="wrong-bool"),
    pytest.param(
        "pyproject.toml", '[tool.perfcodemod]\ntarget-version = "py38"\n',
        "pyproject.toml: `target-version` in [tool.perfcodemod] must be one of py39, py310",
        id="target-version"),
    pytest.param(
        "pyproject.toml", '[tool.perfcodemod]\nper-file-ignores = ["tests/*"]\n',
        "`per-file-ignores` in [tool.perfcodemod] must be a table of glob = [\"CODE\", ...], "
        "not an array", id="per-file-ignores-type"),
    pytest.param(
        "pyproject.toml", '[tool.perfcodemod.per-file-ignores]\n"tests/*" = ["PCM9"]\n',
        "unknown rule selector `PCM9` in `per-file-ignores.\"tests/*\"` in [tool.perfcodemod]",
        id="per-file-ignores-code"),
    pytest.param(
        "pyproject.toml", '[tool.perfcodemod.membership]\nhashable-type = ["X"]\n',
        "pyproject.toml: unknown key `hashable-type` in [tool.perfcodemod.membership]; did you "
        "mean `hashable-types`?", id="family-unknown-key"),
    pytest.param(
        "pyproject.toml", '[tool.perfcodemod.membership]\nhashable-types = "X"\n',
        "`hashable-types` in [tool.perfcodemod.membership] must be a list of strings, not a "
        "string", id="family-wrong-type"),
    pytest.param(
        "pyproject.toml", '[tool.perfcodemod.membershp]\nhashable-types = ["X"]\n',
        "unknown key `membershp` in [tool.perfcodemod]; did you mean `membership`?",
        id="unknown-family"),
    pytest.param(
        "pyproject.toml", '[tool.perfcodemod]\nmembership = 3\n',
        "`membership` in [tool.perfcodemod] must be a table ([tool.perfcodemod.membership]), "
        "not an integer", id="family-not-a-table"),
    pytest.param(
        "pyproject.toml", '[tool]\nperfcodemod = "on"\n',
        "pyproject.toml: [tool.perfcodemod] must be a table", id="tool-table-not-a-table"),
    pytest.param(
        "pyproject.toml", '[tool.perfcodemod]\nselect = ["PCM201"\nignore = []\n',
        "pyproject.toml: invalid TOML: ", id="malformed-toml"),
    pytest.param(
        "perfcodemod.toml", "[[[\n", "perfcodemod.toml: invalid TOML: ", id="malformed-toml-2"),
    pytest.param(
        "perfcodemod.toml", b'ignore = ["\xff"]\n', "perfcodemod.toml: invalid TOML: ",
        id="not-utf8"),
]


@pytest.mark.parametrize(("name", "text", "message"), ERRORS)
def test_configuration_errors(tmp_path: Path, name: str, text: str | bytes, message: str) -> None:
    files(tmp_path, "a.py")
    write(tmp_path / name, text)
    result = run_cli("a.py", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"perfcodemod: error: {tmp_path / name}: ")
    assert message in line
    if "invalid TOML" in message:
        assert re.search(r"\(at line \d+, column \d+\)|line \d+\)", line)


def test_malformed_toml_names_the_line(tmp_path: Path) -> None:
    files(tmp_path, "a.py")
    write(tmp_path / "pyproject.toml", '[tool.perfcodemod]\nselect = ["PCM201"]\nignore = [\n')
    result = run_cli("a.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "invalid TOML: Invalid value (at end of document, line 4)" in result.stderr


def test_errors_in_an_unrelated_configuration_are_not_read(tmp_path: Path) -> None:
    # Only the configurations of the files being checked are read.
    files(tmp_path, "good/a.py")
    write(tmp_path / "bad" / "perfcodemod.toml", "nonsense = 1\n")
    assert run_cli("good", cwd=tmp_path).returncode == 1
    broken = run_cli(".", cwd=tmp_path)
    assert broken.returncode == 2 and "unknown key `nonsense`" in broken.stderr
