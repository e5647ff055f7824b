"""shallow-nn: the notebooks, one list of cells per fixture, and the fixtures of every version."""

from __future__ import annotations

import _nbkit as nk
from _fixture import Fixture, never_run, number
from _graded import Answer, answer
from _shallow import ASSIGNMENT, COMMON_MISTAKES, EXTRA_MISTAKES, FUNCTIONS, MISTAKES, VERSIONS, Version, answers_for
from _shallow_layout import BOUNDARY_PNG, COST_PNG, FLOWER_PNG, graded_source, test_cell

_TITLES = {"layer_sizes": "4.1 - Defining the neural network structure",
           "initialize_parameters": "4.2 - Initialize the model's parameters",
           "forward_propagation": "4.3 - The Loop: forward propagation", "compute_cost": "4.3 - The cost",
           "backward_propagation": "4.3 - Backward propagation", "update_parameters": "4.3 - The update",
           "nn_model": "4.4 - Integrate the parts in nn_model()", "predict": "4.5 - Predictions"}
_WARNING = ("/opt/conda/lib/python3.6/site-packages/sklearn/utils/validation.py:526: DataConversionWarning: A "
            "column-vector y was passed when a 1d array was expected. Please change the shape of y to (n_samples, "
            "), for example using ravel().\n  y = column_or_1d(y, warn=True)\n")


def imports(v: Version) -> str:
    lines = ["# Package imports", "import numpy as np"]
    if v.name == "w3a1":
        lines.append("import copy")
    lines += ["import matplotlib.pyplot as plt", f"from {v.testcases} import *"]
    if v.name == "w3a1":
        lines.append("from public_tests import *")
    lines += ["import sklearn", "import sklearn.datasets", "import sklearn.linear_model",
              "from planar_utils import plot_decision_boundary, sigmoid, load_planar_dataset, load_extra_datasets",
              "", "%matplotlib inline"]
    if v.name == "w3a1":
        lines += ["", "%load_ext autoreload", "%autoreload 2"]
    else:
        lines += ["", "np.random.seed(1) # a fixed seed, so that the results are reproducible"]
    return "\n".join(lines)


def _metadata(v: Version, python: str) -> dict:
    kernel = nk.kernel_metadata(python)
    if v.metadata == "kernel-only":
        return {"kernelspec": kernel["kernelspec"]}
    coursera = {"course_slug": "neural-networks-deep-learning", "graded_item_id": "wRuwL", "launcher_item_id": "NI888"}
    if v.metadata == "colab":
        colab = {"collapsed_sections": [], "name": v.course_file, "provenance": [], "toc_visible": True}
        return {"colab": colab, "coursera": coursera, **kernel}
    if v.metadata == "nbgrader":
        return kernel
    return {"coursera": coursera, **kernel}


def _meta(v: Version, index: int, *, graded: str = "") -> dict:
    """Per-cell metadata: Colab's ids, nbgrader's solution/test flags, old Jupyter's "collapsed"."""
    if v.metadata == "colab":
        return {"id": f"c{index:04d}planar"}
    if v.metadata == "nbgrader" and graded:
        solution = graded == "solution"
        return {"deletable": False, **({} if solution else {"editable": False}),
                "nbgrader": {"cell_type": "code", "checksum": f"{index:032x}", "grade": not solution,
                             "grade_id": f"cell-{index:016x}", "locked": not solution, "schema_version": 3,
                             "solution": solution, "task": False, **({} if solution else {"points": 10})}}
    if v.name == "v6b" and graded == "solution":
        return {"collapsed": True}
    return {}


def notebook_cells(v: Version, answers: dict[str, Answer], *, py2: bool = False, tags: dict[str, str | None] | None
                   = None) -> list[nk.Cell]:
    """The whole notebook of version ``v`` with ``answers`` in its graded cells (counts are assigned later)."""
    tags = tags or {}
    cells: list[nk.Cell] = []
    add = cells.append
    if v.update_note:
        add(nk.markdown("<font color='darkblue'>This notebook was updated with fixes; your work on the previous "
                        "version is still in the folder, under version 5.</font>"))
    add(nk.markdown("# Planar data classification with one hidden layer\n\nA first network with a hidden layer: "
                    "one tanh layer and a sigmoid output, trained on points that no straight line separates."))
    if v.name == "w3a1":
        add(nk.code("### v1.2", count=-1, deletable=False, editable=False))
    if v.metadata == "colab":
        add(nk.code("!pwd\n!ls", nk.stream("/content\nsample_data\n"), **_meta(v, 1)))
    add(nk.markdown("## 1 - Packages ##\n\nnumpy, sklearn, matplotlib, the test cases and `planar_utils`."))
    add(nk.code(imports(v), **_meta(v, 2)))
    add(nk.markdown("## 2 - Dataset ##\n\nA two-class data set shaped like a flower."))
    add(nk.code("X, Y = load_planar_dataset()", **_meta(v, 3)))
    add(nk.code("# Visualize the data:\nplt.scatter(X[0, :], X[1, :], c=Y, s=40, cmap=plt.cm.Spectral);",
                nk.image(FLOWER_PNG), **_meta(v, 4)))
    add(nk.code("shape_X = X.shape\nshape_Y = Y.shape\nm = X.shape[1]  # training set size\n\n"
                "print ('The shape of X is: ' + str(shape_X))\nprint ('The shape of Y is: ' + str(shape_Y))\n"
                "print ('I have m = %d training examples!' % (m))",
                nk.stream("The shape of X is: (2, 400)\nThe shape of Y is: (1, 400)\nI have m = 400 training "
                          "examples!\n"), **_meta(v, 5, graded="solution" if v.name == "w3a1" else "")))
    add(nk.markdown("## 3 - Simple Logistic Regression\n\nA linear classifier first, for comparison."))
    fit = "clf.fit(X.T, Y.ravel());" if v.name in ("v6c", "w3a1") else "clf.fit(X.T, Y.T);"
    warn = [] if v.name in ("v6c", "w3a1") else [nk.stream(_WARNING, "stderr")]
    add(nk.code(f"clf = sklearn.linear_model.LogisticRegressionCV();\n{fit}", *warn, **_meta(v, 6)))
    add(nk.code("plot_decision_boundary(lambda x: clf.predict(x), X, Y)\nplt.title(\"Logistic Regression\")\n\n"
                "LR_predictions = clf.predict(X.T)\nprint ('Accuracy of logistic regression: %d ' % float((np.dot(Y,"
                "LR_predictions) + np.dot(1-Y,1-LR_predictions))/float(Y.size)*100) + '% ')",
                nk.stream("Accuracy of logistic regression: 47 % \n"), nk.image(BOUNDARY_PNG), **_meta(v, 7)))
    add(nk.markdown("## 4 - Neural Network model\n\nOne hidden layer of tanh units, a sigmoid output."))
    for k, fn in enumerate(FUNCTIONS):
        add(nk.markdown(f"### {_TITLES[fn]}"))
        add(nk.code(graded_source(fn, v, answers, tags.get(fn, "default")),
                    **_meta(v, 10 + 2 * k, graded="solution")))
        source, printed = test_cell(fn, v, py2=py2)
        add(nk.code(source, nk.stream(printed), **_meta(v, 11 + 2 * k, graded="test")))
    add(nk.markdown("Train a network with 4 hidden units on the flower and draw its decision boundary."))
    costs = "".join(f"Cost after iteration {i}: {0.693 - 0.047 * (i // 1000):f}\n" for i in range(0, 10000, 1000))
    add(nk.code("parameters = nn_model(X, Y, n_h = 4, num_iterations = 10000, print_cost=True)\n\n"
                "plot_decision_boundary(lambda x: predict(parameters, x.T), X, Y)\n"
                "plt.title(\"Decision Boundary for hidden layer size \" + str(4))",
                nk.stream(costs), nk.result("Text(0.5, 1.0, 'Decision Boundary for hidden layer size 4')", 0),
                nk.image(BOUNDARY_PNG), **_meta(v, 30)))
    add(nk.code("predictions = predict(parameters, X)\nprint ('Accuracy: %d' % float((np.dot(Y, predictions.T) + "
                "np.dot(1 - Y, 1 - predictions.T)) / float(Y.size) * 100) + '%')", nk.stream("Accuracy: 90%\n"),
                **_meta(v, 31)))
    add(nk.markdown("### 4.6 - Tuning hidden layer size (optional/ungraded exercise)"))
    add(nk.code("plt.figure(figsize=(16, 32))\nhidden_layer_sizes = [1, 2, 3, 4, 5, 20, 50]\n"
                "for i, n_h in enumerate(hidden_layer_sizes):\n    plt.subplot(5, 2, i+1)\n"
                "    plt.title('Hidden Layer of size %d' % n_h)\n    parameters = nn_model(X, Y, n_h, num_iterations = "
                "5000)\n    plot_decision_boundary(lambda x: predict(parameters, x.T), X, Y)\n"
                "    predictions = predict(parameters, X)\n    accuracy = float((np.dot(Y,predictions.T) + "
                "np.dot(1-Y,1-predictions.T))/float(Y.size)*100)\n"
                "    print (\"Accuracy for {} hidden units: {} %\".format(n_h, accuracy))",
                nk.stream("".join(f"Accuracy for {n} hidden units: {a} %\n" for n, a in
                                  ((1, 67.5), (2, 67.25), (3, 90.75), (4, 90.5), (5, 91.25), (20, 90.0), (50, 90.25)))),
                nk.image(COST_PNG, "<Figure size 1152x2304 with 7 Axes>"), **_meta(v, 32)))
    add(nk.markdown("## 5) Performance on other datasets"))
    add(nk.code("noisy_circles, noisy_moons, blobs, gaussian_quantiles, no_structure = load_extra_datasets()\n\n"
                "datasets = {\"noisy_circles\": noisy_circles,\n            \"noisy_moons\": noisy_moons}\n\n"
                "dataset = \"noisy_moons\"\n\nX, Y = datasets[dataset]\nX, Y = X.T, Y.reshape(1, Y.shape[0])\n"
                "plt.scatter(X[0, :], X[1, :], c=Y, s=40, cmap=plt.cm.Spectral);", nk.image(FLOWER_PNG),
                **_meta(v, 33)))
    return cells


# ------------------------------------------------------------------------------------------------- fixtures


def _index(cells: list[nk.Cell], fn: str) -> int:
    return next(i for i, c in enumerate(cells) if c.kind == "code" and f"def {fn}(" in c.source)


def _ran(cells: list[nk.Cell]) -> int:
    return sum(1 for c in cells if c.kind == "code" and c.count != -1)


def _stale(cells: list[nk.Cell], fn: str, err: dict) -> None:
    """The test cell after ``fn``'s graded cell keeps the error of an earlier run."""
    cells[_index(cells, fn) + 1].outputs = [err]


def _answers_with(v: Version, *mistakes: str) -> dict[str, Answer]:
    answers = answers_for(v)
    for m in mistakes:
        answers.update(MISTAKES[m][2])
    return answers


def _make(v: Version, name: str, cells: list[nk.Cell], note: str, *, python: str | None = None, minor: int | None
          = None, first: int | None = None, order: list[int] | None = None, run: bool = True,
          **kw: object) -> Fixture:
    if run:
        number(cells, v.first_count if first is None else first, order=order)
    return Fixture(ASSIGNMENT, v.name, name, cells, _metadata(v, python or v.python), minor or v.minor, v.export,
                   note, **kw)  # type: ignore[arg-type]


_BASE_QUIRKS = {"v3": ("stderr-warning", "gapped-counts"), "v4": ("stderr-warning",), "v5": ("stderr-warning",),
                "v6a": ("stderr-warning", "kernelspec-only"), "v6b": ("stderr-warning", "out-of-order-counts"),
                "v6c": ("colab-metadata", "shell-escape"), "w3a1": ("nbgrader-metadata", "version-cell")}


def _counts(v: Version, cells: list[nk.Cell]) -> dict:
    n = _ran(cells)
    if v.name == "v3":  # re-run in pieces: counts climb with gaps
        return {"order": [i + 2 * (i // 5) for i in range(n)]}
    if v.name == "v6b":  # cells run in a different order than they stand
        return {"order": [(7 * i) % n for i in range(n)]} if n % 7 else {"order": list(range(n))[::-1]}
    return {}


def _correct(v: Version) -> list[Fixture]:
    base = ("images", "magics", *_BASE_QUIRKS[v.name])
    tags: dict[str, str | None] = {}
    extra: tuple[str, ...] = ()
    if v.name == "v4":
        tags = {"backward_propagation": "#GRADED FUNCTION: backward_propagation", "update_parameters": None}
        extra = ("renamed-tag", "missing-tag")
    if v.name == "w3a1":
        tags = {"forward_propagation": "# GRADED FUNCTION:forward_propagation"}
        extra = ("renamed-tag", "stale-error-output")
    cells = notebook_cells(v, answers_for(v), tags=tags)
    if v.name == "v5":
        _stale(cells, "layer_sizes", nk.error("NameError", "name 'layer_sizes' is not defined",
                                              [("", 2, "(n_x, n_h, n_y) = layer_sizes(X_assess, Y_assess)")]))
        extra = ("stale-error-output",)
    if v.name == "w3a1":
        _stale(cells, "compute_cost", nk.error(
            "AssertionError", "Wrong value. Expected: 0.5447066599017815 got: 0.2723533299508907",
            [("", 6, "compute_cost_test(compute_cost)"), ("public_tests.py", 71, "assert np.isclose(output, "
                                                                              "expected_output), ...")]))
    if v.name == "v6a":  # a learner's debugging left behind as comments
        for fn, after in (("compute_cost", "logprobs = "), ("predict", "predictions = ")):
            cell = cells[_index(cells, fn)]
            cell.source = "\n".join(line + (f"\n#     print({after.split()[0]})" if after in line else "")
                                    for line in cell.source.split("\n"))
        extra = ("debug-comments",)
    if v.name == "v6b":  # an earlier attempt kept above the working cell
        i = _index(cells, "backward_propagation")
        first_try = graded_source("backward_propagation", v, _answers_with(v, "db-without-keepdims"))
        cells.insert(i, nk.code(first_try, **_meta(v, 90, graded="solution")))
        extra = ("duplicate-graded-cell",)
    if v.name == "v6c":  # the head of the cell pasted above the whole cell, as in a published copy
        cell = cells[_index(cells, "forward_propagation")]
        head = cell.source.split("### START CODE HERE ###")[0] + "### START CODE HERE ### (≈ 4 lines of code)"
        cell.source = head + "\n\n" + cell.source
        extra = ("pasted-twice-in-cell",)
    out = [_make(v, "correct", cells, f"{v.name}: completed correctly", quirks=base + extra, **_counts(v, cells))]
    if v.name == "v3":
        out += [_py27(v), _partial(v)]
    if v.name == "v4":
        out.append(_large(v))
    if v.name == "v5":
        answers = answers_for(v)
        answers["compute_cost"] = answer('W1 = parameters["W1"]', 'W2 = parameters["W2"]',
                                         *answers["compute_cost"].lines)
        cells = notebook_cells(v, answers)
        out.append(_make(v, "correct_reads_parameters", cells, "v5: correct; compute_cost also reads "
                         "parameters['W1'] and ['W2'] (unused), as many learners' copies do",
                         quirks=(*base, "reads-parameters")))
    if v.name == "w3a1":
        cells = notebook_cells(v, answers_for(v))
        never_run(cells)
        out.append(_make(v, "unexecuted", cells, "w3a1: correct, saved without ever being run", run=False,
                         quirks=("magics", "never-executed", "nbgrader-metadata", "version-cell")))
        cells = notebook_cells(v, answers_for(v))
        out.append(_make(v, "correct_py313", cells, "w3a1: correct, re-run locally on Python 3.13 (format 4.5)",
                         python="3.13.1", minor=5, quirks=("images", "magics", "cell-ids", "nbgrader-metadata",
                                                           "version-cell")))
    return out


def _py27(v: Version) -> Fixture:
    cells = notebook_cells(v, answers_for(v), py2=True)
    return _make(v, "correct_py27", cells, "v3: correct, run locally on a Python 2.7 kernel (print statements "
                 "in the test cells)", python="2.7.14", first=1,
                 quirks=("images", "magics", "stderr-warning", "python2-kernel", "python2-print"), python2=True)


def _partial(v: Version) -> Fixture:
    """Handed in unfinished: three functions still hold the template's ``None`` placeholders."""
    answers = answers_for(v)
    for key in ("backward_propagation.grads", "nn_model.init", "nn_model.loop", "predict"):
        names = [line.split(" = ")[0] for line in answers[key].lines if " = " in line]
        answers[key] = answer(*(f"{n} = None" for n in names), size=answers[key].size)
    cells = notebook_cells(v, answers)
    for fn in ("backward_propagation", "predict"):
        _stale(cells, fn, nk.error("TypeError", "unsupported operand type(s) for -: 'NoneType' and 'float'",
                                   [("", 2, f"{fn}(...)")]))
    for cell in cells[_index(cells, "predict") + 2:]:
        if cell.kind == "code":
            cell.count, cell.outputs = -1, []
    return _make(v, "partial", cells, "v3: unfinished; backward_propagation, nn_model and predict still hold the "
                 "template's None placeholders", lost={"backward_propagation": "all", "nn_model": "all",
                                                       "predict": "all"},
                 quirks=("images", "magics", "unfinished", "stale-error-output"))


def _large(v: Version) -> Fixture:
    """About 5 MB: the hidden-layer tuning cell shows three large figures (for the loader benchmark)."""
    cells = notebook_cells(v, answers_for(v))
    tuning = next(c for c in cells if c.kind == "code" and "hidden_layer_sizes = " in c.source)
    tuning.outputs += [nk.image(nk.noise_png(seed, width=1260, height=1060), "<Figure size 1152x2304 with 7 Axes>")
                       for seed in range(3)]
    return _make(v, "correct_large", cells, "v4: correct, about 5 MB of base64 PNG outputs",
                 quirks=("images", "magics", "stderr-warning", "large"))


def fixtures() -> list[Fixture]:
    out: list[Fixture] = []
    for v in VERSIONS:
        out += _correct(v)
        for m in COMMON_MISTAKES + EXTRA_MISTAKES[v.name]:
            fn, what, _ = MISTAKES[m]
            cells = notebook_cells(v, _answers_with(v, m))
            out.append(_make(v, m.replace("-", "_"), cells, f"{v.name}: {what}", lost={fn: "some"}, mistakes=(m,),
                             quirks=("images", "magics", *_BASE_QUIRKS[v.name]), **_counts(v, cells)))
    return out
