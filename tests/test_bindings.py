"""``Bindings`` reads the statements off the trees the load parsed, and answers as it would from a fresh parse."""

from __future__ import annotations

import dataclasses
import json

import pytest
from paths import EXAMPLES, ROOT

from grader.assignment import load_assignment
from grader.bindings import Bindings
from grader.load import load_source, load_submission


def _answers(bindings: Bindings, names: set[str]) -> dict[str, object]:
    """Everything Bindings tells the engine, for a failure of every statement in turn."""
    errors = [{"filename": s.filename, "line": s.line, "type": "NameError", "message": "boom"}
              for s in bindings._statements]
    return {
        "users": {name: bindings.users(name) for name in sorted(names)},
        "relevant": [(dict(error), users) for error, users in bindings.relevant(errors)],
        "unbound": bindings.unbound(errors),
        "one at a time": [bindings.unbound([error]) for error in errors],
    }


@pytest.mark.parametrize("path", sorted(EXAMPLES.iterdir()), ids=lambda p: p.name)
def test_the_load_trees_give_the_answers_of_a_fresh_parse(path):
    assignment = load_assignment(ROOT, "shallow-nn")
    loaded = load_submission(path, execute=assignment.execute, helpers=assignment.helper_modules)
    assert len(loaded.trees) == len(loaded.units)
    with_trees = Bindings(loaded, assignment.functions)
    parsed_again = Bindings(dataclasses.replace(loaded, trees=()), assignment.functions)
    names = {name for s in with_trees._statements for name in s.binds} | set(assignment.functions)
    assert len(with_trees._statements) > len(assignment.functions)  # the file's statements were all read
    assert _answers(with_trees, names) == _answers(parsed_again, names)


def test_a_unit_that_does_not_compile_has_no_tree_and_binds_nothing():
    cells = [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": source}
             for source in ("import numpy as np\n", "def sigmoid(z)\n    return z\n",
                            "def relu(z):\n    return np.maximum(z, 0)\n")]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    loaded = load_source(json.dumps(notebook).encode(), name="s.ipynb", kind="ipynb", execute="definitions")
    assert [tree is None for tree in loaded.trees] == [False, True, False]
    bindings = Bindings(loaded, ("sigmoid", "relu"))
    assert {name for s in bindings._statements for name in s.binds} == {"np", "relu"}
    assert bindings.users("np") == ("relu",)
