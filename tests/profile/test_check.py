"""``check --profile``, ``--hot``, ``--rank``, decisions on evidence, and the API an editor uses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from perfcodemod import api
from perfcodemod.annotation import JSON_FIELDS
from perfcodemod.profile.paths import match_files, module_parts
from tests.conftest import run_cli, write
from tests.profile.helpers import PROFILES, SAMPLES, by_code, check_json, example_copy, tools

NATIVE = PROFILES / SAMPLES["perfcodemod"]


def test_the_example_ranked_by_its_own_profile(tmp_path: Path) -> None:
    shop = example_copy(tmp_path)
    result = run_cli("check", "--profile", NATIVE, ".", cwd=shop)
    assert result.returncode == 1
    codes = [line.split()[1] for line in result.stdout.splitlines() if ": PCM" in line]
    # Hottest first: the linear search, then the two cache candidates, the membership test;
    # the one-shot report code last.
    assert codes[:4] == ["PCM301", "PCM402", "PCM401", "PCM204"]
    assert set(codes[4:]) == {"PCM103", "PCM102", "PCM203", "PCM201"}
    first = result.stdout.splitlines()[0]
    assert first.startswith("shopapp/catalog.py:29:19: PCM301 ")
    assert "· ran 4,000× · max 2,000 items · est. −" in first
    # PCM402 is opt-in: reported because the profile shows it hot with a high hit rate.
    assert "reported on profile evidence" in result.stdout
    # The existing cache that never hits is shown with its numbers.
    assert "cache of tax_rate(): never hits (0 hits, 4,000 misses" in result.stderr


def test_json_profile_object(tmp_path: Path) -> None:
    shop = example_copy(tmp_path)
    data, _, code = check_json("--profile", NATIVE, ".", cwd=shop)
    assert code == 1
    for item in data:
        assert tuple(item["profile"]) == JSON_FIELDS
    found = by_code(data)
    search = found["PCM301"]["profile"]
    assert search["function"] == "lookup_all" and search["priority"] == "high"
    assert search["hits"] == 4000 and search["max_size"] == 2000 and search["calls"] == 1
    assert 0 < search["estimated_saving"] <= search["line_share"] <= 1
    assert search["hit_rate"] is None
    recursion = found["PCM401"]["profile"]
    assert recursion["calls"] == 51_659 and recursion["hit_rate"] > 0.99
    assert recursion["line_share"] is None  # a finding about the whole function
    dedup = found["PCM203"]["profile"]
    assert dedup["priority"] == "low" and dedup["max_size"] == 3
    assert "below the measured break-even" in found["PCM203"]["message"]
    memory = found["PCM103"]["profile"]
    assert memory["estimated_saving"] is None and memory["max_size"] == 3077
    without, _, _ = check_json(".", cwd=shop)
    assert all(item["profile"] is None for item in without)


@pytest.mark.parametrize("tool", tools())
def test_every_format_through_the_command_line(tmp_path: Path, tool: str) -> None:
    shop = example_copy(tmp_path)
    data, stderr, code = check_json("--profile", PROFILES / SAMPLES[tool], ".", cwd=shop)
    assert code == 1, stderr
    found = by_code(data)
    search, one_shot = found["PCM301"]["profile"], found["PCM201"]["profile"]
    assert search["share"] > one_shot["share"]
    assert search["priority"] == "high"
    assert one_shot["priority"] in {"low", "not-run"}


def test_hot_threshold(tmp_path: Path) -> None:
    shop = example_copy(tmp_path)
    data, _, _ = check_json("--profile", NATIVE, "--hot", "20%", ".", cwd=shop)
    assert {d["code"] for d in data} == {"PCM301", "PCM402"}
    write(shop / "pyproject.toml", '[tool.perfcodemod]\nhot-threshold = "5%"\n')
    data, _, _ = check_json("--profile", NATIVE, ".", cwd=shop)
    assert {d["code"] for d in data} == {"PCM301", "PCM402", "PCM401", "PCM204"}
    write(shop / "pyproject.toml", '[tool.perfcodemod]\nhot-threshold = "lots"\n')
    result = run_cli("check", "--profile", NATIVE, ".", cwd=shop)
    assert result.returncode == 2 and "`hot-threshold`" in result.stderr


def test_hot_needs_a_profile(tmp_path: Path) -> None:
    result = run_cli("check", "--hot", "5%", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == ("perfcodemod: error: --hot needs a profile (--profile FILE): a "
                             "share of run time is only known from one\n")


@pytest.mark.parametrize("name", ["truncated.pstats", "truncated.perfcodemod.json"])
def test_unreadable_profile_is_exit_2(tmp_path: Path, name: str) -> None:
    shop = example_copy(tmp_path)
    result = run_cli("check", "--profile", PROFILES / name, ".", cwd=shop)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and name in result.stderr


def test_profile_of_another_program_is_a_note(tmp_path: Path) -> None:
    shop = example_copy(tmp_path)
    data, stderr, code = check_json("--profile", PROFILES / "other-program.pstats", ".",
                                    cwd=shop)
    assert code == 1 and data
    assert all(d["profile"] is None for d in data)
    assert "matches the checked files (a profile of another program?)" in stderr


def test_never_ran_sorts_last(tmp_path: Path) -> None:
    write(tmp_path / "app.py",
          "def used(xs):\n    return [x for x in xs if x in [1, 2, 3]]\n\n\n"
          "def unused(x):\n    return x in [4, 5, 6]\n\n\nprint(used(range(5000)))\n")
    run_cli("profile", "-q", "-o", "p.json", "app.py", cwd=tmp_path)
    result = run_cli("check", "--profile", "p.json", "app.py", cwd=tmp_path)
    lines = [line for line in result.stdout.splitlines() if ": PCM" in line]
    assert lines[0].startswith("app.py:2:") and "ran 5,000×" in lines[0]
    assert lines[1].startswith("app.py:6:") and lines[1].endswith("[never ran]")
    data, _, _ = check_json("--profile", "p.json", "app.py", cwd=tmp_path)
    assert [d["profile"]["priority"] for d in data] == ["medium", "not-run"] or [
        d["profile"]["priority"] for d in data][1] == "not-run"


def test_evidence_drops_and_promotes_cache_candidates(tmp_path: Path) -> None:
    write(tmp_path / "app.py",
          "def score(word: str) -> int:\n    return sum(ord(c) for c in word * 50)\n\n\n"
          "def weight(word: str) -> int:\n    return sum(ord(c) for c in word * 50)\n\n\n"
          "print(sum([score(str(i)) for i in range(3000)]))\n"
          "print(sum([weight(str(i % 3)) for i in range(3000)]))\n")
    run_cli("profile", "-q", "-o", "p.json", "app.py", cwd=tmp_path)
    # Not selected: score() is dropped silently, weight() reported (hot, 99.9% hit rate).
    data, _, _ = check_json("--profile", "p.json", "app.py", cwd=tmp_path)
    assert [(d["code"], d["location"]["row"]) for d in data] == [("PCM402", 5)]
    assert data[0]["profile"]["hit_rate"] > 0.99
    # Selected: score() would hit 0% of 3,000 calls, dropped with its reason.
    result = run_cli("check", "--extend-select", "PCM402", "--profile", "p.json", "app.py",
                     cwd=tmp_path)
    assert "app.py:1:5" not in result.stdout
    assert "1 finding dropped on profile evidence" in result.stderr
    result = run_cli("check", "--extend-select", "PCM402", "--profile", "p.json",
                     "--show-dropped", "app.py", cwd=tmp_path)
    assert "app.py:1:5: PCM402" in result.stdout
    # Keys are counted as masked hashes: an estimate, within a few of the 3,000 here.
    assert re.search(r"\[dropped on profile evidence: a cache would hit (0|0\.\d+)% of 3,000 "
                     r"calls \((29\d\d|30\d\d|3,0\d\d|2,9\d\d) distinct", result.stdout)
    data, _, _ = check_json("--extend-select", "PCM402", "--profile", "p.json",
                            "--show-dropped", "app.py", cwd=tmp_path)
    dropped = [d for d in data if "dropped" in d]
    assert len(dropped) == 1 and dropped[0]["location"]["row"] == 1
    # Ignored explicitly: never promoted.
    data, _, _ = check_json("--ignore", "PCM402", "--profile", "p.json", "app.py", cwd=tmp_path)
    assert data == []


def test_edited_file_ignores_stale_probes(tmp_path: Path) -> None:
    program = ("def f():\n    xs = list(range(100))\n    return [x for x in range(50) if x in xs]"
               "\n\n\nprint(f())\n")
    write(tmp_path / "app.py", program)
    run_cli("profile", "-q", "-o", "p.json", "app.py", cwd=tmp_path)
    assert "ran 50×" in run_cli("check", "--profile", "p.json", "app.py", cwd=tmp_path).stdout
    write(tmp_path / "app.py", "\n" + program)
    result = run_cli("check", "--profile", "p.json", "app.py", cwd=tmp_path)
    assert "app.py: changed since it was profiled" in result.stderr
    assert "ran " not in result.stdout


def test_rank_without_profile_is_a_static_estimate(tmp_path: Path) -> None:
    write(tmp_path / "lib.py",
          "def pairs(rows, keys):\n    out = []\n    known = list(keys)\n    for k in keys:\n"
          "        for r in rows:\n            if r in known:\n                out.append(r)\n"
          "    return out\n\n\n"
          "def once(mode):\n    return mode in ['a', 'b']\n")
    write(tmp_path / "tests" / "test_lib.py",
          "def test_x():\n    assert 'a' in ['a', 'b']\n")
    result = run_cli("check", "--rank", ".", cwd=tmp_path)
    lines = [line for line in result.stdout.splitlines() if ": PCM" in line]
    assert lines[0].startswith("lib.py:6:") and "[static estimate: high" in lines[0]
    assert lines[-1].startswith("tests/test_lib.py:2:") and "test code" in lines[-1]
    data, _, _ = check_json("--rank", ".", cwd=tmp_path)
    for item in data:
        assert item["profile"]["share"] is None and item["profile"]["priority"]


def test_report_markdown_and_json(tmp_path: Path) -> None:
    shop = example_copy(tmp_path)
    result = run_cli("report", "--profile", NATIVE, ".", cwd=shop)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    first = text.index("## Performance Optimization: `lookup_all()`")
    assert first < text.index("## Performance Optimization: `shipping_zone()`")
    ticket = text[first:text.index("## Performance Optimization", first + 10)]
    for heading in ("**Hotspot:** `shopapp/catalog.py:29`", "**Current Performance:**",
                    "**Cumulative Time:**", "**Call Count:** 1 call", "**Root Cause:**",
                    "**Proposed Fix:**", "```diff", "**Expected Impact:**",
                    "**Implementation Priority:** HIGH"):
        assert heading in ticket, heading
    assert "+    products_by_sku = " in ticket or "_by_" in ticket
    assert "## Top hotspots (by cumulative time)" in text
    assert "## Never ran in this profile" not in text or "report.py" in text
    assert "| `tax_rate()`" in text and "never hits" in text
    result = run_cli("report", "--profile", NATIVE, "--output-format", "json", ".", cwd=shop)
    document = json.loads(result.stdout)
    assert document["static"] is False
    assert document["tickets"][0]["function"] == "lookup_all"
    assert document["tickets"][0]["priority"] == "high"
    assert document["tickets"][0]["findings"][0]["fix"]["diff"].startswith("--- ")
    static = json.loads(run_cli("report", "--output-format", "json", ".", cwd=shop).stdout)
    assert static["static"] is True and static["tickets"]


def test_api_for_an_editor(tmp_path: Path) -> None:
    shop = example_copy(tmp_path)
    profile = api.load_profiles([NATIVE])
    join = api.ProfileJoin(profile)  # made once, files matched as they come
    path = shop / "shopapp" / "catalog.py"
    report = api.check_source(path.read_bytes(), path)
    report.path = str(path)
    api.annotate_report(report, join)
    (search,) = [d for d in report.diagnostics if d.code == "PCM301"]
    text = api.hotness_text(search)
    assert text is not None and text.startswith("51.3% of run time in lookup_all(); 1 call")
    assert api.hotness_text(api.check_source("x in [1, 2]\n").diagnostics[0]) is None


def test_module_paths(tmp_path: Path) -> None:
    write(tmp_path / "src" / "pkg" / "__init__.py", "")
    module = write(tmp_path / "src" / "pkg" / "mod.py", "")
    script = write(tmp_path / "tool.py", "")
    assert module_parts(str(module)) == ("pkg", "mod.py")
    assert module_parts(str(script)) == ("tool.py",)
    matched = match_files(
        ["/opt/venv/lib/python3.11/site-packages/pkg/mod.py", "pkg/mod.py",
         "/elsewhere/other/mod.py", "tool.py", "/ci/checkout/tool.py"],
        [str(module), str(script)],
    )
    assert sorted(matched[str(module)]) == [
        "/opt/venv/lib/python3.11/site-packages/pkg/mod.py", "pkg/mod.py"]
    assert sorted(matched[str(script)]) == ["/ci/checkout/tool.py", "tool.py"]


def test_check_for_editor(tmp_path: Path) -> None:
    # What the language server calls with its `profile` setting.
    shop = example_copy(tmp_path)
    path = shop / "shopapp" / "catalog.py"
    settings = api.default_settings(shop)
    checked = api.check_for_editor(path.read_text(encoding="utf-8"), path, settings, [NATIVE])
    assert checked.profile_problem is None
    texts = dict(zip([d.code for d in checked.report.diagnostics], checked.hotness))
    assert (texts["PCM301"] or "").startswith("51.3% of run time in lookup_all()")
    pricing = shop / "shopapp" / "pricing.py"
    checked = api.check_for_editor(pricing.read_text(encoding="utf-8"), pricing, settings,
                                   [NATIVE])
    assert "PCM402" in {d.code for d in checked.report.diagnostics}  # promoted, as in check
    broken = write(tmp_path / "broken.prof", "not a profile\n")
    checked = api.check_for_editor("x = 1 in [1, 2]\n", tmp_path / "x.py", settings, [broken])
    assert checked.profile_problem is not None and "not a profile" in checked.profile_problem
    assert checked.hotness == [None] * len(checked.report.diagnostics)
