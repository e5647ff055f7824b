"""Reference solution of the ``gradient-checking`` assignment, and the one source of its student files.

The grader imports this module in its trusted process, so it depends on numpy alone: the models that the student
notebook gets from ``gc_utils`` are defined here in code cells that students see too (the same code, so that they
can read what they are checking). The ``[student]`` cells are comments here.
"""

# %% [markdown]
# # Gradient checking
#
# Backpropagation is easy to get almost right. A gradient with a wrong sign in one entry, a missing factor 1/m,
# or a ReLU derivative left out still produces numbers of the right shape, and training may even make some
# progress with them. Nothing crashes; the network just learns worse than it should, and you may never find out
# why.
#
# Gradient checking settles the question. It computes the gradient a second way, straight from the definition of
# the derivative, by nudging each parameter a little and watching how the cost changes, and compares the two.
# If they agree to many digits, your backpropagation computes the derivative of the cost you actually wrote
# down. If they do not, there is a bug, and the entries that disagree tell you where to look.
#
# In this assignment you will:
#
# - check the derivative of a function of one parameter,
# - check the gradients of a three-layer network, with all its parameters flattened into one vector,
# - see the check catch a buggy backpropagation.
#
# Write your code only where it says `# YOUR CODE HERE`, and keep the function names and signatures as they are:
# the grader calls them. After each function, run the public test below it. The tests check a few fixed cases;
# the grader runs more checks of its own.

# %% [markdown]
# ## 1 - Packages
#
# - [numpy](https://numpy.org) for the arrays,
# - `gc_utils` provides the models to check, their gradients and a small test problem,
# - `public_tests` provides one test per function you write.

# %% [student]
# import numpy as np
#
# from gc_utils import backward_propagation_n_buggy, load_test_case
# from public_tests import *

# %%
import numpy as np

# %% [markdown]
# ## 2 - How gradient checking works
#
# The derivative of a cost J at theta is the limit of a difference quotient:
#
#     dJ/dtheta = lim (eps -> 0) of ( J(theta + eps) - J(theta - eps) ) / (2 eps)
#
# Take a small eps instead of the limit and you get a numerical estimate, `gradapprox`, that needs nothing but
# the cost function. Backpropagation gives `grad`. Three choices make the comparison trustworthy:
#
# - **A two-sided difference.** The one-sided quotient (J(theta + eps) - J(theta)) / eps is off by an amount
#   proportional to eps. In the two-sided quotient the first-order errors on both sides cancel, and what is left
#   is proportional to eps squared: with eps = 1e-7 that is an error around 1e-14 instead of 1e-7, so the
#   estimate is accurate to far more digits than any bug could hide in.
# - **A small, but not too small, eps.** Shrinking eps shrinks the truncation error, but J(theta + eps) and
#   J(theta - eps) then agree in more and more leading digits, and their difference is mostly rounding error.
#   Around eps = 1e-7 both errors are tiny for costs computed in double precision.
# - **A relative difference.** "The gradients differ by 1e-5" means little on its own: it is a lot for gradients
#   of size 1e-6 and nothing for gradients of size 1e3. So the check reports
#
#       difference = ||grad - gradapprox|| / (||grad|| + ||gradapprox||)
#
#   which is between 0 and 1 whatever the scale. Below about 1e-7 the two agree; above about 1e-3 something is
#   almost certainly wrong.
#
# Gradient checking is a debugging tool, not part of training: it needs two forward passes for every single
# parameter, so it is far too slow to run at each step. Run it once on a small problem when you write or change a
# backpropagation, then switch it off.

# %% [markdown]
# ## 3 - One parameter
#
# Start with the simplest possible model: one parameter theta, one input x, and the "cost" J(theta) = theta x.
# Its derivative is dJ/dtheta = x. `gc_utils` provides both; here they are, so that you can see what you are
# comparing.

# %%
def forward_propagation(x, theta):
    """The cost of the one-parameter model: J = theta * x."""
    J = theta * x
    return J


def backward_propagation(x, theta):
    """The derivative of J = theta * x with respect to theta, worked out by hand: x."""
    dtheta = x
    return dtheta

# %% [markdown]
# ### Exercise 1 - gradient_check
#
# Implement `gradient_check(x, theta, epsilon)`:
#
# 1. Compute `gradapprox` with the two-sided difference: theta_plus = theta + epsilon and
#    theta_minus = theta - epsilon, J_plus and J_minus from `forward_propagation`, then
#    gradapprox = (J_plus - J_minus) / (2 * epsilon).
# 2. Compute `grad` with `backward_propagation(x, theta)`.
# 3. Return the relative difference ||grad - gradapprox|| / (||grad|| + ||gradapprox||), using `np.linalg.norm`
#    for the norms, as a float.
#
# Use the `epsilon` you are given: the grader calls your function with other values too.

# %%
def gradient_check(x, theta, epsilon=1e-7):
    """
    Compare the derivative of J(theta) = theta * x from backward_propagation with a two-sided numerical estimate.

    Arguments:
    x -- the input, a number
    theta -- the parameter, a number
    epsilon -- the step of the numerical estimate

    Returns:
    difference -- ||grad - gradapprox|| / (||grad|| + ||gradapprox||), a float
    """
    ### BEGIN SOLUTION
    theta_plus = theta + epsilon
    theta_minus = theta - epsilon
    J_plus = forward_propagation(x, theta_plus)
    J_minus = forward_propagation(x, theta_minus)
    gradapprox = (J_plus - J_minus) / (2 * epsilon)

    grad = backward_propagation(x, theta)

    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    difference = float(numerator / denominator)
    ### END SOLUTION
    return difference

# %% [student]
# x, theta = 3.0, 4.0
# difference = gradient_check(x, theta)
# print(f"difference = {difference:.3g}")
# if difference < 1e-7:
#     print("The derivative is right: backward_propagation and the numerical estimate agree.")
# else:
#     print("The two disagree: check gradient_check.")

# %% [student]
# gradient_check_test(gradient_check)

# %% [markdown]
# For this linear J the numerical estimate is exact apart from rounding, so the difference is tiny. Real costs are
# not linear, and real models have many parameters: that is where the check earns its keep.

# %% [markdown]
# ## 4 - A three-layer network
#
# The network is LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID, with 4 input features, hidden layers of
# 5 and 3 units and one output unit, and the cross-entropy cost. `forward_propagation_n(X, Y, parameters)`
# returns the cost and a cache; `backward_propagation_n(X, Y, cache)` returns the gradients dW1, db1, ..., db3.
# This is the code from `gc_utils`:

# %%
def sigmoid(z):
    """The logistic function 1 / (1 + exp(-z)), element-wise."""
    return 1.0 / (1.0 + np.exp(-z))


def relu(z):
    """max(0, z), element-wise."""
    return np.maximum(0, z)


def forward_propagation_n(X, Y, parameters):
    """The network's cross-entropy cost on X (shape (4, m)) with labels Y (shape (1, m)); returns (cost, cache)."""
    m = X.shape[1]
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]

    Z1 = np.dot(W1, X) + b1
    A1 = relu(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = relu(Z2)
    Z3 = np.dot(W3, A2) + b3
    A3 = sigmoid(Z3)

    log_likelihood = Y * np.log(A3) + (1 - Y) * np.log(1 - A3)
    cost = float(-np.sum(log_likelihood) / m)

    cache = (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)
    return cost, cache


def backward_propagation_n(X, Y, cache):
    """The gradient of the cost with respect to each parameter: {"dW1", "db1", ..., "db3"}."""
    m = X.shape[1]
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache

    dZ3 = A3 - Y
    dW3 = np.dot(dZ3, A2.T) / m
    db3 = np.sum(dZ3, axis=1, keepdims=True) / m

    dA2 = np.dot(W3.T, dZ3)
    dZ2 = dA2 * (A2 > 0)
    dW2 = np.dot(dZ2, A1.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m

    dA1 = np.dot(W2.T, dZ2)
    dZ1 = dA1 * (A1 > 0)
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m

    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}

# %% [markdown]
# ### All the parameters in one vector
#
# The check nudges one number at a time, so it is simplest to line all the parameters up in one column vector
# theta. `dictionary_to_vector(parameters)` stacks W1, b1, W2, b2, W3, b3 (each array row by row) into a new
# array of shape (47, 1) and also returns which parameter each entry came from; `vector_to_dictionary(theta)`
# cuts such a vector back into the six arrays; `gradients_to_vector(gradients)` stacks dW1, ..., db3 in the same
# order, so that entry i of the gradient vector belongs to entry i of theta.

# %%
PARAMETER_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")
PARAMETER_SHAPES = ((5, 4), (5, 1), (3, 5), (3, 1), (1, 3), (1, 1))


def dictionary_to_vector(parameters):
    """Stack W1, b1, W2, b2, W3, b3 into one new column vector; returns (theta, keys)."""
    pieces = []
    keys = []
    for name in PARAMETER_NAMES:
        column = np.reshape(parameters[name], (-1, 1))
        pieces.append(column)
        keys.extend([name] * column.shape[0])
    theta = np.concatenate(pieces, axis=0).astype(np.float64)
    return theta, keys


def vector_to_dictionary(theta):
    """Cut a column vector back into W1, b1, W2, b2, W3, b3."""
    parameters = {}
    start = 0
    for name, shape in zip(PARAMETER_NAMES, PARAMETER_SHAPES):
        size = shape[0] * shape[1]
        parameters[name] = np.reshape(theta[start:start + size], shape)
        start += size
    return parameters


def gradients_to_vector(gradients):
    """Stack dW1, db1, dW2, db2, dW3, db3 into one column vector, in the order of dictionary_to_vector."""
    pieces = [np.reshape(gradients["d" + name], (-1, 1)) for name in PARAMETER_NAMES]
    return np.concatenate(pieces, axis=0).astype(np.float64)

# %% [markdown]
# ### Exercise 2 - gradient_check_n
#
# Implement `gradient_check_n(parameters, gradients, X, Y, epsilon)`. It receives the parameters and the
# gradients that some backpropagation computed for them, and tells how far those gradients are from the numerical
# estimate. For each entry i of theta:
#
# 1. theta_plus: a **copy** of theta with epsilon added to entry i. J_plus from
#    `forward_propagation_n(X, Y, vector_to_dictionary(theta_plus))` (the cost is the first value it returns).
# 2. theta_minus: another copy of theta with epsilon subtracted from entry i, and J_minus the same way.
# 3. gradapprox[i] = (J_plus - J_minus) / (2 * epsilon).
#
# Then return the relative difference between `grad` (the gradients passed in, as a vector) and `gradapprox`.
#
# **Why the copy matters.** `theta_plus = theta` does not copy anything: it gives the same array a second name.
# Adding epsilon to `theta_plus[i]` then changes `theta` too, so theta_minus starts from a vector that already
# moved, and the perturbations pile up from one entry to the next. The numbers still look reasonable, but they
# are the wrong numbers. Use `np.copy(theta)`.
#
# Do not call `backward_propagation_n` inside your function: the point is to judge the `gradients` you are given,
# whoever computed them.

# %%
def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7):
    """
    Compare the gradients of the three-layer network's cost with a two-sided numerical estimate.

    Arguments:
    parameters -- dictionary with the parameters "W1", "b1", "W2", "b2", "W3", "b3"
    gradients -- dictionary with the gradients to check, "dW1", "db1", ..., "db3", shaped like the parameters
    X -- input data, of shape (4, m)
    Y -- labels, of shape (1, m)
    epsilon -- the step of the numerical estimate

    Returns:
    difference -- ||grad - gradapprox|| / (||grad|| + ||gradapprox||), a float
    """
    theta, _ = dictionary_to_vector(parameters)
    grad = gradients_to_vector(gradients)
    gradapprox = np.zeros_like(theta)

    for i in range(theta.shape[0]):
        ### BEGIN SOLUTION
        theta_plus = np.copy(theta)
        theta_plus[i, 0] += epsilon
        J_plus, _ = forward_propagation_n(X, Y, vector_to_dictionary(theta_plus))

        theta_minus = np.copy(theta)
        theta_minus[i, 0] -= epsilon
        J_minus, _ = forward_propagation_n(X, Y, vector_to_dictionary(theta_minus))

        gradapprox[i, 0] = (J_plus - J_minus) / (2 * epsilon)
        ### END SOLUTION

    ### BEGIN SOLUTION
    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    difference = float(numerator / denominator)
    ### END SOLUTION
    return difference

# %% [student]
# X, Y, parameters = load_test_case()
# cost, cache = forward_propagation_n(X, Y, parameters)
# gradients = backward_propagation_n(X, Y, cache)
# difference = gradient_check_n(parameters, gradients, X, Y)
# print(f"backward_propagation_n:       difference = {difference:.3g}")
#
# buggy_gradients = backward_propagation_n_buggy(X, Y, cache)
# buggy_difference = gradient_check_n(parameters, buggy_gradients, X, Y)
# print(f"backward_propagation_n_buggy: difference = {buggy_difference:.3g}")

# %% [student]
# gradient_check_n_test(gradient_check_n)

# %% [markdown]
# The correct backpropagation agrees with the estimate to about nine digits; the buggy one is off by tens of
# percent. To find a bug, compare the two vectors entry by entry: the `keys` returned by `dictionary_to_vector`
# say which parameter each entry belongs to. Read `backward_propagation_n_buggy` in `gc_utils.py` and see whether
# you can find its two mistakes.
#
# ## 5 - What to remember
#
# - Gradient checking verifies that backpropagation computes the derivative of the cost you wrote. It says
#   nothing about whether the model or the cost are good ones.
# - Use the two-sided difference and a relative difference: below about 1e-7 all is well, above about 1e-3 there is
#   a bug, and in between look closer.
# - Perturb a copy of the parameters, never the parameters themselves.
# - It is slow, two forward passes per parameter, so use it to debug on a small problem and switch it off for
#   training. Check without dropout (or with a fixed dropout mask), because the check needs the same cost function
#   on every call.
