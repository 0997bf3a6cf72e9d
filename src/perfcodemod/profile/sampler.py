"""A low-overhead stack sampler for line-level time.

Two ways to take samples, chosen with ``perfcodemod profile --sampler``:

* ``thread`` (default, portable): a daemon thread wakes every interval and reads the main
  thread's stack from ``sys._current_frames()``; each sample weighs the wall time since the
  previous one. The thread needs the GIL, so while the program computes, samples come at
  the interpreter's switch interval (5 ms) rather than the requested one; their weights
  keep the time right.
* ``signal`` (Unix): ``setitimer(ITIMER_PROF)`` interrupts the main thread every interval of
  CPU time and the handler reads the current frame; no thread, CPU time only (waiting for
  I/O is not sampled), and a program that uses ``SIGPROF`` itself must not use it.

Both sample the main thread only. Before Python 3.12 cProfile profiles only the thread that
enabled it; from 3.12 on it hears every thread's calls (it is built on ``sys.monitoring``,
whose events are process-wide), and the thread sampler's own calls, interleaved with the
program's, break its call stacks (a function's time then comes out at a fraction of the
truth). So ``signal`` is the default there where it exists (``default_sampler``).
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from types import CodeType, FrameType
from typing import Any

#: A stack as sampled: (code, running line) pairs, root first (a negative line is minus the
#: offset of an instruction without a line; ``resolve_line`` finds the line it stands for).
RawStack = tuple[tuple[CodeType, int], ...]

SAMPLERS = ("thread", "signal")

#: From this Python on, cProfile hears every thread (see the module's docstring).
PROFILES_EVERY_THREAD = sys.version_info >= (3, 12)


def default_sampler() -> str:
    """``signal`` where cProfile hears every thread and ``setitimer`` exists, else ``thread``."""
    return "signal" if PROFILES_EVERY_THREAD and hasattr(signal, "setitimer") else "thread"


class StackSampler:
    def __init__(self, interval: float, stop_at: CodeType | None = None, kind: str = "thread"):
        """``stop_at``: the code of the function that runs the program; frames from there to
        the root (the recorder's own) are not part of a sample."""
        self.interval = interval
        self.stop_at = stop_at
        self.kind = kind
        self.stacks: dict[RawStack, float] = {}
        self.total = 0.0
        self.samples = 0
        self._main = threading.main_thread().ident
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._last = 0.0
        self._previous_handler: Any = None

    def _record(self, frame: FrameType | None, weight: float) -> None:
        stack = []
        stop_at = self.stop_at
        while frame is not None:
            code = frame.f_code
            if code is stop_at:
                break
            line = frame.f_lineno
            # None: the frame stopped at a loop's back edge (where the interpreter lets
            # another thread or a signal handler in); kept as -offset, resolved later.
            stack.append((code, line if line is not None else -frame.f_lasti))
            frame = frame.f_back
        self.total += weight
        self.samples += 1
        if stack:
            stack.reverse()
            key = tuple(stack)
            self.stacks[key] = self.stacks.get(key, 0.0) + weight

    # -- thread ----------------------------------------------------------------------------

    def _run(self) -> None:
        wait = self._stopped.wait
        interval = self.interval
        clock = time.perf_counter
        frames = sys._current_frames
        main = self._main
        while not wait(interval):
            now = clock()
            weight = now - self._last
            self._last = now
            frame = frames().get(main) if main is not None else None
            self._record(frame, weight)

    # -- signal ----------------------------------------------------------------------------

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        now = time.process_time()
        weight = now - self._last
        self._last = now
        self._record(frame, weight)

    def start(self) -> None:
        if self.kind == "signal":
            self._last = time.process_time()
            self._previous_handler = signal.signal(signal.SIGPROF, self._on_signal)
            signal.setitimer(signal.ITIMER_PROF, self.interval, self.interval)
            return
        self._last = time.perf_counter()
        self._thread = threading.Thread(target=self._run, name="perfcodemod-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self.kind == "signal":
            signal.setitimer(signal.ITIMER_PROF, 0, 0)
            signal.signal(signal.SIGPROF, self._previous_handler or signal.SIG_DFL)
            return
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()


_JUMPS_BACK = frozenset({"JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT", "JUMP_ABSOLUTE"})
_lines: dict[tuple[CodeType, int], int | None] = {}


def resolve_line(code: CodeType, line: int) -> int | None:
    """The source line a sample stands for. A sample stopped at a loop's back edge (an
    instruction without a line) belongs to the loop: its header's line."""
    if line >= 0:
        return line
    key = (code, line)
    if key not in _lines:
        _lines[key] = _back_edge_line(code, -line)
    return _lines[key]


def _back_edge_line(code: CodeType, offset: int) -> int | None:
    import dis

    instructions = list(dis.get_instructions(code))
    lines: dict[int, int | None] = {}
    current: int | None = None
    for instruction in instructions:
        positions = getattr(instruction, "positions", None)
        number = positions.lineno if positions is not None else None
        if number is None and instruction.starts_line:
            number = instruction.starts_line
        current = number if number is not None else current
        lines[instruction.offset] = number
    at = next((i for i in instructions if i.offset == offset), None)
    if at is not None and at.opname in _JUMPS_BACK and isinstance(at.argval, int):
        for instruction in instructions:
            if instruction.offset >= at.argval and lines.get(instruction.offset) is not None:
                return lines[instruction.offset]
    before = [lines[i.offset] for i in instructions if i.offset <= offset
              and lines.get(i.offset) is not None]
    return before[-1] if before else None
