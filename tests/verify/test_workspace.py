"""Writing versions of a file and putting it back: bytes and times restored, a file changed by
someone else left alone, and Python's bytecode cache never serving a stale version."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from perfcodemod.verify.workspace import Workspace


def tracked(tmp_path: Path, name: str, data: bytes) -> tuple[Workspace, Path]:
    path = tmp_path / name
    path.write_bytes(data)
    os.utime(path, ns=(1_600_000_000_123_456_789, 1_600_000_000_987_654_321))
    workspace = Workspace()
    workspace.track(path, name, path.read_bytes())
    return workspace, path


def test_restore_puts_back_bytes_and_times(tmp_path: Path) -> None:
    original = b"\xef\xbb\xbfx = [1, 2]\r\nprint(x)\r\n"
    workspace, path = tracked(tmp_path, "m.py", original)
    path.chmod(0o640)
    assert workspace.write(path, b"x = {1, 2}\r\n")
    assert workspace.write(path, b"x = (1, 2)\r\n")
    assert path.read_bytes() == b"x = (1, 2)\r\n"
    assert [t.path for t in workspace.changed] == [path]
    assert workspace.restore() == []
    assert path.read_bytes() == original
    status = path.stat()
    assert status.st_mtime_ns == 1_600_000_000_987_654_321
    assert status.st_mode & 0o777 == 0o640
    assert not workspace.changed


def test_writing_the_original_back_restores_its_times(tmp_path: Path) -> None:
    workspace, path = tracked(tmp_path, "m.py", b"x = 1\n")
    workspace.write(path, b"x = 2\n")
    assert path.stat().st_mtime_ns != 1_600_000_000_987_654_321
    workspace.write(path, b"x = 1\n")
    assert path.stat().st_mtime_ns == 1_600_000_000_987_654_321


def test_a_file_changed_by_someone_else_is_left_alone(tmp_path: Path) -> None:
    workspace, path = tracked(tmp_path, "m.py", b"x = 1\n")
    assert workspace.write(path, b"x = 2\n")
    path.write_bytes(b"x = 3  # edited by hand\n")
    [found] = workspace.check_unchanged()
    assert found.path == path and found.foreign
    assert not workspace.write(path, b"x = 4\n")
    assert [t.path for t in workspace.restore()] == [path]
    assert path.read_bytes() == b"x = 3  # edited by hand\n"


def test_a_write_notices_a_change_it_was_not_told_about(tmp_path: Path) -> None:
    workspace, path = tracked(tmp_path, "m.py", b"x = 1\n")
    path.write_bytes(b"x = 5\n")
    assert not workspace.write(path, b"x = 2\n")
    assert path.read_bytes() == b"x = 5\n"
    assert [t.display for t in workspace.foreign] == ["m.py"]


def test_the_bytecode_cache_never_serves_an_older_version(tmp_path: Path) -> None:
    # Versions of one size, written within one second: Python's .pyc check (size and
    # whole-second modification time) would take each for the one before.
    workspace, path = tracked(tmp_path, "version.py", b"VALUE = 'a'\n")
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    def imported() -> str:
        result = subprocess.run(
            [sys.executable, "-c", "import version; print(version.VALUE)"],
            cwd=tmp_path, capture_output=True, text=True, check=True, env=environment,
        )
        return result.stdout.strip()

    seen = [imported()]
    for value in "bcab":
        workspace.write(path, f"VALUE = {value!r}\n".encode())
        seen.append(imported())
    assert seen == list("abcab")
    assert list((tmp_path / "__pycache__").glob("version.*.pyc"))
    workspace.restore()
    assert imported() == "a"
