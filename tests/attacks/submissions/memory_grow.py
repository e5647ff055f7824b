"""Attack: grow a list of touched 16 MiB blocks until something gives.

Defence: RLIMIT_AS stops the growth at memory_mb; the MemoryError becomes flag "resource-limit".
"""


def layer_sizes(X, Y):
    hoard = []
    while True:
        hoard.append(b"x" * (16 * 2**20))
