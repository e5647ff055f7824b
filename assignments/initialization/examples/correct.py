# Initialization assignment
# zeros / random x10 / He on the circles data

import numpy as np

from init_utils import load_circles, model, accuracy
from public_tests import *


def initialize_parameters_zeros(layers_dims):
    parameters = {}
    L = len(layers_dims)

    for l in range(1, L):
        parameters['W' + str(l)] = np.zeros((layers_dims[l], layers_dims[l - 1]))
        parameters['b' + str(l)] = np.zeros((layers_dims[l], 1))

    return parameters


def initialize_parameters_random(layers_dims):
    np.random.seed(3)  # so my runs are reproducible
    parameters = {}
    L = len(layers_dims)

    for l in range(1, L):
        parameters['W' + str(l)] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * 10
        parameters['b' + str(l)] = np.zeros((layers_dims[l], 1))

    return parameters


def initialize_parameters_he(layers_dims):
    np.random.seed(3)
    parameters = {}
    L = len(layers_dims) - 1  # number of layers without the input

    for l in range(1, L + 1):
        parameters['W' + str(l)] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * np.sqrt(2. / layers_dims[l - 1])
        parameters['b' + str(l)] = np.zeros((layers_dims[l], 1))

    return parameters


if __name__ == "__main__":
    initialize_parameters_zeros_test(initialize_parameters_zeros)
    initialize_parameters_random_test(initialize_parameters_random)
    initialize_parameters_he_test(initialize_parameters_he)

    train_X, train_Y, test_X, test_Y = load_circles()
    for init in (initialize_parameters_zeros, initialize_parameters_random, initialize_parameters_he):
        parameters, costs = model(train_X, train_Y, 0.1, 2000, init)
        print(init.__name__, "train:", accuracy(parameters, train_X, train_Y), "test:", accuracy(parameters, test_X, test_Y))
