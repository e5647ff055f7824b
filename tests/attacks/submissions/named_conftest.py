"""Attack (installed in the batch as conftest.py; kept under another name so that nothing here imports it):
a submission named conftest.py. If the grader's pytest session picked it up (say the instructor runs
``grade .`` from the submissions folder), its hooks would mark every check of everyone as passed, and its
top-level code would run as root and leave a marker file in /tmp.

Defence: the checks' pytest session is rooted at the checks folder with ``-c /dev/null`` and importlib mode; a
submission is only ever read as text and run in the sandbox (definitions only). It is graded like any other
file: its one correct function earns 0.5, nothing else, and no marker file appears.
"""

import pytest

open("/tmp/@@MARKER@@-conftest-imported", "w").write("the grader imported a submission")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    report.outcome = "passed"
    call.excinfo = None


def pytest_collection_modifyitems(items):
    items[:] = []


@pytest.fixture(autouse=True)
def _everything_passes(monkeypatch):
    monkeypatch.setattr("grader.checking.CheckFailure", type("Never", (Exception,), {}))


def layer_sizes(X, Y):
    return (X.shape[0], 4, Y.shape[0])
