"""Reading each profiler's format: the checked-in samples (made by the real tools from the
example program, in another directory), bad files, merging."""

from __future__ import annotations

import json
import marshal
from pathlib import Path

import pytest

from perfcodemod.profile import ProfileError, read_profile
from perfcodemod.profile.formats import load_profiles
from perfcodemod.profile.join import FileEvidence, ProfileIndex
from perfcodemod.profile.paths import match_files
from tests.profile.helpers import EXAMPLE, PROFILES, SAMPLES, tools

CATALOG = EXAMPLE / "shopapp" / "catalog.py"
PRICING = EXAMPLE / "shopapp" / "pricing.py"


def evidence(name: str, path: Path) -> FileEvidence:
    import ast

    profile = read_profile(PROFILES / name)
    matched = match_files(profile.files(), [str(path)])[str(path)]
    text = path.read_text(encoding="utf-8")
    return FileEvidence(ProfileIndex(profile), matched, text, ast.parse(text))


@pytest.mark.parametrize("tool", tools())
def test_every_sample_puts_the_linear_search_on_top(tool: str) -> None:
    # The example spends most of its time in lookup_all (a linear search per order): every
    # profiler sees that, through paths of another checkout matched by module suffix.
    catalog = evidence(SAMPLES[tool], CATALOG)
    search_span, search = catalog.function(29)
    assert search_span.name == "lookup_all"
    assert search.ran is True and search.inclusive and search.total
    search_share = search.inclusive / search.total
    # The pure-Python `profile` module's cost per call inflates shipping_zone's 736,000
    # generator steps: the search is still above the recursion, but not above 30%.
    assert search_share > (0.1 if tool == "profile" else 0.3)
    pricing = evidence(SAMPLES[tool], PRICING)
    recursion_span, recursion = pricing.function(15)
    assert recursion_span.name == "bundle_count"
    assert recursion.inclusive is not None
    assert recursion.inclusive / recursion.total < search_share


@pytest.mark.parametrize("tool", tools("cprofile", "profile", "perfcodemod"))
def test_deterministic_profilers_count_calls_exactly(tool: str) -> None:
    pricing = evidence(SAMPLES[tool], PRICING)
    _, recursion = pricing.function(15)
    # bundle_count(60, (1, 2, 5, 10, 20)) makes this many calls (the program is
    # deterministic); `profile` ran it too, with fewer orders, which does not change it.
    assert recursion.calls == 51_659
    assert recursion.primitive_calls == 1


@pytest.mark.parametrize("tool", ["py-spy-raw", "py-spy-speedscope", "scalene", "perfcodemod"])
def test_samplers_give_line_shares(tool: str) -> None:
    catalog = evidence(SAMPLES[tool], CATALOG)
    assert (catalog.line_share(29) or 0) > 0.3
    # A line of the same file that does not loop takes (almost) nothing.
    assert (catalog.line_share(12) or 0) < 0.05


def test_pyinstrument_frames_name_functions_by_first_line() -> None:
    profile = read_profile(PROFILES / SAMPLES["pyinstrument"])
    frames = {frame for stack in profile.stacks for frame in stack}
    assert frames and all(f.line is None and f.first_line for f in frames)
    assert profile.run_time and abs(profile.sampled_total - profile.run_time) < 1e-9


def test_perfcodemod_profile_holds_probes_and_caches() -> None:
    profile = read_profile(PROFILES / SAMPLES["perfcodemod"])
    sites = {(Path(s.file).name, s.code): s for s in profile.sites}
    search = sites[("catalog.py", "PCM301")]
    assert (search.hits, search.max_size) == (4000, 2000)
    zone = sites[("pricing.py", "PCM402")]
    assert (zone.calls, zone.distinct_keys) == (4000, 40)
    (tax,) = [c for c in profile.caches if c.name == "tax_rate"]
    assert (tax.hits, tax.misses, tax.currsize, tax.maxsize) == (0, 4000, 4000, None)


def test_truncated_files_are_one_clear_error() -> None:
    with pytest.raises(ProfileError, match="truncated pstats file"):
        read_profile(PROFILES / "truncated.pstats")
    with pytest.raises(ProfileError, match="malformed JSON profile|truncated JSON profile"):
        read_profile(PROFILES / "truncated.perfcodemod.json")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"hello world\nthis is not a profile\n", "not a profile perfcodemod can read"),
        (b'{"traceEvents": []}', "JSON, but not a profile"),
        (b"\x00\x01\x02\xff" * 10, "not a profile perfcodemod can read"),
        (marshal.dumps({"a": 1}), "not a pstats file"),
        (b'{"format": "perfcodemod-profile", "version": 99}', "newer than this perfcodemod"),
        (b'{"format": "perfcodemod-profile", "version": 1}', "malformed perfcodemod profile"),
        (b"main;work 12\nmain 3\n", "without file names"),
    ],
)
def test_unreadable_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "profile.out"
    path.write_bytes(content)
    with pytest.raises(ProfileError, match=message) as info:
        read_profile(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="cannot read profile"):
        read_profile(tmp_path / "absent.prof")


def test_austin_collapsed_frames(tmp_path: Path) -> None:
    # Austin's own output (not made here: austin's binary needs a newer glibc, and Debian's
    # austin 1.0 cannot read CPython 3.11): process and thread frames, then file:function:line.
    path = tmp_path / "austin.txt"
    path.write_text(
        "P4317;T7ffb:4317;/srv/app/shopapp/catalog.py:lookup_all:29 4200\n"
        "P4317;T7ffb:4317;/srv/app/shopapp/catalog.py:count_in_stock:21 800\n",
        encoding="utf-8",
    )
    profile = read_profile(path)
    assert profile.sampled_total == 5000
    lines = sorted((f.file, f.name, f.line) for stack in profile.stacks for f in stack)
    assert lines == [("/srv/app/shopapp/catalog.py", "count_in_stock", 21),
                     ("/srv/app/shopapp/catalog.py", "lookup_all", 29)]


def test_merging_adds_times_and_evidence() -> None:
    one = read_profile(PROFILES / SAMPLES["perfcodemod"])
    both = load_profiles([PROFILES / SAMPLES["perfcodemod"]] * 2)
    assert both.timed_total == pytest.approx(2 * one.timed_total)
    assert both.sampled_total == pytest.approx(2 * one.sampled_total)
    site = next(s for s in both.sites if s.code == "PCM301")
    assert site.hits == 8000 and site.max_size == 2000
    mixed = load_profiles([PROFILES / SAMPLES["cprofile"], PROFILES / SAMPLES["py-spy-raw"]])
    assert mixed.has_timings and mixed.has_samples
    # Only perfcodemod's profiles say which files were imported.
    assert mixed.loaded_files is None


def test_native_format_round_trip(tmp_path: Path) -> None:
    from perfcodemod.profile import native

    profile = read_profile(PROFILES / SAMPLES["perfcodemod"])
    target = tmp_path / "again.json"
    native.write(str(target), profile, {"argv": ["x"]})
    document = json.loads(target.read_text(encoding="utf-8"))
    assert (document["format"], document["version"]) == ("perfcodemod-profile", 1)
    again = read_profile(target)
    assert again.stacks == profile.stacks
    assert [(f.file, f.name, f.calls) for f in again.functions] == [
        (f.file, f.name, f.calls) for f in profile.functions]
    assert [vars(s) for s in again.sites] == [vars(s) for s in profile.sites]
