"""Output formats other than the reports: JUnit XML for CI, and Gradescope's results.json. Adapters over results.

Both take the result as students may see it (``policy.withhold`` already applied).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from .models import INVALID_SUBMISSION, SYNTAX_ERROR, CheckResult, SubmissionResult

__all__ = ["FORMATS", "gradescope_results", "junit_xml"]

FORMATS = ("junit", "gradescope")


def _check_text(check: CheckResult) -> str:
    parts = [check.message]
    if check.expected is not None:
        parts.append(f"Expected:\n{check.expected}")
    if check.got is not None:
        parts.append(f"Got:\n{check.got}")
    if check.location is not None and not check.passed:
        where = check.location.describe() + (f": {check.location.code}" if check.location.code else "")
        parts.append(f"Where to look: {where}")
    if check.flags:
        parts.append("Flags: " + ", ".join(check.flags))
    return "\n\n".join(p for p in parts if p)


# What XML 1.0 cannot hold, even escaped: C0 controls but tab, newline and return; surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    """Student text as XML may hold it: each character XML 1.0 forbids becomes a visible escape such as \\x1b."""
    return _NOT_XML.sub(lambda m: ascii(m.group())[1:-1], text)


def junit_xml(results: Iterable[SubmissionResult]) -> str:
    """One <testsuite> per submission, one <testcase> per check; failures and errors carry the messages."""
    suites = ET.Element("testsuites", name="grader")
    for result in results:
        failures = sum(c.status == "failed" for c in result.checks)
        errors = sum(c.status == "error" for c in result.checks)
        suite = ET.SubElement(suites, "testsuite", name=_xml(result.submission), tests=str(len(result.checks)),
                              failures=str(failures), errors=str(errors), time=f"{result.duration_s:.3f}")
        properties = ET.SubElement(suite, "properties")
        for name, value in (("score", f"{result.score:g}"), ("max_score", f"{result.max_score:g}"),
                            ("assignment", result.assignment), ("seed", str(result.seed))):
            ET.SubElement(properties, "property", name=name, value=_xml(value))
        for check in result.checks:
            case = ET.SubElement(suite, "testcase", classname=_xml(f"{result.submission}.{check.function}"),
                                 name=_xml(check.id), time=f"{check.duration_s:.3f}")
            if check.status != "passed":
                tag = "failure" if check.status == "failed" else "error"
                node = ET.SubElement(case, tag, message=_xml(check.message[:500]),
                                     type=_xml(",".join(check.flags) or tag))
                node.text = _xml(_check_text(check))
        for problem in result.problems:
            if problem.kind in (INVALID_SUBMISSION, SYNTAX_ERROR):
                ET.SubElement(suite, "system-err").text = _xml(problem.message)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def gradescope_results(result: SubmissionResult) -> str:
    """Gradescope's autograder results.json for one submission."""
    tests = []
    for number, check in enumerate(result.checks, start=1):
        tests.append({
            "name": check.id,
            "number": str(number),
            "score": check.score,
            "max_score": check.max_score,
            "status": "passed" if check.passed else "failed",
            "output": _check_text(check),
            "output_format": "text",
            "tags": list(check.flags),
            "visibility": "visible",
        })
    summary = [f"Score: {result.score:g} / {result.max_score:g}"]
    if result.late is not None and result.late.days_late:
        summary.append(f"Late by {result.late.days_late} day(s): {result.late.penalty:.0%} of "
                       f"{result.late.raw_score:g} points taken away.")
    if result.hidden_until:
        summary.append(f"The checks' details are withheld until {result.hidden_until}.")
    summary += [p.message for p in result.problems if p.kind in (INVALID_SUBMISSION, SYNTAX_ERROR)]
    data = {
        "score": result.score,
        "execution_time": round(result.duration_s, 3),
        "output": "\n".join(summary),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    return json.dumps(data, indent=2, allow_nan=False) + "\n"
