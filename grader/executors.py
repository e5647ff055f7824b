"""Where grading engines run: in this process, in local worker processes, or on a Dask cluster.

Each executor turns an iterable of ``Task`` into ``Graded`` results, yielded as they complete (not in order), and
takes the next task only when a worker is free (Dask excepted: it submits them all), so the coordinator never holds
every submission's bytes at once. The
coordinator (``pipeline``) writes them; executors never touch the output folder. A worker that dies takes only its
current submission with it: that one gets a ``grader-error`` result and a fresh worker takes its place.
"""

from __future__ import annotations

import ctypes
import importlib
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from . import load, render
from .assignment import load_assignment
from .engine import Engine, Graded, Task, finish
from .errors import ExitCode, GraderError, UsageError, WorkerFailed
from .models import GRADER_ERROR, SubmissionResult
from .plan import EXECUTORS
from .policy import parse_time
from .score import make_result, not_graded

__all__ = [
    "DaskExecutor",
    "EXECUTORS",
    "EngineOptions",
    "Executor",
    "InlineExecutor",
    "ProcessExecutor",
    "lost_worker",
    "make_executor",
]


class Executor(Protocol):
    def run(self, tasks: Iterable[Task]) -> Iterator[Graded]:
        """Grade ``tasks``, yielding each result as it completes."""
        ...

    def stop(self) -> list[Graded]:
        """After Ctrl-C, within about two seconds: end the workers; return results that completed meanwhile."""
        ...

    def close(self) -> None:
        """Release the workers after a batch that ran to its end."""
        ...


def _to_wire(graded: Graded) -> dict[str, Any]:
    return {"result": graded.result.to_dict(), "shown": graded.shown.to_dict(),
            "files": [list(f) for f in graded.files]}


def _from_wire(data: dict[str, Any]) -> Graded:
    return Graded(result=SubmissionResult.from_dict(data["result"]), shown=SubmissionResult.from_dict(data["shown"]),
                  files=tuple((str(n), str(t)) for n, t in data["files"]))


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineOptions:
    """What every engine of a batch is built with."""

    insecure: bool = False
    seed: int | None = None
    formats: tuple[str, ...] = ()
    as_of: str | None = None
    figures: bool = True

    def engine(self, root: Path, name: str, *, slot: int = 0) -> Engine:
        return Engine(load_assignment(root, name), slot=slot, insecure=self.insecure, seed=self.seed,
                      formats=self.formats, as_of=self.as_of, figures=self.figures)


def lost_worker(root: Path, name: str, task: Task, why: str, options: EngineOptions) -> Graded:
    """The result for a submission whose grading worker died: not the student's fault, so flagged grader-error."""
    assignment = load_assignment(root, name)
    result = make_result(assignment, not_graded(assignment, GRADER_ERROR, why), submission=task.id, path=task.path,
                         seed=0)
    return finish(result, assignment, formats=options.formats,
                  now=parse_time(options.as_of) if options.as_of else None)


# ---------------------------------------------------------------------------------------------------------------


class InlineExecutor:
    """One engine in this process: for a single submission, CI, and tests."""

    def __init__(self, root: Path, name: str, options: EngineOptions) -> None:
        self.engine = options.engine(root, name)

    def run(self, tasks: Iterable[Task]) -> Iterator[Graded]:
        for task in tasks:
            yield self.engine.grade(task)

    def stop(self) -> list[Graded]:
        """After Ctrl-C: the submission being graded is abandoned; nothing else is in flight."""
        self.engine.abort()
        return []

    def close(self) -> None:
        self.engine.close()


# ---------------------------------------------------------------------------------------------------------------


def _worker_main(root: str, name: str, slot: int, options: EngineOptions, coordinator: int, private: tuple[int, ...],
                 inbox: multiprocessing.Queue, outbox: multiprocessing.Queue,  # type: ignore[type-arg]
                 stopping: Any) -> None:
    ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: never outlive the coordinator
    if os.getppid() != coordinator:  # it died before the line above took effect
        os._exit(0)
    for fd in private:  # the coordinator's own files (the output folder's lock): a worker outliving a killed
        os.close(fd)    # coordinator by a moment must not hold them
    # A process group of its own: the terminal's Ctrl-C reaches only the coordinator, which decides what stops
    # when; the worker's sandbox processes never see it, so no result is ever spoiled by an interrupt.
    os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(format="grader: %(message)s", level=logging.WARNING)  # when the coordinator set up none
    held: list[Engine] = []
    signal.signal(signal.SIGTERM, lambda *_: _abort_worker(held))
    try:
        engine = options.engine(Path(root), name, slot=slot)
    except GraderError as exc:
        outbox.put(("fatal", slot, (int(exc.exit_code), exc.show())))
        return
    held.append(engine)
    with engine:
        # After Ctrl-C (``stopping``) a worker finishes the submission it is grading, not the one given after it.
        while (task := inbox.get()) is not None and not stopping.is_set():
            try:
                outbox.put(("done", slot, _to_wire(engine.grade(task))))
            except GraderError as exc:
                outbox.put(("fatal", slot, (int(exc.exit_code), exc.show())))
                return
            except BaseException:
                text = "error: internal error in a grading worker:\n" + traceback.format_exc()
                outbox.put(("fatal", slot, (int(ExitCode.GRADER_FAILURE), text)))
                return


def _abort_worker(held: list[Engine]) -> None:
    """SIGTERM from the coordinator: kill this worker's sandbox (and so the submission in it) and exit now."""
    logging.disable(logging.CRITICAL)  # the abandoned submission's checks are failing: nobody needs to hear it
    for engine in held:
        engine.abort()
    os._exit(0)


class _SigintLatch:
    """While active (in the main thread), SIGINT only sets ``fired``: a result queue is never left half-read."""

    def __init__(self) -> None:
        self.fired = False
        self.presses = 0
        self._installed = False
        self._previous: Any = None

    def __enter__(self) -> _SigintLatch:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._latch)
            self._installed = True
        return self

    def _latch(self, signum: int, frame: object) -> None:
        self.fired = True
        self.presses += 1

    def __exit__(self, *exc: object) -> None:
        if self._installed:  # None means a handler installed outside Python: SIG_DFL is the nearest
            signal.signal(signal.SIGINT, signal.SIG_DFL if self._previous is None else self._previous)
            self._installed = False


class ProcessExecutor:
    """``jobs`` worker processes, each with its own engine (sandbox, pytest session) kept warm for the batch.

    Each worker is given ``AHEAD`` submissions at a time, the one it grades and the next, so that it starts the
    next as soon as it sends a result instead of waiting for the coordinator to be scheduled, read the result and
    send another (five-function notebooks at ``--jobs 2`` on 2 cores: 16.1-16.8 ms each, against 16.3-17.8 with
    one at a time). Results come back in the order a worker was given its submissions, so the oldest of a
    worker's submissions is the one it is grading.

    Ctrl-C: the workers run in process groups of their own, so only the coordinator hears it. ``stop`` then lets
    each worker finish the submission it is grading (not the one given after it) for up to ``STOP_GRACE``
    seconds, and kills the ones that do not.
    """

    AHEAD = 2  # submissions given to a worker at once

    STOP_GRACE = 0.5  # seconds a worker may take to finish its submission after Ctrl-C
    KILL_GRACE = 0.5  # seconds between SIGTERM (clean up the sandbox) and SIGKILL

    def __init__(self, root: Path, name: str, options: EngineOptions, *, jobs: int,
                 private: tuple[int, ...] = ()) -> None:
        self.root, self.name, self.options, self.private = root, name, options, private
        # fork: a worker starts with the coordinator's modules (numpy, pytest, the grader) already imported, in a few
        # ms where a spawned one took over a second (a worker restarted mid-batch forks while the queues' feeder
        # threads run: multiprocessing resets its queues in the child, and the worker touches nothing else).
        self.context = multiprocessing.get_context("fork")
        self.outbox = self.context.Queue()
        self.workers: dict[int, tuple[Any, Any]] = {}  # slot -> (process, inbox)
        self.jobs = jobs
        self.busy: dict[int, list[Task]] = {}  # slot -> what it was given and has not answered, oldest first
        self.received: list[tuple[str, int, Any]] = []  # read from the outbox, not yet handled
        self.pressed_twice = False  # Ctrl-C came twice before ``stop``: no grace
        self.stopping = self.context.Event()  # set by ``stop``: no worker starts another submission
        # What every worker would build for itself on its first notebook, built once here and inherited by the fork:
        # the report templates and nbformat's validator (about 125 CPU-ms per worker).
        load.prepare()
        render.prepare()
        for slot in range(jobs):
            self._start(slot)

    def _start(self, slot: int) -> None:
        inbox = self.context.Queue()
        process = self.context.Process(
            target=_worker_main, name=f"grader-worker-{slot}", daemon=True,
            args=(str(self.root), self.name, slot, self.options, os.getpid(), self.private, inbox, self.outbox,
                  self.stopping))
        process.start()
        self.workers[slot] = (process, inbox)

    def _get(self, timeout: float) -> tuple[str, int, Any] | None:
        try:
            return self.outbox.get(timeout=timeout)  # type: ignore[no-any-return]
        except queue.Empty:
            return None

    def _receive(self, timeout: float) -> tuple[str, int, Any] | None:
        """The next message, or None after ``timeout``; a Ctrl-C during the wait raises once the read is whole."""
        if self.received:
            return self.received.pop(0)
        with _SigintLatch() as latch:
            message = self._get(timeout)
        if latch.fired:
            if message is not None:
                self.received.append(message)
            self.pressed_twice = latch.presses > 1
            raise KeyboardInterrupt
        return message

    def run(self, tasks: Iterable[Task]) -> Iterator[Graded]:
        pending = iter(tasks)
        for _ in range(self.AHEAD):  # round by round: a batch smaller than the workers still uses every one
            for slot in list(self.workers):
                self._give(slot, pending)
        while any(self.busy.values()):
            message = self._receive(0.1)  # short waits: a Ctrl-C is acted on within 0.1 s
            if message is None:
                for slot, given in list(self.busy.items()):
                    process = self.workers[slot][0]
                    if given and not process.is_alive():  # the worker died under its oldest task
                        task = given.pop(0)
                        yield lost_worker(self.root, self.name, task,
                                          f"the grading worker died (exit code {process.exitcode})", self.options)
                        self._start(slot)
                        for waiting in given:  # never started: the new worker grades them
                            self.workers[slot][1].put(waiting)
                        self._give(slot, pending)
                continue
            kind, slot, payload = message
            if kind == "fatal":
                raise WorkerFailed(*payload)
            self.busy[slot].pop(0)
            self._give(slot, pending)
            yield _from_wire(payload)

    def _give(self, slot: int, pending: Iterator[Task]) -> None:
        task = next(pending, None)
        if task is not None:
            self.busy.setdefault(slot, []).append(task)
            self.workers[slot][1].put(task)

    def stop(self) -> list[Graded]:
        """After Ctrl-C: the results that complete within ``STOP_GRACE``; every worker is gone when this returns.

        Another Ctrl-C meanwhile skips the wait (and raises nothing).
        """
        self.stopping.set()  # each worker finishes the submission it is grading and starts no other
        for given in self.busy.values():
            del given[1:]  # given after the one it grades: never started, never waited for
        for process, inbox in self.workers.values():
            if process.is_alive():
                inbox.put(None)
        done: list[Graded] = []
        deadline = time.monotonic() + self.STOP_GRACE
        with _SigintLatch() as latch:
            try:
                while (any(self.busy.values()) and not latch.fired and not self.pressed_twice
                       and (left := deadline - time.monotonic()) > 0):
                    message = self.received.pop(0) if self.received else self._get(min(left, 0.1))
                    if message is None:
                        continue
                    kind, slot, payload = message
                    if kind == "fatal":  # this worker answers no more
                        self.busy.pop(slot, None)
                        continue
                    if self.busy.get(slot):  # else the one given after, started before the worker heard: kept too
                        self.busy[slot].pop(0)
                    done.append(_from_wire(payload))
            finally:
                self._end_workers()
        return done

    def _end_workers(self) -> None:
        """SIGTERM (each worker kills its sandbox and exits), then SIGKILL for what is still there."""
        processes = [process for process, _ in self.workers.values()]
        for process in processes:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + self.KILL_GRACE
        for process in processes:
            process.join(timeout=max(deadline - time.monotonic(), 0))
            if process.is_alive():
                process.kill()
                process.join()
        self.workers.clear()
        self.busy.clear()

    def close(self) -> None:
        for process, inbox in self.workers.values():
            if process.is_alive():
                inbox.put(None)
        for process, _ in self.workers.values():
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()
        self.workers.clear()


# ---------------------------------------------------------------------------------------------------------------


def _dask_grade(task: Task) -> dict[str, Any]:
    from distributed import get_worker

    plugin: Any = get_worker().plugins[_DASK_PLUGIN]
    return _to_wire(plugin.engine.grade(task))


_DASK_PLUGIN = "grader-engine"


def _dask_plugin(root: Path, name: str, options: EngineOptions) -> Any:
    from distributed import WorkerPlugin

    class EnginePlugin(WorkerPlugin):
        """Gives each Dask worker one engine, kept for the worker's lifetime."""

        def __init__(self) -> None:
            self.name = _DASK_PLUGIN
            self.engine: Engine | None = None

        def setup(self, worker: Any) -> None:
            self.engine = options.engine(root, name, slot=os.getpid() % 16)

        def teardown(self, worker: Any) -> None:
            if self.engine is not None:
                self.engine.close()

    return EnginePlugin()


class DaskExecutor:
    """Spread the batch over a Dask distributed cluster; every worker must see the same assignment folders."""

    def __init__(self, root: Path, name: str, options: EngineOptions, *, scheduler: str) -> None:
        try:
            distributed: Any = importlib.import_module("distributed")  # optional, and typed loosely: kept as Any
        except ImportError:
            raise UsageError("--executor dask needs the 'distributed' package: pip install 'grader[dask]'") from None
        self.root, self.name, self.options = root, name, options
        try:
            self.client = distributed.Client(scheduler, timeout="20s")
        except OSError as exc:
            raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        self.client.register_plugin(_dask_plugin(root, name, options), name=_DASK_PLUGIN)
        self.futures: list[Any] = []

    def run(self, tasks: Iterable[Task]) -> Iterator[Graded]:
        distributed: Any = importlib.import_module("distributed")
        futures = {self.client.submit(_dask_grade, task, pure=False, retries=0): task for task in tasks}
        self.futures = list(futures)
        for future in distributed.as_completed(futures):
            try:
                yield _from_wire(future.result())
            except GraderError:
                raise
            except Exception as exc:  # the worker died or the task failed: this submission only
                yield lost_worker(self.root, self.name, futures[future], f"the Dask task failed ({exc})", self.options)

    def stop(self) -> list[Graded]:
        """After Ctrl-C: cancel what the cluster has not finished; its workers stay up for the next batch."""
        self.client.cancel(self.futures)
        return []

    def close(self) -> None:
        self.client.close()


def make_executor(root: Path, name: str, options: EngineOptions, *, kind: str = "local", jobs: int = 1,
                  private: tuple[int, ...] = (),
                  scheduler: str | None = None) -> InlineExecutor | ProcessExecutor | DaskExecutor:
    """The executor the command line asked for."""
    if kind == "dask":
        if not scheduler:
            raise UsageError("--executor dask needs --scheduler ADDRESS")
        return DaskExecutor(root, name, options, scheduler=scheduler)
    if kind != "local":
        raise UsageError(f"unknown executor {kind!r} (choose from {', '.join(EXECUTORS)})")
    if jobs <= 1:
        return InlineExecutor(root, name, options)
    return ProcessExecutor(root, name, options, jobs=jobs, private=private)
