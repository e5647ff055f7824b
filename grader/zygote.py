"""The grader's handle on the zygote: start it, read its control socket, ask it to fork student processes.

The zygote itself (``grader._zygote``) is a warm process that holds no secret: it starts with a clean environment
before the reference is loaded, imports numpy and the modules students use, and forks one student process per
request (``Zygote.spawn``), passing back its channel socket, output pipe and pidfd. It reports how each of them
ended (``Ending``) on the control socket. As an ordinary user it may run in a user namespace of its own, which this
process maps (``grader._userns``).
"""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import _userns, isolation, wire
from .errors import InternalError, SandboxUnavailable

__all__ = ["Ending", "UserNamespaceRefused", "ZYGOTE_START_SECONDS", "Zygote"]

ZYGOTE_START_SECONDS = 60


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
        # spawn request -> the zygote's answer and the descriptors that came with it, until collected (``answer``)
        self.answers: dict[int, tuple[dict[str, Any], list[int]]] = {}

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
        if message.get("op") in ("spawned", "spawn-failed") and type(message.get("id")) is int:
            # the zygote passes descriptors with these answers only: whatever came since the last one is theirs
            self.answers[message["id"]] = (message, self.take_fds())
        return message

    def answer(self, ident: int, deadline: float) -> tuple[dict[str, Any], list[int]]:
        """The zygote's answer to spawn request ``ident``, with its descriptors, now the caller's. Answers to
        earlier requests, which nobody waits for any more, are dropped and their descriptors closed."""
        while ident not in self.answers:
            self.read(deadline)
        for other in [number for number in self.answers if number != ident]:
            for fd in self.answers.pop(other)[1]:
                os.close(fd)
        return self.answers.pop(ident)

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
    (``_userns.map_ids``, with ``subids`` when the user has subordinate ids): see ``_userns``. ``on_launch`` is
    called once the process runs, before it is ready: what the caller does meanwhile overlaps its start."""

    def __init__(self, scratch_base: Path, scratch_bytes: int, *, userns: bool = False,
                 subids: _userns.SubIds | None = None, on_launch: Callable[[], None] | None = None) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.process = subprocess.Popen(
            [sys.executable, "-P", "-s", "-m", "grader._zygote", str(theirs.fileno()), str(scratch_base),
             str(scratch_bytes), *(["userns"] if userns else [])],
            pass_fds=[theirs.fileno()], env=_clean_env(), cwd="/", stdin=subprocess.DEVNULL,
            process_group=0,  # the terminal's Ctrl-C is for the grader to handle, not for the sandbox
        )
        theirs.close()
        self.control = _Control(ours)
        if on_launch is not None:
            on_launch()
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
        return self.spawned(self.request_spawn(plan, scratch))

    def request_spawn(self, plan: isolation.Plan, scratch: Path) -> int:
        """Ask for a student process without waiting for it; ``spawned`` with the number returned collects it."""
        self._spawns += 1
        self.control.sock.sendall(wire.encode({"op": "spawn", "id": self._spawns, "plan": plan.to_dict(),
                                               "scratch": str(scratch)}))
        return self._spawns

    def spawned(self, ident: int, timeout: float = 30) -> tuple[int, socket.socket, int, int]:
        """The student process asked for by ``request_spawn``: pid, channel socket, output pipe and pidfd."""
        message, fds = self.control.answer(ident, time.monotonic() + timeout)
        if message.get("op") != "spawned" or len(fds) != 3 or type(message.get("pid")) is not int:
            for fd in fds:
                os.close(fd)
            if message.get("op") == "spawn-failed":
                raise InternalError(f"the sandbox could not start a process: {str(message.get('error'))[:300]}")
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
        for _, fds in self.control.answers.values():  # a spawned process nobody collected: it dies with the zygote
            for fd in fds:
                os.close(fd)
        self.control.answers.clear()
        for fd in self.control.take_fds():
            os.close(fd)
        self.control.sock.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
