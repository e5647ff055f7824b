"""Attack: write one huge file (1 GiB) in the scratch folder.

Defence: RLIMIT_FSIZE (file_bytes): the write fails (EFBIG). The failure must be reported as what it is, flag
"resource-limit", not as an ordinary crash of the student's code.
"""


def layer_sizes(X, Y):
    block = b"\0" * 2**20
    with open("huge.bin", "wb") as fh:
        for _ in range(1024):
            fh.write(block)
    return (X.shape[0], 4, Y.shape[0])
