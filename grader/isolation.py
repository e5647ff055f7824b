"""Isolation layers: what the machine offers, and applying them inside a freshly forked student process.

The grader decides a plan (``plan_layers``) once at start-up from what the machine supports; the zygote's forked
child applies it with ``apply`` before any student code runs, and dies rather than run with less. The results
record the plan, which the grader knows itself, not anything the student's process reports.

Layers, in the order they are applied:

``process``     a separate, forked process in its own session (always)
``rlimits``     address space, CPU time, file size, open files, no core dumps, few processes (always)
``uid``         an unprivileged uid and gid of the grader's own range, no supplementary groups (when root)
``no_new_privs`` no setuid binary can give privileges back (always)
``pdeathsig``   the process dies with its parent (always)
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
from dataclasses import dataclass

PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38

# A range of uids that no real account uses, far above the usual allocation.
UID_BASE = 1_500_000_000


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
    def from_dict(cls, data: dict[str, object]) -> Plan:
        return cls(
            layers=tuple(str(x) for x in data["layers"]),  # type: ignore[union-attr]
            uid=None if data["uid"] is None else int(data["uid"]),  # type: ignore[arg-type]
            memory_bytes=int(data["memory_bytes"]),  # type: ignore[arg-type]
            cpu_seconds=int(data["cpu_seconds"]),  # type: ignore[arg-type]
            file_bytes=int(data["file_bytes"]),  # type: ignore[arg-type]
            open_files=int(data["open_files"]),  # type: ignore[arg-type]
            max_processes=int(data["max_processes"]),  # type: ignore[arg-type]
        )


class IsolationFailed(RuntimeError):
    """A layer of the plan could not be applied; the student process must not run."""


def available_layers() -> tuple[str, ...]:
    """The layers this machine and this user can apply."""
    layers = ["process", "rlimits", "no_new_privs", "pdeathsig"]
    if os.geteuid() == 0:
        layers.insert(2, "uid")
    return tuple(layers)


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


def current_address_space() -> int:
    """Bytes of virtual memory this process maps now."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise IsolationFailed("cannot read VmSize from /proc/self/status")


def apply(plan: Plan) -> None:
    """Apply every layer of ``plan`` to the calling process, or raise IsolationFailed."""
    layers = set(plan.layers)
    if "rlimits" in layers:
        limit = current_address_space() + plan.memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CPU, (plan.cpu_seconds, plan.cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (plan.file_bytes, plan.file_bytes))
        resource.setrlimit(resource.RLIMIT_NOFILE, (plan.open_files, plan.open_files))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if "uid" in layers:  # RLIMIT_NPROC is ignored for root, and counts every process of the real uid
            resource.setrlimit(resource.RLIMIT_NPROC, (plan.max_processes, plan.max_processes))
        # Writing past RLIMIT_FSIZE then fails with EFBIG instead of killing the process.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    if "uid" in layers:
        if plan.uid is None:
            raise IsolationFailed("the plan asks for a uid switch but names no uid")
        os.setgroups([])
        os.setresgid(plan.uid, plan.uid, plan.uid)
        os.setresuid(plan.uid, plan.uid, plan.uid)
        if os.getuid() != plan.uid or os.geteuid() != plan.uid or os.getgroups():
            raise IsolationFailed("the uid switch did not take")
    if "no_new_privs" in layers:
        _prctl(PR_SET_NO_NEW_PRIVS, 1)
    if "pdeathsig" in layers:  # after the uid switch, which clears it
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
