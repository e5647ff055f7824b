"""A batch worker's sandbox forks the next session's process ahead (``Sandbox(spare=True)``).

The spare is forked when a session ends, after its processes are killed and swept; it isolates itself and waits,
with no student code in it, for the next session to load a submission into it. It never changes a verdict: a spare
that is dead, or forked under another plan, is thrown away and the session forks its own.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from grader.assignment import Limits
from grader.failures import StudentError
from grader.program import Program
from grader.worker_sandbox import Sandbox

SOURCE = '''
import os
import numpy as np
def double(x):
    return x * 2
def where():
    return os.getpid(), os.getcwd()
def leave_a_file():
    with open("left.txt", "w") as fh:
        fh.write("x")
    return sorted(os.listdir("."))
'''


def program(source: str = SOURCE) -> Program:
    import ast

    keep = tuple(range(len(ast.parse(source).body)))
    return Program(units=(("<cell 1>", source, keep),), helpers=(), stubs=(), main="__main__")


def _children(sandbox: Sandbox) -> list[int]:
    pid = sandbox.zygote().process.pid
    return [int(p) for p in open(f"/proc/{pid}/task/{pid}/children").read().split()]


def _wait_for_children(sandbox: Sandbox, count: int) -> list[int]:
    deadline = time.monotonic() + 10
    while len(found := _children(sandbox)) != count and time.monotonic() < deadline:
        time.sleep(0.01)
    return found


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture
def sandbox():
    with Sandbox(spare=True) as box:
        yield box


def test_the_next_session_runs_in_the_process_forked_when_the_last_one_ended(sandbox):
    with sandbox.session(program(), Limits(), seed=1) as first:
        first_pid, first_folder = first.call("where")
        assert first.call("leave_a_file") == ["left.txt"]
    spare = _wait_for_children(sandbox, 1)  # the first session's process is gone; the spare waits
    assert len(spare) == 1 and spare[0] != first_pid
    with sandbox.session(program(), Limits(), seed=2) as second:
        pid, folder = second.call("where")
        assert second.call("leave_a_file") == ["left.txt"]  # a folder of its own: the first one's file is not in it
        np.testing.assert_array_equal(second.call("double", np.arange(3.0)), [0.0, 2.0, 4.0])
    assert folder != first_folder
    assert pid == spare[0]


def test_without_spare_nothing_is_left_after_a_session():
    with Sandbox() as box:
        with box.session(program(), Limits(), seed=1) as s:
            s.call("where")
        assert _children(box) == []


def test_closing_the_sandbox_with_a_spare_waiting_leaves_no_process_and_no_descriptor():
    before = _open_fds()
    box = Sandbox(spare=True)
    zygote = box.zygote().process
    with box.session(program(), Limits(), seed=1) as s:
        s.call("where")
    assert len(_wait_for_children(box, 1)) == 1
    scratch = box.scratch_base
    box.close()
    assert zygote.wait(timeout=10) is not None
    assert not scratch.exists()
    assert _open_fds() == before


def test_a_session_that_starts_no_process_does_not_sweep_the_spare_away(sandbox):
    with sandbox.session(program(), Limits(), seed=1) as s:
        s.call("where")
    spare = _wait_for_children(sandbox, 1)
    with sandbox.session(program(), Limits(), seed=1):
        pass  # nothing called: no process of its own, so nothing to sweep
    assert _children(sandbox) == spare
    with sandbox.session(program(), Limits(), seed=1) as s:
        np.testing.assert_array_equal(s.call("double", np.ones(2)), [2.0, 2.0])


def test_a_dead_spare_is_thrown_away_and_costs_the_submission_nothing(sandbox):
    with sandbox.session(program(), Limits(), seed=1) as s:
        s.call("where")
    (spare,) = _wait_for_children(sandbox, 1)
    os.kill(spare, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{spare}").exists() and open(f"/proc/{spare}/stat").read().split()[2] != "Z" \
            and time.monotonic() < deadline:
        time.sleep(0.01)
    with sandbox.session(program(), Limits(), seed=1) as s:
        np.testing.assert_array_equal(s.call("double", np.ones(2)), [2.0, 2.0])
        assert s._spawns == 1  # one process of its own, not a restart after a crash


def test_a_spare_forked_under_other_limits_is_not_used(sandbox):
    with sandbox.session(program(), Limits(), seed=1) as s:
        s.call("where")
    (spare,) = _wait_for_children(sandbox, 1)
    tight = Limits(memory_mb=Limits().memory_mb // 2)
    with sandbox.session(program(), tight, seed=1) as s:
        assert s.call("where")[1] != ""
        assert spare not in _children(sandbox)  # killed, not left waiting beside this session's own process
    # the limits in force are the session's own: 768 MB is within the spare's limit, not within the session's
    with pytest.raises(StudentError):
        with sandbox.session(program("def grow():\n    return len(bytearray(3 * 2**28))\n"), tight, seed=1) as s:
            s.call("grow")
    with sandbox.session(program("def grow():\n    return len(bytearray(3 * 2**28))\n"), Limits(), seed=1) as s:
        assert s.call("grow") == 3 * 2**28


def test_a_spare_whose_zygote_died_is_dropped_and_the_next_zygote_forks_the_session():
    before = _open_fds()
    with Sandbox(spare=True) as box:
        with box.session(program(), Limits(), seed=1) as s:
            s.call("where")
        assert len(_wait_for_children(box, 1)) == 1
        first = box.zygote().process
        first.kill()
        first.wait()
        with box.session(program(), Limits(), seed=1) as s:
            np.testing.assert_array_equal(s.call("double", np.ones(2)), [2.0, 2.0])
            assert s._spawns == 1
        assert box.zygote().process.pid != first.pid
    assert _open_fds() == before
