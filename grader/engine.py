"""One grading worker: a sandbox, a pytest session kept open, and ``grade(task)`` for one submission at a time.

pytest's session drives a loop over jobs (``checks.run_checks``), so the engine runs that session in a thread of its
own and feeds it tasks through a queue. Collection, the reference import and session fixtures happen once per
engine; each ``grade`` costs the student's own compute plus a fork. Engines are what local worker processes and
Dask workers hold.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import queue
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import bounds, render
from .assignment import Assignment
from .bindings import Bindings
from .formats import gradescope_results
from .load import LoadedSubmission, load_source, load_submission
from .models import (
    GRADER_ERROR,
    INVALID_SUBMISSION,
    LOAD_ERROR,
    WARNING,
    CheckOutcome,
    Figure,
    Identity,
    Location,
    Problem,
    SubmissionResult,
)
from .plugin import Job, run_checks
from .policy import apply_late, parse_time, withhold
from .program import Program
from .score import make_result, not_graded
from .session import StudentSession
from .worker_sandbox import Sandbox

__all__ = ["Engine", "Graded", "Task", "content_seed", "file_names", "finish", "results_json"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Task:
    """A submission to grade. ``data`` carries the file's bytes when the worker may not see the file itself."""

    id: str
    path: str
    data: bytes | None = None
    submitted_at: str | None = None  # ISO 8601; needed only when the assignment has a late policy
    deadline: str | None = None  # ISO 8601: this student's extended deadline, when they were given one
    identity: Identity | None = None  # who handed it in, from a learning platform's download


@dataclass(frozen=True, slots=True, kw_only=True)
class Graded:
    """A graded submission: the full result (for the gradebook), the result as students may see it now, and the
    files rendered from the latter (name → text), ready to be written anywhere."""

    result: SubmissionResult
    shown: SubmissionResult
    files: tuple[tuple[str, str], ...]


def content_seed(sha256: str) -> int:
    """The default seed: derived from the file's content, so regrading the same file gives the same inputs."""
    return int(sha256[:8] or "0", 16) % 2**31


def _load_problems(session: StudentSession, loaded: LoadedSubmission, functions: tuple[str, ...]
                   ) -> tuple[Problem, ...]:
    """The load errors that cost a graded function something (``Bindings.relevant``); the others, such as a line
    that reads what a skipped training cell would have made, are left out."""
    if not session.load_errors:  # the usual case: nothing to place, and reading the bindings is not free
        return ()
    problems = []
    errors = Bindings(loaded, functions).relevant(session.load_errors)
    if len(errors) > bounds.PROBLEMS:  # a result lists no more than this: locate no more than this
        problems.append(Problem(kind=LOAD_ERROR, message=f"{len(errors):,} statements raised while your definitions "
                                f"were loaded; the first {bounds.PROBLEMS - 1} are listed"))
        errors = errors[: bounds.PROBLEMS - 1]
    for error, users in errors:
        line = error.get("line")
        where: Location | None = loaded.locate(str(error.get("filename", "")), line if type(line) is int else 0)
        text = f"{str(error.get('type', 'Error'))[:100]}: {str(error.get('message', ''))[:500]}"
        label = where.describe() if where else "top level"
        cost = f"; {', '.join(users)} {'needs' if len(users) == 1 else 'need'} what it defines" if users else ""
        problems.append(Problem(kind=LOAD_ERROR, location=where,
                                message=f"{label}: this statement raised {text} while your definitions were "
                                        f"loaded{cost}"))
    return tuple(problems)


def results_json(shown: SubmissionResult) -> str:
    """The text of results.json for a result as students may see it: indented, but each figure's data (most of
    the file: grids, points, series) on one line, written by the json module's C encoder, which indenting forgoes."""
    data = shown.to_dict()
    token = secrets.token_hex(16)  # stands for each figure's data while the rest is indented: nothing else holds it
    compact = []
    for index, figure in enumerate(data.get("figures", ())):
        compact.append(json.dumps(figure["data"], allow_nan=False))
        figure["data"] = f"{token}-{index}"
    text = json.dumps(data, indent=2, allow_nan=False)
    for index, line in enumerate(compact):
        text = text.replace(f'"{token}-{index}"', line, 1)
    return text + "\n"


def file_names(formats: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The files ``finish`` renders for a submission, in its order."""
    return ("results.json", "report.html", "report.md") + (("gradescope.json",) if "gradescope" in formats else ())


def finish(result: SubmissionResult, assignment: Assignment, *, formats: tuple[str, ...] = (),
           now: datetime | None = None) -> Graded:
    """Withhold what students may not see yet, and render the files: results.json, report.html, report.md, and
    gradescope.json when asked for."""
    shown = withhold(result, assignment.hidden_until, now or datetime.now(UTC))
    lessons = render.lessons_for(shown, assignment.lessons)
    page, markdown = render.render_reports(shown, title=assignment.title, lessons=lessons)
    files = [
        ("results.json", results_json(shown)),
        ("report.html", page),
        ("report.md", markdown),
    ]
    if "gradescope" in formats:
        files.append(("gradescope.json", gradescope_results(shown)))
    return Graded(result=result, shown=shown, files=tuple(files))


class Engine:
    """Grades submissions of one assignment, one at a time. Use as a context manager."""

    def __init__(self, assignment: Assignment, *, slot: int = 0, insecure: bool = False,
                 seed: int | None = None, formats: tuple[str, ...] = (), as_of: str | None = None,
                 figures: bool = True) -> None:
        self.assignment = assignment
        self.seed = seed
        self.figures = figures  # False: the report-only checks that draw figures are not run
        self.formats = formats
        self.as_of = parse_time(as_of) if as_of else None
        self._inbox: queue.Queue[Job | None] = queue.Queue()
        self._outbox: queue.Queue[tuple[tuple[tuple[CheckOutcome, ...], tuple[Figure, ...]] | None,
                                        BaseException | None]] = queue.Queue()
        self._thread: threading.Thread | None = None
        # Set once the session has collected the checks; until then this thread loads nothing. CPython 3.11 keeps
        # the AST constructor's recursion count in state shared by the interpreter's threads (cpython gh-106905):
        # a load parsing beside pytest's assertion rewriting once failed with "AST constructor recursion depth
        # mismatch" (the full suite, two workers, two xdist processes).
        self._collected = threading.Event()
        self._failure: BaseException | None = None
        self._lock = threading.Lock()
        self._aborted = False
        # The checks' pytest session starts (collects the checks, imports the reference) as soon as the zygote has
        # been launched, and so while it starts: never before, since the zygote must start before any secret is
        # loaded in this process.
        try:
            self.sandbox = Sandbox(slot=slot, insecure=insecure, scratch_bytes=assignment.limits.scratch_bytes,
                                   on_launch=self._start_checks, spare=True)
        except BaseException:
            self._stop_checks()
            raise

    # -- the pytest session, in its own thread ----------------------------------------------------------------------

    def _jobs(self) -> Iterator[Job]:
        self._collected.set()  # asked for its first job: collection is over
        while (job := self._inbox.get()) is not None:
            yield job

    def _serve(self) -> None:
        try:
            run_checks(self.assignment, self._jobs(),
                       lambda job, outcomes, figures: self._outbox.put(((outcomes, figures), None)),
                       figures=self.figures)
        except BaseException as exc:  # a broken assignment or a grader bug: every waiting grade() hears of it
            self._failure = exc
            self._outbox.put((None, exc))
        finally:
            self._collected.set()

    def _start_checks(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name="grader-checks", daemon=True)
            self._thread.start()

    def _stop_checks(self) -> None:
        if self._thread is not None:
            self._inbox.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    def _check(self, job: Job) -> tuple[tuple[CheckOutcome, ...], tuple[Figure, ...]]:
        if self._failure is not None:
            raise self._failure
        self._inbox.put(job)  # the session runs: grade() started it before the load
        answer, error = self._outbox.get()
        if error is not None:
            raise error
        assert answer is not None
        return answer

    # -- grading ----------------------------------------------------------------------------------------------------

    def _load(self, task: Task) -> LoadedSubmission:
        if task.data is None:
            return load_submission(task.path, execute=self.assignment.execute,
                                   helpers=self.assignment.helper_modules)
        kind = "ipynb" if task.path.lower().endswith(".ipynb") else "py"
        loaded = load_source(task.data, name=Path(task.path).name, kind=kind, execute=self.assignment.execute,
                             helpers=self.assignment.helper_modules)
        return dataclasses.replace(loaded, path=task.path)

    def grade(self, task: Task) -> Graded:
        """Grade one submission. Student failures are in the result; only grader failures raise."""
        with self._lock:
            started = time.monotonic()
            problems: tuple[Problem, ...] = ()
            figures: tuple[Figure, ...] = ()
            output = ""
            self._start_checks()
            self._collected.wait()
            try:
                loaded = self._load(task)
            except Exception:  # a loader bug must not cost the rest of the batch
                logger.exception("the loader failed on %s", task.path)
                sha = hashlib.sha256(task.data).hexdigest() if task.data is not None else ""
                seed = self.seed if self.seed is not None else content_seed(sha)
                outcomes = not_graded(self.assignment, GRADER_ERROR, "the grader failed to read this file")
            else:
                seed = self.seed if self.seed is not None else content_seed(loaded.sha256)
                problems = loaded.problems
                if not loaded.ok:
                    reason = "; ".join(p.message for p in loaded.problems if p.kind != WARNING) or "unreadable"
                    outcomes = not_graded(self.assignment, INVALID_SUBMISSION, reason)
                else:
                    program = Program.build(loaded, self.assignment)
                    with self.sandbox.session(program, self.assignment.limits, seed) as session:
                        outcomes, figures = self._check(Job(id=task.id, loaded=loaded, session=session, seed=seed))
                        problems += _load_problems(session, loaded, self.assignment.functions)
                        output = session.output.text()
            result = make_result(self.assignment, outcomes, submission=task.id, path=task.path, seed=seed,
                                 duration_s=round(time.monotonic() - started, 3), problems=problems,
                                 sandbox=self.sandbox.layers, output=output, figures=figures)
            if task.identity is not None:
                result = dataclasses.replace(result, identity=task.identity)
            if self.assignment.late is not None and task.submitted_at:
                policy = self.assignment.late
                if task.deadline:
                    policy = dataclasses.replace(policy, deadline=parse_time(task.deadline))
                result = apply_late(result, parse_time(task.submitted_at), policy, extension=bool(task.deadline))
            return finish(result, self.assignment, formats=self.formats, now=self.as_of)

    def abort(self) -> None:
        """Stop now (Ctrl-C): kill the sandbox's processes; the submission being graded is abandoned, its remaining
        calls fail at once, and ``close`` does not wait for it."""
        self._aborted = True
        self.sandbox.kill()

    def close(self) -> None:
        """Stop the pytest session and the sandbox."""
        if not self._aborted:
            self._stop_checks()
        self.sandbox.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
