"""The whole batch on a two-function assignment, in seconds: worker processes grade every kind of file, bad files
become rows, a second run grades only what changed (and one process agrees with two), a dead worker costs only its
submission, and `grade` alone grades every assignment's examples.

These are the fast loop's stand-ins for the slow batch tests over shallow-nn's examples (test_batch.py,
test_examples.py): the same machinery (real sandbox, real pytest session, real worker processes), less compute.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from courses import write_batch, write_course

from grader import isolation
from grader.cli import main
from grader.engine import Task
from grader.executors import EngineOptions, ProcessExecutor
from grader.models import SubmissionResult

CONFIG = 'name = "duo"\nversion = "1"\nfunctions = ["add", "mul"]\n\n[limits]\ncall_seconds = 60\n'
CHECKS = '''
import pytest

@pytest.mark.grades("add")
def test_small(student, reference):
    assert student.add(1, 2) == reference.add(1, 2), "add(1, 2) should be 3"

@pytest.mark.grades("mul")
def test_product(student):
    assert student.mul(2, 3) == 6, "mul(2, 3) should be 6"
'''
RIGHT = "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n"
SUBMISSIONS = {
    "good.py": RIGHT,
    "half.py": RIGHT.replace("a * b", "a + b"),
    "syntax.py": RIGHT.replace("return a + b", "return (a + b"),
    "empty.py": "",
    "binary.py": b"\x00\x01\x02\xff" * 64,
    "corrupt.ipynb": '{"cells": [',
}
# id -> (score, flags it must carry)
EXPECTED = {"good": (3.0, set()), "half": (2.0, set()), "syntax": (1.0, {"syntax-error", "missing-function"}),
            "empty": (0.0, {"invalid-submission"}), "binary": (0.0, {"invalid-submission"}),
            "corrupt": (0.0, {"invalid-submission"})}


def make_course(base: Path) -> Path:
    """The assignment under ``base/root``, and ``base/batch``: a folder of every kind of submission."""
    root = base / "root"
    write_course(root, "duo", config=CONFIG, solution=RIGHT, points='[points]\n"add::small" = 2\n"mul::product" = 1\n',
                 checks=CHECKS)
    return write_batch(base / "batch", SUBMISSIONS)


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Iterator[tuple[Path, Path]]:
    """(batch folder, output folder) after one run with two worker processes; GRADER_ROOT points at the course."""
    base = tmp_path_factory.mktemp("duo")
    batch = make_course(base)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRADER_ROOT", str(base / "root"))
        grade(batch, "--out", base / "two", "--jobs", "2")
        yield batch, base / "two"


def grade(*args) -> str:
    result = CliRunner().invoke(main, [*map(str, args), "--assignment", "duo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def results(out: Path) -> dict[str, dict]:
    found = {}
    for path in sorted(out.glob("*/results.json")):
        data = SubmissionResult.from_dict(json.loads(path.read_text())).without_timings().to_dict()
        found[data["submission"]] = data
    return found


def test_worker_processes_grade_every_kind_of_file_and_bad_files_become_rows(graded):
    _, out = graded
    found = results(out)
    assert set(found) == set(EXPECTED)
    for sid, (score, flags) in EXPECTED.items():
        assert found[sid]["score"] == score and flags <= set(found[sid]["flags"]), found[sid]
        assert found[sid]["max_score"] == 3.0
    for sid in ("empty", "binary", "corrupt"):
        (problem,) = found[sid]["problems"]
        assert problem["kind"] == "invalid-submission" and sid in problem["message"]
        assert "Traceback" not in problem["message"]
    rows = {r["submission"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert {sid: float(r["total"]) for sid, r in rows.items()} == {sid: s for sid, (s, _) in EXPECTED.items()}
    assert json.loads((out / "summary.json").read_text())["submissions"] == 6


def test_a_second_run_grades_only_what_changed_and_one_process_agrees_with_two(graded, tmp_path):
    batch, out = tmp_path / "batch", tmp_path / "out"  # copies: the gradebook knows files by id and content
    shutil.copytree(graded[0], batch)
    shutil.copytree(graded[1], out)
    again = grade(batch, "--out", out, "-j", "1")
    assert "6 submission(s) already graded; grading 0" in again
    shutil.copy(batch / "good.py", batch / "copy.py")  # new id, same content (so the same seed): graded inline
    copied = grade(batch, "--out", out, "-j", "1")
    assert "6 submission(s) already graded; grading 1" in copied
    by_workers, inline = results(graded[1])["good"], results(out)["copy"]
    assert {**inline, "submission": "", "path": ""} == {**by_workers, "submission": "", "path": ""}
    (batch / "half.py").write_text(RIGHT)
    fixed = grade(batch, "--out", out, "-j", "1")
    assert "6 submission(s) already graded; grading 1" in fixed
    assert results(out)["half"]["score"] == 3.0
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert len(rows) == 7 and {r["submission"]: r["total"] for r in rows}["half"] == "3"


def test_an_unchanged_result_is_not_rendered_again_but_a_missing_file_is(graded, tmp_path):
    batch, out = tmp_path / "batch", tmp_path / "out"
    shutil.copytree(graded[0], batch)
    shutil.copytree(graded[1], out)
    files = sorted(out.glob("*/report.*")) + sorted(out.glob("*/results.json"))
    before = {path: (path.stat().st_ino, path.stat().st_mtime_ns) for path in files}
    (out / "half" / "report.md").unlink()
    (out / "good" / "results.json").write_text("{}")  # not what the gradebook holds: written again, whole
    assert "6 submission(s) already graded; grading 0" in grade(batch, "--out", out, "-j", "1")
    rewritten = {path for path in files if not path.exists() or (path.stat().st_ino, path.stat().st_mtime_ns)
                 != before[path]}
    assert rewritten == {out / "half" / "report.md", out / "good" / "results.json", out / "good" / "report.html",
                         out / "good" / "report.md", out / "half" / "report.html", out / "half" / "results.json"}
    assert results(out) == results(graded[1])
    assert (out / "half" / "report.md").read_text() == (graded[1] / "half" / "report.md").read_text()


def test_a_result_reported_done_survives_kill_9(tmp_path):
    """SIGKILL to the whole batch (coordinator and workers) once some results are printed: every submission printed
    as done is in the gradebook (results are committed a group at a time, and printed only once committed)."""
    batch = make_course(tmp_path)
    for i in range(80):
        (batch / f"many_{i:02d}.py").write_text(RIGHT + f"\n# {i}\n")
    command = [sys.executable, "-m", "grader.cli", str(batch), "--out", str(tmp_path / "out"), "-j", "2",
               "--assignment", "duo"]
    environment = {**os.environ, "GRADER_ROOT": str(tmp_path / "root"), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env=environment, start_new_session=True)
    printed: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if re.match(r"^[\w-]+: [\d.]+/3", line):
                printed.append(line.split(":")[0])
            if len(printed) >= 10:
                break
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert len(printed) >= 10
    with sqlite3.connect(tmp_path / "out" / "gradebook.sqlite") as db:
        stored = {row[0] for row in db.execute("SELECT submission FROM grades")}
    assert set(printed) <= stored and len(stored) < 86  # killed mid-batch, and nothing printed was lost


def _kill_once_its_student_runs(worker) -> None:
    """Kill a grading worker as soon as a student process of its sandbox is alive (the first submission is
    loading or hanging: its call may run for 60 s), or after 3 s where uids are not switched (not root)."""
    deadline = time.monotonic() + (60 if os.geteuid() == 0 else 3)
    uid = isolation.UID_BASE + (worker.pid % 4_000_000) * 16  # isolation.sandbox_uid(0) as seen from the worker
    while time.monotonic() < deadline and os.geteuid() == 0:
        if any(entry.name.isdigit() and _uid_of(entry.path) == uid for entry in os.scandir("/proc")):
            break
        time.sleep(0.02)
    worker.kill()


def _uid_of(path: str) -> int | None:
    try:
        return os.stat(path).st_uid
    except FileNotFoundError:
        return None


def test_a_dead_worker_costs_only_its_submission(tmp_path):
    batch = make_course(tmp_path)
    hang = batch / "hang.py"
    hang.write_text("def add(a, b):\n    while True:\n        pass\n\n\ndef mul(a, b):\n    return a * b\n")
    tasks = [Task(id="hang", path=str(hang)), Task(id="good", path=str(batch / "good.py"))]
    executor = ProcessExecutor(tmp_path / "root", "duo", EngineOptions(), jobs=1)
    try:
        worker = executor.workers[0][0]
        killer = threading.Thread(target=_kill_once_its_student_runs, args=(worker,), daemon=True)
        killer.start()
        graded = {g.result.submission: g.result for g in executor.run(tasks)}
        killer.join()
    finally:
        executor.close()
    assert set(graded) == {"hang", "good"}
    assert graded["hang"].score == 0 and graded["hang"].flags == ("grader-error",)
    assert all("the grading worker died" in c.message for c in graded["hang"].checks)
    assert graded["good"].score == 3.0 and graded["good"].flags == ()


def test_grade_without_arguments_grades_each_assignments_examples_into_reports(tmp_path, monkeypatch):
    """`grade` alone: every assignment's examples/, each into reports/<name>/ when there are several."""
    make_course(tmp_path)
    root = tmp_path / "root"
    second = root / "assignments" / "duet"
    shutil.copytree(root / "assignments" / "duo", second)
    (second / "assignment.toml").write_text(CONFIG.replace('"duo"', '"duet"'))
    shutil.copytree(root / "reference" / "duo", root / "reference" / "duet")
    for name, files in (("duo", ("good.py", "half.py")), ("duet", ("syntax.py",))):
        (root / "assignments" / name / "examples").mkdir()
        for file in files:
            shutil.copy(tmp_path / "batch" / file, root / "assignments" / name / "examples" / file)
    monkeypatch.chdir(root)
    monkeypatch.delenv("GRADER_ROOT", raising=False)
    result = CliRunner().invoke(main, ["-j", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    reports = root / "reports"
    assert sorted(p.name for p in reports.iterdir()) == ["duet", "duo"]
    assert {sid: data["score"] for sid, data in results(reports / "duo").items()} == {"good": 3.0, "half": 2.0}
    assert {sid: data["score"] for sid, data in results(reports / "duet").items()} == {"syntax": 1.0}
    assert (reports / "duo" / "gradebook.csv").is_file() and (reports / "duet" / "summary.html").is_file()


def test_workers_start_with_the_report_templates_and_notebook_validator_already_built(tmp_path, monkeypatch):
    """The coordinator builds what every worker would build on its first notebook (the report templates, nbformat's
    validator) before it forks them: no worker compiles a template or a schema of its own."""
    import jinja2
    import nbformat

    from grader import templating

    batch = make_course(tmp_path)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(RIGHT)]
    (batch / "notebook.ipynb").write_text(nbformat.writes(notebook))
    built = tmp_path / "built.txt"

    def record(what: str) -> None:
        with open(built, "a") as file:
            file.write(f"{os.getpid()} {what}\n")

    compile_template, make_validator = jinja2.Environment.compile, nbformat.validator.get_current_validator

    def compiling(self, source, name=None, *args, **kwargs):
        record(f"template {name}")
        return compile_template(self, source, name, *args, **kwargs)

    def validator():
        class Recording(make_validator()):  # type: ignore[misc]
            def __init__(self, schema):
                record("validator")
                super().__init__(schema)

        return Recording

    monkeypatch.setattr(jinja2.Environment, "compile", compiling)
    monkeypatch.setattr(nbformat.validator, "get_current_validator", validator)
    monkeypatch.setattr(nbformat.validator, "validators", {})  # as in a fresh process
    templating.environment.cache_clear()
    tasks = [Task(id=path.stem, path=str(path)) for path in (batch / "good.py", batch / "notebook.ipynb")]
    executor = ProcessExecutor(tmp_path / "root", "duo", EngineOptions(), jobs=2)
    try:
        graded = {g.result.submission: g.result for g in executor.run(tasks)}
    finally:
        executor.close()
        templating.environment.cache_clear()
    assert {sid: result.score for sid, result in graded.items()} == {"good": 3.0, "notebook": 3.0}
    lines = [line.split(" ", 1) for line in built.read_text().splitlines()]
    assert {what for _, what in lines} >= {"template report.html.j2", "template report.md.j2", "validator"}
    assert {int(pid) for pid, _ in lines} == {os.getpid()}, lines  # all built by the coordinator
