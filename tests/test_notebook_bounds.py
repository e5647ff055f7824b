"""Notebooks are read within bounds (issue 13, item 4): a notebook bomb is refused before nbformat sees it, with the
file named and the reason, and costs the grader next to nothing; a real notebook, however large its outputs, loads
as before. Times and memory of the bombs, before and after, are measured in benchmarks/notebooks.py."""

from __future__ import annotations

import json
import tracemalloc

import pytest
from paths import ROOT

from grader.load import load_source, load_submission

SOLUTION = (ROOT / "reference" / "shallow-nn" / "solution.py").read_text()
MB = 2**20


def notebook(cells: list[dict], metadata: object = None, *, filler: str = "") -> bytes:
    """A notebook with the reference solution in one code cell, then ``cells``; ``filler`` (raw JSON) as its
    metadata's "x"."""
    code = {"cell_type": "code", "metadata": {}, "source": SOLUTION, "outputs": [], "execution_count": None,
            "id": "c0"}
    text = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": metadata or {"x": "@"},
                       "cells": [code, *cells]})
    return text.replace('"@"', filler or '""').encode()


def markdown(count: int) -> list[dict]:
    return [{"cell_type": "markdown", "metadata": {}, "source": "", "id": f"m{i}"} for i in range(count)]


def load_measured(data: bytes):
    """Load ``data`` as bomb.ipynb; returns (the loaded submission, the peak memory it took in bytes)."""
    tracemalloc.start()
    try:
        loaded = load_source(data, name="bomb.ipynb", kind="ipynb")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return loaded, peak


def assert_refused(loaded, *words: str) -> None:
    assert not loaded.ok and loaded.units == ()
    message = loaded.problems[0].message
    assert message.startswith("bomb.ipynb ") and all(word in message for word in words), message


def test_four_million_empty_objects_are_refused_before_parsing():
    """12 MB that cost 2.1 GB and 10 s in nbformat, and scored 10/10."""
    data = notebook([], filler="[" + ",".join(["{}"] * 4_000_000) + "]")
    loaded, peak = load_measured(data)
    assert_refused(loaded, "too large a notebook to grade", "more than 100,000 JSON objects", "clear its outputs")
    assert peak < MB, peak


def test_two_million_empty_lists_are_refused_before_parsing():
    loaded, peak = load_measured(notebook([], filler="[" + ",".join(["[]"] * 2_000_000) + "]"))
    assert_refused(loaded, "more than 1,000,000 JSON values")
    assert peak < MB, peak


@pytest.mark.parametrize("count", [5_000, 200_000])
def test_cells_are_counted_after_parsing_however_their_keys_are_spelt(count):
    """``"cell\\u005ftype"`` is ``"cell_type"`` once parsed: a count of the text saw none of these cells."""
    data = notebook(markdown(count)).replace(b'"cell_type": "markdown"', b'"cell\\u005ftype": "markdown"')
    assert data.count(b'"cell_type"') == 1
    loaded, peak = load_measured(data)
    assert_refused(loaded, "too many cells to grade" if count < 100_000 else "more than 100,000 JSON objects")
    assert peak < 40 * MB, peak


def test_deep_nesting_is_refused():
    assert_refused(load_source(notebook([], filler="[" * 500 + "]" * 500), name="bomb.ipynb", kind="ipynb"),
                   "nested more than 64 levels deep")


def test_a_huge_string_is_refused():
    loaded = load_source(notebook([], metadata={"x": "y" * (20 * MB)}), name="bomb.ipynb", kind="ipynb")
    assert_refused(loaded, "holds a string of 20,971,520 characters")


def test_a_notebook_within_the_bounds_still_loads():
    """95,000 objects and 300,000 lines of printed output: large, legal, graded."""
    output = {"output_type": "stream", "name": "stdout", "text": [f"cost {i}\n" for i in range(300_000)]}
    cells = [{"cell_type": "code", "metadata": {}, "source": "x = 1", "outputs": [output], "execution_count": 1,
              "id": "out"}]
    loaded = load_source(notebook(cells, filler="[" + ",".join(["{}"] * 95_000) + "]"), name="big.ipynb",
                         kind="ipynb")
    assert loaded.ok and len(loaded.units) == 2 and "layer_sizes" in loaded.units[0].defines


def test_a_real_five_megabyte_notebook_with_images_loads():
    path = ROOT / "tests" / "files" / "versions" / "shallow-nn" / "v4" / "correct_large.ipynb"
    assert path.stat().st_size > 5 * 10**6
    loaded = load_submission(path)
    assert loaded.ok and not loaded.problems and len(loaded.units) == 26
