"""The record of rejected fixes, which the next run reads so as not to try them again.

A JSON file (``.perfcodemod-verify.json`` in the directory the command runs in, by default),
meant to be committed beside the code, so that a team shares what its tests rejected::

    {"version": 1, "rejected": [{"key": "...", "path": "shop/tags.py", "code": "PCM201",
      "row": 7, "message": "...", "reason": "the command failed", "command": "pytest -x",
      "output": "last lines of its output"}]}

Entries are found by ``key`` (:func:`perfcodemod.verify.units.fix_key`: the rule, the file
and a hash of the code around the fix), so an edit elsewhere in the file does not make a fix
new again, while an edit of the code around it does. The rest is for the people reading it.
When a run over a file ends, the file's entries that matched nothing are dropped (the code
they describe is gone); entries of files not checked in the run are kept.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from perfcodemod.atomicfile import replace_file

VERSION = 1
DEFAULT_PATH = Path(".perfcodemod-verify.json")


class RecordError(Exception):
    """The record file cannot be read or written."""


@dataclass(frozen=True)
class Rejection:
    key: str
    path: str
    code: str
    row: int
    message: str
    reason: str
    command: str
    #: The last lines of the command's output that rejected it.
    output: str


class RejectionRecord:
    def __init__(self, path: Path | None, entries: Iterable[Rejection] = ()) -> None:
        self.path = path
        self.entries: dict[str, Rejection] = {entry.key: entry for entry in entries}
        #: Keys looked up and found during this run.
        self.matched: set[str] = set()

    @classmethod
    def load(cls, path: Path | None) -> RejectionRecord:
        """The record at ``path`` (empty when there is none, or ``path`` is None)."""
        if path is None:
            return cls(None)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        except OSError as exc:
            raise RecordError(f"cannot read {path}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise RecordError(f"{path} is not a valid record of rejected fixes: {exc}") from None
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise RecordError(
                f"{path} is not a version {VERSION} record of rejected fixes (delete it to "
                "start a new one)"
            )
        try:
            entries = [Rejection(**_fields(item)) for item in data.get("rejected", [])]
        except (TypeError, ValueError) as exc:
            raise RecordError(f"{path}: malformed entry: {exc}") from None
        return cls(path, entries)

    def find(self, keys: Iterable[str]) -> Rejection | None:
        for key in keys:
            entry = self.entries.get(key)
            if entry is not None:
                self.matched.add(key)
                return entry
        return None

    def add(self, rejection: Rejection) -> None:
        self.entries[rejection.key] = rejection
        self.matched.add(rejection.key)

    def save(self, checked_paths: Iterable[str]) -> None:
        """Write the record: entries of the checked files that this run matched or added,
        and every entry of the other files. Nothing is written when there is nothing to
        record and no file to update."""
        if self.path is None:
            return
        checked = set(checked_paths)
        kept = [
            entry for key, entry in self.entries.items()
            if entry.path not in checked or key in self.matched
        ]
        if not kept and not self.path.exists():
            return
        kept.sort(key=lambda entry: (entry.path, entry.row, entry.code, entry.key))
        payload = {"version": VERSION, "rejected": [asdict(entry) for entry in kept]}
        text = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
        try:
            # A file to commit: the existing one's permissions, or a new file's default.
            replace_file(self.path, text.encode("utf-8"), _existing_mode(self.path))
        except OSError as exc:
            raise RecordError(f"cannot write {self.path}: {exc.strerror or exc}") from None


def _existing_mode(path: Path) -> int | None:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return None


def _fields(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise TypeError("an entry is not an object")
    names = set(Rejection.__dataclass_fields__)
    values = {name: item.get(name) for name in names}
    if not isinstance(values["key"], str) or not isinstance(values["path"], str):
        raise ValueError("`key` and `path` must be strings")
    for name in ("code", "message", "reason", "command", "output"):
        values[name] = str(values[name] or "")
    values["row"] = int(values["row"] or 0)
    return values
