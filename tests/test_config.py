"""Configuration: where it is found, what each key does, and what a mistake in it looks like.

Everything goes through the real command line; the error cases check the whole contract: exit
code 2, one line on stderr naming the file and the key (or the TOML line), a close match when
there is one, and never a traceback.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from perfcodemod.config import ConfigError, ConfigResolver

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
    assert result.returncode in {0, 1}, result.stderr
    return {(m["path"].replace("\\", "/"), int(m["row"])) for m in LINE.finditer(result.stdout)}


def files(root: Path, *names: str, code: str = CODE) -> None:
    for name in names:
        write(root / name, code)


# -- discovery -----------------------------------------------------------------------------------


def test_each_configuration_file_is_read_and_their_precedence(tmp_path: Path) -> None:
    # One run over several projects: each file gets the configuration of its own directory.
    configs = {
        "none": {},
        "pyproject": {"pyproject.toml": '[tool.perfcodemod]\nignore = ["PCM201"]\n'},
        "plain": {"perfcodemod.toml": 'ignore = ["PCM201"]\n'},
        "dotted": {".perfcodemod.toml": 'ignore = ["PCM201"]\n'},
        # In one directory: .perfcodemod.toml, then perfcodemod.toml, then pyproject.toml.
        "two": {"pyproject.toml": '[tool.perfcodemod]\nignore = ["PCM201"]\n',
                "perfcodemod.toml": 'select = ["PCM201"]\n'},
        "three": {"pyproject.toml": '[tool.perfcodemod]\nignore = ["PCM201"]\n',
                  "perfcodemod.toml": 'select = ["PCM201"]\n',
                  ".perfcodemod.toml": 'ignore = ["PCM2"]\n'},
    }
    for project, contents in configs.items():
        files(tmp_path, f"{project}/a.py")
        for name, text in contents.items():
            write(tmp_path / project / name, text)
    assert {path.split("/")[0] for path, _ in reported(".", cwd=tmp_path)} == {"none", "two"}


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
    assert {row for _, row in found} == {2, 6}
    assert all(p.endswith("inner/pkg/a.py") for p, _ in found)
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


def _json_by_project(root: Path, *args: str) -> dict[str, list[dict]]:
    result = run_cli(".", "--output-format", "json", *args, cwd=root)
    assert result.returncode in {0, 1}, result.stderr
    found: dict[str, list[dict]] = {}
    for item in json.loads(result.stdout):
        project = Path(item["filename"]).relative_to(root).parts[0]
        found.setdefault(project, []).append(item)
    return found


def _projects(root: Path, configs: dict[str, str], name: str = "perfcodemod.toml") -> None:
    for project, text in configs.items():
        files(root, f"{project}/a.py")
        write(root / project / name, text)


def test_fix_keys(tmp_path: Path) -> None:
    _projects(tmp_path, {
        "unfixable": 'unfixable = ["PCM2"]\n',
        "fixable": 'fixable = ["PCM001"]\n',
        "specific": 'fixable = ["PCM201"]\nunfixable = ["PCM"]\n',
        "unsafe": "unsafe-fixes = true\n",
        "safe_ext": 'extend-safe-fixes = ["PCM201"]\n',
        "unsafe_ext": 'extend-unsafe-fixes = ["PCM2"]\n',
        "both_ext": 'extend-safe-fixes = ["PCM201"]\nextend-unsafe-fixes = ["PCM2"]\n',
    })
    data = _json_by_project(tmp_path)
    applicability = {
        project: [item["fix"] and item["fix"]["applicability"] for item in items]
        for project, items in data.items()
    }
    assert applicability == {
        "unfixable": [None, None], "fixable": [None, None], "specific": ["safe", "unsafe"],
        "unsafe": ["safe", "unsafe"], "safe_ext": ["safe", "safe"],
        "unsafe_ext": ["unsafe", "unsafe"], "both_ext": ["safe", "safe"],  # more specific wins
    }
    reason = data["safe_ext"][1]["fix"]["applicability_reason"]
    assert "made safe by the `extend-safe-fixes` setting" in reason
    reason = data["unsafe_ext"][0]["fix"]["applicability_reason"]
    assert "made unsafe by the `extend-unsafe-fixes` setting" in reason

    result = run_cli("--fix", ".", cwd=tmp_path)
    assert "[*]" not in result.stdout
    fixed = {project: (tmp_path / project / "a.py").read_text() for project in data}
    assert fixed == {
        "unfixable": CODE, "fixable": CODE, "specific": SAFE_FIXED, "unsafe": ALL_FIXED,
        "safe_ext": ALL_FIXED, "unsafe_ext": CODE, "both_ext": ALL_FIXED,
    }


def test_target_version(tmp_path: Path) -> None:
    versions = ("py39", "py310", "py311", "py312", "py313", "PY314")
    _projects(tmp_path, {version: f'target-version = "{version}"\n' for version in versions})
    assert {project: len(items) for project, items in _json_by_project(tmp_path).items()} == {
        version: 2 for version in versions
    }
    assert len(_json_by_project(tmp_path, "--target-version", "py313")) == len(versions)


def test_family_option_table(tmp_path: Path) -> None:
    code = (
        "class Status(str):\n    pass\n\n\n"
        "def ok(s: Status):\n    return s in ['a', 'b']\n"
    )
    for project in ("none", "pyproject", "toml"):
        write(tmp_path / project / "a.py", code)
    write(tmp_path / "pyproject" / "pyproject.toml",
          '[tool.perfcodemod.membership]\nhashable-types = ["Status"]\n')
    # The same table at the top level of perfcodemod.toml.
    write(tmp_path / "toml" / "perfcodemod.toml", '[membership]\nhashable-types = ["Status"]\n')
    data = _json_by_project(tmp_path)
    assert {project: [item["fix"]["applicability"] for item in items]
            for project, items in data.items()} == {
        "none": ["unsafe"], "pyproject": ["safe"], "toml": ["safe"],
    }
    run_cli("--fix", ".", cwd=tmp_path)
    assert "s in {'a', 'b'}" in (tmp_path / "toml" / "a.py").read_text()
    assert "s in ['a', 'b']" in (tmp_path / "none" / "a.py").read_text()


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
        "pyproject.toml", '[tool.perfcodemod]\nselect = ["PCM201x"]\n',
        "pyproject.toml: unknown rule selector `PCM201x` in `select` in [tool.perfcodemod]; "
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
        "pyproject.toml", '[tool.perfcodemod]\nper-file-ignores = { "[" = ["PCM2"] }\n',
        "pyproject.toml: invalid glob `[` in `per-file-ignores` in [tool.perfcodemod]: unclosed "
        "character class", id="per-file-ignores-glob"),
    pytest.param(
        "pyproject.toml", '[tool.perfcodemod]\nper-file-ignores = { "!src/{a,b" = ["PCM2"] }\n',
        "invalid glob `src/{a,b` in `per-file-ignores` in [tool.perfcodemod]: unclosed "
        "alternatives", id="negated-per-file-ignores-glob"),
    pytest.param(
        "pyproject.toml", '[tool.perfcodemod]\nextend-exclude = ["["]\n',
        "pyproject.toml: invalid glob `[` in `extend-exclude` in [tool.perfcodemod]",
        id="extend-exclude-glob"),
    pytest.param(
        "perfcodemod.toml", 'exclude = ["gen/[z-a]*"]\n',
        "perfcodemod.toml: invalid glob `gen/[z-a]*` in `exclude` at the top level: invalid "
        "range `z-a`", id="exclude-glob-range"),
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
def test_configuration_error_messages(
    tmp_path: Path, name: str, text: str | bytes, message: str
) -> None:
    """The message of each mistake (in-process: the same code the command line runs)."""
    path = write(tmp_path / name, text)
    with pytest.raises(ConfigError) as raised:
        ConfigResolver(cwd=tmp_path).for_path(tmp_path / "a.py")
    line = str(raised.value)
    assert "\n" not in line
    assert line.startswith(f"{path}: ")
    assert message in line
    if "invalid TOML" in message:
        assert re.search(r"\(at line \d+, column \d+\)|line \d+\)", line)


CLI_ERRORS = ["unknown-key", "unknown-code", "string-instead-of-list", "family-unknown-key",
              "malformed-toml", "not-utf8", "per-file-ignores-glob", "extend-exclude-glob"]


def test_configuration_errors_through_the_command_line(tmp_path: Path) -> None:
    """Exit 2, one line on stderr naming the file, nothing on stdout, no traceback."""
    cases = {case.id: case.values for case in ERRORS if case.id in CLI_ERRORS}
    assert set(cases) == set(CLI_ERRORS)
    for case_id, (name, text, _) in cases.items():
        files(tmp_path, f"{case_id}/a.py")
        write(tmp_path / case_id / name, text)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(zip(cases, pool.map(lambda c: run_cli("a.py", cwd=tmp_path / c), cases)))
    for case_id, (name, _, message) in cases.items():
        result = results[case_id]
        assert result.returncode == 2, case_id
        assert result.stdout == ""
        assert "Traceback" not in result.stderr
        [line] = result.stderr.splitlines()
        assert line.startswith(f"perfcodemod: error: {tmp_path / case_id / name}: ")
        assert message in line


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


def test_globs_on_the_command_line_are_checked_too(tmp_path: Path) -> None:
    files(tmp_path, "a.py")
    bad = run_cli("--extend-exclude", "[", "a.py", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr == (
        "perfcodemod: error: invalid glob `[` in --extend-exclude: unclosed character class `[` "
        "(write `[[]` for a literal `[`)\n"
    )


def test_valid_globs_still_match(tmp_path: Path) -> None:
    """The checks reject only what cannot match: classes, negated classes, a literal `[`
    written as a class, and ruff's `{a,b}` alternatives all work."""
    files(tmp_path, "keep.py", "other.py", "gen1.py", "gen2.py", "x[1].py", "skip_a.py",
          "skip_b.py")
    write(tmp_path / "pyproject.toml", (
        '[tool.perfcodemod]\n'
        'extend-exclude = ["gen[0-9].py", "x[[]1].py", "skip_{a,b}.py"]\n'
        'per-file-ignores = { "[!ks]*.py" = ["PCM2"] }\n'
    ))
    assert {path for path, _ in reported(".", cwd=tmp_path)} == {"keep.py"}
