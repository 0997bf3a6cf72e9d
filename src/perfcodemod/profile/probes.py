"""Probes at the sites perfcodemod reports: rewriting a module's ``ast`` so that the flagged
expression records how often it ran and how large its collection was, and cache candidates
record their calls and distinct argument keys.

Cost matters: a probe runs every time its line does, inside the hottest loops. So a probe
makes no Python-level call (cProfile, run with ``builtins=False``, does not see it, and C
calls cost tens of nanoseconds): a flagged value ``E`` becomes

    (_pcm_h7(), _pcm_s7(_pcm_len(_pcm_v7) if _pcm_isinstance((_pcm_v7 := E), _pcm_sized)
     else -1), _pcm_v7)[2]

where ``_pcm_h7`` is an ``itertools.count().__next__`` (hits) and ``_pcm_s7`` a set's ``add``
(sizes seen). Where an assignment expression is not allowed (a comprehension's iterable, a
comprehension in a class body) the probe is a call to a small Python function instead. A
cache candidate gets one statement at the top of its body that counts the call and adds
``hash()`` of its arguments to a bounded set (no argument is kept alive).
"""

from __future__ import annotations

import ast
import itertools
import math
import sys
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from perfcodemod.profile.model import SiteEvidence

PREFIX = "_pcm_"
#: A cache candidate's argument keys are kept as ``hash(key) & KEY_MASK``: at most 2**20
#: numbers (a few tens of MB), counted back into distinct keys by linear counting.
KEY_BUCKETS = 1 << 20
KEY_MASK = KEY_BUCKETS - 1
#: Beyond this many buckets filled the count is an estimate (shown as capped).
KEY_CAP = KEY_BUCKETS // 4
#: Rules probed as a cache candidate (a function), and rules whose size is the byte size too.
FUNCTION_RULES = frozenset({"PCM401", "PCM402"})
MEMORY_RULES = frozenset({"PCM101", "PCM103", "PCM104"})
#: Rules whose probed value is proven a list (or a comprehension): ``len()`` always works.
KNOWN_SIZED = frozenset({"PCM101", "PCM102", "PCM103", "PCM104", "PCM201", "PCM202",
                         "PCM203", "PCM204", "PCM302", "PCM303"})
_DISPLAYS = (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp, ast.SetComp, ast.DictComp)
SIZED: tuple[type, ...] = (
    list, tuple, set, frozenset, dict, str, bytes, bytearray, range, deque,
    type({}.keys()), type({}.values()), type({}.items()),
)


@dataclass(frozen=True)
class SiteSpec:
    """A diagnostic to probe: its code and span (1-based rows, 1-based character columns)."""

    code: str
    row: int
    col: int
    end_row: int
    end_col: int


@dataclass
class Site:
    """One probe's counters while the program runs."""

    file: str
    spec: SiteSpec
    hits: Any = field(default_factory=itertools.count)
    sizes: set[int] = field(default_factory=set)
    bytes: set[int] = field(default_factory=set)
    keys: set[int] = field(default_factory=set)
    unhashable: Any = field(default_factory=itertools.count)
    #: The size when it is known from the code (a display of constants).
    static_size: int | None = None
    is_function: bool = False

    def evidence(self, calls: int | None = None) -> SiteEvidence:
        """``calls``: a cache candidate's calls, as cProfile counted them."""
        hits = next(self.hits) if calls is None else calls
        sizes = [s for s in self.sizes if s >= 0]
        max_size = max(sizes) if sizes else self.static_size if hits else None
        evidence = SiteEvidence(
            self.file, self.spec.code, self.spec.row, self.spec.col, hits=hits,
            max_size=max_size, max_bytes=max(self.bytes) if self.bytes else None,
        )
        if self.is_function:
            evidence.calls = hits
            evidence.distinct_keys = distinct_keys(len(self.keys))
            evidence.unhashable = next(self.unhashable)
            evidence.keys_capped = len(self.keys) >= KEY_CAP
        return evidence


def distinct_keys(buckets: int) -> int:
    """How many distinct keys filled ``buckets`` of the ``KEY_BUCKETS`` (linear counting:
    exact in practice below a few thousand, an estimate beyond)."""
    if buckets < 1000:
        return buckets
    if buckets >= KEY_BUCKETS:
        return buckets
    return round(-KEY_BUCKETS * math.log(1 - buckets / KEY_BUCKETS))


class ProbeStore:
    """Every site of the run, by number; the names probed code reads from its globals."""

    def __init__(self) -> None:
        self.sites: list[Site] = []

    def add(self, site: Site) -> int:
        self.sites.append(site)
        return len(self.sites) - 1

    def namespace(self, numbers: Iterable[int]) -> dict[str, Any]:
        """The globals a probed module needs for its sites."""
        names: dict[str, Any] = {
            f"{PREFIX}len": len, f"{PREFIX}isinstance": isinstance, f"{PREFIX}sized": SIZED,
            f"{PREFIX}hash": hash, f"{PREFIX}getsizeof": sys.getsizeof,
            f"{PREFIX}probe": self.probe,
        }
        for number in numbers:
            site = self.sites[number]
            names[f"{PREFIX}h{number}"] = site.hits.__next__
            names[f"{PREFIX}s{number}"] = site.sizes.add
            names[f"{PREFIX}b{number}"] = site.bytes.add
            names[f"{PREFIX}k{number}"] = site.keys.add
            names[f"{PREFIX}u{number}"] = site.unhashable.__next__
        return names

    def probe(self, number: int, value: Any, memory: bool = False) -> Any:
        """The Python-level probe, where the inline form is not allowed."""
        site = self.sites[number]
        next(site.hits)
        if isinstance(value, SIZED):
            site.sizes.add(len(value))  # type: ignore[arg-type]
            if memory:
                site.bytes.add(sys.getsizeof(value))
        return value

    def evidence(self, calls_of: Any = None) -> list[SiteEvidence]:
        """``calls_of(site)``: how often a cache candidate's function was called."""
        return [
            site.evidence(calls_of(site) if site.is_function and calls_of else None)
            for site in self.sites
        ]


# -- rewriting --------------------------------------------------------------------------------


def _byte_col(lines: Sequence[str], row: int, col: int) -> int:
    """A 1-based character column as ``ast`` counts it (0-based UTF-8 bytes)."""
    if 1 <= row <= len(lines):
        return len(lines[row - 1][: col - 1].encode("utf-8"))
    return col - 1


def _name(name: str, ctx: ast.expr_context | None = None) -> ast.Name:
    return ast.Name(id=name, ctx=ctx or ast.Load())


def _call(function: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=_name(function), args=list(args), keywords=[])


class _Finder(ast.NodeVisitor):
    """Locates each site's node, and whether an assignment expression may stand there."""

    def __init__(self, wanted: dict[tuple[int, int, int, int], list[int]],
                 functions: dict[tuple[int, int], list[int]]) -> None:
        self.wanted = wanted
        self.functions = functions
        self.found: dict[int, tuple[ast.AST, bool]] = {}
        self._restricted = 0
        self._scopes: list[ast.AST] = []

    def generic_visit(self, node: ast.AST) -> None:
        key = (
            getattr(node, "lineno", -1), getattr(node, "col_offset", -1),
            getattr(node, "end_lineno", -1), getattr(node, "end_col_offset", -1),
        )
        if isinstance(node, ast.expr) and key in self.wanted:
            for number in self.wanted.pop(key):
                self.found[number] = (node, self._restricted == 0)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for number in self.functions.pop((node.lineno, node.col_offset), ()):
                self.found[number] = (node, True)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            in_class = bool(self._scopes) and isinstance(self._scopes[-1], ast.ClassDef)
            for part in ("elt", "key", "value"):
                child = getattr(node, part, None)
                if child is not None:
                    self._visit_in(child, restricted=in_class)
            for generator in node.generators:
                # Assignment expressions are forbidden in a comprehension's iterables.
                self._visit_in(generator.iter, restricted=True)
                self._visit_in(generator.target, restricted=True)
                for condition in generator.ifs:
                    self._visit_in(condition, restricted=in_class)
            return
        scope = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                  ast.Lambda))
        if scope:
            self._scopes.append(node)
        super().generic_visit(node)
        if scope:
            self._scopes.pop()

    def _visit_in(self, node: ast.AST, restricted: bool) -> None:
        self._restricted += restricted
        self.visit(node)
        self._restricted -= restricted


def _target(code: str, node: ast.AST) -> ast.expr | None:
    """The expression whose value a site's probe records, inside the reported node."""
    if isinstance(node, ast.Compare):
        return node.comparators[-1]
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in {"index", "count"}:
            return func.value
        if isinstance(func, ast.Name) and node.args:
            first = node.args[0]
            if func.id == "next" and isinstance(first, ast.GeneratorExp):
                return first.generators[0].iter
            return first
        return None
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.ListComp):
        return node.value.generators[0].iter
    if isinstance(node, ast.expr):
        return node
    return None


class _Rewriter(ast.NodeTransformer):
    def __init__(self, replacements: dict[int, ast.expr]) -> None:
        self.replacements = replacements

    def visit(self, node: ast.AST) -> Any:
        replacement = self.replacements.get(id(node))
        if replacement is not None:
            return replacement
        return super().visit(node)


def _inline(
    number: int, value: ast.expr, memory: bool, restricted: bool, sized: bool
) -> ast.expr:
    """``sized``: the rule proved the value a list, set or comprehension (``len()`` works)."""
    if restricted:
        args: list[ast.expr] = [ast.Constant(number), value]
        if memory:
            args.append(ast.Constant(True))
        return _call(f"{PREFIX}probe", *args)
    temp = f"{PREFIX}v{number}"
    walrus = ast.NamedExpr(target=_name(temp, ast.Store()), value=value)
    size: ast.expr
    if sized:
        size = _call(f"{PREFIX}len", walrus)
    else:
        test = _call(f"{PREFIX}isinstance", walrus, _name(f"{PREFIX}sized"))
        size = ast.IfExp(test=test, body=_call(f"{PREFIX}len", _name(temp)),
                         orelse=ast.UnaryOp(op=ast.USub(), operand=ast.Constant(1)))
    parts: list[ast.expr] = [_call(f"{PREFIX}h{number}"), _call(f"{PREFIX}s{number}", size)]
    if memory:
        parts.append(_call(f"{PREFIX}b{number}", _call(f"{PREFIX}getsizeof", _name(temp))))
    parts.append(_name(temp))
    return ast.Subscript(value=ast.Tuple(elts=parts, ctx=ast.Load()),
                         slice=ast.Constant(len(parts) - 1), ctx=ast.Load())


def _hits_only(number: int, value: ast.expr) -> ast.expr:
    parts: list[ast.expr] = [_call(f"{PREFIX}h{number}"), value]
    return ast.Subscript(value=ast.Tuple(elts=parts, ctx=ast.Load()),
                         slice=ast.Constant(1), ctx=ast.Load())


def _function_probe(
    number: int, function: ast.FunctionDef | ast.AsyncFunctionDef
) -> list[ast.stmt]:
    args = function.args
    names = [a.arg for a in (*getattr(args, "posonlyargs", []), *args.args)]
    if args.vararg is not None:
        names.append(args.vararg.arg)
    names.extend(a.arg for a in args.kwonlyargs)
    parts: list[ast.expr] = [_name(n) for n in names]
    if args.kwarg is not None:
        items = ast.Call(func=ast.Attribute(value=_name(args.kwarg.arg), attr="items",
                                            ctx=ast.Load()), args=[], keywords=[])
        parts.append(ast.Call(func=_name("tuple"), args=[items], keywords=[]))
    # Two C calls per call of the function (under a profiler each call costs): hash() of the
    # arguments, masked so that the set stays bounded, and set.add. The calls themselves are
    # counted by cProfile (``Site.evidence`` is given them).
    key = ast.BinOp(left=_call(f"{PREFIX}hash", ast.Tuple(elts=parts, ctx=ast.Load())),
                    op=ast.BitAnd(), right=ast.Constant(KEY_MASK))
    guarded = ast.Try(
        body=[ast.Expr(_call(f"{PREFIX}k{number}", key))],
        handlers=[ast.ExceptHandler(type=_name("TypeError"), name=None,
                                    body=[ast.Expr(_call(f"{PREFIX}u{number}"))])],
        orelse=[], finalbody=[],
    )
    return [guarded]


def instrument(
    tree: ast.Module, text: str, file: str, specs: Sequence[SiteSpec], store: ProbeStore
) -> list[int]:
    """Rewrite ``tree`` in place with probes for ``specs``; the sites' numbers in ``store``
    (a site whose node cannot be found, or has nothing to record, is left out)."""
    lines = text.splitlines()
    wanted: dict[tuple[int, int, int, int], list[int]] = {}
    functions: dict[tuple[int, int], list[int]] = {}
    pending: dict[int, SiteSpec] = {}
    for index, spec in enumerate(specs):
        pending[index] = spec
        if spec.code in FUNCTION_RULES:
            # Reported on the function's name: find the def on that line.
            line = lines[spec.row - 1] if spec.row <= len(lines) else ""
            indent = len(line) - len(line.lstrip())
            functions.setdefault((spec.row, _byte_col(lines, spec.row, indent + 1)), []).append(
                index
            )
        else:
            key = (spec.row, _byte_col(lines, spec.row, spec.col), spec.end_row,
                   _byte_col(lines, spec.end_row, spec.end_col))
            wanted.setdefault(key, []).append(index)
    finder = _Finder(wanted, functions)
    finder.visit(tree)
    replacements: dict[int, ast.expr] = {}
    numbers: list[int] = []
    for index, (node, allowed) in sorted(finder.found.items()):
        spec = pending[index]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            number = store.add(Site(file, spec, is_function=True))
            body = node.body
            at = 1 if body and isinstance(body[0], ast.Expr) and isinstance(
                body[0].value, ast.Constant) and isinstance(body[0].value.value, str) else 0
            node.body[at:at] = _function_probe(number, node)
            numbers.append(number)
            continue
        target = _target(spec.code, node)
        if target is None or id(target) in replacements:
            continue
        restricted = not allowed or target is not node and _in_iterable(node, target)
        if isinstance(target, (ast.List, ast.Tuple, ast.Set)) and all(
            isinstance(e, ast.Constant) for e in target.elts
        ):
            number = store.add(Site(file, spec, static_size=len(target.elts)))
            replacements[id(target)] = _hits_only(number, target)
        else:
            number = store.add(Site(file, spec))
            replacements[id(target)] = _inline(
                number, target, spec.code in MEMORY_RULES, restricted,
                spec.code in KNOWN_SIZED or isinstance(target, _DISPLAYS),
            )
        numbers.append(number)
    if replacements:
        _Rewriter(replacements).visit(tree)
    ast.fix_missing_locations(tree)
    return numbers


def _in_iterable(node: ast.AST, target: ast.AST) -> bool:
    """``target`` is a comprehension's iterable inside ``node`` (no assignment expression
    may stand there)."""
    for inner in ast.walk(node):
        if isinstance(inner, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            for generator in inner.generators:
                if any(n is target for n in ast.walk(generator.iter)):
                    return True
    return False
