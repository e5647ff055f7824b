"""initialization: the "Initialization" notebook of the second course, as version v1 (2017) and W1A1 (2021) lay it
out, completed correctly or with one planted mistake."""

from __future__ import annotations

from dataclasses import dataclass

import _nbkit as nk
import numpy as np
from _fixture import Fixture, never_run, number
from _graded import Answer, answer, graded_cell

ASSIGNMENT = "initialization"
FUNCTIONS = ("initialize_parameters_zeros", "initialize_parameters_random", "initialize_parameters_he")


@dataclass(frozen=True)
class Version:
    name: str
    style: str
    python: str
    minor: int
    first_count: int
    export: str


VERSIONS = (Version("v1", "old", "3.6.0", 1, 1, "old"), Version("w1a1", "new", "3.7.6", 2, 1, "new"))

_CIRCLES = nk.scatter_png(*nk.flower(seed=3, m=300))
_REGIONS = nk.scatter_png(*nk.flower(seed=3, m=300), boundary=True)
_FLAT = nk.curve_png(np.full(15, 0.6931))
_FALLING = nk.curve_png(1 / (1 + np.arange(15)))

_W = "parameters['W' + str(l)]"
_B = "parameters['b' + str(l)]"


def _answers(version: str = "w1a1") -> dict[str, Answer]:
    hints = (f"{_W} = ", f"{_B} = ")
    he = "np.sqrt([2.0 / layers_dims[l-1]])" if version == "v1" else "np.sqrt(2. / layers_dims[l-1])"
    return {
        "initialize_parameters_zeros": answer(f"{_W} = np.zeros((layers_dims[l], layers_dims[l-1]))",
                                              f"{_B} = np.zeros((layers_dims[l], 1))", hints=hints),
        "initialize_parameters_random": answer(f"{_W} = np.random.randn(layers_dims[l], layers_dims[l-1]) * 10",
                                               f"{_B} = np.zeros((layers_dims[l], 1))", hints=hints),
        "initialize_parameters_he": answer(f"{_W} = np.random.randn(layers_dims[l], layers_dims[l-1]) * {he}",
                                           f"{_B} = np.zeros((layers_dims[l], 1))", hints=hints),
    }


MISTAKES: dict[str, tuple[str, str, dict[str, Answer]]] = {
    "zeros-shape-args": ("initialize_parameters_zeros", "np.zeros given the two sizes as separate arguments "
                         "(the second is taken as a dtype: TypeError)",
                         {"initialize_parameters_zeros": answer(f"{_W} = np.zeros(layers_dims[l], layers_dims[l-1])",
                                                                f"{_B} = np.zeros((layers_dims[l], 1))")}),
    "random-rand": ("initialize_parameters_random", "np.random.rand (uniform on [0, 1)) instead of randn",
                    {"initialize_parameters_random": answer(
                        f"{_W} = np.random.rand(layers_dims[l], layers_dims[l-1]) * 10",
                        f"{_B} = np.zeros((layers_dims[l], 1))")}),
    "random-unscaled": ("initialize_parameters_random", "the factor 10 left out",
                        {"initialize_parameters_random": answer(
                            f"{_W} = np.random.randn(layers_dims[l], layers_dims[l-1])",
                            f"{_B} = np.zeros((layers_dims[l], 1))")}),
    "he-fan-out": ("initialize_parameters_he", "He scaling by the layer's own size, sqrt(2 / n[l]), not n[l-1]",
                   {"initialize_parameters_he": answer(
                       f"{_W} = np.random.randn(layers_dims[l], layers_dims[l-1]) * np.sqrt(2 / layers_dims[l])",
                       f"{_B} = np.zeros((layers_dims[l], 1))")}),
    "he-xavier": ("initialize_parameters_he", "Xavier's sqrt(1 / n[l-1]) instead of He's sqrt(2 / n[l-1])",
                  {"initialize_parameters_he": answer(
                      f"{_W} = np.random.randn(layers_dims[l], layers_dims[l-1]) * np.sqrt(1 / layers_dims[l-1])",
                      f"{_B} = np.zeros((layers_dims[l], 1))")}),
}
VERSION_MISTAKES = {"v1": ("zeros-shape-args", "random-rand", "random-unscaled", "he-fan-out"),
                    "w1a1": ("zeros-shape-args", "random-rand", "he-xavier", "he-fan-out")}


def _graded(fn: str, v: Version, a: dict[str, Answer]) -> str:
    kind = fn.rsplit("_", 1)[1]
    doc = (f"Parameters of an L-layer network, the weights initialized \"{kind}\".\n\nArguments:\n"
           "layer_dims -- python list with the size of each layer\n\nReturns:\n"
           "parameters -- dictionary with \"W1\", \"b1\", ..., \"WL\", \"bL\":\n"
           "                W1 -- weight matrix of shape (layers_dims[1], layers_dims[0])\n"
           "                b1 -- bias vector of shape (layers_dims[1], 1)\n                ...")
    body: list = []
    if kind != "zeros":
        body += ["np.random.seed(3)               # fixed, so that the numbers match the expected output"]
    body.append("parameters = {}")
    if kind == "he":
        body += ["L = len(layers_dims) - 1 # number of layers", "", "for l in range(1, L + 1):"]
    else:
        body += ["L = len(layers_dims)            # number of layers in the network", "", "for l in range(1, L):"]
    body += [(2, a[fn]), "return parameters"]
    tag = f"# GRADED FUNCTION: {fn} " if kind == "zeros" else "default"  # the course's tag ends with a space
    return graded_cell(fn, f"{fn}(layers_dims)", doc, body, style=v.style, tag=tag)


def _test(fn: str, v: Version) -> tuple[str, str]:
    dims = {"zeros": "[3, 2, 1]", "random": "[3, 2, 1]", "he": "[2, 4, 1]"}[fn.rsplit("_", 1)[1]]
    lines = [f"parameters = {fn}({dims})", 'print("W1 = " + str(parameters["W1"]))',
             'print("b1 = " + str(parameters["b1"]))']
    printed = {"zeros": "W1 = [[ 0.  0.  0.]\n [ 0.  0.  0.]]\nb1 = [[ 0.]\n [ 0.]]\n",
               "random": "W1 = [[ 17.88628473   4.36509851   0.96497468]\n [-18.63492703  -2.77388203  "
                         "-3.54758979]]\nb1 = [[ 0.]\n [ 0.]]\n",
               "he": "W1 = [[ 1.78862847  0.43650985]\n [ 0.09649747 -1.8634927 ]\n [-0.2773882  -0.35475898]\n "
                     "[-0.08274148 -0.62700068]]\nb1 = [[ 0.]\n [ 0.]\n [ 0.]\n [ 0.]]\n"}[fn.rsplit("_", 1)[1]]
    if v.name == "w1a1":
        lines += [f"{fn}_test({fn})"]
        printed += "\x1b[92m All tests passed.\n"
    return "\n".join(lines), printed


def _meta(v: Version, i: int, graded: str = "") -> dict:
    if v.name != "w1a1" or not graded:
        return {"collapsed": True} if v.name == "v1" and graded == "solution" else {}
    solution = graded == "solution"
    return {"deletable": False, **({} if solution else {"editable": False}),
            "nbgrader": {"cell_type": "code", "checksum": f"{i:032x}", "grade": not solution,
                         "grade_id": f"cell-{i:016x}", "locked": not solution, "schema_version": 3,
                         "solution": solution, "task": False, **({} if solution else {"points": 10})}}


def _imports(v: Version) -> str:
    lines = ["import numpy as np", "import matplotlib.pyplot as plt", "import sklearn", "import sklearn.datasets"]
    if v.name == "w1a1":
        lines.append("from public_tests import *")
    lines += ["from init_utils import sigmoid, relu, compute_loss, forward_propagation, backward_propagation",
              "from init_utils import update_parameters, predict, load_dataset, plot_decision_boundary, predict_dec",
              "", "%matplotlib inline", "plt.rcParams['figure.figsize'] = (7.0, 4.0) # set default size of plots",
              "plt.rcParams['image.interpolation'] = 'nearest'", "plt.rcParams['image.cmap'] = 'gray'"]
    if v.name == "w1a1":
        lines += ["", "%load_ext autoreload", "%autoreload 2", "", "# load image dataset: blue/red dots in circles",
                  "# train_X, train_Y, test_X, test_Y = load_dataset()"]
    else:
        lines += ["", "# load image dataset: blue/red dots in circles",
                  "train_X, train_Y, test_X, test_Y = load_dataset()"]
    return "\n".join(lines)


_MODEL = '''def model(X, Y, learning_rate = 0.01, num_iterations = 15000, print_cost = True, initialization = "he"):
    """
    A three-layer network: LINEAR->RELU->LINEAR->RELU->LINEAR->SIGMOID, trained by gradient descent.

    initialization -- which initializer to use: "zeros", "random" or "he"
    Returns the learnt parameters.
    """
    grads = {}
    costs = [] # the cost every 1000 iterations
    m = X.shape[1] # number of examples
    layers_dims = [X.shape[0], 10, 5, 1]

    if initialization == "zeros":
        parameters = initialize_parameters_zeros(layers_dims)
    elif initialization == "random":
        parameters = initialize_parameters_random(layers_dims)
    elif initialization == "he":
        parameters = initialize_parameters_he(layers_dims)

    for i in range(num_iterations):
        a3, cache = forward_propagation(X, parameters)
        cost = compute_loss(a3, Y)
        grads = backward_propagation(X, Y, cache)
        parameters = update_parameters(parameters, grads, learning_rate)
        if print_cost and i % 1000 == 0:
            print("Cost after iteration {}: {}".format(i, cost))
            costs.append(cost)

    plt.plot(costs)
    plt.ylabel('cost')
    plt.xlabel('iterations (per hundreds)')
    plt.title("Learning rate =" + str(learning_rate))
    plt.show()

    return parameters'''


def notebook_cells(v: Version, a: dict[str, Answer]) -> list[nk.Cell]:
    cells = [nk.markdown("# Initialization\n\nHow the first weights are chosen decides whether a deep network learns "
                         "at all: zeros, large random values and He's scaling, compared.")]
    add = cells.append
    if v.name == "w1a1":
        add(nk.code("### v1.1", count=-1, deletable=False, editable=False))
    add(nk.code(_imports(v), *([nk.image(_CIRCLES)] if v.name == "v1" else [])))
    if v.name == "w1a1":
        add(nk.code("train_X, train_Y, test_X, test_Y = load_dataset()", nk.image(_CIRCLES)))
    add(nk.markdown("## 1 - Neural Network model\n\nThe model is given; only the initializers are yours."))
    add(nk.code(_MODEL))
    for k, fn in enumerate(FUNCTIONS):
        kind = fn.rsplit("_", 1)[1]
        add(nk.markdown(f"## {k + 2} - {kind.capitalize()} initialization"))
        add(nk.code(_graded(fn, v, a), **_meta(v, 10 + k, "solution")))
        source, printed = _test(fn, v)
        add(nk.code(source, nk.stream(printed), **_meta(v, 20 + k, "test")))
        curve = _FLAT if kind == "zeros" else _FALLING
        add(nk.code(f'parameters = model(train_X, train_Y, initialization = "{kind}")\nprint ("On the train set:")\n'
                    "predictions_train = predict(train_X, train_Y, parameters)\nprint (\"On the test set:\")\n"
                    "predictions_test = predict(test_X, test_Y, parameters)",
                    nk.stream("".join(f"Cost after iteration {i}: 0.6931471805599453\n" if kind == "zeros" else
                                      f"Cost after iteration {i}: {0.88 / (1 + i / 1000):.16f}\n"
                                      for i in range(0, 15000, 1000))),
                    nk.image(curve), nk.stream("On the train set:\nAccuracy: 0.5\nOn the test set:\nAccuracy: 0.5\n"
                                               if kind == "zeros" else "On the train set:\nAccuracy: 0.99\n"
                                               "On the test set:\nAccuracy: 0.96\n")))
        add(nk.code(f'plt.title("Model with {kind} initialization")\naxes = plt.gca()\naxes.set_xlim([-1.5,1.5])\n'
                    "axes.set_ylim([-1.5,1.5])\n"
                    "plot_decision_boundary(lambda x: predict_dec(parameters, x.T), train_X, train_Y)",
                    nk.image(_REGIONS)))
    add(nk.markdown("## 5 - Conclusions\n\nZeros never break symmetry; huge weights saturate; He's scaling works."))
    return cells


def _fixture(v: Version, name: str, cells: list[nk.Cell], note: str, *, run: bool = True, **kw: object) -> Fixture:
    if run:
        number(cells, v.first_count)
    kernel = nk.kernel_metadata(str(kw.pop("python", v.python)))
    coursera = {"course_slug": "deep-neural-network", "graded_item_id": "XOESP", "launcher_item_id": "8IhFN"}
    return Fixture(ASSIGNMENT, v.name, name, cells, {"coursera": coursera, **kernel}, v.minor, v.export, note,
                   **kw)  # type: ignore[arg-type]


def fixtures() -> list[Fixture]:
    out = []
    for v in VERSIONS:
        base = ("images", "magics", "renamed-tag", *(("nbgrader-metadata", "version-cell") if v.name == "w1a1"
                                                      else ("helper-call-in-import-cell",)))
        cells = notebook_cells(v, _answers(v.name))
        extra: tuple[str, ...] = ()
        if v.name == "w1a1":  # the He test still shows the failure of an earlier attempt
            test = next(i for i, c in enumerate(cells) if "initialize_parameters_he_test(" in c.source)
            cells[test].outputs = [nk.error("AssertionError", "Wrong values for W1", [
                ("", 6, "initialize_parameters_he_test(initialize_parameters_he)"),
                ("public_tests.py", 88, "assert np.allclose(parameters['W1'], expected_W1), ...")])]
            extra = ("stale-error-output",)
        out.append(_fixture(v, "correct", cells, f"{v.name}: completed correctly", quirks=base + extra))
        if v.name == "v1":
            cells = notebook_cells(v, _answers(v.name))
            for cell in cells:
                if cell.kind == "code" and cell.source.startswith("parameters = initialize_parameters_"):
                    cell.source = "\n".join("print " + x[len("print("):-1] if x.startswith("print(") else x
                                            for x in cell.source.split("\n"))
            out.append(_fixture(v, "correct_py27", cells, "v1: correct, run locally on a Python 2.7 kernel",
                                python="2.7.14", python2=True, quirks=(*base, "python2-kernel", "python2-print")))
        if v.name == "w1a1":
            cells = notebook_cells(v, _answers(v.name))
            never_run(cells)
            out.append(_fixture(v, "unexecuted", cells, "w1a1: correct, saved without ever being run", run=False,
                                quirks=("magics", "renamed-tag", "never-executed", "nbgrader-metadata",
                                        "version-cell")))
        for m in VERSION_MISTAKES[v.name]:
            fn, what, replaced = MISTAKES[m]
            answers = {**_answers(v.name), **replaced}
            out.append(_fixture(v, m.replace("-", "_"), notebook_cells(v, answers), f"{v.name}: {what}",
                                lost={fn: "all" if m == "zeros-shape-args" else "some"}, mistakes=(m,), quirks=base))
    return out
