"""Where per-process memory cgroups go: cgroup v2 when this process's cgroup hands memory down, else v1, else none.

The choice is tested on folders laid out like cgroupfs (the kernel's enforcement is tested for real by
test_session.py's test_the_memory_cgroup_counts_what_rlimit_as_does_not and the memory attacks, on whichever
hierarchy this machine has), so that each branch runs here whatever the machine offers."""

from __future__ import annotations

import os

import pytest

from grader import _cgroup


def _fake(monkeypatch, tmp_path, *, v2_memory: bool, v1: bool, cgroup="/work/job"):
    unified, memory = tmp_path / "unified", tmp_path / "memory"
    own_v2, own_v1 = unified / cgroup.lstrip("/"), memory / cgroup.lstrip("/")
    own_v2.mkdir(parents=True)
    (own_v2 / "cgroup.subtree_control").write_text("cpu memory\n" if v2_memory else "cpu\n")
    (own_v2 / "cgroup.procs").write_text("")
    mounts = [_cgroup._Mount(str(unified), "/", "cgroup2", frozenset({"rw"}))]
    own = {"": cgroup}
    if v1:
        own_v1.mkdir(parents=True)
        (own_v1 / "memory.limit_in_bytes").write_text("9223372036854771712\n")
        mounts.append(_cgroup._Mount(str(memory), "/", "cgroup", frozenset({"rw", "memory"})))
        own["memory"] = cgroup
    monkeypatch.setattr(_cgroup, "_mounts", lambda: mounts)
    monkeypatch.setattr(_cgroup, "_own_cgroups", lambda: own)
    return own_v2, own_v1


def test_v2_when_the_own_cgroup_hands_memory_down(monkeypatch, tmp_path):
    own, _ = _fake(monkeypatch, tmp_path, v2_memory=True, v1=True)
    groups = _cgroup.find_memory_cgroups("grader-1")
    assert groups is not None and groups.version == 2 and groups.folder == str(own / "grader-1")
    assert (own / "grader-1" / "cgroup.subtree_control").read_text() == "+memory"
    path = groups.create(123)
    assert open(os.path.join(path, "memory.max")).read() == "123"
    assert not groups.oom_killed(path)
    with open(os.path.join(path, "memory.events"), "w") as fh:
        fh.write("low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n")
    assert groups.oom_killed(path)


def test_v2_under_the_nearest_ancestor_that_hands_memory_down(monkeypatch, tmp_path):
    """A service's own cgroup holds its processes, so it cannot enable controllers for children: the cgroups go
    under the nearest ancestor that does (here the slice above it)."""
    own, _ = _fake(monkeypatch, tmp_path, v2_memory=False, v1=True, cgroup="/system.slice/ci.service")
    (own.parent / "cgroup.subtree_control").write_text("cpu memory pids\n")
    (own.parent / "cgroup.procs").write_text("")
    groups = _cgroup.find_memory_cgroups("grader-6")
    assert groups is not None and groups.version == 2 and groups.folder == str(own.parent / "grader-6")


def test_v1_when_v2_has_no_memory_controller(monkeypatch, tmp_path):
    _, own = _fake(monkeypatch, tmp_path, v2_memory=False, v1=True)
    groups = _cgroup.find_memory_cgroups("grader-2")
    assert groups is not None and groups.version == 1 and groups.folder == str(own / "grader-2")
    path = groups.create(456)
    assert open(os.path.join(path, "memory.limit_in_bytes")).read() == "456"
    with open(os.path.join(path, "memory.oom_control"), "w") as fh:
        fh.write("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")
    assert groups.oom_killed(path)


def test_none_without_a_memory_controller_or_write_access(monkeypatch, tmp_path):
    _fake(monkeypatch, tmp_path, v2_memory=False, v1=False)
    assert _cgroup.find_memory_cgroups("grader-3") is None
    if os.geteuid() != 0:  # root may write anywhere: only an ordinary user meets a read-only cgroup
        _, own = _fake(monkeypatch, tmp_path / "ro", v2_memory=False, v1=True)
        own.chmod(0o555)
        assert _cgroup.find_memory_cgroups("grader-4") is None


def test_folders_of_dead_zygotes_are_removed_and_live_ones_kept(monkeypatch, tmp_path):
    _, own = _fake(monkeypatch, tmp_path, v2_memory=False, v1=True)
    dead = 4_000_001  # above any pid this kernel hands out by default
    (own / f"grader-{dead}" / "p-1").mkdir(parents=True)
    (own / f"grader-{os.getpid()}" / "p-1").mkdir(parents=True)
    (own / "unrelated").mkdir()
    assert _cgroup.find_memory_cgroups("grader-5") is not None
    assert not (own / f"grader-{dead}").exists()
    assert (own / f"grader-{os.getpid()}" / "p-1").exists() and (own / "unrelated").exists()


def test_this_machine(tmp_path):
    """What the real detection finds here, and that it leaves nothing behind."""
    groups = _cgroup.find_memory_cgroups(f"grader-test-{os.getpid()}")
    if groups is None:
        pytest.skip("no writable memory cgroup here")
    path = groups.create(64 * 2**20)
    assert os.path.isdir(path)
    groups.remove(path)
    groups.close()
    assert not os.path.exists(groups.folder)
