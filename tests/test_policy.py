"""Late penalties and withheld details: pure rules, and end to end through every output format."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import EXAMPLES, ROOT

from grader.cli import main
from grader.models import CheckResult, Late, SubmissionResult
from grader.policy import OPEN_FLAGS, WITHHELD, LatePolicy, apply_late, iso, parse_time, withhold

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


@pytest.mark.slow
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


# -- the pure rules at their edges ---------------------------------------------------------------------------------


def policy(**extra) -> LatePolicy:
    return LatePolicy.from_mapping({"deadline": "2026-12-01T23:59:00+00:00", **extra})


def test_parse_time_reads_zones_and_takes_a_bare_time_as_utc():
    assert parse_time("2026-12-01T23:59:00Z") == DEADLINE
    assert parse_time("2026-12-01T23:59:00") == DEADLINE
    assert parse_time("2026-12-02T00:59:00+01:00") == DEADLINE
    assert parse_time("2026-12-02T00:59:00+01:00").utcoffset() == timedelta(hours=1)
    with pytest.raises(ValueError):
        parse_time("next tuesday")


def test_iso_writes_utc_to_the_second():
    assert iso(parse_time("2026-12-02T00:59:30.999+01:00")) == "2026-12-01T23:59:30+00:00"
    assert parse_time(iso(DEADLINE)) == DEADLINE


def test_late_policy_defaults_and_refusals():
    assert policy() == LatePolicy(deadline=DEADLINE, penalty_per_day=0.1, max_days=10, grace=timedelta(0))
    assert policy(grace_minutes=7.5).grace == timedelta(minutes=7, seconds=30)
    assert policy(penalty_per_day=0, max_days=0).penalty(1) == 1.0  # no late days allowed at all
    for bad in ({"penalty_per_day": 1.5}, {"penalty_per_day": -0.1}, {"max_days": -1}):
        with pytest.raises(ValueError, match="penalty_per_day must be within 0..1"):
            policy(**bad)
    with pytest.raises(KeyError):
        LatePolicy.from_mapping({"penalty_per_day": 0.1})
    with pytest.raises(ValueError):
        policy(max_days="many")


@pytest.mark.parametrize(("after", "days"), [
    (-timedelta(days=3), 0),                              # early
    (timedelta(0), 0),                                    # on the dot
    (timedelta(minutes=15), 0),                           # the last moment of the grace period
    (timedelta(minutes=15, microseconds=1), 1),           # a microsecond past it starts day 1
    (timedelta(days=1, minutes=15), 1),                   # a whole day past the grace period is still day 1
    (timedelta(days=1, minutes=15, seconds=1), 2),
    (timedelta(days=400), 400),
])
def test_days_late_count_started_days_after_the_grace_period(after, days):
    assert policy(grace_minutes=15).days_late(DEADLINE + after) == days


def test_days_late_compares_instants_not_wall_clocks():
    # 00:30 in Paris on 2 December is 23:30 UTC on 1 December: before the deadline.
    assert policy().days_late(parse_time("2026-12-02T00:30:00+01:00")) == 0
    assert policy().days_late(parse_time("2026-12-01T23:30:00-05:00")) == 1


@pytest.mark.parametrize(("rate", "most", "days", "penalty"), [
    (0.1, 5, 0, 0.0), (0.1, 5, -2, 0.0), (0.1, 5, 3, 0.3), (0.1, 5, 5, 0.5), (0.1, 5, 6, 1.0),
    (0.3, 10, 4, 1.0),       # capped at everything, never more
    (0.0, 3, 2, 0.0),        # no penalty per day, but...
    (0.0, 3, 4, 1.0),        # ...past max_days nothing is left
    (1.0, 10, 1, 1.0),
])
def test_penalty(rate, most, days, penalty):
    assert policy(penalty_per_day=rate, max_days=most).penalty(days) == penalty


def test_penalties_are_free_of_float_noise():
    assert 3 * 0.1 != 0.3
    assert policy(penalty_per_day=0.1).penalty(3) == 0.3
    late = apply_late(result(score=7.0), DEADLINE + timedelta(days=2, hours=1), policy(penalty_per_day=0.1))
    assert late.score == 4.9 and late.late.penalty == 0.3


def test_an_on_time_result_records_its_policy_without_the_late_flag():
    on_time = apply_late(result(), DEADLINE - timedelta(hours=2), policy())
    assert on_time.score == 8.0 and "late" not in on_time.flags and on_time.flags == result().flags
    assert on_time.late == Late(submitted_at="2026-12-01T21:59:00+00:00", deadline="2026-12-01T23:59:00+00:00",
                                days_late=0, penalty=0.0, raw_score=8.0)


def test_the_late_flag_is_added_once():
    flagged = dataclasses.replace(result(), flags=("late", "zero-init"))
    late = apply_late(flagged, DEADLINE + timedelta(days=1), policy())
    assert late.flags == ("late", "zero-init")
    assert apply_late(result(), DEADLINE + timedelta(days=1), policy()).flags == ("zero-init", "syntax-error", "late")


def test_applying_the_policy_changes_nothing_but_score_late_and_flags():
    before = result()
    after = apply_late(before, DEADLINE + timedelta(days=2), policy())
    assert dataclasses.replace(after, score=before.score, late=None, flags=before.flags) == before
    assert SubmissionResult.from_dict(json.loads(json.dumps(after.to_dict()))) == after


@settings(max_examples=100, deadline=None)
@given(score=st.floats(0, 100).map(lambda x: round(x, 6)), rate=st.floats(0, 1), most=st.integers(0, 30),
       grace=st.integers(0, 600), first=st.integers(-10**7, 10**8), second=st.integers(-10**7, 10**8))
def test_later_never_costs_less_and_never_more_than_everything(score, rate, most, grace, first, second):
    # Scores reach the policy as totals, rounded to 6 decimals (score.totals).
    rules = policy(penalty_per_day=rate, max_days=most, grace_minutes=grace)
    early, late = sorted((first, second))
    a = apply_late(result(score), DEADLINE + timedelta(seconds=early), rules)
    b = apply_late(result(score), DEADLINE + timedelta(seconds=late), rules)
    assert a.late.days_late <= b.late.days_late
    assert 0.0 <= b.score <= a.score <= score + 1e-9
    assert a.late.raw_score == b.late.raw_score == score
    assert ("late" in b.flags) == (b.late.days_late > 0)


def rich_result() -> SubmissionResult:
    from grader.models import Figure, Location, Problem

    base = result()
    checks = base.checks + (CheckResult(id="g::b", function="g", score=2.0, max_score=2.0, status="passed",
                                        location=Location(cell=1, line=2)),)
    return dataclasses.replace(
        base, checks=checks, flags=("zero-init", "syntax-error", "invalid-submission", "late", "mistake:x"),
        figures=(Figure(kind="lines", title="cost"),), problems=(Problem(kind="syntax-error", message="cell 3"),),
        output="printed")


def test_withholding_keeps_scores_statuses_and_open_flags_only():
    until = parse_time("2026-12-20T00:00:00Z")
    shown = withhold(rich_result(), until, now=until - timedelta(days=5))
    assert [(c.id, c.function, c.score, c.max_score, c.status) for c in shown.checks] == [
        (c.id, c.function, c.score, c.max_score, c.status) for c in rich_result().checks]
    for check in shown.checks:
        assert check.message == WITHHELD.format(when="2026-12-20T00:00:00+00:00")
        assert (check.expected, check.got, check.location, check.lesson, check.flags) == (None, None, None, None, ())
    assert shown.flags == ("syntax-error", "invalid-submission", "late")
    assert set(shown.flags) <= OPEN_FLAGS and shown.figures == ()
    assert (shown.score, shown.max_score, shown.problems, shown.output) == (
        rich_result().score, rich_result().max_score, rich_result().problems, rich_result().output)


def test_withholding_is_a_no_op_without_a_date_or_once_it_passed():
    full = rich_result()
    until = parse_time("2026-12-20T00:00:00Z")
    assert withhold(full, None, now=until) is full
    assert withhold(full, until, now=until) is full
    assert withhold(full, until, now=until + timedelta(microseconds=1)) is full
    assert withhold(full, until, now=until - timedelta(microseconds=1)) != full


def test_withholding_twice_is_withholding_once():
    until = parse_time("2026-12-20T00:00:00Z")
    once = withhold(rich_result(), until, now=until - timedelta(days=1))
    assert withhold(once, until, now=until - timedelta(days=1)) == once
