# %% [markdown]
# # Planar data classification with one hidden layer
#
# In this assignment you build your first neural network with a hidden layer and train it to separate two classes
# of points in the plane that no straight line can separate.
#
# You will:
#
# - set up a network with one hidden layer of tanh units and a sigmoid output unit,
# - initialize its parameters so that it can actually learn,
# - implement forward propagation, the cross-entropy cost and backward propagation,
# - train it with gradient descent and look at the decision boundary it learns.
#
# **How to work.** Each function you write contains the two lines
#
# ```python
# # YOUR CODE HERE
# raise NotImplementedError()
# ```
#
# Replace them with your code. Leave the rest of the function as it is: the docstring says what the function
# receives and returns, and the lines after the stub (where there are any) already assemble and return the result
# from the variables you compute. Keep the function names and signatures unchanged, because the grader calls them.
#
# Below each function is a cell that runs its public test. It checks small fixed cases and prints
# `All tests passed.`, or stops with a message that says what it expected and what it got. Passing it is a good
# sign, not a guarantee: the grader runs more checks of its own.


# %% [markdown]
# ## 1 - Packages
#
# - [numpy](https://numpy.org) for the arrays and the linear algebra,
# - [matplotlib](https://matplotlib.org) for the plots,
# - `planar_utils` provides the data set, `sigmoid` and `plot_decision_boundary`,
# - `public_tests` provides one test per function you write.


# %%
from typing import Any

import numpy as np


# %%
import matplotlib.pyplot as plt

from planar_utils import plot_decision_boundary, sigmoid, load_planar_dataset
from public_tests import *


# %% [markdown]
# ## 2 - The data set
#
# `load_planar_dataset()` returns 400 points shaped like a flower with eight petals. Each point is a column of `X`
# (shape `(2, 400)`: its two coordinates), and its label is the matching column of `Y` (shape `(1, 400)`: 0 for red,
# 1 for blue). Neighbouring petals have different colours, so no straight line separates the classes: logistic
# regression gets fewer than half of the points right on this data.


# %%
X, Y = load_planar_dataset()
print(f"X has shape {X.shape}, Y has shape {Y.shape}: {X.shape[1]} training examples")


# %%
plt.scatter(X[0, :], X[1, :], c=Y.ravel(), s=40, cmap=plt.cm.Spectral)
plt.title("The flower data set")
plt.show()


# %% [markdown]
# ## 3 - The model
#
# The network has three layers: the input (the 2 coordinates of a point), a hidden layer of `n_h` units with the
# tanh activation, and one output unit with the sigmoid activation. For one example $x^{(i)}$ (a column of `X`):
#
# $$z^{[1](i)} = W^{[1]} x^{(i)} + b^{[1]}, \qquad a^{[1](i)} = \tanh(z^{[1](i)})$$
#
# $$z^{[2](i)} = W^{[2]} a^{[1](i)} + b^{[2]}, \qquad \hat{y}^{(i)} = a^{[2](i)} = \sigma(z^{[2](i)})$$
#
# The network predicts class 1 when $a^{[2](i)} > 0.5$ and class 0 otherwise. Training minimises the cross-entropy
# cost over the $m$ examples:
#
# $$J = -\frac{1}{m} \sum_{i=1}^{m} \left( y^{(i)} \log a^{[2](i)} + (1 - y^{(i)}) \log\left(1 - a^{[2](i)}\right) \right)$$
#
# The plan is the usual one: define the structure, initialize the parameters, then repeat forward propagation, the
# cost, backward propagation and a gradient-descent update. Because every example is a column, each step handles
# all `m` examples at once with matrix products: there is no loop over the examples.
#
# The next cell is given; run it and leave it as it is. It defines
#
# - `HIDDEN_UNITS = 4`, the size of the hidden layer, and `INIT_SCALE = 0.01`, the scale of the initial weights,
# - the names that appear in the function signatures: `Parameters` (the dictionary holding `W1`, `b1`, `W2`, `b2`),
#   `Cache` (the values forward propagation keeps for the backward pass) and `Grads` (the gradients); each is simply
#   a dictionary from names to numpy arrays,
# - `sigmoid`, the same function `planar_utils` provides, written out here so you can see what it computes.


# %%
Parameters = dict[str, np.ndarray]
Cache = dict[str, np.ndarray]
Grads = dict[str, np.ndarray]

HIDDEN_UNITS = 4
INIT_SCALE = 0.01


def sigmoid(z: Any) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-z))``, applied element-wise."""
    return 1.0 / (1.0 + np.exp(-z))


# %% [markdown]
# ### 3.1 - Layer sizes
#
# **Exercise 1.** Implement `layer_sizes(X, Y)`. Read `n_x`, the size of the input layer, from the shape of `X`,
# and `n_y`, the size of the output layer, from the shape of `Y`. The hidden layer has `n_h = HIDDEN_UNITS` (4)
# units.


# %%
def layer_sizes(X: np.ndarray, Y: np.ndarray) -> tuple[int, int, int]:
    """The sizes of the three layers.

    Args:
        X: inputs, shape ``(n_x, m)``: one example per column.
        Y: labels, shape ``(n_y, m)``.

    Returns:
        ``(n_x, n_h, n_y)``: the number of input features, of hidden units (fixed at 4) and of outputs.
    """
    # YOUR CODE HERE
    raise NotImplementedError()
    return n_x, n_h, n_y


# %%
layer_sizes_test(layer_sizes)


# %% [markdown]
# ### 3.2 - Initializing the parameters
#
# How the parameters start matters more than you might think. Keep three facts in mind.
#
# - **The weights must not all be zero, nor all equal.** If `W1` is zero, every hidden unit computes exactly the
#   same value for every example. Backpropagation then hands every hidden unit exactly the same gradient, so after
#   the update the units are still identical, and they stay identical after every later step. This *symmetry* is
#   never broken: your four hidden units behave like one, and the network can do no better than logistic
#   regression. Random weights give each unit a different starting point, so each can learn something different.
# - **The biases may start at zero.** The random weights already make the units different, so `b1` and `b2` can be
#   `np.zeros(...)`.
# - **The weights must be small.** With large weights, `Z1 = W1 X + b1` is large in magnitude and tanh lands in its
#   flat tails, near -1 or +1. There its slope `1 - tanh(z)**2` is almost zero, so almost no gradient gets through
#   and gradient descent crawls (the sigmoid output saturates in the same way). Multiplying `np.random.randn(...)`
#   by `INIT_SCALE` (0.01) keeps `Z1` near 0, where tanh is steep and almost linear.
#
# **Exercise 2.** Implement `initialize_parameters(n_x, n_h, n_y)`:
#
# - `W1` of shape `(n_h, n_x)` and `W2` of shape `(n_y, n_h)`: `np.random.randn(rows, columns) * INIT_SCALE`,
# - `b1` of shape `(n_h, 1)` and `b2` of shape `(n_y, 1)`: zeros.
#
# Do not call `np.random.seed` inside the function: whoever calls it decides on the seed.


# %%
def initialize_parameters(n_x: int, n_h: int, n_y: int) -> Parameters:
    """Small random weights and zero biases.

    Args:
        n_x: size of the input layer.
        n_h: size of the hidden layer.
        n_y: size of the output layer.

    Returns:
        ``{"W1": (n_h, n_x), "b1": (n_h, 1), "W2": (n_y, n_h), "b2": (n_y, 1)}``: the weights and biases of the
        hidden layer and of the output layer, with the shapes shown. The weights are random and small, the biases
        zero.
    """
    # YOUR CODE HERE
    raise NotImplementedError()
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


# %%
initialize_parameters_test(initialize_parameters)


# %% [markdown]
# ### 3.3 - Forward propagation
#
# **Exercise 3.** Implement `forward_propagation(X, parameters)`:
#
# 1. take `W1`, `b1`, `W2` and `b2` out of the `parameters` dictionary,
# 2. compute `Z1`, `A1`, `Z2` and `A2` for all the examples at once, following the formulas above: use `@` (or
#    `np.dot`) for the matrix products, `np.tanh` for the hidden layer and `sigmoid` for the output.
#
# The function then stores the four values in `cache`, because backward propagation needs them. The biases have a
# single column; numpy broadcasts them across the `m` columns of the products.


# %%
def forward_propagation(X: np.ndarray, parameters: Parameters) -> tuple[np.ndarray, Cache]:
    """Compute the network's output for every example.

    Args:
        X: inputs, shape ``(n_x, m)``.
        parameters: the dictionary returned by ``initialize_parameters``, with ``W1``, ``b1``, ``W2`` and ``b2``.

    Returns:
        ``(A2, cache)``: the sigmoid outputs, shape ``(1, m)``, and the dictionary of the intermediate values
        ``Z1``, ``A1``, ``Z2``, ``A2`` that backward propagation needs.
    """
    # YOUR CODE HERE
    raise NotImplementedError()

    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache


# %%
forward_propagation_test(forward_propagation)


# %% [markdown]
# ### 3.4 - The cost
#
# **Exercise 4.** Implement `compute_cost(A2, Y)`, the cross-entropy cost $J$ above. Compute it without a loop:
# the element-wise product `*` (or `np.multiply`), `np.log` and `np.sum` are all you need. Return it as a Python
# `float`, by wrapping the result in `float(...)`.


# %%
def compute_cost(A2: np.ndarray, Y: np.ndarray) -> float:
    """The cross-entropy cost ``-(1/m) * sum(Y log A2 + (1 - Y) log(1 - A2))``.

    Args:
        A2: the sigmoid outputs of the network, shape ``(1, m)``.
        Y: the true labels, shape ``(1, m)``.

    Returns:
        The cost averaged over the ``m`` examples, as a Python float.
    """
    m = Y.shape[1]
    # YOUR CODE HERE
    raise NotImplementedError()
    return cost


# %%
compute_cost_test(compute_cost)


# %% [markdown]
# ### 3.5 - Backward propagation
#
# Backpropagation applies the chain rule from the output back to the input. With a sigmoid output and the
# cross-entropy cost, the gradients, averaged over the `m` examples, are:
#
# - `dZ2 = A2 - Y`
# - `dW2 = (1/m) * dZ2 @ A1.T`
# - `db2 = (1/m) * np.sum(dZ2, axis=1, keepdims=True)`
# - `dZ1 = (W2.T @ dZ2) * g'(Z1)`, where `*` is the element-wise product
# - `dW1 = (1/m) * dZ1 @ X.T`
# - `db1 = (1/m) * np.sum(dZ1, axis=1, keepdims=True)`
#
# Here `g` is tanh, whose slope is $g'(z) = 1 - \tanh^2(z)$. Since `A1 = tanh(Z1)`, the slope at `Z1` is
# `1 - A1**2` (or `1 - np.power(A1, 2)`). Careful: it is `A1` that is squared, not `Z1`. `keepdims=True` keeps
# `db1` and `db2` as columns, shaped like `b1` and `b2`.
#
# **Exercise 5.** Implement `backward_propagation(parameters, cache, X, Y)`: take what you need out of
# `parameters` and `cache`, then compute the six quantities above.


# %%
def backward_propagation(parameters: Parameters, cache: Cache, X: np.ndarray, Y: np.ndarray) -> Grads:
    """The gradient of the cost with respect to every parameter.

    Args:
        parameters: the dictionary with ``W1``, ``b1``, ``W2`` and ``b2``.
        cache: the dictionary with ``Z1``, ``A1``, ``Z2`` and ``A2`` from ``forward_propagation``.
        X: inputs, shape ``(n_x, m)``.
        Y: the true labels, shape ``(1, m)``.

    Returns:
        ``{"dW1", "db1", "dW2", "db2"}``, each shaped like the parameter it belongs to.
    """
    m = X.shape[1]
    # YOUR CODE HERE
    raise NotImplementedError()

    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


# %%
backward_propagation_test(backward_propagation)


# %% [markdown]
# ### 3.6 - Updating the parameters
#
# The gradient points in the direction in which the cost grows fastest, so gradient descent moves every parameter a
# small step the other way: $\theta = \theta - \alpha \frac{\partial J}{\partial \theta}$, where $\alpha$ is the
# learning rate. A good learning rate makes the cost go down steadily; one that is too large makes it oscillate or
# blow up.
#
# **Exercise 6.** Implement `update_parameters(parameters, grads, learning_rate=1.2)`: apply one step to `W1`, `b1`,
# `W2` and `b2` (the gradient of `W1` is `grads["dW1"]`, and so on), and return the updated values in a new
# dictionary with the same keys. Leave the arrays passed in unchanged: compute `W1 - learning_rate * dW1` rather
# than updating in place with `-=`.


# %%
def update_parameters(parameters: Parameters, grads: Grads, learning_rate: float = 1.2) -> Parameters:
    """One step of gradient descent, ``W = W - learning_rate * dW`` for every parameter.

    Args:
        parameters: the dictionary with ``W1``, ``b1``, ``W2`` and ``b2``.
        grads: the dictionary with ``dW1``, ``db1``, ``dW2`` and ``db2``.
        learning_rate: the step size.

    Returns:
        A new dictionary with the updated ``W1``, ``b1``, ``W2`` and ``b2``; the arrays passed in are left
        unchanged.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


# %%
update_parameters_test(update_parameters)


# %% [markdown]
# ### 3.7 - The whole model
#
# **Exercise 7.** Put the pieces together in `nn_model(X, Y, n_h, num_iterations=10000, print_cost=False)`:
#
# 1. `n_x` and `n_y` come from `layer_sizes(X, Y)` (this line is given), but the hidden layer has the `n_h` passed
#    to `nn_model`,
# 2. initialize the parameters,
# 3. in each of the `num_iterations` iterations, run forward propagation, compute the cost, run backward
#    propagation and update the parameters with the default learning rate. Each iteration must start from the
#    parameters the previous one produced.
#
# Keep the names `parameters` and `cost`: the given lines after your code use them. They print the cost every 1000
# iterations when `print_cost` is `True`, print nothing otherwise, and return the final parameters.


# %%
def nn_model(
    X: np.ndarray, Y: np.ndarray, n_h: int, num_iterations: int = 10000, print_cost: bool = False
) -> Parameters:
    """Train the network by full-batch gradient descent at learning rate 1.2.

    ``n_x`` and ``n_y`` come from :func:`layer_sizes`; ``n_h`` is the argument. The initial weights are drawn
    from numpy's global generator in whatever state the caller left it.

    Args:
        X: inputs, shape ``(n_x, m)``.
        Y: the true labels, shape ``(1, m)``.
        n_h: size of the hidden layer.
        num_iterations: number of gradient-descent steps.
        print_cost: if True, print the cost every 1000 iterations.

    Returns:
        The trained parameters, which ``predict`` can use.
    """
    n_x, _, n_y = layer_sizes(X, Y)
    # YOUR CODE HERE
    raise NotImplementedError()

    for i in range(num_iterations):
        # YOUR CODE HERE
        raise NotImplementedError()
        if print_cost and i % 1000 == 0:
            print(f"Cost after iteration {i}: {cost:.6f}")

    return parameters


# %%
nn_model_test(nn_model)


# %% [markdown]
# ### 3.8 - Predictions
#
# **Exercise 8.** Implement `predict(parameters, X)`: run forward propagation, then predict class 1 (`True`) where
# `A2 > 0.5` and class 0 (`False`) elsewhere. The result has shape `(1, m)`, like `Y`.


# %%
def predict(parameters: Parameters, X: np.ndarray) -> np.ndarray:
    """Predict a class for every example.

    Args:
        parameters: the dictionary with ``W1``, ``b1``, ``W2`` and ``b2``.
        X: inputs, shape ``(n_x, m)``.

    Returns:
        ``True`` where the network's output exceeds 0.5 (class 1), ``False`` elsewhere (class 0): shape ``(1, m)``,
        dtype bool.
    """
    # YOUR CODE HERE
    raise NotImplementedError()
    return predictions


# %%
predict_test(predict)


# %% [markdown]
# ## 4 - Training on the flower
#
# Time to train a network with 4 hidden units for 10,000 iterations. The cost should go down steadily. If it stays
# at 0.693 (that is, $\log 2$: the network outputs 0.5 for every point), look again at your initialization.


# %%
np.random.seed(3)
parameters = nn_model(X, Y, n_h=4, num_iterations=10000, print_cost=True)


# %%
plot_decision_boundary(lambda x: predict(parameters, x.T), X, Y)
plt.title("Decision boundary with 4 hidden units")
plt.show()


# %%
predictions = predict(parameters, X)
print(f"Training accuracy: {float(np.mean(predictions == Y)) * 100:.1f}%")


# %% [markdown]
# You should see about 90% training accuracy: the hidden layer lets the network bend its decision boundary around
# the petals, where logistic regression could only draw a straight line.
#
# ## 5 - How many hidden units? (optional, not graded)
#
# The cell below trains seven networks on the flower, with 1 to 50 hidden units, for 5,000 iterations each,
# and draws the boundary each one learns. It takes a minute or two. Watch two things: how many units the
# network needs before the boundary follows the petals, and when the largest networks start to bend around
# single noisy points.


# %%
plt.figure(figsize=(16, 32))
hidden_layer_sizes = [1, 2, 3, 4, 5, 20, 50]
for i, n_h in enumerate(hidden_layer_sizes):
    plt.subplot(5, 2, i + 1)
    parameters_h = nn_model(X, Y, n_h, num_iterations=5000)
    plot_decision_boundary(lambda x: predict(parameters_h, x.T), X, Y)
    accuracy = float(np.mean(predict(parameters_h, X) == Y)) * 100
    plt.title(f"{n_h} hidden units: {accuracy:.1f}%")
    print(f"{n_h} hidden units: training accuracy {accuracy:.1f}%")


# %% [markdown]
# ## 6 - Going further (optional, not graded)
#
# Try these in a copy of this notebook, so that the functions you submit stay as they are.
#
# - Start from zero weights and print the rows of `W1` after training: they are all equal. Why?
# - Start from `np.random.randn(...) * 10` and compare the cost curves. Where on the tanh curve does the hidden
#   layer start now?
