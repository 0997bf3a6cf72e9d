"""The static estimate: without a profile, how likely a finding is to matter where it sits.

It reads the code around the finding: how deep in loops (and comprehensions) it runs, whether
its function recurses, sizes written in the code (``range(100_000)``), and where it is: test
code, a ``__main__`` block and module level run once. The figure is a priority and its
reasons, labelled static; shares stay null (a static read cannot know run time).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from perfcodemod.annotation import Priority, ProfileAnnotation
from perfcodemod.diagnostic import Diagnostic

#: Rules whose finding costs O(n) per evaluation (quadratic in a loop), or exponential.
_SCALING = {"PCM203": 1, "PCM204": 1, "PCM301": 1, "PCM302": 1, "PCM303": 1, "PCM401": 2}
#: Rules about existing caches: correctness risks worth a look wherever they are.
_CACHE_MISTAKES = frozenset({"PCM411", "PCM412", "PCM413", "PCM414", "PCM415", "PCM416"})
_LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp,
          ast.GeneratorExp)
_TEST_PATH = re.compile(r"(^|/)(tests?|testing)(/|$)|(^|/)(test_[^/]*|[^/]*_tests?|conftest)\.py$")
#: A ``range()`` at least this long counts as a large size visible in the code.
LARGE = 1000


@dataclass(frozen=True)
class _Place:
    loop_depth: int
    large_loop: bool
    function: str | None
    recursive: bool
    in_main_block: bool
    function_level: bool


def is_test_path(path: str) -> bool:
    return bool(_TEST_PATH.search(path.replace("\\", "/")))


class StaticEstimator:
    """Estimates for the diagnostics of one file (its ``ast`` parsed once)."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.test_file = is_test_path(path)
        try:
            self.tree: ast.Module | None = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            self.tree = None

    def annotate(self, diagnostic: Diagnostic) -> Diagnostic:
        from dataclasses import replace

        return replace(diagnostic, profile=self.estimate(diagnostic))

    def estimate(self, diagnostic: Diagnostic) -> ProfileAnnotation:
        place = self._place(diagnostic.row, diagnostic.col)
        reasons: list[str] = []
        score = 0
        if place.loop_depth:
            score += place.loop_depth
            reasons.append(
                "in a loop" if place.loop_depth == 1 else f"in {place.loop_depth} nested loops"
            )
        if place.large_loop:
            score += 1
            reasons.append(f"a loop of {LARGE:,}+ items")
        scaling = _SCALING.get(diagnostic.code, 0)
        if scaling and (place.loop_depth or diagnostic.code == "PCM401"):
            score += scaling
            reasons.append("exponential without a cache" if diagnostic.code == "PCM401"
                           else "linear work per iteration")
        if place.recursive and diagnostic.code != "PCM401":
            score += 1
            reasons.append("in a recursive function")
        if diagnostic.code in _CACHE_MISTAKES:
            score = max(score, 1)
            reasons.append("a caching mistake")
        one_shot = None
        if self.test_file or (place.function or "").startswith("test"):
            one_shot = "test code"
        elif place.in_main_block:
            one_shot = "runs once (__main__ block)"
        elif place.function is None and not place.loop_depth:
            one_shot = "runs once (module level)"
        elif place.function is None:
            one_shot = "module level (runs at import)"
        if one_shot is not None:
            reasons.append(one_shot)
            score = min(score, 0)
        level = Priority.HIGH if score >= 2 else Priority.MEDIUM if score == 1 else Priority.LOW
        if not reasons:
            reasons.append("not in a loop")
        return ProfileAnnotation(
            function=place.function, priority=level, static=True, reasons=tuple(reasons),
        )

    def _place(self, row: int, col: int) -> _Place:
        if self.tree is None:
            return _Place(0, False, None, False, False, False)
        chain = list(_chain(self.tree, row, col))
        function = None
        qualname: list[str] = []
        depth = 0
        large = False
        recursive = False
        in_main = False
        function_level = False
        for node in chain:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                function = node
                qualname.append(node.name)
                depth = 0
                large = False
                function_level = row <= node.lineno
            elif isinstance(node, ast.ClassDef):
                qualname.append(node.name)
            elif isinstance(node, _LOOPS) and node.lineno <= row:
                if isinstance(node, (ast.For, ast.AsyncFor, ast.While)) and row < _body_line(node):
                    continue  # the loop's own header runs once per loop, not per iteration
                depth += 1
                large = large or _large_range(node)
            elif isinstance(node, ast.If) and _is_main_check(node.test):
                in_main = True
        if function is not None:
            recursive = any(
                isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                and n.func.id == function.name
                for n in ast.walk(function)
            )
        return _Place(depth, large, ".".join(qualname) or None if function else None,
                      recursive, in_main, function_level)


def _chain(tree: ast.AST, row: int, col: int) -> Iterator[ast.AST]:
    """The nodes containing the 1-based ``row`` and ``col``, outermost first (columns are
    compared as ``ast`` counts them, in UTF-8 bytes: exact for ASCII lines)."""
    point = (row, col - 1)
    node: ast.AST | None = tree
    while node is not None:
        yield node
        inner = None
        for child in ast.iter_child_nodes(node):
            start = getattr(child, "lineno", None)
            end = getattr(child, "end_lineno", None)
            if start is None or end is None:
                continue
            first = (start, getattr(child, "col_offset", 0))
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                first = min([(d.lineno, 0) for d in child.decorator_list] + [(start, 0)])
            last = (end, getattr(child, "end_col_offset", 0) or 0)
            if first <= point < last or (first <= point and point[0] == end and
                                          not isinstance(child, ast.expr)):
                inner = child
                break
        node = inner


def _body_line(loop: ast.For | ast.AsyncFor | ast.While) -> int:
    return loop.body[0].lineno if loop.body else loop.lineno


def _large_range(node: ast.AST) -> bool:
    iterables: list[ast.expr] = []
    if isinstance(node, (ast.For, ast.AsyncFor)):
        iterables.append(node.iter)
    elif isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        iterables.extend(g.iter for g in node.generators)
    for iterable in iterables:
        if (
            isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name)
            and iterable.func.id == "range" and iterable.args
        ):
            last = iterable.args[1] if len(iterable.args) > 1 else iterable.args[0]
            if isinstance(last, ast.Constant) and isinstance(last.value, int):
                if last.value >= LARGE:
                    return True
    return False


def _is_main_check(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
        and test.left.id == "__name__" and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )
