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

Building the filter with libseccomp costs a student process about 2 CPU-ms (the rules go through ctypes one by one,
and the pages it writes are copies of the zygote's), and the filter differs between processes only in the pid that
``kill``, ``tgkill``, ``prlimit64`` and ``sched_getaffinity`` may name. So the zygote builds it once
(``prepare_seccomp``): twice, for two pids no process can have, and compares the two BPF programs. The
instructions where they differ are the pid's places, each a comparison of the argument with a constant; anything
else differing means this libseccomp builds a different program for other pids, and the zygote leaves the
filter to be built in each process as before. A student process then writes its own pid into those places and
loads the program (``load_prepared``): the program libseccomp would have built for it (``tests/test_seccomp.py``
compares them for many pids).
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ALLOWED_SYSCALLS",
    "Prepared",
    "apply_seccomp",
    "bpf_program",
    "load_prepared",
    "prepare_seccomp",
    "seccomp_module",
]

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


def _filter(seccomp: Any, pid: int, own_uid: bool) -> Any:
    """The filter for a process whose pid is ``pid``, not loaded."""
    allow, eq = seccomp.ALLOW, seccomp.EQ
    rules = seccomp.SyscallFilter(seccomp.ERRNO(errno.EPERM))
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
    return rules


def apply_seccomp(*, own_uid: bool) -> None:
    """Load the filter into the calling process (after no_new_privs); ``own_uid`` is whether it has a uid of its
    own, which makes ``chmod`` safe. Raises RuntimeError when pyseccomp cannot be loaded."""
    seccomp = seccomp_module()
    if seccomp is None:
        raise RuntimeError("seccomp was planned but pyseccomp cannot be loaded")
    _filter(seccomp, os.getpid(), own_uid).load()


# ---------------------------------------------------------------------------------------------------------------
# The filter built once in the zygote

_INSTRUCTION = struct.Struct("=HBBI")  # struct sock_filter: code, jt, jf, k
_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K: jump if the accumulator equals k
_NOT_PIDS = (4_200_001, 4_200_002)  # above PID_MAX_LIMIT (2**22): no process has them
_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A filter's BPF program with the places of the process's own pid (instruction indices)."""

    program: bytes
    pid_slots: tuple[int, ...]

    def for_pid(self, pid: int) -> bytes:
        """The program for the process ``pid``."""
        program = bytearray(self.program)
        for index in self.pid_slots:
            code, jt, jf, _ = _INSTRUCTION.unpack_from(program, index * _INSTRUCTION.size)
            _INSTRUCTION.pack_into(program, index * _INSTRUCTION.size, code, jt, jf, pid)
        return bytes(program)


def _export(rules: Any) -> bytes:
    read, write = os.pipe()  # a program of a few hundred instructions: well within a pipe's buffer
    with os.fdopen(read, "rb") as reader:
        with os.fdopen(write, "wb") as writer:
            rules.export_bpf(writer)
        return reader.read()


def bpf_program(pid: int, *, own_uid: bool) -> bytes:
    """The BPF program libseccomp builds for the process ``pid`` (what ``apply_seccomp`` would load there)."""
    seccomp = seccomp_module()
    if seccomp is None:
        raise RuntimeError("pyseccomp cannot be loaded")
    return _export(_filter(seccomp, pid, own_uid))


def prepare_seccomp(*, own_uid: bool) -> Prepared | None:
    """The filter's program with its pid places, or None when they cannot be told apart (see the module's text)."""
    try:
        first, second = (bpf_program(pid, own_uid=own_uid) for pid in _NOT_PIDS)
    except (RuntimeError, OSError, ValueError):
        return None
    size = _INSTRUCTION.size
    if len(first) != len(second) or not first or len(first) % size:
        return None
    slots = []
    for index in range(len(first) // size):
        a, b = _INSTRUCTION.unpack_from(first, index * size), _INSTRUCTION.unpack_from(second, index * size)
        if a == b:
            continue
        if a[:3] != b[:3] or a[0] != _JEQ_K or (a[3], b[3]) != _NOT_PIDS:
            return None
        slots.append(index)
    if not slots:
        return None
    return Prepared(program=first, pid_slots=tuple(slots))


def load_prepared(prepared: Prepared) -> None:
    """Load ``prepared``, with the calling process's pid, into the calling process (after no_new_privs), as
    libseccomp's ``seccomp_load`` does for a single thread. Raises OSError when the kernel refuses it."""
    program = prepared.for_pid(os.getpid())
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // _INSTRUCTION.size, ctypes.cast(buffer, ctypes.c_char_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl(PR_SET_SECCOMP): {os.strerror(err)}")
