"""Attack: recurse without bound after raising the recursion limit, so that Python's own guard never triggers:
once through plain Python calls (frames on the heap) and once through C (each level a C stack frame), to run the
process out of memory or stack.

Defence: RLIMIT_AS and RLIMIT_STACK end it. It must be flagged "resource-limit" (or "timeout"), like any other
exhausted limit, not reported as an ordinary crash.
"""

import sys


def _down(n):
    return _down(n + 1) + 1


def _down_through_c(n):
    return sorted([n], key=lambda k: _down_through_c(k + 1))


def layer_sizes(X, Y):
    sys.setrecursionlimit(2**30)
    return _down(0)


def compute_cost(A2, Y):
    sys.setrecursionlimit(2**30)
    return _down_through_c(0)
