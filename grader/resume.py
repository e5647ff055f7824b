"""Resume: whether a result stored in the gradebook still holds, and the files of a reused result brought up to
date without rendering them again when they already are.

A reused result is read without its figures (``Gradebook.find_row(..., figures=False)``): its files are compared
with the stored result in the gradebook (``Gradebook.same_file``), and the whole result is read and rendered only
when a file differs (missing, changed on disk, details withheld or released since). An unchanged rerun therefore
parses no figure data in Python and renders nothing.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import datetime
from pathlib import Path

from .assignment import Assignment
from .discovery import Submission
from .engine import Graded, file_names, finish
from .gradebook import Gradebook
from .models import SubmissionResult
from .policy import hides, iso, withhold

__all__ = ["refresh", "reusable", "write_result"]


def reusable(previous: SubmissionResult | None, when: str | None, deadline: str | None,
             assignment: Assignment) -> bool:
    """A stored result still holds when the late policy would judge the same submission time by the same
    deadline (an extension granted since means grading again)."""
    if previous is None:
        return False
    if assignment.late is None or when is None:
        return assignment.late is None or previous.late is None
    wanted = deadline or iso(assignment.late.deadline)
    return previous.late is not None and previous.late.submitted_at == when and previous.late.deadline == wanted


def _stale(folder: Path, shown: SubmissionResult, formats: tuple[str, ...], book: Gradebook,
           figures: int | None) -> bool:
    """Whether the files on disk differ from what would be written now (a file missing, details released since):
    results.json holds everything the reports are rendered from, so an unchanged one means unchanged reports, and
    an unchanged result is never rendered again.

    ``shown`` is the result as students may see it, read without its figures; ``figures`` is the gradebook row
    whose figures it shows (None when they are withheld). The gradebook compares results.json with them as data
    (``Gradebook.same_file``): the figure data in SQLite, never parsed or bounded again in Python."""
    if not all((folder / name).is_file() for name in file_names(formats)):
        return True
    try:
        text = (folder / "results.json").read_text(encoding="utf-8")
    except (OSError, ValueError):
        return True
    return not book.same_file(text, shown, figures)


def refresh(book: Gradebook, found: tuple[int, SubmissionResult], submission: Submission, folder: Path,
            assignment: Assignment, formats: tuple[str, ...], now: datetime) -> None:
    """Write the files of a reused result again when they differ from what would be written now. ``found`` holds
    the result read without its figures: the whole of it is read, and rendered, only when a file is stale."""
    row, previous = found
    previous = _as_handed_in(previous, submission)
    hidden = hides(assignment.hidden_until, now)  # then no figure is shown: the result without them is all it takes
    if _stale(folder, withhold(previous, assignment.hidden_until, now), formats, book, None if hidden else row):
        whole = previous if hidden else _as_handed_in(book.read(row), submission)
        write_result(finish(whole, assignment, formats=formats, now=now), folder)


def _as_handed_in(result: SubmissionResult, submission: Submission) -> SubmissionResult:
    """A stored result with the identity of the submission as handed in now."""
    if result.identity == submission.identity:
        return result
    return dataclasses.replace(result, identity=submission.identity)


def write_result(graded: Graded, folder: Path) -> None:
    """Write one submission's files (results.json, report.html, report.md) atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in graded.files:
        tmp = folder / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, folder / name)
