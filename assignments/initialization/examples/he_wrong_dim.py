import numpy as np

from init_utils import load_circles, model, predict
from public_tests import *


def initialize_parameters_zeros(layers_dims):
    L = len(layers_dims) - 1
    parameters = {}
    for l in range(1, L + 1):
        parameters["W" + str(l)] = np.zeros((layers_dims[l], layers_dims[l - 1]))
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


def initialize_parameters_random(layers_dims):
    L = len(layers_dims) - 1
    parameters = {}
    for l in range(1, L + 1):
        parameters["W" + str(l)] = 10 * np.random.randn(layers_dims[l], layers_dims[l - 1])
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


def initialize_parameters_he(layers_dims):
    L = len(layers_dims) - 1
    parameters = {}
    for l in range(1, L + 1):
        # scale by the size of the layer
        parameters["W" + str(l)] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * np.sqrt(2 / layers_dims[l])
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


train_X, train_Y, test_X, test_Y = load_circles()
parameters, costs = model(train_X, train_Y, initialization_fn=initialize_parameters_he, print_cost=True)
print("train accuracy", np.mean(predict(parameters, train_X) == train_Y))
