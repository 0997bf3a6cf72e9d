"""Round trips and bad input through the real ``perfcodemod --fix``.

One run fixes a directory of awkward files (line endings, BOM, a latin-1 coding cookie, tabs,
a syntax error, undecodable bytes, an unreadable name); the tests then check each file byte for
byte: the result must be the original with exactly the reported edits applied (every untouched
byte stays), and a second run must change nothing. A property test feeds arbitrary text (and,
with hypothesmith, arbitrary valid programs) to check and fix.
"""

from __future__ import annotations

import ast
import codecs
import json
import os
import re
import stat
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from perfcodemod import api
from perfcodemod.fixer import FileChangedError, write_atomic

from .conftest import run_cli, write
from .programs import pattern_programs

BOM = codecs.BOM_UTF8


@dataclass(frozen=True)
class Case:
    raw: bytes
    encoding: str = "utf-8"
    #: The file's bytes after --fix (None: computed from the JSON edits).
    fixed: bytes | None = None


CASES = {
    "crlf.py": Case(b"def f(x: int):\r\n    return x in [1, 2]\r\n\r\nY = 'y' in ('a', 'b')\r\n"),
    "bom.py": Case(BOM + b"def f(x: int):\n    return x in [1, 2]\n"),
    "latin1.py": Case(
        "# -*- coding: latin-1 -*-\n"
        "LABEL = 'café, niño, über'\n"
        "def f(word: str):\n"
        "    return 'é' + word in ['àa', 'éb']  # ça va\n".encode("latin-1"),
        encoding="latin-1",
    ),
    "tabs.py": Case(b"class C:\n\tdef f(self, x: int):\n\t\tif x:\n\t\t\treturn x in [1, 2]\n"),
    "mixed.py": Case(b"a = 1\r\nb = 2\rdef f(x: int):\n    return x in [1, 2]\r\nc = 3"),
    "untouched.py": Case(
        b"import os  \t\n"
        b"\x0c\n"
        b"def f(x: int,\n"
        b"      y: str):   # odd  spacing   stays\n"
        b"    total = x  in  [ 1 ,2,  # one\n"
        b"                     3 ]   \\\n"
        b"        or y in ('a','b')\n"
        b"    return total\n"
        b"\n\n\n"
        b"# trailing comment without newline"
    ),
    "unicode_before.py": Case(
        "def f(word: str):\n    return ('日本語', word in ['𝔘', 'ü'])\n".encode()
    ),
    "clean.py": Case(b"x = 1\n"),
}
FIXED_EXPECTED = {
    "crlf.py": b"def f(x: int):\r\n    return x in {1, 2}\r\n\r\nY = 'y' in {'a', 'b'}\r\n",
    "bom.py": BOM + b"def f(x: int):\n    return x in {1, 2}\n",
    "latin1.py": (
        "# -*- coding: latin-1 -*-\n"
        "LABEL = 'café, niño, über'\n"
        "def f(word: str):\n"
        "    return 'é' + word in {'àa', 'éb'}  # ça va\n".encode("latin-1")
    ),
    "tabs.py": b"class C:\n\tdef f(self, x: int):\n\t\tif x:\n\t\t\treturn x in {1, 2}\n",
    "mixed.py": b"a = 1\r\nb = 2\rdef f(x: int):\n    return x in {1, 2}\r\nc = 3",
}
BROKEN = {
    "syntax.py": b"def ok(x: int):\n    return x in [1, 2]\n\ndef broken(:\n    pass\n",
    "undecodable.py": b"x = 'caf\xe9'\ny = x in [1, 2]\n",
    "bad_cookie.py": b"# coding: no-such-codec\nx = 1\n",
}


def _offsets(text: str) -> list[int]:
    """Offsets of line starts, with Python's line breaks (\\r\\n, \\r, \\n)."""
    return [0, *(m.end() for m in re.finditer(r"\r\n|\r|\n", text))]


def apply_json_edits(raw: bytes, encoding: str, objects: list[dict]) -> bytes:
    """The file's bytes with the JSON's edits applied (all fixes, unsafe ones too)."""
    bom = raw.startswith(BOM)
    text = raw[len(BOM) if bom else 0 :].decode(encoding)
    starts = _offsets(text)
    edits = []
    for item in objects:
        for edit in (item["fix"] or {}).get("edits", ()):
            start = starts[edit["location"]["row"] - 1] + edit["location"]["column"] - 1
            end = starts[edit["end_location"]["row"] - 1] + edit["end_location"]["column"] - 1
            edits.append((start, end, edit["content"]))
    for start, end, content in sorted(edits, reverse=True):
        text = text[:start] + content + text[end:]
    return (BOM if bom else b"") + text.encode(encoding)


@pytest.fixture(scope="module")
def fixed_tree(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Write the cases, take the JSON report, run --fix --unsafe-fixes once, then again."""
    root = tmp_path_factory.mktemp("roundtrip")
    for name, case in CASES.items():
        write(root / name, case.raw)
    for name, raw in BROKEN.items():
        write(root / name, raw)
    os.chmod(root / "tabs.py", 0o751)
    os.chmod(root / "crlf.py", 0o604)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.chown(root / "tabs.py", 4321, 4322)  # someone else's file, fixed by root
    (root / "dir.py").mkdir()
    write(root / "dir.py" / "inside.py", b"z = 1 in [1, 2]\n")
    (root / "dangling.py").symlink_to(root / "missing.py")
    # The files hold PCM201 cases; other rules, as they come and go, must not change the counts.
    names = ["--select", "PCM001,PCM201", *sorted([*CASES, *BROKEN, "dir.py", "dangling.py"])]
    report = json.loads(run_cli("--output-format", "json", *names, cwd=root).stdout)
    before_stat = {name: os.stat(root / name) for name in CASES}
    first = run_cli("--fix", "--unsafe-fixes", *names, cwd=root)
    after_first = {name: (root / name).read_bytes() for name in [*CASES, *BROKEN]}
    stat_first = {name: os.stat(root / name) for name in CASES}
    second = run_cli("--fix", "--unsafe-fixes", *names, cwd=root)
    after_second = {name: (root / name).read_bytes() for name in [*CASES, *BROKEN]}
    stat_second = {name: os.stat(root / name) for name in CASES}
    return {
        "root": root, "report": report, "first": first, "second": second,
        "after_first": after_first, "after_second": after_second,
        "before_stat": before_stat, "stat_first": stat_first, "stat_second": stat_second,
    }


@pytest.mark.parametrize("name", sorted(FIXED_EXPECTED))
def test_fix_keeps_encoding_bom_and_line_endings(fixed_tree: dict, name: str) -> None:
    assert fixed_tree["after_first"][name] == FIXED_EXPECTED[name]


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_untouched_byte_stays(fixed_tree: dict, name: str) -> None:
    case = CASES[name]
    objects = [d for d in fixed_tree["report"] if Path(d["filename"]).name == name]
    assert objects or name == "clean.py"
    assert fixed_tree["after_first"][name] == apply_json_edits(case.raw, case.encoding, objects)


def test_untouched_py_fixed_only_where_reported(fixed_tree: dict) -> None:
    after = fixed_tree["after_first"]["untouched.py"]
    assert b"{ 1 ,2,  # one\n                     3 }   \\\n" in after
    assert b"or y in {'a','b'}\n" in after
    assert after.endswith(b"# trailing comment without newline")


@pytest.mark.parametrize("name", sorted([*CASES, *BROKEN]))
def test_second_fix_changes_nothing(fixed_tree: dict, name: str) -> None:
    assert fixed_tree["after_second"][name] == fixed_tree["after_first"][name]
    if name in CASES:
        # Not even rewritten with the same bytes: the file is the same inode as after run one.
        assert fixed_tree["stat_second"][name].st_ino == fixed_tree["stat_first"][name].st_ino
    assert "fixed" not in fixed_tree["second"].stdout


def test_file_mode_is_preserved(fixed_tree: dict) -> None:
    for name in ("tabs.py", "crlf.py"):
        before = stat.S_IMODE(fixed_tree["before_stat"][name].st_mode)
        after = stat.S_IMODE(fixed_tree["stat_first"][name].st_mode)
        assert after == before == {"tabs.py": 0o751, "crlf.py": 0o604}[name]
    before, first = fixed_tree["before_stat"], fixed_tree["stat_first"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Someone else's file is written in place: it keeps its owner (and inode).
        owner = first["tabs.py"]
        assert (owner.st_uid, owner.st_gid) == (4321, 4322)
        assert first["tabs.py"].st_ino == before["tabs.py"].st_ino
    # The runner's own files are replaced (atomically), not edited in place.
    assert first["crlf.py"].st_ino != before["crlf.py"].st_ino
    assert first["clean.py"].st_ino == before["clean.py"].st_ino


def test_broken_files_are_reported_and_left_alone(fixed_tree: dict) -> None:
    first = fixed_tree["first"]
    assert "Traceback" not in first.stderr and first.stderr == ""
    assert first.returncode == 1
    try:
        compile(BROKEN["syntax.py"], "syntax.py", "exec")
    except SyntaxError as error:
        position = f"{error.lineno}:{error.offset}"
    assert f"syntax.py:{position}: PCM001 SyntaxError: invalid syntax\n" in first.stdout
    assert re.search(
        r"^undecodable\.py:1:9: PCM001 cannot decode file as utf-8: byte b'\\xe9' .*$",
        first.stdout, re.MULTILINE)
    assert "bad_cookie.py:1:1: PCM001 unknown encoding: no-such-codec\n" in first.stdout
    assert re.search(r"^dangling\.py:1:1: PCM001 cannot read file: No such file or directory$",
                     first.stdout, re.MULTILINE)
    for name, raw in BROKEN.items():
        assert fixed_tree["after_first"][name] == raw
    # A directory named like a Python file is a directory: walked, not read.
    assert (fixed_tree["root"] / "dir.py" / "inside.py").read_bytes() == b"z = 1 in {1, 2}\n"
    assert "Found 14 diagnostics (10 fixed, 4 remaining)." in first.stdout


def test_no_temporary_files_left(fixed_tree: dict) -> None:
    # The result cache's directory is meant to stay (as ruff's); nothing else, and nothing
    # half-written inside it (its files are written atomically too).
    root = fixed_tree["root"]
    cache = root / ".perfcodemod_cache"
    leftovers = [p.name for p in root.iterdir() if "perfcodemod" in p.name and p != cache]
    assert leftovers == []
    if cache.is_dir():
        assert [p.name for p in cache.rglob("*") if p.name.endswith(".tmp")] == []


# -- a file that changes on disk while it is being fixed ---------------------------------------


def test_write_atomic_refuses_stale_content(tmp_path: Path) -> None:
    path = write(tmp_path / "a.py", b"x = 1 in [1, 2]\n")
    raw = path.read_bytes()
    report = api.fix_source(raw, path)
    assert report.fixed is not None
    # Another process (an editor, a formatter) writes the file between our read and our write.
    path.write_bytes(b"x = 2 in [1, 2]\n")
    with pytest.raises(FileChangedError, match="changed on disk"):
        write_atomic(path, report.fixed.encode(), raw)
    assert path.read_bytes() == b"x = 2 in [1, 2]\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]
    # With the current content it writes, keeping a symlink a symlink.
    link = tmp_path / "link.py"
    link.symlink_to("a.py")
    write_atomic(link, b"x = 3\n", b"x = 2 in [1, 2]\n")
    assert link.is_symlink() and path.read_bytes() == b"x = 3\n"


def test_file_changed_while_fixing_is_an_error_not_a_write(tmp_path: Path) -> None:
    """A real race: a second process rewrites the file in a loop while perfcodemod fixes it.

    Whatever the interleaving, the file is never left half-written, and it holds either the
    other process's last content or perfcodemod's fix of something the other process wrote.
    """
    size = 400
    versions = [
        "".join(f"v{version}_{i} = {i} in [{version}, {i}]\n" for i in range(size)).encode()
        for version in range(3)
    ]
    path = write(tmp_path / "race.py", versions[0])
    stop = tmp_path / "stop"
    sources = [str(write(tmp_path / f"v{n}.txt", v)) for n, v in enumerate(versions)]
    writer = subprocess.Popen([sys.executable, "-c", (
        "import os, sys, time\n"
        "path, stop, versions = sys.argv[1], sys.argv[2], sys.argv[3:]\n"
        "data = [open(v, 'rb').read() for v in versions]\n"
        "i = 0\n"
        "while not os.path.exists(stop):\n"
        "    i += 1\n"
        "    with open(path, 'wb') as stream:\n"
        "        stream.write(data[i % len(data)])\n"
        "    time.sleep(0.002)\n"
    ), str(path), str(stop), *sources])
    try:
        result = run_cli("--fix", "race.py", cwd=tmp_path)
    finally:
        stop.touch()
        writer.wait(timeout=60)
    assert "Traceback" not in result.stderr
    final = path.read_bytes()
    fixed_versions = [v.replace(b"[", b"{").replace(b"]", b"}") for v in versions]
    assert final in versions or final in fixed_versions
    if "changed on disk" in result.stderr:
        assert result.returncode == 2
        assert (
            "error: race.py: the file changed on disk while it was being fixed; not written"
            in result.stderr
        )


# -- properties ------------------------------------------------------------------------------------


def _compiles(code: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning: not our business here
            compile(code, "example.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def _check_and_fix(code: str) -> None:
    """Check and fix never raise; a fix keeps compiling code compiling (and parsing code
    parsing: `await` at module level parses but does not compile); a second fix is a no-op."""
    report = api.check_source(code, "example.py")
    for diagnostic in report.diagnostics:
        assert diagnostic.row >= 1 and diagnostic.col >= 1
        event(f"reported {diagnostic.code}")  # --hypothesis-show-statistics
    fixed = api.fix_source(code, "example.py", unsafe=True)
    assert not fixed.errors, fixed.errors
    event("fixed" if fixed.fixed is not None else "nothing to fix")
    if fixed.fixed is not None:
        text = fixed.fixed.text
        if _compiles(code):
            assert _compiles(text), text
        else:
            ast.parse(text)
        again = api.fix_source(text, "example.py", unsafe=True)
        assert again.fixed is None or again.fixed.text == text


PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@PROPERTY_SETTINGS
@given(st.text())
def test_check_and_fix_never_raise_on_any_text(code: str) -> None:
    _check_and_fix(code)


@PROPERTY_SETTINGS
@given(st.binary())
def test_check_never_raises_on_any_bytes(code: bytes) -> None:
    report = api.check_source(code, "example.py")
    assert not report.errors


# Python-looking text: fragments the rules look for, glued in random order.
FRAGMENTS = [
    "x in [1, 2]", "x not in (1, 'a', None)", "y in [(1, 2), (3,)]", "def f(a: int):\n",
    "    return a in [1, 2]\n", "if ", ":\n", "\n", " ", "\t", "(", ")", "[", "]", "#", "# noqa",
    "\r\n", "\\\n", "'''", "async ", "await ", "lambda: ", "for x in [1, 2]:\n    pass\n",
    "class C:\n", "    x = 1\n", "f'{x}'", "b'\\xff'", "# perfcodemod: noqa\n", ",",
    # What the other families look for.
    "any([x for x in y])", "set([x for x in y])", "sum([i for i in y])", "ys = [y for y in z]\n",
    "for v in ys:\n    print(v)\n", "if x not in seen:\n    seen.append(x)\n",
    "import functools\n", "@functools.cache\n", "@functools.lru_cache(maxsize=None)\n",
    "def fib(n):\n    return fib(n - 1) + fib(n - 2)\n", "    def m(self):\n        yield 1\n",
    "next((x for x in xs if x.id == k), None)", "xs.index(v)", "xs.count(v)", "return ",
]


@PROPERTY_SETTINGS
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=20).map("".join))
def test_check_and_fix_never_raise_on_python_like_text(code: str) -> None:
    _check_and_fix(code)


try:
    import hypothesmith
except ImportError:  # pragma: no cover - hypothesmith is in the dev extra
    hypothesmith = None

needs_hypothesmith = pytest.mark.skipif(hypothesmith is None, reason="needs hypothesmith")
# Valid programs. `auto_target=False`: hypothesmith's targeting costs seconds per example.
# Deferred: building hypothesmith's grammar takes seconds, paid only when these tests run.
GRAMMAR = st.deferred(lambda: hypothesmith.from_grammar(auto_target=False))
NODES = st.deferred(lambda: hypothesmith.from_node())


#: ``pytest --fuzz-examples N``: a long fuzz run, N examples per test, a new seed each run.
FUZZ_EXAMPLES = int(os.environ.get("PERFCODEMOD_FUZZ_EXAMPLES") or 0)


def _valid_program_settings(examples: int) -> settings:
    return settings(
        max_examples=FUZZ_EXAMPLES or examples,
        deadline=None,
        derandomize=not FUZZ_EXAMPLES,
        suppress_health_check=list(HealthCheck),
        print_blob=bool(FUZZ_EXAMPLES),
    )


@needs_hypothesmith
@_valid_program_settings(30)
@given(GRAMMAR)
def test_check_and_fix_never_raise_on_valid_programs(code: str) -> None:
    _check_and_fix(code)


@needs_hypothesmith
@_valid_program_settings(12)
@given(NODES)
def test_check_and_fix_never_raise_on_libcst_generated_programs(code: str) -> None:
    _check_and_fix(code)


@_valid_program_settings(40)
@given(pattern_programs())
def test_check_and_fix_never_raise_on_programs_full_of_patterns(code: str) -> None:
    """Programs built from what the rules look for (``programs.py``): they are reported and
    fixed, where hypothesmith's almost never are."""
    _check_and_fix(code)
