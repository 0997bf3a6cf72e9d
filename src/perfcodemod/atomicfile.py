"""Replacing a file of perfcodemod's own (the result cache, a profile, the record of rejected
fixes) so that a reader sees the old file or the new one, never half of either.

Source files that ``--fix`` rewrites go through ``fixer.write_atomic`` instead, which also
keeps their owner, links and permissions and refuses read-only files.
"""

from __future__ import annotations

import os
from pathlib import Path


def replace_file(path: str | os.PathLike[str], data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to a new file beside ``path`` and rename it over ``path``. The new file
    gets ``mode``, or by default the permissions ``open()`` gives a new file (0o666 less the
    umask; not ``tempfile.mkstemp``'s private 0600). On failure the temporary file is removed
    and the error raised (``OSError``)."""
    target = Path(path)
    for _ in range(100):
        temporary = target.with_name(f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        try:
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
    else:
        raise FileExistsError(f"no free temporary name beside {target}")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


__all__ = ["replace_file"]
