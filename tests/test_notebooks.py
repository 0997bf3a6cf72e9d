"""Jupyter notebooks through the real command line: found when walking a directory (or named),
checked cell by cell with ruff's positions (``nb.ipynb:cell 3:2:1``, JSON ``"cell": 3`` and
rows within the cell), IPython escapes left alone, noqa in cells, ``--diff`` per cell, fixes
written back into the JSON without touching anything else, standard input, and one clear
PCM001 line for a file that is not a notebook."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest

from perfcodemod.diagnostic import Edit
from perfcodemod.notebook import COMPILE_FLAGS, Notebook

from .conftest import FIXTURES, run_cli, write

MESSAGE = "Membership test against a list of constants; use a set literal"


def cell(source: str | list[str], cell_type: str = "code", **extra: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"cell_type": cell_type, "metadata": {}, "source": source}
    if cell_type == "code":
        found.update(execution_count=None, outputs=[])
    found.update(extra)
    return found


def notebook(*cells: dict[str, Any], **metadata: Any) -> dict[str, Any]:
    return {"cells": list(cells), "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


# Cell numbers count every cell (the Markdown one is cell 1), as ruff counts them.
ANALYSIS = notebook(
    cell(["# Title\n", "Some text."], "markdown"),
    cell(lines("%matplotlib inline\nimport os\n\nA = 1 in [1, 2]")),
    cell(lines(
        "def ok(status: str):\n"
        "    return status in ['on', 'off']\n"
        "\n"
        "!ls -l\n"
        "files = !ls\n"
        "ok?\n"
        "B = 2 in [1, 2]  # noqa: PCM201\n"
        "for i in range(3):\n"
        "    %time print(i)\n"
        "C = 3 in [1, 2]"
    )),
    cell("%%bash\nif [ 1 in [1, 2] ]; then echo; fi\n"),  # not Python: left alone
    cell("pip install requests"),  # IPython's automagic, not Python
    cell(lines("%%time\nawait_me = None\nD = 4 in [1, 2]\n")),
    cell([]),
    cell("import asyncio\nawait asyncio.sleep(0)\nE = 5 in [1, 2]"),  # top-level await
)
EXPECTED = [  # (cell, row, column)
    (2, 4, 10), (3, 2, 22), (3, 10, 10), (6, 3, 10), (8, 3, 10),
]


def dumped(document: dict[str, Any], **options: Any) -> str:
    return json.dumps(document, **{"indent": 1, "ensure_ascii": False, **options}) + "\n"


@pytest.fixture
def analysis(tmp_path: Path) -> Path:
    return write(tmp_path / "nb" / "analysis.ipynb", dumped(ANALYSIS))


def test_check_reports_cells_and_rows_within_them(analysis: Path) -> None:
    root = analysis.parent.parent
    text = run_cli("check", "nb/analysis.ipynb", cwd=root)
    assert text.returncode == 1 and text.stderr == ""
    assert text.stdout.splitlines() == [
        *(f"nb/analysis.ipynb:cell {c}:{r}:{col}: PCM201 [*] {MESSAGE}" for c, r, col in EXPECTED),
        "Found 5 diagnostics.",
        "[*] 5 fixable with the `--fix` option.",
    ]
    data = json.loads(run_cli("check", "--output-format", "json", "nb", cwd=root).stdout)
    assert [(d["cell"], d["location"]["row"], d["location"]["column"]) for d in data] == EXPECTED
    for item, (number, row, _) in zip(data, EXPECTED):
        assert item["filename"] == str(analysis)
        assert item["noqa_row"] == item["end_location"]["row"] == row
        [edit] = item["fix"]["edits"]
        assert edit["cell"] == number
        assert edit["location"] == item["location"]
        assert edit["end_location"] == item["end_location"]


def test_fix_writes_back_only_the_changed_lines(analysis: Path) -> None:
    original = analysis.read_text(encoding="utf-8")
    fixed = run_cli("check", "--fix", "nb", cwd=analysis.parent.parent)
    assert fixed.returncode == 0, fixed.stderr
    assert "Found 5 diagnostics (5 fixed, 0 remaining)." in fixed.stdout
    expected = original
    for before in ("A = 1 in [1, 2]", "['on', 'off']", "C = 3 in [1, 2]", "D = 4 in [1, 2]",
                   "E = 5 in [1, 2]"):
        after = before.replace("[", "{").replace("]", "}")
        assert expected.count(before) == 1
        expected = expected.replace(before, after)
    assert analysis.read_text(encoding="utf-8") == expected
    # The escapes are as they were; the code cells compile as IPython runs them.
    for item in json.loads(expected)["cells"]:
        code = "".join(item["source"])
        if item["cell_type"] == "code" and code and not code.startswith(("%%bash", "pip")):
            compile(Notebook.parse(dumped(notebook(cell(code)))).python, "<cell>", "exec",
                    ast.PyCF_ONLY_AST | COMPILE_FLAGS)
    sources = ["".join(c["source"]) for c in json.loads(expected)["cells"]]
    assert "\n!ls -l\nfiles = !ls\nok?\n" in sources[2]
    assert "\n    %time print(i)\n" in sources[2]
    assert sources[3:5] == ["%%bash\nif [ 1 in [1, 2] ]; then echo; fi\n", "pip install requests"]
    again = run_cli("check", "--fix", "nb", cwd=analysis.parent.parent)
    assert again.returncode == 0 and analysis.read_text(encoding="utf-8") == expected


NOTEBOOK_LAYOUTS = {
    # nbformat's own layout: sorted keys, one-space indent, non-ASCII as is, final newline.
    "nbformat": lambda nb: dumped(nb, sort_keys=True),
    # Another writer's: four spaces, key order as written, ASCII escapes, no final newline.
    "escaped": lambda nb: json.dumps(nb, indent=4, ensure_ascii=True),
    # On one line, sources as strings, or as lists.
    "compact": lambda nb: json.dumps(nb, separators=(",", ":")),
    "compact-lists": lambda nb: json.dumps(nb, separators=(",", ":")),
}


@pytest.mark.parametrize("layout", NOTEBOOK_LAYOUTS)
def test_fix_keeps_the_notebooks_layout(tmp_path: Path, layout: str) -> None:
    sources = ["label = 'é'\n", "x = label in ['é', 'e']\n", "y = 1"]
    as_string = layout == "compact"
    document = notebook(
        cell("".join(sources) if as_string else sources, id="a1", extra={"z": 1, "a": [1.50]}),
        kernelspec={"name": "python3", "language": "python"},
    )
    text = NOTEBOOK_LAYOUTS[layout](document)
    path = write(tmp_path / "n.ipynb", text)
    result = run_cli("check", "--fix", "n.ipynb", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    fixed_sources = [sources[0], "x = label in {'é', 'e'}\n", sources[2]]
    document["cells"][0]["source"] = "".join(fixed_sources) if as_string else fixed_sources
    assert path.read_text(encoding="utf-8") == NOTEBOOK_LAYOUTS[layout](document)


def test_diff_shows_each_changed_cell(analysis: Path) -> None:
    before = analysis.read_bytes()
    result = run_cli("check", "--diff", "nb/analysis.ipynb", cwd=analysis.parent.parent)
    assert result.returncode == 1
    headers = re.findall(r"^--- (.*)$", result.stdout, re.MULTILINE)
    assert headers == [f"nb/analysis.ipynb:cell {n}" for n in (2, 3, 6, 8)]
    assert "-    return status in ['on', 'off']\n+    return status in {'on', 'off'}\n" in (
        result.stdout)
    assert analysis.read_bytes() == before


def test_standard_input(analysis: Path) -> None:
    text = analysis.read_text(encoding="utf-8")
    checked = run_cli("check", "-", "--stdin-filename", "x.ipynb", stdin=text)
    assert checked.returncode == 1
    assert checked.stdout.startswith(f"x.ipynb:cell 2:4:10: PCM201 [*] {MESSAGE}\n")
    fixed = run_cli("check", "--fix", "-", "--stdin-filename", "x.ipynb", stdin=text)
    assert fixed.returncode == 0
    run_cli("check", "--fix", "nb/analysis.ipynb", cwd=analysis.parent.parent)
    assert fixed.stdout == analysis.read_text(encoding="utf-8")
    assert "Found 5 diagnostics (5 fixed, 0 remaining)." in fixed.stderr


def test_fixes_in_two_cells_and_an_import_at_a_cells_end(tmp_path: Path) -> None:
    """An import added after the last line of the imports cell stays in that cell; the
    fix's other edit is in the function's cell; the JSON names each edit's cell."""
    path = write(tmp_path / "f.ipynb", dumped(notebook(
        cell("import abc"),
        cell(lines("def fib(n: int) -> int:\n    if n < 2:\n        return n\n"
                   "    return fib(n - 1) + fib(n - 2)")),
        cell("print(fib(20))"),
    )))
    [item] = json.loads(run_cli("--select", "PCM401", "--output-format", "json",
                                "f.ipynb", cwd=tmp_path).stdout)
    assert (item["cell"], item["location"]["row"]) == (2, 1)
    assert [edit["cell"] for edit in item["fix"]["edits"]] == [1, 2]
    result = run_cli("--select", "PCM401", "--fix", "--unsafe-fixes", "f.ipynb", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    cells = ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]]
    assert cells[0] == "import abc\nimport functools"
    assert cells[1].startswith("@functools.cache\ndef fib(n: int) -> int:\n")
    assert cells[2] == "print(fib(20))"
    namespace: dict[str, Any] = {}
    for code in cells:  # the cells run, in order
        exec(compile(code, "<cell>", "exec"), namespace)
    assert namespace["fib"].cache_info().currsize == 21


def test_noqa_and_add_noqa_in_cells(tmp_path: Path) -> None:
    path = write(tmp_path / "q.ipynb", dumped(notebook(
        cell(lines('%load_ext autoreload\nX = 1 in [1, 2]\nT = (2 in [1, 2], """\n""")')),
        cell("# perfcodemod: noqa: PCM3\nY = 3 in [1, 2]"),
    )))
    added = run_cli("--add-noqa", "q.ipynb", cwd=tmp_path)
    assert (added.returncode, added.stderr) == (0, "Added 3 noqa directives.\n")
    cells = ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]]
    assert cells == [
        '%load_ext autoreload\nX = 1 in [1, 2]  # noqa: PCM201\nT = (2 in [1, 2], """\n""")'
        "  # noqa: PCM201",
        "# perfcodemod: noqa: PCM3\nY = 3 in [1, 2]  # noqa: PCM201",
    ]
    assert run_cli("q.ipynb", cwd=tmp_path).returncode == 0


def test_directories_include_notebooks_and_include_settings(tmp_path: Path) -> None:
    code = dumped(notebook(cell("A = 1 in [1, 2]")))
    write(tmp_path / "a.ipynb", code)
    write(tmp_path / "sub" / "b.ipynb", code)
    write(tmp_path / ".ipynb_checkpoints" / "a-checkpoint.ipynb", code)
    write(tmp_path / "c.py", "A = 1 in [1, 2]\n")
    write(tmp_path / "d.pyw", "A = 1 in [1, 2]\n")

    def reported(*args: str) -> set[str]:
        out = run_cli(*args, cwd=tmp_path).stdout
        return {line.split(":")[0] for line in out.splitlines() if ": PCM" in line}

    assert reported(".") == {"a.ipynb", "sub/b.ipynb", "c.py"}
    write(tmp_path / "pyproject.toml",
          '[tool.perfcodemod]\ninclude = ["*.py"]\nextend-include = ["*.pyw"]\n')
    assert reported(".") == {"c.py", "d.pyw"}
    assert reported("a.ipynb") == {"a.ipynb"}  # named: checked whatever `include` says
    write(tmp_path / "pyproject.toml", '[tool.perfcodemod]\nextend-include = ["[a"]\n')
    bad = run_cli(".", cwd=tmp_path)
    assert bad.returncode == 2 and "invalid glob `[a` in `extend-include`" in bad.stderr


MALFORMED = {
    "json.ipynb": ('{"cells": [\n  {"cell_type": "code", "source": "x"\n  ]\n}\n',
                   "json.ipynb:3:3: PCM001 cannot read notebook: invalid JSON: Expecting ',' "
                   "delimiter"),
    "v3.ipynb": ('{"worksheets": [], "nbformat": 3}',
                 "v3.ipynb:1:1: PCM001 cannot read notebook: nbformat 3 is not supported"),
    "list.ipynb": ("[1, 2]", "list.ipynb:1:1: PCM001 cannot read notebook: not a Jupyter "
                             "notebook (no `cells` list)"),
    "source.ipynb": ('{"cells": [{"cell_type": "code", "source": 5}], "nbformat": 4}',
                     "source.ipynb:1:1: PCM001 cannot read notebook: cell 1: `source` must "
                     "be a string or a list of strings"),
    "bytes.ipynb": (b"\xff\xfe{}", "bytes.ipynb:1:1: PCM001 cannot read notebook: not UTF-8"),
    "empty.ipynb": ("", "empty.ipynb:1:1: PCM001 cannot read notebook: invalid JSON"),
    "syntax.ipynb": (dumped(notebook(cell("x = 1"), cell("def f(:\n    pass"))),
                     "syntax.ipynb:cell 2:1:7: PCM001 SyntaxError: invalid syntax"),
}


def test_a_malformed_notebook_is_one_clear_line(tmp_path: Path) -> None:
    for name, (text, _) in MALFORMED.items():
        write(tmp_path / name, text)
    result = run_cli("--fix", ".", cwd=tmp_path)
    assert result.returncode == 1 and result.stderr == ""
    found = [line for line in result.stdout.splitlines() if ": PCM" in line]
    assert len(found) == len(MALFORMED)
    for name, (text, message) in MALFORMED.items():
        [line] = [line for line in found if line.startswith(name + ":")]
        assert line.startswith(message), line
        raw = text.encode() if isinstance(text, str) else text
        assert (tmp_path / name).read_bytes() == raw


def test_a_notebook_in_another_language_is_not_checked(tmp_path: Path) -> None:
    write(tmp_path / "r.ipynb", dumped(notebook(
        cell("x <- 1 %in% c(1, 2)"), language_info={"name": "R"})))
    result = run_cli("r.ipynb", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "All checks passed!\n")


def test_the_demo_notebook() -> None:
    result = run_cli("check", FIXTURES / "demo" / "analysis.ipynb")
    found = re.findall(r":cell (\d+):(\d+):(\d+): (PCM\d+)", result.stdout)
    assert ("6", "2", "22", "PCM201") in found and result.returncode == 1


# -- the cell layout (in-process) -----------------------------------------------------------


def test_escapes_become_placeholders_on_the_same_rows() -> None:
    parsed = Notebook.parse(dumped(notebook(cell(lines(
        "x = 1\n"
        "  %time f(x)\n"
        "y = !ls {x}\n"
        "s = '''\n"
        "!not an escape inside a string\n"
        "'''\n"
        "obj.attr??\n"
        "!echo a \\\n"
        "  b\n"
        "z = f(\n"
        "    ?2)\n"  # inside brackets: not IPython's help, a syntax error as in IPython
    )))))
    rows = parsed.python.splitlines()
    assert len(rows) == 12  # the cell's 11 lines and the newline that ends the cell
    assert rows[1] == "  __ipython_escape__(time, f, x)"
    assert rows[2] == "y = __ipython_escape__(ls, x)"
    assert rows[4] == "!not an escape inside a string"
    assert rows[6] == "__ipython_escape__(obj, attr)"
    assert rows[7] == "__ipython_escape__(echo, a)" and rows[8] == ""
    assert rows[10] == "    ?2)"
    originals = [m.original for m in parsed.layout.magics]
    assert originals == ["%time f(x)", "!ls {x}", "obj.attr??", "!echo a \\", "  b"]
    assert parsed.cell_sources(parsed.python, parsed.layout) == [parsed.cells[0].source]


def test_fixes_may_not_cross_cells_or_touch_escapes() -> None:
    parsed = Notebook.parse(dumped(notebook(cell("a = 1\n%time a"), cell("b = 2"))))
    layout = parsed.layout
    boundary = layout.starts[1]
    magic = layout.magics[0]
    assert layout.allows([Edit(0, 5, "a = 3")])
    assert not layout.allows([Edit(boundary - 2, boundary + 1, "")])  # across the cells
    assert layout.allows([Edit(boundary, boundary, "import os\n")])  # the end of cell 1
    assert not layout.allows([Edit(magic.start + 1, magic.start + 2, "x")])
    assert not layout.allows([Edit(magic.end, magic.end, "  # noqa")])
    moved = layout.moved([Edit(boundary, boundary, "import os\n")])
    assert moved.starts[1] == boundary + len("import os\n")
    text = parsed.python[:boundary] + "import os\n" + parsed.python[boundary:]
    assert parsed.cell_sources(text, moved) == ["a = 1\n%time a\nimport os", "b = 2"]


def test_placeholders_compile_where_the_escapes_were() -> None:
    parsed = Notebook.parse(dumped(notebook(cell(lines(
        "for i in range(2):\n    !echo {i}\nelse:\n    %time pass\nawait x\n")))))
    compile(parsed.python, "<nb>", "exec", ast.PyCF_ONLY_AST | COMPILE_FLAGS)


def test_every_output_format_shows_cells(analysis: Path) -> None:
    root = analysis.parent.parent

    def run(name: str, *extra: str) -> str:
        result = run_cli("check", "--output-format", name, *extra, "nb/analysis.ipynb", cwd=root)
        assert result.returncode == 1, result.stderr
        assert "__ipython_escape__" not in result.stdout  # escapes are shown as written
        return result.stdout

    full = run("full", "--show-fixes")
    assert " --> nb/analysis.ipynb:cell 3:2:22\n" in full
    assert "2 |     return status in ['on', 'off']\n" in full and "4 | !ls -l\n" in full
    assert "  | +     return status in {'on', 'off'}\n" in full
    assert "nb/analysis.ipynb:cell 3:2: [PCM201]" in run("pylint")
    assert "  cell 3:2:22 PCM201 [*] " in run("grouped")
    assert "::nb/analysis.ipynb:cell 3:2:22: PCM201 " in run("github")
    gitlab = json.loads(run("gitlab"))
    assert [(item["location"]["lines"]["begin"], item["description"].endswith(f"(cell {c})"))
            for item, (c, *_) in zip(gitlab, EXPECTED)] == [(r, True) for _, r, _ in EXPECTED]
    sarif = json.loads(run("sarif"))["runs"][0]["results"]
    assert [(r["properties"]["cell"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
            for r in sarif] == [(c, r) for c, r, _ in EXPECTED]
    assert run("junit").count('<property name="cell" value="3" />') == 2
    lines_out = [json.loads(line) for line in run("json-lines").splitlines()]
    assert [(d["cell"], d["location"]["row"]) for d in lines_out] == [
        (c, r) for c, r, _ in EXPECTED]
