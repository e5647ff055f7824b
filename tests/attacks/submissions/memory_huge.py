"""Attack: allocate far more memory than the machine has, in one go and as a dense, touched array.

Defence: RLIMIT_AS (memory_mb on top of the warm interpreter): the allocation fails with MemoryError, which the
worker reports as "memory". Flag "resource-limit".
"""

import numpy as np


def layer_sizes(X, Y):
    huge = np.ones((2**18, 2**18))  # 512 GiB of float64, touched
    return (int(huge.shape[0]), 4, 1)


def compute_cost(A2, Y):
    block = bytearray(2**40)  # 1 TiB
    return float(len(block))
