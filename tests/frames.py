"""Hypothesis strategies for hostile wire frames: random bytes, and frames built to reach every check of
``wire.decode`` (bad and good dtypes, shapes with huge, negative and zero dimensions, buffers that do and do not
match, reused and missing buffers, colliding dict keys, deep nesting, wrong tags), then cut, flipped or padded.
Shared by test_wire.py (``decode``) and test_session.py (a real session)."""

from __future__ import annotations

import json
import math
import struct
from typing import Any

import numpy as np
from hypothesis import strategies as st

from grader import wire

DTYPES = sorted(wire.ALLOWED_DTYPES) + ["|O", ">f8", "<U4", "|V8", "<M8[s]", "f8", "", "<f16", 7]
DIMENSIONS = st.one_of(
    st.integers(0, 5),
    st.sampled_from([0, 1, 2**28, 2**28 + 1, 2**31, 2**63, 10**30, -1, -(2**63)]),
    st.integers(-(2**70), 2**70),
)
COLLIDING = 2**61 - 1  # ints that are multiples of it all hash to 0


@st.composite
def _array(draw: Any, buffers: list[bytes]) -> dict[str, Any]:
    dtype = draw(st.sampled_from(DTYPES))
    ndim = draw(st.sampled_from([0, 1, 2, 3, 33, 70]))
    shape: Any = draw(st.lists(DIMENSIONS, min_size=min(ndim, 4), max_size=min(ndim, 4)))
    if ndim > 4:
        shape = shape + [draw(st.sampled_from([0, 1]))] * (ndim - len(shape))
    try:
        itemsize = np.dtype(dtype).itemsize
    except TypeError:
        itemsize = 8
    count = math.prod(shape) if all(n >= 0 for n in shape) else -1
    if draw(st.booleans()) and 0 <= count * itemsize <= 512:
        size = count * itemsize  # consistent: the data reach numpy
    else:
        size = draw(st.integers(0, 64))
    buffers.append(draw(st.binary(min_size=size, max_size=size)))
    node: dict[str, Any] = {"$": "nd", "buf": len(buffers) - 1, "dtype": dtype, "shape": shape}
    twist = draw(st.sampled_from(["none", "none", "index", "scalar", "extra", "shape-type"]))
    if twist == "index":
        node["buf"] = draw(st.sampled_from([0, -1, 10**6, "0", None, 1.0]))
    elif twist == "scalar":
        node["scalar"] = draw(st.sampled_from([True, False, 1, None]))
    elif twist == "extra":
        node["data"] = "x"
    elif twist == "shape-type":
        node["shape"] = draw(st.sampled_from([None, "3", {"a": 1}, [1.5], [True], [[1]]]))
    return node


@st.composite
def _node(draw: Any, buffers: list[bytes], depth: int) -> Any:
    leaves = ["none", "bool", "int", "float", "text", "nonfinite", "opaque", "array", "junk"]
    kinds = leaves + (["list", "dict", "tuple", "collide"] if depth < 4 else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "none":
        return None
    if kind == "bool":
        return draw(st.booleans())
    if kind == "int":
        return draw(st.one_of(st.integers(), st.sampled_from([2**64, -(2**63), 10**4000])))
    if kind == "float":
        return draw(st.floats(allow_nan=False, allow_infinity=False))
    if kind == "text":
        return draw(st.text(max_size=30))
    if kind == "nonfinite":
        return {"$": "float", "v": draw(st.sampled_from(["nan", "inf", "-inf", "1e999", 3, None]))}
    if kind == "opaque":
        return {"$": "opaque", "type": draw(st.sampled_from(["Foo", "float", 3, None])), "text": "x" * draw(
            st.integers(0, 300))}
    if kind == "array":
        return draw(_array(buffers))
    if kind == "junk":
        return draw(st.sampled_from([{"$": "pickle", "data": "gASV"}, {"$": "dict"}, {"$": "tuple", "items": 3},
                                     {"$": "dict", "items": [[1]]}, {"$": "dict", "items": [[[1], 2]]}, {},
                                     {"$": "nd"}, {"$": None}]))
    children = draw(st.lists(_node(buffers, depth + 1), max_size=4))
    if kind == "list":
        return children
    if kind == "tuple":
        return {"$": "tuple", "items": children}
    if kind == "dict":
        keys = draw(st.lists(st.one_of(st.text(max_size=5), st.integers(), _node(buffers, depth + 1)),
                             min_size=len(children), max_size=len(children)))
        return {"$": "dict", "items": [[k, v] for k, v in zip(keys, children)]}
    count = draw(st.sampled_from([2, wire.MAX_HASH_COLLISIONS, wire.MAX_HASH_COLLISIONS + 1, 500]))
    return {"$": "dict", "items": [[i * COLLIDING, i] for i in range(count)]}


@st.composite
def hostile_frames(draw: Any) -> bytes:
    """One frame, most often almost valid, sometimes mangled."""
    buffers: list[bytes] = []
    tree = draw(_node(buffers, 0))
    header_obj: Any = {"v": tree, "n": len(buffers)}
    shape = draw(st.sampled_from(["ok"] * 6 + ["count", "extra", "list", "deep", "digits"]))
    if shape == "count":
        header_obj["n"] = draw(st.sampled_from([-1, wire.MAX_BUFFERS + 1, len(buffers) + 1, "1", 2**70]))
    elif shape == "extra":
        header_obj["x"] = 1
    elif shape == "list":
        header_obj = [tree]
    elif shape == "deep":
        header_obj = {"v": json.loads("[" * 70 + "1" + "]" * 70), "n": 0}
    header = json.dumps(header_obj).encode()
    if shape == "digits":  # more digits than Python turns into an int
        header = b'{"v":' + b"9" * 5000 + b',"n":0}'
    claimed = draw(st.sampled_from([len(header)] * 8 + [0, len(header) + 1, 2**32 - 1, wire.MAX_HEADER_BYTES + 1]))
    frame = struct.pack("!I", claimed) + header
    for buf in buffers:
        size = draw(st.sampled_from([len(buf)] * 8 + [len(buf) + 1, 2**63, 2**60]))
        frame += struct.pack("!Q", size) + buf
    mangle = draw(st.sampled_from(["none"] * 6 + ["cut", "flip", "pad"]))
    if mangle == "cut" and frame:
        frame = frame[: draw(st.integers(0, len(frame) - 1))]
    elif mangle == "flip" and frame:
        at = draw(st.integers(0, len(frame) - 1))
        frame = frame[:at] + bytes([frame[at] ^ draw(st.integers(1, 255))]) + frame[at + 1 :]
    elif mangle == "pad":
        frame += draw(st.binary(min_size=1, max_size=16))
    return frame


frames = st.one_of(st.binary(max_size=200), hostile_frames())


def plain(value: Any) -> bool:
    """Whether a decoded value is made of plain types only, its arrays fresh base ndarrays owning their data."""
    if value is None or type(value) in (bool, int, float, str, wire.Opaque):
        return True
    if isinstance(value, np.generic):
        return type(value).__module__ == "numpy"
    if type(value) is np.ndarray:
        return value.flags.owndata and value.base is None
    if type(value) in (list, tuple):
        return all(plain(v) for v in value)
    if type(value) is dict:
        return all(plain(k) and plain(v) for k, v in value.items())
    return False
