"""The gradebook: an SQLite database of every grading run, and the CSV exported from it.

One row per submission and grading run, keyed by the submission's id, its content hash and the assignment's
version (config version plus a fingerprint of the config, reference, checks and helpers). Each result is committed
in its own transaction as it comes in (WAL, synchronous=FULL), so a batch stopped by Ctrl-C, SIGKILL or a power
cut resumes where it stopped: what was committed is not graded again, and what was not is graded once.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from .batch_notes import CheckChange, ScoreChange
from .models import CheckResult, SubmissionResult

__all__ = ["CSV_FORMATS", "Gradebook", "SCHEMA", "compare", "gradebook_rows", "write_csv"]

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


class Gradebook:
    """An open gradebook database. Use as a context manager."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None)  # transactions are explicit
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
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
        if not content_hash:
            return None
        row = self.db.execute(
            "SELECT result FROM grades WHERE submission=? AND content_hash=? AND assignment=? AND version=? "
            "ORDER BY graded_at DESC LIMIT 1", (submission, content_hash, assignment, version)).fetchone()
        return SubmissionResult.from_dict(json.loads(row[0])) if row else None

    def record(self, run_id: int, result: SubmissionResult, content_hash: str, version: str) -> None:
        """Commit one result. Earlier results of the submission stay: a regrade adds a row, never replaces one."""
        who = result.identity
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                f"INSERT OR REPLACE INTO grades ({', '.join(_GRADE_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_GRADE_COLUMNS))})",
                (run_id, result.submission, content_hash, result.assignment, version, result.score,
                 result.max_score, " ".join(result.flags), result.duration_s, time.time(),
                 json.dumps(result.to_dict(), allow_nan=False), who.platform if who else "",
                 who.user_id if who else "", who.name if who else ""),
            )

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
        points), with the checks that changed. Reads two results per submission at a time."""
        rows = self.db.execute("SELECT submission, result FROM grades ORDER BY submission, graded_at DESC, "
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


def _cell(text: str) -> str:
    """Neutralise spreadsheet formulas in student-controlled text (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def gradebook_rows(results: Iterable[SubmissionResult], functions: Sequence[str]) -> list[dict[str, str]]:
    """Rows of the gradebook as text, ready for CSV."""
    rows = []
    for result in results:
        scores = result.function_scores()
        row = {"submission": _cell(result.submission)}
        for function in functions:
            got = scores.get(function)
            row[function] = "" if got is None else f"{got[0]:g}"
        row["total"] = f"{result.score:g}"
        row["max_score"] = f"{result.max_score:g}"
        row["flags"] = " ".join(result.flags)
        if result.late is not None:
            row["raw_total"] = f"{result.late.raw_score:g}"
            row["days_late"] = str(result.late.days_late)
            row["late_penalty"] = f"{result.late.penalty:g}"
        rows.append(row)
    return rows


def write_csv(results: Iterable[SubmissionResult], functions: Sequence[str], path: Path, *,
              layout: str = "plain", title: str = "") -> Path:
    """Write the gradebook CSV sorted by submission id.

    ``plain`` has one column per function. ``canvas`` is Canvas's gradebook import layout: the student columns,
    a "Points Possible" row, and one column for the assignment's total.
    """
    results = sorted(results, key=lambda r: r.submission)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        if layout == "canvas":
            column = f"{title or 'Assignment'}"
            rows = csv.writer(fh)
            rows.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column])
            most = max((r.max_score for r in results), default=0.0)
            rows.writerow(["Points Possible", "", "", "", "", f"{most:g}"])
            for r in results:
                rows.writerow([_cell(r.submission), "", "", _cell(r.submission), "", f"{r.score:g}"])
        else:
            late = ["raw_total", "days_late", "late_penalty"] if any(r.late for r in results) else []
            writer = csv.DictWriter(fh, fieldnames=["submission", *functions, "total", "max_score", "flags", *late],
                                    restval="")
            writer.writeheader()
            writer.writerows(gradebook_rows(results, functions))
    tmp.replace(path)
    return path
