"""Run an assignment's hidden pytest checks, in the trusted process, over a stream of submissions.

pytest collects the checks once; then our ``pytest_runtestloop`` runs every check item against each submission
in turn (``GradingPlugin._protocol``: pytest's setup state and fixtures, then the function, as runtestprotocol does
without its reports), so collection, assertion rewriting and session fixtures cost once per worker, not once per
submission. Each check's exception becomes a ``CheckOutcome``
(``grader.outcomes``). Composite functions run with the reference answering their parts (``grader.parts``); a check
marked ``gated_by`` is judged only once the checks it names passed.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import os
import sys
import time
import types
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from . import locating, tracing
from .assignment import Assignment
from .bindings import Bindings
from .checking import Catalogue, CheckFailure
from .errors import ConfigError, InternalError
from .failures import StudentError
from .load import LoadedSubmission
from .models import CheckOutcome, Figure
from .outcomes import judge, not_judged
from .parts import ReferenceAnswers
from .program import call_seed
from .session import StudentSession

__all__ = ["Figures", "GradingPlugin", "Job", "StudentProxy", "check_id", "gates", "pytest_args", "run_checks"]

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


class StudentProxy:
    """``student.forward_propagation(X, params)`` calls into the sandbox.

    - ``student.with_seed(7).nn_model(...)`` seeds numpy's global generator with 7 for that call, so that two calls
      can be made to draw the same random numbers.
    - A composite function (assignment.toml ``[composites]``) runs with the reference answering the parts it calls
      (``grader.parts``): it is judged on its own code. ``student.recorded.nn_model(...)`` returns a ``Called``:
      the value and every part it asked for, with the answers, in order. ``student.own_parts.nn_model(...)`` runs
      it with the student's own parts instead (for report figures; it must not earn points).
      ``student.with_parts(backward_propagation=wrong).gradient_check(...)`` answers a part with ``wrong`` (in the
      grader's process) for that call: a check can feed a composite a wrong part on purpose.
    - Checks call in the signature the assignment asks for; a function written in an older, accepted signature is
      called in that one (``grader.signatures``). ``student.given(parameters=p).compute_cost(A2, Y)`` gives the
      values such a signature takes that the asked one lacks.
    - ``student.observed.update_parameters(...)`` returns a ``Called`` whose ``after`` holds the arrays it was given
      as the function left them: whether it wrote into them.
    """

    def __init__(self, session: StudentSession, seed: int | None = None, *, own_parts: bool = False,
                 record: bool = False, answers: Mapping[str, Callable[..., Any]] | None = None,
                 given: Mapping[str, Any] | None = None, observe: bool = False) -> None:
        self._session = session
        self._seed = seed
        self._own_parts = own_parts
        self._record = record
        self._answers = dict(answers or {})
        self._given = dict(given or {})
        self._observe = observe

    def _with(self, *, seed: int | None = None, own_parts: bool | None = None, record: bool | None = None,
              answers: Mapping[str, Callable[..., Any]] | None = None, given: Mapping[str, Any] | None = None,
              observe: bool | None = None) -> StudentProxy:
        return StudentProxy(self._session, self._seed if seed is None else seed,
                            own_parts=self._own_parts if own_parts is None else own_parts,
                            record=self._record if record is None else record,
                            answers={**self._answers, **(answers or {})}, given={**self._given, **(given or {})},
                            observe=self._observe if observe is None else observe)

    def with_seed(self, seed: int) -> StudentProxy:
        return self._with(seed=seed)

    @property
    def recorded(self) -> StudentProxy:
        return self._with(record=True)

    @property
    def own_parts(self) -> StudentProxy:
        return self._with(own_parts=True)

    @property
    def observed(self) -> StudentProxy:
        return self._with(observe=True)

    def given(self, **values: Any) -> StudentProxy:
        """Calls through this proxy give these values to an accepted signature that takes them."""
        return self._with(given=values)

    def with_parts(self, **answers: Callable[..., Any]) -> StudentProxy:
        """Composites called through this proxy get these functions' answers for the parts named (run in the
        grader's process) instead of the reference's."""
        return self._with(answers=answers)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)

        def call(*args: Any, **kwargs: Any) -> Any:
            called = self._session.invoke(name, args, kwargs, seed=self._seed, own_parts=self._own_parts,
                                          record=self._record, answers=self._answers, given=self._given,
                                          observe=self._observe)
            return called if self._record or self._observe else called.value

        return call


class _NotJudged(Exception):
    """Raised in place of a gated check whose gates did not pass."""


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
                self._protocol(item, nextitem)
                self._report_only_failure(item, self._exc.get(item.nodeid))
                continue
            cid, function = check_id(item)
            left_out = job.functions is not None and function not in job.functions
            self._closed = ["(left out)"] if left_out else [gate for gate in gates(item) if gate not in passed]
            job.session.context = cid
            started = time.perf_counter()
            self._protocol(item, nextitem)  # even when closed: pytest's setup state moves on
            if left_out:
                continue
            if self._closed:
                outcome = not_judged(cid, function, [judged[gate] for gate in self._closed], job.loaded)
            else:
                outcome = judge(cid, function, self._exc.get(item.nodeid), job.loaded, self.assignment.functions,
                                self._missing_names(job))
            if outcome.status == "failed" and not self._closed:
                outcome = self._localised(outcome, job)
            outcome = dataclasses.replace(outcome, duration_s=round(time.perf_counter() - started, 4))
            if outcome.status == "passed":
                passed.add(cid)
            judged[cid] = outcome
            outcomes.append(outcome)
        self._job, self._closed = None, []
        return tuple(outcomes)


    def _protocol(self, item: pytest.Item, nextitem: pytest.Item) -> None:
        """Run one check: its fixtures (pytest's own setup state, so scopes and finalizers hold), the function, the
        teardown up to ``nextitem``. What it raised in setup or call is kept for its outcome, without frames when
        it is the student's or the check's failure (theirs hold the student's values until the next submission).

        This is runtestprotocol less what the grader never uses: per-phase hooks for other plugins (capture,
        logging, skip marks: refused at collection), CallInfo and reports, whose long tracebacks of failing checks
        were most of a failing submission's time. A teardown error is ignored, as pytest's reports of it were."""
        if not getattr(item, "_request", True):  # a re-run item (as pytest-rerunfailures does)
            item._initrequest()  # type: ignore[attr-defined]
        state = item.session._setupstate
        try:
            try:
                if self._closed:  # a gated check whose gates did not pass, or a check the job leaves out
                    raise _NotJudged
                state.setup(item)
                item.runtest()
            except (KeyboardInterrupt, pytest.exit.Exception):
                raise
            except BaseException as exc:
                if isinstance(exc, (AssertionError, StudentError)):  # CheckFailure too
                    exc = exc.with_traceback(None)
                self._exc.setdefault(item.nodeid, exc)
            try:
                state.teardown_exact(nextitem)
            except Exception:
                logger.debug("a check's fixture teardown failed", exc_info=True)
        finally:
            item._request = False  # type: ignore[attr-defined]
            item.funcargs = None  # type: ignore[attr-defined]

    def _localised(self, outcome: CheckOutcome, job: Job) -> CheckOutcome:
        """A failed check's outcome pointing at the first intermediate that differs from the reference's: the last
        call of the function is run again traced in the sandbox (``StudentSession.retrace``, within its budget),
        the reference's on the same inputs here, under the same seed and another one, and ``locating.locate``
        compares them. Unchanged when nothing can be told (or anything here goes wrong)."""
        try:
            retraced = job.session.retrace(outcome.function)
            fn = getattr(self._solution(), outcome.function, None)
            if retraced is None or not retraced[3] or not callable(fn):
                return outcome
            args, kwargs, seed, steps, answers = retraced
            runs = []
            state = np.random.get_state()
            namespace = getattr(fn, "__globals__", {})
            parts = {name: namespace[name] for name in answers if name in namespace}
            try:
                namespace.update(answers)  # the parts the check answered its own way, for the reference too
                for draw in (seed, seed + 1):  # the student's seed first: the same random draws
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
            found = locating.locate(steps, *runs)
            where = job.loaded.locate(found.filename, found.line) if found is not None else None
        except StudentError:
            return outcome
        except Exception:  # localising is a courtesy: a bug here must never cost the check its outcome
            logger.exception("could not localise %s", outcome.id)
            return outcome
        if found is None or where is None:
            return outcome

        def place(filename: str, line: int) -> str | None:
            at = job.loaded.locate(filename, line)
            return None if at is None else at.describe()

        return dataclasses.replace(outcome, location=where,
                                   message=f"{outcome.message.rstrip()} Where it goes wrong: "
                                           f"{found.sentence(where.describe(), place)}.")


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
    cost each worker most of a second: anyio's alone half of it)."""
    checks = str(assignment.checks_dir)
    return [checks, "--rootdir", checks, "-c", os.devnull, "-s", "--strict-markers", "--import-mode=importlib",
            "--disable-plugin-autoload", "-p", "no:cacheprovider", "-p", "no:terminal", "-p", "no:randomly",
            "-W", "ignore"]


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
