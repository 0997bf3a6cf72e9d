"""The base class every rule derives from, and what a rule can say about a node.

A rule is a LibCST visitor with a cheap pre-check. The engine calls the class's ``precheck``
on the module's ``ast`` first; only the top-level statements holding a candidate are parsed with
LibCST, and a fresh rule instance visits them in one batched traversal with every other rule.
The ``visit_<Node>``/``leave_<Node>`` methods then decide, and call :meth:`Rule.report`.

Each rule class carries its documentation (the docstring, with the sections *What it does*,
*Why is this bad?*, *Example*, *Use instead* and *Fix safety*) and its examples: ``VALID`` code
must produce no diagnostic, each ``INVALID`` case exactly the diagnostics and fix it names. The
examples double as tests (``tests/rules``) and as the rule's documentation page.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from perfcodemod.diagnostic import Applicability
from perfcodemod.lazycst import cst
from perfcodemod.proposals import (
    Candidate,
    Change,
    FixProposal,
    ImportRequest,
)

if TYPE_CHECKING:
    from perfcodemod.analysis.facts import ModuleFacts
    from perfcodemod.context import RuleContext

CODE_PATTERN = re.compile(r"^PCM\d{3}$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety")


@dataclass(frozen=True)
class OptionSpec:
    """One key of a family's table (``[tool.perfcodemod.caching] extra-pure-functions``)."""

    default: object
    doc: str
    #: ``str``, ``bool``, ``int`` or ``list`` (of strings).
    kind: type = list

    def validate(self, value: object, where: str) -> object:
        if self.kind is list:
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return tuple(value)
            raise ValueError(f"{where} must be a list of strings")
        if self.kind is bool and not isinstance(value, bool):
            raise ValueError(f"{where} must be true or false")
        if self.kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError(f"{where} must be an integer")
        if self.kind is str and not isinstance(value, str):
            raise ValueError(f"{where} must be a string")
        return value


@dataclass(frozen=True)
class Invalid:
    """An example the rule must flag.

    ``fixed`` is the code after every fix is applied (``--fix --unsafe-fixes``), or None when the
    rule offers no fix here; ``applicability`` is the fix's applicability; ``count`` is how many
    diagnostics of this rule the code produces.
    """

    code: str
    fixed: str | None = None
    applicability: Applicability | None = None
    count: int = 1
    #: A fragment the (first) message must contain.
    message: str | None = None
    #: A fragment the (first) fix's applicability reason must contain: the reason shown to
    #: users must be true of the case.
    reason: str | None = None
    #: Rule options for this example, as in ``[tool.perfcodemod.<family>]``.
    options: dict[str, object] = field(default_factory=dict)


class Rule:
    """Base class of every rule. Subclasses set the class attributes and visit methods."""

    #: ``PCM`` and three digits.
    code: ClassVar[str]
    #: Kebab-case name (``literal-membership``).
    name: ClassVar[str]
    #: The default message; it names the concrete fix.
    message: ClassVar[str]
    #: The fix, in the imperative; None when the rule never fixes.
    fix_title: ClassVar[str | None] = None
    #: Off unless selected (rules that trade memory for time, or are noisy by design).
    default_enabled: ClassVar[bool] = True
    #: Set by the registry from the rule's package (``membership``, ``generators``...).
    family: ClassVar[str] = ""
    #: True when what the visitor decides about a candidate in a function's body (whether to
    #: report, where, and the fix) depends on nothing outside the outermost function around it
    #: but the module's ``ast`` (``context.facts``): the engine may then parse only that
    #: function when it is a method, not its whole class. Its reports and edits must stay
    #: inside that function's body; the engine falls back to the whole class when they do not.
    function_local: ClassVar[bool] = False

    VALID: ClassVar[Sequence[str]] = ()
    INVALID: ClassVar[Sequence[Invalid]] = ()

    def __init__(self, context: RuleContext) -> None:
        self.context = context

    # -- the pre-check ----------------------------------------------------------------------

    @classmethod
    def precheck(cls, facts: ModuleFacts) -> Iterable[Candidate]:
        """Where in the module this rule may fire, from the cheap ``ast`` alone.

        Must be a superset of what the visitor reports: an empty result means the rule is not
        run on the module at all. The default asks for the whole module.
        """
        return [(1, max(1, len(facts.lines)))]

    # -- reporting --------------------------------------------------------------------------

    def report(
        self,
        node: cst.CSTNode,
        message: str | None = None,
        fix: FixProposal | None = None,
    ) -> None:
        self.context.report(self, node, message or self.message, fix)

    def fix(
        self,
        changes: Sequence[Change] | Change,
        applicability: Applicability,
        reason: str,
        imports: Sequence[ImportRequest] = (),
        title: str | None = None,
    ) -> FixProposal:
        if isinstance(changes, Change):
            changes = (changes,)
        return FixProposal(tuple(changes), applicability, reason, tuple(imports), title)

    # -- documentation ----------------------------------------------------------------------

    @classmethod
    def documentation(cls) -> str:
        return textwrap.dedent(inspect.getdoc(cls) or "").strip()

    @classmethod
    def doc_sections(cls) -> dict[str, str]:
        """The docstring's ``## Section`` parts, by title."""
        sections: dict[str, str] = {}
        title = ""
        lines: list[str] = []
        for line in cls.documentation().splitlines():
            if line.startswith("## "):
                if title:
                    sections[title] = "\n".join(lines).strip()
                title, lines = line[3:].strip(), []
            else:
                lines.append(line)
        if title:
            sections[title] = "\n".join(lines).strip()
        return sections

    @classmethod
    def summary(cls) -> str:
        return cls.documentation().split("\n", 1)[0].strip()

    @classmethod
    def url(cls) -> str:
        return f"https://github.com/perfcodemod/perfcodemod/blob/main/docs/rules/{cls.code}.md"


__all__ = [
    "DOC_SECTIONS",
    "Candidate",
    "Change",
    "FixProposal",
    "ImportRequest",
    "Invalid",
    "OptionSpec",
    "Rule",
]
