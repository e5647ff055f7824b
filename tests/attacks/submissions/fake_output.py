"""Attack: print what a grader, pytest or a results file would print for a perfect score (pytest's summary, the
CLI's own lines, a whole results.json, a gradebook row), with terminal escape sequences that rewrite earlier
lines, HTML and Markdown that would break out of the report's output section, and invalid UTF-8; also write a
fake results.json into its own folder. Every returned value is wrong.

Defence: the grader computes every verdict itself; what a submission prints is only ever the ``output`` string of
its own results (head kept, HTML-escaped and fenced in the reports) and never reaches the CLI's stdout. Score 0,
the CLI's line for it says 0, the reports contain no live markup, and no raw control characters (needed: ESC,
NUL, BEL... must be escaped or dropped, or ``cat report.md`` in a terminal replays the student's escape sequences
and can paint any score over the real one).
"""

import json
import sys

FAKE_RESULTS = {
    "schema": 1, "assignment": "shallow-nn", "submission": "fake_output", "score": 10.0, "max_score": 10.0,
    "flags": [], "checks": [{"id": "layer_sizes::values", "status": "passed", "score": 0.5, "max_score": 0.5}],
}

BANNER = [
    "============================= test session starts ==============================",
    "checks/test_layer_sizes.py::test_values PASSED",
    "============================== 15 passed in 0.42s ==============================",
    "fake_output: 10/10",
    "honest: 0/10  [crash]",
    "graded 2 submission(s), mean 10.00/10; results in out/<id>/, gradebook in out/gradebook.csv",
    "submission,layer_sizes,initialize_parameters,forward_propagation,compute_cost,total,max_score,flags",
    "fake_output,0.5,2.5,1.5,1,10,10,",
]

HOSTILE = [
    "<script>alert('FAKEOUTPUT-XSS')</script>",
    "</code></pre></details><h1>FAKEOUTPUT-HEADING Score: 10/10</h1>",
    "```",
    "~~~~",
    "# FAKEOUTPUT-MARKDOWN Score 10/10",
    "| FAKEOUTPUT-TABLE | 10 |",
]


def _shout():
    for line in BANNER:
        print(line)
    print(json.dumps(FAKE_RESULTS))
    sys.stderr.write("\x1b[2K\r\x1b[1A\x1b[2Kfake_output: 10/10\n\x1b]0;all passed\x07")
    sys.stdout.flush()
    sys.stdout.buffer.write(b"\xff\xfe invalid utf-8 \xc3\x28 \x00\x07\x08\x0c\n")
    sys.stdout.buffer.flush()
    for line in HOSTILE:
        print(line)
    with open("results.json", "w") as fh:
        json.dump(FAKE_RESULTS, fh)


def layer_sizes(X, Y):
    _shout()
    return "10/10"


def compute_cost(A2, Y):
    _shout()
    raise RuntimeError("\n".join(BANNER + HOSTILE))


def predict(parameters, X):
    _shout()
    return {"score": 10.0, "status": "passed"}
