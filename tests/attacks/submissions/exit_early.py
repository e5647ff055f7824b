"""Attack: leave early in every way there is, hoping that an exit code of 0, an exception the grader does not
catch or a process that vanishes mid-call reads as "passed": sys.exit(0), os._exit(0), KeyboardInterrupt,
SystemExit with a cheerful message, SIGKILL to itself, abort, SIGTERM, closing the channel.

Defence: the worker turns every BaseException into an error reply; a process that dies mid-call is a crash;
the grader only counts checks that pass in its own process. Every check must end in error, score 0.
"""

import os
import signal
import stat
import sys


def layer_sizes(X, Y):
    sys.exit(0)


def initialize_parameters(n_x, n_h, n_y):
    os._exit(0)


def forward_propagation(X, parameters):
    raise KeyboardInterrupt


def compute_cost(A2, Y):
    raise SystemExit("All tests passed. 10/10")


def backward_propagation(parameters, cache, X, Y):
    os.kill(os.getpid(), signal.SIGKILL)


def update_parameters(parameters, grads, learning_rate=1.2):
    os.abort()


def predict(parameters, X):
    signal.raise_signal(signal.SIGTERM)


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    for fd in range(3, 1024):
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)
        except OSError:
            pass
    return {"W1": 0}
