"""The static rule index (``rule_index.py``) is what discovery finds, and lookups use it."""

from __future__ import annotations

import subprocess
import sys

from perfcodemod import registry, rule_index


def test_the_index_matches_discovery() -> None:
    """Regenerate it with ``python -m perfcodemod.registry`` after adding or changing a rule."""
    assert registry.discover() == rule_index.RULES
    with open(rule_index.__file__, encoding="utf-8") as generated:
        assert registry.index_source(registry.discover()) == generated.read()


def test_lookups_by_code_and_name() -> None:
    by_code = registry.get_rule("pcm201")
    assert by_code is not None and by_code is registry.get_rule("literal-membership")
    assert by_code.family == "membership"
    assert registry.get_rule("PCM999") is None
    assert registry.matching_codes("PCM20") == ["PCM201", "PCM202", "PCM203", "PCM204"]
    assert [rule.code for rule in registry.all_rules()] == list(registry.codes())


def test_looking_up_one_rule_imports_one_rule_module() -> None:
    code = (
        "import sys\nfrom perfcodemod import registry\n"
        "registry.get_rule('PCM303')\n"
        "print(sorted(m for m in sys.modules if m.startswith('perfcodemod.rules.') "
        "and m.count('.') == 3))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "['perfcodemod.rules.lookups.list_count_in_loop']"
