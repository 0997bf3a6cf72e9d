"""Every ``--output-format`` through the real command line, each read back by what reads it:
SARIF by ``jsonschema`` against the official SARIF 2.1.0 schema, JUnit by ``xml.etree``,
GitLab's fingerprints across edits, GitHub's workflow-command escaping, ``full`` on lines with
tabs, wide, combining and astral characters; and ``PERFCODEMOD_OUTPUT_FORMAT``."""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from perfcodemod import __version__, output, registry
from perfcodemod.api import FileReport, check_source
from perfcodemod.diagnostic import Diagnostic
from perfcodemod.output import github
from perfcodemod.output.locations import Position

from .conftest import REPO, concurrently, run_cli, write

SCHEMA = REPO / "tests" / "data" / "sarif" / "sarif-schema-2.1.0.json"
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"

# Line 2: a safe fix (the needle is annotated `str`); line 6: an unsafe one; line 10: a cache
# mistake without a fix (PCM411).
APP = '''\
def status_ok(status: str) -> bool:
    return status in ["active", "pending"]


def unknown(value):
    return value in ["x", "y"]


class Store:
    @functools.lru_cache(maxsize=None)
    def get(self, key):
        return key


import functools
'''
# A file name with every character GitHub's properties escape, and a space for URIs.
ODD_NAME = "50%, a:b.py"
ODD = 'def f(v):\n    return v in ["a", "b"]\n'
BROKEN = "def f(:\n    pass\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("formats")
    write(root / "src" / "app.py", APP)
    write(root / "src" / ODD_NAME, ODD)
    write(root / "src" / "broken.py", BROKEN)
    write(root / "src" / "clean.py", "def f(x):\n    return x + 1\n")
    return root


@pytest.fixture(scope="module")
def outputs(project: Path) -> dict[str, Any]:
    """Every format's run over the project, once."""
    runs = concurrently(*(
        (lambda name=name: run_cli("check", "src", "--output-format", name, cwd=project))
        for name in output.FORMATS
    ))
    results = dict(zip(output.FORMATS, runs))
    for name, result in results.items():
        assert result.returncode == 1, (name, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr, (name, result.stderr)
    return results


def _json(outputs: dict[str, Any]) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(outputs["json"].stdout)
    return data


def test_every_format_reports_the_same_findings(outputs: dict[str, Any]) -> None:
    expected = sorted(
        (Path(d["filename"]).name, d["location"]["row"], d["code"]) for d in _json(outputs)
    )
    assert {code for _, _, code in expected} == {"PCM001", "PCM201", "PCM411"}
    as_lines = [json.loads(line) for line in outputs["json-lines"].stdout.splitlines()]
    assert as_lines == _json(outputs)
    pylint = [
        re.fullmatch(r"src/(.+):(\d+): \[(PCM\d{3})\] .+", line)
        for line in outputs["pylint"].stdout.splitlines()
    ]
    assert all(pylint), outputs["pylint"].stdout
    assert sorted((m[1], int(m[2]), m[3]) for m in pylint if m) == expected


def test_text_is_concise_and_the_default(project: Path, outputs: dict[str, Any]) -> None:
    default = run_cli("check", "src", cwd=project)
    assert outputs["text"].stdout == outputs["concise"].stdout == default.stdout
    assert "src/app.py:2:22: PCM201 [*] Membership test" in default.stdout
    assert default.stdout.rstrip().endswith("with the `--unsafe-fixes` option.")


def test_grouped_lists_findings_under_their_files(outputs: dict[str, Any]) -> None:
    text = outputs["grouped"].stdout
    blocks = text.split("\n\n")
    headers = [block.splitlines()[0] for block in blocks[:3]]
    assert headers == sorted(headers) == [f"src/{ODD_NAME}:", "src/app.py:", "src/broken.py:"]
    app = blocks[1].splitlines()
    # Rows right-aligned, columns left-aligned, within the file.
    assert app[1:] == [
        "   2:22 PCM201 [*] Membership test against a list of constants; use a set literal",
        "   6:21 PCM201 Membership test against a list of constants; use a set literal",
        f"  10:5  PCM411 {app[3].split('PCM411 ', 1)[1]}",
    ]
    assert "Found 5 diagnostics." in text


# -- SARIF ---------------------------------------------------------------------------------


def _validate_sarif(document: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert not errors, errors


def test_the_vendored_schema_is_the_official_one() -> None:
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == SCHEMA_SHA256
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")


def test_sarif_is_valid_and_has_what_github_code_scanning_reads(
    project: Path, outputs: dict[str, Any]
) -> None:
    document = json.loads(outputs["sarif"].stdout)
    _validate_sarif(document)
    [run] = document["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["semanticVersion"]) == ("perfcodemod", __version__)
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"
    rules = driver["rules"]
    assert [r["id"] for r in rules] == ["PCM001", "PCM201", "PCM411"]
    for rule in rules:
        registered = registry.get_rule(rule["id"])
        assert registered is not None
        assert rule["shortDescription"]["text"] == registered.summary()
        assert 0 < len(rule["fullDescription"]["text"]) <= 1024
        assert rule["help"]["text"] and rule["help"]["markdown"].startswith(f"# {rule['id']}")
        assert rule["helpUri"] == registered.url()
        expected_level = "error" if rule["id"] == "PCM001" else "warning"
        assert rule["defaultConfiguration"]["level"] == expected_level
    by_position = {
        (Path(d["filename"]).name, d["location"]["row"], d["location"]["column"]): d
        for d in _json(outputs)
    }
    assert len(run["results"]) == len(by_position) == 5
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        [location] = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert artifact["uri"].startswith("src/")  # relative to the working directory
        region = location["physicalLocation"]["region"]
        name = Path(artifact["uri"]).name.replace("%25", "%").replace("%2C", ",")
        name = name.replace("%20", " ").replace("%3A", ":")
        same = by_position[(name, region["startLine"], region["startColumn"])]
        assert same["code"] == result["ruleId"]
        assert same["message"] == result["message"]["text"]
        assert (region["endLine"], region["endColumn"]) == (
            same["end_location"]["row"], same["end_location"]["column"])
        assert re.fullmatch(r"[0-9a-f]{32}", result["partialFingerprints"]["perfcodemod/v1"])
        assert ("fixes" in result) == (same["fix"] is not None)
    odd = [r for r in run["results"] if "50" in r["locations"][0]["physicalLocation"][
        "artifactLocation"]["uri"]]
    assert odd[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "src/50%25%2C%20a%3Ab.py")


def _apply_sarif_fixes(text: str, results: list[dict[str, Any]]) -> str:
    """Apply every result's replacements (line/column regions, code points) to ``text``."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    edits = []
    for result in results:
        for fix in result.get("fixes", []):
            for change in fix["artifactChanges"]:
                for replacement in change["replacements"]:
                    region = replacement["deletedRegion"]
                    edits.append((
                        offset(region["startLine"], region["startColumn"]),
                        offset(region["endLine"], region["endColumn"]),
                        replacement.get("insertedContent", {}).get("text", ""),
                    ))
    for start, end, content in sorted(edits, reverse=True):
        text = text[:start] + content + text[end:]
    return text


def test_sarif_fixes_are_the_fixes_that_fix_applies(tmp_path: Path) -> None:
    source = APP.replace("import functools\n", "import functools\nx = 1 in [1, 2, 3]\n")
    write(tmp_path / "app.py", source)
    sarif = run_cli("check", "app.py", "--output-format", "sarif", cwd=tmp_path)
    document = json.loads(sarif.stdout)
    _validate_sarif(document)
    results = document["runs"][0]["results"]
    fixes = [r["fixes"][0] for r in results if "fixes" in r]
    assert sorted(f["properties"]["applicability"] for f in fixes) == ["safe", "safe", "unsafe"]
    assert all(f["description"]["text"] == "Use a set literal" for f in fixes)
    fixed = run_cli("check", "app.py", "--fix", "--unsafe-fixes", cwd=tmp_path)
    assert fixed.returncode == 1, fixed.stderr  # PCM411 has no fix
    assert (tmp_path / "app.py").read_text(encoding="utf-8") == _apply_sarif_fixes(
        source, results)


def test_sarif_of_a_clean_run_and_of_files_outside_the_working_directory(
    tmp_path: Path,
) -> None:
    write(tmp_path / "outside" / "app.py", APP)
    (tmp_path / "here").mkdir()
    write(tmp_path / "here" / "ok.py", "x = 1\n")
    clean, outside = concurrently(
        lambda: run_cli("check", "ok.py", "--output-format", "sarif", cwd=tmp_path / "here"),
        lambda: run_cli("check", "../outside", "--output-format", "sarif", cwd=tmp_path / "here"),
    )
    assert clean.returncode == 0
    empty = json.loads(clean.stdout)
    _validate_sarif(empty)
    assert empty["runs"][0]["results"] == [] and empty["runs"][0]["tool"]["driver"]["rules"] == []
    document = json.loads(outside.stdout)
    _validate_sarif(document)
    artifact = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"]
    # Outside the source root: an absolute file URI, and no uriBaseId (SARIF forbids both).
    assert artifact == {"uri": (tmp_path / "outside" / "app.py").resolve().as_uri()}


# -- GitHub ----------------------------------------------------------------------------------

COMMAND = re.compile(r"^::(warning|error) (?P<properties>[^:]*)::(?P<message>.*)$")


def _unescape(text: str) -> str:
    for escaped, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","),
                          ("%25", "%")):
        text = text.replace(escaped, char)
    return text


def _parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """A workflow command read back as the Actions runner reads it."""
    match = COMMAND.match(line)
    assert match, line
    properties = dict(
        (_unescape(key), _unescape(value))
        for key, value in (item.split("=", 1) for item in match["properties"].split(","))
    )
    return match[1], properties, _unescape(match["message"])


def test_github_annotations(project: Path, outputs: dict[str, Any]) -> None:
    lines = outputs["github"].stdout.splitlines()
    assert len(lines) == 5
    parsed = [_parse_command(line) for line in lines]
    by_code = {}
    for level, properties, message in parsed:
        by_code.setdefault(properties["title"], []).append((level, properties, message))
    [(level, broken, message)] = by_code["perfcodemod (PCM001)"]
    assert level == "error" and message.startswith("src/broken.py:1:")
    [(level, odd, message)] = [
        entry for entry in by_code["perfcodemod (PCM201)"] if ODD_NAME in entry[1]["file"]
    ]
    assert level == "warning"
    assert odd["file"] == str((project / "src" / ODD_NAME).resolve())
    assert (odd["line"], odd["col"], odd["endLine"], odd["endColumn"]) == ("2", "17", "2", "27")
    assert message == f"src/{ODD_NAME}:2:17: PCM201 {MESSAGE}"
    # The escapes: nothing unescaped is left in a property value.
    raw = next(line for line in lines if "50%25" in line)
    assert "file=" in raw and "%2C a%3Ab.py," in raw


MESSAGE = "Membership test against a list of constants; use a set literal"


def test_github_escapes_data_and_properties() -> None:
    report = check_source('x = 1 in [1, 2]\n', "dir,1:2/50% file\nname.py")
    [diagnostic] = report.diagnostics
    odd = Diagnostic(diagnostic.code, "100% sure: a, b\r\nnext line", diagnostic.start,
                     diagnostic.end, diagnostic.row, diagnostic.col, diagnostic.end_row,
                     diagnostic.end_col)
    line = github.command(report, odd)
    assert "\n" not in line and "\r" not in line
    head, message = line.split("::", 2)[1:]
    assert message.endswith(": PCM201 100%25 sure: a, b%0D%0Anext line")
    assert "file=" in head and head.count(",") == 5  # six properties, commas inside escaped
    assert "dir%2C1%3A2/50%25 file%0Aname.py" in head
    level, properties, text = _parse_command(line)
    assert text.endswith("PCM201 100% sure: a, b\r\nnext line")
    assert properties["file"].endswith("dir,1:2/50% file\nname.py")


# -- GitLab ----------------------------------------------------------------------------------


def _gitlab(root: Path, *args: str, env: dict[str, str] | None = None) -> list[dict[str, Any]]:
    result = run_cli("check", *args, "--output-format", "gitlab", cwd=root, env=env)
    assert result.returncode in {0, 1}, result.stderr
    data: list[dict[str, Any]] = json.loads(result.stdout)
    return data


def test_gitlab_code_quality(project: Path, outputs: dict[str, Any]) -> None:
    issues = json.loads(outputs["gitlab"].stdout)
    assert len(issues) == 5
    for issue in issues:
        assert set(issue) == {"check_name", "description", "fingerprint", "severity", "location"}
        assert issue["description"].startswith(issue["check_name"] + ": ")
        assert issue["severity"] == ("major" if issue["check_name"] == "PCM001" else "minor")
        assert issue["location"]["path"].startswith("src/")
        lines = issue["location"]["lines"]
        assert 1 <= lines["begin"] <= lines["end"]
    assert len({issue["fingerprint"] for issue in issues}) == 5


def test_gitlab_fingerprints_survive_lines_added_above(tmp_path: Path) -> None:
    write(tmp_path / "app.py", APP)
    before = _gitlab(tmp_path, "app.py")
    write(tmp_path / "app.py", '"""A docstring."""\n\nimport os\n\n\n' + APP)
    after = _gitlab(tmp_path, "app.py")
    assert [i["fingerprint"] for i in after] == [i["fingerprint"] for i in before]
    assert [i["location"]["lines"]["begin"] for i in after] == [
        i["location"]["lines"]["begin"] + 5 for i in before]
    # Fixing the first PCM201 leaves the other findings' fingerprints as they were.
    write(tmp_path / "app.py", APP.replace('["active", "pending"]', '{"active", "pending"}'))
    fixed_one = _gitlab(tmp_path, "app.py")
    assert [i["fingerprint"] for i in fixed_one] == [i["fingerprint"] for i in before[1:]]


def test_gitlab_paths_are_relative_to_the_project_dir(tmp_path: Path) -> None:
    write(tmp_path / "sub" / "app.py", APP)
    issues = _gitlab(tmp_path / "sub", "app.py", env={"CI_PROJECT_DIR": str(tmp_path)})
    assert {i["location"]["path"] for i in issues} == {"sub/app.py"}


def test_two_equal_findings_get_different_stable_fingerprints(tmp_path: Path) -> None:
    twice = 'def f(v):\n    return v in ["a", "b"]\n\n\ndef g(v):\n    return v in ["a", "b"]\n'
    write(tmp_path / "twice.py", twice)
    first, second = concurrently(
        lambda: _gitlab(tmp_path, "twice.py"), lambda: _gitlab(tmp_path, "twice.py"))
    assert first == second
    assert len({i["fingerprint"] for i in first}) == 2


# -- JUnit -----------------------------------------------------------------------------------


def test_junit_report(outputs: dict[str, Any], tmp_path: Path) -> None:
    root = ElementTree.fromstring(outputs["junit"].stdout)
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "5", "0")
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    assert sorted(suites) == [f"src/{ODD_NAME}", "src/app.py", "src/broken.py"]
    app = suites["src/app.py"]
    assert (app.get("tests"), app.get("failures"), app.get("package")) == (
        "3", "3", "org.perfcodemod")
    cases = app.findall("testcase")
    assert [c.get("name") for c in cases] == ["org.perfcodemod.PCM201"] * 2 + [
        "org.perfcodemod.PCM411"]
    assert {c.get("classname") for c in cases} == {"src/app"}
    assert [(c.get("line"), c.get("column")) for c in cases] == [("2", "22"), ("6", "21"),
                                                                 ("10", "5")]
    failure = cases[0].find("failure")
    assert failure is not None and failure.get("message") == MESSAGE
    assert failure.text == f"line 2, col 22, {MESSAGE}"
    severity = cases[0].find("properties/property[@name='severity']")
    assert severity is not None and severity.get("value") == "warning"
    # A clean run: one passing case.
    write(tmp_path / "ok.py", "x = 1\n")
    clean = run_cli("check", "ok.py", "--output-format", "junit", cwd=tmp_path)
    assert clean.returncode == 0
    clean_root = ElementTree.fromstring(clean.stdout)
    [case] = clean_root.iter("testcase")
    assert case.get("name") == "No errors found" and case.find("failure") is None


# -- full ------------------------------------------------------------------------------------

# A tab in the indentation and in a string, a combining accent, wide CJK characters and an
# emoji (one astral code point, two terminal cells) before and inside the reported range.
WIDE = 'def check():\n\tok = "e\u0301日本😀\tz" in ["日本😀", "x"]\n\treturn ok\n'


def _block(text: str, header: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i]), len(lines))
    return lines[start:end]


def test_full_underlines_by_terminal_cells(tmp_path: Path) -> None:
    write(tmp_path / "wide.py", WIDE)
    result = run_cli("check", "wide.py", "--output-format", "full", cwd=tmp_path)
    block = _block(result.stdout, "PCM201")
    assert block[0] == f"PCM201 [*] {MESSAGE}"
    # Column 20: the tab, `ok = "`, 7 characters of string, `" in ` before the `[`.
    assert block[1] == " --> wide.py:2:20"
    assert block[2:] == [
        "  |",
        "1 | def check():",
        '2 |     ok = "e\u0301日本😀    z" in ["日本😀", "x"]',
        # 4 (tab) + 6 + 1 (e) + 0 (accent) + 4 (CJK) + 2 (emoji) + 4 (tab) + 1 + 5 = 27 cells
        # before the range, which takes 2 + 6 + 7 = 15.
        "  | " + " " * 27 + "^" * 15,
        "3 |     return ok",
        "  |",
        "help: Use a set literal",
    ]
    assert result.stdout.rstrip().endswith("[*] 1 fixable with the `--fix` option.")


def test_full_multiline_range_and_fix_diff(tmp_path: Path) -> None:
    source = 'def f(v):\n    return v in [\n        "a",\n        "b",\n    ]\n'
    write(tmp_path / "multi.py", source)
    result = run_cli("check", "multi.py", "--output-format", "full", "--show-fixes",
                     "--unsafe-fixes", cwd=tmp_path)
    block = _block(result.stdout, "PCM201")
    assert block[1] == " --> multi.py:2:17"
    assert block[2:13] == [
        "  |",
        "1 | def f(v):",
        "2 |     return v in [",
        "  |                 ^",
        '3 |         "a",',
        "  |         ^^^^",
        '4 |         "b",',
        "  |         ^^^^",
        "5 |     ]",
        "  |     ^",
        "  |",
    ]
    fixed = (tmp_path / "multi.py").read_text(encoding="utf-8")
    assert fixed == source  # nothing was written: --show-fixes only shows
    assert block[13] == "help: Use a set literal"
    diff = block[14:-1]
    assert diff[0] == "  |" and diff[-1] == "  |"
    # Removed and unchanged lines keep their numbers; added ones have none.
    assert "2 | -     return v in [" in diff and "  | +     return v in {" in diff
    assert "5 | -     ]" in diff and "  | +     }" in diff
    assert block[-1].startswith("note: unsafe fix: ")


FIB = '''"""Fibonacci."""
import os

X = 1
Y = 2


def fib(n: int) -> int:
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)
'''


def test_full_fix_diff_with_edits_far_apart() -> None:
    report = check_source(FIB, "fib.py")
    text = output.render("full", [report], output.Options(show_fixes=True))
    diff = text.split("help: Add `@functools.cache`\n", 1)[1].split("note: ", 1)[0]
    assert diff.splitlines() == [
        "  |",
        '1 |   """Fibonacci."""',
        "  | + import functools",
        "2 |   import os",
        "...",
        "7 |",
        "  | + @functools.cache",
        "8 |   def fib(n: int) -> int:",
        "  |",
    ]


def test_full_shows_control_characters_visibly() -> None:
    report = check_source('x = 1\x0c in [1, 2]\n', "ff.py")
    text = output.render("full", [report])
    assert "1 | x = 1\u240c in [1, 2]" in text
    # `x = 1␌ in ` is ten cells: the form feed takes one, as its symbol does.
    assert "\n  | " + " " * 10 + "^" * 6 + "\n" in text


def test_positions_in_a_notebook_cell_are_shown_with_the_cell() -> None:
    where = Position(3, 5, 3, 9, cell=2)
    assert (where.label(), where.row_label()) == ("cell 2:3:5", "cell 2:3")
    assert Position(3, 5, 3, 9).label() == "3:5"


# -- PERFCODEMOD_OUTPUT_FORMAT ---------------------------------------------------------------


def test_output_format_variable(project: Path, outputs: dict[str, Any]) -> None:
    from_env, flag_wins, empty, invalid = concurrently(
        lambda: run_cli("check", "src", cwd=project, env={"PERFCODEMOD_OUTPUT_FORMAT": "json"}),
        lambda: run_cli("check", "src", "--output-format", "pylint", cwd=project,
                        env={"PERFCODEMOD_OUTPUT_FORMAT": "json"}),
        lambda: run_cli("check", "src", cwd=project, env={"PERFCODEMOD_OUTPUT_FORMAT": ""}),
        lambda: run_cli("check", "src", cwd=project, env={"PERFCODEMOD_OUTPUT_FORMAT": "xml"}),
    )
    assert json.loads(from_env.stdout) == _json(outputs)
    assert flag_wins.stdout == outputs["pylint"].stdout
    assert empty.stdout == outputs["text"].stdout
    assert (invalid.returncode, invalid.stdout) == (2, "")
    assert invalid.stderr.count("\n") == 1
    assert invalid.stderr.startswith(
        "perfcodemod: error: invalid value `xml` in PERFCODEMOD_OUTPUT_FORMAT; choose from text,")


def test_formats_are_listed_in_one_place() -> None:
    assert set(output.FORMATS) == {"text", "concise", "full", "grouped", "json", "json-lines",
                                   "sarif", "github", "gitlab", "junit", "pylint"}
    for name in output.FORMATS:
        assert callable(output.renderer(name))
    assert output.render("sarif", [FileReport("x.py")]).startswith("{")
