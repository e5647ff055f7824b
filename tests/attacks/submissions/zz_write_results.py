"""Attack (graded after the honest submission, hence "zz"): rewrite the results. Overwrite the honest
submission's results.json and reports, pre-create this submission's own results and a gradebook.csv, plant a
symlink where the grader will write its temporary gradebook (so that root would write through it), create
folders in the output folder, chmod, rename, delete. Every attempt is recorded in the error message.

Defence: Landlock (nothing outside the scratch folder is writable) and the unprivileged uid. The output folder
must hold exactly what the grader wrote, the honest results must be unchanged.
"""

import json
import os

OUT = "@@OUT_DIR@@"
ME = "zz_write_results"
FAKE = {"schema": 1, "submission": ME, "score": 10.0, "max_score": 10.0, "flags": [], "checks": []}


def _attempts():
    def write(path, text):
        def go():
            with open(path, "w") as fh:
                fh.write(text)
        return go

    return {
        "overwrite honest results": write(f"{OUT}/honest/results.json", json.dumps({"score": 0.0})),
        "append honest report": write(f"{OUT}/honest/report.md", "# 0/10"),
        "own results folder": lambda: os.makedirs(f"{OUT}/{ME}", exist_ok=True),
        "own results.json": write(f"{OUT}/{ME}/results.json", json.dumps(FAKE)),
        "own results.json.tmp as a folder": lambda: os.makedirs(f"{OUT}/{ME}/results.json.tmp"),
        "gradebook": write(f"{OUT}/gradebook.csv", f"submission,total\n{ME},10\n"),
        "gradebook tmp symlink": lambda: os.symlink("/etc/passwd", f"{OUT}/gradebook.csv.tmp"),
        "new folder": lambda: os.mkdir(f"{OUT}/@@MARKER@@"),
        "chmod output": lambda: os.chmod(OUT, 0o777),
        "chmod honest": lambda: os.chmod(f"{OUT}/honest", 0o777),
        "rename honest": lambda: os.rename(f"{OUT}/honest", f"{OUT}/honest-gone"),
        "delete honest results": lambda: os.unlink(f"{OUT}/honest/results.json"),
        "utime honest results": lambda: os.utime(f"{OUT}/honest/results.json", (0, 0)),
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


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    _go()
    return {"W1": 0, "b1": 0, "W2": 0, "b2": 0}
