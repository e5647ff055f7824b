"""Attacks that try to earn points they did not earn: lying objects, subclasses, patched libraries, forged wire
frames, fake output, early and late exits, hard-coded answers, values that break the checks themselves.

Each test grades the attacker with honest.py in one batch through the real CLI, then asserts (a) the attacker's
score is at most what an honest wrong answer earns and (b) no side effect (see attack_harness)."""

from __future__ import annotations

import re

import pytest
from attack_harness import CONTROL, POINTS, live_markdown, points_of

pytestmark = pytest.mark.slow  # each test grades a batch through the real CLI: not in the -m "not slow" loop


def test_lying_objects(attack):
    run, sid = attack("lying_objects.py")
    run.assert_contained(sid, max_score=0.0, attacked=list(POINTS_FUNCTIONS))
    for check in run.result(sid)["checks"]:
        assert check["status"] != "passed"


def test_subclass_values(attack):
    run, sid = attack("subclass_values.py")
    # A float, even a lying one, earns compute_cost::returns_float, which grades the type alone.
    run.assert_contained(sid, max_score=POINTS["compute_cost::returns_float"],
                         attacked=[f for f in POINTS_FUNCTIONS if f != "compute_cost"],
                         must_not_pass=["compute_cost::value"])


def test_patch_numpy(attack):
    run, sid = attack("patch_numpy.py")
    run.assert_contained(sid, max_score=0.0,
                         attacked=["layer_sizes", "forward_propagation", "compute_cost", "predict"])


def test_forge_reply(attack):
    run, sid = attack("forge_reply.py")
    run.assert_contained(sid, max_score=0.0, attacked=list(POINTS_FUNCTIONS))
    for check in run.result(sid)["checks"]:
        assert check["status"] in ("failed", "error"), check


def test_forged_frames_that_once_broke_the_grader(attack):
    """Absurd shapes, too many dimensions, colliding dict keys, an int too long to parse: each costs only the call
    that sent it (BadReply), never a grader-error, and the whole batch takes seconds."""
    run, sid = attack("forge_shapes.py")
    run.assert_contained(sid, max_score=0.0, attacked=list(POINTS_FUNCTIONS), max_seconds=90)
    for check in run.result(sid)["checks"]:
        assert check["status"] == "error", check


def test_forged_frame_while_loading(attack):
    run, sid = attack("forge_at_load.py")
    run.assert_contained(sid, max_score=0.0, attacked=list(POINTS_FUNCTIONS), max_seconds=90)
    messages = {c["message"] for c in run.result(sid)["checks"]}
    assert any("cannot accept" in m for m in messages), messages


def test_fake_output(attack):
    run, sid = attack("fake_output.py")
    run.assert_contained(sid, max_score=0.0, attacked=list(POINTS_FUNCTIONS))
    _assert_output_is_inert(run, sid)


def test_fake_output_notebook(attack):
    run, sid = attack("fake_output_notebook.ipynb")
    run.assert_contained(sid, max_score=0.0, attacked=list(POINTS_FUNCTIONS))
    _assert_output_is_inert(run, sid)


def _assert_output_is_inert(run, sid):
    """The fake lines never reach the CLI, the reports hold no live markup, the gradebook tells the truth."""
    lines = run.stdout.splitlines()
    mine = [line for line in lines if line.startswith(f"{sid}:")]
    assert len(mine) == 1 and re.match(rf"{re.escape(sid)}: 0/10\b", mine[0]), mine
    assert [line for line in lines if line.startswith("honest:")] == ["honest: 10/10"], lines
    assert run.gradebook()[sid]["total"] == "0"
    result = run.result(sid)
    assert result["score"] == 0 and result["submission"] == sid
    page = (run.out / sid / "report.html").read_text()
    assert "<script>alert(" not in page and "<h1>FAKEOUTPUT-HEADING" not in page
    markdown = (run.out / sid / "report.md").read_text()
    for needle in ("FAKEOUTPUT-MARKDOWN", "FAKEOUTPUT-TABLE", "FAKEOUTPUT-XSS", "FAKEOUTPUT-HEADING"):
        assert not live_markdown(markdown, needle), f"{needle} is live markup in report.md"
    summary = run.out / "summary.html"
    if summary.exists():
        assert "<script>alert(" not in summary.read_text(errors="replace")
    for path in (run.out / sid / "report.md", run.out / sid / "report.html", summary):
        if not path.exists():
            continue
        name, text = path.name, path.read_text(errors="replace")
        found = sorted({hex(ord(c)) for c in CONTROL.findall(text)})
        # A terminal that shows the report (cat report.md) would run them: move the cursor, erase lines, and
        # paint a score of the student's choosing over the real one.
        assert not found, f"{name} holds raw control characters from the student's output: {found}"


def test_exit_early(attack):
    run, sid = attack("exit_early.py")
    run.assert_contained(sid, max_score=0.0, attacked=list(POINTS_FUNCTIONS))
    for check in run.result(sid)["checks"]:
        assert check["status"] == "error", check


def test_exit_at_load(attack):
    run, sid = attack("exit_at_load.py")
    run.assert_contained(sid, max_score=0.0, attacked=list(POINTS_FUNCTIONS))
    for check in run.result(sid)["checks"]:
        assert check["status"] == "error", check


def test_exit_late(attack):
    run, sid = attack("exit_late.py")
    run.assert_contained(sid, max_score=0.0, attacked=["layer_sizes", "compute_cost"], max_seconds=60)
    assert "ATEXIT-RAN" not in run.result(sid)["output"]


def test_hardcoded_published_values(attack):
    run, sid = attack("hardcoded_published.py")
    run.assert_contained(sid, max_score=POINTS["compute_cost::returns_float"],
                         attacked=["layer_sizes", "initialize_parameters", "forward_propagation",
                                   "backward_propagation", "predict"],
                         must_not_pass=["compute_cost::value"])


def test_hardcoded_trained_weights(attack):
    run, sid = attack("hardcoded_nn_model.py")
    run.assert_contained(sid, max_score=0.0, attacked=["nn_model"])


def test_values_that_break_the_checks(attack):
    run, sid = attack("grader_error.py")
    allowed = POINTS["initialize_parameters::shapes"] + POINTS["initialize_parameters::not_zero"] + POINTS[
        "initialize_parameters::biases"]
    run.assert_contained(sid, max_score=allowed, attacked=["compute_cost", "nn_model"],
                         must_not_pass=["initialize_parameters::distinct_rows", "initialize_parameters::small_scale"])
    assert points_of("initialize_parameters") > allowed


POINTS_FUNCTIONS = tuple(dict.fromkeys(cid.split("::", 1)[0] for cid in POINTS))
