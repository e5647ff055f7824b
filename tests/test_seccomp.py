"""The seccomp filter the zygote builds once (grader._seccomp.prepare_seccomp): the program libseccomp would build
for each student process, and one that a process really runs under once it has loaded it."""

from __future__ import annotations

import ctypes
import errno
import os
import socket

import pytest

from grader import _seccomp
from grader.isolation import PR_SET_NO_NEW_PRIVS

pytestmark = pytest.mark.skipif(_seccomp.seccomp_module() is None, reason="pyseccomp or libseccomp is missing")

# Pids around the filter's other constants (fcntl commands 1..7, 36.., 1030; ioctl requests 0x5401, 0x5413) and up
# to the largest pid Linux gives (PID_MAX_LIMIT - 1).
PIDS = (2, 3, 7, 36, 1030, 0x5401, 0x5413, 65_535, 65_536, 1_000_003, 4_194_303)


@pytest.mark.parametrize("own_uid", [True, False])
def test_the_prepared_program_is_the_one_libseccomp_builds_for_each_pid(own_uid):
    prepared = _seccomp.prepare_seccomp(own_uid=own_uid)
    assert prepared is not None and prepared.pid_slots
    for pid in (*PIDS, os.getpid()):
        assert prepared.for_pid(pid) == _seccomp.bpf_program(pid, own_uid=own_uid), pid
    assert _seccomp.prepare_seccomp(own_uid=not own_uid) != prepared  # chmod is allowed with a uid of its own only


def _in_child(prepared: _seccomp.Prepared) -> int:
    """What a process may still do once it has loaded ``prepared``, as bits of its exit code (nothing is imported
    after the fork: another thread of the test process may have held the import lock)."""
    ctypes.CDLL(None).prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    _seccomp.load_prepared(prepared)
    code = 0
    os.kill(os.getpid(), 0)  # itself: allowed
    code |= 1
    try:
        os.kill(os.getppid(), 0)  # its parent: denied
    except PermissionError:
        code |= 2
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except PermissionError as exc:
        code |= 4 if exc.errno == errno.EPERM else 0
    try:
        os.fork()
    except PermissionError:
        code |= 8
    return code


def test_a_process_runs_under_the_prepared_program_with_its_own_pid():
    prepared = _seccomp.prepare_seccomp(own_uid=False)
    assert prepared is not None
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's exit code is the result
        try:
            os._exit(_in_child(prepared))
        except BaseException:
            os._exit(100)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 1 | 2 | 4 | 8  # itself yes; the parent, sockets, fork: no
