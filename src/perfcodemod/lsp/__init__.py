"""``perfcodemod server``: the language server (LSP over stdio), a thin front end over ``api``.

pygls is an optional dependency (``perfcodemod[lsp]``): it is imported only when the server
starts, and without it the command says in one line how to install it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

#: The pygls major version the server is written for (its API changed between 1.x and 2.x).
PYGLS_MAJOR = 2
INSTALL_HINT = "pip install 'perfcodemod[lsp]'"

USAGE = """\
usage: perfcodemod server [--stdio]

Start the perfcodemod language server, speaking LSP over standard input and output. Editors
start it themselves; see docs/editors.md. Settings come from the project's configuration files
and from the editor (select, extend-select, ignore, unsafe-fixes, profile).
"""


def _pygls_problem() -> str | None:
    """Why the server cannot start (pygls missing, or of another major version), or None."""
    from importlib import metadata

    try:
        version = metadata.version("pygls")
    except metadata.PackageNotFoundError:
        return f"the language server needs pygls, which is not installed: {INSTALL_HINT}"
    major = version.split(".", 1)[0]
    if major != str(PYGLS_MAJOR):
        return (
            f"the language server needs pygls {PYGLS_MAJOR}.x, but pygls {version} is "
            f"installed: {INSTALL_HINT}"
        )
    try:
        import lsprotocol  # noqa: F401
        import pygls.lsp.server  # noqa: F401
    except ImportError as exc:
        return f"the language server cannot import pygls ({exc}): {INSTALL_HINT}"
    return None


def main(argv: Sequence[str]) -> int:
    args = list(argv)
    if any(arg in {"-h", "--help"} for arg in args):
        sys.stdout.write(USAGE)
        return 0
    unknown = [arg for arg in args if arg != "--stdio"]
    if unknown:
        print(
            f"perfcodemod: error: unknown argument `{unknown[0]}` for `perfcodemod server` "
            "(it only speaks LSP over stdio; see `perfcodemod server --help`)",
            file=sys.stderr,
        )
        return 2
    problem = _pygls_problem()
    if problem is not None:
        print(f"perfcodemod: error: {problem}", file=sys.stderr)
        return 2
    from perfcodemod.lsp.server import serve

    return serve()
