"""Attacks that try to write outside the submission's own scratch folder: the results and reports, the gradebook,
other submissions, the repository (checks, points, the grader's code, site-packages), /tmp and friends.

The harness snapshots reference/, assignments/, the batch folder, the secret folder and site-packages, watches
/tmp, /dev/shm and /var/tmp for new entries of a sandbox uid or named after the attack, and requires the output
folder to hold exactly the grader's files."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each test grades a batch through the real CLI: not in the -m "not slow" loop


def test_rewrite_results_and_gradebook(arena):
    sid = arena.add("zz_write_results.py")
    assert arena.ids()[-1] == sid  # graded after honest.py, whose results already exist
    run = arena.grade()
    run.assert_contained(sid, max_score=0.0, attacked=["layer_sizes", "nn_model"])
    report = run.report(sid)
    assert report is not None and "worked" not in report.values(), report


def test_rewrite_repository_and_batch(attack):
    run, sid = attack("write_repo.py")
    run.assert_contained(sid, max_score=0.0, attacked=["layer_sizes"])
    report = run.report(sid)
    assert report is not None and "worked" not in report.values(), report


def test_write_shared_temp_folders(attack):
    run, sid = attack("write_tmp.py")
    run.assert_contained(sid, max_score=0.0, attacked=["layer_sizes"])
    report = run.report(sid)
    assert report is not None, "the attack did not report"
    outside = {k: v for k, v in report.items() if k not in ("scratch", "link out", "link reference", "scratch file")}
    assert "worked" not in outside.values(), outside
    assert report["scratch file"] == "worked", "the scratch folder itself should be writable"
    assert not Path(report["scratch"]).exists(), f"the scratch folder {report['scratch']} was not removed"
