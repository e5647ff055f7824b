"""What one `grade` invocation grades (plan.py) and what it prints when a batch ends (console.py)."""

from __future__ import annotations

import io
import zipfile

import pytest
from paths import ROOT

from grader.assignment import available
from grader.console import ProgressDisplay, batch_line, duration, github_step_summary, result_line
from grader.errors import UsageError
from grader.models import SubmissionResult
from grader.plan import pick_assignment, plan
from grader.policy import read_timestamps


def result(sid: str, score: float, flags: tuple[str, ...] = ()) -> SubmissionResult:
    return SubmissionResult(assignment="shallow-nn", submission=sid, score=score, max_score=10.0, duration_s=0.1,
                            seed=1, flags=flags)


def test_no_path_plans_every_assignments_examples_each_into_its_own_folder(tmp_path):
    batches = plan(ROOT, (), None, tmp_path)
    names = list(available(ROOT))
    assert [b.assignment.name for b in batches] == names and len(names) > 1
    assert [b.out for b in batches] == [tmp_path / name for name in names]
    for batch in batches:
        assert batch.submissions and all(s.path.parent == batch.assignment.public_dir / "examples"
                                         for s in batch.submissions)


def test_one_named_assignment_without_paths_grades_into_the_folder_itself(tmp_path):
    (batch,) = plan(ROOT, (), "gradient-checking", tmp_path)
    assert batch.assignment.name == "gradient-checking" and batch.out == tmp_path


def test_paths_inside_an_assignment_name_it(tmp_path):
    example = ROOT / "assignments" / "initialization" / "examples" / "correct.py"
    assert pick_assignment(ROOT, None, [example]) == "initialization"
    (batch,) = plan(ROOT, (example,), None, None)
    assert batch.assignment.name == "initialization" and batch.out == ROOT / "reports"
    assert [s.id for s in batch.submissions] == ["correct"]


def test_paths_elsewhere_need_a_named_assignment_when_there_are_several(tmp_path):
    (tmp_path / "alice.py").write_text("x = 1\n")
    with pytest.raises(UsageError, match="say which assignment with --assignment"):
        plan(ROOT, (tmp_path / "alice.py",), None, None)
    (batch,) = plan(ROOT, (tmp_path / "alice.py",), "shallow-nn", None)
    assert batch.assignment.name == "shallow-nn"


def test_a_folder_with_nothing_to_grade_is_a_usage_error(tmp_path):
    (tmp_path / "notes.txt").write_text("no submissions here\n")
    with pytest.raises(UsageError, match=str(tmp_path)):
        plan(ROOT, (tmp_path,), "shallow-nn", None)


def test_archives_are_left_for_the_coordinator_to_read(tmp_path):
    archive = tmp_path / "canvas.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("lovelaceada_101_5_shallow.py", "x = 1\n")
    (batch,) = plan(ROOT, (archive,), "shallow-nn", tmp_path / "out")
    assert batch.submissions is None and batch.out == tmp_path / "out"


class OnePass(list):
    """A batch read back from its gradebook: iterating it twice would read every result twice."""

    passes = 0

    def __iter__(self):
        self.passes += 1
        assert self.passes == 1, "the batch was read twice"
        return super().__iter__()


def test_the_closing_line_counts_in_one_pass_and_names_the_files(tmp_path):
    line = batch_line(OnePass([result("a", 10.0), result("b", 5.0)]), tmp_path)
    assert line.startswith("2 submission(s), mean 7.50/10;") and str(tmp_path / "summary.html") in line
    assert batch_line([], tmp_path).startswith("0 submission(s), mean 0.00/0;")


def test_result_lines_and_durations():
    assert result_line(result("a", 5.0, ("zero-init",))) == "a: 5/10  [zero-init]"
    assert result_line(result("b", 10.0)) == "b: 10/10"
    assert duration(3725.9) == "1:02:05" and duration(0) == "0:00:00"


def test_a_step_summary_holds_a_few_reports_or_a_table(tmp_path, monkeypatch):
    target = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "report.md").write_text("# Report of a\n")
    github_step_summary([result("a", 10.0)], tmp_path)
    assert target.read_text() == "# Report of a\n\n"
    target.unlink()
    github_step_summary([result(f"s{i}", float(i), ("late",) if i == 3 else ()) for i in range(6)], tmp_path)
    lines = target.read_text().splitlines()
    assert lines[:2] == ["| submission | score | flags |", "| --- | ---: | --- |"] and len(lines) == 8
    assert "| s3 | 3 / 10 | late |" in lines
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    target.unlink()
    github_step_summary([result("a", 10.0)], tmp_path)
    assert not target.exists()


def test_progress_on_a_plain_stream_lists_small_batches_one_line_each():
    from grader.pipeline import Progress

    stream = io.StringIO()
    display = ProgressDisplay(quiet=False, stream=stream)
    display.update(Progress(done=1, total=2, result=result("a", 10.0), skipped=0))
    display.update(Progress(done=2, total=2, result=result("b", 0.0), skipped=0))
    display.close()
    assert stream.getvalue() == "a: 10/10\nb: 0/10\n"


def test_timestamps_are_read_with_the_row_that_is_wrong(tmp_path):
    table = tmp_path / "times.csv"
    table.write_text("submission,submitted_at\nalice,2026-12-01T12:00:00Z\nbob,2026-12-02T08:00:00\n")
    assert read_timestamps(table) == {"alice": "2026-12-01T12:00:00+00:00", "bob": "2026-12-02T08:00:00+00:00"}
    table.write_text("submission,submitted_at\nalice,yesterday\n")
    with pytest.raises(ValueError, match=r"line 2: 'yesterday' is not an ISO 8601 time"):
        read_timestamps(table)
    table.write_text("who,when\nalice,2026-12-01T12:00:00Z\n")
    with pytest.raises(ValueError, match="needs the columns submission,submitted_at"):
        read_timestamps(table)
