"""Running the user's command: in its own process group, with a time limit, keeping the tail of
its output; and turning SIGINT/SIGTERM into an exception that the session can clean up after.

The command runs through the shell in the current directory, with standard input closed and
standard output and error captured together in a temporary file (a pipe could fill up and
stall a chatty test suite). It gets a new session, so that a timeout or an interruption can
end it and everything it started (a test server, ``pytest-xdist``'s workers) with one
``killpg``; the same kill sweeps up anything it left running after it exited.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO

#: How much of the output a report keeps: the last lines, at most this many characters.
TAIL_LINES = 25
TAIL_CHARS = 4000
#: Seconds between SIGTERM and SIGKILL when a command is stopped.
KILL_GRACE = 5.0
_READ_BACK = 64 * 1024


@dataclass(frozen=True)
class CommandResult:
    command: str
    #: The exit status (negative: killed by that signal); None when it was stopped at the limit.
    returncode: int | None
    seconds: float
    #: The last lines of what it wrote to standard output and error.
    tail: str
    timed_out: bool = False

    @property
    def passed(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def describe(self) -> str:
        if self.timed_out:
            return f"did not finish within {self.seconds:.0f} s"
        if self.returncode is not None and self.returncode < 0:
            try:
                name = signal.Signals(-self.returncode).name
            except ValueError:
                name = f"signal {-self.returncode}"
            return f"was killed by {name} after {self.seconds:.1f} s"
        if self.passed:
            return f"passed in {self.seconds:.1f} s"
        return f"failed (exit status {self.returncode}) after {self.seconds:.1f} s"


class Interrupted(BaseException):
    """A SIGINT or SIGTERM arrived: the session restores the files and stops.

    A ``BaseException``, as ``KeyboardInterrupt`` is, so that no ``except Exception`` between
    the signal and the session swallows it."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


def run_command(command: str, *, timeout: float, cwd: Path | None = None) -> CommandResult:
    """Run ``command`` through the shell and wait at most ``timeout`` seconds for it."""
    with tempfile.TemporaryFile() as output:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, shell=True, cwd=cwd, stdin=subprocess.DEVNULL, stdout=output,
            stderr=subprocess.STDOUT, start_new_session=_SESSIONS,
        )
        timed_out = False
        returncode: int | None
        try:
            returncode = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            returncode = None
            stop(process)
        except BaseException:
            stop(process)
            raise
        seconds = time.perf_counter() - start
        _kill_group(process, signal.SIGKILL if _SESSIONS else None)
        return CommandResult(command, returncode, seconds, _tail(output), timed_out)


_SESSIONS = hasattr(os, "killpg") and hasattr(os, "setsid")


def stop(process: subprocess.Popen[bytes]) -> None:
    """End the command and its process group: SIGTERM, then SIGKILL after a grace period.
    Signals are held meanwhile: a second Ctrl-C must not leave it running."""
    with deferred_signals():
        _kill_group(process, signal.SIGTERM)
        try:
            process.wait(timeout=KILL_GRACE)
        except subprocess.TimeoutExpired:
            pass
        _kill_group(process, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=KILL_GRACE)


def _kill_group(process: subprocess.Popen[bytes], signum: int | None) -> None:
    if not _SESSIONS:
        if process.poll() is None:
            process.kill()
        return
    if signum is None:
        return
    # The group outlives its leader: after the shell exits, its children still carry its id.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def _tail(stream: IO[bytes]) -> str:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(max(0, size - _READ_BACK))
    text = stream.read().decode("utf-8", errors="replace")
    return tail_of(text)


def tail_of(text: str, lines: int = TAIL_LINES, chars: int = TAIL_CHARS) -> str:
    """The last ``lines`` lines of ``text`` (at most ``chars`` characters), trailing blank
    lines dropped."""
    kept = text.rstrip().splitlines()[-lines:]
    result = "\n".join(line.rstrip() for line in kept)
    if len(result) > chars:
        result = result[-chars:]
        result = result[result.find("\n") + 1 :] if "\n" in result else result
    return result


# -- signals ------------------------------------------------------------------------------------

_HANDLED = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """While the block runs, SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted` (where
    signals can be handled: in the main thread)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(signum)

    with _handlers(handler):
        yield


_pending: list[int] = []


@contextlib.contextmanager
def deferred_signals(reraise: bool = True) -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP while the block runs (a file write and its bookkeeping,
    a restore), then raise :class:`Interrupted` for the first one that arrived, if any (unless
    ``reraise`` is false, or the block is already leaving with an exception)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        _pending.append(signum)

    depth = len(_pending)
    try:
        with _handlers(handler):
            yield
    finally:
        arrived = _pending[depth:]
        del _pending[depth:]
    if arrived and reraise:
        raise Interrupted(arrived[0])


@contextlib.contextmanager
def _handlers(handler: signal.Handlers | object) -> Iterator[None]:
    previous: dict[int, object] = {}
    try:
        for signum in _HANDLED:
            try:
                previous[signum] = signal.signal(signum, handler)  # type: ignore[arg-type]
            except ValueError:  # not the main thread: signals stay as they are
                break
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)  # type: ignore[arg-type]
