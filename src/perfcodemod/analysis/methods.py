"""Which methods read the object they are called on, and which change it.

One table for every analysis that asks "does ``x.method(...)`` change ``x``?":
:func:`perfcodemod.analysis.uses.classify_use` (the membership, generator and lookup rules)
and the caching family's purity analysis (:mod:`perfcodemod.analysis.astscope`,
:mod:`perfcodemod.analysis.purity`). The sets are by method name only: the receiver's type is
rarely known, so a name that mutates some builtin container counts as mutating on any object.
"""

from __future__ import annotations

#: Methods of ``list`` that do not change the list (and return nothing that aliases it).
LIST_READ_METHODS = frozenset({"index", "count", "copy", "__len__", "__contains__", "__iter__"})
#: Methods of ``list`` that change it in place.
LIST_MUTATING_METHODS = frozenset(
    {"append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse",
     "__setitem__", "__delitem__", "__iadd__", "__imul__"}
)
#: Methods that change the ``list``, ``dict``, ``set``, ``deque`` or ``OrderedDict`` they are
#: called on (``seen.add(x)``, ``d.update(other)``, ``q.popleft()``).
CONTAINER_MUTATING_METHODS = LIST_MUTATING_METHODS | frozenset(
    {
        "update", "setdefault", "popitem", "add", "discard", "difference_update",
        "intersection_update", "symmetric_difference_update", "appendleft", "extendleft",
        "popleft", "rotate", "move_to_end",
    }
)
#: Methods of other stateful objects that change them: files (``write``, ``seek``...),
#: ``Counter.subtract``, ``array``/``bytearray`` fills, queues, events, generators.
STATEFUL_OBJECT_MUTATING_METHODS = frozenset(
    {
        "write", "writelines", "truncate", "seek", "subtract", "fill", "put", "put_nowait",
        "set", "send", "close",
    }
)
#: Methods that change the object they are called on, whatever its type (containers, files,
#: queues...): a call of one of them on a variable mutates it.
MUTATING_METHODS = CONTAINER_MUTATING_METHODS | STATEFUL_OBJECT_MUTATING_METHODS
#: Methods of the builtin containers and strings that only read (and return a new value).
READING_METHODS = frozenset(
    {
        "get", "keys", "values", "items", "copy", "index", "count", "startswith", "endswith",
        "find", "rfind", "rindex", "lower", "upper", "strip", "lstrip", "rstrip", "split",
        "rsplit", "splitlines", "join", "replace", "format", "format_map", "encode", "decode",
        "partition", "rpartition", "isdigit", "isalpha", "isalnum", "isspace", "isupper",
        "islower", "isdecimal", "isnumeric", "isidentifier", "isascii", "issubset",
        "issuperset", "isdisjoint", "union", "intersection", "difference",
        "symmetric_difference", "casefold", "title", "capitalize", "swapcase", "zfill",
        "center", "ljust", "rjust", "removeprefix", "removesuffix", "expandtabs", "translate",
        "hex", "bit_length", "bit_count", "to_bytes", "is_integer", "as_integer_ratio",
        "conjugate", "fromkeys", "most_common", "elements", "total",
    }
)

__all__ = [
    "CONTAINER_MUTATING_METHODS",
    "LIST_MUTATING_METHODS",
    "LIST_READ_METHODS",
    "MUTATING_METHODS",
    "READING_METHODS",
    "STATEFUL_OBJECT_MUTATING_METHODS",
]
