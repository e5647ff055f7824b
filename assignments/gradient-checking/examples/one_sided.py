# gradient checking, one forward pass less per parameter

import numpy as np

from gc_utils import (backward_propagation, dictionary_to_vector, forward_propagation, forward_propagation_n,
                      gradients_to_vector, vector_to_dictionary)


def gradient_check(x, theta, epsilon=1e-7):
    J = forward_propagation(x, theta)
    J_plus = forward_propagation(x, theta + epsilon)
    gradapprox = (J_plus - J) / epsilon
    grad = backward_propagation(x, theta)
    return np.linalg.norm(grad - gradapprox) / (np.linalg.norm(grad) + np.linalg.norm(gradapprox))


def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7):
    theta, _ = dictionary_to_vector(parameters)
    grad = gradients_to_vector(gradients)
    J, _ = forward_propagation_n(X, Y, parameters)
    gradapprox = np.zeros(theta.shape)
    for i in range(len(theta)):
        theta_plus = theta.copy()
        theta_plus[i] += epsilon
        J_plus, _ = forward_propagation_n(X, Y, vector_to_dictionary(theta_plus))
        gradapprox[i] = (J_plus - J) / epsilon
    return np.linalg.norm(grad - gradapprox) / (np.linalg.norm(grad) + np.linalg.norm(gradapprox))
