"""The warm process that forks one sandboxed child per student process.

Started by the grader with a clean environment, before any secret is loaded, it imports numpy and the modules
student code commonly uses, then waits on its control socket. Forking from it costs milliseconds instead of the
hundred-odd of a fresh interpreter. It never holds a reference solution, a check or another submission: a forked
child inherits all of its memory.

Control protocol (frames of ``grader.wire`` on a Unix stream socket):

    grader → zygote   {"op": "spawn", "plan": {...}, "scratch": path}   (the zygote creates the folder)
    grader → zygote   {"op": "clean", "scratch": path}                   (and deletes it; no answer)
    zygote → grader   {"op": "spawned", "pid": int}  with three fds attached: channel socket, output pipe, pidfd
    zygote → grader   {"op": "exited", "pid": int, "status": int}  when a child has been reaped
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import sys
from typing import Any

__all__ = ["PRELOAD", "main"]

# Modules preloaded so that student code can use them after the uid switch, when the interpreter's own files
# may no longer be readable.
PRELOAD = (
    "abc", "ast", "collections", "copy", "dataclasses", "enum", "functools", "io", "itertools", "json", "linecache",
    "math", "numbers", "operator", "random", "re", "statistics", "string", "time", "traceback", "types", "typing",
    "warnings", "encodings.ascii", "encodings.latin_1", "encodings.utf_8",
    "numpy", "numpy.linalg", "numpy.random", "numpy.fft", "numpy.polynomial", "numpy.testing", "numpy.ma",
    "numpy.char", "numpy.rec", "numpy.strings", "numpy.ctypeslib", "numpy.typing", "contextlib",
    "pyseccomp",  # loads libseccomp now: a sandboxed child can no longer open it
)


def _preload() -> None:
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)


def _spawn(control: socket.socket, request: dict[str, Any], children: dict[int, int]) -> None:
    from . import _worker, isolation, wire

    plan = isolation.Plan.from_dict(request["plan"])
    scratch = str(request["scratch"])
    # Created here, in the zygote's mount namespace, where the capped tmpfs may hide the grader's view of it.
    os.makedirs(scratch, mode=0o700, exist_ok=True)
    if plan.uid is not None:
        os.chown(scratch, plan.uid, plan.uid)
    parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    out_read, out_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the student process
        try:
            control.close()
            parent_end.close()
            os.close(out_read)
            os.setsid()
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            os.dup2(out_write, 1)
            os.dup2(out_write, 2)
            keep = child_end.fileno()
            os.closerange(3, keep)
            os.closerange(keep + 1, 65536)
            os.chdir(scratch)
            isolation.apply(plan, scratch)
            _worker.serve(child_end)
        except BaseException as exc:  # never return into the zygote's loop
            try:
                os.write(2, f"sandbox set-up failed: {exc}\n".encode())
            finally:
                os._exit(70)
    child_end.close()
    os.close(out_write)
    pidfd = os.pidfd_open(pid)
    children[pidfd] = pid
    try:
        socket.send_fds(control, [wire.encode({"op": "spawned", "pid": pid})],
                        [parent_end.fileno(), out_read, pidfd])
    finally:
        parent_end.close()
        os.close(out_read)


def _reap(control: socket.socket, pidfd: int, children: dict[int, int]) -> None:
    from . import wire

    pid = children.pop(pidfd)
    _, status = os.waitpid(pid, 0)
    os.close(pidfd)
    control.sendall(wire.encode({"op": "exited", "pid": pid, "status": status}))


def main(control_fd: int, scratch_base: str, scratch_bytes: int) -> None:
    """Serve spawn requests on ``control_fd`` until the grader closes it."""
    import ctypes

    ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: die with the grader
    from . import isolation, wire

    namespaces = isolation.enter_namespaces()  # before anything else, so every child is born inside them
    quota = isolation.mount_scratch(scratch_base, scratch_bytes, inodes=max(1000, scratch_bytes // 16384))
    _preload()

    control = socket.socket(fileno=control_fd)
    children: dict[int, int] = {}  # pidfd -> pid

    def read_exact(n: int) -> bytes:
        data = bytearray()
        while len(data) < n:
            chunk = control.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return bytes(data)

    control.sendall(wire.encode({"op": "hello", "pid": os.getpid(), "namespaces": namespaces,
                                 "scratch_quota": quota}))
    try:
        while True:
            watched: list[Any] = [control, *children]  # the control socket and one pidfd per child
            ready = select.select(watched, [], [])[0]
            for fd in ready:
                if fd is control:
                    request = wire.read_frame(read_exact)
                    if request.get("op") == "spawn":
                        _spawn(control, request, children)
                    elif request.get("op") == "clean":
                        shutil.rmtree(str(request["scratch"]), ignore_errors=True)
                else:
                    _reap(control, fd, children)
    except (EOFError, BrokenPipeError, ConnectionResetError):
        pass
    finally:
        for pidfd in list(children):
            try:
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            except ProcessLookupError:
                pass
        os._exit(0)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
