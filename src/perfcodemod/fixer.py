"""Applying fixes: non-overlapping edits, re-lint, repeat to a fixed point, verify, write.

Each round applies every applicable fix whose edits overlap no fix already taken (the others
wait for the next round, when they are recomputed on the new text). The result of a round must
compile (or at least parse, when the original did not compile); if it does not, the round is
redone one fix at a time and the fixes that break the code are dropped and reported as tool
errors. Writing is atomic, and only happens when the file on disk is still what was read.
"""

from __future__ import annotations

import ast
import os
import stat
import tempfile
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from perfcodemod.diagnostic import Applicability, Diagnostic, Edit
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


def _compiles(text: str, path: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _parses(text: str, path: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text, path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def syntax_check(text: str, path: str) -> Callable[[str, str], bool]:
    """What a fixed version of ``text`` must pass: compile, or only parse when ``text`` itself
    does not compile (a ``return`` outside a function...)."""
    return _compiles if _compiles(text, path) else _parses


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
) -> FixOutcome:
    """Apply fixes until none is left (at most ``max_rounds`` rounds)."""
    outcome = FixOutcome(source)
    verify = syntax_check(source.text, path)
    rejected: set[tuple[str, str]] = set()
    for _ in range(max_rounds):
        diagnostics = [
            d for d in lint(outcome.source)
            if is_applicable(d, unsafe) and _identity(d, outcome.source.text) not in rejected
        ]
        if not diagnostics:
            return outcome
        chosen = choose(diagnostics)
        text = outcome.source.text
        new_text = apply_edits(text, edits_of(chosen))
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


def _owner(path: str) -> tuple[int, int]:
    status = os.stat(path)
    return status.st_uid, status.st_gid


class FileChangedError(Exception):
    """The file on disk is no longer what was read; it was left alone."""


def write_atomic(path: Path, data: bytes, expected: bytes) -> None:
    """Replace ``path``'s content with ``data`` if it still holds ``expected``.

    A temporary file in the same directory is written, flushed and renamed over the original,
    so that readers never see half a file; the original's permission bits are kept.
    """
    target = path.resolve()
    with open(target, "rb") as stream:
        if stream.read() != expected:
            raise FileChangedError("the file changed on disk while it was being fixed; not written")
    status = os.stat(target)
    mode = stat.S_IMODE(status.st_mode)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".perfcodemod-tmp"
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        if hasattr(os, "chown") and (status.st_uid, status.st_gid) != _owner(temporary):
            try:
                os.chown(temporary, status.st_uid, status.st_gid)
            except OSError:
                pass  # not allowed to give it away: the file becomes ours, as an editor's would
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
