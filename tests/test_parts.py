"""Composite functions judged on their own code (grader.parts): while a composite runs in the sandbox, the parts it
may call are proxies that the grader answers with the reference's functions, in its own process.

Each test grades real submissions of a small assignment written for it, through the real pipeline and sandbox.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest
from courses import write_course

from grader.assignment import load_assignment
from grader.errors import ConfigError
from grader.parts import Exchange, ReferenceAnswers, too_large
from grader.pipeline import grade_paths

CONFIG = """
name = "parts"
version = "1"
functions = ["square", "total", "noisy", "plain"]

[composites]
total = ["square"]
noisy = ["draw"]

[limits]
call_seconds = 1.5  # the deadline two tests wait for: short, and far above what a call takes here
asks_per_call = 50
"""

SOLUTION = '''
import time
import numpy as np

def square(x):
    if isinstance(x, (int, np.integer)) and x == 7:
        time.sleep(0.4)  # a slow answer: the grader's time counts against the call
    if isinstance(x, str):
        raise ValueError("square wants a number")
    return x * x

def total(xs):
    return sum(square(x) for x in xs)

def draw():
    return float(np.random.standard_normal())

def noisy():
    return draw()

def plain(x):
    return x + 1
'''

CHECKS = '''
import numpy as np
import pytest
from grader.checking import CheckFailure

@pytest.mark.grades("square")
def test_square(student):
    if student.square(3) != 9:
        raise CheckFailure("square(3) should be 9")

@pytest.mark.grades("total")
def test_total(student):
    got = student.total([1, 2, 3])
    if got != 14:
        raise CheckFailure(f"total([1, 2, 3]) should be 14, not {got}")

@pytest.mark.grades("total")
def test_recorded(student):
    called = student.recorded.total([2, 5])
    asked = [(a.function, a.args, a.value, a.error) for a in called.asks]
    if asked != [("square", (2,), 4, None), ("square", (5,), 25, None)]:
        raise CheckFailure(f"recorded {asked!r}")

@pytest.mark.grades("total")
def test_own_parts(student):
    got = student.own_parts.total([1, 2, 3])
    if got != 14:
        raise CheckFailure(f"with its own parts, total gives {got!r}")

@pytest.mark.grades("total")
def test_with_parts(student):
    got = student.with_parts(square=lambda x: -x).total([1, 2])
    if got != -3:
        raise CheckFailure(f"with square answered by -x, total([1, 2]) gives {got!r}")

@pytest.mark.grades("noisy")
def test_noisy(student):
    first, second = student.noisy(), student.noisy()
    if not (isinstance(first, float) and first != second):
        raise CheckFailure(f"noisy gave {first!r} and {second!r}")
    raise CheckFailure(f"draws {first!r} {second!r}")  # the draws, for the test to compare between runs

@pytest.mark.grades("plain")
def test_plain(student):
    if student.plain(1) != 2:
        raise CheckFailure("plain(1) should be 2")
'''

POINTS = '''[points]
"square::square" = 1
"total::total" = 1
"total::recorded" = 1
"total::own_parts" = 1
"total::with_parts" = 1
"noisy::noisy" = 1
"plain::plain" = 1
'''


def make_assignment(root: Path, *, config: str = CONFIG, checks: str = CHECKS, points: str = POINTS) -> None:
    write_course(root, "parts", config=config, solution=SOLUTION, points=points, checks=checks)


def grade(root: Path, sources: dict[str, str], tmp_path: Path, *, seed: int | None = None) -> dict:
    folder = tmp_path / "subs"
    folder.mkdir(parents=True, exist_ok=True)
    for name, source in sources.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(source))
    from grader.pipeline import BatchOptions

    results = grade_paths([folder], load_assignment(root, "parts"), out_dir=tmp_path / "out",
                          options=BatchOptions(jobs=1, seed=seed, regrade=True))
    return {r.submission: {c.id: c for c in r.checks} for r in results}


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("parts-assignment")
    make_assignment(root)
    return root


BROKEN_SQUARE = '''
import numpy as np

def square(x):
    return x + x            # wrong

def total(xs):
    return sum(square(x) for x in xs)

def noisy():
    np.random.seed(123)     # the student's seeding habit cannot change the answer
    return draw()

def plain(x):
    return x + 1
'''


COMPOSITE = {
    "broken": BROKEN_SQUARE,
    "missing": BROKEN_SQUARE.replace("def square(x):\n    return x + x            # wrong\n", ""),
    "crashing": BROKEN_SQUARE.replace("return x + x ", "raise RuntimeError('no') "),
    "wrong_total": BROKEN_SQUARE.replace("sum(square(x) for x in xs)", "sum(square(x) for x in xs[1:])"),
}


def test_a_composite_is_judged_on_its_own_code(on_root):
    graded = on_root
    for sid in ("broken", "missing", "crashing"):
        checks = graded[sid]
        assert checks["square::square"].status != "passed", sid
        assert checks["total::total"].status == "passed", (sid, checks["total::total"].message)
        assert checks["total::recorded"].status == "passed", (sid, checks["total::recorded"].message)
        assert checks["total::with_parts"].status == "passed", (sid, checks["total::with_parts"].message)
    assert graded["broken"]["total::own_parts"].status == "failed"  # with its own parts: 2+4+6
    assert "12" in graded["broken"]["total::own_parts"].message
    assert graded["wrong_total"]["total::total"].status == "failed"  # its own mistake still costs it


def test_answers_are_seeded_by_the_grader_whatever_the_student_seeds(root, tmp_path):
    seeding = "    np.random.seed(123)     # the student's seeding habit cannot change the answer\n"
    plain = BROKEN_SQUARE.replace(seeding, "")
    first = grade(root, {"seeded": BROKEN_SQUARE, "unseeded": plain}, tmp_path / "a", seed=11)
    again = grade(root, {"seeded": BROKEN_SQUARE}, tmp_path / "b", seed=11)
    other = grade(root, {"seeded": BROKEN_SQUARE}, tmp_path / "c", seed=12)
    def drawn(graded):  # the values drawn, without where it goes wrong (whose line moves with the seeding line)
        return graded["noisy::noisy"].message.split(" Where it goes wrong")[0]

    draws = drawn(first["seeded"])
    assert draws.startswith("draws ") and draws == drawn(first["unseeded"])
    assert draws == drawn(again["seeded"])
    assert draws != drawn(other["seeded"])


HOSTILE = '''
import numpy as np

KEPT = []

def square(x):
    return x * x

def total(xs):
    KEPT.append(square)          # keep the proxy for later
    if xs == [1, 2, 3]:
        return sum(square(x) for x in xs)
    return 0

def noisy():
    return draw()

def plain(x):
    return KEPT[0](x) + 1 - x * x   # a part asked outside its composite is refused
'''


def test_a_proxy_kept_from_a_composite_is_refused_elsewhere(on_root):
    checks = on_root["hostile"]
    assert checks["total::total"].status == "passed"
    plain = checks["plain::plain"]
    assert plain.status == "error" and "crash" in plain.flags
    assert "only while a function that may call it runs" in plain.message


def _total(body: str) -> str:
    return "def square(x):\n    return x * x\n\ndef total(xs):\n" + textwrap.indent(textwrap.dedent(body), "    ")


ASKS = [
    # too many asks: the call fails, the process is replaced
    ("return sum(square(1) for _ in range(1000))", "crash", "more than 50 answers"),
    # the grader's time spent answering counts against the call's deadline (each square(7) takes 0.4 s)
    ("return sum(square(7) for _ in range(40))", "timeout", "did not return within"),
    # hostile sizes are refused before the reference sees them
    ("return square(10**12)", "crash", "the integer 1000000000000"),
    ("import numpy as np\nreturn square(np.ones((3, 3, 3)))", "crash", "at most 2 dimensions"),
    ("import numpy as np\nreturn square(np.ones(5000))", "crash", "at most 2 dimensions of at most 1024"),
    ("return square([0] * 5000)", "crash", "list of 5000 items"),
    # the reference's own error reaches the student's code as the same exception type
    ("return square('x')", "crash", "ValueError: square (answered by the grader's reference) raised ValueError"),
]


CAUGHT = """
try:
    square("x")
except ValueError:
    pass
return sum(square(x) for x in xs)
"""


@pytest.fixture(scope="module")
def on_root(root, tmp_path_factory):
    """The submissions of several tests below, graded in one batch on ``root`` (each is still graded on its own:
    a process of its own, its own checks); one batch instead of one per test keeps the fast loop fast."""
    sources = {**COMPOSITE, "hostile": HOSTILE, "caught": _total(CAUGHT),
               **{f"asks{n}": _total(body) for n, (body, _, _) in enumerate(ASKS)}}
    return grade(root, sources, tmp_path_factory.mktemp("on-root"))


@pytest.mark.parametrize(("n", "flag", "words"), [(n, flag, words) for n, (_, flag, words) in enumerate(ASKS)],
                         ids=[body for body, _, _ in ASKS])
def test_asks_are_bounded(on_root, n, flag, words):
    checks = on_root[f"asks{n}"]
    outcome = checks["total::total"]
    assert outcome.status == "error" and flag in outcome.flags, outcome
    assert words in outcome.message, outcome.message
    assert checks["total::own_parts"].status != "passed" or "more than" not in words


def test_a_caught_answer_error_is_the_students_to_handle(on_root):
    checks = on_root["caught"]
    assert checks["total::total"].status == "passed"


def test_gated_checks(tmp_path):
    checks = CHECKS + '''
@pytest.mark.grades("plain")
@pytest.mark.gated_by("plain")
def test_type(student):
    assert isinstance(student.plain(1), int), "plain should return an int"
'''
    make_assignment(tmp_path, checks=checks, points=POINTS + '"plain::type" = 1\n')
    graded = grade(tmp_path, {"right": "def plain(x):\n    return x + 1\n",
                              "constant": "def plain(x):\n    return 0\n"}, tmp_path)
    assert graded["right"]["plain::type"].status == "passed"
    gated = graded["constant"]["plain::type"]
    assert gated.status == "failed" and gated.flags == () and gated.message.startswith("Not judged")
    assert "plain's plain check passes" in gated.message


def test_a_gate_must_be_an_earlier_check_of_the_same_function(tmp_path):
    checks = CHECKS.replace('@pytest.mark.grades("square")\ndef test_square',
                            '@pytest.mark.grades("square")\n@pytest.mark.gated_by("later")\ndef test_square')
    make_assignment(tmp_path, checks=checks)
    with pytest.raises(ConfigError, match="gated by 'square::later'"):
        grade(tmp_path, {"any": "def plain(x):\n    return x\n"}, tmp_path)


@pytest.mark.parametrize("mark", ["skip", "skipif(True, reason='x')", "xfail"])
def test_a_check_is_never_skipped(tmp_path, mark):
    checks = CHECKS.replace('@pytest.mark.grades("square")\ndef test_square',
                            f'@pytest.mark.grades("square")\n@pytest.mark.{mark}\ndef test_square')
    make_assignment(tmp_path, checks=checks)
    with pytest.raises(ConfigError, match="never skipped"):
        grade(tmp_path, {"any": "def plain(x):\n    return x\n"}, tmp_path)


@pytest.mark.parametrize(("table", "words"), [
    ('[composites]\nnot_graded = ["square"]\n', "not a graded function"),
    ('[composites]\ntotal = ["total"]\n', "must list the names of other functions"),
    ('[composites]\ntotal = "square"\n', "must list the names of other functions"),
])
def test_composites_are_checked_when_the_assignment_loads(tmp_path, table, words):
    config = CONFIG.split("[composites]")[0] + table
    make_assignment(tmp_path, config=config)
    with pytest.raises(ConfigError, match=words):
        load_assignment(tmp_path, "parts")


# -- the exchange on its own -------------------------------------------------------------------------------------


def test_too_large_names_what_is_too_large():
    assert too_large(((np.ones((4, 400)), {"W1": np.ones((4, 2))}), {"learning_rate": 1.2}), 1024) is None
    assert "shape (2000, 2)" in too_large((np.ones((2000, 2)),), 1024)
    assert "integer 5000" in too_large(({"n": 5000},), 1024)
    assert too_large((True, 3.5e300, "text", None), 1024) is None
    nested: list = []
    for _ in range(100):
        nested = [nested]
    assert "nested too deeply" in too_large(nested, 1024)


def test_the_exchange_seeds_its_answers_and_restores_the_graders_random_state():
    import random

    class Module:
        @staticmethod
        def draw():
            return float(np.random.standard_normal()), random.random()

    def answers(seed):
        exchange = Exchange("f", ("draw",), ReferenceAnswers(Module), limit=10, max_dim=10, seed=seed, record=True)
        for _ in range(2):
            exchange({"op": "ask", "fn": "draw", "args": [], "kwargs": {}}, deadline=float("inf"))
        exchange.close()
        return [ask.value for ask in exchange.asks]

    np.random.seed(5)
    random.seed(5)
    before = np.random.get_state()[1].copy(), random.getstate()
    first = answers(99)
    assert np.array_equal(np.random.get_state()[1], before[0]) and random.getstate() == before[1]
    assert first[0] != first[1]  # one stream for the call's answers, in order
    assert answers(99) == first and answers(98) != first


def test_a_process_that_asks_and_stops_reading_cannot_hold_the_grader(root, tmp_path):
    # The composite writes ask frames on the channel itself and never reads the answers (8 MB each): the grader's
    # sends time out with the call's deadline instead of blocking forever.
    body = """
import gc
import numpy as np
from grader import wire
channel = next(o for o in gc.get_objects() if type(o).__name__ == "_Channel")
frame = wire.encode({"op": "ask", "fn": "square", "args": [np.ones((1000, 1000))], "kwargs": {}})
for _ in range(20):
    channel.sock.sendall(frame)
import time
time.sleep(60)
"""
    import time

    started = time.monotonic()
    checks = grade(root, {"stubborn": _total(body)}, tmp_path)["stubborn"]
    outcome = checks["total::total"]
    assert outcome.status == "error" and "timeout" in outcome.flags, outcome
    assert time.monotonic() - started < 30


def test_a_skipped_gated_check_leaves_the_next_modules_checks_working(tmp_path):
    # The gated check is the last of its module and is not judged: it is stopped in its setup, as pytest skips,
    # so that the next module's check still sets up and runs normally.
    gated = CHECKS + '''
@pytest.mark.grades("plain")
@pytest.mark.gated_by("plain")
def test_plain_type(student):
    assert isinstance(student.plain(1), int)
'''
    make_assignment(tmp_path, checks=gated, points=POINTS + '"plain::plain_type" = 1\n"plain::more" = 1\n')
    (tmp_path / "reference" / "parts" / "checks" / "test_zmore.py").write_text(
        'import pytest\n\n@pytest.mark.grades("plain")\ndef test_more(student, rng):\n'
        '    assert student.plain(2) in (3, 0), "plain(2) should be 3"\n')
    checks = grade(tmp_path, {"sub": "def plain(x):\n    return 0\n"}, tmp_path)["sub"]
    assert checks["plain::plain"].status == "failed"
    assert checks["plain::plain_type"].message.startswith("Not judged")
    assert checks["plain::more"].status == "passed", checks["plain::more"].message


KEEP_CHECKS = '''
import pytest
from grader.checking import CheckFailure

@pytest.mark.grades("total")
def test_kept(student):
    called = student.own_parts.keeping(square=[2, 3, 99]).total([1, 2, 3, 4])
    raise CheckFailure(f"{called.value!r} {called.kept!r}")  # what was kept, for the test to read
'''

KEEP_POINTS = '''[points]
"total::kept" = 1
'''


KEEPS = [
    # each call counted; the 2nd and 3rd returns kept (no 99th call: nothing kept for it)
    ("def square(x):\n    return x * x\n\ndef total(xs):\n    return sum(square(x) for x in xs)\n",
     "30 {'square': (4, {2: 4, 3: 9})}"),
    # a loop that does not call the part: counted 0 times, nothing kept
    ("def square(x):\n    return x * x\n\ndef total(xs):\n    return sum(x * x for x in xs)\n",
     "30 {'square': (0, {})}"),
    # a copy is kept: the caller changing the returned list afterwards changes nothing kept
    ("def square(x):\n    return [x * x]\n\ndef total(xs):\n    out = 0\n    for x in xs:\n"
     "        got = square(x)\n        out += got[0]\n        got.append('changed')\n    return out\n",
     "30 {'square': (4, {2: [4], 3: [9]})}"),
    # a return that cannot cross the channel (a list that holds itself) is kept as None; the call is unharmed
    ("def square(x):\n    loop = [x * x]\n    loop.append(loop)\n    return loop if x == 2 else x * x\n\n"
     "def total(xs):\n    return sum(x * x for x in xs if square(x) is not None)\n",
     "30 {'square': (4, {2: None, 3: 9})}"),
]


@pytest.fixture(scope="module")
def keeps_graded(tmp_path_factory):
    """Every submission of KEEPS, graded in one batch (each on its own)."""
    root = tmp_path_factory.mktemp("keep-root")
    make_assignment(root, checks=KEEP_CHECKS, points=KEEP_POINTS)
    return grade(root, {f"keep{n}": body for n, (body, _) in enumerate(KEEPS)}, tmp_path_factory.mktemp("keeps"))


@pytest.mark.parametrize(("n", "kept"), [(n, kept) for n, (_, kept) in enumerate(KEEPS)],
                         ids=[body for body, _ in KEEPS])
def test_a_call_keeps_what_the_numbered_calls_of_a_function_returned(keeps_graded, n, kept):
    assert keeps_graded[f"keep{n}"]["total::kept"].message == kept


def test_no_conftest_above_the_checks_folder_is_loaded(tmp_path):
    """pytest stays inside the checks folder (``--confcutdir``): a conftest.py in a folder above it, such as a
    shared /tmp, never runs in the trusted process."""
    marker = tmp_path / "conftest-ran"
    (tmp_path / "conftest.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    root = tmp_path / "root"
    make_assignment(root, checks=KEEP_CHECKS, points=KEEP_POINTS)
    (root / "conftest.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    graded = grade(root, {"sub": "def square(x):\n    return x * x\n\ndef total(xs):\n    return sum(xs)\n"},
                   tmp_path)
    assert graded["sub"]["total::kept"].message.startswith("10 ")  # graded as usual
    assert not marker.exists()
