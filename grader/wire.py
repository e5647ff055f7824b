"""The plain-data channel between the grader and a sandboxed student process.

Only these cross it: None, bool, int, float, str, list, tuple, dict, and numpy arrays and scalars of a numeric or
bool dtype. Nothing is ever pickled. A message is one frame on a stream socket::

    u32 header length | header (UTF-8 JSON) | for each buffer: u64 length | raw bytes

The header is a tree of JSON values in which containers are tagged, so that a tuple stays a tuple and a dict may
have non-string keys. Arrays travel as raw buffers referenced by index. ``decode`` trusts nothing: it checks tags,
dtypes, every dimension and the element count, shapes against buffer sizes, nesting depth, node count, total size
and colliding dict keys before anything is built, and the arrays it builds are fresh base ``ndarray`` objects that
own their memory. Whatever the bytes, decoding either returns plain data or raises ``WireError``, never another
exception: a bad frame from a student process is the student's fault, never the grader's (``test_wire`` fuzzes it).

Values the student's side cannot express become ``Opaque``: the grader learns their type name and a short repr and
can say "you returned a Foo object".
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "ALLOWED_DTYPES",
    "MAX_BUFFERS",
    "MAX_DEPTH",
    "MAX_ELEMENTS",
    "MAX_HASH_COLLISIONS",
    "MAX_HEADER_BYTES",
    "MAX_MESSAGE_BYTES",
    "MAX_NDIM",
    "MAX_NODES",
    "Opaque",
    "WireError",
    "decode",
    "encode",
    "read_frame",
]

MAX_HEADER_BYTES = 8 * 2**20
MAX_MESSAGE_BYTES = 256 * 2**20
MAX_DEPTH = 64
MAX_NODES = 200_000
MAX_BUFFERS = 10_000
MAX_NDIM = 32
# No dimension, and no product of the non-zero dimensions, may exceed this: a one-byte element each fills a whole
# message. numpy's own size arithmetic then never overflows (a shape of [0, 10**30] holds no data, yet numpy refuses
# to build it with a plain ValueError).
MAX_ELEMENTS = 256 * 2**20
# Keys of one dict that share a hash value: ints, floats and tuples hash the same in every process, so 100,000 keys
# that are multiples of 2**61 - 1 would make building the dict quadratic (minutes of the grader's time).
MAX_HASH_COLLISIONS = 16

# Little-endian numeric and bool dtypes only: never object, void, string or datetime.
ALLOWED_DTYPES = frozenset(
    np.dtype(code).str
    for code in ("?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16")
)

_HEAD = struct.Struct("!I")
_BUF = struct.Struct("!Q")


class WireError(ValueError):
    """A message that breaks the channel's rules. From the student's side this is the student's fault."""


@dataclass(frozen=True, slots=True)
class Opaque:
    """A value the student's side could not send as plain data."""

    type_name: str
    text: str

    def __repr__(self) -> str:
        return f"<{self.type_name} object: {self.text}>"


# ---------------------------------------------------------------------------------------------------------------
# Encoding (both sides)


def _encode_node(value: Any, buffers: list[bytes], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise WireError(f"data is nested more than {MAX_DEPTH} levels deep")
    if value is None or type(value) in (bool, str):
        return value
    if isinstance(value, bool):  # pragma: no cover - bool cannot be subclassed
        return bool(value)
    if isinstance(value, int) and not isinstance(value, np.generic):
        return int.__index__(value)
    if isinstance(value, float) and not isinstance(value, np.generic):
        f = float.__float__(value)
        return f if math.isfinite(f) else {"$": "float", "v": repr(f)}
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value).view(np.ndarray) if isinstance(value, np.ndarray) else np.asarray(value)
        if arr.dtype.newbyteorder("<").str in ALLOWED_DTYPES and arr.dtype.byteorder == ">":
            arr = arr.astype(arr.dtype.newbyteorder("<"))
        if arr.dtype.str not in ALLOWED_DTYPES:
            return _opaque(value)
        buffers.append(np.ascontiguousarray(arr).tobytes())
        node = {"$": "nd", "buf": len(buffers) - 1, "dtype": arr.dtype.str, "shape": list(arr.shape)}
        if isinstance(value, np.generic):
            node["scalar"] = True
        return node
    if isinstance(value, dict):
        return {"$": "dict", "items": [[_encode_node(k, buffers, depth + 1), _encode_node(v, buffers, depth + 1)]
                                       for k, v in dict.items(value)]}
    if isinstance(value, tuple):
        return {"$": "tuple", "items": [_encode_node(v, buffers, depth + 1) for v in tuple.__iter__(value)]}
    if isinstance(value, list):
        return [_encode_node(v, buffers, depth + 1) for v in list.__iter__(value)]
    if isinstance(value, Opaque):
        return {"$": "opaque", "type": value.type_name, "text": value.text}
    return _opaque(value)


def _opaque(value: Any) -> dict[str, str]:
    try:
        text = repr(value)
    except BaseException:  # the student's __repr__ may do anything
        text = "?"
    return {"$": "opaque", "type": type(value).__name__[:100], "text": text[:200]}


def encode(value: Any) -> bytes:
    """One frame carrying ``value``."""
    buffers: list[bytes] = []
    tree = _encode_node(value, buffers, 0)
    header = json.dumps({"v": tree, "n": len(buffers)}, allow_nan=False, separators=(",", ":")).encode()
    parts = [_HEAD.pack(len(header)), header]
    for buf in buffers:
        parts += [_BUF.pack(len(buf)), buf]
    return b"".join(parts)


# ---------------------------------------------------------------------------------------------------------------
# Decoding (the grader side trusts nothing)


def read_frame(read_exact: Callable[[int], bytes], *, max_bytes: int = MAX_MESSAGE_BYTES) -> Any:
    """Read and decode one frame with ``read_exact(n)``, which returns exactly n bytes or raises."""
    (header_len,) = _HEAD.unpack(read_exact(_HEAD.size))
    if header_len > min(MAX_HEADER_BYTES, max_bytes):
        raise WireError(f"message header of {header_len} bytes is too large")
    try:
        header = json.loads(read_exact(header_len).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise WireError(f"message header is not valid JSON: {str(exc)[:100]}") from None
    if not isinstance(header, dict) or set(header) != {"v", "n"} or type(header["n"]) is not int:
        raise WireError("message header has the wrong shape")
    count = header["n"]
    if not 0 <= count <= MAX_BUFFERS:
        raise WireError(f"message claims {count} buffers")
    budget = max_bytes - header_len
    buffers = []
    for _ in range(count):
        (size,) = _BUF.unpack(read_exact(_BUF.size))
        if size > budget:
            raise WireError(f"message is larger than {max_bytes} bytes")
        budget -= size
        buffers.append(read_exact(size))
    try:
        return _Decoder(buffers).node(header["v"], 0)
    except WireError:
        raise
    except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError, MemoryError) as exc:
        # A belt to the braces of the checks below: whatever slipped past them is still the sender's fault.
        raise WireError(f"message cannot be decoded: {type(exc).__name__}: {str(exc)[:100]}") from None


def decode(frame: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> Any:
    """Decode one complete frame held in memory."""
    view = memoryview(frame)
    pos = 0

    def read_exact(n: int) -> bytes:
        nonlocal pos
        if pos + n > len(view):
            raise WireError("message is truncated")
        chunk = bytes(view[pos : pos + n])
        pos += n
        return chunk

    value = read_frame(read_exact, max_bytes=max_bytes)
    if pos != len(view):
        raise WireError("trailing bytes after the message")
    return value


class _Decoder:
    def __init__(self, buffers: list[bytes]) -> None:
        self.buffers = buffers
        self.used: set[int] = set()
        self.nodes = 0

    def node(self, raw: Any, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise WireError(f"message has more than {MAX_NODES} values")
        if depth > MAX_DEPTH:
            raise WireError(f"data is nested more than {MAX_DEPTH} levels deep")
        kind = type(raw)
        if raw is None or kind in (bool, int, str):
            return raw
        if kind is float:
            return raw
        if kind is list:
            return [self.node(item, depth + 1) for item in raw]
        if kind is not dict:
            raise WireError(f"unexpected JSON value of type {kind.__name__}")
        tag = raw.get("$")
        if tag == "dict":
            return self._dict(raw, depth)
        if tag == "tuple":
            return tuple(self.node(item, depth + 1) for item in self._items(raw))
        if tag == "nd":
            return self._array(raw)
        if tag == "float":
            text = raw.get("v")
            if text not in ("nan", "inf", "-inf"):
                raise WireError("bad non-finite float")
            return float(text)
        if tag == "opaque":
            type_name, text = raw.get("type"), raw.get("text")
            if type(type_name) is not str or type(text) is not str:
                raise WireError("bad opaque value")
            return Opaque(type_name[:100], text[:200])
        raise WireError(f"unknown tag {str(tag)[:40]!r}")

    def _dict(self, raw: dict[str, Any], depth: int) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        hashes: dict[int, int] = {}  # hash value -> keys seen with it
        for pair in self._items(raw):
            if type(pair) is not list or len(pair) != 2:
                raise WireError("dict entry is not a key/value pair")
            key, value = self.node(pair[0], depth + 1), self.node(pair[1], depth + 1)
            try:
                digest = hash(key)
            except TypeError:
                raise WireError(f"dict key of type {type(key).__name__} is not hashable") from None
            if key not in out:
                hashes[digest] = seen = hashes.get(digest, 0) + 1
                if seen > MAX_HASH_COLLISIONS:
                    raise WireError(f"more than {MAX_HASH_COLLISIONS} keys of one dict share a hash value")
            out[key] = value
        return out

    @staticmethod
    def _items(raw: dict[str, Any]) -> list[Any]:
        items = raw.get("items")
        if type(items) is not list or set(raw) != {"$", "items"}:
            raise WireError("container has the wrong shape")
        return items

    def _array(self, raw: dict[str, Any]) -> Any:
        if not set(raw) <= {"$", "buf", "dtype", "shape", "scalar"}:
            raise WireError("array has unexpected fields")
        index, dtype, shape = raw.get("buf"), raw.get("dtype"), raw.get("shape")
        if type(index) is not int or not 0 <= index < len(self.buffers) or index in self.used:
            raise WireError("array refers to a missing or reused buffer")
        self.used.add(index)
        if type(dtype) is not str or dtype not in ALLOWED_DTYPES:
            raise WireError(f"array dtype {str(dtype)[:20]!r} is not allowed")
        if type(shape) is not list or len(shape) > MAX_NDIM or any(
                type(n) is not int or not 0 <= n <= MAX_ELEMENTS for n in shape):  # fmt: skip
            raise WireError("array shape is invalid")
        if math.prod(n for n in shape if n) > MAX_ELEMENTS:
            raise WireError(f"array shape claims more than {MAX_ELEMENTS} elements")
        dt = np.dtype(dtype)
        count = math.prod(shape)
        buf = self.buffers[index]
        if count * dt.itemsize != len(buf):
            raise WireError(f"array of shape {tuple(shape)} and dtype {dtype} does not match its {len(buf)} bytes")
        try:
            arr = np.frombuffer(buf, dtype=dt).reshape(shape).copy()
        except (ValueError, TypeError, MemoryError) as exc:
            raise WireError(f"array cannot be built: {str(exc)[:100]}") from None
        if raw.get("scalar") is True:
            if shape:
                raise WireError("scalar with a shape")
            return arr[()]
        return arr
