"""Attacks that try to read what a submission must not see, and smuggle it out: the hidden checks and the reference
solution, a canary file outside the scratch folder, other submissions and their reports, the grader's memory and
its environment.

Every test also searches every output (results.json, reports, gradebook, the CLI's output) for the canary file's
text, the canary environment variable the grader runs with, and distinctive lines of the hidden half (see
``attack_harness.reference_secrets``), raw and encoded as decimal bytes or hex."""

from __future__ import annotations

import re

import pytest
from attack_harness import FUNCTIONS, Secret

pytestmark = pytest.mark.slow  # each test grades a batch through the real CLI: not in the -m "not slow" loop


def test_read_reference_and_canary(attack):
    run, sid = attack("read_reference.py")
    run.assert_contained(sid, max_score=0.0, attacked=list(FUNCTIONS))
    report = run.report(sid)
    assert report is not None, "the attack did not report what it tried"
    assert "worked" not in report.values(), f"some route to the secret files worked: {report}"


def test_run_the_reference(attack):
    run, sid = attack("read_reference_use.py")
    run.assert_contained(sid, max_score=0.0, attacked=list(FUNCTIONS))
    report = run.report(sid)
    assert report is not None and "worked" not in report.values(), report


def test_read_other_submissions(arena):
    """A classmate (graded before the attacker) holds a canary in its source, on a def line (which its report
    quotes when a check fails): it may appear in the classmate's own output and nowhere else."""
    canary = "CLASSMATE" + arena.marker.upper()
    text = re.sub(r"^(def layer_sizes\(.*:)$", rf"\1  # {canary}", arena.layout.solution, count=1, flags=re.M)
    assert canary in text
    classmate = arena.add_text("classmate.py", text)
    sid = arena.add("zz_read_others.py")
    assert arena.ids() == ["classmate", "honest", sid]  # the attacker is graded last
    run = arena.grade()
    run.assert_contained(sid, max_score=0.0, attacked=list(FUNCTIONS),
                         extra_secrets=[Secret("classmate's code", canary, owner=classmate, encoded=True)])
    assert run.result(classmate)["score"] == 10.0
    assert canary in (arena.batch / "classmate.py").read_text()


def test_read_grader_memory(attack):
    run, sid = attack("read_memory.py")
    run.assert_contained(sid, max_score=0.0, attacked=["backward_propagation", "forward_propagation"])
    scan = run.report(sid, tag="MEMSCAN")
    assert scan is not None, "the attack did not report its memory scan"
    for key in ("modules", "functions", "objects", "strings", "frames"):
        assert scan[key] == [], f"the student's process holds grader-side {key}: {scan[key][:10]}"
    readable = {k: v for k, v in scan["proc"].items() if not v.startswith("denied")}
    assert not readable, f"the student's process read another process's /proc files: {list(readable)}"
    assert scan["calls"]["ptrace_attach"][0] == -1 and scan["calls"]["process_vm_readv"][0] == -1, scan["calls"]


def test_read_grader_environment(attack):
    run, sid = attack("read_env.py")
    run.assert_contained(sid, max_score=0.0, attacked=["layer_sizes", "compute_cost"])
    report = run.report(sid)
    assert report is not None and "PATH" in report["os.environ"], "the attack did not get to read its environment"
    assert not any(k.startswith("GRADER") for k in report["os.environ"]), report["os.environ"]
    others = {pid: text for pid, text in report["proc"].items() if pid != "self" and not text.startswith("denied")}
    assert not others, f"the student's process read other processes' environments: {list(others)}"


def test_read_from_a_notebook_at_load_time(attack):
    run, sid = attack("read_notebook.ipynb")
    run.assert_contained(sid, max_score=0.0, attacked=["layer_sizes", "compute_cost", "predict"])
