"""``--fix`` and what the file system says about a file: permissions, owners, hard links.

The rename that makes a write atomic must not become a way around what writing the file in
place would refuse: a read-only file is refused (even for root, who may write anything: the
mode bits are checked), a file with several hard links or another owner is written in place
(the links stay shared, the owner stays), and a file that was not written is not counted as
fixed. Tests that need an ordinary user's view of permissions run the command line without
root's file capabilities (``setpriv``), since the tests themselves may run as root.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from perfcodemod.fixer import FileChangedError, write_atomic

from .conftest import run_cli, write

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions and links")

CODE = 'def f(x: str):\n    return x in ["a", "b"]\n'
FIXED = 'def f(x: str):\n    return x in {"a", "b"}\n'
OTHER_UID = OTHER_GID = 4321
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def run_unprivileged(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command line with an ordinary user's power over files: as root, without the
    capabilities that let root ignore permissions and owners."""
    if not IS_ROOT:
        return run_cli(*args, cwd=cwd)
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("needs setpriv to drop root's file capabilities")
    env = {key: value for key, value in os.environ.items() if key != "PERFCODEMOD_DEBUG"}
    return subprocess.run(
        [setpriv, "--inh-caps=-all",
         "--bounding-set=-dac_override,-dac_read_search,-fowner,-chown",
         "--", sys.executable, "-m", "perfcodemod", *args],
        cwd=cwd, capture_output=True, text=True, env=env, timeout=600,
    )


needs_root = pytest.mark.skipif(not IS_ROOT, reason="giving a file to another user needs root")


def test_read_only_file_is_refused_and_not_counted_as_fixed(tmp_path: Path) -> None:
    path = write(tmp_path / "ro.py", CODE)
    path.chmod(0o444)
    before = path.stat()
    result = run_cli("--fix", "ro.py", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "error: ro.py: not written: the file is read-only (mode 0444)\n"
    # What remains is what the file still holds: its diagnostic, not "1 fixed".
    assert result.stdout.splitlines() == [
        "ro.py:2:17: PCM201 [*] Membership test against a list of constants; use a set literal",
        "Found 1 diagnostic.",
    ]
    after = path.stat()
    assert path.read_text() == CODE
    assert (after.st_ino, stat.S_IMODE(after.st_mode)) == (before.st_ino, 0o444)
    # --add-noqa refuses it the same way.
    noqa = run_cli("--add-noqa", "ro.py", cwd=tmp_path)
    assert noqa.returncode == 2 and "Added 0 noqa directives." in noqa.stderr
    assert path.read_text() == CODE


def test_read_only_file_among_others(tmp_path: Path) -> None:
    write(tmp_path / "ok.py", CODE)
    write(tmp_path / "ro.py", CODE).chmod(0o555)
    result = run_cli("--fix", "--show-fixes", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert (tmp_path / "ok.py").read_text() == FIXED
    assert (tmp_path / "ro.py").read_text() == CODE
    assert "Fixed 1 diagnostic:\nok.py:\n" in result.stdout
    assert "Found 2 diagnostics (1 fixed, 1 remaining)." in result.stdout


def test_hard_links_stay_shared(tmp_path: Path) -> None:
    path = write(tmp_path / "a.py", CODE)
    path.chmod(0o640)
    link = tmp_path / "elsewhere.py"
    os.link(path, link)
    result = run_cli("--fix", "a.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert path.read_text() == link.read_text() == FIXED
    status = path.stat()
    assert status.st_ino == link.stat().st_ino and status.st_nlink == 2
    assert stat.S_IMODE(status.st_mode) == 0o640


def test_a_file_written_in_place_can_also_shrink(tmp_path: Path) -> None:
    code = "VALUES = set([1, 2, 3])\n" + "# tail\n" * 50
    path = write(tmp_path / "a.py", code)
    os.link(path, tmp_path / "b.py")
    assert run_cli("--fix", "a.py", cwd=tmp_path).returncode == 0
    assert path.read_text() == (tmp_path / "b.py").read_text() == code.replace(
        "set([1, 2, 3])", "{1, 2, 3}")


@needs_root
def test_another_users_file_is_written_in_place_as_root(tmp_path: Path) -> None:
    path = write(tmp_path / "theirs.py", CODE)
    os.chown(path, OTHER_UID, OTHER_GID)
    inode = path.stat().st_ino
    assert run_cli("--fix", "theirs.py", cwd=tmp_path).returncode == 0
    status = path.stat()
    assert path.read_text() == FIXED
    assert (status.st_uid, status.st_gid, status.st_ino) == (OTHER_UID, OTHER_GID, inode)


@needs_root
def test_another_users_writable_file_keeps_its_owner(tmp_path: Path) -> None:
    """A user allowed to write someone else's file (group or world writable) writes it; a
    rename would have made the file theirs."""
    path = write(tmp_path / "shared.py", CODE)
    os.chown(path, OTHER_UID, OTHER_GID)
    path.chmod(0o666)
    result = run_unprivileged("--fix", "shared.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    status = path.stat()
    assert path.read_text() == FIXED
    assert (status.st_uid, status.st_gid, stat.S_IMODE(status.st_mode)) == (
        OTHER_UID, OTHER_GID, 0o666)


@needs_root
def test_a_file_the_user_may_not_write_is_refused(tmp_path: Path) -> None:
    """The directory is writable, so a rename would succeed; the file itself is not."""
    path = write(tmp_path / "theirs.py", CODE)
    os.chown(path, OTHER_UID, OTHER_GID)
    tmp_path.chmod(0o777)
    result = run_unprivileged("--fix", "theirs.py", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "error: theirs.py: not written: no permission to write the file (mode 0644, owned by "
        "another user)\n"
    )
    assert "fixed" not in result.stdout
    assert path.read_text() == CODE and path.stat().st_uid == OTHER_UID


def test_a_read_only_directory_does_not_stop_a_writable_file(tmp_path: Path) -> None:
    """No temporary file can be created beside it, but the file itself may be written: it is
    written in place, as other tools would."""
    directory = tmp_path / "locked"
    path = write(directory / "a.py", CODE)
    directory.chmod(0o555)
    try:
        result = run_unprivileged("--fix", "locked/a.py", cwd=tmp_path)
    finally:
        directory.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert path.read_text() == FIXED
    assert "Found 1 diagnostic (1 fixed, 0 remaining)." in result.stdout


def test_in_place_write_checks_the_file_is_unchanged(tmp_path: Path) -> None:
    path = write(tmp_path / "a.py", CODE)
    os.link(path, tmp_path / "b.py")
    with pytest.raises(FileChangedError):
        write_atomic(path, FIXED.encode(), b"something else")
    assert path.read_text() == CODE
    write_atomic(path, FIXED.encode(), CODE.encode())
    assert (tmp_path / "b.py").read_text() == FIXED
