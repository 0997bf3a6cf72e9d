"""Applying fixes: non-overlapping edits, re-lint, repeat to a fixed point, verify, write.

Each round applies every applicable fix whose edits overlap no fix already taken (the others
wait for the next round, when they are recomputed on the new text). The result of a round must
compile (or at least parse, when the original did not compile); if it does not, the round is
redone one fix at a time and the fixes that break the code are dropped and reported as tool
errors. Writing is atomic, and only happens when the file on disk is still what was read.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from perfcodemod import deep, syntax
from perfcodemod.diagnostic import Applicability, Diagnostic, Edit
from perfcodemod.notebook import COMPILE_FLAGS, CellLayout
from perfcodemod.source import SourceText

MAX_ROUNDS = 10
T = TypeVar("T")


@dataclass
class FixOutcome:
    source: SourceText
    #: Fixes applied, by rule code.
    applied: Counter[str] = field(default_factory=Counter)
    #: Problems with fixes (a fix that broke the code, a fix loop that did not settle).
    errors: list[str] = field(default_factory=list)
    #: A notebook's cells and escapes in ``source`` (None for a Python file).
    layout: CellLayout | None = None

    @property
    def changed(self) -> bool:
        return sum(self.applied.values()) > 0


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    pieces: list[str] = []
    position = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if edit.start < position:
            raise ValueError(f"overlapping edit at offset {edit.start}")
        pieces.append(text[position : edit.start])
        pieces.append(edit.content)
        position = edit.end
    pieces.append(text[position:])
    return "".join(pieces)


def is_applicable(diagnostic: Diagnostic, unsafe: bool) -> bool:
    fix = diagnostic.fix
    return fix is not None and (fix.applicability is Applicability.SAFE or unsafe)


def _compile(text: str, path: str, flags: int = 0) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compile(text, path, "exec", flags, dont_inherit=True)


def _compiles(text: str, path: str, flags: int = 0) -> bool:
    try:
        deep.retry_deep(_compile, text, path, flags)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _parses(text: str, path: str, flags: int = 0) -> bool:
    """``text`` parses (code that this Python does not compile: syntax of a newer Python, or
    ``await`` outside a function)."""
    try:
        deep.retry_deep(syntax.parse, text, path, flags)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def syntax_check(text: str, path: str, flags: int = 0) -> Callable[[str, str], bool]:
    """What a fixed version of ``text`` must pass: compile, or only parse when ``text`` itself
    does not compile (a ``return`` outside a function...). ``flags``: compiler flags
    (``notebook.COMPILE_FLAGS`` for a notebook's code)."""
    check = _compiles if _compiles(text, path, flags) else _parses

    def verify(candidate: str, where: str) -> bool:
        return check(candidate, where, flags)

    return verify


def verifies(original: str, fixed: str, path: str = "<stdin>") -> bool:
    """What a fix round must keep: code that compiles stays compilable; code that only parses
    (a ``return`` outside a function...) keeps parsing."""
    return syntax_check(original, path)(fixed, path)


def choose(diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    """Applicable fixes, in order, skipping any that overlaps one already chosen. Identical
    edits (the same import added by two fixes) are shared, not overlapping."""
    return choose_by(diagnostics, lambda d: d.fix.edits if d.fix is not None else ())


def choose_by(items: Sequence[T], edits: Callable[[T], Sequence[Edit]]) -> list[T]:
    """``choose`` for anything that carries edits."""
    chosen: list[T] = []
    taken: set[Edit] = set()
    for item in items:
        new = [edit for edit in edits(item) if edit not in taken]
        if any(edit.overlaps(other) for edit in new for other in taken):
            continue
        chosen.append(item)
        taken.update(new)
    return chosen


def edits_of(diagnostics: Iterable[Diagnostic]) -> list[Edit]:
    return list(dict.fromkeys(edit for d in diagnostics if d.fix for edit in d.fix.edits))


def fix_source(
    source: SourceText,
    lint: Callable[[SourceText], Sequence[Diagnostic]],
    *,
    unsafe: bool,
    path: str = "<stdin>",
    max_rounds: int = MAX_ROUNDS,
    layout: CellLayout | None = None,
) -> FixOutcome:
    """Apply fixes until none is left (at most ``max_rounds`` rounds). For a notebook's
    code, ``layout`` says where its cells and IPython escapes are: fixes stay inside cells
    and away from escapes, and ``outcome.layout`` says where the cells are afterwards."""
    outcome = FixOutcome(source, layout=layout)
    # Whether the original compiles is asked only when there is a fix to verify.
    verify: Callable[[str, str], bool] | None = None
    rejected: set[tuple[str, str]] = set()
    for _ in range(max_rounds):
        diagnostics = [
            d for d in lint(outcome.source)
            if is_applicable(d, unsafe) and _identity(d, outcome.source.text) not in rejected
            and (outcome.layout is None or outcome.layout.allows(d.fix.edits if d.fix else ()))
        ]
        if not diagnostics:
            return outcome
        chosen = choose(diagnostics)
        text = outcome.source.text
        new_text = apply_edits(text, edits_of(chosen))
        if verify is None:
            verify = syntax_check(source.text, path, COMPILE_FLAGS if layout is not None else 0)
        if not verify(new_text, path):
            # Find the fixes that break the code: add them one at a time.
            accepted: list[Diagnostic] = []
            new_text = text
            for diagnostic in chosen:
                attempt = apply_edits(text, edits_of([*accepted, diagnostic]))
                if verify(attempt, path):
                    accepted.append(diagnostic)
                    new_text = attempt
                else:
                    rejected.add(_identity(diagnostic, text))
                    outcome.errors.append(
                        f"{diagnostic.row}:{diagnostic.col}: the fix for {diagnostic.code} "
                        "produced code that does not compile; it was not applied"
                    )
            chosen = accepted
            if not chosen:
                continue
        outcome.applied.update(d.code for d in chosen)
        outcome.source = outcome.source.with_text(new_text)
        if outcome.layout is not None:
            outcome.layout = outcome.layout.moved(edits_of(chosen))
    else:
        leftover = [d for d in lint(outcome.source) if is_applicable(d, unsafe)]
        if leftover:
            outcome.errors.append(
                f"fixes did not settle after {max_rounds} rounds; "
                f"{len(leftover)} fixable diagnostic(s) left"
            )
    return outcome


def _identity(diagnostic: Diagnostic, text: str) -> tuple[str, str]:
    """Identifies a fix across rounds by its rule and the code it would replace."""
    assert diagnostic.fix is not None
    edits = diagnostic.fix.edits
    return diagnostic.code, "\x00".join(text[e.start : e.end] + "\x01" + e.content for e in edits)


class FileChangedError(Exception):
    """The file on disk is no longer what was read; it was left alone."""


class ReadOnlyError(Exception):
    """The file may not be written (an in-place write would be refused); it was left alone."""


def write_atomic(path: Path, data: bytes, expected: bytes) -> None:
    """Replace ``path``'s content with ``data`` if it still holds ``expected``, and only where
    writing the file in place would be allowed: the rename that makes the write atomic must not
    become a way around the file's own permissions, owner or links.

    - A read-only file is refused (``ReadOnlyError``): one with no write bit at all (checked
      on the mode bits, so that root, whom the system lets write anything, is refused too), or
      one the user may not write.
    - A file with several hard links, or owned by another user or a group the user is not in,
      is written in place (``_write_in_place``): a rename would split the links, or give the
      file to the user who ran the fix.
    - Otherwise a temporary file in the same directory is written, flushed and renamed over
      the original, so that readers never see half a file; the permission bits are kept. When
      the directory does not allow the temporary file, the file is written in place.
    """
    target = path.resolve()
    status = os.stat(target)
    _check_writable(target, status)
    if status.st_nlink > 1 or not _owned_by_user(status):
        _write_in_place(target, data, expected)
        return
    with open(target, "rb") as stream:
        if stream.read() != expected:
            raise FileChangedError("the file changed on disk while it was being fixed; not written")
    mode = stat.S_IMODE(status.st_mode)
    try:
        handle, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".perfcodemod-tmp"
        )
    except PermissionError:
        _write_in_place(target, data, expected)
        return
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        created = os.stat(temporary)
        if hasattr(os, "chown") and created.st_gid != status.st_gid:
            os.chown(temporary, -1, status.st_gid)  # a group of the user's (_owned_by_user)
        with open(target, "rb") as stream:
            if stream.read() != expected:
                raise FileChangedError(
                    "the file changed on disk while it was being fixed; not written"
                )
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


def _check_writable(target: Path, status: os.stat_result) -> None:
    mode = stat.S_IMODE(status.st_mode)
    if not mode & 0o222:
        raise ReadOnlyError(f"not written: the file is read-only (mode {mode:04o})")
    if not os.access(target, os.W_OK, effective_ids=os.access in os.supports_effective_ids):
        raise ReadOnlyError(
            f"not written: no permission to write the file (mode {mode:04o}, "
            f"{'owned by you' if _owned_by_user(status) else 'owned by another user'})"
        )


def _owned_by_user(status: os.stat_result) -> bool:
    """The file's user and group are the current user's own (always true where the system
    has no owners)."""
    if not hasattr(os, "geteuid"):
        return True
    groups = {os.getegid(), *os.getgroups()}
    return status.st_uid == os.geteuid() and status.st_gid in groups


def _write_in_place(target: Path, data: bytes, expected: bytes) -> None:
    """Overwrite the file through its own inode (owner, group, links, ACLs stay), as an editor
    writing in place does. Space for the new content is reserved before the first byte
    changes; if writing fails anyway, the original content is put back (it fits in the space
    it had)."""
    flags = os.O_RDWR | getattr(os, "O_BINARY", 0)
    descriptor = os.open(target, flags)
    try:
        chunks = []
        while True:
            chunk = os.read(descriptor, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        if b"".join(chunks) != expected:
            raise FileChangedError("the file changed on disk while it was being fixed; not written")
        if len(data) > len(expected) and hasattr(os, "posix_fallocate"):
            try:
                os.posix_fallocate(descriptor, 0, len(data))
            except OSError as exc:
                if exc.errno not in {errno.EINVAL, errno.EOPNOTSUPP, errno.ENOSYS}:
                    os.ftruncate(descriptor, len(expected))
                    raise  # no space: nothing was changed
        try:
            _overwrite(descriptor, data)
        except OSError:
            _overwrite(descriptor, expected)
            raise
    finally:
        os.close(descriptor)


def _overwrite(descriptor: int, data: bytes) -> None:
    os.lseek(descriptor, 0, os.SEEK_SET)
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]
    os.ftruncate(descriptor, len(data))
    os.fsync(descriptor)
