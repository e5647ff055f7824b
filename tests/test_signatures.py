"""Signatures as data (grader.signatures): the form each graded function must have, the older forms an assignment
accepts, and how the one call layer adapts a check's call and a composite's ask to them.

The first half tests the pure pieces; the second grades real submissions of a small assignment written for it,
through the real pipeline and sandbox: a function in the asked form, in an accepted older form (which reads what
the check gives it), in a form that fits neither (wrong-signature, that function only), a composite that calls its
part the student's own way, imports that fail in part, and a function that writes into the arrays it was given.
"""

from __future__ import annotations

import inspect
import textwrap

import pytest
from courses import write_course
from paths import ROOT

from grader.assignment import load_assignment
from grader.errors import ConfigError
from grader.failures import WrongSignature
from grader.pipeline import BatchOptions, grade_paths
from grader.signatures import (
    Form,
    FunctionSignatures,
    SignatureNotGiven,
    describe_signature,
    plan_ask,
    plan_call,
    read_signature,
)

COST = FunctionSignatures.parse("compute_cost", "compute_cost(A2, Y)", ("compute_cost(A2, Y, parameters)",))


def signature_of(function) -> inspect.Signature | None:
    """What the sandbox would report for ``function``, read back as the grader reads it."""
    return read_signature(describe_signature(function))


def asked(A2, Y):
    return A2


def older(A2, Y, parameters):
    return parameters


def extra(A2, Y, parameters, lambd):
    return lambd


# --- forms --------------------------------------------------------------------------------------------------------


def test_a_form_reads_like_a_def_line():
    form = Form.parse("update_parameters(parameters, grads, learning_rate=1.2)")
    assert form.name == "update_parameters" and str(form) == "update_parameters(parameters, grads, learning_rate=1.2)"
    assert form.signature.parameters["learning_rate"].default == 1.2
    assert str(Form.parse("f(a, /, b, *args, c=None, **kw)")) == "f(a, /, b, *args, c=None, **kw)"


@pytest.mark.parametrize(("text", "words"), [
    ("compute_cost A2, Y", "not a signature"),
    ("f(a=len(x))", "literal"),
    ("f(a) -> int", "only the name and the parameters"),
    ("f(a):\n    pass\ndef g(b)", "not a signature"),
])
def test_a_bad_form_is_refused(text, words):
    with pytest.raises(ValueError, match=words):
        Form.parse(text)


def test_forms_must_name_their_function():
    with pytest.raises(ValueError, match="declared for compute_cost, not cost"):
        FunctionSignatures.parse("compute_cost", "compute_cost(A2, Y)", ("cost(A2, Y, parameters)",))


# --- what the sandbox reports ---------------------------------------------------------------------------------------


def test_a_signature_crosses_as_plain_data_with_its_defaults_shown():
    def update(parameters, grads, learning_rate=1.2, *, verbose=False):
        return parameters

    got = signature_of(update)
    assert str(got) == "(parameters, grads, learning_rate=1.2, *, verbose=False)"
    assert signature_of(lambda *args, **kwargs: 0) is not None
    assert describe_signature(print) is not None or signature_of(print) is None  # builtins: described or unknown


@pytest.mark.parametrize("data", [
    None, "x", [["a", "POSITIONAL_OR_KEYWORD"]], [["a", "SOMETHING", None]], [["not a name", "KEYWORD_ONLY", None]],
    [["a", "POSITIONAL_OR_KEYWORD", None], ["a", "POSITIONAL_OR_KEYWORD", None]],  # duplicate
    [["a", "POSITIONAL_OR_KEYWORD", "1"], ["b", "POSITIONAL_OR_KEYWORD", None]],  # default before non-default
    [["a", "KEYWORD_ONLY", 3]], [[f"a{i}", "POSITIONAL_OR_KEYWORD", None] for i in range(65)],
])
def test_a_malformed_description_is_unknown_not_an_error(data):
    assert read_signature(data) is None


def test_a_hostile_signature_describes_only_itself():
    class Liar:
        @property
        def __signature__(self):
            raise RuntimeError("no")

        def __call__(self, A2, Y):
            return 0

    assert describe_signature(Liar()) is None  # unknown: the call is then made as the check makes it


# --- calls ----------------------------------------------------------------------------------------------------------


def test_a_call_in_the_asked_form_goes_as_it_is():
    plan = plan_call(COST, signature_of(asked), (1, 2), {}, {"parameters": "P"})
    assert (plan.args, plan.kwargs, plan.form) == ((1, 2), {}, None)
    plan = plan_call(COST, None, (1, 2), {}, {})  # unknown signature: as it is
    assert plan.args == (1, 2)


def test_an_older_form_is_called_with_what_the_check_gives():
    plan = plan_call(COST, signature_of(older), (1, 2), {}, {"parameters": "P"})
    assert (plan.args, plan.kwargs, str(plan.form)) == ((1, 2, "P"), {}, "compute_cost(A2, Y, parameters)")
    assert plan.back(("a", "y", "p"), {}) == (("a", "y"), {})  # back in the check's form, the given left out


def test_an_older_form_without_what_it_needs_is_the_checks_fault():
    with pytest.raises(SignatureNotGiven, match="needs parameters"):
        plan_call(COST, signature_of(older), (1, 2), {}, {})


def test_a_signature_that_fits_no_form_is_refused_in_the_students_terms():
    with pytest.raises(WrongSignature) as caught:
        plan_call(COST, signature_of(extra), (1, 2), {}, {"parameters": "P"})
    message = caught.value.message
    assert message.startswith("The assignment asks for compute_cost(A2, Y); yours is "
                              "compute_cost(A2, Y, parameters, lambd)")
    assert "it needs lambd" in message and "compute_cost(A2, Y, parameters), which is accepted too" in message
    assert caught.value.flag == "wrong-signature" and caught.value.function == "compute_cost"


def test_a_renamed_keyword_is_a_wrong_signature():
    update = FunctionSignatures.parse("update", "update(parameters, grads, learning_rate=1.2)")

    def renamed(parameters, grads, lr=1.2):
        return parameters

    assert plan_call(update, signature_of(renamed), (1, 2), {}, {}).args == (1, 2)  # the default call fits
    with pytest.raises(WrongSignature, match="unexpected keyword argument 'learning_rate'"):
        plan_call(update, signature_of(renamed), (1, 2), {"learning_rate": 0.5}, {})


# --- asks -----------------------------------------------------------------------------------------------------------


def test_asks_in_any_known_form_reach_the_reference_in_the_asked_one():
    assert plan_ask(COST, signature_of(asked), (1, 2), {}) == ((1, 2), {})
    assert plan_ask(COST, signature_of(asked), (1, 2, "P"), {}) == ((1, 2), {})  # an accepted form
    assert plan_ask(COST, signature_of(extra), (1, 2, "P", 0.1), {}) == ((1, 2), {})  # the student's own form
    assert plan_ask(COST, signature_of(asked), (1, 2, "P", 0.1), {}) is None
    assert plan_ask(COST, signature_of(asked), (), {"A2": 1, "Y": 2}) == ((), {"A2": 1, "Y": 2})


# --- configuration --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("tables", "words"), [
    ('[signatures]\nnope = "nope(x)"\n', "names nope, not a graded function"),
    ('[accepted_signatures]\nf = ["f(x, y)"]\n', "needs its signature in \\[signatures\\] too"),
    ('[signatures]\nf = "g(x)"\n', "declared for f, not g"),
    ('[signatures]\nf = ["f(x)"]\n', "must be a string and a list of strings"),
    ('[signatures]\nf = "f(x=y)"\n', "literal"),
])
def test_signatures_are_checked_when_the_assignment_loads(tmp_path, tables, words):
    public = tmp_path / "assignments" / "a"
    public.mkdir(parents=True)
    (public / "assignment.toml").write_text(f'name = "a"\nversion = "1"\nfunctions = ["f"]\n{tables}')
    with pytest.raises(ConfigError, match=words):
        load_assignment(tmp_path, "a")


@pytest.mark.parametrize("name", ["shallow-nn", "initialization", "gradient-checking"])
def test_every_graded_function_declares_the_signature_of_the_reference(name):
    assignment = load_assignment(ROOT, name)
    assert set(assignment.signatures) == set(assignment.functions)
    solution: dict = {}
    exec(compile(assignment.solution_path.read_text(), str(assignment.solution_path), "exec"), solution)
    for function, declared in assignment.signatures.items():
        reference = inspect.signature(solution[function]).replace(return_annotation=inspect.Signature.empty)
        plain = [p.replace(annotation=p.empty) for p in reference.parameters.values()]
        assert str(declared.asks.signature) == str(reference.replace(parameters=plain)), function


# --- graded end to end ----------------------------------------------------------------------------------------------

CONFIG = """
name = "compat"
version = "1"
functions = ["cost", "train", "step", "act", "act2"]
helpers = ["course_utils.py"]

[signatures]
cost = "cost(a, y)"
train = "train(a, y)"
step = "step(params, lr=0.5)"
act = "act(z)"
act2 = "act2(z)"

[accepted_signatures]
cost = ["cost(a, y, params)"]

[composites]
train = ["cost"]
"""

HELPER = '''
def sigmoid(z):
    return 1.0 / (1.0 + __import__("math").exp(-z))

def relu(z):
    return max(0.0, z)
'''

SOLUTION = '''
import math

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


def relu(z):
    return max(0.0, z)

def cost(a, y):
    return float(np.mean((a - y) ** 2))

def train(a, y):
    return 2 * cost(a, y)

def step(params, lr=0.5):
    return {"w": params["w"] - lr}

def act(z):
    return sigmoid(z)

def act2(z):
    return relu(z)
'''

CHECKS = '''
import numpy as np
import pytest
from grader.checking import CheckFailure

A, Y = np.array([0.2, 0.9]), np.array([0.0, 1.0])

@pytest.mark.grades("cost")
def test_cost(student, reference):
    got = student.given(params={"w": np.array([2.0])}).cost(A, Y)
    if not np.isclose(got, reference.cost(A, Y)):
        raise CheckFailure(f"cost gave {got!r}")

@pytest.mark.grades("train")
def test_train(student, reference):
    called = student.recorded.train(A, Y)
    asked = [(ask.function, len(ask.args), ask.error) for ask in called.asks]
    if asked != [("cost", 2, None)] or not np.isclose(called.value, reference.train(A, Y)):
        raise CheckFailure(f"train asked {asked!r} and gave {called.value!r}")

@pytest.mark.grades("step")
def test_step(student):
    params = {"w": np.array([1.0, 2.0])}
    called = student.observed.step(params, lr=0.25)
    if not np.allclose(called.value["w"], [0.75, 1.75]):
        raise CheckFailure(f"step gave {called.value!r}")
    if called.after is None or not np.array_equal(called.after[0][0]["w"], params["w"]):
        raise CheckFailure("step wrote into the array it was given")

@pytest.mark.grades("act")
def test_act(student):
    if not np.isclose(student.act(0.0), 0.5):
        raise CheckFailure("act(0) should be 0.5")

@pytest.mark.grades("act2")
def test_act2(student):
    if student.act2(-1.0) != 0.0:
        raise CheckFailure("act2(-1) should be 0")
'''

POINTS = '''[points]
"cost::cost" = 1
"train::train" = 1
"step::step" = 1
"act::act" = 1
"act2::act2" = 1
'''

NEW = '''
import numpy as np
from course_utils import sigmoid, relu

def cost(a, y):
    return float(np.mean((a - y) ** 2))

def train(a, y):
    return 2 * cost(a, y)

def step(params, lr=0.5):
    return {"w": params["w"] - lr}

def act(z):
    return sigmoid(z)

def act2(z):
    return relu(z)
'''

SUBMISSIONS = {
    "new": NEW,
    # the older form reads what it is given, and the composite calls its part that way
    "old": NEW.replace("def cost(a, y):\n", "def cost(a, y, params):\n    w = params['w']\n")
              .replace("2 * cost(a, y)", "2 * cost(a, y, {'w': 1})"),
    # a form the assignment does not know: cost alone loses, and train, which calls it that way, keeps its points
    "extra": NEW.replace("def cost(a, y):", "def cost(a, y, params, lambd):")
                .replace("2 * cost(a, y)", "2 * cost(a, y, None, 0.1)"),
    # the arrays given are written into (only step loses); a new array in the caller's dict is fine
    "in_place": NEW.replace('return {"w": params["w"] - lr}', 'params["w"] -= lr\n    return params'),
    "new_entry": NEW.replace('return {"w": params["w"] - lr}', 'params["w"] = params["w"] - lr\n    return params'),
    # a missing name first in the import, a module the grader does not know, a line after a skipped call
    "imports": NEW.replace("from course_utils import sigmoid, relu",
                           "from course_utils import not_there, sigmoid, relu\nimport lr_utils\n"
                           "X = lr_utils.load()\nshape = X.shape\n")
                  .replace("return relu(z)", "return lr_utils.relu(z)"),
    # a star import of a module the grader does not know, and a name that nothing binds
    "star": NEW.replace("from course_utils import sigmoid, relu", "from course_utils import sigmoid, relu\n"
                        "from lr_utils import *").replace("return relu(z)", "return leaky_relu(z)"),
    # a global that only a cell the grader does not run sets
    "global": NEW.replace("def act2(z):", "def make():\n    return 2.0\n\nscale = make()\n\ndef act2(z):")
                 .replace("return relu(z)", "return relu(z) * scale"),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("compat")
    write_course(root, "compat", config=CONFIG, solution=SOLUTION, points=POINTS, checks=CHECKS,
                 public_files={"course_utils.py": HELPER})
    folder = root / "subs"
    folder.mkdir()
    for name, source in SUBMISSIONS.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(source))
    results = grade_paths([folder], load_assignment(root, "compat"), out_dir=root / "out",
                          options=BatchOptions(jobs=1, regrade=True))
    return {r.submission: r for r in results}


def lost(result) -> dict[str, str]:
    return {c.function: c.message for c in result.checks if not c.passed}


def test_the_asked_and_the_accepted_forms_both_get_full_marks(graded):
    assert lost(graded["new"]) == {}
    assert lost(graded["old"]) == {}


def test_a_wrong_signature_costs_that_function_only_and_says_why(graded):
    result = graded["extra"]
    assert set(lost(result)) == {"cost"}
    [check] = [c for c in result.checks if c.function == "cost"]
    assert check.flags == ("wrong-signature",) and check.status == "error"
    assert check.message.startswith("The assignment asks for cost(a, y); yours is cost(a, y, params, lambd)")
    assert "crash" not in result.flags


def test_writing_into_the_arrays_given_is_seen_and_a_new_entry_is_not(graded):
    assert set(lost(graded["in_place"])) == {"step"}
    assert "wrote into the array" in lost(graded["in_place"])["step"]
    assert lost(graded["new_entry"]) == {}


def test_a_failed_import_costs_only_the_code_that_uses_it_and_is_named(graded):
    result = graded["imports"]
    assert set(lost(result)) == {"act2"}  # sigmoid and relu are bound though not_there came first
    message = lost(result)["act2"]
    assert message.startswith("NameError: name 'lr_utils' is not defined: the import `import lr_utils` on line 4 "
                              "failed (ModuleNotFoundError: No module named 'lr_utils')"), message
    problems = [p.message for p in result.problems if p.kind == "load-error"]
    assert len(problems) == 1 and problems[0].startswith("line 4: this statement raised ModuleNotFoundError")
    assert problems[0].endswith("act2 needs what it defines")  # not_there, X and shape matter to no function



def test_a_name_nothing_binds_points_to_the_star_import_that_failed(graded):
    result = graded["star"]
    assert set(lost(result)) == {"act2"}
    assert lost(result)["act2"].startswith(
        "NameError: name 'leaky_relu' is not defined: nothing in your code defines it, and the import "
        "`from lr_utils import *` on line 4 failed (ModuleNotFoundError: No module named 'lr_utils')")


def test_a_global_set_by_a_statement_that_does_not_run_is_named(graded):
    result = graded["global"]
    assert set(lost(result)) == {"act2"}
    message = lost(result)["act2"]
    assert message.startswith("NameError: name 'scale' is not defined: it is set by `scale = make()` on line "), message
    assert "does not run at grading time" in message and "take it as an argument instead" in message
    assert not [p for p in result.problems if p.kind == "load-error"]  # nothing raised: it was left out
