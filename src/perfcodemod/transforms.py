"""CST builders that several rules' fixes share. Every builder keeps the comments and the
whitespace inside the brackets it rewrites."""

from __future__ import annotations

import libcst as cst


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
