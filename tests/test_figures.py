"""The report's figures: the data the shallow-nn figure module computes for real submissions, and how the report
draws it (inline SVG in report.html, a list in report.md), escaping included."""

from __future__ import annotations

import importlib.util
import json
import math
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from paths import EXAMPLES, ROOT

from grader.assignment import load_assignment
from grader.axes import FIG_WIDTH, count_histogram, nice_axis
from grader.figures import figure_views
from grader.models import Figure, SubmissionResult
from grader.pipeline import grade_paths
from grader.render import render_html, render_markdown, report_context

CHECKS = ROOT / "reference" / "shallow-nn" / "checks"
TITLES = {
    "symmetry": "Do the hidden units stay different?",
    "saturation": "Where on the tanh curve does the hidden layer start?",
    "cost": "How the cost falls during training",
    "boundary": "The decision boundary your network learns",
}
HOSTILE = "<script>alert('x')</script>"


def _module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def figures_module():
    return _module(CHECKS / "test_figures.py", "shallow_nn_figures_under_test")


@pytest.fixture(scope="module")
def solution():
    return _module(ROOT / "reference" / "shallow-nn" / "solution.py", "shallow_nn_solution_under_test")


@pytest.fixture(scope="module")
def flower():
    helpers = _module(ROOT / "assignments" / "shallow-nn" / "planar_utils.py", "shallow_nn_planar_utils_under_test")
    return helpers.load_planar_dataset()


def _variant(folder: Path, name: str, replace: tuple[str, str] = ("", ""), extra: str = "") -> Path:
    """correct.py with one text replaced and ``extra`` appended (a later definition replaces an earlier one)."""
    path = folder / f"{name}.py"
    path.write_text((EXAMPLES / "correct.py").read_text().replace(*replace) + "\n\n" + extra)
    return path


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """({id: SubmissionResult}, output folder) for four examples, four broken variants of correct.py and one whose
    nn_model updates the parameters itself."""
    subs = tmp_path_factory.mktemp("figure-submissions")
    for sid in ("correct", "zero_init", "large_scale", "wrong_backprop"):
        (subs / f"{sid}.py").write_bytes((EXAMPLES / f"{sid}.py").read_bytes())
    _variant(subs, "no_model", replace=("def nn_model(", "def nn_model_draft("))
    _variant(subs, "crashing_model", extra="def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):\n"
                                           "    raise RuntimeError('not finished yet')\n")
    _variant(subs, "odd_model", extra="def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):\n"
                                      "    return 'trained!'\n")
    _variant(subs, "no_init", replace=("def initialize_parameters(", "def initialize_parameters_draft("))
    _variant(subs, "inline_update", replace=("parameters = update_parameters(parameters, grads)",
                                             "parameters = {n: parameters[n] - 1.2 * grads['d' + n] "
                                             "for n in ('W1', 'b1', 'W2', 'b2')}"))
    out = tmp_path_factory.mktemp("figure-reports")
    results = grade_paths([subs], load_assignment(ROOT, "shallow-nn"), out_dir=out)
    return {r.submission: r for r in results}, out


def _figure(result: SubmissionResult, which: str) -> Figure:
    (figure,) = [f for f in result.figures if f.title == TITLES[which]]
    return figure


# ---------------------------------------------------------------------------------------------------------------
# The data


@pytest.mark.slow  # `graded` grades eight submissions end to end
def test_every_example_gets_the_four_figures_in_order(graded):
    results, _ = graded
    for sid in ("correct", "zero_init", "large_scale", "wrong_backprop"):
        result = results[sid]
        assert [f.title for f in result.figures] == list(TITLES.values())
        assert [f.kind for f in result.figures] == ["lines", "histogram", "lines", "boundary"]
        assert all(f.caption for f in result.figures)
        assert "grader-error" not in result.flags
        assert SubmissionResult.from_dict(json.loads(json.dumps(result.to_dict(), allow_nan=False))) == result


@pytest.mark.slow
def test_zero_init_keeps_the_units_identical(graded):
    results, _ = graded
    data = _figure(results["zero_init"], "symmetry").data
    assert data["spread"] == 0 and data["closest"] == 0 and data["distinct"] == 1 and data["all_zero"]
    assert "0 means identical units" in _figure(results["zero_init"], "symmetry").caption
    correct = _figure(results["correct"], "symmetry").data
    assert correct["spread"] > 0.01 and correct["closest"] > 0 and correct["distinct"] == 4
    for panel in correct["panels"]:
        assert [s["label"] for s in panel["series"]] == ["unit 1", "unit 2", "unit 3", "unit 4"]
        assert all(len(s["x"]) == len(s["y"]) == 51 for s in panel["series"])


@pytest.mark.slow
def test_large_scale_saturates_tanh(graded):
    results, _ = graded
    threshold = load_assignment(ROOT, "shallow-nn").tolerances["saturated_share"]
    figure = _figure(results["large_scale"], "saturation")
    yours, reference = figure.data["series"]
    assert yours["saturated"] > threshold and reference["saturated"] <= threshold
    assert figure.data["flat"] == 2.0 and len(yours["edges"]) == len(yours["shares"]) + 1
    assert yours["title"] == f"Yours: {yours['saturated']:.1%} beyond |z| > 2"
    # each panel spans its own distribution, and at least tanh's bend: the reference's (std 0.01) sits in the middle
    # of its own ±5, inside the steep region, instead of one bar of a ±100 axis
    assert yours["edges"][-1] >= 50 and reference["edges"][-1] == 5
    steep = [share for a, b, share in zip(reference["edges"], reference["edges"][1:], reference["shares"])
             if -2 <= a and b <= 2]
    assert sum(steep) == pytest.approx(1.0, abs=1e-3)
    # the check, not the engine, says where tanh is flat and what its curve looks like
    far = yours["edges"][-1]
    assert [(r["from"], r["to"], r["label"], bool(r.get("shaded"))) for r in figure.data["regions"]] == [
        (-far, -2.0, "flat", True), (2.0, far, "flat", True), (-2.0, 2.0, "steep", False)]
    for series in (yours, reference):
        curve = series["curve"]
        assert curve["x"][0] == series["edges"][0] and curve["x"][-1] == series["edges"][-1]
        assert curve["y"] == pytest.approx(np.tanh(curve["x"]), abs=1e-12) and curve["ticks"] == [-1, 0, 1]
    assert figure.data["facts"]["saturated_share"] == yours["saturated"]
    assert sum(yours["shares"]) == pytest.approx(1.0, abs=1e-3)
    assert f"{yours['saturated']:.1%}" in figure.caption
    correct, _ = _figure(results["correct"], "saturation").data["series"]
    assert correct["saturated"] <= threshold


@pytest.mark.slow
def test_the_correct_model_learns_the_flower(graded):
    results, _ = graded
    boundary = _figure(results["correct"], "boundary").data
    assert boundary["accuracy"] >= 0.85 and boundary["finite"]
    cells = boundary["cells"]
    assert len(cells) == 60 and {len(row) for row in cells} == {60} and set("".join(cells)) == {"0", "1"}
    assert len(boundary["points"]["x"]) == 400 and set(boundary["points"]["label"]) == {0, 1}
    assert f"{boundary['accuracy']:.1%}" in _figure(results["correct"], "boundary").caption
    (panel,) = _figure(results["correct"], "cost").data["panels"]
    yours, reference = panel["series"]
    assert yours["x"][0] == 0 and yours["x"][-1] == 1000 and reference["x"][-1] == 1000
    assert yours["y"][0] == pytest.approx(math.log(2), abs=1e-3)  # small weights: the output starts near 0.5
    assert yours["y"][-1] < 0.35 and reference["y"][-1] < 0.35


@pytest.mark.slow
def test_the_cost_curve_of_one_run_equals_fresh_runs(graded):
    """The student's points are read off one run of nn_model (what update_parameters returned the k-th time). An
    nn_model that updates the parameters itself gets a fresh run of k iterations per point instead; the same model
    written both ways gets the same curve."""
    results, _ = graded
    one, fresh = _figure(results["correct"], "cost"), _figure(results["inline_update"], "cost")
    assert "one run" in one.caption and "fresh run" not in one.caption
    assert "a fresh run of your nn_model" in fresh.caption and "one run" not in fresh.caption
    ones, freshes = one.data["panels"][0]["series"][0], fresh.data["panels"][0]["series"][0]
    assert ones["x"] == freshes["x"] == [0, 40, 80, 160, 320, 1000]
    assert ones["y"] == pytest.approx(freshes["y"], abs=2e-6)


@pytest.mark.slow
def test_broken_training_shows_in_the_figures(graded):
    results, _ = graded
    zero = _figure(results["zero_init"], "cost").data["panels"][0]["series"][0]["y"]
    assert all(y == pytest.approx(math.log(2), abs=1e-3) for y in zero)
    assert set("".join(_figure(results["zero_init"], "boundary").data["cells"])) == {"0"}
    wrong = _figure(results["wrong_backprop"], "cost")
    assert None in wrong.data["panels"][0]["series"][0]["y"] and "not a number" in wrong.caption
    assert not _figure(results["wrong_backprop"], "boundary").data["finite"]


@pytest.mark.slow
@pytest.mark.parametrize("sid", ["no_model", "crashing_model", "odd_model"])
def test_figures_are_absent_not_broken_when_nn_model_fails(graded, sid):
    results, out = graded
    result = results[sid]
    assert [f.title for f in result.figures] == [TITLES["symmetry"], TITLES["saturation"]]
    assert "grader-error" not in result.flags
    assert result.score == results["correct"].score - 1.0  # only nn_model's own check is lost
    page = (out / sid / "report.html").read_text()
    assert page.count('<figure class="chart"') == 2 and "cannot be drawn" not in page
    assert "2 figures" in (out / sid / "report.md").read_text()


@pytest.mark.slow
def test_no_figures_without_initialize_parameters(graded):
    results, out = graded
    assert results["no_init"].figures == ()
    assert "Your code in pictures" not in (out / "no_init" / "report.html").read_text()
    assert "in pictures" not in (out / "no_init" / "report.md").read_text()


def test_reference_curve_is_the_reference_nn_model(figures_module, solution, flower):
    X, Y = flower
    ks, costs, trained = figures_module._reference_run(solution, X, Y.astype(float), 1234, 30)
    state = np.random.get_state()
    np.random.seed(1234)
    try:
        expected = solution.nn_model(X, Y, 4, num_iterations=30)
    finally:
        np.random.set_state(state)
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_array_equal(trained[name], expected[name])
    assert ks == [0, 10, 20, 30]
    A2, _ = solution.forward_propagation(X, expected)
    assert costs[-1] == pytest.approx(solution.compute_cost(A2, Y), rel=1e-12)
    assert figures_module._cost(solution, expected, X, Y.astype(float)) == pytest.approx(costs[-1], rel=1e-12)


def test_slow_models_get_fewer_checkpoints(figures_module):
    assert figures_module._checkpoints(0.2, 1000) == [0, 40, 80, 160, 320]
    assert figures_module._checkpoints(5.0, 1000) == [0, 40, 80]
    assert figures_module._checkpoints(100.0, 1000) == [0]
    assert figures_module._checkpoints(0.2, 100) == [0, 40, 80]


def test_symmetry_data_counts_partly_identical_units(figures_module):
    W = np.zeros((3, 4, 2))
    W[:, 0] = [0.1, -0.2]
    W[:, 1] = [0.1, -0.2]  # units 1 and 2 are twins
    W[:, 2] = [0.3, 0.0]
    data = figures_module.symmetry_data(W)
    assert data["distinct"] == 3 and data["closest"] == 0 and data["spread"] > 0 and not data["all_zero"]
    assert "only 3 of the 4 units differ" in figures_module.symmetry_caption(data, 2)


# ---------------------------------------------------------------------------------------------------------------
# Drawing


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.starts: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[tuple[str, str]] = []
        self.void = {"meta", "br", "hr", "img", "input", "link", "wbr"}

    def handle_starttag(self, tag, attrs):
        self.starts.append((tag, dict(attrs)))
        if tag not in self.void:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack:
            self.texts.append((self.stack[-1], data))


def _parse(page: str) -> _Tags:
    tags = _Tags()
    tags.feed(page)
    tags.close()
    assert tags.errors == [] and tags.stack == []
    return tags


def _starts(path: str) -> list[tuple[float, float]]:
    """The absolute points (M x y) of an SVG path."""
    return [(float(x), float(y)) for x, y in re.findall(r"M(-?[\d.]+) (-?[\d.]+)", path)]


@pytest.mark.slow
def test_report_html_draws_every_figure_as_accessible_inline_svg(graded):
    results, out = graded
    page = (out / "correct" / "report.html").read_text()
    tags = _parse(page)
    svgs = [attrs for tag, attrs in tags.starts if tag == "svg" and "plot" in (attrs.get("class") or "")]
    assert len(svgs) == 4
    for attrs in svgs:
        assert attrs["role"] == "img" and attrs["width"] == "100%"
        assert attrs["viewbox"].startswith(f"0 0 {FIG_WIDTH:g} ")
        assert f'id="{attrs["aria-labelledby"]}"' in page and f'id="{attrs["aria-describedby"]}"' in page
    titles = [text for tag, text in tags.texts if tag == "title"]
    assert all(title in titles for title in TITLES.values())
    assert page.count("<figcaption>") == 4
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", page)  # nothing external
    assert "<script" not in page
    # every coordinate of the boundary map lies inside its viewBox
    views = figure_views(results["correct"].figures)
    boundary = views[3]
    frame = boundary["frame"]
    for path in (boundary["class1"], boundary["points0"], boundary["points1"]):
        starts = _starts(path)
        assert starts and all(frame["left"] - 3 <= x <= frame["right"] and frame["top"] - 3 <= y <= frame["bottom"]
                              for x, y in starts)
    assert len(page) < 120_000  # the SVGs stay small: run-length rectangles, one path per class of points


@pytest.mark.slow
def test_report_md_lists_the_figures(graded):
    results, out = graded
    text = (out / "large_scale" / "report.md").read_text()
    assert "## Your code in pictures" in text and "report.html" in text
    for title in TITLES.values():
        assert title in text
    assert "<svg" not in text


def _hostile_result(figures: tuple[Figure, ...]) -> SubmissionResult:
    return SubmissionResult(assignment="shallow-nn", submission="s", score=0, max_score=1, duration_s=0.1, seed=1,
                            figures=figures)


def test_figure_text_is_escaped():
    figure = Figure(kind="lines", title=f"Cost {HOSTILE}", caption=f"a < b & {HOSTILE} **bold** `code`",
                    data={"x_label": f"<i>{HOSTILE}", "y_label": "J & co",
                          "panels": [{"title": HOSTILE, "series": [
                              {"label": f"<b>{HOSTILE}</b>", "x": [0, 1, 2], "y": [0.7, None, 0.3],
                               "markers": True}]}],
                          "table": {"columns": [HOSTILE, "cost"], "rows": [[HOSTILE, 0.5]]}})
    boundary = Figure(kind="boundary", title="map", caption="c",
                      data={"x_range": [-1, 1], "y_range": [-1, 1], "cells": ["01", "10"],
                            "points": {"x": [0.5], "y": [0.5], "label": [1]}, "classes": [HOSTILE, "&"],
                            "x_label": HOSTILE, "y_label": "y", "accuracy": 0.5})
    result = _hostile_result((figure, boundary))
    page = render_html(result, title="T", lessons={})
    _parse(page)
    assert HOSTILE not in page and "<i>" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "a &lt; b &amp; " in page and "J &amp; co" in page
    markdown = render_markdown(result, title="T", lessons={})
    assert HOSTILE not in markdown and "\\<script\\>" in markdown and "\\*\\*bold\\*\\*" in markdown


def test_figures_that_cannot_be_drawn_leave_the_report_intact(caplog):
    figures = (
        Figure(kind="pie", title="A pie", caption="unknown kind"),
        Figure(kind="lines", title="No panels", caption="bad data", data={"panels": []}),
        Figure(kind="histogram", title="Bad edges", caption="bad data",
               data={"edges": [1, 0], "series": [{"label": "x", "shares": [1.0]}]}),
        Figure(kind="boundary", title="Ragged", caption="bad data",
               data={"x_range": [0, 1], "y_range": [0, 1], "cells": ["01", "1"]}),
        Figure(kind="histogram", title="Bad curve", caption="bad data",
               data={"edges": [0, 1], "series": [{"label": "x", "shares": [1.0]}],
                     "curve": {"x": [0, 1], "y": [0], "y_range": [0, 1]}}),
        Figure(kind="histogram", title="Bad region", caption="bad data",
               data={"edges": [0, 1], "series": [{"label": "x", "shares": [1.0]}],
                     "regions": [{"from": "left", "to": 1}]}),
        Figure(kind="lines", title="Fine", caption="ok",
               data={"panels": [{"series": [{"label": "y", "x": [0, 1], "y": [1, 1]}]}]}),
    )
    result = _hostile_result(figures)
    views = report_context(result, title="T", lessons={})["figures"]
    assert [v["kind"] for v in views] == ["text"] * 6 + ["lines"]
    page = render_html(result, title="T", lessons={})
    _parse(page)
    assert page.count('<figure class="chart"') == 7 and page.count("cannot be drawn in this report") == 6
    assert page.count('<svg class="plot"') == 1
    logged = {r.args[0] for r in caplog.records if "cannot be drawn" in r.getMessage()}
    # bad data is logged for the instructor; "pie" is unknown
    assert logged == {"No panels", "Bad edges", "Ragged", "Bad curve", "Bad region"}


def test_lines_view_geometry():
    figure = Figure(kind="lines", title="t", data={
        "x_label": "k", "y_label": "J", "y_min": 0,
        "panels": [{"title": "", "series": [{"label": "a", "x": [0, 50, 100], "y": [0.7, None, 0.3],
                                              "markers": True},
                                             {"label": "b", "x": [0, 100], "y": [0.69, 0.28]}]}]})
    (view,) = figure_views([figure])
    (panel,) = view["panels"]
    frame = panel["frame"]
    a, b = panel["series"]
    assert a["path"].count("M") == 2 and len(a["markers"]) == 2 and len(a["missing"]) == 1  # a gap, marked
    assert b["path"].count("M") == 1 and b["dash"] and not a["dash"]  # told apart by more than colour
    assert [t["label"] for t in frame["y_ticks"]][0] == "0"
    for x, y in ((m["x"], m["y"]) for m in a["markers"]):
        assert frame["left"] <= x <= frame["right"] and frame["top"] <= y <= frame["bottom"]
    assert frame["right"] <= FIG_WIDTH and view["height"] > frame["bottom"]
    assert [item["label"] for item in view["legend"]] == ["a", "b"] and view["legend"][0]["missing"]


# ---------------------------------------------------------------------------------------------------------------
# Geometry: pure functions, no grading


def test_nice_axis_covers_the_values_in_round_steps():
    axis = nice_axis([0.03, 0.7], 5)
    assert axis["step"] == pytest.approx(0.2) and axis["lo"] == 0 and axis["hi"] == pytest.approx(0.8)
    assert axis["ticks"] == pytest.approx([0, 0.2, 0.4, 0.6, 0.8])
    for values, count in (([-3.7, 12.2], 6), ([1e-5, 3e-5], 4), ([-250, -40], 5), ([0, 1000], 6), ([7, 7.5], 3)):
        axis = nice_axis(values, count)
        step = axis["step"]
        mantissa = step / 10 ** math.floor(math.log10(step))
        assert any(abs(mantissa - m) < 1e-9 for m in (1, 2, 2.5, 5, 10))
        assert axis["lo"] <= min(values) + 1e-9 * step and axis["hi"] >= max(values) - 1e-9 * step
        assert axis["lo"] > min(values) - step and axis["hi"] < max(values) + step  # no empty step at either end
        assert len(axis["ticks"]) - 1 <= 2 * count
        assert all(b - a == pytest.approx(step) for a, b in zip(axis["ticks"], axis["ticks"][1:]))


def test_nice_axis_include_single_values_and_nothing():
    assert nice_axis([0.3, 0.7], 5, include=[0])["lo"] == 0
    single = nice_axis([2.0], 5)
    assert single["lo"] < 2.0 < single["hi"]
    assert nice_axis([], 5)["ticks"] == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0])


@pytest.mark.parametrize(("top", "ticks"), [(1, [0, 1]), (3, [0, 1, 2, 3]), (5, [0, 1, 2, 3, 4, 5]),
                                            (7, [0, 2, 4, 6, 8]), (12, [0, 5, 10, 15]), (47, [0, 10, 20, 30, 40, 50]),
                                            (100, [0, 20, 40, 60, 80, 100]), (101, [0, 50, 100, 150]),
                                            (20_000, [0, 5000, 10_000, 15_000, 20_000])])
def test_whole_axes_count_in_whole_steps_of_1_2_or_5(top, ticks):
    assert nice_axis([0, top], 5, whole=True)["ticks"] == ticks


def test_count_histogram_geometry():
    chart = count_histogram([0, 2.5, 5, 7.5, 10], [3, 0, 12, 5])
    bars = chart["bars"]
    assert [b["count"] for b in bars] == [3, 0, 12, 5]
    assert [t["label"] for t in chart["ticks"]] == ["0", "5", "10", "15"]
    assert [e["label"] for e in chart["edges"]] == ["0", "2.5", "5", "7.5", "10"]
    top = chart["ticks"][-1]["y"]
    assert chart["ticks"][0]["y"] == chart["base"] and top == chart["top"]  # 0 on the axis, 15 at the top
    for bar in bars:
        assert bar["y"] + bar["height"] == pytest.approx(chart["base"])
        assert bar["height"] == pytest.approx((chart["base"] - top) * bar["count"] / 15, abs=0.01)
        assert chart["left"] < bar["x"] < bar["x"] + bar["width"] < chart["right"]
    assert bars[1]["height"] == 0
    xs = [e["x"] for e in chart["edges"]]
    assert xs[0] == chart["left"] and xs[-1] == chart["right"] and xs == sorted(xs)
    assert all(e["x"] < b["centre"] < f["x"] for e, b, f in zip(chart["edges"], bars, chart["edges"][1:]))
    with pytest.raises(ValueError):
        count_histogram([0, 1], [1, 2])


def test_negative_ticks_use_the_minus_sign_and_zero_has_none():
    figure = Figure(kind="lines", title="t", data={"panels": [{"series": [{"label": "y", "x": [0, 1],
                                                                           "y": [-1.0, 1.0]}]}]})
    (view,) = figure_views([figure])
    labels = [t["label"] for t in view["panels"][0]["frame"]["y_ticks"]]
    assert labels[0] == "\u22121" and "0" in labels and labels[-1] == "1"


def test_boundary_view_geometry():
    figure = Figure(kind="boundary", title="b", data={
        "x_range": [0, 4], "y_range": [0, 2], "cells": ["0110", "1111"], "classes": ["no", "yes"],
        "points": {"x": [1, 3, 9, None], "y": [1, 1.5, 1, 1], "label": [0, 1, 1, 0]}, "accuracy": 0.75})
    (view,) = figure_views([figure])
    assert view["kind"] == "boundary"
    frame = view["frame"]
    assert view["class1"].count("M") == 2  # one rectangle per run of class-1 cells in each row
    assert view["points0"].count("M") == 1 and view["points1"].count("M") == 1  # outside and null: left out
    for x, y in _starts(view["class1"]):
        assert frame["left"] <= x <= frame["right"] and frame["top"] <= y <= frame["bottom"]
    assert [t["label"] for t in frame["x_ticks"]] == ["0", "1", "2", "3", "4"]
    assert "2 data points" in view["summary"] and "75.0%" in view["summary"]


def _histogram(**extra) -> dict:
    """A two-panel histogram over [-4, 4] in 8 bins, with ``extra`` data."""
    return {"x_label": "z", "y_label": "share", "edges": list(range(-4, 5)),
            "series": [{"label": "mine", "shares": [0, 0.1, 0.2, 0.2, 0.2, 0.2, 0.1, 0]},
                       {"label": "theirs", "title": "Theirs, as given", "shares": [0.5, 0, 0, 0, 0, 0, 0, 0.5]}],
            **extra}


def test_histogram_regions_and_curve_come_from_the_data():
    figure = Figure(kind="histogram", title="h", data=_histogram(
        regions=[{"from": -9, "to": -3, "label": "far", "shaded": True, "legend": "out of range"},
                 {"from": 3, "to": 9, "label": "far", "shaded": True, "legend": "out of range"},
                 {"from": -1, "to": 1, "label": "a label too long for its region"},
                 {"from": 5, "to": 6, "label": "beyond the edges: not drawn", "shaded": True},
                 {"from": -3, "to": 3, "label": "", "shaded": False}],
        curve={"x": [-4, -2, 0, 2, 4], "y": [0, 1, None, 3, 4], "y_range": [0, 4], "legend": "a straight line"},
        description="a sentence for screen readers."))
    (view,) = figure_views([figure])
    assert view["kind"] == "histogram" and len(view["panels"]) == 2
    assert [p["title"] for p in view["panels"]] == ["Mine", "Theirs, as given"]
    assert view["shade_legend"] == ["out of range"] and view["curve_legend"] == "a straight line"
    assert view["summary"].endswith("one panel each for mine and theirs, each bar the share of values in its bin; "
                                    "a sentence for screen readers.")
    for panel in view["panels"]:
        frame = panel["frame"]
        left, right, bottom = panel["regions"][0], panel["regions"][1], frame["bottom"]
        assert len(panel["regions"]) == 4  # the one beyond the edges is left out
        assert left["x"] == frame["left"]
        assert left["x"] + left["width"] == pytest.approx(frame["left"] + frame["width"] / 8, abs=0.1)
        assert right["x"] + right["width"] == pytest.approx(frame["right"], abs=0.1)
        assert left["shaded"] and left["labelled"] and left["label"] == "far"
        assert not panel["regions"][2]["labelled"] and not panel["regions"][3]["labelled"]
        # the curve has its own vertical scale: y_range[0] at the bottom of the plot, y_range[1] at the top
        runs = [[tuple(map(float, point.split(","))) for point in run.split(" L")] for run in
                panel["curve"].lstrip("M").split(" M")]
        assert len(runs) == 2  # the missing point breaks the line
        (x0, y0), (x1, y1) = runs[0]
        assert (x0, y0) == (frame["left"], bottom) and x1 == pytest.approx(frame["left"] + frame["width"] / 4)
        assert y1 == pytest.approx(bottom - frame["height"] / 4, abs=0.1)
        assert runs[1][-1] == (frame["right"], frame["top"])
        assert all(frame["top"] <= bar["y"] and bar["y"] + bar["height"] <= bottom + 0.1 for bar in panel["bars"])
    mine, theirs = (len(p["bars"]) for p in view["panels"])
    assert (mine, theirs) == (6, 2)  # empty bins get no bar


def test_a_plain_histogram_has_no_regions_curve_or_legend():
    (view,) = figure_views([Figure(kind="histogram", title="h", data=_histogram())])
    assert view["kind"] == "histogram" and view["shade_legend"] == [] and view["curve_legend"] == ""
    assert all(p["regions"] == [] and p["curve"] == "" for p in view["panels"])
    assert view["summary"].endswith("one panel each for mine and theirs, each bar the share of values in its bin.")
    page = render_html(_hostile_result((Figure(kind="histogram", title="h", data=_histogram()),)), title="T",
                       lessons={})
    _parse(page)
    assert 'class="shade"' not in page.split("<svg class=\"plot\"")[1]


def test_saturation_data_beyond_the_float_range_is_shown_as_a_caption(figures_module):
    with np.errstate(all="ignore"):  # the range's nice ceiling overflows to infinity
        data = figures_module.saturation_data(np.array([1.7e308, -1.7e308, 0.5]), np.array([0.1, -0.2, 3.0]))
    assert None in data["edges"] and "curve" not in data and "regions" not in data
    (view,) = figure_views([Figure(kind="histogram", title="h", data=data)])
    assert view["kind"] == "text"
    sane = figures_module.saturation_data(np.array([0.5, -3.0]), np.array([0.1, -0.2]))
    assert [r["label"] for r in sane["regions"]] == ["flat", "flat", "steep"]
    assert figure_views([Figure(kind="histogram", title="h", data=sane)])[0]["kind"] == "histogram"


# ---------------------------------------------------------------------------------------------------------------
# Figures that tell the truth: log axes, shares up to 1, a range per panel, the curve's own axis


def _cost_figure(ys: list[float], **extra) -> Figure:
    return Figure(kind="lines", title="cost", data={
        "x_label": "k", "y_label": "cost J", "y_min": 0,
        "panels": [{"title": "", "series": [{"label": "cost", "x": list(range(len(ys))), "y": ys}]}], **extra})


def test_costs_over_orders_of_magnitude_get_a_log_axis():
    (view,) = figure_views([_cost_figure([800.0, 40.0, 2.0, 0.7, 0.5])])
    frame = view["panels"][0]["frame"]
    assert view["log"] and frame["log"] and frame["y_label"] == "cost J (log scale)"
    assert [t["label"] for t in frame["y_ticks"]] == ["0.1", "1", "10", "100", "1000"]
    # equal ratios are equal distances: 0.1 → 1 as tall as 100 → 1000
    at = {t["label"]: t["at"] for t in frame["y_ticks"]}
    assert at["0.1"] - at["1"] == pytest.approx(at["100"] - at["1000"], abs=0.2)
    # the line's last points (0.7 and 0.5) stay apart (a linear axis to 800 would put them 0.04 units apart)
    points = [tuple(map(float, p.split(","))) for p in view["panels"][0]["series"][0]["path"].lstrip("M").split(" L")]
    assert points[4][1] - points[3][1] > 5
    assert "logarithmic" in view["summary"]


def test_a_narrow_cost_range_stays_linear_unless_the_data_says_log():
    (linear,) = figure_views([_cost_figure([0.69, 0.5, 0.3, 0.25])])
    assert not linear["log"] and linear["panels"][0]["frame"]["y_ticks"][0]["label"] == "0"  # y_min = 0 kept
    (forced,) = figure_views([_cost_figure([0.69, 0.5, 0.3, 0.25], y_scale="log")])
    assert forced["log"]
    (kept,) = figure_views([_cost_figure([800.0, 0.5], y_scale="linear")])
    assert not kept["log"]
    (negative,) = figure_views([_cost_figure([-800.0, 0.5, 0.001])])  # a log axis cannot hold them
    assert not negative["log"]


def test_log_axis_ticks_are_powers_of_ten():
    from grader.axes import log_axis
    assert log_axis([0.5, 800])["ticks"] == [0.1, 1, 10, 100, 1000]
    axis = log_axis([0.02, 0.7])
    assert axis["lo"] == pytest.approx(0.01) and axis["hi"] == pytest.approx(1)
    assert axis["ticks"] == pytest.approx([0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1])  # two powers: 2 and 5 added
    wide = log_axis([1e-9, 1e3])
    assert len(wide["ticks"]) <= 7 and wide["ticks"][0] == pytest.approx(1e-9)


def test_histogram_shares_never_go_above_one():
    data = _histogram()
    data["series"] = [{"label": "all in one bin", "shares": [0, 0, 0, 0.95, 0.05, 0, 0, 0]}]
    (view,) = figure_views([Figure(kind="histogram", title="h", data=data)])
    ticks = [t["label"] for t in view["panels"][0]["frame"]["y_ticks"]]
    assert ticks[0] == "0" and ticks[-1] == "1" and all(float(t) <= 1 for t in ticks)
    data["series"] = [{"label": "more than the whole", "shares": [0.8, 0.7, 0, 0, 0, 0, 0, 0]}]
    (bad,) = figure_views([Figure(kind="histogram", title="h", data=data)])
    assert bad["kind"] == "text"  # shares that add up to more than 1 are not shares


def test_each_histogram_panel_may_span_its_own_range_with_the_curve_on_its_own_axis():
    wide = [-100 + 25 * i for i in range(9)]
    curve = {"x": [-4, 0, 4], "y": [-1, 0, 1], "y_range": [-1.25, 1.25], "ticks": [-1, 0, 1],
             "axis_label": "tanh(z)", "legend": "tanh"}
    data = _histogram(curve=curve)
    data["series"][0].update(edges=wide, curve={**curve, "x": [-100, 0, 100]})
    (view,) = figure_views([Figure(kind="histogram", title="h", data=data)])
    mine, theirs = view["panels"]
    assert mine["frame"]["x_ticks"][0]["label"] == "−100" and theirs["frame"]["x_ticks"][0]["label"] == "−4"
    assert "mine from −100 to 100; theirs from −4 to 4" in view["summary"]
    for panel in (mine, theirs):
        axis, frame = panel["curve_axis"], panel["frame"]
        assert axis["x"] == frame["right"] and axis["label"] == "tanh(z)"
        assert [t["label"] for t in axis["ticks"]] == ["−1", "0", "1"]
        one, minus_one = axis["ticks"][2]["at"], axis["ticks"][0]["at"]
        assert frame["top"] < one < minus_one < frame["bottom"]  # −1 to 1 inside the plot, on its own scale
        assert (minus_one - one) == pytest.approx(frame["height"] * 2 / 2.5, abs=0.2)
    page = render_html(_hostile_result((Figure(kind="histogram", title="h", data=data),)), title="T", lessons={})
    _parse(page)
    assert page.count(">tanh(z)</text>") == 2


def test_saturation_panels_show_both_distributions(figures_module):
    rng = np.random.default_rng(0)
    data = figures_module.saturation_data(rng.standard_normal(4000) * 40, rng.standard_normal(4000) * 0.3)
    yours, reference = data["series"]
    assert yours["edges"][-1] >= 100 and reference["edges"][-1] == 5  # each its own range
    assert max(reference["shares"]) < 0.5  # the reference is spread over several bars, not squeezed into one
    for series in (yours, reference):
        assert series["curve"]["ticks"] == [-1, 0, 1] and series["curve"]["y_range"] == [-1.25, 1.25]
        assert series["curve"]["x"][0] == series["edges"][0] and series["curve"]["x"][-1] == series["edges"][-1]
    (view,) = figure_views([Figure(kind="histogram", title="h", data=data)])
    assert view["kind"] == "histogram"
    assert all(float(t["label"]) <= 1 for p in view["panels"] for t in p["frame"]["y_ticks"])
    caption = figures_module.saturation_caption(data, 200, 0.05, 40.0)
    assert "Each panel spans its own range" in caption


def test_training_facts_say_slower_only_when_the_curve_shows_it(figures_module):
    faster = figures_module.training_facts([0.69, 0.4, 0.26], [0.69, 0.45, 0.29], 0.9, 0.9)
    assert not faster["training_slower"] and not faster["training_worse"] and not faster["cost_stalls"]
    slower = figures_module.training_facts([0.69, 0.6, 0.5], [0.69, 0.45, 0.29], 0.7, 0.9)
    assert slower["training_slower"] and slower["training_worse"]
    stuck = figures_module.training_facts([0.6931, 0.6931], [0.69, 0.29], 0.5, 0.9)
    assert stuck["cost_stalls"]
    blown = figures_module.training_facts([0.69, None], [0.69, 0.29], 0.5, 0.9)
    assert blown["training_slower"] and blown["cost_final"] is None
