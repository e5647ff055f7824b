"""The sandbox's scratch space must be reachable by the student processes' own uid, whatever TMPDIR says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from paths import EXAMPLES, ROOT

from grader.worker_sandbox import scratch_parent


def _shut_in(tmp_path: Path) -> Path:
    """A writable temporary folder inside a folder other users cannot enter (like a TMPDIR under /root)."""
    private = tmp_path / "private"
    inner = private / "tmp"
    inner.mkdir(parents=True)
    inner.chmod(0o1777)
    private.chmod(0o700)
    return inner


def test_a_temporary_folder_others_cannot_reach_is_passed_over(tmp_path, monkeypatch):
    inner = _shut_in(tmp_path)
    monkeypatch.setenv("TMPDIR", str(inner))
    monkeypatch.setattr(tempfile, "tempdir", None)
    assert tempfile.gettempdir() == str(inner)
    chosen = Path(scratch_parent())
    assert chosen != inner and private_free(chosen)


def test_a_reachable_temporary_folder_is_kept(monkeypatch):
    open_dir = Path(tempfile.mkdtemp(dir="/tmp"))  # /tmp itself is open to every user
    try:
        open_dir.chmod(0o1777)
        monkeypatch.setenv("TMPDIR", str(open_dir))
        monkeypatch.setattr(tempfile, "tempdir", None)
        assert scratch_parent() == str(open_dir.resolve())
    finally:
        open_dir.rmdir()


def private_free(folder: Path) -> bool:
    return all(os.stat(p).st_mode & 0o001 for p in (folder, *folder.parents))


@pytest.mark.slow
def test_grading_works_with_tmpdir_under_a_private_folder(tmp_path):
    """End to end: before, every check became a grader error when TMPDIR sat under a 0700 folder."""
    inner = _shut_in(tmp_path)
    out = tmp_path / "out"
    env = {**os.environ, "TMPDIR": str(inner)}
    done = subprocess.run([sys.executable, "-m", "grader.cli", str(EXAMPLES / "correct.py"), "-a", "shallow-nn",
                           "-o", str(out), "-j", "1", "-q"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads((out / "correct" / "results.json").read_text())
    assert result["score"] == result["max_score"] and "grader-error" not in result["flags"]
