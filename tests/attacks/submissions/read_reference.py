"""Attack: read the hidden half (reference solution, checks, grading.toml) and a canary file that lies outside
every scratch folder (mode 0644, in a 0755 folder: file permissions alone would let anyone read it), by every
route: plain open, os.open, /proc/self/root, relative paths from the scratch folder, symlinks and hard links
made in the scratch folder, linecache, io.open_code, mmap, numpy.fromfile, shutil.copy, os.listdir to
discover names. Then smuggle whatever it got out through every channel a result has: printed output, the value
returned (shown as "got"), an exception message, the *shape* of a zero-size array, and array values.

Defence: Landlock (the filesystem: nothing outside the scratch folder, /dev/null and procfs included), and the
unprivileged uid as a second wall for files that are not world-readable. No secret may appear in any output.
"""

import io
import json
import linecache
import mmap
import os
import shutil

import numpy as np

REPO = "@@REPO@@"
CANARY = "@@CANARY_FILE@@"
HIDDEN = REPO + "/reference/shallow-nn"
TARGETS = [
    CANARY,
    HIDDEN + "/solution.py",
    HIDDEN + "/grading.toml",
    HIDDEN + "/checks/conftest.py",
    HIDDEN + "/checks/test_layer_sizes.py",
    HIDDEN + "/checks/test_initialize_parameters.py",
    HIDDEN + "/checks/test_forward_propagation.py",
    HIDDEN + "/checks/test_compute_cost.py",
    HIDDEN + "/checks/test_backward_propagation.py",
    HIDDEN + "/checks/test_update_parameters.py",
    HIDDEN + "/checks/test_predict.py",
    HIDDEN + "/checks/test_nn_model.py",
]


def _relative(path):
    depth = len(os.getcwd().strip("/").split("/"))
    return "../" * depth + path.lstrip("/")


def _methods(path, index):
    def plain():
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()

    def low():
        fd = os.open(path, os.O_RDONLY)
        try:
            return os.read(fd, 1 << 20).decode("utf-8", "replace")
        finally:
            os.close(fd)

    def proc_root():
        with open("/proc/self/root" + path) as fh:
            return fh.read()

    def relative():
        with open(_relative(path)) as fh:
            return fh.read()

    def symlink():
        link = f"link{index}"
        if not os.path.lexists(link):
            os.symlink(path, link)
        with open(link) as fh:
            return fh.read()

    def hardlink():
        link = f"hard{index}"
        if not os.path.lexists(link):
            os.link(path, link)
        with open(link) as fh:
            return fh.read()

    def cache():
        lines = linecache.getlines(path)
        if not lines:
            raise OSError("linecache found nothing")
        return "".join(lines)

    def open_code():
        with io.open_code(path) as fh:
            return fh.read().decode("utf-8", "replace")

    def mapped():
        with open(path, "rb") as fh:
            return mmap.mmap(fh.fileno(), 0, prot=mmap.PROT_READ)[:].decode("utf-8", "replace")

    def numpy_file():
        return np.fromfile(path, dtype=np.uint8).tobytes().decode("utf-8", "replace")

    def copied():
        shutil.copy(path, f"copy{index}")
        with open(f"copy{index}") as fh:
            return fh.read()

    return [plain, low, proc_root, relative, symlink, hardlink, cache, open_code, mapped, numpy_file, copied]


def _steal():
    loot, report = {}, {}
    for folder in (HIDDEN, HIDDEN + "/checks", os.path.dirname(CANARY), REPO):
        try:
            report["ls " + folder] = os.listdir(folder)[:20]
        except OSError as exc:
            report["ls " + folder] = type(exc).__name__
    for index, path in enumerate(TARGETS):
        for method in _methods(path, index):
            try:
                text = method()
            except Exception as exc:
                report.setdefault(method.__name__, f"{type(exc).__name__}: {exc}"[:80])
                continue
            if text:
                loot[path] = text
                report[method.__name__] = "worked"
                break
    return loot, report


def _everything():
    loot, report = _steal()
    print("REPORT " + json.dumps(report))
    canary = loot.get(CANARY, "")
    text = canary + "\n" + "\n".join(loot.values())
    print(text)
    return canary, text


def layer_sizes(X, Y):
    canary, text = _everything()
    return canary + " | " + text[:550]


def compute_cost(A2, Y):
    canary, text = _everything()
    raise RuntimeError(canary + " | " + text[:1900])


def initialize_parameters(n_x, n_h, n_y):
    canary, _ = _everything()
    shape = (0,) + tuple(canary.encode()[:30]) if canary else (0, 1)
    return {"W1": np.zeros(shape), "b1": np.zeros(shape), "W2": np.zeros(shape), "b2": np.zeros(shape)}


def predict(parameters, X):
    canary, text = _everything()
    data = (canary + text).encode()[:4096] or b"\0"
    return np.frombuffer(data, dtype=np.uint8).reshape(1, -1).copy()


def forward_propagation(X, parameters):
    canary, text = _everything()
    return canary, {"Z1": text[:500], "A1": canary, "Z2": canary, "A2": canary}
