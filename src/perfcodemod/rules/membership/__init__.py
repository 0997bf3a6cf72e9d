"""PCM2xx: membership tests against lists and tuples (the plan's track 3: sets for membership)."""

from perfcodemod.rule import OptionSpec

OPTIONS = {
    "hashable-types": OptionSpec(
        default=(),
        doc=(
            "Extra type names (`Status`, `myapp.models.Color`) whose instances are hashable: a "
            "needle annotated with one of them makes a fix to a set safe."
        ),
    ),
}
