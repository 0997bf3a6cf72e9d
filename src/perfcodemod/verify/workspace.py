"""The files a verification run may change, what each held, and putting them back.

Every write goes through :func:`perfcodemod.fixer.write_atomic`, which replaces a file only
while it still holds what this run last wrote (or read): a file that someone else changed is
never written again, never restored, and is reported. Writes and restores hold SIGINT and
SIGTERM (:func:`perfcodemod.verify.command.deferred_signals`), so that what the workspace
believes is on disk always is.

Python's bytecode cache trusts a ``.pyc`` whose recorded source size and modification time
(in whole seconds) match the source. A fix often keeps a file's size (``("a", "b")`` becomes
``{"a", "b"}``) and bisection rewrites a file several times a second, so each version written
here gets a modification time, in whole seconds, that no earlier version of the file had
(the next free second, which may run a few seconds ahead of the clock); a file put back
exactly as it was gets its original times back, which its own ``.pyc`` files match.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from perfcodemod.fixer import FileChangedError, ReadOnlyError, write_atomic
from perfcodemod.verify.command import deferred_signals

_NS = 1_000_000_000


@dataclass
class TrackedFile:
    path: Path
    #: The path as shown to the user.
    display: str
    original: bytes
    #: What this run last wrote (or read): what must be on disk now.
    current: bytes
    atime_ns: int
    mtime_ns: int
    #: The last whole-second modification time given to a version of the file.
    stamp: int
    #: Someone else changed the file: it is left alone.
    foreign: bool = False
    #: Why it is left alone (for the report).
    foreign_reason: str = ""

    @property
    def changed(self) -> bool:
        return self.current != self.original


class Workspace:
    def __init__(self) -> None:
        self.files: dict[Path, TrackedFile] = {}

    def track(self, path: Path, display: str, data: bytes) -> TrackedFile:
        """Remember ``data`` (the bytes just read from ``path``) as its original content."""
        status = os.stat(path)
        tracked = TrackedFile(
            path, display, data, data, status.st_atime_ns, status.st_mtime_ns,
            status.st_mtime_ns // _NS,
        )
        self.files[path] = tracked
        return tracked

    def write(self, path: Path, data: bytes) -> bool:
        """Put ``data`` in ``path``; False (and the file is left alone from now on) when the
        file no longer holds what this run last wrote."""
        tracked = self.files[path]
        if tracked.foreign:
            return False
        if data == tracked.current:
            return True
        with deferred_signals():
            try:
                write_atomic(path, data, tracked.current)
            except FileChangedError:
                self._leave_alone(tracked, "changed on disk by someone else during the run")
                return False
            except ReadOnlyError as exc:
                self._leave_alone(tracked, str(exc))
                return False
            tracked.current = data
            self._stamp(tracked)
        return True

    def _stamp(self, tracked: TrackedFile) -> None:
        if tracked.current == tracked.original:
            os.utime(tracked.path, ns=(tracked.atime_ns, tracked.mtime_ns))
            return
        stamp = max(int(time.time()), tracked.stamp + 1)
        if stamp == tracked.mtime_ns // _NS:
            stamp += 1
        tracked.stamp = stamp
        os.utime(tracked.path, ns=(stamp * _NS, stamp * _NS))

    def _leave_alone(self, tracked: TrackedFile, reason: str) -> None:
        tracked.foreign = True
        tracked.foreign_reason = reason

    def check_unchanged(self) -> list[TrackedFile]:
        """Files that no longer hold what this run wrote (changed by the command, or by
        someone else): they are left alone from now on. Returns those newly found."""
        found = []
        for tracked in self.files.values():
            if tracked.foreign:
                continue
            if _read(tracked.path) != tracked.current:
                self._leave_alone(tracked, "changed on disk by someone else during the run")
                found.append(tracked)
        return found

    def restore(self, paths: Iterable[Path] | None = None) -> list[TrackedFile]:
        """Put back the original bytes and times of every changed file (or of ``paths``);
        returns the files left alone because someone else changed them."""
        skipped: list[TrackedFile] = []
        chosen = self.files.values() if paths is None else [self.files[p] for p in paths]
        with deferred_signals():
            for tracked in chosen:
                if tracked.foreign:
                    skipped.append(tracked)
                elif tracked.changed and not self.write(tracked.path, tracked.original):
                    skipped.append(tracked)
        return skipped

    @property
    def changed(self) -> list[TrackedFile]:
        return [t for t in self.files.values() if t.changed and not t.foreign]

    @property
    def foreign(self) -> list[TrackedFile]:
        return [t for t in self.files.values() if t.foreign]


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
