"""Planar data classification with one hidden layer

In this assignment you build your first neural network with a hidden layer, and train it to separate two classes of
points in the plane that no straight line can separate.

You will:

- set up a network with one hidden layer of tanh units and a sigmoid output unit,
- initialize its parameters so that it can actually learn,
- implement forward propagation, the cross-entropy cost and backward propagation,
- train it with gradient descent and look at the decision boundary it learns.

Write your code only between the # YOUR CODE STARTS HERE and # YOUR CODE ENDS HERE markers, and keep the
function names and signatures as they are: the grader calls them. Running this file (python shallow_nn.py)
runs the public tests, which check small fixed cases, and then trains the network. The grader runs more
checks of its own.
"""


import numpy as np

from planar_utils import plot_decision_boundary, sigmoid, load_planar_dataset
from public_tests import *


# 3 - The model
#
# The network has three layers: the input (the 2 coordinates), a hidden layer of n_h units with the tanh activation,
# and one output unit with the sigmoid activation. For one example x (a column of X):
#
#     z1 = W1 x + b1        a1 = tanh(z1)
#     z2 = W2 a1 + b2       y_hat = a2 = sigmoid(z2)
#
# and the prediction is class 1 when a2 > 0.5. Training minimises the cross-entropy cost
#
#     J = -(1/m) * sum over the m examples of ( y log(a2) + (1 - y) log(1 - a2) )
#
# The plan is the usual one: define the structure, initialize the parameters, then loop over forward propagation, the
# cost, backward propagation and a gradient-descent update. Every example is a column, so each step handles all m
# examples at once with matrix products: no loop over the examples.


# 3.1 - Layer sizes
#
# Exercise 1. Implement layer_sizes(X, Y). Read n_x (the input size) from the shape of X and n_y (the output
# size) from the shape of Y; the hidden layer has n_h = 4 units.


def layer_sizes(X, Y):
    """
    The sizes of the three layers.

    Arguments:
    X -- input data, of shape (input size, number of examples)
    Y -- labels, of shape (output size, number of examples)

    Returns:
    n_x -- the size of the input layer
    n_h -- the size of the hidden layer (4)
    n_y -- the size of the output layer
    """
    # YOUR CODE STARTS HERE
    n_x = None
    n_h = None
    n_y = None
    # YOUR CODE ENDS HERE
    return (n_x, n_h, n_y)


# 3.2 - Initializing the parameters
#
# How the parameters start matters more than you might think. Three facts to keep in mind:
#
# - The weights must not all be zero (or all equal). If W1 is zero, every hidden unit computes exactly the same
#   value for every example. Backpropagation then gives every hidden unit exactly the same gradient, so after the
#   update they are still identical, and the same after every later step. This symmetry is never broken: your four
#   hidden units behave like one, and the network can do no better than logistic regression. Random weights give each
#   unit a different starting point, so each can learn something different.
# - The biases may start at zero. The random weights already make the units different, so b1 and b2 can be
#   np.zeros(...).
# - The weights must be small. If the weights are large, Z1 = W1 X + b1 is large in magnitude and tanh lands in
#   its flat tails, near -1 or +1. There its slope 1 - tanh(z)**2 is almost zero, so almost no gradient gets through
#   and gradient descent crawls (the sigmoid output saturates in the same way). Multiplying np.random.randn(...) by
#   0.01 keeps Z1 near 0, where tanh is steep and almost linear.
#
# Exercise 2. Implement initialize_parameters(n_x, n_h, n_y):
#
# - W1 of shape (n_h, n_x) and W2 of shape (n_y, n_h): np.random.randn(a, b) * 0.01,
# - b1 of shape (n_h, 1) and b2 of shape (n_y, 1): zeros.
#
# Do not call np.random.seed inside the function.


def initialize_parameters(n_x, n_h, n_y):
    """
    Small random weights and zero biases.

    Arguments:
    n_x -- size of the input layer
    n_h -- size of the hidden layer
    n_y -- size of the output layer

    Returns:
    parameters -- a dictionary with the keys
                  W1 -- weights of the hidden layer, of shape (n_h, n_x)
                  b1 -- biases of the hidden layer, of shape (n_h, 1)
                  W2 -- weights of the output layer, of shape (n_y, n_h)
                  b2 -- bias of the output layer, of shape (n_y, 1)
    """
    # YOUR CODE STARTS HERE
    W1 = None
    b1 = None
    W2 = None
    b2 = None
    # YOUR CODE ENDS HERE
    parameters = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    return parameters


# 3.3 - Forward propagation
#
# Exercise 3. Implement forward_propagation(X, parameters):
#
# 1. take W1, b1, W2 and b2 out of the parameters dictionary,
# 2. compute Z1, A1, Z2 and A2 for all the examples at once: use np.dot (or @) for the products,
#    np.tanh for the hidden layer and sigmoid (imported from planar_utils) for the output,
# 3. store the four values in cache: backpropagation needs them.
#
# The biases have a single column; numpy broadcasts them across the m columns of the products.


def forward_propagation(X, parameters):
    """
    Compute the network's output for every example.

    Arguments:
    X -- input data, of shape (n_x, m)
    parameters -- the dictionary returned by initialize_parameters

    Returns:
    A2 -- the sigmoid output of the second layer, of shape (1, m)
    cache -- a dictionary with the keys "Z1", "A1", "Z2" and "A2"
    """
    # YOUR CODE STARTS HERE
    W1 = None
    b1 = None
    W2 = None
    b2 = None

    Z1 = None
    A1 = None
    Z2 = None
    A2 = None
    # YOUR CODE ENDS HERE
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache


# 3.4 - The cost
#
# Exercise 4. Implement compute_cost(A2, Y), the cross-entropy cost J above. Compute it without a loop, e.g. with
# np.multiply and np.sum, and return it as a Python float (wrap the result in float(...)).


def compute_cost(A2, Y):
    """
    The cross-entropy cost.

    Arguments:
    A2 -- the sigmoid output of the network, of shape (1, m)
    Y -- the true labels, of shape (1, m)

    Returns:
    cost -- -(1/m) * sum(Y log(A2) + (1 - Y) log(1 - A2)), as a Python float
    """
    m = Y.shape[1]
    # YOUR CODE STARTS HERE
    cost = None
    # YOUR CODE ENDS HERE
    return cost


# 3.5 - Backward propagation
#
# Backpropagation applies the chain rule from the output back to the input. With a sigmoid output and the
# cross-entropy cost, the gradients (averaged over the m examples) are:
#
#     dZ2 = A2 - Y
#     dW2 = (1/m) * dZ2 . A1.T
#     db2 = (1/m) * np.sum(dZ2, axis=1, keepdims=True)
#     dZ1 = (W2.T . dZ2) * g'(Z1)          (* is the element-wise product)
#     dW1 = (1/m) * dZ1 . X.T
#     db1 = (1/m) * np.sum(dZ1, axis=1, keepdims=True)
#
# Here g is tanh, and its slope is g'(z) = 1 - tanh(z)**2. Since A1 = tanh(Z1), the slope at Z1 is
# 1 - np.power(A1, 2). Careful: it is A1 that is squared, not Z1.
#
# Exercise 5. Implement backward_propagation(parameters, cache, X, Y).


def backward_propagation(parameters, cache, X, Y):
    """
    The gradient of the cost with respect to every parameter.

    Arguments:
    parameters -- the dictionary with W1, b1, W2 and b2
    cache -- the dictionary with Z1, A1, Z2 and A2 from forward_propagation
    X -- input data, of shape (2, m)
    Y -- the true labels, of shape (1, m)

    Returns:
    grads -- a dictionary with the keys "dW1", "db1", "dW2" and "db2", each shaped like its parameter
    """
    m = X.shape[1]
    # YOUR CODE STARTS HERE
    W1 = None
    W2 = None
    A1 = None
    A2 = None

    dZ2 = None
    dW2 = None
    db2 = None
    dZ1 = None
    dW1 = None
    db1 = None
    # YOUR CODE ENDS HERE
    grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
    return grads


# 3.6 - Updating the parameters
#
# The gradient points in the direction in which the cost grows fastest, so gradient descent moves every parameter a
# small step the other way: theta = theta - learning_rate * dJ/dtheta. A good learning rate makes the cost go down
# steadily; one that is too large makes it oscillate or blow up.
#
# Exercise 6. Implement update_parameters(parameters, grads, learning_rate=1.2) for W1, b1, W2 and b2.


def update_parameters(parameters, grads, learning_rate=1.2):
    """
    One step of gradient descent.

    Arguments:
    parameters -- the dictionary with W1, b1, W2 and b2
    grads -- the dictionary with dW1, db1, dW2 and db2
    learning_rate -- the step size

    Returns:
    parameters -- a dictionary with the updated W1, b1, W2 and b2
    """
    # YOUR CODE STARTS HERE
    W1 = None
    b1 = None
    W2 = None
    b2 = None
    # YOUR CODE ENDS HERE
    parameters = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    return parameters


# 3.7 - The whole model
#
# Exercise 7. Put the pieces together in nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
#
# 1. get n_x and n_y from layer_sizes(X, Y), but use the n_h given as argument,
# 2. initialize the parameters,
# 3. repeat num_iterations times: forward propagation, the cost, backward propagation, an update (with the default
#    learning rate). Each iteration must use the parameters the previous one produced.
#
# The cost is printed every 1000 iterations when print_cost is True, and nothing is printed otherwise.


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    """
    Train the network by gradient descent.

    Arguments:
    X -- input data, of shape (2, m)
    Y -- the true labels, of shape (1, m)
    n_h -- size of the hidden layer
    num_iterations -- number of gradient-descent steps
    print_cost -- if True, print the cost every 1000 iterations

    Returns:
    parameters -- the trained parameters, which predict can use
    """
    n_x = layer_sizes(X, Y)[0]
    n_y = layer_sizes(X, Y)[2]

    # YOUR CODE STARTS HERE
    parameters = None
    # YOUR CODE ENDS HERE

    for i in range(num_iterations):
        # YOUR CODE STARTS HERE
        A2, cache = None, None
        cost = None
        grads = None
        parameters = None
        # YOUR CODE ENDS HERE

        if print_cost and i % 1000 == 0:
            print(f"Cost after iteration {i}: {cost}")

    return parameters


# 3.8 - Predictions
#
# Exercise 8. Implement predict(parameters, X): run forward propagation and predict class 1 where A2 > 0.5
# (True) and class 0 elsewhere (False). The result has shape (1, m), like Y.


def predict(parameters, X):
    """
    Predict a class for every example.

    Arguments:
    parameters -- the dictionary with W1, b1, W2 and b2
    X -- input data, of shape (n_x, m)

    Returns:
    predictions -- a boolean array of shape (1, m): True for class 1, False for class 0
    """
    # YOUR CODE STARTS HERE
    A2, cache = None, None
    predictions = None
    # YOUR CODE ENDS HERE
    return predictions


if __name__ == "__main__":
    X, Y = load_planar_dataset()
    print(f"X has shape {X.shape}, Y has shape {Y.shape}: {X.shape[1]} training examples")

    # The public tests, in the order of the exercises. The first one that fails stops the script.
    layer_sizes_test(layer_sizes)
    initialize_parameters_test(initialize_parameters)
    forward_propagation_test(forward_propagation)
    compute_cost_test(compute_cost)
    backward_propagation_test(backward_propagation)
    update_parameters_test(update_parameters)
    nn_model_test(nn_model)
    predict_test(predict)

    # Training on the flower. The cost should go down steadily; if it stays at 0.693 (log 2), look again at
    # your initialization.
    np.random.seed(3)
    parameters = nn_model(X, Y, n_h=4, num_iterations=10000, print_cost=True)
    predictions = predict(parameters, X)
    accuracy = float(np.mean(predictions == Y)) * 100
    print(f"Training accuracy: {accuracy:.1f}%")

    # You should see about 90% training accuracy. The plot needs matplotlib; without it, nothing is shown.
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        plt = None
    if plt is not None:
        plot_decision_boundary(lambda x: predict(parameters, x.T), X, Y)
        plt.title("Decision boundary with 4 hidden units")
        plt.show()
