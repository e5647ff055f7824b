# Week 1 - initialization
import numpy as np
from init_utils import *
from public_tests import *

train_X, train_Y, test_X, test_Y = load_circles()


def initialize_parameters_zeros(layers_dims):
    parameters = {}
    L = len(layers_dims)
    for l in range(1, L):
        n, n_prev = layers_dims[l], layers_dims[l - 1]
        parameters["W" + str(l)] = np.zeros((n, n_prev))
        parameters["b" + str(l)] = np.zeros((n, 1))
    return parameters


def initialize_parameters_random(layers_dims):
    parameters = {}
    L = len(layers_dims)
    for l in range(1, L):
        n, n_prev = layers_dims[l], layers_dims[l - 1]
        # plain standard normal weights
        parameters["W" + str(l)] = np.random.randn(n, n_prev)
        parameters["b" + str(l)] = np.zeros((n, 1))
    return parameters


def initialize_parameters_he(layers_dims):
    parameters = {}
    L = len(layers_dims)
    for l in range(1, L):
        n, n_prev = layers_dims[l], layers_dims[l - 1]
        parameters["W" + str(l)] = np.random.randn(n, n_prev) * np.sqrt(2 / n_prev)
        parameters["b" + str(l)] = np.zeros((n, 1))
    return parameters


initialize_parameters_random_test(initialize_parameters_random)

for name, init in [("zeros", initialize_parameters_zeros), ("random", initialize_parameters_random),
                   ("he", initialize_parameters_he)]:
    parameters, costs = model(train_X, train_Y, 0.1, 2000, init, seed=3)
    print(name, costs[0], costs[-1], accuracy(parameters, test_X, test_Y))
