"""Attack: leave a chain of folders 5,000 deep in the scratch folder (its path far beyond PATH_MAX), with the last
folder made read-only. The root zygote once deleted scratch folders with a recursive shutil.rmtree: a chain 1,100
deep raised RecursionError and the zygote exited, and with it the sandbox of every later submission.

Defence: scratch folders are deleted without recursion (``grader._scratch.remove_tree``) and every request to the
zygote is handled in its own ``try``. It reports the zygote's pid (its parent) so that the test can check that the
next submission is graded by the same zygote.
"""

import json
import os


def layer_sizes(X, Y):
    print("ZYGOTE " + json.dumps({"pid": os.getppid()}), flush=True)
    for _ in range(5000):
        os.mkdir("d")
        os.chdir("d")
    with open("leaf.txt", "w") as fh:
        fh.write("x")
    try:
        os.chmod(".", 0o500)
    except PermissionError:
        pass
    raise RuntimeError("built a folder chain 5,000 deep")
