"""Attack: return, raise and print values as large and as hostile as the channel carries, so that the grader builds
huge strings (previews, messages, reports) or writes characters that no output format may hold.

- layer_sizes returns a 7 MB string; initialize_parameters a dict with one 4 MB key;
- forward_propagation returns a list of 150,000 ints and a list nested 60 deep;
- compute_cost returns an integer of 4,000 digits;
- backward_propagation raises with a message of 10 MB of terminal escapes, NUL bytes, lone surrogates and markup;
- update_parameters prints 2 MB of escapes, NUL bytes and bytes that are not UTF-8, then returns None;
- predict returns an object the channel cannot carry, whose class name and repr are long and hostile;
- nn_model raises with spreadsheet formulas and markup in its message.

Defence: bounds.py and the previews of checking.py: every text a result holds is bounded and printable, whatever
the value; every file under 1 MB, none with a raw control character.
"""

import os
import sys

import numpy as np

HOSTILE = "\x00\x1b[2J\x1b]0;pwned\x07\x0c\x85\x9b31m\ud800\udfff\ufffe</pre><script>alert(1)</script> # x\n| a |"


def layer_sizes(X, Y):
    return "A" * (7 * 2**20)


def initialize_parameters(n_x, n_h, n_y):
    return {"K" * (4 * 2**20): np.zeros((n_h, n_x))}


def forward_propagation(X, parameters):
    deep = [0]
    for _ in range(60):
        deep = [deep]
    return list(range(150_000)), deep


def compute_cost(A2, Y):
    return 10**4000


def backward_propagation(parameters, cache, X, Y):
    raise ValueError(HOSTILE * (10 * 2**20 // len(HOSTILE)))


def update_parameters(parameters, grads, learning_rate=1.2):
    chunk = b"\x00\x1b[2J\x1b[31m\xff\xfe\xc3\x28\x9b\x85 " * 4096
    for _ in range(2 * 2**20 // len(chunk)):
        try:
            sys.stdout.buffer.write(chunk)
        except Exception:
            os.write(1, chunk)
    sys.stdout.flush()


def predict(parameters, X):
    return type("Evil" * 100_000, (), {"__repr__": lambda self: HOSTILE * 1000})()


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    raise RuntimeError('=HYPERLINK("http://evil","click") +1 -1 @SUM(A1) ' + HOSTILE)
