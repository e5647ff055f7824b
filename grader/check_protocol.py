"""Running one collected check, as pytest's ``runtestprotocol`` does, less what the grader never uses.

``run_check`` sets up the check's fixtures through pytest's own setup state (so scopes and finalizers hold), calls
the function and tears down up to the next item. It leaves out the per-phase hooks for other plugins (capture,
logging, skip marks: refused at collection), CallInfo and reports, whose long tracebacks of failing checks were most
of a failing submission's time. What the check raised is handed back for its outcome (``grader.outcomes``).
"""

from __future__ import annotations

import logging

import pytest

from .failures import StudentError

__all__ = ["run_check"]

logger = logging.getLogger(__name__)


class _NotJudged(Exception):
    """Raised in place of a gated check whose gates did not pass."""


def run_check(item: pytest.Item, nextitem: pytest.Item, *, closed: bool) -> BaseException | None:
    """Run one check: its fixtures, the function, the teardown up to ``nextitem``; what it raised in setup or call,
    or None. The exception comes without frames when it is the student's or the check's failure (theirs hold the
    student's values until the next submission). ``closed``: a gated check whose gates did not pass, or a check the
    job leaves out, which raises without running (pytest's setup state still moves on). A teardown error is
    ignored, as pytest's reports of it were."""
    if not getattr(item, "_request", True):  # a re-run item (as pytest-rerunfailures does)
        item._initrequest()  # type: ignore[attr-defined]
    state = item.session._setupstate
    raised: BaseException | None = None
    try:
        try:
            if closed:
                raise _NotJudged
            state.setup(item)
            item.runtest()
        except (KeyboardInterrupt, pytest.exit.Exception):
            raise
        except BaseException as exc:
            if isinstance(exc, (AssertionError, StudentError)):  # CheckFailure too
                exc = exc.with_traceback(None)
            raised = exc
        try:
            # The next item of a session's only check is itself: its parents' fixtures stay for the next submission,
            # and its own are torn down (kept up, the next setup would skip it and leave it without its fixtures).
            state.teardown_exact(nextitem if nextitem is not item else item.parent)  # type: ignore[arg-type]
        except Exception:
            logger.debug("a check's fixture teardown failed", exc_info=True)
    finally:
        item._request = False  # type: ignore[attr-defined]
        item.funcargs = None  # type: ignore[attr-defined]
    return raised
