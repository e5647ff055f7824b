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

from .models import SubmissionResult

__all__ = ["CSV_FORMATS", "Gradebook", "SCHEMA", "gradebook_rows", "write_csv"]

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
"""

CSV_FORMATS = ("plain", "canvas")


class Gradebook:
    """An open gradebook database. Use as a context manager."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None)  # transactions are explicit
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

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
        """Commit one result."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "INSERT OR REPLACE INTO grades VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, result.submission, content_hash, result.assignment, version, result.score,
                 result.max_score, " ".join(result.flags), result.duration_s, time.time(),
                 json.dumps(result.to_dict(), allow_nan=False)),
            )

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM grades").fetchone()[0])

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
