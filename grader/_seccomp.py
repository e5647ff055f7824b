"""The seccomp layer: an allow list of the system calls that Python, numpy and OpenBLAS need in a student process.

Every call not listed fails with EPERM (``clone3`` with ENOSYS, so that glibc falls back to ``clone``, whose flags a
filter can see). The list was measured, not guessed: ``benchmarks/syscalls.py`` grades the examples of every
assignment, and runs the sandbox's own tests (``tests/test_session.py``: ordinary file work in scratch, threads,
clocks, signals to itself, crashes, limits), under ``strace -f -ff``, and collects every call a student process (or
a thread it started) made after its filter was loaded. On x86_64, Debian 12 (glibc 2.36), Python 3.11, numpy 2
with OpenBLAS 0.3.31 (one thread), that is 51 calls, each in ``_MEASURED`` (the trace also shows ``socket`` and
``clone3``, which the tests make on purpose to see them refused); ``_EQUIVALENT`` adds five, each with its reason.

Some calls are allowed only with arguments that cannot reach another process or the host: ``clone`` only for a
thread, ``kill``/``tgkill`` only to itself, ``prlimit64`` and ``sched_getaffinity`` only on itself, ``ioctl`` only
to ask whether a descriptor is a terminal, ``fcntl`` without the commands that aim signals at other processes
(F_SETOWN, F_SETSIG), leases, notifications or pipe sizes. ``chmod`` is allowed only when the student process has
a uid of its own (the ``uid`` layer): Landlock does not govern a file's mode, so without its own uid a student
process could change the modes of the grader's files.

Everything else is denied, including what the old deny list named (sockets, fork, exec, ptrace, io_uring, bpf,
namespaces, mounts, keyrings, System V and POSIX IPC) and what it missed: ``memfd_create`` (memory outside
RLIMIT_AS), ``pipe``, ``eventfd``, ``epoll``, ``utimensat`` and ``chown`` (metadata Landlock does not govern),
extended attributes, ``mknod``, ``symlink`` and ``link``.
"""

from __future__ import annotations

import errno
import os
from typing import Any

__all__ = ["ALLOWED_SYSCALLS", "apply_seccomp", "seccomp_module"]

# Measured with benchmarks/syscalls.py (see the module docstring).
_MEASURED = (
    "brk", "chdir", "chmod", "clock_gettime", "clock_nanosleep", "clone", "close", "exit", "exit_group", "fcntl",
    "fsync", "ftruncate", "futex", "getcwd", "getdents64", "getpid", "getppid", "getrandom", "getrusage", "gettid",
    "getuid", "ioctl", "lseek", "madvise", "mkdir", "mmap", "mprotect", "mremap", "msync", "munmap", "newfstatat",
    "openat", "prlimit64", "read", "recvfrom", "rename", "rmdir", "rseq", "rt_sigaction", "rt_sigprocmask",
    "rt_sigreturn", "sched_getaffinity", "sendfile", "sendto", "set_robust_list", "tgkill", "times", "uname",
    "unlink", "unlinkat", "write",
)

# Not in the trace, allowed for a stated reason.
_EQUIVALENT = (
    "kill",  # os.kill(os.getpid(), sig): signalling itself the usual way (the trace did it with raise_signal)
    "sched_yield",  # OpenBLAS's threads spin with it when a student raises its thread count
    "geteuid", "getgid", "getegid",  # what getuid (measured) asks, for the other ids: denied, they would return -1
)

# ioctl requests: is this a terminal (open() asks), and how wide (shutil.get_terminal_size)
_TCGETS, _TIOCGWINSZ = 0x5401, 0x5413
# fcntl commands on its own descriptors: F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_GETLK, F_SETLK, F_SETLKW,
# F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_DUPFD_CLOEXEC
_FCNTL_COMMANDS = (0, 1, 2, 3, 4, 5, 6, 7, 36, 37, 38, 1030)
_CLONE_THREAD = 0x00010000

ALLOWED_SYSCALLS = tuple(sorted(set(_MEASURED) | set(_EQUIVALENT)))


def seccomp_module() -> Any:
    """The pyseccomp module, or None when it (or libseccomp itself) is missing."""
    try:
        import pyseccomp
    except (ImportError, OSError):
        return None
    return pyseccomp


def _add(rules: Any, action: int, name: str, *args: Any) -> None:
    try:
        rules.add_rule(action, name, *args)
    except (ValueError, RuntimeError, OSError):  # a system call this architecture does not have
        pass


def apply_seccomp(*, own_uid: bool) -> None:
    """Load the filter into the calling process (after no_new_privs); ``own_uid`` is whether it has a uid of its
    own, which makes ``chmod`` safe. Raises RuntimeError when pyseccomp cannot be loaded."""
    seccomp = seccomp_module()
    if seccomp is None:
        raise RuntimeError("seccomp was planned but pyseccomp cannot be loaded")
    allow, eq = seccomp.ALLOW, seccomp.EQ
    rules = seccomp.SyscallFilter(seccomp.ERRNO(errno.EPERM))
    pid = os.getpid()
    ruled = {"clone", "kill", "tgkill", "prlimit64", "sched_getaffinity", "ioctl", "fcntl", "chmod"}
    for name in ALLOWED_SYSCALLS:
        if name not in ruled:
            _add(rules, allow, name)
    _add(rules, allow, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, _CLONE_THREAD, _CLONE_THREAD))
    _add(rules, allow, "kill", seccomp.Arg(0, eq, pid))
    _add(rules, allow, "tgkill", seccomp.Arg(0, eq, pid))
    for name in ("prlimit64", "sched_getaffinity"):
        _add(rules, allow, name, seccomp.Arg(0, eq, 0))
        _add(rules, allow, name, seccomp.Arg(0, eq, pid))
    for request in (_TCGETS, _TIOCGWINSZ):
        _add(rules, allow, "ioctl", seccomp.Arg(1, eq, request))
    for command in _FCNTL_COMMANDS:
        _add(rules, allow, "fcntl", seccomp.Arg(1, eq, command))
    if own_uid:
        _add(rules, allow, "chmod")
    _add(rules, seccomp.ERRNO(errno.ENOSYS), "clone3")
    rules.load()
