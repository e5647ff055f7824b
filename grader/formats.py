"""Output formats other than the reports: JUnit XML for CI, and Gradescope's results.json. Adapters over results.

Both take the result as students may see it (``policy.withhold`` already applied). Both stay well-formed whatever a
student writes: results hold only printable text (``bounds``), and every string is passed through
``bounds.printable`` again here, so that not even a result built some other way can put a character that XML 1.0
forbids into junit.xml. ``write_junit`` writes one ``<testsuite>`` at a time, for batches of any size.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from pathlib import Path

from .bounds import printable
from .models import INVALID_SUBMISSION, SYNTAX_ERROR, CheckResult, SubmissionResult

__all__ = ["FORMATS", "gradescope_results", "junit_xml", "write_junit"]

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
    return printable("\n\n".join(p for p in parts if p))


def _suite(result: SubmissionResult) -> ET.Element:
    """The <testsuite> of one submission: one <testcase> per check; failures and errors carry the messages."""
    failures = sum(c.status == "failed" for c in result.checks)
    errors = sum(c.status == "error" for c in result.checks)
    suite = ET.Element("testsuite", name=printable(result.submission), tests=str(len(result.checks)),
                       failures=str(failures), errors=str(errors), time=f"{result.duration_s:.3f}")
    properties = ET.SubElement(suite, "properties")
    for name, value in (("score", f"{result.score:g}"), ("max_score", f"{result.max_score:g}"),
                        ("assignment", result.assignment), ("seed", str(result.seed))):
        ET.SubElement(properties, "property", name=name, value=printable(value))
    for check in result.checks:
        case = ET.SubElement(suite, "testcase", classname=printable(f"{result.submission}.{check.function}"),
                             name=printable(check.id), time=f"{check.duration_s:.3f}")
        if check.status != "passed":
            tag = "failure" if check.status == "failed" else "error"
            node = ET.SubElement(case, tag, message=printable(check.message[:500]),
                                 type=printable(",".join(check.flags)) or tag)
            node.text = _check_text(check)
    for problem in result.problems:
        if problem.kind in (INVALID_SUBMISSION, SYNTAX_ERROR):
            ET.SubElement(suite, "system-err").text = printable(problem.message)
    return suite


def _junit_parts(results: Iterable[SubmissionResult]) -> Iterator[str]:
    yield '<?xml version="1.0" encoding="utf-8"?>\n<testsuites name="grader">\n'
    for result in results:
        suite = _suite(result)
        ET.indent(suite, level=1)
        yield "  " + ET.tostring(suite, encoding="unicode") + "\n"
    yield "</testsuites>\n"


def junit_xml(results: Iterable[SubmissionResult]) -> str:
    """One <testsuite> per submission, one <testcase> per check; failures and errors carry the messages."""
    return "".join(_junit_parts(results))


def write_junit(results: Iterable[SubmissionResult], path: Path) -> Path:
    """``junit_xml(results)`` written to ``path`` one suite at a time (atomically: a temporary file, then renamed)."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for part in _junit_parts(results):
            fh.write(part)
    os.replace(tmp, path)
    return path


def gradescope_results(result: SubmissionResult) -> str:
    """Gradescope's autograder results.json for one submission."""
    tests = []
    for number, check in enumerate(result.checks, start=1):
        tests.append({
            "name": printable(check.id),
            "number": str(number),
            "score": check.score,
            "max_score": check.max_score,
            "status": "passed" if check.passed else "failed",
            "output": _check_text(check),
            "output_format": "text",
            "tags": [printable(flag) for flag in check.flags],
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
        "output": printable("\n".join(summary)),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    return json.dumps(data, indent=2, allow_nan=False) + "\n"
