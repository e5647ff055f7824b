"""Build learning-platform downloads the way each platform names them, from the rules in docs/lms.md, and read
feedback zips and grade CSVs the way each platform matches them. The platforms' rules are written out here
independently of grader/lms.py, so a test compares the two."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Student:
    name: str  # Canvas: sortable name "Last, First"; Moodle: full name "First Last"
    user_id: int
    files: list[tuple[int, str, bytes]] = field(default_factory=list)  # (attachment id, display name, bytes)
    late: bool = False
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    email: str = ""


# -- Canvas: lib/content_zipper.rb (get_filename, sanitize_user_name, sanitize_file_name, add_upload_submission) --

def canvas_prefix(student: Student) -> str:
    name = re.sub(r"_(\d+)_", r"\1", student.name).lower()
    parts = (name, "LATE" if student.late else None, str(student.user_id))
    joined = "_".join(part for part in parts if part is not None)
    return re.sub(r"[^\w]", "", joined)


def canvas_zip(path: Path, students: list[Student], *, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for student in students:
            for attachment, display, data in student.files:
                safe = re.sub(r'[\x00/\\:*?"<>|]+', "_", display)
                zf.writestr(f"{canvas_prefix(student)}_{attachment}_{safe}", data)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


def canvas_matches(filename: str, submissions: dict[int, set[int]]) -> int | None:
    """Canvas's "Re-upload submissions" (infer_comment_context_from_filename): the user the file is attached to,
    or None when Canvas ignores it. ``submissions`` maps each user id to the attachment ids of their current
    submission."""
    base = filename.rsplit("/", 1)[-1]
    pieces = [p for p in base.split("_") if p != "LATE"]
    numbers = [p for p in pieces if re.fullmatch(r"\d+", p)]
    if len(numbers) < 2 or pieces[-1].startswith("link") or base.startswith("._"):
        return None
    user, attachment = int(numbers[0]), int(numbers[1])
    return user if attachment in submissions.get(user, set()) else None


def canvas_roster(path: Path, students: list[Student], column: str, points: float) -> Path:
    """A gradebook export as Canvas writes it (Student, ID, SIS User ID, SIS Login ID, Section, assignments...)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column, "Current Score"])
        out.writerow(["    Points Possible", "", "", "", "", f"{points:g}", "(read only)"])
        for s in students:
            out.writerow([s.name, s.user_id, s.sis_user_id, s.sis_login_id, s.section, "", ""])
    return path


def canvas_import(text: str) -> tuple[list[str], dict[str, str], list[dict[str, str]]]:
    """Read a CSV as Canvas's gradebook importer does: (header, points possible row, student rows). Raises
    AssertionError where Canvas would refuse the header."""
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1], header
    assert re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3]), header
    assert "Section" in header[4], header
    points = {}
    students = []
    for row in rows[1:]:
        record = dict(zip(header, row))
        if "Points Possible" in row[0]:
            points = record
        else:
            students.append(record)
    return header, points, students


# -- Moodle: mod/assign/classes/downloader.php (get_student_prefix, load_submissionplugin_filelist) --------------

def moodle_clean(text: str) -> str:
    return re.sub(r'[\x00-\x1f\\/:*?"<>|]', "", text)


def moodle_zip(path: Path, students: list[Student], *, folders: bool = True, legacy: bool = False,
               extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for student in students:
            prefix = moodle_clean(f"{student.name.replace('_', ' ')}_{student.user_id}")
            for _, display, data in student.files:
                if folders:
                    folder = moodle_clean(f"{prefix}_assignsubmission_file") + ("_" if legacy else "")
                    zf.writestr(f"{folder}/{display}", data)
                else:
                    zf.writestr(moodle_clean(f"{prefix}_assignsubmission_file_{display}"), data)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


def moodle_matches(member: str, participants: set[int]) -> tuple[int, str, str] | None:
    """Moodle's "Upload multiple feedback files in a zip" (is_valid_filename_for_import): (participant, plugin,
    file name) or None when Moodle ignores the file."""
    if member.endswith("/"):
        return None
    base = member.rsplit("/", 1)[-1]
    if base.startswith(".") or base.startswith("~"):
        return None
    parts = member.split("/")
    while parts:
        info = parts.pop(0).split("_", 4)
        if len(info) < 4 or not info[1].isdigit() or int(info[1]) not in participants:
            continue
        if (info[2], info[3]) not in {("assignfeedback", "file"), ("assignsubmission", "file")}:
            continue
        rest = info[4] if len(info) == 5 else ""
        return int(info[1]), f"{info[2]}_{info[3]}", "/".join([rest, *parts]).strip("/")
    return None


MOODLE_COLUMNS = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                  "Grade can be changed", "Last modified (submission)", "Last modified (grade)", "Feedback comments"]


def moodle_worksheet(path: Path, students: list[Student], maximum: float) -> Path:
    """An offline grading worksheet as Moodle's grading table downloads it."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(MOODLE_COLUMNS)
        for s in students:
            status = "Submitted for grading" if s.files else "No submission"
            out.writerow([f"Participant {s.user_id}", s.name, s.email, status, "", f"{maximum:.2f}", "Yes",
                          "Monday, 1 December 2025, 11:00 PM" if s.files else "-", "-", ""])
    return path


def moodle_import(text: str) -> dict[int, dict[str, str]]:
    """Read a worksheet as Moodle's offline grade importer does: the Identifier, Grade and Last modified (grade)
    columns must exist; the participant id is what follows "Participant "."""
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    for required in ("Identifier", "Grade", "Last modified (grade)"):
        assert required in header, f"Moodle refuses a worksheet without {required!r}: {header}"
    out = {}
    for row in rows[1:]:
        record = dict(zip(header, row))
        out[int(record["Identifier"][len("Participant "):])] = record
    return out
