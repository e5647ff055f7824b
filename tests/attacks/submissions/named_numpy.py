"""Attack (installed in the batch as numpy.py; kept under another name so that nothing here imports it):
a submission named numpy.py, shadowing numpy for any process that imports from the submissions
folder: every comparison a check makes would hold, and its top-level code would leave a marker in /tmp.

Defence: the submissions folder is never on sys.path, in the grader or in the sandbox; the submission runs as
module "submission". Graded like any other file: its one correct function earns 0.5.
"""

open("/tmp/@@MARKER@@-numpy-imported", "w").write("imported")


def isclose(*args, **kwargs):
    return True


allclose = array_equal = isclose


def layer_sizes(X, Y):
    return (X.shape[0], 4, Y.shape[0])
