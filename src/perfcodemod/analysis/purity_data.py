"""What the purity analysis knows about builtins and the standard library, kept as data.

Names are qualified (``builtins.len``, ``time.time``, ``os.path.join``). A trailing ``.*``
covers a whole module (``math.*``). Users extend both lists in ``[tool.perfcodemod.caching]``
with ``extra-pure-functions`` and ``extra-impure-functions``; a name that is in neither list is
unknown, and a call of it makes a function impure.

Pure here means: the result depends only on the arguments, the call changes nothing that was
there before it (it may build and change new objects), and it reads no state outside the
process's own objects. The analysis takes the usual liberty of ignoring dunder methods (``==``,
``+`` or ``hash`` on user classes are assumed well-behaved).
"""

from __future__ import annotations

import builtins

#: Builtins that are pure in the sense above.
PURE_BUILTINS = frozenset(
    {
        "abs", "all", "any", "ascii", "bin", "bool", "bytes", "callable", "chr", "complex",
        "dict", "divmod", "enumerate", "filter", "float", "format", "frozenset", "hash", "hex",
        "int", "isinstance", "issubclass", "len", "list", "map", "max", "min", "oct", "ord",
        "pow", "range", "repr", "reversed", "round", "set", "slice", "sorted", "str", "sum",
        "tuple", "type", "zip", "bytearray", "NotImplemented", "Ellipsis",
    }
)
#: Every builtin exception class: ``raise ValueError(...)`` is part of many pure functions.
BUILTIN_EXCEPTIONS = frozenset(
    name
    for name in dir(builtins)
    if isinstance(getattr(builtins, name), type)
    and issubclass(getattr(builtins, name), BaseException)
)

#: Pure functions of the standard library.
PURE_STDLIB = frozenset(
    {
        "math.*", "cmath.*", "operator.*", "statistics.*", "unicodedata.*", "keyword.*",
        "colorsys.*", "itertools.*",
        "functools.reduce", "functools.partial", "functools.cmp_to_key",
        "bisect.bisect", "bisect.bisect_left", "bisect.bisect_right",
        "heapq.nlargest", "heapq.nsmallest", "heapq.merge",
        "string.capwords",
        "re.escape", "re.match", "re.fullmatch", "re.search", "re.sub", "re.subn", "re.split",
        "re.findall", "re.finditer", "re.compile",
        "textwrap.dedent", "textwrap.indent", "textwrap.wrap", "textwrap.fill",
        "textwrap.shorten",
        "json.dumps", "json.loads", "ast.literal_eval", "ast.parse", "ast.dump",
        "struct.pack", "struct.unpack", "struct.calcsize", "struct.iter_unpack",
        "base64.b64encode", "base64.b64decode", "base64.urlsafe_b64encode",
        "base64.urlsafe_b64decode", "base64.b16encode", "base64.b16decode",
        "base64.b32encode", "base64.b32decode", "base64.b85encode", "base64.b85decode",
        "binascii.hexlify", "binascii.unhexlify", "binascii.crc32",
        "zlib.crc32", "zlib.adler32", "zlib.compress", "zlib.decompress",
        "hashlib.md5", "hashlib.sha1", "hashlib.sha224", "hashlib.sha256", "hashlib.sha384",
        "hashlib.sha512", "hashlib.blake2b", "hashlib.blake2s", "hashlib.sha3_256",
        "hashlib.sha3_512", "hashlib.new",
        "copy.copy", "copy.deepcopy",
        "os.path.join", "os.path.basename", "os.path.dirname", "os.path.split",
        "os.path.splitext", "os.path.normpath", "os.path.normcase", "os.path.isabs",
        "os.path.commonprefix", "os.path.splitdrive",
        "posixpath.join", "posixpath.basename", "posixpath.dirname", "posixpath.split",
        "posixpath.splitext", "posixpath.normpath", "posixpath.isabs",
        "ntpath.join", "ntpath.basename", "ntpath.dirname", "ntpath.split",
        "ntpath.splitext", "ntpath.normpath", "ntpath.isabs",
        "pathlib.PurePath", "pathlib.PurePosixPath", "pathlib.PureWindowsPath",
        "shlex.split", "shlex.quote", "shlex.join",
        "fnmatch.fnmatch", "fnmatch.fnmatchcase", "fnmatch.translate", "fnmatch.filter",
        "html.escape", "html.unescape",
        "urllib.parse.quote", "urllib.parse.quote_plus", "urllib.parse.unquote",
        "urllib.parse.unquote_plus", "urllib.parse.urlparse", "urllib.parse.urlsplit",
        "urllib.parse.urlunparse", "urllib.parse.urlunsplit", "urllib.parse.urljoin",
        "urllib.parse.urlencode", "urllib.parse.parse_qs", "urllib.parse.parse_qsl",
        "collections.Counter", "collections.OrderedDict", "collections.deque",
        "collections.namedtuple", "collections.ChainMap",
        "fractions.Fraction", "fractions.gcd", "decimal.Decimal",
        "datetime.timedelta", "datetime.date", "datetime.datetime", "datetime.time",
        "datetime.date.fromisoformat", "datetime.datetime.fromisoformat",
        "datetime.timezone",
        "ipaddress.ip_address", "ipaddress.ip_network", "ipaddress.ip_interface",
        "uuid.UUID", "uuid.uuid3", "uuid.uuid5",
        "difflib.get_close_matches", "difflib.SequenceMatcher", "difflib.ndiff",
        "difflib.unified_diff", "difflib.context_diff",
        "typing.cast", "enum.auto",
        "builtins.dict.fromkeys", "builtins.str.maketrans", "builtins.bytes.maketrans",
        "builtins.int.from_bytes", "builtins.bytes.fromhex", "builtins.float.fromhex",
        "builtins.str.join", "builtins.str.lower", "builtins.str.upper", "builtins.str.strip",
        "builtins.str.split", "builtins.str.casefold", "builtins.str.isdigit",
    }
)
#: Exceptions to ``PURE_STDLIB``'s wildcards: these change their arguments.
IMPURE_IN_PURE_MODULES = frozenset(
    {
        "operator.setitem", "operator.delitem", "operator.iadd", "operator.iand",
        "operator.iconcat", "operator.ifloordiv", "operator.ilshift", "operator.imod",
        "operator.imul", "operator.imatmul", "operator.ior", "operator.ipow", "operator.irshift",
        "operator.isub", "operator.itruediv", "operator.ixor", "operator.methodcaller",
        "operator.attrgetter",  # reads attributes of objects whose state may change
        "itertools.tee",
    }
)

#: Higher-order functions: the positions and keywords of their arguments that are called. A
#: call of one of them is pure only when what it calls is pure.
CALLABLE_ARGUMENTS: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "builtins.map": ((0,), ()),
    "builtins.filter": ((0,), ()),
    "builtins.sorted": ((), ("key",)),
    "builtins.min": ((), ("key",)),
    "builtins.max": ((), ("key",)),
    "functools.reduce": ((0,), ()),
    "functools.partial": ((0,), ()),
    "functools.cmp_to_key": ((0,), ()),
    "itertools.starmap": ((0,), ()),
    "itertools.takewhile": ((0,), ()),
    "itertools.dropwhile": ((0,), ()),
    "itertools.filterfalse": ((0,), ()),
    "itertools.accumulate": ((1,), ("func",)),
    "itertools.groupby": ((1,), ("key",)),
    "heapq.nlargest": ((), ("key",)),
    "heapq.nsmallest": ((), ("key",)),
    "heapq.merge": ((), ("key",)),
    "bisect.bisect": ((), ("key",)),
    "bisect.bisect_left": ((), ("key",)),
    "bisect.bisect_right": ((), ("key",)),
    "re.sub": ((1,), ("repl",)),
    "re.subn": ((1,), ("repl",)),
}

#: Reads of state outside the function's arguments, by what they read. A cached function that
#: makes one of these calls goes stale (PCM414); a function that makes one is never pure.
NONDETERMINISTIC: dict[str, str] = {
    # the clock
    "time.time": "clock", "time.time_ns": "clock", "time.monotonic": "clock",
    "time.monotonic_ns": "clock", "time.perf_counter": "clock", "time.perf_counter_ns": "clock",
    "time.process_time": "clock", "time.process_time_ns": "clock", "time.thread_time": "clock",
    "time.thread_time_ns": "clock", "time.clock_gettime": "clock",
    "time.clock_gettime_ns": "clock",
    "datetime.datetime.now": "clock", "datetime.datetime.utcnow": "clock",
    "datetime.datetime.today": "clock", "datetime.date.today": "clock",
    # randomness
    "random.*": "random", "secrets.*": "random", "os.urandom": "random",
    "os.getrandom": "random", "uuid.uuid1": "random", "uuid.uuid4": "random",
    "numpy.random.*": "random",
    # files and the file system
    "builtins.open": "file", "io.open": "file", "io.open_code": "file", "os.open": "file",
    "codecs.open": "file", "gzip.open": "file", "bz2.open": "file", "lzma.open": "file",
    "tarfile.open": "file", "zipfile.ZipFile": "file", "shelve.open": "file", "dbm.open": "file",
    "os.listdir": "file", "os.scandir": "file", "os.walk": "file", "os.stat": "file",
    "os.lstat": "file", "os.readlink": "file", "os.access": "file", "os.fwalk": "file",
    "os.path.exists": "file", "os.path.lexists": "file", "os.path.isfile": "file",
    "os.path.isdir": "file", "os.path.islink": "file", "os.path.ismount": "file",
    "os.path.getmtime": "file", "os.path.getctime": "file", "os.path.getatime": "file",
    "os.path.getsize": "file", "os.path.samefile": "file",
    "glob.glob": "file", "glob.iglob": "file", "linecache.getline": "file",
    "linecache.getlines": "file", "filecmp.cmp": "file", "filecmp.dircmp": "file",
    "json.load": "file", "pickle.load": "file", "marshal.load": "file", "tomllib.load": "file",
    "plistlib.load": "file", "csv.reader": "file", "csv.DictReader": "file",
    "configparser.ConfigParser": "file", "sqlite3.connect": "file", "shutil.which": "file",
    # the environment and the process
    "os.getenv": "environment", "os.environ": "environment", "os.environb": "environment",
    "os.getcwd": "environment", "os.getcwdb": "environment", "os.getpid": "environment",
    "os.getlogin": "environment", "getpass.getuser": "environment",
    "locale.getlocale": "environment", "locale.getpreferredencoding": "environment",
    "locale.setlocale": "environment", "platform.node": "environment",
    "socket.gethostname": "environment", "os.get_terminal_size": "environment",
    "shutil.get_terminal_size": "environment",
    # the network and other processes
    "urllib.request.urlopen": "network", "urllib.request.urlretrieve": "network",
    "http.client.HTTPConnection": "network", "http.client.HTTPSConnection": "network",
    "socket.socket": "network", "socket.create_connection": "network",
    "socket.getaddrinfo": "network", "socket.gethostbyname": "network",
    "ftplib.FTP": "network", "smtplib.SMTP": "network",
    "requests.*": "network", "httpx.*": "network", "aiohttp.*": "network",
    "urllib3.*": "network",
    "subprocess.*": "process", "os.system": "process", "os.popen": "process",
}

#: Entries of ``NONDETERMINISTIC`` that are values, read without a call (``os.environ["X"]``);
#: the others are functions, and only calling them reads.
NONDETERMINISTIC_VALUES = frozenset({"os.environ", "os.environb"})
#: Constructors of random generators: deterministic when given a seed.
SEEDED_CONSTRUCTORS = frozenset({"random.Random"})

#: Calls with other side effects (output, changes to the outside world): impure, but not a
#: stale-cache read.
IMPURE: frozenset[str] = frozenset(
    {
        "builtins.print", "builtins.setattr", "builtins.delattr", "builtins.exec",
        "builtins.eval", "builtins.globals", "builtins.locals", "builtins.vars",
        "builtins.__import__", "builtins.breakpoint", "builtins.exit", "builtins.quit",
        "builtins.id", "builtins.next", "builtins.iter", "builtins.object", "builtins.getattr",
        "builtins.hasattr", "builtins.help", "builtins.memoryview", "builtins.super",
        "logging.*", "warnings.warn", "time.sleep", "os.makedirs", "os.mkdir", "os.remove",
        "os.unlink", "os.rename", "os.replace", "os.rmdir", "os.chdir", "os.putenv",
        "os.kill", "shutil.*", "sys.exit", "sys.stdout", "sys.stderr", "atexit.register",
        "gc.collect", "importlib.import_module", "threading.*", "multiprocessing.*",
        "asyncio.*", "signal.*", "sys.setrecursionlimit", "random.seed",
        # Impure, but caching them is not a stale-cache bug: standard input can be read only
        # once (a cache is how it is shared), the package's own files do not change, temporary
        # files are made anew, paths are normalised against a working directory and links that
        # do not move in practice, and the command line is fixed at start-up.
        "builtins.input", "sys.stdin", "getpass.getpass", "importlib.resources.*",
        "pkgutil.get_data", "tempfile.*", "os.path.abspath", "os.path.realpath",
        "os.path.expanduser", "os.path.expandvars", "os.path.relpath", "pathlib.Path.cwd",
        "pathlib.Path.home", "sys.argv",
    }
)

#: Methods whose name alone says they read a file, whatever they are called on (``p`` may be a
#: ``pathlib.Path`` the analysis cannot see).
FILE_READING_METHODS = frozenset({"read_text", "read_bytes", "iterdir", "rglob"})
#: Methods of ``pathlib.Path`` that read the file system, when called on a value known to be a
#: ``Path`` (``Path(name)``, a parameter annotated ``Path``).
PATH_READING_METHODS = frozenset(
    {
        "read_text", "read_bytes", "open", "iterdir", "glob", "rglob", "exists", "is_file",
        "is_dir", "is_symlink", "stat", "lstat", "readlink", "samefile", "owner", "group",
    }
)
#: Methods of ``pathlib.Path`` that normalise against the file system (impure, not stale).
PATH_NORMALISING_METHODS = frozenset({"resolve", "absolute", "expanduser"})
PATH_TYPES = frozenset({"pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"})

#: Module attributes that are constants (reading them is pure).
PURE_CONSTANTS = frozenset(
    {
        "math.pi", "math.e", "math.tau", "math.inf", "math.nan", "cmath.pi", "cmath.e",
        "sys.maxsize", "sys.platform", "sys.byteorder", "sys.version_info", "sys.float_info",
        "sys.int_info", "sys.hexversion", "sys.implementation", "string.*", "os.sep",
        "os.pathsep", "os.linesep", "os.curdir", "os.pardir", "os.extsep", "os.name",
        "re.IGNORECASE", "re.MULTILINE", "re.DOTALL", "re.VERBOSE", "re.ASCII", "re.I",
        "re.M", "re.S", "re.X", "re.A", "re.UNICODE", "operator.*", "math.*",
    }
)

#: Calls that return a new mutable object (PCM415: a cached function returning one hands every
#: caller the same object).
FRESH_MUTABLE_CALLS: dict[str, str] = {
    "builtins.list": "list", "builtins.dict": "dict", "builtins.set": "set",
    "builtins.bytearray": "bytearray", "builtins.sorted": "list",
    "builtins.dict.fromkeys": "dict",
    "collections.defaultdict": "defaultdict", "collections.OrderedDict": "OrderedDict",
    "collections.Counter": "Counter", "collections.deque": "deque",
    "json.loads": "object from json.loads", "json.load": "object from json.load",
    "copy.copy": "copy", "copy.deepcopy": "copy", "re.findall": "list", "re.split": "list",
    "os.listdir": "list", "glob.glob": "list", "shlex.split": "list",
    "textwrap.wrap": "list", "difflib.get_close_matches": "list", "heapq.nlargest": "list",
    "heapq.nsmallest": "list", "array.array": "array",
    "pickle.loads": "object from pickle.loads", "pickle.load": "object from pickle.load",
    "tomllib.loads": "dict", "tomllib.load": "dict",
}
#: Calls whose result is an immutable value (numbers, strings, and the standard library's
#: immutable value types), whatever their (valid) arguments: a cached function that returns one
#: hands out nothing a caller could change.
IMMUTABLE_RESULTS = frozenset(
    {
        "builtins.int", "builtins.float", "builtins.complex", "builtins.str", "builtins.bytes",
        "builtins.bool", "builtins.len", "builtins.abs", "builtins.round", "builtins.hash",
        "builtins.ord", "builtins.chr", "builtins.repr", "builtins.ascii", "builtins.format",
        "builtins.hex", "builtins.oct", "builtins.bin", "builtins.frozenset", "builtins.divmod",
        "builtins.isinstance", "builtins.issubclass", "builtins.callable", "builtins.any",
        "builtins.all", "builtins.sum", "builtins.pow",
        "math.*", "cmath.*", "statistics.*", "datetime.timedelta", "datetime.date",
        "datetime.datetime", "datetime.time", "datetime.timezone", "decimal.Decimal",
        "fractions.Fraction", "ipaddress.*", "uuid.UUID", "uuid.uuid3", "uuid.uuid5",
        "pathlib.PurePath", "pathlib.PurePosixPath", "pathlib.PureWindowsPath",
        "json.dumps", "re.escape", "re.sub", "html.escape", "html.unescape", "shlex.quote",
        "shlex.join", "textwrap.dedent", "textwrap.indent", "textwrap.fill", "textwrap.shorten",
        "base64.*", "binascii.hexlify", "binascii.unhexlify", "zlib.crc32", "zlib.adler32",
        "zlib.compress", "zlib.decompress", "os.path.join", "os.path.basename",
        "os.path.dirname", "os.path.normpath", "os.path.normcase", "os.path.splitext",
        "posixpath.join", "posixpath.basename", "posixpath.dirname", "posixpath.normpath",
        "unicodedata.*", "struct.pack", "struct.calcsize", "keyword.iskeyword",
        "fnmatch.fnmatch", "fnmatch.fnmatchcase", "fnmatch.translate",
    }
)
#: Methods of ``str`` (and ``bytes``) that return a ``str`` (``bytes``), a number or a bool.
STRING_RESULT_METHODS = frozenset(
    {
        "lower", "upper", "casefold", "capitalize", "title", "swapcase", "strip", "lstrip",
        "rstrip", "startswith", "endswith", "isdigit", "isalpha", "isalnum", "isspace",
        "isupper", "islower", "isdecimal", "isnumeric", "isidentifier", "isascii", "ljust",
        "rjust", "center", "zfill", "expandtabs", "removeprefix", "removesuffix", "replace",
        "join", "format", "count", "find", "rfind", "index", "rindex", "encode", "decode",
        "hexdigest", "digest", "bit_length", "bit_count", "is_integer", "translate",
    }
)

#: Methods that return a new list whatever (builtin) object they are called on.
FRESH_LIST_METHODS = frozenset({"split", "rsplit", "splitlines", "readlines"})


def matches(name: str, patterns: frozenset[str] | set[str] | dict[str, str]) -> str | None:
    """The pattern of ``patterns`` that covers the qualified ``name`` (exact, ``module.*``, or
    ``*`` for everything)."""
    if name in patterns:
        return name
    if "*" in patterns:
        return "*"
    parts = name.split(".")
    for index in range(len(parts) - 1, 0, -1):
        wildcard = ".".join(parts[:index]) + ".*"
        if wildcard in patterns:
            return wildcard
    return None
