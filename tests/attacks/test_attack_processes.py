"""Attacks that try to outlive grading or to signal the grader: forks of every kind (double fork, setsid, a
"comet" that changes pid every few milliseconds), lingering threads, signals to every pid.

After ``grade`` returns, the harness scans /proc for a second for any live process of a sandbox uid (or carrying
the attack's marker) and fails the test if one remains; it kills them so the next test starts clean."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow  # each test grades a batch through the real CLI: not in the -m "not slow" loop


def test_fork_and_escape(arena):
    sid = arena.add("fork_escape.py")
    assert arena.ids().index(sid) < arena.ids().index("honest")  # it must run first to reach the honest one
    run = arena.grade()
    run.assert_contained(sid, max_score=0.0, attacked=["layer_sizes"])
    report = run.report(sid)
    assert report is not None, "the attack did not report what it tried"
    born = {k: v for k, v in report.items() if v.startswith("born")}
    assert not born, f"new processes were born: {born}"


def test_lingering_threads(arena):
    sid = arena.add("bg_thread.py")
    assert arena.ids().index(sid) < arena.ids().index("honest")
    run = arena.grade()
    run.assert_contained(sid, max_score=0.0, attacked=["layer_sizes"], max_seconds=60)


def test_signal_the_grader(arena):
    sid = arena.add("grader_kill.py")
    assert arena.ids().index(sid) < arena.ids().index("honest")
    run = arena.grade()
    run.assert_contained(sid, max_score=0.0, attacked=["layer_sizes"])
    report = run.report(sid)
    assert report is not None, "the attack did not report"
    assert "skipped" not in report, f"the attack could not run safely: {report['skipped']}"
    assert report["delivered"] == [] or report["delivered"] == [-1], f"signals reached pids {report['delivered']}"
    assert all(v == -1 for v in report["calls"].values()), report["calls"]
