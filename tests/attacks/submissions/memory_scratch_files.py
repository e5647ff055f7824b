"""Attack: fill the address space almost to its limit with ordinary arrays, then keep going in files of the
scratch folder, which sits on a tmpfs: file pages are memory too, but RLIMIT_AS does not count what write() puts
there. 8 MiB per file (the file size limit). Reports what it holds (arrays plus files) after every 16 MiB of files;
a refusal (scratch quota full) is reported as MemoryError.

Defence: a memory cgroup counts the tmpfs pages with the arrays and kills the process at its limit; without one,
the scratch quota still bounds the files. Flag "resource-limit"; never more than memory_mb pinned with a memory
cgroup, memory_mb plus the scratch quota without one.
"""

import json
import sys

import numpy as np

CAP_MB = 1536
ARRAYS_MB = 896


def _say(pinned, failed):
    text = "PINNED " + json.dumps({"pinned_mb": pinned, "failed": failed})
    print(text)
    sys.stdout.flush()
    return text


def layer_sizes(X, Y):
    arrays = np.ones(ARRAYS_MB * 2**17)  # 896 MiB of float64, every page touched
    pinned = ARRAYS_MB
    _say(pinned, None)
    chunk = b"f" * 2**20
    fh = None
    while pinned < CAP_MB:
        try:
            if (pinned - ARRAYS_MB) % 8 == 0:
                fh = open(f"hoard-{pinned}.bin", "wb", buffering=0)
            fh.write(chunk)
        except OSError as exc:
            raise MemoryError(_say(pinned, f"{type(exc).__name__} errno {exc.errno}")) from None
        pinned += 1
        if pinned % 16 == 0:
            _say(pinned, None)
    raise RuntimeError(_say(pinned + int(arrays[0]) - 1, None))
