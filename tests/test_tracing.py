"""Localising a wrong answer to its line: intermediates traced in a call, compared with the reference's."""

from __future__ import annotations

import numpy as np
import pytest

from grader.locating import locate
from grader.tracing import MAX_ELEMENTS, MAX_STEPS, steps_from_wire, trace_call


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


def test_random_draws_are_compared_with_the_same_draw_and_judged_by_their_scale():
    def init(n):
        W = np.random.randn(n, 2) * np.sqrt(2 / n)
        b = np.zeros((n, 1))
        return W, b

    def small(n):
        W = np.random.randn(n, 2) * 0.01
        b = np.zeros((n, 1))
        return W, b

    def other_draw(n):
        np.random.rand()  # a draw first: W is another random draw, of which nothing can be told
        W = np.random.randn(n, 2) * np.sqrt(2 / n)
        b = np.ones((n, 1))
        return W, b

    def run(fn, seed):
        np.random.seed(seed)
        return trace_call(fn, (4,), {})[1]

    first, second = run(init, 1), run(init, 2)
    assert locate(run(init, 1), first, second) is None
    found = locate(run(small, 1), first, second)
    assert found is not None and (found.name, found.how) == ("W", "scaled")
    assert found.factor == pytest.approx(0.01 / np.sqrt(2 / 4))
    assert "W on line 3 is 0.0141 times the expected W (the same random draw" in found.sentence("line 3")
    found = locate(run(other_draw, 1), first, second)
    assert found is not None and (found.name, found.right) == ("b", ())


def test_a_zero_matrix_where_a_draw_is_expected_is_named():
    def init(n):
        W1 = np.random.randn(n, 3) * 0.01
        W2 = np.random.randn(1, n) * 0.01
        return W1, W2

    def zero_w2(n):
        W1 = np.random.randn(n, 3) * 0.01
        W2 = np.zeros((1, n))
        return W1, W2

    runs = []
    for seed in (5, 6):
        np.random.seed(seed)
        runs.append(trace_call(init, (4,), {})[1])
    np.random.seed(5)
    found = locate(trace_call(zero_w2, (4,), {})[1], *runs)
    assert found is not None and (found.name, found.how, found.factor, found.right) == ("W2", "scaled", 0.0, ("W1",))
    assert found.sentence("line 9") == ("W2 on line 9 is all zeros, where the expected W2 is drawn at random; W1 is "
                                        "right")


def test_dict_entries_are_steps_matched_by_their_key():
    def reference(dims):
        L = len(dims)
        parameters = {}
        for l in range(1, L):  # noqa: E741 (the course's name for a layer)
            parameters["W" + str(l)] = np.full((dims[l], dims[l - 1]), float(l))
            parameters["b" + str(l)] = np.zeros((dims[l], 1))
        return parameters

    def student(dims):
        L = len(dims) - 1
        params = {}
        for l in range(1, L + 1):  # noqa: E741 (the course's name for a layer)
            params["W" + str(l)] = np.full((dims[l], dims[l - 1]), float(l))
            params["b" + str(l)] = np.zeros((dims[l], 1)) + (l == 2)  # the mistake: b2 is ones
        return params

    _, theirs = trace_call(student, ([3, 4, 2],), {})
    _, expected = trace_call(reference, ([3, 4, 2],), {})
    assert [s.name for s in theirs if "[" in s.name] == ['params["W1"]', 'params["b1"]', 'params["W2"]', 'params["b2"]']
    found = locate(theirs, expected)
    assert found is not None and found.name == 'params["b2"]' and found.expected == 'parameters["b2"]'
    assert found.line == student.__code__.co_firstlineno + 5
    # the count L differs from the reference's (2 and 3): it is said beside the mistake, not taken for it
    assert found.sentence("line 6").startswith(
        'params["b2"] on line 6 differs from the expected parameters["b2"]; L on line '
        f"{student.__code__.co_firstlineno + 1} is 2, where the reference's L is 3; ")


def test_a_count_that_differs_is_said_beside_the_mistake_and_named_alone_only_when_nothing_else_differs():
    def reference(X):
        m = X.shape[1]
        total = X.sum(axis=1) / m
        return total

    def student(X):
        m = X.shape[0]
        total = X.sum(axis=1) / m
        return total

    def convention(X):
        m = X.shape[0]  # noqa: F841 (a count of another meaning, and nothing else differs)
        total = X.sum(axis=1) / X.shape[1]
        return total

    X = np.arange(6.0).reshape(2, 3)
    _, expected = trace_call(reference, (X,), {})
    found = locate(trace_call(student, (X,), {})[1], expected)
    assert found is not None and found.name == "total"
    assert found.sentence("line 4") == ("total on line 4 differs from the expected total; m on line "
                                        f"{student.__code__.co_firstlineno + 1} is 2, where the reference's m is 3")
    alone = locate(trace_call(convention, (X,), {})[1], expected)
    assert alone is not None and alone.how == "count"
    assert alone.sentence("line 2") == "m on line 2 is 2, where the reference's m is 3; total is right"


def test_an_array_computed_at_once_is_compared_with_the_reference_filled_in_place():
    def student(theta, f, eps):
        approx = np.array([(f(theta + eps * e) - f(theta - eps * e)) / (2 * eps) for e in np.eye(theta.size)])
        numerator = np.linalg.norm(approx - 3 * theta ** 2)
        denominator = np.linalg.norm(approx) * np.linalg.norm(3 * theta ** 2)  # the mistake
        return numerator / denominator

    def reference(theta, f, eps):
        approx = reference_check(theta, f, eps)
        numerator = np.linalg.norm(approx - 3 * theta ** 2)
        denominator = np.linalg.norm(approx) + np.linalg.norm(3 * theta ** 2)
        return numerator / denominator

    theta = np.array([1.0, 2.0, 3.0])
    _, theirs = trace_call(student, (theta, cube, 1e-3), {})
    _, expected = trace_call(reference, (theta, cube, 1e-3), {})
    found = locate(theirs, expected)
    assert found is not None and found.name == "denominator" and found.right == ("approx", "numerator")


def test_a_large_array_is_recorded_as_a_sample_with_its_shape():
    def big(n):
        W = np.random.randn(n, n) * 0.5
        return W

    np.random.seed(0)
    (step,) = trace_call(big, (300,), {})[1]
    assert step.dims == (300, 300) and step.value.shape == (MAX_ELEMENTS,)
    (wired,) = steps_from_wire([step.to_wire()])
    assert wired.dims == (300, 300) and np.array_equal(wired.value, step.value)
    assert steps_from_wire([["W", 1, "f.py", np.ones(4), None, "", [1, 2]]]) == []  # a shape the sample cannot have


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
    assert approx.wrote == one_sided_check.__code__.co_firstlineno + 6  # the line that filled it
    found = locate(theirs, expected)
    # approx is filled with the one-sided quotient on that line; minus, never moved, is what it leaves behind
    assert found is not None and (found.name, found.how, found.line) == ("approx", "filled", approx.wrote)
    assert "approx" not in found.right
    alone = locate([s for s in theirs if s.name != "approx"], expected)
    assert alone is not None and (alone.name, alone.how) == ("minus", "unwritten")
    assert alone.line == one_sided_check.__code__.co_firstlineno + 5
    assert alone.sentence("line 6") == ("minus, bound on line 6, is never changed afterwards, where the expected "
                                        "minus is then written into in place; plus is right")
    assert found.sentence("line 7").startswith("approx, filled in place on line 7, ends with values that differ")
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


def test_a_slight_difference_before_a_clear_one_is_where_it_goes_wrong():
    """theta + epsilon and theta - epsilon agree to 2e-11 when theta is 1e4, well within the tolerance; J_plus -
    J_minus magnifies it, so the first clear difference comes two lines later."""
    def reference(x, theta, epsilon):
        theta_plus = theta + epsilon
        theta_minus = theta - epsilon
        gradapprox = (x * theta_plus - x * theta_minus) / (2 * epsilon)
        return gradapprox

    def student(x, theta, epsilon):
        theta_plus = theta - epsilon  # the mistake
        theta_minus = theta - epsilon
        gradapprox = (x * theta_plus - x * theta_minus) / (2 * epsilon)
        return gradapprox

    def reordered(x, theta, epsilon):
        theta_plus = epsilon + theta
        theta_minus = -epsilon + theta
        gradapprox = (theta_plus * x - theta_minus * x) / (epsilon * 2)
        return gradapprox

    args = (2.5, 12345.678, 1e-7)
    _, expected = trace_call(reference, args, {})
    found = locate(trace_call(student, args, {})[1], expected)
    assert found is not None and (found.name, found.how, found.right) == ("theta_plus", "slight", ())
    assert found.line == student.__code__.co_firstlineno + 1
    assert found.sentence("line 2").startswith("theta_plus on line 2 differs from the expected theta_plus, slightly "
                                               "(by 1.6e-11 of its size")
    assert locate(trace_call(reordered, args, {})[1], expected) is None  # rounding alone is no difference


def test_the_value_returned_is_a_step_when_no_local_holds_it():
    def reference(parameters, grads, learning_rate=1.2):
        return {name: parameters[name] - learning_rate * grads["d" + name] for name in ("W1", "b1")}

    def student(parameters, grads, learning_rate=1.2):
        return {name: parameters[name] + learning_rate * grads["d" + name] for name in ("W1", "b1")}

    def with_locals(parameters, grads, learning_rate=1.2):
        W1 = parameters["W1"] - learning_rate * grads["dW1"]
        b1 = parameters["b1"] - learning_rate * grads["db1"]
        return {"W1": W1, "b1": b1}

    rng = np.random.default_rng(0)
    args = ({"W1": rng.standard_normal((3, 2)), "b1": rng.standard_normal((3, 1))},
            {"dW1": rng.standard_normal((3, 2)), "db1": rng.standard_normal((3, 1))})
    _, expected = trace_call(reference, args, {})
    assert [s.name for s in expected] == ['returned["W1"]', 'returned["b1"]']  # a dict is no step, its entries are
    found = locate(trace_call(student, args, {})[1], expected)
    assert found is not None and found.name == 'returned["W1"]' and found.line == student.__code__.co_firstlineno + 1
    # locals that hold the result are steps already: the dict that only gathers them adds none
    assert [s.name for s in trace_call(with_locals, args, {})[1]] == ["W1", "b1"]
    assert locate(trace_call(with_locals, args, {})[1], expected) is None
