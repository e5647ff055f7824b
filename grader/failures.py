"""What a student's code can do wrong, as exceptions the checks may catch.

The sandbox raises these when a call into a student function does not produce a value; each carries the flag it
earns in the results. They are the student's failures, so they never reach the user as errors of the grader: the
check plugin turns them into ``error`` outcomes. Check authors import them from ``grader.checking``.
"""

from __future__ import annotations

__all__ = ["BadReply", "MissingFunction", "ResourceLimit", "StudentCrash", "StudentError", "StudentTimeout",
           "WrongSignature"]


class StudentError(Exception):
    """A student function could not produce a value. ``flag`` is the results flag it earns."""

    flag = "crash"

    def __init__(self, message: str, *, function: str = "", frames: tuple[tuple[str, int, str], ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.function = function
        self.frames = frames  # (compiled filename, line, function name), innermost last


class StudentCrash(StudentError):
    """The function raised, or its process died."""


class StudentTimeout(StudentError):
    """The function did not return within its time limit."""

    flag = "timeout"


class ResourceLimit(StudentError):
    """The function exhausted memory, CPU time or another limit."""

    flag = "resource-limit"


class MissingFunction(StudentError):
    """The submission does not define the function."""

    flag = "missing-function"


class BadReply(StudentError):
    """The function returned something that cannot cross the plain-data channel."""


class WrongSignature(StudentError):
    """The function's parameters fit neither the signature the assignment asks for nor one it accepts, so it was
    not called (``grader.signatures``)."""

    flag = "wrong-signature"
