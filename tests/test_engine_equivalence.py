"""The cheaper engine finds exactly what the reference engine finds, on real code.

The engine parses only the method around a candidate of a ``function_local`` rule instead of
its whole top-level class (``EngineOptions.function_chunks``). That is an optimisation: every
diagnostic, position, message, fix (edits, applicability, reason) and tool error must be the
same as with whole top-level statements, the engine's reference behaviour. Checked over the
standard library with every rule selected: a sample by default, every file with
``pytest --stdlib-full``.

One difference is by design: LibCST's parser does not accept everything Python does (it
reports PCM001 "LibCST cannot parse this code ... rules PCMxxx were not run on it"), and a
construct it rejects in one method of a class no longer stops a rule that only needed another
method (the standard library has one: a class of ``test/test_grammar.py``). Those PCM001 are
compared apart: the cheaper engine may have fewer, never others.

(`benchmarks/engine_output.py` records the output of any engine over a tree as JSON and
compares two recordings: how the engine of the main branch was compared with this one.)
"""

from __future__ import annotations

import ast
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import libcst as cst
import pytest

from perfcodemod import context, engine
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.config import settings_from_table
from perfcodemod.diagnostic import Applicability, Diagnostic
from perfcodemod.rule import Change, Rule
from perfcodemod.source import DecodeError, SourceText

STDLIB = Path(sysconfig.get_paths()["stdlib"])
SAMPLE_SIZE = 60


def stdlib_files(full: bool) -> list[Path]:
    files = sorted(p for p in STDLIB.rglob("*.py") if "site-packages" not in p.parts)
    if full:
        return files
    # Every Nth file, offset from tests/test_stdlib.py's sample so that the two cover more.
    step = max(1, len(files) // SAMPLE_SIZE)
    return files[step // 2 :: step]


def _options(function_chunks: bool) -> context.EngineOptions:
    settings = settings_from_table({"select": ["ALL"]}, None, Path.cwd())
    return context.EngineOptions(
        settings.selected_rules(), settings.family_options, function_chunks=function_chunks
    )


def _libcst_failure(diagnostic: Diagnostic) -> bool:
    return diagnostic.code == "PCM001" and diagnostic.message.startswith("LibCST cannot parse")


def _shown(diagnostic: Diagnostic) -> tuple[object, ...]:
    return (
        diagnostic.code, diagnostic.message, diagnostic.start, diagnostic.end, diagnostic.row,
        diagnostic.col, diagnostic.end_row, diagnostic.end_col, diagnostic.noqa_row,
        diagnostic.fix,
    )


def test_method_chunks_find_what_whole_statements_find(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "DEBUG", False)  # a rule's bug is a tool error on both sides
    fast, reference = _options(True), _options(False)
    compared = fewer_rows = 0
    differences = []
    for path in stdlib_files(request.config.getoption("--stdlib-full")):
        try:
            source = SourceText.decode(path.read_bytes())
        except (OSError, DecodeError):
            continue
        name = str(path.relative_to(STDLIB))
        new = engine.check_source(source, fast, name)
        old = engine.check_source(source, reference, name)
        compared += 1
        fewer_rows += new.parsed_rows < old.parsed_rows
        new_shown = [_shown(d) for d in new.diagnostics if not _libcst_failure(d)]
        old_shown = [_shown(d) for d in old.diagnostics if not _libcst_failure(d)]
        new_failures = {_shown(d) for d in new.diagnostics if _libcst_failure(d)}
        old_failures = {_shown(d) for d in old.diagnostics if _libcst_failure(d)}
        if new_shown != old_shown or not new_failures <= old_failures:
            differences.append(name)
        elif new.errors != old.errors:
            differences.append(f"{name} (tool errors)")
    assert differences == []
    assert compared > 0
    assert fewer_rows > 0  # the comparison exercised method chunks


@pytest.mark.parametrize(
    "text",
    [
        # The method's own leading comment and a decorator stay outside its chunk.
        "class A:\n    x = 1\n\n    # about f\n    @property\n    def f(self):\n"
        "        return self.x in [1, 2]\n",
        # Nested classes, tabs, CRLF.
        "class A:\r\n\tclass B:\r\n\t\tdef f(self, s: str):\r\n\t\t\treturn s in ['a', 'b']\r\n",
        # A candidate in a default runs in the class's scope: the whole class is parsed.
        "class A:\n    K = 'a'\n    def f(self, v=K in ['a', 'b']):\n        return v\n",
        # The last method of a file without a final newline.
        "class A:\n    def f(self, s: str):\n        return s in ['a', 'b']",
    ],
)
def test_method_chunks_on_the_edges(text: str) -> None:
    source = SourceText(text)
    fast = engine.check_source(source, _options(True))
    old = engine.check_source(source, _options(False))
    assert [_shown(d) for d in fast.diagnostics] == [_shown(d) for d in old.diagnostics]
    assert [d.code for d in fast.diagnostics] == ["PCM201"]


def test_a_method_chunk_holds_only_the_method() -> None:
    text = "class A:\n" + "    def g(self):\n        pass\n" * 50 + (
        "    def f(self, s: str):\n        return s in ['a', 'b']\n"
    )
    source = SourceText(text)
    fast = engine.check_source(source, _options(True))
    old = engine.check_source(source, _options(False))
    assert fast.parsed_rows == 2
    assert old.parsed_rows == len(source.lines) - 1


class _RenameF(Rule):
    """A rule for this test only: its fix edits the whole method, leading comments included."""

    code = "PCM999"
    name = "rename-f"
    message = "rename f"
    function_local = True

    @classmethod
    def precheck(cls, facts: ModuleFacts) -> Iterator[ast.AST]:
        yield from facts.nodes(ast.Return)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.name.value == "f":
            renamed = node.with_changes(name=cst.Name("g"))
            self.report(node, fix=self.fix(Change(node, renamed), Applicability.SAFE, "test"))


def test_an_edit_of_the_whole_method_is_made_on_the_whole_class() -> None:
    text = "class A:\n    x = 1\n\n    # about f\n    def f(self):\n        return 1\n"
    source = SourceText(text)
    fast = engine.check_source(source, context.EngineOptions((_RenameF,)))
    old = engine.check_source(source, context.EngineOptions((_RenameF,), function_chunks=False))
    assert [_shown(d) for d in fast.diagnostics] == [_shown(d) for d in old.diagnostics]
    (diagnostic,) = fast.diagnostics
    assert diagnostic.fix is not None
    (edit,) = diagnostic.fix.edits
    # The edit starts at the comment above the method, which only the whole class holds.
    assert text[: edit.start].endswith("x = 1\n")
    assert fast.parsed_rows == 2 + 6  # the method, then the class
