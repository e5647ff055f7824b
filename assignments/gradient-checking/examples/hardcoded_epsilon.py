# gradient checking

import numpy as np

from gc_utils import (backward_propagation, dictionary_to_vector, forward_propagation, forward_propagation_n,
                      gradients_to_vector, vector_to_dictionary)

EPS = 1e-7


def gradient_check(x, theta, epsilon=1e-7):
    J_plus = forward_propagation(x, theta + EPS)
    J_minus = forward_propagation(x, theta - EPS)
    gradapprox = (J_plus - J_minus) / (2 * EPS)
    grad = backward_propagation(x, theta)
    return float(np.linalg.norm(grad - gradapprox) / (np.linalg.norm(grad) + np.linalg.norm(gradapprox)))


def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7):
    theta, _ = dictionary_to_vector(parameters)
    grad = gradients_to_vector(gradients)
    gradapprox = np.zeros_like(theta)
    for i in range(theta.shape[0]):
        theta_plus = np.copy(theta)
        theta_plus[i, 0] += EPS
        theta_minus = np.copy(theta)
        theta_minus[i, 0] -= EPS
        J_plus, _ = forward_propagation_n(X, Y, vector_to_dictionary(theta_plus))
        J_minus, _ = forward_propagation_n(X, Y, vector_to_dictionary(theta_minus))
        gradapprox[i, 0] = (J_plus - J_minus) / (2 * EPS)
    return float(np.linalg.norm(grad - gradapprox) / (np.linalg.norm(grad) + np.linalg.norm(gradapprox)))
