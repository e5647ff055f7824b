"""Grades and feedback back to the learning platform: Canvas's gradebook import CSV, Moodle's offline grading
worksheet, and a zip of each student's report named so the platform attaches it to the right student. The rules
each output follows, and their sources, are in docs/lms.md.

A roster is the platform's own export (Canvas: Grades > Export; Moodle: the grading worksheet). It fills what the
file names lack (SIS ids, sections; Moodle's own columns, kept as they are so the import's staleness check holds),
gives the assignment's column and points, and lists the students who handed nothing in: they get a row with an
empty grade, which both platforms' imports leave unchanged.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .assignment import Assignment
from .batch_notes import BatchNotes
from .errors import UsageError
from .gradebook import Gradebook
from .lms import CANVAS, MOODLE, canvas_feedback_name, moodle_feedback_name
from .models import SubmissionResult
from .sources import Collected

__all__ = ["MOODLE_COLUMNS", "Roster", "batch_notes", "read_roster", "write_feedback_zip", "write_platform_csv"]

_CANVAS_STUDENT = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
_CANVAS_NOT_ASSIGNMENTS = re.compile(r"Current Score|Current Points|Current Grade|Final Score|Final Points|"
                                     r"Final Grade|Override Score|Override Grade|Override Status|Integration ID|"
                                     r"Root Account")
MOODLE_COLUMNS = ("Identifier", "Full name", "Status", "Grade", "Maximum Grade", "Grade can be changed",
                  "Last modified (submission)", "Last modified (grade)", "Feedback comments")
_MAX_ROSTER_BYTES = 32 * 2**20


@dataclass(frozen=True, slots=True, kw_only=True)
class Roster:
    """A platform's export, as read: its header, its student rows, and (Canvas) its Points Possible row."""

    platform: str
    header: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    points: dict[str, str]


def read_roster(path: Path, platform: str) -> Roster:
    """Read a Canvas gradebook export or a Moodle grading worksheet; ``UsageError`` says what is wrong."""
    try:
        raw = path.read_bytes()[: _MAX_ROSTER_BYTES + 1]
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the roster ({exc.strerror})") from None
    if len(raw) > _MAX_ROSTER_BYTES:
        raise UsageError(f"{path}: larger than {_MAX_ROSTER_BYTES:,} bytes; not a roster")
    text = raw.decode("utf-8-sig", errors="replace")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise UsageError(f"{path}: empty roster")
    header = tuple(cell.strip() for cell in rows[0])
    if platform == CANVAS and not (len(header) > 3 and "Student" in header[0] and "ID" in header[1]):
        raise UsageError(f"{path}: not a Canvas gradebook export (its first columns must be Student, ID)")
    if platform == MOODLE and not {"Identifier", "Grade"} <= set(header):
        raise UsageError(f"{path}: not a Moodle grading worksheet (it needs the columns Identifier and Grade; "
                         "download it with Moodle's language set to English)")
    students: list[dict[str, str]] = []
    points: dict[str, str] = {}
    for row in rows[1:]:
        record = dict(zip(header, (cell.strip() for cell in row)))
        first = row[0] if row else ""
        if platform == CANVAS and "Points Possible" in first:
            points = record
        elif platform == CANVAS and all(re.fullmatch(r"\s*(Muted|Manual Posting.*)?\s*", c or "") for c in row):
            continue
        elif any(row):
            students.append(record)
    return Roster(platform=platform, header=header, rows=tuple(students), points=points)


def _safe_cell(text: str) -> str:
    """Text a spreadsheet will not run as a formula (a lone "-" and negative numbers stay as they are)."""
    if text[:1] in ("=", "+", "@", "\t", "\r", "\n") or (text[:1] == "-" and not re.fullmatch(r"-[\d.,]*", text)):
        return "'" + text
    return text


def _scaled(result: SubmissionResult, points: float | None) -> str:
    if points is None or result.max_score <= 0:
        return f"{result.score:g}"
    return f"{round(result.score / result.max_score * points, 2):g}"


def _number(text: str | None) -> float | None:
    try:
        return float((text or "").replace(",", "."))
    except ValueError:
        return None


def _canvas_column(assignment: Assignment, roster: Roster | None) -> str:
    """The assignment's column: "Title (id)" from the roster when one matches the title; else the title, which
    Canvas matches by name (and makes a new assignment of when nothing has that name)."""
    if roster is not None:
        fixed = len([h for h in roster.header if h in _CANVAS_STUDENT])
        for column in roster.header[fixed:]:
            title = re.sub(r"\s\(\d+\)$", "", column)
            if not _CANVAS_NOT_ASSIGNMENTS.search(column) and title.casefold() in (
                    assignment.title.casefold(), assignment.name.casefold()):
                return column
    return assignment.title or assignment.name


def _write(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        out.writerows([_safe_cell(str(cell)) for cell in row] for row in rows)
    os.replace(tmp, path)


def _canvas_csv(results: Sequence[SubmissionResult], assignment: Assignment, path: Path,
                roster: Roster | None) -> tuple[str, ...]:
    column = _canvas_column(assignment, roster)
    points = _number(roster.points.get(column)) if roster is not None else None
    most = max((r.max_score for r in results), default=0.0)
    by_id = {row.get("ID", ""): row for row in roster.rows} if roster is not None else {}
    rows: list[list[str]] = [["Points Possible", "", "", "", "", f"{points if points is not None else most:g}"]]
    seen: set[str] = set()
    for result in results:
        who = result.identity
        user = who.user_id if who is not None and who.platform == CANVAS and who.user_id.isdigit() else ""
        known = by_id.get(user, {}) if user else {}
        seen.add(user)
        name = known.get("Student") or (who.name if who is not None else result.submission)
        rows.append([name, user, known.get("SIS User ID", ""), known.get("SIS Login ID", ""),
                     known.get("Section", ""), _scaled(result, points)])
    missing = []
    for student in roster.rows if roster is not None else ():
        if student.get("ID", "") not in seen:
            missing.append(student.get("Student", "") or student.get("ID", ""))
            rows.append([student.get(h, "") for h in _CANVAS_STUDENT] + [""])
    _write(path, [*_CANVAS_STUDENT, column], rows)
    return tuple(missing)


def _comment(result: SubmissionResult) -> str:
    text = f"Autograder: {result.score:g} of {result.max_score:g} points. The attached report explains each check."
    if result.late is not None and result.late.days_late:
        text += f" {result.late.days_late} day(s) late: {result.late.penalty:.0%} taken away."
    return text


def _moodle_csv(results: Sequence[SubmissionResult], path: Path, roster: Roster | None) -> tuple[str, ...]:
    by_participant = {r.identity.user_id: r for r in results
                      if r.identity is not None and r.identity.platform == MOODLE}
    header = list(roster.header) if roster is not None else list(MOODLE_COLUMNS)
    rows: list[list[str]] = []
    missing = []
    done: set[str] = set()
    for record in roster.rows if roster is not None else ():
        participant = re.sub(r"^\D*", "", record.get("Identifier", ""))
        result = by_participant.get(participant)
        row = dict(record)
        if result is None:
            missing.append(record.get("Full name", "") or record.get("Identifier", ""))
        else:
            done.add(participant)
            row["Grade"] = _scaled(result, _number(record.get("Maximum Grade")))
            if "Feedback comments" in row:
                row["Feedback comments"] = _comment(result)
        rows.append([row.get(h, "") for h in header])
    for participant, result in sorted(by_participant.items()):
        if participant in done:
            continue
        assert result.identity is not None
        row = {"Identifier": f"Participant {participant}", "Full name": result.identity.name,
               "Status": "Submitted for grading", "Grade": f"{result.score:g}",
               "Maximum Grade": f"{result.max_score:g}", "Grade can be changed": "Yes",
               "Feedback comments": _comment(result)}
        rows.append([row.get(h, "") for h in header])
    _write(path, header, rows)
    return tuple(missing)


def write_platform_csv(results: Sequence[SubmissionResult], assignment: Assignment, path: Path, *, layout: str,
                       roster: Roster | None = None) -> tuple[str, ...]:
    """Write the grades in the platform's import layout (``canvas`` or ``moodle``); returns the roster's students
    who have no submission (they are in the file with an empty grade)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if layout == CANVAS:
        return _canvas_csv(results, assignment, path, roster)
    return _moodle_csv(results, path, roster)


def write_feedback_zip(results: Sequence[SubmissionResult], out_dir: Path, target: Path) -> tuple[str, ...]:
    """Zip each platform student's report.html under the name their platform attaches to them; returns the
    submissions left out (no platform identity, or a Canvas file with no attachment id)."""
    left_out = []
    tmp = target.with_name(f".{target.name}.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for result in results:
            who = result.identity
            report = out_dir / result.submission / "report.html"
            if who is None or (who.platform == CANVAS and not who.attachment) or not report.is_file():
                left_out.append(result.submission)
                continue
            name = canvas_feedback_name(who) if who.platform == CANVAS else moodle_feedback_name(who)
            zf.writestr(name, report.read_bytes())
    os.replace(tmp, target)
    return tuple(left_out)


def batch_notes(collected: Collected, *, missing: Sequence[str], book: Path) -> BatchNotes:
    """The summary's notes: superseded files, missing students, other members and changed scores."""
    with Gradebook(book) as gradebook:
        changes = gradebook.score_changes()
    return BatchNotes(platform=collected.platform, superseded=tuple((s.id, s.label, s.by) for s in
                                                                    collected.superseded),
                      missing=tuple(missing), others=tuple((o.label, o.reason) for o in collected.others),
                      changes=changes)
