"""A batch's results read back from the gradebook a chunk at a time (gradebook.StoredResults), and what the
coordinator builds from them: the CSV, the class summary and junit.xml, the same as from results in memory."""

from __future__ import annotations

import dataclasses
import tracemalloc
import xml.etree.ElementTree as ET

import pytest

from grader.formats import junit_xml, write_junit
from grader.gradebook import Gradebook, StoredResults, write_csv
from grader.models import CheckResult, Late, SubmissionResult
from grader.summary import summarise

FUNCTIONS = ("layer_sizes", "forward")


def result(sid: str, score: float = 1.0, **extra) -> SubmissionResult:
    checks = (
        CheckResult(id="layer_sizes::shape", function="layer_sizes", score=1.0, max_score=1.0, status="passed"),
        CheckResult(id="forward::values", function="forward", score=score - 1.0, max_score=2.0,
                    status="passed" if score == 3.0 else "failed", message=f"{sid} is wrong " + "x" * 2000),
    )
    return SubmissionResult(assignment="demo", submission=sid, score=score, max_score=3.0, duration_s=0.5, seed=7,
                            checks=checks, **extra)


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """450 results (more than two chunks) recorded in reverse order, and their rows sorted by id."""
    path = tmp_path_factory.mktemp("stored") / "gradebook.sqlite"
    rows = {}
    with Gradebook(path) as book:
        run = book.start_run("demo", "1")
        for i in reversed(range(450)):
            sid = f"s{i:04d}"
            late = Late(submitted_at="2026-01-02T00:00:00+00:00", deadline="2026-01-01T00:00:00+00:00",
                        days_late=1, penalty=0.1, raw_score=1.0) if i == 7 else None
            rows[sid] = book.record(run, result(sid, score=1.0 + i % 3, late=late), f"hash{i}", "1")
    return path, [rows[sid] for sid in sorted(rows)]


def test_results_come_back_in_the_order_asked_through_the_view(stored):
    path, rows = stored
    seen = StoredResults(path, rows, view=lambda r: dataclasses.replace(r, flags=("viewed",)))
    assert len(seen) == 450
    assert [r.submission for r in seen] == [f"s{i:04d}" for i in range(450)]
    assert all(r.flags == ("viewed",) for r in seen)
    assert seen[5].submission == "s0005" and seen[-1].submission == "s0449"
    assert [r.submission for r in seen[10:13]] == ["s0010", "s0011", "s0012"]
    assert list(StoredResults(path, rows[::-1]))[0].submission == "s0449"


def test_iterating_holds_a_chunk_not_the_batch(stored):
    path, rows = stored
    results = StoredResults(path, rows)
    tracemalloc.start()
    try:
        for _ in results:
            pass
        _, peak = tracemalloc.get_traced_memory()
        whole = list(results)
        _, peak_whole = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(whole) == 450
    assert peak * 2 < peak_whole, (peak, peak_whole)


def test_a_missing_row_is_an_error_not_a_silent_gap(stored):
    path, rows = stored
    with pytest.raises(LookupError, match="row 999999"):
        list(StoredResults(path, [*rows[:3], 999_999]))


def test_csv_summary_and_junit_streamed_equal_those_from_memory(stored, tmp_path):
    path, rows = stored
    results = StoredResults(path, rows)
    in_memory = list(results)
    streamed = write_csv(results, FUNCTIONS, tmp_path / "streamed.csv", ordered=True)
    held = write_csv(in_memory[::-1], FUNCTIONS, tmp_path / "held.csv")
    assert streamed.read_text() == held.read_text()
    assert "days_late" in streamed.read_text().splitlines()[0]  # seen in the first pass
    assert summarise(results, functions=FUNCTIONS) == summarise(in_memory, functions=FUNCTIONS)
    junit = write_junit(results, tmp_path / "junit.xml").read_text()
    assert junit == junit_xml(in_memory)
    assert len(ET.fromstring(junit.encode()).findall("testsuite")) == 450
