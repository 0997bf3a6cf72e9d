"""The flake8 plugin, through the real flake8 (the ``flake8.extension`` entry point ``PCM`` of
the installed package): the same diagnostics as the command line, flake8's ``# noqa``, and rule
selection from the checked project's ``[tool.perfcodemod]`` (flake8 never reads pyproject)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import FIXTURES, run_cli, write

LINE = re.compile(r"^(?P<path>[^:]+):(?P<row>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) (?P<text>.*)$",
                  re.MULTILINE)
CODE = "def f(x: int):\n    return x in [1, 2]\n"


def flake8(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    # --isolated: no user or project flake8 configuration changes what we see.
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", *map(str, args)], cwd=cwd,
        capture_output=True, text=True, timeout=300,
    )


def parsed(output: str) -> list[tuple[str, int, int, str, str]]:
    return [
        (m["path"].removeprefix("./"), int(m["row"]), int(m["col"]), m["code"],
         m["text"].removeprefix("[*] "))
        for m in LINE.finditer(output)
    ]


def test_plugin_is_registered() -> None:
    result = subprocess.run([sys.executable, "-m", "flake8", "--version"], capture_output=True,
                            text=True, check=True)
    assert "perfcodemod:" in result.stdout


def test_same_diagnostics_as_the_command_line(tmp_path: Path) -> None:
    fixture = FIXTURES / "membership" / "PCM201.py"
    shutil.copy(fixture, tmp_path / "PCM201.py")
    ours = parsed(run_cli("PCM201.py", cwd=tmp_path).stdout)
    theirs = parsed(flake8("--select", "PCM", "PCM201.py", cwd=tmp_path).stdout)
    assert ours and theirs == ours
    # The fixture's line with a noqa comment for PCM201 is suppressed by flake8 itself...
    suppressed_row = next(i for i, line in enumerate(fixture.read_text().splitlines(), 1)
                          if "# noqa: PCM201" in line)
    assert suppressed_row not in (row for _, row, *_ in theirs)
    # ...and reported when flake8 is told to disregard noqa comments.
    everything = parsed(
        flake8("--select", "PCM", "--disable-noqa", "PCM201.py", cwd=tmp_path).stdout
    )
    assert suppressed_row in (row for _, row, *_ in everything)


def test_noqa_and_flake8_selection(tmp_path: Path) -> None:
    write(tmp_path / "a.py", (
        "A = 1 in [1, 2]\n"
        "B = 1 in [1, 2]  # noqa\n"
        "C = 1 in [1, 2]  # noqa: PCM201\n"
        "D = 1 in [1, 2]  # noqa: E501\n"
    ))
    write(tmp_path / "b.py", "# perfcodemod: noqa: PCM2\nE = 1 in [1, 2]\n")
    result = flake8("--select", "PCM", "a.py", "b.py", cwd=tmp_path)
    assert [(p, row) for p, row, *_ in parsed(result.stdout)] == [("a.py", 1), ("a.py", 4)]
    assert result.returncode == 1
    ignored = flake8("--select", "PCM", "--extend-ignore", "PCM201", "a.py", cwd=tmp_path)
    assert (ignored.returncode, ignored.stdout) == (0, "")


def test_reads_the_projects_perfcodemod_configuration(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", (
        "[tool.perfcodemod]\n"
        'ignore = ["PCM201"]\n'
        "[tool.perfcodemod.per-file-ignores]\n"
        '"tests/*" = ["PCM001"]\n'
    ))
    write(tmp_path / "inner" / "perfcodemod.toml", 'select = ["PCM2"]\n')
    write(tmp_path / "a.py", CODE)
    write(tmp_path / "inner" / "b.py", CODE)
    result = flake8("--select", "PCM", ".", cwd=tmp_path)
    assert [(p, row) for p, row, *_ in parsed(result.stdout)] == [("inner/b.py", 2)]
    # Run from elsewhere, the files' own configuration still applies.
    result = flake8("--select", "PCM", tmp_path, cwd=tmp_path.parent)
    assert [Path(p).name for p, *_ in parsed(result.stdout)] == ["b.py"]


def test_syntax_errors_are_flake8s_and_config_errors_are_reported(tmp_path: Path) -> None:
    write(tmp_path / "broken.py", "def f(:\n    pass\n")
    result = flake8("broken.py", cwd=tmp_path)
    codes = [code for _, _, _, code, _ in parsed(result.stdout)]
    assert codes == ["E999"]  # not a second report from the plugin
    write(tmp_path / "pyproject.toml", "[tool.perfcodemod]\nextend-selct = []\n")
    write(tmp_path / "ok.py", CODE)
    broken_config = flake8("--select", "PCM", "ok.py", cwd=tmp_path)
    assert "Traceback" not in broken_config.stderr
    [(path, row, col, code, text)] = parsed(broken_config.stdout)
    assert (path, row, col, code) == ("ok.py", 1, 1, "PCM001")
    assert "unknown key `extend-selct`" in text and "did you mean `extend-select`?" in text


def test_flake8s_own_selection_turns_on_opt_in_rules(tmp_path: Path) -> None:
    """An opt-in rule that flake8's selection names runs (command line or flake8's config);
    `PCM` alone only shows the plugin's codes, as flake8-bugbear treats its opt-in B9."""
    write(tmp_path / "a.py", (
        "def total(values):\n"
        "    return sum([v * 2 for v in values])\n"
        "\n"
        "\n"
        "A = 1 in [1, 2]\n"
    ))
    named = flake8("--select", "PCM104", "a.py", cwd=tmp_path)
    extended = flake8("--extend-select", "PCM1", "a.py", cwd=tmp_path)
    plugin_prefix = flake8("--select", "PCM", "a.py", cwd=tmp_path)
    assert [(row, code) for _, row, _, code, _ in parsed(named.stdout)] == [(2, "PCM104")]
    assert [(row, code) for _, row, _, code, _ in parsed(extended.stdout)] == [
        (2, "PCM104"), (5, "PCM201")]
    assert [(row, code) for _, row, _, code, _ in parsed(plugin_prefix.stdout)] == [
        (5, "PCM201")]
    write(tmp_path / "setup.cfg", "[flake8]\nextend-select = PCM104\n")
    configured = subprocess.run([sys.executable, "-m", "flake8", "a.py"], cwd=tmp_path,
                                capture_output=True, text=True, timeout=300)
    assert [(row, code) for _, row, _, code, _ in parsed(configured.stdout)] == [
        (2, "PCM104"), (5, "PCM201")]
