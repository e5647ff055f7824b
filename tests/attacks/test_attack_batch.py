"""Attacks that try to change how *other* submissions are graded: submissions named like the modules a Python
process or pytest would import (conftest.py, sitecustomize.py, numpy.py, pytest.py), submissions named like the
grader's own batch outputs (gradebook, summary, their temporary files), and a pair of submissions that pass state
(here: working code) from one to the next.

Every submission in these batches earns exactly what its own code earns; everyone else is graded as if it were
alone."""

from __future__ import annotations

import pytest
from attack_harness import FUNCTIONS, MAX_SCORE, POINTS, SUBMISSIONS

pytestmark = pytest.mark.slow  # each test grades a batch through the real CLI: not in the -m "not slow" loop


MODULE_NAMES = ("conftest.py", "sitecustomize.py", "numpy.py", "pytest.py")


def test_submissions_named_like_modules(arena):
    """All four in one batch, graded with ``grade .`` from inside the batch folder (the riskiest working folder):
    each earns exactly its one correct function; none of their top-level code runs anywhere (it would leave a
    marker file in /tmp)."""
    ids = [arena.add(f"named_{name}", as_name=name) for name in MODULE_NAMES]
    run = arena.grade(paths=["."], cwd=arena.batch)
    layer_sizes = POINTS["layer_sizes::values"]
    for sid in ids:
        run.assert_contained(sid, max_score=layer_sizes, attacked=[f for f in FUNCTIONS if f != "layer_sizes"])
        assert run.result(sid)["score"] == layer_sizes, run.result(sid)


@pytest.mark.parametrize("name", ["gradebook.csv.py", "gradebook.csv.tmp.py", "gradebook.sqlite.py", "summary.html.py"])
def test_submission_named_like_a_batch_output(arena, name):
    sid = arena.add("gradebook_name.py", as_name=name)
    run = arena.grade()
    run.assert_contained(sid, max_score=POINTS["layer_sizes::values"],
                         attacked=[f for f in FUNCTIONS if f != "layer_sizes"])
    assert run.result(sid)["score"] == POINTS["layer_sizes::values"]
    assert set(run.gradebook()) == {sid, "honest"}


def test_state_passed_to_the_next_submission(arena):
    writer = arena.add("persist_1_writer.py")
    reader = arena.add("persist_2_reader.py")
    assert arena.ids() == ["honest", writer, reader]
    run = arena.grade()
    report = run.report(reader)
    assert report is not None, "the reader did not report what it found"
    assert "worked" not in report.values(), (
        f"a channel between submissions is open, and the reader scored {run.result(reader)['score']:g} with the "
        f"writer's code: {report}")
    run.assert_contained(reader, max_score=0.0, attacked=list(FUNCTIONS), allow_scores={writer: MAX_SCORE})
    assert run.result(writer)["score"] == MAX_SCORE, "the writer is a correct solution and earns it"


def test_every_submission_file_is_used():
    """Each hostile submission in submissions/ is graded by some test here (named_*.py: by their module name)."""
    tests = "\n".join(p.read_text() for p in SUBMISSIONS.parent.glob("test_attack_*.py"))
    unused = [p.name for p in SUBMISSIONS.rglob("*") if p.is_file() and p.suffix in (".py", ".ipynb")
              and p.name not in tests and not p.name.startswith("named_")]
    assert not unused, unused
