"""The ``perfcodemod`` command as a user runs it: real subprocesses, real files.

Covers the check/fix/diff modes, exit codes, rule selection and fixability flags, the JSON
output (field by field, and its edits against ``--fix``), standard input, ``--add-noqa``,
``--force-exclude`` and ``perfcodemod rule``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from perfcodemod import registry

from .conftest import FIXTURES, concurrently, lines_of, run_cli, write

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
TEXT_LINE = re.compile(
    r"^(?P<path>[^:]+):(?P<row>\d+):(?P<col>\d+): (?P<code>PCM\d{3}) (?P<rest>.*)$"
)


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
    result, bare, default = concurrently(
        lambda: run_cli("check", "src/", cwd=project),
        lambda: run_cli("src/", cwd=project),
        lambda: run_cli(cwd=project),
    )
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
    assert bare.stdout == result.stdout
    assert diagnostics_of(default.stdout) == diagnostics_of(result.stdout)


def test_clean_code_exits_zero(tmp_path: Path) -> None:
    write(tmp_path / "ok.py", CLEAN)
    (tmp_path / "empty").mkdir()
    result, empty = concurrently(
        lambda: run_cli("check", "ok.py", cwd=tmp_path),
        lambda: run_cli("check", "empty", cwd=tmp_path),
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "All checks passed!\n", "")
    assert (empty.returncode, empty.stdout) == (0, "All checks passed!\n")
    assert empty.stderr == "warning: no Python files found under the given paths\n"


def test_unsafe_fixes_quiet_and_statistics(project: Path) -> None:
    unsafe, quiet, statistics = concurrently(
        lambda: run_cli("src", "--unsafe-fixes", cwd=project),
        lambda: run_cli("src", "-q", cwd=project),
        lambda: run_cli("src", "--statistics", cwd=project),
    )
    # --unsafe-fixes: unsafe fixes count as available.
    assert [d[4] for d in diagnostics_of(unsafe.stdout)] == [f"[*] {MESSAGE}"] * 2
    assert "[*] 2 fixable with the `--fix` option." in unsafe.stdout
    assert "hidden" not in unsafe.stdout
    # -q: the diagnostics only.
    assert len(lines_of(quiet.stdout)) == 2 and quiet.returncode == 1
    counts, cache_line = lines_of(statistics.stdout)
    assert counts == "    2\tPCM201\t[-] literal-membership"
    # (The three runs share the result cache: how many files it answered depends on timing.)
    assert cache_line.startswith("Result cache hit rate: ")
    assert statistics.returncode == 1


USAGE_ERRORS = [
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
        # A mistyped command is not reported as a missing file; a prefix is not "corrected".
        (["chekc"], "unknown command `chekc`; did you mean `check`?"),
        (["chekc", "src"], "unknown command `chekc`; did you mean `check`?"),
        (["srcs"], "`srcs` is neither a command (check, rule"),
        (["rule", "PCM2x"], "unknown rule `PCM2x`; did you mean `PCM2`?"),
        (["--select", "PCM2x"], "unknown rule selector `PCM2x` in --select; did you mean `PCM2`?"),
]


@pytest.fixture(scope="module")
def usage_errors(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, subprocess.CompletedProcess[str]]:
    root = tmp_path_factory.mktemp("usage")
    write(root / "src" / "mod.py", CODE)
    results = concurrently(*(
        (lambda args=args: run_cli(*args, cwd=root)) for args, _ in USAGE_ERRORS
    ))
    return {" ".join(args): result for (args, _), result in zip(USAGE_ERRORS, results)}


@pytest.mark.parametrize(("args", "message"), USAGE_ERRORS,
                         ids=[" ".join(args) for args, _ in USAGE_ERRORS])
def test_usage_errors_exit_2_with_one_line(
    usage_errors: dict[str, subprocess.CompletedProcess[str]], args: list[str], message: str
) -> None:
    result = usage_errors[" ".join(args)]
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("perfcodemod: error: ")
    assert message in result.stderr


def test_version_and_help() -> None:
    version, top, check, check_version = concurrently(
        lambda: run_cli("--version"), lambda: run_cli("--help"), lambda: run_cli("check", "--help"),
        lambda: run_cli("check", "--version"),
    )
    assert version.returncode == 0 and re.fullmatch(r"perfcodemod \S+\n", version.stdout)
    assert check_version.returncode == 0 and check_version.stdout == version.stdout
    assert top.returncode == 0 and "perfcodemod rule CODE" in top.stdout
    assert check.returncode == 0
    for flag in ("--fix", "--unsafe-fixes", "--diff", "--show-fixes", "--exit-zero",
                 "--exit-non-zero-on-fix", "--select", "--extend-select", "--ignore",
                 "--fixable", "--unfixable", "--config", "--isolated", "--output-format",
                 "--stdin-filename", "--force-exclude", "--add-noqa"):
        assert flag in check.stdout


def test_broken_pipe_is_not_a_traceback(tmp_path: Path) -> None:
    write(tmp_path / "many.py", "".join(f"a{i} = x in [1, 2]\n" for i in range(800)))
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
    assert "Traceback" not in stderr and process.returncode in {0, 1}


# -- fixing ----------------------------------------------------------------------------------


def test_fix_applies_safe_fixes_and_reports_what_remains(project: Path) -> None:
    mod = project / "src" / "pkg" / "mod.py"
    result = run_cli("check", "--fix", "src", cwd=project)
    assert result.returncode == 1
    assert mod.read_text() == SAFE_FIXED
    shown = str(Path("src/pkg/mod.py"))
    assert diagnostics_of(result.stdout) == [(shown, 6, 21, "PCM201", MESSAGE)]
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
    listing = (
        f"Fixed 2 diagnostics:\n{Path('src/pkg/mod.py')}:\n    2 × PCM201 (literal-membership)\n"
    )
    assert listing in result.stdout
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


def test_exit_zero_and_exit_non_zero_on_fix(tmp_path: Path) -> None:
    only_safe = CODE.replace('["x", "y"]', "[x, y]")  # one safe fix, nothing else
    for name in ("plain", "strict", "nothing", "zero", "found"):
        write(tmp_path / name / "mod.py", CODE if name in {"zero", "found"} else only_safe)
    write(tmp_path / "nothing" / "mod.py", SAFE_FIXED.replace('["x", "y"]', "[x, y]"))
    plain, strict, nothing, zero, found = concurrently(
        lambda: run_cli("--fix", "plain", cwd=tmp_path),
        lambda: run_cli("--fix", "--exit-non-zero-on-fix", "strict", cwd=tmp_path),
        lambda: run_cli("--fix", "--exit-non-zero-on-fix", "nothing", cwd=tmp_path),
        lambda: run_cli("--fix", "--exit-non-zero-on-fix", "--exit-zero", "zero", cwd=tmp_path),
        lambda: run_cli("--exit-zero", "found", cwd=tmp_path),
    )
    assert plain.returncode == 0 and "(1 fixed, 0 remaining)" in plain.stdout
    assert strict.returncode == 1 and "(1 fixed, 0 remaining)" in strict.stdout
    assert nothing.returncode == 0 and "All checks passed!" in nothing.stdout
    # --exit-zero wins over everything but errors.
    assert zero.returncode == 0 and "(1 fixed, 1 remaining)" in zero.stdout
    assert found.returncode == 0 and "Found 2 diagnostics." in found.stdout


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


def test_select_ignore_extend_select(tmp_path: Path) -> None:
    write(tmp_path / "plain" / "mod.py", CODE)
    write(tmp_path / "ignoring" / "mod.py", CODE)
    write(tmp_path / "ignoring" / "pyproject.toml", '[tool.perfcodemod]\nignore = ["PCM201"]\n')
    write(tmp_path / "extending" / "mod.py", CODE)
    write(tmp_path / "extending" / "pyproject.toml",
          '[tool.perfcodemod]\nextend-select = ["PCM201"]\n')
    runs = concurrently(
        lambda: run_cli("--select", "PCM001", cwd=tmp_path / "plain"),
        lambda: run_cli("--ignore", "PCM2", cwd=tmp_path / "plain"),
        # Comma-separated and repeated flags both work; a more specific select beats an ignore.
        lambda: run_cli("--select", "PCM001,PCM2", "--ignore", "PCM", "--select", "PCM201",
                        cwd=tmp_path / "plain"),
        # The command line is a later layer than the configuration (as in ruff).
        lambda: run_cli(cwd=tmp_path / "ignoring"),
        lambda: run_cli("--extend-select", "PCM201", cwd=tmp_path / "ignoring"),
        lambda: run_cli("--select", "PCM2", cwd=tmp_path / "ignoring"),
        lambda: run_cli("--ignore", "PCM2", cwd=tmp_path / "extending"),
    )
    assert [len(diagnostics_of(run.stdout)) for run in runs] == [0, 0, 2, 0, 2, 2, 0]


def test_fixable_and_unfixable(tmp_path: Path) -> None:
    for name in ("none", "other", "specific"):
        write(tmp_path / name / "mod.py", CODE)
    unfixable, _, _, as_json = concurrently(
        lambda: run_cli("--unfixable", "PCM201", "--unsafe-fixes", "none", cwd=tmp_path),
        lambda: run_cli("--fix", "--unsafe-fixes", "--fixable", "PCM001", "other", cwd=tmp_path),
        # The most specific selector wins: fixable PCM201 over unfixable PCM2.
        lambda: run_cli("--fix", "--unfixable", "PCM2", "--fixable", "PCM201", "specific",
                        cwd=tmp_path),
        lambda: run_cli("none", "--unfixable", "ALL", "--output-format", "json", cwd=tmp_path),
    )
    assert [d[4] for d in diagnostics_of(unfixable.stdout)] == [MESSAGE, MESSAGE]
    assert "fixable" not in unfixable.stdout
    assert (tmp_path / "other" / "mod.py").read_text() == CODE
    assert (tmp_path / "specific" / "mod.py").read_text() == SAFE_FIXED
    assert [d["fix"] for d in json.loads(as_json.stdout)] == [None, None]


def test_config_path_and_isolated(project: Path) -> None:
    write(project / "pyproject.toml", '[tool.perfcodemod]\nignore = ["PCM201"]\n')
    write(project / "other" / "strict.toml", 'select = ["PCM2"]\n')
    no_table = write(project / "other" / "pyproject.toml", "[project]\nname = 'x'\n")
    write(project / "nested" / "mod.py", CODE)
    write(project / "nested" / ".perfcodemod.toml", 'ignore = ["PCM2"]\n')
    configured, isolated, forced, forced_nested, missing = concurrently(
        lambda: run_cli("src", cwd=project),
        lambda: run_cli("src", "--isolated", cwd=project),
        lambda: run_cli("src", "--config", "other/strict.toml", cwd=project),
        # --config replaces every discovered configuration, nested ones included.
        lambda: run_cli("nested", "--config", "other/strict.toml", cwd=project),
        lambda: run_cli("src", "--config", no_table, cwd=project),
    )
    assert diagnostics_of(configured.stdout) == []
    assert len(diagnostics_of(isolated.stdout)) == 2
    assert len(diagnostics_of(forced.stdout)) == 2
    assert len(diagnostics_of(forced_nested.stdout)) == 2
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
    # PCM201's fixture, with PCM201 alone selected (other rules may fire on it too).
    text_run, result = concurrently(
        lambda: run_cli("PCM201.py", "--select", "PCM201", cwd=tmp_path),
        lambda: run_cli("PCM201.py", "--select", "PCM201", "--output-format", "json",
                        cwd=tmp_path),
    )
    assert result.returncode == 1 and result.stderr == ""
    data = json.loads(result.stdout)
    expected_rows = [(d[1], d[2]) for d in diagnostics_of(text_run.stdout)]
    assert [(d["location"]["row"], d["location"]["column"]) for d in data] == expected_rows
    lines = fixture.splitlines()
    for item in data:
        assert set(item) == {"cell", "code", "end_location", "filename", "fix", "location",
                             "message", "noqa_row", "profile", "url"}
        assert item["code"] == "PCM201"
        assert item["profile"] is None  # no --profile
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
        assert fix["applicability"] in {"safe", "unsafe"}
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
    safe = write(tmp_path / "safe" / "PCM201.py", fixture)
    unsafe = write(tmp_path / "unsafe" / "PCM201.py", fixture)
    concurrently(
        lambda: run_cli("--fix", "--select", "PCM201", "PCM201.py", cwd=safe.parent),
        lambda: run_cli("--fix", "--unsafe-fixes", "--select", "PCM201", "PCM201.py",
                        cwd=unsafe.parent),
    )
    assert safe.read_text(encoding="utf-8") == apply_json_edits(fixture, data, unsafe=False)
    assert unsafe.read_text(encoding="utf-8") == apply_json_edits(fixture, data, unsafe=True)


def test_json_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    write(tmp_path / "u.py", 'label = "日本語é" in ["a", "b"]\n')
    [item] = json.loads(run_cli("u.py", "--output-format", "json", cwd=tmp_path).stdout)
    # `label = "日本語é" in ` is 18 characters (24 bytes in UTF-8).
    assert item["location"] == {"row": 1, "column": 19}
    assert item["end_location"] == {"row": 1, "column": 29}
    assert item["fix"]["edits"][0]["location"] == {"row": 1, "column": 19}


def test_json_after_fix_and_empty(project: Path) -> None:
    result, clean = concurrently(
        lambda: run_cli("--fix", "src", "--output-format", "json", cwd=project),
        lambda: run_cli("src", "--select", "PCM001", "--output-format", "json", cwd=project),
    )
    [item] = json.loads(result.stdout)
    assert item["location"]["row"] == 6 and item["fix"]["applicability"] == "unsafe"
    assert (clean.returncode, json.loads(clean.stdout)) == (0, [])


# -- standard input ------------------------------------------------------------------------


def test_stdin_check(tmp_path: Path) -> None:
    result, anonymous, alone = concurrently(
        lambda: run_cli("-", "--stdin-filename", "pkg/mod.py", stdin=CODE, cwd=tmp_path),
        lambda: run_cli("-", stdin=CODE, cwd=tmp_path),
        # --stdin-filename alone reads standard input too (as ruff does).
        lambda: run_cli("--stdin-filename", "pkg/mod.py", stdin=CODE, cwd=tmp_path),
    )
    assert result.returncode == 1
    assert [d[:4] for d in diagnostics_of(result.stdout)] == [
        ("pkg/mod.py", 2, 22, "PCM201"), ("pkg/mod.py", 6, 21, "PCM201"),
    ]
    assert [d[0] for d in diagnostics_of(anonymous.stdout)] == ["-", "-"]
    assert alone.stdout == result.stdout


def test_stdin_fix_prints_the_fixed_source(tmp_path: Path) -> None:
    crlf = CODE.replace("\n", "\r\n").encode()
    result, everything, unchanged, diff = concurrently(
        lambda: subprocess.run(
            [sys.executable, "-m", "perfcodemod", "-", "--fix", "--stdin-filename", "m.py"],
            input=crlf, capture_output=True, cwd=tmp_path,
        ),
        lambda: run_cli("-", "--fix", "--unsafe-fixes", stdin=CODE, cwd=tmp_path),
        lambda: run_cli("-", "--fix", stdin=CLEAN, cwd=tmp_path),
        lambda: run_cli("-", "--diff", "--stdin-filename", "m.py", stdin=CODE, cwd=tmp_path),
    )
    # Byte for byte (CRLF kept); what remains goes to stderr.
    assert result.stdout == SAFE_FIXED.replace("\n", "\r\n").encode()
    assert result.returncode == 1
    assert b"m.py:6:21: PCM201" in result.stderr and b"1 fixed, 1 remaining" in result.stderr
    assert (everything.stdout, everything.returncode) == (ALL_FIXED, 0)
    assert (unchanged.stdout, unchanged.returncode) == (CLEAN, 0)
    assert diff.returncode == 1 and diff.stdout.startswith("--- m.py\n+++ m.py\n")


def test_stdin_uses_the_configuration_of_its_filename(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml",
          '[tool.perfcodemod]\nextend-exclude = ["generated"]\n'
          '[tool.perfcodemod.per-file-ignores]\n"tests/*" = ["PCM201"]\n')
    ignored, checked, excluded, echoed, not_forced = concurrently(
        lambda: run_cli("-", "--stdin-filename", "tests/test_x.py", stdin=CODE, cwd=tmp_path),
        lambda: run_cli("-", "--stdin-filename", "src/x.py", stdin=CODE, cwd=tmp_path),
        lambda: run_cli("-", "--stdin-filename", "generated/x.py", "--force-exclude", stdin=CODE,
                        cwd=tmp_path),
        lambda: run_cli("-", "--fix", "--stdin-filename", "generated/x.py", "--force-exclude",
                        stdin=CODE, cwd=tmp_path),
        lambda: run_cli("-", "--stdin-filename", "generated/x.py", stdin=CODE, cwd=tmp_path),
    )
    assert (ignored.returncode, diagnostics_of(ignored.stdout)) == (0, [])
    assert checked.returncode == 1
    # --force-exclude: an excluded name (here by a directory above it) is neither reported
    # nor changed; with --fix the input comes back as it was.
    assert (excluded.returncode, excluded.stdout) == (0, "")
    assert (echoed.returncode, echoed.stdout) == (0, CODE)
    assert not_forced.returncode == 1


# -- force-exclude ----------------------------------------------------------------------------


def test_force_exclude_applies_excludes_to_named_files(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml",
          '[tool.perfcodemod]\nextend-exclude = ["gen", "legacy_*.py", "src/vendored/*.py"]\n')
    names = ["gen/deep/a.py", "legacy_b.py", "src/vendored/c.py", "build/d.py", "src/ok.py"]
    for name in names:
        write(tmp_path / name, CODE)
    named, forced, forced_dir, named_dir = concurrently(
        lambda: run_cli(*names, cwd=tmp_path),
        lambda: run_cli("--force-exclude", *names, cwd=tmp_path),
        lambda: run_cli("--force-exclude", "gen", cwd=tmp_path),
        lambda: run_cli("gen", cwd=tmp_path),
    )
    assert {d[0] for d in diagnostics_of(named.stdout)} == {str(Path(n)) for n in names}
    assert {d[0] for d in diagnostics_of(forced.stdout)} == {str(Path("src/ok.py"))}
    # Named directories too.
    assert forced_dir.stdout == "All checks passed!\n"
    assert named_dir.returncode == 1
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
    # A comment at the end of this line would land inside the string: it goes after the
    # string's last line, as ruff places it.
    assert 'return (x in (1, 2), """\n""")  # noqa: PCM201\n' in text
    assert result.stderr == "Added 4 noqa directives.\n"
    assert result.returncode == 0
    compile(text, "a.py", "exec")
    after = run_cli("a.py", cwd=tmp_path)
    assert (after.returncode, diagnostics_of(after.stdout)) == (0, [])


# -- perfcodemod rule --------------------------------------------------------------------------


def test_rule_documentation() -> None:
    by_code, by_name, every, as_json, suggestion = concurrently(
        lambda: run_cli("rule", "PCM201"),
        lambda: run_cli("rule", "literal-membership"),
        lambda: run_cli("rule", "--all"),
        lambda: run_cli("rule", "PCM201", "--output-format", "json"),
        lambda: run_cli("rule", "PCM21"),
    )
    assert by_code.returncode == 0
    assert by_code.stdout.startswith("# PCM201: literal-membership\n")
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead",
                    "## Fix safety"):
        assert section in by_code.stdout
    assert by_name.stdout == by_code.stdout
    assert every.returncode == 0
    headers = re.findall(r"^# (PCM\d{3}): ", every.stdout, re.MULTILINE)
    assert headers == [rule.code for rule in registry.all_rules()]
    data = json.loads(as_json.stdout)
    assert data["code"] == "PCM201" and data["name"] == "literal-membership"
    assert "## Fix safety" in data["explanation"]
    assert suggestion.returncode == 2 and "did you mean `PCM201`?" in suggestion.stderr


def test_rule_prefix_shows_the_rules_it_selects() -> None:
    family, as_json = concurrently(
        lambda: run_cli("rule", "PCM2"), lambda: run_cli("rule", "pcm2", "--output-format", "json")
    )
    expected = [rule.code for rule in registry.matching("PCM2")]
    assert len(expected) > 1
    assert family.returncode == 0 and family.stderr == ""
    assert re.findall(r"^# (PCM\d{3}): ", family.stdout, re.MULTILINE) == expected
    assert [item["code"] for item in json.loads(as_json.stdout)] == expected


def test_a_command_like_name_that_exists_is_a_path(tmp_path: Path) -> None:
    write(tmp_path / "chekc", CODE)  # named explicitly: checked whatever its suffix
    result = run_cli("chekc", cwd=tmp_path)
    assert result.returncode == 1 and "chekc:2:" in result.stdout


@pytest.mark.skipif(sys.platform in {"win32", "darwin"},
                    reason="the file system must accept names that are not UTF-8")
def test_file_names_that_are_not_utf8(tmp_path: Path) -> None:
    """Python keeps such a name's bytes as lone surrogates; every output must stay valid UTF-8
    (the JSON parseable), with U+FFFD for the bytes that are not text, as ruff shows them."""
    name = os.fsdecode(b"caf\xe9.py")
    write(tmp_path / name, CODE)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:surrogateescape"}
    env.pop("PERFCODEMOD_DEBUG", None)

    def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, "-m", "perfcodemod", *args], cwd=tmp_path,
                              input=stdin, capture_output=True, env=env, timeout=600)

    as_json, as_text, diff, piped = concurrently(
        lambda: run("--output-format", "json", "."),
        lambda: run("."),
        lambda: run("--diff", "."),
        lambda: run("-", "--stdin-filename", name, "--output-format", "json",
                    stdin=CODE.encode()),
    )
    for result in (as_json, piped):
        assert result.returncode == 1, result.stderr
        data = json.loads(result.stdout.decode("utf-8"))
        assert {Path(item["filename"]).name for item in data} == {"caf\ufffd.py"}
    assert as_text.returncode == 1
    assert as_text.stdout.decode("utf-8").startswith("caf\ufffd.py:2:")
    assert diff.stdout.decode("utf-8").startswith("--- caf\ufffd.py\n+++ caf\ufffd.py\n")
    # The file itself is still found, read and fixed under its real name.
    assert run("--fix", ".").returncode == 1  # the unsafe fix remains
    assert (tmp_path / name).read_text() == SAFE_FIXED


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash for `set -o pipefail`")
def test_output_cut_by_a_closed_pipe(tmp_path: Path) -> None:
    """`perfcodemod check | head -1` under `set -o pipefail`: the run's own exit status (1:
    diagnostics remain), not 0 as if all was well, and no traceback. The output is far larger
    than a pipe holds, so the reader is gone before it is written."""
    write(tmp_path / "many.py", "".join(
        f"def f{i}(x: int):\n    return x in [1, 2]\n\n\n" for i in range(1200)))
    env = {key: value for key, value in os.environ.items() if key != "PERFCODEMOD_DEBUG"}
    command = f"{shlex.quote(sys.executable)} -m perfcodemod"

    def pipeline(args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", f"set -o pipefail; {command} {args} | head -1"],
            cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600,
        )

    text, as_json, clean = concurrently(
        lambda: pipeline("check many.py"),
        lambda: pipeline("check --output-format json many.py"),
        lambda: pipeline("rule --all"),
    )
    assert (text.returncode, text.stderr) == (1, "")
    assert text.stdout == (
        "many.py:2:17: PCM201 [*] Membership test against a list of constants; use a set "
        "literal\n")
    assert (as_json.returncode, as_json.stderr, as_json.stdout) == (1, "", "[\n")
    assert (clean.returncode, clean.stderr) == (0, "")
