"""Starting and stopping ``perfcodemod server``: without pygls, usage errors, the LSP lifecycle
over raw stdio (shutdown then exit), and standard output carrying nothing but the protocol."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, run_cli

HIDDEN = ("pygls", "lsprotocol", "pytest_lsp", "pytest-lsp")


def test_help_and_usage_errors() -> None:
    result = run_cli("server", "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: perfcodemod server")
    result = run_cli("server", "--tcp")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "perfcodemod: error: unknown argument `--tcp` for `perfcodemod server` "
        "(it only speaks LSP over stdio; see `perfcodemod server --help`)"
    ]


def python_without_pygls(tmp_path: Path) -> Path:
    """A real virtual environment with every package of this one except pygls and
    lsprotocol (linked, not copied), and perfcodemod's source."""
    env = tmp_path / "venv"
    venv.create(env, with_pip=False)
    here = Path(sysconfig.get_paths()["purelib"])
    shadow = tmp_path / "packages"
    shadow.mkdir()
    for entry in here.iterdir():
        if not entry.name.lower().startswith(HIDDEN) and entry.suffix != ".pth":
            (shadow / entry.name).symlink_to(entry)
    purelib = sysconfig.get_path("purelib", vars={"base": str(env), "platbase": str(env)})
    Path(purelib, "perfcodemod-test.pth").write_text(f"{shadow}\n{REPO / 'src'}\n")
    return env / "bin" / "python"


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks")
def test_without_pygls_one_line_says_how_to_install(tmp_path: Path) -> None:
    python = python_without_pygls(tmp_path)
    probe = subprocess.run([python, "-c", "import libcst, perfcodemod; import pygls"],
                           capture_output=True, text=True)
    assert "No module named 'pygls'" in probe.stderr
    result = subprocess.run(
        [python, "-m", "perfcodemod", "server"], capture_output=True, text=True,
        stdin=subprocess.DEVNULL, timeout=120,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "perfcodemod: error: the language server needs pygls, which is not installed: "
        "pip install 'perfcodemod[lsp]'"
    ]
    # The rest of the tool works without it.
    check = subprocess.run([python, "-m", "perfcodemod", "check", "-", "--isolated"],
                           input="x = 1\n", capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def unframe(data: bytes) -> list[dict[str, Any]]:
    """Every message of an LSP byte stream; anything else in it fails the test."""
    messages = []
    while data:
        header, separator, rest = data.partition(b"\r\n\r\n")
        assert separator, f"not an LSP header: {data[:80]!r}"
        fields = dict(line.split(b": ", 1) for line in header.split(b"\r\n"))
        length = int(fields[b"Content-Length"])
        messages.append(json.loads(rest[:length]))
        data = rest[length:]
    return messages


# A server that prints to standard output while it checks a document (Python's print and a
# write to file descriptor 1, as a library or a C extension might): none of it may reach the
# client.
NOISY_SERVER = """
import os, sys
from perfcodemod import api
check_source = api.check_source
def noisy_check_source(*args, **kwargs):
    print("stray print")
    os.write(1, b"stray write\\n")
    return check_source(*args, **kwargs)
api.check_source = noisy_check_source
from perfcodemod.lsp import main
sys.exit(main([]))
"""


@pytest.mark.parametrize("orderly", [True, False], ids=["shutdown-exit", "exit-only"])
def test_lifecycle_over_raw_stdio_and_stdout_is_protocol_only(orderly: bool) -> None:
    requests = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"processId": os.getpid(), "rootUri": None, "capabilities": {},
                    "trace": "messages"}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": "untitled:Untitled-1", "languageId": "python", "version": 1,
            "text": "def f(x: str):\n    return x in ['a', 'b']\n"}}},
    ]
    with subprocess.Popen(
        [sys.executable, "-c", NOISY_SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, cwd=REPO,
    ) as process:
        assert process.stdin and process.stdout and process.stderr
        for message in requests:
            process.stdin.write(frame(message))
        process.stdin.flush()
        # Read until the diagnostics arrive (the stray output is written by then).
        received = b""
        while b"publishDiagnostics" not in received:
            chunk = os.read(process.stdout.fileno(), 65536)
            assert chunk, "the server closed its output"
            received += chunk
        if orderly:
            process.stdin.write(frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
        process.stdin.write(frame({"jsonrpc": "2.0", "method": "exit"}))
        process.stdin.close()
        rest, stderr = process.stdout.read(), process.stderr.read()
        assert process.wait(timeout=60) == (0 if orderly else 1)
    messages = unframe(received + rest)
    initialize = next(m for m in messages if m.get("id") == 1)
    assert initialize["result"]["serverInfo"]["name"] == "perfcodemod"
    published = next(m for m in messages if m.get("method") == "textDocument/publishDiagnostics")
    assert [d["code"] for d in published["params"]["diagnostics"]] == ["PCM201"]
    # Asked for a trace, the server says how long the check took.
    traces = [m["params"]["message"] for m in messages if m.get("method") == "$/logTrace"]
    assert any(t.startswith("checked untitled:Untitled-1 version 1 in ") for t in traces)
    if orderly:
        assert next(m for m in messages if m.get("id") == 2)["result"] is None
    assert b"stray print" in stderr and b"stray write" in stderr
