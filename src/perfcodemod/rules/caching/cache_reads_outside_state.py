"""PCM414: a cached function that reads files, the clock, randomness, the environment or state
that changes."""

from __future__ import annotations

from perfcodemod.analysis.caching import (
    VERSIONABLE_EFFECTS,
    CachedFunction,
    CachedTwin,
    cacheable_params,
    clears_cache,
    other_cached_functions,
    role,
    unchanging_file_lines,
    version_parameter,
)
from perfcodemod.analysis.facts import ModuleFacts
from perfcodemod.analysis.purity import Read
from perfcodemod.rule import Invalid
from perfcodemod.rules.caching.base import CachedFunctionRule

_REMEDIES = {
    "clock": (
        "the cache keeps the first call's time: drop the cache, or pass the time in as an argument"
    ),
    "random": "the cache keeps the first draw forever: drop the cache",
    "environment": (
        "the cache keeps the first value it saw: pass the value in as an argument, or drop the "
        "cache"
    ),
}
_VERSIONABLE_REMEDY = (
    "the cache goes stale when that changes: add a version argument (mtime, content hash, etag) "
    "to the key, or drop the cache"
)
_STATE_REMEDY = (
    "the cache goes stale when it changes: pass it (or a version of it) as an argument, or "
    "call `cache_clear()` where it changes"
)


class CacheReadsOutsideState(CachedFunctionRule):
    """Cached function reads files, the clock, randomness, the environment: its cache goes stale.

    ## What it does
    Finds a function with a cache decorator (`functools.cache`, `lru_cache`, in any import
    form) that reads state outside its arguments, directly or through functions of the same
    module that it calls (the purity analysis follows calls, and aliases: `now = time.time` is
    still the clock):

    - the file system: `open()`, `Path.read_text()`, `os.stat()`, `os.listdir()`, `glob`...
    - the clock: `time.time()`, `datetime.now()`, `date.today()`...
    - randomness: `random.*`, `secrets.*`, `uuid.uuid4()`, `os.urandom()`...
    - the environment: `os.environ`, `os.getenv()`, `os.getcwd()`, the locale...
    - the network and other processes (`subprocess`);
    - a module variable that some function rebinds (`global`) or mutates at run time, or a
      variable of the enclosing function that is rebound or mutated where that can run after
      the cached function is defined: later in the text, in a loop around the definition, or
      in another nested function (which may run at any time). Assignments that all run
      before the definition (one on each of two exclusive branches, say) are settled by the
      time the cache exists and are not reported;
    - any function named in the `extra-impure-functions` option (a database query, a service).

    A parameter that **carries a version** of what is read makes the read legitimate, because
    then a change produces a new cache key: the plan's
    `_parse_python_file(file_path, file_hash)`. A parameter carries a version when its name
    contains `hash`, `mtime`, `etag`, `version`, `digest`, `checksum`, `fingerprint`,
    `revision`, `timestamp`, `modified`, `generation`, `ctime`, `sha1`, `sha256` or `md5`,
    when one of its `_`-separated words is `sha`, `rev`, `crc`, `stamp`, `ver` or `tag`, or when
    it matches the `version-parameters` option. The parameter need not be used in the body:
    being part of the key is its job. A version legitimises reads of files, the network, other
    processes, functions configured as impure and changing variables; never the clock,
    randomness or the environment, which no argument can version.

    Not reported, because there the cache is how the author wants it to behave:

    - a function without parameters (besides `self`/`cls`): a value computed once per
      process, by design (the lazy-singleton idiom: `@cache def settings(): ...`);
    - a function whose `cache_clear()` the module calls: it invalidates the cache itself;
    - reads that a cache does not make stale: standard input (it can be read only once, and a
      cache is how it is shared), the package's own files (`importlib.resources`,
      `pkgutil.get_data`), temporary files, path normalisation (`os.path.abspath`,
      `realpath`, `Path.resolve()`), `sys.argv`. They still make a function impure;
    - reads of a file the function writes itself: its own on-disk cache of the result (read
      it, or compute the result and write it when it is missing), found by the name of the
      file (`open(path, "w")`, `path.write_text()`, `os.replace(tmp, path)`...) and every name
      bound from what mentions it (`with gzip.open(path) as f: json.load(f)`);
    - reads of the running installation, which does not change while the process runs: the
      interpreter (`sys.executable`, `sys.prefix`...), the files of loaded code (`__file__`,
      `inspect.getsourcefile(module)`), a parameter that every call of the module passes such
      a value (`_get_musl_version(sys.executable)` reading the interpreter's binary and
      running its loader), and what is derived from them.

    Methods are checked like functions (their `self` is PCM411's business; reading `self.x` is
    not reported here). Nested functions are checked too: their cache lives for one call of the
    enclosing function, and a variable of that function reassigned after the definition goes
    stale within the call. Generator and `async` functions are left to PCM413 and PCM412, whose
    caches are broken anyway. Functions that the cached function calls and that are cached
    themselves are not followed: they are reported on their own.

    ## Why is this bad?
    The plan's risk 3, cache invalidation bugs: a cache assumes the same arguments give the same
    result forever. Once the file changes, the clock moves or the variable is reassigned, the
    cache keeps returning the old value, silently:

    ```python
    import functools
    import os
    import tempfile


    @functools.lru_cache(maxsize=1000)
    def read_config(path):
        with open(path) as stream:
            return stream.read()


    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "app.cfg")
        with open(path, "w") as stream:
            stream.write("debug = false")
        assert read_config(path) == "debug = false"
        with open(path, "w") as stream:
            stream.write("debug = true")
        assert read_config(path) == "debug = false"  # stale: the file now says true
    ```

    ## Example
    ```python
    import functools


    @functools.lru_cache(maxsize=1000)
    def read_config(path):
        with open(path) as stream:
            return stream.read()


    config = read_config("app.cfg")
    ```

    ## Use instead
    Make the version part of the key (the stat call is much cheaper than the read it saves):
    ```python
    import functools
    import os


    @functools.lru_cache(maxsize=1000)
    def read_config(path, mtime_ns):
        with open(path) as stream:
            return stream.read()


    config = read_config("app.cfg", os.stat("app.cfg").st_mtime_ns)
    ```

    ## Fix safety
    There is no fix: which version to pass (an mtime, a content hash, an etag) and where to get
    it is the author's choice, and for the clock or randomness the cache should simply go.
    """

    code = "PCM414"
    name = "cache-reads-outside-state"
    message = (
        "Cached function reads state outside its arguments; the cache goes stale: add a version "
        "argument or drop the cache"
    )

    VALID = (
        # A version parameter makes the file read part of the key.
        "import ast\nimport functools\nfrom pathlib import Path\n\n"
        "@functools.lru_cache(maxsize=500)\n"
        "def parse(file_path: str, file_hash: str):\n"
        "    return ast.parse(Path(file_path).read_text())\n",
        "import functools\n\n@functools.cache\ndef load(path, mtime):\n    with open(path) as f:\n"
        "        return f.read()\n",
        # Pure functions.
        "import functools\nimport math\n\n@functools.cache\ndef f(n):\n    return math.sqrt(n)\n",
        # `time.localtime(ts)` converts the time it is given.
        "import functools\nimport time\n\n@functools.cache\ndef f(ts):\n"
        "    return time.localtime(ts)\n",
        # A seeded generator is deterministic.
        "import functools\nimport random\n\n@functools.cache\ndef f(seed):\n"
        "    return random.Random(seed).random()\n",
        # Module state mutated only at import time.
        "import functools\n\nTABLE = {}\nTABLE['a'] = 1\n\n@functools.cache\ndef f(k):\n"
        "    return TABLE.get(k)\n",
        # No parameters: a value computed once per process, by design.
        "import functools\nimport os\n\n@functools.cache\ndef settings():\n"
        "    return os.environ.get('APP_MODE', 'dev')\n",
        # The module invalidates the cache itself.
        "import functools\n\n@functools.cache\ndef load(path):\n    with open(path) as f:\n"
        "        return f.read()\n\ndef reload():\n    load.cache_clear()\n",
        # Standard input can be read once: the cache shares it.
        "import functools\nimport sys\n\n@functools.lru_cache(maxsize=1)\n"
        "def stdin_value(encoding):\n"
        "    return sys.stdin.buffer.read().decode(encoding)\n",
        # Not cached.
        "import time\n\ndef f():\n    return time.time()\n",
        # A local `open` is not the builtin.
        "import functools\n\ndef open(name):\n    return name\n\n@functools.cache\ndef f(name):\n"
        "    return open(name)\n",
        # Its own on-disk cache: written when missing, read otherwise.
        "import functools\nimport json\nimport os\n\n@functools.cache\ndef table(name):\n"
        "    path = os.path.join('/var/cache/app', name + '.json')\n    try:\n"
        "        with open(path) as stream:\n            return tuple(json.load(stream))\n"
        "    except OSError:\n        result = tuple(range(len(name)))\n"
        "        with open(path, 'w') as stream:\n            json.dump(result, stream)\n"
        "        return result\n",
        # The running interpreter's binary, passed by every call.
        "import functools\nimport sys\n\n@functools.lru_cache\ndef _loader(executable):\n"
        "    with open(executable, 'rb') as f:\n        return f.read(64)\n\n"
        "def platform_tags():\n    return _loader(sys.executable)\n",
        # The source file of a loaded module.
        "import functools\nimport inspect\nfrom pathlib import Path\n\n@functools.lru_cache(64)\n"
        "def constants(module):\n    return Path(inspect.getsourcefile(module)).read_bytes()\n",
        # Assigned on exclusive branches, all before the cached closure exists (networkx's
        # lukes_partitioning).
        "import functools\n\ndef part(G, weight=None):\n    if weight is None:\n"
        "        safe = dict(G)\n        weight = 'w'\n    else:\n        safe = G\n\n"
        "    @functools.lru_cache(64)\n    def value(c):\n        return safe[c][weight]\n\n"
        "    return value\n",
        # A version can legitimise state that changes.
        "import functools\n\nRULES = []\n\ndef add(rule):\n    RULES.append(rule)\n\n"
        "@functools.cache\ndef compiled(rules_version):\n    return tuple(RULES)\n",
    )
    INVALID = (
        Invalid(
            "import functools\n\n@functools.lru_cache(maxsize=1000)\ndef load(path):\n"
            "    with open(path) as f:\n        return f.read()\n",
            message="reads the file system: `open()` at line 5",
        ),
        Invalid(
            "import hashlib\nfrom functools import lru_cache\nfrom pathlib import Path\n\n"
            "@lru_cache(maxsize=1000)\ndef hash_file(file_path: str) -> str:\n"
            "    return hashlib.sha256(Path(file_path).read_bytes()).hexdigest()\n",
            message="add a version argument",
        ),
        # An alias of the clock is the clock; a version does not help.
        Invalid(
            "import functools\nfrom time import time as now\n\n@functools.cache\n"
            "def stamp(label, version):\n    return f'{label}@{now()}'\n",
            message="reads the clock: `time.time()`",
        ),
        Invalid(
            "import functools\nimport time\n\nclock = time.monotonic\n\n@functools.cache\n"
            "def f(x):\n    return clock() + x\n",
            message="`time.monotonic()`",
        ),
        # Through a helper of the module.
        Invalid(
            "import functools\nimport random\n\ndef jitter():\n    return random.random()\n\n"
            "@functools.cache\ndef delay(n):\n    return n + jitter()\n",
            message="(via `jitter()`)",
        ),
        Invalid(
            "import functools\nimport os\n\n@functools.cache\ndef home(default):\n"
            "    return os.environ.get('HOME', default)\n",
            message="reads the environment",
        ),
        # Module state rebound or mutated by a function.
        Invalid(
            "import functools\n\nRULES = []\n\ndef add(rule):\n    RULES.append(rule)\n\n"
            "@functools.cache\ndef compiled(prefix):\n"
            "    return tuple(prefix + r for r in RULES)\n",
            message="`RULES",
        ),
        # A variable of the enclosing function reassigned after the definition.
        Invalid(
            "import functools\n\ndef run():\n    factor = 2\n\n    @functools.cache\n"
            "    def scale(x):\n        return x * factor\n\n    first = scale(1)\n"
            "    factor = 3\n    return first, scale(1)\n",
            message="enclosing function",
        ),
        # Mutated after the definition.
        Invalid(
            "import functools\n\ndef run():\n    seen = {}\n\n    @functools.cache\n"
            "    def known(name):\n        return name in seen\n\n    first = known('a')\n"
            "    seen['a'] = True\n    return first, known('a')\n",
            message="changed at line 11, after `known` is defined",
        ),
        # A method that reads a file (PCM411 also applies).
        Invalid(
            "import functools\nfrom pathlib import Path\n\nclass Repo:\n    @functools.cache\n"
            "    def readme(self, root: Path):\n        return (root / 'README').read_text()\n"
        ),
        # Near misses: it writes another file than it reads; a call passes another path.
        Invalid(
            "import functools\n\n@functools.cache\ndef load(src, log):\n"
            "    with open(src) as stream:\n        text = stream.read()\n"
            "    with open(log, 'a') as out:\n        out.write(src)\n    return text\n",
            message="reads the file system: `open()` at line 5",
        ),
        Invalid(
            "import functools\nimport sys\n\n@functools.lru_cache\ndef _loader(executable):\n"
            "    with open(executable, 'rb') as f:\n        return f.read(64)\n\n"
            "def platform_tags(path):\n    return _loader(sys.executable), _loader(path)\n",
        ),
        # Configured as impure.
        Invalid(
            "import functools\nfrom myapp import db\n\n@functools.cache\ndef user(uid):\n"
            "    return db.query(uid)\n",
            message="configured as impure",
            options={"extra-impure-functions": ["myapp.db.query"]},
        ),
    )

    @classmethod
    def applies_to(cls, cached: CachedFunction, facts: ModuleFacts) -> bool:
        # Generators and coroutines are PCM413's and PCM412's; without parameters the cache is
        # a once-per-process value by design; a module that clears the cache manages it.
        function = cached.function
        return (
            cached.returns == "value"
            and bool(cacheable_params(function, role(function, facts)))
            and not clears_cache(function, facts)
        )

    def check(self, cached: CachedTwin) -> None:
        read = self._stale_read(cached)
        if read is None:
            return
        if read.effect in _REMEDIES:
            remedy = _REMEDIES[read.effect]
        elif read.effect in {"module-state", "enclosing-state"}:
            remedy = _STATE_REMEDY
        else:
            remedy = _VERSIONABLE_REMEDY
        self.report(cached.decorator_node(), f"Cached function {read.describe()}; {remedy}")

    def _stale_read(self, cached: CachedTwin) -> Read | None:
        """The first read that can make the cache stale (reads that a version parameter keys
        are left out)."""
        function = cached.function
        others = other_cached_functions(function, self.context.facts)
        reads = self.purity.reads(function, stop=others)
        if not reads:
            return None
        options = self.context.family_options(self)
        if version_parameter(function, options.get("version-parameters", ())):
            reads = [r for r in reads if r.effect not in VERSIONABLE_EFFECTS]
        unchanging = unchanging_file_lines(function, self.context.facts)
        reads = [
            r
            for r in reads
            if r.via or r.effect not in {"file", "process"} or r.line not in unchanging
        ]
        return reads[0] if reads else None
