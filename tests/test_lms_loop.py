"""The whole loop through the real `grade` command: a platform's download goes in as it is; grades come out in the
platform's import layout and feedback in a zip the platform attaches to the right students; a regrade keeps the
history and `grade diff` says whose score changed. The downloads are built from each platform's naming rules and
the outputs read back by each platform's matching rules (tests/lms_fixtures.py)."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lms_fixtures import (
    Student,
    canvas_import,
    canvas_matches,
    canvas_roster,
    canvas_zip,
    moodle_import,
    moodle_matches,
    moodle_worksheet,
    moodle_zip,
)
from test_tiny_batch import RIGHT, make_course

from grader.cli import main

HALF = RIGHT.replace("a * b", "a + b")  # mul is wrong: 2 of 3 points
BROKEN = RIGHT.replace("return a + b", "return (a + b")
LATE = '\n[late]\ndeadline = "2026-12-01T23:59:00+00:00"\npenalty_per_day = 0.1\nmax_days = 5\n'


def _course(base: Path) -> None:
    make_course(base)
    config = base / "root" / "assignments" / "duo" / "assignment.toml"
    config.write_text('title = "Duo"\n' + config.read_text() + LATE)


def _grade(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*map(str, args)], catch_exceptions=False)
    return result.exit_code, result.output


def _canvas_class() -> list[Student]:
    return [
        Student(name="Lovelace, Ada", user_id=101, files=[(9001, "duo.py", RIGHT.encode())],
                sis_user_id="S101", sis_login_id="ada", section="A"),
        Student(name="Hopper, Grace", user_id=202, late=True, sis_user_id="S202", sis_login_id="grace", section="B",
                files=[(9010, "duo.py", BROKEN.encode()), (9012, "duo-1.py", HALF.encode())]),
        Student(name="Turing, Alan", user_id=303, late=True, files=[(9020, "duo.py", RIGHT.encode())],
                sis_user_id="S303", sis_login_id="alan", section="A"),
        Student(name="Torvalds, Linus", user_id=404, sis_user_id="S404", sis_login_id="linus", section="B"),
    ]


@pytest.fixture
def canvas(tmp_path, monkeypatch):
    _course(tmp_path)
    monkeypatch.setenv("GRADER_ROOT", str(tmp_path / "root"))
    students = _canvas_class()
    link = zipfile.ZipInfo("hackermallory_505_9030_duo.py")
    link.external_attr = 0o120777 << 16
    archive = canvas_zip(tmp_path / "submissions.zip", students)
    with zipfile.ZipFile(archive, "a") as zf:  # a hostile member: a link, refused as a row of its own student
        zf.writestr(link, "/etc/passwd")
    roster = canvas_roster(tmp_path / "roster.csv", students, "Duo (4321)", 10)
    (tmp_path / "times.csv").write_text("submission,submitted_at\nlovelaceada_101,2026-12-01T20:00:00+00:00\n"
                                        "hoppergrace_202,2026-12-03T10:00:00+00:00\n"
                                        "turingalan_303,2026-12-03T10:00:00+00:00\n")
    (tmp_path / "ext.csv").write_text("student,deadline\n303,2026-12-05T23:59:00+00:00\n")
    return tmp_path, students, archive, roster


def test_canvas_download_to_gradebook_import_and_feedback_upload(canvas):
    base, students, archive, roster = canvas
    out = base / "out"
    code, output = _grade(archive, "--assignment", "duo", "--out", out, "--roster", roster, "--feedback-zip",
                          "--timestamps", base / "times.csv", "--extensions", base / "ext.csv", "--jobs", "1")
    assert code == 0, output
    header, points, rows = canvas_import((out / "gradebook.csv").read_text())
    assert header[5] == "Duo (4321)" and points["Duo (4321)"] == "10"
    by_id = {row["ID"]: row for row in rows}
    assert by_id["101"]["Duo (4321)"] == "10" and by_id["101"]["SIS Login ID"] == "ada"
    assert by_id["101"]["Student"] == "Lovelace, Ada" and by_id["101"]["Section"] == "A"
    assert by_id["202"]["Duo (4321)"] == "5.33"  # 2 of 3 points, 2 days late (20% off), on Canvas's 10
    assert by_id["303"]["Duo (4321)"] == "10"  # late by the deadline, on time by the extension
    assert by_id["404"]["Duo (4321)"] == ""  # no submission: an empty grade, which Canvas leaves unchanged
    assert by_id["505"]["Duo (4321)"] == "0"

    results = {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/results.json")}
    assert results["hoppergrace_202"]["identity"]["late"] is True
    assert results["hoppergrace_202"]["identity"]["attachment"] == "9012"  # the later file, not the first
    assert results["turingalan_303"]["late"]["extension"] is True
    assert "extended to 2026-12-05" in (out / "turingalan_303" / "report.html").read_text()
    assert "symbolic link" in results["hackermallory_505"]["problems"][0]["message"]

    current = {s.user_id: {max(a for a, _, _ in s.files)} for s in students if s.files} | {505: {9030}}
    with zipfile.ZipFile(out / "feedback.zip") as zf:
        names = zf.namelist()
        attached = {canvas_matches(name, current) for name in names}
        assert attached == {101, 202, 303, 505} and len(names) == 4
        ada = next(n for n in names if canvas_matches(n, current) == 101)
        assert zf.read(ada) == (out / "lovelaceada_101" / "report.html").read_bytes()

    notes = json.loads((out / "summary.json").read_text())["notes"]
    assert notes["missing"] == ["Torvalds, Linus"]
    [(sid, older, graded)] = notes["superseded"]
    assert sid == "hoppergrace_202" and older.endswith("_9010_duo.py") and graded.endswith("_9012_duo-1.py")
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        assert db.execute("SELECT user_id, platform FROM grades WHERE submission='lovelaceada_101'").fetchone() == (
            "101", "canvas")
        assert db.execute("SELECT COUNT(*) FROM superseded").fetchone() == (1,)
    summary = (out / "summary.html").read_text()
    assert "Torvalds, Linus" in summary and "Superseded files" in summary


def test_a_regrade_keeps_the_history_and_grade_diff_says_whose_score_changed(canvas):
    base, _, archive, _ = canvas
    out = base / "out"
    assert _grade(archive, "--assignment", "duo", "--out", out, "--jobs", "1")[0] == 0
    assert _grade("diff", "--out", out) == (0, "no score or check changed since the previous grading\n")
    grading = base / "root" / "reference" / "duo" / "grading.toml"
    grading.write_text(grading.read_text().replace('"mul::product" = 1', '"mul::product" = 2'))
    assert _grade(archive, "--assignment", "duo", "--out", out, "--jobs", "1", "--regrade")[0] == 0
    code, output = _grade("diff", "--out", out)
    assert code == 1
    assert "lovelaceada_101: 3/3 -> 4/4 (+1)" in output
    assert "mul::product: passed 1/1 -> passed 2/2" in output
    assert "hoppergrace_202: 2/3 -> 2/4 (0)" in output  # same points, out of more
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM grades WHERE submission='lovelaceada_101'").fetchone() == (2,)
    changes = json.loads((out / "summary.json").read_text())["notes"]["changes"]
    assert {c["submission"] for c in changes} >= {"lovelaceada_101", "hoppergrace_202"}


def test_moodle_download_to_worksheet_import_and_feedback_upload(tmp_path, monkeypatch):
    _course(tmp_path)
    monkeypatch.setenv("GRADER_ROOT", str(tmp_path / "root"))
    students = [Student(name="Ada Lovelace", user_id=12345, email="ada@example.org",
                        files=[(0, "duo.py", RIGHT.encode())]),
                Student(name="Grace Hopper", user_id=23456, files=[(0, "duo.py", HALF.encode())]),
                Student(name="Linus Torvalds", user_id=34567)]
    archive = moodle_zip(tmp_path / "moodle.zip", students)
    worksheet = moodle_worksheet(tmp_path / "worksheet.csv", students, maximum=100)
    out = tmp_path / "out"
    code, output = _grade(archive, "--assignment", "duo", "--out", out, "--roster", worksheet, "--feedback-zip",
                          "--jobs", "1")
    assert code == 0, output
    rows = moodle_import((out / "gradebook.csv").read_text())
    assert rows[12345]["Grade"] == "100" and rows[23456]["Grade"] == "66.67"
    assert rows[34567]["Grade"] == ""  # no submission: Moodle skips an empty grade
    assert rows[12345]["Email address"] == "ada@example.org"  # the worksheet's own columns are kept
    assert rows[12345]["Last modified (grade)"] == "-"  # as downloaded, so Moodle's staleness check holds
    assert "3 of 3 points" in rows[12345]["Feedback comments"]
    with zipfile.ZipFile(out / "feedback.zip") as zf:
        matched = {moodle_matches(name, {12345, 23456, 34567}) for name in zf.namelist()}
    assert matched == {(12345, "assignfeedback_file", "report.html"), (23456, "assignfeedback_file", "report.html")}
    assert json.loads((out / "summary.json").read_text())["notes"]["missing"] == ["Linus Torvalds"]


def test_a_hostile_archive_is_refused_as_a_whole_with_a_clear_message(tmp_path, monkeypatch):
    _course(tmp_path)
    monkeypatch.setenv("GRADER_ROOT", str(tmp_path / "root"))
    (tmp_path / "fake.zip").write_bytes(b"PK\x03\x04 not really a zip")
    code, output = _grade(tmp_path / "fake.zip", "--assignment", "duo", "--out", tmp_path / "out")
    assert code == 2 and "fake.zip: not a zip archive" in output and "Traceback" not in output
