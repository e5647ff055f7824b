"""Helpers of the fixture generator: notebook cells and outputs, deterministic JSON, nbconvert-style .py exports
and small PNG images, all written from scratch so that the same script always produces the same bytes.

Nothing here depends on the installed nbformat's formatting: notebooks are dicts in the nbformat 4 layout, written
with ``json.dumps`` the way Jupyter writes them (indent 1, sorted keys, sources split into lines). ``build.py``
checks each one with ``nbformat.validate``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import zlib
from dataclasses import dataclass, field

import numpy as np

# ----------------------------------------------------------------------------------------------------- cells


@dataclass
class Cell:
    """One cell as the generator describes it; ``to_json`` turns it into the nbformat layout."""

    kind: str  # "code" | "markdown"
    source: str
    outputs: list[dict] = field(default_factory=list)
    count: int | None = None
    metadata: dict = field(default_factory=dict)

    def to_json(self, cell_id: str | None) -> dict:
        cell: dict = {"cell_type": self.kind, "metadata": self.metadata, "source": split_lines(self.source)}
        if cell_id is not None:
            cell["id"] = cell_id
        if self.kind == "code":
            cell["execution_count"] = self.count
            cell["outputs"] = self.outputs
        return cell


def code(source: str, *outputs: dict, count: int | None = None, **metadata: object) -> Cell:
    return Cell("code", source.strip("\n"), list(outputs), count, dict(metadata))


def markdown(source: str, **metadata: object) -> Cell:
    return Cell("markdown", source.strip("\n"), metadata=dict(metadata))


def split_lines(text: str) -> list[str]:
    """Jupyter's on-disk form of a multi-line string: a list of lines, each but the last keeping its newline."""
    lines = text.splitlines(keepends=True)
    return lines


# --------------------------------------------------------------------------------------------------- outputs


def stream(text: str, name: str = "stdout") -> dict:
    return {"name": name, "output_type": "stream", "text": split_lines(text)}


def result(text: str, count: int) -> dict:
    return {"data": {"text/plain": split_lines(text)}, "execution_count": count, "metadata": {},
            "output_type": "execute_result"}


def image(png: bytes, text: str = "<Figure size 432x288 with 1 Axes>", *, width: int | None = None) -> dict:
    """A display_data output holding a PNG, base64-encoded and wrapped at 76 characters as old Jupyter did."""
    encoded = base64.b64encode(png).decode("ascii")
    metadata = {"needs_background": "light"} if width is None else {"image/png": {"width": width}}
    return {"data": {"image/png": encoded, "text/plain": split_lines(text)}, "metadata": metadata,
            "output_type": "display_data"}


_RED, _GREEN, _YELLOW, _CYAN, _RESET = "\x1b[0;31m", "\x1b[0;32m", "\x1b[0;33m", "\x1b[0;36m", "\x1b[0m"


def error(ename: str, evalue: str, frames: list[tuple[str, int, str]], *, cell: int = 1) -> dict:
    """An error output with an IPython-style coloured traceback. ``frames`` are (file or "", line, code)."""
    bar = _RED + "-" * 75 + _RESET
    lines = [bar, f"{_RED}{ename}{_RESET}                                 Traceback (most recent call last)"]
    for where, line, text in frames:
        head = f"{_GREEN}<ipython-input-{cell}-0a1b2c3d4e5f>{_RESET} in {_CYAN}<module>{_RESET}" if not where \
            else f"{_GREEN}{where}{_RESET} in {_CYAN}<function>{_RESET}"
        lines.append(f"{head}\n{_GREEN}----> {line}{_RESET} {text}\n")
    lines.append(f"{_RED}{ename}{_RESET}: {evalue}")
    return {"ename": ename, "evalue": evalue, "output_type": "error", "traceback": lines}


# ------------------------------------------------------------------------------------------------- notebooks


def kernel_metadata(python: str, *, pygments: bool = True) -> dict:
    """kernelspec and language_info of a Jupyter kernel running Python ``python`` ("2.7.14", "3.6.0", ...)."""
    major = python.split(".")[0]
    return {
        "kernelspec": {"display_name": f"Python {major}", "language": "python", "name": f"python{major}"},
        "language_info": {
            "codemirror_mode": {"name": "ipython", "version": int(major)},
            "file_extension": ".py",
            "mimetype": "text/x-python",
            "name": "python",
            "nbconvert_exporter": "python",
            **({"pygments_lexer": f"ipython{major}"} if pygments else {}),
            "version": python,
        },
    }


def notebook(cells: list[Cell], metadata: dict, *, minor: int) -> dict:
    """The notebook as a dict. Cells get ids (derived from their position) only in format 4.5 and later."""
    with_ids = minor >= 5
    return {
        "cells": [c.to_json(f"cell-{i:03d}" if with_ids else None) for i, c in enumerate(cells)],
        "metadata": metadata,
        "nbformat": 4,
        "nbformat_minor": minor,
    }


def dumps(nb: dict) -> bytes:
    """Jupyter's own on-disk layout: one-space indent, sorted keys, non-ASCII kept, trailing newline."""
    return (json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


# --------------------------------------------------------------------------------------------- .py exports


def _magic_call(line: str, style: str) -> str:
    """An IPython line magic or shell escape as nbconvert writes it in a .py export."""
    indent = line[: len(line) - len(line.lstrip())]
    text = line.strip()
    if text.startswith("!"):
        return f"{indent}get_ipython().system({text[1:]!r})"
    name, _, rest = text[1:].partition(" ")
    if style == "old":  # nbconvert before 5.4 (2018): .magic('name args')
        return f"{indent}get_ipython().magic({text[1:]!r})"
    return f"{indent}get_ipython().run_line_magic({name!r}, {rest!r})"


def export_py(cells: list[Cell], *, style: str) -> bytes:
    """A notebook as ``jupyter nbconvert --to python`` writes it: markdown as comments, ``# In[n]:`` markers,
    magics and shell escapes turned into ``get_ipython()`` calls. ``style`` "old" is the 2017 layout (no shebang,
    ``.magic(...)``, one blank line after a marker), "new" the layout of nbconvert 5.4 and later."""
    out = ["#!/usr/bin/env python\n# coding: utf-8\n" if style == "new" else "\n# coding: utf-8\n"]
    for cell in cells:
        if cell.kind == "markdown":
            out.append("\n".join(("# " + line).rstrip() if line else "# " for line in cell.source.split("\n")))
            out.append("\n")
            continue
        count = " " if cell.count is None else str(cell.count)
        body = [_magic_call(line, style) if line.lstrip().startswith(("%", "!")) else line
                for line in cell.source.split("\n")]
        gap = "\n\n" if style == "new" else "\n"
        out.append(f"# In[{count}]:\n{gap}" + "\n".join(body) + "\n\n")
    return ("\n".join(out).rstrip("\n") + "\n").encode("utf-8")


# ---------------------------------------------------------------------------------------------------- images


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _stored_deflate(raw: bytes) -> bytes:
    """A zlib stream of stored (uncompressed) blocks: the same bytes whatever zlib the machine has."""
    out = bytearray(b"\x78\x01")
    for start in range(0, max(len(raw), 1), 65535):
        block = raw[start:start + 65535]
        final = 1 if start + 65535 >= len(raw) else 0
        out += struct.pack("<BHH", final, len(block), len(block) ^ 0xFFFF) + block
    out += struct.pack(">I", zlib.adler32(raw) & 0xFFFFFFFF)
    return bytes(out)


PALETTE = bytes([255, 255, 255, 200, 30, 40, 40, 70, 200, 60, 60, 60, 250, 200, 120, 150, 190, 240])
WHITE, RED, BLUE, GREY, ORANGE, LIGHTBLUE = range(6)


def png(pixels: np.ndarray) -> bytes:
    """An 8-bit palette PNG of ``pixels`` (a 2-D array of indices into PALETTE)."""
    height, width = pixels.shape
    rows = np.zeros((height, width + 1), dtype=np.uint8)  # filter byte 0 (None) before each row
    rows[:, 1:] = pixels.astype(np.uint8)
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"PLTE", PALETTE)
            + _chunk(b"IDAT", _stored_deflate(rows.tobytes())) + _chunk(b"IEND", b""))


def flower(seed: int = 1, m: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """A flower-shaped two-class data set (eight petals), generated here for the pictures. (Only pixel positions
    come from it, so the last-bit differences of sin and cos between machines do not show.)"""
    rng = np.random.RandomState(seed)
    half = m // 2
    X = np.zeros((m, 2))
    Y = np.zeros(m, dtype=int)
    for label in (0, 1):
        idx = range(half * label, half * (label + 1))
        t = np.linspace(label * 3.12, (label + 1) * 3.12, half) + rng.randn(half) * 0.2
        r = 4 * np.sin(4 * t) + rng.randn(half) * 0.2
        X[idx] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[idx] = label
    return X.T, Y.reshape(1, m)


def scatter_png(X: np.ndarray, Y: np.ndarray, *, width: int = 64, height: int = 48, boundary: bool = False) -> bytes:
    """A small scatter plot of two classes, optionally over a shaded region (a stand-in decision boundary)."""
    pixels = np.full((height, width), WHITE, dtype=np.uint8)
    pixels[[0, -1], :] = GREY
    pixels[:, [0, -1]] = GREY
    if boundary:
        yy, xx = np.mgrid[0:height, 0:width]
        dy, dx = yy - height // 2, xx - width // 2  # eight sectors, in integers: the same pixels everywhere
        pixels[((dx * dy > 0) ^ (np.abs(dx) > np.abs(dy))) & (pixels == WHITE)] = ORANGE
    lo, hi = X.min(axis=1, keepdims=True), X.max(axis=1, keepdims=True)
    scaled = (X - lo) / np.where(hi > lo, hi - lo, 1)
    cols = (2 + scaled[0] * (width - 5)).astype(int)
    rows = (2 + (1 - scaled[1]) * (height - 5)).astype(int)
    for c, r, label in zip(cols, rows, Y.ravel()):
        pixels[r:r + 2, c:c + 2] = BLUE if label else RED
    return png(pixels)


def curve_png(values: np.ndarray, *, width: int = 64, height: int = 48) -> bytes:
    """A small line plot (a cost curve)."""
    pixels = np.full((height, width), WHITE, dtype=np.uint8)
    pixels[-2, :] = GREY
    pixels[:, 1] = GREY
    v = np.asarray(values, dtype=float)
    xs = np.linspace(2, width - 2, len(v)).astype(int)
    span = v.max() - v.min() or 1.0
    ys = (2 + (v.max() - v) / span * (height - 6)).astype(int)
    for x, y in zip(xs, ys):
        pixels[y:y + 2, x] = BLUE
    return png(pixels)


def noise_png(seed: int, *, width: int, height: int) -> bytes:
    """A large busy image (dense scatter over shaded regions): several hundred kB that do not compress."""
    stream_ = hashlib.sha256(f"noise-{seed}".encode()).digest()
    blocks = []
    while len(blocks) * 32 < width * height:
        stream_ = hashlib.sha256(stream_).digest()
        blocks.append(stream_)
    raw = np.frombuffer(b"".join(blocks)[: width * height], dtype=np.uint8).reshape(height, width)
    return png(raw % len(PALETTE[::3]))
