"""Referring to an imported name the way the module already does, and adding an import where it
belongs.

A fix that needs ``functools.cache`` asks :func:`reference` how to write it here:

- the module already binds it (``from functools import cache``, ``... import cache as memo``)
  before the place of use: that name, and no new import;
- the module imports the module (``import functools``, ``import functools as ft``): an
  attribute of it (``functools.cache``, ``ft.cache``);
- otherwise a new import, in the module's style: ``from functools import cache`` when the module
  already imports from ``functools`` or mostly uses ``from`` imports, else ``import functools``
  and ``functools.cache``; never a name that the module binds to something else (a variable
  called ``cache`` is common), in which case the other form is used, or no fix is offered.

:func:`import_edit` turns an ``ImportRequest`` into the text edit the engine applies: nothing when
the import is already there (so a second ``--fix`` and two fixes in one file add one import), a
``from m import n`` next to the module's other imports from ``m``, a plain ``import m`` in
alphabetical order among the module's leading plain imports, else after the module's leading
docstring, ``__future__`` imports and imports. Two fixes asking for the same import produce the
same edit, which the fixer applies once.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.diagnostic import Edit
from perfcodemod.rule import ImportRequest


@dataclass(frozen=True)
class Reference:
    """How to write a name at some place, and the imports that makes necessary."""

    expression: str
    imports: tuple[ImportRequest, ...] = ()


def _toplevel_imports(facts: ModuleFacts) -> list[ast.Import | ast.ImportFrom]:
    return [s for s in facts.tree.body if isinstance(s, (ast.Import, ast.ImportFrom))]


def _binds_only(facts: ModuleFacts, local: str, target: str) -> bool:
    """Every binding of ``local`` anywhere in the module is an import of ``target`` (or there
    is none): the name is free for ``target``."""
    if facts.has_star_import:
        return False
    bindings = facts.bindings.get(local, [])
    if not bindings:
        return True
    only_imports = all(isinstance(b, (ast.Import, ast.ImportFrom)) for b in bindings)
    return only_imports and facts.imported_as.get(local, set()) == {target}


def _module_binding(facts: ModuleFacts, target: str, before_row: int) -> str | None:
    """A local name that a top-level import binds to ``target`` before ``before_row``, and that
    nothing else in the module binds."""
    for statement in _toplevel_imports(facts):
        if statement.lineno >= before_row:
            break
        if isinstance(statement, ast.ImportFrom):
            if statement.level:
                continue
            for alias in statement.names:
                if f"{statement.module}.{alias.name}" == target:
                    local = alias.asname or alias.name
                    if _binds_only(facts, local, target):
                        return local
        else:
            for alias in statement.names:
                if alias.name == target and (alias.asname or "." not in target):
                    local = alias.asname or alias.name
                    if _binds_only(facts, local, target):
                        return local
    return None


def prefers_from_imports(facts: ModuleFacts, module: str) -> bool:
    """Whether the module would write ``from module import name``: it already imports from
    ``module`` that way (and not the module itself), or it mostly uses ``from`` imports."""
    plain = from_ = 0
    for statement in _toplevel_imports(facts):
        if isinstance(statement, ast.ImportFrom):
            if statement.module == "__future__":
                continue
            if statement.module == module and not statement.level:
                return True
            from_ += 1
        else:
            if any(alias.name == module for alias in statement.names):
                return False
            plain += 1
    return from_ > plain


def reference(facts: ModuleFacts, module: str, name: str, before_row: int) -> Reference | None:
    """How code at module level on ``before_row`` (a decorator, say) refers to ``module.name``.
    None when every way of writing it would collide with a name the module uses otherwise."""
    target = f"{module}.{name}"
    local = _module_binding(facts, target, before_row)
    if local is not None:
        return Reference(local)
    module_local = _module_binding(facts, module, before_row)
    if module_local is not None:
        return Reference(f"{module_local}.{name}")
    from_form = (
        Reference(name, (ImportRequest(module, name),))
        if _binds_only(facts, name, target)
        else None
    )
    plain_form = (
        Reference(f"{module}.{name}", (ImportRequest(module),))
        if "." not in module and _binds_only(facts, module, module)
        else None
    )
    if prefers_from_imports(facts, module):
        return from_form or plain_form
    return plain_form or from_form


# -- inserting an import ----------------------------------------------------------------------


def _satisfied(request: ImportRequest, facts: ModuleFacts) -> bool:
    for statement in _toplevel_imports(facts):
        if request.name is None and isinstance(statement, ast.Import):
            if any(alias.name == request.module and not alias.asname for alias in statement.names):
                return True
        if request.name is not None and isinstance(statement, ast.ImportFrom):
            if statement.module == request.module and not statement.level and any(
                alias.name == request.name and not alias.asname for alias in statement.names
            ):
                return True
    return False


def _leading_block(facts: ModuleFacts) -> list[ast.stmt]:
    """The module's docstring and the imports that follow it, up to the first other statement."""
    block: list[ast.stmt] = []
    for index, statement in enumerate(facts.tree.body):
        is_docstring = (
            index == 0
            and isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str)
        )
        if is_docstring or isinstance(statement, (ast.Import, ast.ImportFrom)):
            block.append(statement)
        else:
            break
    return block


def _first_row(statement: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(statement, "decorator_list", [])
    return min([statement.lineno] + [d.lineno for d in decorators])


def insertion_row(request: ImportRequest, facts: ModuleFacts) -> int:
    """The row before which the import of ``request`` goes."""
    block = _leading_block(facts)
    imports = [s for s in block if isinstance(s, (ast.Import, ast.ImportFrom))]
    if request.name is not None:
        same = [
            s for s in _toplevel_imports(facts)
            if isinstance(s, ast.ImportFrom) and s.module == request.module and not s.level
        ]
        if same:
            return (same[-1].end_lineno or same[-1].lineno) + 1
        siblings = [
            s for s in imports
            if isinstance(s, ast.ImportFrom) and s.module != "__future__" and not s.level
        ]
        for statement in siblings:
            if (statement.module or "") > request.module:
                return statement.lineno
        if siblings:
            return (siblings[-1].end_lineno or siblings[-1].lineno) + 1
    else:
        plain = [s for s in imports if isinstance(s, ast.Import)]
        for plain_import in plain:
            if plain_import.names[0].name > request.module:
                return plain_import.lineno
        if plain:
            return (plain[-1].end_lineno or plain[-1].lineno) + 1
    if block:
        return (block[-1].end_lineno or block[-1].lineno) + 1
    if facts.tree.body:
        return _first_row(facts.tree.body[0])
    return 1


def import_edit(request: ImportRequest, facts: ModuleFacts) -> Edit | None:
    """The edit that adds ``request``'s import (None: the module already has it)."""
    if _satisfied(request, facts):
        return None
    if request.name is None:
        statement = f"import {request.module}"
    else:
        statement = f"from {request.module} import {request.name}"
    row = insertion_row(request, facts)
    newline = facts.lines.newline
    offset = facts.lines.offset(row) if row <= len(facts.lines) else len(facts.text)
    prefix = (
        newline
        if offset == len(facts.text) and facts.text and not facts.text.endswith(("\n", "\r"))
        else ""
    )
    return Edit(offset, offset, f"{prefix}{statement}{newline}{_separator(facts, row)}")


def _separator(facts: ModuleFacts, row: int) -> str:
    """Blank lines after a module's first import, when code follows it directly: one before a
    statement, two before a function or class (as PEP 8 has it)."""
    if any(isinstance(s, (ast.Import, ast.ImportFrom)) for s in _leading_block(facts)):
        return ""
    if row > len(facts.lines) or not facts.lines.line(row).strip():
        return ""
    following = next((s for s in facts.tree.body if _first_row(s) == row), None)
    is_definition = isinstance(following, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    return facts.lines.newline * (2 if is_definition else 1)
