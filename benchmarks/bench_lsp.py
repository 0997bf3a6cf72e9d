"""Latency of ``perfcodemod server``: from a one-character ``didChange`` to the
``publishDiagnostics`` of that version, on real ~3,000-line files of the standard library.

    python benchmarks/bench_lsp.py                       # tarfile.py, inspect.py, typing.py
    python benchmarks/bench_lsp.py --edits 60 FILE...    # other files, more edits

The server runs as an editor starts it (``perfcodemod server`` over stdio); this script is the
client, speaking LSP over the pipes. Each file is opened once, then edited one character at a
time: a space added at the end of a line, then removed (so the code stays valid and the file
stays what it is), on lines spread over the file in a fixed pseudo-random order. Each edit
waits for its diagnostics before the next one is sent. Reported per file: median, 90th
percentile and fastest of the latencies, and for scale the same check done in this process
right after (``api.check_source`` on the file's text, median of 9), and the server's own
time for each check (it reports it in ``$/logTrace`` when the client asks for a trace): the
latency is the server's debounce (``DEBOUNCE``), the check, and the protocol around it.

The design's target is a median under 200 ms on this kind of machine. The result depends on the
load of the machine: run it on a quiet one, and compare the latency with the in-process check
of the same run rather than with figures from another day.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from typing import IO, Any

DEFAULT_FILES = ("tarfile.py", "inspect.py", "typing.py")


class Client:
    """Just enough of an LSP client over a subprocess's pipes."""

    def __init__(self, command: list[str]) -> None:
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin: IO[bytes] = self.process.stdin
        self.stdout: IO[bytes] = self.process.stdout
        self.next_id = 0
        self.check_times: dict[int, float] = {}

    def send(self, method: str, params: Any, request: bool = False) -> int | None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        ident = None
        if request:
            self.next_id += 1
            ident = message["id"] = self.next_id
        body = json.dumps(message).encode()
        self.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.stdin.flush()
        return ident

    def receive(self) -> dict[str, Any]:
        length = 0
        while True:
            line = self.stdout.readline()
            if not line:
                raise SystemExit("the server closed its output")
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        message: dict[str, Any] = json.loads(self.stdout.read(length))
        return message

    def wait_for(self, predicate: Any) -> dict[str, Any]:
        while True:
            message = self.receive()
            if "id" in message and "method" in message:  # a request from the server
                self.answer(message["id"])
            if message.get("method") == "$/logTrace":
                self.record_trace(message["params"]["message"])
            if predicate(message):
                return message

    def record_trace(self, text: str) -> None:
        """The server's "checked URI version N in X ms" lines, by version."""
        match = re.search(r"version (\d+) in ([\d.]+) ms", text)
        if match:
            self.check_times[int(match.group(1))] = float(match.group(2)) / 1000

    def answer(self, ident: int) -> None:
        body = json.dumps({"jsonrpc": "2.0", "id": ident, "result": None}).encode()
        self.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.stdin.flush()

    def close(self) -> None:
        ident = self.send("shutdown", None, request=True)
        self.wait_for(lambda m: m.get("id") == ident and "method" not in m)
        self.send("exit", None)
        self.stdin.close()
        self.process.wait(timeout=30)


def diagnostics_of(uri: str, version: int) -> Any:
    def match(message: dict[str, Any]) -> bool:
        params = message.get("params") or {}
        return (message.get("method") == "textDocument/publishDiagnostics"
                and params.get("uri") == uri and params.get("version") == version)

    return match


def editable_lines(text: str) -> list[int]:
    """Lines where a trailing space keeps the code as it is (not blank, no continuation
    backslash, not inside a string that spans lines)."""
    import io
    import tokenize

    in_string: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.STRING and token.end[0] > token.start[0]:
            in_string.update(range(token.start[0], token.end[0]))
    lines = text.split("\n")
    return [
        index for index, line in enumerate(lines)
        if line.strip() and not line.endswith("\\") and index + 1 not in in_string
        and "\r" not in line
    ]


def measure(path: Path, edits: int, seed: int) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    client = Client([sys.executable, "-m", "perfcodemod", "server"])
    # With a trace on, the server says how long each check took ($/logTrace).
    ident = client.send("initialize", {"processId": os.getpid(), "rootUri": None,
                                       "capabilities": {}, "trace": "messages"}, request=True)
    client.wait_for(lambda m: m.get("id") == ident)
    client.send("initialized", {})
    uri = path.resolve().as_uri()
    client.send("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1, "text": text}})
    opened = client.wait_for(diagnostics_of(uri, 1))
    count = len(opened["params"]["diagnostics"])
    rng = random.Random(seed)
    candidates = editable_lines(text)
    latencies: list[float] = []
    checks: list[float] = []
    version = 1
    for _ in range(edits):
        row = rng.choice(candidates)
        end = len(lines[row])
        for change in (
            {"range": {"start": {"line": row, "character": end},
                       "end": {"line": row, "character": end}}, "text": " "},
            {"range": {"start": {"line": row, "character": end},
                       "end": {"line": row, "character": end + 1}}, "text": ""},
        ):
            version += 1
            start = time.perf_counter()
            client.send("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": version}, "contentChanges": [change]})
            published = client.wait_for(diagnostics_of(uri, version))
            latencies.append(time.perf_counter() - start)
            checks.append(client.check_times.pop(version))
            if len(published["params"]["diagnostics"]) != count:
                raise SystemExit(f"{path}:{row + 1}: the edit changed the diagnostics")
    client.close()
    return {"file": path.name, "lines": len(lines), "diagnostics": count,
            "latencies": latencies, "checks": checks, "in_process": in_process(path, text)}


def in_process(path: Path, text: str, runs: int = 9) -> float:
    """The median time of the same check in this process (what the server's worker does)."""
    from perfcodemod import api
    from perfcodemod.config import default_settings

    settings = default_settings()
    api.check_source(text, path, settings)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        api.check_source(text, path, settings)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--edits", type=int, default=30,
                        help="edits per file (each is a character added, then removed)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = args.files or [stdlib / name for name in DEFAULT_FILES]
    from perfcodemod.lsp.server import DEBOUNCE

    results = [measure(path, args.edits, args.seed) for path in files]
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}; server debounce {DEBOUNCE * 1000:.0f} ms")
    print("latency: didChange sent to publishDiagnostics received; check: the server's own "
          "time for the check (its trace); in-process: the same check in this process")
    print(f"{'file':<14} {'lines':>6} {'diags':>5} {'edits':>5} {'median':>8} {'p90':>8} "
          f"{'fastest':>8} {'check':>8} {'in-process':>11}")
    for result in results:
        ms = sorted(1000 * t for t in result["latencies"])
        p90 = ms[min(len(ms) - 1, int(0.9 * len(ms)))]
        check = 1000 * statistics.median(result["checks"])
        print(f"{result['file']:<14} {result['lines']:>6,} {result['diagnostics']:>5} "
              f"{len(ms):>5} {statistics.median(ms):>6.0f}ms {p90:>6.0f}ms {ms[0]:>6.0f}ms "
              f"{check:>6.0f}ms {1000 * result['in_process']:>9.0f}ms")
    return 0


if __name__ == "__main__":
    os.environ.pop("PERFCODEMOD_DEBUG", None)
    raise SystemExit(main())
