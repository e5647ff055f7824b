"""Attack: take memory that RLIMIT_AS does not count through POSIX shared memory: files in /dev/shm (what
shm_open makes) filled with write(), never mapped, and left behind for later. 8 MiB per file (under the file size
limit), up to 1.5 GiB, printing what it holds after every 64 MiB; a refusal is reported as MemoryError.

Defence: Landlock (nothing outside the scratch folder can be created) and, where it is missing, a memory cgroup.
Flag "resource-limit", never more pinned than memory_mb, and nothing left in /dev/shm.
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
    chunk = b"s" * 2**20
    fd, pinned = -1, 0
    while pinned < CAP_MB:
        try:
            if pinned % 8 == 0:
                fd = os.open(f"/dev/shm/@@MARKER@@-{pinned // 8}", os.O_CREAT | os.O_RDWR, 0o600)
            os.write(fd, chunk)
        except OSError as exc:
            raise MemoryError(_say(pinned, f"{type(exc).__name__} errno {exc.errno}")) from None
        pinned += 1
        if pinned % 64 == 0:
            _say(pinned, None)
    raise RuntimeError(_say(pinned, None))
