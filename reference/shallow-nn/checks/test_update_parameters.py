"""update_parameters takes one gradient-descent step. ``values`` judges the step; ``arrays_unchanged`` that it does
not write into the arrays it was given (``W1 -= learning_rate * dW1``), in every version of the notebook: no
version's template does, the 2021 one asks for copies explicitly, and an array changed in place changes under
whoever else holds it. Putting new arrays into the dict passed in (``parameters["W1"] = W1 - ...``, the course's
own style elsewhere) is not judged: the arrays the caller holds stay as they were."""

import numpy as np
import pytest

from grader.checking import CheckFailure, describe, expect_array, expect_close, expect_keys

pytestmark = pytest.mark.grades("update_parameters")

NAMES = ("W1", "b1", "W2", "b2")


def _wrong(got, expected, tolerance):
    """The parameters of ``got`` that differ from ``expected`` in type, shape or value."""
    out = []
    for name in NAMES:
        value = got[name]
        if not (isinstance(value, np.ndarray) and value.shape == expected[name].shape and value.dtype.kind in "fiu"
                and np.allclose(value.astype(np.float64), expected[name], rtol=tolerance["rtol"],
                                atol=tolerance["atol"])):
            out.append(name)
    return tuple(out)


def test_values(student, reference, random_parameters, tolerance, mistakes):
    params = random_parameters(3, 4, 1)
    grads = {"d" + k: v for k, v in random_parameters(3, 4, 1).items()}
    for kwargs, label in (({"learning_rate": 0.7}, "learning_rate=0.7"), ({}, "the default learning rate")):
        got = expect_keys(student.update_parameters(params, grads, **kwargs), NAMES, "The updated parameters")
        expected = reference.update_parameters(params, grads, **kwargs)
        try:
            for name in NAMES:
                value = expect_array(got[name], name, shape=expected[name].shape)
                expect_close(value, expected[name], f"{name} after one update with {label}",
                             rtol=tolerance["rtol"], atol=tolerance["atol"],
                             context=f"Gradient descent steps downhill: {name} = {name} - "
                             f"learning_rate * d{name}, and the default learning rate is 1.2.",
                             lesson="function:update_parameters")
        except CheckFailure as failure:
            wrong = _wrong(got, expected, tolerance) or NAMES
            raise mistakes.explain(failure, "update_parameters", {name: got[name] for name in wrong},
                                   params, grads, **kwargs, only=wrong) from None




def _written(given, after):
    """The names of the arrays of ``given`` (dicts of arrays) whose values ``after`` (the same arrays once the call is
    over) no longer holds."""
    return [name for old, new in zip(given, after) for name, value in old.items()
            if not (isinstance(new, dict) and isinstance(new.get(name), np.ndarray) and new[name].shape == value.shape
                    and np.array_equal(new[name], value))]


@pytest.mark.gated_by("values")
def test_arrays_unchanged(student, random_parameters):
    params = random_parameters(3, 4, 1)
    grads = {"d" + k: v for k, v in random_parameters(3, 4, 1).items()}
    called = student.observed.update_parameters(params, grads, learning_rate=0.7)
    written = ["its arguments"] if called.after is None else _written((params, grads), called.after[0])
    if written:
        first = written[0]
        raise CheckFailure(
            f"update_parameters wrote into the arrays it was given ({', '.join(written)}), not only into the ones it "
            "returns. `W1 -= learning_rate * dW1` changes the caller's array in place, so whoever still holds the "
            "parameters passed in finds them changed. Write `W1 = W1 - learning_rate * dW1` (a new array), or start "
            "with `parameters = copy.deepcopy(parameters)`.",
            expected=f"{first} as passed in: {describe(params[first])}" if first in params else None,
            got=f"{first} afterwards: {describe(called.after[0][0].get(first))}" if first in params else None,
            flags=("changes-inputs",), lesson="changes-inputs")
