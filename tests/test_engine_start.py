"""An engine starts its checks' pytest session while its zygote starts, and never before the zygote is launched."""

from __future__ import annotations

import os
import threading
import time

import pytest
from paths import EXAMPLES, ROOT

import grader.engine as engine_module
from grader.assignment import load_assignment
from grader.engine import Engine, Task
from grader.errors import SandboxUnavailable


def _zygotes_of_this_process() -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                command = fh.read()
        except OSError:
            continue
        if ppid == os.getpid() and b"grader._zygote" in command:
            found.append(int(entry))
    return found


def _checks_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "grader-checks" and t.is_alive()]


def test_the_session_starts_after_the_zygote_is_launched_and_before_the_first_submission(monkeypatch):
    seen: list[list[int]] = []
    started = threading.Event()
    real = engine_module.run_checks

    def run_checks(*args, **kwargs):
        seen.append(_zygotes_of_this_process())  # the reference is imported after this, during collection
        started.set()
        return real(*args, **kwargs)

    monkeypatch.setattr(engine_module, "run_checks", run_checks)
    with Engine(load_assignment(ROOT, "shallow-nn")) as engine:
        assert started.wait(10)  # no submission asked for it
        assert len(seen) == 1 and len(seen[0]) == 1  # already running, with its zygote launched first
        assert engine.sandbox.zygote().process.pid == seen[0][0]
        graded = engine.grade(Task(id="correct", path=str(EXAMPLES / "correct.py")))
    assert graded.result.score == graded.result.max_score
    assert len(seen) == 1  # one session for the engine's life
    assert not _checks_threads()


def test_a_sandbox_that_fails_to_start_leaves_no_session_running(monkeypatch):
    class Failing:
        def __init__(self, *, on_launch, **kwargs):
            on_launch()  # launched, then found wanting
            raise SandboxUnavailable("no layer")

    monkeypatch.setattr(engine_module, "Sandbox", Failing)
    with pytest.raises(SandboxUnavailable):
        Engine(load_assignment(ROOT, "shallow-nn"))
    assert not _checks_threads()


def test_no_submission_is_loaded_while_the_checks_are_being_collected(monkeypatch):
    # CPython 3.11's AST constructor keeps its recursion count in state the threads share: a load parsing beside
    # pytest's assertion rewriting can fail with a SystemError, so the first load waits for collection to end.
    import grader.plugin as plugin_module

    events: list[str] = []
    collect = plugin_module.GradingPlugin.pytest_collection_modifyitems

    def slow_collection(self, items):
        time.sleep(0.5)  # long after the zygote is ready: without the wait, the load would start now
        events.append("collected")
        return collect(self, items)

    real_load = engine_module.load_submission

    def load_submission(*args, **kwargs):
        events.append("load")
        return real_load(*args, **kwargs)

    monkeypatch.setattr(plugin_module.GradingPlugin, "pytest_collection_modifyitems", slow_collection)
    monkeypatch.setattr(engine_module, "load_submission", load_submission)
    with Engine(load_assignment(ROOT, "shallow-nn")) as engine:
        graded = engine.grade(Task(id="correct", path=str(EXAMPLES / "correct.py")))
    assert events == ["collected", "load"]
    assert graded.result.score == graded.result.max_score
