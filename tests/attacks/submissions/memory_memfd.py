"""Attack: take memory that RLIMIT_AS does not count. A memfd filled with write() holds its pages without mapping
them: 960 MiB beyond the limit once scored 10/10. One memfd per 8 MiB (the file size limit applies to memfds too).
Stops at 1.5 GiB, half again the limit, printing what it holds after every 64 MiB; a refusal is reported as
MemoryError with what it pinned so far.

Defence: memfd_create is not on seccomp's allow list; a memory cgroup would count the pages anyway. Flag
"resource-limit", and never more pinned than memory_mb.
"""

import json
import os
import sys

CAP_MB = 1536


def _say(pinned, failed):
    text = "PINNED " + json.dumps({"pinned_mb": pinned, "failed": failed})
    print(text)
    sys.stdout.flush()
    return text


def layer_sizes(X, Y):
    chunk = b"m" * 2**20
    held, pinned = [], 0
    while pinned < CAP_MB:
        try:
            if pinned % 8 == 0:
                held.append(os.memfd_create("hoard"))
            os.write(held[-1], chunk)
        except OSError as exc:
            raise MemoryError(_say(pinned, f"{type(exc).__name__} errno {exc.errno}")) from None
        pinned += 1
        if pinned % 64 == 0:
            _say(pinned, None)
    raise RuntimeError(_say(pinned, None))
