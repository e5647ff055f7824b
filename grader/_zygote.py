"""The warm process that forks one sandboxed child per student process.

Started by the grader with a clean environment, before any secret is loaded, it imports numpy and the modules
student code commonly uses, then waits on its control socket. Forking from it costs milliseconds instead of the
hundred-odd of a fresh interpreter. It never holds a reference solution, a check or another submission: a forked
child inherits all of its memory.

Control protocol (frames of ``grader.wire`` on a Unix stream socket):

    zygote → grader   {"op": "map-me", "pid": int}  only when asked to use a user namespace: it has entered one and
                      waits for the grader to map it (``_userns``); grader → zygote {"op": "mapped", "ok": bool,
                      "uid": bool}; without a mapping the zygote exits with code 75
    zygote → grader   {"op": "hello", "pid": int, "namespaces": bool, "scratch_quota": bool, "userns": bool,
                      "uid": bool, "cgroup": 0, 1 or 2}   what it set up, once, when it is ready
    grader → zygote   {"op": "spawn", "id": n, "plan": {...}, "scratch": path}   (the zygote creates the folder)
    grader → zygote   {"op": "clean", "scratch": path}                   (and deletes it; no answer)
    zygote → grader   {"op": "spawned", "id": n, "pid": int}  with three fds attached: channel socket, output
                      pipe, pidfd; or {"op": "spawn-failed", "id": n, "error": text}
    zygote → grader   {"op": "exited", "pid": int, "status": int, "oom": bool}  when a child has been reaped
                      (``oom``: its memory cgroup's limit killed it)

Nothing a submission leaves behind may stop the zygote: every request is handled inside its own ``try``, and
scratch folders are deleted without recursion (``_scratch.remove_tree``), however deep they go.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

# Nothing here imports numpy (wire and _worker do, so they are imported where used): a process must still have
# one thread to enter a user namespace.
from . import _cgroup, _scratch, _seccomp, _userns, isolation

__all__ = ["PRELOAD", "main"]

# Modules preloaded so that student code can use them after the uid switch, when the interpreter's own files
# may no longer be readable.
PRELOAD = (
    "abc", "ast", "collections", "copy", "dataclasses", "enum", "functools", "io", "itertools", "json", "linecache",
    "math", "numbers", "operator", "random", "re", "statistics", "string", "time", "traceback", "types", "typing",
    "warnings", "encodings.ascii", "encodings.latin_1", "encodings.utf_8", "mmap",
    "numpy", "numpy.linalg", "numpy.random", "numpy.fft", "numpy.polynomial", "numpy.testing", "numpy.ma",
    "numpy.char", "numpy.rec", "numpy.strings", "numpy.ctypeslib", "numpy.typing", "contextlib",
    "pyseccomp",  # loads libseccomp now: a sandboxed child can no longer open it
)


def _preload() -> None:
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    importlib.import_module(f"{__package__}._worker")  # the child cannot read it once Landlock is in force


@dataclass(slots=True)
class _State:
    """What the zygote holds: its control socket, its children, their memory cgroups."""

    control: socket.socket
    cgroups: _cgroup.MemoryCgroups | None
    # pidfd -> (pid, the cgroup's OOM-kill count before its fork, None without a cgroup)
    children: dict[int, tuple[int, int | None]] = field(default_factory=dict)
    # own uid or not -> the seccomp program built once for every child (None: each child builds its own)
    seccomp: dict[bool, _seccomp.Prepared | None] = field(default_factory=dict)

    def seccomp_for(self, plan: isolation.Plan) -> _seccomp.Prepared | None:
        if "seccomp" not in plan.layers:
            return None
        own_uid = "uid" in plan.layers
        if own_uid not in self.seccomp:
            self.seccomp[own_uid] = _seccomp.prepare_seccomp(own_uid=own_uid)
        return self.seccomp[own_uid]


def _enter(cgroups: _cgroup.MemoryCgroups | None) -> _cgroup.MemoryCgroups | None:
    """The zygote in its memory cgroup, or None (no ``cgroup-memory`` layer) when it cannot enter one."""
    if cgroups is None:
        return None
    try:
        cgroups.enter()
    except OSError:
        cgroups.close()
        return None
    return cgroups


def _child(state: _State, plan: isolation.Plan, scratch: str, child_end: socket.socket, out_write: int,
           seccomp_filter: _seccomp.Prepared | None) -> NoReturn:
    """The student process, right after the fork: set up, isolate, serve. Never returns into the zygote."""
    try:
        state.control.close()
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out_write, 1)
        os.dup2(out_write, 2)
        keep = child_end.fileno()
        os.closerange(3, keep)
        os.closerange(keep + 1, 65536)
        os.chdir(scratch)
        isolation.apply(plan, scratch, in_cgroup=state.cgroups is not None, seccomp_filter=seccomp_filter)
        from . import _worker

        _worker.serve(child_end)
    except BaseException as exc:
        try:
            os.write(2, f"sandbox set-up failed: {exc}\n".encode())
        finally:
            os._exit(70)
    os._exit(70)  # pragma: no cover - serve never returns


def _spawn(state: _State, request: dict[str, Any]) -> None:
    from . import wire

    plan = isolation.Plan.from_dict(request["plan"])
    scratch = str(request["scratch"])
    # Created here, in the zygote's mount namespace, where the capped tmpfs may hide the grader's view of it.
    os.makedirs(scratch, mode=0o700, exist_ok=True)
    if plan.uid is not None:
        os.chown(scratch, plan.uid, plan.uid)
    oom_kills = None
    if "cgroup-memory" in plan.layers:
        if state.cgroups is None:
            raise RuntimeError("the plan asks for a memory cgroup, and this zygote has none")
        # The child shares the zygote's pages until it writes to them: the copies count too, once.
        state.cgroups.allow(plan.memory_bytes + isolation.resident_bytes())
        oom_kills = state.cgroups.oom_kills()
    seccomp_filter = state.seccomp_for(plan)  # built before the first fork, and then never again
    opened: list[Any] = []
    try:
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        opened += [parent_end, child_end]
        out_read, out_write = os.pipe()
        opened += [out_read, out_write]
        pid = os.fork()
        if pid == 0:
            parent_end.close()
            os.close(out_read)
            _child(state, plan, scratch, child_end, out_write, seccomp_filter)
        try:
            pidfd = os.pidfd_open(pid)
        except OSError:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise
        state.children[pidfd] = (pid, oom_kills)
        socket.send_fds(state.control, [wire.encode({"op": "spawned", "id": request.get("id"), "pid": pid})],
                        [parent_end.fileno(), out_read, pidfd])
    finally:
        for item in opened:
            if isinstance(item, socket.socket):
                item.close()
            else:
                os.close(item)


def _reap(state: _State, pidfd: int) -> None:
    from . import wire

    pid, oom_kills = state.children.pop(pidfd)
    _, status = os.waitpid(pid, 0)
    os.close(pidfd)
    oom = oom_kills is not None and state.cgroups is not None and state.cgroups.oom_kills() > oom_kills
    state.control.sendall(wire.encode({"op": "exited", "pid": pid, "status": status, "oom": oom}))


def _handle(state: _State, request: Any) -> None:
    """One request from the grader. Its failure is reported, never fatal: the next submission needs the zygote."""
    from . import wire

    if type(request) is not dict:
        return
    if request.get("op") == "spawn":
        try:
            _spawn(state, request)
        except (EOFError, BrokenPipeError, ConnectionResetError):
            raise
        except Exception as exc:
            state.control.sendall(wire.encode({"op": "spawn-failed", "id": request.get("id"),
                                               "error": f"{type(exc).__name__}: {str(exc)[:200]}"}))
    elif request.get("op") == "clean":
        _scratch.remove_tree(str(request.get("scratch")))


def _reader(control: socket.socket) -> Callable[[int], bytes]:
    def read_exact(n: int) -> bytes:
        data = bytearray()
        while len(data) < n:
            chunk = control.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return bytes(data)

    return read_exact


def _set_up(control: socket.socket, scratch_base: str, scratch_bytes: int, want_userns: bool) -> dict[str, Any]:
    """Namespaces, the scratch tmpfs and the memory cgroups, before anything is preloaded; what worked."""
    userns = uid = False
    entered = want_userns and os.geteuid() != 0 and _userns.enter()
    from . import wire  # numpy, and perhaps threads, only now

    if entered:
        control.sendall(wire.encode({"op": "map-me", "pid": os.getpid()}))
        answer = wire.read_frame(_reader(control))
        if type(answer) is not dict or answer.get("op") != "mapped" or answer.get("ok") is not True:
            os._exit(75)  # an unmapped user namespace is no place to work in: the grader starts one without
        userns, uid = True, answer.get("uid") is True
        namespaces = True  # entered together with the user namespace
    else:
        namespaces = isolation.enter_namespaces()  # before anything else, so every child is born inside them
    quota = isolation.mount_scratch(scratch_base, scratch_bytes, inodes=max(1000, scratch_bytes // 16384))
    return {"namespaces": namespaces, "scratch_quota": quota, "userns": userns, "uid": uid}


def main(control_fd: int, scratch_base: str, scratch_bytes: int, want_userns: bool = False) -> None:
    """Serve spawn requests on ``control_fd`` until the grader closes it."""
    import ctypes

    ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: die with the grader
    control = socket.socket(fileno=control_fd)
    done = _set_up(control, scratch_base, scratch_bytes, want_userns)
    from . import wire

    state = _State(control=control, cgroups=_enter(_cgroup.find_memory_cgroups(f"grader-{os.getpid()}")))
    _preload()  # after entering the cgroup: its pages are charged to it, and each limit is set above them
    control.sendall(wire.encode({"op": "hello", "pid": os.getpid(), **done,
                                 "cgroup": state.cgroups.version if state.cgroups else 0}))
    read_exact = _reader(control)
    try:
        while True:
            watched: list[Any] = [control, *state.children]  # the control socket and one pidfd per child
            for fd in select.select(watched, [], [])[0]:
                if fd is control:
                    _handle(state, wire.read_frame(read_exact))
                else:
                    _reap(state, fd)
    except (EOFError, OSError, wire.WireError):  # the grader hung up, or the control channel broke
        pass
    finally:
        for pidfd, (pid, _) in list(state.children.items()):
            try:
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass
        if state.cgroups is not None:
            state.cgroups.close()
        os._exit(0)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4:5] == ["userns"])
