#!/usr/bin/env python
# coding: utf-8

# # Gradient Checking
# 
# Backpropagation is easy to get subtly wrong; a numerical estimate of the gradient tells whether it is right.


# In[ ]:


### v1.1


# In[1]:


# Packages
import numpy as np
from testCases import *
from public_tests import *
from gc_utils import sigmoid, relu, dictionary_to_vector, vector_to_dictionary, gradients_to_vector

get_ipython().run_line_magic('load_ext', 'autoreload')
get_ipython().run_line_magic('autoreload', '2')


# ## 1 - How does gradient checking work?
# 
# Compare backprop's gradient with (J(theta + eps) - J(theta - eps)) / (2 eps).


# In[2]:


# GRADED FUNCTION: forward_propagation

def forward_propagation(x, theta):
    """
    The linear "cost" J(theta) = theta * x.

    Arguments:
    x -- a real-valued input
    theta -- our parameter, a real number as well

    Returns:
    J -- the value of function J, computed using the formula
    """
    #(approx. 1 line)
    # J = 
    # YOUR CODE STARTS HERE
    J = theta * x
    # YOUR CODE ENDS HERE

    return J


# In[3]:


x, theta = 2, 4
J = forward_propagation(x, theta)
print ("J = " + str(J))
forward_propagation_test(forward_propagation)


# In[4]:


# GRADED FUNCTION: backward_propagation

def backward_propagation(x, theta):
    """
    The derivative of J with respect to theta.

    Arguments:
    x -- a real-valued input
    theta -- our parameter, a real number as well

    Returns:
    dtheta -- the gradient of the cost with respect to theta
    """
    #(approx. 1 line)
    # dtheta = 
    # YOUR CODE STARTS HERE
    dtheta = x
    # YOUR CODE ENDS HERE

    return dtheta


# In[5]:


x, theta = 2, 4
dtheta = backward_propagation(x, theta)
print ("dtheta = " + str(dtheta))
backward_propagation_test(backward_propagation)


# In[6]:


# GRADED FUNCTION: gradient_check

def gradient_check(x, theta, epsilon = 1e-7, print_msg=False):
    """
    Compare backward_propagation's gradient with a two-sided estimate.

    Arguments:
    x -- a float input
    theta -- our parameter, a float as well
    epsilon -- tiny shift to the input to compute approximated gradient

    Returns:
    difference -- the relative difference between the two
    """
    # The estimate: the two-sided difference quotient.
    #(approx. 5 lines)
    # thetaplus = 
    # thetaminus = 
    # J_plus = 
    # J_minus = 
    # gradapprox = 
    # YOUR CODE STARTS HERE
    thetaplus = theta + epsilon
    thetaminus = theta - epsilon
    J_plus = forward_propagation(x, thetaplus)
    J_minus = forward_propagation(x, thetaminus)
    gradapprox = (J_plus - J_minus) / (2 * epsilon)
    # YOUR CODE ENDS HERE

    # Check if gradapprox is close enough to the output of backward_propagation()
    #(≈ 1 lines of code)
    # YOUR CODE STARTS HERE
    grad = gradapprox
    # YOUR CODE ENDS HERE

    #(approx. 3 lines)
    # numerator = 
    # denominator = 
    # difference = 
    # YOUR CODE STARTS HERE
    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    difference = numerator / denominator
    # YOUR CODE ENDS HERE

    if print_msg:
        if difference > 2e-7:
            print ("\033[93m" + "There is a mistake in the backward propagation! difference = " + str(difference) + "\033[0m")
        else:
            print ("\033[92m" + "Your backward propagation works perfectly fine! difference = " + str(difference) + "\033[0m")

    return difference


# In[7]:


x, theta = 3, 4
difference = gradient_check(x, theta, print_msg=True)


# ## 2 - N-dimensional gradient checking
# 
# The forward and backward passes are given.


# In[8]:


def forward_propagation_n(X, Y, parameters):
    """
    The forward pass of the three-layer network and its cost.
    Returns the cost (the logistic cost of one example) and a cache for the backward pass.
    """
    m = X.shape[1]
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]
    W3 = parameters["W3"]
    b3 = parameters["b3"]

    # LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID
    Z1 = np.dot(W1, X) + b1
    A1 = relu(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = relu(Z2)
    Z3 = np.dot(W3, A2) + b3
    A3 = sigmoid(Z3)

    # Cost
    logprobs = np.multiply(-np.log(A3), Y) + np.multiply(-np.log(1 - A3), 1 - Y)
    cost = 1. / m * np.sum(logprobs)

    cache = (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)

    return cost, cache


# In[9]:


def backward_propagation_n(X, Y, cache):
    """
    The backward pass of the three-layer network: the gradients of the cost, in a dictionary.
    """
    m = X.shape[1]
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache

    dZ3 = A3 - Y
    dW3 = 1. / m * np.dot(dZ3, A2.T)
    db3 = 1. / m * np.sum(dZ3, axis=1, keepdims=True)

    dA2 = np.dot(W3.T, dZ3)
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1. / m * np.dot(dZ2, A1.T)
    db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)

    dA1 = np.dot(W2.T, dZ2)
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1. / m * np.dot(dZ1, X.T)
    db1 = 1. / m * np.sum(dZ1, axis=1, keepdims=True)

    gradients = {"dZ3": dZ3, "dW3": dW3, "db3": db3,
                 "dA2": dA2, "dZ2": dZ2, "dW2": dW2, "db2": db2,
                 "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}

    return gradients


# In[10]:


# GRADED FUNCTION: gradient_check_n

def gradient_check_n(parameters, gradients, X, Y, epsilon = 1e-7, print_msg=False):
    """
    Check that backward_propagation_n computes the gradient of the cost of forward_propagation_n.

    Arguments:
    parameters -- dictionary with "W1", "b1", "W2", "b2", "W3", "b3"
    grad -- output of backward_propagation_n, the gradients of the cost
    X -- input datapoints, of shape (input size, 1)
    Y -- true "label"
    epsilon -- tiny shift to the input to compute approximated gradient

    Returns:
    difference -- the relative difference between the two
    """
    # Set-up variables
    parameters_values, _ = dictionary_to_vector(parameters)
    grad = gradients_to_vector(gradients)
    num_parameters = parameters_values.shape[0]
    J_plus = np.zeros((num_parameters, 1))
    J_minus = np.zeros((num_parameters, 1))
    gradapprox = np.zeros((num_parameters, 1))

    # Compute gradapprox
    for i in range(num_parameters):

        # J_plus[i]: the cost with entry i moved up by epsilon
        #(approx. 3 lines)
        # thetaplus = 
        # thetaplus[i] = 
        # J_plus[i], _ = 
        # YOUR CODE STARTS HERE
        thetaplus = np.copy(parameters_values)
        thetaplus[i][0] += epsilon
        J_plus[i], _ = forward_propagation_n(X, Y, vector_to_dictionary(thetaplus))
        # YOUR CODE ENDS HERE

        # J_minus[i]: the cost with entry i moved down by epsilon
        #(approx. 3 lines)
        # thetaminus = 
        # thetaminus[i] = 
        # J_minus[i], _ = 
        # YOUR CODE STARTS HERE
        thetaminus = np.copy(parameters_values)
        thetaminus[i][0] -= epsilon
        J_minus[i], _ = forward_propagation_n(X, Y, vector_to_dictionary(thetaminus))
        # YOUR CODE ENDS HERE

        # gradapprox[i]
        #(approx. 1 line)
        # gradapprox[i] = 
        # YOUR CODE STARTS HERE
        gradapprox[i] = (J_plus[i] - J_minus[i]) / (2 * epsilon)
        # YOUR CODE ENDS HERE

    # Compare gradapprox to the gradients of backward propagation
    #(approx. 3 lines)
    # numerator = 
    # denominator = 
    # difference = 
    # YOUR CODE STARTS HERE
    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    difference = numerator / denominator
    # YOUR CODE ENDS HERE

    if print_msg:
        if difference > 2e-7:
            print ("\033[93m" + "There is a mistake in the backward propagation! difference = " + str(difference) + "\033[0m")
        else:
            print ("\033[92m" + "Your backward propagation works perfectly fine! difference = " + str(difference) + "\033[0m")

    return difference


# In[11]:


X, Y, parameters = gradient_check_n_test_case()

cost, cache = forward_propagation_n(X, Y, parameters)
gradients = backward_propagation_n(X, Y, cache)
difference = gradient_check_n(parameters, gradients, X, Y, 1e-7, True)
expected_values = [0.2850931567761623, 1.1890913024229996e-07]
assert not(type(difference) == np.ndarray), "difference must be a number, not an array"
assert np.any(np.isclose(difference, expected_values)), "Unexpected difference"


# **What to remember**: gradient checking is slow; use it to debug, then turn it off.
