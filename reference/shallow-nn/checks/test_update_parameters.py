import numpy as np
import pytest

from grader.checking import CheckFailure, expect_array, expect_close, expect_keys

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
