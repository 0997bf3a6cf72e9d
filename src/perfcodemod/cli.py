"""The ``perfcodemod`` command: a thin layer over ``api``.

Exit codes: 0 nothing found, 1 diagnostics remain (or fixes were applied, with
``--exit-non-zero-on-fix``, or a ``--diff`` is not empty), 2 usage, configuration or internal error.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, TypeVar

from perfcodemod import __version__

if TYPE_CHECKING:
    from perfcodemod import api
    from perfcodemod.config import ConfigResolver, Overrides

# Start-up: `--version` imports nothing more, `rule` the registry and that rule's module, and
# `check` what checking needs; LibCST only when a file has something to parse (see lazycst).

EXIT_CLEAN, EXIT_FOUND, EXIT_ERROR = 0, 1, 2
T = TypeVar("T")
SUBCOMMANDS = ("check", "rule", "server", "clean", "profile", "report")
#: The default of ``--output-format`` when set (as ruff's ``RUFF_OUTPUT_FORMAT``).
OUTPUT_FORMAT_VARIABLE = "PERFCODEMOD_OUTPUT_FORMAT"


class _Parser(argparse.ArgumentParser):
    """Usage errors in the tool's one-line shape (exit 2), with a pointer to ``--help``."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_ERROR, f"perfcodemod: error: {message} (see `{self.prog} --help`)\n")


def _check_parser() -> argparse.ArgumentParser:
    from perfcodemod import output

    parser = _Parser(
        prog="perfcodemod check",
        description="Find performance antipatterns in Python files and fix them.",
    )
    parser.add_argument("paths", nargs="*", type=Path,
                        help="files or directories (default: .); - for stdin")
    fixing = parser.add_argument_group("fixing")
    fixing.add_argument("--fix", action=argparse.BooleanOptionalAction, default=False,
                        help="apply fixes in place (safe ones; see --unsafe-fixes)")
    fixing.add_argument("--unsafe-fixes", action=argparse.BooleanOptionalAction, default=None,
                        help="also apply (or show as available) the unsafe fixes")
    fixing.add_argument("--diff", action="store_true",
                        help="print the fixes as a unified diff; write nothing")
    fixing.add_argument("--show-fixes", action="store_true", help="list the fixes applied")
    fixing.add_argument("--exit-non-zero-on-fix", action="store_true",
                        help="exit 1 when fixes were applied, even if nothing remains")
    fixing.add_argument("--add-noqa", action="store_true",
                        help="add `# noqa: CODE` comments to every line with a diagnostic")
    verified = parser.add_argument_group(
        "verified fixes", "keep only the fixes your tests accept (see docs/verify.md)")
    verified.add_argument("--verify", metavar="CMD",
                          help="with --fix: a shell command (your tests) that must pass before "
                          "and after; fixes that make it fail are found and not applied")
    verified.add_argument("--verify-timeout", type=_seconds, metavar="SECONDS",
                          help="stop (and put every file back) when one run of CMD takes longer "
                          "(default: 600)")
    verified.add_argument("--verify-record", type=Path, metavar="PATH",
                          help="the record of rejected fixes, read and updated (default: "
                          ".perfcodemod-verify.json)")
    verified.add_argument("--no-verify-record", action="store_true",
                          help="neither read nor write the record of rejected fixes")
    verified.add_argument("--bench", metavar="CMD",
                          help="with --fix: time this command before and after the fixes")
    verified.add_argument("--bench-runs", type=_bench_runs, metavar="N",
                          help="timed runs of the benchmark on each side (default: 5)")
    verified.add_argument("--bench-keep-only-faster", action="store_true",
                          help="with --bench: put back each file whose fixes make the benchmark "
                          "slower beyond noise")
    selection = parser.add_argument_group("rule selection")
    selection.add_argument("--select", action="append", metavar="CODES",
                           help="rules to enable, by code or prefix (replaces the configured set)")
    selection.add_argument("--extend-select", action="append", metavar="CODES",
                           help="rules to enable in addition to the configured set")
    selection.add_argument("--ignore", action="append", metavar="CODES", help="rules to disable")
    selection.add_argument("--fixable", action="append", metavar="CODES",
                           help="rules whose fixes may be applied (default: all)")
    selection.add_argument("--unfixable", action="append", metavar="CODES",
                           help="rules whose fixes are never applied")
    config = parser.add_argument_group("configuration")
    config.add_argument("--config", type=Path, metavar="PATH",
                        help="use this configuration file for every file")
    config.add_argument("--isolated", action="store_true", help="ignore all configuration files")
    config.add_argument("--target-version", metavar="pyXY", help="the oldest Python to support")
    config.add_argument("--exclude", action="append", metavar="GLOB",
                        help="replace the excluded paths")
    config.add_argument("--extend-exclude", action="append", metavar="GLOB",
                        help="exclude these paths too")
    config.add_argument("--respect-gitignore", action=argparse.BooleanOptionalAction, default=None,
                        help="skip files that .gitignore ignores (default: yes)")
    config.add_argument("--force-exclude", action="store_true",
                        help="apply excludes to files named on the command line too")
    profiling = parser.add_argument_group("profile-guided mode")
    profiling.add_argument("--profile", action="append", type=Path, metavar="FILE",
                           help="rank findings by this profile (perfcodemod, pstats, speedscope, "
                           "collapsed stacks, Scalene); repeat to merge several")
    profiling.add_argument("--hot", metavar="SHARE",
                           help="with --profile: keep findings at or above this share of run "
                           "time (5%%); config: hot-threshold")
    profiling.add_argument("--show-dropped", action="store_true",
                           help="also list the findings that profile evidence dropped, and why")
    profiling.add_argument("--rank", action="store_true",
                           help="order findings by priority: measured with --profile, else a "
                           "static estimate")
    out = parser.add_argument_group("output")
    out.add_argument(
        "--output-format", choices=output.FORMATS, default=None,
        help=f"how to print diagnostics (default: ${OUTPUT_FORMAT_VARIABLE} or text)",
    )
    out.add_argument("--statistics", action="store_true", help="count diagnostics per rule")
    out.add_argument("--exit-zero", action="store_true", help="exit 0 even if diagnostics remain")
    out.add_argument("--stdin-filename", metavar="PATH",
                     help="the name of the file read from standard input (for config and output)")
    out.add_argument("-q", "--quiet", action="store_true", help="print diagnostics only")
    parser.add_argument("-V", "--version", action="version", version=f"perfcodemod {__version__}")
    speed = parser.add_argument_group("speed")
    speed.add_argument("-j", "--jobs", type=_jobs, metavar="N",
                       help="worker processes (default: the cores available; 1 for a few files)")
    speed.add_argument("--no-cache", action="store_true",
                       help="check every file again, ignoring and not writing the result cache")
    speed.add_argument("--cache-dir", type=Path, metavar="DIR",
                       help="where to keep the result cache (default: .perfcodemod_cache in the "
                       "project root; also PERFCODEMOD_CACHE_DIR or the cache-dir setting)")
    return parser


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of jobs: {value!r}") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"at least one job, not {jobs}")
    return jobs


def _clean_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="perfcodemod clean",
        description="Remove the result caches of the current directory and its subdirectories "
        "(and the one --cache-dir, PERFCODEMOD_CACHE_DIR or the configuration names).",
    )
    parser.add_argument("--cache-dir", type=Path, metavar="DIR", help="also remove this cache")
    return parser


def _seconds(value: str) -> float:
    seconds = _number(value, float, "a number of seconds")
    if not seconds > 0:
        raise argparse.ArgumentTypeError("the time limit must be positive")
    return seconds


def _bench_runs(value: str) -> int:
    number = _number(value, int, "a whole number")
    if number < 4:
        # With 3 runs a side the smallest two-sided Mann-Whitney p-value is 0.1.
        raise argparse.ArgumentTypeError("at least 4 runs: with fewer, no change can be told "
                                         "apart from noise")
    return number


def _number(value: str, kind: Callable[[str], T], what: str) -> T:
    try:
        return kind(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{value}` is not {what}") from None


def _rule_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="perfcodemod rule", description="Show a rule's documentation.")
    parser.add_argument("rule", nargs="?", help="a code (PCM201) or name (literal-membership)")
    parser.add_argument("--all", action="store_true", help="every rule")
    parser.add_argument("--output-format", choices=("text", "json"), default="text")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    stdout = sys.stdout
    sys.stdout = _ReaderMayLeave(stdout)
    try:
        return _main(argv)
    finally:
        sys.stdout.flush()
        sys.stdout = stdout


class _ReaderMayLeave:
    """Standard output for a reader that may stop reading (`perfcodemod check | head -1`).
    What is left of the output is then dropped instead of raising, so the run ends as it
    would have: its own exit status (1 when diagnostics remain, which `set -o pipefail`
    reports), its errors on stderr, and no traceback."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, data: Any) -> int:
        try:
            return int(self._stream.write(data))
        except BrokenPipeError:
            _silence_stdout()
            return len(data)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            _silence_stdout()

    @property
    def buffer(self) -> _ReaderMayLeave:
        return _ReaderMayLeave(self._stream.buffer)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _main(argv: Sequence[str] | None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in {"--version", "-V"}:
            print(f"perfcodemod {__version__}")
            return EXIT_CLEAN
        if args and args[0] in {"-h", "--help"}:
            _top_help(sys.stdout)
            return EXIT_CLEAN
        if args and args[0] == "rule":
            return _rule(_rule_parser().parse_args(args[1:]))
        if args and args[0] == "clean":
            return _clean(_clean_parser().parse_args(args[1:]))
        if args and args[0] == "profile":
            return _profile(args[1:])
        if args and args[0] == "report":
            return _tickets(_report_parser().parse_args(args[1:]))
        if args and args[0] == "server":
            # pygls (the `lsp` extra) is imported only here.
            from perfcodemod import lsp

            return lsp.main(args[1:])
        if args and args[0] == "check":
            args = args[1:]
        elif args and _mistyped_command(args[0]):
            close = difflib.get_close_matches(args[0].lower(), SUBCOMMANDS, n=1, cutoff=0.6)
            if close:
                return _error(f"unknown command `{args[0]}`; did you mean `{close[0]}`?")
            return _error(
                f"`{args[0]}` is neither a command ({', '.join(SUBCOMMANDS)}) nor an existing "
                "file or directory"
            )
        return _check(_check_parser().parse_args(args))
    except KeyboardInterrupt:
        print("perfcodemod: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line and exit 2, not a traceback
        if os.environ.get("PERFCODEMOD_DEBUG"):
            raise
        return _error(f"internal error: {exc!r} (set PERFCODEMOD_DEBUG=1 for a traceback)")


_COMMAND_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")


def _mistyped_command(word: str) -> bool:
    """``perfcodemod WORD``, where WORD is no command and no path but looks like a command
    (`chekc`): a typo, not a missing file to report as such."""
    return bool(_COMMAND_LIKE.match(word)) and not os.path.lexists(word)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _top_help(stream: TextIO) -> None:
    stream.write(
        "usage: perfcodemod [check] [PATHS...] [options]\n"
        "       perfcodemod rule CODE | --all\n"
        "       perfcodemod profile [-o FILE] [--] script.py ARGS | -m MODULE ARGS\n"
        "       perfcodemod report --profile FILE [PATHS...]\n"
        "       perfcodemod server\n"
        "       perfcodemod clean\n\n"
        "commands:\n"
        "  check   find (and with --fix, fix) performance antipatterns (the default)\n"
        "  rule    show a rule's documentation\n"
        "  profile run a program and record where its time goes (perfcodemod.prof.json)\n"
        "  report  optimisation tickets for the findings a profile says are hot\n"
        "  server  the language server for editors (LSP over stdio; needs perfcodemod[lsp])\n"
        "  clean   remove the result caches under the current directory\n\n"
        "Run `perfcodemod check --help` for the options.\n"
    )


def _error(message: str) -> int:
    print(f"perfcodemod: error: {message}", file=sys.stderr)
    return EXIT_ERROR


def _rule(args: argparse.Namespace) -> int:
    from perfcodemod import docs, registry

    rule = None
    if args.all:
        rules = list(registry.all_rules())
    elif args.rule:
        rule = registry.get_rule(args.rule)
        # A prefix (`PCM2`) is not a typo: it shows every rule it selects.
        rules = [rule] if rule is not None else registry.matching(args.rule)
        if not rules:
            close = registry.suggestion(args.rule)
            hint = f"; did you mean `{close}`?" if close else ""
            return _error(f"unknown rule `{args.rule}`{hint}")
    else:
        return _error("name a rule (`perfcodemod rule PCM201`) or use --all")
    if args.output_format == "json":
        payload = [
            {
                "code": r.code,
                "name": r.name,
                "family": r.family,
                "summary": r.summary(),
                "default_enabled": r.default_enabled,
                "fix": r.fix_title,
                "explanation": r.documentation(),
            }
            for r in rules
        ]
        print(json.dumps(payload if rule is None else payload[0], indent=2))
    else:
        print("\n---\n\n".join(docs.render(r) for r in rules), end="")
    return EXIT_CLEAN


def _clean(args: argparse.Namespace) -> int:
    from perfcodemod import api
    from perfcodemod.config import ConfigError, ConfigResolver

    try:
        removed = api.clean_caches(Path("."), ConfigResolver(), args.cache_dir)
    except ConfigError as exc:
        return _error(str(exc))
    for directory in removed:
        print(f"Removed {directory}", file=sys.stderr)
    return EXIT_CLEAN


def _profile_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="perfcodemod profile",
        usage="perfcodemod profile [options] [--] script.py [ARGS...]\n"
              "       perfcodemod profile [options] -m MODULE [ARGS...]",
        description="Run a Python program in this process and record where its time goes: "
        "function times and calls (cProfile), line-level samples, and probes at the sites "
        "perfcodemod reports in the program's own files. The program's exit status, output "
        "and errors pass through.",
    )
    parser.add_argument("-o", "--output", default="perfcodemod.prof.json", metavar="FILE",
                        help="the profile to write (default: perfcodemod.prof.json)")
    parser.add_argument("--interval", type=float, default=1.0, metavar="MS",
                        help="milliseconds between stack samples (default: 1)")
    parser.add_argument("--sampler", choices=("thread", "signal"),
                        help="sample from a thread (wall time) or SIGPROF (CPU time); default: "
                        "thread before Python 3.12, signal from 3.12 on where it exists "
                        "(there cProfile hears every thread, the sampler's too)")
    parser.add_argument("--no-probes", dest="probes", action="store_false",
                        help="do not check and probe the program's own files")
    parser.add_argument("--probe-path", action="append", type=Path, metavar="DIR",
                        help="the program's own code (default: the current directory and the "
                        "script's directory)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="print nothing of perfcodemod's own")
    return parser


def _split_program(args: Sequence[str]) -> tuple[list[str], api.Program | None]:
    """perfcodemod's options, and the program (everything from the script or ``-m``)."""
    from perfcodemod import api

    takes_value = {"-o", "--output", "--interval", "--sampler", "--probe-path"}
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest = list(args[index + 1:])
            if not rest:
                return list(args[:index]), None
            return list(args[:index]), api.Program(rest[1:], script=rest[0])
        if arg == "-m":
            if index + 1 >= len(args):
                return list(args[:index]), None
            return list(args[:index]), api.Program(list(args[index + 2:]),
                                                   module=args[index + 1])
        if arg.startswith("-m") and not arg.startswith("--"):
            return list(args[:index]), api.Program(list(args[index + 1:]), module=arg[2:])
        if arg in takes_value:
            index += 2
            continue
        if arg.startswith("-"):
            index += 1
            continue
        return list(args[:index]), api.Program(list(args[index + 1:]), script=arg)
    return list(args), None


def _profile(argv: Sequence[str]) -> int:
    from perfcodemod import api
    from perfcodemod.config import ConfigError
    from perfcodemod.files import DiscoveryError

    own, program = _split_program(argv)
    parser = _profile_parser()
    args = parser.parse_args(own)
    if program is None:
        parser.error("name a script (`perfcodemod profile app.py`) or a module (`-m pytest`)")
    if args.interval <= 0:
        parser.error("--interval must be a positive number of milliseconds")
    options = api.RecordOptions(
        output=args.output, interval=args.interval / 1000.0,
        probes=args.probes, roots=[str(p) for p in args.probe_path or ()],
    )
    if args.sampler is not None:
        options.sampler = args.sampler
    if options.sampler == "signal" and not hasattr(__import__("signal"), "setitimer"):
        return _error("--sampler signal needs setitimer (Unix)")
    if options.sampler == "thread" and sys.version_info >= (3, 12) and not args.quiet:
        print("perfcodemod: warning: from Python 3.12 on, cProfile also hears the sampler "
              "thread's calls, which distort function times; --sampler signal avoids it",
              file=sys.stderr)
    try:
        recording = api.record_profile(program, options)
    except (ConfigError, DiscoveryError) as exc:
        return _error(str(exc))
    except OSError as exc:
        return _error(f"cannot write profile {args.output}: {exc.strerror or exc}")
    if not args.quiet:
        info = recording.program
        print(
            f"perfcodemod: profile written to {args.output} ({info['wall_time']:.3g} s, "
            f"{info['samples']:,} samples, {recording.probed_sites} probes in "
            f"{recording.probed_files} file{'s' if recording.probed_files != 1 else ''})",
            file=sys.stderr,
        )
    return recording.exit_status


def _report_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="perfcodemod report",
        description="Write optimisation tickets (Markdown or JSON) for the findings under "
        "PATHS, hottest first: per function, the time per call, its share of the run, its "
        "calls, the root cause, the fix as a diff, the expected impact and a priority. "
        "Without --profile, priorities are a static estimate.",
    )
    parser.add_argument("paths", nargs="*", type=Path, help="files or directories (default: .)")
    parser.add_argument("--profile", action="append", type=Path, metavar="FILE",
                        help="a profile (any supported format); repeat to merge several")
    parser.add_argument("--hot", metavar="SHARE",
                        help="only findings at or above this share of run time (5%%)")
    parser.add_argument("--output-format", choices=("markdown", "json"), default="markdown")
    parser.add_argument("-o", "--output", type=Path, metavar="FILE",
                        help="write the report here (default: standard output)")
    parser.add_argument("--select", action="append", metavar="CODES")
    parser.add_argument("--extend-select", action="append", metavar="CODES")
    parser.add_argument("--ignore", action="append", metavar="CODES")
    parser.add_argument("--config", type=Path, metavar="PATH")
    parser.add_argument("--isolated", action="store_true")
    parser.add_argument("--unsafe-fixes", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument("--show-dropped", action="store_true", help=argparse.SUPPRESS)
    return parser


def _tickets(args: argparse.Namespace) -> int:
    from perfcodemod import api, output
    from perfcodemod.config import (
        ConfigError,
        ConfigResolver,
        Overrides,
        split_selectors,
        validate_overrides,
    )
    from perfcodemod.files import DiscoveryError

    overrides = Overrides(
        select=split_selectors(args.select),
        extend_select=split_selectors(args.extend_select) or (),
        ignore=split_selectors(args.ignore) or (),
        unsafe_fixes=args.unsafe_fixes,
    )
    try:
        if args.config is not None and args.isolated:
            return _error("--config and --isolated cannot be combined")
        validate_overrides(overrides)
        resolver = ConfigResolver(overrides, config=args.config, isolated=args.isolated)
        profile, hot = _profile_options(args)
        run = api.check_paths(args.paths or [Path(".")], resolver, profile=profile, hot=hot)
        if profile is None:
            api.rank_statically(run)
    except (ConfigError, DiscoveryError, api.ProfileError) as exc:
        return _error(str(exc))
    for note in run.notes:
        print(f"note: {note}", file=sys.stderr)
    tickets = api.build_tickets(run, profile)
    if args.output_format == "json":
        text = json.dumps(output.tickets_json(tickets), indent=2, ensure_ascii=False) + "\n"
    else:
        text = output.tickets_markdown(tickets)
    if args.output is not None:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            return _error(f"cannot write {args.output}: {exc.strerror or exc}")
    else:
        sys.stdout.write(text)
    for error in run.all_errors:
        print(f"error: {error.path}: {error.message}", file=sys.stderr)
    return EXIT_ERROR if run.all_errors else EXIT_CLEAN


def _overrides(args: argparse.Namespace) -> Overrides:
    from perfcodemod.config import Overrides, split_selectors

    return Overrides(
        select=split_selectors(args.select),
        extend_select=split_selectors(args.extend_select) or (),
        ignore=split_selectors(args.ignore) or (),
        fixable=split_selectors(args.fixable),
        unfixable=split_selectors(args.unfixable) or (),
        unsafe_fixes=args.unsafe_fixes,
        target_version=args.target_version,
        exclude=tuple(args.exclude) if args.exclude else None,
        extend_exclude=tuple(args.extend_exclude or ()),
        respect_gitignore=args.respect_gitignore,
    )


def _output_format(args: argparse.Namespace) -> str | None:
    """``--output-format``, else ``$PERFCODEMOD_OUTPUT_FORMAT``, else ``text``; None (after an
    error message) when the variable names no format."""
    from perfcodemod import output

    if args.output_format:
        return str(args.output_format)
    value = os.environ.get(OUTPUT_FORMAT_VARIABLE, "").strip()
    if not value:
        return output.DEFAULT_FORMAT
    if value not in output.FORMATS:
        _error(f"invalid value `{value}` in {OUTPUT_FORMAT_VARIABLE}; choose from "
               + ", ".join(output.FORMATS))
        return None
    return value


def _check(args: argparse.Namespace) -> int:
    from perfcodemod import api, progress
    from perfcodemod.config import ConfigError, ConfigResolver, validate_overrides
    from perfcodemod.files import DiscoveryError

    args.output_format = _output_format(args)
    if args.output_format is None:
        return EXIT_ERROR
    overrides = _overrides(args)
    try:
        if args.config is not None and args.isolated:
            return _error("--config and --isolated cannot be combined")
        validate_overrides(overrides)
        resolver = ConfigResolver(overrides, config=args.config, isolated=args.isolated)
        stdin = any(str(p) == "-" for p in args.paths) or (
            args.stdin_filename is not None and not args.paths
        )
        if stdin and len(args.paths) > 1:
            return _error("`-` (standard input) cannot be combined with other paths")
        if args.add_noqa and (args.fix or args.diff):
            return _error("--add-noqa cannot be combined with --fix or --diff")
        verifying = _verification_usage(args, stdin)
        if verifying is not None:
            return _error(verifying) if verifying else _check_verified(args, resolver)
        if stdin:
            if args.add_noqa:
                return _error("--add-noqa cannot be used with standard input")
            return _check_stdin(args, resolver)
        if args.stdin_filename:
            return _error("--stdin-filename is for standard input: pass `-` instead of paths")
        paths = args.paths or [Path(".")]
        profile, hot = _profile_options(args)
        mode = api.FixMode.CHECK
        if args.add_noqa:
            mode = api.FixMode.ADD_NOQA
        elif args.diff:
            mode = api.FixMode.PREVIEW
        elif args.fix:
            mode = api.FixMode.WRITE
        shown = None if args.quiet else progress.on_terminal(sys.stderr)
        try:
            run = api.check_paths(
                paths, resolver, mode=mode, unsafe=args.unsafe_fixes,
                force_exclude=args.force_exclude, progress=shown, jobs=args.jobs,
                cache=not args.no_cache, cache_dir=args.cache_dir, profile=profile, hot=hot,
            )
        finally:
            if shown is not None:
                shown.close()
        if profile is None and args.rank:
            api.rank_statically(run)
    except (ConfigError, DiscoveryError, api.ProfileError) as exc:
        return _error(str(exc))
    if not run.files and not run.errors:
        print("warning: no Python files found under the given paths", file=sys.stderr)
    return _report(args, run, mode)


def _verification_usage(args: argparse.Namespace, stdin: bool) -> str | None:
    """None: not a verified run; "": a valid one; else what is wrong with the options."""
    options = ("--verify-timeout", "--verify-record", "--no-verify-record", "--bench-runs",
               "--bench-keep-only-faster")
    given = [name for name in options
             if getattr(args, name[2:].replace("-", "_")) not in {None, False}]
    if args.verify is None and args.bench is None:
        if given:
            return f"{given[0]} needs --verify or --bench"
        return None
    name = "--verify" if args.verify is not None else "--bench"
    if not args.fix:
        return f"{name} needs --fix (it applies fixes and keeps those that pass)"
    if args.diff or args.add_noqa:
        return f"{name} cannot be combined with --diff or --add-noqa"
    if stdin:
        return f"{name} cannot be used with standard input"
    if args.bench_keep_only_faster and args.bench is None:
        return "--bench-keep-only-faster needs --bench"
    if args.verify_timeout is not None and args.verify is None and args.bench is None:
        return "--verify-timeout needs --verify or --bench"
    if args.no_verify_record and args.verify_record is not None:
        return "--verify-record and --no-verify-record cannot be combined"
    for value, flag in ((args.verify, "--verify"), (args.bench, "--bench")):
        if value is not None and not value.strip():
            return f"{flag} needs a command"
    return ""


def _check_verified(args: argparse.Namespace, resolver: ConfigResolver) -> int:
    """``--fix --verify CMD`` / ``--fix --bench CMD``: fixes kept only where CMD passes."""
    from perfcodemod import api, output
    from perfcodemod.output import verification

    def events(message: str) -> None:
        print(f"perfcodemod: {message}", file=sys.stderr, flush=True)

    profile, hot = _profile_options(args)
    run, result = api.verify_paths(
        args.paths or [Path(".")], resolver, command=args.verify, profile=profile, hot=hot,
        timeout=args.verify_timeout, bench=args.bench, bench_runs=args.bench_runs,
        keep_only_faster=args.bench_keep_only_faster,
        record=args.verify_record, use_record=not args.no_verify_record,
        unsafe=args.unsafe_fixes, force_exclude=args.force_exclude,
        events=None if args.quiet else events,
    )
    for line in verification.left_alone_lines(result):
        print(f"warning: {line}", file=sys.stderr)
    if not result.completed:
        for error in run.all_errors:
            print(f"error: {error.path}: {error.message}", file=sys.stderr)
        if args.output_format == "json":
            print(json.dumps(verification.verification_data(run, result), indent=2,
                             ensure_ascii=False))
        else:
            sys.stderr.write(verification.failure_text(result))
        return 128 + result.signal if result.signal is not None else EXIT_ERROR
    if args.output_format == "json":
        for error in run.all_errors:
            print(f"error: {error.path}: {error.message}", file=sys.stderr)
        print(json.dumps(verification.verification_data(run, result), indent=2,
                         ensure_ascii=False))
        return _exit_code(args, run, run.all_errors)
    # The remaining findings as `--fix` shows them, then what the verification did.
    code = _report(args, run, api.FixMode.WRITE)
    summary = verification.text_summary(result)
    (sys.stdout if args.output_format in output.HUMAN_FORMATS else sys.stderr).write(summary)
    return code


def _profile_options(args: argparse.Namespace) -> tuple[api.Profile | None, float | None]:
    """``--profile`` files, read and merged, and ``--hot`` as a fraction."""
    from perfcodemod import api
    from perfcodemod.config import ConfigError, parse_share

    hot = parse_share(args.hot, "--hot") if args.hot is not None else None
    if not args.profile:
        if hot is not None:
            raise ConfigError("--hot needs a profile (--profile FILE): a share of run time is "
                              "only known from one")
        if args.show_dropped:
            raise ConfigError("--show-dropped needs a profile (--profile FILE)")
        return None, None
    return api.load_profiles(args.profile), hot


def _report(args: argparse.Namespace, run: api.RunReport, mode: api.FixMode) -> int:
    from perfcodemod import api, output

    for note in run.notes:
        print(f"note: {note}", file=sys.stderr)
    errors = run.all_errors
    if mode is api.FixMode.PREVIEW:
        diffs = [output.unified_diff(r) for r in run.files if r.changed]
        sys.stdout.write("".join(diffs))
        for error in errors:
            print(f"error: {error.path}: {error.message}", file=sys.stderr)
        fixed = sum(sum(r.applied.values()) for r in run.files)
        if not args.quiet:
            print(f"Would fix {fixed} diagnostic{'s' if fixed != 1 else ''}.", file=sys.stderr)
        if errors:
            return EXIT_ERROR
        return EXIT_FOUND if diffs and not args.exit_zero else EXIT_CLEAN
    if mode is api.FixMode.ADD_NOQA:
        added = sum(r.applied.get("noqa", 0) for r in run.files if r.written)
        print(f"Added {added} noqa directive{'s' if added != 1 else ''}.", file=sys.stderr)
        for error in errors:
            print(f"error: {error.path}: {error.message}", file=sys.stderr)
        return EXIT_ERROR if errors else EXIT_CLEAN
    show_dropped = getattr(args, "show_dropped", False)
    options = output.Options(
        show_fixes=args.show_fixes, show_dropped=show_dropped,
        ranked=any(d.profile is not None for _, d in run.diagnostics),
    )
    if args.output_format not in output.HUMAN_FORMATS:
        sys.stdout.write(output.render(args.output_format, run.files, options))
    elif args.statistics:
        sys.stdout.write(output.statistics(run))
        sys.stdout.write(output.cache_statistics(run))
    else:
        sys.stdout.write(output.render(args.output_format, run.files, options))
        if show_dropped:
            sys.stdout.write(output.dropped_listing(run))
        elif any(r.dropped for r in run.files) and not args.quiet:
            count = sum(len(r.dropped) for r in run.files)
            print(f"note: {count} finding{'s' if count != 1 else ''} dropped on profile "
                  "evidence (--show-dropped lists them)", file=sys.stderr)
        if args.show_fixes:
            sys.stdout.write(output.fixes_listing(run))
        if not args.quiet:
            sys.stdout.write(output.summary(run, fixing=mode is api.FixMode.WRITE))
    for error in errors:
        print(f"error: {error.path}: {error.message}", file=sys.stderr)
    return _exit_code(args, run, errors)


def _exit_code(args: argparse.Namespace, run: api.RunReport, errors: Sequence[object]) -> int:
    if errors:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    if run.diagnostics:
        return EXIT_FOUND
    if args.exit_non_zero_on_fix and any(r.applied for r in run.files):
        return EXIT_FOUND
    return EXIT_CLEAN


def _check_stdin(args: argparse.Namespace, resolver: ConfigResolver) -> int:
    from perfcodemod import api
    from perfcodemod.files import display_path, force_excluded

    name = args.stdin_filename
    path = Path(name) if name else None
    settings = resolver.for_path(path) if path is not None else resolver.default
    raw = sys.stdin.buffer.read()
    if path is not None and args.force_exclude and force_excluded(path, settings):
        # Excluded: with --fix, the input goes back unchanged; nothing is reported.
        if args.fix and not args.diff:
            sys.stdout.buffer.write(raw)
        return EXIT_CLEAN
    if args.fix or args.diff:
        report = api.fix_source(raw, path, settings, unsafe=args.unsafe_fixes)
    else:
        report = api.check_source(raw, path, settings)
        if args.unsafe_fixes is not None:
            report.unsafe_fixes = args.unsafe_fixes
    report.path = display_path(name) if name else "-"
    profile, hot = _profile_options(args)
    if profile is not None:
        api.annotate_report(report, profile, settings=settings, hot=hot)
    elif args.rank:
        api.rank_statically(api.RunReport([report]))
    run = api.RunReport([report])
    if args.diff:
        return _report(args, run, api.FixMode.PREVIEW)
    if args.fix:
        # The fixed source goes to stdout, what remains to stderr (as ruff does).
        if report.original is None or report.fixed is None:
            sys.stdout.buffer.write(raw)
        else:
            sys.stdout.buffer.write(report.fixed_bytes())
        sys.stdout.flush()
        stdout = sys.stdout
        sys.stdout = sys.stderr
        try:
            return _report(args, run, api.FixMode.WRITE)
        finally:
            sys.stdout = stdout
    return _report(args, run, api.FixMode.CHECK)


if __name__ == "__main__":
    raise SystemExit(main())
