"""The result cache: a file checked before, unchanged, with the same settings and the same
tool, is not checked again (as ruff's cache).

Layout (``.perfcodemod_cache/`` in the project root unless ``--cache-dir``,
``PERFCODEMOD_CACHE_DIR`` or the configuration's ``cache-dir`` says otherwise)::

    .perfcodemod_cache/
        CACHEDIR.TAG                 backup and archiving tools skip the directory
        .gitignore                   "*": git never sees it
        <tool fingerprint>/<settings digest>.json

A shard holds, per file (absolute path), what the check found: the diagnostics as the front
ends show them (noqa comments and fix settings applied), the tool errors and the number of
suppressed diagnostics, with the file's modification time, size and a hash of its bytes.

- The **tool fingerprint** covers perfcodemod's version, the code of every module of the
  installed package (a rule changed in a development checkout is a new tool), LibCST and the
  Python version (whose ``ast`` the pre-checks read).
- The **settings digest** covers every resolved setting that can change a result: the rule
  selection (codes), per-file ignores, fix settings, the target version and every family's
  options. Files whose closest configuration differs land in different shards.
- A **file** matches when its size and modification time are those recorded; when the time
  differs, when the time was too recent to trust when recorded (a write in the same clock
  tick could follow), when the result has diagnostics to show (their text is needed), or when
  fixing, its bytes are read and their hash decides.

Nothing here can break a run or give a wrong result: a shard that cannot be read or parsed, or
an entry of the wrong shape, is a miss; a cache directory that cannot be written is left alone
(the run reports it in ``--statistics``); shards are written whole to a temporary file and
renamed, so a reader sees the old or the new shard, never half of one, and two runs writing at
once lose at most each other's new entries (each merges what is on disk before writing).
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import os
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from perfcodemod import __version__
from perfcodemod.atomicfile import replace_file
from perfcodemod.config import Settings
from perfcodemod.diagnostic import Applicability, Diagnostic, Edit, Fix

#: The directory name in a project root, and the environment variable that moves it.
DIRECTORY_NAME = ".perfcodemod_cache"
ENVIRONMENT_VARIABLE = "PERFCODEMOD_CACHE_DIR"
#: Bumped when the shard format changes.
FORMAT = 1
#: Modification times this close to the moment a file was read are not trusted later.
RACY_NANOSECONDS = 2_000_000_000
#: Entries not seen for this long are dropped when their shard is written.
EXPIRY_SECONDS = 30 * 24 * 3600

CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by perfcodemod.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)


@dataclass(frozen=True)
class CachedResult:
    """What checking one file found, as the front ends show it."""

    diagnostics: tuple[Diagnostic, ...]
    #: Tool errors' messages (their path is the file's).
    errors: tuple[str, ...] = ()
    suppressed: int = 0
    #: False when the file's bytes could not be decoded (its PCM001 says why).
    decoded: bool = True


@dataclass(frozen=True)
class FileStamp:
    """A file as it was read: size, modification time (ns) and a hash of its bytes."""

    size: int
    mtime_ns: int
    digest: str

    @classmethod
    def of(cls, raw: bytes, stat: os.stat_result) -> FileStamp:
        return cls(stat.st_size, stat.st_mtime_ns, digest(raw))


def digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


@dataclass(frozen=True)
class Lookup:
    """A lookup's answer: ``result`` on a hit; the bytes read to decide, if any (a miss
    passes them on so that the file is not read twice)."""

    result: CachedResult | None
    raw: bytes | None = None


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    #: Why some shard could not be read or written (the run goes on without it).
    problems: list[str] = field(default_factory=list)

    @property
    def files(self) -> int:
        return self.hits + self.misses


# -- keys --------------------------------------------------------------------------------------


@cache
def tool_fingerprint() -> str:
    """perfcodemod's version and code, LibCST's, and the Python that runs them."""
    parts = [__version__, sys.version, sys.implementation.cache_tag or ""]
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        try:
            stat = path.stat()
        except OSError:
            continue
        parts.append(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}")
    spec = importlib.util.find_spec("libcst")
    if spec is not None and spec.origin:
        try:
            parts.append(f"libcst:{os.stat(spec.origin).st_mtime_ns}:{spec.origin}")
        except OSError:
            parts.append(f"libcst:{spec.origin}")
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=8).hexdigest()


def _canonical(value: object) -> object:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


def settings_digest(settings: Settings) -> str:
    """A stable digest of everything in ``settings`` that can change a file's result."""
    fields = {
        f.name: _canonical(getattr(settings, f.name))
        for f in dataclasses.fields(settings)
        if f.name != "cache_dir"
    }
    fields["selected"] = list(settings.selected_codes())
    text = json.dumps(fields, sort_keys=True)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def cache_directory(settings: Settings, override: Path | None = None) -> Path:
    """Where the results of files with ``settings`` are cached: ``override`` (``--cache-dir``
    or ``PERFCODEMOD_CACHE_DIR``), the configuration's ``cache-dir``, or
    ``.perfcodemod_cache`` in the configuration's directory (the working directory without
    one)."""
    if override is not None:
        return Path(os.path.abspath(override))
    if settings.cache_dir is not None:
        return Path(os.path.abspath(settings.cache_dir))
    return Path(os.path.abspath(settings.root)) / DIRECTORY_NAME


def directory_override(cli_value: Path | None = None) -> Path | None:
    """``--cache-dir``, else ``PERFCODEMOD_CACHE_DIR`` (as ruff reads ``RUFF_CACHE_DIR``)."""
    if cli_value is not None:
        return cli_value
    value = os.environ.get(ENVIRONMENT_VARIABLE)
    return Path(value) if value else None


# -- (de)serialising a result, strictly -------------------------------------------------------


class _Malformed(ValueError):
    pass


def _int(value: object) -> int:
    if type(value) is not int:
        raise _Malformed(f"expected an integer, found {type(value).__name__}")
    return value


def _str(value: object) -> str:
    if type(value) is not str:
        raise _Malformed(f"expected a string, found {type(value).__name__}")
    return value


def _list(value: object) -> list[Any]:
    if type(value) is not list:
        raise _Malformed(f"expected a list, found {type(value).__name__}")
    return value


def _encode_diagnostic(d: Diagnostic) -> list[object]:
    fix = None
    if d.fix is not None:
        edits = [[e.start, e.end, e.content] for e in d.fix.edits]
        fix = [d.fix.applicability.value, d.fix.message, d.fix.reason, edits]
    return [d.code, d.message, d.start, d.end, d.row, d.col, d.end_row, d.end_col, fix,
            d.noqa_row, list(d.notes)]


def _decode_diagnostic(item: object) -> Diagnostic:
    (code, message, start, end, row, col, end_row, end_col, fix, noqa_row, notes) = _list(item)
    decoded_fix = None
    if fix is not None:
        applicability, fix_message, reason, edits = _list(fix)
        decoded_fix = Fix(
            Applicability(_str(applicability)),
            _str(fix_message),
            _str(reason),
            tuple(Edit(_int(a), _int(b), _str(c)) for a, b, c in map(_list, _list(edits))),
        )
    return Diagnostic(
        _str(code), _str(message), _int(start), _int(end), _int(row), _int(col), _int(end_row),
        _int(end_col), decoded_fix, _int(noqa_row), tuple(_str(n) for n in _list(notes)),
    )


def _encode(stamp: FileStamp, result: CachedResult, now: int) -> dict[str, object]:
    racy = time.time_ns() - stamp.mtime_ns < RACY_NANOSECONDS
    return {
        "size": stamp.size,
        "mtime": None if racy else stamp.mtime_ns,
        "hash": stamp.digest,
        "seen": now,
        "decoded": result.decoded,
        "suppressed": result.suppressed,
        "errors": list(result.errors),
        "diagnostics": [_encode_diagnostic(d) for d in result.diagnostics],
    }


def _decode(entry: dict[str, Any]) -> CachedResult:
    decoded = entry["decoded"]
    if type(decoded) is not bool:
        raise _Malformed("decoded")
    return CachedResult(
        tuple(_decode_diagnostic(d) for d in _list(entry["diagnostics"])),
        tuple(_str(e) for e in _list(entry["errors"])),
        _int(entry["suppressed"]),
        decoded,
    )


# -- one shard: the results of files with one settings digest ---------------------------------


class _Shard:
    def __init__(self, path: Path, stats: CacheStats) -> None:
        self.path = path
        self.entries: dict[str, dict[str, Any]] = _read_entries(path, stats)
        self.changed: dict[str, dict[str, Any]] = {}
        #: Files found in the shard by this run (their entries stay fresh).
        self.seen: set[str] = set()

    def save(self, stats: CacheStats) -> None:
        if not self.changed:
            return
        directory = self.path.parent
        try:
            _prepare(directory.parent)
            directory.mkdir(exist_ok=True)
            # Another run may have written the shard since it was read: keep its entries.
            entries = _read_entries(self.path, CacheStats())
            entries.update(self.changed)
            now = int(time.time())
            for key in self.seen & entries.keys():
                entries[key]["seen"] = now
            expired = now - EXPIRY_SECONDS
            kept = {
                path: entry for path, entry in entries.items()
                if type(entry.get("seen")) is int and entry["seen"] >= expired
            }
            payload = json.dumps({"format": FORMAT, "entries": kept}, separators=(",", ":"))
            replace_file(self.path, payload.encode())
        except OSError as exc:
            stats.problems.append(f"cannot write {self.path}: {exc.strerror or exc}")


def _read_entries(path: Path, stats: CacheStats) -> dict[str, dict[str, Any]]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        stats.problems.append(f"cannot read {path}: {exc.strerror or exc}")
        return {}
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):
        stats.problems.append(f"ignored {path}: not a valid cache file")
        return {}
    if not isinstance(document, dict):
        stats.problems.append(f"ignored {path}: not a valid cache file")
        return {}
    entries = document.get("entries")
    if document.get("format") != FORMAT or not isinstance(entries, dict):
        stats.problems.append(f"ignored {path}: not a valid cache file")
        return {}
    return {k: v for k, v in entries.items() if isinstance(v, dict)}


def _prepare(directory: Path) -> None:
    """Create the cache directory with its ``CACHEDIR.TAG`` and ``.gitignore``."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in ((".gitignore", "*\n"), ("CACHEDIR.TAG", CACHEDIR_TAG)):
        marker = directory / name
        if not marker.exists():
            replace_file(marker, text.encode())


# -- a run's caches -----------------------------------------------------------------------------


class ResultCache:
    """The cache as one run uses it: shards loaded on first use, written by ``save``."""

    def __init__(self, override: Path | None = None) -> None:
        self.override = override
        self.stats = CacheStats()
        self._shards: dict[tuple[Path, str], _Shard] = {}
        self._keys: dict[int, tuple[Settings, tuple[Path, str]]] = {}
        self._now = int(time.time())

    def _shard(self, settings: Settings) -> _Shard:
        known = self._keys.get(id(settings))
        if known is None or known[0] is not settings:
            key = (cache_directory(settings, self.override), settings_digest(settings))
            self._keys[id(settings)] = (settings, key)
        else:
            key = known[1]
        shard = self._shards.get(key)
        if shard is None:
            directory, settings_key = key
            path = directory / tool_fingerprint() / f"{settings_key}.json"
            shard = self._shards[key] = _Shard(path, self.stats)
        return shard

    def lookup(self, path: Path, settings: Settings, *, verify: bool = False) -> Lookup:
        """The cached result for ``path`` if it still holds. ``verify``: decide by the
        bytes' hash even when size and time match (a run that may write the file)."""
        key = os.path.abspath(path)
        shard = self._shard(settings)
        entry = shard.entries.get(key)
        if entry is None:
            return self._miss()
        try:
            stat = os.stat(path)
            if stat.st_size != entry["size"]:
                return self._miss()
            result = _decode(entry)
            trusted = entry["mtime"] is not None and entry["mtime"] == stat.st_mtime_ns
            raw = None
            if verify or not trusted or result.diagnostics or result.errors:
                with open(path, "rb") as handle:
                    raw = handle.read()
                if digest(raw) != entry["hash"]:
                    return self._miss(raw)
                if not trusted:
                    stamp = FileStamp(stat.st_size, stat.st_mtime_ns, entry["hash"])
                    self.store(path, settings, stamp, result)
        except (OSError, KeyError, TypeError, ValueError):
            shard.entries.pop(key, None)
            return self._miss()
        shard.seen.add(key)
        self.stats.hits += 1
        return Lookup(result, raw)

    def _miss(self, raw: bytes | None = None) -> Lookup:
        self.stats.misses += 1
        return Lookup(None, raw)

    def store(self, path: Path, settings: Settings, stamp: FileStamp, result: CachedResult) -> None:
        shard = self._shard(settings)
        key = os.path.abspath(path)
        entry = _encode(stamp, result, self._now)
        shard.entries[key] = shard.changed[key] = entry

    def save(self) -> None:
        for shard in self._shards.values():
            shard.save(self.stats)


def clean(directories: Iterable[Path]) -> list[Path]:
    """Remove the cache directories among ``directories`` (those holding perfcodemod's
    ``CACHEDIR.TAG``: a directory without it is never touched) and return them."""
    import shutil

    removed = []
    for directory in directories:
        tag = directory / "CACHEDIR.TAG"
        try:
            if tag.read_text(encoding="utf-8", errors="replace") != CACHEDIR_TAG:
                continue
        except OSError:
            continue
        shutil.rmtree(directory, ignore_errors=True)
        removed.append(directory)
    return removed


__all__ = [
    "CachedResult",
    "CacheStats",
    "FileStamp",
    "Lookup",
    "ResultCache",
    "cache_directory",
    "clean",
    "digest",
    "directory_override",
    "settings_digest",
    "tool_fingerprint",
]
