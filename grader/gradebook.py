"""The class gradebook: one row per submission, one column per graded function."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from .models import SubmissionResult


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
        rows.append(row)
    return rows


def _cell(text: str) -> str:
    """Neutralise spreadsheet formulas in student-controlled text (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_csv(results: Iterable[SubmissionResult], functions: Sequence[str], path: Path) -> Path:
    """Write ``gradebook.csv`` sorted by submission id."""
    rows = sorted(gradebook_rows(results, functions), key=lambda r: r["submission"])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["submission", *functions, "total", "max_score", "flags"])
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)
    return path
