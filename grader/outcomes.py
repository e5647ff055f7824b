"""What a check raised, turned into its outcome, with blame placed on the function at fault.

    nothing                         → passed
    CheckFailure / AssertionError   → failed   (the answer is wrong)
    StudentError                    → error    (the student's code crashed, hung, is missing, ...), located at the
                                               innermost frame of the student's code
    anything else                   → error    flagged ``grader-error``: a bug in the check, not the student's

A gated check whose gate did not pass is ``not_judged``: failed (or an error when the gate was), without a second
mistake flag.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable, Mapping

from .checking import CheckFailure
from .failures import MissingFunction, StudentError
from .load import LoadedSubmission
from .models import GRADER_ERROR, SYNTAX_ERROR, CheckOutcome, Location

__all__ = ["judge", "not_judged"]

logger = logging.getLogger(__name__)


def not_judged(cid: str, function: str, gates: list[CheckOutcome], loaded: LoadedSubmission) -> CheckOutcome:
    """The outcome of a gated check whose gates did not pass: no points, and no second mistake flag. It is an error
    when a gate was one (the function crashed, hung, is missing, ...), with that error's flags; else failed."""
    names = " and ".join(gate.id.split("::", 1)[1] for gate in gates)
    error = next((gate for gate in gates if gate.status == "error"), None)
    flags = tuple(f for f in error.flags if not f.startswith("mistake:")) if error is not None else ()
    return CheckOutcome(id=cid, function=function, status="error" if error is not None else "failed", flags=flags,
                        location=error.location if error is not None else loaded.definition(function),
                        message=f"Not judged: this check counts only once {function}'s {names} check passes, "
                                f"because it is worth points only when {function}'s values are right.")


def _blame(exc: StudentError, function: str, graded: tuple[str, ...], loaded: LoadedSubmission,
           why_unbound: Callable[[], Mapping[str, str]]) -> tuple[str, tuple[str, ...], Location | None]:
    """Say so when ``function`` failed inside, or for want of, another graded function it calls, or for want of a
    name that a failed import (or other top-level statement) should have bound (``why_unbound()``: name → why,
    asked only for a NameError, since reading the submission's bindings costs more than the rest of a check)."""
    missing = re.match(r"NameError: name '(\w+)' is not defined", exc.message)
    unbound = why_unbound() if missing else {}
    if missing and missing.group(1) in unbound:
        return f": {unbound[missing.group(1)]}", (), None
    if missing and missing.group(1) in graded and missing.group(1) != function:
        other = missing.group(1)
        lost = loaded.lost_to_syntax_error(other)
        if lost is not None:
            return (f" {function} calls {other}, which is missing because of a syntax error: {lost.message}",
                    (SYNTAX_ERROR,), lost.location)
        return f" {function} calls {other}, which is not defined.", (), None
    if missing and "*" in unbound:  # bound by nothing the grader can see: perhaps by the star import that failed
        return f": nothing in your code defines it, and {unbound['*']}", (), None
    inner = exc.frames[-1][2] if exc.frames else function
    if inner != function and inner in graded:
        return f" The error happened inside {inner}, which {function} calls: fix {inner} first.", (), None
    return "", (), None


def judge(cid: str, function: str, exc: BaseException | None, loaded: LoadedSubmission,
          graded: tuple[str, ...], why_unbound: Callable[[], Mapping[str, str]] = dict) -> CheckOutcome:
    """Turn what a check raised into its outcome. ``why_unbound()`` says why names are missing
    (``Bindings.unbound``)."""
    where = loaded.definition(function)
    if exc is None:
        return CheckOutcome(id=cid, function=function, status="passed", location=where)
    if isinstance(exc, CheckFailure):
        return CheckOutcome(id=cid, function=function, status="failed", message=exc.message, flags=exc.flags,
                            expected=exc.expected, got=exc.got, location=where, lesson=exc.lesson,
                            facts=exc.facts)
    if isinstance(exc, StudentError):
        flags = [exc.flag]
        message = exc.message
        if exc.frames:
            where = loaded.locate(exc.frames[-1][0], exc.frames[-1][1]) or where
        if isinstance(exc, MissingFunction):
            lost = loaded.lost_to_syntax_error(exc.function or function)
            if lost is not None:
                flags.append(SYNTAX_ERROR)
                message = f"{message}, because of a syntax error: {lost.message}"
                where = lost.location
        else:
            extra, more_flags, elsewhere = _blame(exc, function, graded, loaded, why_unbound)
            message += extra
            flags += more_flags
            where = elsewhere or where
        return CheckOutcome(id=cid, function=function, status="error", message=message, flags=tuple(flags),
                            location=where)
    if isinstance(exc, AssertionError):
        return CheckOutcome(id=cid, function=function, status="failed", message=str(exc).split("\n")[0][:500],
                            location=where)
    detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    logger.error("check %s failed inside the grader", cid, exc_info=exc)
    return CheckOutcome(id=cid, function=function, status="error", flags=(GRADER_ERROR,),
                        message=f"The check itself failed, which is not your fault; tell your instructor. ({detail})")
