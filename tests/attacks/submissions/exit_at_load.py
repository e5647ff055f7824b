"""Attack: leave while the grader loads the definitions (from a decorator), before any check can call anything,
hoping that a submission that never answers is skipped rather than failed.

Defence: a process that dies while loading breaks the session; every call then fails the same way. Score 0, all
checks in error.
"""

import os


def _leave(fn):
    os._exit(0)


@_leave
def layer_sizes(X, Y):
    return (X.shape[0], 4, Y.shape[0])


def compute_cost(A2, Y):
    return 0.6931471805599453
