"""Isolation layers: what the machine offers, and applying them inside a freshly forked student process.

The grader decides a plan once at start-up from what the machine supports (``available_layers``, then what the
zygote managed to set up); the zygote's forked child applies it with ``apply`` before any student code runs, and
dies rather than run with less. The results record the plan, which the grader knows itself, not anything the
student's process reports.

Layers, in the order of the results' ``sandbox`` list:

``process``     a separate, forked process in its own session (always)
``rlimits``     address space, CPU time, file size, open files, no core dumps, few processes (always)
``uid``         an unprivileged uid and gid of its own, no supplementary groups (root; or a subordinate id in a user
                namespace, see ``_userns``)
``no_new_privs`` no setuid binary can give privileges back (always)
``landlock``    the filesystem: read and write only inside its own scratch folder (kernel ABI >= 1)
``landlock-net`` no TCP bind or connect, loopback included (ABI >= 4)
``landlock-scope`` no signals to, and no abstract Unix sockets of, processes outside its domain (ABI >= 6)
``seccomp``     an allow list of the system calls Python, numpy and OpenBLAS need (see ``_seccomp``); all else EPERM
``cgroup-memory`` a memory cgroup's limit on the process: every page counted, memfd and tmpfs too (``_cgroup``)
``namespaces``  the zygote's own network, IPC and UTS namespaces: no interface but a downed loopback
``scratch-quota`` scratch folders on a size- and inode-capped tmpfs in the zygote's own mount namespace
``pdeathsig``   the process dies with its parent (always)
``via:root`` or ``via:userns``  how ``uid``, ``namespaces`` and ``scratch-quota`` were obtained: with root's
                privileges, or inside an unprivileged user namespace of the zygote's own (``_userns``)

A layer the machine lacks is left out of the plan and recorded as missing; the README's security model says
what each one guards and what is left when it is missing.
"""

from __future__ import annotations

import ctypes
import os
import platform
import resource
import signal
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import _userns
from ._seccomp import Prepared, apply_seccomp, load_prepared, seccomp_module

__all__ = [
    "IsolationFailed",
    "PR_SET_NO_NEW_PRIVS",
    "PR_SET_PDEATHSIG",
    "Plan",
    "UID_BASE",
    "VIA_ROOT",
    "VIA_USERNS",
    "apply",
    "available_layers",
    "current_address_space",
    "enter_namespaces",
    "landlock_abi",
    "mount_scratch",
    "resident_bytes",
    "sandbox_uid",
]

PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38

# A range of uids that no real account uses, far above the usual allocation.
UID_BASE = 1_500_000_000
VIA_ROOT, VIA_USERNS = "via:root", "via:userns"


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """What one student process must apply to itself. Plain data, so it can cross to the zygote."""

    layers: tuple[str, ...]
    uid: int | None
    memory_bytes: int
    cpu_seconds: int
    file_bytes: int
    open_files: int
    max_processes: int = 16

    def to_dict(self) -> dict[str, object]:
        return {
            "layers": list(self.layers),
            "uid": self.uid,
            "memory_bytes": self.memory_bytes,
            "cpu_seconds": self.cpu_seconds,
            "file_bytes": self.file_bytes,
            "open_files": self.open_files,
            "max_processes": self.max_processes,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Plan:
        return cls(
            layers=tuple(str(x) for x in data["layers"]),
            uid=None if data["uid"] is None else int(data["uid"]),
            memory_bytes=int(data["memory_bytes"]),
            cpu_seconds=int(data["cpu_seconds"]),
            file_bytes=int(data["file_bytes"]),
            open_files=int(data["open_files"]),
            max_processes=int(data["max_processes"]),
        )


class IsolationFailed(RuntimeError):
    """A layer of the plan could not be applied; the student process must not run."""


def available_layers() -> tuple[str, ...]:
    """The layers this machine and this user can apply in a forked child (``namespaces`` is the zygote's)."""
    layers = ["process", "rlimits"]
    if os.geteuid() == 0:
        layers.append("uid")
    layers.append("no_new_privs")
    abi = landlock_abi()
    if abi >= 1:
        layers.append("landlock")
    if abi >= 4:
        layers.append("landlock-net")
    if abi >= 6:
        layers.append("landlock-scope")
    if seccomp_module() is not None:
        layers.append("seccomp")
    layers.append("pdeathsig")
    return tuple(layers)


# ---------------------------------------------------------------------------------------------------------------
# Landlock, through its three system calls (no library needed)

_SYS_LANDLOCK = {"x86_64": (444, 445, 446), "aarch64": (444, 445, 446)}
_LANDLOCK_CREATE_RULESET_VERSION = 1
_LANDLOCK_RULE_PATH_BENEATH = 1
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_ALL_V1 = (1 << 13) - 1  # execute .. make_sym
_FS_REFER, _FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX, _SCOPE_SIGNAL = 1 << 0, 1 << 1


def _syscall(number: int, *args: object) -> int:
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    return int(libc.syscall(ctypes.c_long(number), *args))


def landlock_abi() -> int:
    """The Landlock ABI version the kernel offers, or 0."""
    numbers = _SYS_LANDLOCK.get(platform.machine())
    if numbers is None:
        return 0
    version = _syscall(numbers[0], None, ctypes.c_size_t(0), ctypes.c_uint32(_LANDLOCK_CREATE_RULESET_VERSION))
    return max(version, 0)


def _fs_rights(abi: int) -> int:
    rights = _FS_ALL_V1
    if abi >= 2:
        rights |= _FS_REFER
    if abi >= 3:
        rights |= _FS_TRUNCATE
    if abi >= 5:
        rights |= _FS_IOCTL_DEV
    return rights


def _apply_landlock(scratch: str, layers: set[str]) -> None:
    create, add_rule, restrict = _SYS_LANDLOCK[platform.machine()]
    abi = landlock_abi()
    fs = _fs_rights(abi)
    net = (_NET_BIND_TCP | _NET_CONNECT_TCP) if "landlock-net" in layers else 0
    scoped = (_SCOPE_ABSTRACT_UNIX | _SCOPE_SIGNAL) if "landlock-scope" in layers else 0
    size = 8 if abi < 4 else 16 if abi < 6 else 24  # struct landlock_ruleset_attr grew with the ABI
    attr = struct.pack("=QQQ", fs, net, scoped)[:size]
    ruleset = _syscall(create, ctypes.c_char_p(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise IsolationFailed(f"landlock_create_ruleset failed: {os.strerror(ctypes.get_errno())}")
    try:
        # Everything inside the scratch folder; /dev/null for reading and writing; nothing else at all.
        for path, rights in ((scratch, fs), (os.devnull, _FS_READ_FILE | _FS_WRITE_FILE)):
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = struct.pack("=Qi", rights, fd)
                if _syscall(add_rule, ctypes.c_int(ruleset), ctypes.c_int(_LANDLOCK_RULE_PATH_BENEATH),
                            ctypes.c_char_p(rule), ctypes.c_uint32(0)) != 0:
                    raise IsolationFailed(f"landlock_add_rule({path}) failed: {os.strerror(ctypes.get_errno())}")
            finally:
                os.close(fd)
        if _syscall(restrict, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            raise IsolationFailed(f"landlock_restrict_self failed: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(ruleset)


# ---------------------------------------------------------------------------------------------------------------
# Namespaces, entered once by the zygote so that forking stays cheap

_CLONE_NEWUTS, _CLONE_NEWIPC, _CLONE_NEWNET = 0x04000000, 0x08000000, 0x40000000


_CLONE_NEWNS, _MS_NOSUID, _MS_NODEV, _MS_REC, _MS_PRIVATE = 0x00020000, 2, 4, 16384, 1 << 18


def mount_scratch(base: str, size_bytes: int, inodes: int) -> bool:
    """Give the calling process a mount namespace of its own with a capped tmpfs over ``base``; False when the
    machine refuses. The host never sees the tmpfs, and it vanishes with the process."""
    if os.geteuid() != 0:
        return False
    libc = _libc()
    if libc.unshare(_CLONE_NEWNS) != 0:
        return False
    if libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:  # nothing propagates back to the host
        return False
    options = f"size={size_bytes},nr_inodes={inodes},mode=0711".encode()
    return bool(libc.mount(b"tmpfs", base.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, options) == 0)


def enter_namespaces() -> bool:
    """Move the calling process into new network, IPC and UTS namespaces; False when the machine refuses."""
    if os.geteuid() != 0:
        return False
    return bool(_libc().unshare(_CLONE_NEWNET | _CLONE_NEWIPC | _CLONE_NEWUTS) == 0)


def sandbox_uid(slot: int) -> int | None:
    """The unprivileged uid for a worker slot of this grader process, or None when not root.

    Each grader process and slot gets its own uid, so a sweep of that uid's processes can only ever touch this
    slot's student processes.
    """
    if os.geteuid() != 0:
        return None
    return UID_BASE + (os.getpid() % 4_000_000) * 16 + slot % 16


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _prctl(option: int, arg: int) -> None:
    if _libc().prctl(option, arg, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise IsolationFailed(f"prctl({option}) failed: {os.strerror(err)}")


def _statm(field: int) -> int:
    """Bytes of one field of ``/proc/self/statm`` (0: the mapped size, VmSize; 1: the resident size, VmRSS).
    Read with two system calls and no text layer: every student process reads it as it starts."""
    fd = os.open("/proc/self/statm", os.O_RDONLY | os.O_CLOEXEC)
    try:
        fields = os.read(fd, 256).split()
    finally:
        os.close(fd)
    try:
        return int(fields[field]) * resource.getpagesize()
    except (IndexError, ValueError):
        raise IsolationFailed(f"cannot read /proc/self/statm ({fields[:7]!r})") from None


def current_address_space() -> int:
    """Bytes of virtual memory this process maps now."""
    return _statm(0)


def resident_bytes() -> int:
    """Bytes of this process's memory that are resident now."""
    return _statm(1)


def apply(plan: Plan, scratch: str, *, in_cgroup: bool = False, seccomp_filter: Prepared | None = None) -> None:
    """Apply every layer of ``plan`` to the calling process, or raise IsolationFailed. ``in_cgroup``: the process
    was born in the zygote's memory cgroup, with its limit set for it (the ``cgroup-memory`` layer).
    ``seccomp_filter``: the zygote's prepared seccomp program for this plan (``_seccomp.prepare_seccomp``); without
    it the filter is built here."""
    layers = set(plan.layers)
    userns = VIA_USERNS in layers
    if "cgroup-memory" in layers:
        if not in_cgroup:
            raise IsolationFailed("the plan asks for a memory cgroup but the zygote has none")
        try:  # over the limit, this process is the one the kernel kills, never the zygote that shares the cgroup
            fd = os.open("/proc/self/oom_score_adj", os.O_WRONLY | os.O_CLOEXEC)
            try:
                os.write(fd, b"1000")
            finally:
                os.close(fd)
        except OSError as exc:
            raise IsolationFailed(f"cannot make the process the OOM killer's first choice: {exc}") from None
    if "rlimits" in layers:
        limit = current_address_space() + plan.memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CPU, (plan.cpu_seconds, plan.cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (plan.file_bytes, plan.file_bytes))
        resource.setrlimit(resource.RLIMIT_NOFILE, (plan.open_files, plan.open_files))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        # RLIMIT_NPROC is ignored for root and counts every process of the real uid (per user namespace): it
        # means something with a uid of our own, or inside our own user namespace.
        if "uid" in layers or userns:
            resource.setrlimit(resource.RLIMIT_NPROC, (plan.max_processes, plan.max_processes))
        # Writing past RLIMIT_FSIZE then fails with EFBIG instead of killing the process.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    if userns:  # "root" of the zygote's user namespace: give that up before anything else
        _userns.drop_bounding_set()
    if "uid" in layers:
        if plan.uid is None:
            raise IsolationFailed("the plan asks for a uid switch but names no uid")
        os.setgroups([])
        os.setresgid(plan.uid, plan.uid, plan.uid)
        os.setresuid(plan.uid, plan.uid, plan.uid)
        if os.getuid() != plan.uid or os.geteuid() != plan.uid or os.getgroups():
            raise IsolationFailed("the uid switch did not take")
    if userns:
        try:
            _userns.drop_capabilities()
        except OSError as exc:
            raise IsolationFailed(f"cannot drop capabilities: {exc}") from None
    if "no_new_privs" in layers or "landlock" in layers or "seccomp" in layers:
        _prctl(PR_SET_NO_NEW_PRIVS, 1)
    if "pdeathsig" in layers:  # after the uid switch, which clears it
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if "landlock" in layers:
        _apply_landlock(scratch, layers)
    if "seccomp" in layers:  # last: the calls above need some of what it denies
        try:
            if seccomp_filter is not None:
                load_prepared(seccomp_filter)
            else:
                apply_seccomp(own_uid="uid" in layers)
        except (RuntimeError, OSError, ValueError) as exc:
            raise IsolationFailed(f"seccomp: {exc}") from None
