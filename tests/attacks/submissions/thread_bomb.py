"""Attack: a thread bomb: start spinning threads until the system refuses, then spin in the caller too.

Defence: RLIMIT_NPROC counts threads; the call's time limit kills the process. Flag "timeout" or
"resource-limit", nothing left running.
"""

import threading


def _spin():
    n = 0
    while True:
        n += 1


def layer_sizes(X, Y):
    while True:
        try:
            threading.Thread(target=_spin, daemon=True).start()
        except RuntimeError:
            break
    _spin()
