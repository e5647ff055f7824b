"""Platform file names (grader/lms.py) and archive ingestion (grader/ingest.py), against downloads built from each
platform's rules (tests/lms_fixtures.py)."""

from __future__ import annotations

import zipfile

import pytest
from lms_fixtures import Student, canvas_matches, canvas_prefix, canvas_zip, moodle_matches, moodle_zip

from grader.ingest import ingest_archive
from grader.lms import (
    CANVAS,
    MOODLE,
    canvas_feedback_name,
    detect,
    moodle_feedback_name,
    name_file,
    student_id,
)
from grader.models import Identity

SUFFIXES = (".py", ".ipynb")


@pytest.mark.parametrize(("member", "user", "name", "late", "attachment", "file"), [
    ("lovelaceada_101_9001_planar.ipynb", "101", "lovelaceada", False, "9001", "planar.ipynb"),
    ("lovelaceada_LATE_101_9002_planar-1.ipynb", "101", "lovelaceada", True, "9002", "planar-1.ipynb"),
    ("hopper_202_9003_hw_2_final.ipynb", "202", "hopper", False, "9003", "hw_2_final.ipynb"),
    ("_303_9004_x.py", "303", "", False, "9004", "x.py"),
    ("LATE_anon_Ab3xZ_9005_planar.ipynb", "anon_Ab3xZ", "", True, "9005", "planar.ipynb"),
])
def test_canvas_names_give_user_name_late_marker_and_attachment(member, user, name, late, attachment, file):
    named = name_file(CANVAS, member)
    assert named.identity is not None
    assert (named.identity.user_id, named.identity.name, named.identity.late, named.identity.attachment) == (
        user, name, late, attachment)
    assert named.file == file and named.kind == "file"


def test_canvas_prefix_matches_the_zippers_own_prefix():
    student = Student(name="O'Brien-Smith, Mary Ann", user_id=77, late=True)
    member = f"{canvas_prefix(student)}_501_nb.ipynb"
    named = name_file(CANVAS, member)
    assert named.identity is not None and named.identity.prefix == canvas_prefix(student)
    assert student_id(named.identity) == "obriensmithmaryann_77"  # no LATE: the id stays when they hand in again


def test_canvas_text_and_link_entries_are_not_files():
    assert name_file(CANVAS, "lovelaceada_101_text.html").kind == "text"
    assert name_file(CANVAS, "lovelaceada_LATE_101_link.html").kind == "link"
    assert name_file(CANVAS, "readme.ipynb").identity is None


@pytest.mark.parametrize(("member", "file"), [
    ("Ada Lovelace_12345_assignsubmission_file/planar.ipynb", "planar.ipynb"),  # Moodle >= 4.1
    ("Ada Lovelace_12345_assignsubmission_file_/sub/planar.ipynb", "sub/planar.ipynb"),  # Moodle 3.1 - 4.0
    ("Ada Lovelace_12345_assignsubmission_file_planar.ipynb", "planar.ipynb"),  # "download in folders" off
])
def test_moodle_names_give_participant_and_name(member, file):
    named = name_file(MOODLE, member)
    assert named.identity is not None
    assert (named.identity.user_id, named.identity.name, named.file) == ("12345", "Ada Lovelace", file)
    assert student_id(named.identity) == "Ada Lovelace_12345"


def test_moodle_online_text_and_blind_marking():
    assert name_file(MOODLE, "Ada Lovelace_12345_assignsubmission_onlinetext/onlinetext.html").kind == "onlinetext"
    named = name_file(MOODLE, "Participant_4242_assignsubmission_file/planar.ipynb")
    assert named.identity is not None and named.identity.user_id == "4242"


def test_detect_follows_the_names_of_most_gradable_members():
    assert detect(["a_1_2_x.ipynb", "b_3_4_y.ipynb", "notes.py"], SUFFIXES) == CANVAS
    assert detect(["A B_1_assignsubmission_file/x.ipynb", "x.pdf"], SUFFIXES) == MOODLE
    assert detect(["x.py", "y.ipynb"], SUFFIXES) == "plain"
    assert detect(["report.pdf"], SUFFIXES) == "plain"


def test_canvas_feedback_names_are_attached_to_the_right_student_by_canvas_rules():
    ada = Identity(platform=CANVAS, user_id="101", name="lovelaceada", late=True, prefix="lovelaceada_LATE_101",
                   attachment="9002")
    name = canvas_feedback_name(ada)
    assert canvas_matches(name, {101: {9002}, 202: {9003}}) == 101
    assert canvas_matches(name, {101: {9001}}) is None  # Canvas wants an attachment of the current submission
    with pytest.raises(ValueError):
        canvas_feedback_name(Identity(platform=CANVAS, user_id="1", prefix="x_1"))


def test_moodle_feedback_names_are_given_to_the_right_participant_by_moodle_rules():
    ada = Identity(platform=MOODLE, user_id="12345", name="Ada Lovelace", prefix="Ada Lovelace_12345")
    assert moodle_matches(moodle_feedback_name(ada), {12345}) == (12345, "assignfeedback_file", "report.html")
    assert moodle_matches(moodle_feedback_name(ada), {999}) is None


def _students():
    return [
        Student(name="Lovelace, Ada", user_id=101, files=[(9001, "planar.ipynb", b"{}")]),
        Student(name="Hopper, Grace", user_id=202, late=True,
                files=[(9010, "planar.ipynb", b"old"), (9012, "planar-1.ipynb", b"new"),
                       (9011, "notes.pdf", b"%PDF")]),
    ]


def test_a_canvas_download_keeps_each_students_latest_file_and_records_the_others(tmp_path):
    path = canvas_zip(tmp_path / "submissions.zip", _students(),
                      extra={"lovelaceada_101_text.html": b"<p>hi</p>", "__MACOSX/._x": b""})
    folder = tmp_path / "private"
    folder.mkdir(mode=0o700)
    got = ingest_archive(path, folder, suffixes=SUFFIXES)
    assert got.platform == CANVAS
    entries = {e.id: e for e in got.entries}
    assert sorted(entries) == ["hoppergrace_202", "lovelaceada_101"]
    grace = entries["hoppergrace_202"]
    assert grace.path.read_bytes() == b"new" and grace.path.parent == folder
    assert grace.identity is not None and grace.identity.late and grace.identity.attachment == "9012"
    [older] = got.superseded
    assert older.id == "hoppergrace_202" and older.label.endswith("_9010_planar.ipynb")
    assert older.by == grace.label
    reasons = {o.label.split(": ", 1)[1]: o.reason for o in got.others}
    assert "text entry" in reasons["lovelaceada_101_text.html"]
    assert "not a submission" in reasons["hoppergrace_LATE_202_9011_notes.pdf"]
    assert reasons["__MACOSX/._x"] == "macOS metadata"


@pytest.mark.parametrize("layout", [{"folders": True}, {"folders": True, "legacy": True}, {"folders": False}])
def test_a_moodle_download_in_each_layout(tmp_path, layout):
    students = [Student(name="Ada Lovelace", user_id=12345, files=[(0, "planar.ipynb", b"ada")]),
                Student(name="Grace Hopper", user_id=23456, files=[(0, "a.py", b"one"), (0, "b.py", b"two")])]
    path = moodle_zip(tmp_path / "m.zip", students, **layout)
    folder = tmp_path / "private"
    folder.mkdir()
    got = ingest_archive(path, folder, suffixes=SUFFIXES)
    assert got.platform == MOODLE
    entries = {e.id: e.path.read_bytes() for e in got.entries}
    assert entries == {"Ada_Lovelace_12345": b"ada", "Grace_Hopper_23456": b"two"}
    assert [s.id for s in got.superseded] == ["Grace_Hopper_23456"]


def test_refused_members_become_rows_of_their_student_or_of_their_own(tmp_path):
    path = tmp_path / "s.zip"
    link = zipfile.ZipInfo("lovelaceada_101_9001_planar.ipynb")
    link.external_attr = 0o120777 << 16
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(link, "/etc/passwd")
        zf.writestr("../../escape.py", "x = 1")
        zf.writestr("hoppergrace_202_9010_planar.ipynb", "{}")
    folder = tmp_path / "private"
    folder.mkdir()
    got = ingest_archive(path, folder, suffixes=SUFFIXES, platform=CANVAS)
    rejected = {r.id: r for r in got.rejected}
    assert "symbolic link" in rejected["lovelaceada_101"].reason
    assert rejected["lovelaceada_101"].identity is not None
    assert "climbs out" in rejected["refused-escape"].reason
    assert [e.id for e in got.entries] == ["hoppergrace_202"]
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["0.ipynb", "s.zip"]


def test_a_plain_zip_grades_every_file_by_its_stem_and_avoids_ids_already_taken(tmp_path):
    path = tmp_path / "plain.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("class/alice.py", "x = 1")
        zf.writestr("class/bob.ipynb", "{}")
    folder = tmp_path / "private"
    folder.mkdir()
    taken = {"alice"}
    got = ingest_archive(path, folder, suffixes=SUFFIXES, taken=taken)
    assert got.platform == "plain"
    assert sorted(e.id for e in got.entries) == ["alice-2", "bob"]
    assert taken == {"alice", "alice-2", "bob"}
