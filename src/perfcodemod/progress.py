"""Progress of a long run, on one line of a terminal's standard error.

``perfcodemod: 120/1,000 files (12%)``, redrawn in place at most ten times a second and erased
when the run ends, before anything else is printed: diagnostics go to standard output after the
run, so the line never mixes with them, even when both streams are the same terminal. It is
shown only when standard error is a terminal, the run has at least ``MIN_FILES`` files, and
``--quiet`` is not given; CI logs, pipes and redirections never see it.

Why not ``tqdm`` or ``rich``: DESIGN limits the runtime dependencies to ``libcst`` (and
``tomli`` below 3.11), so a library could only be an optional extra, and a default install would
then show no progress at all; and importing ``rich`` alone costs more than the startup budget of
``check`` on one small file. What a counter on one line has to get right is small and is here:
the terminal test, a throttle, truncation to the terminal's width (read at each draw, so a
resized window is followed), erasing with spaces rather than an ANSI sequence (which a Windows
console without VT processing would print), and erasing even when the run is interrupted.
"""

from __future__ import annotations

import os
import time
from typing import TextIO

#: Fewer files than this finish in about a second: no progress line for them.
MIN_FILES = 20
#: Seconds between two redraws.
INTERVAL = 0.1


class ProgressLine:
    """A ``progress(done, total)`` callback for ``api.check_paths`` that draws on ``stream``."""

    def __init__(self, stream: TextIO, min_files: int = MIN_FILES) -> None:
        self.stream = stream
        self.min_files = min_files
        self._last_draw = float("-inf")
        self._width = 0  # characters on the line now

    def __call__(self, done: int, total: int) -> None:
        if total < self.min_files or done >= total:
            return
        now = time.monotonic()
        if now - self._last_draw < INTERVAL:
            return
        self._last_draw = now
        self._draw(f"perfcodemod: {done:,}/{total:,} files ({done * 100 // total}%)")

    def _draw(self, text: str) -> None:
        # One column short of the width: writing the last column wraps some terminals.
        room = max(0, self._columns() - 1)
        line = text[:room].ljust(min(self._width, room))
        self._write("\r" + line)
        self._width = len(line)

    def _columns(self) -> int:
        try:
            return os.get_terminal_size(self.stream.fileno()).columns or 80
        except (OSError, ValueError):
            return 80

    def _write(self, data: str) -> None:
        try:
            self.stream.write(data)
            self.stream.flush()
        except (OSError, ValueError):
            pass  # a closed or broken terminal: the run matters more than its progress

    def close(self) -> None:
        """Erase the line (if anything was drawn), leaving the cursor at its start."""
        if self._width:
            self._write("\r" + " " * self._width + "\r")
            self._width = 0


def on_terminal(stream: TextIO) -> ProgressLine | None:
    """A progress line for ``stream`` when it is a terminal, else None."""
    try:
        interactive = stream.isatty()
    except (AttributeError, ValueError):
        interactive = False
    return ProgressLine(stream) if interactive else None
