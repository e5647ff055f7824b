"""A failed check's outcome pointed at where the student's function first goes wrong.

The last call of the function is run again traced in the sandbox (``StudentSession.retrace``, within its budget),
the reference's on the same inputs in the grader's process, under the same seed and another one, and
``locating.locate`` compares the two sets of intermediates. The outcome's message gains a "Where it goes wrong"
sentence and its location the line at fault; it is unchanged when nothing can be told, or anything here goes wrong.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from . import locating, tracing
from .failures import StudentError
from .load import LoadedSubmission
from .models import CheckOutcome
from .session import StudentSession

__all__ = ["localised"]

logger = logging.getLogger(__name__)


def localised(outcome: CheckOutcome, session: StudentSession, loaded: LoadedSubmission,
              reference: Callable[[], types.ModuleType]) -> CheckOutcome:
    """``outcome`` of a failed check, pointing at the first intermediate that differs from the reference's
    (unchanged when nothing can be told). ``reference`` gives the reference solution (imported on first use)."""
    try:
        retraced = session.retrace(outcome.function)
        fn = getattr(reference(), outcome.function, None)
        if retraced is None or not retraced[3] or not callable(fn):
            return outcome
        args, kwargs, seed, steps, answers = retraced
        found = locating.locate(steps, *_reference_runs(fn, args, kwargs, seed, answers))
        where = loaded.locate(found.filename, found.line) if found is not None else None
    except StudentError:
        return outcome
    except Exception:  # localising is a courtesy: a bug here must never cost the check its outcome
        logger.exception("could not localise %s", outcome.id)
        return outcome
    if found is None or where is None:
        return outcome

    def place(filename: str, line: int) -> str | None:
        at = loaded.locate(filename, line)
        return None if at is None else at.describe()

    return dataclasses.replace(outcome, location=where,
                               message=f"{outcome.message.rstrip()} Where it goes wrong: "
                                       f"{found.sentence(where.describe(), place)}.")


def _reference_runs(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], seed: int,
                    answers: dict[str, Callable[..., Any]]) -> list[list[tracing.Step]]:
    """The reference's intermediates on the retraced call's inputs, under the student's seed (the same random
    draws) and the next one; the parts the check answered its own way answer for the reference too. numpy's global
    generator and the reference's namespace are left as they were."""
    runs = []
    state = np.random.get_state()
    namespace = getattr(fn, "__globals__", {})
    parts = {name: namespace[name] for name in answers if name in namespace}
    try:
        namespace.update(answers)
        for draw in (seed, seed + 1):
            np.random.seed(draw % 2**32)
            with np.errstate(all="ignore"):
                runs.append(tracing.trace_call(fn, copy.deepcopy(args), copy.deepcopy(kwargs))[1])
    finally:
        np.random.set_state(state)
        for name in answers:
            if name in parts:
                namespace[name] = parts[name]
            else:
                namespace.pop(name, None)
    return runs
