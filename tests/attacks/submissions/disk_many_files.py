"""Attack: fill the disk with files that each stay under RLIMIT_FSIZE: first 20,000 empty files (inodes), then
8 MiB files until a write fails, printing how much it holds every 64 MiB. Stops at 2 GiB so as not to fill the
machine running the suite, and then returns a wrong answer that says how much it wrote.

Defence needed: a quota on the scratch folder as a whole (a size-limited tmpfs in a mount namespace, a project
quota, or a grader that watches the folder's size). The write must fail early and be flagged "resource-limit".
"""

import json
import os
import sys

CAP = 2 * 2**30
CHUNK = 8 * 2**20


def _say(written, files):
    print("WROTE " + json.dumps({"written_mb": written >> 20, "files": files}))
    sys.stdout.flush()


def layer_sizes(X, Y):
    written, files = 0, 0
    block = b"\1" * CHUNK
    os.makedirs("inodes", exist_ok=True)
    for i in range(20_000):
        with open(f"inodes/{i}", "w"):
            files += 1
    _say(written, files)
    while written < CAP:
        with open(f"blob{files}.bin", "wb") as fh:
            fh.write(block)
        written += CHUNK
        files += 1
        if written % (64 * 2**20) == 0:
            _say(written, files)
    return "REPORT " + json.dumps({"written_mb": written >> 20, "files": files})
