"""Attack (installed in the batch as pytest.py; kept under another name so that nothing here imports it):
a submission named pytest.py, shadowing pytest: were it imported by the grader, ``pytest.main`` would
report success without running a single check, and its top-level code would leave a marker in /tmp.

Defence: the submissions folder is never on sys.path. Graded like any other file: its one correct function
earns 0.5.
"""

open("/tmp/@@MARKER@@-pytest-imported", "w").write("imported")


def main(*args, **kwargs):
    return 0


def layer_sizes(X, Y):
    return (X.shape[0], 4, Y.shape[0])
