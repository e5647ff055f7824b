"""The text helpers behind readable pages: identifiers that wrap only between words, and the similarity report's
highlighting of the lines two functions share. (The pages themselves are checked in a browser by
test_report_browser.py.)"""

from __future__ import annotations

from grader.similarity_report import marked_lines
from grader.templating import environment

ORIGINAL = '''def forward_propagation(X, parameters):
    # the first layer
    W1 = parameters["W1"]
    Z1 = np.dot(W1, X) + parameters["b1"]

    A1 = np.tanh(Z1)
    return A1, {"Z1": Z1}
'''


def breakable(text: str) -> str:
    return str(environment().filters["breakable"](text))


def test_identifiers_wrap_only_after_their_separators():
    assert breakable("initialize_parameters::not_zero") == "initialize_<wbr>parameters::<wbr>not_<wbr>zero"
    assert breakable("mistake:tanh-derivative") == "mistake:<wbr>tanh-<wbr>derivative"
    assert breakable("correct.ipynb") == "correct.<wbr>ipynb"
    assert breakable("layer_") == "layer_"  # nothing to break before
    assert breakable("plainword") == "plainword"


def test_identifiers_stay_escaped():
    assert breakable("<script>_x") == "&lt;script&gt;_<wbr>x"
    assert breakable("a&b::c") == "a&amp;b::<wbr>c"


def test_a_renamed_copy_matches_line_for_line():
    copy = (ORIGINAL.replace("parameters", "params").replace("A1", "act")
            .replace("# the first layer", "# layer one, renamed"))
    left, right = marked_lines(ORIGINAL, copy)
    assert [line["text"] for line in left] == ORIGINAL.split("\n")
    code = [line for line in left + right if line["code"]]
    assert code and all(line["same"] for line in code)
    # Blank and comment-only lines are neither code nor highlighted.
    assert not [line for line in left + right if not line["code"] and line["same"]]


def test_a_changed_line_is_not_highlighted():
    changed = ORIGINAL.replace('np.dot(W1, X) + parameters["b1"]', 'np.dot(W1, X) * 2 + parameters["b1"]')
    changed = changed.replace("    A1 = np.tanh(Z1)\n", "    A1 = np.tanh(Z1)\n    print(A1.shape)\n")
    left, right = marked_lines(ORIGINAL, changed)
    plain = {line["text"].strip(): line["same"] for line in right}
    assert plain['Z1 = np.dot(W1, X) * 2 + parameters["b1"]'] is False
    assert plain["print(A1.shape)"] is False
    assert plain["A1 = np.tanh(Z1)"] and plain["return A1, {\"Z1\": Z1}"] and plain['W1 = parameters["W1"]']
    assert {line["text"].strip(): line["same"] for line in left}['Z1 = np.dot(W1, X) + parameters["b1"]'] is False


def test_a_fragment_that_does_not_tokenize_is_compared_word_by_word():
    left, right = marked_lines("    return (a,\n  b", "    return (a,\n  c")
    assert [line["same"] for line in left] == [True, False]
