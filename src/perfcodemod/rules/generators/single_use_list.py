"""PCM103: ``files = [f for f in root.rglob("*.py")]`` then ``for f in files:``: a list bound to a
name and iterated exactly once."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from textwrap import dedent

from perfcodemod.analysis import lists, names
from perfcodemod.analysis.aliases import changes_through_aliases, iterated_paths
from perfcodemod.analysis.bindings import (
    DYNAMIC_NAMESPACE_CALLS,
    is_private_local,
    lazy_free_names,
    reads_names_dynamically,
    sole_binding_uses,
)
from perfcodemod.analysis.comprehensions import (
    is_async,
    is_async_ast,
    is_reiterable,
    iterated_values,
    lazy_parts,
    not_reiterable_part,
)
from perfcodemod.analysis.consumers import (
    Consumer,
    consumer_positions_ast,
    per_element_activity,
    single_pass_consumer,
)
from perfcodemod.analysis.effects import (
    Activity,
    first_lazy_side_effect,
    first_side_effect,
    lazy_stop_iteration,
    may_start_work,
    reads_object_state,
    region_activity,
    stop_iteration_reason,
)
from perfcodemod.analysis.expressions import has_walrus, snippet
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.flow import (
    handlers_around,
    is_inside,
    path_after,
    runs_before_within,
    statement_chain_ast,
    statement_of,
)
from perfcodemod.analysis.loops import enclosing_loops
from perfcodemod.analysis.scopes import Scope
from perfcodemod.analysis.uses import Use, first_change, name_occurrences
from perfcodemod.astcompat import TRY_STAR
from perfcodemod.diagnostic import Applicability
from perfcodemod.lazycst import cst
from perfcodemod.rule import Candidate, Change, Invalid, Rule
from perfcodemod.transforms import generator_from

SAFE = Applicability.SAFE
UNSAFE = Applicability.UNSAFE


@dataclass(frozen=True)
class _Finding:
    comp: cst.ListComp
    name: str
    consumer: Consumer
    #: The statements that may run between the assignment and the end of the consumption
    #: (through the consumers of a chain of single-use lists).
    region: tuple[cst.BaseStatement, ...]
    #: The reads that consume the list, and those that consume the lists built from it.
    reads: tuple[cst.Name, ...]
    #: What runs after the assignment and before the consumer starts (through a chain).
    intervening: tuple[cst.CSTNode, ...]
    unsafe_reason: str | None


class SingleUseList(Rule):
    """List comprehension bound to a name and iterated once; use a generator expression.

    ## What it does
    Finds a list comprehension assigned to a name that is then used exactly once, as the
    iterable of one `for` loop, of one comprehension, or of one call that iterates it once
    (`sum()`, `min()`, `max()`, `any()`, `all()`, `sorted()`, `list()`, `tuple()`, `set()`,
    `frozenset()`, `dict()`, `collections.Counter()`, `collections.deque()`,
    `heapq.nlargest()`/`nsmallest()`, possibly through `enumerate()`, `zip()`, `map()` or
    `filter()`), and turns the comprehension into a generator expression. Chains
    (`entries = [...]; recent = [e for e in entries if ...]; for e in recent: ...`) are
    converted link by link.

    Not reported, because the list is needed, or a generator would run at the wrong time:
    - any other use of the name: indexing, slicing, `len()`, a truth test (`if files:`), `in`,
      `return`, `yield`, passing it to any other function (`str.join` included: it builds a
      list anyway), a second loop, an f-string;
    - a use that can run more than once: inside a loop that does not also contain the
      assignment, or in a nested function, lambda or class, or in the element or conditions
      of a comprehension;
    - a use after leaving the `with` or `try` block that holds the assignment (the file the
      comprehension reads has been closed; an exception the handlers caught would escape);
    - a use after leaving the loop that holds the assignment, or in another branch;
    - any other binding of the name in the function: a second assignment (conditional or
      not), augmented assignment, `del`, a `for` target, `global` or `nonlocal` anywhere,
      including nested functions; a name of the same spelling in a nested function also keeps
      the rule silent;
    - functions that call `locals()`, `vars()`, `eval()` or `exec()`;
    - the code up to the end of the consumer rebinds or changes (in place) a name the
      elements are computed from (`ys = [x + k for x in xs]; for k in ys: ...`, or
      `new = [x for x in xs if x not in seen]; for x in new: seen.add(x)`);
    - a snapshot: the code that consumes the list changes the container it was taken from
      (`stale = [k for k in d if ...]`, then `del d[k]` in the loop; a generator would fail
      with "dictionary changed size during iteration", or skip elements of a list), also
      through another name or item that may be the same object (`column = columns[i]`
      while the list was taken from `columns[start]`; `e = d`; a loop over `columns`);
    - an assignment expression (`:=`) in the comprehension: it binds in the function, and the
      binding would happen later, or never;
    - a comprehension with side effects (calls) when other code runs between the assignment
      and the consumer: those effects were meant to happen first (`procs = [start(c) for c in
      cmds]; wait(); for p in procs: ...`); or when the consumer is in an `assert`;
    - calls in the elements that may start work (anything but pure builtins, pure stdlib
      functions such as `os.path.join()`, and methods that only read, such as `str.strip()`)
      when the consumer makes calls of its own for each element (in its loop body, its
      comprehension, a `key=` function): the consumer may collect that work (`futures =
      [pool.submit(c) for c in calls]`, then `[f.result() for f in futures]`), and a generator
      would start each piece only after the previous one was collected, serialising what ran
      in parallel;
    - annotated assignments (`files: list[Path] = [...]`: the annotation says list),
      asynchronous comprehensions, class bodies; at module level, a name read anywhere else
      in the module, or listed in `__all__`.

    ## Why is this bad?
    The list holds every element until the name goes out of scope, although each is looked
    at once; a generator holds one at a time, and a consumer that stops early (`break`,
    `return`, `any()`) never computes the rest. The cost: a generator is slower per element
    than a list comprehension. Measured on CPython 3.11.7 (`python
    benchmarks/rules/generators.py --rule PCM103`), time after / before (below 1 is faster):

    | case | 10 items | 100,000 items | peak memory, 100,000 items |
    | --- | ---: | ---: | ---: |
    | `for` loop that exits at the first element | 1.0-1.4x | 0.0001x | 3.8 MiB → 0.8 KiB |
    | `for` loop over every element (`x * 3`) | 1.1-1.2x | 0.7-1.4x | 3.8 MiB → 0.7 KiB |
    | the same, elements that already exist (`x`) | 1.1x | 1.0-1.25x | 783 KiB → 0.6 KiB |
    | consumed by `sum()` | 1.2-1.4x | 0.6-1.6x | 3.8 MiB → 0.6 KiB |

    Without early exit the fix costs up to about a third more time per element (the
    generator's own overhead, clearest when the elements already exist); with new element
    objects and large inputs the generator often keeps up with the list, because it frees each
    element before making the next where the list allocates them all. The memory of the list,
    and of every element it keeps alive, is never held.

    The benchmark alternates the two forms; on a busy shared machine the ratios still vary by
    about ±25% from run to run: the ranges above are over three runs.

    ## Example
    ```python
    def scan(root):
        py_files = [f for f in root.rglob("*.py")]
        for file in py_files:
            process(file)
    ```

    ## Use instead
    ```python
    def scan(root):
        py_files = (f for f in root.rglob("*.py"))
        for file in py_files:
            process(file)
    ```

    ## Fix safety
    With a generator, the elements are computed while the consumer runs instead of all at
    the assignment: interleaved with the statements in between and the loop body, and not at
    all after an early exit. The fix is **safe** only when that cannot be seen:

    - the comprehension makes no calls beyond the pure builtins (`len()`, `str()`,
      `range()`...), and holds no `await`, `yield` or `:=`. That also rules out a
      `StopIteration` from its elements (`next()`, or any other call), which PEP 479 turns
      into `RuntimeError` inside a generator expression, where the list comprehension let
      it propagate;
    - nothing between the assignment and the end of the consumer (the whole `for` statement,
      or the statement holding the call; for a chain, the consumer of the last list) rebinds
      a name the comprehension reads, mutates its object, or passes it elsewhere; and an
      iterator the comprehension reads is not used there at all;
    - the consumer is not inside a `try` or `with` block that does not also hold the
      assignment (an exception raised while computing an element would now reach it);
    - the code in between makes no calls beyond the pure builtins (and no stores into
      attributes or items, no `with`, `yield` or `await`) — or, if it only prints, the
      comprehension iterates containers only (lists, tuples, strings, `range()`, not files or
      generators) — or, whatever it calls, the comprehension iterates containers held only by
      local variables that never escape, and reads no attribute, item or other outside name;
    - the name is a function's local (a module-level name can be imported by other modules).

    Otherwise the fix is **unsafe**, and the reason names what moves: the comprehension's
    side effects would interleave with the loop body's, a `StopIteration` from `next()` would
    become `RuntimeError`, a call in the loop body could change what later elements are computed
    from (`[t for t in tasks if not t.done]` while running the tasks), and a lazily read
    directory listing (`root.rglob()`) could see files the loop creates. As elsewhere,
    operators and attribute reads are assumed to have no side effects.
    """

    code = "PCM103"
    name = "single-use-list"
    message = "List comprehension bound to a name and iterated once; use a generator expression"
    fix_title = "Use a generator expression"
    function_local = True

    VALID = (
        # A second use: len(), a truth test, indexing, a second loop, return.
        dedent("""\
        def f(xs):
            ys = [x for x in xs]
            for y in ys:
                print(y)
            return len(ys)
        """),
        dedent("""\
        def f(xs):
            ys = [x for x in xs]
            if ys:
                for y in ys:
                    print(y)
        """),
        dedent("""\
        def f(xs):
            ys = [x for x in xs]
            return ys[0]
        """),
        dedent("""\
        def f(xs):
            ys = [x for x in xs]
            return ys[1:]
        """),
        dedent("""\
        def f(xs):
            ys = [x for x in xs]
            return ys
        """),
        dedent("""\
        def f(xs):
            ys = [x for x in xs]
            yield ys
        """),
        # Passed to a function that is not a known single-pass consumer.
        dedent("""\
        def f(xs, g):
            ys = [x for x in xs]
            g(ys)
        """),
        dedent("""\
        def f(xs):
            ys = [str(x) for x in xs]
            return ', '.join(ys)
        """),
        dedent("""\
        def f(xs):
            ys = [x for x in xs]
            return len(ys)
        """),
        # The use repeats: a loop that does not contain the assignment.
        dedent("""\
        def f(xs, rows):
            ys = [x for x in xs]
            for r in rows:
                for y in ys:
                    print(r, y)
        """),
        dedent("""\
        def f(xs, rows):
            ys = [x for x in xs]
            return [y for r in rows for y in ys]
        """),
        dedent("""\
        def f(xs, n):
            ys = [x for x in xs]
            while n:
                n = sum(ys)
        """),
        # A closure reads it.
        dedent("""\
        def f(xs):
            ys = [x for x in xs]
            return lambda: sum(ys)
        """),
        dedent("""\
        def f(xs):
            ys = [x for x in xs]
            def g():
                return sum(ys)
            return g()
        """),
        # Declared global or nonlocal; deleted; augmented; rebound conditionally.
        dedent("""\
        def f(xs):
            global ys
            ys = [x for x in xs]
            for y in ys:
                print(y)
        """),
        dedent("""\
        def f(xs):
            ys = [x for x in xs]
            def g():
                nonlocal ys
                ys = []
            for y in ys:
                print(y)
        """),
        dedent("""\
        def f(xs):
            ys = [x for x in xs]
            for y in ys:
                print(y)
            del ys
        """),
        dedent("""\
        def f(xs):
            ys = [x for x in xs]
            ys += [1]
            for y in ys:
                print(y)
        """),
        dedent("""\
        def f(xs, c):
            ys = [x for x in xs]
            if c:
                ys = []
            for y in ys:
                print(y)
        """),
        # The file is closed when the generator would read it.
        dedent("""\
        def f(path):
            with open(path) as fh:
                lines = [line for line in fh]
            for line in lines:
                print(line)
        """),
        # An exception the handler caught would escape.
        dedent("""\
        def f(strs):
            try:
                nums = [int(s) for s in strs]
            except ValueError:
                nums = []
            return sum(nums)
        """),
        dedent("""\
        def f(strs):
            try:
                nums = [int(s) for s in strs]
            except ValueError:
                return 0
            return sum(nums)
        """),
        # Assigned in a loop, used after it (the last iteration's list).
        dedent("""\
        def f(groups):
            for g in groups:
                ys = [x for x in g]
            return sum(ys)
        """),
        # A snapshot: the loop changes the container the list was taken from.
        dedent("""\
        def f(counts):
            empty = [k for k, v in counts.items() if not v]
            for k in empty:
                del counts[k]
        """),
        dedent("""\
        def f(self):
            done = [t for t in self.tasks if t.done]
            for t in done:
                self.tasks.remove(t)
        """),
        # ... through another name or item of the same container: `column` is
        # `columns[start]` when `i == start` (a set would change size during iteration).
        dedent("""\
        def f(columns, i, start):
            column = columns[i]
            originators = [o for o in columns[start]]
            for o in originators:
                column.add(o)
        """),
        dedent("""\
        def f(d):
            e = d
            stale = [k for k in d.keys() if not d[k]]
            for k in stale:
                del e[k]
        """),
        dedent("""\
        def f(groups, g):
            members = [m for m in groups[g]]
            for m in members:
                for other in groups:
                    other.discard(m)
        """),
        # Side effects meant to happen before the code in between.
        dedent("""\
        def f(commands, wait):
            procs = [start(c) for c in commands]
            wait()
            for p in procs:
                p.join()
        """),
        # Calls that start work whose results the consumer collects: a generator would
        # submit each call only after the previous result was collected.
        dedent("""\
        def f(pool, calls):
            futures = [pool.submit(c) for c in calls]
            return [f.result() for f in futures]
        """),
        dedent("""\
        def f(cx):
            cursors = [cx.execute("select 1") for _ in range(3)]
            for cu in cursors:
                check(cu.fetchall())
        """),
        # The consumer rebinds or changes a name the elements are computed from.
        dedent("""\
        def f(xs, k):
            ys = [x + k for x in xs]
            for k in ys:
                print(k)
        """),
        dedent("""\
        def f(xs, seen):
            new = [x for x in xs if x not in seen]
            for x in new:
                seen.add(x)
        """),
        # Side effects that `python -O` would skip with the assert.
        dedent("""\
        def f(xs):
            ok = [check(x) for x in xs]
            assert all(ok)
        """),
        # An assignment expression binds in the function: it would happen later, or never.
        dedent("""\
        def f(xs):
            ys = [(last := x) for x in xs]
            print(last)
            return sum(ys)
        """),
        # Annotated: the annotation says list.
        dedent("""\
        def f(xs):
            ys: list[int] = [x for x in xs]
            return sum(ys)
        """),
        # Dynamic namespaces.
        dedent("""\
        def f(xs):
            ys = [x for x in xs]
            print(locals())
            return sum(ys)
        """),
        # Asynchronous comprehension.
        dedent("""\
        async def f(xs):
            ys = [x async for x in xs]
            return sum(ys)
        """),
        # A lazy generator stored for later is a delayed use.
        dedent("""\
        def f(xs):
            ys = [x for x in xs]
            return (y for y in ys)
        """),
        # Module level: read elsewhere in the module, or exported.
        dedent("""\
        ys = [x for x in range(3)]
        for y in ys:
            print(y)

        def g():
            return ys
        """),
        dedent("""\
        __all__ = ['ys']
        ys = [x for x in range(3)]
        for y in ys:
            print(y)
        """),
        # Class bodies.
        dedent("""\
        class C:
            ys = [x for x in range(3)]
            total = sum(ys)
        """),
    )
    INVALID = (
        Invalid(
            dedent("""\
            def scan(root):
                files = [f for f in root.rglob('*.py')]
                for f in files:
                    print(f)
            """),
            dedent("""\
            def scan(root):
                files = (f for f in root.rglob('*.py'))
                for f in files:
                    print(f)
            """),
            UNSAFE,
            message="generator expression",
        ),
        # No calls in the comprehension, nothing in between that could change what it reads.
        Invalid(
            dedent("""\
            def f(n):
                squares = [i * i for i in range(n)]
                total = 0
                for s in squares:
                    total += s
                return total
            """),
            dedent("""\
            def f(n):
                squares = (i * i for i in range(n))
                total = 0
                for s in squares:
                    total += s
                return total
            """),
            SAFE,
        ),
        Invalid(
            dedent("""\
            def f(n):
                squares = [i * i for i in range(n)]
                return sum(squares)
            """),
            dedent("""\
            def f(n):
                squares = (i * i for i in range(n))
                return sum(squares)
            """),
            SAFE,
        ),
        # The loop body calls something and the comprehension reads attributes: unsafe.
        Invalid(
            dedent("""\
            def run(tasks):
                ready = [t for t in tasks if not t.done]
                for t in ready:
                    t.run()
            """),
            dedent("""\
            def run(tasks):
                ready = (t for t in tasks if not t.done)
                for t in ready:
                    t.run()
            """),
            UNSAFE,
        ),
        Invalid(
            dedent("""\
            def f(xs: list[int]):
                ys = [x * 2 for x in xs if x]
                for y in ys:
                    print(y)
            """),
            dedent("""\
            def f(xs: list[int]):
                ys = (x * 2 for x in xs if x)
                for y in ys:
                    print(y)
            """),
            SAFE,
        ),
        # Inside the with block that opened the file: fine, but reading a file is a call.
        Invalid(
            dedent("""\
            def f(path):
                with open(path) as fh:
                    lines = [line.strip() for line in fh]
                    for line in lines:
                        print(line)
            """),
            dedent("""\
            def f(path):
                with open(path) as fh:
                    lines = (line.strip() for line in fh)
                    for line in lines:
                        print(line)
            """),
            UNSAFE,
        ),
        # Through enumerate(); in a loop that also holds the assignment.
        Invalid(
            dedent("""\
            def f(groups):
                for g in groups:
                    ys = [x.name for x in g]
                    for i, y in enumerate(ys):
                        print(i, y)
            """),
            dedent("""\
            def f(groups):
                for g in groups:
                    ys = (x.name for x in g)
                    for i, y in enumerate(ys):
                        print(i, y)
            """),
            UNSAFE,
        ),
        # A consumer inside a try block that does not hold the assignment: unsafe.
        Invalid(
            dedent("""\
            def f(n: int):
                ys = [100 // i for i in range(n)]
                try:
                    return max(ys)
                except ZeroDivisionError:
                    return None
            """),
            dedent("""\
            def f(n: int):
                ys = (100 // i for i in range(n))
                try:
                    return max(ys)
                except ZeroDivisionError:
                    return None
            """),
            UNSAFE,
        ),
        # The consumer makes calls, but the elements' calls only read (a `str` method, a
        # pure stdlib function): they start no work to collect (near miss of the futures case).
        Invalid(
            dedent("""\
            import os

            def f(root, lines, out):
                paths = [os.path.join(root, line.strip()) for line in lines]
                for path in paths:
                    out.write(path)
            """),
            dedent("""\
            import os

            def f(root, lines, out):
                paths = (os.path.join(root, line.strip()) for line in lines)
                for path in paths:
                    out.write(path)
            """),
            UNSAFE,
        ),
        # A chain: both links are reported and converted.
        Invalid(
            dedent("""\
            def f(lines, cutoff):
                entries = [len(line) for line in lines]
                recent = [e for e in entries if e > cutoff]
                for e in recent:
                    print(e)
            """),
            dedent("""\
            def f(lines, cutoff):
                entries = (len(line) for line in lines)
                recent = (e for e in entries if e > cutoff)
                for e in recent:
                    print(e)
            """),
            UNSAFE,
            count=2,
        ),
        # Comments inside the brackets survive.
        Invalid(
            dedent("""\
            def f(n):
                ys = [  # the squares
                    i * i
                    for i in range(n)  # all of them
                ]
                return sum(ys)
            """),
            dedent("""\
            def f(n):
                ys = (  # the squares
                    i * i
                    for i in range(n)  # all of them
                )
                return sum(ys)
            """),
            SAFE,
        ),
        # Another attribute of the same object is changed: not the container read.
        Invalid(
            dedent("""\
            def f(self):
                names = [n for n in self.items]
                for n in names:
                    self.seen.add(n)
            """),
            dedent("""\
            def f(self):
                names = (n for n in self.items)
                for n in names:
                    self.seen.add(n)
            """),
            UNSAFE,
            reason="`self.items` may be an iterator",
        ),
        # `next()` in the element: StopIteration would become RuntimeError (PEP 479).
        Invalid(
            dedent("""\
            def f(it, n: int):
                ys = [next(it) for _ in range(n)]
                return sum(ys)
            """),
            dedent("""\
            def f(it, n: int):
                ys = (next(it) for _ in range(n))
                return sum(ys)
            """),
            UNSAFE,
            reason="PEP 479",
        ),
        # A call in the first iterable runs at the assignment either way; reading its result
        # is what moves.
        Invalid(
            dedent("""\
            def f(root):
                names = [p.name for p in root.iterdir()]
                return sorted(names)
            """),
            dedent("""\
            def f(root):
                names = (p.name for p in root.iterdir())
                return sorted(names)
            """),
            UNSAFE,
            reason="is called at the assignment either way",
        ),
        # Consumed by a known consumer imported under another name.
        Invalid(
            dedent("""\
            from collections import Counter as Tally

            def f(words):
                lengths = [len(w) for w in words]
                return Tally(lengths)
            """),
            dedent("""\
            from collections import Counter as Tally

            def f(words):
                lengths = (len(w) for w in words)
                return Tally(lengths)
            """),
            UNSAFE,
            message="`Counter()`",
            reason="`words` may be an iterator",
        ),
        # Module level: other modules may import the name.
        Invalid(
            dedent("""\
            ys = [x * 2 for x in range(3)]
            for y in ys:
                print(y)
            """),
            dedent("""\
            ys = (x * 2 for x in range(3))
            for y in ys:
                print(y)
            """),
            UNSAFE,
        ),
    )

    def __init__(self, context: object) -> None:
        super().__init__(context)  # type: ignore[arg-type]
        self._findings: dict[int, _Finding | None] = {}

    # -- the pre-check -------------------------------------------------------------------------

    @classmethod
    def precheck(cls, facts: ModuleFacts) -> Iterable[Candidate]:
        for assign in facts.nodes(ast.Assign):
            if len(assign.targets) != 1 or not isinstance(assign.targets[0], ast.Name):
                continue
            if not isinstance(assign.value, ast.ListComp) or is_async_ast(assign.value):
                continue
            candidate = _precheck_assignment(facts, assign, assign.targets[0].id)
            if candidate is not None:
                yield candidate

    # -- the visitor ---------------------------------------------------------------------------

    def visit_Assign(self, node: cst.Assign) -> None:
        finding = self._analyse(node)
        if finding is None:
            return
        message = (
            f"`{finding.name}` is a list comprehension iterated once, by "
            f"{finding.consumer.description}; use a generator expression, so the list is never held"
        )
        change = Change(finding.comp, generator_from(finding.comp, parenthesized=True))
        if finding.unsafe_reason is None:
            fix = self.fix(
                change,
                SAFE,
                "the comprehension has no side effects and nothing that runs before the list is "
                "consumed can change what it reads",
            )
        else:
            fix = self.fix(change, UNSAFE, finding.unsafe_reason)
        self.report(finding.comp, message, fix)

    def _analyse(self, assign: cst.Assign) -> _Finding | None:
        key = id(assign)
        if key not in self._findings:
            self._findings[key] = None  # no cycles through a chain
            self._findings[key] = self._find(assign)
        return self._findings[key]

    def _find(self, assign: cst.Assign) -> _Finding | None:
        context = self.context
        if len(assign.targets) != 1:
            return None
        target = assign.targets[0].target
        comp = assign.value
        if not isinstance(target, cst.Name) or not isinstance(comp, cst.ListComp) or is_async(comp):
            return None
        if has_walrus(comp):
            return None  # `:=` binds in the function: the binding would happen later, or never
        statement = context.parent(assign)
        if not isinstance(statement, cst.SimpleStatementLine):
            return None
        found = sole_binding_uses(context, target)
        if found is None:
            return None
        scope, reads = found
        if len(reads) != 1 or not self._is_plain_scope(scope, target.value):
            return None
        (read,) = reads
        if context.scopes.scope_of.get(read) is not scope:
            return None  # read in a nested function, lambda, class or comprehension body
        consumer = single_pass_consumer(context, read)
        if consumer is None:
            return None
        path = path_after(context, statement, read)
        if path is None or path.leaves_with_or_try is not None:
            return None
        loops = enclosing_loops(context, read)
        expected_boundary = scope.node if scope.kind == "function" else None
        if loops.boundary is not expected_boundary:
            return None
        if any(not is_inside(context, statement, loop) for loop in loops.loops):
            return None  # the use repeats, the assignment does not
        region = list(path.region)
        consuming_reads = [read]
        consumer_statement: cst.CSTNode | None = consumer.node
        if not isinstance(consumer.node, cst.For):
            consumer_statement = statement_of(context, consumer.node)
        intervening: list[cst.CSTNode] = list(path.region[:-1])
        if consumer_statement is not None and consumer_statement is not path.holder:
            intervening.extend(runs_before_within(context, consumer_statement, path.holder))
        downstream = self._downstream(consumer)
        if downstream is not None:
            region.extend(s for s in downstream.region if all(s is not r for r in region))
            consuming_reads.extend(downstream.reads)
            intervening.extend(downstream.intervening)
        # The list is a snapshot: the code that consumes it changes the container it was
        # taken from (`for k in [k for k in d if ...]: del d[k]`).
        # The container may be reached through another name or item (`column =
        # columns[i]` while iterating `columns[start]`): any of them counts.
        for source in iterated_paths(context, comp.for_in.iter):
            if changes_through_aliases(context, region, scope.node, source):
                return None
        # A name the elements are computed from is rebound or changed before they would be
        # computed: the generator would compute other values (`[x + k ...]; for k in ...`).
        lazy = [n.value for n in lazy_free_names(context, comp)]
        if first_change(context, region, lazy, kinds=frozenset({Use.REBIND, Use.MUTATE})):
            return None
        # The elements' side effects were meant to happen now, before the code in between
        # (`procs = [start() for ...]; wait(); for p in procs: ...`), or even when the consumer
        # does not run (an `assert`, stripped by `python -O`).
        if first_side_effect(context, comp) is not None and (
            region_activity(context, intervening) is not Activity.QUIET
            or any(isinstance(a, cst.Assert) for a in context.ancestors(read))
        ):
            return None
        # Calls in the elements may start work that the consumer's own calls collect
        # (`futures = [pool.submit(c) for c in calls]`, then `f.result()` for each): a
        # generator would start each piece only after the previous one was collected.
        if any(may_start_work(context, part) for part in lazy_parts(comp)) and (
            per_element_activity(context, consumer) is Activity.BUSY
        ):
            return None
        reason = self._unsafe_reason(comp, scope, tuple(region), consuming_reads, statement)
        return _Finding(
            comp, target.value, consumer, tuple(region), tuple(consuming_reads),
            tuple(intervening), reason,
        )

    def _is_plain_scope(self, scope: Scope, name: str) -> bool:
        """Every occurrence of ``name`` in the scope's code is the binding or the one read
        (a nested function's own variable of that name too), and nothing reads the scope's
        variables by name."""
        context = self.context
        if reads_names_dynamically(scope):
            return False
        if scope.kind == "function":
            return sum(1 for _ in name_occurrences(scope.node, name)) == 2
        # Module level: the whole module must agree, not only this chunk.
        facts = context.facts
        return (
            len(facts.bindings.get(name, ())) == 1
            and len(facts.loads.get(name, ())) == 1
            and name not in facts.dunder_all
            and not facts.has_star_import
            and not facts.uses_dynamic_namespace
            and sum(1 for _ in name_occurrences(context.module, name)) == 2
        )

    def _downstream(self, consumer: Consumer) -> _Finding | None:
        """The finding for the list built from this one, when the consumer is itself a
        single-use list comprehension: its elements are then computed where that list is
        consumed."""
        comp = consumer.node
        if not isinstance(comp, cst.ListComp):
            return None
        assign = self.context.parent(comp)
        if isinstance(assign, cst.Assign) and assign.value is comp:
            return self._analyse(assign)
        return None

    # -- fix safety ----------------------------------------------------------------------------

    def _unsafe_reason(
        self,
        comp: cst.ListComp,
        scope: Scope,
        region: tuple[cst.BaseStatement, ...],
        consuming_reads: list[cst.Name],
        statement: cst.BaseStatement,
    ) -> str | None:
        context = self.context
        if scope.kind == "module":
            return (
                "a module-level name can be imported by other modules, which would get a generator"
            )
        stop = lazy_stop_iteration(context, comp)
        if stop is not None and names.builtin_called(context, stop) == "next":
            return stop_iteration_reason(context, stop)
        effect = first_lazy_side_effect(context, comp)
        if effect is not None:
            return (
                f"`{snippet(context, effect)}` would run while the list is consumed, "
                "interleaved with the consumer's code, and not at all for elements it does not "
                "reach"
            )
        if first_side_effect(context, comp) is not None:
            # A call in the first iterable runs at the assignment either way; reading what it
            # returned is what moves.
            return (
                f"`{snippet(context, comp.for_in.iter)}` is called at the assignment either "
                "way, but what it returns may be an iterator with effects of its own (a "
                "generator, a file): it would be read while the list is consumed, interleaved "
                "with the consumer's code"
            )
        for read in consuming_reads:
            handlers = handlers_around(context, read, statement)
            if handlers:
                kind = "with" if isinstance(handlers[0], cst.With) else "try"
                return (
                    f"an exception raised while computing an element would now be raised "
                    f"inside the `{kind}` block around the consumer"
                )
        # Names read element by element, and the object the first iterable evaluates to (a
        # name's list may be changed in place; a fresh `range()` or copy cannot be reached).
        lazy = lazy_free_names(context, comp)
        first = comp.for_in.iter
        held = [first] if isinstance(first, cst.Name) else []
        unstable = [
            value for value in iterated_values(context, comp) if not is_reiterable(context, value)
        ]
        iterators = {v.value for v in unstable if isinstance(v, cst.Name)}
        change = first_change(
            context,
            region,
            [n.value for n in lazy],
            in_place=[n.value for n in held],
            iteration_changes=iterators,
        )
        if change is not None:
            occurrence, use = change
            verb = {"rebind": "rebound", "mutate": "changed"}.get(use.value, "passed elsewhere")
            return (
                f"`{occurrence.value}`, which the comprehension reads, is {verb} before the "
                "generator would have computed every element"
            )
        def private_list(name: cst.Name) -> bool:
            return lists.known_list(context, name) is not None and is_private_local(
                context, name, scope, region
            )

        activity = region_activity(context, region, private_list)
        if activity is Activity.QUIET:
            return None
        if unstable:
            part = not_reiterable_part(context, unstable[0]) or unstable[0]
            return (
                f"`{snippet(context, part)}` may be an iterator with effects of its own "
                "(a file, a generator, a directory listing): it would be read while the code in "
                "between runs"
            )
        if activity is Activity.PRINTS:
            return None
        # The code in between calls unknown code: it may change anything reachable.
        if any(reads_object_state(part) for part in lazy_parts(comp)):
            return (
                "the code in between makes calls that may change the attributes or items the "
                "comprehension reads"
            )
        for name in [*lazy, *held]:
            if not is_private_local(context, name, scope, region):
                return (
                    f"the code in between makes calls that may change `{name.value}`, which the "
                    "comprehension reads"
                )
        return None


def _precheck_assignment(facts: ModuleFacts, assign: ast.Assign, name: str) -> Candidate | None:
    """The pre-check for one ``name = [comprehension]``, the ``ast`` twin of the visitor's
    first questions: the name is bound once and read once in the function (nested scopes
    included), or in the whole module at module level; the read comes after the assignment,
    in a consumer's place; no loop repeats it that does not also hold the assignment, and it
    does not lie beyond a ``with``, ``try`` or loop that holds the assignment."""
    chain = statement_chain_ast(facts.tree, assign)
    scopes = [link for link in chain if isinstance(link[0], _AST_SCOPES)]
    if scopes and isinstance(scopes[-1][0], ast.ClassDef):
        return None
    function = scopes[-1][0] if scopes else None
    if function is None:
        reads = facts.loads.get(name, [])
        if len(facts.bindings.get(name, ())) != 1 or len(reads) != 1:
            return None
        if name in facts.dunder_all or facts.has_star_import or facts.uses_dynamic_namespace:
            return None
    else:
        if len(facts.bindings_within(name, function)) != 1:
            return None
        reads = facts.loads_within(name, function)
        if len(reads) != 1:
            return None
        if any(facts.loads_within(dynamic, function) for dynamic in DYNAMIC_NAMESPACE_CALLS):
            return None
    (read,) = reads
    if id(read) not in consumer_positions_ast(facts):
        return None
    if (read.lineno, read.col_offset) < (assign.end_lineno or 0, assign.end_col_offset or 0):
        return None
    read_chain = statement_chain_ast(facts.tree, read)
    common = 0
    while (
        common < min(len(chain), len(read_chain))
        and chain[common][0] is read_chain[common][0]
        and chain[common][1] == read_chain[common][1]
    ):
        common += 1
    for statement, block in chain[common:-1]:
        if isinstance(statement, _AST_LEAVING) and block != "orelse" or isinstance(
            statement, (ast.With, ast.AsyncWith, ast.Try, *TRY_STAR)
        ):
            return None  # the read lies beyond a loop body, `with` or `try` holding the assignment
    for statement, block in read_chain[common:]:
        if isinstance(statement, _AST_SCOPES):
            return None  # a closure, or a class body
        if isinstance(statement, (ast.For, ast.AsyncFor)) and block == "body":
            return None  # repeated
        if isinstance(statement, ast.While) and block != "orelse":
            return None  # repeated (the test too)
    if function is None:
        return (assign.lineno, read.end_lineno or read.lineno)
    return assign


_AST_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_AST_LEAVING = (ast.For, ast.AsyncFor, ast.While)
