"""nn_model is a composite (assignment.toml): while it runs, the reference answers every part it calls (layer_sizes,
initialize_parameters, forward_propagation, compute_cost, backward_propagation, update_parameters), so nn_model is
judged on its own code, the training loop, and a broken, missing or crashing part of the student's costs it nothing.

It must initialise once with the n_h it is given, then run forward → cost → backward → update num_iterations
times, feeding each step the previous step's output, and return the updated parameters. The check records the
parts nn_model asks for and compares what it returns with the reference's loop from the same initial parameters
(the ones the grader answered), for two n_h, n_x and numbers of iterations. The grader draws the initial
weights itself, so the student's seeding habits (np.random.seed inside the functions) cannot matter; and five
iterations in all (2 and 3: any count wrong by one, any step that does not feed the next, and any size taken from
somewhere else than X, Y and n_h shows) tell a right loop from a wrong one exactly, where training to an accuracy
would take a thousand. Each iteration is four asks answered by the grader (about 0.4 ms each), so the check costs
what its iterations cost: a third case of five iterations caught nothing more (benchmarks/verdicts.py, 20 seeds:
the same measurement with and without it, every catalogued mistake and killable mutant caught under every seed,
each costing its own function alone) and cost course notebooks about 5% of their time (11% without figures).
"""

import inspect

import numpy as np
import pytest

from grader.checking import CheckFailure, describe, expect_array, expect_close, expect_keys, same_output

pytestmark = pytest.mark.grades("nn_model")

NAMES = ("W1", "b1", "W2", "b2")
CASES = ((3, 2, 2), (4, 3, 3))  # (n_h, n_x, num_iterations)


def test_training_loop(student, reference, rng, random_labels, tolerance):
    for n_h, n_x, iterations in CASES:
        m = int(rng.integers(20, 40))
        X, Y = rng.standard_normal((n_x, m)), random_labels(m)
        called = student.recorded.nn_model(X, Y, n_h, num_iterations=iterations, print_cost=False)
        start = _start(called, reference, X, Y, n_h)
        expected = _reference_loop(reference, start, X, Y, iterations)
        label = f"nn_model(X, Y, n_h={n_h}, num_iterations={iterations})"
        got = expect_keys(called.value, NAMES, f"The parameters {label} returned")
        try:
            for name in NAMES:
                value = expect_array(got[name], f"{name} returned by {label}", shape=expected[name].shape)
                expect_close(value, expected[name], f"{name} returned by {label}", rtol=tolerance["rtol"],
                             atol=tolerance["atol"], lesson="function:nn_model",
                             context="It should equal the reference's loop from the same initial parameters.")
        except CheckFailure as failure:
            why = _diagnose(called, reference, start, X, Y, iterations)
            raise CheckFailure(f"{why} {failure.message}" if why else failure.message, expected=failure.expected,
                               got=failure.got, flags=failure.flags, lesson=failure.lesson) from None


def _bound(reference, ask):
    """The arguments of an ask by parameter name (the reference's signature), with defaults; None if they do not
    fit it."""
    try:
        bound = inspect.signature(getattr(reference, ask.function)).bind(*ask.args, **ask.kwargs)
    except TypeError:
        return None
    bound.apply_defaults()
    return bound.arguments


def _start(called, reference, X, Y, n_h):
    """The initial parameters: the answer to nn_model's one call of initialize_parameters, with the right sizes."""
    inits = called.of("initialize_parameters")
    if len(inits) != 1:
        raise CheckFailure(
            f"nn_model called initialize_parameters {len(inits)} times; it should call it exactly once, before the "
            "loop, and then keep updating the parameters it returned.", expected="one call of initialize_parameters",
            got=f"{len(inits)} calls", flags=("wrong-values",), lesson="function:nn_model")
    sizes = _bound(reference, inits[0])
    wanted = {"n_x": X.shape[0], "n_h": n_h, "n_y": Y.shape[0]}
    if sizes is None or any(sizes.get(k) != v for k, v in wanted.items()):
        got = describe(dict(sizes)) if sizes is not None else describe(inits[0].args)
        hint = (" It ignores its n_h argument: the hidden layer must have the n_h units nn_model is given."
                if sizes is not None and sizes.get("n_h") != n_h and sizes.get("n_x") == X.shape[0] else "")
        raise CheckFailure(
            f"For X of shape {X.shape}, Y of shape {Y.shape} and n_h={n_h}, nn_model called initialize_parameters "
            f"with the wrong sizes.{hint} n_x and n_y come from layer_sizes(X, Y) (or the shapes of X and Y).",
            expected=f"initialize_parameters(n_x={wanted['n_x']}, n_h={n_h}, n_y={wanted['n_y']})", got=got,
            flags=("wrong-values",), lesson="function:nn_model")
    if inits[0].error is not None:
        raise CheckFailure(f"initialize_parameters raised {inits[0].error}", flags=("wrong-values",))
    return inits[0].value


def _reference_loop(reference, params, X, Y, iterations):
    for _ in range(iterations):
        _, cache = reference.forward_propagation(X, params)
        grads = reference.backward_propagation(params, cache, X, Y)
        params = reference.update_parameters(params, grads)
    return params


def _diagnose(called, reference, start, X, Y, iterations) -> str:
    """The first place where nn_model's loop departs from forward → backward → update on its own outputs."""
    steps = {name: called.of(name) for name in ("forward_propagation", "backward_propagation", "update_parameters")}
    if not all(steps.values()):
        missing = [name for name, asks in steps.items() if not asks]
        return (f"nn_model never calls {' or '.join(missing)}: each of the {iterations} iterations runs "
                "forward_propagation, compute_cost, backward_propagation and update_parameters.")
    if len(steps["update_parameters"]) != iterations:
        return (f"nn_model calls update_parameters {len(steps['update_parameters'])} times for "
                f"num_iterations={iterations}: the loop should run exactly num_iterations times "
                "(for i in range(num_iterations)).")
    current, cache, grads, iteration = start, None, None, 0
    for ask in called.asks:
        args = _bound(reference, ask)
        if args is None or ask.error is not None:
            continue
        where = f"In iteration {iteration + 1}, {ask.function}"
        if ask.function == "forward_propagation":
            if not same_output(args["parameters"], current):
                return f"{where} gets parameters other than those of the last update (or the initial ones)."
            cache = ask.value[1] if isinstance(ask.value, tuple) else None
        elif ask.function == "backward_propagation":
            if not same_output(args["parameters"], current):
                return f"{where} gets parameters other than the ones forward_propagation just used."
            if cache is None or not same_output(args["cache"], cache):
                return f"{where} gets a cache other than the one forward_propagation just returned."
            grads = ask.value
        elif ask.function == "update_parameters":
            if not same_output(args["parameters"], current) or grads is None or not same_output(args["grads"], grads):
                return f"{where} gets parameters or gradients other than the ones of this iteration."
            if not np.isclose(args["learning_rate"], 1.2):
                return (f"{where} is called with learning_rate={args['learning_rate']!r}; nn_model trains with "
                        "update_parameters' default learning rate, 1.2.")
            current, iteration = ask.value, iteration + 1
    if not same_output(called.value, current):
        return "nn_model does not return the parameters of its last update."
    return ""
