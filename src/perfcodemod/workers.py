"""Worker processes: files checked in parallel, one result per file, whatever happens to a
worker.

``run`` hands tasks to ``jobs`` processes one at a time (the largest first, so that a big file
does not start last and keep one core busy alone) and yields each result as it arrives with the
task's index; the caller puts results back in order. A task that raises is a ``TaskFailed``
with the worker's traceback; a worker that dies while running a task (a crash in a C
extension, the out-of-memory killer, a signal) makes that task a ``TaskFailed`` too, and a new
worker takes over the remaining tasks: one file lost, never the run.

Workers are forked where the platform allows it (fast, and they inherit the run's settings
and imports) and spawned elsewhere; a task's function must then be importable by name.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

# ``multiprocessing`` is imported by ``run`` only: a run in one process never pays for it.

T = TypeVar("T")
R = TypeVar("R")

#: A worker is started for every this many files to check (a handful are checked in-process).
FILES_PER_WORKER = 8


@dataclass(frozen=True)
class TaskFailed:
    """Why a task has no result: the exception raised in the worker, or its death."""

    message: str
    #: The worker's traceback, when the task raised.
    details: str = ""
    #: True when the worker process died.
    crashed: bool = False


@dataclass(frozen=True)
class Done(Generic[R]):
    index: int
    result: R | TaskFailed


def available_cores() -> int:
    """The cores this process may run on (its affinity, where the platform tells)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def default_jobs(tasks: int) -> int:
    """The cores available, but one worker per ``FILES_PER_WORKER`` files at most: starting a
    worker costs more than checking a handful of files."""
    return max(1, min(available_cores(), tasks // FILES_PER_WORKER))


@contextmanager
def tuned_gc() -> Iterator[None]:
    """Fewer garbage collections while checking: parsing makes millions of objects that live
    until the file is done and hold no cycles, and the default thresholds scan them over and
    over (about a tenth of the run time). Restored afterwards."""
    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def run(
    function: Callable[[T], R],
    tasks: Sequence[T],
    jobs: int,
    *,
    sizes: Sequence[int] | None = None,
) -> Iterator[Done[R]]:
    """``function(task)`` for every task in ``jobs`` worker processes (``jobs`` > 1), results
    in the order they complete. ``sizes`` orders the hand-out (largest first)."""
    from multiprocessing.connection import wait

    order = list(range(len(tasks)))
    if sizes is not None:
        order.sort(key=lambda index: -sizes[index])
    pending = order[::-1]  # popped from the end
    context = _context()
    workers: list[_Worker] = []
    try:
        while pending or any(worker.task is not None for worker in workers):
            while pending and len(workers) < jobs:
                workers.append(_Worker(context, function))
            for worker in list(workers):
                if worker.task is None and pending:
                    if not worker.process.is_alive():  # died idle: replaced next round
                        worker.alive = False
                        workers.remove(worker)
                        worker.stop()
                        continue
                    worker.give(pending.pop(), tasks)
            busy = [w for w in workers if w.task is not None]
            if not busy:
                continue
            ready = wait([w.connection for w in busy] + [w.process.sentinel for w in busy])
            for worker in busy:
                if worker.connection in ready or worker.process.sentinel in ready:
                    done = worker.collect()
                    if done is not None:
                        yield done
                    if not worker.alive:
                        workers.remove(worker)
    finally:
        for worker in workers:
            worker.stop()


def _context() -> Any:
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and sys.platform != "darwin" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


class _Worker:
    def __init__(self, context: Any, function: Callable[..., Any]) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, function), daemon=True)
        self.process.start()
        child.close()
        self.task: int | None = None
        self.alive = True

    def give(self, index: int, tasks: Sequence[Any]) -> None:
        self.task = index
        try:
            self.connection.send((index, tasks[index]))
        except (OSError, ValueError):
            pass  # it died: collect() reports the task

    def collect(self) -> Done[Any] | None:
        index = self.task
        if index is None:
            return None
        try:
            if self.connection.poll():
                answer_index, ok, payload = self.connection.recv()
                self.task = None
                if ok:
                    return Done(answer_index, payload)
                message, details = payload
                return Done(answer_index, TaskFailed(message, details))
        except (EOFError, OSError):
            pass
        # No answer: the process ended while running the task.
        self.process.join(timeout=5)
        if self.process.is_alive():
            return None  # a spurious wake-up
        self.task = None
        self.alive = False
        return Done(index, TaskFailed(_death(self.process.exitcode), crashed=True))

    def stop(self) -> None:
        if self.alive:
            try:
                self.connection.send(None)
            except (OSError, ValueError):
                pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"the worker process checking this file was killed by {name}"
    return f"the worker process checking this file exited (status {exitcode})"


def _serve(connection: Connection, function: Callable[[Any], Any]) -> None:
    """A worker's loop: run tasks until told to stop (None) or the parent goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    gc.freeze()  # what the parent imported stays out of the collections
    gc.set_threshold(50_000, 20, 100)
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        index, task = message
        try:
            answer = (index, True, function(task))
        except Exception as exc:
            answer = (index, False, (repr(exc), traceback.format_exc()))
        try:
            connection.send(answer)
        except Exception as exc:  # an unpicklable result, say
            connection.send((index, False, (repr(exc), traceback.format_exc())))
