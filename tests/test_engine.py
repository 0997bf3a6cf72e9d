"""The engine's purpose-built replacements for LibCST machinery, checked against LibCST itself
on real code, and its chunking against whole-module parsing.

- ``children`` walks in source order (LibCST's dataclass field order differs for some nodes);
- the span pass gives each node the text LibCST generates for it, and the same start and end as
  ``PositionProvider`` (plus the node's own parentheses);
- replacing a node through an edit gives the same text as LibCST's ``deep_replace``;
- checking a file chunk by chunk finds what checking it parsed whole finds.
"""

from __future__ import annotations

import ast
import random
import sysconfig
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from perfcodemod import chunks, context, engine
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.config import settings_from_table
from perfcodemod.proposals import Replacement
from perfcodemod.source import LineIndex, SourceText

STDLIB = Path(sysconfig.get_paths()["stdlib"])
MODULES = [
    "argparse.py",
    "dataclasses.py",
    "json/decoder.py",
    "typing.py",
    "enum.py",
    "asyncio/base_events.py",
    "email/_header_value_parser.py",
    "pathlib.py",
]


def stdlib(name: str) -> str:
    path = STDLIB / name
    if not path.exists():
        pytest.skip(f"{name} is not in this Python")
    return path.read_text(encoding="utf-8")


def preorder(node: cst.CSTNode) -> list[cst.CSTNode]:
    out = [node]
    for child in context.children(node):
        out.extend(preorder(child))
    return out


@pytest.mark.parametrize("name", MODULES)
def test_children_walk_in_source_order(name: str) -> None:
    module = cst.parse_module(stdlib(name))
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    for node in preorder(module):
        starts = [
            (positions[c].start.line, positions[c].start.column)
            for c in context.children(node)
            if c in positions
        ]
        assert starts == sorted(starts), type(node).__name__


@pytest.mark.parametrize("stop_early", [False, True], ids=["whole", "stops-after-targets"])
@pytest.mark.parametrize("name", MODULES)
def test_spans_agree_with_libcst(name: str, stop_early: bool) -> None:
    """Also when generation stops after the last target (the engine passes the chunk's text)."""
    text = stdlib(name)
    module = cst.parse_module(text)
    nodes = [n for n in preorder(module) if not isinstance(n, cst.Module)]
    size = 400 if not stop_early else 40
    sample = random.Random(name).sample(nodes[: len(nodes) // 2], min(size, len(nodes) // 2))
    spans = chunks._Spans(module, set(sample), text=text if stop_early else None)
    if stop_early:  # generation stopped before the end, on a prefix of the text
        generated = "".join(spans.state.tokens)
        assert len(generated) < len(text) and text.startswith(generated)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    lines = LineIndex(text)
    for node in sample:
        if not getattr(node, "lpar", None):
            syntactic_start, syntactic_end = spans.syntactic(node)
            expected = positions[node]
            assert lines.position(syntactic_start) == (
                expected.start.line,
                expected.start.column + 1,
            )
            assert lines.position(syntactic_end) == (expected.end.line, expected.end.column + 1)


@pytest.mark.parametrize("name", ["json/decoder.py", "dataclasses.py"])
def test_a_replacement_edit_equals_deep_replace(name: str) -> None:
    text = stdlib(name)
    module = cst.parse_module(text)
    names = [n for n in preorder(module) if isinstance(n, cst.Name)]
    olds = random.Random(name).sample(names, 12)
    results = edits(text, module, [(old, cst.Name(old.value + "_renamed")) for old in olds])
    for old, result in zip(olds, results):
        assert result == module.deep_replace(old, cst.Name(old.value + "_renamed")).code


class _Context:
    """The part of RuleContext that spans need: the chunk's parents."""

    def __init__(self, module: cst.Module) -> None:
        self.parents = {
            child: parent for parent in preorder(module) for child in context.children(parent)
        }

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)


def edits(
    text: str, module: cst.Module, changes: list[tuple[cst.CSTNode, Replacement]]
) -> list[str]:
    """The chunk's text after each change alone, computed as the engine does (one span pass)."""
    context = _Context(module)
    anchors = {old: chunks._block_statement(old, context) for old, _ in changes}  # type: ignore[arg-type]
    spans = chunks._Spans(module, {*anchors, *anchors.values()}, anchors)
    out = []
    for old, new in changes:
        start, end, content = spans.edit(old, new)
        out.append(text[:start] + content + text[end:])
    return out


def edited(text: str, old: cst.CSTNode, new: Replacement, module: cst.Module) -> str:
    return edits(text, module, [(old, new)])[0]


@pytest.mark.parametrize("name", MODULES)
def test_replacing_any_node_by_itself_changes_nothing(name: str) -> None:
    """Including nodes whose code depends on their parent: elif branches, elements and
    arguments with implicit commas, small statements with implicit semicolons."""
    text = stdlib(name)
    module = cst.parse_module(text)
    nodes = [n for n in preorder(module) if not isinstance(n, cst.Module)]
    sample = random.Random(name).sample(nodes, min(300, len(nodes)))
    assert all(result == text for result in edits(text, module, [(n, n) for n in sample]))


def test_an_elif_stays_an_elif() -> None:
    text = "if a:\n    pass\nelif b in [1, 2]:\n    pass\nelse:\n    pass\n"
    module = cst.parse_module(text)
    elif_branch = module.body[0].orelse  # type: ignore[attr-defined]
    renamed = elif_branch.with_changes(test=cst.parse_expression("b in {1, 2}"))
    assert edited(text, elif_branch, renamed, module) == text.replace("[1, 2]", "{1, 2}")


def test_an_element_keeps_its_implicit_comma() -> None:
    text = "x = [a, b, c]\n"
    module = cst.parse_module(text)
    element = module.body[0].body[0].value.elements[0]  # type: ignore[attr-defined]
    new = cst.Element(cst.Name("z"))  # its comma is MaybeSentinel.DEFAULT, like a parsed one's
    assert edited(text, element, new, module) == "x = [z, b, c]\n"


def test_statement_replacement_keeps_indentation() -> None:
    text = "class C:\n    def f(self):\n        if x:\n            y = 1  # keep\n"
    module = cst.parse_module(text)
    assign_line = module.body[0].body.body[0].body.body[0].body.body[0]  # type: ignore[attr-defined]
    spans = chunks._Spans(module, {assign_line})
    new = cst.FlattenSentinel([cst.parse_statement("z = 0\n"), assign_line])
    start, end = spans.inclusive(assign_line)
    edited = text[:start] + spans.code_at(assign_line, new) + text[end:]
    assert edited == (
        "class C:\n    def f(self):\n        if x:\n            z = 0\n            y = 1  # keep\n"
    )


@pytest.mark.parametrize("name", ["argparse.py", "enum.py", "typing.py", "tarfile.py"])
def test_chunks_find_what_the_whole_module_finds(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parsing only the top-level statements with candidates is an optimisation: the same file
    checked as one chunk gives the same diagnostics and fixes."""
    source = SourceText(stdlib(name))
    settings = settings_from_table({"select": ["ALL"]}, None, Path.cwd())
    options = context.EngineOptions(settings.selected_rules(), settings.family_options)
    chunked = engine.check_source(source, options, name)

    def whole_module(facts: ModuleFacts, rule_types, path, **options):  # type: ignore[no-untyped-def]
        rules = tuple(sorted(rule_types, key=lambda r: r.code))
        return engine.Plan([engine.Chunk(1, len(facts.lines), rules)])

    monkeypatch.setattr(engine, "plan_chunks", whole_module)
    whole = engine.check_source(source, options, name)
    assert not chunked.errors and not whole.errors
    assert chunked.parsed_rows < whole.parsed_rows
    assert [(d.code, d.row, d.col, d.message, d.fix) for d in chunked.diagnostics] == [
        (d.code, d.row, d.col, d.message, d.fix) for d in whole.diagnostics
    ]


def test_top_level_spans_cover_statements_sharing_a_line() -> None:
    text = "import os; x = 1\n@dec\ndef f():\n    pass\ny = [\n  1,\n]\n"
    facts = ModuleFacts(ast.parse(text), text)
    assert facts.toplevel_spans == [(1, 1), (2, 4), (5, 7)]
    assert facts.toplevel_span(3) == (2, 4)
    assert facts.toplevel_span(6) == (5, 7)


@pytest.mark.parametrize(
    "text",
    [
        "ok = len(word) in [1, 2]",  # the last statement, at module level
        "def f(x):\n    if x:\n        return x in [1, 2]",  # nested in the last statement
        "def f(x):\n    return x in [1, 2]\r\n",  # with a final newline (CRLF)
    ],
)
def test_a_fix_keeps_a_missing_final_newline_missing(text: str) -> None:
    module = cst.parse_module(text)
    (target,) = [n for n in preorder(module) if isinstance(n, cst.List)]
    new = cst.Set(elements=target.elements)
    assert edited(text, target, new, module) == text.replace("[1, 2]", "{1, 2}")


def test_code_that_only_libcst_rejects_is_reported_in_file_positions() -> None:
    # `(x): int` is valid Python that LibCST's parser rejects; the chunk starts on line 4.
    text = (
        "import os\n\n\n"
        "def f(b):\n    (x): int\n    return any([a for a in b])\n\n\n"
        "def g(b):\n    return any([a for a in b])\n"
    )
    compile(text, "<test>", "exec")
    with pytest.raises(cst.ParserSyntaxError):
        cst.parse_module(text)
    options = settings_from_table({"select": ["PCM001", "PCM101"]}, None, Path.cwd())
    result = engine.check_source(
        SourceText(text),
        engine.EngineOptions(rules=options.rules_for(None)),
        "t.py",
    )
    parse_error, found = result.diagnostics
    assert (parse_error.code, parse_error.row, parse_error.col) == ("PCM001", 5, 10)
    assert "which Python accepts" in parse_error.message
    assert "at 5:10:" in parse_error.message  # the file's position, not the chunk's (2:9)
    assert "PCM101 not run on lines 4-6" in parse_error.message
    assert (found.code, found.row) == ("PCM101", 10)  # the other function was checked
