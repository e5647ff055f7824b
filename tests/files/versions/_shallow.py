"""shallow-nn: the planar-data notebook ("Planar data classification with one hidden layer") as each published
version lays it out. What differs between versions is written down in docs/course-versions.md; the code and prose
here are the generator's own.
"""

from __future__ import annotations

from dataclasses import dataclass

from _graded import Answer, answer

ASSIGNMENT = "shallow-nn"


@dataclass(frozen=True)
class Version:
    name: str
    course_file: str  # the name the course gave the notebook (for the record; fixtures are named by role)
    style: str  # template markers: "old" (START/END CODE HERE) or "new" (YOUR CODE STARTS/ENDS HERE)
    python: str  # language_info.version of the kernel that last ran it
    minor: int  # nbformat_minor
    testcases: str  # the test-case module imported with *
    cost_takes_parameters: bool  # compute_cost(A2, Y, parameters) up to v6c
    cost_cast: str  # "squeeze" (np.squeeze, then assert isinstance float) or "float" (float(np.squeeze(...)))
    nn_retrieves: bool  # nn_model unpacks W1..b2 after initializing (v3..v5)
    seed_in_init: bool  # np.random.seed(2) inside initialize_parameters (all but W3A1)
    first_count: int  # execution count of the first code cell
    metadata: str  # "coursera", "kernel-only", "colab" or "nbgrader" (W3A1)
    export: str  # nbconvert layout of the .py export: "old" (2017-18) or "new"
    update_note: bool = False  # v6a/v6b/v6c open with a note on the July 2019 fixes


VERSIONS = (
    Version("v3", "Planar data classification with one hidden layer v3.ipynb", "old", "3.5.2", 2, "testCases",
            True, "squeeze", True, True, 52, "coursera", "old"),
    Version("v4", "Planar+data+classification+with+one+hidden+layer+v4.ipynb", "old", "3.5.2", 2, "testCases_v2",
            True, "squeeze", True, True, 1, "coursera", "old"),
    Version("v5", "Planar+data+classification+with+one+hidden+layer+v5.ipynb", "old", "3.6.0", 2, "testCases_v2",
            True, "squeeze", True, True, 1, "coursera", "new"),
    Version("v6a", "Planar_data_classification_with_onehidden_layer_v6a.ipynb", "old", "3.6.0", 2, "testCases_v2",
            True, "float", False, True, 5, "kernel-only", "new", update_note=True),
    Version("v6b", "Planar_data_classification_with_onehidden_layer_v6b.ipynb", "old", "3.6.0", 2, "testCases_v2",
            True, "float", False, True, 212, "coursera", "new", update_note=True),
    Version("v6c", "Planar_data_classification_with_onehidden_layer_v6c.ipynb", "old", "3.9.0", 1, "testCases_v2",
            True, "float", False, True, 1, "colab", "new", update_note=False),
    Version("w3a1", "Planar_data_classification_with_one_hidden_layer.ipynb", "new", "3.7.6", 2, "testCases_v2",
            False, "float", False, False, 1, "nbgrader", "new"),
)

FUNCTIONS = ("layer_sizes", "initialize_parameters", "forward_propagation", "compute_cost", "backward_propagation",
             "update_parameters", "nn_model", "predict")

# ------------------------------------------------------------------------------------------- right answers


def answers_for(v: Version) -> dict[str, Answer]:
    """The answers of a careful learner, keyed "function.part"."""
    loop = ("A2, cache = forward_propagation(X, parameters)",
            "cost = compute_cost(A2, Y, parameters)" if v.cost_takes_parameters else "cost = compute_cost(A2, Y)",
            "grads = backward_propagation(parameters, cache, X, Y)",
            "parameters = update_parameters(parameters, grads)")
    init = ["parameters = initialize_parameters(n_x, n_h, n_y)"]
    if v.nn_retrieves:
        init += ['W1 = parameters["W1"]', 'b1 = parameters["b1"]', 'W2 = parameters["W2"]', 'b2 = parameters["b2"]']
    take = "copy.deepcopy(parameters[{!r}])" if v.name == "w3a1" else "parameters[{!r}]"
    return {
        "layer_sizes": answer("n_x = X.shape[0]", "n_h = 4", "n_y = Y.shape[0]",
                              hints=("n_x = ... ", "n_h = ...", "n_y = ... ")),
        "initialize_parameters": answer("W1 = np.random.randn(n_h, n_x) * 0.01", "b1 = np.zeros((n_h, 1))",
                                        "W2 = np.random.randn(n_y, n_h) * 0.01", "b2 = np.zeros((n_y, 1))",
                                        hints=("W1 = ...", "b1 = ...", "W2 = ...", "b2 = ...")),
        "forward_propagation.retrieve": answer('W1 = parameters["W1"]', 'b1 = parameters["b1"]',
                                               'W2 = parameters["W2"]', 'b2 = parameters["b2"]',
                                               hints=("W1 = ...", "b1 = ...", "W2 = ...", "b2 = ...")),
        "forward_propagation.compute": answer("Z1 = np.dot(W1, X) + b1", "A1 = np.tanh(Z1)",
                                              "Z2 = np.dot(W2, A1) + b2", "A2 = sigmoid(Z2)",
                                              hints=("Z1 = ...", "A1 = ...", "Z2 = ...", "A2 = ...")),
        "compute_cost": answer("logprobs = np.multiply(np.log(A2), Y) + np.multiply(1 - Y, np.log(1 - A2))",
                               "cost = -np.sum(logprobs) / m", hints=("logprobs = ...", "cost = ...")),
        "backward_propagation.retrieve": answer('W1 = parameters["W1"]', 'W2 = parameters["W2"]',
                                                hints=("W1 = ...", "W2 = ...")),
        "backward_propagation.cache": answer('A1 = cache["A1"]', 'A2 = cache["A2"]', hints=("A1 = ...", "A2 = ...")),
        "backward_propagation.grads": answer(
            "dZ2 = A2 - Y", "dW2 = np.dot(dZ2, A1.T) / m", "db2 = np.sum(dZ2, axis=1, keepdims=True) / m",
            "dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))", "dW1 = np.dot(dZ1, X.T) / m",
            "db1 = np.sum(dZ1, axis=1, keepdims=True) / m",
            size="≈ 6 lines of code, corresponding to 6 equations on slide above",
            hints=("dZ2 = ...", "dW2 = ...", "db2 = ...", "dZ1 = ...", "dW1 = ...", "db1 = ...")),
        "update_parameters.retrieve": answer(*(f"{k} = {take.format(k)}" for k in ("W1", "b1", "W2", "b2")),
                                             hints=("W1 = ...", "b1 = ...", "W2 = ...", "b2 = ...")),
        "update_parameters.grads": answer(*(f'd{k} = grads["d{k}"]' for k in ("W1", "b1", "W2", "b2")),
                                          hints=("dW1 = ...", "db1 = ...", "dW2 = ...", "db2 = ...")),
        "update_parameters.step": answer(*(f"{k} = {k} - learning_rate * d{k}" for k in ("W1", "b1", "W2", "b2")),
                                         hints=("W1 = ...", "b1 = ...", "W2 = ...", "b2 = ...")),
        "nn_model.init": answer(*init, hints=("parameters = ...",)),
        "nn_model.loop": answer(*loop, size="≈ 4 lines of code",
                                hints=("A2, cache = ...", "cost = ...", "grads = ...", "parameters = ...")),
        "predict": answer("A2, cache = forward_propagation(X, parameters)", "predictions = (A2 > 0.5)",
                          hints=("A2, cache = ...", "predictions = ...")),
    }


# ------------------------------------------------------------------------------------------ planted mistakes

_SIZES = "≈ 2 lines of code"
MISTAKES: dict[str, tuple[str, str, dict[str, Answer]]] = {
    # id: (function at fault, what the learner did, answers replaced)
    "cost-no-one-minus-y": ("compute_cost", "the cost keeps only the y log(a) term, as in the notebook's hint",
                            {"compute_cost": answer("logprobs = np.multiply(np.log(A2), Y)",
                                                    "cost = -np.sum(logprobs) / m")}),
    "cost-no-mean": ("compute_cost", "the cost is summed over the examples, not averaged (no 1/m)",
                     {"compute_cost": answer("logprobs = np.multiply(np.log(A2), Y) + np.multiply(1 - Y, "
                                             "np.log(1 - A2))", "cost = -np.sum(logprobs)")}),
    "cost-hint-copied": ("compute_cost", "the notebook's partial hint copied as the answer: neither the (1 - y) "
                         "term nor 1/m", {"compute_cost": answer("logprobs = np.multiply(np.log(A2), Y)",
                                                                 "cost = - np.sum(logprobs)")}),
    "n-y-hardcoded": ("layer_sizes", "n_y written as 1 instead of read from Y",
                      {"layer_sizes": answer("n_x = X.shape[0]", "n_h = 4", "n_y = 1")}),
    "rand-for-randn": ("initialize_parameters", "np.random.rand (uniform on [0, 1)) instead of randn",
                       {"initialize_parameters": answer("W1 = np.random.rand(n_h, n_x) * 0.01",
                                                        "b1 = np.zeros((n_h, 1))",
                                                        "W2 = np.random.rand(n_y, n_h) * 0.01",
                                                        "b2 = np.zeros((n_y, 1))")}),
    "tanh-derivative-from-z1": ("backward_propagation", "the tanh slope taken as 1 - Z1**2 instead of 1 - A1**2",
                                {"backward_propagation.cache": answer('A1 = cache["A1"]', 'A2 = cache["A2"]',
                                                                      'Z1 = cache["Z1"]'),
                                 "backward_propagation.grads": answer(
                                     "dZ2 = A2 - Y", "dW2 = np.dot(dZ2, A1.T) / m",
                                     "db2 = np.sum(dZ2, axis=1, keepdims=True) / m",
                                     "dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(Z1, 2))", "dW1 = np.dot(dZ1, X.T) / m",
                                     "db1 = np.sum(dZ1, axis=1, keepdims=True) / m")}),
    "db-without-keepdims": ("backward_propagation", "db1 and db2 summed without keepdims: shape (n,), not (n, 1)",
                            {"backward_propagation.grads": answer(
                                "dZ2 = A2 - Y", "dW2 = np.dot(dZ2, A1.T) / m", "db2 = np.sum(dZ2, axis=1) / m",
                                "dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))", "dW1 = np.dot(dZ1, X.T) / m",
                                "db1 = np.sum(dZ1, axis=1) / m")}),
    "hidden-sigmoid": ("forward_propagation", "the hidden layer uses sigmoid instead of tanh",
                       {"forward_propagation.compute": answer("Z1 = np.dot(W1, X) + b1", "A1 = sigmoid(Z1)",
                                                              "Z2 = np.dot(W2, A1) + b2", "A2 = sigmoid(Z2)")}),
    "update-ascent": ("update_parameters", "the step adds the gradient (W + lr dW): gradient ascent",
                      {"update_parameters.step": answer(*(f"{k} = {k} + learning_rate * d{k}"
                                                          for k in ("W1", "b1", "W2", "b2")))}),
    "update-in-place": ("update_parameters", "the arrays passed in are updated in place with -=",
                        {"update_parameters.retrieve": answer(*(f'{k} = parameters["{k}"]'
                                                                for k in ("W1", "b1", "W2", "b2"))),
                         "update_parameters.step": answer(*(f"{k} -= learning_rate * d{k}"
                                                            for k in ("W1", "b1", "W2", "b2")))}),
    "predict-flat": ("predict", "predictions built in a list comprehension: shape (m,), not (1, m)",
                     {"predict": answer("A2, cache = forward_propagation(X, parameters)",
                                        "predictions = np.array([1.0 if a >= 0.5 else 0.0 for a in A2[0]])")}),
    "nn-model-fixed-n-h": ("nn_model", "nn_model initializes 4 hidden units whatever n_h it is given",
                           {"nn_model.init": answer("parameters = initialize_parameters(n_x, 4, n_y)")}),
}

COMMON_MISTAKES = ("cost-no-one-minus-y", "cost-no-mean", "n-y-hardcoded", "rand-for-randn")
EXTRA_MISTAKES = {"v3": ("tanh-derivative-from-z1",), "v4": ("hidden-sigmoid",), "v5": ("update-ascent",),
                  "v6a": ("cost-hint-copied", "predict-flat"), "v6b": ("db-without-keepdims",),
                  "v6c": ("nn-model-fixed-n-h",), "w3a1": ("update-in-place", "nn-model-fixed-n-h")}
