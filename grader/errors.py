"""Every exception the grader defines, and where each one lives.

Two kinds of failure never mix. A *student's* failure (wrong answer, crash, timeout, hostile data) is data: it ends
up in the result, costs points and never stops the batch. A failure of the *grader* (bad command line, broken
assignment, no sandbox, a bug) is raised as a ``GraderError`` and reaches the user through the CLI, which is the one
place that prints it and turns it into an exit code.

Exception tree::

    Exception
    ├── GraderError                      errors.py: the grader's own failures; ``exit_code`` and ``show()``
    │   ├── UsageError                   bad command-line input or arguments                       exit 2
    │   ├── ConfigError                  an assignment's config, reference or checks are broken    exit 3
    │   │   └── SignatureNotGiven        signatures.py: a check did not give an argument that an
    │   │                                accepted signature needs (outcome: grader-error)
    │   ├── SandboxUnavailable           no layer protects the reference and results, or the
    │   │                                sandbox could not start                                    exit 4
    │   ├── InternalError                a bug in the grader itself                                 exit 3
    │   ├── Interrupted                  Ctrl-C stopped a batch; says what was saved               exit 130
    │   └── WorkerFailed                 a grading worker process stopped on one of the above;
    │                                    carries that error's exit code and message
    ├── StudentError                     failures.py: a student function produced no value; ``flag`` names it
    │   ├── StudentCrash                 it raised, or its process died                   flag crash
    │   ├── StudentTimeout               it ran past its time limit                       flag timeout
    │   ├── ResourceLimit                it exhausted memory, CPU, disk or files          flag resource-limit
    │   ├── MissingFunction              the submission does not define it                flag missing-function
    │   ├── WrongSignature               its parameters fit no signature the assignment takes  flag wrong-signature
    │   └── BadReply                     its value cannot cross the plain-data channel    flag crash
    ├── AssertionError
    │   └── CheckFailure                 checking.py: a check found the answer wrong; carries expected/got/flags
    ├── ValueError
    │   └── WireError                    wire.py: a frame on the channel breaks its rules (the sender's fault)
    └── RuntimeError
        └── IsolationFailed              isolation.py: a sandbox layer could not be applied in the child,
                                         which then exits before any student code runs

Only ``GraderError`` leaves the library. ``StudentError`` and ``CheckFailure`` become check outcomes in
``plugin.py``; ``WireError`` from a student process becomes ``BadReply``; ``IsolationFailed`` ends the child.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "ConfigError",
    "ExitCode",
    "GraderError",
    "InternalError",
    "Interrupted",
    "SandboxUnavailable",
    "UsageError",
    "WorkerFailed",
]


class ExitCode(IntEnum):
    """Exit codes of the ``grade`` command. Grading that ran exits OK whatever the scores."""

    OK = 0
    BELOW_THRESHOLD = 1
    USAGE = 2
    GRADER_FAILURE = 3
    NO_ISOLATION = 4
    INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C


class GraderError(Exception):
    """Root of every error the grader raises about itself."""

    exit_code: ExitCode = ExitCode.GRADER_FAILURE

    def show(self) -> str:
        """The message the CLI prints."""
        return f"error: {self}"


class UsageError(GraderError):
    """The command line asked for something that cannot be done."""

    exit_code = ExitCode.USAGE


class ConfigError(GraderError):
    """An assignment folder is incomplete or inconsistent."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path

    def show(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"error: {where}{self.args[0]}"


class SandboxUnavailable(GraderError):
    """Grading would run untrusted code with nothing between it and the reference or the results."""

    exit_code = ExitCode.NO_ISOLATION


class InternalError(GraderError):
    """A bug in the grader: a check or a stage failed in a way that is not the student's doing."""


class Interrupted(GraderError):
    """Ctrl-C (SIGINT) stopped a batch. What was saved stays saved; the same command grades the rest."""

    exit_code = ExitCode.INTERRUPTED

    def __init__(self, *, saved: int, earlier: int, left: int, out: str) -> None:
        super().__init__(f"stopped: {saved} result(s) saved in {out}")
        self.saved, self.earlier, self.left, self.out = saved, earlier, left, out

    def show(self) -> str:
        earlier = f" ({self.earlier} more from earlier runs)" if self.earlier else ""
        left = f"{self.left} not graded yet. " if self.left else ""
        return (f"stopped: {self.saved} result(s) saved in {self.out}{earlier}; {left}"
                "Run the same command again to resume.")


class WorkerFailed(GraderError):
    """A grading worker process stopped on a grader failure; carries that failure's exit code and message."""

    def __init__(self, exit_code: int, text: str) -> None:
        super().__init__(text)
        self.exit_code = ExitCode(exit_code)

    def show(self) -> str:
        return str(self.args[0])
