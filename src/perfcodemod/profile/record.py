"""``perfcodemod profile``: run a Python program in this process, as ``python -m cProfile``
does, and write one profile file with

1. function times and call counts (cProfile, ``builtins=False``: time in built-in functions
   counts as their caller's own time, and the probes' C calls cost no profiler events);
2. line-level time from a stack sampler (``sampler.py``);
3. probe evidence at the sites perfcodemod reports in the program's own files, found by
   checking them before the program starts (``probes.py``, through an import hook that
   rewrites only those modules; the main script is rewritten directly);
4. ``cache_info()`` of every ``functools`` cache in the program's own modules, at exit.

The program's exit status, standard output and standard error pass through; a program that
raises or calls ``sys.exit()`` still leaves its profile.
"""

from __future__ import annotations

import ast
import cProfile
import gc
import hashlib
import importlib.abc
import importlib.machinery
import inspect
import os
import platform
import runpy
import sys
import time
import traceback
import types
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfcodemod.profile import native
from perfcodemod.profile.model import CacheEvidence, Frame, FunctionTiming, Profile, SourceInfo
from perfcodemod.profile.probes import ProbeStore, SiteSpec, instrument
from perfcodemod.profile.sampler import StackSampler, default_sampler, resolve_line

DEFAULT_OUTPUT = "perfcodemod.prof.json"
#: Seconds between samples (the thread sampler is held to the interpreter's switch interval,
#: 5 ms, while the program computes).
DEFAULT_INTERVAL = 0.001
_OWN_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_NOT_OWN = ("site-packages", "dist-packages", ".venv", "venv", ".tox", ".nox", "__pycache__")


@dataclass
class Program:
    """What to run: a script path or a module name, and its arguments."""

    args: list[str]
    module: str | None = None
    script: str | None = None


@dataclass
class RecordOptions:
    output: str = DEFAULT_OUTPUT
    interval: float = DEFAULT_INTERVAL
    sampler: str = field(default_factory=default_sampler)
    probes: bool = True
    #: The program's own code: probed, and its caches monitored (default: the current
    #: directory and the script's directory).
    roots: list[str] = field(default_factory=list)


@dataclass
class Recording:
    exit_status: int
    profile: Profile
    program: dict[str, Any]
    probed_sites: int = 0
    probed_files: int = 0


def is_own_file(path: str, roots: Sequence[str]) -> bool:
    """A file of the program itself: under one of ``roots``, not in an installed package, a
    virtual environment or perfcodemod."""
    absolute = os.path.abspath(path)
    if absolute.startswith(_OWN_PACKAGE + os.sep):
        return False
    parts = set(absolute.split(os.sep))
    if parts & set(_NOT_OWN):
        return False
    return any(absolute.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def _source_text(raw: bytes) -> str:
    from perfcodemod.source import SourceText

    return SourceText.decode(raw).text


class _ProbedLoader(importlib.machinery.SourceFileLoader):
    """Loads one of the program's flagged modules with probes (never from or into the
    bytecode cache, since its code differs from the file's)."""

    recorder: Recorder

    def get_code(self, fullname: str) -> types.CodeType:
        path = self.get_filename(fullname)
        code = self.recorder.probed_code(path)
        if code is None:
            return super().get_code(fullname)  # type: ignore[return-value]
        return code

    def exec_module(self, module: types.ModuleType) -> None:
        code = self.get_code(module.__name__)
        # The probes' counters, which compiling the module (get_code) has just numbered.
        module.__dict__.update(self.recorder.namespace_for(self.get_filename(module.__name__)))
        exec(code, module.__dict__)


class _ProbeFinder(importlib.abc.MetaPathFinder):
    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None:
            return None
        if os.path.abspath(spec.origin) not in self.recorder.specs:
            return None
        if not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return None
        loader = _ProbedLoader(fullname, spec.origin)
        loader.recorder = self.recorder
        spec.loader = loader
        spec.cached = None
        return spec


class Recorder:
    def __init__(self, program: Program, options: RecordOptions) -> None:
        self.program = program
        self.options = options
        self.store = ProbeStore()
        #: Flagged files of the program (absolute path) and their sites.
        self.specs: dict[str, list[SiteSpec]] = {}
        self.numbers: dict[str, list[int]] = {}
        self.hashes: dict[str, str] = {}
        self.roots = [os.path.abspath(r) for r in options.roots]
        #: Flagged files compiled with their probes, before the program runs.
        self.compiled: dict[str, types.CodeType] = {}
        #: (file, def line) -> the first line and name cProfile names the function by.
        self.function_lines: dict[tuple[str, int], tuple[int, str]] = {}
        #: The program's ``__main__`` namespace (not in ``sys.modules`` once it has run).
        self.main_globals: dict[str, Any] | None = None

    # -- probes ------------------------------------------------------------------------------

    def find_sites(self, check: Callable[[list[Path]], Iterable[tuple[str, Sequence[SiteSpec]]]]
                   ) -> None:
        """Check the program's files and compile the flagged ones with probes, all before the
        program starts (so that none of this counts in its profile)."""
        for path, specs in check([Path(r) for r in self.roots]):
            absolute = os.path.abspath(path)
            if specs and is_own_file(absolute, self.roots):
                self.specs[absolute] = list(specs)
        for absolute in self.specs:
            code = self._instrument(absolute)
            if code is not None:
                self.compiled[absolute] = code

    def probed_code(self, path: str) -> types.CodeType | None:
        return self.compiled.get(os.path.abspath(path))

    def _instrument(self, absolute: str) -> types.CodeType | None:
        specs = self.specs.get(absolute)
        if not specs:
            return None
        try:
            raw = Path(absolute).read_bytes()
            text = _source_text(raw)
            tree = ast.parse(text, absolute)
        except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
            return None
        except Exception:  # a decoding problem of our own: run the module unprobed
            return None
        self.hashes[absolute] = _digest(text)
        self.numbers[absolute] = instrument(tree, text, absolute, specs, self.store)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                # cProfile names a function by co_firstlineno: its first decorator's line.
                first = min([d.lineno for d in node.decorator_list] + [node.lineno])
                self.function_lines[(absolute, node.lineno)] = (first, node.name)
        return compile(tree, absolute, "exec", dont_inherit=True)

    def namespace_for(self, path: str) -> dict[str, Any]:
        return self.store.namespace(self.numbers.get(os.path.abspath(path), ()))

    # -- running -----------------------------------------------------------------------------

    def run(self) -> Recording:
        program = self.program
        finder = _ProbeFinder(self)
        saved_argv, saved_path0 = sys.argv[:], sys.path[0] if sys.path else None
        saved_main = sys.modules.get("__main__")
        profiler = cProfile.Profile(builtins=False)
        sampler = StackSampler(self.options.interval, _run_program.__code__, self.options.sampler)
        if self.specs:
            sys.meta_path.insert(0, finder)
        status = 0
        started = time.time()
        clock, cpu = time.perf_counter(), time.process_time()
        try:
            runner = self._prepare()
            sampler.start()
            try:
                status = _run_program(runner, profiler)
            finally:
                sampler.stop()
        except _Unrunnable as exc:
            sys.stderr.write(f"perfcodemod: error: {exc}\n")
            status = 2
        finally:
            wall, cpu = time.perf_counter() - clock, time.process_time() - cpu
            if finder in sys.meta_path:
                sys.meta_path.remove(finder)
            sys.argv[:] = saved_argv
            if saved_path0 is not None and sys.path:
                sys.path[0] = saved_path0
            if saved_main is not None:
                sys.modules["__main__"] = saved_main
        profile = self._profile(profiler, sampler)
        profile.run_time = wall
        info = {
            "argv": program.args, "module": program.module, "script": program.script,
            "cwd": os.getcwd(), "python": platform.python_version(),
            "implementation": platform.python_implementation(), "platform": sys.platform,
            "exit_status": status, "started": started, "wall_time": round(wall, 6),
            "cpu_time": round(cpu, 6), "sampler": self.options.sampler,
            "interval": self.options.interval, "samples": sampler.samples,
            "probed_sites": len(self.store.sites),
        }
        return Recording(status, profile, info, len(self.store.sites), len(self.numbers))

    def _prepare(self) -> Callable[[], None]:
        program = self.program
        if program.module is not None:
            sys.argv[:] = [program.module, *program.args]
            sys.path[0] = os.getcwd()
            name = program.module

            def run_module() -> None:
                self.main_globals = runpy.run_module(name, run_name="__main__", alter_sys=True)

            return run_module
        assert program.script is not None
        script = os.path.abspath(program.script)
        try:
            raw = Path(script).read_bytes()
        except OSError as exc:
            raise _Unrunnable(f"cannot run {program.script}: {exc.strerror or exc}") from None
        try:
            text = _source_text(raw)
        except Exception as exc:
            raise _Unrunnable(f"cannot run {program.script}: {exc}") from None
        sys.argv[:] = [program.script, *program.args]
        sys.path[0] = os.path.dirname(script)
        code = self.probed_code(script)
        if code is None:
            try:
                code = compile(text, script, "exec", dont_inherit=True)
            except SyntaxError as exc:
                raise _Unrunnable(f"cannot run {program.script}: {exc}") from None
            self.hashes.setdefault(script, _digest(text))
        main = types.ModuleType("__main__")
        main.__dict__.update({"__file__": script, "__builtins__": __builtins__,
                              "__cached__": None, "__package__": None})
        main.__dict__.update(self.namespace_for(script))
        sys.modules["__main__"] = main
        self.main_globals = main.__dict__
        compiled = code

        def run_script() -> None:
            exec(compiled, main.__dict__)

        return run_script

    # -- the profile -------------------------------------------------------------------------

    def _profile(self, profiler: cProfile.Profile, sampler: StackSampler) -> Profile:
        profile = Profile(sources=[("perfcodemod", self.options.output)])
        profiler.create_stats()
        stats: dict[tuple[str, int, str], tuple[Any, ...]] = profiler.stats
        skip = {_run_program.__code__.co_filename, runpy.__file__}
        for (file, line, name), (primitive, calls, self_time, inclusive, _) in stats.items():
            profile.timed_total += self_time
            if file == "~" or file in skip or file.startswith(_OWN_PACKAGE + os.sep):
                continue
            profile.functions.append(FunctionTiming(
                file, name, line, calls, primitive, inclusive, self_time
            ))
        frames: dict[tuple[types.CodeType, int], Frame] = {}
        for raw, weight in sampler.stacks.items():
            stack = []
            for code, line in raw:
                frame = frames.get((code, line))
                if frame is None:
                    frame = frames[(code, line)] = Frame(
                        code.co_filename, code.co_name, code.co_firstlineno,
                        resolve_line(code, line),
                    )
                if not frame.file.startswith(_OWN_PACKAGE + os.sep) and frame.file not in skip:
                    stack.append(frame)
            if stack:
                profile.add_stack(tuple(stack), weight)
        profile.sampled_total = sampler.total
        profile.loop_level_lines = True
        calls = {(f.file, f.first_line, f.name): f.calls for f in profile.functions}
        profile.sites = self.store.evidence(lambda site: calls.get(
            (site.file, *self.function_lines.get((site.file, site.spec.row), (0, ""))), 0))
        profile.caches = list(self._caches())
        loaded = {
            os.path.abspath(f) for m in list(sys.modules.values())
            if isinstance(f := getattr(m, "__file__", None), str)
        }
        if self.program.script:
            loaded.add(os.path.abspath(self.program.script))
        profile.loaded_files = loaded
        for path in loaded:
            if is_own_file(path, self.roots):
                digest = self.hashes.get(path) or _file_digest(path)
                profile.source_files[path] = SourceInfo(digest, None)
        return profile

    def _caches(self) -> Iterable[CacheEvidence]:
        seen: set[int] = set()
        namespaces = [(m.__name__, vars(m), getattr(m, "__file__", None))
                      for m in list(sys.modules.values())]
        if self.main_globals is not None:
            namespaces.append(("__main__", self.main_globals, self.main_globals.get("__file__")))
        for name, namespace, file in namespaces:
            if not isinstance(file, str) or not is_own_file(file, self.roots):
                continue
            for value in list(namespace.values()):
                candidates = [value]
                if isinstance(value, type) and value.__module__ == name:
                    candidates = [_unwrap_member(v) for v in vars(value).values()]
                for candidate in candidates:
                    evidence = _cache_evidence(candidate, seen)
                    if evidence is not None:
                        yield evidence


def _unwrap_member(value: object) -> object:
    if isinstance(value, (staticmethod, classmethod)):
        return value.__func__
    if isinstance(value, property):
        return value.fget
    return value


def _cache_evidence(value: object, seen: set[int]) -> CacheEvidence | None:
    info = getattr(value, "cache_info", None)
    if not callable(info) or id(value) in seen or not hasattr(value, "__wrapped__"):
        return None
    seen.add(id(value))
    try:
        figures = info()
        function = inspect.unwrap(value)  # type: ignore[arg-type]
        code = function.__code__
    except Exception:
        return None
    return CacheEvidence(
        code.co_filename, getattr(function, "__qualname__", code.co_name), code.co_firstlineno,
        int(figures.hits), int(figures.misses), int(figures.currsize),
        None if figures.maxsize is None else int(figures.maxsize),
    )


class _Unrunnable(Exception):
    pass


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _file_digest(path: str) -> str | None:
    try:
        return _digest(_source_text(Path(path).read_bytes()))
    except Exception:
        return None


def _run_program(runner: Callable[[], None], profiler: cProfile.Profile) -> int:
    """Run the program with cProfile on; its exit status as the interpreter would give it.
    (The sampler's stacks stop at this function's frame.)"""
    try:
        profiler.enable()
        try:
            runner()
        finally:
            profiler.disable()
    except SystemExit as exc:
        return _exit_status(exc.code)
    except KeyboardInterrupt:
        _print_program_traceback()
        return 130
    except BaseException:
        _print_program_traceback()
        return 1
    return 0


def _exit_status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF if code >= 0 else code % 256
    sys.stderr.write(f"{code}\n")
    return 1


def _print_program_traceback() -> None:
    """The program's traceback, as Python would print it (without the recorder's frames)."""
    kind, value, tb = sys.exc_info()
    while tb is not None and (
        tb.tb_frame.f_code.co_filename.startswith(_OWN_PACKAGE + os.sep)
        or tb.tb_frame.f_code.co_filename == runpy.__file__
    ):
        tb = tb.tb_next
    sys.stderr.flush()
    traceback.print_exception(kind, value, tb)
    sys.stderr.flush()


def record(
    program: Program,
    options: RecordOptions,
    find_sites: Callable[[list[Path]], Iterable[tuple[str, Sequence[SiteSpec]]]] | None = None,
) -> Recording:
    """Run the program and write its profile to ``options.output``."""
    if not options.roots:
        options.roots = [os.getcwd()]
        if program.script is not None:
            directory = os.path.dirname(os.path.abspath(program.script))
            if directory not in options.roots:
                options.roots.append(directory)
    recorder = Recorder(program, options)
    if options.probes and find_sites is not None:
        recorder.find_sites(find_sites)
        # What checking the program's files left behind (LibCST, the rules) must not slow
        # the program's garbage collections: out of the collector's sight.
        gc.collect()
        if hasattr(gc, "freeze"):
            gc.freeze()
    recording = recorder.run()
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    native.write(options.output, recording.profile, recording.program)
    return recording
