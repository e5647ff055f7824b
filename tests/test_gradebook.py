"""The gradebook on its own: runs, one committed transaction per result, resume lookups, and the CSV export."""

from __future__ import annotations

import csv
import io
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import gradebook
from grader.gradebook import Gradebook, gradebook_rows, write_csv
from grader.models import CheckResult, Late, Location, SubmissionResult

FUNCTIONS = ("layer_sizes", "forward", "backward")


def result(sid: str = "alice", score: float = 2.5, *, assignment: str = "demo", late: Late | None = None,
           flags: tuple[str, ...] = ("zero-init",)) -> SubmissionResult:
    checks = (
        CheckResult(id="layer_sizes::shape", function="layer_sizes", score=1.0, max_score=1.0, status="passed"),
        CheckResult(id="forward::values", function="forward", score=score - 1.0, max_score=2.0,
                    status="passed" if score == 3.0 else "failed", message="=HYPERLINK(\"x\")", flags=flags,
                    location=Location(cell=2, line=5, code="A1 = Z1")),
    )
    return SubmissionResult(assignment=assignment, submission=sid, score=score, max_score=3.0, duration_s=0.5,
                            seed=7, flags=flags, checks=checks, late=late)


@pytest.fixture
def book(tmp_path):
    with Gradebook(tmp_path / "out" / "gradebook.sqlite") as opened:
        yield opened


# -- runs, record, find --------------------------------------------------------------------------------------------


def test_opening_creates_the_folder_and_a_wal_database(tmp_path):
    path = tmp_path / "new" / "deeper" / "gradebook.sqlite"
    with Gradebook(path) as book:
        assert book.count() == 0
        assert book.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert book.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert path.is_file()


def test_each_run_gets_a_new_id_and_is_recorded(book):
    first, second = book.start_run("demo", "1+abc"), book.start_run("demo", "2+def")
    assert second > first
    rows = book.db.execute("SELECT id, assignment, version FROM runs ORDER BY id").fetchall()
    assert rows == [(first, "demo", "1+abc"), (second, "demo", "2+def")]


def test_a_recorded_result_comes_back_whole(book):
    run = book.start_run("demo", "1+abc")
    book.record(run, result(), "hash-a", "1+abc")
    assert book.count() == 1
    assert book.find("alice", "hash-a", "demo", "1+abc") == result()


@pytest.mark.parametrize(("submission", "content_hash", "assignment", "version"), [
    ("bob", "hash-a", "demo", "1+abc"),          # another student
    ("alice", "hash-b", "demo", "1+abc"),        # the file changed
    ("alice", "hash-a", "other", "1+abc"),       # another assignment
    ("alice", "hash-a", "demo", "1+changed"),    # the checks or reference changed
    ("alice", "", "demo", "1+abc"),              # an unreadable file has no hash and is never reused
])
def test_find_needs_the_exact_key(book, submission, content_hash, assignment, version):
    book.record(book.start_run("demo", "1+abc"), result(), "hash-a", "1+abc")
    assert book.find(submission, content_hash, assignment, version) is None


def test_an_unreadable_file_is_recorded_but_never_found(book):
    book.record(book.start_run("demo", "1"), result(), "", "1")
    assert book.count() == 1 and book.find("alice", "", "demo", "1") is None


class _Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


def test_find_returns_the_latest_grading(book, monkeypatch):
    clock = _Clock(1000.0)
    monkeypatch.setattr(gradebook, "time", clock)
    book.record(book.start_run("demo", "1"), result(score=1.0), "h", "1")
    clock.now = 3000.0
    book.record(book.start_run("demo", "1"), result(score=3.0, flags=()), "h", "1")
    clock.now = 2000.0  # an older grading recorded later (a clock step) does not win
    book.record(book.start_run("demo", "1"), result(score=2.0), "h", "1")
    assert book.count() == 3
    assert book.find("alice", "h", "demo", "1").score == 3.0


def test_recording_twice_in_one_run_replaces(book):
    run = book.start_run("demo", "1")
    book.record(run, result(score=1.0), "h", "1")
    book.record(run, result(score=2.0), "h2", "1")
    assert book.count() == 1
    assert book.find("alice", "h", "demo", "1") is None and book.find("alice", "h2", "demo", "1").score == 2.0


def test_a_result_that_cannot_be_stored_leaves_nothing_behind(book):
    run = book.start_run("demo", "1")
    book.record(run, result("bob"), "h", "1")
    broken = result("alice", score=float("nan"))
    with pytest.raises(ValueError):
        book.record(run, broken, "h", "1")
    assert book.count() == 1 and not book.db.in_transaction
    book.record(run, result("carol"), "h", "1")  # the gradebook is still usable
    assert book.count() == 2


def test_each_result_is_committed_before_record_returns(book):
    run = book.start_run("demo", "1")
    book.record(run, result(), "h", "1")
    other = sqlite3.connect(book.path)
    try:
        assert other.execute("SELECT submission, score, flags FROM grades").fetchall() == [("alice", 2.5, "zero-init")]
    finally:
        other.close()


def test_a_group_of_results_is_committed_at_once_or_not_at_all(book):
    run = book.start_run("demo", "1")
    rows = book.record_many(run, [(result("bob"), "h1"), (result("carol", score=3.0), "h2")], "1")
    assert len(rows) == 2 and rows[0] != rows[1] and not book.db.in_transaction
    other = sqlite3.connect(book.path)
    try:
        stored = other.execute("SELECT rowid, submission, score FROM grades ORDER BY rowid").fetchall()
    finally:
        other.close()
    assert stored == [(rows[0], "bob", 2.5), (rows[1], "carol", 3.0)]
    with pytest.raises(ValueError):  # one result that cannot be stored: none of its group is
        book.record_many(run, [(result("dave"), "h3"), (result("erin", score=float("nan")), "h4")], "1")
    assert book.count() == 2 and not book.db.in_transaction
    assert book.find("dave", "h3", "demo", "1") is None


def test_a_killed_batch_keeps_what_it_committed(tmp_path):
    """SIGKILL after three results: reopening finds those three, and only those."""
    path = tmp_path / "gradebook.sqlite"
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from grader.gradebook import Gradebook
        from grader.models import SubmissionResult
        book = Gradebook(Path({str(path)!r}))
        run = book.start_run("demo", "1")
        for i in range(3):
            book.record(run, SubmissionResult(assignment="demo", submission=f"s{{i}}", score=i, max_score=3,
                                              duration_s=0, seed=i), f"h{{i}}", "1")
        book.db.execute("BEGIN IMMEDIATE")  # a fourth transaction, never finished
        book.db.execute("INSERT INTO runs (started_at, assignment, version) VALUES (0, 'x', 'x')")
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == -9, done.stderr
    with Gradebook(path) as book:
        assert book.count() == 3
        assert [book.find(f"s{i}", f"h{i}", "demo", "1").score for i in range(3)] == [0.0, 1.0, 2.0]
        assert book.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1
        assert book.start_run("demo", "1") == 2  # resuming adds a run


# -- CSV -----------------------------------------------------------------------------------------------------------


def read_csv(path):
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_plain_csv_one_column_per_function_sorted_by_submission(tmp_path):
    path = write_csv([result("bob", 3.0, flags=()), result("alice")], FUNCTIONS, tmp_path / "g" / "gradebook.csv")
    assert path == tmp_path / "g" / "gradebook.csv"
    assert read_csv(path) == [
        ["submission", "layer_sizes", "forward", "backward", "total", "max_score", "flags"],
        ["alice", "1", "1.5", "", "2.5", "3", "zero-init"],
        ["bob", "1", "2", "", "3", "3", ""],
    ]
    assert not list(path.parent.glob("*.tmp"))


def test_plain_csv_gains_late_columns_when_any_result_is_late(tmp_path):
    late = Late(submitted_at="2026-12-03T00:00:00+00:00", deadline="2026-12-01T23:59:00+00:00", days_late=2,
                penalty=0.2, raw_score=2.5)
    path = write_csv([result("alice", 2.0, late=late), result("bob", 3.0, flags=())], FUNCTIONS,
                     tmp_path / "gradebook.csv")
    rows = list(csv.DictReader(path.open(newline="")))
    assert list(rows[0]) == ["submission", *FUNCTIONS, "total", "max_score", "flags", "raw_total", "days_late",
                             "late_penalty"]
    assert (rows[0]["total"], rows[0]["raw_total"], rows[0]["days_late"], rows[0]["late_penalty"]) == (
        "2", "2.5", "2", "0.2")
    assert (rows[1]["raw_total"], rows[1]["days_late"], rows[1]["late_penalty"]) == ("", "", "")


def test_rewriting_the_csv_replaces_it(tmp_path):
    path = tmp_path / "gradebook.csv"
    write_csv([result("alice"), result("bob")], FUNCTIONS, path)
    write_csv([result("carol")], FUNCTIONS, path)
    assert [row[0] for row in read_csv(path)] == ["submission", "carol"]


@pytest.mark.parametrize("sid", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\nx"])
def test_cells_that_a_spreadsheet_would_run_are_neutralised(tmp_path, sid):
    path = write_csv([result(sid)], FUNCTIONS, tmp_path / "g.csv")
    rows = read_csv(path)
    cells = [cell for row in rows for cell in row if sid in cell]
    assert cells == ["'" + sid], rows


def test_a_carriage_return_reaches_the_csv_as_a_visible_escape(tmp_path):
    """A result holds no control character but tab and newline (bounds.printable): "\r" is "\\x0d" there."""
    assert result("\rx").submission == "\\x0dx"
    rows = read_csv(write_csv([result("\rx")], FUNCTIONS, tmp_path / "g.csv"))
    assert rows[1][0] == "\\x0dx"


def test_harmless_ids_are_left_alone():
    rows = gradebook_rows([result("o'brien"), result("a=b"), result("x-1")], FUNCTIONS)
    assert [row["submission"] for row in rows] == ["o'brien", "a=b", "x-1"]


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=30))
def test_no_submission_id_reaches_a_spreadsheet_as_a_formula(sid):
    (row,) = gradebook_rows([result(sid)], FUNCTIONS)
    cell = row["submission"]
    stored = result(sid).submission  # as a result holds it: printable (bounds.printable)
    assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r", "\n")
    assert cell in (stored, "'" + stored)
    buffer = io.StringIO()
    csv.writer(buffer).writerow([cell])
    assert next(csv.reader(io.StringIO(buffer.getvalue(), newline=""))) == [cell]
