"""Small real projects for the verification tests, and reading their state back."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ..conftest import FIXTURES, run_cli

PYTHON = shlex.quote(sys.executable)
SHOP = FIXTURES / "verify" / "shop"


def python(code: str) -> str:
    """A shell command running ``code`` with this interpreter."""
    return f"{PYTHON} -c {shlex.quote(code)}"


def script(path: Path, *args: str) -> str:
    return " ".join([PYTHON, shlex.quote(str(path)), *map(shlex.quote, args)])


def project(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[tool.perfcodemod]\n")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def copy_shop(tmp_path: Path) -> Path:
    target = tmp_path / "shop-project"
    shutil.copytree(SHOP, target, ignore=shutil.ignore_patterns("__pycache__", ".*"))
    return target


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and modification time (ns), by path relative to ``root``."""
    return {
        path.relative_to(root).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def verify(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("check", "--fix", "--unsafe-fixes", *args, cwd=root)


def verify_json(root: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], Any]:
    result = verify(root, "--output-format", "json", *args)
    try:
        data = json.loads(result.stdout)
    except ValueError:
        raise AssertionError(f"not JSON: {result.stdout!r}\n{result.stderr}") from None
    return result, data


def codes_at(entries: list[dict[str, Any]], root: Path) -> set[tuple[str, str, int]]:
    return {
        (Path(e["filename"]).relative_to(root.resolve()).as_posix(), e["code"],
         e["location"]["row"])
        for e in entries
    }


def is_gone(pid: int) -> bool:
    """Not running: no such process, or a zombie that nobody will reap."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" in status


def wait_until_gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if is_gone(pid):
            return True
        time.sleep(0.05)
    return False


#: A command for the tests: counts its runs in ``runs``; ``--hang-from N`` makes run N and
#: later ones write ``pid``, touch ``started`` and sleep; ``--fail-from N`` makes them fail;
#: ``--edit-on N FILE`` appends a comment to FILE on run N; ``--expect FILE TEXT`` fails when
#: FILE holds TEXT (a test that a fix breaks).
GATE = '''\
import os, sys, time
from pathlib import Path

here = Path.cwd()
counter = here / "runs"
run = int(counter.read_text()) + 1 if counter.exists() else 1
counter.write_text(str(run))
args = sys.argv[1:]
while args:
    option = args.pop(0)
    if option == "--hang-from" and run >= int(args.pop(0)):
        (here / "pid").write_text(str(os.getpid()))
        (here / "started").write_text(str(run))
        time.sleep(120)
    elif option == "--fail-from" and run >= int(args.pop(0)):
        print(f"run {run}: failing on purpose")
        sys.exit(1)
    elif option == "--edit-on":
        number, name = int(args.pop(0)), args.pop(0)
        if run == number:
            with open(name, "a") as stream:
                stream.write("# edited by someone else\\n")
    elif option == "--expect":
        name, text = args.pop(0), args.pop(0)
        if text in Path(name).read_text():
            print(f"FAILED: {name} holds {text!r}")
            sys.exit(1)
print(f"run {run}: passed")
'''


def gate(root: Path, *args: str) -> str:
    path = root / "gate.py"
    path.write_text(GATE)
    return script(path, *args)


def runs(root: Path) -> int:
    counter = root / "runs"
    return int(counter.read_text()) if counter.exists() else 0
