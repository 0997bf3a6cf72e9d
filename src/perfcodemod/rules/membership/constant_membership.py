"""PCM202: a name bound to a list or tuple of constants that is only used for membership tests."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import Union

from perfcodemod.analysis import names
from perfcodemod.analysis.expressions import snippet
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.flow import is_inside
from perfcodemod.analysis.hashability import (
    is_constant_display,
    is_hashable_constant,
    is_provably_hashable,
)
from perfcodemod.analysis.loops import enclosing_loops, enclosing_loops_ast
from perfcodemod.analysis.uses import (
    is_membership_container,
    membership_containers_ast,
    membership_needle,
    name_occurrences,
)
from perfcodemod.context import RuleContext
from perfcodemod.diagnostic import Applicability
from perfcodemod.lazycst import cst
from perfcodemod.rule import Candidate, Change, FixProposal, Invalid, Rule
from perfcodemod.transforms import set_display

SAFE = Applicability.SAFE
UNSAFE = Applicability.UNSAFE

Binding = Union["cst.Assign", "cst.AnnAssign"]


class ConstantMembership(Rule):
    """A list or tuple of constants bound to a name only used in membership tests; use a set.

    ## What it does
    Finds a name bound once to a list or tuple display of two or more hashable constants
    (strings, bytes, numbers, `True`, `False`, `None`, tuples of these) whose every use is a
    membership test, `x in NAME` or `x not in NAME` (uses in nested functions, lambdas and
    comprehensions included), and binds it to a set instead: a set literal in a function, a
    `frozenset({...})` at module level. `__all__` is never reported.

    In a function, the name is reported only when some test runs more often than the binding:
    in a loop or comprehension that does not also rebuild the container, or in a nested
    function or lambda. A function that builds the container and tests it once per call gains
    nothing (see below). Names bound in a class body are not reported: their uses
    (`self.NAME`, `cls.NAME`) cannot be found reliably.

    ## Why is this bad?
    A list or tuple is searched element by element; a set is looked up by hash. This is the
    plan's `valid_statuses = ["active", "pending", "reviewing"]`. Measured on CPython 3.11
    (`python benchmarks/rules/membership.py`, CPU time), a miss against a module-level
    container of strings costs 61 ns (tuple) vs 37 ns (frozenset) for 3 strings, 122 vs 39 ns
    for 10, and 293 vs 42 ns for 30.

    In a function, `S = {...}` builds the set on every call, while a tuple of constants is a
    constant (a list display is built too). With one test per call the set does not pay:
    70 ns (tuple) vs 102 ns (set) for 3 strings, 130 vs 167 ns for 10, 303 vs 314 ns for 30
    (a list display: 111 vs 101 ns, 177 vs 167 ns, 389 vs 318 ns). With 100 tests per call it
    does: 5.3 µs vs 3.9 µs for 3 strings, 7.6 vs 2.6 µs for 10, 16.2 vs 3.0 µs for 30. Hence
    the rule's condition that a test runs more often than the binding.

    ## Example
    ```python
    VALID_STATUSES = ["active", "pending", "reviewing"]


    def open_users(users):
        allowed = ("admin", "staff")
        return [u for u in users if u.status in VALID_STATUSES and u.role in allowed]
    ```

    ## Use instead
    ```python
    VALID_STATUSES = frozenset({"active", "pending", "reviewing"})


    def open_users(users):
        allowed = {"admin", "staff"}
        return [u for u in users if u.status in VALID_STATUSES and u.role in allowed]
    ```

    ## Fix safety
    The fix is **safe** when every use of the name is visible and every value looked up is
    provably hashable (the same proof as PCM201's: a literal, an f-string, a builtin that
    returns a hashable value, a `str` method on a string, a name annotated or assigned
    so...):

    - a function's local variable (all its uses are in the function), or
    - a module-level name that is private (a leading underscore, not in `__all__`), never
      declared `global`, in a module that does not use `globals()`, `locals()`, `vars()`,
      `exec`, `eval` or `__import__`.

    Then the set answers every test as the list did: for these values, equal means equal
    hashes, and duplicates or order in the container never mattered to `in`.

    Otherwise the fix is **unsafe**: a public module name may be imported by another module
    and iterated, indexed or concatenated there (a `frozenset` has no order and no `+`); a
    value that is not provably hashable makes the set raise `TypeError: unhashable type`
    where the list answered `False`; a `global` declaration or a dynamic namespace may hide
    other uses. A name whose uses other modules might see is still only *reported* when
    every use in this module is a membership test.
    """

    code = "PCM202"
    name = "constant-list-membership"
    message = "A list of constants only used for membership tests; bind the name to a set"
    fix_title = "Bind the name to a set"
    function_local = True

    VALID = (
        # A use that is not a membership test: the list is needed.
        "def f(xs):\n    ok = ['a', 'b']\n    return [x for x in xs if x in ok] + ok\n",
        (
            "def f(xs):\n"
            "    ok = ['a', 'b']\n"
            "    for o in ok:\n"
            "        print(o)\n"
            "    return [x for x in xs if x in ok]\n"
        ),
        "def f(xs):\n    ok = ('a', 'b')\n    return [x for x in xs if x in ok and ok[0]]\n",
        # Bound twice, or a parameter of the same name.
        (
            "def f(xs, c):\n"
            "    ok = ('a', 'b')\n"
            "    if c:\n"
            "        ok = ('c', 'd')\n"
            "    return [x for x in xs if x in ok]\n"
        ),
        # One test per call: building a set per call costs more than the scan saves.
        "def f(x):\n    ok = ('a', 'b', 'c')\n    return x in ok\n",
        # The binding is in the loop too: one test per binding.
        (
            "def f(xs):\n"
            "    for x in xs:\n"
            "        ok = ('a', 'b')\n"
            "        if x in ok:\n"
            "            print(x)\n"
        ),
        # Not constants (names, calls), or a single element.
        "def f(xs, a, b):\n    ok = [a, b]\n    return [x for x in xs if x in ok]\n",
        "def f(xs):\n    ok = ['a']\n    return [x for x in xs if x in ok]\n",
        # `x in ok == y` compares the list itself.
        "def f(xs, y):\n    ok = ('a', 'b')\n    return [x for x in xs if x in ok == y]\n",
        # `__all__` is a list for `from m import *`.
        "__all__ = ['a', 'b']\n\ndef f(x):\n    return x in __all__\n",
        # A module name used otherwise somewhere in the module.
        "NAMES = ('a', 'b')\n\ndef f(x):\n    return x in NAMES\n\nprint(len(NAMES))\n",
        # Rebound elsewhere (a function's `global` assignment).
        (
            "NAMES = ('a', 'b')\n"
            "\n"
            "def f(x):\n"
            "    return x in NAMES\n"
            "\n"
            "def g():\n"
            "    global NAMES\n"
            "    NAMES = ()\n"
        ),
        # Class attributes are used through `self.`, invisibly.
        "class C:\n    KINDS = ('a', 'b')\n\n    def f(self, x):\n        return x in self.KINDS\n",
        # Already a set.
        "OK = frozenset({'a', 'b'})\n\ndef f(x):\n    return x in OK\n",
    )
    INVALID = (
        Invalid(
            "def f(users):\n"
            "    valid = ['active', 'pending', 'reviewing']\n"
            "    return [u for u in users if u in valid]\n",
            "def f(users):\n"
            "    valid = {'active', 'pending', 'reviewing'}\n"
            "    return [u for u in users if u in valid]\n",
            UNSAFE,  # `u` is an item of anything: its hashability is not proven
            message="bind it to a set",
        ),
        # The items of a `list[str]` are strings: safe.
        Invalid(
            "def f(users: list[str]):\n"
            "    valid = ['active', 'pending', 'reviewing']\n"
            "    return [u for u in users if u in valid]\n",
            "def f(users: list[str]):\n"
            "    valid = {'active', 'pending', 'reviewing'}\n"
            "    return [u for u in users if u in valid]\n",
            SAFE,
        ),
        Invalid(
            "def f(words: list[str]):\n"
            "    stop = ('a', 'an', 'the')\n"
            "    for word in words:\n"
            "        if word.lower() not in stop:\n"
            "            print(word)\n",
            "def f(words: list[str]):\n"
            "    stop = {'a', 'an', 'the'}\n"
            "    for word in words:\n"
            "        if word.lower() not in stop:\n"
            "            print(word)\n",
            UNSAFE,
        ),
        # Provably hashable needles in a loop: safe.
        Invalid(
            "def f(n):\n"
            "    odd = (1, 3, 5, 7)\n"
            "    return [i for i in range(n) if len(str(i)) in odd]\n",
            "def f(n):\n"
            "    odd = {1, 3, 5, 7}\n"
            "    return [i for i in range(n) if len(str(i)) in odd]\n",
            SAFE,
        ),
        # A use in a lambda counts, and runs once per call of the lambda.
        Invalid(
            "def f(items):\n"
            "    keep = 'x', 'y'\n"
            "    return filter(lambda s: str(s) in keep, items)\n",
            "def f(items):\n"
            "    keep = {'x', 'y'}\n"
            "    return filter(lambda s: str(s) in keep, items)\n",
            SAFE,
        ),
        # Module level: a private name whose every test is visible and hashable is safe.
        Invalid(
            "_MODES = ['r', 'w', 'a']\n\n\n"
            "def check(mode: str) -> bool:\n"
            "    return mode not in _MODES\n",
            "_MODES = frozenset({'r', 'w', 'a'})\n\n\n"
            "def check(mode: str) -> bool:\n"
            "    return mode not in _MODES\n",
            SAFE,
            message="frozenset",
        ),
        # A public module name: another module may import it and use it as a list.
        Invalid(
            "VALID_STATUSES = [\n"
            "    'active',  # in use\n"
            "    'pending',\n"
            "]\n\n\n"
            "def is_valid(status: str) -> bool:\n"
            "    return status in VALID_STATUSES\n",
            "VALID_STATUSES = frozenset({\n"
            "    'active',  # in use\n"
            "    'pending',\n"
            "})\n\n\n"
            "def is_valid(status: str) -> bool:\n"
            "    return status in VALID_STATUSES\n",
            UNSAFE,
        ),
        # A needle that may be unhashable.
        Invalid(
            "_KINDS = ('file', 'dir')\n\n\n"
            "def f(entry):\n"
            "    return entry.kind in _KINDS\n",
            "_KINDS = frozenset({'file', 'dir'})\n\n\n"
            "def f(entry):\n"
            "    return entry.kind in _KINDS\n",
            UNSAFE,
        ),
        # `frozenset` shadowed in the module: reported without a fix.
        Invalid(
            "from mylib import frozenset\n_OK = (1, 2)\n\ndef f(x: int):\n    return x in _OK\n",
            None,
        ),
    )

    # -- pre-check ------------------------------------------------------------------------

    @classmethod
    def precheck(cls, facts: ModuleFacts) -> Iterable[Candidate]:
        containers = membership_containers_ast(facts)
        if not containers:
            return
        toplevel = {id(statement) for statement in facts.tree.body}
        for statement in facts.nodes(ast.Assign, ast.AnnAssign):
            target = _single_target_ast(statement)
            if target is None or target.id == "__all__" or target.id not in containers:
                continue  # (a name never tested with `in` is never reported)
            if statement.value is None or not is_constant_display(statement.value):
                continue
            if id(statement) in toplevel:
                candidate = _module_candidate_ast(facts, statement, target)
                if candidate is not None:
                    yield candidate
                continue
            function = _enclosing_function_ast(facts, statement)
            if function is not None and _function_candidate_ast(facts, function, statement, target):
                yield statement

    # -- visitor --------------------------------------------------------------------------

    def __init__(self, context: RuleContext) -> None:
        super().__init__(context)
        # Module-level candidates wait for the end of the chunk, where every test is seen.
        self._module_bindings: list[tuple[Binding, cst.Name, cst.List | cst.Tuple]] = []
        self._module_tests: dict[str, list[cst.Name]] = {}

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1:
            self._binding(node, node.targets[0].target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None and _is_bare_final(node.annotation.annotation):
            self._binding(node, node.target, node.value)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        container = node.comparisons[-1].comparator
        if isinstance(container, cst.Name) and isinstance(
            node.comparisons[-1].operator, (cst.In, cst.NotIn)
        ):
            self._module_tests.setdefault(container.value, []).append(container)

    def leave_Module(self, node: cst.Module) -> None:
        for binding, target, display in self._module_bindings:
            self._check_module_name(binding, target, display)

    def _binding(
        self, node: Binding, target: cst.BaseExpression, value: cst.BaseExpression
    ) -> None:
        if not isinstance(target, cst.Name) or target.value == "__all__":
            return
        if not _is_constant_display(value):
            return
        line = self.context.parent(node)
        if line is not None and isinstance(self.context.parent(line), cst.Module):
            self._module_bindings.append((node, target, value))  # type: ignore[arg-type]
            return
        function = names.enclosing_function(self.context, node)
        if function is not None:
            self._check_local(function, node, target, value)  # type: ignore[arg-type]

    def _check_local(
        self,
        function: cst.FunctionDef,
        binding: Binding,
        target: cst.Name,
        display: cst.List | cst.Tuple,
    ) -> None:
        needles = []
        repeated = False
        for occurrence in name_occurrences(function, target.value):
            if occurrence is target:
                continue
            if not is_membership_container(self.context, occurrence):
                return
            needle = membership_needle(self.context, occurrence)
            if needle is None:
                return
            needles.append(needle)
            found = enclosing_loops(self.context, occurrence, lazy_generators_are_loops=True)
            if found.boundary is not function or any(
                not is_inside(self.context, binding, loop) for loop in found.loops
            ):
                repeated = True
        if not needles or not repeated:
            return
        reason = self._needle_safety(needles, display)
        if reason is None and self.context.facts.uses_dynamic_namespace:
            reason = "the module reads or writes names dynamically (exec, eval, locals()...)"
        fix = self.fix(
            Change(display, _set_literal(display)),
            UNSAFE if reason else SAFE,
            reason or "a local name whose every test looks up a provably hashable value",
        )
        self.report(
            display,
            f"`{target.value}` is only used for membership tests; bind it to a set literal",
            fix,
        )

    def _check_module_name(
        self, binding: Binding, target: cst.Name, display: cst.List | cst.Tuple
    ) -> None:
        facts = self.context.facts
        name = target.value
        state = _module_name_state(facts, name)
        if state is None:
            return
        has_global, loads = state
        reason = None
        if not name.startswith("_") or name in facts.dunder_all:
            reason = "a public name: another module may import it and use it as a list or tuple"
        elif has_global:
            reason = "the name is declared `global` somewhere in the module"
        elif facts.uses_dynamic_namespace:
            reason = "the module reads or writes names dynamically (exec, eval, globals()...)"
        else:
            seen = self._module_tests.get(name, [])
            needles = [membership_needle(self.context, n) for n in seen]
            if len(seen) != len(loads) or any(needle is None for needle in needles):
                reason = "not every membership test was analysed"
            else:
                reason = self._needle_safety(needles, display)  # type: ignore[arg-type]
        fix: FixProposal | None = None
        if facts.is_unbound_builtin("frozenset"):
            fix = self.fix(
                Change(display, _frozenset_call(display)),
                UNSAFE if reason else SAFE,
                reason or "a private name whose every test looks up a provably hashable value",
            )
        self.report(
            display,
            f"`{name}` is only used for membership tests; bind it to a frozenset",
            fix,
        )

    def _needle_safety(
        self, needles: list[cst.BaseExpression], display: cst.List | cst.Tuple
    ) -> str | None:
        extra = self.context.family_options(self).get("hashable-types", ())
        kind = "list" if isinstance(display, cst.List) else "tuple"
        for needle in needles:
            if not is_provably_hashable(needle, self.context, extra):
                return (
                    f"`{snippet(self.context, needle)}` may be unhashable: a set raises "
                    f"TypeError where the {kind} answered False"
                )
        return None


# -- helpers -----------------------------------------------------------------------------------


def _is_constant_display(node: cst.BaseExpression) -> bool:
    return (
        isinstance(node, (cst.List, cst.Tuple))
        and len(node.elements) >= 2
        and all(
            isinstance(element, cst.Element) and is_hashable_constant(element.value)
            for element in node.elements
        )
    )


def _is_bare_final(annotation: cst.BaseExpression) -> bool:
    return names.dotted_name(annotation) in {"Final", "typing.Final", "t.Final"}


def _set_literal(display: cst.List | cst.Tuple) -> cst.Set:
    if isinstance(display, cst.List) or display.lpar:
        return set_display(display)
    # `NAME = "a", "b"`: no brackets to turn into braces.
    elements = list(display.elements)
    last = elements[-1]
    if isinstance(last.comma, cst.Comma):
        elements[-1] = last.with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return cst.Set(elements=elements)


def _frozenset_call(display: cst.List | cst.Tuple) -> cst.Call:
    literal = _set_literal(display)
    # Parentheses around a tuple display become the call's.
    literal = literal.with_changes(lpar=[], rpar=[])
    return cst.Call(func=cst.Name("frozenset"), args=[cst.Arg(value=literal)])


def _single_target_ast(statement: ast.Assign | ast.AnnAssign) -> ast.Name | None:
    if isinstance(statement, ast.Assign):
        if len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
            return statement.targets[0]
        return None
    annotation = statement.annotation
    is_final = (isinstance(annotation, ast.Name) and annotation.id == "Final") or (
        isinstance(annotation, ast.Attribute) and annotation.attr == "Final"
    )
    if is_final and isinstance(statement.target, ast.Name):
        return statement.target
    return None


def _module_name_state(facts: ModuleFacts, name: str) -> tuple[bool, list[ast.Name]] | None:
    """For a module-level name bound once: (declared global somewhere, its loads), when every
    load is a membership test; None otherwise."""
    bindings = facts.bindings.get(name, [])
    real = [b for b in bindings if not isinstance(b, ast.Global)]
    if len(real) != 1 or facts.has_star_import:
        return None
    loads = facts.loads.get(name, [])
    tests = {id(container) for container in membership_containers_ast(facts).get(name, ())}
    if not loads or not all(id(load) in tests for load in loads):
        return None
    return len(real) != len(bindings), loads


def _module_candidate_ast(
    facts: ModuleFacts, statement: ast.Assign | ast.AnnAssign, target: ast.Name
) -> Candidate | None:
    state = _module_name_state(facts, target.id)
    if state is None:
        return None
    has_global, loads = state
    if (
        target.id.startswith("_")
        and target.id not in facts.dunder_all
        and not has_global
        and not facts.uses_dynamic_namespace
    ):
        # The fix may be safe: the visitor must see every test to judge its needle.
        rows = [statement.lineno, statement.end_lineno or statement.lineno]
        rows += [load.lineno for load in loads]
        return (min(rows), max(rows))
    return statement


def _enclosing_function_ast(facts: ModuleFacts, node: ast.AST) -> ast.AST | None:
    parent = facts.parents.get(node)
    while parent is not None:
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return parent
        if isinstance(parent, (ast.ClassDef, ast.Lambda)):
            return None
        parent = facts.parents.get(parent)
    return None


def _function_candidate_ast(
    facts: ModuleFacts, function: ast.AST, statement: ast.AST, target: ast.Name
) -> bool:
    """The ast twin of the visitor's test for a local name (it may say yes where the visitor
    says no, never the reverse)."""
    name = target.id
    parents = facts.parents
    tests = {id(container) for container in membership_containers_ast(facts).get(name, ())}
    repeated = False
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and node.id == name:
            if node is target:
                continue
            if not isinstance(node.ctx, ast.Load) or id(node) not in tests:
                return False
            loops, boundary = enclosing_loops_ast(facts, node)
            if boundary is not function or any(
                not _contains_ast(loop, statement, parents) for loop in loops
            ):
                repeated = True
        elif isinstance(node, ast.arg) and node.arg == name:
            return False
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == name and node is not function:
                return False
        elif isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            return False
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and any(
            (alias.asname or alias.name.partition(".")[0]) == name for alias in node.names
        ):
            return False
    return repeated


def _contains_ast(outer: ast.AST, node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    current: ast.AST | None = node
    while current is not None:
        if current is outer:
            return True
        current = parents.get(current)
    return False
