"""Attacks on the grader's own process through what it is handed (issue 13, items 1, 3 and 4): values and texts
too large or too hostile for a report, many problems at once, and notebooks that cost gigabytes to parse.

Each is graded through the real CLI beside an honest submission. Every file written for a submission stays under
1 MB and holds no raw control character, every output format parses, and the grader's own memory stays near an
honest batch's (about 70 MB here; the dict bomb took it to 1.1 GB, the notebook bomb to 2 GB, before the bounds).
"""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import jsonschema
import pytest
from attack_harness import FUNCTIONS, REPO, SOLUTION, points_of

from grader.bounds import CUT

MB = 2**20
RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]")  # C0 but \t \n \r, DEL, C1
PEAK_MB = 400  # the grader's process at its largest; an honest batch of two needs about 70 MB
SCHEMA = json.loads((REPO / "tests" / "files" / "gradescope_results.schema.json").read_text())

pytestmark = pytest.mark.slow  # each test grades a batch through the real CLI: not in the -m "not slow" loop


def _bounded_files(run, sid):
    """Every file of ``sid`` under 1 MB, none with a raw control character; returns results.json."""
    for path in sorted((run.out / sid).iterdir()):
        raw = path.read_bytes()
        assert len(raw) < MB, f"{path.name} is {len(raw):,} bytes"
        assert not RAW_CONTROL.search(raw), f"{path.name} holds {RAW_CONTROL.search(raw).group()!r}"
        raw.decode("utf-8", errors="strict")
    return run.result(sid)


def test_dict_of_99000_keys(attack):
    run, sid = attack("bomb_dict_keys.py")
    run.assert_contained(sid, attacked=list(FUNCTIONS))
    result = _bounded_files(run, sid)
    keys = [c for c in result["checks"] if (c["got"] or "").startswith("keys 'key_000000_")]
    assert keys and all(c["got"].endswith("(98,993 more)") and len(c["got"]) <= 600 for c in keys), keys[:1]
    assert run.peak_rss_mb < PEAK_MB, f"the grader's memory peaked at {run.peak_rss_mb:.0f} MB"


def test_huge_and_hostile_values(attack):
    run, sid = attack("bomb_values.py")
    run.assert_contained(sid, attacked=list(FUNCTIONS))
    result = _bounded_files(run, sid)
    messages = {c["function"]: (c["message"], c["got"] or "") for c in result["checks"]}
    assert "\\x1b[2J" in messages["backward_propagation"][0]  # the escape made visible, not dropped
    assert result["output"].startswith("\\x00\\x1b[2J") and result["output"].endswith(CUT)
    assert run.peak_rss_mb < PEAK_MB, f"the grader's memory peaked at {run.peak_rss_mb:.0f} MB"


def test_thousands_of_problems(arena):
    """3,000 statements that raise while the definitions load (each with a 2,000-character message) and 1,000
    functions that do not parse: the result lists 50 problems, those that flag the grade first, and counts the rest;
    layer_sizes, written correctly at the end, still earns its points."""
    raising = "".join(f"_x{i} = {{}}['k' * 3000]\n" for i in range(3000))
    broken = "".join(f"def broken_{i}(:\n    pass\n\n" for i in range(1000))
    layer_sizes = "def layer_sizes(X, Y):\n    return X.shape[0], 4, Y.shape[0]\n"
    sid = arena.add_text("many_problems.py", f"{raising}\n{broken}\n{layer_sizes}")
    run = arena.grade()
    earned = points_of("layer_sizes")
    run.assert_contained(sid, max_score=earned, attacked=[f for f in FUNCTIONS if f != "layer_sizes"])
    result = _bounded_files(run, sid)
    assert result["score"] == earned
    assert len(result["problems"]) == 50 and "syntax-error" in result["flags"]
    assert [p["kind"] for p in result["problems"]].count("syntax-error") == 49
    assert "more problems are not listed" in result["problems"][-1]["message"]


def test_hostile_text_in_every_output_format(arena):
    sid = arena.add("hostile_text.py", as_name="-2+3=hostile_text.py")
    run = arena.grade(formats=("junit", "gradescope"))
    run.assert_contained(sid, attacked=list(FUNCTIONS))
    _bounded_files(run, sid)
    ids = sorted([sid, arena.honest_id])
    suites = ET.fromstring((run.out / "junit.xml").read_bytes()).findall("testsuite")  # expat: strict XML 1.0
    assert sorted(s.get("name") for s in suites) == ids
    assert all(len(s.findall("testcase")) == len(json.loads((run.out / s.get("name") / "results.json").read_text())[
        "checks"]) for s in suites)
    for name in ids:
        jsonschema.validate(json.loads((run.out / name / "gradescope.json").read_bytes()), SCHEMA)
    with (run.out / "gradebook.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == 3 and all(cell[:1] not in ("=", "+", "-", "@", "\t", "\r", "\n") for row in rows
                                  for cell in row)
    assert [row[0] for row in rows[1:]] == ["'-2+3_hostile_text", "honest"]
    for page in ("summary.html", f"{sid}/report.html"):
        raw = (run.out / page).read_bytes()
        assert not RAW_CONTROL.search(raw), (page, RAW_CONTROL.search(raw))
        _no_injected_elements(raw.decode("utf-8"))


def test_notebook_bombs(arena):
    """Notebooks that cost the grader gigabytes to parse: each becomes an invalid-submission row in bounded time and
    memory, and the honest submission is graded as if alone."""
    solution = SOLUTION.read_text()
    code = {"cell_type": "code", "metadata": {}, "source": solution, "outputs": [], "execution_count": None,
            "id": "c0"}

    def notebook(cells, metadata):
        return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": cells})

    def markdown(count):
        return [{"cell_type": "markdown", "metadata": {}, "source": "", "id": f"m{i}"} for i in range(count)]

    bombs = {
        # 12 MB of four million empty objects: 2 GB and 10 s of nbformat, and it scored 10/10
        "nb_objects.ipynb": (notebook([code], {"x": "@"}).replace('"@"', "[" + ",".join(["{}"] * 4_000_000) + "]"),
                             "more than 100,000 JSON objects"),
        # cells whose key is spelt with an escape: a count of the text "cell_type" saw none of them
        "nb_escaped_cells.ipynb": (notebook([code, *markdown(5_000)], {}).replace(
            '"cell_type": "markdown"', '"cell\\u005ftype": "markdown"'), "too many cells"),
        "nb_lists.ipynb": (notebook([code], {"x": "@"}).replace('"@"', "[" + ",".join(["[]"] * 2_000_000) + "]"),
                           "more than 1,000,000 JSON values"),
        "nb_deep.ipynb": (notebook([code], {"x": "@"}).replace('"@"', "[" * 500 + "]" * 500), "nested"),
        "nb_string.ipynb": (notebook([code], {"x": "y" * (20 * MB)}), "holds a string of 20,971,520 characters"),
    }
    ids = {name: arena.add_text(name, text) for name, (text, _) in bombs.items()}
    run = arena.grade()
    for name, (_, reason) in bombs.items():
        sid = ids[name]
        run.assert_contained(sid, attacked=list(FUNCTIONS), flags_any={"invalid-submission"})
        result = _bounded_files(run, sid)
        assert "invalid-submission" in result["flags"] and result["score"] == 0
        assert any(reason in p["message"] for p in result["problems"]), (name, result["problems"])
    assert run.peak_rss_mb < PEAK_MB, f"the grader's memory peaked at {run.peak_rss_mb:.0f} MB"
    assert run.elapsed < 90, f"grading five bombs and an honest notebook took {run.elapsed:.0f} s"


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def _no_injected_elements(text: str) -> None:
    parser = _Elements()
    parser.feed(text)
    parser.close()
    assert "script" not in parser.tags and "img" not in parser.tags
