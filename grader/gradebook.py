"""The gradebook: an SQLite database of every grading run, and the CSV exported from it.

One row per submission and grading run, keyed by the submission's id, its content hash and the assignment's
version (config version plus a fingerprint of the config, reference, checks and helpers). Results are committed as
they come in (WAL, synchronous=FULL), a few at a time (``record_many``: one sync to disk per group; the coordinator
reports a result done only once it is committed), so a batch stopped by Ctrl-C, SIGKILL or a power cut resumes
where it stopped: what was committed is not graded again, and what was not is graded once.

A batch's results are read back from here, a chunk at a time (``StoredResults``), to build the CSV, the class
summary and junit.xml: the coordinator never holds every result of a batch, whatever its size. Readers that draw
nothing read results without their figures (``figures=False``): SQLite's JSON functions (built in since SQLite 3.38)
cut the figures out of the stored text before Python parses it, and they are most of it (34 of the 40 KB of a full
shallow-nn result), so the CSV, the summary, junit and resume never parse or re-bound figure data they do not use.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import overload

from . import bounds
from .batch_notes import CheckChange, ScoreChange
from .models import CheckResult, SubmissionResult

__all__ = ["CSV_FORMATS", "Gradebook", "SCHEMA", "StoredResults", "compare", "gradebook_rows", "write_csv"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at REAL NOT NULL,
    assignment TEXT NOT NULL,
    version TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS grades (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    submission TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    assignment TEXT NOT NULL,
    version TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    flags TEXT NOT NULL,
    duration_s REAL NOT NULL,
    graded_at REAL NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (run_id, submission)
);
CREATE INDEX IF NOT EXISTS grades_key ON grades (submission, content_hash, assignment, version, graded_at);
CREATE TABLE IF NOT EXISTS superseded (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    submission TEXT NOT NULL,
    file TEXT NOT NULL,
    graded_file TEXT NOT NULL,
    PRIMARY KEY (run_id, file)
);
"""
# Columns added after the first release: who handed a submission in (see models.Identity). Added in place to an
# older database when it is opened.
_IDENTITY_COLUMNS = (("platform", "TEXT NOT NULL DEFAULT ''"), ("user_id", "TEXT NOT NULL DEFAULT ''"),
                     ("student", "TEXT NOT NULL DEFAULT ''"))
_GRADE_COLUMNS = ("run_id", "submission", "content_hash", "assignment", "version", "score", "max_score", "flags",
                  "duration_s", "graded_at", "result", "platform", "user_id", "student")

CSV_FORMATS = ("plain", "canvas", "moodle")

# The stored result as its readers ask for it: whole, or without its figures (the rest is bounded again by
# ``SubmissionResult.from_dict`` as always; only data nobody reads is left out).
_RESULT = {True: "result", False: "json_remove(result, '$.figures')"}


class Gradebook:
    """An open gradebook database. Use as a context manager."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None)  # transactions are explicit
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        # A batch looks each submission up once (resume) and appends its result; the csv and summary read back through
        # connections of their own. SQLite's default page cache of 2 MB would fill with pages never read again, and
        # was about a quarter of what the coordinator grew by from 100 to 5,000 submissions (batch.py --memory).
        self.db.execute("PRAGMA cache_size=-256")  # KiB
        self.db.executescript(SCHEMA)
        have = {row[1] for row in self.db.execute("PRAGMA table_info(grades)")}
        for name, kind in _IDENTITY_COLUMNS:
            if name not in have:
                self.db.execute(f"ALTER TABLE grades ADD COLUMN {name} {kind}")

    def start_run(self, assignment: str, version: str) -> int:
        """Record the start of a grading run; returns its id."""
        cursor = self.db.execute("INSERT INTO runs (started_at, assignment, version) VALUES (?, ?, ?)",
                                 (time.time(), assignment, version))
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def find(self, submission: str, content_hash: str, assignment: str, version: str) -> SubmissionResult | None:
        """The latest result for exactly this submission content and assignment version, if any."""
        found = self.find_row(submission, content_hash, assignment, version)
        return found[1] if found else None

    def find_row(self, submission: str, content_hash: str, assignment: str, version: str, *, figures: bool = True
                 ) -> tuple[int, SubmissionResult] | None:
        """``find``, with the row the result is stored in (for ``StoredResults``); with ``figures=False``, the result
        without its figures (``figures=()``)."""
        if not content_hash:
            return None
        row = self.db.execute(
            f"SELECT rowid, {_RESULT[figures]} FROM grades WHERE submission=? AND content_hash=? AND assignment=? "
            "AND version=? ORDER BY graded_at DESC LIMIT 1", (submission, content_hash, assignment, version)).fetchone()
        return (int(row[0]), SubmissionResult.from_dict(json.loads(row[1]))) if row else None

    def read(self, row: int) -> SubmissionResult:
        """The whole result stored in ``row`` (LookupError when there is none)."""
        found = self.db.execute("SELECT result FROM grades WHERE rowid=?", (row,)).fetchone()
        if found is None:
            raise LookupError(f"{self.path}: row {row} of the gradebook is gone")
        return SubmissionResult.from_dict(json.loads(found[0]))

    def same_file(self, text: str, rest: SubmissionResult, row: int | None) -> bool:
        """Whether ``text`` (a results.json as read from disk) holds the data of ``rest`` (a result read without its
        figures) with the figures stored in ``row`` (``None``: no figures, as when the details are withheld).

        SQLite compares the two as minified JSON text, in C: ``rest`` is written with a placeholder where its figures
        go, and the stored figures' text is put in its place, so the figure data is never parsed in Python. Equal
        text means equal data; data written in another key order or number spelling compares unequal, which only
        means the file is written again.

        Why the stored figures may stand for the figures a whole read would give, unbounded: only the grader's own
        process writes the gradebook (``record_many``, the ``to_dict`` of a result its constructors bounded;
        student code runs in the sandbox, which cannot reach the output folder: tests/attacks/test_attack_writes),
        and bounding bounded data changes nothing. Even so they are only compared here, never trusted into a
        result: a file that differs is rewritten from the whole result (``read``), bounded by ``from_dict``.
        """
        expected = rest.to_dict()
        expected["figures"] = 0  # the placeholder: keeps the key where to_dict puts it
        figures = ("(SELECT json(json_extract(result, '$.figures')) FROM grades WHERE rowid = ?3)"  # SQLite >= 3.9
                   if row is not None else "json('[]')")
        try:
            same = self.db.execute(f"SELECT json(?1) = json_replace(?2, '$.figures', {figures})",
                                   (text, json.dumps(expected, allow_nan=False),
                                    *((row,) if row is not None else ()))).fetchone()[0]
        except sqlite3.OperationalError:  # not JSON
            return False
        return bool(same)

    def record(self, run_id: int, result: SubmissionResult, content_hash: str, version: str) -> int:
        """Commit one result; returns the row it is stored in. Earlier results of the submission stay: a regrade adds
        a row, never replaces one."""
        return self.record_many(run_id, [(result, content_hash)], version)[0]

    def record_many(self, run_id: int, items: Sequence[tuple[SubmissionResult, str]], version: str) -> list[int]:
        """Commit several results (each with its content hash) in one transaction, so one sync to disk for all;
        returns the rows they are stored in, in order."""
        rows = []
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for result, content_hash in items:
                who = result.identity
                cursor = self.db.execute(
                    f"INSERT OR REPLACE INTO grades ({', '.join(_GRADE_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(_GRADE_COLUMNS))})",
                    (run_id, result.submission, content_hash, result.assignment, version, result.score,
                     result.max_score, " ".join(result.flags), result.duration_s, time.time(),
                     json.dumps(result.to_dict(), allow_nan=False), who.platform if who else "",
                     who.user_id if who else "", who.name if who else ""),
                )
                assert cursor.lastrowid is not None
                rows.append(cursor.lastrowid)
        return rows

    def record_superseded(self, run_id: int, items: Iterable[tuple[str, str, str]]) -> None:
        """Record files a later one replaced: (submission id, superseded file, the file graded instead)."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR REPLACE INTO superseded VALUES (?, ?, ?, ?)",
                                [(run_id, *item) for item in items])

    def history(self, submission: str) -> list[SubmissionResult]:
        """Every result recorded for ``submission``, oldest first."""
        rows = self.db.execute("SELECT result FROM grades WHERE submission=? ORDER BY graded_at, run_id",
                               (submission,))
        return [SubmissionResult.from_dict(json.loads(row[0])) for row in rows]

    def score_changes(self) -> tuple[ScoreChange, ...]:
        """Each submission whose latest result differs from the one before it (score or any check's outcome or
        points), with the checks that changed. Reads two results per submission at a time, without their figures."""
        rows = self.db.execute(f"SELECT submission, {_RESULT[False]} FROM grades ORDER BY submission, graded_at DESC, "
                               "run_id DESC")
        changes = []
        current, kept = None, 0
        latest: str = ""
        for submission, text in rows:
            if submission != current:
                current, kept, latest = submission, 1, text
                continue
            kept += 1
            if kept == 2 and text != latest:
                change = compare(SubmissionResult.from_dict(json.loads(text)),
                                 SubmissionResult.from_dict(json.loads(latest)))
                if change is not None:
                    changes.append(change)
        return tuple(changes)

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM grades").fetchone()[0])

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _outcome(check: CheckResult | None) -> str:
    return "" if check is None else f"{check.status} {check.score:g}/{check.max_score:g}"


def compare(before: SubmissionResult, after: SubmissionResult) -> ScoreChange | None:
    """How ``after`` differs from ``before`` (two gradings of one submission), or None when no score or check
    outcome changed."""
    old = {c.id: c for c in before.checks}
    new = {c.id: c for c in after.checks}
    checks = tuple(CheckChange(id=cid, before=_outcome(old.get(cid)), after=_outcome(new.get(cid)))
                   for cid in [*new, *(c for c in old if c not in new)]
                   if _outcome(old.get(cid)) != _outcome(new.get(cid)))
    if not checks and before.score == after.score and before.max_score == after.max_score:
        return None
    return ScoreChange(submission=after.submission, before=before.score, after=after.score,
                       max_before=before.max_score, max_after=after.max_score, checks=checks)


class StoredResults(Sequence[SubmissionResult]):
    """The results in rows ``rows`` of the gradebook at ``path``, in that order, read a chunk at a time.

    Iterating holds one chunk (``CHUNK`` results) in memory, never the whole batch; each result passes through
    ``view`` (e.g. ``policy.withhold``) as it is read. Indexing reads one row. With ``figures=False`` the results
    come without their figures (``without_figures``: for readers that draw nothing).
    """

    CHUNK = 200

    def __init__(self, path: Path, rows: Sequence[int],
                 view: Callable[[SubmissionResult], SubmissionResult] | None = None, *, figures: bool = True) -> None:
        self.path = Path(path)
        self.rows = tuple(rows)
        self.view = view
        self.figures = figures

    def without_figures(self) -> StoredResults:
        """The same results, read without their figures."""
        return StoredResults(self.path, self.rows, self.view, figures=False)

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> SubmissionResult: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[SubmissionResult]: ...

    def __getitem__(self, index: int | slice) -> SubmissionResult | Sequence[SubmissionResult]:
        if isinstance(index, slice):
            return StoredResults(self.path, self.rows[index], self.view, figures=self.figures)
        return next(self._read((self.rows[index],)))

    def __iter__(self) -> Iterator[SubmissionResult]:
        for start in range(0, len(self.rows), self.CHUNK):
            yield from self._read(self.rows[start : start + self.CHUNK])

    def __repr__(self) -> str:
        return f"StoredResults({str(self.path)!r}, {len(self.rows)} results)"

    def _read(self, rows: Sequence[int]) -> Iterator[SubmissionResult]:
        db = sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            marks = ",".join("?" * len(rows))
            found = dict(db.execute(f"SELECT rowid, {_RESULT[self.figures]} FROM grades WHERE rowid IN ({marks})",
                                    rows).fetchall())
        finally:
            db.close()
        for row in rows:
            if row not in found:
                raise LookupError(f"{self.path}: row {row} of the gradebook is gone")
            result = SubmissionResult.from_dict(json.loads(found.pop(row)))
            yield self.view(result) if self.view is not None else result


def _cell(text: str) -> str:
    """Student-controlled text as a CSV cell: printable, and never a formula a spreadsheet would run (CSV
    injection: a cell starting with = + - @, a tab or a line break is prefixed with a quote)."""
    text = bounds.printable(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r", "\n") else text


def _row(result: SubmissionResult, functions: Sequence[str]) -> dict[str, str]:
    scores = result.function_scores()
    row = {"submission": _cell(result.submission)}
    for function in functions:
        got = scores.get(function)
        row[function] = "" if got is None else f"{got[0]:g}"
    row["total"] = f"{result.score:g}"
    row["max_score"] = f"{result.max_score:g}"
    row["flags"] = _cell(" ".join(result.flags))
    if result.late is not None:
        row["raw_total"] = f"{result.late.raw_score:g}"
        row["days_late"] = str(result.late.days_late)
        row["late_penalty"] = f"{result.late.penalty:g}"
    return row


def gradebook_rows(results: Iterable[SubmissionResult], functions: Sequence[str]) -> list[dict[str, str]]:
    """Rows of the gradebook as text, ready for CSV."""
    return [_row(result, functions) for result in results]


def write_csv(results: Iterable[SubmissionResult], functions: Sequence[str], path: Path, *,
              ordered: bool = False) -> Path:
    """Write the plain gradebook CSV sorted by submission id: one column per function, the total, the flags, and
    the late columns when any result is late. (A platform's import layout is ``lms_export.write_platform_csv``.)

    With ``ordered``, ``results`` already come sorted and can be iterated twice (a ``StoredResults``): they are
    streamed, and the CSV costs the memory of one row whatever the batch's size. They are read once when none is
    late, and a second time (to write the late columns) when one is.
    """
    rows: Iterable[SubmissionResult] = results
    if not ordered:
        rows = sorted(results, key=lambda r: r.submission)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".csv.tmp")
    if _write_rows(rows, functions, tmp, late=False):
        _write_rows(rows, functions, tmp, late=True)
    tmp.replace(path)
    return path


def _write_rows(rows: Iterable[SubmissionResult], functions: Sequence[str], path: Path, *, late: bool) -> bool:
    """Write the CSV of ``rows`` to ``path``, with the late columns or without. Without them, it stops at the first
    late row and returns True: that CSV is incomplete, write it again with them."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        extra = ["raw_total", "days_late", "late_penalty"] if late else []
        table = csv.DictWriter(fh, fieldnames=["submission", *functions, "total", "max_score", "flags", *extra],
                               restval="")
        table.writeheader()
        for result in rows:
            if result.late is not None and not late:
                return True
            table.writerow(_row(result, functions))
    return False
