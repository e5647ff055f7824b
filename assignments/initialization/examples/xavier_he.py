import numpy as np
from init_utils import load_circles, model, accuracy, plot_costs
from public_tests import initialize_parameters_zeros_test, initialize_parameters_random_test


def initialize_parameters_zeros(layers_dims):
    """All zeros."""
    parameters = {}
    for l in range(1, len(layers_dims)):
        parameters["W%d" % l] = np.zeros(shape=(layers_dims[l], layers_dims[l - 1]))
        parameters["b%d" % l] = np.zeros(shape=(layers_dims[l], 1))
    return parameters


def initialize_parameters_random(layers_dims):
    """randn * 10, zero biases."""
    parameters = {}
    for l in range(1, len(layers_dims)):
        parameters["W%d" % l] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * 10
        parameters["b%d" % l] = np.zeros(shape=(layers_dims[l], 1))
    return parameters


def initialize_parameters_he(layers_dims):
    """He initialization (I think the formula is 1/n like in the lecture on vanishing gradients)."""
    parameters = {}
    for l in range(1, len(layers_dims)):
        fan_in = layers_dims[l - 1]
        parameters["W%d" % l] = np.random.randn(layers_dims[l], fan_in) * np.sqrt(1 / fan_in)
        parameters["b%d" % l] = np.zeros(shape=(layers_dims[l], 1))
    return parameters


initialize_parameters_zeros_test(initialize_parameters_zeros)
initialize_parameters_random_test(initialize_parameters_random)

train_X, train_Y, test_X, test_Y = load_circles()
parameters, costs = model(train_X, train_Y, learning_rate=0.1, num_iterations=2000,
                          initialization_fn=initialize_parameters_he, print_cost=True)
print("He: train", accuracy(parameters, train_X, train_Y), "test", accuracy(parameters, test_X, test_Y))
plot_costs(costs, label="He")
