"""Not an attack: graded after the others in its batch, it reports the pid of the zygote that forked it (its
parent), so that a test can see whether an earlier submission made the grader start another one."""

import json
import os


def layer_sizes(X, Y):
    print("ZYGOTE " + json.dumps({"pid": os.getppid()}), flush=True)
    raise RuntimeError("probe")
