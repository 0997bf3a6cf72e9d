"""``docs/editors.md``'s configuration snippets say what the server understands: the JSON and
TOML ones parse, start ``perfcodemod server``, and carry settings that the server reads without
a complaint; the example at the end is flagged as the page says."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from perfcodemod import api
from perfcodemod.lsp import settings as client_settings

from .conftest import REPO

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

EDITORS_DOC = REPO / "docs" / "editors.md"
EXPECTED = client_settings.ClientSettings(extend_select=("PCM104",))


def blocks(language: str) -> list[str]:
    text = EDITORS_DOC.read_text(encoding="utf-8")
    pattern = rf"^( *)```{language}\n(.*?)^\1```"
    return [
        re.sub(rf"^{indent}", "", body, flags=re.MULTILINE)
        for indent, body in re.findall(pattern, text, flags=re.DOTALL | re.MULTILINE)
    ]


def assert_understood(raw: Any) -> None:
    parsed, problems = client_settings.parse(raw)
    assert problems == []
    assert parsed == EXPECTED


def test_json_snippets() -> None:
    found = [json.loads(block) for block in blocks("json")]
    vscode, flake8, zed, lsp4ij = found
    assert vscode["glspc.server.command"] == "perfcodemod"
    assert vscode["glspc.server.commandArguments"] == ["server"]
    assert vscode["glspc.server.languageId"] == ["python"]
    assert_understood(vscode["glspc.server.initializationOptions"])
    assert "source.fixAll.perfcodemod" in vscode["editor.codeActionsOnSave"]
    assert flake8["flake8.importStrategy"] == "fromEnvironment"
    assert "perfcodemod" in zed["languages"]["Python"]["language_servers"]
    assert_understood(zed["lsp"]["perfcodemod"]["initialization_options"])
    assert_understood(lsp4ij)


def test_toml_snippets() -> None:
    helix, zed_extension = (tomllib.loads(block) for block in blocks("toml"))
    server = helix["language-server"]["perfcodemod"]
    assert [server["command"], *server["args"]] == ["perfcodemod", "server"]
    assert_understood(server["config"])
    assert "perfcodemod" in helix["language"][0]["language-servers"]
    assert zed_extension["language_servers"]["perfcodemod"]["languages"] == ["Python"]


def test_lua_and_elisp_snippets_start_the_server_with_the_same_settings() -> None:
    # Neither Neovim nor Emacs runs here: their snippets are checked for the command and the
    # settings, written in their own syntax.
    for block in blocks("lua")[:2]:
        assert "cmd = { 'perfcodemod', 'server' }" in block
        assert "init_options = { settings = { extendSelect = { 'PCM104' } } }" in block
    (eglot, _) = blocks("elisp")
    assert '("perfcodemod" "server"' in eglot
    assert ':initializationOptions (:settings (:extendSelect ["PCM104"]))' in eglot


def test_the_example_is_flagged_as_the_page_says() -> None:
    (example,) = blocks("python")
    (diagnostic,) = api.check_source(example, "example.py").diagnostics
    assert diagnostic.code == "PCM201"
    assert diagnostic.fix is not None and diagnostic.fix.applicability.value == "safe"
    assert "Fix PCM201: Use a set literal" in EDITORS_DOC.read_text(encoding="utf-8")
    assert diagnostic.fix.message == "Use a set literal"
