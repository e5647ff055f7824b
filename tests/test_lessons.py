"""Lessons chosen from what was measured: conditions on facts, one explanation per idea, figure notes.

Rendered for real (HTML and Markdown) from results built the way the pipeline builds them."""

from __future__ import annotations

import dataclasses
import html
import tomllib

import pytest
from paths import ROOT

from grader.lessons import UNKNOWN, condition_error, evaluate, facts_of, generic_lessons, holds, scoped
from grader.models import CheckResult, Figure, SubmissionResult
from grader.render import lessons_for, render_html, render_markdown

LESSONS = {
    "zero-init": {"title": "Zeros keep units identical", "text": "Every unit computes the same thing.",
                  "idea": "symmetry", "when": "weights_all_zero"},
    "symmetric-init": {"title": "Units must differ", "text": "Equal rows stay equal.", "idea": "symmetry"},
    "saturating-init": {"title": "Large weights saturate tanh", "text": "tanh is flat in its tails.",
                        "extra": [{"when": "training_slower", "text": "Your cost curve falls slower."},
                                  {"when": "not training_slower", "text": "Your network still learned."}]},
    "function:initialize_parameters": {"title": "Random, small weights", "text": "Draw them at random."},
}


def _check(cid: str, lesson: str | None, *flags: str, status: str = "failed") -> CheckResult:
    function = cid.split("::")[0]
    return CheckResult(id=cid, function=function, score=0 if status != "passed" else 1, max_score=1,
                       status=status, message=f"{cid} message", flags=flags, lesson=lesson)  # type: ignore[arg-type]


def _result(checks: tuple[CheckResult, ...], facts: dict | None = None, figures: tuple[Figure, ...] = ()
            ) -> SubmissionResult:
    figs = figures + ((Figure(kind="text", title="facts", data={"facts": facts}),) if facts is not None else ())
    return SubmissionResult(assignment="a", submission="s", score=0, max_score=len(checks), duration_s=0, seed=1,
                            checks=checks, figures=figs,
                            flags=tuple(dict.fromkeys(f for c in checks for f in c.flags)))


def _both(result: SubmissionResult, lessons=LESSONS) -> list[str]:
    chosen = lessons_for(result, lessons)
    return [html.unescape(render_html(result, title="T", lessons=chosen)),
            render_markdown(result, title="T", lessons=chosen)]


# ---------------------------------------------------------------------------------------------------------------
# The condition language


def test_conditions_are_three_valued_and_unknown_facts_never_hold():
    facts = {"a": True, "b": False, "x": 3.0, "passed.nn_model": True, "none": None}
    assert evaluate("a and not b", facts) is True
    assert evaluate("b and missing", facts) is False  # decided without the unknown fact
    assert evaluate("a or missing", facts) is True
    assert evaluate("not missing", facts) is UNKNOWN and not holds("not missing", facts)
    assert evaluate("x > 2 * 1.4 and passed.nn_model", facts) is True
    assert evaluate("x > none", facts) is UNKNOWN  # a measurement without a value (NaN) is unknown too
    assert evaluate("x / 0 > 1", facts) is UNKNOWN and evaluate("'text' < 3", facts) is UNKNOWN
    assert holds(None, facts) and holds("", facts)


@pytest.mark.parametrize("bad", ['__import__("os").system("true")', "a if b else c", "[x for x in y]", "f(x)",
                                 "lambda: 1", "x[0]", "a := 1", "x ** 2", "a +", "x" * 600])
def test_conditions_outside_the_language_are_refused(bad):
    assert condition_error(bad) is not None
    with pytest.raises(ValueError):
        evaluate(bad, {"a": True, "x": 2})
    assert not holds(bad, {"a": True, "x": 2})


def test_attribute_names_are_fact_names_not_attribute_access():
    assert evaluate("x.__class__", {"x": 1}) is UNKNOWN
    assert evaluate("x.__class__", {"x.__class__": True}) is True


def test_every_condition_in_every_lessons_file_parses():
    files = [ROOT / "grader" / "data" / "lessons.toml", *sorted((ROOT / "assignments").glob("*/lessons.toml"))]
    seen = 0
    for path in files:
        for key, entry in tomllib.loads(path.read_text(encoding="utf-8")).items():
            conditions = [entry.get("when"), *(extra.get("when") for extra in entry.get("extra", ()))]
            for condition in filter(None, conditions):
                assert condition_error(condition) is None, f"{path.name} [{key}]: {condition!r}"
                seen += 1
            assert entry.get("title") and entry.get("text"), f"{path.name} [{key}]"
    assert seen >= 8


def test_facts_come_from_figures_and_check_statuses():
    result = _result((_check("init::a", None), _check("model::b", None, status="passed")),
                     facts={"weights_all_zero": True, "init.own": 1})
    facts = facts_of(result)
    assert facts["weights_all_zero"] is True and facts["passed.model"] and facts["failed.init"]
    assert not facts["passed.init"] and not facts["failed.model"]
    assert scoped(facts, "init")["own"] == 1 and "own" not in scoped(facts, "model")


# ---------------------------------------------------------------------------------------------------------------
# Saying only what is true


def test_the_zero_init_lesson_needs_every_weight_to_be_zero():
    checks = (_check("initialize_parameters::not_zero", "zero-init", "zero-init"),)
    for text in _both(_result(checks, facts={"weights_all_zero": False})):
        assert "Zeros keep units identical" not in text and "Every unit computes the same thing" not in text
        assert "Concept: Random, small weights" in text  # the function's lesson instead, which is true
    for text in _both(_result(checks, facts={"weights_all_zero": True})):
        assert "Concept: Zeros keep units identical" in text and "Random, small weights" not in text
    for text in _both(_result(checks)):  # not measured: not claimed
        assert "Zeros keep units identical" not in text


def test_a_check_records_what_it_measured_and_the_lessons_read_it():
    """Facts recorded by a check (CheckFailure(facts=...)) reach the lessons without any figure: the zero-init
    lesson for W2 zero alone is not told, for both zero it is; a figure measuring the same name first wins."""
    def zeros(**facts):
        check = _check("initialize_parameters::not_zero", "zero-init", "zero-init")
        return dataclasses.replace(check, facts=tuple(facts.items()))

    for text in _both(_result((zeros(W1_zero=False, W2_zero=True, weights_all_zero=False),))):
        assert "Zeros keep units identical" not in text and "Concept: Random, small weights" in text
    for text in _both(_result((zeros(W1_zero=True, W2_zero=True, weights_all_zero=True),))):
        assert "Concept: Zeros keep units identical" in text
    both = _result((zeros(weights_all_zero=True),), facts={"weights_all_zero": False})
    assert facts_of(both)["weights_all_zero"] is False
    assert SubmissionResult.from_dict(both.to_dict()).checks[0].facts == (("weights_all_zero", True),)


def test_extra_paragraphs_follow_the_cost_curve():
    checks = (_check("initialize_parameters::small_scale", "saturating-init", "saturating-init"),)
    faster, slower, unknown = (_both(_result(checks, facts=f)) for f in (
        {"training_slower": False}, {"training_slower": True}, None))
    for text in faster:
        assert "still learned" in text and "falls slower" not in text
    for text in slower:
        assert "falls slower" in text and "still learned" not in text
    for text in unknown:
        assert "tanh is flat in its tails" in text and "still learned" not in text and "falls slower" not in text


def test_a_lesson_about_one_function_reads_that_functions_facts():
    lessons = {"zero-init": {"title": "Zeros", "text": "All zero.", "when": "weights_all_zero"}}
    checks = (_check("he::symmetry", "zero-init", "zero-init"), _check("random::symmetry", "zero-init", "zero-init"))
    facts = {"he.weights_all_zero": False, "random.weights_all_zero": True}
    context_text = _both(_result(checks, facts=facts), lessons)[1]
    he, random = context_text.split("### `random`")
    assert "Concept: Zeros" not in he and "**Concept: Zeros**" in random


# ---------------------------------------------------------------------------------------------------------------
# One explanation per idea


def test_one_box_per_check_and_one_explanation_per_idea():
    checks = (_check("initialize_parameters::not_zero", "zero-init", "zero-init", "wrong-values"),
              _check("initialize_parameters::distinct_rows", "symmetric-init", "symmetric-init"),
              _check("initialize_parameters::again", "zero-init", "zero-init"))
    for text in _both(_result(checks, facts={"weights_all_zero": True})):
        # three failed checks about one idea: one concept box, then references back to it
        assert text.count("Every unit computes the same thing.") == 1
        assert "Units must differ" not in text  # same idea: not explained a second time in other words
        assert text.count("explained above") == 2
        assert "The numbers are not right" not in text  # the generic lesson of wrong-values is not added


def test_generic_lessons_have_titles_and_texts():
    for key, entry in generic_lessons().items():
        assert entry["title"] and entry["text"], key


# ---------------------------------------------------------------------------------------------------------------
# A figure explains itself where it seems to disagree with a check


def test_a_figure_note_is_said_only_when_its_condition_holds():
    note = {"when": "passed.nn_model and training_worse", "text": "The check judges the loop itself."}
    figure = Figure(kind="text", title="Training", caption="Accuracy 50%.", data={"notes": [note]})
    passed = (_check("nn_model::loop", None, status="passed"),)
    failed = (_check("nn_model::loop", None, "wrong-values"),)
    for checks, facts, shown in ((passed, {"training_worse": True}, True), (passed, {"training_worse": False}, False),
                                 (failed, {"training_worse": True}, False), (passed, None, False)):
        for text in _both(_result(checks, facts=facts, figures=(figure,))):
            assert "Accuracy 50%." in text
            assert ("The check judges the loop itself." in text) is shown


# ---------------------------------------------------------------------------------------------------------------
# Hints tied to the failing shape


@pytest.mark.parametrize(("got", "wanted", "hint"), [
    ((2, 4), (4, 2), "its two axes are swapped"),
    ((4,), (4, 1), "a rank-1 array, without the axis of length 1 that makes it a column"),
    ((4,), (1, 4), "a rank-1 array, without the axis of length 1 that makes it a row"),
    ((4, 4), (4, 1), None),  # broadcast into a square: neither a transpose nor keepdims
    ((3,), (4, 1), None),
    ((4, 1, 1), (4, 1), None),
])
def test_a_shape_hint_says_only_what_the_shapes_show(got, wanted, hint):
    import numpy as np

    from grader.checking import CheckFailure, expect_array
    with pytest.raises(CheckFailure) as caught:
        expect_array(np.zeros(got), "db1", shape=wanted)
    message = caught.value.message
    assert message.startswith(f"db1 has shape {got}, but it should have shape {wanted}")
    assert "keepdims" not in message  # the shapes cannot tell a sum without keepdims from np.zeros(n) or np.squeeze
    if hint is None:
        assert message == f"db1 has shape {got}, but it should have shape {wanted}"
    else:
        assert hint in message


# ---------------------------------------------------------------------------------------------------------------
# Real submissions: the report's words agree with its own figures


@pytest.fixture(scope="module")
def graded_truths(tmp_path_factory):
    """Reports for W2 zeros with W1 random, W1 zeros with W2 random, and the large-scale example."""
    from paths import EXAMPLES

    from grader.assignment import load_assignment
    from grader.pipeline import grade_paths

    folder = tmp_path_factory.mktemp("truths")
    correct = (EXAMPLES / "correct.py").read_text()
    line = "    W2 = rng.standard_normal((n_y, n_h)) * 0.01"
    assert line in correct
    (folder / "w2_zero.py").write_text(correct.replace(line, "    W2 = np.zeros((n_y, n_h))"))
    (folder / "w1_zero.py").write_text(correct.replace("    W1 = rng.standard_normal((n_h, n_x)) * 0.01",
                                                        "    W1 = np.zeros((n_h, n_x))"))
    (folder / "large_scale.py").write_bytes((EXAMPLES / "large_scale.py").read_bytes())
    out = tmp_path_factory.mktemp("truth-reports")
    results = {r.submission: r for r in grade_paths([folder], load_assignment(ROOT, "shallow-nn"), out_dir=out)}
    return results, out


def _lessons_of(out, sid) -> str:
    """The concept boxes of a report, as plain text (the checks' own messages left out)."""
    return "\n".join(line for line in (out / sid / "report.md").read_text().splitlines() if line.startswith(">"))


@pytest.mark.slow  # grades three submissions end to end
def test_zero_w2_with_random_w1_gets_no_lesson_that_units_stay_identical(graded_truths):
    results, out = graded_truths
    facts = facts_of(results["w2_zero"])
    assert facts["W2_zero"] and not facts["W1_zero"] and not facts["weights_all_zero"]
    assert facts["units_spread_end"] > facts["units_spread_start"] > 0  # the figure: the units drift apart
    lessons = _lessons_of(out, "w2_zero")
    assert "mistake:init-zeros" in {f for f in results["w2_zero"].flags}
    assert "Here `W2` is zero and `W1` random" in lessons.replace("\\", "")
    for untrue in ("four hidden units behave like one", "never broken", "Zero weights keep every hidden unit"):
        assert untrue not in lessons
    w1 = _lessons_of(out, "w1_zero").replace("\\", "")
    assert "Here `W1` is zero and `W2` random" in w1 and "four hidden units behave like one" not in w1


@pytest.mark.slow
def test_large_weights_do_not_get_a_crawling_lesson_when_the_cost_falls_as_fast(graded_truths):
    results, out = graded_truths
    facts = facts_of(results["large_scale"])
    assert facts["cost_final"] <= facts["reference_cost_final"] and not facts["training_slower"]
    lessons = _lessons_of(out, "large_scale")
    assert "still learned" in lessons
    for untrue in ("crawls", "barely moves", "learning starts quickly"):
        assert untrue not in lessons
    # one explanation of saturation, not the mistake's and the flag's and the function's one after another
    assert lessons.count("**Concept:") == 1
