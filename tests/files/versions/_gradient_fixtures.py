"""gradient-checking: the "Gradient Checking" notebook of the second course, as version v1 (2017) and W1A3 (2021)
lay it out, completed correctly or with one planted mistake."""

from __future__ import annotations

from dataclasses import dataclass

import _nbkit as nk
from _fixture import Fixture, number
from _graded import Answer, answer, graded_cell

ASSIGNMENT = "gradient-checking"


@dataclass(frozen=True)
class Version:
    name: str
    style: str
    python: str
    minor: int
    export: str
    print_msg: bool  # W1A3 adds print_msg=False to both checks and prints only when asked


VERSIONS = (Version("v1", "old", "3.6.0", 1, "old", False), Version("w1a3", "new", "3.7.6", 2, "new", True))

_NUM = "numerator = np.linalg.norm(grad - gradapprox)"
_DEN = "denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)"


def _answers() -> dict[str, Answer]:
    return {
        "forward_propagation": answer("J = theta * x", size="approx. 1 line", hints=("J = ",)),
        "backward_propagation": answer("dtheta = x", size="approx. 1 line", hints=("dtheta = ",)),
        "gradient_check.approx": answer("thetaplus = theta + epsilon", "thetaminus = theta - epsilon",
                                        "J_plus = forward_propagation(x, thetaplus)",
                                        "J_minus = forward_propagation(x, thetaminus)",
                                        "gradapprox = (J_plus - J_minus) / (2 * epsilon)", size="approx. 5 lines",
                                        hints=("thetaplus = ", "thetaminus = ", "J_plus = ", "J_minus = ",
                                               "gradapprox = ")),
        "gradient_check.grad": answer("grad = backward_propagation(x, theta)", size="approx. 1 line",
                                      hints=("grad =",)),
        "gradient_check.difference": answer(_NUM, _DEN, "difference = numerator / denominator",
                                            size="approx. 3 lines", hints=("numerator = ", "denominator = ",
                                                                           "difference = ")),
        "gradient_check_n.plus": answer("thetaplus = np.copy(parameters_values)", "thetaplus[i][0] += epsilon",
                                        "J_plus[i], _ = forward_propagation_n(X, Y, vector_to_dictionary(thetaplus))",
                                        size="approx. 3 lines", hints=("thetaplus = ", "thetaplus[i] = ",
                                                                       "J_plus[i], _ = ")),
        "gradient_check_n.minus": answer("thetaminus = np.copy(parameters_values)", "thetaminus[i][0] -= epsilon",
                                         "J_minus[i], _ = forward_propagation_n(X, Y, "
                                         "vector_to_dictionary(thetaminus))", size="approx. 3 lines",
                                         hints=("thetaminus = ", "thetaminus[i] = ", "J_minus[i], _ = ")),
        "gradient_check_n.approx": answer("gradapprox[i] = (J_plus[i] - J_minus[i]) / (2 * epsilon)",
                                          size="approx. 1 line", hints=("gradapprox[i] = ",)),
        "gradient_check_n.difference": answer(_NUM, _DEN, "difference = numerator / denominator",
                                              size="approx. 3 lines", hints=("numerator = ", "denominator = ",
                                                                             "difference = ")),
    }


MISTAKES: dict[str, tuple[str, str, dict[str, Answer]]] = {
    "theta-minus-from-theta-plus": ("gradient_check_n", "theta_minus[i] computed from theta_plus[i], so the "
                                    "estimate is a one-sided difference divided by 2 epsilon",
                                    {"gradient_check_n.minus": answer(
                                        "thetaminus = np.copy(parameters_values)",
                                        "thetaminus[i][0] = thetaplus[i][0] - epsilon",
                                        "J_minus[i], _ = forward_propagation_n(X, Y, "
                                        "vector_to_dictionary(thetaminus))")}),
    "missing-copy": ("gradient_check_n", "theta_plus and theta_minus are the parameter vector itself, not copies",
                     {"gradient_check_n.plus": answer(
                         "thetaplus = parameters_values", "thetaplus[i][0] += epsilon",
                         "J_plus[i], _ = forward_propagation_n(X, Y, vector_to_dictionary(thetaplus))"),
                      "gradient_check_n.minus": answer(
                          "thetaminus = parameters_values", "thetaminus[i][0] -= epsilon",
                          "J_minus[i], _ = forward_propagation_n(X, Y, vector_to_dictionary(thetaminus))")}),
    "one-sided": ("gradient_check_n", "a one-sided difference (J(theta + eps) - J(theta)) / eps",
                  {"gradient_check_n.approx": answer(
                      "J, _ = forward_propagation_n(X, Y, vector_to_dictionary(parameters_values))",
                      "gradapprox[i] = (J_plus[i] - J) / epsilon")}),
    "denominator-norm-of-sum": ("gradient_check_n", "the denominator is ||grad + gradapprox||, not "
                                "||grad|| + ||gradapprox||",
                                {"gradient_check_n.difference": answer(
                                    _NUM, "denominator = np.linalg.norm(grad + gradapprox)",
                                    "difference = numerator / denominator")}),
    "self-comparison": ("gradient_check", "grad taken to be gradapprox, so the check always passes",
                        {"gradient_check.grad": answer("grad = gradapprox")}),
    "absolute-difference": ("gradient_check", "the difference is not divided by the norms",
                            {"gradient_check.difference": answer(_NUM, "difference = numerator")}),
    "epsilon-ignored": ("gradient_check", "a fixed 1e-7 instead of the epsilon passed in",
                        {"gradient_check.approx": answer(
                            "thetaplus = theta + 1e-7", "thetaminus = theta - 1e-7",
                            "J_plus = forward_propagation(x, thetaplus)",
                            "J_minus = forward_propagation(x, thetaminus)",
                            "gradapprox = (J_plus - J_minus) / (2 * 1e-7)")}),
}
VERSION_MISTAKES = {"v1": ("theta-minus-from-theta-plus", "missing-copy", "self-comparison", "absolute-difference"),
                    "w1a3": ("one-sided", "missing-copy", "self-comparison", "epsilon-ignored",
                             "denominator-norm-of-sum")}


def _report(v: Version, threshold: str) -> list[str]:
    """The message the checks print, as lines indented for the function body (lines that begin with a space are
    taken as they are by graded_cell)."""
    lines = [f"if difference > {threshold}:",
             '    print ("\\033[93m" + "There is a mistake in the backward propagation! difference = " + '
             'str(difference) + "\\033[0m")', "else:",
             '    print ("\\033[92m" + "Your backward propagation works perfectly fine! difference = " + '
             'str(difference) + "\\033[0m")']
    if v.print_msg:
        lines = ["if print_msg:", *("    " + x for x in lines)]
    return ["    " + x for x in lines]


def _graded(fn: str, v: Version, a: dict[str, Answer]) -> str:
    msg = ", print_msg=False" if v.print_msg else ""
    if fn == "forward_propagation":
        doc = "The linear \"cost\" J(theta) = theta * x.\n\nArguments:\nx -- a real-valued input\ntheta -- our " \
              "parameter, a real number as well\n\nReturns:\nJ -- the value of function J, computed using the formula"
        return graded_cell(fn, "forward_propagation(x, theta)", doc, [a[fn], "", "return J"], style=v.style)
    if fn == "backward_propagation":
        doc = "The derivative of J with respect to theta.\n\nArguments:\nx -- a real-valued input\ntheta -- our " \
              "parameter, a real number as well\n\nReturns:\ndtheta -- the gradient of the cost with respect to theta"
        return graded_cell(fn, "backward_propagation(x, theta)", doc, [a[fn], "", "return dtheta"], style=v.style)
    if fn == "gradient_check":
        doc = ("Compare backward_propagation's gradient with a two-sided estimate.\n\nArguments:\n"
               "x -- a float input\ntheta -- our parameter, a float as well\nepsilon -- tiny shift to the input to "
               "compute approximated gradient\n\nReturns:\ndifference -- the relative difference between the two")
        body = ["# The estimate: the two-sided difference quotient.", a["gradient_check.approx"], "",
                "# Check if gradapprox is close enough to the output of backward_propagation()",
                a["gradient_check.grad"], "", a["gradient_check.difference"], ""]
        if v.print_msg:
            body += _report(v, "2e-7")
        else:
            body += ["    if difference < 1e-7:", '        print ("The gradient is correct!")', "    else:",
                     '        print ("The gradient is wrong!")']
        body += ["", "return difference"]
        return graded_cell(fn, f"gradient_check(x, theta, epsilon = 1e-7{msg})", doc, body, style=v.style)
    doc = ("Check that backward_propagation_n computes the gradient of the cost of forward_propagation_n.\n\n"
           "Arguments:\nparameters -- dictionary with \"W1\", \"b1\", \"W2\", \"b2\", \"W3\", \"b3\"\n"
           "grad -- output of backward_propagation_n, the gradients of the cost\nX -- input datapoints, of shape "
           "(input size, 1)\nY -- true \"label\"\nepsilon -- tiny shift to the input to compute approximated gradient"
           "\n\nReturns:\ndifference -- the relative difference between the two")
    body = ["# Set-up variables", "parameters_values, _ = dictionary_to_vector(parameters)",
            "grad = gradients_to_vector(gradients)", "num_parameters = parameters_values.shape[0]",
            "J_plus = np.zeros((num_parameters, 1))", "J_minus = np.zeros((num_parameters, 1))",
            "gradapprox = np.zeros((num_parameters, 1))", "", "# Compute gradapprox",
            "for i in range(num_parameters):", "", "        # J_plus[i]: the cost with entry i moved up by epsilon",
            (2, a["gradient_check_n.plus"]), "", "        # J_minus[i]: the cost with entry i moved down by epsilon",
            (2, a["gradient_check_n.minus"]), "", "        # gradapprox[i]", (2, a["gradient_check_n.approx"]), "",
            "# Compare gradapprox to the gradients of backward propagation", a["gradient_check_n.difference"], "",
            *_report(v, "2e-7"), "", "return difference"]
    return graded_cell(fn, f"gradient_check_n(parameters, gradients, X, Y, epsilon = 1e-7{msg})", doc, body,
                       style=v.style)


_FORWARD_N = '''def forward_propagation_n(X, Y, parameters):
    """
    The forward pass of the three-layer network and its cost.
    Returns the cost (the logistic cost of one example) and a cache for the backward pass.
    """
    m = X.shape[1]
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]
    W3 = parameters["W3"]
    b3 = parameters["b3"]

    # LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID
    Z1 = np.dot(W1, X) + b1
    A1 = relu(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = relu(Z2)
    Z3 = np.dot(W3, A2) + b3
    A3 = sigmoid(Z3)

    # Cost
    logprobs = np.multiply(-np.log(A3), Y) + np.multiply(-np.log(1 - A3), 1 - Y)
    cost = 1. / m * np.sum(logprobs)

    cache = (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)

    return cost, cache'''


def _backward_n(fixed: bool) -> str:
    """The given backward pass; as handed out it holds two bugs for the learner to find (dW2 and db1)."""
    dw2 = "dW2 = 1. / m * np.dot(dZ2, A1.T)" + ("" if fixed else " * 2")
    db1 = ("db1 = 1. / m" if fixed else "db1 = 4. / m") + " * np.sum(dZ1, axis=1, keepdims=True)"
    return f'''def backward_propagation_n(X, Y, cache):
    """
    The backward pass of the three-layer network: the gradients of the cost, in a dictionary.
    """
    m = X.shape[1]
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache

    dZ3 = A3 - Y
    dW3 = 1. / m * np.dot(dZ3, A2.T)
    db3 = 1. / m * np.sum(dZ3, axis=1, keepdims=True)

    dA2 = np.dot(W3.T, dZ3)
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    {dw2}
    db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)

    dA1 = np.dot(W2.T, dZ2)
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1. / m * np.dot(dZ1, X.T)
    {db1}

    gradients = {{"dZ3": dZ3, "dW3": dW3, "db3": db3,
                 "dA2": dA2, "dZ2": dZ2, "dW2": dW2, "db2": db2,
                 "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}}

    return gradients'''


def _meta(v: Version, i: int, graded: str = "") -> dict:
    if v.name != "w1a3" or not graded:
        return {"collapsed": True} if v.name == "v1" and graded == "solution" else {}
    solution = graded == "solution"
    return {"deletable": False, **({} if solution else {"editable": False}),
            "nbgrader": {"cell_type": "code", "checksum": f"{i:032x}", "grade": not solution,
                         "grade_id": f"cell-{i:016x}", "locked": not solution, "schema_version": 3,
                         "solution": solution, "task": False, **({} if solution else {"points": 10})}}


def notebook_cells(v: Version, a: dict[str, Answer], *, fixed_backprop: bool) -> list[nk.Cell]:
    new = v.name == "w1a3"
    cells = [nk.markdown("# Gradient Checking\n\nBackpropagation is easy to get subtly wrong; a numerical estimate of "
                         "the gradient tells whether it is right.")]
    add = cells.append
    if new:
        add(nk.code("### v1.1", count=-1, deletable=False, editable=False))
    imports = ["# Packages", "import numpy as np", "from testCases import *"]
    imports += ["from public_tests import *"] if new else []
    imports += ["from gc_utils import sigmoid, relu, dictionary_to_vector, vector_to_dictionary, gradients_to_vector"]
    imports += ["", "%load_ext autoreload", "%autoreload 2"] if new else []
    add(nk.code("\n".join(imports), **({"collapsed": True} if not new else {})))
    add(nk.markdown("## 1 - How does gradient checking work?\n\nCompare backprop's gradient with "
                    "(J(theta + eps) - J(theta - eps)) / (2 eps)."))
    tests = {
        "forward_propagation": ("x, theta = 2, 4\nJ = forward_propagation(x, theta)\nprint (\"J = \" + str(J))",
                                "J = 8\n"),
        "backward_propagation": ("x, theta = 2, 4\ndtheta = backward_propagation(x, theta)\n"
                                 "print (\"dtheta = \" + str(dtheta))", "dtheta = 2\n"),
        "gradient_check": (("x, theta = 3, 4\ndifference = gradient_check(x, theta, print_msg=True)" if new else
                            "x, theta = 2, 4\ndifference = gradient_check(x, theta)\n"
                            "print(\"difference = \" + str(difference))"),
                           ("\x1b[92mYour backward propagation works perfectly fine! difference = 7.814075313343006e-11"
                            "\x1b[0m\n" if new else "The gradient is correct!\ndifference = 2.91933588329e-10\n")),
    }
    for k, fn in enumerate(("forward_propagation", "backward_propagation", "gradient_check")):
        add(nk.code(_graded(fn, v, a), **_meta(v, 10 + k, "solution")))
        source, printed = tests[fn]
        if new and fn != "gradient_check":
            source += f"\n{fn}_test({fn})"
            printed += "\x1b[92m All tests passed.\n"
        add(nk.code(source, nk.stream(printed), **_meta(v, 20 + k, "test")))
    add(nk.markdown("## 2 - N-dimensional gradient checking\n\nThe forward and backward passes are given."))
    add(nk.code(_FORWARD_N))
    add(nk.code(_backward_n(fixed_backprop)))
    add(nk.code(_graded("gradient_check_n", v, a), **_meta(v, 13, "solution")))
    source = ("X, Y, parameters = gradient_check_n_test_case()\n\ncost, cache = forward_propagation_n(X, Y, "
              "parameters)\ngradients = backward_propagation_n(X, Y, cache)\n")
    if new:
        source += ("difference = gradient_check_n(parameters, gradients, X, Y, 1e-7, True)\n"
                   "expected_values = [0.2850931567761623, 1.1890913024229996e-07]\n"
                   "assert not(type(difference) == np.ndarray), \"difference must be a number, not an array\"\n"
                   "assert np.any(np.isclose(difference, expected_values)), \"Unexpected difference\"")
    else:
        source += "difference = gradient_check_n(parameters, gradients, X, Y)"
    value = "1.1890913024229996e-07" if fixed_backprop else "0.285093156781"
    color, words = ("92", "Your backward propagation works perfectly fine!") if fixed_backprop else \
        ("93", "There is a mistake in the backward propagation!")
    add(nk.code(source, nk.stream(f"\x1b[{color}m{words} difference = {value}\x1b[0m\n"), **_meta(v, 23, "test")))
    add(nk.markdown("**What to remember**: gradient checking is slow; use it to debug, then turn it off."))
    return cells


def _fixture(v: Version, name: str, cells: list[nk.Cell], note: str, **kw: object) -> Fixture:
    number(cells, 1)
    coursera = {"course_slug": "deep-neural-network", "graded_item_id": "n6NBD", "launcher_item_id": "yfOsE"}
    return Fixture(ASSIGNMENT, v.name, name, cells, {"coursera": coursera, **nk.kernel_metadata(v.python)}, v.minor,
                   v.export, note, **kw)  # type: ignore[arg-type]


def fixtures() -> list[Fixture]:
    out = []
    for v in VERSIONS:
        new = v.name == "w1a3"
        base = ("magics", "nbgrader-metadata", "version-cell") if new else ()
        cells = notebook_cells(v, _answers(), fixed_backprop=new)
        extra: tuple[str, ...] = ()
        if new:  # the last test still shows its failure from before the fix to backward_propagation_n
            cells[-2].outputs = [nk.error("AssertionError", "Unexpected difference", [
                ("", 8, "assert np.any(np.isclose(difference, expected_values)), \"Unexpected difference\"")])]
            extra = ("stale-error-output",)
        note = "completed correctly" + ("; backward_propagation_n fixed, as the notebook invites" if new else
                                        "; backward_propagation_n left with the two bugs it is handed out with")
        out.append(_fixture(v, "correct", cells, f"{v.name}: {note}", quirks=base + extra))
        if not new:
            cells = notebook_cells(v, _answers(), fixed_backprop=True)
            out.append(_fixture(v, "correct_fixed_backprop", cells, "v1: correct, and the two bugs of "
                                "backward_propagation_n fixed", quirks=base))
        for m in VERSION_MISTAKES[v.name]:
            fn, what, replaced = MISTAKES[m]
            cells = notebook_cells(v, {**_answers(), **replaced}, fixed_backprop=new)
            out.append(_fixture(v, m.replace("-", "_"), cells, f"{v.name}: {what}", lost={fn: "some"}, mistakes=(m,),
                                quirks=base))
    return out
