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
    groups.enter()
    leaf = own / "grader-1" / "zygote"
    assert (leaf / "cgroup.procs").read_text() == "0"  # the zygote moved in
    (leaf / "memory.current").write_text("1000\n")
    groups.allow(123)
    assert (leaf / "memory.max").read_text() == "1123"  # what it holds plus the child's allowance
    assert groups.oom_kills() == 0
    (leaf / "memory.events").write_text("low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n")
    assert groups.oom_kills() == 1


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
    groups.enter()
    leaf = own / "grader-2" / "zygote"
    (leaf / "memory.usage_in_bytes").write_text("500\n")
    (leaf / "memory.memsw.limit_in_bytes").write_text("9223372036854771712\n")
    groups.allow(456)
    assert (leaf / "memory.limit_in_bytes").read_text() == (leaf / "memory.memsw.limit_in_bytes").read_text() == "956"
    (leaf / "memory.oom_control").write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")
    assert groups.oom_kills() == 2


def test_v1_memory_and_swap_never_below_memory_alone(monkeypatch, tmp_path):
    """The kernel refuses memory+swap below memory: it is lowered after memory, and raised before it."""
    _, own = _fake(monkeypatch, tmp_path, v2_memory=False, v1=True)
    groups = _cgroup.find_memory_cgroups("grader-7")
    groups.enter()
    leaf = own / "grader-7" / "zygote"
    (leaf / "memory.memsw.limit_in_bytes").write_text("9223372036854771712\n")
    written: list[tuple[str, str]] = []
    real = _cgroup._write
    monkeypatch.setattr(_cgroup, "_write", lambda path, text: written.append((os.path.basename(path), text))
                        or real(path, text))
    groups.allow(100)
    groups.allow(50)
    groups.allow(200)
    assert written == [("memory.limit_in_bytes", "100"), ("memory.memsw.limit_in_bytes", "100"),
                       ("memory.limit_in_bytes", "50"), ("memory.memsw.limit_in_bytes", "50"),
                       ("memory.memsw.limit_in_bytes", "200"), ("memory.limit_in_bytes", "200")]


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
    (own / f"grader-{dead}" / "zygote").mkdir(parents=True)
    (own / f"grader-{os.getpid()}" / "zygote").mkdir(parents=True)
    (own / "unrelated").mkdir()
    assert _cgroup.find_memory_cgroups("grader-5") is not None
    assert not (own / f"grader-{dead}").exists()
    assert (own / f"grader-{os.getpid()}" / "zygote").exists() and (own / "unrelated").exists()


def test_this_machine(tmp_path):
    """What the real detection finds here: a process enters the leaf, gets a limit above what it holds, comes back
    out, and nothing is left behind. (In a forked child: the test's own process never changes cgroup.)"""
    groups = _cgroup.find_memory_cgroups(f"grader-test-{os.getpid()}")
    if groups is None:
        pytest.skip("no writable memory cgroup here")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        try:
            groups.enter()
            inside = groups.leaf.rsplit("/", 2)[-2] in open("/proc/self/cgroup").read()
            groups.allow(64 * 2**20)
            held = groups.usage()
            limit = int(open(os.path.join(groups.leaf, _cgroup._FILES[groups.version]["limit"])).read())
            kills = groups.oom_kills()
            groups.close()
            os.write(write, f"{inside} {held > 0} {limit >= 64 * 2**20} {kills}".encode())
        finally:
            os._exit(0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    report = os.read(read, 200).decode()
    os.close(read)
    assert os.waitstatus_to_exitcode(status) == 0 and report == "True True True 0", report
    assert not os.path.exists(groups.folder)
