"""Everything a student controls is bounded in one place (grader/bounds.py, applied by the result types): the text
helpers, the result types, describe/type_name/expect_keys, and the proof that a submission's files stay under
1 MB whatever its result holds."""

from __future__ import annotations

import functools
import json
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import ROOT

from grader import bounds
from grader.assignment import load_assignment
from grader.checking import CheckFailure, describe, describe_keys, expect_keys, type_name
from grader.engine import finish
from grader.formats import junit_xml
from grader.models import (
    INVALID_SUBMISSION,
    LOAD_ERROR,
    SYNTAX_ERROR,
    WARNING,
    CheckOutcome,
    CheckResult,
    Figure,
    Location,
    Problem,
    SubmissionResult,
)
from grader.score import make_result

MB = 2**20
# Every kind of character that costs most somewhere: escaped in JSON (\uXXXX, \"), in HTML (&quot; &amp; <br>), in
# Markdown (backslashes), made visible (\x00, \ud800), or four bytes of UTF-8.
WORST = '"&<>\n\\`*|#\x00\x1b\x9b\ud800\ufffe\U0001f600é中_[]'
UNPRINTABLE = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0), 0xD800, 0xDFFF, 0xFFFE,
                                0xFFFF)]


@functools.cache
def huge(size: int = 10 * MB) -> str:
    return (WORST * (size // len(WORST) + 1))[:size]


# -- bounds.text ---------------------------------------------------------------------------------------------------


def test_unprintable_characters_become_visible_escapes():
    assert bounds.text("a\x00b\x1b[31mc\x0cd\x85e\ud800f\ufffeg\r\nh\ti\nj") == \
        "a\\x00b\\x1b[31mc\\x0cd\\x85e\\ud800f\\ufffeg\nh\ti\nj"
    for char in UNPRINTABLE:
        assert char not in bounds.text(f"x{char}y")
    bounds.text("".join(UNPRINTABLE)).encode("utf-8", errors="strict")  # no lone surrogate left


def test_long_text_keeps_its_head_and_says_it_was_cut():
    text = bounds.text("x" * 10_000, 100)
    assert len(text) == 100 and text.startswith("x" * 90) and text.endswith(bounds.CUT)
    assert bounds.text("short", 100) == "short"
    assert len(bounds.text("\x00" * 1000, 100)) == 100  # escapes count too


def test_a_huge_text_is_never_copied_whole():
    value = "\x00" * (200 * MB)
    tracemalloc.start()
    try:
        bounds.text(value, bounds.TEXT)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MB, peak


@settings(max_examples=300, deadline=None)
@given(st.text(), st.integers(0, 300))
def test_text_is_bounded_printable_and_idempotent(value, limit):
    once = bounds.text(value, limit)
    assert len(once) <= limit
    assert not any(char in once for char in UNPRINTABLE) and "\r" not in once
    assert bounds.text(once, limit) == once
    once.encode("utf-8", errors="strict")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 5_000), max_size=60), st.integers(0, 50_000))
def test_share_cuts_every_length_to_one_cap_that_fits(lengths, budget):
    cap = bounds.share(lengths, budget)
    if sum(lengths) <= budget:
        assert cap is None
        return
    assert cap is not None
    cut = [min(length, cap) for length in lengths]
    assert sum(cut) <= budget
    assert sum(min(length, cap + 1) for length in lengths) > budget  # the largest cap that fits
    assert bounds.share(cut, budget) is None


# -- the result types ----------------------------------------------------------------------------------------------


def hostile_check(cls=CheckResult, **extra):
    fields = dict(id=huge(5000), function=huge(5000), status="failed", message=huge(), expected=huge(), got=huge(),
                  flags=tuple(huge(500) for _ in range(100)), lesson=huge(5000),
                  location=Location(cell=3, line=4, code=huge()))
    if cls is CheckResult:
        fields.update(score=0.0, max_score=1.0)
    return cls(**{**fields, **extra})


@pytest.mark.parametrize("cls", [CheckOutcome, CheckResult])
def test_a_check_holds_bounded_printable_text(cls):
    check = hostile_check(cls)
    assert len(check.message) <= bounds.TEXT and len(check.expected) <= bounds.PREVIEW
    assert len(check.got) <= bounds.PREVIEW and len(check.location.code) <= bounds.CODE
    assert len(check.id) <= bounds.NAME and len(check.function) <= bounds.NAME and len(check.lesson) <= bounds.NAME
    assert len(check.flags) == bounds.FLAGS and all(len(f) <= bounds.NAME for f in check.flags)
    for text in (check.message, check.expected, check.got, check.location.code, *check.flags):
        assert not any(char in text for char in UNPRINTABLE)


def test_problems_beyond_the_bound_are_counted_and_those_that_flag_are_kept():
    loud = [Problem(kind=SYNTAX_ERROR, message=f"cell {i} does not parse") for i in range(10)]
    quiet = [Problem(kind=LOAD_ERROR, message=f"statement {i} raised") for i in range(500)]
    invalid = Problem(kind=INVALID_SUBMISSION, message="no")
    result = SubmissionResult(assignment="a", submission="s", score=0, max_score=1, duration_s=0, seed=0,
                              problems=(*quiet, *loud, invalid))
    assert len(result.problems) == bounds.PROBLEMS
    kinds = [p.kind for p in result.problems]
    assert kinds.count(SYNTAX_ERROR) == 10 and kinds.count(INVALID_SUBMISSION) == 1
    note = result.problems[-1]
    assert note.kind == WARNING and "462 more problems are not listed (462 load-error)" in note.message
    assert SubmissionResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_flags_of_dropped_problems_still_count():
    assignment = load_assignment(ROOT, "shallow-nn")
    problems = tuple(Problem(kind=LOAD_ERROR, message=str(i)) for i in range(100)) + (
        Problem(kind=SYNTAX_ERROR, message="late"),)
    result = make_result(assignment, (), submission="s", path="", seed=0, problems=problems)
    assert SYNTAX_ERROR in result.flags and any(p.kind == SYNTAX_ERROR for p in result.problems)


def test_figure_data_is_bounded_and_printable():
    small = Figure(kind="lines", title="t\x1b", caption="c", data={"label\x00": ["a\ud800", 1.5]})
    assert small.title == "t\\x1b" and dict(small.data) == {"label\\x00": ["a\\ud800", 1.5]}
    big = Figure(kind="lines", title="t", caption="Costs.", data={"y": list(range(100_000))})
    assert dict(big.data) == {} and big.caption == "Costs. (Not drawn: its data is too large.)"
    assert Figure.from_dict(big.to_dict()) == big


def test_figures_share_one_budget():
    figure = Figure(kind="lines", title="t", data={"y": [0.123456789] * 4_000})  # about 52,000 characters
    result = SubmissionResult(assignment="a", submission="s", score=0, max_score=1, duration_s=0, seed=0,
                              figures=(figure,) * 40)
    assert len(result.figures) == bounds.FIGURES
    assert sum(f.size for f in result.figures) <= bounds.FIGURES_JSON
    assert [bool(f.data) for f in result.figures[:3]] == [True, True, False]
    assert "Not drawn" in result.figures[2].caption


def test_a_result_shares_its_text_budget_and_survives_round_trips():
    assignment = load_assignment(ROOT, "shallow-nn")
    outcomes = [hostile_check(CheckOutcome, id=cid, function=cid.split("::")[0]) for cid in assignment.points]
    problems = tuple(Problem(kind=SYNTAX_ERROR, message=huge(), location=Location(line=i, code=huge()))
                     for i in range(200))
    result = make_result(assignment, outcomes, submission="s", path=huge(), seed=1, problems=problems,
                         output=huge())
    texts = [result.output]
    for check in result.checks:
        texts += [check.message, check.expected, check.got, check.location.code]
    for problem in result.problems:
        texts += [problem.message, problem.location.code if problem.location else ""]
    assert sum(map(len, texts)) <= bounds.RESULT_TEXT
    assert len(result.path) <= bounds.TEXT and len(result.flags) <= bounds.RESULT_FLAGS
    again = SubmissionResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again == result  # bounding bounded results changes nothing


def worst_result(assignment) -> SubmissionResult:
    """A result at every bound at once, with the costliest characters everywhere a student's text can be, and figures
    of the shapes the checks draw (shallow-nn's decision boundary: a 60 x 60 grid and 400 points) whose values a
    student makes as costly as they can: a grid of alternating classes (a rectangle per cell), every number 17
    digits long, and line charts of a returned list as long as the figure budget allows."""
    outcomes = [hostile_check(CheckOutcome, id=cid, function=cid.split("::")[0]) for cid in assignment.points]
    problems = tuple(Problem(kind=kind, message=huge(), location=Location(cell=i, line=i, code=huge()))
                     for i in range(200) for kind in (SYNTAX_ERROR, LOAD_ERROR))
    long = [0.12345678901234567 + i for i in range(400)]
    boundary = Figure(kind="boundary", title=huge(), caption=huge(), data={
        "x_range": [0, 1], "y_range": [0, 1], "cells": ["01" * 30, "10" * 30] * 30, "classes": [huge(50), huge(50)],
        "points": {"x": [v / 400 for v in long], "y": [v / 400 for v in long], "label": [i % 2 for i in range(400)]}})
    xs = list(range(1_500))
    lines = Figure(kind="lines", title=huge(), caption=huge(), data={
        "panels": [{"title": huge(100), "series": [{"label": huge(100), "x": xs, "y": [v * 1.2345678901234567
                                                                                       for v in xs]}]}],
        "x_label": huge(100), "y_label": huge(100)})
    assert boundary.data and lines.data  # each fits the bound of one figure
    return make_result(assignment, outcomes, submission=huge(100), path=huge(), seed=1, problems=problems,
                       output=huge(), figures=(boundary, lines) * 8)


@pytest.mark.parametrize("name", ["shallow-nn", "initialization", "gradient-checking"])
def test_every_file_of_a_submission_stays_under_one_megabyte_whatever_its_result_holds(name):
    assignment = load_assignment(ROOT, name)
    result = worst_result(assignment)
    graded = finish(result, assignment, formats=("gradescope",))
    files = dict(graded.files) | {"junit.xml": junit_xml([graded.shown])}
    assert set(files) == {"results.json", "report.html", "report.md", "gradescope.json", "junit.xml"}
    sizes = {file: len(text.encode("utf-8")) for file, text in files.items()}
    assert all(size < MB for size in sizes.values()), sizes
    assert len(json.dumps(graded.result.to_dict())) < MB  # what the gradebook stores


# -- what check authors call ---------------------------------------------------------------------------------------

DICT_BOMB = {f"key_{i:06d}_" + "x" * 60: 0 for i in range(99_000)}


def nested(depth: int) -> list:
    value: list = [0]
    for _ in range(depth):
        value = [value] * 1000
    return value


def test_describe_a_dict_bomb_is_short_and_counts_what_it_leaves_out():
    tracemalloc.start()
    try:
        text = describe(DICT_BOMB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100_000, peak  # the 99,000 keys are never joined
    assert len(text) <= 600 and text.startswith("{'key_000000_") and text.endswith("(98,993 more)}")


def test_expect_keys_on_a_dict_bomb_fails_with_a_short_got():
    with pytest.raises(CheckFailure) as info:
        expect_keys(DICT_BOMB, ("W1", "b1"), "The parameters")
    failure = info.value
    assert failure.message == "The parameters is missing the key(s) 'W1', 'b1'"
    assert len(failure.got) <= 600 and failure.got.startswith("keys 'key_000000_") and "more)" in failure.got


@pytest.mark.parametrize("make, start", [
    (lambda: list(range(10**6)), "[0, 1, 2"),
    (lambda: tuple(range(10**6)), "(0, 1, 2"),
    (lambda: "s" * 10**8, "'sss"),
    (lambda: 10**100_000, "<an integer of 332,193 bits>"),
    (lambda: {"k" * 10**7: "v" * 10**7}, "{'kkk"),
    (lambda: nested(64), "[[[["),
    (lambda: np.zeros((1000, 1000)), "array of shape (1000, 1000), dtype float64:"),
    (lambda: "\x1b[2J\x00\ud800", "'\\x1b[2J"),
], ids=["list", "tuple", "string", "integer", "dict", "nested", "array", "control"])
def test_describe_is_bounded_for_any_value(make, start):
    value = make()
    tracemalloc.start()
    try:
        text = describe(value)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(text) <= 600 and text.startswith(start), text[:100]
    assert peak < 5 * MB, peak
    assert not any(char in text for char in UNPRINTABLE)


class _Counted(list):
    """A list that counts how many of its items are read."""

    reads = 0

    def __iter__(self):
        for item in super().__iter__():
            _Counted.reads += 1
            yield item


def test_describe_reads_few_items_of_a_wide_deep_structure():
    value: list = [0]
    for _ in range(60):  # 2**60 leaves, as the wire's depth limit allows
        value = _Counted([value, value])
    _Counted.reads = 0
    assert len(describe(value)) <= 600
    assert _Counted.reads < 1_000, _Counted.reads


def test_opaque_names_and_texts_are_bounded():
    from grader.wire import Opaque

    opaque = Opaque("Evil" * 10**5, "\x1b]0;title\x07" * 10**5)
    assert len(type_name(opaque)) <= bounds.NAME + 10 and "\x1b" not in type_name(opaque)
    assert len(describe(opaque)) <= 600 and "\x07" not in describe(opaque)


def test_describe_keys_of_an_empty_and_a_small_mapping():
    assert describe_keys({}) == "no keys"
    assert describe_keys({"W1": 1, "b1": 2}) == "keys 'W1', 'b1'"


def test_a_check_failure_is_bounded_when_raised():
    failure = CheckFailure(huge(), expected=huge(), got=huge(), flags=[huge(300)] * 50)
    assert len(failure.message) <= bounds.TEXT and str(failure) == failure.message
    assert len(failure.expected) <= bounds.PREVIEW and len(failure.got) <= bounds.PREVIEW
    assert len(failure.flags) == bounds.FLAGS


def test_check_facts_are_few_plain_and_bounded():
    failure = CheckFailure("wrong", facts={huge(300): huge(), "nan": float("nan"), "big": 10**100, "ok": 0.5,
                                           "flag": True, "none": None, "object": object(), "list": [1]})
    assert [name for name, _ in failure.facts] == [bounds.text(huge(300), bounds.NAME), "nan", "big", "ok", "flag",
                                                   "none"]
    values = dict(failure.facts)
    assert len(values[bounds.text(huge(300), bounds.NAME)]) <= bounds.FACT_VALUE
    assert (values["nan"], values["big"], values["ok"], values["flag"], values["none"]) == (None, None, 0.5, True, None)
    many = CheckFailure("wrong", facts={f"f{i}": i for i in range(1000)})
    assert len(many.facts) == bounds.FACTS
