"""PCM4xx: caching (the plan's track 4, intelligent caching, and its risks).

PCM401-PCM402 find functions worth caching; PCM411-PCM417 find caches that are bugs. They share
a purity analysis of the module (``analysis/purity.py``), whose lists of known-pure and
known-impure functions these options extend.
"""

from perfcodemod.rule import OptionSpec

OPTIONS = {
    "extra-pure-functions": OptionSpec(
        default=(),
        doc=(
            "Qualified names (`mylib.text.slugify`, or `mylib.pure.*` for a whole module) of "
            "functions that are pure and deterministic: a function that calls them can still be "
            "proven pure (PCM401, PCM402)."
        ),
    ),
    "extra-impure-functions": OptionSpec(
        default=(),
        doc=(
            "Qualified names (`myapp.db.query`, `myapp.services.*`) of functions that read state "
            "outside their arguments (a database, a service): a cached function that calls one is "
            "reported by PCM414, and a function that calls one is never proposed for caching."
        ),
    ),
    "version-parameters": OptionSpec(
        default=(),
        doc=(
            "Extra parameter names or `fnmatch` patterns (`rev`, `*_serial`) that carry a version "
            "of what a cached function reads, besides the built-in ones (names containing "
            "`hash`, `mtime`, `etag`, `version`, `digest`, `checksum`...): see PCM414."
        ),
    ),
    "possible-repeats": OptionSpec(
        default=False,
        kind=bool,
        doc=(
            "PCM402 also proposes a cache where the calls only may repeat arguments (a loop "
            "over items that may recur, calls from several places), not only where the code "
            "shows that they do: the candidates a profile's measured hit rate can decide."
        ),
    ),
    "possible-mutations": OptionSpec(
        default=False,
        kind=bool,
        doc=(
            "PCM415 also reports a cached function's mutable result where no caller in sight "
            "changes it but callers out of sight may (a public function, a result returned, "
            "stored or passed on): the shared-object hazard, not only the corruption the code "
            "shows."
        ),
    ),
    "maxsize": OptionSpec(
        default=128,
        kind=int,
        doc="The `maxsize` that PCM402 and PCM417 propose for `functools.lru_cache`.",
    ),
}
