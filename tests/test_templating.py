"""The one template environment and the text helpers every page shares."""

from __future__ import annotations

import jinja2
import pytest

from grader.templating import environment, number, percent, percent_floor, render, slug

HOSTILE = "<script>alert('x')</script>"


@pytest.mark.parametrize(("value", "text"), [(2.0, "2"), (2.5, "2.5"), (1 / 3, "0.33"), (0.0, "0"), (-0.001, "0"),
                                             (-1.25, "-1.25"), (10.0, "10"), (9.999, "10")])
def test_number_writes_scores_as_they_are_read(value, text):
    assert number(value) == text


def test_percent_rounds_to_one_decimal_and_says_when_there_is_no_whole():
    assert percent(1, 3) == "33.3%"
    assert percent(3, 3) == "100%"
    assert percent(0, 7) == "0%"
    assert percent(1, 8) == "12.5%"
    assert percent(1, 0) == "–"
    assert percent(1, -1, empty="0%") == "0%"


def test_percent_floor_never_shows_more_than_was_reached():
    assert percent_floor(0.79999) == "79.9%"  # not 80.0%
    assert percent_floor(0.8) == "80.0%"  # 0.8 * 1000 is 800.0000000000001 in floats; still not 80.1%
    assert percent_floor(1.0) == "100.0%"
    assert percent_floor(0.0) == "0.0%"
    assert percent_floor(0.123456) == "12.3%"


def test_slug_makes_anchors():
    assert slug("Backward propagation::values") == "backward-propagation-values"
    assert slug("  W1 & b1 ") == "w1-b1"
    assert slug("<>") == "x"


def test_one_environment_built_once_the_pallets_way():
    env = environment()
    assert env is environment()
    assert isinstance(env.loader, jinja2.PackageLoader)
    assert env.undefined is jinja2.StrictUndefined
    assert {"rich_html", "md_text", "md_rich", "md_fence", "md_code", "md_quote"} <= set(env.filters)
    assert callable(env.autoescape)
    assert env.autoescape("report.html.j2") and env.autoescape("x.html")
    assert not env.autoescape("report.md.j2")


def test_a_misspelt_variable_is_an_error_not_an_empty_string():
    with pytest.raises(jinja2.UndefinedError):
        render("similarity.html.j2", {"title": "T"})  # "pairs" is missing


def test_html_templates_escape_and_filters_keep_code_spans():
    env = environment()
    assert HOSTILE not in render("similarity.html.j2", {"title": HOSTILE, "pairs": []})
    rich = env.filters["rich_html"](f"Use `np.dot` not {HOSTILE}\n\nnext")
    assert str(rich) == ("<p>Use <code>np.dot</code> not &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</p>\n"
                         "<p>next</p>")


def test_markdown_filters_cannot_be_broken_out_of():
    env = environment()
    assert env.filters["md_text"]("*bold* <b>\nx") == "\\*bold\\* \\<b\\> x"
    fence = env.filters["md_fence"]("a\n```\nb")
    assert fence.startswith("````text\n") and fence.endswith("\n````")
    assert env.filters["md_code"]("a|b`c", table=True) == "``a\\|b`c``"
    assert env.filters["md_code"]("  ") == "(empty)"
    assert env.filters["md_quote"]("a\n\nb") == "> a\n>\n> b"
    assert env.filters["md_rich"]("1. not a list `x*y`") == "1\\. not a list `x*y`"
