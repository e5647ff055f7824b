"""Localising a wrong answer to its line: intermediates traced in a call, compared with the reference's."""

from __future__ import annotations

import numpy as np
import pytest

from grader.tracing import MAX_STEPS, locate, stable, steps_from_wire, trace_call


def reference_backward(W2, A1, A2, X, Y):
    m = X.shape[1]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    dZ1 = (W2.T @ dZ2) * (1 - A1**2)
    dW1 = dZ1 @ X.T / m
    return dW1, dW2


def student_backward(W2, A1, A2, X, Y):
    m = X.shape[1]
    dZ2 = A2 - Y
    dW2 = (1 / m) * np.dot(dZ2, A1.T)
    dZ1 = np.dot(W2.T, dZ2) * (1 - A1)  # the mistake
    dW1 = (1 / m) * np.dot(dZ1, X.T)
    return dW1, dW2


def renamed_backward(W2, A1, A2, X, Y):
    n = X.shape[1]
    out_err = A2 - Y
    grad_out = out_err @ A1.T / n
    hid_err = (W2.T @ out_err) * (1 - A1)  # the mistake, under other names
    return hid_err @ X.T / n, grad_out


@pytest.fixture
def inputs():
    rng = np.random.default_rng(3)
    return (rng.standard_normal((1, 4)), np.tanh(rng.standard_normal((4, 7))), rng.random((1, 7)),
            rng.standard_normal((2, 7)), (rng.random((1, 7)) > 0.5) * 1.0)


def test_trace_records_each_local_once_with_the_line_that_bound_it(inputs):
    value, steps = trace_call(student_backward, inputs, {})
    assert isinstance(value, tuple)
    assert [s.name for s in steps] == ["m", "dZ2", "dW2", "dZ1", "dW1"]
    first = student_backward.__code__.co_firstlineno
    assert [s.line - first for s in steps] == [1, 2, 3, 4, 5]
    assert all(isinstance(s.value, (float, np.ndarray)) for s in steps)


def test_the_first_intermediate_that_differs_is_named_with_those_before_it(inputs):
    _, theirs = trace_call(student_backward, inputs, {})
    _, expected = trace_call(reference_backward, inputs, {})
    found = locate(theirs, expected)
    assert found is not None and (found.name, found.expected) == ("dZ1", "dZ1")
    assert found.line == student_backward.__code__.co_firstlineno + 4
    assert found.sentence("line 12") == "dZ1 on line 12 differs from the expected dZ1; m, dZ2 and dW2 are right"


def test_other_names_are_matched_by_value(inputs):
    _, theirs = trace_call(renamed_backward, inputs, {})
    _, expected = trace_call(reference_backward, inputs, {})
    found = locate(theirs, expected)
    assert found is not None and (found.name, found.expected) == ("hid_err", "dZ1")
    assert found.right == ("out_err (the expected dZ2)", "grad_out (the expected dW2)")


def test_a_right_function_is_not_located(inputs):
    _, theirs = trace_call(reference_backward, inputs, {})
    _, expected = trace_call(reference_backward, inputs, {})
    assert locate(theirs, expected) is None


def test_random_draws_are_left_out_of_the_comparison():
    def init(n):
        W = np.random.randn(n, 2) * 0.01
        b = np.zeros((n, 1))
        return W, b

    runs = []
    for seed in (1, 2):
        np.random.seed(seed)
        runs.append(trace_call(init, (4,), {})[1])
    assert [s.name for s in stable(*runs)] == ["b"]


def test_a_crash_keeps_what_was_computed_before_it(inputs):
    def crashes(W2, A1, A2, X, Y):
        dZ2 = A2 - Y  # noqa: F841 (recorded by the tracer, then the function fails)
        raise ValueError("shapes")

    value, steps = trace_call(crashes, inputs, {})
    assert isinstance(value, ValueError) and [s.name for s in steps] == ["dZ2"]


def test_steps_from_the_student_process_are_validated_and_bounded():
    big = np.zeros(10**6)
    data = [["ok", 3, "f.py", np.ones(3)], ["bad-line", "3", "f.py", 1.0], ["big", 4, "f.py", big],
            ["obj", 5, "f.py", {"a": 1}], "junk", ["flag", 6, "f.py", True]]
    steps = steps_from_wire(data)
    assert [s.name for s in steps] == ["ok"]
    many = steps_from_wire([[f"v{i}", i, "f.py", float(i)] for i in range(1000)])
    assert len(many) == MAX_STEPS
    assert steps_from_wire("not a list") == []


def reference_check(theta, f, eps):
    approx = np.zeros(theta.shape)
    for i in range(theta.size):
        plus = np.copy(theta)
        plus[i] += eps
        minus = np.copy(theta)
        minus[i] -= eps
        approx[i] = (f(plus) - f(minus)) / (2 * eps)
    return approx


def aliasing_check(theta, f, eps):
    approx = np.zeros(theta.shape)
    for i in range(theta.size):
        plus = theta  # the mistake: another name for theta, not a copy
        plus[i] += eps
        minus = theta
        minus[i] -= eps
        approx[i] = (f(plus) - f(minus)) / (2 * eps)
    return approx


def one_sided_check(theta, f, eps):
    approx = np.zeros(theta.shape)
    for i in range(theta.size):
        plus = np.copy(theta)
        plus[i] += eps
        minus = np.copy(theta)
        approx[i] = (f(plus) - f(minus)) / eps  # the mistake, written into approx in place
    return approx


def cube(theta):
    return float(np.sum(theta ** 3))


def test_a_shared_array_written_into_is_where_it_goes_wrong():
    theta = np.array([1.0, 2.0, 3.0])
    _, theirs = trace_call(aliasing_check, (theta.copy(), cube, 1e-4), {})
    _, expected = trace_call(reference_check, (theta.copy(), cube, 1e-4), {})
    plus = next(s for s in theirs if s.name == "plus")
    assert plus.alias == "theta" and not any(s.alias for s in expected)
    found = locate(theirs, expected)
    assert found is not None and (found.name, found.how, found.alias) == ("plus", "shared", "theta")
    assert found.line == aliasing_check.__code__.co_firstlineno + 3
    assert "another name for the array theta, not a copy of it" in found.sentence()


def test_an_alias_that_is_never_written_into_is_not_a_mistake():
    def reads_only(theta, f, eps):
        view = theta
        total = view * 2.0
        return total

    def copies(theta, f, eps):
        view = np.copy(theta)
        total = view * 2.0
        return total

    _, theirs = trace_call(reads_only, (np.arange(3.0), cube, 1e-4), {})
    _, expected = trace_call(copies, (np.arange(3.0), cube, 1e-4), {})
    assert not any(s.alias for s in theirs) and locate(theirs, expected) is None


def test_an_array_filled_in_place_keeps_its_last_value_and_is_not_called_right():
    theta = np.array([1.0, 2.0, 3.0])
    _, theirs = trace_call(one_sided_check, (theta.copy(), cube, 1e-4), {})
    _, expected = trace_call(reference_check, (theta.copy(), cube, 1e-4), {})
    approx = next(s for s in theirs if s.name == "approx")
    assert np.all(approx.value == 0) and approx.final is not None and np.all(approx.final > 1)
    found = locate(theirs, expected)
    assert found is not None and (found.name, found.how) == ("approx", "final")
    assert "approx" not in found.right and "filled in place" in found.sentence()
    wired = steps_from_wire([step.to_wire() for step in theirs])
    assert [(s.name, s.alias) for s in wired] == [(s.name, s.alias) for s in theirs]
    assert np.array_equal(wired[0].last, approx.last)


def test_tracing_leaves_the_callers_tracer_in_place():
    import sys
    seen = []

    def outer(frame, event, arg):
        seen.append(event)
        return None

    sys.settrace(outer)
    try:
        trace_call(lambda: 1, (), {})
        assert sys.gettrace() is outer
    finally:
        sys.settrace(None)


@pytest.mark.slow  # grades a submission end to end
def test_where_to_look_names_the_faulty_line(tmp_path):
    from paths import EXAMPLES, ROOT

    from grader.assignment import load_assignment
    from grader.pipeline import grade_paths

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "wrong_backprop.py").write_bytes((EXAMPLES / "wrong_backprop.py").read_bytes())
    (result,) = grade_paths([tmp_path / "in"], load_assignment(ROOT, "shallow-nn"), out_dir=tmp_path / "out")
    values = next(c for c in result.checks if c.id == "backward_propagation::values")
    assert "dZ1 on line 66 differs from the expected dZ1; m, W2, A1, A2, dZ2, dW2 and db2 are right" in values.message
    assert values.location is not None and values.location.line == 66 and "np.power(Z1, 2)" in values.location.code
    assert all(c.location is None or "Where it goes wrong" not in c.message for c in result.checks if c.passed)
