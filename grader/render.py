"""The last stage: turn a ``SubmissionResult`` into feedback a stuck student can act on.

Two reports are produced from one template context: a self-contained HTML page and a Markdown document (readable
as plain text, and in GitHub's renderer, e.g. a job's step summary). For every failed check they name the mistake,
show what was expected and what came back, point to the cell and line, and explain the concept behind it with a
lesson. Each lesson's text is shown once per report; later mentions refer back to it.

Figures (``result.figures``: plain numbers computed by report-only checks) are drawn as inline SVG: ``figures.py``
turns each figure's data into screen geometry (coordinates, ticks, paths), and one jinja macro per figure kind in
``figures.html.j2`` writes the SVG. A figure whose data cannot be drawn is shown as its title and caption only.

Text written by students (messages that quote their values, ``got``, code lines, printed output, the submission
id) is never trusted: control characters become visible escapes here, the HTML template is autoescaped, and the
Markdown filters of ``templating.py`` escape or fence the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .figures import figure_views
from .lessons import facts_of, generic_lessons, holds, resolve, scoped
from .models import QUIET_KINDS, CheckResult, Figure, Location, SubmissionResult
from .templating import environment, number, percent, render, slug

__all__ = ["lessons_for", "prepare", "render_html", "render_markdown", "render_reports", "report_context",
           "write_reports"]

_STATUS_LABELS: Mapping[str, str] = MappingProxyType(
    {"passed": "All passed", "failed": "Some failed", "error": "Error"}
)
_STATUS_SYMBOLS: Mapping[str, str] = MappingProxyType({"passed": "✓", "failed": "✗", "error": "⚠"})
_CHECK_LABELS: Mapping[str, str] = MappingProxyType({"passed": "Passed", "failed": "Failed", "error": "Error"})



# ---------------------------------------------------------------------------------------------------------------
# Lessons


def _normalise_lesson(key: str, entry: Any, facts: Mapping[str, Any]) -> dict[str, str] | None:
    """The lesson as the templates show it, told for these facts (``grader.lessons.resolve``), or None."""
    return resolve(key, entry, facts)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))


def _check_lesson_keys(check: CheckResult) -> list[str]:
    """The lesson keys for one check, most specific first: its lesson, its flags, then its function."""
    keys = [check.lesson or "", *check.flags]
    if not check.passed:
        keys.append(f"function:{check.function}")
    return _unique(keys)


def lessons_for(
    result: SubmissionResult, assignment_lessons: Mapping[str, Mapping[str, Any]]
) -> dict[str, Mapping[str, Any]]:
    """The lessons a report on ``result`` may tell, as ``{key: entry}`` (``title``, ``text`` and the optional
    ``when``, ``extra`` and ``idea`` of ``grader.lessons``).

    Keys are the whole submission's problem kinds and flags, then for each check its ``lesson`` key and flags,
    and ``function:<name>`` for each function with a failed or errored check. Each key is looked up in the
    assignment's lessons first, then in the engine's generic ones; keys with no lesson anywhere are left out.
    Whether a lesson is told, and in which words, is decided where it is mentioned, from the submission's facts.
    """
    generic = generic_lessons()
    keys = _unique(
        [
            *(problem.kind for problem in result.problems),
            *result.flags,
            *(key for check in result.checks for key in _check_lesson_keys(check)),
        ]
    )
    found: dict[str, Mapping[str, Any]] = {}
    for key in keys:
        entry = assignment_lessons.get(key) if key in assignment_lessons else generic.get(key)
        if isinstance(entry, Mapping):
            found[key] = entry
    return found


class _LessonRefs:
    """Hands out lesson references in reading order: each idea is explained once, at its first mention, and later
    mentions of it (by the same lesson or another of the same idea) refer back to that explanation. A lesson whose
    condition does not hold for this submission's facts is never told."""

    def __init__(self, lessons: Mapping[str, Mapping[str, Any]], facts: Mapping[str, Any]) -> None:
        self._lessons = lessons
        self._facts = facts
        self._anchors: dict[str, dict[str, str]] = {}  # idea -> the lesson that explained it
        self.used: list[dict[str, str]] = []

    def _ref(self, key: str, function: str | None) -> dict[str, Any] | None:
        lesson = _normalise_lesson(key, self._lessons.get(key), scoped(self._facts, function))
        if lesson is None:
            return None
        told = self._anchors.get(lesson["idea"])
        if told is not None:
            return {**told, "first": False}
        told = {"key": key, **lesson, "anchor": f"lesson-{len(self._anchors) + 1}-{slug(key)}"}
        self._anchors[lesson["idea"]] = told
        self.used.append(told)
        return {**told, "first": True}

    def refs(self, keys: Iterable[str]) -> list[dict[str, Any]]:
        """One reference per idea among ``keys`` (each key a lesson of its own)."""
        out: dict[str, dict[str, Any]] = {}
        for key in _unique(keys):
            ref = self._ref(key, None)
            if ref is not None:
                out.setdefault(ref["anchor"], ref)
        return list(out.values())

    def best(self, keys: Iterable[str], function: str) -> list[dict[str, Any]]:
        """The one lesson of a failed check of ``function``: the most specific of ``keys`` that this submission's
        facts allow."""
        for key in _unique(keys):
            ref = self._ref(key, function)
            if ref is not None:
                return [ref]
        return []


# ---------------------------------------------------------------------------------------------------------------
# Context


def _where(location: Location | None) -> dict[str, Any]:
    if location is None:
        return {"where": None, "code": ""}
    return {"where": location.describe(), "code": location.code.rstrip()}


def _heading(kind: str, lessons: Mapping[str, Mapping[str, Any]], facts: Mapping[str, Any]) -> str:
    lesson = _normalise_lesson(kind, lessons.get(kind), facts)
    return lesson["title"] if lesson else kind.replace("-", " ").capitalize()


def _check_name(check: CheckResult) -> str:
    prefix = f"{check.function}::"
    return check.id[len(prefix) :] if check.id.startswith(prefix) else check.id


def _function_status(checks: list[CheckResult]) -> str:
    if any(c.status == "error" for c in checks):
        return "error"
    if any(c.status == "failed" for c in checks):
        return "failed"
    return "passed"


def _check_row(check: CheckResult, index: int, refs: _LessonRefs | None) -> dict[str, Any]:
    default = "This check raised an error." if check.status == "error" else "This check did not pass."
    return {
        **check.to_dict(),
        "name": _check_name(check),
        "message": check.message.strip() or default,
        "score_text": number(check.score),
        "max_text": number(check.max_score),
        "status_label": _CHECK_LABELS[check.status],
        "status_symbol": _STATUS_SYMBOLS[check.status],
        "anchor": f"check-{index + 1}-{slug(_check_name(check))}",
        **_where(check.location),
        "lessons": refs.best(_check_lesson_keys(check), check.function) if refs is not None else [],
    }


# Control characters (other than newline and tab) shown as visible escapes: student text must not be able to
# drive a terminal that displays report.md (ESC sequences, backspaces, carriage returns) or hide in the HTML.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _printable(value: Any) -> Any:
    """``value`` with every control character in its strings replaced by a visible escape such as ``\\x1b``."""
    if isinstance(value, str):
        return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value.replace("\r\n", "\n"))
    if isinstance(value, dict):
        return {k: _printable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_printable(v) for v in value)
    return value


def _late_text(result: SubmissionResult) -> str:
    late = result.late
    marked = result.identity is not None and result.identity.late
    if late is None:
        if marked:
            assert result.identity is not None
            return (f"{result.identity.platform.capitalize()} marked this submission late; no submission time was "
                    "given to the grader, so no late penalty was applied here.")
        return ""
    if late.extension:
        extended = f"Your deadline was extended to {late.deadline}. "
        if late.days_late == 0:
            return f"{extended}On time (submitted {late.submitted_at})."
        return (f"{extended}Submitted {late.submitted_at}, {late.days_late} day(s) after it: "
                f"{late.penalty:.0%} of your {number(late.raw_score)} points were taken away.")
    if late.days_late == 0:
        return f"On time (submitted {late.submitted_at}, deadline {late.deadline})."
    return (f"Submitted {late.submitted_at}, {late.days_late} day(s) after the deadline ({late.deadline}): "
            f"{late.penalty:.0%} of your {number(late.raw_score)} points were taken away.")


def _function_rows(
    result: SubmissionResult, refs: _LessonRefs
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """One row per function (score, maximum, status); its failed and errored checks; its passed checks."""
    by_function: dict[str, list[tuple[int, CheckResult]]] = {}
    for index, check in enumerate(result.checks):
        by_function.setdefault(check.function, []).append((index, check))

    functions: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    passed: list[dict[str, Any]] = []
    for position, (name, (score, most)) in enumerate(result.function_scores().items(), start=1):
        indexed = by_function[name]
        checks = [c for _, c in indexed]
        status = _function_status(checks)
        bad = [c for c in checks if not c.passed]
        anchor = f"fn-{position}-{slug(name)}"
        texts = {"score_text": number(score), "max_text": number(most), "status": status}
        functions.append({
            "name": name, "score": score, "max_score": most, **texts,
            "status_label": _STATUS_LABELS[status], "status_symbol": _STATUS_SYMBOLS[status],
            "checks": len(checks), "passed": len(checks) - len(bad), "anchor": anchor if bad else None,
        })
        if bad:
            failures.append({"function": name, "anchor": anchor, **texts,
                             "checks": [_check_row(c, i, refs) for i, c in indexed if not c.passed]})
        good = [_check_row(c, i, None) for i, c in indexed if c.passed]
        if good:
            passed.append({"function": name, "checks": good})
    return functions, failures, passed


def _told_figures(result: SubmissionResult) -> list[Figure]:
    """The figures with the sentences of their ``notes`` (``{"when", "text"}``) whose condition holds for this
    submission added to the caption: a figure explains itself where it seems to disagree with a check."""
    facts = facts_of(result)
    told = []
    for figure in result.figures:
        notes = figure.data.get("notes")
        extra = [str(note.get("text") or "").strip() for note in (notes if isinstance(notes, (list, tuple)) else ())
                 if isinstance(note, Mapping) and holds(note.get("when"), facts)]
        caption = " ".join(part for part in (figure.caption.strip(), *extra) if part)
        told.append(Figure(kind=figure.kind, title=figure.title, caption=caption, data=figure.data)
                    if extra else figure)
    return told


def report_context(
    result: SubmissionResult, *, title: str, lessons: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """Everything the report templates show, as plain dicts, lists, strings and numbers.

    ``result`` holds ``result.to_dict()`` less its figures' data (they are under ``figures``, drawn); the other
    keys are derived: score texts and percentage, one row per
    function (score, maximum, status), the failed and errored checks grouped by function with their lessons,
    the passed checks, the whole-submission problems, every lesson used (in reading order, each once), and the
    figures as SVG geometry (``figure_views``).
    ``lessons`` is usually ``lessons_for(result, assignment.lessons)``.
    """
    facts = facts_of(result)
    refs = _LessonRefs(lessons, facts)
    percentage = 100.0 * result.score / result.max_score if result.max_score > 0 else 0.0
    # Top-level statements that raised while the definitions loaded, and reader warnings: worth knowing, but
    # they cost no points, so they are shown quietly at the end rather than as problems.
    load_notes = [{"message": problem.message, **_where(problem.location)}
                  for problem in result.problems if problem.kind in QUIET_KINDS]
    # Built in the order the templates show them, so each lesson is explained at its first mention.
    problems = [{**problem.to_dict(), "heading": _heading(problem.kind, lessons, facts), **_where(problem.location),
                 "lessons": refs.refs([problem.kind])}
                for problem in result.problems if problem.kind not in QUIET_KINDS]
    covered = {p.kind for p in result.problems} | {
        key for check in result.checks for key in _check_lesson_keys(check) if not check.passed
    }
    notes = refs.refs(flag for flag in result.flags if flag not in covered)
    functions, failures, passed = _function_rows(result, refs)
    counts = {status: sum(1 for c in result.checks if c.status == status) for status in ("passed", "failed", "error")}
    context: dict[str, Any] = _printable({
        "result": {**result.to_dict(), "figures": [{**f.to_dict(), "data": {}} for f in result.figures]},
        "title": title,
        "submission": result.submission,
        "graded": bool(result.checks),
        "score_text": number(result.score),
        "max_text": number(result.max_score),
        "percentage": round(percentage, 1),
        "percentage_text": percent(result.score, result.max_score, empty="0%"),
        "flags": list(result.flags),
        "seed": result.seed,
        "sandbox": list(result.sandbox),
        "duration_text": f"{result.duration_s:.1f} s",
        "late_text": _late_text(result),
        "hidden_text": (f"The checks' details are withheld until {result.hidden_until}; your score is final."
                        if result.hidden_until else ""),
        "counts": counts,
        "problems": problems,
        "load_notes": load_notes,
        "notes": notes,
        "functions": functions,
        "failures": failures,
        "passed": passed,
        "output": result.output.rstrip("\n"),
        "lessons": refs.used,
        "figures": figure_views(_told_figures(result)),
    })
    return context


# ---------------------------------------------------------------------------------------------------------------
# Rendering


def render_html(result: SubmissionResult, *, title: str, lessons: Mapping[str, Mapping[str, Any]]) -> str:
    """The feedback report as one self-contained HTML page (inline CSS, no external resources)."""
    context = report_context(result, title=title, lessons=lessons)
    return render("report.html.j2", context)


def render_markdown(result: SubmissionResult, *, title: str, lessons: Mapping[str, Mapping[str, Any]]) -> str:
    """The feedback report as Markdown, readable as plain text and in GitHub's renderer."""
    context = report_context(result, title=title, lessons=lessons)
    return render("report.md.j2", context)


def render_reports(result: SubmissionResult, *, title: str, lessons: Mapping[str, Mapping[str, Any]]
                   ) -> tuple[str, str]:
    """The report as HTML and as Markdown, from one report context (its figure geometry included): the same as
    ``render_html`` and ``render_markdown`` at the cost of one."""
    context = report_context(result, title=title, lessons=lessons)
    return render("report.html.j2", context), render("report.md.j2", context)


def prepare() -> None:
    """Compile the report's templates now, in this process (about 80 CPU-ms).

    A batch's coordinator calls it before it forks its workers, which then start with the compiled templates instead
    of each compiling its own."""
    for name in ("report.html.j2", "report.md.j2", "figures.html.j2"):
        environment().get_template(name)


def write_reports(
    result: SubmissionResult, out_dir: Path, *, title: str, lessons: Mapping[str, Mapping[str, Any]]
) -> tuple[Path, Path]:
    """Write ``report.html`` and ``report.md`` into ``out_dir`` (created if needed); return both paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / "report.html"
    md_path = out_dir / "report.md"
    page, markdown = render_reports(result, title=title, lessons=lessons)
    html_path.write_text(page, encoding="utf-8")
    md_path.write_text(markdown, encoding="utf-8")
    return html_path, md_path
