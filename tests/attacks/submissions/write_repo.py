"""Attack: change how everyone is graded, for good, by writing into the repository and the environment the
grader runs from: rewrite a hidden check so it always passes, add a check file, change grading.toml's points and
assignment.toml's limits, neuter grader/checking.py, drop a .pth file into the virtualenv's site-packages (code
that every later run of the grader would execute as root), overwrite the honest submission in the batch folder,
add a new submission to it, delete, rename, chmod and touch files. Every attempt is recorded.

Defence: Landlock (nothing outside the scratch folder is writable) and the unprivileged uid. The test snapshots
reference/, assignments/, the batch folder and site-packages before and after.
"""

import json
import os

import numpy

REPO = "@@REPO@@"
BATCH = "@@BATCH_DIR@@"
MARKER = "@@MARKER@@"
HIDDEN = REPO + "/reference/shallow-nn"
SIGNED = f"# {MARKER}\n"  # every write carries the marker, so the test can tell it from other edits
ALWAYS_PASS = SIGNED + "import pytest\npytestmark = pytest.mark.grades('layer_sizes')\n\ndef test_values():\n    pass\n"


def _attempts():
    site = os.path.dirname(os.path.dirname(numpy.__file__))

    def write(path, text, mode="w"):
        def go():
            with open(path, mode) as fh:
                fh.write(text)
        return go

    return {
        "rewrite a check": write(HIDDEN + "/checks/test_layer_sizes.py", ALWAYS_PASS),
        "add a check": write(HIDDEN + f"/checks/test_{MARKER}.py", ALWAYS_PASS),
        "points": write(HIDDEN + "/grading.toml", "\n" + SIGNED + '"layer_sizes::values" = 100\n', "a"),
        "solution": write(HIDDEN + "/solution.py", "\n" + SIGNED + "raise SystemExit\n", "a"),
        "limits": write(REPO + "/assignments/shallow-nn/assignment.toml", "\n" + SIGNED + "[limits]\ncall_seconds = 1e9\n", "a"),
        "grader package": write(REPO + "/grader/checking.py", "\n" + SIGNED + "CheckFailure = type(None)\n", "a"),
        "site-packages .pth": write(site + f"/{MARKER}.pth", SIGNED + "import os; os.system('id > /tmp/owned')\n"),
        "overwrite honest": write(BATCH + "/honest.py", SIGNED + "def layer_sizes(X, Y):\n    return None\n"),
        "new submission": write(BATCH + f"/{MARKER}.py", SIGNED + "def layer_sizes(X, Y):\n    return (2, 4, 1)\n"),
        "delete honest": lambda: os.unlink(BATCH + "/honest.py"),
        "rename honest": lambda: os.rename(BATCH + "/honest.py", BATCH + f"/{MARKER}-honest.py"),
        "chmod batch": lambda: os.chmod(BATCH, 0o777),
        "touch solution": lambda: os.utime(HIDDEN + "/solution.py", (0, 0)),
        "mkdir in repo": lambda: os.mkdir(REPO + f"/{MARKER}"),
    }


def _go():
    report = {}
    for name, attempt in _attempts().items():
        try:
            attempt()
            report[name] = "worked"
        except Exception as exc:
            report[name] = type(exc).__name__
    return report


def layer_sizes(X, Y):
    raise RuntimeError("REPORT " + json.dumps(_go()))
