"""Attack: the classic fork bomb: every process forks forever, ignoring failures.

Defence: seccomp (no fork at all) and RLIMIT_NPROC; the loop then only spins until the call's time limit kills it.
Flag "timeout" (or "resource-limit"), nothing left running, the batch goes on.
"""

import os


def layer_sizes(X, Y):
    while True:
        try:
            os.fork()
        except OSError:
            pass
