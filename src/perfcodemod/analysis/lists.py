"""Is this name known to be a list?

A name is a known list when every binding of it gives it a list: a list display, a list
comprehension, ``list(...)``, ``sorted(...)``, ``str.split``/``rsplit``/``splitlines``,
``re.split``, ``+`` of two lists or ``*`` of a list, an augmented ``+=``/``*=`` (which keeps a
list a list), or a parameter or variable annotated ``list``/``List[...]``. One binding of
another kind (a ``for`` target, an import, a call of anything else, a ``del``) and the name is
not known to be a list: the answer is "no" whenever it is not certain.

Bindings are found by name within the innermost function that binds the name (or the module),
nested functions included: a nested function's own variable of the same name must be a list
too. That errs towards "not known".

``x.split()`` is taken to be ``str.split`` unless ``x`` is a module (``os.path.split`` returns a
tuple); annotations are promises, which callers that rewrite code account for in their fix
safety. The ``*_ast`` functions are the pre-check twins on Python's ``ast``: they may answer
"maybe a list" where the LibCST versions say no, never the other way round.

Beyond "is it a list": what its bindings say about its items (:func:`has_unhashable_elements`)
and its size (:func:`max_length`, :func:`is_small_fixed_list`), which the rules that build a
set or an index from a list use to stay silent where that cannot work or cannot pay.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Union

from perfcodemod.analysis import names
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.uses import Use, ast_use, classify_use, name_occurrences, uses_in
from perfcodemod.astcompat import pattern_binding
from perfcodemod.context import RuleContext
from perfcodemod.lazycst import cst

#: Builtins that return a new list.
LIST_BUILTINS = frozenset({"list", "sorted"})
#: ``str`` methods that return a list.
SPLIT_METHODS = frozenset({"split", "rsplit", "splitlines"})
#: Functions of modules that return a list, by qualified name.
LIST_FUNCTIONS = frozenset({"re.split", "shlex.split", "os.listdir", "glob.glob", "re.findall"})
#: Annotation names that mean "a list".
LIST_ANNOTATIONS = frozenset({"list", "List"})

Owner = Union["cst.FunctionDef", "cst.Module"]


@dataclass(frozen=True)
class ListVariable:
    """A name known to be a list, and where it is bound."""

    name: str
    #: The innermost function that binds the name, or the chunk's module for a module name.
    owner: Owner = field(repr=False)
    #: The binding nodes: ``Assign``/``AnnAssign``/``AugAssign`` statements and ``Param``s
    #: (empty for a module-level name bound outside the chunk).
    bindings: tuple[cst.CSTNode, ...] = field(repr=False)


# -- expressions -----------------------------------------------------------------------------


def is_list_expression(context: RuleContext, node: cst.BaseExpression) -> bool:
    """``node`` certainly evaluates to a (new) list."""
    if isinstance(node, (cst.List, cst.ListComp)):
        return True
    if isinstance(node, cst.Call):
        if names.is_builtin(context, node.func, *LIST_BUILTINS):
            return True
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in SPLIT_METHODS | {"findall"}:
            receiver = names.dotted_name(func.value)
            head = receiver.partition(".")[0] if receiver else None
            if head is not None and head in context.facts.imported_as:
                return names.qualified_name(context, func) in LIST_FUNCTIONS
            return func.attr.value in SPLIT_METHODS
        if isinstance(func, (cst.Name, cst.Attribute)):
            return names.qualified_name(context, func) in LIST_FUNCTIONS
        return False
    if isinstance(node, cst.BinaryOperation):
        if isinstance(node.operator, cst.Add):
            return is_list_expression(context, node.left) and is_list_expression(
                context, node.right
            )
        if isinstance(node.operator, cst.Multiply):
            return is_list_expression(context, node.left) or is_list_expression(context, node.right)
    return False


def is_list_annotation(context: RuleContext, annotation: cst.BaseExpression) -> bool:
    """``list``, ``list[str]``, ``List[int]``, ``typing.List[...]`` (or the same in a string)."""
    if isinstance(annotation, cst.SimpleString):
        try:
            inner = cst.parse_expression(annotation.evaluated_value)  # type: ignore[arg-type]
        except (cst.ParserSyntaxError, TypeError, ValueError):
            return False
        return is_list_annotation(context, inner)
    if isinstance(annotation, cst.Subscript):
        annotation = annotation.value
    if isinstance(annotation, cst.Name):
        return annotation.value in LIST_ANNOTATIONS
    if isinstance(annotation, cst.Attribute):
        return annotation.attr.value == "List" and names.dotted_name(annotation.value) in {
            "typing", "t", "typing_extensions"
        }
    return False


# -- names -----------------------------------------------------------------------------------


def binding_gives_list(context: RuleContext, occurrence: cst.Name) -> cst.CSTNode | None:
    """The binding node if ``occurrence`` (a rebinding occurrence) binds a list, else None."""
    parent = context.parent(occurrence)
    if isinstance(parent, cst.AssignTarget):
        assign = context.parent(parent)
        if (
            isinstance(assign, cst.Assign)
            and len(assign.targets) == 1  # `a = b = []` makes two names for one list
            and is_list_expression(context, assign.value)
        ):
            return assign
        return None
    if isinstance(parent, cst.AnnAssign) and parent.target is occurrence:
        if is_list_annotation(context, parent.annotation.annotation):
            return parent
        if parent.value is not None and is_list_expression(context, parent.value):
            return parent
        return None
    if isinstance(parent, cst.AugAssign) and parent.target is occurrence:
        if isinstance(parent.operator, (cst.AddAssign, cst.MultiplyAssign)):
            return parent  # `L += iterable` and `L *= n` keep a list a list
        return None
    if isinstance(parent, cst.Param) and parent.name is occurrence:
        if parent.star in ("", cst.MaybeSentinel.DEFAULT) and parent.annotation is not None:
            if is_list_annotation(context, parent.annotation.annotation):
                return parent
        return None
    return None


def _enclosing_functions(context: RuleContext, node: cst.CSTNode) -> Iterator[cst.FunctionDef]:
    for ancestor in context.ancestors(node):
        if isinstance(ancestor, cst.FunctionDef):
            yield ancestor


def known_list(context: RuleContext, name: cst.Name) -> ListVariable | None:
    """What ``name`` (an occurrence) refers to, if it is certainly a list (see the module
    docstring): the innermost enclosing function that binds the name must bind it to lists
    only; if no function does, every binding in the module must be a module-level one that
    gives a list."""
    for function in _enclosing_functions(context, name):
        rebinding = [
            occurrence
            for occurrence in name_occurrences(function, name.value)
            if classify_use(context, occurrence) is Use.REBIND
        ]
        if not rebinding:
            continue
        bindings = []
        for occurrence in rebinding:
            binding = binding_gives_list(context, occurrence)
            if binding is None:
                return None
            bindings.append(binding)
        return ListVariable(name.value, function, tuple(bindings))
    if is_module_list_ast(context.facts, name.value):
        return ListVariable(name.value, context.module, ())
    return None


# -- the ast twins ---------------------------------------------------------------------------


def list_function_aliases(facts: ModuleFacts) -> frozenset[str]:
    """The local names that imports bind to the functions of :data:`LIST_FUNCTIONS`
    (``from re import split as resplit``)."""
    cached: frozenset[str] | None = getattr(facts, "_list_function_aliases", None)
    if cached is None:
        cached = facts.aliases_of(LIST_FUNCTIONS)
        facts._list_function_aliases = cached  # type: ignore[attr-defined]
    return cached


def is_list_expression_ast(node: ast.AST, aliases: frozenset[str] = frozenset()) -> bool:
    """Pre-check twin of :func:`is_list_expression` (names are not resolved: ``list`` is
    taken to be the builtin; ``aliases`` are the module's :func:`list_function_aliases`)."""
    if isinstance(node, (ast.List, ast.ListComp)):
        return True
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name):
            return func.id in LIST_BUILTINS or func.id in aliases or any(
                q.endswith("." + func.id) for q in LIST_FUNCTIONS
            )
        if isinstance(func, ast.Attribute):
            return func.attr in SPLIT_METHODS or func.attr in (
                q.rpartition(".")[2] for q in LIST_FUNCTIONS
            )
        return False
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Add):
            return is_list_expression_ast(node.left, aliases) and is_list_expression_ast(
                node.right, aliases
            )
        if isinstance(node.op, ast.Mult):
            return is_list_expression_ast(node.left, aliases) or is_list_expression_ast(
                node.right, aliases
            )
    return False


def is_list_annotation_ast(annotation: ast.AST | None) -> bool:
    if annotation is None:
        return False
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return False
    if isinstance(annotation, ast.Subscript):
        annotation = annotation.value
    if isinstance(annotation, ast.Name):
        return annotation.id in LIST_ANNOTATIONS
    return isinstance(annotation, ast.Attribute) and annotation.attr == "List"


def binding_gives_list_ast(
    binding: ast.AST, parents: dict[ast.AST, ast.AST], aliases: frozenset[str] = frozenset()
) -> bool:
    """Pre-check twin of :func:`binding_gives_list` for an entry of ``ModuleFacts.bindings``."""
    if isinstance(binding, ast.arg):
        return is_list_annotation_ast(binding.annotation)
    if not isinstance(binding, ast.Name):
        return False
    parent = parents.get(binding)
    if isinstance(parent, ast.Assign):
        return len(parent.targets) == 1 and parent.targets[0] is binding and is_list_expression_ast(
            parent.value, aliases
        )
    if isinstance(parent, ast.AnnAssign) and parent.target is binding:
        return is_list_annotation_ast(parent.annotation) or (
            parent.value is not None and is_list_expression_ast(parent.value, aliases)
        )
    if isinstance(parent, ast.AugAssign) and parent.target is binding:
        return isinstance(parent.op, (ast.Add, ast.Mult))
    return False


def function_list_names_ast(
    function: ast.AST, parents: dict[ast.AST, ast.AST], aliases: frozenset[str] = frozenset()
) -> dict[str, bool]:
    """Every name bound anywhere in ``function`` (its parameters and nested scopes included,
    as the LibCST version does), mapped to whether all those bindings give lists."""
    found: dict[str, bool] = {}

    def bind(name: str, is_list: bool) -> None:
        found[name] = found.get(name, True) and is_list

    for node in ast.walk(function):
        if node is function:
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bind(node.id, binding_gives_list_ast(node, parents, aliases))
        elif isinstance(node, ast.arg):
            bind(node.arg, binding_gives_list_ast(node, parents, aliases))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bind(node.name, False)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bind(alias.asname or alias.name.partition(".")[0], False)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for declared in node.names:
                bind(declared, False)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bind(node.name, False)
        elif bound := pattern_binding(node):
            bind(bound, False)
    return found


def list_bound_names_ast(facts: ModuleFacts) -> frozenset[str]:
    """Every name that some binding in the module (any scope) gives a list (``a = b = []``
    included): a cheap first filter for pre-checks, computed without the module's parent map
    (``known_list`` needs every binding to give a list, and one target)."""
    cached: frozenset[str] | None = getattr(facts, "_list_bound_names", None)
    if cached is None:
        found: set[str] = set()
        aliases = list_function_aliases(facts)
        for assign in facts.nodes(ast.Assign):
            if is_list_expression_ast(assign.value, aliases):
                found.update(t.id for t in assign.targets if isinstance(t, ast.Name))
        for annotated in facts.nodes(ast.AnnAssign):
            if isinstance(annotated.target, ast.Name) and (
                is_list_annotation_ast(annotated.annotation)
                or (
                    annotated.value is not None
                    and is_list_expression_ast(annotated.value, aliases)
                )
            ):
                found.add(annotated.target.id)
        for argument in facts.nodes(ast.arg):
            if is_list_annotation_ast(argument.annotation):
                found.add(argument.arg)
        cached = frozenset(found)
        facts._list_bound_names = cached  # type: ignore[attr-defined]
    return cached


def is_module_list_ast(facts: ModuleFacts, name: str) -> bool:
    """Every binding of ``name`` in the module is a module-level one that gives a list."""
    bindings = facts.bindings.get(name)
    if not bindings or facts.has_star_import:
        return False
    parents = facts.parents
    aliases = list_function_aliases(facts)
    for binding in bindings:
        if not binding_gives_list_ast(binding, parents, aliases):
            return False
        statement = parents.get(binding)
        if statement is None or parents.get(statement) is not facts.tree:
            return False
    return True



_AST_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def maybe_list_ast(facts: ModuleFacts, name: str, where: ast.AST) -> bool:
    """The pre-check twin of :func:`known_list` for ``name`` read at ``where``: the innermost
    function around ``where`` that binds the name binds it to lists only, or no function does
    and the module does (:func:`is_module_list_ast`)."""
    parents = facts.parents
    cache: dict[ast.AST, dict[str, bool]] | None = getattr(facts, "_list_names_by_function", None)
    if cache is None:
        cache = {}
        facts._list_names_by_function = cache  # type: ignore[attr-defined]
    node: ast.AST | None = parents.get(where)
    while node is not None:
        if isinstance(node, _AST_FUNCTIONS):
            known = cache.get(node)
            if known is None:
                known = cache[node] = function_list_names_ast(
                    node, parents, list_function_aliases(facts)
                )
            if name in known:
                return known[name]
        node = parents.get(node)
    return is_module_list_ast(facts, name)


# -- what is in the list -----------------------------------------------------------------------

@cache
def _unhashable_displays() -> tuple[
    type[cst.List], type[cst.ListComp], type[cst.Dict], type[cst.DictComp], type[cst.Set],
    type[cst.SetComp],
]:
    """Displays whose value is unhashable."""
    return (cst.List, cst.ListComp, cst.Dict, cst.DictComp, cst.Set, cst.SetComp)
#: Annotations of types whose instances are unhashable.
UNHASHABLE_TYPES = frozenset(
    {
        "list", "List", "dict", "Dict", "set", "Set", "bytearray", "MutableMapping",
        "MutableSequence", "MutableSet", "defaultdict", "DefaultDict", "OrderedDict",
        "Counter", "deque", "Deque", "ChainMap",
    }
)
#: Annotations of containers whose first type argument is the type of their items.
_ITEM_CONTAINERS = frozenset(
    {
        "list", "List", "Sequence", "MutableSequence", "Iterable", "Iterator", "Collection",
        "deque", "Deque", "tuple", "Tuple",
    }
)


def has_unhashable_elements(variable: ListVariable) -> bool:
    """Some binding gives a list whose elements are lists, dicts or sets (a display or
    comprehension of them), or is annotated as a list of them (``list[dict[str, int]]``,
    ``List[Optional[list]]``): ``set()`` of it, ``dict.fromkeys()``, or an index keyed by its
    elements, raises."""
    for binding in variable.bindings:
        value = getattr(binding, "value", None)
        if yields_unhashable_displays(value):
            return True
        annotation = getattr(binding, "annotation", None)
        if isinstance(annotation, cst.Annotation) and annotation_items_may_be_unhashable(
            annotation.annotation
        ):
            return True
    return False


_AST_UNHASHABLE = (ast.List, ast.ListComp, ast.Dict, ast.DictComp, ast.Set, ast.SetComp)


def module_list_has_unhashable_elements(facts: ModuleFacts, name: str) -> bool:
    """:func:`has_unhashable_elements` for a module-level list bound outside the chunk, on
    the module's ``ast``: a binding to a display or comprehension of lists, dicts or sets, or
    an annotation as a list of them."""
    for node in facts.bindings.get(name, ()):
        statement = facts.parents.get(node) if isinstance(node, ast.Name) else None
        value = getattr(statement, "value", None)
        if isinstance(value, ast.ListComp) and isinstance(value.elt, _AST_UNHASHABLE):
            return True
        if isinstance(value, (ast.List, ast.Tuple)) and any(
            isinstance(e, _AST_UNHASHABLE) for e in value.elts
        ):
            return True
        if isinstance(statement, ast.AnnAssign):
            try:
                annotation = cst.parse_expression(ast.unparse(statement.annotation))
            except (cst.ParserSyntaxError, ValueError):
                continue
            if annotation_items_may_be_unhashable(annotation):
                return True
    return False


def is_unhashable_display(node: object) -> bool:
    """A list, dict or set display or comprehension: an unhashable value, as written."""
    return isinstance(node, _unhashable_displays())


def yields_unhashable_displays(node: object) -> bool:
    """A display or comprehension whose elements (some of them) are unhashable displays."""
    if isinstance(node, (cst.ListComp, cst.GeneratorExp)):
        return is_unhashable_display(node.elt)
    if isinstance(node, (cst.List, cst.Tuple)):
        return any(
            isinstance(e, cst.Element) and is_unhashable_display(e.value) for e in node.elements
        )
    return False


def annotation_items_may_be_unhashable(annotation: cst.BaseExpression) -> bool:
    """``annotation`` is a container whose items may be of an unhashable type:
    ``list[dict[str, Any]]``, ``Sequence[Optional[list[int]]]``, ``tuple[set, ...]``."""
    if isinstance(annotation, cst.SimpleString):
        try:
            annotation = cst.parse_expression(str(annotation.evaluated_value))
        except (cst.ParserSyntaxError, ValueError):
            return False
    if not isinstance(annotation, cst.Subscript) or _type_name(annotation.value) not in (
        _ITEM_CONTAINERS
    ):
        return False
    return any(
        isinstance(element.slice, cst.Index) and _may_be_unhashable_type(element.slice.value)
        for element in annotation.slice
    )


def _type_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def _may_be_unhashable_type(node: cst.BaseExpression) -> bool:
    """Some alternative of the type ``node`` is an unhashable type (``Optional[dict]``,
    ``list[int] | None``, ``Union[str, set[str]]``)."""
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        return _may_be_unhashable_type(node.left) or _may_be_unhashable_type(node.right)
    if isinstance(node, cst.Subscript):
        head = _type_name(node.value)
        if head in {"Optional", "Union", "Annotated"}:
            return any(
                isinstance(e.slice, cst.Index) and _may_be_unhashable_type(e.slice.value)
                for e in (node.slice[:1] if head == "Annotated" else node.slice)
            )
        return head in UNHASHABLE_TYPES
    return _type_name(node) in UNHASHABLE_TYPES


def static_length(value: object) -> int | None:
    """The number of items of a list or tuple display without ``*rest``, or of a string
    literal's ``split()``; None when it is not known from the code."""
    if isinstance(value, (cst.List, cst.Tuple)):
        if not all(isinstance(element, cst.Element) for element in value.elements):
            return None
        return len(value.elements)
    if (
        isinstance(value, cst.Call)
        and isinstance(value.func, cst.Attribute)
        and value.func.attr.value == "split"
        and isinstance(value.func.value, cst.SimpleString)
        and not value.args
    ):
        text = value.func.value.evaluated_value
        return len(text.split()) if isinstance(text, str) else None
    return None


def is_small_fixed_list(context: RuleContext, variable: ListVariable, at_most: int) -> bool:
    """The list never holds more than ``at_most`` items (:func:`max_length`): scanning so
    short a list costs about what a lookup in an index does."""
    length = max_length(context, variable)
    return length is not None and length <= at_most


#: Methods of ``list`` and how many items a call adds (None: it depends on the argument).
_GROWTH = {"append": 1, "insert": 1, "extend": None}
#: Methods of ``list`` that change it without adding items.
_NO_GROWTH = frozenset({"pop", "remove", "clear", "sort", "reverse"})


@cache
def _repeating() -> tuple[type[cst.CSTNode], ...]:
    """The nodes whose code may run more than once per run of the code around them."""
    return (
        cst.For, cst.While, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp,
        cst.FunctionDef, cst.Lambda, cst.ClassDef,
    )


def max_length(context: RuleContext, variable: ListVariable) -> int | None:
    """The most items the list can ever hold, from the code alone, or None when that is not
    known: the largest length a binding gives (:func:`static_length`: a display, a string
    literal's ``split()``), plus what each growing call can add (``append``/``insert`` one,
    ``extend``/``+=`` a display its length) when it runs at most once per binding: not in a
    loop, comprehension or nested function. ``pair = [a, b]`` and ``if c: pair.append(d)``
    holds at most three. For a module-level list bound outside the chunk: a display that
    nothing changes anywhere."""
    if not variable.bindings:
        return _module_list_length(context, variable.name)
    longest = 0
    growth = 0
    for binding in variable.bindings:
        if isinstance(binding, cst.AugAssign):
            added = static_length(binding.value)
            if added is None or _may_repeat(context, binding, variable.owner):
                return None
            growth += added
            continue
        if not isinstance(binding, (cst.Assign, cst.AnnAssign)):
            return None  # a parameter
        length = static_length(binding.value)
        if length is None:
            return None
        longest = max(longest, length)
    for occurrence, use in uses_in(context, variable.owner, variable.name):
        if use is not Use.MUTATE:
            continue
        added = _items_added(context, occurrence)
        if added is None or (added and _may_repeat(context, occurrence, variable.owner)):
            return None
        growth += added
    return longest + growth


def _items_added(context: RuleContext, occurrence: cst.Name) -> int | None:
    """How many items the change made through ``occurrence`` can add (None: unknown)."""
    parent = context.parent(occurrence)
    if isinstance(parent, cst.Attribute) and parent.value is occurrence:
        method = parent.attr.value
        if method in _NO_GROWTH:
            return 0
        if method not in _GROWTH:
            return None
        call = context.parent(parent)
        if method == "extend" and isinstance(call, cst.Call) and len(call.args) == 1:
            return static_length(call.args[0].value)
        return _GROWTH[method]
    if isinstance(parent, cst.Subscript) and parent.value is occurrence:
        # `del xs[i]` or `xs[i] = v` keep or shrink it; a slice assignment can grow it.
        return 0 if all(isinstance(e.slice, cst.Index) for e in parent.slice) else None
    return None


def _may_repeat(context: RuleContext, node: cst.CSTNode, owner: cst.CSTNode) -> bool:
    """``node`` may run more than once per run of ``owner``'s body."""
    for ancestor in context.ancestors(node):
        if ancestor is owner:
            return False
        if isinstance(ancestor, _repeating()):
            return True
    return True


def _module_list_length(context: RuleContext, name: str) -> int | None:
    facts = context.facts
    longest = 0
    for node in facts.bindings.get(name, ()):
        statement = facts.parents.get(node) if isinstance(node, ast.Name) else None
        value = getattr(statement, "value", None)
        if not isinstance(statement, (ast.Assign, ast.AnnAssign)) or not (
            isinstance(value, (ast.List, ast.Tuple))
            and not any(isinstance(e, ast.Starred) for e in value.elts)
        ):
            return None
        longest = max(longest, len(value.elts))
    if any(ast_use(facts, load) is Use.MUTATE for load in facts.loads.get(name, ())):
        return None
    return longest

__all__ = [
    "LIST_ANNOTATIONS",
    "LIST_BUILTINS",
    "LIST_FUNCTIONS",
    "UNHASHABLE_TYPES",
    "ListVariable",
    "SPLIT_METHODS",
    "binding_gives_list",
    "binding_gives_list_ast",
    "function_list_names_ast",
    "annotation_items_may_be_unhashable",
    "has_unhashable_elements",
    "is_unhashable_display",
    "yields_unhashable_displays",
    "is_list_annotation",
    "is_list_annotation_ast",
    "is_list_expression",
    "is_list_expression_ast",
    "is_module_list_ast",
    "is_small_fixed_list",
    "max_length",
    "module_list_has_unhashable_elements",
    "known_list",
    "list_function_aliases",
    "list_bound_names_ast",
    "maybe_list_ast",
    "static_length",
]
