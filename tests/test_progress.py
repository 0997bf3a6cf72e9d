"""Progress on standard error: drawn on a real pseudo-terminal, never on a pipe, never with
``--quiet``, never for a few files, never in standard output; and ``api.check_paths``'s
``progress`` callback."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from perfcodemod import api
from perfcodemod.progress import MIN_FILES

from .conftest import concurrently, write

FILE = 'def f(v):\n    return v in ["a", "b"]\n'


def _tree(root: Path, count: int) -> Path:
    for index in range(count):
        write(root / "src" / f"m{index:03}.py", FILE)
    return root


def _run_on_terminal(
    cwd: Path, *args: str, columns: int = 0
) -> tuple[int, str, str]:
    """``perfcodemod ARGS`` with standard error on a pseudo-terminal (``columns`` wide; 0 leaves
    the size unset) and standard output on a pipe: (exit code, stdout, what the terminal got)."""
    master, slave = pty.openpty()
    if columns:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {**os.environ}
    env.pop("PERFCODEMOD_DEBUG", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "perfcodemod", *args], cwd=cwd, stdout=subprocess.PIPE,
        stderr=slave, stdin=subprocess.DEVNULL, env=env,
    )
    os.close(slave)
    received = bytearray()
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 120)
            if not ready:
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            received += chunk
        assert process.stdout is not None
        stdout = process.stdout.read().decode()
        code = process.wait(timeout=120)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
    return code, stdout, received.decode()


def test_progress_is_drawn_on_a_terminal_and_erased(tmp_path: Path) -> None:
    root = _tree(tmp_path, MIN_FILES + 5)
    total = MIN_FILES + 5
    code, stdout, terminal = _run_on_terminal(root, "check", "src")
    assert code == 1
    assert terminal.startswith(f"\rperfcodemod: 1/{total} files (")
    # Drawn in place (carriage returns, no line feeds), then erased with spaces before the
    # run ends, leaving the cursor at the start of the line.
    assert "\n" not in terminal
    widest = max(len(part) for part in terminal.split("\r"))
    assert terminal.endswith("\r" + " " * widest + "\r")
    # Nothing of it in standard output, which holds the report as usual.
    assert "\r" not in stdout and "files (" not in stdout
    assert stdout.count("PCM201") == total
    assert f"Found {total} diagnostics." in stdout


def test_progress_fits_the_terminal_width(tmp_path: Path) -> None:
    root = _tree(tmp_path, MIN_FILES + 1)
    code, _, terminal = _run_on_terminal(root, "check", "src", columns=20)
    assert code == 1
    drawn = [part for part in terminal.split("\r") if part.strip()]
    assert drawn and all(len(part) <= 19 for part in drawn)
    assert drawn[0].startswith("perfcodemod: 1/")


def test_no_progress_when_quiet_or_few_files(tmp_path: Path) -> None:
    many = _tree(tmp_path / "many", MIN_FILES + 1)
    few = _tree(tmp_path / "few", MIN_FILES - 1)
    (quiet_code, _, quiet), (few_code, _, few_out) = concurrently(
        lambda: _run_on_terminal(many, "check", "src", "--quiet"),
        lambda: _run_on_terminal(few, "check", "src"),
    )
    assert (quiet_code, few_code) == (1, 1)
    assert "files (" not in quiet and "\r" not in quiet.replace("\r\n", "")
    assert "files (" not in few_out


def test_no_progress_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    root = _tree(tmp_path, MIN_FILES + 5)
    result = subprocess.run(
        [sys.executable, "-m", "perfcodemod", "check", "src"], cwd=root, capture_output=True,
        text=True, timeout=300,
    )
    assert result.returncode == 1
    assert "files (" not in result.stderr and "\r" not in result.stderr
    assert "files (" not in result.stdout


@pytest.mark.parametrize("mode", [api.FixMode.CHECK, api.FixMode.PREVIEW])
def test_check_paths_reports_progress_after_each_file(tmp_path: Path, mode: api.FixMode) -> None:
    root = _tree(tmp_path, 3)
    calls: list[tuple[int, int]] = []
    run = api.check_paths([root / "src"], mode=mode, progress=lambda done, total: calls.append(
        (done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert len(run.files) == 3
