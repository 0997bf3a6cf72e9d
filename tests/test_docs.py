"""Documentation that cannot drift: rule pages are generated, the README's commands are CI's."""

from __future__ import annotations

import re

import pytest

from perfcodemod import docs, registry

from .conftest import REPO

RULES = registry.all_rules()


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_page_is_current(rule) -> None:
    page = REPO / "docs" / "rules" / f"{rule.code}.md"
    assert page.exists(), "run: python -m perfcodemod.docs docs/rules"
    assert page.read_text(encoding="utf-8") == docs.render(rule), (
        "stale page; run: python -m perfcodemod.docs docs/rules"
    )


def test_no_page_without_a_rule() -> None:
    pages = {p.stem for p in (REPO / "docs" / "rules").glob("PCM*.md")}
    assert pages == {r.code for r in RULES}


def test_readme_commands_are_what_ci_runs() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)\n```", readme, re.S)
    install_and_run, install_and_test = blocks[0].strip(), blocks[1].strip()
    assert "fixtures/" in install_and_run
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    # A command continued on the next line (`\`) counts up to the continuation.
    commands = [line.rstrip().removesuffix("\\").rstrip() for line in ci.splitlines()]
    assert install_and_test in commands
