"""Submissions that are not what they claim to be: a hard link to a root-only file, a FIFO, a device.

Whoever can write into the batch folder (a student account on a shared course machine, an upload that keeps
links) can make ``x.py`` another name for a file nobody submitted. The grader runs as root, so reading it as a
submission would read anything; a syntax error once quoted the file's first line in the reports. Each must become
an ``invalid-submission`` row that names the file and the reason, the batch must finish (a FIFO has no writer: a
blocking read would hang), and nothing of the linked file may appear anywhere."""

from __future__ import annotations

import os
import stat
import uuid

import pytest
from attack_harness import Secret

pytestmark = pytest.mark.slow  # each test grades a batch through the real CLI: not in the -m "not slow" loop


def _row(run, sid):
    result = run.result(sid)
    assert result["score"] == 0, result
    invalid = [p for p in result["problems"] if p["kind"] == "invalid-submission"]
    assert invalid, result["problems"]
    return invalid[0]["message"]


def test_links_fifos_and_devices_are_refused(arena):
    canary = f"ROOTONLY{uuid.uuid4().hex[:20].upper()}"
    secret = arena.secret_dir / "root-only.txt"
    secret.write_text(f"{canary} = (  # a syntax error quotes its line\n")
    secret.chmod(0o600)
    arena.extra_secrets.append(Secret("root-only file", canary, encoded=True))
    os.link(secret, arena.batch / "linked.py")
    os.link(arena.canary_file, arena.batch / "linked_canary.py")
    os.mkfifo(arena.batch / "pipe.py")
    os.mknod(arena.batch / "device.py", stat.S_IFCHR | 0o644, os.makedev(1, 3))
    ids = ["device", "linked", "linked_canary", "pipe"]
    assert sorted(set(arena.ids()) - {"honest"}) == ids
    run = arena.grade()
    run.assert_contained(None, allow_scores=dict.fromkeys(ids, 0.0), max_seconds=60)
    assert "hard links" in _row(run, "linked") and "linked.py" in _row(run, "linked")
    assert "hard links" in _row(run, "linked_canary")
    assert "FIFO" in _row(run, "pipe") and "pipe.py" in _row(run, "pipe")
    assert "device" in _row(run, "device") and "device.py" in _row(run, "device")
    assert run.result("honest")["score"] == run.arena.layout.result["score"]
