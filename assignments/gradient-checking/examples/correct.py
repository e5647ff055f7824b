# Gradient checking - programming assignment
# all public tests pass on my machine

import numpy as np

from gc_utils import (backward_propagation, backward_propagation_n, backward_propagation_n_buggy,
                      dictionary_to_vector, forward_propagation, forward_propagation_n, gradients_to_vector,
                      load_test_case, vector_to_dictionary)
from public_tests import gradient_check_n_test, gradient_check_test


def gradient_check(x, theta, epsilon=1e-7):
    # numerical estimate, two sided
    J_plus = forward_propagation(x, theta + epsilon)
    J_minus = forward_propagation(x, theta - epsilon)
    gradapprox = (J_plus - J_minus) / (2 * epsilon)

    # analytic derivative
    grad = backward_propagation(x, theta)

    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    difference = numerator / denominator
    return difference


def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7):
    parameters_values, _ = dictionary_to_vector(parameters)
    grad = gradients_to_vector(gradients)
    n = len(parameters_values)
    costs_up, costs_down = [], []

    for i in range(n):
        theta_plus = np.copy(parameters_values)   # copy!! otherwise parameters_values changes too
        theta_plus[i][0] = theta_plus[i][0] + epsilon
        cost_up, _ = forward_propagation_n(X, Y, vector_to_dictionary(theta_plus))
        costs_up.append(cost_up)

        theta_minus = np.copy(parameters_values)
        theta_minus[i][0] = theta_minus[i][0] - epsilon
        cost_down, _ = forward_propagation_n(X, Y, vector_to_dictionary(theta_minus))
        costs_down.append(cost_down)

    gradapprox = (np.array(costs_up) - np.array(costs_down)).reshape(n, 1) / (2 * epsilon)

    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    difference = numerator / denominator

    if difference > 1e-7:
        print(f"gradients look wrong (difference {difference:.2e})")
    return difference


x, theta = 3, -1.5
print("difference = " + str(gradient_check(x, theta)))
gradient_check_test(gradient_check)

X, Y, parameters = load_test_case()
cost, cache = forward_propagation_n(X, Y, parameters)
print(gradient_check_n(parameters, backward_propagation_n(X, Y, cache), X, Y))
print(gradient_check_n(parameters, backward_propagation_n_buggy(X, Y, cache), X, Y))
gradient_check_n_test(gradient_check_n)
