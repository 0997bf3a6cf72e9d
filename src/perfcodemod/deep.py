"""Deep but valid code: work that recurses once per nesting level, run again with room to.

A 500-branch ``elif`` chain or a 1,000-term ``+`` chain is valid Python, and LibCST's code
generation, ``ast``'s construction of its tree and some of our analyses recurse once per level
(several Python frames each), past Python's default recursion limit of 1,000. Such work is
first tried as usual (it costs nothing extra), and when it raises ``RecursionError``, tried
again in a thread with a large stack and a high recursion limit (the stack is address space,
not memory, until it is used). What still fails is beyond a real limit: Python 3.12 caps
recursion through C code (``with`` statements, ``__enter__``) whatever the limit says, and
some depth exhausts any stack.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, Callable, TypeVar

T = TypeVar("T")

#: The stack of the thread that retries (address space, reserved, not committed).
STACK_SIZE = 512 * 1024 * 1024
#: Enough for about 10,000 levels of the deepest recursion here (LibCST code generation,
#: about ten frames a level); each frame uses far less than STACK_SIZE / RECURSION_LIMIT.
RECURSION_LIMIT = 100_000

_LOCK = threading.Lock()


def retry_deep(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)``; if it runs out of recursion, again with room (see the module)."""
    try:
        return function(*args)
    except RecursionError:
        return call_deep(function, *args)


def call_deep(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in a thread with a large stack and a high recursion limit; what it
    raises is raised here. One at a time: the limit and the new threads' stack size are
    process-wide settings, restored afterwards."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = function(*args)
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    with _LOCK:
        limit = sys.getrecursionlimit()
        stack_size = threading.stack_size()
        try:
            threading.stack_size(STACK_SIZE)
            thread = threading.Thread(target=run, name="perfcodemod-deep", daemon=True)
            sys.setrecursionlimit(max(limit, RECURSION_LIMIT))
            thread.start()
            thread.join()
        finally:
            threading.stack_size(stack_size)
            sys.setrecursionlimit(limit)
    if "error" in outcome:
        error = outcome["error"]
        assert isinstance(error, BaseException)
        raise error
    return outcome["value"]  # type: ignore[return-value]


__all__ = ["RECURSION_LIMIT", "STACK_SIZE", "call_deep", "retry_deep"]
