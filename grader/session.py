"""A session per submission: the ``student`` the checks call.

``Sandbox.session(program, ...)`` (``grader.worker_sandbox``) gives a ``StudentSession``, which spawns the
submission's process lazily, calls its functions with a time limit, replaces the process after a crash or timeout,
and keeps the head of what the submission printed.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import tracing, wire
from .assignment import Limits
from .failures import (
    BadReply,
    MissingFunction,
    ResourceLimit,
    StudentCrash,
    StudentError,
    StudentTimeout,
)
from .parts import Answerer, Called, Exchange, read_kept
from .program import Program, call_seed
from .sandbox import (
    DeadlinePassed,
    OutputHead,
    StudentProcess,
    describe_status,
    make_scratch,
    sweep_uid,
)
from .signatures import CallPlan, plan_call, read_signature, reshape_ask
from .zygote import Ending

__all__ = ["MAX_PROCESSES_PER_SUBMISSION", "RETRACE_SHARE", "StudentSession"]

if TYPE_CHECKING:
    from pathlib import Path

    from .worker_sandbox import Sandbox

MAX_PROCESSES_PER_SUBMISSION = 8
RETRACE_SHARE = 0.1  # of a submission's time budget, at most, spent running failed calls again traced
# OSError messages that mean a sandbox limit was reached, by their "[Errno N]" prefix.
_OS_LIMITS = {"[Errno 27] ": "file size", "[Errno 24] ": "open files", "[Errno 28] ": "disk space (scratch quota)",
              "[Errno 122]": "disk space (scratch quota)"}


def _refuse(function: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    raise RuntimeError(f"nothing answers {function} in this session")


class StudentSession:
    """Calls into one submission's sandboxed process. Failures raise ``StudentError`` subclasses."""

    def __init__(self, sandbox: Sandbox, program: Program, limits: Limits, seed: int) -> None:
        self.sandbox = sandbox
        self.program = program
        self.limits = limits
        self.seed = seed
        self.output = OutputHead(limits.output_bytes, bytearray())
        self.load_errors: tuple[dict[str, Any], ...] = ()
        self.loaded = False  # whether a process has loaded the definitions (load_errors are then known)
        # The signatures of the declared functions as the running process has them (None: not a plain function).
        self.signatures: dict[str, inspect.Signature | None] = {}
        self.context = ""  # the check being run, which makes call seeds independent of other checks
        self._calls = 0
        self._retrace_left = limits.submission_seconds * RETRACE_SHARE  # seconds left for retracing failed calls
        self._process: StudentProcess | None = None
        self._spawns = 0
        self._scratch: Path | None = None
        self._broken: StudentError | None = None  # loading failed: every call fails the same way
        # graded functions the loaded definitions left "absent" or "uncallable": calls to them fail without a call
        self._unbound: dict[str, str] = {}
        self._timed_out: set[str] = set()
        # the last untraced call of each function: args, kwargs, seed, own_parts, answers, given
        self._last: dict[str, tuple[tuple[Any, ...], dict[str, Any], int, bool, dict[str, Callable[..., Any]],
                                    dict[str, Any]]] = {}
        self.traced: list[tracing.Step] = []  # the intermediates of the last traced call
        self._deadline = time.monotonic() + limits.submission_seconds
        # Who answers the parts a composite function calls (grader.parts): set by the holder of the reference.
        self.answerer: Answerer | None = None

    # -- lifecycle ------------------------------------------------------------------------------------------------

    def _ensure_process(self) -> StudentProcess:
        if self._broken is not None:
            raise type(self._broken)(self._broken.message)
        if self._process is not None:
            return self._process
        if self._spawns >= MAX_PROCESSES_PER_SUBMISSION:
            raise StudentCrash(f"grading gave up after restarting your code {self._spawns} times")
        self._spawns += 1
        plan = self.sandbox.plan(self.limits)
        # The session's first process is the sandbox's spare when it has one: forked and isolated already.
        spare = self.sandbox.take_spare(plan) if self._scratch is None else None
        try:
            if spare is not None:
                zygote, spawned, self._scratch = spare
                process = StudentProcess(zygote, plan, self._scratch, self.output, spawned=spawned)
            else:
                if self._scratch is None:
                    self._scratch = make_scratch(self.sandbox.scratch_base)
                process = StudentProcess(self.sandbox.zygote(), plan, self._scratch, self.output)
        except Exception:
            if self.sandbox.closed:  # stopped (Ctrl-C) while forking: the zygote is gone, and nobody is at fault
                raise StudentCrash("grading was stopped") from None
            raise
        try:
            ready = process.request(self.program.load_message(call_seed(self.seed, "load")), self.limits.load_seconds)
        except DeadlinePassed:
            process.kill()
            self._broken = StudentTimeout(
                f"running your code's definitions took longer than {self.limits.load_seconds:g} s")
            raise self._broken from None
        except EOFError:
            words, kind = describe_status(process.kill())
            self._broken = kind(f"{words} while your code's definitions were running")
            raise self._broken from None
        except wire.WireError as exc:
            process.kill()
            self._broken = BadReply(f"while your code's definitions were running, its process sent data the grader "
                                    f"cannot accept: {exc}")
            raise self._broken from None
        except BaseException:  # whatever went wrong, the process is not left running with its descriptors open
            process.kill()
            raise
        if ready.get("op") != "ready":
            process.kill()
            self._broken = BadReply("while your code's definitions were running, its process answered out of turn")
            raise self._broken
        if self._spawns == 1 and isinstance(ready.get("errors"), list):
            self.load_errors = tuple(e for e in ready["errors"] if isinstance(e, dict))
        self.loaded = True
        self._unbound = {name: kind for kind in ("absent", "uncallable") if isinstance(ready.get(kind), list)
                         for name in ready[kind] if name in self.program.functions}
        described = ready.get("signatures")
        self.signatures = {name: read_signature(described.get(name)) for name, _ in self.program.signatures
                           } if isinstance(described, dict) else {}
        self._process = process
        return process

    def _discard(self) -> Ending | None:
        process, self._process = self._process, None
        return process.kill() if process is not None else None

    def close(self) -> None:
        """Kill the submission's processes and delete its scratch folder; then the sandbox forks the next
        session's process ahead (``Sandbox.prepare_spare``)."""
        self._discard()
        # A session that started no process ran no code, and the spare, which a session takes with its first
        # process, is not its own. Under seccomp a student process cannot fork (``clone`` only makes threads), so
        # its uid holds no other process: the sweep, a scan of every process on the host, is left out.
        if self.sandbox.uid is not None and self._spawns and "seccomp" not in self.sandbox.layers:
            sweep_uid(self.sandbox.uid)
        if self._scratch is not None:
            self.sandbox.clean(self._scratch)
            self._scratch = None
        self.sandbox.prepare_spare(self.limits)

    def __enter__(self) -> StudentSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- calls ------------------------------------------------------------------------------------------------------

    def call(self, function: str, *args: Any, **kwargs: Any) -> Any:
        """Call the student's ``function`` with plain-data arguments and return its plain-data result."""
        return self.invoke(function, args, kwargs).value

    def call_seeded(self, seed: int | None, function: str, *args: Any, **kwargs: Any) -> Any:
        """``call``, with numpy's and random's global generators seeded with ``seed`` (None: a derived seed)."""
        return self.invoke(function, args, kwargs, seed=seed).value

    def invoke(self, function: str, args: tuple[Any, ...], kwargs: dict[str, Any], *, seed: int | None = None,
               own_parts: bool = False, record: bool = False,
               answers: Mapping[str, Callable[..., Any]] | None = None, trace: bool = False,
               given: Mapping[str, Any] | None = None, observe: bool = False,
               time_limit: float | None = None, keep: Mapping[str, Sequence[int]] | None = None) -> Called:
        """The one way into student code: every call goes through here, and every ask it makes through
        ``_exchange``.

        ``seed`` seeds numpy's and random's global generators for the call (None: derived from the run's seed, the
        check and the call's number). A composite function (``Program.composites``) runs with the reference
        answering its parts when ``answerer`` is set, unless ``own_parts``; ``answers`` replaces the answer of some
        parts for this call (a check feeding a wrong derivative on purpose); ``record`` keeps what it asked.
        ``trace`` records the call's intermediates in ``traced`` (``grader.tracing``); untraced calls are
        remembered, the last of each function, so that ``retrace`` can run it again. ``time_limit`` shortens the
        call's time limit.

        The call is made in the asked signature, or in an accepted one that the student's function has
        (``grader.signatures``), with the arguments that form has and the asked one lacks taken from ``given``;
        ``WrongSignature`` when the function has none of them. ``observe`` sends back the arrays it was given as the
        function left them (``Called.after``, in the check's form), so that a check can tell whether it wrote into
        them. ``keep`` ({function: call numbers}) counts the calls of those functions of the submission during this
        call and keeps what the numbered ones returned (``Called.kept``): the parameters a training loop had after
        its k-th update, from one run instead of one run per k.
        """
        if function in self._timed_out:
            raise StudentTimeout(f"{function} already ran past its time limit in an earlier check", function=function)
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise StudentTimeout(
                f"the submission used up its total time budget of {self.limits.submission_seconds:g} s",
                function=function)
        try:
            process = self._ensure_process()
        except StudentError as exc:
            exc.function = function
            raise
        plan = self._plan(function, args, kwargs, given or {})
        self._calls += 1
        if function in self._unbound:  # what the process would answer, without asking it
            raise _missing(function, absent=self._unbound[function] == "absent")
        limit = min(self.limits.call_seconds, remaining, self.limits.call_seconds if time_limit is None else time_limit)
        parts = () if own_parts or self.answerer is None else self.program.parts_of(function)
        exchange = self._exchange(function, parts, record, answers or {})
        used = call_seed(self.seed, self.context, self._calls) if seed is None else seed
        message = {"op": "call", "fn": function, "args": list(plan.args), "kwargs": plan.kwargs, "parts": list(parts),
                   "seed": used, **({"observe": True} if observe else {}),
                   **({"keep": {name: list(numbers) for name, numbers in keep.items()}} if keep else {})}
        if trace:
            message["trace"] = True
            self.traced = []
        else:
            self._last[function] = (args, dict(kwargs), used, own_parts, dict(answers or {}), dict(given or {}))
        reply = self._request(process, function, message, limit, exchange)
        if trace and isinstance(reply, dict):
            self.traced = tracing.steps_from_wire(reply.get("trace"))
        value = self._unpack(function, reply)
        return Called(value, tuple(exchange.asks), plan.returned(reply.get("after")) if observe else None,
                      read_kept(reply.get("kept"), keep) if keep else {})

    def _request(self, process: StudentProcess, function: str, message: dict[str, Any], limit: float,
                 exchange: Exchange) -> dict[str, Any]:
        """Send one call and wait for its reply, answering its asks; a failure discards the process and becomes the
        StudentError it earns."""
        try:
            return process.request(message, limit, exchange)
        except DeadlinePassed:
            self._discard()
            self._timed_out.add(function)
            raise StudentTimeout(f"{function} did not return within {limit:g} s", function=function) from None
        except EOFError:
            words, kind = describe_status(self._discard())
            raise kind(f"{words} while {function} was running", function=function) from None
        except wire.WireError as exc:
            self._discard()
            raise BadReply(f"{function} sent back data the grader cannot accept: {exc}", function=function) from None
        except BaseException:  # never leave a process whose channel is out of step (the exchange's refusals too)
            self._discard()
            raise
        finally:
            exchange.close()

    def _plan(self, function: str, args: tuple[Any, ...], kwargs: dict[str, Any],
              given: Mapping[str, Any]) -> CallPlan:
        """The call to send, in the form the student's function has (see ``grader.signatures``)."""
        declared = self.program.declared(function)
        if declared is None:
            return CallPlan(tuple(args), dict(kwargs))
        return plan_call(declared, self.signatures.get(function), args, kwargs, given)

    def _reshape(self, function: str, part: str, args: tuple[Any, ...], kwargs: dict[str, Any]
                 ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """A composite's ask of ``part`` in the asked form, for the reference to answer; TypeError when the ask fits
        neither the asked signature, nor an accepted one, nor that of the student's own part."""
        declared = self.program.declared(part)
        if declared is None:
            return args, kwargs
        return reshape_ask(declared, self.signatures.get(part), function, args, kwargs)

    def retrace(self, function: str) -> tuple[tuple[Any, ...], dict[str, Any], int, list[tracing.Step],
                                              dict[str, Callable[..., Any]]] | None:
        """Run the last call of ``function`` again, traced, in the sandbox and within its time limit: (its
        arguments, keyword arguments, seed, the student's intermediates, and the parts a check answered in its own
        way for that call, ``invoke``'s ``answers``), or None when it was never called or
        cannot run again (its process crashed, it timed out before), or the retrace budget is spent.

        Retracing is the grader's doing and costs the submission nothing: together the retraces of a submission
        take at most ``RETRACE_SHARE`` of its time budget, each at most one call's time limit; the time they take
        is given back to the submission's budget, and a retrace that runs out of time or ends the process neither
        marks the function as timed out nor counts as a restart of the student's code, nor shifts the seeds of
        later calls."""
        last = self._last.get(function)
        if last is None or function in self._timed_out or self._retrace_left <= 0:
            return None
        args, kwargs, seed, own_parts, answers, given = last
        started, calls, spawns, alive = time.monotonic(), self._calls, self._spawns, self._process is not None
        try:
            self.invoke(function, args, kwargs, seed=seed, own_parts=own_parts, answers=answers, trace=True,
                        given=given, time_limit=self._retrace_left)
        except StudentTimeout:
            self._timed_out.discard(function)
        except StudentError:
            pass  # a call that raises still shows what it computed before
        finally:
            spent = time.monotonic() - started
            self._retrace_left -= spent
            self._deadline += spent
            self._calls = calls
            if self._process is None:
                self._spawns = spawns - alive
        return args, kwargs, seed, list(self.traced), dict(answers)

    def _exchange(self, function: str, parts: tuple[str, ...], record: bool,
                  answers: Mapping[str, Callable[..., Any]]) -> Exchange:
        """Where the asks of one call are answered: by ``answerer`` (or ``answers``), for ``parts`` only, within the
        limits, each in the asked signature."""
        base = self.answerer or _refuse

        def answerer(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            return answers[name](*args, **kwargs) if name in answers else base(name, args, kwargs)

        def reshape(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
            return self._reshape(function, name, args, kwargs)

        return Exchange(function, parts, answerer, limit=self.limits.asks_per_call, max_dim=self.limits.ask_max_dim,
                        seed=call_seed(self.seed, self.context, self._calls, "answers"), record=record,
                        reshape=reshape)

    def _unpack(self, function: str, reply: dict[str, Any]) -> Any:
        if reply.get("op") != "reply" or type(reply.get("ok")) is not bool:
            self._discard()
            raise BadReply(f"{function}: the sandboxed process answered out of turn", function=function)
        if reply["ok"]:
            return reply.get("value")
        error = reply.get("error")
        if not isinstance(error, dict):
            raise BadReply(f"{function} failed without saying why", function=function)
        kind = error.get("kind")
        text = f"{str(error.get('type', 'Error'))[:100]}: {str(error.get('message', ''))[:2000]}"
        frames = tuple(
            (str(f[0]), int(f[1]), str(f[2])) for f in error.get("frames", ())
            if isinstance(f, (list, tuple)) and len(f) == 3 and type(f[1]) is int
        )
        if kind == "missing" or kind == "not-callable":
            raise _missing(function, absent=kind == "missing")
        limit = _OS_LIMITS.get(str(error.get("message", ""))[:11]) if error.get("type") == "OSError" else None
        if limit is not None:
            raise ResourceLimit(f"{function} went over the sandbox's limit on {limit} ({text})",
                                function=function, frames=frames)
        if kind == "memory":
            raise ResourceLimit(f"{function} ran out of memory (the limit is {self.limits.memory_mb} MB)",
                                function=function, frames=frames)
        if kind == "unencodable":
            raise BadReply(f"{function} returned something the grader cannot read back ({text})",
                           function=function, frames=frames)
        if kind == "recursion":
            raise StudentCrash(f"{function} recursed too deeply ({text})", function=function, frames=frames)
        if error.get("type") == "NotImplementedError":  # the generated stub, or a part the student left undone
            who = frames[-1][2] if frames and not frames[-1][2].startswith("<") else function
            detail = str(error.get("message", ""))[:500]
            raise StudentCrash(f"{who} is not implemented yet (the stub is still in place)"
                               + (f": {detail}" if detail else ""), function=function, frames=frames)
        raise StudentCrash(text, function=function, frames=frames)


def _missing(function: str, *, absent: bool) -> MissingFunction:
    return MissingFunction(f"{function} is not defined in the submission" if absent
                           else f"{function} is defined, but not as a function", function=function)
