"""PCM001: the file could not be read, decoded or parsed."""

from __future__ import annotations

from collections.abc import Iterable

from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.rule import Candidate, Invalid, Rule


class ParseError(Rule):
    """The file could not be read, decoded or parsed, so no other rule ran on it.

    ## What it does
    Reports a file that cannot be read (permissions, a directory named like a file), whose bytes
    are not text in the encoding it declares (UTF-8 unless a coding cookie says otherwise), or
    that is not valid Python: the position is the parser's.

    When Python's own parser accepts the file but LibCST cannot parse one of its top-level
    statements (LibCST's grammar lags behind Python's in a few places: a parenthesised
    annotated target such as `(x): int` is one), the message says so: it is a limit of LibCST,
    not an error in the file. It gives LibCST's position in the file, the rules that were not
    run, and the lines of the statement they skipped; the other top-level statements are
    still checked.

    ## Why is this bad?
    Nothing can be checked or fixed in code that cannot be parsed; a silent skip would hide
    that the file was never checked.

    ## Example
    ```python
    def broken(:
        pass
    ```

    ## Use instead
    Fix the syntax error, or exclude the file (`extend-exclude`) if it is not Python (a template,
    a test fixture for a parser).

    ## Fix safety
    There is no fix. The run goes on with the other files; the exit code is 1, as for any
    diagnostic.
    """

    code = "PCM001"
    name = "parse-error"
    message = "the file could not be parsed"

    VALID = ("x = 1\n",)
    INVALID = (
        Invalid("def broken(:\n    pass\n", message="SyntaxError"),
        Invalid("x = (1,\n", message="SyntaxError"),
    )
    # (A statement that only LibCST rejects is reported only when some rule had a candidate in
    # it: see tests/test_engine.py.)

    @classmethod
    def precheck(cls, facts: ModuleFacts) -> Iterable[Candidate]:
        # Reported by the engine and the file reader, never by a visitor.
        return ()
