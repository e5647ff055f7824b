"""Attack, part 2 (graded after persist_1_writer.py): implement nothing, and run whatever an earlier submission
of the batch left behind: files in the previous scratch folders, /tmp, /dev/shm, /var/tmp, a System V shared
memory segment, a System V message queue, a POSIX message queue. If any channel works this submission scores
10/10 with someone else's code.

Defence: see persist_1_writer.py. Score 0, and the report must show every channel closed.
"""

import ctypes
import json
import os
import zlib

MARKER = "@@MARKER@@"
_CODE = {}
_FOUND = {}


def _files():
    paths = [f"/tmp/{MARKER}-state", f"/dev/shm/{MARKER}-state", f"/var/tmp/{MARKER}-state", "../state.txt"]
    try:
        paths += [os.path.join("..", d, "state.txt") for d in os.listdir("..")]
    except OSError as exc:
        _FOUND["ls .."] = type(exc).__name__
    for path in paths:
        try:
            with open(path, "rb") as fh:
                yield path, fh.read()
        except OSError as exc:
            _FOUND[path] = type(exc).__name__


def _ipc():
    libc = ctypes.CDLL(None, use_errno=True)
    key = zlib.crc32(MARKER.encode()) & 0x7FFFFFFF
    libc.shmat.restype = ctypes.c_void_p
    libc.shmat.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_int)
    segment = libc.shmget(key, 0, 0)
    if segment >= 0:
        address = libc.shmat(segment, None, 0o10000)  # SHM_RDONLY
        if address not in (None, 2**64 - 1):
            yield "sysv shm", ctypes.string_at(address)
    else:
        _FOUND["sysv shm"] = f"errno {ctypes.get_errno()}"
    queue = libc.msgget(key + 1, 0)
    if queue >= 0:
        chunks = []
        buffer = ctypes.create_string_buffer(8 + 4000)
        while True:
            size = libc.msgrcv(queue, buffer, 4000, 0, 0o4000)
            if size <= 0:
                break
            chunks.append(buffer.raw[8:8 + size])
        yield "sysv msg", b"".join(chunks)
    else:
        _FOUND["sysv msg"] = f"errno {ctypes.get_errno()}"
    libc.mq_open.restype = ctypes.c_int
    mq = libc.mq_open(f"/{MARKER}".encode(), 0o4000, 0, None)  # O_RDONLY | O_NONBLOCK
    if mq >= 0:
        buffer = ctypes.create_string_buffer(1 << 16)
        size = libc.mq_receive(mq, buffer, 1 << 16, None)
        if size > 0:
            yield "posix mq", buffer.raw[:size]
    else:
        _FOUND["posix mq"] = f"errno {ctypes.get_errno()}"


def _steal():
    if _CODE:
        return
    for channel, data in [*_files(), *_ipc()]:
        text = data.decode("utf-8", "replace")
        if "def nn_model" not in text:
            _FOUND[channel] = "empty"
            continue
        try:
            exec(compile(text, channel, "exec"), _CODE)
            _FOUND[channel] = "worked"
            print("REPORT " + json.dumps(_FOUND))
            return
        except Exception as exc:
            _FOUND[channel] = type(exc).__name__


def _use(name, *args, **kwargs):
    _steal()
    if name in _CODE:
        return _CODE[name](*args, **kwargs)
    raise RuntimeError("REPORT " + json.dumps(_FOUND))


def layer_sizes(X, Y):
    return _use("layer_sizes", X, Y)


def initialize_parameters(n_x, n_h, n_y):
    return _use("initialize_parameters", n_x, n_h, n_y)


def forward_propagation(X, parameters):
    return _use("forward_propagation", X, parameters)


def compute_cost(A2, Y):
    return _use("compute_cost", A2, Y)


def backward_propagation(parameters, cache, X, Y):
    return _use("backward_propagation", parameters, cache, X, Y)


def update_parameters(parameters, grads, learning_rate=1.2):
    return _use("update_parameters", parameters, grads, learning_rate)


def predict(parameters, X):
    return _use("predict", parameters, X)


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    return _use("nn_model", X, Y, n_h, num_iterations=num_iterations, print_cost=print_cost)
