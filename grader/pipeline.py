"""The whole flow for a batch of submissions: load → sandbox → checks → score → render and write.

``grade_paths`` is the library entry point the CLI calls. One bad submission becomes a result row with its reason
and never stops the batch; only a failure of the grader itself (broken assignment, no sandbox) raises.
"""

from __future__ import annotations

import json
import re
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import render
from .assignment import Assignment
from .checks import CheckOutcome, Job, run_checks
from .errors import UsageError
from .gradebook import write_csv
from .load import LoadedSubmission, load_submission
from .models import Location, Problem, SubmissionResult
from .score import collect_flags, score_checks, totals
from .session import Program, Sandbox, StudentSession

SUFFIXES = (".py", ".ipynb")


@dataclass(frozen=True, slots=True, kw_only=True)
class Submission:
    """A file to grade and the id its results are filed under."""

    id: str
    path: Path


def _safe_id(stem: str) -> str:
    cleaned = re.sub(r"[^\w.@+-]", "_", stem)[:120]
    return cleaned if cleaned and not cleaned.startswith(".") else "_" + cleaned


def discover(paths: Sequence[Path]) -> tuple[Submission, ...]:
    """The submissions named by ``paths``: files as given, and the .py/.ipynb files directly inside folders."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir()
                            if p.suffix in SUFFIXES and not p.name.startswith(".") and not p.is_dir())
        elif path.exists():
            files.append(path)
        else:
            raise UsageError(f"{path}: no such file or folder")
    taken: set[str] = set()
    out = []
    for file in files:
        base = _safe_id(file.stem)
        sid = base if base not in taken else _safe_id(file.name)
        n = 2
        while sid in taken:
            sid, n = f"{base}-{n}", n + 1
        taken.add(sid)
        out.append(Submission(id=sid, path=file))
    return tuple(out)


def content_seed(loaded: LoadedSubmission) -> int:
    """The default seed: derived from the file's content, so regrading the same file gives the same inputs."""
    return int(loaded.sha256[:8] or "0", 16) % 2**31


def _not_graded(assignment: Assignment, kind: str, message: str) -> tuple[CheckOutcome, ...]:
    return tuple(
        CheckOutcome(id=cid, function=cid.split("::", 1)[0], status="error", flags=(kind,),
                     message=f"Not graded: {message}")
        for cid in assignment.points
    )


def _load_problems(session: StudentSession, loaded: LoadedSubmission) -> tuple[Problem, ...]:
    problems = []
    for error in session.load_errors:
        where: Location | None = loaded.locate(str(error.get("filename", "")), int(error.get("line") or 0))
        text = f"{str(error.get('type', 'Error'))[:100]}: {str(error.get('message', ''))[:500]}"
        label = where.describe() if where else "top level"
        problems.append(Problem(kind="load-error", location=where,
                                message=f"{label}: this statement raised {text} while your definitions were loaded"))
    return tuple(problems)


class _Batch:
    """Turns jobs into results and writes them as they come."""

    def __init__(self, assignment: Assignment, out_dir: Path | None, seed: int | None, sandbox: Sandbox,
                 on_result: Callable[[SubmissionResult], None] | None) -> None:
        self.assignment = assignment
        self.out_dir = out_dir
        self.seed = seed
        self.sandbox = sandbox
        self.on_result = on_result
        self.results: list[SubmissionResult] = []
        self.started: dict[str, float] = {}

    def finish(self, submission_id: str, path: Path, loaded: LoadedSubmission | None, seed: int,
               outcomes: Sequence[CheckOutcome], problems: Sequence[Problem], output: str = "") -> None:
        checks = score_checks(outcomes, self.assignment.points)
        score, most = totals(checks)
        problems = tuple(problems)
        result = SubmissionResult(
            assignment=self.assignment.name, assignment_version=self.assignment.version,
            submission=submission_id, path=str(path), score=score, max_score=most,
            duration_s=round(time.monotonic() - self.started.pop(submission_id, time.monotonic()), 3),
            seed=seed, flags=collect_flags(checks, problems), checks=checks, problems=problems,
            sandbox=self.sandbox.layers, output=output,
        )
        if self.out_dir is not None:
            write_result(result, self.out_dir / submission_id, self.assignment)
        self.results.append(result)
        if self.on_result is not None:
            self.on_result(result)

    def jobs(self, submissions: Sequence[Submission]) -> Iterator[Job]:
        for submission in submissions:
            self.started[submission.id] = time.monotonic()
            try:
                loaded = load_submission(submission.path, execute=self.assignment.execute)
            except Exception:  # a loader bug must not cost the rest of the batch
                traceback.print_exc(file=sys.stderr)
                self.finish(submission.id, submission.path, None, self.seed or 0,
                            _not_graded(self.assignment, "grader-error", "the grader failed to read this file"), ())
                continue
            seed = self.seed if self.seed is not None else content_seed(loaded)
            if not loaded.ok:
                reason = "; ".join(p.message for p in loaded.problems if p.kind != "warning") or "unreadable"
                self.finish(submission.id, submission.path, loaded, seed,
                            _not_graded(self.assignment, "invalid-submission", reason), loaded.problems)
                continue
            session = self.sandbox.session(Program.build(loaded, self.assignment), self.assignment.limits, seed)
            try:
                yield Job(id=submission.id, loaded=loaded, session=session, seed=seed)
            finally:
                session.close()

    def on_done(self, job: Job, outcomes: tuple[CheckOutcome, ...]) -> None:
        problems = job.loaded.problems + _load_problems(job.session, job.loaded)
        self.finish(job.id, Path(job.loaded.path), job.loaded, job.seed, outcomes, problems, job.session.output.text())


def write_result(result: SubmissionResult, folder: Path, assignment: Assignment) -> None:
    """Write results.json, report.html and report.md for one submission."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "results.json.tmp"
    tmp.write_text(json.dumps(result.to_dict(), indent=2, allow_nan=False) + "\n", encoding="utf-8")
    tmp.replace(folder / "results.json")
    lessons = render.lessons_for(result, assignment.lessons)
    render.write_reports(result, folder, title=assignment.title, lessons=lessons)


def grade_paths(
    paths: Sequence[Path],
    assignment: Assignment,
    *,
    out_dir: Path | None,
    seed: int | None = None,
    insecure: bool = False,
    on_result: Callable[[SubmissionResult], None] | None = None,
) -> tuple[SubmissionResult, ...]:
    """Grade every submission under ``paths``; write per-submission files and ``gradebook.csv`` into ``out_dir``."""
    submissions = discover(paths)
    with Sandbox(insecure=insecure) as sandbox:
        batch = _Batch(assignment, out_dir, seed, sandbox, on_result)
        run_checks(assignment, batch.jobs(submissions), batch.on_done)
    results = tuple(sorted(batch.results, key=lambda r: r.submission))
    if out_dir is not None:
        write_csv(results, assignment.functions, out_dir / "gradebook.csv")
    return results
