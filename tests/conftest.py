"""Shared helpers: run the real command line, build settings for one rule."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"

#: For tests whose code uses syntax that the running Python's ``ast`` cannot parse.
needs_310 = pytest.mark.skipif(
    sys.version_info < (3, 10), reason="match statements need Python 3.10"
)

# Rules raise instead of turning bugs into tool errors while the tests run.
os.environ.setdefault("PERFCODEMOD_DEBUG", "1")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--stdlib-full",
        action="store_true",
        help="run the standard-library tests over every file, not a sample",
    )
    parser.addoption(
        "--fuzz-examples",
        type=int,
        default=None,
        metavar="N",
        help="run the hypothesmith property tests (valid programs through check and fix) over "
        "N examples each, with a fresh seed (--hypothesis-seed repeats one), instead of a few "
        "dozen fixed ones; also PERFCODEMOD_FUZZ_EXAMPLES=N",
    )
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite fixtures/**/PCMxxx.fixed.py from the current fixes",
    )


def pytest_configure(config: pytest.Config) -> None:
    examples = config.getoption("--fuzz-examples")
    if examples is not None:
        # Read when test_roundtrip.py is imported (hypothesis settings are decorators).
        os.environ["PERFCODEMOD_FUZZ_EXAMPLES"] = str(examples)


def run_cli(
    *args: str | os.PathLike[str],
    cwd: Path | None = None,
    stdin: str | bytes | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``perfcodemod ARGS`` in a subprocess, as a user runs it."""
    data = stdin.decode() if isinstance(stdin, bytes) else stdin
    full_env = {**os.environ, **(env or {})}
    full_env.pop("PERFCODEMOD_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "perfcodemod", *map(str, args)],
        cwd=cwd,
        input=data,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=600,
    )


def run_python(path: Path, cwd: Path | None = None) -> tuple[int, str, str]:
    result = subprocess.run(
        [sys.executable, str(path)], cwd=cwd or path.parent, capture_output=True, text=True,
        timeout=120,
    )
    return result.returncode, result.stdout, result.stderr


T = TypeVar("T")


def concurrently(*calls: Callable[[], T]) -> list[T]:
    """Run independent command lines at the same time (each costs mostly interpreter and
    import time), returning their results in order."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        # A list, not a generator: every call must start before the first result is awaited.
        futures = [pool.submit(call) for call in calls]  # noqa: PCM103
        return [future.result() for future in futures]


@pytest.fixture
def cli():
    return run_cli


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_bytes(text.encode())
    return path


def lines_of(output: str) -> Sequence[str]:
    return [line for line in output.splitlines() if line.strip()]
