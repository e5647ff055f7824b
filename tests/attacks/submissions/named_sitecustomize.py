"""Attack (installed in the batch as sitecustomize.py; kept under another name so that nothing here imports it):
a submission named sitecustomize.py. Were the folder on an interpreter's path at start-up, this file
would run in every Python process started there (the grader's own included) and leave a marker in /tmp.

Defence: the grader's interpreter and the zygote never put the submissions folder on sys.path. Graded like any
other file: its one correct function earns 0.5.
"""

open("/tmp/@@MARKER@@-sitecustomize-imported", "w").write("imported")


def layer_sizes(X, Y):
    return (X.shape[0], 4, Y.shape[0])
