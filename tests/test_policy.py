"""Late penalties and withheld details: pure rules, and end to end through every output format."""

from __future__ import annotations

import csv
import json
import os
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from paths import EXAMPLES, ROOT

from grader.cli import main
from grader.models import CheckResult, SubmissionResult
from grader.policy import LatePolicy, apply_late, parse_time, withhold

DEADLINE = datetime(2026, 12, 1, 23, 59, tzinfo=UTC)


def result(score: float = 8.0) -> SubmissionResult:
    checks = (CheckResult(id="f::a", function="f", score=score, max_score=10.0, status="failed", message="secret",
                          expected="1", got="2", flags=("zero-init",), lesson="zero-init"),)
    return SubmissionResult(assignment="a", submission="s", score=score, max_score=10.0, duration_s=1.0, seed=1,
                            flags=("zero-init", "syntax-error"), checks=checks)


@pytest.mark.parametrize(("delay", "days", "score"), [
    (timedelta(0), 0, 8.0),
    (timedelta(minutes=10), 0, 8.0),          # inside the 15-minute grace period
    (timedelta(minutes=20), 1, 7.2),
    (timedelta(days=1, minutes=20), 2, 6.4),
    (timedelta(days=9), 9, 0.0),               # past max_days: nothing left
])
def test_late_penalty_per_started_day(delay, days, score):
    policy = LatePolicy.from_mapping({"deadline": DEADLINE.isoformat(), "penalty_per_day": 0.1, "max_days": 5,
                                      "grace_minutes": 15})
    late = apply_late(result(), DEADLINE + delay, policy)
    assert late.late.days_late == days and late.score == pytest.approx(score) and late.late.raw_score == 8.0
    assert ("late" in late.flags) == (days > 0)


def test_withheld_details_keep_the_score():
    before = parse_time("2026-12-20T00:00:00Z")
    shown = withhold(result(), before, now=before - timedelta(seconds=1))
    assert shown.score == 8.0 and shown.checks[0].score == 8.0 and shown.checks[0].status == "failed"
    assert "secret" not in json.dumps(shown.to_dict())
    assert shown.flags == ("syntax-error",) and shown.hidden_until == "2026-12-20T00:00:00+00:00"
    assert withhold(result(), before, now=before) == result()


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A copy of the project's assignments with a deadline and a release date."""
    for folder in ("assignments", "reference"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    config = tmp_path / "assignments" / "shallow-nn" / "assignment.toml"
    config.write_text(config.read_text() + '\n[late]\ndeadline = "2026-12-01T23:59:00+00:00"\npenalty_per_day = 0.2\n'
                      'max_days = 3\n\n[visibility]\nhidden_until = "2026-12-20T00:00:00+00:00"\n')
    monkeypatch.setenv("GRADER_ROOT", str(tmp_path))
    batch = tmp_path / "batch"
    batch.mkdir()
    for name in ("zero_init.py", "correct.py"):
        shutil.copy(EXAMPLES / name, batch / name)
    on_time, two_days_late = DEADLINE - timedelta(hours=1), DEADLINE + timedelta(days=1, hours=2)
    os.utime(batch / "correct.py", (on_time.timestamp(), on_time.timestamp()))
    os.utime(batch / "zero_init.py", (two_days_late.timestamp(), two_days_late.timestamp()))
    return tmp_path, batch


def grade(*args):
    outcome = CliRunner().invoke(main, [*map(str, args), "-j", "1", "--assignment", "shallow-nn"],
                                 catch_exceptions=False)
    assert outcome.exit_code == 0, outcome.output
    return outcome


def test_before_release_every_output_withholds_details(course):
    root, batch = course
    out = root / "out"
    grade(batch, "--out", out, "--format", "junit", "--format", "gradescope", "--as-of", "2026-12-10T00:00:00Z")
    zero = json.loads((out / "zero_init" / "results.json").read_text())
    assert zero["hidden_until"] == "2026-12-20T00:00:00+00:00"
    assert zero["late"]["days_late"] == 2 and zero["late"]["raw_score"] == 9.0 and zero["score"] == pytest.approx(5.4)
    texts = [(out / "zero_init" / name).read_text() for name in ("results.json", "report.html", "report.md",
                                                                  "gradescope.json")]
    texts += [(out / "junit.xml").read_text(), (out / "gradebook.csv").read_text()]
    for text in texts:
        assert "all zeros" not in text and "zero-init" not in text
    assert "withheld until" in texts[1] and "withheld until" in texts[2]
    assert "2 day(s) after the deadline" in texts[1] and "2 day(s) after the deadline" in texts[2]
    rows = {r["submission"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert rows["zero_init"]["days_late"] == "2" and rows["correct"]["days_late"] == "0"
    assert rows["zero_init"]["total"] == "5.4" and rows["zero_init"]["raw_total"] == "9"


def test_after_release_the_same_gradebook_shows_everything_without_regrading(course):
    root, batch = course
    out = root / "out"
    grade(batch, "--out", out, "--as-of", "2026-12-10T00:00:00Z")
    released = grade(batch, "--out", out, "--as-of", "2026-12-21T00:00:00Z")
    assert "2 submission(s) already graded; grading 0" in released.output
    zero = json.loads((out / "zero_init" / "results.json").read_text())
    assert zero["hidden_until"] is None and "zero-init" in zero["flags"]
    assert "all zeros" in (out / "zero_init" / "report.md").read_text()


def test_timestamps_csv_overrides_file_times(course):
    root, batch = course
    table = root / "times.csv"
    table.write_text("submission,submitted_at\nzero_init,2026-12-01T12:00:00Z\ncorrect,2026-12-04T12:00:00Z\n")
    out = root / "out"
    grade(batch, "--out", out, "--timestamps", table, "--as-of", "2026-12-21T00:00:00Z")
    assert json.loads((out / "zero_init" / "results.json").read_text())["late"]["days_late"] == 0
    correct = json.loads((out / "correct" / "results.json").read_text())
    assert correct["late"]["days_late"] == 3 and correct["score"] == pytest.approx(4.0)
    # A new time for the same content is judged again, not taken from the gradebook.
    table.write_text("submission,submitted_at\nzero_init,2026-12-01T12:00:00Z\ncorrect,2026-12-01T12:00:00Z\n")
    again = grade(batch, "--out", out, "--timestamps", table, "--as-of", "2026-12-21T00:00:00Z")
    assert "1 submission(s) already graded; grading 1" in again.output
    assert json.loads((out / "correct" / "results.json").read_text())["score"] == 10.0
