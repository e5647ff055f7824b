"""Attack: hand-made reply frames that the channel's checks once let through to numpy or to a dict: a zero-size
array of shape [0, 10**30] (numpy's reshape raised a plain ValueError, which the checks reported as the grader's own
error and the batch exited 3), shapes of 33 and of 2**28 + 1 dimensions, 100,000 dict keys that all hash to 0
(building that dict costs the grader minutes), and an int of 5,000 digits.

Defence: ``grader.wire.decode`` bounds every dimension, the element count and colliding keys before numpy or a dict
sees them and raises only WireError; the session turns it into BadReply and a fresh process. No check may pass, none
may fail inside the grader, and the batch finishes in seconds.
"""

import json
import os
import stat
import struct


def _channel():
    for fd in range(3, 1024):
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                return fd
        except OSError:
            continue
    raise RuntimeError("no channel socket")


def _send(value, buffers=(), raw=None):
    header = raw or json.dumps({"v": {"$": "dict", "items": [["op", "reply"], ["ok", True], ["value", value]]},
                                "n": len(buffers)}).encode()
    data = struct.pack("!I", len(header)) + header
    for buf in buffers:
        data += struct.pack("!Q", len(buf)) + buf
    view = memoryview(data)
    fd = _channel()
    while view:
        view = view[os.write(fd, view):]
    os._exit(0)


def _array(shape):
    return {"$": "nd", "buf": 0, "dtype": "<f8", "shape": shape}


def layer_sizes(X, Y):
    _send({"$": "tuple", "items": [_array([0, 10**30]), 4, 1]}, [b""])


def initialize_parameters(n_x, n_h, n_y):
    _send(_array([1] * 33), [b"\0" * 8])


def forward_propagation(X, parameters):
    _send(_array([0, 2**28 + 1]), [b""])


def compute_cost(A2, Y):
    keys = [[i * (2**61 - 1), i] for i in range(100_000)]
    _send({"$": "dict", "items": keys})


def backward_propagation(parameters, cache, X, Y):
    _send(None, raw=b'{"v":' + b"9" * 5000 + b',"n":0}')


def update_parameters(parameters, grads, learning_rate=1.2):
    _send({"$": "tuple", "items": [_array([0, 2**62, 2**62]), 1]}, [b""])


def predict(parameters, X):
    _send(_array([2**40, 0]), [b""])


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    _send({"$": "dict", "items": [[[i * (2**61 - 1)], 0] for i in range(10)]})
