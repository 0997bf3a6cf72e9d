"""Is an expression a hashable constant, and is a value provably hashable?

A set (or dict) raises ``TypeError`` on an unhashable key where a list or tuple answers ``in``
with ``False``; a fix that swaps one for the other is safe only when the value looked up is
provably hashable. "Provably" here means: a literal, a call of a builtin that returns a hashable
type, a method of ``str``/``bytes`` on a value that is itself provably a string, or a name whose
annotation or every binding says so (a loop variable's binding says so when the items it runs
over are provably hashable: :mod:`perfcodemod.analysis.elements`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Collection

from perfcodemod.analysis import names
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.scopes import Scope
from perfcodemod.context import RuleContext
from perfcodemod.lazycst import cst

#: Builtins whose result is always hashable (whatever the argument, or they raise).
HASHABLE_RESULT_BUILTINS = frozenset(
    {
        "str", "int", "float", "bool", "bytes", "complex", "len", "repr", "ascii", "chr", "ord",
        "hex", "oct", "bin", "format", "hash", "id", "type", "frozenset", "round", "callable",
        "isinstance", "issubclass", "hasattr"
    }
)
#: Builtins that return a ``str``: their result's ``str`` methods are ``str`` methods.
STR_RESULT_BUILTINS = frozenset({"str", "repr", "ascii", "chr", "hex", "oct", "bin", "format"})
#: Methods of ``str`` (and ``bytes``) that return a ``str`` (``bytes``) or a number or bool.
STR_METHODS = frozenset(
    {
        "capitalize", "casefold", "center", "count", "encode", "decode", "endswith", "expandtabs",
        "find", "format", "format_map", "index", "isalnum", "isalpha", "isascii", "isdecimal",
        "isdigit", "isidentifier", "islower", "isnumeric", "isprintable", "isspace", "istitle",
        "isupper", "join", "ljust", "lower", "lstrip", "removeprefix", "removesuffix", "replace",
        "rfind", "rindex", "rjust", "rstrip", "startswith", "strip", "swapcase", "title",
        "translate", "upper", "zfill", "hex"
    }
)
#: Annotations whose values are hashable.
HASHABLE_ANNOTATIONS = frozenset(
    {
        "str", "int", "float", "bool", "bytes", "complex", "None", "NoneType", "type", "frozenset",
        "Literal", "LiteralString", "Hashable", "Enum", "IntEnum", "StrEnum", "Flag", "IntFlag",
        "Path", "PurePath", "PosixPath", "WindowsPath", "date", "datetime", "time", "timedelta",
        "Decimal", "Fraction", "UUID"
    }
)
_WRAPPERS = frozenset({"Optional", "Final", "ClassVar", "Annotated", "Union", "Type"})
_ENUM_BASES = frozenset({"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "ReprEnum"})


# -- constants ---------------------------------------------------------------------------------


def is_hashable_constant(node: cst.BaseExpression) -> bool:
    """A literal of ``str``/``bytes``/numbers/``True``/``False``/``None``/``...``, or a tuple of
    those: what CPython folds into a constant (a set display of them becomes a frozenset)."""
    if isinstance(node, (cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary, cst.Ellipsis)):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return is_hashable_constant(node.left) and is_hashable_constant(node.right)
    if isinstance(node, cst.Name):
        return node.value in {"True", "False", "None"}
    if isinstance(node, cst.UnaryOperation):
        return isinstance(node.operator, (cst.Minus, cst.Plus)) and isinstance(
            node.expression, (cst.Integer, cst.Float, cst.Imaginary)
        )
    if isinstance(node, cst.Tuple):
        return all(
            isinstance(element, cst.Element) and is_hashable_constant(element.value)
            for element in node.elements
        )
    return False


def is_constant_ast(node: ast.AST) -> bool:
    """The ``ast`` twin of :func:`is_hashable_constant`, for pre-checks."""
    if isinstance(node, ast.Constant):
        return not isinstance(node.value, (list, dict, set))
    if isinstance(node, ast.UnaryOp):
        return (
            isinstance(node.op, (ast.USub, ast.UAdd))
            and isinstance(node.operand, ast.Constant)
            and (
                isinstance(node.operand.value, (int, float, complex))
                and not isinstance(node.operand.value, bool)
            )
        )
    if isinstance(node, ast.Tuple):
        return all(is_constant_ast(element) for element in node.elts)
    return False


def is_constant_display(node: ast.AST, minimum: int = 2) -> bool:
    """A list or tuple display of at least ``minimum`` hashable constants."""
    return (
        isinstance(node, (ast.List, ast.Tuple))
        and len(node.elts) >= minimum
        and all(is_constant_ast(element) for element in node.elts)
    )


# -- values ------------------------------------------------------------------------------------


def _annotation_names(annotation: ast.expr) -> list[str] | None:
    """The leaf type names of an annotation (``Optional[str]`` -> [str]; None: too complex)."""
    if isinstance(annotation, ast.Constant):
        if annotation.value is None:
            return ["None"]
        if isinstance(annotation.value, str):  # a string annotation
            try:
                inner = ast.parse(annotation.value, mode="eval").body
            except SyntaxError:
                return None
            return _annotation_names(inner)
        return None
    if isinstance(annotation, ast.Name):
        return [annotation.id]
    if isinstance(annotation, ast.Attribute):
        return [annotation.attr]
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        left = _annotation_names(annotation.left)
        right = _annotation_names(annotation.right)
        return None if left is None or right is None else left + right
    if isinstance(annotation, ast.Subscript):
        head = _annotation_names(annotation.value)
        if head is None or len(head) != 1:
            return None
        if head[0] == "Literal":
            return ["Literal"]
        if head[0] in {"Tuple", "tuple"}:
            found = ["tuple"]
            for item in _slice_items(annotation.slice):
                if isinstance(item, ast.Constant) and item.value is Ellipsis:
                    continue
                leaves = _annotation_names(item)
                if leaves is None:
                    return None
                found.extend(leaves)
            return found
        if head[0] in _WRAPPERS:
            if head[0] == "Type":
                return ["type"]
            items = _slice_items(annotation.slice)
            if head[0] in {"Annotated", "Final", "ClassVar"}:
                items = items[:1]
            found = []
            for item in items:
                leaves = _annotation_names(item)
                if leaves is None:
                    return None
                found.extend(leaves)
            return found
        return None
    return None


def _slice_items(node: ast.expr) -> list[ast.expr]:
    return list(node.elts) if isinstance(node, ast.Tuple) else [node]


def annotation_is_hashable(
    annotation: ast.expr, facts: ModuleFacts, extra_types: Collection[str] = ()
) -> bool:
    leaves = _annotation_names(annotation)
    if not leaves:
        return False
    allowed = (
        HASHABLE_ANNOTATIONS
        | {"tuple"}
        | enum_classes(facts)
        | {name.rpartition(".")[2] for name in extra_types}
    )
    return all(leaf in allowed for leaf in leaves)


def enum_classes(facts: ModuleFacts) -> frozenset[str]:
    """Classes of the module that derive (directly) from an ``enum`` class."""
    cached = getattr(facts, "_enum_classes", None)
    if cached is None:
        found = set()
        for definition in facts.nodes(ast.ClassDef):
            for base in definition.bases:
                base_name = (
                    base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", None)
                )
                if base_name in _ENUM_BASES:
                    found.add(definition.name)
        cached = frozenset(found)
        facts._enum_classes = cached  # type: ignore[attr-defined]
    return cached


def _annotation_code_is_hashable(code: str, context: RuleContext, extra: Collection[str]) -> bool:
    try:
        expression = ast.parse(code.strip(), mode="eval").body
    except SyntaxError:
        return False
    return annotation_is_hashable(expression, context.facts, extra)


def is_provably_str(node: cst.BaseExpression, context: RuleContext) -> bool:
    """A value that is certainly a ``str`` or ``bytes``."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return True
    if isinstance(node, cst.Call):
        builtin = names.builtin_called(context, node)
        if builtin in STR_RESULT_BUILTINS:
            return True
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in STR_METHODS:
            returns_str = func.attr.value not in {
                "count",
                "find",
                "rfind",
                "index",
                "rindex",
                "endswith",
                "startswith",
            } and not func.attr.value.startswith("is")
            return returns_str and is_provably_str(func.value, context)
    if isinstance(node, cst.Name):
        return _name_is(node, context, ("str", "bytes", "LiteralString"), ())
    return False


def is_provably_hashable(
    node: cst.BaseExpression, context: RuleContext, extra_types: Collection[str] = ()
) -> bool:
    """``node`` certainly evaluates to a hashable value (see the module docstring)."""
    if is_hashable_constant(node) or isinstance(node, cst.FormattedString):
        return True
    if isinstance(node, cst.Tuple):
        return all(
            isinstance(element, cst.Element)
            and is_provably_hashable(element.value, context, extra_types)
            for element in node.elements
        )
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
        return True  # always a bool
    if isinstance(node, cst.Comparison) and all(
        isinstance(target.operator, (cst.In, cst.NotIn, cst.Is, cst.IsNot))
        for target in node.comparisons
    ):
        return True  # always a bool (``==`` and ``<`` may return anything, a numpy array say)
    if isinstance(node, cst.Call):
        if names.builtin_called(context, node) in HASHABLE_RESULT_BUILTINS:
            return True
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in STR_METHODS:
            return is_provably_str(func.value, context)
        return False
    if isinstance(node, cst.Name):
        return _name_is(node, context, None, extra_types)
    return False


def _name_is(
    node: cst.Name,
    context: RuleContext,
    only: tuple[str, ...] | None,
    extra_types: Collection[str],
) -> bool:
    """Every binding of ``node`` gives it a hashable value (or, with ``only``, one of those
    types): a parameter or variable annotated so, or assignments of provably hashable values."""
    if node.value in {"True", "False", "None"}:
        return only is None

    def acceptable(code: str) -> bool:
        if only is None:
            return _annotation_code_is_hashable(code, context, extra_types)
        try:
            leaves = _annotation_names(ast.parse(code.strip(), mode="eval").body)
        except SyntaxError:
            return False
        return leaves is not None and bool(leaves) and all(leaf in only for leaf in leaves)

    resolution = context.scopes.resolve(node)
    if resolution.is_module_level:
        return _module_binding_is(node.value, context, acceptable, str_only=only is not None)
    if not resolution.bindings or resolution.scope is None:
        return False
    if node.value in resolution.scope.declared_nonlocal:
        return False
    # `s = s.strip()` refers back to the name being proven: assume the property for it
    # (every value must come from some binding that does not, and that one is checked).
    in_progress: set[tuple[int, str, object]] | None = getattr(
        context, "_hashability_proving", None
    )
    if in_progress is None:
        in_progress = set()
        context._hashability_proving = in_progress  # type: ignore[attr-defined]
    key = (id(resolution.scope), node.value, only)
    if key in in_progress:
        return True
    in_progress.add(key)
    try:
        return _bindings_are(node, context, resolution.scope, only, acceptable, extra_types)
    finally:
        in_progress.discard(key)


def _bindings_are(
    node: cst.Name,
    context: RuleContext,
    scope: Scope,
    only: tuple[str, ...] | None,
    acceptable: Callable[[str], bool],
    extra_types: Collection[str],
) -> bool:
    for binding in context.scopes.bindings_of(scope, node.value):
        binder = binding.binder
        if isinstance(binder, cst.Param):
            if binder.annotation is None or binder.star in {"*", "**"}:
                return False
            if not acceptable(context.code_for(binder.annotation.annotation)):
                return False
        elif isinstance(binder, cst.AnnAssign):
            if not acceptable(context.code_for(binder.annotation.annotation)):
                return False
        elif (
            isinstance(binder, cst.Assign)
            and len(binder.targets) == 1
            and binder.targets[0].target is binding.node
        ):
            value = binder.value
            if only is not None:
                ok = is_provably_str(value, context)
            else:
                ok = is_provably_hashable(value, context, extra_types)
            if not ok:
                return False
        elif (
            isinstance(binder, (cst.For, cst.CompFor))
            and binder.target is binding.node
            and only is None
        ):
            # A loop variable over items that are provably hashable (`range()`, `s.split()`...).
            from perfcodemod.analysis.elements import elements_are_provably_hashable

            if not elements_are_provably_hashable(binder.iter, context, extra_types):
                return False
        else:
            return False
    return True


def _module_binding_is(
    name: str, context: RuleContext, acceptable: Callable[[str], bool], *, str_only: bool
) -> bool:
    """A name bound exactly once in the whole module, at module level, by an assignment of a
    constant or an annotated assignment that ``acceptable`` accepts."""
    facts = context.facts
    bindings = facts.bindings.get(name, [])
    if len(bindings) != 1 or facts.uses_dynamic_namespace:
        return False
    (binding,) = bindings
    for statement in facts.tree.body:
        if isinstance(statement, ast.AnnAssign) and statement.target is binding:
            code = ast.get_source_segment(facts.text, statement.annotation) or ""
            return bool(code) and acceptable(code)
        if (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and statement.targets[0] is binding
        ):
            value = statement.value
            if str_only:
                return isinstance(value, ast.Constant) and isinstance(value.value, (str, bytes))
            return is_constant_ast(value)
    return False
