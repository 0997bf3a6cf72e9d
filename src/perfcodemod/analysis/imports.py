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
docstring, ``__future__`` imports, dunders (``__all__``) and imports, laid out as the module is
(no blank line inside an import block, one between a docstring and a first import). Two fixes
asking for the same import produce the same edit, which the fixer applies once.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.diagnostic import Edit
from perfcodemod.proposals import ImportRequest


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


def _head(facts: ModuleFacts) -> list[ast.stmt]:
    """The statements that open the module: its docstring, then its imports and the module
    dunders PEP 8 puts among them (``__all__``, ``__version__``...), up to the first other
    statement. A new import goes in the head, so it comes before any code that uses it."""
    head: list[ast.stmt] = []
    for statement in facts.tree.body:
        if statement is facts.docstring or isinstance(
            statement, (ast.Import, ast.ImportFrom)
        ) or _is_dunder_assignment(statement):
            head.append(statement)
        else:
            break
    return head


def _is_dunder_assignment(statement: ast.stmt) -> bool:
    targets = (
        statement.targets if isinstance(statement, ast.Assign)
        else [statement.target] if isinstance(statement, ast.AnnAssign)
        else []
    )
    return bool(targets) and all(
        isinstance(t, ast.Name) and t.id.startswith("__") and t.id.endswith("__") for t in targets
    )


def _end_row(statement: ast.stmt) -> int:
    return statement.end_lineno or statement.lineno


def _first_row(statement: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(statement, "decorator_list", [])
    return min([statement.lineno] + [d.lineno for d in decorators])


def insertion_row(request: ImportRequest, facts: ModuleFacts) -> int:
    """The row before which the import of ``request`` goes: in the module's import block when
    it has one (next to the imports from the same module, or in alphabetical order), else
    after the docstring and module dunders, else before the first statement."""
    head = _head(facts)
    imports = [s for s in head if isinstance(s, (ast.Import, ast.ImportFrom))]
    if request.name is not None:
        same = [
            s for s in _toplevel_imports(facts)
            if isinstance(s, ast.ImportFrom) and s.module == request.module and not s.level
        ]
        if same:
            return _end_row(same[-1]) + 1
        siblings = [
            s for s in imports
            if isinstance(s, ast.ImportFrom) and s.module != "__future__" and not s.level
        ]
        for statement in siblings:
            if (statement.module or "") > request.module:
                return statement.lineno
        if siblings:
            return _end_row(siblings[-1]) + 1
    else:
        plain = [s for s in imports if isinstance(s, ast.Import)]
        for plain_import in plain:
            if plain_import.names[0].name > request.module:
                return plain_import.lineno
        if plain:
            return _end_row(plain[-1]) + 1
    if imports:
        return _end_row(imports[-1]) + 1
    if head:
        return _end_row(head[-1]) + 1
    if facts.tree.body:
        return _first_row(facts.tree.body[0])
    return 1


def import_edit(request: ImportRequest, facts: ModuleFacts) -> Edit | None:
    """The edit that adds ``request``'s import (None: the module already has it), laid out as
    the module is: inside an import block, no blank line; as the module's first import after
    its docstring (or dunders), a blank line before it; before code, blank lines after it."""
    if _satisfied(request, facts):
        return None
    if request.name is None:
        statement = f"import {request.module}"
    else:
        statement = f"from {request.module} import {request.name}"
    lines = facts.lines
    newline = lines.newline
    row = insertion_row(request, facts)
    before = ""
    first_import = not any(isinstance(s, (ast.Import, ast.ImportFrom)) for s in _head(facts))
    if first_import and _head(facts):
        # The module's first import, after its docstring or dunders: one blank line between.
        if _is_blank(facts, row):
            row += 1
        else:
            before = newline
    offset = lines.offset(row) if row <= len(lines) else len(facts.text)
    if offset == len(facts.text) and facts.text and not facts.text.endswith(("\n", "\r")):
        before = newline + before
    after = _separator(facts, row) if first_import else ""
    return Edit(offset, offset, f"{before}{statement}{newline}{after}")


def _is_blank(facts: ModuleFacts, row: int) -> bool:
    """Row ``row`` is an empty (or white-space) line of the text, not the end of the file."""
    return _has_line(facts, row) and not facts.lines.line(row).strip()


def _has_line(facts: ModuleFacts, row: int) -> bool:
    return row <= len(facts.lines) and facts.lines.offset(row) < len(facts.text)


def _separator(facts: ModuleFacts, row: int) -> str:
    """The blank lines to add after a module's first import so that what follows it is spaced
    as PEP 8 has it: one blank line before a statement, two before a function or class (blank
    lines already there count)."""
    blank = 0
    while _is_blank(facts, row + blank):
        blank += 1
    code_row = row + blank
    if not _has_line(facts, code_row):
        return ""
    following = next((s for s in facts.tree.body if _first_row(s) == code_row), None)
    is_definition = isinstance(following, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    return facts.lines.newline * max(0, (2 if is_definition else 1) - blank)
