"""Attack: skip the worker and write hand-made frames on the channel socket, each breaking a rule of the wire
format (object dtype, oversized header, shape that does not match its buffer, nesting too deep, buffers that
claim exabytes, a buffer used twice, a message out of turn) or spoofing a type (an "opaque" float).

Defence: ``grader.wire.read_frame`` trusts nothing (tags, dtypes, shapes against buffer sizes, depth, node count,
total size) and ``StudentSession`` turns a broken or out-of-turn reply into ``BadReply`` and a fresh process.
No check may pass, none may fail inside the grader, and the batch goes on.
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


def _frame(value, buffers=(), header_len=None):
    header = json.dumps({"v": value, "n": len(buffers)}).encode()
    out = struct.pack("!I", len(header) if header_len is None else header_len) + header
    for size, data in buffers:
        out += struct.pack("!Q", size) + data
    return out


def _reply(value):
    return {"$": "dict", "items": [["op", "reply"], ["ok", True], ["value", value]]}


def _send(data):
    fd = _channel()
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os._exit(0)


def layer_sizes(X, Y):
    _send(_frame(_reply({"$": "nd", "buf": 0, "dtype": "|O", "shape": [3]}), [(24, b"\0" * 24)]))


def initialize_parameters(n_x, n_h, n_y):
    _send(_frame(_reply(None), header_len=2**32 - 1))


def forward_propagation(X, parameters):
    value = {"$": "tuple", "items": [{"$": "nd", "buf": 0, "dtype": "<f8", "shape": [2**40, 2**40]}, {"$": "dict", "items": []}]}
    _send(_frame(_reply(value), [(8, b"\0" * 8)]))


def compute_cost(A2, Y):
    _send(_frame(_reply({"$": "opaque", "type": "float", "text": "0.6931471805599453"})))


def backward_propagation(parameters, cache, X, Y):
    value = 0.0
    for _ in range(200):
        value = [value]
    _send(_frame(_reply(value)))


def update_parameters(parameters, grads, learning_rate=1.2):
    claim = struct.pack("!Q", 2**60)
    header = json.dumps({"v": _reply(None), "n": 10000}).encode()
    _send(struct.pack("!I", len(header)) + header + claim * 8)


def predict(parameters, X):
    node = {"$": "nd", "buf": 0, "dtype": "|b1", "shape": [1, X.shape[1]]}
    _send(_frame(_reply({"$": "tuple", "items": [node, node]}), [(X.shape[1], b"\1" * X.shape[1])]))


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    _send(_frame({"$": "dict", "items": [["op", "ready"], ["errors", []], ["defined", []]]}))
