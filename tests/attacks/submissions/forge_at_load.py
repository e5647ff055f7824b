"""Attack: while the grader loads the definitions (from a decorator), answer with a forged "ready" frame holding a
zero-size array of shape [0, 10**30], then hang. The channel once raised a plain ValueError here: the process was
never killed, a fresh one was started for every check, and each left its three descriptors open in the grader
(about 15 per submission).

Defence: a bad frame at load breaks the session (BadReply for every call) and its process is killed and reaped;
the grader holds no descriptor of it. No check may pass, none may fail inside the grader.
"""

import json
import os
import stat
import struct
import time


def _forge(fn):
    shape = {"$": "nd", "buf": 0, "dtype": "<f8", "shape": [0, 10**30]}
    header = json.dumps({"v": {"$": "dict", "items": [["op", "ready"], ["errors", []], ["defined", [shape]]]},
                         "n": 1}).encode()
    data = struct.pack("!I", len(header)) + header + struct.pack("!Q", 0)
    for fd in range(3, 1024):
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.write(fd, data)
                break
        except OSError:
            continue
    time.sleep(60)
    return fn


@_forge
def layer_sizes(X, Y):
    return (X.shape[0], 4, Y.shape[0])
