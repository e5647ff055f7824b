"""A memory cgroup per student process: memory counted whatever the means.

RLIMIT_AS counts mappings, so pages a process holds without mapping them escape it: a memfd or a tmpfs file filled
with write(), shared memory, kernel memory. A memory cgroup counts every page its processes cause to be allocated,
so the zygote puts each student process (it joins before any student code runs) into a cgroup of its own with a
hard limit, and the kernel kills the process when it goes over. The zygote reads the cgroup's OOM-kill counter when
it reaps the process, so the grader can say "ran out of memory", and then removes the cgroup.

Where the cgroups go, in order of preference:

- cgroup v2: a folder ``grader-<zygote pid>`` under the nearest of the zygote's own cgroup and its ancestors that
  already hands the memory controller to its children (``memory`` in ``cgroup.subtree_control``) and is writable:
  as root, usually the root cgroup or a slice (a service's own cgroup holds its processes, so it cannot hand
  controllers down); as an ordinary user, a delegated subtree (systemd's ``Delegate=yes``, ``user@.service``).
  Each student process gets a child with ``memory.max`` and ``memory.swap.max = 0``; it leaves the grader's own
  cgroup for it, with a limit far below any the grader's cgroup may have. The grader never enables a controller in
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


class MemoryCgroups:
    """The zygote's own cgroup folder, with one child cgroup per student process."""

    def __init__(self, version: int, folder: str) -> None:
        self.version = version
        self.folder = folder
        self._count = 0
        self._stale: list[str] = []  # children whose removal failed; tried again later

    def create(self, limit_bytes: int) -> str:
        """A fresh child cgroup limited to ``limit_bytes``; returns its folder. Raises OSError."""
        self.sweep()
        self._count += 1
        path = os.path.join(self.folder, f"p-{self._count}")
        os.mkdir(path, 0o755)
        try:
            if self.version == 2:
                _write(os.path.join(path, "memory.max"), str(limit_bytes))
                if os.path.exists(os.path.join(path, "memory.swap.max")):
                    _write(os.path.join(path, "memory.swap.max"), "0")
            else:
                _write(os.path.join(path, "memory.limit_in_bytes"), str(limit_bytes))
                if os.path.exists(os.path.join(path, "memory.memsw.limit_in_bytes")):
                    _write(os.path.join(path, "memory.memsw.limit_in_bytes"), str(limit_bytes))
        except OSError:
            self.remove(path)
            raise
        return path

    def oom_killed(self, path: str) -> bool:
        """Whether the kernel killed a process of this cgroup for going over its limit."""
        name = "memory.events" if self.version == 2 else "memory.oom_control"
        for line in _read(os.path.join(path, name)).splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return value.strip().isdigit() and int(value) > 0
        return False

    def remove(self, path: str) -> None:
        """Remove a child cgroup whose processes are gone (later, if the kernel is not done with it yet)."""
        try:
            os.rmdir(path)
        except FileNotFoundError:
            pass
        except OSError:
            self._stale.append(path)

    def sweep(self) -> None:
        stale, self._stale = self._stale, []
        for path in stale:
            self.remove(path)

    def close(self) -> None:
        self.sweep()
        try:
            os.rmdir(self.folder)
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
                if child.startswith("p-"):
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
                    return MemoryCgroups(2, folder)
    for mount in mounts:
        if mount.fstype == "cgroup" and "memory" in mount.options and "memory" in own:
            v1 = _folder(mount, own["memory"])
            if v1 and os.path.exists(os.path.join(v1, "memory.limit_in_bytes")):
                made = _make_folder(v1, name, enable_memory=False)
                if made is not None:
                    return MemoryCgroups(1, made)
    return None
