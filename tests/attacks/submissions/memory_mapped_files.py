"""Attack: fill the address space almost to its limit with arrays, then map files of the scratch folder a window
at a time: map 8 MiB, touch every page, unmap, next file. The address space never grows, yet every touched page
stays in the tmpfs file. Reports what it holds after every 16 MiB of files; a refusal (no space: the process gets
SIGBUS, or mmap fails) ends it.

Defence: a memory cgroup counts the file pages with the arrays; without one, the scratch quota bounds them (a
touch past it is SIGBUS). Flag "resource-limit"; the same bounds as memory_scratch_files.py.
"""

import json
import mmap
import os
import sys

import numpy as np

CAP_MB = 1536
ARRAYS_MB = 896
WINDOW = 8 * 2**20


def _say(pinned, failed):
    text = "PINNED " + json.dumps({"pinned_mb": pinned, "failed": failed})
    print(text)
    sys.stdout.flush()
    return text


def layer_sizes(X, Y):
    arrays = np.ones(ARRAYS_MB * 2**17)
    pinned = ARRAYS_MB
    _say(pinned, None)
    n = 0
    while pinned < CAP_MB:
        try:
            fd = os.open(f"mapped-{n}.bin", os.O_CREAT | os.O_RDWR, 0o600)
            os.ftruncate(fd, WINDOW)
            with mmap.mmap(fd, WINDOW, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE) as window:
                for offset in range(0, WINDOW, 4096):
                    window[offset] = 1
            os.close(fd)
        except (OSError, ValueError) as exc:
            raise MemoryError(_say(pinned, f"{type(exc).__name__}: {exc}")) from None
        n += 1
        pinned += WINDOW >> 20
        if pinned % 16 == 0:
            _say(pinned, None)
    raise RuntimeError(_say(pinned + int(arrays[0]) - 1, None))
