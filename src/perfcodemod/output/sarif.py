"""``sarif``: a SARIF 2.1.0 log, valid against the OASIS schema, with what GitHub code scanning
reads (its "SARIF support for code scanning" page).

- One run; ``tool.driver`` with ``name``, ``version``, ``semanticVersion``, ``informationUri``
  and one ``rules`` entry per rule with results: ``shortDescription`` (the summary),
  ``fullDescription`` (the doc's "What it does", at most 1024 characters, GitHub's limit),
  ``help`` (the whole rule doc, as text and Markdown), ``helpUri``,
  ``defaultConfiguration.level``, and ``properties`` (``tags``, ``precision``,
  ``problem.severity``).
- Each result: ``ruleId`` and ``ruleIndex``, ``level``, ``message``, one location whose
  ``artifactLocation.uri`` is relative to the working directory (the repository root in CI)
  with ``uriBaseId`` ``%SRCROOT%`` (resolved by the run's ``originalUriBaseIds``), and a
  ``region`` with all four of start/end line/column (columns count code points: the run says
  ``columnKind: unicodeCodePoints``; end columns are exclusive, as SARIF defines them).
- ``partialFingerprints`` carries ``perfcodemod/v1``, the same line-independent fingerprint the
  GitLab report uses. GitHub itself reads only ``primaryLocationLineHash``, which
  ``github/codeql-action/upload-sarif`` computes from the checked-out file when it is absent, as
  it is here: GitHub's hash of the line's content is the one its alert tracking expects.
- A fix becomes SARIF ``fixes``: its edits as ``replacements`` (``deletedRegion`` plus
  ``insertedContent``) of one ``artifactChange``, and its applicability and the reason in the
  fix's ``properties``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from perfcodemod import __version__, docs, registry
from perfcodemod.api import FileReport
from perfcodemod.diagnostic import Diagnostic, Fix
from perfcodemod.output.json import profile_object
from perfcodemod.output.locations import (
    SOURCE_ROOT_ID,
    Position,
    artifact_location,
    directory_uri,
    fingerprints,
    offset_position,
    position,
    project_root,
)
from perfcodemod.output.options import Options
from perfcodemod.output.severity import Severity, severity
from perfcodemod.rule import Rule

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/perfcodemod/perfcodemod"
FINGERPRINT_KEY = "perfcodemod/v1"
#: GitHub shows at most this much of a rule's short and full description.
DESCRIPTION_LIMIT = 1024
#: Python's line breaks (SARIF's default omits a lone carriage return).
NEWLINE_SEQUENCES = ["\r\n", "\n", "\r"]


def render(reports: Sequence[FileReport], options: Options) -> str:
    return json.dumps(sarif_log(reports), indent=2, ensure_ascii=False) + "\n"


def sarif_log(reports: Sequence[FileReport]) -> dict[str, Any]:
    findings = [(report, d) for report in reports for d in report.diagnostics]
    codes = sorted({d.code for _, d in findings})
    rule_index = {code: index for index, code in enumerate(codes)}
    root = project_root()
    results = [
        _result(report, diagnostic, rule_index[diagnostic.code], fingerprint)
        for (report, diagnostic), fingerprint in zip(findings, fingerprints(findings, root))
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "perfcodemod",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(code) for code in codes],
            }
        },
        "originalUriBaseIds": {
            SOURCE_ROOT_ID: {
                "uri": directory_uri(root),
                "description": {"text": "The directory perfcodemod ran in."},
            }
        },
        "columnKind": "unicodeCodePoints",
        "newlineSequences": NEWLINE_SEQUENCES,
        "results": results,
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _level(code: str) -> str:
    return "error" if severity(code) is Severity.ERROR else "warning"


def _limited(text: str) -> str:
    """At most GitHub's limit, cut at a word."""
    if len(text) <= DESCRIPTION_LIMIT:
        return text
    return text[: DESCRIPTION_LIMIT - 1].rsplit(" ", 1)[0] + "…"


def _unwrapped(text: str) -> str:
    """Hard-wrapped Markdown paragraphs as single lines (blank lines kept)."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(paragraph.split()) for paragraph in paragraphs)


def _rule(code: str) -> dict[str, Any]:
    rule: type[Rule] | None = registry.get_rule(code)
    level = _level(code)
    if rule is None:  # not a registered rule: say what is known
        text = {"text": code}
        return {"id": code, "shortDescription": text, "fullDescription": text, "help": text,
                "defaultConfiguration": {"level": level}}
    what = rule.doc_sections().get("What it does") or rule.summary()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _limited(rule.summary())},
        "fullDescription": {"text": _limited(_unwrapped(what))},
        "help": {"text": rule.documentation(), "markdown": docs.render(rule)},
        "helpUri": rule.url(),
        "defaultConfiguration": {"level": level},
        "properties": {
            "tags": ["performance", rule.family],
            # Precision before recall: a rule that is not sure stays silent.
            "precision": "high",
            "problem.severity": level,
        },
    }


def _region(where: Position) -> dict[str, int]:
    return {
        "startLine": where.row,
        "startColumn": where.col,
        "endLine": where.end_row,
        "endColumn": where.end_col,
    }


def _fix(report: FileReport, fix: Fix, location: dict[str, str]) -> dict[str, Any]:
    replacements = []
    for edit in sorted(fix.edits):
        start_row, start_col = offset_position(report, edit.start, end=edit.start == edit.end)
        end_row, end_col = offset_position(report, edit.end, end=True)
        replacement: dict[str, Any] = {
            "deletedRegion": {
                "startLine": start_row,
                "startColumn": start_col,
                "endLine": end_row,
                "endColumn": end_col,
            }
        }
        if edit.content:
            replacement["insertedContent"] = {"text": edit.content}
        replacements.append(replacement)
    return {
        "description": {"text": fix.message},
        "artifactChanges": [{"artifactLocation": location, "replacements": replacements}],
        "properties": {"applicability": fix.applicability.value, "reason": fix.reason},
    }


def result_properties(report: FileReport, diagnostic: Diagnostic) -> dict[str, Any]:
    """What a result carries beyond SARIF's own fields: the notebook cell its rows count in,
    and (DESIGN, profile-guided mode) the profile annotation."""
    cell = position(report, diagnostic).cell
    properties: dict[str, Any] = {"cell": cell} if cell is not None else {}
    if diagnostic.profile is not None:
        properties["profile"] = profile_object(diagnostic)
    return properties


def _result(
    report: FileReport, diagnostic: Diagnostic, rule_index: int, fingerprint: str
) -> dict[str, Any]:
    location = artifact_location(report)
    result: dict[str, Any] = {
        "ruleId": diagnostic.code,
        "ruleIndex": rule_index,
        "level": _level(diagnostic.code),
        "message": {"text": diagnostic.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": location,
                    "region": _region(position(report, diagnostic)),
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    if diagnostic.fix is not None:
        result["fixes"] = [_fix(report, diagnostic.fix, location)]
    properties = result_properties(report, diagnostic)
    if properties:
        result["properties"] = properties
    return result
