"""The grader's own failures. A student's failure is never an exception here: it is data in the result.

Exception tree::

    GraderError                      exit code 3 unless said otherwise
    ├── UsageError                   bad command line input (exit 2)
    ├── ConfigError                  an assignment's config, reference or checks are broken (exit 3)
    ├── SandboxUnavailable           no isolation layer protects the reference and results (exit 4)
    └── InternalError                a bug in the grader itself (exit 3)

The CLI is the one place that turns these into an exit code and a message.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of the ``grade`` command. Grading that ran exits OK whatever the scores."""

    OK = 0
    BELOW_THRESHOLD = 1
    USAGE = 2
    GRADER_FAILURE = 3
    NO_ISOLATION = 4


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
