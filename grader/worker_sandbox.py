"""The sandbox of one grading worker: the zygote it keeps, the isolation layers in force and its scratch area.

``Sandbox`` decides the layers from what the machine offers and what the zygote managed to set up, refuses to grade
hostile code without a layer that protects the reference and the results (unless ``insecure``), and gives a
``StudentSession`` per submission (``Sandbox.session``). ``scratch_parent`` says where the scratch areas go.
"""

from __future__ import annotations

import os
import select
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from . import _userns, isolation, wire
from .assignment import Limits
from .errors import InternalError, SandboxUnavailable
from .failures import StudentCrash
from .sandbox import OutputHead, StudentProcess, make_scratch, remove_scratch
from .zygote import UserNamespaceRefused, Zygote

__all__ = ["PROTECTIVE_LAYERS", "Sandbox", "scratch_parent"]

if TYPE_CHECKING:
    from .program import Program
    from .session import StudentSession

# Layers that keep a submission from reading the reference or rewriting results (see the README's security model).
PROTECTIVE_LAYERS = frozenset({"uid", "landlock"})


def _traversable(folder: Path) -> bool:
    """Whether every user may pass through ``folder`` and each folder above it (the x bit for others)."""
    try:
        return all(os.stat(path).st_mode & 0o001 for path in (folder, *folder.parents))
    except OSError:
        return False


def scratch_parent() -> str:
    """Where the scratch folders go: the temporary folder, unless a folder on its path shuts other users out (a
    TMPDIR under a 0700 home, say), in which case the first of /tmp, /var/tmp and /dev/shm that lets them in. The
    student processes run as a uid of their own, so their scratch must be reachable by any user."""
    preferred = Path(tempfile.gettempdir()).resolve()
    for candidate in (preferred, Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")):
        if candidate.is_dir() and os.access(candidate, os.W_OK | os.X_OK) and _traversable(candidate):
            return str(candidate)
    raise SandboxUnavailable(
        f"no folder for the sandbox's scratch space: {preferred} (the temporary folder) or a folder above it cannot "
        "be entered by other users, and neither /tmp, /var/tmp nor /dev/shm can be used instead. Point TMPDIR at a "
        "folder every user can pass through (mode 0711 or wider on it and every folder above it)")


class Sandbox:
    """Isolation for one grading worker: the plan, the zygote and a scratch area. Use as a context manager.

    With ``spare`` (the engine's), each session's end forks the next session's process ahead (``prepare_spare``):
    its fork and isolation overlap the worker's other work instead of delaying the next submission's first call
    (five-function notebooks, one worker: 20.5-22.3 ms each against 25.9-29.3 without)."""

    def __init__(self, *, slot: int = 0, insecure: bool = False, scratch_bytes: int = 256 * 2**20,
                 on_launch: Callable[[], None] | None = None, spare: bool = False) -> None:
        self.root = os.geteuid() == 0
        # Without root, the zygote tries a user namespace of its own (with a subordinate uid if the user has one).
        self._userns: tuple[bool, _userns.SubIds | None] = (not self.root,
                                                             None if self.root else _userns.subordinate_ids(slot))
        self._slot = slot
        self._on_launch = on_launch  # called as each zygote is launched, before it is ready (see Zygote)
        self.scratch_base = Path(tempfile.mkdtemp(prefix="grader-", dir=scratch_parent()))
        self.scratch_base.chmod(0o711)
        self.scratch_bytes = scratch_bytes
        self._zygote: Zygote | None = None
        self._closed = False
        # With ``spare`` (a batch's worker), a student process is forked ahead for the next session while this worker
        # renders one submission and reads the next: (its zygote, plan, scratch folder, spawn request).
        self._keeps_spare = spare
        self._spare: tuple[Zygote, isolation.Plan, Path, int] | None = None
        self.uid: int | None = None  # the student processes' uid as the host sees it (for sweeps), if their own
        self._plan_uid: int | None = None  # and as they see it themselves
        self.layers: tuple[str, ...] = ()
        try:
            self.zygote()
        except BaseException:  # no zygote: nothing of this sandbox may stay behind
            remove_scratch(self.scratch_base)
            raise
        if not insecure and not PROTECTIVE_LAYERS & set(self.layers):
            self.close()
            raise SandboxUnavailable(
                "no isolation layer that protects the reference and the results is available: run the grader as "
                "root, or on a kernel with Landlock or unprivileged user namespaces, so that student code cannot "
                "reach your files; or pass --insecure for trusted code only"
            )

    @property
    def closed(self) -> bool:
        """After ``close``: no process starts any more."""
        return self._closed

    def zygote(self) -> Zygote:
        """The running zygote, started (again) if need be; the layers follow what it could set up."""
        if self._closed:  # stopped (Ctrl-C): the checks still running fail at once instead of starting it again
            raise StudentCrash("grading was stopped")
        if self._zygote is None or self._zygote.process.poll() is not None:
            self._zygote = self._start()
            self.layers, self.uid, self._plan_uid = self._layers(self._zygote)
        return self._zygote

    def _start(self) -> Zygote:
        want, subids = self._userns
        while True:
            try:
                return Zygote(self.scratch_base, self.scratch_bytes, userns=want, subids=subids,
                              on_launch=self._on_launch)
            except UserNamespaceRefused:  # next time: without subordinate ids, then without a user namespace
                want, subids = (want, None) if subids is not None else (False, None)
                self._userns = (want, subids)

    def _layers(self, zygote: Zygote) -> tuple[tuple[str, ...], int | None, int | None]:
        """The layers in force with this zygote, and the student processes' uid outside and inside."""
        available = isolation.available_layers()  # "uid" when root
        host_uid = plan_uid = None
        if "uid" in available:
            host_uid = plan_uid = isolation.sandbox_uid(self._slot)
        elif zygote.own_uid and self._userns[1] is not None:
            host_uid, plan_uid = self._userns[1].uid, _userns.INSIDE_UID
            available = available[:2] + ("uid",) + available[2:]
        extra = tuple(name for name, on in (("cgroup-memory", zygote.cgroup != 0), ("namespaces", zygote.namespaces),
                                            ("scratch-quota", zygote.scratch_quota)) if on)
        privileged = {"uid", "namespaces", "scratch-quota"} & set(available + extra)
        via = (isolation.VIA_USERNS,) if zygote.userns else (isolation.VIA_ROOT,) if privileged else ()
        return available[:-1] + extra + available[-1:] + via, host_uid, plan_uid

    def clean(self, scratch: Path) -> None:
        """Delete a scratch folder in the zygote's view (its capped tmpfs) and in ours."""
        if self._zygote is not None and self._zygote.process.poll() is None:
            self._zygote.clean(scratch)
        remove_scratch(scratch)

    def plan(self, limits: Limits) -> isolation.Plan:
        return isolation.Plan(
            layers=self.layers,
            uid=self._plan_uid,
            memory_bytes=limits.memory_mb * 2**20,
            cpu_seconds=limits.cpu_seconds,
            file_bytes=limits.file_bytes,
            open_files=limits.open_files,
        )

    def prepare_spare(self, limits: Limits) -> None:
        """Ask the zygote for the next session's process now, without waiting: it forks and isolates itself while
        this worker does other things, and waits, with no student code in it, until a session loads a submission
        into it (``take_spare``). Called when a session ends, after its processes are gone and swept, so that at
        most one student process of this sandbox is ever alive."""
        if (not self._keeps_spare or self._closed or self._spare is not None or self._zygote is None
                or self._zygote.process.poll() is not None):
            return
        plan, scratch = self.plan(limits), make_scratch(self.scratch_base)
        try:
            self._spare = (self._zygote, plan, scratch, self._zygote.request_spawn(plan, scratch))
        except OSError:  # the zygote is gone: the next session starts one
            pass

    def take_spare(self, plan: isolation.Plan) -> tuple[Zygote, tuple[int, socket.socket, int, int], Path] | None:
        """The spare process (its zygote, what ``Zygote.spawned`` gives, its scratch folder), if there is a live one
        forked under ``plan`` by the running zygote; None otherwise (a spare that does not fit is killed)."""
        spare, self._spare = self._spare, None
        if spare is None:
            return None
        zygote, spare_plan, scratch, request = spare
        if zygote is not self._zygote or zygote.process.poll() is not None:
            return None  # its zygote is gone, and the spare with it
        try:
            spawned = zygote.spawned(request)
        except (InternalError, TimeoutError, EOFError, OSError, wire.WireError):
            return None
        dead = bool(select.select([spawned[3]], [], [], 0)[0])  # its pidfd is readable once it has exited
        if dead or spare_plan != plan:
            StudentProcess(zygote, plan, scratch, OutputHead(0, bytearray()), spawned=spawned).kill()
            self.clean(scratch)
            return None
        return zygote, spawned, scratch

    def session(self, program: Program, limits: Limits, seed: int) -> StudentSession:
        """The session of one submission in this sandbox (see ``grader.session``)."""
        from .session import StudentSession  # the session is the floor above: it uses this sandbox

        return StudentSession(self, program, limits, seed)

    def kill(self) -> None:
        """Stop at once (Ctrl-C), from the thread that owns the sandbox while another may be using it: SIGKILL the
        zygote (its children die with it: pdeathsig) and delete the scratch area. Nothing starts again."""
        self._closed = True
        if self._zygote is not None:
            self._zygote.process.kill()
            self._zygote.process.wait()
        remove_scratch(self.scratch_base)

    def close(self) -> None:
        self._closed = True
        if self._zygote is not None:
            self._zygote.close()
            self._zygote = None
        remove_scratch(self.scratch_base)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
