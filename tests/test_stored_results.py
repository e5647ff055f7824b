"""A batch's results read back from the gradebook a chunk at a time (gradebook.StoredResults), and what the
coordinator builds from them: the CSV, the class summary and junit.xml, the same as from results in memory, and the
same when read without their figures; a results.json compared with the figures in the gradebook."""

from __future__ import annotations

import dataclasses
import json
import tracemalloc
import xml.etree.ElementTree as ET

import pytest

from grader.engine import results_json
from grader.formats import junit_xml, write_junit
from grader.gradebook import Gradebook, StoredResults, write_csv
from grader.models import CheckResult, Figure, Late, SubmissionResult
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


def pictured(sid: str, **extra) -> SubmissionResult:
    """A result with two figures of real size (their data is most of a stored result, as on full submissions)."""
    xs = [i / 7 + int(sid[1:]) for i in range(400)]  # each result its own
    figures = (Figure(kind="lines", title="Cost", data={"x": xs, "y": [x * x for x in xs], "label": "caf\u00e9"}),
               Figure(kind="matrix", title="Confusion", caption="rows: truth", data={"cells": [[1, 2], [3, 4]]}))
    return dataclasses.replace(result(sid, **extra), figures=figures)


@pytest.fixture(scope="module")
def with_figures(tmp_path_factory):
    """30 results with figures, the last of them late (the CSV must find its late columns at the very end)."""
    path = tmp_path_factory.mktemp("figures") / "gradebook.sqlite"
    late = Late(submitted_at="2026-01-02T00:00:00+00:00", deadline="2026-01-01T00:00:00+00:00", days_late=1,
                penalty=0.1, raw_score=1.0)
    with Gradebook(path) as book:
        run = book.start_run("demo", "1")
        rows = [book.record(run, pictured(f"p{i:02d}", score=1.0 + i % 3, late=late if i == 29 else None),
                            f"hash{i}", "1") for i in range(30)]
    return path, rows


def test_results_read_without_figures_are_the_whole_results_but_their_figures(with_figures):
    path, rows = with_figures
    whole, bare = list(StoredResults(path, rows)), list(StoredResults(path, rows).without_figures())
    assert all(len(r.figures) == 2 for r in whole) and all(r.figures == () for r in bare)
    assert [dataclasses.replace(r, figures=()) for r in whole] == bare
    assert list(StoredResults(path, rows).without_figures()[3:5]) == bare[3:5]
    with Gradebook(path) as book:
        found = book.find_row("p04", "hash4", "demo", "1", figures=False)
        assert found == (rows[4], bare[4])
        assert book.find_row("p04", "hash4", "demo", "1") == (rows[4], whole[4])
        assert book.read(rows[4]) == whole[4]
        with pytest.raises(LookupError, match="row 999999"):
            book.read(999_999)


def test_csv_summary_and_junit_without_figures_equal_those_with_them(with_figures, tmp_path):
    path, rows = with_figures
    whole, bare = StoredResults(path, rows), StoredResults(path, rows).without_figures()
    with_them = write_csv(whole, FUNCTIONS, tmp_path / "whole.csv", ordered=True).read_text()
    assert write_csv(bare, FUNCTIONS, tmp_path / "bare.csv", ordered=True).read_text() == with_them
    assert with_them == write_csv(list(whole)[::-1], FUNCTIONS, tmp_path / "held.csv").read_text()
    assert "days_late" in with_them.splitlines()[0] and with_them.splitlines()[-1].startswith("p29,")
    assert summarise(bare, functions=FUNCTIONS) == summarise(whole, functions=FUNCTIONS)
    assert junit_xml(bare) == junit_xml(whole)


def test_a_csv_with_no_late_row_reads_the_results_once(stored, tmp_path):
    path, rows = stored
    reads = []

    class Counted(StoredResults):
        def __iter__(self):
            reads.append(1)
            return super().__iter__()

    on_time = Counted(path, [row for i, row in enumerate(rows) if i != 7])  # s0007 is the late one
    text = write_csv(on_time, FUNCTIONS, tmp_path / "on_time.csv", ordered=True).read_text()
    assert len(reads) == 1 and "days_late" not in text and len(text.splitlines()) == 450
    reads.clear()
    text = write_csv(Counted(path, rows), FUNCTIONS, tmp_path / "late.csv", ordered=True).read_text()
    assert len(reads) == 2 and "days_late" in text.splitlines()[0] and len(text.splitlines()) == 451


def test_a_results_json_matches_the_stored_figures_only_when_its_data_is_the_same(with_figures):
    path, rows = with_figures
    whole = StoredResults(path, rows)[6]
    bare = StoredResults(path, rows).without_figures()[6]
    text = results_json(whole)
    data = json.loads(text)
    with Gradebook(path) as book:
        assert book.same_file(text, bare, rows[6])
        assert book.same_file(json.dumps(data), bare, rows[6])  # compared as data, not layout
        assert not book.same_file(text, bare, rows[7])  # another row's figures
        assert not book.same_file(text, bare, None)  # figures where none are shown
        assert book.same_file(results_json(bare), bare, None)
        for change in ({"figures": json.dumps(data["figures"])}, {"figures": data["figures"][:1]},
                       {"score": 0.5}, {"flags": ["late"]}):
            assert not book.same_file(json.dumps({**data, **change}), bare, rows[6]), change
        data["figures"][0]["data"]["y"][-1] += 1e-12
        assert not book.same_file(json.dumps(data), bare, rows[6])
        assert not book.same_file("{not json", bare, rows[6])
        assert not book.same_file("[]", bare, rows[6])
