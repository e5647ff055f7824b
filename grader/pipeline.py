"""The coordinator of a batch: discover submissions, skip what is already graded, grade the rest on an executor,
write each result as it comes, and export the gradebook.

``grade_paths`` is the library entry point the CLI calls. One bad submission becomes a result row with its reason
and never stops the batch; only a failure of the grader itself (broken assignment, no sandbox) raises.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .assignment import Assignment
from .engine import Graded, Task, finish
from .errors import UsageError
from .executors import EngineOptions, make_executor
from .formats import junit_xml
from .gradebook import Gradebook, write_csv
from .load import MAX_SUBMISSION_BYTES
from .models import SubmissionResult
from .policy import iso, parse_time
from .summary import summarise, write_summary

__all__ = [
    "BatchOptions",
    "Progress",
    "RESERVED",
    "SUFFIXES",
    "Submission",
    "discover",
    "grade_paths",
    "submitted_at",
    "write_result",
]

SUFFIXES = (".py", ".ipynb")


@dataclass(frozen=True, slots=True, kw_only=True)
class Submission:
    """A file to grade and the id its results are filed under."""

    id: str
    path: Path


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchOptions:
    """How to run a batch."""

    jobs: int = 1
    executor: str = "local"
    scheduler: str | None = None
    seed: int | None = None
    insecure: bool = False
    regrade: bool = False
    gradebook_layout: str = "plain"
    formats: tuple[str, ...] = ()  # extra outputs: "junit" (OUT/junit.xml), "gradescope" (OUT/<id>/gradescope.json)
    as_of: str | None = None  # "now" for visibility (ISO 8601); default: the real time
    timestamps: Mapping[str, str] = field(default_factory=dict)  # submission id -> submitted at (ISO 8601)


@dataclass(frozen=True, slots=True, kw_only=True)
class Progress:
    """Where a batch stands, for progress displays."""

    done: int
    total: int
    skipped: int
    result: SubmissionResult | None = None


@dataclass(slots=True)
class _Counter:
    done: int = 0
    results: dict[str, SubmissionResult] = field(default_factory=dict)  # as students may see them


# Names the batch itself writes into the output folder; a submission's folder must never take one of them.
RESERVED = frozenset({"gradebook.csv", "gradebook.sqlite", "gradebook.sqlite-wal", "gradebook.sqlite-shm",
                      "gradebook.sqlite-journal", "summary.html", "summary.json", "junit.xml", "similarity.html",
                      "similarity.json", "test-artifacts"})


def _safe_id(stem: str) -> str:
    cleaned = re.sub(r"[^\w.@+-]", "_", stem)[:120]
    if not cleaned or cleaned.startswith(".") or cleaned.lower().removesuffix(".tmp") in RESERVED:
        return "_" + cleaned
    return cleaned


def discover(paths: Sequence[Path]) -> tuple[Submission, ...]:
    """The submissions named by ``paths``: files as given, and the .py/.ipynb files directly inside folders."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir()
                            if p.suffix in SUFFIXES and not p.name.startswith(".") and not p.is_dir())
        elif path.exists() or path.is_symlink():
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


def submitted_at(submission: Submission, timestamps: Mapping[str, str]) -> str | None:
    """When a submission came in: from the timestamps table, else the file's modification time."""
    if submission.id in timestamps:
        return iso(parse_time(timestamps[submission.id]))
    try:
        return iso(datetime.fromtimestamp(submission.path.stat().st_mtime, UTC))
    except OSError:
        return None


def _reusable(previous: SubmissionResult | None, when: str | None, assignment: Assignment) -> bool:
    """A stored result still holds when the late policy would judge the same submission time."""
    if previous is None:
        return False
    if assignment.late is None:
        return True
    return previous.late is not None and previous.late.submitted_at == when


def _read_for_task(path: Path) -> tuple[bytes | None, str]:
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


def _stale(folder: Path, graded: Graded) -> bool:
    """Whether the files on disk differ from what would be written now (e.g. details released since)."""
    for name, text in graded.files:
        path = folder / name
        if not path.is_file() or (name == "results.json" and path.read_text(encoding="utf-8") != text):
            return True
    return False


def write_result(graded: Graded, folder: Path) -> None:
    """Write one submission's files (results.json, report.html, report.md) atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in graded.files:
        tmp = folder / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, folder / name)


def grade_paths(
    paths: Sequence[Path],
    assignment: Assignment,
    *,
    out_dir: Path,
    options: BatchOptions = BatchOptions(),
    on_progress: Callable[[Progress], None] | None = None,
) -> tuple[SubmissionResult, ...]:
    """Grade every submission under ``paths`` into ``out_dir``; returns the results sorted by id.

    Results already in ``out_dir/gradebook.sqlite`` for the same content and assignment version are reused unless
    ``options.regrade``; everything graded is committed there as it comes in.
    """
    submissions = discover(paths)
    version = f"{assignment.version}+{assignment.fingerprint}"
    root = assignment.public_dir.parent.parent
    engine_options = EngineOptions(insecure=options.insecure, seed=options.seed, formats=options.formats,
                                   as_of=options.as_of)
    now = parse_time(options.as_of) if options.as_of else datetime.now(UTC)
    counter = _Counter()
    with Gradebook(out_dir / "gradebook.sqlite") as book:
        run_id = book.start_run(assignment.name, version)
        tasks: list[Task] = []
        hashes: dict[str, str] = {}
        for submission in submissions:
            data, digest = _read_for_task(submission.path)
            hashes[submission.id] = digest
            when = submitted_at(submission, options.timestamps) if assignment.late is not None else None
            previous = None if options.regrade else book.find(submission.id, digest, assignment.name, version)
            if _reusable(previous, when, assignment):
                assert previous is not None
                graded = finish(previous, assignment, formats=options.formats, now=now)
                counter.results[submission.id] = graded.shown
                if _stale(out_dir / submission.id, graded):
                    write_result(graded, out_dir / submission.id)
                continue
            tasks.append(Task(id=submission.id, path=str(submission.path), data=data, submitted_at=when))
        skipped = len(counter.results)
        if on_progress is not None:
            on_progress(Progress(done=0, total=len(tasks), skipped=skipped))
        if tasks:
            executor = make_executor(root, assignment.name, engine_options, kind=options.executor,
                                     jobs=min(options.jobs, len(tasks)), scheduler=options.scheduler)
            try:
                for graded in executor.run(tasks):
                    write_result(graded, out_dir / graded.result.submission)
                    book.record(run_id, graded.result, hashes.get(graded.result.submission, ""), version)
                    counter.results[graded.result.submission] = graded.shown
                    counter.done += 1
                    if on_progress is not None:
                        on_progress(Progress(done=counter.done, total=len(tasks), skipped=skipped,
                                             result=graded.shown))
            finally:
                executor.close()
    results = tuple(sorted(counter.results.values(), key=lambda r: r.submission))
    write_csv(results, assignment.functions, out_dir / "gradebook.csv", layout=options.gradebook_layout,
              title=assignment.title)
    write_summary(summarise(results, functions=assignment.functions), out_dir, title=assignment.title)
    if "junit" in options.formats:
        (out_dir / "junit.xml").write_text(junit_xml(results), encoding="utf-8")
    return results
