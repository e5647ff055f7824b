"""The plain-data channel: round trips, and hostile frames that must be refused without building anything."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import wire


def frame(header: object, *buffers: bytes) -> bytes:
    text = json.dumps(header).encode()
    out = struct.pack("!I", len(text)) + text
    for buf in buffers:
        out += struct.pack("!Q", len(buf)) + buf
    return out


def test_round_trip_keeps_types():
    value = {
        "W1": np.arange(6, dtype=np.float32).reshape(2, 3),
        "mask": np.array([[True, False]]),
        3: (1, 2.5, None, True, "text"),
        (1, "k"): [np.float64(0.25), np.int64(7), np.bool_(False)],
        "nan": float("nan"),
        "inf": float("-inf"),
        "big": 10**40,
        "empty": np.zeros((0, 4)),
    }
    back = wire.decode(wire.encode(value))
    assert set(back) == set(value)
    assert back["W1"].dtype == np.float32 and back["W1"].shape == (2, 3) and np.array_equal(back["W1"], value["W1"])
    assert back["mask"].dtype == np.bool_
    assert back[3] == value[3] and type(back[3]) is tuple
    assert type(back[(1, "k")][0]) is np.float64 and type(back[(1, "k")][1]) is np.int64
    assert np.isnan(back["nan"]) and back["inf"] == float("-inf")
    assert back["big"] == 10**40
    assert back["empty"].shape == (0, 4)


def test_decoded_arrays_are_plain_and_own_their_memory():
    class Sneaky(np.ndarray):
        def __eq__(self, other):  # pragma: no cover - must never run in the grader
            return True

    sneaky = np.arange(4.0).view(Sneaky)
    back = wire.decode(wire.encode(sneaky))
    assert type(back) is np.ndarray
    assert back.flags.owndata and back.flags.writeable
    assert not np.array_equal(back, np.zeros(4))


def test_objects_become_opaque():
    class Thing:
        def __repr__(self):
            return "Thing()"

    back = wire.decode(wire.encode({"x": Thing(), "f": len}))
    assert back["x"] == wire.Opaque("Thing", "Thing()")
    assert back["f"].type_name == "builtin_function_or_method"


def test_object_arrays_never_cross():
    back = wire.decode(wire.encode(np.array([object()], dtype=object)))
    assert isinstance(back, wire.Opaque)


@pytest.mark.parametrize(
    ("header", "buffers", "reason"),
    [
        ({"v": {"$": "nd", "buf": 0, "dtype": "|O", "shape": [1]}, "n": 1}, [b"\0" * 8], "dtype"),
        ({"v": {"$": "nd", "buf": 0, "dtype": "<f8", "shape": [10**9, 10**9]}, "n": 1}, [b"\0" * 8], "match"),
        ({"v": {"$": "nd", "buf": 0, "dtype": "<f8", "shape": [-1]}, "n": 1}, [b"\0" * 8], "shape"),
        ({"v": {"$": "nd", "buf": 1, "dtype": "<f8", "shape": [1]}, "n": 1}, [b"\0" * 8], "buffer"),
        ({"v": [{"$": "nd", "buf": 0, "dtype": "<f8", "shape": [1]}] * 2, "n": 1}, [b"\0" * 8], "reused"),
        ({"v": {"$": "pickle", "data": "gASV"}, "n": 0}, [], "tag"),
        ({"v": {"$": "dict", "items": [[[1], 2]]}, "n": 0}, [], "hashable"),
        ({"v": 1, "n": 0, "extra": 1}, [], "shape"),
        ({"v": {"$": "float", "v": "1e999999"}, "n": 0}, [], "non-finite"),
    ],
)
def test_hostile_frames_are_refused(header, buffers, reason):
    with pytest.raises(wire.WireError, match=reason):
        wire.decode(frame(header, *buffers))


def test_size_claims_are_checked_before_allocation():
    huge = struct.pack("!I", 2**31)
    with pytest.raises(wire.WireError, match="too large"):
        wire.decode(huge + b"{}")
    claim = frame({"v": None, "n": 1}) + struct.pack("!Q", 2**60)
    with pytest.raises(wire.WireError, match="larger than"):
        wire.decode(claim)


def test_deep_nesting_is_refused():
    deep: object = 1
    for _ in range(wire.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(wire.WireError, match="nested"):
        wire.encode(deep)
    text = "[" * 5000 + "]" * 5000
    raw = struct.pack("!I", len(text) + 12) + ('{"v":' + text + ',"n":0}').encode()
    with pytest.raises(wire.WireError):
        wire.decode(raw)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash_the_decoder(data):
    try:
        wire.decode(data)
    except wire.WireError:
        pass


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    | st.tuples(children, children),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_plain_values_round_trip(value):
    assert wire.decode(wire.encode(value)) == value
