"""The grader's side of sandboxed execution: the student processes the zygote forks, and calls into them.

::

    grader process (trusted: checks, reference)          zygote (warm, no secrets)       student process
    ─────────────────────────────────────────────        ────────────────────────        ───────────────
    Sandbox ── control socket ───────────────────────────► fork per spawn ──────────────► isolation.apply
    StudentSession ── channel socket (plain data) ──────────────────────────────────────► _worker.serve
                   ◄─ output pipe (head kept) ──────────────────────────────────────────── stdout/stderr

``Sandbox`` (``grader.worker_sandbox``) keeps the zygote (``grader.zygote``); a ``StudentSession``
(``grader.session``) is what the checks' ``student`` fixture talks to, through a ``StudentProcess`` here. Every call
has a wall-time limit; a call that hangs, crashes the process or exhausts a limit costs only that call: the process
is killed and the next call gets a fresh one. Failures reach the checks as ``StudentError`` exceptions, which carry
the flag they earn (``describe_status`` says which, from how the process ended).
"""

from __future__ import annotations

import os
import secrets
import select
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import isolation, wire
from ._scratch import remove_tree
from .failures import ResourceLimit, StudentCrash, StudentError
from .zygote import Ending, Zygote

__all__ = [
    "DeadlinePassed",
    "OutputHead",
    "REPLY_MAX_BYTES",
    "StudentProcess",
    "describe_status",
    "make_scratch",
    "remove_scratch",
    "sweep_uid",
]

REPLY_MAX_BYTES = 64 * 2**20


class DeadlinePassed(Exception):
    """A request to a student process got no complete reply within its time limit."""


class StudentProcess:
    """A forked, sandboxed process running one submission's definitions."""

    def __init__(self, zygote: Zygote, plan: isolation.Plan, scratch: Path, output: OutputHead, *,
                 spawned: tuple[int, socket.socket, int, int] | None = None) -> None:
        """Fork a process in ``scratch`` under ``plan``, or take one ``spawned`` already (``Sandbox.take_spare``)."""
        self.zygote = zygote
        self.pid, self.sock, self.out_fd, self.pidfd = spawned if spawned is not None else zygote.spawn(plan, scratch)
        self.sock.setblocking(False)  # reads wait in select, sends in _send: both bounded by a deadline
        self.output = output
        self.buffer = bytearray()
        self.alive = True
        self.ending: Ending | None = None  # once the zygote has reaped it

    def _read_exact(self, deadline: float) -> Callable[[int], bytes]:
        def read_exact(n: int) -> bytes:
            while len(self.buffer) < n:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise DeadlinePassed
                watch = [self.sock] + ([self.out_fd] if self.out_fd >= 0 else [])
                ready = select.select(watch, [], [], remaining)[0]
                if self.out_fd in ready:
                    self._drain_output()
                if self.sock in ready:
                    try:
                        data = self.sock.recv(1 << 20)
                    except (ConnectionResetError, BrokenPipeError):  # it died with data unread: the same as EOF
                        raise EOFError from None
                    if not data:
                        raise EOFError
                    self.buffer += data
            chunk = bytes(self.buffer[:n])
            del self.buffer[:n]
            return chunk

        return read_exact

    def _drain_output(self) -> None:
        data = os.read(self.out_fd, 1 << 16)
        if data:
            self.output.add(data)
        else:
            os.close(self.out_fd)
            self.out_fd = -1

    def request(self, message: dict[str, Any], timeout: float,
                on_ask: Callable[[dict[str, Any], float], bytes] | None = None) -> dict[str, Any]:
        """Send one request and wait for its reply. Raises DeadlinePassed, EOFError or wire.WireError.

        While the reply is pending, each ``{"op": "ask"}`` message is answered with the frame ``on_ask(message,
        deadline)`` returns, within the same deadline (see ``grader.parts``); without ``on_ask`` an ask is returned
        as the reply, which the caller treats as out of turn.
        """
        deadline = time.monotonic() + timeout
        self._send(wire.encode(message), deadline)
        while True:
            reply = wire.read_frame(self._read_exact(deadline), max_bytes=REPLY_MAX_BYTES)
            if type(reply) is not dict or "op" not in reply:
                raise wire.WireError("the reply is not a message")
            if reply["op"] != "ask" or on_ask is None:
                return reply
            self._send(on_ask(reply, deadline), deadline)

    def _send(self, frame: bytes, deadline: float) -> None:
        """Send a frame within the deadline: a process that stops reading must not hold the grader."""
        view = memoryview(frame)
        while view:
            try:
                view = view[self.sock.send(view):]
            except BlockingIOError:
                pass
            except (BrokenPipeError, ConnectionResetError):
                raise EOFError from None
            if view:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise DeadlinePassed
                select.select([], [self.sock], [], remaining)

    def kill(self) -> Ending | None:
        """Kill the process and its process group, wait until the zygote has reaped it, and close every
        descriptor that leads to it; returns how it ended when the zygote reported it. Safe to call twice."""
        if not self.alive:
            return self.ending
        self.alive = False
        try:
            try:
                os.killpg(self.pid, signal.SIGKILL)  # its session's group: children it forked
            except (ProcessLookupError, PermissionError):
                pass
            try:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            except ProcessLookupError:
                pass
            drain_until = time.monotonic() + 1.0  # bounded: a leftover writer must not hold the grader
            while (self.out_fd >= 0 and time.monotonic() < drain_until
                   and select.select([self.out_fd], [], [], 0.2)[0]):  # fmt: skip
                self._drain_output()
            self.ending = self.zygote.control.wait_exit(self.pid, 5.0)
        finally:
            self.sock.close()
            os.close(self.pidfd)
            if self.out_fd >= 0:
                os.close(self.out_fd)
                self.out_fd = -1
        return self.ending


@dataclass
class OutputHead:
    """The first ``limit`` bytes a submission printed, and how many there were in all."""

    limit: int
    data: bytearray
    total: int = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.limit - len(self.data)
        if room > 0:
            self.data += chunk[:room]

    def text(self) -> str:
        text = self.data.decode("utf-8", errors="replace")
        if self.total > len(self.data):
            text += f"\n[... {self.total - len(self.data)} more bytes of output were cut]"
        return text


def describe_status(ending: Ending | None) -> tuple[str, type[StudentError]]:
    """Words and error type for how a student process ended."""
    if ending is None:
        return "the process ended", StudentCrash
    if ending.oom:
        return "the process ran out of memory (its memory cgroup's limit killed it)", ResourceLimit
    code = os.waitstatus_to_exitcode(ending.status)
    if code >= 0:
        return f"the process exited with code {code}", StudentCrash
    try:
        sig = signal.Signals(-code)
    except ValueError:  # a real-time signal it sent itself
        return f"the process was killed by signal {-code}", StudentCrash
    if sig == signal.SIGXCPU:
        return "the process used up its CPU time limit", ResourceLimit
    if sig == signal.SIGXFSZ:
        return "the process wrote more than its file size limit", ResourceLimit
    if sig == signal.SIGSYS:
        return "the process made a forbidden system call", StudentCrash
    if sig == signal.SIGSEGV:
        return ("the process crashed with a segmentation fault, most often a stack overflow from recursion that "
                "goes too deep"), ResourceLimit
    if sig == signal.SIGBUS:
        return ("the process touched memory of a file that could not be backed, most often because its scratch "
                "space is full"), ResourceLimit
    return f"the process was killed by {sig.name}", StudentCrash


def sweep_uid(uid: int) -> int:
    """Kill every process that runs as ``uid``; returns how many were found. Only for a sandbox's own uid."""
    found = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid != uid:
                continue
            os.kill(int(entry.name), signal.SIGKILL)
            found += 1
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return found


def make_scratch(base: Path) -> Path:
    """The name of a fresh private folder for one submission; the zygote creates it, owned by the sandbox uid."""
    return base / f"s-{secrets.token_hex(8)}"


def remove_scratch(path: Path) -> bool:
    """Delete a scratch folder whatever the student left in it (without recursion: see ``_scratch``)."""
    return remove_tree(path)
