"""``api.verify_paths``, what other front ends call: the hook that narrows the fixes tried
(where ``--hot`` plugs in), safe fixes only, and an unexpected error mid-run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from perfcodemod import api
from perfcodemod.diagnostic import Diagnostic
from perfcodemod.source import SourceText

from .helpers import gate, project, snapshot
from .test_verify_cli import M, N


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = project(tmp_path / "tiny", {"m.py": M, "n.py": N})
    monkeypatch.chdir(root)
    return root


def test_select_narrows_the_fixes_tried_and_the_record_keeps_the_others(tiny: Path) -> None:
    command = gate(tiny, "--expect", "m.py", '{"new"')
    # A first run rejects m.py's first fix.
    _, first = api.verify_paths([Path("m.py")], command=command, unsafe=True)
    assert [(e.path, e.row) for e in first.rejected] == [("m.py", 2)]
    (tiny / "m.py").write_text(M)
    seen: list[str] = []

    def only_n(path: str, source: SourceText, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
        seen.append(path)
        return diagnostics if path == "n.py" else []

    run, result = api.verify_paths(
        [Path("m.py"), Path("n.py")], command=command, unsafe=True, select=only_n)
    assert result.completed
    assert [(e.path, e.code) for e in result.kept] == [("n.py", "PCM201")]
    assert not result.rejected and not result.skipped
    assert (tiny / "m.py").read_text() == M
    assert (tiny / "n.py").read_text() == N.replace('("a", "b")', '{"a", "b"}')
    assert set(seen) == {"m.py", "n.py"}
    # m.py was not tried, and its rejection is still on record.
    record = json.loads((tiny / ".perfcodemod-verify.json").read_text())
    assert [(e["path"], e["row"]) for e in record["rejected"]] == [("m.py", 2)]
    by_path = {report.path: report for report in run.files}
    assert by_path["n.py"].applied == {"PCM201": 1} and by_path["n.py"].written
    assert by_path["m.py"].fixed is None and len(by_path["m.py"].diagnostics) == 2


def test_safe_fixes_only(tiny: Path) -> None:
    (tiny / "s.py").write_text("def f(x: str):\n    return x in ['a', 'b']\n")
    _, result = api.verify_paths(
        [Path("m.py"), Path("s.py")], command=gate(tiny), unsafe=False)
    assert [(e.path, e.code) for e in result.kept] == [("s.py", "PCM201")]
    assert (tiny / "m.py").read_text() == M


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "plain"])
def test_an_unexpected_error_restores_every_file(
    tiny: Path, monkeypatch: pytest.MonkeyPatch, debug: bool
) -> None:
    if not debug:
        monkeypatch.delenv("PERFCODEMOD_DEBUG", raising=False)
    before = snapshot(tiny)
    fixed_on_disk: list[bool] = []

    def events(message: str) -> None:
        if message.startswith("running the command once more"):
            fixed_on_disk.append((tiny / "m.py").read_text() != M)
            raise RuntimeError("a bug in a front end's callback")

    if debug:
        with pytest.raises(RuntimeError):
            api.verify_paths([Path("m.py"), Path("n.py")], command=gate(tiny), unsafe=True,
                             events=events)
    else:
        _, result = api.verify_paths([Path("m.py"), Path("n.py")], command=gate(tiny),
                                     unsafe=True, events=events)
        assert result.status.value == "error" and result.restored
        assert "internal error: RuntimeError" in result.message
        assert not result.texts
    assert fixed_on_disk == [True]
    after = snapshot(tiny)
    assert {k: v for k, v in after.items() if k in before} == before
