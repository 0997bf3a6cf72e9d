"""Worker processes: ``-j N`` says byte for byte what ``-j 1`` says, and a worker that dies
costs one file, not the run."""

from __future__ import annotations

import os
import shutil
import signal
import sysconfig
from pathlib import Path

import pytest

from perfcodemod import api, engine, workers
from perfcodemod.config import ConfigResolver, Overrides

from .conftest import run_cli, write

STDLIB = Path(sysconfig.get_paths()["stdlib"])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Forty standard-library files (every 45th)."""
    root = tmp_path_factory.mktemp("corpus")
    files = sorted(p for p in STDLIB.rglob("*.py") if "site-packages" not in p.parts)[::45]
    for path in files:
        target = root / "lib" / path.relative_to(STDLIB)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return root


def check(root: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli(
        "check", "--isolated", "--no-respect-gitignore", "--no-cache", "--select", "ALL", *args,
        "lib", cwd=root,
    )
    return result.returncode, result.stdout, result.stderr


@pytest.mark.parametrize("output", ["text", "json", "statistics"])
def test_workers_say_what_one_process_says(corpus: Path, output: str) -> None:
    args = ["--statistics"] if output == "statistics" else ["--output-format", output]
    one = check(corpus, "-j", "1", *args)
    assert one[0] == 1 and one[1]
    assert check(corpus, "-j", "3", *args) == one


def test_workers_fix_as_one_process_fixes(corpus: Path, tmp_path: Path) -> None:
    copies = [tmp_path / "one", tmp_path / "three"]
    for copy in copies:
        shutil.copytree(corpus, copy)
    one = check(copies[0], "-j", "1", "--fix", "--unsafe-fixes", "--show-fixes")
    three = check(copies[1], "-j", "3", "--fix", "--unsafe-fixes", "--show-fixes")
    assert three == one
    assert "Fixed" in one[1]
    files = sorted(p.relative_to(copies[0]) for p in copies[0].rglob("*.py"))
    assert [(copies[0] / f).read_bytes() for f in files] == [
        (copies[1] / f).read_bytes() for f in files
    ]


_CRASH_ON = """
import os, signal
import perfcodemod.engine as engine

_check_source = engine.check_source

def check_source(source, options, path="<stdin>", tree=None, flags=0):
    if path.endswith("crash_here.py"):
        os.kill(os.getpid(), signal.SIGSEGV)  # what a crash in a C extension does
    return _check_source(source, options, path, tree, flags)

engine.check_source = check_source
"""


def test_a_worker_that_dies_costs_one_file(tmp_path: Path) -> None:
    """A real process death: this test's sitecustomize makes the check of one file crash the
    process that runs it, as a segmentation fault in a C extension would."""
    hooks = write(tmp_path / "hooks" / "sitecustomize.py", _CRASH_ON).parent
    for index in range(12):
        write(tmp_path / "lib" / f"m{index:02}.py", f"def f(x):\n    return x in [{index}, 99]\n")
    write(tmp_path / "lib" / "crash_here.py", "def f(x):\n    return x in [1, 2]\n")
    env = {"PYTHONPATH": str(hooks)}
    result = run_cli("check", "--isolated", "--no-cache", "-j", "2", "lib", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stdout.count("PCM201") == 12
    assert "crash_here.py" not in result.stdout
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert error == (
        "error: lib/crash_here.py: internal error: the worker process checking this file was "
        "killed by SIGSEGV"
    )
    assert "Traceback" not in result.stderr


# -- the pool itself ------------------------------------------------------------------------


def _square_or_fail(value: int) -> int:
    if value == 3:
        raise ValueError("three")
    if value == 5:
        os.kill(os.getpid(), signal.SIGKILL)
    if value == 7:
        os._exit(4)
    return value * value


def test_the_pool_reports_every_task() -> None:
    results = {done.index: done.result for done in workers.run(_square_or_fail, range(12), 3)}
    assert sorted(results) == list(range(12))
    assert {i: r for i, r in results.items() if isinstance(r, int)} == {
        i: i * i for i in range(12) if i not in (3, 5, 7)
    }
    raised, killed, exited = results[3], results[5], results[7]
    assert isinstance(raised, workers.TaskFailed) and not raised.crashed
    assert raised.message == "ValueError('three')" and "_square_or_fail" in raised.details
    assert isinstance(killed, workers.TaskFailed) and killed.crashed
    assert killed.message.endswith("killed by SIGKILL")
    assert isinstance(exited, workers.TaskFailed) and exited.message.endswith("(status 4)")


def test_progress_is_reported_for_every_file(corpus: Path) -> None:
    calls: list[tuple[int, int]] = []
    resolver = ConfigResolver(Overrides(select=("PCM2",)), isolated=True, cwd=corpus)
    run = api.check_paths(
        [corpus / "lib"], resolver, jobs=2, cache=False,
        progress=lambda done, total: calls.append((done, total)),
    )
    total = len(run.files)
    assert calls == [(done, total) for done in range(1, total + 1)]


def test_a_rule_bug_in_a_worker(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under PERFCODEMOD_DEBUG (the tests' setting) the worker's traceback is raised; without
    it, the file gets a tool error and the run goes on."""
    real = engine.check_source
    victim = str(sorted((corpus / "lib").rglob("*.py"))[3])

    def broken(source, options, path="<stdin>", tree=None, flags=0):  # type: ignore[no-untyped-def]
        if path == victim:
            raise KeyError("bug")
        return real(source, options, path, tree, flags)

    monkeypatch.setattr(engine, "check_source", broken)
    resolver = ConfigResolver(isolated=True, cwd=corpus)
    with pytest.raises(RuntimeError, match="KeyError"):
        api.check_paths([corpus / "lib"], resolver, jobs=2, cache=False)
    monkeypatch.setattr(engine, "DEBUG", False)
    run = api.check_paths([corpus / "lib"], resolver, jobs=2, cache=False)
    errors = [(e.path, e.message) for e in run.errors]
    assert errors == [(victim, "internal error: KeyError('bug')")]
    assert victim not in [r.path for r in run.files]
