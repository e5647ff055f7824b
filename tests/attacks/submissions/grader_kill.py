"""Attack (graded before honest.py): stop or kill the grader, the zygote and everything else: SIGKILL and SIGSTOP
to the parent (the zygote), to pid 1, to every pid up to 65536 (the grader is one of them), to process group -1
(every process it may signal), through kill, tgkill, rt_sigqueueinfo and pidfd_send_signal.

Defence: another uid (no permission), Landlock's signal scoping, seccomp (no pidfd calls). Grading must finish
with exit code 0, the honest submission graded as when alone.
"""

import ctypes
import json
import os
import signal

# Safety for the machine running the suite: signal "everything" only as a sandbox uid, never as a real user.
SANDBOXED_UID = 1_500_000_000


def _go():
    if os.getuid() < SANDBOXED_UID:
        return {"skipped": f"not running as a sandbox uid (uid {os.getuid()})"}
    libc = ctypes.CDLL(None, use_errno=True)
    me = os.getpid()
    delivered = []
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        for pid in range(1, 65536):
            if pid == me:
                continue
            try:
                os.kill(pid, sig)
                delivered.append(pid)
            except OSError:
                pass
        try:
            os.kill(-1, sig)
            delivered.append(-1)
        except OSError:
            pass
    parent = os.getppid()
    calls = {
        "tgkill": libc.syscall(234, parent, parent, signal.SIGKILL),
        "rt_sigqueueinfo": libc.syscall(129, parent, signal.SIGKILL, None),
        "pidfd_open": libc.syscall(434, parent, 0),
    }
    return {"delivered": sorted(set(delivered))[:50], "calls": calls, "parent": parent}


def layer_sizes(X, Y):
    raise RuntimeError("REPORT " + json.dumps(_go()))
