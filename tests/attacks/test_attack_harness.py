"""The harness's own detectors, tried on real effects (no grading): a suite whose detectors never fire would pass
every attack. Each test makes the effect an attack would make and checks the harness sees it."""

from __future__ import annotations

import os
import random
import signal
import socket
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
from attack_harness import (
    SANDBOX_UIDS,
    SUBMISSIONS,
    Listeners,
    Secret,
    attributable,
    kill_leftovers,
    leftover_processes,
    live_markdown,
    processes,
    temp_entries,
    tree_diff,
    tree_state,
)

from grader import isolation

# With the attack suite: its leftover-process test runs a fake orphan sandbox process, which an attack run of
# another checkout on the same machine would take for its own leftover.
pytestmark = pytest.mark.slow


def _orphan_uid() -> int:
    """A sandbox uid whose grading process (pid % 4e6 = its block) is not alive; drawn at random, so that two runs
    of this test on one machine do not share it (the same uid in both once made each see the other's process)."""
    live = {pid % 4_000_000 for pid in processes()}
    draw = random.Random(f"{os.getpid()}-{time.time_ns()}")
    block = next(b for b in iter(lambda: draw.randrange(1, 4_000_000), None) if b not in live)
    uid = isolation.UID_BASE + block * 16
    assert uid in SANDBOX_UIDS
    return uid


def test_sees_and_kills_a_leftover_sandbox_process():
    before = {(pid, p.start) for pid, p in processes().items()}
    uid = _orphan_uid()
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            time.sleep(30)
        finally:
            os._exit(0)
    try:
        time.sleep(0.2)
        found = leftover_processes(before, "no-such-marker")
        assert [p.pid for p in found] == [pid], found
        kill_leftovers(found)
        os.waitpid(pid, 0)
        assert not leftover_processes(before, "no-such-marker")
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass


def test_listeners_hear_every_kind_of_socket():
    with tempfile.TemporaryDirectory() as folder:
        listeners = Listeners(Path(folder), f"attack-harness-self-test-{os.getpid()}")  # unique: runs share the machine
        try:
            values = listeners.values
            socket.create_connection(("127.0.0.1", int(values["TCP_PORT"]))).sendall(b"x")
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", int(values["UDP_PORT"])))
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.connect(values["UNIX_STREAM"])
                s.sendall(b"x")
            socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"x", values["UNIX_DGRAM"])
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.connect("\0" + values["ABSTRACT_STREAM"])
                s.sendall(b"x")
            socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"x", "\0" + values["ABSTRACT_DGRAM"])
            expected = 6
            if "TCP6_PORT" in listeners.socks:
                socket.create_connection(("::1", int(values["TCP6_PORT"]))).sendall(b"x")
                expected += 1
            if "UDP6_PORT" in listeners.socks:
                socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).sendto(b"x", ("::1", int(values["UDP6_PORT"])))
                expected += 1
            time.sleep(0.3)
            events = listeners.drain()
            assert len(events) == expected, events
        finally:
            listeners.close()


def test_finds_a_secret_however_it_is_smuggled():
    secret = Secret("canary", "FILECANARY0123456789ABCDEF", encoded=True)
    data = np.frombuffer(secret.text.encode(), dtype=np.uint8)
    smuggled = [
        f"got: '{secret.text}'",
        np.array2string(data.reshape(1, -1), threshold=100),  # array values
        f"W1 has shape {(0, *data[:30].tolist())}, but it should have shape (4, 2)",  # an array's shape
        secret.text.encode().hex(),
    ]
    for text in smuggled:
        assert any(p.search(text) for p in secret.patterns()), text
    assert not any(p.search("W1 has shape (4, 2)") for p in secret.patterns())


def test_tells_live_markdown_from_escaped_or_fenced():
    fenced = "intro\n\n````text\n# TITLE\n<script>x</script>\n```\n````\n"
    escaped = "message: \\# TITLE \\<script\\>\n"
    live = "# TITLE\n"
    assert live_markdown(fenced, "TITLE") == []
    assert live_markdown(escaped, "TITLE") == []
    assert live_markdown(live, "TITLE") == ["# TITLE"]
    assert live_markdown("text <script>TITLE</script>", "TITLE") != []


def test_attributes_changes_to_the_attack_only():
    marker = "atkselftest0001"
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "theirs.py").write_text("x = 1\n")
        (root / "ours.py").write_text("y = 1\n")
        before = tree_state(root)
        (root / "theirs.py").write_text("x = 2\n")  # someone editing the repository meanwhile
        (root / "ours.py").write_text(f"# {marker}\ny = 2\n")  # an attack's write
        (root / f"test_{marker}.py").write_text("")
        (root / "touched.py").write_text("")
        os.utime(root / "touched.py", (0, 0))
        changes = tree_diff(before, tree_state(root))
        found = attributable(root, changes, marker)
        assert {c.split(" ", 1)[1].split(":")[0] for c in found} == {"ours.py", f"test_{marker}.py", "touched.py"}


def test_sees_new_entries_in_temp_folders():
    before = temp_entries()
    with tempfile.NamedTemporaryFile(dir="/tmp", prefix="atkselftest") as fh:
        assert fh.name in set(temp_entries()) - set(before)


def test_notebook_submissions_are_valid_notebooks():
    notebooks = sorted(SUBMISSIONS.glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        nbformat.validate(nbformat.read(path, as_version=4))
