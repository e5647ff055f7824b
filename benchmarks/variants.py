"""Submissions for benchmarks/verdicts.py and its tests: correct code written in many ways, every catalogued mistake
(with the function it is in and the flag that must name it), and stubs that ignore their inputs.

- shallow-nn: the templates of benchmarks/mistakes.py (its catalogue's written forms, and correct alternatives);
- initialization and gradient-checking: the templates below, one per mistake their checks name (the flags of
  their lessons.toml), and correct variants in several styles;
- every assignment: the reference solution and the bundled correct examples.

A ``Sub`` is plain data: an id, the source text, its kind (py or ipynb), and for a wrong one the function at fault
and the flags that must name the mistake.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["Sub", "correct", "mistakes", "stubs"]


@dataclass(frozen=True)
class Sub:
    id: str
    text: str
    kind: str = "py"
    function: str | None = None  # the function at fault
    flags: tuple[str, ...] = ()  # what must name the mistake (every seed)
    also: tuple[str, ...] = ()  # other functions with a mistake of their own (cases with two mistakes)


def _module(name: str):
    spec = importlib.util.spec_from_file_location(f"verdicts_{name}", ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def _bundled(name: str) -> list[Sub]:
    out = [Sub("reference", (ROOT / "reference" / name / "solution.py").read_text())]
    for path in sorted((ROOT / "assignments" / name / "examples").glob("correct*")):
        out.append(Sub(f"example_{path.stem}", path.read_text(), "ipynb" if path.suffix == ".ipynb" else "py"))
    return out


# ---------------------------------------------------------------------------------------------------------------
# initialization


def _init(random_weight: str = "np.random.randn(n, p) * 10", he_weight: str = "np.random.randn(n, p) * np.sqrt(2 / p)",
          zeros: str = "np.zeros((n, p))", *, prelude: str = "", he_bias: str = "np.zeros((n, 1))") -> str:
    """A submission whose weights are ``<expr>`` with n (units) and p (inputs) of layer l in scope."""
    body = '''
def initialize_parameters_{name}(layers_dims):
    params = {{}}
    for l in range(1, len(layers_dims)):
        n, p = layers_dims[l], layers_dims[l - 1]
        params["W" + str(l)] = {weight}
        params["b" + str(l)] = {bias}
    return params
'''
    return ("import numpy as np\n" + prelude + body.format(name="zeros", weight=zeros, bias="np.zeros((n, 1))")
            + body.format(name="random", weight=random_weight, bias="np.zeros((n, 1))")
            + body.format(name="he", weight=he_weight, bias=he_bias))


INIT_CORRECT = {
    "global_randn": _init(),
    "seeded_inside": _init("np.random.RandomState(3).randn(n, p) * 10",
                           "np.random.RandomState(l).randn(n, p) * np.sqrt(2.0 / p)"),
    "default_rng_module": _init("RNG.normal(0, 10, (n, p))", "RNG.standard_normal((n, p)) * (2 / p) ** 0.5",
                                prelude="RNG = np.random.default_rng()\n"),
    "he_uniform": _init("np.random.default_rng().normal(scale=10.0, size=(n, p))",
                        "np.random.default_rng().uniform(-np.sqrt(6 / p), np.sqrt(6 / p), (n, p))"),
    "normal_calls": _init("np.random.normal(0.0, 10.0, size=(n, p))", "np.random.normal(0.0, np.sqrt(2 / p), (n, p))",
                          "np.zeros(shape=(n, p), dtype=float)"),
}

# (id, function at fault, flags that must name it, source)
INIT_MISTAKES = (
    ("zeros_random", "initialize_parameters_zeros", ("wrong-values",), _init(zeros="np.random.randn(n, p) * 0.01")),
    ("zeros_ones", "initialize_parameters_zeros", ("wrong-values",), _init(zeros="np.ones((n, p))")),
    ("random_unscaled", "initialize_parameters_random", ("wrong-scale",), _init("np.random.randn(n, p)")),
    ("random_small", "initialize_parameters_random", ("wrong-scale",), _init("np.random.randn(n, p) * 0.01")),
    ("random_rand", "initialize_parameters_random", ("nonzero-mean",), _init("np.random.rand(n, p) * 10")),
    ("random_zeros", "initialize_parameters_random", ("zero-init",), _init("np.zeros((n, p))")),
    ("random_paired_rows", "initialize_parameters_random", ("symmetric-init",),
     _init("np.repeat(np.random.randn(n // 2 + 1, p) * 10, 2, axis=0)[:n]")),
    ("random_transposed", "initialize_parameters_random", ("wrong-shape",), _init("np.random.randn(p, n) * 10")),
    ("he_xavier", "initialize_parameters_he", ("wrong-scale", "xavier-scale"),
     _init(he_weight="np.random.randn(n, p) * np.sqrt(1 / p)")),
    ("he_fan_out", "initialize_parameters_he", ("wrong-scale", "wrong-fan-in"),
     _init(he_weight="np.random.randn(n, p) * np.sqrt(2 / n)")),
    ("he_no_sqrt", "initialize_parameters_he", ("wrong-scale", "missing-sqrt"),
     _init(he_weight="np.random.randn(n, p) * (2 / p)")),
    ("he_sqrt_of_two_only", "initialize_parameters_he", ("wrong-scale", "missing-sqrt"),
     _init(he_weight="np.random.randn(n, p) * np.sqrt(2) / p")),
    ("he_glorot", "initialize_parameters_he", ("wrong-scale", "xavier-scale"),
     _init(he_weight="np.random.randn(n, p) * np.sqrt(2 / (n + p))")),
    ("he_unscaled", "initialize_parameters_he", ("wrong-scale",), _init(he_weight="np.random.randn(n, p)")),
    ("he_rand", "initialize_parameters_he", ("nonzero-mean",),
     _init(he_weight="np.random.rand(n, p) * np.sqrt(6 / p)")),
    ("he_zeros", "initialize_parameters_he", ("zero-init",), _init(he_weight="np.zeros((n, p))")),
    ("he_bias_ones", "initialize_parameters_he", ("wrong-values",), _init(he_bias="np.ones((n, 1))")),
)


# ---------------------------------------------------------------------------------------------------------------
# gradient-checking

GC_HEADER = '''import numpy as np

from gc_utils import (backward_propagation, dictionary_to_vector, forward_propagation, forward_propagation_n,
                      gradients_to_vector, vector_to_dictionary)
'''

GC_CHECK = '''
def gradient_check(x, theta, epsilon=1e-7):
    theta_plus = theta + epsilon
    theta_minus = theta - epsilon
    J_plus = forward_propagation(x, theta_plus)
    J_minus = forward_propagation(x, theta_minus)
    gradapprox = (J_plus - J_minus) / (2 * epsilon)
    grad = backward_propagation(x, theta)
    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    difference = numerator / denominator
    return difference
'''

GC_CHECK_N = '''
def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7):
    parameters_values, _ = dictionary_to_vector(parameters)
    grad = gradients_to_vector(gradients)
    num_parameters = parameters_values.shape[0]
    J_plus = np.zeros((num_parameters, 1))
    J_minus = np.zeros((num_parameters, 1))
    gradapprox = np.zeros((num_parameters, 1))
    for i in range(num_parameters):
        theta_plus = np.copy(parameters_values)
        theta_plus[i][0] = theta_plus[i][0] + epsilon
        J_plus[i], _ = forward_propagation_n(X, Y, vector_to_dictionary(theta_plus))
        theta_minus = np.copy(parameters_values)
        theta_minus[i][0] = theta_minus[i][0] - epsilon
        J_minus[i], _ = forward_propagation_n(X, Y, vector_to_dictionary(theta_minus))
        gradapprox[i] = (J_plus[i] - J_minus[i]) / (2 * epsilon)
    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    difference = numerator / denominator
    return difference
'''


def _gc(*changes: tuple[str, str], check: str = GC_CHECK, check_n: str = GC_CHECK_N) -> str:
    text = GC_HEADER + check + check_n
    for old, new in changes:
        if text.count(old) != 1:
            raise ValueError(f"{old!r} occurs {text.count(old)} times in the template")
        text = text.replace(old, new)
    return text


_END = "    difference = numerator / denominator\n    return difference\n"
GC_CORRECT = {
    "textbook": _gc(),
    "manual_norms": _gc(check_n=GC_CHECK_N.replace("np.linalg.norm(grad - gradapprox)",
                                                   "np.sqrt(np.sum((grad - gradapprox) ** 2))")),
    "float_result": _gc(check=GC_CHECK.replace(_END, _END.replace("numerator / denominator",
                                                                   "float(numerator / denominator)"))),
    "copy_method": _gc(("theta_plus = np.copy(parameters_values)", "theta_plus = parameters_values.copy()"),
                       ("theta_minus = np.copy(parameters_values)", "theta_minus = parameters_values.copy()")),
    "augmented": _gc(("theta_plus[i][0] = theta_plus[i][0] + epsilon", "theta_plus[i, 0] += epsilon"),
                     ("theta_minus[i][0] = theta_minus[i][0] - epsilon", "theta_minus[i, 0] -= epsilon")),
    "inline_model": _gc(check=GC_CHECK.replace("forward_propagation(x, theta_plus)", "theta_plus * x").replace(
        "forward_propagation(x, theta_minus)", "theta_minus * x")),
}

# (id, function at fault, flags that must name it, source)
_ONE = "gradapprox = (J_plus - J_minus) / (2 * epsilon)"
_N_SELF = "    grad = gradients_to_vector(gradients)\n"
GC_MISTAKES = (
    ("check_self_comparison", "gradient_check", ("self-comparison",),
     _gc(("grad = backward_propagation(x, theta)", "grad = gradapprox"))),
    ("check_absolute", "gradient_check", ("absolute-difference",),
     _gc(check=GC_CHECK.replace(_END, _END.replace("numerator / denominator", "numerator")))),
    ("check_epsilon_ignored", "gradient_check", ("epsilon-ignored",),
     _gc(check=GC_CHECK.replace("theta + epsilon", "theta + 1e-7").replace("theta - epsilon", "theta - 1e-7")
         .replace(_ONE, _ONE.replace("epsilon", "1e-7")))),
    ("n_self_comparison", "gradient_check_n", ("self-comparison",),
     _gc(check_n=GC_CHECK_N.replace(_N_SELF, "").replace("    numerator =", "    grad = gradapprox\n    numerator ="))),
    ("n_missing_copy", "gradient_check_n", ("missing-copy",),
     _gc(("theta_plus = np.copy(parameters_values)", "theta_plus = parameters_values"),
         ("theta_minus = np.copy(parameters_values)", "theta_minus = parameters_values"))),
    ("n_missing_copy_plus", "gradient_check_n", ("missing-copy",),
     _gc(("theta_plus = np.copy(parameters_values)", "theta_plus = parameters_values"))),
    ("n_one_sided", "gradient_check_n", ("one-sided-difference",),
     _gc(("theta_minus[i][0] = theta_minus[i][0] - epsilon", "theta_minus[i][0] = theta_minus[i][0]"),
         ("gradapprox[i] = (J_plus[i] - J_minus[i]) / (2 * epsilon)",
          "gradapprox[i] = (J_plus[i] - J_minus[i]) / epsilon"))),
    ("n_divides_by_epsilon", "gradient_check_n", ("divides-by-epsilon",),
     _gc(("gradapprox[i] = (J_plus[i] - J_minus[i]) / (2 * epsilon)",
          "gradapprox[i] = (J_plus[i] - J_minus[i]) / epsilon"))),
    ("n_epsilon_ignored", "gradient_check_n", ("epsilon-ignored",),
     _gc(check_n=GC_CHECK_N.replace("+ epsilon", "+ 1e-7").replace("- epsilon", "- 1e-7")
         .replace("(2 * epsilon)", "(2 * 1e-7)"))),
    ("n_absolute", "gradient_check_n", ("absolute-difference",),
     _gc(check_n=GC_CHECK_N.replace(_END, _END.replace("numerator / denominator", "numerator")))),
)


# ---------------------------------------------------------------------------------------------------------------
# shallow-nn: the cases of issue 11


def _with(bench, function: str, *changes: tuple[str, str], extra: str = "") -> str:
    source = bench.SOURCES[function]
    for old, new in changes:
        if source.count(old) != 1:
            raise ValueError(f"{old!r} occurs {source.count(old)} times in {function}")
        source = source.replace(old, new)
    return bench.submission(choice={function: source}) + extra


NEVER_TRAINS = '''
def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    parameters = initialize_parameters(X.shape[0], n_h, Y.shape[0])
    for i in range(num_iterations):
        A2, cache = forward_propagation(X, parameters)
        cost = compute_cost(A2, Y)
        grads = backward_propagation(parameters, cache, X, Y)
    return parameters
'''


def shallow_cases() -> dict[str, tuple[str, set[str], str, tuple[str, ...]]]:
    """The shallow-nn cases of issue 11: {id: (source, the functions that must lose points, words that must be in
    the first failing message, flags that must name the mistake)}. tests/test_blame.py grades them through the
    pipeline; verdicts.py measures them over many seeds (the right ones with the correct code, the others with the
    mistakes)."""
    bench = _module("mistakes")
    course_nn_model, course_init = (next(s for s in bench.ALTERNATIVES[f] if "the course's own seeding" in s)
                                    for f in ("nn_model", "initialize_parameters"))
    float32 = next(s for s in bench.ALTERNATIVES["forward_propagation"] if "float32" in s)
    no_b1 = float32.replace("Z1 = W1 @ X.astype(np.float32) + b1", "Z1 = W1 @ X.astype(np.float32)")
    reinitialise = ("        A2, cache = forward_propagation(X, parameters)\n",
                    "        parameters = initialize_parameters(n_x, n_h, n_y)\n"
                    "        A2, cache = forward_propagation(X, parameters)\n")
    own_forward = ("A2, cache = forward_propagation(X, parameters)",
                   "A2 = sigmoid(parameters['W2'] @ np.tanh(parameters['W1'] @ X) + parameters['b2'])")
    all_false = "\n\ndef predict(parameters, X):\n    return np.zeros((1, X.shape[1]), dtype=bool)\n"
    return {
        "predict_cut_at_0_9": (_with(bench, "predict", ("A2 > 0.5", "A2 > 0.9")), {"predict"}, "A2 is above 0.5",
                               ("mistake:predict-threshold",)),
        "predict_own_forward_without_b1": (_with(bench, "predict", own_forward), {"predict"},
                                           "predictions are wrong", ()),
        "nn_model_ignores_n_h": (_with(bench, "nn_model", ("initialize_parameters(n_x, n_h, n_y)",
                                                           "initialize_parameters(n_x, 4, n_y)")),
                                 {"nn_model"}, "ignores its n_h", ()),
        "nn_model_reinitialises": (_with(bench, "nn_model", reinitialise), {"nn_model"}, "exactly once", ()),
        "nn_model_wrong_learning_rate": (_with(bench, "nn_model", ("update_parameters(parameters, grads)",
                                                                   "update_parameters(parameters, grads, 0.5)")),
                                         {"nn_model"}, "learning_rate=0.5", ()),
        # a shape slip costs the shape check alone
        "b1_flat": (_with(bench, "initialize_parameters", ("np.zeros((n_h, 1))", "np.zeros(n_h)")),
                    {"initialize_parameters"}, "shape", ("wrong-shape",)),
        "rand_times_0_01": (_with(bench, "initialize_parameters", ("np.random.randn(n_h, n_x) * 0.01",
                                                                   "np.random.rand(n_h, n_x) * 0.01")),
                            {"initialize_parameters"}, "np.random.rand", ("mistake:init-uniform-positive",)),
        # A part that crashes, or is lost to a syntax error, costs only itself: nn_model and predict are judged on
        # their own code.
        "backprop_missing_transpose": (_with(bench, "backward_propagation", ("np.dot(dZ2, A1.T)", "np.dot(dZ2, A1)")),
                                       {"backward_propagation"}, "shapes", ()),
        "layer_sizes_from_columns": (_with(bench, "layer_sizes", ("n_x = X.shape[0]", "n_x = X.shape[1]")),
                                     {"layer_sizes"}, "layer_sizes returned the wrong sizes", ()),
        "backprop_syntax_error": (_with(bench, "backward_propagation", ("m = X.shape[1]", "m = X.shape[1")),
                                  {"backward_propagation"}, "syntax error", ()),
        # Failing a cheap check on purpose no longer switches a composite to a replay of the student's own parts.
        "game_cost_array_and_no_training": (
            _with(bench, "compute_cost", ("return float(cost)", "return np.array([[cost]])"), extra=NEVER_TRAINS),
            {"compute_cost", "nn_model"}, "compute_cost should return a plain float", ()),
        "game_garbage_forward_and_all_false": (
            _with(bench, "forward_propagation", ("return A2, cache", "return A2 * 0 + 7, {}"), extra=all_false),
            {"forward_propagation", "predict"}, "A2 has wrong values", ()),
        "compute_cost_constant": (_with(bench, "compute_cost", ("return float(cost)", "return 0.0")),
                                  {"compute_cost"}, "The cost has wrong values", ()),
        # Right code in the course's own style keeps every point: nn_model seeding with np.random.seed(3) and
        # initialize_parameters with np.random.seed(2) (the grader draws nn_model's initial parameters itself), and
        # a forward pass kept in float32 (compared at float32 precision, which a wrong one's message says).
        "course_seeding": (bench.submission(choice={"nn_model": course_nn_model, "initialize_parameters": course_init}),
                           set(), "", ()),
        "forward_float32": (bench.submission(choice={"forward_propagation": float32}), set(), "", ()),
        "forward_float32_no_b1": (bench.submission(choice={"forward_propagation": no_b1}), {"forward_propagation"},
                                  "compared at float32 precision, because that is the dtype you returned", ()),
    }


# ---------------------------------------------------------------------------------------------------------------


def correct(name: str, *, k: int = 12) -> list[Sub]:
    """Correct submissions of ``name``: the reference, the bundled correct examples and variants in many styles."""
    out = _bundled(name)
    if name == "shallow-nn":
        bench = _module("mistakes")
        out += [Sub(f"variant_{i:02d}", bench.submission(choice=choice))
                for i, choice in enumerate(bench.correct_choices(k))]
        out += [Sub(f"case_{sid}", text) for sid, (text, lost, _, _) in shallow_cases().items() if not lost]
    elif name == "initialization":
        out += [Sub(f"variant_{sid}", text) for sid, text in INIT_CORRECT.items()]
    elif name == "gradient-checking":
        out += [Sub(f"variant_{sid}", text) for sid, text in GC_CORRECT.items()]
    return out


def mistakes(name: str) -> list[Sub]:
    """One submission per written form of every catalogued mistake, each otherwise correct."""
    if name == "shallow-nn":
        bench = _module("mistakes")
        cases = [Sub(f"case_{sid}", text, function=min(lost), flags=flags, also=tuple(sorted(lost - {min(lost)})))
                 for sid, (text, lost, _, flags) in shallow_cases().items() if lost]
        return [Sub(f"wrong_{w.name}", bench.submission(w), function=w.function, flags=(f"mistake:{w.mistake}",))
                for w in bench.WRONG] + cases
    table = {"initialization": INIT_MISTAKES, "gradient-checking": GC_MISTAKES}[name]
    return [Sub(f"wrong_{sid}", text, function=function, flags=flags) for sid, function, flags, text in table]


_P = "initialize_parameters(2, 4, 1)"
_GC_P = "{k: np.full(s, 0.5) for k, s in zip(PARAMETER_NAMES, PARAMETER_SHAPES)}"
_GC_XY = "np.ones((4, 3)), np.array([[1.0, 0.0, 1.0]])"
# The reference's answer on a fixed input, computed by the stub itself with ``_original``, the reference's function.
MEMORISED = {
    "shallow-nn": {
        "layer_sizes": "_original(np.ones((2, 400)), np.ones((1, 400)))",
        "initialize_parameters": "_original(2, 4, 1)",
        "forward_propagation": f"_original(np.ones((2, 3)), {_P})",
        "compute_cost": "_original(np.full((1, 4), 0.3), np.array([[0.0, 1.0, 0.0, 1.0]]))",
        "backward_propagation": f"_original({_P}, forward_propagation(np.ones((2, 3)), {_P})[1], np.ones((2, 3)), "
                                "np.array([[0.0, 1.0, 1.0]]))",
        "update_parameters": f"_original({_P}, {{'d' + k: v for k, v in {_P}.items()}})",
        "predict": f"_original({_P}, np.ones((2, 400)))",
        "nn_model": "_original(np.ones((2, 10)), np.array([[0.0, 1.0] * 5]), 4, num_iterations=3)",
    },
    "initialization": {f: "_original([2, 10, 5, 1])" for f in (
        "initialize_parameters_zeros", "initialize_parameters_random", "initialize_parameters_he")},
    "gradient-checking": {
        "gradient_check": "_original(3.0, 4.0)",
        "gradient_check_n": f"_original({_GC_P}, {{'d' + k: v for k, v in {_GC_P}.items()}}, {_GC_XY})",
    },
}


def _generated(name: str, function: str) -> str:
    """The stub of ``function`` that students are given (``grade generate``'s .py file, kept up to date by
    tests/test_author.py): its signature and docstring, then ``raise NotImplementedError()``."""
    from grader.assignment import load_assignment

    path = load_assignment(ROOT, name).public_dir / f"{load_assignment(ROOT, name).stem}.py"
    text = path.read_text()
    node = next(n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef) and n.name == function)
    segment = ast.get_source_segment(text, node)
    if segment is None or "NotImplementedError" not in segment:
        raise ValueError(f"{path} has no generated stub of {function}")
    return segment


def stubs(name: str, functions: tuple[str, ...]) -> list[Sub]:
    """The reference solution with one function replaced by a stub that ignores its inputs: the generated stub
    students start from (it raises NotImplementedError), or one that returns None, 0.0, 1.0, an empty dict, or the
    reference's answer on a fixed input (``MEMORISED``, computed once by the stub)."""
    reference = (ROOT / "reference" / name / "solution.py").read_text()
    out = []
    for function in functions:
        out.append(Sub(f"stub_{function}_generated", reference + "\n\n" + _generated(name, function) + "\n",
                       function=function))
        constants = {"none": "None", "zero": "0.0", "one": "1.0", "empty": "{}"}
        if function in MEMORISED.get(name, {}):
            constants["memorised"] = MEMORISED[name][function]
        for label, expression in constants.items():
            text = (reference + f"\n\n_original = {function}\n_ANSWER = []\n\n\ndef {function}(*args, **kwargs):\n"
                    f"    if not _ANSWER:\n        _ANSWER.append({expression})\n    return _ANSWER[0]\n")
            out.append(Sub(f"stub_{function}_{label}", text, function=function))
    return out
