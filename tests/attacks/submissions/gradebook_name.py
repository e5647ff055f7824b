"""Attack: a harmless-looking submission whose *file name* collides with the grader's own output. Saved as
``gradebook.csv.py`` (id "gradebook.csv") its results folder takes the gradebook's name; as
``gradebook.csv.tmp.py``, the name of the gradebook's temporary file; as ``summary.html.py``, the class summary's.
The grader then cannot write them at the end of the batch. As ``gradebook.sqlite.py`` it is worse: the grader
fails at the first result it writes, and no submission of the batch gets results.

Defence needed: submission ids must never collide with the grader's own output names (or per-submission folders
must live apart from batch-level files). The batch must finish with exit code 0 and a gradebook with every row;
this submission earns what its one correct function earns, 0.5.
"""


def layer_sizes(X, Y):
    return (X.shape[0], 4, Y.shape[0])
