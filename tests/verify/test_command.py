"""Running the user's command: exit status, output tail, the time limit killing the whole
process group, and signals turned into an exception (real processes, real signals)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from perfcodemod.verify.command import (
    Interrupted,
    deferred_signals,
    interruptible,
    run_command,
    tail_of,
)

from .helpers import python, wait_until_gone


def test_exit_status_and_output_tail() -> None:
    passed = run_command(python("print('fine')"), timeout=60)
    assert passed.passed and passed.returncode == 0 and passed.tail == "fine"
    code = "import sys\nfor i in range(100): print('line', i)\nsys.exit(3)"
    failed = run_command(python(code), timeout=60)
    assert not failed.passed and failed.returncode == 3
    assert failed.tail.splitlines()[-1] == "line 99"
    assert len(failed.tail.splitlines()) == 25
    assert "exit status 3" in failed.describe()


def test_standard_error_is_captured_too() -> None:
    result = run_command(python("import sys; sys.stderr.write('boom\\n'); sys.exit(1)"),
                         timeout=60)
    assert result.tail == "boom"


def test_runs_in_the_given_directory(tmp_path: Path) -> None:
    result = run_command(python("import os; print(os.getcwd())"), timeout=60, cwd=tmp_path)
    assert Path(result.tail).resolve() == tmp_path.resolve()


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    code = (
        "import os, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
        f"open({str(pids)!r}, 'w').write(f'{{os.getpid()}} {{child.pid}}')\n"
        "time.sleep(120)\n"
    )
    result = run_command(python(code), timeout=2)
    assert result.timed_out and not result.passed and result.returncode is None
    assert "did not finish" in result.describe()
    for pid in map(int, pids.read_text().split()):
        assert wait_until_gone(pid), f"process {pid} survived the timeout"


def test_processes_left_behind_after_exit_are_ended(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    code = (
        "import subprocess, sys\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
    )
    assert run_command(python(code), timeout=60).passed
    assert wait_until_gone(int(pid_file.read_text()))


def test_tail_of_keeps_the_last_lines_within_a_size() -> None:
    assert tail_of("a\nb\nc\n\n\n", lines=2) == "b\nc"
    long = "\n".join("x" * 100 for _ in range(10))
    assert len(tail_of(long, lines=10, chars=250)) <= 250
    assert tail_of(long, lines=10, chars=250).startswith("x")


def test_interruptible_turns_sigterm_into_an_exception() -> None:
    with pytest.raises(Interrupted) as caught, interruptible():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
    assert caught.value.signum == signal.SIGTERM
    # The previous handler is back.
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


def test_deferred_signals_finish_the_block_first() -> None:
    finished = []
    with pytest.raises(Interrupted) as caught, interruptible(), deferred_signals():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.1)
        finished.append(True)
    assert finished == [True]
    assert caught.value.signum == signal.SIGINT
    with deferred_signals(reraise=False):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.1)
