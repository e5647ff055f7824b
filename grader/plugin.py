"""Run an assignment's hidden pytest checks, in the trusted process, over a stream of submissions.

pytest collects the checks once; then our ``pytest_runtestloop`` runs every check item against each submission
in turn (``runtestprotocol`` supports re-running an item), so collection, assertion rewriting and session
fixtures cost once per worker, not once per submission. Each check's exception becomes a ``CheckOutcome``:

    CheckFailure / AssertionError   → failed   (the answer is wrong)
    StudentError                    → error    (the student's code crashed, hung, is missing, ...)
    anything else                   → error    flagged ``grader-error``: a bug in the check, not the student's
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import re
import sys
import time
import traceback
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _pytest.runner import (
    runtestprotocol,  # the public-in-practice re-run entry point (pytest-rerunfailures)
)

from .assignment import Assignment
from .checking import Catalogue, CheckFailure
from .errors import ConfigError, InternalError
from .failures import MissingFunction, StudentError
from .load import LoadedSubmission
from .models import GRADER_ERROR, SYNTAX_ERROR, CheckOutcome, Figure, Location
from .session import StudentSession, call_seed

__all__ = ["Figures", "GradingPlugin", "Job", "Parts", "StudentProxy", "check_id", "pytest_args", "run_checks"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Job:
    """One submission to check: its id, loaded source, sandbox session and seed."""

    id: str
    loaded: LoadedSubmission
    session: StudentSession
    seed: int


@dataclass
class Parts:
    """How the submission's functions fared in the checks run so far, for blame messages in composite checks."""

    failed: set[str] = field(default_factory=set)

    def ok(self, function: str) -> bool:
        """True unless an earlier check of ``function`` failed or errored."""
        return function not in self.failed


class Figures:
    """Collects the pictures a check computes for the report: ``figures.add("lines", "Cost", x=[...], y=[...])``."""

    def __init__(self) -> None:
        self.items: list[Figure] = []

    def add(self, kind: str, title: str, *, caption: str = "", **data: Any) -> None:
        self.items.append(Figure(kind=kind, title=title, caption=caption, data=data))


class StudentProxy:
    """``student.forward_propagation(X, params)`` calls into the sandbox.

    ``student.with_seed(7).nn_model(...)`` seeds numpy's global generator with 7 for that call, so that two calls
    can be made to draw the same random numbers.
    """

    def __init__(self, session: StudentSession, seed: int | None = None) -> None:
        self._session = session
        self._seed = seed

    def with_seed(self, seed: int) -> StudentProxy:
        return StudentProxy(self._session, seed)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        return functools.partial(self._session.call_seeded, self._seed, name)


def check_id(item: pytest.Item) -> tuple[str, str]:
    """(check id, function) of a collected check."""
    marker = item.get_closest_marker("grades")
    if marker is None or len(marker.args) != 1:
        raise ConfigError(f"{item.nodeid} has no @pytest.mark.grades(\"<function>\") marker")
    function = str(marker.args[0])
    name = item.name.removeprefix("test_")
    return f"{function}::{name}", function


def _exec_module(name: str, source: str, filename: str) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__file__ = filename
    exec(compile(source, filename, "exec"), module.__dict__)
    return module


class GradingPlugin:
    """A pytest plugin that runs the collected checks once per job and hands back the outcomes."""

    def __init__(self, assignment: Assignment, jobs: Iterator[Job],
                 on_done: Callable[[Job, tuple[CheckOutcome, ...], tuple[Figure, ...]], None]) -> None:
        self.assignment = assignment
        self.jobs = jobs
        self.on_done = on_done
        self.error: BaseException | None = None
        self.collect_errors: list[str] = []
        self._job: Job | None = None
        self._parts = Parts()
        self._figures = Figures()
        self._exc: dict[str, BaseException] = {}

    # -- pytest hooks -------------------------------------------------------------------------------------------------

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "grades(function): the student function that a check grades")
        config.addinivalue_line("markers", "report_only: computes figures for the report; graded by nothing")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append(f"{report.nodeid}: {report.longreprtext[-2000:]}")

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        try:
            if self.collect_errors:
                raise ConfigError("the checks could not be collected:\n" + "\n".join(self.collect_errors),
                                  path=str(self.assignment.checks_dir))
            order = {name: i for i, name in enumerate(self.assignment.functions)}
            pictures = [item for item in items if item.get_closest_marker("report_only")]
            items[:] = [item for item in items if not item.get_closest_marker("report_only")]
            ids = [check_id(item) for item in items]
            for cid, function in ids:
                if function not in order:
                    raise ConfigError(f"check {cid} grades {function!r}, which assignment.toml does not list")
            collected = {cid for cid, _ in ids}
            if len(collected) != len(ids):
                raise ConfigError("two checks have the same id")
            configured = set(self.assignment.points)
            if collected != configured:
                raise ConfigError(
                    "grading.toml [points] and the checks disagree: "
                    f"without points: {sorted(collected - configured)}; "
                    f"without a check: {sorted(configured - collected)}",
                    path=str(self.assignment.checks_dir))
            keyed = sorted(zip(ids, items), key=lambda pair: order[pair[0][1]])
            items[:] = [item for _, item in keyed] + pictures  # pictures last: they may ask how the parts fared
        except ConfigError as exc:
            self.error = exc
            items[:] = []

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        if self.error is not None:
            return True
        items = list(session.items)
        if not items:
            self.error = ConfigError("no checks were collected", path=str(self.assignment.checks_dir))
            return True
        try:
            for job in self.jobs:
                outcomes = self._run_job(items, job)
                self.on_done(job, outcomes, tuple(self._figures.items))
        except BaseException as exc:  # surfaced by run_checks after pytest has cleaned up
            self.error = exc
        return True

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        if call.excinfo is not None and call.when in ("setup", "call"):
            self._exc.setdefault(item.nodeid, call.excinfo.value)
        return report

    # -- fixtures for the checks ------------------------------------------------------------------------------------

    @pytest.fixture
    def student(self) -> StudentProxy:
        """The current submission's functions, called in its sandbox."""
        assert self._job is not None
        return StudentProxy(self._job.session)

    @pytest.fixture
    def parts(self) -> Parts:
        """Which of the submission's functions have failed a check so far."""
        return self._parts

    @pytest.fixture
    def seed(self, request: pytest.FixtureRequest) -> int:
        """The seed of this check for this submission."""
        assert self._job is not None
        return call_seed(self._job.seed, request.node.nodeid)

    @pytest.fixture
    def rng(self, seed: int) -> np.random.Generator:
        """A random generator for this check's inputs, recorded through the submission's seed."""
        return np.random.default_rng(seed)

    @pytest.fixture(scope="session")
    def reference(self) -> types.ModuleType:
        """The reference solution, imported in the trusted process."""
        path = self.assignment.solution_path
        return _exec_module(f"grader_reference_{self.assignment.stem}",
                            path.read_text(encoding="utf-8"), str(path))

    @pytest.fixture(scope="session")
    def helpers(self) -> types.SimpleNamespace:
        """The assignment's helper modules (data loaders, ...), imported in the trusted process.

        They are built in the order assignment.toml lists them, and each may import the ones before it: those are
        in ``sys.modules`` under their own names while it runs, and only then.
        """
        built: dict[str, types.ModuleType] = {}
        for helper in self.assignment.helpers:
            saved = {name: sys.modules.get(name) for name in built}
            sys.modules.update(built)
            try:
                built[helper.module] = _exec_module(helper.module, helper.source,
                                                    str(self.assignment.public_dir / f"{helper.module}.py"))
            finally:
                for name, module in saved.items():
                    if module is None:
                        sys.modules.pop(name, None)
                    else:
                        sys.modules[name] = module
        return types.SimpleNamespace(**built)

    @pytest.fixture
    def figures(self) -> Figures:
        """Where a check puts data for the report's pictures."""
        return self._figures

    @pytest.fixture(scope="session")
    def mistakes(self, reference: types.ModuleType) -> Catalogue:
        """The assignment's catalogue of known mistakes (``reference/<name>/mistakes.py``), or an empty one.

        The module sees the reference solution as the global ``reference``.
        """
        path = self.assignment.mistakes_path
        if not path.is_file():
            return Catalogue()
        module = types.ModuleType(f"grader_mistakes_{self.assignment.stem}")
        module.__file__ = str(path)
        module.reference = reference  # type: ignore[attr-defined]
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), module.__dict__)
        return Catalogue(getattr(module, "CATALOGUE", ()))

    @pytest.fixture(scope="session")
    def tolerance(self) -> dict[str, float]:
        """Tolerances from grading.toml, with defaults rtol=1e-5 and atol=1e-7."""
        return {"rtol": 1e-5, "atol": 1e-7, **self.assignment.tolerances}

    @staticmethod
    def _report_only_failure(item: pytest.Item, exc: BaseException | None) -> None:
        """A picture that could not be made costs nothing; a bug in its code is reported to the instructor."""
        if exc is None or isinstance(exc, (StudentError, CheckFailure)):
            return
        logger.error("report figure %s failed inside the grader", item.nodeid, exc_info=exc)

    # -- running one submission -------------------------------------------------------------------------------------

    def _run_job(self, items: list[pytest.Item], job: Job) -> tuple[CheckOutcome, ...]:
        self._job, self._parts, self._figures, self._exc = job, Parts(), Figures(), {}
        outcomes = []
        for index, item in enumerate(items):
            nextitem = items[index + 1] if index + 1 < len(items) else items[0]
            if item.get_closest_marker("report_only"):
                job.session.context = item.nodeid
                runtestprotocol(item, log=False, nextitem=nextitem)
                self._report_only_failure(item, self._exc.get(item.nodeid))
                continue
            cid, function = check_id(item)
            job.session.context = cid
            started = time.perf_counter()
            runtestprotocol(item, log=False, nextitem=nextitem)
            outcome = dataclasses.replace(
                _outcome(cid, function, self._exc.get(item.nodeid), job.loaded, self.assignment.functions),
                duration_s=round(time.perf_counter() - started, 4))
            if outcome.status != "passed":
                self._parts.failed.add(function)
            outcomes.append(outcome)
        self._job = None
        return tuple(outcomes)


def _blame(exc: StudentError, function: str, graded: tuple[str, ...], loaded: LoadedSubmission
           ) -> tuple[str, tuple[str, ...], Location | None]:
    """Say so when ``function`` failed inside, or for want of, another graded function it calls."""
    missing = re.match(r"NameError: name '(\w+)' is not defined", exc.message)
    if missing and missing.group(1) in graded and missing.group(1) != function:
        other = missing.group(1)
        lost = loaded.lost_to_syntax_error(other)
        if lost is not None:
            return (f" {function} calls {other}, which is missing because of a syntax error: {lost.message}",
                    (SYNTAX_ERROR,), lost.location)
        return f" {function} calls {other}, which is not defined.", (), None
    inner = exc.frames[-1][2] if exc.frames else function
    if inner != function and inner in graded:
        return f" The error happened inside {inner}, which {function} calls: fix {inner} first.", (), None
    return "", (), None


def _outcome(cid: str, function: str, exc: BaseException | None, loaded: LoadedSubmission,
             graded: tuple[str, ...]) -> CheckOutcome:
    """Turn what a check raised into its outcome."""
    where = loaded.definition(function)
    if exc is None:
        return CheckOutcome(id=cid, function=function, status="passed", location=where)
    if isinstance(exc, CheckFailure):
        return CheckOutcome(id=cid, function=function, status="failed", message=exc.message, flags=exc.flags,
                            expected=exc.expected, got=exc.got, location=where, lesson=exc.lesson)
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
            extra, more_flags, elsewhere = _blame(exc, function, graded, loaded)
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


def _forget_modules(folder: Path) -> None:
    """Drop the check modules pytest imported, so that another session re-imports its own checks fresh."""
    root = str(folder.resolve())
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if path and os.path.abspath(path).startswith(root + os.sep):
            del sys.modules[name]


def pytest_args(assignment: Assignment) -> list[str]:
    """The command line for the checks' pytest session: isolated from any project configuration."""
    checks = str(assignment.checks_dir)
    return [checks, "--rootdir", checks, "-c", os.devnull, "-s", "--strict-markers", "--import-mode=importlib",
            "-p", "no:cacheprovider", "-p", "no:terminal", "-p", "no:randomly", "-W", "ignore"]


def run_checks(assignment: Assignment, jobs: Iterator[Job],
               on_done: Callable[[Job, tuple[CheckOutcome, ...], tuple[Figure, ...]], None]) -> None:
    """Run the hidden checks against every job; ``on_done`` receives each job's outcomes as they come."""
    if not assignment.checks_dir.is_dir():
        raise ConfigError("the checks folder is missing", path=str(assignment.checks_dir))
    plugin = GradingPlugin(assignment, jobs, on_done)
    # pytest's importlib mode names the check modules after their files (test_figures, conftest, ...) and reuses a
    # module of that name already in sys.modules: set any such module of the caller's aside for the session.
    stems = {path.stem for path in assignment.checks_dir.glob("*.py")}
    aside = {name: sys.modules.pop(name) for name in list(sys.modules) if name.split(".")[0] in stems}
    try:
        code = pytest.main(pytest_args(assignment), plugins=[plugin])
    finally:
        _forget_modules(assignment.checks_dir)
        for name in stems:
            sys.modules.pop(name, None)
        sys.modules.update(aside)
    if plugin.error is not None:
        raise plugin.error
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise InternalError(f"the checks' pytest session ended with {code!r}")
