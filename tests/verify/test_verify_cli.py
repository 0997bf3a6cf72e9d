"""``perfcodemod check --fix --unsafe-fixes --verify CMD`` end to end, as a user runs it: real
projects with real tests, real commands, real signals; the files checked byte for byte."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..conftest import concurrently, run_cli
from .helpers import (
    codes_at,
    copy_shop,
    gate,
    project,
    python,
    runs,
    snapshot,
    verify,
    verify_json,
    wait_until_gone,
)

M = '''\
def is_featured(tag):
    return tag in ["new", "sale", "hot"]


def label(status):
    if status in ("active", "pending"):
        return status.title()
    return "Closed"
'''
N = '''\
def kind(value):
    return value in ("a", "b")
'''
M_SECOND_FIXED = M.replace('("active", "pending")', '{"active", "pending"}')
N_FIXED = N.replace('("a", "b")', '{"a", "b"}')


def tiny(tmp_path: Path) -> Path:
    return project(tmp_path / "tiny", {"m.py": M, "n.py": N})


def sources(root: Path) -> dict[str, bytes]:
    return {name: (root / name).read_bytes() for name in ("m.py", "n.py")}


# -- the shop: a small project whose tests some unsafe fixes break ----------------------------

SHOP_KEPT = {
    ("shop/prices.py", "PCM401", 4),
    ("shop/queue.py", "PCM103", 15),
    ("shop/stock.py", "PCM204", 9),
    ("shop/stock.py", "PCM204", 9),
    ("shop/stock.py", "PCM303", 26),
    ("shop/tags.py", "PCM201", 11),
}
SHOP_REJECTED = {
    ("shop/prices.py", "PCM401", 14),
    ("shop/queue.py", "PCM103", 7),
    ("shop/stock.py", "PCM204", 22),
    ("shop/tags.py", "PCM201", 6),
}


def test_shop_keeps_what_its_tests_accept(tmp_path: Path) -> None:
    root = copy_shop(tmp_path)
    before = snapshot(root)
    command = f"{sys.executable} run_tests.py"
    result, data = verify_json(root, "--verify", command, "shop")
    assert result.returncode == 1, result.stderr  # the rejected findings remain
    report = data["verification"]
    assert report["status"] == "completed" and not report["restored"]
    assert report["baseline"]["passed"] and report["final"]["passed"]
    kept = codes_at(report["kept"], root)
    # Round 2 finds one more: once `names` only feeds the new set, it can be a generator.
    assert kept == SHOP_KEPT | {("shop/stock.py", "PCM103", 7)}
    assert codes_at(report["rejected"], root) == SHOP_REJECTED
    reasons = {e["code"]: e["output_tail"] for e in report["rejected"]}
    assert "TypeError: unhashable type: 'list'" in reasons["PCM201"]
    assert "TypeError: unhashable type: 'list'" in reasons["PCM204"]
    assert "assert jobs == []" in reasons["PCM103"]
    assert "isinstance(compound(1.0, 3), float)" in reasons["PCM401"]
    # What remains is exactly what was rejected.
    assert codes_at(data["diagnostics"], root) == SHOP_REJECTED

    after = snapshot(root)
    unchanged = {"shop/__init__.py", "shop/money.py", "run_tests.py", "pyproject.toml",
                 *(name for name in before if name.startswith("tests/"))}
    for name in unchanged:
        assert after[name] == before[name], name
    text = {name: data[0].decode() for name, data in after.items()}
    tags = text["shop/tags.py"]
    assert 'tag in ["new", "sale", "hot"]' in tags
    assert 'status in {"active", "pending", "reviewing"}' in tags
    stock = text["shop/stock.py"]
    assert "names = (item.lower() for item in catalogue)" in stock
    assert "names_set = set(names)" in stock
    assert "if name in names_set and name.upper() not in names_set:" in stock
    assert "if order not in stocked:" in stock and "stocked_set" not in stock
    assert stock.count("import collections\n") == 1
    assert "sales_counts = collections.Counter(sales)" in stock
    queue = text["shop/queue.py"]
    assert "sizes = [len(jobs.pop()) for _ in range(len(jobs))]" in queue
    assert "sizes = (len(job.strip()) for job in jobs)" in queue
    prices = text["shop/prices.py"]
    # The rejected cache's twin keeps the import they both asked for.
    assert prices.count("import functools\n") == 1
    assert "@functools.cache\ndef grid_paths(" in prices
    assert prices.count("@functools.cache") == 1
    # The final tree passes its own tests, and with pytest too.
    assert subprocess.run([sys.executable, "run_tests.py"], cwd=root).returncode == 0

    # The record: the next run tries none of the rejected fixes again.
    record_file = root / ".perfcodemod-verify.json"
    umask = os.umask(0)
    os.umask(umask)
    assert record_file.stat().st_mode & 0o777 == 0o666 & ~umask  # a file to commit
    record = json.loads(record_file.read_text())
    assert {(e["path"], e["code"]) for e in record["rejected"]} == {
        (path, code) for path, code, _ in SHOP_REJECTED
    }
    again = verify(root, "--verify", command, "shop")
    assert again.returncode == 1
    assert "Not tried: 4 fixes that an earlier run rejected" in again.stdout
    assert "Kept" not in again.stdout and "Rejected" not in again.stdout
    assert "No file changed: nothing was left to try, so the command did not run." in again.stdout
    assert snapshot(root) == {**after, ".perfcodemod-verify.json":
                              snapshot(root)[".perfcodemod-verify.json"]}


def test_pytest_as_the_command(tmp_path: Path) -> None:
    root = copy_shop(tmp_path)
    # Without the plugins of this environment (hypothesis...), pytest starts ten times faster.
    command = (f"PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 {sys.executable} -m pytest -q -x "
               "-p no:cacheprovider tests/test_tags.py")
    result = verify(root, "--verify", command, "shop/tags.py")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "Kept 1 fix:\n  shop/tags.py:11:18: PCM201" in out
    assert "Rejected 1 fix:\n  shop/tags.py:6:19: PCM201" in out
    assert "TypeError: unhashable type: 'list'" in out
    assert "The final code passed" in out


def test_fixes_that_fail_only_together(tmp_path: Path) -> None:
    root = tiny(tmp_path)
    both = python("import sys; t = open('m.py').read(); "
                  "sys.exit('{\"new\"' in t and '{\"active\"' in t)")
    result, data = verify_json(root, "--verify", both, "m.py")
    report = data["verification"]
    # Each passes alone: the first is kept, the second (tested on top of it) rejected.
    assert codes_at(report["kept"], root) == {("m.py", "PCM201", 2)}, result.stderr
    assert codes_at(report["rejected"], root) == {("m.py", "PCM201", 6)}
    # The baseline, both (fail), the first (passes: so the second is what fails), the final.
    assert report["runs"] == 4
    assert (root / "m.py").read_text() == M.replace('["new", "sale", "hot"]',
                                                    '{"new", "sale", "hot"}')


# -- stopping: a failing baseline, signals, a hanging command, a flaky one --------------------


def test_a_failing_baseline_changes_nothing(tmp_path: Path) -> None:
    root = tiny(tmp_path)
    before = snapshot(root)
    failing = python("import sys; print('3 tests failed'); sys.exit(1)")
    result = verify(root, "--verify", failing, "m.py", "n.py")
    assert result.returncode == 2
    assert "the command failed (exit status 1)" in result.stderr
    assert "on the original code; nothing was changed" in result.stderr
    assert "3 tests failed" in result.stderr
    assert snapshot(root) == before


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_mid_run_restores_every_file(tmp_path: Path, signum: int) -> None:
    root = tiny(tmp_path)
    before = snapshot(root)
    command = gate(root, "--hang-from", "2")
    # Its own process group, as a shell gives a foreground job: Ctrl-C at a terminal sends
    # SIGINT to the whole group, a `kill` sends SIGTERM to the process alone.
    process = subprocess.Popen(
        [sys.executable, "-m", "perfcodemod", "check", "--fix", "--unsafe-fixes",
         "--verify", command, "m.py", "n.py"],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while not (root / "started").exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the command never started its second run"
        time.sleep(0.05)
    # Mid-run: the fixes are on disk while the command runs.
    assert (root / "m.py").read_bytes() != before["m.py"][0]
    if signum == signal.SIGINT:
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signum, err
    assert f"interrupted by {signal.Signals(signum).name}" in err
    assert "Traceback" not in err
    assert wait_until_gone(int((root / "pid").read_text()))
    assert {k: v for k, v in snapshot(root).items() if k in before} == before


def test_a_hanging_command_is_stopped_and_every_file_restored(tmp_path: Path) -> None:
    root = tiny(tmp_path)
    before = snapshot(root)
    result = verify(root, "--verify", gate(root, "--hang-from", "2"), "--verify-timeout", "3",
                    "m.py", "n.py")
    assert result.returncode == 2
    assert "did not finish within 3 s (--verify-timeout)" in result.stderr
    assert "every file was put back" in result.stderr
    assert wait_until_gone(int((root / "pid").read_text()))
    assert {k: v for k, v in snapshot(root).items() if k in before} == before


def test_a_final_check_that_fails_puts_everything_back(tmp_path: Path) -> None:
    root = tiny(tmp_path)
    before = snapshot(root)
    # Passes the baseline and the test of the fixes, fails the final check: flaky.
    result = verify(root, "--verify", gate(root, "--fail-from", "3"), "m.py", "n.py")
    assert result.returncode == 2
    assert "the final check failed" in result.stderr and "flaky" in result.stderr
    assert "run 3: failing on purpose" in result.stderr
    assert runs(root) == 3
    assert {k: v for k, v in snapshot(root).items() if k in before} == before


def test_a_file_edited_during_the_run_is_left_alone(tmp_path: Path) -> None:
    root = tiny(tmp_path)
    result, data = verify_json(root, "--verify", gate(root, "--edit-on", "2", "n.py"),
                               "m.py", "n.py")
    report = data["verification"]
    assert report["status"] == "completed", result.stderr
    assert report["left_alone"] == [{
        "filename": "n.py", "reason": "changed on disk by someone else during the run"}]
    assert "warning: n.py: left alone: changed on disk" in result.stderr
    # n.py holds what was on disk when it was edited (the fix, then the other edit).
    assert (root / "n.py").read_text() == N_FIXED + "# edited by someone else\n"
    assert (root / "m.py").read_text() == M.replace('["new", "sale", "hot"]',
                                                    '{"new", "sale", "hot"}').replace(
        '("active", "pending")', '{"active", "pending"}')


# -- the record of rejected fixes ------------------------------------------------------------


def test_rejections_survive_edits_elsewhere(tmp_path: Path) -> None:
    root = tiny(tmp_path)
    command = gate(root, "--expect", "m.py", '{"new"')
    first = verify(root, "--verify", command, "m.py", "n.py")
    assert "Rejected 1 fix:\n  m.py:2:19: PCM201" in first.stdout, first.stderr
    assert (root / "m.py").read_text() == M_SECOND_FIXED
    # Someone edits the file elsewhere and brings back another fix to try.
    edited = "import os\n\n\n" + M_SECOND_FIXED + "\n\ndef more(x):\n    return x in (1, 2)\n"
    (root / "m.py").write_text(edited)
    second = verify(root, "--verify", command, "m.py")
    assert "Kept 1 fix:\n  m.py:15:17: PCM201" in second.stdout, second.stderr
    assert "Not tried: 1 fix that an earlier run rejected" in second.stdout
    assert "m.py:5:19: PCM201" in second.stdout
    # An edit of the code around the fix makes it a new fix, tried again.
    (root / "m.py").write_text((root / "m.py").read_text().replace(
        'return tag in ["new"', 'return tag.strip() in ["new"'))
    third = verify(root, "--verify", command, "m.py")
    assert "Rejected 1 fix:\n  m.py:5:" in third.stdout, third.stderr
    record = json.loads((root / ".perfcodemod-verify.json").read_text())
    # The entry of the code that is gone was dropped; the new one recorded.
    assert [e["row"] for e in record["rejected"]] == [5]
    assert "tag.strip()" not in record["rejected"][0]["output"]


def test_no_record(tmp_path: Path) -> None:
    root = tiny(tmp_path)
    command = gate(root, "--expect", "m.py", '{"new"')
    verify(root, "--verify", command, "--no-verify-record", "m.py")
    assert not (root / ".perfcodemod-verify.json").exists()
    custom = tmp_path / "rejected.json"
    verify(root, "--verify", command, "--verify-record", str(custom), "m.py", "n.py")
    assert [e["path"] for e in json.loads(custom.read_text())["rejected"]] == ["m.py"]


def test_a_malformed_record_is_one_clear_error(tmp_path: Path) -> None:
    root = tiny(tmp_path)
    (root / ".perfcodemod-verify.json").write_text("{not json")
    before = snapshot(root)
    result = verify(root, "--verify", python("pass"), "m.py")
    assert result.returncode == 2
    assert ".perfcodemod-verify.json is not a valid record of rejected fixes" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(root) == before


# -- benchmarks ------------------------------------------------------------------------------

#: A benchmark whose time depends on the code: 0.5 s longer (ten times the rest) while
#: ``m.py`` holds a list display (the fix makes it faster) and while ``n.py`` holds a set
#: display (the fix makes it slower), so that noise cannot reorder the two sides. Each run logs
#: which versions it saw.
BENCH = '''\
import time
from pathlib import Path
m, n = Path("m.py").read_text(), Path("n.py").read_text()
slow_m, slow_n = '["new"' in m, '{"a"' in n
with open("seen", "a") as log:
    log.write(f"{'M' if slow_m else 'm'}{'N' if slow_n else 'n'}\\n")
time.sleep(0.05 + 0.5 * slow_m + 0.5 * slow_n)
'''


def test_bench_keep_only_faster(tmp_path: Path) -> None:
    root = tiny(tmp_path)
    (root / "bench.py").write_text(BENCH)
    before = snapshot(root)
    bench = f"{sys.executable} bench.py"
    result, data = verify_json(root, "--bench", bench, "--bench-keep-only-faster",
                               "--bench-runs", "4", "m.py", "n.py")
    report = data["verification"]
    assert report["status"] == "completed", result.stderr
    # n.py's fix made the benchmark slower: put back, and recorded as rejected.
    assert snapshot(root)["n.py"] == before["n.py"]
    [rejected] = report["rejected"]
    assert rejected["code"] == "PCM201" and rejected["filename"].endswith("n.py")
    assert "the benchmark got slower with the fixes of this file" in rejected["reason"]
    assert (root / "m.py").read_text() == M.replace(
        '["new", "sale", "hot"]', '{"new", "sale", "hot"}').replace(
        '("active", "pending")', '{"active", "pending"}')
    bench_report = report["bench"]
    assert bench_report["verdict"] == "faster" and bench_report["change"] < -0.2
    assert len(bench_report["before"]["samples"]) == 4
    # Timed alternately: per file, then the whole tree (warm-up pair, then ABBA pairs).
    seen = (root / "seen").read_text().split()
    pattern = ["before", "after"] + ["before", "after", "after", "before"] * 2
    # While one file is timed with and without its fixes, the others hold theirs.
    m_side = {"before": "MN", "after": "mN"}
    n_side = {"before": "mn", "after": "mN"}
    overall = {"before": "Mn", "after": "mn"}
    expected = [m_side[s] for s in pattern] + [n_side[s] for s in pattern] + [
        overall[s] for s in pattern]
    assert seen == expected
    assert "Benchmark" not in result.stdout  # JSON only


def test_verify_with_bench_in_text(tmp_path: Path) -> None:
    root = tiny(tmp_path)
    (root / "bench.py").write_text(BENCH.replace("0.5 * slow_n", "0"))
    command = gate(root, "--expect", "m.py", '{"active"')
    result = verify(root, "--verify", command, "--bench", f"{sys.executable} bench.py",
                    "--bench-runs", "4", "m.py")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "Kept 1 fix:\n  m.py:2:19: PCM201" in out
    assert "Rejected 1 fix:\n  m.py:6:18: PCM201" in out
    assert "Benchmark `" in out and "(4 runs each, alternating" in out
    assert ", faster (Mann-Whitney U p = " in out


def test_a_benchmark_failing_on_the_fixed_code_restores_everything(tmp_path: Path) -> None:
    root = tiny(tmp_path)
    before = snapshot(root)
    bench = python("import sys; sys.exit('{' in open('n.py').read())")
    result = verify(root, "--bench", bench, "--bench-runs", "4", "m.py", "n.py")
    assert result.returncode == 2
    assert "the benchmark command failed (exit status 1)" in result.stderr
    assert "on the after code; every file was put back" in result.stderr
    assert {k: v for k, v in snapshot(root).items() if k in before} == before


# -- options ---------------------------------------------------------------------------------


def test_nothing_to_fix_runs_nothing(tmp_path: Path) -> None:
    root = project(tmp_path / "clean", {"c.py": "def f(x):\n    return x\n"})
    result = verify(root, "--verify", python("import sys; sys.exit(1)"), "c.py")
    assert result.returncode == 0, result.stderr
    assert "Nothing to fix." in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--verify", "true", "m.py"], "--verify needs --fix"),
        (["--fix", "--bench-keep-only-faster", "m.py"], "--bench-keep-only-faster needs --verify"),
        (["--fix", "--verify", "true", "--bench-keep-only-faster", "m.py"],
         "--bench-keep-only-faster needs --bench"),
        (["--fix", "--diff", "--verify", "true", "m.py"], "cannot be combined with --diff"),
        (["--fix", "--verify", "true", "-"], "cannot be used with standard input"),
        (["--fix", "--bench", "true", "--bench-runs", "3", "m.py"], "at least 4 runs"),
        (["--fix", "--verify", "true", "--verify-timeout", "0", "m.py"], "must be positive"),
        (["--fix", "--verify", " ", "m.py"], "--verify needs a command"),
        (["--fix", "--verify", "true", "--verify-record", "r", "--no-verify-record", "m.py"],
         "cannot be combined"),
    ],
)
def test_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    root = tiny(tmp_path)
    result = run_cli("check", *args, cwd=root)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert sources(root) == {"m.py": M.encode(), "n.py": N.encode()}


def test_help_lists_the_options() -> None:
    [result] = concurrently(lambda: run_cli("check", "--help"))
    for option in ("--verify CMD", "--verify-timeout SECONDS", "--bench CMD",
                   "--bench-runs N", "--bench-keep-only-faster", "--verify-record PATH"):
        assert option in result.stdout


def test_notebooks_are_verified_through_their_cells(tmp_path: Path) -> None:
    cells = [
        {"cell_type": "markdown", "id": "m1", "metadata": {}, "source": ["# Tags"]},
        {"cell_type": "code", "execution_count": 1, "id": "c1", "metadata": {}, "outputs": [],
         "source": ["%matplotlib inline\n", "def is_featured(tag):\n",
                    "    return tag in ['new', 'sale']"]},
        {"cell_type": "code", "execution_count": 2, "id": "c2", "metadata": {}, "outputs": [],
         "source": ["def label(status):\n", "    return status in ('active', 'pending')"]},
    ]
    document = {"cells": cells, "metadata": {"language_info": {"name": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    root = project(tmp_path / "nb", {"tags.ipynb": json.dumps(document, indent=1) + "\n"})
    before = snapshot(root)
    # The "tests" read the notebook's JSON back: the first cell's fix is rejected.
    command = gate(root, "--expect", "tags.ipynb", "{'new'")
    result, data = verify_json(root, "--verify", command, "tags.ipynb")
    report = data["verification"]
    assert report["status"] == "completed", result.stderr
    # Places name the cell (the notebook's third cell, all cells counted) and the row in it.
    assert [(e["cell"], e["location"]) for e in report["kept"]] == [
        (3, {"row": 2, "column": 22})]
    assert [(e["cell"], e["location"]) for e in report["rejected"]] == [
        (2, {"row": 3, "column": 19})]
    written = json.loads((root / "tags.ipynb").read_text())
    assert written["cells"][1]["source"] == before_sources(before)[1]
    assert written["cells"][2]["source"] == [
        "def label(status):\n", "    return status in {'active', 'pending'}"]
    assert written["cells"][0] == cells[0]


def before_sources(before: dict[str, tuple[bytes, int]]) -> list[list[str]]:
    return [cell["source"] for cell in json.loads(before["tags.ipynb"][0])["cells"]]


HOT = '''\
def busy(items):
    total = 0
    for item in items:
        if item in ["a", "b", "c"]:
            total += 1
    return total


def idle(value):
    return value in ("x", "y")
'''
PROGRAM = '''\
import hot

hot.idle("x")
for _ in range(30):
    hot.busy(["a", "z", "q", "c"] * 5000)
'''


def test_hot_with_verify_tries_only_what_the_profile_shows_hot(tmp_path: Path) -> None:
    root = project(tmp_path / "hot", {"hot.py": HOT, "program.py": PROGRAM})
    recorded = run_cli("profile", "-o", "prof.json", "--", "program.py", cwd=root)
    assert recorded.returncode == 0, recorded.stderr
    command = gate(root)
    result, data = verify_json(root, "--verify", command, "--profile", "prof.json",
                               "--hot", "5%", "hot.py")
    report = data["verification"]
    assert report["status"] == "completed", result.stderr
    assert codes_at(report["kept"], root) == {("hot.py", "PCM201", 4)}
    assert not report["rejected"] and not report["skipped"]
    assert (root / "hot.py").read_text() == HOT.replace('["a", "b", "c"]', '{"a", "b", "c"}')
    # The cold finding was not tried, and is not shown either (below --hot), as `check`
    # with a profile does.
    assert data["diagnostics"] == []
    text = verify(root, "--verify", command, "--profile", "prof.json", "hot.py")
    # Without --hot every finding the profile keeps is tried: the cold one too.
    assert "Kept 1 fix:\n  hot.py:10:21: PCM201" in text.stdout, text.stderr
