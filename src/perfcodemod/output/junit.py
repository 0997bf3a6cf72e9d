"""``junit``: a JUnit XML report, as ruff writes it, for CI systems that show test reports.

One ``testsuite`` per file (its path as named), one failing ``testcase`` per diagnostic named
``org.perfcodemod.CODE`` with the file's path without extension as ``classname``, ``line`` and
``column`` attributes, a ``severity`` property, and the message as the failure's ``message`` and
(after ``line R, col C,``) its text. A clean run is one passing case, "No errors found".
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence

from perfcodemod.api import FileReport
from perfcodemod.output.locations import position
from perfcodemod.output.options import Options
from perfcodemod.output.severity import severity

PROGRAM = "perfcodemod"
PACKAGE = f"org.{PROGRAM}"
#: Characters XML 1.0 cannot hold, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _suite(
    parent: ElementTree.Element, name: str, cases: int, failures: int
) -> ElementTree.Element:
    return ElementTree.SubElement(parent, "testsuite", {
        "name": _xml_text(name), "tests": str(cases), "disabled": "0", "errors": "0",
        "failures": str(failures), "package": PACKAGE,
    })


def render(reports: Sequence[FileReport], options: Options) -> str:
    by_path: dict[str, list[FileReport]] = {}
    for report in reports:
        if report.diagnostics:
            by_path.setdefault(report.path, []).append(report)
    total = sum(len(r.diagnostics) for group in by_path.values() for r in group)
    root = ElementTree.Element("testsuites", {
        "name": PROGRAM, "tests": str(total), "failures": str(total), "errors": "0",
    })
    if not by_path:
        suite = _suite(root, PROGRAM, 1, 0)
        ElementTree.SubElement(suite, "testcase", {"name": "No errors found", "classname": PROGRAM})
    for path in sorted(by_path):
        found = [(r, d) for r in by_path[path] for d in r.diagnostics]
        suite = _suite(root, path, len(found), len(found))
        classname = _xml_text(re.sub(r"\.[^./\\]*$", "", path))
        for report, diagnostic in found:
            where = position(report, diagnostic)
            case = ElementTree.SubElement(suite, "testcase", {
                "name": f"{PACKAGE}.{diagnostic.code}", "classname": classname,
                "line": str(where.row), "column": str(where.col),
            })
            properties = ElementTree.SubElement(case, "properties")
            ElementTree.SubElement(properties, "property", {
                "name": "severity", "value": severity(diagnostic.code).value,
            })
            if where.cell is not None:
                ElementTree.SubElement(properties, "property", {
                    "name": "cell", "value": str(where.cell),
                })
            message = _xml_text(diagnostic.message)
            prefix = f"cell {where.cell}, " if where.cell is not None else ""
            failure = ElementTree.SubElement(case, "failure", {"message": message})
            failure.text = f"{prefix}line {where.row}, col {where.col}, {message}"
    ElementTree.indent(root, space="    ")
    body = ElementTree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
