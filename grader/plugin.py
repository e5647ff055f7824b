"""Run an assignment's hidden pytest checks, in the trusted process, over a stream of submissions.

pytest collects the checks once; then our ``pytest_runtestloop`` runs every check item against each submission
in turn (``grader.check_protocol``: pytest's setup state and fixtures, then the function, as runtestprotocol does
without its reports), so collection, assertion rewriting and session fixtures cost once per worker, not once per
submission. Each check's exception becomes a ``CheckOutcome``
(``grader.outcomes``), a failed one pointed at where it goes wrong (``grader.localise``). Checks call the
submission through ``student`` (``grader.student_proxy``). Composite functions run with the reference answering
their parts (``grader.parts``); a check marked ``gated_by`` is judged only once the checks it names passed.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
import time
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from .assignment import Assignment
from .bindings import Bindings
from .check_protocol import run_check
from .checking import Catalogue, CheckFailure
from .errors import ConfigError, InternalError
from .failures import StudentError
from .load import LoadedSubmission
from .localise import localised
from .models import CheckOutcome, Figure
from .outcomes import judge, not_judged
from .parts import ReferenceAnswers
from .program import call_seed
from .session import StudentSession
from .student_proxy import StudentProxy

__all__ = ["Figures", "GradingPlugin", "Job", "check_id", "gates", "pytest_args", "run_checks"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Job:
    """One submission to check: its id, loaded source, sandbox session and seed. ``functions``, when given, limits
    the checks to those functions' (a benchmark's shortcut; grading always runs them all)."""

    id: str
    loaded: LoadedSubmission
    session: StudentSession
    seed: int
    functions: frozenset[str] | None = None


class Figures:
    """Collects the pictures a check computes for the report: ``figures.add("lines", "Cost", x=[...], y=[...])``."""

    def __init__(self) -> None:
        self.items: list[Figure] = []

    def add(self, kind: str, title: str, *, caption: str = "", **data: Any) -> None:
        self.items.append(Figure(kind=kind, title=title, caption=caption, data=data))


def check_id(item: pytest.Item) -> tuple[str, str]:
    """(check id, function) of a collected check."""
    marker = item.get_closest_marker("grades")
    if marker is None or len(marker.args) != 1:
        raise ConfigError(f"{item.nodeid} has no @pytest.mark.grades(\"<function>\") marker")
    function = str(marker.args[0])
    name = item.name.removeprefix("test_")
    return f"{function}::{name}", function


def gates(item: pytest.Item) -> tuple[str, ...]:
    """The ids of the checks that must pass before this one is judged (``@pytest.mark.gated_by("value")``).

    A gated check whose gate did not pass fails without running: a float, a shape or a small difference is worth
    points only from a function whose values are right.
    """
    cid, function = check_id(item)
    return tuple(f"{function}::{name}" for marker in item.iter_markers("gated_by") for name in marker.args)


def _exec_module(name: str, source: str, filename: str) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__file__ = filename
    exec(compile(source, filename, "exec"), module.__dict__)
    return module


class GradingPlugin:
    """A pytest plugin that runs the collected checks once per job and hands back the outcomes."""

    def __init__(self, assignment: Assignment, jobs: Iterator[Job],
                 on_done: Callable[[Job, tuple[CheckOutcome, ...], tuple[Figure, ...]], None], *,
                 figures: bool = True) -> None:
        self.assignment = assignment
        self.jobs = jobs
        self.on_done = on_done
        self.with_figures = figures
        self._reference: types.ModuleType | None = None
        self.error: BaseException | None = None
        self.collect_errors: list[str] = []
        self._job: Job | None = None
        self._figures = Figures()
        self._exc: dict[str, BaseException] = {}
        self._closed: list[str] = []  # the gates of the check being run that did not pass
        self._item: pytest.Item | None = None  # the check being run
        self._unbound: dict[str, str] | None = None  # why names are missing in the job's submission (load errors)

    # -- pytest hooks -------------------------------------------------------------------------------------------------

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "grades(function): the student function that a check grades")
        config.addinivalue_line("markers", "report_only: computes figures for the report; graded by nothing")
        config.addinivalue_line("markers", "gated_by(*checks): judged only when these checks of the same function "
                                           "passed")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append(f"{report.nodeid}: {report.longreprtext[-2000:]}")

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        try:
            if self.collect_errors:
                raise ConfigError("the checks could not be collected:\n" + "\n".join(self.collect_errors),
                                  path=str(self.assignment.checks_dir))
            order = {name: i for i, name in enumerate(self.assignment.functions)}
            pictures = [item for item in items if item.get_closest_marker("report_only")] if self.with_figures else []
            items[:] = [item for item in items if not item.get_closest_marker("report_only")]
            ids = [check_id(item) for item in items]
            for item in items:
                for mark in ("skip", "skipif", "xfail"):
                    if item.get_closest_marker(mark):
                        raise ConfigError(f"{item.nodeid} is marked {mark}: a check is graded or removed, never "
                                          "skipped", path=str(self.assignment.checks_dir))
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
            items[:] = [item for _, item in keyed] + pictures  # pictures last: they may use what the checks left
            seen: set[str] = set()
            for (cid, _), item in keyed:
                for gate in gates(item):
                    if gate not in seen:
                        raise ConfigError(f"check {cid} is gated by {gate!r}, which is not a check of the same "
                                          "function run before it", path=str(self.assignment.checks_dir))
                seen.add(cid)
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

    # -- fixtures for the checks ------------------------------------------------------------------------------------

    @pytest.fixture
    def student(self) -> StudentProxy:
        """The current submission's functions, called in its sandbox."""
        assert self._job is not None
        return StudentProxy(self._job.session)

    @pytest.fixture
    def seed(self) -> int:
        """The seed of this check for this submission."""
        return self._check_seed()

    @pytest.fixture
    def rng(self) -> np.random.Generator:
        """A random generator for this check's inputs, recorded through the submission's seed (``seed``'s)."""
        return np.random.default_rng(self._check_seed())

    def _check_seed(self) -> int:
        # The check is the plugin's to know. A fixture that asks for pytest's ``request`` has pytest build a fixture
        # definition anew each time, and one that asks for another costs that one's set-up and teardown too: the
        # two were over a third of a five-function notebook's checks.
        assert self._job is not None and self._item is not None
        return call_seed(self._job.seed, self._item.nodeid)

    @pytest.fixture(scope="session")
    def reference(self) -> types.ModuleType:
        """The reference solution, imported in the trusted process."""
        return self._solution()

    def _solution(self) -> types.ModuleType:
        if self._reference is None:
            path = self.assignment.solution_path
            self._reference = _exec_module(f"grader_reference_{self.assignment.stem}",
                                           path.read_text(encoding="utf-8"), str(path))
        return self._reference

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

    def _missing_names(self, job: Job) -> dict[str, str]:
        """Name → why a failed top-level statement left it undefined, once the submission's process has loaded."""
        if self._unbound is None and job.session.loaded:
            self._unbound = Bindings(job.loaded, self.assignment.functions).unbound(job.session.load_errors)
        return self._unbound or {}

    def _run_job(self, items: list[pytest.Item], job: Job) -> tuple[CheckOutcome, ...]:
        self._job, self._figures, self._exc, self._unbound = job, Figures(), {}, None
        if self.assignment.composites:
            job.session.answerer = ReferenceAnswers(self._solution())
        outcomes: list[CheckOutcome] = []
        passed: set[str] = set()
        judged: dict[str, CheckOutcome] = {}
        for index, item in enumerate(items):
            nextitem = items[index + 1] if index + 1 < len(items) else items[0]
            if item.get_closest_marker("report_only"):
                self._closed = []
                job.session.context = item.nodeid
                self._run(item, nextitem)
                self._report_only_failure(item, self._exc.get(item.nodeid))
                continue
            cid, function = check_id(item)
            left_out = job.functions is not None and function not in job.functions
            self._closed = ["(left out)"] if left_out else [gate for gate in gates(item) if gate not in passed]
            job.session.context = cid
            started = time.perf_counter()
            self._run(item, nextitem)  # even when closed: pytest's setup state moves on
            if left_out:
                continue
            if self._closed:
                outcome = not_judged(cid, function, [judged[gate] for gate in self._closed], job.loaded)
            else:
                outcome = judge(cid, function, self._exc.get(item.nodeid), job.loaded, self.assignment.functions,
                                lambda: self._missing_names(job))
            if outcome.status == "failed" and not self._closed:
                outcome = localised(outcome, job.session, job.loaded, self._solution)
            outcome = dataclasses.replace(outcome, duration_s=round(time.perf_counter() - started, 4))
            if outcome.status == "passed":
                passed.add(cid)
            judged[cid] = outcome
            outcomes.append(outcome)
        self._job, self._closed = None, []
        return tuple(outcomes)

    def _run(self, item: pytest.Item, nextitem: pytest.Item) -> None:
        """Run one check (``grader.check_protocol``), keeping what it raised for its outcome."""
        self._item = item
        try:
            raised = run_check(item, nextitem, closed=bool(self._closed))
        finally:
            self._item = None
        if raised is not None:
            self._exc.setdefault(item.nodeid, raised)


def _forget_modules(folder: Path) -> None:
    """Drop the check modules pytest imported, so that another session re-imports its own checks fresh."""
    root = str(folder.resolve())
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if path and os.path.abspath(path).startswith(root + os.sep):
            del sys.modules[name]


def pytest_args(assignment: Assignment) -> list[str]:
    """The command line for the checks' pytest session: isolated from any project configuration, and from the
    plugins installed beside the grader (none runs in the trusted process with the reference, and loading them all
    cost each worker most of a second: anyio's alone half of it). ``--confcutdir`` keeps pytest inside the checks
    folder: no conftest.py from a folder above it is loaded into the trusted process, and collection does not list
    every folder above it (a /tmp of 900 entries cost each worker 0.12 s). pytest's unraisable-exception and
    thread-exception plugins are left out: they act in the per-phase hooks this session does not run, and at the
    session's end collect the garbage of the worker's whole heap to find what they would only have turned into
    warnings that ``-W ignore`` drops (25-30 CPU-ms of every session, at the end of a batch while it waits)."""
    checks = str(assignment.checks_dir)
    return [checks, "--rootdir", checks, "--confcutdir", checks, "-c", os.devnull, "-s", "--strict-markers",
            "--import-mode=importlib",
            "--disable-plugin-autoload", "-p", "no:cacheprovider", "-p", "no:terminal", "-p", "no:randomly",
            "-p", "no:unraisableexception", "-p", "no:threadexception", "-W", "ignore"]


def run_checks(assignment: Assignment, jobs: Iterator[Job],
               on_done: Callable[[Job, tuple[CheckOutcome, ...], tuple[Figure, ...]], None], *,
               figures: bool = True) -> None:
    """Run the hidden checks against every job; ``on_done`` receives each job's outcomes as they come.

    ``figures=False`` leaves out the report-only items (for benchmarks of the verdicts alone)."""
    if not assignment.checks_dir.is_dir():
        raise ConfigError("the checks folder is missing", path=str(assignment.checks_dir))
    plugin = GradingPlugin(assignment, jobs, on_done, figures=figures)
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
