"""The coordinator of a batch: discover submissions, skip what is already graded, grade the rest on an executor,
write each result as it comes, and export the gradebook.

``grade_paths`` is the library entry point the CLI calls. One bad submission becomes a result row with its reason
and never stops the batch; only a failure of the grader itself (broken assignment, no sandbox) raises.

The coordinator's memory does not grow with the batch: it keeps a few small values per submission (its id, path,
gradebook row, and its content hash while it is in flight), reads each file only when a worker is ready for it, and
builds the CSV, the class summary and junit.xml by streaming the batch's results back from the gradebook
(``gradebook.StoredResults``).
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import os
import stat
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .assignment import Assignment
from .discovery import FEEDBACK_ZIP, RESERVED, SUFFIXES, Submission, discover, no_submissions
from .engine import Graded, Task, finish
from .errors import Interrupted, UsageError
from .executors import EngineOptions, Executor, make_executor
from .formats import write_junit
from .gradebook import Gradebook, StoredResults, write_csv
from .ingest import Rejected
from .lms import CANVAS, MOODLE
from .lms_export import batch_notes, read_roster, write_feedback_zip, write_platform_csv
from .load import MAX_SUBMISSION_BYTES
from .models import INVALID_SUBMISSION, Problem, SubmissionResult
from .policy import extension_for, iso, parse_time, withhold
from .resume import refresh, reusable, write_result
from .score import make_result, not_graded
from .sources import Collected, collect, has_archive
from .summary import summarise
from .summary_page import write_summary

__all__ = [
    "BatchOptions",
    "LOCK_NAME",
    "Progress",
    "RESERVED",
    "SUFFIXES",
    "Submission",
    "discover",
    "grade_paths",
    "grade_submissions",
    "submitted_at",
    "write_result",
]

LOCK_NAME = ".grade.lock"  # in the output folder: one batch at a time writes there


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchOptions:
    """How to run a batch."""

    jobs: int = 1
    executor: str = "local"
    scheduler: str | None = None
    seed: int | None = None
    insecure: bool = False
    regrade: bool = False
    gradebook_layout: str = "plain"  # plain, canvas, moodle, or auto (the platform of the batch's archives)
    formats: tuple[str, ...] = ()  # extra outputs: "junit" (OUT/junit.xml), "gradescope" (OUT/<id>/gradescope.json)
    as_of: str | None = None  # "now" for visibility (ISO 8601); default: the real time
    timestamps: Mapping[str, str] = field(default_factory=dict)  # submission id -> submitted at (ISO 8601)
    extensions: Mapping[str, str] = field(default_factory=dict)  # student (casefolded) -> deadline (ISO 8601)
    platform: str = "auto"  # how archives name students: auto, canvas, moodle or plain
    roster: Path | None = None  # Canvas's gradebook export or Moodle's grading worksheet
    feedback_zip: bool = False  # write OUT/feedback.zip for the platform's bulk feedback upload
    figures: bool = True  # False: reports without figures, and the checks that only draw them are not run


@dataclass(frozen=True, slots=True, kw_only=True)
class Progress:
    """Where a batch stands, for progress displays."""

    done: int
    total: int
    skipped: int
    result: SubmissionResult | None = None


@dataclass(slots=True)
class _Batch:
    """What the coordinator keeps while a batch runs: a few small values per submission, none of its results."""

    done: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # submission id -> its row in the gradebook
    hashes: dict[str, str] = field(default_factory=dict)  # submission id -> sha256 of the bytes graded (in flight)


def submitted_at(submission: Submission, timestamps: Mapping[str, str]) -> str | None:
    """When a submission came in: from the timestamps table, else the file's modification time (never for a file
    from an archive: platforms stamp their downloads' entries with the time of the download)."""
    if submission.id in timestamps:
        return iso(parse_time(timestamps[submission.id]))
    if submission.label:
        return None
    try:
        return iso(datetime.fromtimestamp(os.stat(submission.file).st_mtime, UTC))
    except OSError:
        return None


def _read_for_task(path: str) -> tuple[bytes | None, str]:
    """The file's bytes and their hash, when it is a plain readable file of reasonable size with a single name; else
    (None, ""), and the worker's loader says why in the submission's row (load._read). Only a regular file is
    opened, without following a link, and checked again once open."""
    try:
        before = os.lstat(path)
        if not stat.S_ISREG(before.st_mode) or before.st_nlink != 1 or before.st_size > MAX_SUBMISSION_BYTES:
            return None, ""
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        with open(fd, "rb") as fh:
            now = os.fstat(fd)
            if (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino) or now.st_nlink != 1:
                return None, ""
            data = fh.read(MAX_SUBMISSION_BYTES + 1)
    except OSError:
        return None, ""
    if len(data) > MAX_SUBMISSION_BYTES:
        return None, ""
    return data, hashlib.sha256(data).hexdigest()


def _tasks(todo: Sequence[tuple[Submission, str | None, str | None]], batch: _Batch) -> Iterator[Task]:
    """A task per submission, its file read only when an executor asks for it (never the whole batch at once)."""
    for submission, when, deadline in todo:
        data, digest = _read_for_task(submission.file)
        batch.hashes[submission.id] = digest  # what is graded is what is recorded, had the file changed meanwhile
        label = submission.label if data is not None else ""  # without bytes the worker reads the file
        yield Task(id=submission.id, path=label or submission.file, data=data, submitted_at=when,
                   deadline=deadline, identity=submission.identity)


@contextmanager
def _lock_output(out_dir: Path) -> Iterator[int]:
    """Hold the output folder for this batch; another batch on it is refused, naming the process that holds it.

    An advisory ``flock`` on ``OUT/.grade.lock``: the kernel releases it when the holder exits, even by SIGKILL.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(out_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise UsageError(f"{out_dir}: cannot write the results there ({exc.strerror})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
            who = f"process {holder}" if holder.isdigit() else "another process"
            raise UsageError(f"{out_dir} is in use by another grading run ({who}): wait for it to finish, or "
                             "grade into another folder with --out") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield fd
    finally:
        os.close(fd)


def grade_paths(
    paths: Sequence[Path],
    assignment: Assignment,
    *,
    out_dir: Path,
    options: BatchOptions = BatchOptions(),
    on_progress: Callable[[Progress], None] | None = None,
) -> StoredResults:
    """Grade every submission under ``paths`` (see ``discovery.discover``) into ``out_dir``; see ``grade_submissions``.

    Raises ``UsageError`` when ``paths`` hold no submission, saying where it looked and what it takes.
    """
    if not has_archive(paths):
        submissions = discover(paths)
        if not submissions:
            raise no_submissions(paths)
        return grade_submissions(submissions, assignment, out_dir=out_dir, options=options, on_progress=on_progress)
    with tempfile.TemporaryDirectory(prefix="grader-archive-") as private:  # mode 0700, removed afterwards
        collected = collect(paths, Path(private), platform=options.platform)
        if not collected.submissions and not collected.rejected:
            raise no_submissions(paths)
        return grade_submissions(collected.submissions, assignment, out_dir=out_dir, options=options,
                                 on_progress=on_progress, collected=collected)


def grade_submissions(
    submissions: Sequence[Submission],
    assignment: Assignment,
    *,
    out_dir: Path,
    options: BatchOptions = BatchOptions(),
    on_progress: Callable[[Progress], None] | None = None,
    collected: Collected | None = None,
) -> StoredResults:
    """Grade ``submissions`` into ``out_dir``; returns the results sorted by id as students may see them, read from
    the gradebook as they are iterated (``gradebook.StoredResults``: valid while ``out_dir`` is). ``collected`` is
    what the batch's archives held besides (rejected members become result rows; the rest goes to the summary).

    Results already in ``out_dir/gradebook.sqlite`` for the same content and assignment version are reused unless
    ``options.regrade``; everything graded is committed there as it comes in. Another batch writing into
    ``out_dir`` at the same time is refused (``UsageError``). Ctrl-C stops the workers within about two seconds,
    keeps every result saved so far, and raises ``Interrupted``: the same call then resumes.
    """
    collected = collected or Collected(submissions=tuple(submissions))
    with _lock_output(out_dir) as lock:
        results = _grade_locked(submissions, assignment, out_dir=out_dir, options=options, on_progress=on_progress,
                                collected=collected, lock=lock)
        listed = results.without_figures()  # the CSV, the summary and junit draw nothing
        layout = options.gradebook_layout
        if layout == "auto":  # the platform the batch's archives come from
            layout = collected.platform if collected.platform in (CANVAS, MOODLE) else "plain"
        roster = read_roster(options.roster, layout) if options.roster and layout in (CANVAS, MOODLE) else None
        if layout in (CANVAS, MOODLE):
            missing = write_platform_csv(listed, assignment, out_dir / "gradebook.csv", layout=layout,
                                         roster=roster)
        else:
            write_csv(listed, assignment.functions, out_dir / "gradebook.csv", ordered=True)
            missing = ()
        if options.feedback_zip:
            write_feedback_zip(listed, out_dir, out_dir / FEEDBACK_ZIP)
        notes = batch_notes(collected, missing=missing, book=out_dir / "gradebook.sqlite")
        write_summary(summarise(listed, functions=assignment.functions), out_dir, title=assignment.title,
                      notes=notes)
        if "junit" in options.formats:
            write_junit(listed, out_dir / "junit.xml")
    return results


class _Commits:
    """Results whose files are written, committed to the gradebook together: when ``GROUP`` of them wait, or when
    one has waited ``GROUP_SECONDS`` by the time the next arrives, and at the end of the batch or on Ctrl-C. A result
    is reported done (``report``) only once it is committed, so a SIGKILL loses nothing reported as done; what it
    does lose is graded again on resume."""

    GROUP = 64
    GROUP_SECONDS = 0.2

    def __init__(self, book: Gradebook, run_id: int, version: str, batch: _Batch,
                 report: Callable[[Graded], None]) -> None:
        self.book, self.run_id, self.version, self.batch, self.report = book, run_id, version, batch, report
        self.waiting: list[Graded] = []
        self.since = 0.0

    def add(self, graded: Graded) -> None:
        if not self.waiting:
            self.since = time.monotonic()
        self.waiting.append(graded)
        if len(self.waiting) >= self.GROUP or time.monotonic() - self.since >= self.GROUP_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Commit what waits, count it, then report it. A Ctrl-C while reporting (the progress display runs here)
        must not leave committed results uncounted: the count is what ``Interrupted`` says was saved."""
        waiting = self.waiting
        if not waiting:
            return
        hashes = self.batch.hashes
        rows = self.book.record_many(self.run_id, [(g.result, hashes.get(g.result.submission, "")) for g in waiting],
                                     self.version)
        self.waiting = []
        self.batch.rows.update((graded.result.submission, row) for graded, row in zip(waiting, rows))
        self.batch.done += len(rows)
        for graded in waiting:
            hashes.pop(graded.result.submission, None)
        for graded in waiting:
            self.report(graded)


def _rejected_row(rejected: Rejected, assignment: Assignment, options: BatchOptions, now: datetime) -> Graded:
    """The result row of a member an archive held but the grader refused to read."""
    message = f"{rejected.label}: {rejected.reason}"
    result = make_result(assignment, not_graded(assignment, INVALID_SUBMISSION, message), submission=rejected.id,
                         path=rejected.label, seed=0, problems=(Problem(kind=INVALID_SUBMISSION, message=message),))
    result = dataclasses.replace(result, identity=rejected.identity)
    return finish(result, assignment, formats=options.formats, now=now)


def _grade_locked(submissions: Sequence[Submission], assignment: Assignment, *, out_dir: Path,
                  options: BatchOptions, on_progress: Callable[[Progress], None] | None,
                  collected: Collected, lock: int) -> StoredResults:
    """Reuse what the gradebook holds, grade the rest, commit each result as it comes in."""
    version = f"{assignment.version}+{assignment.fingerprint}"
    now = parse_time(options.as_of) if options.as_of else datetime.now(UTC)
    batch = _Batch()
    book_path = out_dir / "gradebook.sqlite"
    with Gradebook(book_path) as book:
        run_id = book.start_run(assignment.name, version)
        todo: list[tuple[Submission, str | None, str | None]] = []
        book.record_superseded(run_id, ((s.id, s.label, s.by) for s in collected.superseded))
        for refused in collected.rejected:
            graded = _rejected_row(refused, assignment, options, now)
            write_result(graded, out_dir / refused.id)
            batch.rows[refused.id] = book.record(run_id, graded.result, "", version)
        for submission in submissions:
            digest = _read_for_task(submission.file)[1]
            when = submitted_at(submission, options.timestamps) if assignment.late is not None else None
            deadline = extension_for(options.extensions, submission.id, submission.identity)
            found = None if options.regrade else book.find_row(submission.id, digest, assignment.name, version,
                                                               figures=False)
            if found is not None and reusable(found[1], when, deadline, assignment):
                batch.rows[submission.id] = found[0]
                refresh(book, found, submission, out_dir / submission.id, assignment, options.formats, now)
                continue
            todo.append((submission, when, deadline))
        skipped = len(batch.rows)
        if on_progress is not None:
            on_progress(Progress(done=0, total=len(todo), skipped=skipped))

        commits = _Commits(book, run_id, version, batch, lambda graded: None if on_progress is None else on_progress(
            Progress(done=batch.done, total=len(todo), skipped=skipped, result=graded.shown)))

        def save(graded: Graded) -> None:
            write_result(graded, out_dir / graded.result.submission)
            commits.add(graded)

        if todo:
            try:
                _run_tasks(_tasks(todo, batch), len(todo), assignment, options, save, commits.flush, out_dir=out_dir,
                           skipped=skipped, batch=batch, lock=lock)
            finally:
                commits.flush()
    return StoredResults(book_path, [batch.rows[sid] for sid in sorted(batch.rows)],
                         view=lambda result: withhold(result, assignment.hidden_until, now))


def _run_tasks(tasks: Iterator[Task], count: int, assignment: Assignment, options: BatchOptions,
               save: Callable[[Graded], None], flush: Callable[[], None], *, out_dir: Path, skipped: int,
               batch: _Batch, lock: int) -> None:
    """Run ``tasks`` on the executor, saving each result; on Ctrl-C, save what completes and raise Interrupted."""
    root = assignment.public_dir.parent.parent
    engine_options = EngineOptions(insecure=options.insecure, seed=options.seed, formats=options.formats,
                                   as_of=options.as_of, figures=options.figures)
    executor: Executor | None = None
    try:
        executor = make_executor(root, assignment.name, engine_options, kind=options.executor,
                                 jobs=min(options.jobs, count), scheduler=options.scheduler, private=(lock,))
        for graded in executor.run(tasks):
            save(graded)
    except KeyboardInterrupt:
        finished = executor.stop() if executor is not None else []
        executor = None
        for graded in finished:
            save(graded)
        flush()
        raise Interrupted(saved=batch.done, earlier=skipped, left=count - batch.done, out=str(out_dir)) from None
    finally:
        if executor is not None:
            executor.close()
