"""The grader's side of sandboxed execution: start the zygote, spawn student processes, call their functions.

::

    grader process (trusted: checks, reference)          zygote (warm, no secrets)       student process
    ─────────────────────────────────────────────        ────────────────────────        ───────────────
    Sandbox ── control socket ───────────────────────────► fork per spawn ──────────────► isolation.apply
    StudentSession ── channel socket (plain data) ──────────────────────────────────────► _worker.serve
                   ◄─ output pipe (head kept) ──────────────────────────────────────────── stdout/stderr

A ``StudentSession`` is what the checks' ``student`` fixture talks to. Every call has a wall-time limit; a call
that hangs, crashes the process or exhausts a limit costs only that call: the process is killed and the next
call gets a fresh one. Failures reach the checks as ``StudentError`` exceptions, which carry the flag they earn.
"""

from __future__ import annotations

import os
import secrets
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import _userns, isolation, wire
from ._scratch import remove_tree
from .errors import InternalError, SandboxUnavailable
from .failures import ResourceLimit, StudentCrash, StudentError

__all__ = [
    "DeadlinePassed",
    "Ending",
    "OutputHead",
    "REPLY_MAX_BYTES",
    "StudentProcess",
    "UserNamespaceRefused",
    "ZYGOTE_START_SECONDS",
    "Zygote",
    "describe_status",
    "make_scratch",
    "remove_scratch",
    "sweep_uid",
]

REPLY_MAX_BYTES = 64 * 2**20
ZYGOTE_START_SECONDS = 60


# ---------------------------------------------------------------------------------------------------------------
# The zygote


def _clean_env() -> dict[str, str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",  # the same set and dict orders on every run: determinism
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # set on some CPUs for correctness
        if name in os.environ:
            env[name] = os.environ[name]
    return env


@dataclass(frozen=True, slots=True)
class Ending:
    """How a student process ended: its wait status, and whether its memory cgroup's limit killed it."""

    status: int
    oom: bool = False


class _Control:
    """Frames and passed file descriptors on the zygote's control socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.fds: list[int] = []
        self.exited: dict[int, Ending] = {}

    def _fill(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([self.sock], [], [], remaining)[0]:
            raise TimeoutError("the zygote did not answer")
        data, fds, _, _ = socket.recv_fds(self.sock, 1 << 16, 8)
        if not data:
            raise EOFError("the zygote exited")
        self.buffer += data
        self.fds += fds

    def take_fds(self) -> list[int]:
        """The descriptors received so far, now the caller's to close."""
        fds, self.fds = self.fds, []
        return fds

    def read(self, deadline: float) -> dict[str, Any]:
        def read_exact(n: int) -> bytes:
            while len(self.buffer) < n:
                self._fill(deadline)
            chunk = bytes(self.buffer[:n])
            del self.buffer[:n]
            return chunk

        message = wire.read_frame(read_exact)
        if type(message) is not dict:
            raise wire.WireError("a control message is not a dict")
        if message.get("op") == "exited" and type(message.get("pid")) is int and type(message.get("status")) is int:
            self.exited[message["pid"]] = Ending(message["status"], oom=message.get("oom") is True)
        return message

    def wait_exit(self, pid: int, timeout: float) -> Ending | None:
        """How ``pid`` ended, once the zygote has reaped it; None if it did not say in time."""
        deadline = time.monotonic() + timeout
        while pid not in self.exited:
            try:
                self.read(deadline)
            except (TimeoutError, EOFError, OSError, wire.WireError):
                return None
        return self.exited.pop(pid)


class UserNamespaceRefused(Exception):
    """The zygote entered a user namespace that could not be mapped (it exited: start one without)."""


class Zygote:
    """One warm process that forks student processes on request, with its scratch folders under ``scratch_base``.

    With ``userns`` (as an ordinary user) it works inside a user namespace of its own, which this process maps
    (``_userns.map_ids``, with ``subids`` when the user has subordinate ids): see ``_userns``."""

    def __init__(self, scratch_base: Path, scratch_bytes: int, *, userns: bool = False,
                 subids: _userns.SubIds | None = None) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.process = subprocess.Popen(
            [sys.executable, "-P", "-s", "-m", "grader._zygote", str(theirs.fileno()), str(scratch_base),
             str(scratch_bytes), *(["userns"] if userns else [])],
            pass_fds=[theirs.fileno()], env=_clean_env(), cwd="/", stdin=subprocess.DEVNULL,
            process_group=0,  # the terminal's Ctrl-C is for the grader to handle, not for the sandbox
        )
        theirs.close()
        self.control = _Control(ours)
        deadline = time.monotonic() + ZYGOTE_START_SECONDS
        try:
            hello = self.control.read(deadline)
            if hello.get("op") == "map-me":
                mapped = _userns.map_ids(self.process.pid, subids)
                self.control.sock.sendall(wire.encode({"op": "mapped", "ok": mapped,
                                                       "uid": mapped and subids is not None}))
                hello = self.control.read(deadline)
        except (TimeoutError, EOFError, OSError, wire.WireError) as exc:
            self.process.kill()
            code = self.process.wait()
            self.control.sock.close()
            if code == 75:
                raise UserNamespaceRefused from None
            why = (f"did not answer within {ZYGOTE_START_SECONDS} s" if isinstance(exc, TimeoutError)
                   else f"exited with code {code} before it was ready" if isinstance(exc, (EOFError, OSError))
                   else f"sent a bad greeting ({exc})")
            raise SandboxUnavailable(
                f"the sandbox could not start: its zygote process {why}. Its own error output, if any, is above. "
                "Check that this Python can import numpy and pyseccomp; `grade --insecure` grades without the "
                "sandbox, for trusted code only.") from None
        if hello.get("op") != "hello":
            self.close()
            raise InternalError("the zygote did not start")
        self._spawns = 0
        self.namespaces = hello.get("namespaces") is True
        self.scratch_quota = hello.get("scratch_quota") is True
        self.userns = hello.get("userns") is True
        self.own_uid = hello.get("uid") is True  # student processes get a subordinate uid of their own
        self.cgroup = hello.get("cgroup") if hello.get("cgroup") in (1, 2) else 0

    def spawn(self, plan: isolation.Plan, scratch: Path) -> tuple[int, socket.socket, int, int]:
        """Fork a student process; returns its pid, channel socket, output pipe and pidfd."""
        self._spawns += 1
        ident = self._spawns
        self.control.sock.sendall(wire.encode({"op": "spawn", "id": ident, "plan": plan.to_dict(),
                                               "scratch": str(scratch)}))
        deadline = time.monotonic() + 30
        while True:
            for fd in self.control.take_fds():  # of an answer that came too late: closed, never kept
                os.close(fd)
            message = self.control.read(deadline)
            if message.get("id") != ident:
                continue
            if message.get("op") == "spawn-failed":
                raise InternalError(f"the sandbox could not start a process: {str(message.get('error'))[:300]}")
            if message.get("op") == "spawned":
                break
        fds = self.control.take_fds()
        if len(fds) != 3 or type(message.get("pid")) is not int:
            for fd in fds:
                os.close(fd)
            raise InternalError("the zygote answered a spawn without its three descriptors")
        sock_fd, out_fd, pidfd = fds
        return message["pid"], socket.socket(fileno=sock_fd), out_fd, pidfd

    def clean(self, scratch: Path) -> None:
        """Delete a scratch folder, as the zygote (and so the student processes) sees it."""
        try:
            self.control.sock.sendall(wire.encode({"op": "clean", "scratch": str(scratch)}))
        except OSError:  # the zygote is gone, and its tmpfs with it
            pass

    def close(self) -> None:
        self.control.sock.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# ---------------------------------------------------------------------------------------------------------------
# One student process


class DeadlinePassed(Exception):
    """A request to a student process got no complete reply within its time limit."""


class StudentProcess:
    """A forked, sandboxed process running one submission's definitions."""

    def __init__(self, zygote: Zygote, plan: isolation.Plan, scratch: Path, output: OutputHead) -> None:
        self.zygote = zygote
        self.pid, self.sock, self.out_fd, self.pidfd = zygote.spawn(plan, scratch)
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
