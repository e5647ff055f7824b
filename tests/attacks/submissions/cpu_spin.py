"""Attack: spin forever in a graded function.

Defence: the per-call wall-time limit (call_seconds) kills the process, RLIMIT_CPU backs it up. The check fails
with flag "timeout", and the batch goes on.
"""


def layer_sizes(X, Y):
    n = 0
    while True:
        n += 1
