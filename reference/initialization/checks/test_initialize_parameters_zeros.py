"""initialize_parameters_zeros is the experiment that shows why zero weights fail, so it is graded on returning
exactly that: every weight and every bias zero, with the right keys and shapes for any list of layer sizes."""

import numpy as np
import pytest

from grader.checking import CheckFailure, describe

pytestmark = pytest.mark.grades("initialize_parameters_zeros")

FUNCTION = "initialize_parameters_zeros"


def test_shapes(initialized, shape_cases):
    for layers_dims in shape_cases:
        initialized(FUNCTION, layers_dims, shapes=True)


def test_all_zero(initialized, shape_cases, big_dims):
    for layers_dims in (shape_cases[0], big_dims):
        params = initialized(FUNCTION, layers_dims)
        nonzero = [key for key, value in params.items() if np.any(value != 0)]
        if nonzero:
            raise CheckFailure(
                f"{FUNCTION}({layers_dims}) should return nothing but zeros, but {', '.join(nonzero)} "
                f"{'holds' if len(nonzero) == 1 else 'hold'} other values. This function is the experiment that "
                "shows what zero weights do to a network, so it must return zeros: np.zeros(shape).",
                expected="all zeros", got=describe(params[nonzero[0]]), flags=("wrong-values",),
                lesson="function:initialize_parameters_zeros")
