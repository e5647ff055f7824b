"""Tests for grader.fingerprint, grader.similarity and grader.similarity_report: real sources through the real
loader, fingerprints, pairs and the HTML report."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path
from string import Template

import nbformat
import pytest

from grader.fingerprint import FunctionPrint, fingerprints
from grader.load import load_source, load_submission
from grader.similarity import FunctionMatch, SimilarPair, find_similar
from grader.similarity_report import render_similarity_html, write_similarity_report

ROOT = Path(__file__).resolve().parent.parent
STUB = ROOT / "assignments" / "shallow-nn" / "shallow_nn.py"
GRADED = ("layer_sizes", "initialize_parameters", "forward_propagation", "compute_cost", "backward_propagation",
          "update_parameters", "predict", "nn_model")  # fmt: skip

ALICE = '''\
import numpy as np
from planar_utils import sigmoid


def forward_propagation(X, parameters):
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid(Z2)
    assert A2.shape == (1, X.shape[1])
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache


def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    W2 = parameters["W2"]
    A1 = cache["A1"]
    A2 = cache["A2"]
    dZ2 = A2 - Y
    dW2 = (1 / m) * np.dot(dZ2, A1.T)
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.multiply(np.dot(W2.T, dZ2), 1 - np.power(A1, 2))
    dW1 = (1 / m) * np.dot(dZ1, X.T)
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def predict(parameters, X):
    A2, cache = forward_propagation(X, parameters)
    return A2 > 0.5
'''

# Alice's code with every local renamed, other comments and docstrings, another layout, split over notebook cells.
BOB_CELLS = (
    "md:# My homework",
    "import numpy as np\nfrom planar_utils import sigmoid",
    '''def forward_propagation(X, parameters):
    """Forward pass of my network."""
    w_hidden = parameters['W1'];  bias_hidden = parameters['b1']
    w_out = parameters['W2']
    bias_out = parameters['b2']   # output layer

    # hidden layer
    pre_hidden = (np.dot(w_hidden, X)
                  + bias_hidden)
    act_hidden = np.tanh( pre_hidden )
    pre_out = np.dot(w_out, act_hidden)+bias_out
    y_hat = sigmoid(pre_out)
    assert y_hat.shape == (1, X.shape[1])
    cache = {'Z1': pre_hidden, 'A1': act_hidden, 'Z2': pre_out, 'A2': y_hat}
    return y_hat, cache''',
    "md:Backprop next.",
    '''def backward_propagation(parameters, cache, X, Y):
    # number of examples
    n = X.shape[1]
    w2 = parameters["W2"]
    a1 = cache["A1"]; a2 = cache["A2"]
    dz2 = a2 - Y
    dw2 = (1/n) * np.dot(dz2, a1.T)
    db2 = (1/n)*np.sum(dz2, axis = 1, keepdims = True)
    dz1 = np.multiply(np.dot(w2.T, dz2),
                      1 - np.power(a1, 2))  # tanh'
    dw1 = (1/n) * np.dot(dz1, X.T)
    db1 = (1/n) * np.sum(dz1, axis=1, keepdims=True)
    return {"dW1": dw1, "db1": db1, "dW2": dw2, "db2": db2}''',
)

# The same network computed another way: matrix operators, a loop over the layers, different intermediate values.
CAROL = '''\
import numpy as np


def forward_propagation(X, parameters):
    cache = {}
    a = X
    for layer, act in ((1, np.tanh), (2, lambda z: 1.0 / (1.0 + np.exp(-z)))):
        z = parameters[f"W{layer}"] @ a + parameters[f"b{layer}"]
        a = act(z)
        cache[f"Z{layer}"], cache[f"A{layer}"] = z, a
    return a, cache


def backward_propagation(parameters, cache, X, Y):
    grads = {}
    delta = cache["A2"] - Y
    inputs = {2: cache["A1"], 1: X}
    for layer in (2, 1):
        grads[f"dW{layer}"] = delta @ inputs[layer].T / Y.shape[1]
        grads[f"db{layer}"] = delta.mean(axis=1, keepdims=True)
        if layer == 2:
            delta = (parameters["W2"].T @ delta) * (1.0 - cache["A1"] ** 2)
    return grads
'''


def notebook(*cells: str) -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(c[3:]) if c.startswith("md:") else nbformat.v4.new_code_cell(c)
                for c in cells]  # fmt: skip
    return nbformat.writes(nb).encode()


def prints_of(name: str, source: str | bytes, functions=GRADED) -> dict[str, FunctionPrint]:
    kind = "ipynb" if name.endswith(".ipynb") else "py"
    data = source.encode() if isinstance(source, str) else source
    return fingerprints(load_source(data, name=name, kind=kind), functions)


def class_of(**sources: str | bytes) -> dict[str, dict[str, FunctionPrint]]:
    return {ident: prints_of(f"{ident}.ipynb" if isinstance(src, bytes) else f"{ident}.py", src)
            for ident, src in sources.items()}  # fmt: skip


def the_pair(pairs: tuple[SimilarPair, ...], left: str, right: str) -> SimilarPair | None:
    return next((p for p in pairs if (p.left, p.right) == (left, right)), None)


# ---------------------------------------------------------------------------------------------------------------
# Normalisation and pairs


def test_renamed_recommented_reformatted_copy_is_identical():
    alice, bob = prints_of("alice.py", ALICE), prints_of("bob.ipynb", notebook(*BOB_CELLS))
    for name in ("forward_propagation", "backward_propagation"):
        assert alice[name].shingles == bob[name].shingles, name
        assert alice[name].size == bob[name].size >= 40
    assert bob["forward_propagation"].where == "cell 3, line 1"
    assert bob["backward_propagation"].where == "cell 5, line 1"
    assert alice["backward_propagation"].where == "line 19"
    assert bob["forward_propagation"].source.startswith('def forward_propagation(X, parameters):\n    """Forward')
    assert "return y_hat, cache" in bob["forward_propagation"].source

    pairs = find_similar({"alice": alice, "bob": bob, "carol": prints_of("carol.py", CAROL)})
    assert [(p.left, p.right) for p in pairs] == [("alice", "bob")]
    pair = pairs[0]
    assert pair.score == pytest.approx(1.0)
    assert {m.function for m in pair.matches} == {"forward_propagation", "backward_propagation"}  # predict: tiny
    match = next(m for m in pair.matches if m.function == "backward_propagation")
    assert match.similarity == pytest.approx(1.0)
    assert (match.left_where, match.right_where) == ("line 19", "cell 5, line 1")
    assert "dz1 = np.multiply" in match.right_source and "dZ1 = np.multiply" in match.left_source


def test_constants_keep_their_type_not_their_value():
    base = "def f(X):\n    Z = np.dot(X, X.T) * 0.01 + np.ones((3, 1))\n    return Z if X.ndim == 2 else None\n"
    same = base.replace("0.01", "0.5").replace("(3, 1)", "(4, 2)")
    other = base.replace("0.01", "1").replace("None", "True")
    header = "import numpy as np\n"
    a, b, c = (prints_of("x.py", header + src, ("f",))["f"] for src in (base, same, other))
    assert a.shingles == b.shingles
    assert a.shingles != c.shingles


def test_a_different_implementation_is_not_similar():
    prints = class_of(alice=ALICE, carol=CAROL)
    assert find_similar(prints) == ()
    low = find_similar(prints, threshold=0.01)
    assert all(m.similarity < 0.2 for p in low for m in p.matches)


def test_moved_independent_statements_keep_most_of_the_similarity():
    lines = ALICE.split("\n")
    at = lines.index("    dZ2 = A2 - Y")
    moved = [*lines[:at], lines[at + 2], lines[at], lines[at + 3], lines[at + 1], *lines[at + 4 :]]
    pairs = find_similar(class_of(alice=ALICE, moved="\n".join(moved)), threshold=0.5)
    backward = next(m for m in pairs[0].matches if m.function == "backward_propagation")
    assert 0.6 < backward.similarity < 1.0  # only the shingles across the moved boundaries differ
    assert pairs[0].score > 0.8


def test_skeleton_alone_does_not_make_pairs_similar():
    stub = STUB.read_text()
    forward = re.search(r"def forward_propagation.*?return A2, cache\n", stub, re.S).group(0)
    own = {
        "dot": forward.replace("W1 = None", 'W1 = parameters["W1"]').replace("Z1 = None", "Z1 = np.dot(W1, X) + b1"),
        "loop": forward.replace("A2 = None", "A2 = X\n    for k in range(3):\n        A2 = np.tanh(A2 @ A2.T) + k"),
        "ops": forward.replace("Z2 = None", "Z2 = (W2 @ np.maximum(A1, 0.0)).sum(axis=0, keepdims=True) / 2"),
    }
    prints = class_of(**{name: stub.replace(forward, body) for name, body in own.items()})
    skeleton = fingerprints(load_submission(STUB), GRADED)
    assert set(skeleton) == set(GRADED)
    assert len(find_similar(prints, threshold=0.5)) == 3  # the untouched template makes everyone look alike...
    assert find_similar(prints, threshold=0.5, skeleton=skeleton) == ()  # ...until it is taken away
    assert find_similar(class_of(a=stub, b=stub), skeleton=skeleton) == ()


def test_functions_below_the_size_floor_are_ignored():
    tiny = "def layer_sizes(X, Y):\n    n_x = X.shape[0]\n    return (n_x, 4, Y.shape[0])\n"
    prints = class_of(a=tiny, b=tiny.replace("n_x", "inputs"))
    assert 10 <= prints["a"]["layer_sizes"].size < 15
    assert prints["a"]["layer_sizes"].shingles == prints["b"]["layer_sizes"].shingles
    assert find_similar(prints) == ()
    assert [p.score for p in find_similar(prints, min_tokens=1)] == [pytest.approx(1.0)]


def test_missing_functions_and_syntax_errors_are_handled():
    broken = notebook(*BOB_CELLS[:4], BOB_CELLS[4].replace("n = X.shape[1]", "n = X.shape[1"))
    only_forward = ALICE.split("def backward_propagation")[0]
    prints = class_of(alice=ALICE, broken=broken, partial=only_forward, empty="x = 1\n", garbage=b"{not json")
    assert set(prints["broken"]) == {"forward_propagation"}  # the cell with the error defines nothing
    assert set(prints["partial"]) == {"forward_propagation"} and prints["empty"] == prints["garbage"] == {}
    pairs = find_similar(prints)
    assert [(p.left, p.right) for p in pairs] == [("alice", "broken"), ("alice", "partial"), ("broken", "partial")]
    assert all(p.score == pytest.approx(1.0) and [m.function for m in p.matches] == ["forward_propagation"]
               for p in pairs)  # fmt: skip
    assert find_similar({}) == () and find_similar({"a": {}}) == ()


def test_output_is_deterministic_and_stable_across_processes():
    sources = {f"s{i}": ALICE.replace("X.T", f"X.T * {i}.0" if i % 2 else f"X.T + {i}") for i in range(6)}
    sources["bob"] = notebook(*BOB_CELLS)
    prints = class_of(**sources)
    reversed_prints = dict(reversed(list(prints.items())))
    first = find_similar(prints, threshold=0.5)
    assert len(first) == 21  # every pair: the seven differ in a constant or two
    assert find_similar(reversed_prints, threshold=0.5) == first
    assert list(first) == sorted(first, key=lambda p: (-p.score, p.left, p.right))
    assert [(p.left, p.right, p.score) for p in first[:6]] == [
        ("s0", "s2", 1.0), ("s0", "s4", 1.0), ("s1", "s3", 1.0), ("s1", "s5", 1.0), ("s2", "s4", 1.0), ("s3", "s5", 1.0)
    ]  # fmt: skip
    script = ("import sys; from grader.load import load_source; from grader.fingerprint import fingerprints; "
              "print(fingerprints(load_source(sys.stdin.buffer.read(), name='a.py', kind='py'), "
              "['backward_propagation'])['backward_propagation'].shingles.hex())")  # fmt: skip
    outputs = {
        subprocess.run([sys.executable, "-c", script], input=ALICE.encode(), capture_output=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout.strip()
        for seed in ("1", "2")
    }  # fmt: skip
    assert outputs == {prints_of("alice.py", ALICE)["backward_propagation"].shingles.hex().encode()}


def test_bad_arguments_are_rejected():
    for kwargs in ({"threshold": 0.0}, {"threshold": 1.5}, {"limit": -1}, {"common": 0.0}):
        with pytest.raises(ValueError):
            find_similar({}, **kwargs)


def test_limit_keeps_the_best_pairs():
    sources = {f"s{i}": ALICE for i in range(4)} | {"t": ALICE.replace("np.tanh(Z1)", "np.tanh(Z1) + 0 * Z1")}
    pairs = find_similar(class_of(**sources), threshold=0.5, limit=3)
    assert [(p.left, p.right, p.score) for p in pairs] == [
        ("s0", "s1", pytest.approx(1.0)), ("s0", "s2", pytest.approx(1.0)), ("s0", "s3", pytest.approx(1.0))
    ]  # fmt: skip
    assert find_similar(class_of(**sources), limit=0) == ()


# ---------------------------------------------------------------------------------------------------------------
# Report

HOSTILE = "</pre><script>alert(1)</script>"


def test_student_code_in_the_report_is_inert(tmp_path: Path):
    evil = ALICE.replace("    return A2 > 0.5", f"    # {HOSTILE}\n    return A2 > 0.5").replace(
        "A1 = np.tanh(Z1)", f"A1 = np.tanh(Z1)  # {HOSTILE}\n    print('{HOSTILE}')"
    )
    pairs = find_similar(class_of(**{"alice": ALICE, "<b>mallory": evil}), threshold=0.5)
    assert len(pairs) == 1 and any(HOSTILE in m.left_source for m in pairs[0].matches)  # "<" sorts first
    page = render_similarity_html(pairs, title="Shallow <nn> & co")
    assert "<script" not in page and "<b>" not in page
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;mallory" in page and "Shallow &lt;nn&gt; &amp; co" in page
    assert page.count("<pre>") == page.count("</pre>") == 2 * sum(len(p.matches) for p in pairs)
    assert 'href="http' not in page and "src=" not in page  # self-contained

    html_path = write_similarity_report(pairs, tmp_path / "out", title="Shallow")
    assert html_path == tmp_path / "out" / "similarity.html" and html_path.read_text() == render_similarity_html(
        pairs, title="Shallow")  # fmt: skip
    data = json.loads((tmp_path / "out" / "similarity.json").read_text())
    assert data["title"] == "Shallow"
    restored = [SimilarPair(**{**p, "matches": tuple(FunctionMatch(**m) for m in p["matches"])}) for p in data["pairs"]]
    assert tuple(restored) == pairs


def test_report_ranks_pairs_and_shows_both_sides():
    match = FunctionMatch(function="predict", similarity=0.91, left_source="L = 1", right_source="R = 2",
                          left_where="line 3", right_where="cell 7, line 1")  # fmt: skip
    pairs = (SimilarPair(left="a", right="b", score=0.99, matches=(match,)),
             SimilarPair(left="c", right="d", score=0.85, matches=(match,)))  # fmt: skip
    page = render_similarity_html(pairs, title="T")
    assert page.index("a ↔ b") < page.index("c ↔ d")
    assert "99.0%" in page and "85.0%" in page and "91.0% similar" in page
    assert "cell 7, line 1" in page and "L = 1" in page and "R = 2" in page
    assert "grid-template-columns: 1fr 1fr" in page and "@media (max-width" in page
    assert "No pair" in render_similarity_html((), title="T")


# ---------------------------------------------------------------------------------------------------------------
# A synthetic class of 5,000


def _unit(*parts: object) -> float:
    """A uniform number in [0, 1) determined by ``parts`` (fast, and independent of the order of calls)."""
    return int.from_bytes(hashlib.blake2b(" ".join(map(str, parts)).encode(), digest_size=8).digest(), "little") / 2**64


def _weighted(u: float, n: int) -> int:
    weights = (0.35, 0.25, 0.2, 0.12, 0.08)[:n]
    u *= sum(weights)
    for i, weight in enumerate(weights):
        if u < weight:
            return i
        u -= weight
    return n - 1


class _Student:
    """Structure decided by ``structure`` (each decision by its name, so a copy repeats them all); names, layout,
    comments and the order of independent statements decided by ``surface``."""

    def __init__(self, structure: int, surface: int, edit: str = "") -> None:
        self.seed, self.rng, self.names, self.edit = structure, random.Random(surface), {}, edit

    def pick(self, key: str, n: int, occurrence: int = 0) -> int:
        """The student's usual choice among ``n`` ways, though now and then another one (``edit``: changed)."""
        usual = _unit(self.seed, key, occurrence, "unusual") < 0.8
        choice = _weighted(_unit(self.seed, key) if usual else _unit(self.seed, key, occurrence), n)
        return (choice + 1) % n if key == self.edit else choice

    def extras(self, key: str, pool: tuple[str, ...], body: list[str]) -> list[str]:
        """Add a few statements of the student's own (asserts, prints, checks) somewhere before the last two."""
        for i in range(_weighted(_unit(self.seed, key, "count"), 3)):
            where = int(_unit(self.seed, key, i, "where") * (len(body) - 1))
            body.insert(where, pool[int(_unit(self.seed, key, i, "what") * len(pool))])
        return body

    def name(self, role: str) -> str:
        if role not in self.names:
            word = self.rng.choice(("w", "weights", "z", "act", "hidden", "out", "grad", "tmp", "val", "h", "q"))
            self.names[role] = self.rng.choice((role, role.lower(), f"{word}_{len(self.names)}", f"{role}_{word}"))
        return self.names[role]

    def mm(self, a: str, b: str, occurrence: int) -> str:
        return ("np.dot({a}, {b})", "{a} @ {b}", "np.matmul({a}, {b})", "{a}.dot({b})")[
            self.pick("mm", 4, occurrence)].format(a=a, b=b)  # fmt: skip

    def shuffled(self, lines: list[str]) -> list[str]:
        self.rng.shuffle(lines)
        return lines

    def extract(self, source: str, keys: tuple[str, ...], occurrence: int) -> list[str]:
        form = ('${k} = %s["{k}"]', '${k} = %s.get("{k}")', '${k} = %s["{k}"]  ; assert ${k} is not None',
                '${k} = %s["{k}"].copy()')[self.pick("extract", 4, occurrence)]  # fmt: skip
        return self.shuffled([(form % source).format(k=k) for k in keys])

    def function(self, head: str, body: list[str]) -> str:
        """Lay the function out: names filled in, maybe a docstring, comments, compact operators, other quotes."""
        out = [head]
        if self.rng.random() < 0.3:
            out.append(f'    """{self.rng.choice(("My code.", "Step", "TODO done"))}"""')
        compact = self.rng.random() < 0.3
        for line in body:
            line = Template(line).substitute({r: self.name(r) for r in re.findall(r"\$\{?(\w+)", line)})
            if compact:
                line = re.sub(r" (\*\*|==|[-+*/@]=?|=) ", r"\1", line).replace(", ", ",")
            if self.rng.random() < 0.2:
                out.append(f"    # {self.rng.choice(('compute it', 'as in the lecture', 'step'))}")
            out.append("    " + line + (f"  # {self.rng.randrange(99)}" if self.rng.random() < 0.15 else ""))
        return "\n".join(out).replace('"', "'" if self.rng.random() < 0.4 else '"')

    def forward(self) -> list[str]:
        p = self.pick
        z1, z2 = self.mm("$W1", "X", 0), self.mm("$W2", "$A1", 1)
        body = [
            *self.extract("parameters", ("W1", "b1", "W2", "b2"), 0),
            *(["${m} = X.shape[1]"] if p("fm", 2) else []),
            (f"$Z1 = {z1} + $b1", f"$Z1 = np.add({z1}, $b1)")[p("add", 2)],
            ("$A1 = np.tanh($Z1)", "$A1 = (np.exp($Z1) - np.exp(-$Z1)) / (np.exp($Z1) + np.exp(-$Z1))",
             "$A1 = 2 * sigmoid(2 * $Z1) - 1", "$A1 = np.tanh($Z1.astype(float))")[p("tanh", 4)],
            (f"$Z2 = {z2} + $b2", f"$Z2 = np.add({z2}, $b2)")[p("add", 2, 1)],
            ("$A2 = sigmoid($Z2)", "$A2 = 1 / (1 + np.exp(-$Z2))", "$A2 = np.reciprocal(1 + np.exp(-$Z2))")[
                p("sigmoid", 3)],
            'cache = {"Z1": $Z1, "A1": $A1, "Z2": $Z2, "A2": $A2}',
            "return $A2, cache",
        ]  # fmt: skip
        return self.extras("forward", (
            "assert $A2.shape == (1, X.shape[1])", "print('A2', $A2.shape)", "$n_h = $W1.shape[0]",
            "assert $Z1.shape == ($W1.shape[0], X.shape[1])", "assert not np.isnan($A2).any()",
            "X = np.asarray(X, dtype=float)"), body)  # fmt: skip

    def cost(self) -> list[str]:
        p, m = self.pick, "${m}"
        logs = ("np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)",
                "Y * np.log(A2) + (1 - Y) * np.log(1 - A2)", "np.log(A2) * Y + np.log(1 - A2) * (1 - Y)",
                "np.dot(Y, np.log(A2).T) + np.dot(1 - Y, np.log(1 - A2).T)")[p("logs", 4)]  # fmt: skip
        total = f"({logs})" if p("inline", 2) else "$lp"
        body = [
            f"{m} = Y.shape[1]",
            *([] if p("inline", 2) else [f"$lp = {logs}"]),
            (f"$cost = -np.sum({total}) / {m}", f"$cost = -(1 / {m}) * np.sum({total})", f"$cost = -np.mean({total})",
             f"$cost = -1 / {m} * np.sum({total})", f"$cost = np.sum({total}) / -{m}")[p("reduce", 5)],
            *(["$cost = np.squeeze($cost)"] if p("squeeze", 2) else []),
            ("return float($cost)", "return $cost.item()", "return float(np.squeeze($cost))")[p("float", 3)],
        ]  # fmt: skip
        return self.extras("cost", ("A2 = np.clip(A2, 1e-12, 1 - 1e-12)", "assert Y.shape == A2.shape", "$eps = 1e-8",
                                    "print($cost)", "assert isinstance($cost, float)"), body)  # fmt: skip

    def backward(self) -> list[str]:
        p = self.pick

        def scaled(expr: str, occurrence: int) -> str:
            return ("(1 / ${m}) * %s", "%s / ${m}", "1 / ${m} * %s", "np.divide(%s, ${m})")[
                p("scale", 4, occurrence)] % expr  # fmt: skip

        def bias(dz: str, occurrence: int) -> str:
            return (scaled(f"np.sum({dz}, axis=1, keepdims=True)", occurrence),
                    f"np.mean({dz}, axis=1, keepdims=True)", scaled(f"{dz}.sum(axis=1, keepdims=True)", occurrence),
                    scaled(f"np.sum({dz}, axis=1).reshape(-1, 1)", occurrence))[p("bias", 4, occurrence)]  # fmt: skip

        slope = ("(1 - np.power($A1, 2))", "(1 - $A1 ** 2)", "(1 - $A1 * $A1)", "(1 - np.square($A1))")[p("slope", 4)]
        back = self.mm("$W2.T", "$dZ2", 3)
        factor = "$g" if p("g", 2) else slope
        body = [
            ("${m} = X.shape[1]", "${m} = Y.shape[1]", "${m} = $A1.shape[1]")[p("msrc", 3)],
            *self.extract("parameters", ("W2",), 1),
            *self.extract("cache", ("A1", "A2"), 2),
            ("$dZ2 = $A2 - Y", "$dZ2 = np.subtract($A2, Y)")[p("dz2", 2)],
            *self.shuffled([f"$dW2 = {scaled(self.mm('$dZ2', '$A1.T', 2), 0)}", f"$db2 = {bias('$dZ2', 0)}"]),
            *([f"$g = {slope}"] if p("g", 2) else []),
            (f"$dZ1 = {back} * {factor}", f"$dZ1 = np.multiply({back}, {factor})")[p("mul", 2)],
            *self.shuffled([f"$dW1 = {scaled(self.mm('$dZ1', 'X.T', 4), 1)}", f"$db1 = {bias('$dZ1', 1)}"]),
            'grads = {"dW1": $dW1, "db1": $db1, "dW2": $dW2, "db2": $db2}',
            "return grads",
        ]  # fmt: skip
        return self.extras("back", ("assert $dW1.shape == parameters['W1'].shape", "print($dW2.shape, $db2.shape)",
                                    "$W1 = parameters['W1']", "$Z1 = cache['Z1']",
                                    "assert $dZ1.shape == $A1.shape"), body)  # fmt: skip

    def update(self) -> list[str]:
        keys = ("W1", "b1", "W2", "b2")
        style = self.pick("update", 3)
        if style == 1:
            body = [f'${k} = parameters["{k}"] - learning_rate * grads["d{k}"]' for k in keys]
        else:
            step = "${k} = ${k} - learning_rate * $d{k}" if style == 0 else "${k} -= learning_rate * $d{k}"
            body = [*self.extract("parameters", keys, 3), *self.extract("grads", tuple(f"d{k}" for k in keys), 4),
                    *[step.format(k=k) for k in keys]]  # fmt: skip
        return [*body, 'parameters = {"W1": $W1, "b1": $b1, "W2": $W2, "b2": $b2}', "return parameters"]

    def source(self) -> str:
        sizes = ["${n_x} = X.shape[0]", "${n_h} = 4", "${n_y} = Y.shape[0]", "return (${n_x}, ${n_h}, ${n_y})"]
        star = self.pick("import", 2)
        functions = [
            self.function("def layer_sizes(X, Y):", sizes),
            self.function("def forward_propagation(X, parameters):", self.forward()),
            self.function("def compute_cost(A2, Y):", self.cost()),
            self.function("def backward_propagation(parameters, cache, X, Y):", self.backward()),
            self.function("def update_parameters(parameters, grads, learning_rate=1.2):", self.update()),
        ]
        imports = "import numpy as np\nfrom planar_utils import " + ("*" if star else "sigmoid")
        return "\n\n".join([imports, *functions]) + "\n"


SYNTHETIC = ("layer_sizes", "forward_propagation", "compute_cost", "backward_propagation", "update_parameters")


def synthetic_class(n: int, copies: int) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """``n`` honest students (independent structure) among whom ``copies`` pairs copied, {pair: what was edited}.

    Every copy has other names, comments, layout and order of independent statements; every other copy also
    changed one habit throughout (e.g. how it writes tanh'), which no longer makes it near-identical.
    """
    rng = random.Random(20240)
    students = [_Student(i, 10**6 + i) for i in range(n)]
    planted: dict[tuple[str, str], str] = {}
    chosen = rng.sample(range(n), 2 * copies)
    for k, (original, copy) in enumerate(zip(chosen[::2], chosen[1::2])):
        edit = ("", "slope", "", "reduce", "", "tanh", "", "bias", "", "extract")[k % 10]
        students[copy] = _Student(original, 10**6 + copy, edit)
        planted[(f"s{min(original, copy):05d}", f"s{max(original, copy):05d}")] = edit
    return {f"s{i:05d}": student.source() for i, student in enumerate(students)}, planted


def run_synthetic(n: int, copies: int) -> dict[str, float]:
    """Fingerprint and compare a synthetic class; check what is found; return the CPU seconds of both steps."""
    sources, planted = synthetic_class(n, copies)
    started = time.process_time()
    prints = {ident: fingerprints(load_source(src.encode(), name=f"{ident}.py", kind="py"), SYNTHETIC)
              for ident, src in sources.items()}  # fmt: skip
    fingerprinted = time.process_time()
    pairs = find_similar(prints, limit=10_000)
    found = time.process_time()
    flagged = {(p.left, p.right) for p in pairs}
    assert all(len(fps) == len(SYNTHETIC) for fps in prints.values())
    verbatim = {pair for pair, edit in planted.items() if not edit}
    assert verbatim <= flagged, verbatim - flagged  # renamed, recommented, reformatted, reordered: always found
    edited = flagged & (planted.keys() - verbatim)
    assert 2 * len(edited) >= len(planted) - len(verbatim)  # a habit changed throughout: found at least half the time
    honest = flagged - planted.keys()
    assert len(honest) <= 2, sorted((p.left, p.right, p.score) for p in pairs if (p.left, p.right) in honest)
    times = {"fingerprint_s": fingerprinted - started, "find_s": found - fingerprinted}
    print(f"\n{n} submissions: {times['fingerprint_s']:.1f} s CPU to load and fingerprint, {times['find_s']:.1f} s "
          f"to compare; found {len(verbatim)}/{len(verbatim)} verbatim and {len(edited)}/{len(planted) - len(verbatim)}"
          f" edited copies; {len(honest)} honest pairs flagged")  # fmt: skip
    return times


@pytest.mark.slow
def test_synthetic_class_small():
    run_synthetic(300, 10)


@pytest.mark.slow
def test_synthetic_class_of_5000_is_fast():
    times = run_synthetic(5000, 12)
    assert times["find_s"] < times["fingerprint_s"] / 2  # comparing everyone costs less than reading everyone


def test_similar_pairs_discounts_the_real_stub_and_skips_what_does_not_load(tmp_path):
    from grader.assignment import load_assignment
    from grader.similarity_report import similar_pairs

    assignment = load_assignment(ROOT, "shallow-nn")
    batch = tmp_path / "batch"
    batch.mkdir()
    stub = (ROOT / "assignments" / "shallow-nn" / "shallow_nn.py").read_text()
    (batch / "untouched_a.py").write_text(stub)  # two students who handed in the starter code as it is
    (batch / "untouched_b.py").write_text(stub)
    example = (ROOT / "assignments" / "shallow-nn" / "examples" / "large_scale.py").read_text()
    (batch / "original.py").write_text(example)
    (batch / "renamed.py").write_text(example.replace("cache", "memo"))
    (batch / "broken.py").write_bytes(b"\xff\xfe not python at all \x00")
    pairs, report = similar_pairs([batch], assignment, out_dir=tmp_path / "out", threshold=0.5)
    assert [(p.left, p.right) for p in pairs] == [("original", "renamed")]
    assert pairs[0].score == pytest.approx(1.0)
    assert report == tmp_path / "out" / "similarity.html" and report.is_file()
    saved = json.loads((tmp_path / "out" / "similarity.json").read_text())
    assert saved == {"title": assignment.title, "pairs": [p.to_dict() for p in pairs]}
