"""Rule documentation: ``perfcodemod rule`` and the pages in ``docs/rules/``, both rendered
from the rule classes, so that they cannot drift apart (a test compares the committed pages).

Regenerate the pages with ``python -m perfcodemod.docs docs/rules``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from perfcodemod import registry
from perfcodemod.rule import Rule


def render(rule: type[Rule]) -> str:
    sections = rule.documentation().split("\n", 1)
    summary = sections[0].strip()
    body = sections[1].strip() if len(sections) > 1 else ""
    facts = [
        f"- Code: `{rule.code}`",
        f"- Name: `{rule.name}`",
        f"- Family: {rule.family}",
        f"- Enabled by default: {'yes' if rule.default_enabled else 'no (select it to enable it)'}",
        f"- Fix: {rule.fix_title if rule.fix_title else 'none'}",
    ]
    if rule.fix_title:
        facts.append(
            "- Fix safety: the rule's own section below, and the [policy for every rule]"
            "(../fix-safety.md) (no safe fix in test code)"
        )
    options = registry.family_options().get(rule.family, {})
    option_lines = []
    if options:
        option_lines.append(
            f"\n## Options (`[tool.perfcodemod.{rule.family}]`, shared by the family)\n"
        )
        for key, spec in options.items():
            option_lines.append(f"- `{key}` (default `{spec.default!r}`): {spec.doc}")
    return (
        f"# {rule.code}: {rule.name}\n\n{summary}\n\n"
        + "\n".join(facts)
        + "\n\n"
        + body
        + "\n"
        + ("\n".join(option_lines) + "\n" if option_lines else "")
    )


def write_pages(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    expected = set()
    for rule in registry.all_rules():
        page = directory / f"{rule.code}.md"
        expected.add(page.name)
        text = render(rule)
        if not page.exists() or page.read_text(encoding="utf-8") != text:
            page.write_bytes(text.encode("utf-8"))  # "\n" on every OS
            written.append(page)
    for stale in directory.glob("PCM*.md"):
        if stale.name not in expected:
            stale.unlink()
            written.append(stale)
    index = directory.parent / "rules.md"
    rows = [
        "# Rules\n",
        "What a safe fix promises, for every rule: [fix-safety.md](fix-safety.md).\n",
        "| code | name | family | default | fix |",
        "| --- | --- | --- | --- | --- |",
    ]
    rows.extend(
        f"| [{rule.code}](rules/{rule.code}.md) | {rule.name} | {rule.family} | "
        f"{'on' if rule.default_enabled else 'opt-in'} | {rule.fix_title or ''} |"
        for rule in registry.all_rules()
    )
    index_text = "\n".join(rows) + "\n"
    if not index.exists() or index.read_text(encoding="utf-8") != index_text:
        index.write_bytes(index_text.encode("utf-8"))
        written.append(index)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    directory = Path(args[0]) if args else Path("docs/rules")
    for page in write_pages(directory):
        print(f"wrote {page}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
