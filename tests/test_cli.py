"""The ``perfcodemod`` command as a user runs it: real subprocesses, real files.

Covers the check/fix/diff modes, exit codes, rule selection and fixability flags, the JSON
output (field by field, and its edits against ``--fix``), standard input, ``--add-noqa``,
``--force-exclude`` and ``perfcodemod rule``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from perfcodemod import registry

from .conftest import FIXTURES, lines_of, run_cli, write

# Line 2: a safe fix (the needle is annotated `str`); line 6: an unsafe one (unknown needle).
CODE = '''\
def status_ok(status: str) -> bool:
    return status in ["active", "pending"]


def unknown(value):
    return value in ["x", "y"]
'''
SAFE_FIXED = CODE.replace('["active", "pending"]', '{"active", "pending"}')
ALL_FIXED = SAFE_FIXED.replace('["x", "y"]', '{"x", "y"}')
CLEAN = "def f(x):\n    return x + 1\n"
MESSAGE = "Membership test against a list of constants; use a set literal"
TEXT_LINE = re.compile(r"^(?P<path>[^:]+):(?P<row>\d+):(?P<col>\d+): (?P<code>PCM\d{3}) (?P<rest>.*)$")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(tmp_path / "src" / "pkg" / "mod.py", CODE)
    write(tmp_path / "src" / "pkg" / "clean.py", CLEAN)
    return tmp_path


def diagnostics_of(stdout: str) -> list[tuple[str, int, int, str, str]]:
    found = []
    for line in stdout.splitlines():
        match = TEXT_LINE.match(line)
        if match:
            found.append((match["path"], int(match["row"]), int(match["col"]), match["code"],
                          match["rest"]))
    return found


# -- reporting -------------------------------------------------------------------------------


def test_check_prints_flake8_lines_and_a_summary(project: Path) -> None:
    result = run_cli("check", "src/", cwd=project)
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    mod = str(Path("src/pkg/mod.py"))
    assert diagnostics_of(result.stdout) == [
        (mod, 2, 22, "PCM201", f"[*] {MESSAGE}"),
        (mod, 6, 21, "PCM201", MESSAGE),
    ]
    assert lines_of(result.stdout)[2:] == [
        "Found 2 diagnostics.",
        "[*] 1 fixable with the `--fix` option.",
        "1 hidden fix can be enabled with the `--unsafe-fixes` option.",
    ]
    # `check` is the default command, and `.` the default path.
    assert run_cli("src/", cwd=project).stdout == result.stdout
    default = run_cli(cwd=project)
    assert diagnostics_of(default.stdout) == diagnostics_of(result.stdout)


def test_clean_code_exits_zero(tmp_path: Path) -> None:
    write(tmp_path / "ok.py", CLEAN)
    result = run_cli("check", "ok.py", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "All checks passed!\n", "")


def test_unsafe_fixes_flag_marks_unsafe_fixes_as_available(project: Path) -> None:
    result = run_cli("src", "--unsafe-fixes", cwd=project)
    assert [d[4] for d in diagnostics_of(result.stdout)] == [f"[*] {MESSAGE}"] * 2
    assert "[*] 2 fixable with the `--fix` option." in result.stdout
    assert "hidden" not in result.stdout


def test_quiet_prints_diagnostics_only(project: Path) -> None:
    result = run_cli("src", "-q", cwd=project)
    assert len(lines_of(result.stdout)) == 2 and result.returncode == 1


def test_statistics(project: Path) -> None:
    result = run_cli("src", "--statistics", cwd=project)
    assert lines_of(result.stdout) == ["    2\tPCM201\t[-] literal-membership"]
    assert result.returncode == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["missing.py"], "missing.py: no such file or directory"),
        (["--select", "PCM999"], "unknown rule selector `PCM999` in --select"),
        (["--ignore", "literal-membership"], "did you mean `PCM201` (literal-membership)?"),
        (["--config", "nope.toml"], "nope.toml: cannot read configuration"),
        (["--config", "x.toml", "--isolated"], "--config and --isolated cannot be combined"),
        (["-", "src"], "`-` (standard input) cannot be combined with other paths"),
        (["--add-noqa", "--fix"], "--add-noqa cannot be combined with --fix or --diff"),
        (["--target-version", "py27"], "`--target-version` must be one of py39"),
        (["--output-format", "xml"], "invalid choice: 'xml'"),
        (["rule", "PCM999"], "unknown rule `PCM999`"),
        (["rule"], "name a rule"),
    ],
    ids=lambda value: value if isinstance(value, str) else " ".join(value),
)
def test_usage_errors_exit_2_with_one_line(project: Path, args: list[str], message: str) -> None:
    result = run_cli(*args, cwd=project)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("perfcodemod: error: ")
    assert message in result.stderr


def test_version_and_help() -> None:
    version = run_cli("--version")
    assert version.returncode == 0 and re.fullmatch(r"perfcodemod \S+\n", version.stdout)
    top = run_cli("--help")
    assert top.returncode == 0 and "perfcodemod rule CODE" in top.stdout
    check = run_cli("check", "--help")
    assert check.returncode == 0
    for flag in ("--fix", "--unsafe-fixes", "--diff", "--show-fixes", "--exit-zero",
                 "--exit-non-zero-on-fix", "--select", "--extend-select", "--ignore",
                 "--fixable", "--unfixable", "--config", "--isolated", "--output-format",
                 "--stdin-filename", "--force-exclude", "--add-noqa"):
        assert flag in check.stdout


def test_broken_pipe_is_not_a_traceback(tmp_path: Path) -> None:
    write(tmp_path / "many.py", "".join(f"a{i} = x in [1, 2]\n" for i in range(3000)))
    process = subprocess.Popen(
        [sys.executable, "-m", "perfcodemod", "many.py"], cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read().decode()
    process.stderr.close()
    process.wait(timeout=120)
    assert first.startswith(b"many.py:1:")
    assert "Traceback" not in stderr and process.returncode in (0, 1)


# -- fixing ----------------------------------------------------------------------------------


def test_fix_applies_safe_fixes_and_reports_what_remains(project: Path) -> None:
    mod = project / "src" / "pkg" / "mod.py"
    result = run_cli("check", "--fix", "src", cwd=project)
    assert result.returncode == 1
    assert mod.read_text() == SAFE_FIXED
    assert diagnostics_of(result.stdout) == [(str(Path("src/pkg/mod.py")), 6, 21, "PCM201", MESSAGE)]
    assert lines_of(result.stdout)[1:] == [
        "Found 2 diagnostics (1 fixed, 1 remaining).",
        "1 hidden fix can be enabled with the `--unsafe-fixes` option.",
    ]
    # `--fix` works without `check` too; a second run changes nothing.
    again = run_cli("--fix", "src", cwd=project)
    assert mod.read_text() == SAFE_FIXED
    assert "Found 1 diagnostic." in again.stdout and again.returncode == 1


def test_unsafe_fixes_applies_everything(project: Path) -> None:
    result = run_cli("--fix", "--unsafe-fixes", "--show-fixes", "src", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (project / "src" / "pkg" / "mod.py").read_text() == ALL_FIXED
    assert f"Fixed 2 diagnostics:\n{Path('src/pkg/mod.py')}:\n    2 × PCM201 (literal-membership)\n" in result.stdout
    assert "Found 2 diagnostics (2 fixed, 0 remaining)." in result.stdout


def test_unsafe_fixes_from_configuration_and_no_unsafe_fixes(project: Path) -> None:
    write(project / "pyproject.toml", "[tool.perfcodemod]\nunsafe-fixes = true\n")
    shown = run_cli("src", cwd=project)
    assert [d[4] for d in diagnostics_of(shown.stdout)] == [f"[*] {MESSAGE}"] * 2
    refused = run_cli("--fix", "--no-unsafe-fixes", "src", cwd=project)
    assert (project / "src" / "pkg" / "mod.py").read_text() == SAFE_FIXED
    assert refused.returncode == 1
    # Run from elsewhere: the file's own configuration decides, not the working directory's.
    elsewhere = run_cli("--fix", project / "src", cwd=project.parent)
    assert elsewhere.returncode == 0, elsewhere.stdout
    assert (project / "src" / "pkg" / "mod.py").read_text() == ALL_FIXED


def test_exit_zero_and_exit_non_zero_on_fix(project: Path) -> None:
    assert run_cli("src", "--exit-zero", cwd=project).returncode == 0
    mod = project / "src" / "pkg" / "mod.py"
    write(mod, SAFE_FIXED.replace('["x", "y"]', "[x, y]"))  # one safe fix, nothing else
    write(project / "src" / "pkg" / "two.py", CODE.split("\n\n\n")[0] + "\n")
    plain = run_cli("--fix", "src", cwd=project)
    assert plain.returncode == 0 and "(1 fixed, 0 remaining)" in plain.stdout
    write(project / "src" / "pkg" / "two.py", CODE.split("\n\n\n")[0] + "\n")
    strict = run_cli("--fix", "--exit-non-zero-on-fix", "src", cwd=project)
    assert strict.returncode == 1
    nothing = run_cli("--fix", "--exit-non-zero-on-fix", "src", cwd=project)
    assert nothing.returncode == 0 and "All checks passed!" in nothing.stdout
    # --exit-zero wins over everything but errors.
    write(project / "src" / "pkg" / "two.py", CODE)
    assert run_cli("--fix", "--exit-non-zero-on-fix", "--exit-zero", "src", cwd=project).returncode == 0


def test_diff_prints_a_patch_and_writes_nothing(project: Path) -> None:
    mod = project / "src" / "pkg" / "mod.py"
    result = run_cli("--diff", "src", cwd=project)
    assert result.returncode == 1
    assert mod.read_text() == CODE
    assert result.stdout.startswith(f"--- {Path('src/pkg/mod.py')}\n+++ {Path('src/pkg/mod.py')}\n")
    assert '-    return status in ["active", "pending"]\n' in result.stdout
    assert '+    return status in {"active", "pending"}\n' in result.stdout
    assert "Would fix 1 diagnostic." in result.stderr
    # The diff is a real patch: applying it gives what --fix writes.
    patched = subprocess.run(["patch", "-p0", "--quiet"], input=result.stdout, cwd=project,
                             text=True, capture_output=True)
    assert patched.returncode == 0, patched.stderr
    assert mod.read_text() == SAFE_FIXED
    # Nothing left to fix: no diff, exit 0 (the unsafe fix is not offered without the flag).
    again = run_cli("--diff", "src", cwd=project)
    assert (again.returncode, again.stdout) == (0, "")
    unsafe = run_cli("--diff", "--unsafe-fixes", "src", cwd=project)
    assert unsafe.returncode == 1 and '+    return value in {"x", "y"}' in unsafe.stdout
    assert run_cli("--diff", "--unsafe-fixes", "--exit-zero", "src", cwd=project).returncode == 0


def test_diff_of_a_file_without_final_newline_is_a_valid_patch(tmp_path: Path) -> None:
    write(tmp_path / "a.py", 'word = "abc"\nok = len(word) in [1, 2]')
    result = run_cli("--diff", "a.py", cwd=tmp_path)
    assert result.stdout.endswith(
        "-ok = len(word) in [1, 2]\n\\ No newline at end of file\n"
        "+ok = len(word) in {1, 2}\n\\ No newline at end of file\n"
    )
    patched = subprocess.run(["patch", "-p0", "--quiet"], input=result.stdout, cwd=tmp_path,
                             text=True, capture_output=True)
    assert patched.returncode == 0, patched.stderr
    assert (tmp_path / "a.py").read_text() == 'word = "abc"\nok = len(word) in {1, 2}'


# -- selection and fixability ------------------------------------------------------------


def test_select_ignore_extend_select(project: Path) -> None:
    assert diagnostics_of(run_cli("src", "--select", "PCM001", cwd=project).stdout) == []
    assert diagnostics_of(run_cli("src", "--ignore", "PCM2", cwd=project).stdout) == []
    # Comma-separated and repeated flags both work; a more specific select beats an ignore.
    both = run_cli("src", "--select", "PCM001,PCM2", "--ignore", "PCM", "--select", "PCM201",
                   cwd=project)
    assert len(diagnostics_of(both.stdout)) == 2
    # The command line is a later layer than the configuration (as in ruff).
    write(project / "pyproject.toml", '[tool.perfcodemod]\nignore = ["PCM201"]\n')
    assert diagnostics_of(run_cli("src", cwd=project).stdout) == []
    assert len(diagnostics_of(run_cli("src", "--extend-select", "PCM201", cwd=project).stdout)) == 2
    assert len(diagnostics_of(run_cli("src", "--select", "PCM2", cwd=project).stdout)) == 2
    write(project / "pyproject.toml", '[tool.perfcodemod]\nextend-select = ["PCM201"]\n')
    assert diagnostics_of(run_cli("src", "--ignore", "PCM2", cwd=project).stdout) == []


def test_fixable_and_unfixable(project: Path) -> None:
    mod = project / "src" / "pkg" / "mod.py"
    unfixable = run_cli("src", "--unfixable", "PCM201", "--unsafe-fixes", cwd=project)
    assert [d[4] for d in diagnostics_of(unfixable.stdout)] == [MESSAGE, MESSAGE]
    assert "fixable" not in unfixable.stdout
    run_cli("--fix", "--unsafe-fixes", "--fixable", "PCM001", "src", cwd=project)
    assert mod.read_text() == CODE
    # The most specific selector wins: fixable PCM201 over unfixable PCM2.
    run_cli("--fix", "--unfixable", "PCM2", "--fixable", "PCM201", "src", cwd=project)
    assert mod.read_text() == SAFE_FIXED
    data = json.loads(run_cli("src", "--unfixable", "ALL", "--output-format", "json",
                              cwd=project).stdout)
    assert [d["fix"] for d in data] == [None]


def test_config_path_and_isolated(project: Path) -> None:
    write(project / "pyproject.toml", '[tool.perfcodemod]\nignore = ["PCM201"]\n')
    write(project / "other" / "strict.toml", 'select = ["PCM2"]\n')
    assert diagnostics_of(run_cli("src", cwd=project).stdout) == []
    assert len(diagnostics_of(run_cli("src", "--isolated", cwd=project).stdout)) == 2
    forced = run_cli("src", "--config", "other/strict.toml", cwd=project)
    assert len(diagnostics_of(forced.stdout)) == 2
    # --config replaces every discovered configuration, nested ones included.
    write(project / "src" / "pkg" / ".perfcodemod.toml", 'ignore = ["PCM2"]\n')
    assert len(diagnostics_of(run_cli("src", "--config", "other/strict.toml", cwd=project).stdout)) == 2
    no_table = write(project / "other" / "pyproject.toml", "[project]\nname = 'x'\n")
    missing = run_cli("src", "--config", no_table, cwd=project)
    assert missing.returncode == 2 and "no [tool.perfcodemod] table" in missing.stderr


# -- JSON --------------------------------------------------------------------------------------


def _offset(text: str, row: int, column: int) -> int:
    lines = text.splitlines(keepends=True)
    return sum(len(line) for line in lines[: row - 1]) + column - 1


def apply_json_edits(text: str, objects: list[dict], unsafe: bool) -> str:
    edits = []
    for item in objects:
        fix = item["fix"]
        if fix is None or (fix["applicability"] == "unsafe" and not unsafe):
            continue
        for edit in fix["edits"]:
            start = _offset(text, edit["location"]["row"], edit["location"]["column"])
            end = _offset(text, edit["end_location"]["row"], edit["end_location"]["column"])
            edits.append((start, end, edit["content"]))
    for start, end, content in sorted(edits, reverse=True):
        text = text[:start] + content + text[end:]
    return text


def test_json_output_field_by_field(tmp_path: Path) -> None:
    fixture = (FIXTURES / "membership" / "PCM201.py").read_text(encoding="utf-8")
    path = write(tmp_path / "PCM201.py", fixture)
    text_run = run_cli("PCM201.py", cwd=tmp_path)
    result = run_cli("PCM201.py", "--output-format", "json", cwd=tmp_path)
    assert result.returncode == 1 and result.stderr == ""
    data = json.loads(result.stdout)
    expected_rows = [(d[1], d[2]) for d in diagnostics_of(text_run.stdout)]
    assert [(d["location"]["row"], d["location"]["column"]) for d in data] == expected_rows
    lines = fixture.splitlines()
    for item in data:
        assert set(item) == {"cell", "code", "end_location", "filename", "fix", "location",
                             "message", "noqa_row", "url"}
        assert item["code"] == "PCM201"
        assert item["message"].startswith("Membership test against a")
        assert item["filename"] == str(path)
        assert item["url"] == "https://github.com/perfcodemod/perfcodemod/blob/main/docs/rules/PCM201.md"
        assert item["cell"] is None
        row, column = item["location"]["row"], item["location"]["column"]
        assert item["noqa_row"] == row
        # The location is the container's opening bracket; the end is just past its closing one.
        assert lines[row - 1][column - 1] in "[("
        end = item["end_location"]
        assert lines[end["row"] - 1][end["column"] - 2] in "])"
        fix = item["fix"]
        assert set(fix) == {"applicability", "applicability_reason", "message", "edits"}
        assert fix["applicability"] in ("safe", "unsafe")
        assert fix["message"] == "Use a set literal"
        assert isinstance(fix["applicability_reason"], str) and fix["applicability_reason"]
        [edit] = fix["edits"]
        assert set(edit) == {"content", "location", "end_location"}
        assert edit["location"] == item["location"] and edit["end_location"] == end
        assert edit["content"].startswith("{") and edit["content"].endswith("}")
    applicability = {d["location"]["row"]: d["fix"]["applicability"] for d in data}
    assert applicability == {15: "safe", 19: "safe", 23: "safe", 28: "unsafe", 32: "safe",
                             40: "safe", 61: "unsafe"}
    # Applying the JSON's edits gives exactly what --fix writes.
    for unsafe in (False, True):
        expected = apply_json_edits(fixture, data, unsafe)
        path.write_text(fixture, encoding="utf-8")
        flags = ["--fix", "--unsafe-fixes"] if unsafe else ["--fix"]
        run_cli("PCM201.py", *flags, cwd=tmp_path)
        assert path.read_text(encoding="utf-8") == expected


def test_json_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    write(tmp_path / "u.py", 'label = "日本語é" in ["a", "b"]\n')
    [item] = json.loads(run_cli("u.py", "--output-format", "json", cwd=tmp_path).stdout)
    # `label = "日本語é" in ` is 18 characters (24 bytes in UTF-8).
    assert item["location"] == {"row": 1, "column": 19}
    assert item["end_location"] == {"row": 1, "column": 29}
    assert item["fix"]["edits"][0]["location"] == {"row": 1, "column": 19}


def test_json_after_fix_and_empty(project: Path) -> None:
    result = run_cli("--fix", "src", "--output-format", "json", cwd=project)
    [item] = json.loads(result.stdout)
    assert item["location"]["row"] == 6 and item["fix"]["applicability"] == "unsafe"
    clean = run_cli("src", "--select", "PCM001", "--output-format", "json", cwd=project)
    assert (clean.returncode, json.loads(clean.stdout)) == (0, [])


# -- standard input ------------------------------------------------------------------------


def test_stdin_check(tmp_path: Path) -> None:
    result = run_cli("-", "--stdin-filename", "pkg/mod.py", stdin=CODE, cwd=tmp_path)
    assert result.returncode == 1
    assert [d[:4] for d in diagnostics_of(result.stdout)] == [
        ("pkg/mod.py", 2, 22, "PCM201"), ("pkg/mod.py", 6, 21, "PCM201"),
    ]
    anonymous = run_cli("-", stdin=CODE, cwd=tmp_path)
    assert [d[0] for d in diagnostics_of(anonymous.stdout)] == ["-", "-"]
    # --stdin-filename alone reads standard input too (as ruff does).
    alone = run_cli("--stdin-filename", "pkg/mod.py", stdin=CODE, cwd=tmp_path)
    assert alone.stdout == result.stdout


def test_stdin_fix_prints_the_fixed_source(tmp_path: Path) -> None:
    crlf = CODE.replace("\n", "\r\n").encode()
    result = subprocess.run(
        [sys.executable, "-m", "perfcodemod", "-", "--fix", "--stdin-filename", "m.py"],
        input=crlf, capture_output=True, cwd=tmp_path,
    )
    assert result.stdout == SAFE_FIXED.replace("\n", "\r\n").encode()
    assert result.returncode == 1
    assert b"m.py:6:21: PCM201" in result.stderr and b"1 fixed, 1 remaining" in result.stderr
    everything = run_cli("-", "--fix", "--unsafe-fixes", stdin=CODE, cwd=tmp_path)
    assert (everything.stdout, everything.returncode) == (ALL_FIXED, 0)
    unchanged = run_cli("-", "--fix", stdin=CLEAN, cwd=tmp_path)
    assert (unchanged.stdout, unchanged.returncode) == (CLEAN, 0)
    diff = run_cli("-", "--diff", "--stdin-filename", "m.py", stdin=CODE, cwd=tmp_path)
    assert diff.returncode == 1 and diff.stdout.startswith("--- m.py\n+++ m.py\n")


def test_stdin_uses_the_configuration_of_its_filename(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml",
          '[tool.perfcodemod]\nextend-exclude = ["generated"]\n'
          '[tool.perfcodemod.per-file-ignores]\n"tests/*" = ["PCM201"]\n')
    ignored = run_cli("-", "--stdin-filename", "tests/test_x.py", stdin=CODE, cwd=tmp_path)
    assert (ignored.returncode, diagnostics_of(ignored.stdout)) == (0, [])
    checked = run_cli("-", "--stdin-filename", "src/x.py", stdin=CODE, cwd=tmp_path)
    assert checked.returncode == 1
    # --force-exclude: an excluded name (here by a directory above it) is neither reported
    # nor changed; with --fix the input comes back as it was.
    excluded = run_cli("-", "--stdin-filename", "generated/x.py", "--force-exclude", stdin=CODE,
                       cwd=tmp_path)
    assert (excluded.returncode, excluded.stdout) == (0, "")
    echoed = run_cli("-", "--fix", "--stdin-filename", "generated/x.py", "--force-exclude",
                     stdin=CODE, cwd=tmp_path)
    assert (echoed.returncode, echoed.stdout) == (0, CODE)
    not_forced = run_cli("-", "--stdin-filename", "generated/x.py", stdin=CODE, cwd=tmp_path)
    assert not_forced.returncode == 1


# -- force-exclude ----------------------------------------------------------------------------


def test_force_exclude_applies_excludes_to_named_files(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml",
          '[tool.perfcodemod]\nextend-exclude = ["gen", "legacy_*.py", "src/vendored/*.py"]\n')
    names = ["gen/deep/a.py", "legacy_b.py", "src/vendored/c.py", "build/d.py", "src/ok.py"]
    for name in names:
        write(tmp_path / name, CODE)
    named = run_cli(*names, cwd=tmp_path)
    assert {d[0] for d in diagnostics_of(named.stdout)} == {str(Path(n)) for n in names}
    forced = run_cli("--force-exclude", *names, cwd=tmp_path)
    assert {d[0] for d in diagnostics_of(forced.stdout)} == {str(Path("src/ok.py"))}
    # Named directories too.
    assert run_cli("--force-exclude", "gen", cwd=tmp_path).stdout == "All checks passed!\n"
    assert run_cli("gen", cwd=tmp_path).returncode == 1
    # And fixing leaves excluded files alone.
    run_cli("--fix", "--force-exclude", *names, cwd=tmp_path)
    assert (tmp_path / "gen/deep/a.py").read_text() == CODE
    assert (tmp_path / "src/ok.py").read_text() == SAFE_FIXED


# -- --add-noqa ------------------------------------------------------------------------------


def test_add_noqa(tmp_path: Path) -> None:
    code = (
        CODE
        + '\n\ndef g(x: int):\n    return x in (1, 2)  # noqa: E501\n'
        + '\n\ndef h(x: int):\n    return (x in (1, 2), """\n""")\n'
    )
    path = write(tmp_path / "a.py", code)
    result = run_cli("--add-noqa", "a.py", cwd=tmp_path)
    text = path.read_text()
    assert 'return status in ["active", "pending"]  # noqa: PCM201\n' in text
    assert 'return value in ["x", "y"]  # noqa: PCM201\n' in text
    assert "return x in (1, 2)  # noqa: E501, PCM201\n" in text
    # A comment at the end of this line would land inside the string: left alone, reported.
    assert 'return (x in (1, 2), """\n""")\n' in text
    assert "Added 3 noqa directives." in result.stderr
    assert "a.py: 14: cannot add a noqa comment" in result.stderr
    assert result.returncode == 2
    compile(text, "a.py", "exec")
    after = run_cli("a.py", cwd=tmp_path)
    assert [d[1] for d in diagnostics_of(after.stdout)] == [14]


# -- perfcodemod rule --------------------------------------------------------------------------


def test_rule_documentation() -> None:
    by_code = run_cli("rule", "PCM201")
    assert by_code.returncode == 0
    assert by_code.stdout.startswith("# PCM201: literal-membership\n")
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead",
                    "## Fix safety"):
        assert section in by_code.stdout
    assert run_cli("rule", "literal-membership").stdout == by_code.stdout
    every = run_cli("rule", "--all")
    assert every.returncode == 0
    headers = re.findall(r"^# (PCM\d{3}): ", every.stdout, re.MULTILINE)
    assert headers == [rule.code for rule in registry.all_rules()]
    as_json = json.loads(run_cli("rule", "PCM201", "--output-format", "json").stdout)
    assert as_json["code"] == "PCM201" and as_json["name"] == "literal-membership"
    assert "## Fix safety" in as_json["explanation"]
    suggestion = run_cli("rule", "PCM21")
    assert suggestion.returncode == 2 and "did you mean `PCM201`?" in suggestion.stderr
