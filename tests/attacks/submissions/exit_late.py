"""Attack: refuse to leave. At load time (from a decorator): atexit handlers, a finaliser, a non-daemon thread,
handlers that ignore every catchable signal and a signal mask that blocks them, and ``os._exit`` replaced by a
no-op, so that the worker's final exit returns into the zygote's code instead. The atexit handler would print a
fake "all passed" and drop a file in /tmp.

Defence: the grader kills the process group and the pidfd with SIGKILL, which nothing can catch, block or delay;
Landlock keeps /tmp out of reach. No "ATEXIT" text in any output, no file, no process left, and grading stays fast.
"""

import atexit
import os
import signal
import sys
import threading
import time

MARKER = "@@MARKER@@"


def _late(*args):
    print(f"ATEXIT-RAN {MARKER}: all checks passed, 10/10")
    try:
        with open(f"/tmp/{MARKER}-atexit", "w") as fh:
            fh.write("late")
    except OSError:
        pass


class _Finaliser:
    def __del__(self):
        _late()


def _linger():
    while True:
        time.sleep(0.05)


def _install(fn):
    atexit.register(_late)
    globals()["_KEEP"] = _Finaliser()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM,
                signal.SIGXCPU, signal.SIGPIPE, signal.SIGQUIT):
        try:
            signal.signal(sig, _late)
        except (OSError, ValueError):
            pass
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, set(signal.Signals) - {signal.SIGKILL, signal.SIGSTOP})
    except (OSError, ValueError):
        pass
    threading.Thread(target=_linger, daemon=False).start()
    os._exit = lambda *args: None
    sys.exit = lambda *args: None
    return fn


@_install
def layer_sizes(X, Y):
    return "not yet"


def compute_cost(A2, Y):
    return "late"
