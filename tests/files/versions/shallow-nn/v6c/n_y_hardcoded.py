#!/usr/bin/env python
# coding: utf-8

# # Planar data classification with one hidden layer
# 
# A first network with a hidden layer: one tanh layer and a sigmoid output, trained on points that no straight line separates.


# In[1]:


get_ipython().system('pwd')
get_ipython().system('ls')


# ## 1 - Packages ##
# 
# numpy, sklearn, matplotlib, the test cases and `planar_utils`.


# In[2]:


# Package imports
import numpy as np
import matplotlib.pyplot as plt
from testCases_v2 import *
import sklearn
import sklearn.datasets
import sklearn.linear_model
from planar_utils import plot_decision_boundary, sigmoid, load_planar_dataset, load_extra_datasets

get_ipython().run_line_magic('matplotlib', 'inline')

np.random.seed(1) # a fixed seed, so that the results are reproducible


# ## 2 - Dataset ##
# 
# A two-class data set shaped like a flower.


# In[3]:


X, Y = load_planar_dataset()


# In[4]:


# Visualize the data:
plt.scatter(X[0, :], X[1, :], c=Y, s=40, cmap=plt.cm.Spectral);


# In[5]:


shape_X = X.shape
shape_Y = Y.shape
m = X.shape[1]  # training set size

print ('The shape of X is: ' + str(shape_X))
print ('The shape of Y is: ' + str(shape_Y))
print ('I have m = %d training examples!' % (m))


# ## 3 - Simple Logistic Regression
# 
# A linear classifier first, for comparison.


# In[6]:


clf = sklearn.linear_model.LogisticRegressionCV();
clf.fit(X.T, Y.ravel());


# In[7]:


plot_decision_boundary(lambda x: clf.predict(x), X, Y)
plt.title("Logistic Regression")

LR_predictions = clf.predict(X.T)
print ('Accuracy of logistic regression: %d ' % float((np.dot(Y,LR_predictions) + np.dot(1-Y,1-LR_predictions))/float(Y.size)*100) + '% ')


# ## 4 - Neural Network model
# 
# One hidden layer of tanh units, a sigmoid output.


# ### 4.1 - Defining the neural network structure


# In[8]:


# GRADED FUNCTION: layer_sizes

def layer_sizes(X, Y):
    """
    Sizes of the three layers.

    Arguments:
    X -- input data, of shape (input size, number of examples)
    Y -- labels, of shape (output size, number of examples)

    Returns:
    n_x -- size of the input layer
    n_h -- size of the hidden layer
    n_y -- size of the output layer
    """
    ### START CODE HERE ### (≈ 3 lines of code)
    n_x = X.shape[0]
    n_h = 4
    n_y = 1
    ### END CODE HERE ###
    return (n_x, n_h, n_y)


# In[9]:


X_assess, Y_assess = layer_sizes_test_case()
(n_x, n_h, n_y) = layer_sizes(X_assess, Y_assess)
print("n_x = " + str(n_x))
print("n_h = " + str(n_h))
print("n_y = " + str(n_y))


# ### 4.2 - Initialize the model's parameters


# In[10]:


# GRADED FUNCTION: initialize_parameters

def initialize_parameters(n_x, n_h, n_y):
    """
    Random weights and zero biases.

    Arguments:
    n_x -- size of the input layer
    n_h -- size of the hidden layer
    n_y -- size of the output layer

    Returns:
    params -- dictionary with W1 (n_h, n_x), b1 (n_h, 1), W2 (n_y, n_h) and b2 (n_y, 1)
    """
    np.random.seed(2) # fixed, so that the numbers match the expected output

    ### START CODE HERE ### (≈ 4 lines of code)
    W1 = np.random.randn(n_h, n_x) * 0.01
    b1 = np.zeros((n_h, 1))
    W2 = np.random.randn(n_y, n_h) * 0.01
    b2 = np.zeros((n_y, 1))
    ### END CODE HERE ###

    assert (W1.shape == (n_h, n_x))
    assert (b1.shape == (n_h, 1))
    assert (W2.shape == (n_y, n_h))
    assert (b2.shape == (n_y, 1))

    parameters = {"W1": W1,
                  "b1": b1,
                  "W2": W2,
                  "b2": b2}

    return parameters


# In[11]:


n_x, n_h, n_y = initialize_parameters_test_case()
parameters = initialize_parameters(n_x, n_h, n_y)
print("W1 = " + str(parameters["W1"]))
print("b2 = " + str(parameters["b2"]))


# ### 4.3 - The Loop: forward propagation


# In[12]:


# GRADED FUNCTION: forward_propagation

def forward_propagation(X, parameters):
    """
    Forward pass through the network.

    Argument:
    X -- input data of size (n_x, m)
    parameters -- dictionary of the parameters (what initialize_parameters returns)

    Returns:
    A2 -- the sigmoid output of the second layer
    cache -- dictionary with "Z1", "A1", "Z2" and "A2"
    """
    # Retrieve each parameter from the dictionary "parameters"
    ### START CODE HERE ### (≈ 4 lines of code)
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]
    ### END CODE HERE ###

    # Forward propagation: compute A2 (the probabilities)
    ### START CODE HERE ### (≈ 4 lines of code)
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid(Z2)
    ### END CODE HERE ###

    assert(A2.shape == (1, X.shape[1]))

    cache = {"Z1": Z1,
             "A1": A1,
             "Z2": Z2,
             "A2": A2}

    return A2, cache


# In[13]:


X_assess, parameters = forward_propagation_test_case()
A2, cache = forward_propagation(X_assess, parameters)
print(np.mean(cache['Z1']), np.mean(cache['A1']), np.mean(cache['Z2']), np.mean(cache['A2']))


# ### 4.3 - The cost


# In[14]:


# GRADED FUNCTION: compute_cost

def compute_cost(A2, Y, parameters):
    """
    The cross-entropy cost of equation (13).

    Arguments:
    A2 -- sigmoid output of the second layer, of shape (1, number of examples)
    Y -- true labels, of shape (1, number of examples)
    parameters -- dictionary with W1, b1, W2 and b2
    [parameters is not used here; it stays in the signature because the
    course's grader still passes it]

    Returns:
    cost -- the cross-entropy cost of equation (13)
    """
    m = Y.shape[1] # number of examples

    # Compute the cross-entropy cost
    ### START CODE HERE ### (≈ 2 lines of code)
    logprobs = np.multiply(np.log(A2), Y) + np.multiply(1 - Y, np.log(1 - A2))
    cost = -np.sum(logprobs) / m
    ### END CODE HERE ###

    cost = float(np.squeeze(cost))  # a Python float, e.g. [[17]] becomes 17.0
    assert(isinstance(cost, float))

    return cost


# In[15]:


A2, Y_assess, parameters = compute_cost_test_case()
print("cost = " + str(compute_cost(A2, Y_assess, parameters)))


# ### 4.3 - Backward propagation


# In[16]:


# GRADED FUNCTION: backward_propagation

def backward_propagation(parameters, cache, X, Y):
    """
    Backward pass: the gradients of the cost.

    Arguments:
    parameters -- dictionary of the parameters
    cache -- dictionary with "Z1", "A1", "Z2" and "A2"
    X -- input data of shape (2, number of examples)
    Y -- true labels of shape (1, number of examples)

    Returns:
    grads -- dictionary of the gradients with respect to each parameter
    """
    m = X.shape[1]

    # First, retrieve W1 and W2 from the dictionary "parameters".
    ### START CODE HERE ### (≈ 2 lines of code)
    W1 = parameters["W1"]
    W2 = parameters["W2"]
    ### END CODE HERE ###

    # Retrieve also A1 and A2 from dictionary "cache".
    ### START CODE HERE ### (≈ 2 lines of code)
    A1 = cache["A1"]
    A2 = cache["A2"]
    ### END CODE HERE ###

    # Backward propagation: calculate dW1, db1, dW2, db2.
    ### START CODE HERE ### (≈ 6 lines of code, corresponding to 6 equations on slide above)
    dZ2 = A2 - Y
    dW2 = np.dot(dZ2, A1.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    ### END CODE HERE ###

    grads = {"dW1": dW1,
             "db1": db1,
             "dW2": dW2,
             "db2": db2}

    return grads


# In[17]:


parameters, cache, X_assess, Y_assess = backward_propagation_test_case()
grads = backward_propagation(parameters, cache, X_assess, Y_assess)
print ("dW2 = "+ str(grads["dW2"]))
print ("db2 = "+ str(grads["db2"]))


# ### 4.3 - The update


# In[18]:


# GRADED FUNCTION: update_parameters

def update_parameters(parameters, grads, learning_rate = 1.2):
    """
    One step of gradient descent.

    Arguments:
    parameters -- dictionary of the parameters
    grads -- dictionary of the gradients

    Returns:
    parameters -- dictionary of the updated parameters
    """
    # Retrieve each parameter from the dictionary "parameters"
    ### START CODE HERE ### (≈ 4 lines of code)
    W1 = parameters['W1']
    b1 = parameters['b1']
    W2 = parameters['W2']
    b2 = parameters['b2']
    ### END CODE HERE ###

    # Retrieve each gradient from the dictionary "grads"
    ### START CODE HERE ### (≈ 4 lines of code)
    dW1 = grads["dW1"]
    db1 = grads["db1"]
    dW2 = grads["dW2"]
    db2 = grads["db2"]
    ### END CODE HERE ###

    # Update rule for each parameter
    ### START CODE HERE ### (≈ 4 lines of code)
    W1 = W1 - learning_rate * dW1
    b1 = b1 - learning_rate * db1
    W2 = W2 - learning_rate * dW2
    b2 = b2 - learning_rate * db2
    ### END CODE HERE ###

    parameters = {"W1": W1,
                  "b1": b1,
                  "W2": W2,
                  "b2": b2}

    return parameters


# In[19]:


parameters, grads = update_parameters_test_case()
parameters = update_parameters(parameters, grads)
print("b2 = " + str(parameters["b2"]))


# ### 4.4 - Integrate the parts in nn_model()


# In[20]:


# GRADED FUNCTION: nn_model

def nn_model(X, Y, n_h, num_iterations = 10000, print_cost=False):
    """
    The whole model: initialize, then loop over forward, cost, backward and update.

    Arguments:
    X -- dataset of shape (2, number of examples)
    Y -- labels of shape (1, number of examples)
    n_h -- size of the hidden layer
    num_iterations -- number of gradient-descent steps
    print_cost -- if True, print the cost every 1000 iterations

    Returns:
    parameters -- the trained parameters, which predict can use
    """
    np.random.seed(3)
    n_x = layer_sizes(X, Y)[0]
    n_y = layer_sizes(X, Y)[2]

    # Initialize parameters
    ### START CODE HERE ### (≈ 1 lines of code)
    parameters = initialize_parameters(n_x, n_h, n_y)
    ### END CODE HERE ###

    # Loop (gradient descent)

    for i in range(0, num_iterations):

        ### START CODE HERE ### (≈ 4 lines of code)
        A2, cache = forward_propagation(X, parameters)
        cost = compute_cost(A2, Y, parameters)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads)
        ### END CODE HERE ###

        # Print the cost every 1000 iterations
        if print_cost and i % 1000 == 0:
            print ("Cost after iteration %i: %f" %(i, cost))

    return parameters


# In[21]:


X_assess, Y_assess = nn_model_test_case()
parameters = nn_model(X_assess, Y_assess, 4, num_iterations=10000, print_cost=True)
print("b2 = " + str(parameters["b2"]))


# ### 4.5 - Predictions


# In[22]:


# GRADED FUNCTION: predict

def predict(parameters, X):
    """
    Predict a class for each example in X.

    Arguments:
    parameters -- dictionary of the parameters
    X -- input data of size (n_x, m)

    Returns
    predictions -- vector of predictions (red: 0 / blue: 1)
    """
    # Forward propagation gives probabilities; 0.5 separates the two classes.
    ### START CODE HERE ### (≈ 2 lines of code)
    A2, cache = forward_propagation(X, parameters)
    predictions = (A2 > 0.5)
    ### END CODE HERE ###

    return predictions


# In[23]:


parameters, X_assess = predict_test_case()
predictions = predict(parameters, X_assess)
print("predictions mean = " + str(np.mean(predictions)))


# Train a network with 4 hidden units on the flower and draw its decision boundary.


# In[24]:


parameters = nn_model(X, Y, n_h = 4, num_iterations = 10000, print_cost=True)

plot_decision_boundary(lambda x: predict(parameters, x.T), X, Y)
plt.title("Decision Boundary for hidden layer size " + str(4))


# In[25]:


predictions = predict(parameters, X)
print ('Accuracy: %d' % float((np.dot(Y, predictions.T) + np.dot(1 - Y, 1 - predictions.T)) / float(Y.size) * 100) + '%')


# ### 4.6 - Tuning hidden layer size (optional/ungraded exercise)


# In[26]:


plt.figure(figsize=(16, 32))
hidden_layer_sizes = [1, 2, 3, 4, 5, 20, 50]
for i, n_h in enumerate(hidden_layer_sizes):
    plt.subplot(5, 2, i+1)
    plt.title('Hidden Layer of size %d' % n_h)
    parameters = nn_model(X, Y, n_h, num_iterations = 5000)
    plot_decision_boundary(lambda x: predict(parameters, x.T), X, Y)
    predictions = predict(parameters, X)
    accuracy = float((np.dot(Y,predictions.T) + np.dot(1-Y,1-predictions.T))/float(Y.size)*100)
    print ("Accuracy for {} hidden units: {} %".format(n_h, accuracy))


# ## 5) Performance on other datasets


# In[27]:


noisy_circles, noisy_moons, blobs, gaussian_quantiles, no_structure = load_extra_datasets()

datasets = {"noisy_circles": noisy_circles,
            "noisy_moons": noisy_moons}

dataset = "noisy_moons"

X, Y = datasets[dataset]
X, Y = X.T, Y.reshape(1, Y.shape[0])
plt.scatter(X[0, :], X[1, :], c=Y, s=40, cmap=plt.cm.Spectral);
