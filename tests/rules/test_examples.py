"""Every rule's VALID and INVALID examples, which are also its documentation."""

from __future__ import annotations

import pytest

from perfcodemod import registry
from perfcodemod.rule import DOC_SECTIONS, Invalid, Rule

from .helpers import diagnostics, fixed

RULES = registry.all_rules()
VISITOR_RULES = [rule for rule in RULES if rule.code != "PCM001"]

VALID_CASES = [
    pytest.param(rule, code, id=f"{rule.code}-valid-{index}")
    for rule in VISITOR_RULES
    for index, code in enumerate(rule.VALID)
]
INVALID_CASES = [
    pytest.param(rule, case, id=f"{rule.code}-invalid-{index}")
    for rule in RULES
    for index, case in enumerate(rule.INVALID)
]


@pytest.mark.parametrize(("rule", "code"), VALID_CASES)
def test_valid_example_is_not_reported(rule: type[Rule], code: str) -> None:
    compile(code, "example.py", "exec")  # an example must be real Python
    assert diagnostics(rule, code) == []


@pytest.mark.parametrize(("rule", "case"), INVALID_CASES)
def test_invalid_example_is_reported_and_fixed(rule: type[Rule], case: Invalid) -> None:
    found = diagnostics(rule, case.code, case.options)
    assert len(found) == case.count, [d.message for d in found]
    if case.message:
        assert case.message in found[0].message
    if rule.code == "PCM001":
        return
    compile(case.code, "example.py", "exec")
    if case.fixed is None:
        assert all(d.fix is None for d in found)
        return
    assert case.applicability is not None, "an example with a fix states its applicability"
    assert found[0].fix is not None
    assert found[0].fix.applicability is case.applicability
    if case.reason:
        assert case.reason in found[0].fix.reason
    result = fixed(rule, case.code, case.options)
    assert result == case.fixed
    compile(result, "fixed.py", "exec")
    # A second run changes nothing.
    assert fixed(rule, result, case.options) == result


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_is_documented(rule: type[Rule]) -> None:
    sections = rule.doc_sections()
    assert list(sections) == list(DOC_SECTIONS), f"{rule.code} docstring sections: {list(sections)}"
    assert all(sections[title] for title in DOC_SECTIONS)
    assert rule.summary()
    if rule.code != "PCM001":
        assert rule.VALID, "near misses are part of a rule"
    assert rule.INVALID
