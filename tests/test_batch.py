"""Batch grading: parallel workers give the serial results, an interrupted batch resumes without loss or
double counting, unchanged submissions are not graded again, and the gradebook exports."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from paths import EXAMPLES, ROOT

from grader.cli import main
from grader.models import SubmissionResult


def make_batch(folder: Path, copies: int = 1) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(EXAMPLES.iterdir()):
        for n in range(copies):
            shutil.copy(path, folder / f"{path.stem}_{n}{path.suffix}")
    return folder


def results(out: Path) -> dict[str, dict]:
    data = {}
    for path in out.glob("*/results.json"):
        item = SubmissionResult.from_dict(json.loads(path.read_text())).without_timings().to_dict()
        data[item["submission"]] = item
    return data


def grade(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--assignment", "shallow-nn"], catch_exceptions=False)
    return result.exit_code, result.output


@pytest.mark.slow
def test_parallel_workers_give_the_serial_results(tmp_path):
    batch = make_batch(tmp_path / "batch")
    assert grade(str(batch), "--out", str(tmp_path / "serial"), "--jobs", "1")[0] == 0
    assert grade(str(batch), "--out", str(tmp_path / "parallel"), "--jobs", "2")[0] == 0
    assert results(tmp_path / "serial") == results(tmp_path / "parallel")
    serial = (tmp_path / "serial" / "gradebook.csv").read_text()
    assert serial == (tmp_path / "parallel" / "gradebook.csv").read_text()


@pytest.mark.slow
def test_unchanged_submissions_are_not_graded_again(tmp_path):
    batch = make_batch(tmp_path / "batch")
    out = tmp_path / "out"
    grade(str(batch), "--out", str(out), "-j", "2")
    code, output = grade(str(batch), "--out", str(out), "-j", "2")
    assert code == 0 and "8 submission(s) already graded; grading 0" in output
    # A changed file is graded again; the others are not.
    changed = batch / "zero_init_0.py"
    fixed = changed.read_text().replace("np.zeros((n_h, n_x))", "np.random.randn(n_h, n_x) * 0.01")
    changed.write_text(fixed.replace("np.zeros((n_y, n_h))", "np.random.randn(n_y, n_h) * 0.01"))
    code, output = grade(str(batch), "--out", str(out), "-j", "1")
    assert "7 submission(s) already graded; grading 1" in output
    assert json.loads((out / "zero_init_0" / "results.json").read_text())["score"] == 10.0
    rows = {r["submission"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert len(rows) == 8 and rows["zero_init_0"]["total"] == "10"
    code, output = grade(str(batch), "--out", str(out), "-j", "1", "--regrade")
    assert "already graded" not in output
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 4
        assert db.execute("SELECT COUNT(*) FROM grades").fetchone()[0] == 8 + 1 + 8


@pytest.mark.slow
def test_a_killed_batch_resumes_without_loss_or_double_counting(tmp_path):
    batch = make_batch(tmp_path / "batch", copies=3)  # 24 submissions
    out = tmp_path / "out"
    command = [sys.executable, "-m", "grader.cli", str(batch), "--out", str(out), "-j", "2", "-q",
               "--assignment", "shallow-nn"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    book = out / "gradebook.sqlite"
    deadline = time.monotonic() + 120
    done = 0
    while time.monotonic() < deadline:
        if book.exists():
            try:
                with sqlite3.connect(book) as db:
                    done = db.execute("SELECT COUNT(*) FROM grades").fetchone()[0]
            except sqlite3.OperationalError:
                done = 0
            if done >= 5:
                break
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the coordinator and its workers, mid-batch
    process.wait()
    assert 5 <= done < 24
    code, output = grade(str(batch), "--out", str(out), "-j", "2")
    assert code == 0
    assert "already graded" in output
    with sqlite3.connect(book) as db:
        per_submission = dict(db.execute("SELECT submission, COUNT(*) FROM grades GROUP BY submission"))
    assert len(per_submission) == 24 and set(per_submission.values()) == {1}
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert len(rows) == 24 and len({r["submission"] for r in rows}) == 24
    assert len(results(out)) == 24


@pytest.mark.slow
def test_canvas_layout(tmp_path):
    batch = make_batch(tmp_path / "batch")
    grade(str(batch), "--out", str(tmp_path / "out"), "-j", "1", "--gradebook-format", "canvas")
    lines = list(csv.reader((tmp_path / "out" / "gradebook.csv").open()))
    assert lines[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert lines[1][0] == "Points Possible" and lines[1][5] == "10"
    assert len(lines) == 2 + 8


def test_plain_progress_lines_for_large_batches(tmp_path):
    from grader.console import ProgressDisplay
    from grader.pipeline import Progress

    class Stream:
        def __init__(self):
            self.text = ""

        def write(self, s):
            self.text += s

        def flush(self):
            pass

        def isatty(self):
            return False

    stream = Stream()
    display = ProgressDisplay(quiet=False, stream=stream)
    from grader.models import SubmissionResult

    result = SubmissionResult(assignment="a", submission="s", score=1, max_score=2, duration_s=0, seed=0)
    display.update(Progress(done=0, total=500, skipped=3))
    display.update(Progress(done=1, total=500, skipped=3, result=result))
    display.update(Progress(done=500, total=500, skipped=3, result=result))
    assert "3 submission(s) already graded" in stream.text
    assert "graded 1/500" in stream.text and "graded 500/500" in stream.text and "ETA" in stream.text


@pytest.mark.slow
def test_a_dead_worker_costs_only_its_submission(tmp_path):
    import threading

    from grader.engine import Task
    from grader.executors import EngineOptions, ProcessExecutor

    hang = tmp_path / "hang.py"
    hang.write_text("def layer_sizes(X, Y):\n    while True:\n        pass\n")
    tasks = [Task(id="hang", path=str(hang)), Task(id="correct", path=str(EXAMPLES / "correct.py"))]
    executor = ProcessExecutor(ROOT, "shallow-nn", EngineOptions(), jobs=1)
    try:
        process = executor.workers[0][0]
        threading.Timer(8.0, process.kill).start()  # mid-way through the first submission's hanging call
        results = {graded.result.submission: graded.result for graded in executor.run(tasks)}
    finally:
        executor.close()
    assert set(results) == {"hang", "correct"}
    assert results["hang"].score == 0 and results["hang"].flags == ("grader-error",)
    assert "grading worker died" in results["hang"].checks[0].message
    assert results["correct"].score == 10.0
