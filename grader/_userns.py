"""The sandbox without root: an unprivileged user namespace for the zygote.

As an ordinary user the grader cannot switch uids, mount a tmpfs or enter new network namespaces. On kernels that
allow unprivileged user namespaces it starts the zygote in one of its own instead (``enter``), together with new
mount, network, IPC and UTS namespaces that the user namespace owns, and maps it from outside (``map_ids``):

- always: the grader's uid and gid to 0 inside. The zygote is "root" only over its own namespaces: it may mount the
  capped scratch tmpfs and keep the network down, nothing outside. Its student processes drop every capability
  (``drop_capabilities``) before any student code runs.
- when the user owns subordinate ids (``/etc/subuid`` and ``/etc/subgid``, with ``newuidmap``/``newgidmap`` from
  the uidmap package, as rootless containers use them): one subordinate uid and gid as 1 inside as well. Student
  processes then switch to uid 1: an uid of their own outside, which owns none of the grader's files and cannot
  signal its processes. That is the ``uid`` layer, without root.
- otherwise the student processes keep the grader's uid outside (no ``uid`` layer): Landlock alone keeps them from
  the grader's files, landlock-scope from signalling its processes, and the seccomp filter leaves out the calls
  that Landlock does not govern (chmod, chown, utimes, extended attributes).

A process whose uid switched away from the owner of a user namespace may still be killed by the owner (it holds
every capability inside), so the grader can clean up after it either way.
"""

from __future__ import annotations

import ctypes
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass

__all__ = ["INSIDE_UID", "SubIds", "drop_bounding_set", "drop_capabilities", "enter", "map_ids", "subordinate_ids"]

_CLONE_NEWNS, _CLONE_NEWUTS, _CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
_CLONE_NEWUSER, _CLONE_NEWNET = 0x10000000, 0x40000000
_PR_CAPBSET_DROP, _PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 24, 47, 4
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
INSIDE_UID = 1  # the student processes' uid inside the namespace when there are subordinate ids


@dataclass(frozen=True, slots=True)
class SubIds:
    """One subordinate uid and gid of the grader's user, for one worker slot."""

    uid: int
    gid: int
    newuidmap: str
    newgidmap: str


def _ranges(path: str, user: str, uid: int) -> list[tuple[int, int]]:
    found = []
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                parts = line.strip().split(":")
                if len(parts) == 3 and parts[0] in (user, str(uid)) and parts[1].isdigit() and parts[2].isdigit():
                    found.append((int(parts[1]), int(parts[2])))
    except OSError:
        pass
    return found


def _pick(ranges: list[tuple[int, int]], index: int) -> int | None:
    """The ``index``-th id of the ranges, taken modulo their total size."""
    total = sum(count for _, count in ranges)
    if total == 0:
        return None
    index %= total
    for start, count in ranges:
        if index < count:
            return start + index
        index -= count
    return None  # pragma: no cover - unreachable


def subordinate_ids(slot: int) -> SubIds | None:
    """A subordinate uid and gid for this grader process and ``slot``, or None when the user has none (or the
    uidmap helpers are missing). Distinct grader processes and slots get distinct ids as far as the range allows."""
    uid = os.getuid()
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = str(uid)
    helpers = [shutil.which(name, path="/usr/bin:/bin:/usr/sbin:/sbin") for name in ("newuidmap", "newgidmap")]
    uids, gids = _ranges("/etc/subuid", user, uid), _ranges("/etc/subgid", user, uid)
    if not all(helpers) or not uids or not gids:
        return None
    index = (os.getpid() % 4_000_000) * 16 + slot % 16
    sub_uid, sub_gid = _pick(uids, index), _pick(gids, index)
    if sub_uid is None or sub_gid is None:
        return None
    return SubIds(uid=sub_uid, gid=sub_gid, newuidmap=str(helpers[0]), newgidmap=str(helpers[1]))


def enter() -> bool:
    """Move the calling process into new user, mount, network, IPC and UTS namespaces; False when the kernel
    refuses. The caller must then be mapped from outside (``map_ids``) before it creates any file."""
    libc = ctypes.CDLL(None, use_errno=True)
    return bool(libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNS | _CLONE_NEWNET | _CLONE_NEWIPC | _CLONE_NEWUTS) == 0)


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as fh:
        fh.write(text)


def map_ids(pid: int, sub: SubIds | None) -> bool:
    """Map the user namespace of process ``pid`` (which this process's user created): this user to 0 inside, and
    the subordinate ids to ``INSIDE_UID`` when there are any. True when the mapping took."""
    uid, gid = os.getuid(), os.getgid()
    try:
        if sub is not None:
            for helper, own, other in ((sub.newuidmap, uid, sub.uid), (sub.newgidmap, gid, sub.gid)):
                subprocess.run([helper, str(pid), "0", str(own), "1", str(INSIDE_UID), str(other), "1"],
                               check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=30)
        else:
            _write(f"/proc/{pid}/setgroups", "deny")  # an unprivileged gid map requires it
            _write(f"/proc/{pid}/uid_map", f"0 {uid} 1\n")
            _write(f"/proc/{pid}/gid_map", f"0 {gid} 1\n")
    except (OSError, subprocess.SubprocessError):
        return False
    return True


def drop_bounding_set() -> None:
    """Empty the capability bounding and ambient sets (before a uid switch: it needs CAP_SETPCAP)."""
    libc = ctypes.CDLL(None, use_errno=True)
    cap = 0
    while libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) == 0:  # until the first capability the kernel does not know
        cap += 1
    libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)


def drop_capabilities() -> None:
    """Clear the effective, permitted and inheritable capabilities, and check that none is left anywhere,
    bounding set included. Raises OSError when one is."""
    libc = ctypes.CDLL(None, use_errno=True)
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()  # two struct __user_cap_data_struct, all zero
    if libc.capset(header, data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")
    with open("/proc/self/status", encoding="ascii") as fh:
        held = [line.split()[1] for line in fh if line.startswith(("CapEff:", "CapPrm:", "CapInh:", "CapBnd:"))]
    if len(held) != 4 or any(int(mask, 16) for mask in held):
        raise OSError(0, f"capabilities remain: {held}")
