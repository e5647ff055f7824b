"""Attack (graded before honest.py): threads that keep going after the function returned: one writes to
stdout every few milliseconds (a process whose output never ends could keep the grader reading), one sends
SIGKILL to every process of its uid (the honest submission's worker shares it) and to the grader, one keeps
trying to write a file in /tmp. Started at load time from a decorator.

Defence: killing the process ends all its threads; Landlock's signal scoping and the uid keep the signals in;
Landlock keeps /tmp out. Grading stays fast, no process remains, the honest submission is unaffected.
"""

import os
import signal
import sys
import threading
import time

MARKER = "@@MARKER@@"
# Safety for the machine running the suite: signal "everything" only as a sandbox uid, never as a real user.
SANDBOXED_UID = 1_500_000_000


def _chatter():
    while True:
        try:
            sys.stdout.write(".")
            sys.stdout.flush()
        except Exception:
            pass
        time.sleep(0.003)


def _killer():
    while os.getuid() >= SANDBOXED_UID:
        for target in (-1, os.getppid(), 1):
            try:
                os.kill(target, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.01)


def _writer():
    while True:
        try:
            with open(f"/tmp/{MARKER}-thread", "w") as fh:
                fh.write("alive")
        except OSError:
            pass
        time.sleep(0.05)


def _start(fn):
    for target in (_chatter, _killer, _writer):
        threading.Thread(target=target, daemon=False).start()
    return fn


@_start
def layer_sizes(X, Y):
    return "threads running"
