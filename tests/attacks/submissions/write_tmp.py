"""Attack: write outside the scratch folder in the places every process can usually write: /tmp, /dev/shm,
/var/tmp, the home folder, the scratch folder's parent, a FIFO and a Unix socket in /tmp; leave symlinks in its
own scratch folder that point at the output folder and the reference, hoping the cleanup follows them; report
its scratch folder so the test can check it is gone afterwards.

Defence: Landlock (only the scratch folder is writable), seccomp (no sockets); the grader deletes the scratch
folder without following links. No new file anywhere, the scratch folder removed.
"""

import json
import os

MARKER = "@@MARKER@@"
OUT = "@@OUT_DIR@@"
REPO = "@@REPO@@"


def _go():
    report = {"scratch": os.getcwd()}
    targets = ["/tmp", "/dev/shm", "/var/tmp", os.path.expanduser("~"), "/root", "..", "/", "/work"]
    for folder in targets:
        path = os.path.join(folder, f"{MARKER}-file")
        try:
            with open(path, "w") as fh:
                fh.write("was here")
            report[path] = "worked"
        except Exception as exc:
            report[path] = type(exc).__name__
    for name, attempt in {
        "fifo": lambda: os.mkfifo(f"/tmp/{MARKER}-fifo"),
        "mkdir": lambda: os.mkdir(f"/tmp/{MARKER}-dir"),
        "socket": lambda: __import__("socket").socket(1, 1).bind(f"/tmp/{MARKER}-sock"),
        "link out": lambda: os.symlink(OUT, "link-out"),
        "link reference": lambda: os.symlink(REPO + "/reference", "link-reference"),
        "scratch file": lambda: open("kept.txt", "w").write("state"),
    }.items():
        try:
            attempt()
            report[name] = "worked"
        except Exception as exc:
            report[name] = type(exc).__name__
    return report


def layer_sizes(X, Y):
    raise RuntimeError("REPORT " + json.dumps(_go()))
