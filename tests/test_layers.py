"""Imports run one way: front ends -> api -> engine -> rules -> (the rule base class) ->
analyses -> value modules.

Every module of the package is read with ``ast`` and each import it makes at run time (at the
top, or inside a function) must point to its own layer or a layer below. Imports under
``if TYPE_CHECKING:`` only name types and are free (an analysis may name ``Rule`` in an
annotation). A new module must be given a layer here: the test fails until it is.
"""

from __future__ import annotations

import ast
from fnmatch import fnmatchcase
from pathlib import Path

import perfcodemod

PACKAGE = Path(perfcodemod.__file__).parent

#: Highest first. A pattern matches a module's dotted name below ``perfcodemod``.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("front ends", (
        "__main__", "cli", "flake8_plugin", "lsp", "lsp.*", "output", "output.*", "docs",
        "progress",
    )),
    ("api", ("api",)),
    # What api.py offers of the profile-guided mode and of verified fixes.
    ("api's parts", ("profile", "profile.*", "verify", "verify.*")),
    ("engine", (
        "engine", "chunks", "fixer", "noqa", "registry", "rule_index", "cache", "workers",
        "config", "files", "globs", "safety",
    )),
    ("rules", ("rules", "rules.*")),
    # The base class every rule derives from: the engine's contract with the rules, which
    # import it (as Fixit's rules import ``LintRule``); it imports value modules only.
    ("rule base class", ("rule",)),
    ("analyses", ("analysis", "analysis.*")),
    ("values", (
        "", "context", "proposals", "source", "diagnostic", "transforms", "lazycst", "notebook",
        "syntax", "newsyntax", "cstoffsets", "atomicfile", "deep", "astcompat", "annotation",
    )),
)


def layer_of(module: str) -> int:
    """The rank of a module's layer (0 is the top)."""
    for rank, (_, patterns) in enumerate(LAYERS):
        if any(fnmatchcase(module, pattern) for pattern in patterns):
            return rank
    raise AssertionError(f"perfcodemod.{module} has no layer: add it to LAYERS in {__file__}")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name: str) -> bool:
    base = PACKAGE.joinpath(*name.split(".")) if name else PACKAGE
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def runtime_imports(tree: ast.Module, module: str) -> set[str]:
    """The package's modules that ``tree`` imports when it runs (relative names resolved)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and ast.unparse(child.test).endswith("TYPE_CHECKING"):
                for statement in child.orelse:
                    visit_one(statement)
                continue
            visit_one(child)

    def visit_one(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = module.split(".")[: len(module.split(".")) - node.level + 1]
                base = ".".join(["perfcodemod", *parent[:-1], *([base] if base else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                inner = candidate.removeprefix("perfcodemod.")
                found.add(candidate if is_module(inner) else base)
        visit(node)

    visit(tree)
    return {
        name.removeprefix("perfcodemod").lstrip(".")
        for name in found
        if name == "perfcodemod" or name.startswith("perfcodemod.")
    }


def test_imports_run_one_way() -> None:
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_name(path)
        rank = layer_of(module)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for imported in sorted(runtime_imports(tree, module)):
            if layer_of(imported) < rank:
                importer_layer, imported_layer = LAYERS[rank][0], LAYERS[layer_of(imported)][0]
                upward.append(f"{module} ({importer_layer}) imports {imported} ({imported_layer})")
    assert upward == []


def test_the_check_can_fail(tmp_path: Path) -> None:
    """The reader sees lazy imports inside functions, and only TYPE_CHECKING ones are free."""
    code = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from perfcodemod.rule import Rule\n"
        "def f():\n    from perfcodemod import api, engine\n"
    )
    imports = runtime_imports(ast.parse(code), "analysis.example")
    assert imports == {"api", "engine"}
    assert layer_of("api") < layer_of("analysis.example")
