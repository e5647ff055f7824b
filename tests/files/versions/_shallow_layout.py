"""shallow-nn: the cells of the planar-data notebook, version by version (graded cells, the cells that test them,
the data and plotting cells around them), and the quirks learners' copies add."""

from __future__ import annotations

import _nbkit as nk
import numpy as np
from _graded import Answer, graded_cell
from _shallow import Version

_X, _Y = nk.flower()
FLOWER_PNG = nk.scatter_png(_X, _Y)
BOUNDARY_PNG = nk.scatter_png(_X, _Y, boundary=True)
COST_PNG = nk.curve_png(0.5 / (1 + np.arange(40) / 8) + 0.2)


def _dict_lines(name: str, keys: tuple[str, ...]) -> list[str]:
    pad = " " * (len(name) + 8)
    first = f'{name} = {{"{keys[0]}": {keys[0]},'
    rest = [f'{pad}"{k}": {k},' for k in keys[1:-1]] + [f'{pad}"{keys[-1]}": {keys[-1]}}}']
    return [first, *rest]


def graded_source(fn: str, v: Version, a: dict[str, Answer], tag: str = "default") -> str:
    """The graded cell of ``fn`` in version ``v`` with answers ``a``."""
    old = v.style == "old"
    if fn == "layer_sizes":
        doc = ("Sizes of the three layers.\n\nArguments:\nX -- input data, of shape (input size, number of examples)\n"
               "Y -- labels, of shape (output size, number of examples)\n\nReturns:\nn_x -- size of the input layer\n"
               "n_h -- size of the hidden layer\nn_y -- size of the output layer")
        return graded_cell(fn, "layer_sizes(X, Y)", doc, [a[fn], "return (n_x, n_h, n_y)"], style=v.style, tag=tag)
    if fn == "initialize_parameters":
        doc = ("Random weights and zero biases.\n\nArguments:\nn_x -- size of the input layer\n"
               "n_h -- size of the hidden layer\nn_y -- size of the output layer\n\nReturns:\n"
               "params -- dictionary with W1 (n_h, n_x), b1 (n_h, 1), W2 (n_y, n_h) and b2 (n_y, 1)")
        body: list = []
        if v.seed_in_init:
            body += ["np.random.seed(2) # fixed, so that the numbers match the expected output", ""]
        body += [a[fn], ""]
        if old:
            body += ["assert (W1.shape == (n_h, n_x))", "assert (b1.shape == (n_h, 1))",
                     "assert (W2.shape == (n_y, n_h))", "assert (b2.shape == (n_y, 1))", ""]
        body += [*_dict_lines("parameters", ("W1", "b1", "W2", "b2")), "", "return parameters"]
        return graded_cell(fn, "initialize_parameters(n_x, n_h, n_y)", doc, body, style=v.style, tag=tag)
    if fn == "forward_propagation":
        doc = ("Forward pass through the network.\n\nArgument:\nX -- input data of size (n_x, m)\n"
               "parameters -- dictionary of the parameters (what initialize_parameters returns)\n\nReturns:\n"
               "A2 -- the sigmoid output of the second layer\n"
               "cache -- dictionary with \"Z1\", \"A1\", \"Z2\" and \"A2\"")
        body = ['# Retrieve each parameter from the dictionary "parameters"', a["forward_propagation.retrieve"], "",
                "# Forward propagation: compute A2 (the probabilities)", a["forward_propagation.compute"], "",
                "assert(A2.shape == (1, X.shape[1]))", "", *_dict_lines("cache", ("Z1", "A1", "Z2", "A2")), "",
                "return A2, cache"]
        return graded_cell(fn, "forward_propagation(X, parameters)", doc, body, style=v.style, tag=tag)
    if fn == "compute_cost":
        signature = "compute_cost(A2, Y, parameters)" if v.cost_takes_parameters else "compute_cost(A2, Y)"
        doc = ("The cross-entropy cost of equation (13).\n\nArguments:\n"
               "A2 -- sigmoid output of the second layer, of shape (1, number of examples)\n"
               "Y -- true labels, of shape (1, number of examples)\n")
        if v.cost_takes_parameters:
            doc += "parameters -- dictionary with W1, b1, W2 and b2\n"
            if v.update_note or v.name == "v6c":
                doc += ("[parameters is not used here; it stays in the signature because the\n"
                        "course's grader still passes it]\n")
        doc += "\nReturns:\ncost -- the cross-entropy cost of equation (13)"
        body = ["m = Y.shape[1] # number of examples", "", "# Compute the cross-entropy cost", a[fn], ""]
        if v.cost_cast == "squeeze":
            body += ["cost = np.squeeze(cost)     # makes sure cost is a scalar, e.g. [[17]] becomes 17",
                     "assert(isinstance(cost, float))"]
        else:
            body += ["cost = float(np.squeeze(cost))  # a Python float, e.g. [[17]] becomes 17.0"]
            if old:
                body += ["assert(isinstance(cost, float))"]
        body += ["", "return cost"]
        return graded_cell(fn, signature, doc, body, style=v.style, tag=tag)
    if fn == "backward_propagation":
        doc = ("Backward pass: the gradients of the cost.\n\nArguments:\nparameters -- dictionary of the parameters\n"
               "cache -- dictionary with \"Z1\", \"A1\", \"Z2\" and \"A2\"\nX -- input data of shape (2, number of "
               "examples)\nY -- true labels of shape (1, number of examples)\n\nReturns:\n"
               "grads -- dictionary of the gradients with respect to each parameter")
        body = ["m = X.shape[1]", "", '# First, retrieve W1 and W2 from the dictionary "parameters".',
                a["backward_propagation.retrieve"], "", '# Retrieve also A1 and A2 from dictionary "cache".',
                a["backward_propagation.cache"], "", "# Backward propagation: calculate dW1, db1, dW2, db2.",
                a["backward_propagation.grads"], "", *_dict_lines("grads", ("dW1", "db1", "dW2", "db2")), "",
                "return grads"]
        return graded_cell(fn, "backward_propagation(parameters, cache, X, Y)", doc, body, style=v.style, tag=tag)
    if fn == "update_parameters":
        doc = ("One step of gradient descent.\n\nArguments:\nparameters -- dictionary of the parameters\n"
               "grads -- dictionary of the gradients\n\nReturns:\nparameters -- dictionary of the updated parameters")
        first = ('# Retrieve a copy of each parameter from the dictionary "parameters". Use copy.deepcopy(...)'
                 if v.name == "w3a1" else '# Retrieve each parameter from the dictionary "parameters"')
        body = [first, a["update_parameters.retrieve"], "", '# Retrieve each gradient from the dictionary "grads"',
                a["update_parameters.grads"], "", "# Update rule for each parameter", a["update_parameters.step"], "",
                *_dict_lines("parameters", ("W1", "b1", "W2", "b2")), "", "return parameters"]
        return graded_cell(fn, "update_parameters(parameters, grads, learning_rate = 1.2)", doc, body,
                           style=v.style, tag=tag)
    if fn == "nn_model":
        doc = ("The whole model: initialize, then loop over forward, cost, backward and update.\n\nArguments:\n"
               "X -- dataset of shape (2, number of examples)\nY -- labels of shape (1, number of examples)\n"
               "n_h -- size of the hidden layer\nnum_iterations -- number of gradient-descent steps\n"
               "print_cost -- if True, print the cost every 1000 iterations\n\nReturns:\n"
               "parameters -- the trained parameters, which predict can use")
        body = ["np.random.seed(3)", "n_x = layer_sizes(X, Y)[0]", "n_y = layer_sizes(X, Y)[2]", "",
                "# Initialize parameters", a["nn_model.init"], "", "# Loop (gradient descent)", "",
                "for i in range(0, num_iterations):", "", (2, a["nn_model.loop"]), "",
                "        # Print the cost every 1000 iterations", "        if print_cost and i % 1000 == 0:",
                '            print ("Cost after iteration %i: %f" %(i, cost))', "", "return parameters"]
        return graded_cell(fn, "nn_model(X, Y, n_h, num_iterations = 10000, print_cost=False)", doc, body,
                           style=v.style, tag=tag)
    if fn == "predict":
        doc = ("Predict a class for each example in X.\n\nArguments:\nparameters -- dictionary of the parameters\n"
               "X -- input data of size (n_x, m)\n\nReturns\npredictions -- vector of predictions (red: 0 / blue: 1)")
        body = ["# Forward propagation gives probabilities; 0.5 separates the two classes.", a[fn], "",
                "return predictions"]
        return graded_cell(fn, "predict(parameters, X)", doc, body, style=v.style, tag=tag)
    raise KeyError(fn)


def _py2(line: str) -> str:
    """A print call as a Python 2 learner writes it: a print statement."""
    if line.startswith("print(") and line.endswith(")"):
        return "print " + line[len("print("):-1]
    return line


def test_cell(fn: str, v: Version, *, py2: bool = False) -> tuple[str, str]:
    """The cell after a graded cell that tries it on the test case, and what it printed."""
    cost_args = "A2, Y_assess, parameters" if v.cost_takes_parameters else "A2, t_Y"
    cases = {
        "layer_sizes": (["X_assess, Y_assess = layer_sizes_test_case()",
                         "(n_x, n_h, n_y) = layer_sizes(X_assess, Y_assess)", 'print("n_x = " + str(n_x))',
                         'print("n_h = " + str(n_h))', 'print("n_y = " + str(n_y))'], "n_x = 5\nn_h = 4\nn_y = 2\n"),
        "initialize_parameters": (["n_x, n_h, n_y = initialize_parameters_test_case()",
                                   "parameters = initialize_parameters(n_x, n_h, n_y)",
                                   'print("W1 = " + str(parameters["W1"]))', 'print("b2 = " + str(parameters["b2"]))'],
                                  "W1 = [[-0.00416758 -0.00056267]\n [-0.02136196  0.01640271]\n [-0.01793436 "
                                  "-0.00841747]\n [ 0.00502881 -0.01245288]]\nb2 = [[ 0.]]\n"),
        "forward_propagation": (["X_assess, parameters = forward_propagation_test_case()",
                                 "A2, cache = forward_propagation(X_assess, parameters)",
                                 "print(np.mean(cache['Z1']), np.mean(cache['A1']), np.mean(cache['Z2']), "
                                 "np.mean(cache['A2']))"],
                                "0.262818640198 0.091999045227 -1.30766601287 0.212877681719\n"),
        "compute_cost": ([f"{cost_args} = compute_cost_test_case()",
                          f'print("cost = " + str(compute_cost({cost_args})))'],
                         "cost = 0.6930587610394646\n"),
        "backward_propagation": (["parameters, cache, X_assess, Y_assess = backward_propagation_test_case()",
                                  "grads = backward_propagation(parameters, cache, X_assess, Y_assess)",
                                  'print ("dW2 = "+ str(grads["dW2"]))', 'print ("db2 = "+ str(grads["db2"]))'],
                                 "dW2 = [[ 0.00078841  0.01765429 -0.00084166 -0.01022527]]\ndb2 = [[-0.16655712]]\n"),
        "update_parameters": (["parameters, grads = update_parameters_test_case()",
                               "parameters = update_parameters(parameters, grads)",
                               'print("b2 = " + str(parameters["b2"]))'], "b2 = [[ 0.00010457]]\n"),
        "nn_model": (["X_assess, Y_assess = nn_model_test_case()",
                      "parameters = nn_model(X_assess, Y_assess, 4, num_iterations=10000, print_cost=True)",
                      'print("b2 = " + str(parameters["b2"]))'],
                     "".join(f"Cost after iteration {i}: {c:f}\n" for i, c in
                             zip(range(0, 10000, 1000), 0.6927 / (1 + np.arange(10) * 2.0) + 0.0002))
                     + "b2 = [[ 0.20459656]]\n"),
        "predict": (["parameters, X_assess = predict_test_case()", "predictions = predict(parameters, X_assess)",
                     'print("predictions mean = " + str(np.mean(predictions)))'],
                    "predictions mean = 0.666666666667\n"),
    }
    lines, printed = cases[fn]
    if v.name == "w3a1":
        if fn == "compute_cost":
            lines = ["A2, t_Y = compute_cost_test_case()", 'cost = compute_cost(A2, t_Y)',
                     'print("cost = " + str(cost))']
        if fn == "initialize_parameters":
            lines = ["np.random.seed(2)", *lines]
        lines = [*lines, "", f"{fn}_test({fn})"]
        printed += "\x1b[92m All tests passed.\n"
    if py2:
        lines = [_py2(x) for x in lines]
    return "\n".join(lines), printed
