"""CST builders that several rules' fixes share. Every builder keeps the comments and the
whitespace inside the brackets it rewrites."""

from __future__ import annotations

from typing import Union

from perfcodemod.lazycst import cst


def set_display(node: cst.List | cst.Tuple) -> cst.Set:
    """``[a, b]`` or ``(a, b)`` -> ``{a, b}``, keeping what is between the brackets.

    For a tuple, the innermost pair of parentheses becomes the braces and any outer pairs stay.
    """
    if isinstance(node, cst.List):
        return cst.Set(
            elements=node.elements,
            lbrace=cst.LeftCurlyBrace(whitespace_after=node.lbracket.whitespace_after),
            rbrace=cst.RightCurlyBrace(whitespace_before=node.rbracket.whitespace_before),
            lpar=node.lpar,
            rpar=node.rpar,
        )
    if not node.lpar:
        raise ValueError("a tuple without parentheses has no brackets to turn into braces")
    inner_left, inner_right = node.lpar[-1], node.rpar[0]
    return cst.Set(
        elements=node.elements,
        lbrace=cst.LeftCurlyBrace(whitespace_after=inner_left.whitespace_after),
        rbrace=cst.RightCurlyBrace(whitespace_before=inner_right.whitespace_before),
        lpar=node.lpar[:-1],
        rpar=node.rpar[1:],
    )


def call(func: str, *args: cst.BaseExpression) -> cst.Call:
    """``func(arg, ...)`` for a dotted ``func``."""
    return cst.Call(func=cst.parse_expression(func), args=[cst.Arg(value=a) for a in args])


# -- comprehensions (PCM1xx) ---------------------------------------------------------------------


def has_comment(node: cst.CSTNode) -> bool:
    """``node`` (whitespace, a bracket, a comma...) holds a comment."""
    return "#" in cst.Module(body=[]).code_for_node(node)


def generator_from(
    comp: cst.ListComp | cst.SetComp, *, parenthesized: bool = True
) -> cst.GeneratorExp:
    """``[x for x in y]`` or ``{x for x in y}`` -> ``(x for x in y)``: the brackets become the
    parentheses, with what was inside them (comments, line breaks). Without ``parenthesized``
    (the sole argument of a call) the brackets are dropped; the caller checks that they held no
    comment (:func:`has_comment`)."""
    if isinstance(comp, cst.ListComp):
        left, right = comp.lbracket.whitespace_after, comp.rbracket.whitespace_before
    else:
        left, right = comp.lbrace.whitespace_after, comp.rbrace.whitespace_before
    own_lpar = [cst.LeftParen(whitespace_after=left)] if parenthesized else []
    own_rpar = [cst.RightParen(whitespace_before=right)] if parenthesized else []
    return cst.GeneratorExp(
        elt=comp.elt,
        for_in=comp.for_in,
        lpar=[*comp.lpar, *own_lpar],
        rpar=[*own_rpar, *comp.rpar],
    )


def set_comprehension_from(comp: cst.ListComp) -> cst.SetComp:
    """``[x for x in y]`` -> ``{x for x in y}``, keeping what is inside the brackets."""
    return cst.SetComp(
        elt=comp.elt,
        for_in=comp.for_in,
        lbrace=cst.LeftCurlyBrace(whitespace_after=comp.lbracket.whitespace_after),
        rbrace=cst.RightCurlyBrace(whitespace_before=comp.rbracket.whitespace_before),
        lpar=comp.lpar,
        rpar=comp.rpar,
    )


_Opening = Union["cst.LeftSquareBracket", "cst.LeftCurlyBrace"]
_Closing = Union["cst.RightSquareBracket", "cst.RightCurlyBrace"]


def _brackets(comp: cst.ListComp | cst.SetComp) -> tuple[_Opening, _Closing]:
    if isinstance(comp, cst.ListComp):
        return comp.lbracket, comp.rbracket
    return comp.lbrace, comp.rbrace


def generator_argument(
    call: cst.Call, arg: cst.Arg
) -> tuple[cst.CSTNode, cst.CSTNode]:
    """The change (old node, new node) that turns the comprehension ``arg.value`` of ``call``
    into a generator expression: bare when it is the call's only argument (``sum(x for x in
    y)``), parenthesized otherwise (``sum((x for x in y), 10)``). Comments inside the brackets
    survive: they move to the call's parentheses, or the generator keeps its own."""
    comp = arg.value
    if not isinstance(comp, (cst.ListComp, cst.SetComp)):
        raise TypeError("not a list or set comprehension")
    parenthesized = (comp, generator_from(comp, parenthesized=True))
    alone = len(call.args) == 1 and not arg.keyword and not arg.star
    if not alone or comp.lpar or isinstance(arg.comma, cst.Comma):
        return parenthesized
    left, right = _brackets(comp)
    if not has_comment(left) and not has_comment(right):
        return comp, generator_from(comp, parenthesized=False)
    if has_comment(call.whitespace_before_args) or has_comment(arg.whitespace_after_arg):
        return parenthesized
    new_call = call.with_changes(
        whitespace_before_args=left.whitespace_after,
        args=[
            arg.with_changes(
                value=generator_from(comp, parenthesized=False),
                whitespace_after_arg=right.whitespace_before,
            )
        ],
    )
    return call, new_call
