# %% [markdown]
# # Initialization
#
# Before gradient descent takes its first step, every weight of a network needs a value. That choice looks like a
# detail, but it decides whether the network learns at all, how fast it learns, and where it ends up. In this
# assignment you try three choices on the same network and the same data, and see why one of them is the standard
# for ReLU networks:
#
# - **zeros**: every weight and bias starts at 0;
# - **large random values**: weights drawn from a standard normal distribution and multiplied by 10;
# - **He initialization**: weights drawn from a normal distribution whose variance is `2 / n_prev`, where `n_prev`
#   is the number of inputs of the layer.
#
# The first two are *meant* to go wrong: they are the experiments that show what a good initialization must avoid.
# Write each function as described, even the ones that fail on purpose.
#
# Write your code only where it says `# YOUR CODE HERE`, and keep the function names and signatures as they are:
# the grader calls them. After each function, run the public test below it. The tests check a few properties; the
# grader runs more checks of its own.


# %% [markdown]
# ## 1 - Packages
#
# - [numpy](https://numpy.org) for the arrays,
# - [matplotlib](https://matplotlib.org) for the plots,
# - `init_utils` provides the data (`load_circles`), the network and its training loop (`model`, `accuracy`,
#   `layer_scales`) and plotting helpers,
# - `public_tests` provides one test per function you write.


# %%
import numpy as np


# %%
import matplotlib.pyplot as plt

from init_utils import (accuracy, layer_scales, load_circles, model, plot_circles, plot_costs,
                        plot_decision_boundary)
from public_tests import *


# %% [markdown]
# ## 2 - The data
#
# `load_circles()` returns two noisy concentric rings: 300 training points and 100 test points, half of them on
# the outer ring (class 0, red) and half on the inner ring (class 1, blue). Every point is a column of `X`
# (shape `(2, m)`) and its label the matching column of `Y` (shape `(1, m)`). No straight line separates the
# rings, so the network needs its hidden layers. The data is generated from a fixed seed: it is the same for
# everyone, every time.


# %%
train_X, train_Y, test_X, test_Y = load_circles()
print(f"train_X: {train_X.shape}, train_Y: {train_Y.shape}, test_X: {test_X.shape}, test_Y: {test_Y.shape}")
plot_circles(train_X, train_Y)


# %% [markdown]
# ## 3 - The network
#
# The network is a three-layer ReLU network, `LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID`, with
# `layers_dims = [2, 10, 5, 1]`: two inputs, hidden layers of 10 and 5 units, one output unit. Layer `l` has
#
# - a weight matrix `Wl` of shape `(layers_dims[l], layers_dims[l-1])`: one row per unit of the layer, one column
#   per unit of the layer before,
# - a bias vector `bl` of shape `(layers_dims[l], 1)`.
#
# The parameters travel in a dictionary with the keys `"W1", "b1", "W2", "b2", "W3", "b3"`. Your functions must
# work for any list of layer sizes, not only this one: the grader also calls them with other lists.
#
# You do not write the training loop this time. `init_utils.model` does forward propagation, the cross-entropy
# cost, backward propagation and gradient descent for you; it only asks *how to start*:
#
# ```python
# parameters, costs = model(train_X, train_Y, learning_rate=0.1, num_iterations=2000,
#                           initialization_fn=initialize_parameters_he, print_cost=True, seed=3)
# ```
#
# `initialization_fn` is one of the functions you write; `model` calls it with `layers_dims` and trains from the
# parameters it returns, by 2,000 steps of gradient descent with learning rate 0.1 (a second or so). `costs` holds
# the cost every 100 iterations. `seed=3` seeds numpy's global random generator just before the initialization,
# so that your run reproduces the numbers quoted below (as long as your function draws from `np.random`).


# %% [markdown]
# ## 4 - Zero initialization
#
# **Exercise 1.** Implement `initialize_parameters_zeros(layers_dims)`: every `Wl` and every `bl` is an array of
# zeros of the right shape. Use `np.zeros(shape)`; note that the shape is one argument, a tuple.


# %%
def initialize_parameters_zeros(layers_dims):
    """
    All weights and biases set to zero.

    Arguments:
    layers_dims -- list with the size of each layer, the input layer first, e.g. [2, 10, 5, 1]

    Returns:
    parameters -- dictionary with the keys "W1", "b1", ..., "WL", "bL":
                  Wl -- zeros of shape (layers_dims[l], layers_dims[l-1])
                  bl -- zeros of shape (layers_dims[l], 1)
    """
    parameters = {}
    L = len(layers_dims)  # number of layers, counting the input layer

    for l in range(1, L):
        # YOUR CODE HERE
        raise NotImplementedError()

    return parameters


# %%
initialize_parameters_zeros_test(initialize_parameters_zeros)


# %% [markdown]
# Now train the network from zeros:


# %%
parameters, costs_zeros = model(train_X, train_Y, learning_rate=0.1, num_iterations=2000,
                                initialization_fn=initialize_parameters_zeros, print_cost=True, seed=3)
print(f"train accuracy: {accuracy(parameters, train_X, train_Y):.1%}")
print(f"test accuracy: {accuracy(parameters, test_X, test_Y):.1%}")


# %% [markdown]
# The cost starts at 0.693147 and is still 0.693147 after 2,000 iterations, and the accuracy is 50.0% on the
# training set and on the test set: the network predicts class 0 for every point, no better than a coin.
#
# Why? With zero weights every unit of a layer computes the same thing: here `Z = 0` everywhere, so every ReLU
# outputs 0 and the output unit gives `sigmoid(0) = 0.5` for every point. A probability of 0.5 costs
# `-log(0.5) = log 2 = 0.693` per example, whatever the label. Backpropagation then hands *every unit of a layer
# the same gradient*, because the units are interchangeable: nothing in the network tells them apart. After the
# update they are still identical, and so after every later step. This is called the **symmetry** problem: a
# layer of 10 identical units is no better than a layer of one unit.
#
# In this network it is even starker: the ReLU's slope at exactly 0 is 0 and every weight gradient is a product
# with an activation that is 0, so every gradient is exactly zero (the output bias's gradient is the mean of
# `0.5 - Y`, which is 0 because the classes are balanced). Nothing moves at all, and the cost stays at log 2.
#
# Biases may start at zero; the weights may not. Random weights make each unit different from the start, so each
# one gets its own gradient and can learn its own feature.


# %%
print(parameters["W1"])
plot_decision_boundary(parameters, train_X, train_Y)


# %% [markdown]
# ## 5 - Random initialization with large weights
#
# To break the symmetry, draw the weights at random. But at what scale? Try a large one first.
#
# **Exercise 2.** Implement `initialize_parameters_random(layers_dims)`: each `Wl` is
# `np.random.randn(layers_dims[l], layers_dims[l-1]) * 10` (standard normal values times 10), each `bl` is zeros.
# Do not call `np.random.seed` inside the function.


# %%
def initialize_parameters_random(layers_dims):
    """
    Large random weights (standard normal times 10) and zero biases.

    Arguments:
    layers_dims -- list with the size of each layer, the input layer first, e.g. [2, 10, 5, 1]

    Returns:
    parameters -- dictionary with the keys "W1", "b1", ..., "WL", "bL":
                  Wl -- random values of shape (layers_dims[l], layers_dims[l-1]), mean 0, standard deviation 10
                  bl -- zeros of shape (layers_dims[l], 1)
    """
    parameters = {}
    L = len(layers_dims)  # number of layers, counting the input layer

    for l in range(1, L):
        # YOUR CODE HERE
        raise NotImplementedError()

    return parameters


# %%
initialize_parameters_random_test(initialize_parameters_random)


# %%
parameters, costs_random = model(train_X, train_Y, learning_rate=0.1, num_iterations=2000,
                                 initialization_fn=initialize_parameters_random, print_cost=True, seed=3)
print(f"train accuracy: {accuracy(parameters, train_X, train_Y):.1%}")
print(f"test accuracy: {accuracy(parameters, test_X, test_Y):.1%}")


# %% [markdown]
# The symmetry is broken, but look at the cost: about 1,960 at iteration 0, against 0.69 for a network that knows
# nothing. After 100 iterations it has dropped to 0.645, and there it stays until iteration 2,000. The accuracy is
# 56.7% on the training set and 63.0% on the test set, hardly better than a coin.
#
# What went wrong:
#
# - **The output saturates.** Each layer multiplies the size of its input by roughly `10 * sqrt(n_prev / 2)`,
#   so the output logit `Z3` is in the thousands. The sigmoid of such a number is 0 or 1 to the last digit of a
#   float: at the start the network is *certain* about every one of the 300 training points, and wrong about half
#   of them. A confident mistake costs about `|Z3|`; the textbook formula `-log(1 - a)` with `a` equal to exactly
#   1.0 even gives `log(0) = -inf`, which is why the cost in `init_utils` is computed from `Z3` directly.
# - **The first steps do lasting damage.** The gradients pass back through the same oversized weights, so the
#   first steps of gradient descent are wild jumps. They push the pre-activations of most units of the second
#   hidden layer below zero for every point: after training, 4 of its 5 ReLU units output 0 everywhere (1 did at
#   the start). A ReLU that is off for every point gets no gradient, so it never comes back, and what is left of
#   the network cannot separate the rings.
# - **It is a lottery.** With `seed` 1 to 8 the same run ends anywhere between 57% and 99% training accuracy,
#   depending on where the large random weights happened to put it.
#
# A smaller learning rate softens the jumps (at 0.01 and 15,000 iterations this seed reaches 92%), at the price of
# much slower training. The better cure is to start at a sensible scale.


# %%
plot_decision_boundary(parameters, train_X, train_Y)


# %% [markdown]
# ## 6 - He initialization
#
# What is a sensible scale? Look at one unit of layer `l`: `z = w_1 a_1 + ... + w_n a_n` with `n = n_prev` inputs.
# If the weights are independent with mean 0 and variance `Var(w)`, then
#
# $$\mathrm{Var}(z) = n_\text{prev} \cdot \mathrm{Var}(w) \cdot \mathbb{E}[a^2].$$
#
# A ReLU passes the positive half of a symmetric `z` and zeroes the rest, so `E[a^2] = Var(z_prev) / 2`. To keep
# `Var(z)` the same from one layer to the next, the weights need
#
# $$\mathrm{Var}(w) = \frac{2}{n_\text{prev}}, \qquad \text{that is} \qquad
# W^{[l]} = \text{randn}(n_l, n_{l-1}) \cdot \sqrt{\frac{2}{n_{l-1}}}.$$
#
# This is **He initialization** (after Kaiming He and his co-authors, 2015). Three details matter:
#
# - the variance is divided by the number of *inputs* of the layer, `layers_dims[l-1]` (the "fan-in"), because
#   that is how many terms each `z` adds up; `layers_dims[l]` is the wrong one;
# - the factor is `2`, for ReLU. Xavier initialization, `sqrt(1 / n_prev)`, keeps the variance for activations
#   such as tanh that are linear around 0; behind a ReLU, which throws half of the signal away, it halves the
#   variance at every layer;
# - `randn` is multiplied by the standard deviation `sqrt(2 / n_prev)`, not by the variance `2 / n_prev`.
#
# **Exercise 3.** Implement `initialize_parameters_he(layers_dims)`: each `Wl` is
# `np.random.randn(layers_dims[l], layers_dims[l-1]) * np.sqrt(2 / layers_dims[l-1])`, each `bl` is zeros.


# %%
def initialize_parameters_he(layers_dims):
    """
    He initialization: random weights with variance 2 / (number of inputs of the layer), zero biases.

    Arguments:
    layers_dims -- list with the size of each layer, the input layer first, e.g. [2, 10, 5, 1]

    Returns:
    parameters -- dictionary with the keys "W1", "b1", ..., "WL", "bL":
                  Wl -- random values of shape (layers_dims[l], layers_dims[l-1]), mean 0,
                        variance 2 / layers_dims[l-1]
                  bl -- zeros of shape (layers_dims[l], 1)
    """
    parameters = {}
    L = len(layers_dims)  # number of layers, counting the input layer

    for l in range(1, L):
        # YOUR CODE HERE
        raise NotImplementedError()

    return parameters


# %%
initialize_parameters_he_test(initialize_parameters_he)


# %%
parameters, costs_he = model(train_X, train_Y, learning_rate=0.1, num_iterations=2000,
                             initialization_fn=initialize_parameters_he, print_cost=True, seed=3)
print(f"train accuracy: {accuracy(parameters, train_X, train_Y):.1%}")
print(f"test accuracy: {accuracy(parameters, test_X, test_Y):.1%}")


# %% [markdown]
# The cost starts at 0.94, close to the 0.69 of a network that knows nothing, and falls steadily: 0.62 after
# 100 iterations, 0.096 after 500 and 0.0098 after 2,000. The network separates the rings: 100.0% accuracy on
# the training set and 99.0% on the test set. It does not depend on luck either: with `seed` 1 to 8 it always
# ends above 99% training accuracy.


# %%
plot_decision_boundary(parameters, train_X, train_Y)


# %% [markdown]
# ### How the signal travels through the layers
#
# `layer_scales(parameters, X)` measures the size (root mean square) of `Z1, Z2, ..., ZL` in a network. Build a
# deep one, eleven layers of 100 units, and compare the three random schemes before any training. With He
# initialization the size stays about the same from layer to layer; with weights times 10 it is multiplied by
# about 70 at every layer; with Xavier's `sqrt(1 / n_prev)` it shrinks by about `sqrt(2)` at every layer.


# %%
deep_dims = [100] * 11 + [1]
inputs = np.random.randn(100, 1000)


def initialize_parameters_xavier(layers_dims):
    """Xavier's scale, sqrt(1 / n_prev): He's weights times sqrt(1/2). For comparison only, not graded."""
    parameters = initialize_parameters_he(layers_dims)
    return {key: value * np.sqrt(0.5) if key.startswith("W") else value for key, value in parameters.items()}


for name, init in [("x 10", initialize_parameters_random), ("Xavier", initialize_parameters_xavier),
                   ("He", initialize_parameters_he)]:
    print(f"{name:>7}:", " ".join(f"{s:9.3g}" for s in layer_scales(init(deep_dims), inputs)))


# %% [markdown]
# ## 7 - Conclusions
#
# | initialization | cost at iteration 0 | cost after 2,000 | train accuracy | test accuracy |
# | --- | --- | --- | --- | --- |
# | zeros | 0.693 | 0.693 | 50.0% | 50.0% |
# | standard normal x 10 | about 1,960 | 0.645 | 56.7% | 63.0% |
# | He | 0.94 | 0.0098 | 100.0% | 99.0% |
#
# (`seed=3`, learning rate 0.1, `layers_dims = [2, 10, 5, 1]`. `init_utils.compare_initializations` reruns this
# experiment and returns the cost curves and accuracies of each scheme.)
#
# - Different initializations lead to very different results, with the same network, data and training loop.
# - Random weights are needed to break the symmetry between the units of a layer; zero biases are fine.
# - Weights that are too large make the output saturate and the cost explode, and training erratic: its first
#   jumps can switch ReLU units off for good.
# - He initialization, variance `2 / n_prev`, keeps the size of the signal stable through ReLU layers and trains
#   quickly and reliably.


# %%
plot_costs(costs_zeros, label="zeros")
plot_costs(costs_random, label="random x 10")
plot_costs(costs_he, label="He")
plt.yscale("log")
