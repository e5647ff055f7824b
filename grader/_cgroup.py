"""A memory cgroup for student processes: memory counted whatever the means.

RLIMIT_AS counts mappings, so pages a process holds without mapping them escape it: a memfd or a tmpfs file filled
with write(), shared memory, kernel memory. A memory cgroup counts every page its processes cause to be allocated.
The zygote enters a cgroup of its own before it preloads anything, and forks each student process into it: before
each fork it sets the hard limit to what the cgroup holds plus the child's allowance, and the kernel kills the child
when it goes over. The zygote compares the cgroup's OOM-kill count when it reaps the child, so the grader can say
"ran out of memory". (A cgroup per student process, joined by the child, was measured to cost every student process
10 to 20 ms of waiting for the kernel: see ``MemoryCgroups``.)

Where the cgroups go, in order of preference:

- cgroup v2: a folder ``grader-<zygote pid>`` under the nearest of the zygote's own cgroup and its ancestors that
  already hands the memory controller to its children (``memory`` in ``cgroup.subtree_control``) and is writable:
  as root, usually the root cgroup or a slice (a service's own cgroup holds its processes, so it cannot hand
  controllers down); as an ordinary user, a delegated subtree (systemd's ``Delegate=yes``, ``user@.service``).
  The zygote's leaf has ``memory.max`` and ``memory.swap.max = 0``; the zygote leaves the grader's own cgroup for
  it, with a limit far below any the grader's cgroup may have. The grader never enables a controller in
  a cgroup it did not create.
- cgroup v1 (hybrid hierarchies, such as the Debian 12 machines this was measured on, where ``memory`` is bound to
  the v1 hierarchy and the v2 one has no memory controller): the same layout under the zygote's v1 memory cgroup,
  with ``memory.limit_in_bytes`` (and ``memory.memsw.limit_in_bytes`` when swap is accounted).
- neither (no write access, no memory controller): no cgroup, and the ``cgroup-memory`` layer is missing. RLIMIT_AS,
  the seccomp allow list (no memfd, no System V or POSIX shared memory) and the scratch quota still bound memory;
  what a submission writes into its scratch folder then comes on top of RLIMIT_AS, up to the quota.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["MemoryCgroups", "find_memory_cgroups", "join"]


@dataclass(frozen=True, slots=True)
class _Mount:
    point: str
    root: str
    fstype: str
    options: frozenset[str]


def _mounts() -> list[_Mount]:
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            left, _, right = line.partition(" - ")
            fields, tail = left.split(), right.split()
            if len(fields) >= 5 and len(tail) >= 3:
                found.append(_Mount(point=fields[4].replace("\\040", " "), root=fields[3], fstype=tail[0],
                                    options=frozenset(tail[2].split(","))))
    return found


def _own_cgroups() -> dict[str, str]:
    """Controller (or "" for the v2 hierarchy) -> this process's cgroup path, from /proc/self/cgroup."""
    found = {}
    with open("/proc/self/cgroup", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            parts = line.rstrip("\n").split(":", 2)
            if len(parts) == 3:
                for controller in parts[1].split(",") if parts[1] else [""]:
                    found[controller] = parts[2]
    return found


def _folder(mount: _Mount, path: str) -> str | None:
    """Where the cgroup ``path`` (as /proc/self/cgroup names it) lies under ``mount``."""
    root = mount.root.rstrip("/")
    if root and not (path == root or path.startswith(root + "/")):
        return None
    return os.path.join(mount.point, path[len(root):].lstrip("/"))


def _read(path: str) -> str:
    try:
        with open(path, encoding="ascii", errors="replace") as fh:
            return fh.read()
    except OSError:
        return ""


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as fh:
        fh.write(text)


_FILES = {2: {"usage": "memory.current", "limit": "memory.max", "events": "memory.events"},
          1: {"usage": "memory.usage_in_bytes", "limit": "memory.limit_in_bytes", "events": "memory.oom_control"}}


class MemoryCgroups:
    """The zygote's own cgroup folder ``grader-<pid>`` and its one leaf, ``zygote``, which the zygote enters once:
    every student process it forks is born in the leaf, so none has to move into a cgroup of its own. (A move waits
    for the kernel's RCU grace period: 10 to 20 ms of every student process's start, measured on these machines.)

    The zygote forks one student process at a time. Before each fork it sets the leaf's limit to what the leaf holds
    now plus the child's allowance, and reads the leaf's OOM-kill count; a higher count when the child is reaped
    means the limit killed it. The child makes itself the OOM killer's first choice (``oom_score_adj`` 1000), so a
    child over its limit is killed, never the zygote."""

    def __init__(self, version: int, folder: str, home: str | None = None) -> None:
        self.version = version
        self.folder = folder
        self.leaf = os.path.join(folder, "zygote")
        self._home = home  # the cgroup the zygote came from, where it goes back before removing its own
        self._limit: int | None = None

    def _file(self, what: str) -> str:
        return os.path.join(self.leaf, _FILES[self.version][what])

    def enter(self) -> None:
        """Make the leaf and move the calling process (the zygote) into it. Raises OSError."""
        os.makedirs(self.leaf, 0o755, exist_ok=True)
        if self.version == 2 and os.path.exists(os.path.join(self.leaf, "memory.swap.max")):
            _write(os.path.join(self.leaf, "memory.swap.max"), "0")
        join(self.leaf)

    def usage(self) -> int:
        """Bytes the leaf holds now (the zygote's pages, and what earlier children left in caches)."""
        text = _read(self._file("usage")).strip()
        return int(text) if text.isdigit() else 0

    def allow(self, extra_bytes: int) -> None:
        """Limit the leaf to what it holds now plus ``extra_bytes``: a child forked next may allocate that much.
        Raises OSError."""
        limit = self.usage() + extra_bytes
        files = [self._file("limit")]
        memsw = os.path.join(self.leaf, "memory.memsw.limit_in_bytes")  # v1 with swap accounted
        if self.version == 1 and os.path.exists(memsw):
            files.append(memsw)  # never below memory alone: lowered after it, raised before it
            if self._limit is not None and limit > self._limit:
                files.reverse()
        for path in files:
            _write(path, str(limit))
        self._limit = limit

    def oom_kills(self) -> int:
        """How many processes of the leaf the kernel has killed for going over its limit."""
        for line in _read(self._file("events")).splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and value.strip().isdigit():
                return int(value)
        return 0

    def close(self) -> None:
        """Go back to the cgroup the process came from and remove the folder (left for the next zygote's sweep when
        the kernel is not done with it)."""
        if self._home is not None:
            try:
                join(self._home)
            except OSError:
                pass
        for path in (self.leaf, self.folder):
            try:
                os.rmdir(path)
            except OSError:
                pass


def join(path: str) -> None:
    """Move the calling process into the cgroup at ``path``. Raises OSError."""
    _write(os.path.join(path, "cgroup.procs"), "0")


def _sweep_stale(parent: str) -> None:
    """Remove the folders that zygotes killed without their clean-up left behind (their pid is gone). A cgroup
    that still holds a process cannot be removed, so this never takes one from a live zygote."""
    try:
        names = os.listdir(parent)
    except OSError:
        return
    for name in names:
        pid = name.removeprefix("grader-")
        if name == pid or not pid.isdigit() or os.path.exists(f"/proc/{pid}"):
            continue
        folder = os.path.join(parent, name)
        try:
            for child in os.listdir(folder):
                if os.path.isdir(os.path.join(folder, child)):
                    os.rmdir(os.path.join(folder, child))
            os.rmdir(folder)
        except OSError:
            continue


def _make_folder(parent: str, name: str, *, enable_memory: bool) -> str | None:
    _sweep_stale(parent)
    folder = os.path.join(parent, name)
    try:
        os.mkdir(folder, 0o755)
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        if enable_memory:  # v2: hand the memory controller down to the per-process children
            _write(os.path.join(folder, "cgroup.subtree_control"), "+memory")
    except OSError:
        os.rmdir(folder)
        return None
    return folder


def _v2_candidates(mount: _Mount, path: str) -> list[str]:
    """This process's v2 cgroup and its ancestors, nearest first, that hand the memory controller to their children
    and where this process may create a cgroup and move a process in (write access to ``cgroup.procs``, which a
    move needs in the common ancestor)."""
    found = []
    folder: str | None = _folder(mount, path)
    while folder is not None and folder.startswith(mount.point):
        if ("memory" in _read(os.path.join(folder, "cgroup.subtree_control")).split()
                and os.access(folder, os.W_OK) and os.access(os.path.join(folder, "cgroup.procs"), os.W_OK)):
            found.append(folder)
        if os.path.normpath(folder) == os.path.normpath(mount.point):
            break
        folder = os.path.dirname(os.path.normpath(folder))
    return found


def find_memory_cgroups(name: str) -> MemoryCgroups | None:
    """A folder ``name`` for per-process memory cgroups under this process's own cgroup (v2, else v1), or None
    where the machine does not let this process have one. Never changes anything outside its own folder."""
    try:
        mounts, own = _mounts(), _own_cgroups()
    except OSError:
        return None
    for mount in mounts:
        if mount.fstype == "cgroup2" and "" in own:
            for parent in _v2_candidates(mount, own[""]):
                folder = _make_folder(parent, name, enable_memory=True)
                if folder is not None:
                    return MemoryCgroups(2, folder, _folder(mount, own[""]))
    for mount in mounts:
        if mount.fstype == "cgroup" and "memory" in mount.options and "memory" in own:
            v1 = _folder(mount, own["memory"])
            if v1 and os.path.exists(os.path.join(v1, "memory.limit_in_bytes")):
                made = _make_folder(v1, name, enable_memory=False)
                if made is not None:
                    return MemoryCgroups(1, made, v1)
    return None
