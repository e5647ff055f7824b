"""The attack suite's harness: grade a hostile submission next to an honest one, then look for every side effect.

Every hostile submission is a real file in ``submissions/``. ``arena`` (a fixture) builds a world-readable workspace
the way a course's staff would have it (folders 0755, files 0644, under /tmp, not under pytest's private 0700
tmp_path, which would hide what file permissions alone fail to protect)::

    /tmp/grader-attacks-XXXX/
        batch/      the attacker, honest.py (a copy of the reference solution) and any extra submissions
        secret/     canary.txt: a 0644 file outside every scratch folder that no student may read
        sockets/    Unix sockets the listeners wait on (mode 0777)
        out/        what ``grade`` writes

Submissions may contain placeholders, replaced when they are copied into the batch (``@@MARKER@@``,
``@@CANARY_FILE@@``, ``@@BATCH_DIR@@``, ``@@OUT_DIR@@``, ``@@REPO@@``, ``@@TCP_PORT@@``, ...). They stand for what a
student learns anyway: the paths appear in the ``path`` of the student's own results, the marker is the attack's
own name for the files and processes it leaves behind, and the ports stand for "some service on this machine".

``arena.grade()`` runs the real ``grade`` command (``--jobs 1``: every submission goes through one engine, one sandbox
uid and one zygote, the worst case for one submission reaching the next; ``formats`` adds ``--format`` outputs) in a
subprocess of its own session, killed on a hard timeout, watches its peak memory (``run.peak_rss_mb``: with one job,
the grader's own process), and records every side effect right away: leftover processes (killed afterwards so the
next test starts clean), connections and datagrams the listeners received, new entries of a sandbox uid or named
after the attack in /tmp, /dev/shm, /var/tmp and site-packages, marker-named files anywhere in the repository, any
change to the batch and the secret folder, the attack's traces in reference/, assignments/ and grader/ (others edit
those while the suite runs: a change counts when it is the attack's, see ``attributable``), System V IPC objects of
a sandbox uid. If the engine or the assignment changed during the run, the batch is graded again.
``run.assert_contained(...)`` then asserts, all at once:

(a) the attacker earned nothing it did not earn: score at most ``max_score``, no check of an attacked function
    passed, the expected flags are present;
(b) nothing else happened: grading finished with exit code 0 and no grader-error, every submission has its
    results and its gradebook row, the output folder holds exactly the expected files, the honest submission's
    results equal those of grading it alone, no secret (canary file, canary environment variable, the reference's
    text) appears in any output, and none of the side effects above.
"""

from __future__ import annotations

import csv
import ctypes
import hashlib
import html
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import isolation
from grader.pipeline import discover

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SUBMISSIONS = HERE / "submissions"
ASSIGNMENT = "shallow-nn"
PUBLIC = REPO / "assignments" / ASSIGNMENT
HIDDEN = REPO / "reference" / ASSIGNMENT
SOLUTION = HIDDEN / "solution.py"
_GRADING = tomllib.loads((HIDDEN / "grading.toml").read_text())
POINTS: dict[str, float] = {k: float(v) for k, v in _GRADING["points"].items()}
FUNCTIONS: tuple[str, ...] = tuple(tomllib.loads((PUBLIC / "assignment.toml").read_text())["functions"])
LIMITS: dict[str, Any] = tomllib.loads((PUBLIC / "assignment.toml").read_text()).get("limits", {})
MAX_SCORE = sum(POINTS.values())
SANDBOX_UIDS = range(isolation.UID_BASE, isolation.UID_BASE + 2**26)
TEMP_DIRS = (Path("/tmp"), Path("/dev/shm"), Path("/var/tmp"))
RESOURCE_FLAGS = frozenset({"timeout", "resource-limit"})
GRADE_TIMEOUT = 150.0  # hard limit of one ``grade`` run; far above what any test needs when the defences work


def grade_command() -> list[str]:
    """The real CLI: the venv's console script, else the entry point through this interpreter."""
    script = REPO / ".venv" / "bin" / "grade"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from grader.cli import main; sys.exit(main())"]


def check_ids(function: str) -> list[str]:
    return [cid for cid in POINTS if cid.split("::", 1)[0] == function]


def points_of(*functions: str) -> float:
    return sum(POINTS[cid] for f in functions for cid in check_ids(f))


# ---------------------------------------------------------------------------------------------------------------
# Processes


@dataclass(frozen=True)
class ProcInfo:
    pid: int
    uid: int
    start: str  # starttime from /proc/<pid>/stat: (pid, start) names one process even when pids are reused
    state: str  # R, S, D, Z (dead, waiting to be reaped), ...
    comm: str
    cmdline: str

    def describe(self) -> str:
        return f"pid {self.pid} uid {self.uid} state {self.state} comm {self.comm!r} cmdline {self.cmdline[:120]!r}"


def _read(path: str, limit: int = 1 << 16) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(limit)
    except OSError:
        return b""


def processes(*, with_environ: str | None = None) -> dict[int, ProcInfo]:
    """Every process on the machine. With ``with_environ``, the cmdline field also says if its environ holds it."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            uid = os.stat(f"/proc/{name}").st_uid
        except OSError:
            continue
        stat = _read(f"/proc/{name}/stat").decode("utf-8", "replace")
        if ")" not in stat:
            continue
        comm = stat[stat.find("(") + 1 : stat.rfind(")")]
        fields = stat[stat.rfind(")") + 2 :].split()
        start = fields[19] if len(fields) > 19 else "?"
        state = fields[0] if fields else "?"
        cmdline = _read(f"/proc/{name}/cmdline").replace(b"\0", b" ").decode("utf-8", "replace")
        if with_environ and with_environ.encode() in _read(f"/proc/{name}/environ", 1 << 20):
            cmdline += f" [environ holds {with_environ}]"
        found[int(name)] = ProcInfo(int(name), uid, start, state, comm, cmdline)
    return found


def _block(uid: int) -> int:
    return (uid - isolation.UID_BASE) // 16


def leftover_processes(before: set[tuple[int, str]], marker: str) -> list[ProcInfo]:
    """Processes that appeared during the run and are still alive half a second after it: of a sandbox uid, or
    carrying the marker (in their name, command line or environment).

    Sandbox uids are ``UID_BASE + (pid of the grading process % 4e6) * 16 + slot``; a process whose uid belongs to
    a grading process that is still alive (someone else's run on this machine) is not ours. A dead process not yet
    reaped (a zombie) is not alive. Many scans over a second, so that a process that keeps changing its pid is seen.
    """
    seen: dict[int, ProcInfo] = {}
    start = time.monotonic()
    clean = 0
    while time.monotonic() - start < 1.0 and clean < 3:  # three clean scans in a row: nothing is there
        procs = processes(with_environ=marker)
        owners = {pid % 4_000_000 for pid, p in procs.items() if p.uid == 0 and p.state not in "ZX"}
        late = time.monotonic() - start >= 0.5
        suspects = 0
        for pid, p in procs.items():
            if (pid, p.start) in before or pid == os.getpid():
                continue
            ours = marker in p.comm or marker in p.cmdline
            if p.uid in SANDBOX_UIDS and _block(p.uid) not in owners:
                ours = True
            if ours:
                suspects += 1
                if late and p.state not in "ZX":
                    seen[pid] = p
        clean = clean + 1 if suspects == 0 else 0
        time.sleep(0.03)
    return sorted(seen.values(), key=lambda p: p.pid)


def kill_uid(uid: int) -> None:
    """Kill every process of ``uid`` from a child that runs as ``uid``: kill(-1) is one pass in the kernel."""
    if uid == 0:
        return
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            for _ in range(3):
                try:
                    os.kill(-1, signal.SIGKILL)
                except OSError:
                    pass
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def kill_leftovers(found: list[ProcInfo]) -> None:
    for _ in range(5):
        for uid in {p.uid for p in found if p.uid in SANDBOX_UIDS}:
            kill_uid(uid)
        for p in found:
            try:
                os.kill(p.pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.05)


class PeakMemory:
    """The peak resident memory of one process (its VmHWM), read every 20 ms from a thread until ``stop``."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kb = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="attack-memory", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._done.wait(0.02):
            for line in _read(f"/proc/{self.pid}/status").decode("ascii", "replace").splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_kb = max(self.peak_kb, int(line.split()[1]))

    def stop(self) -> float:
        """Stop watching; the peak in MiB."""
        self._done.set()
        self._thread.join(2)
        return self.peak_kb / 1024


# ---------------------------------------------------------------------------------------------------------------
# System V IPC objects left in this (the host's) IPC namespace


def sysv_objects() -> list[tuple[str, int, int]]:
    """(kind, id, uid) of every System V shm segment, message queue and semaphore set of a sandbox uid."""
    found = []
    for kind in ("shm", "msg", "sem"):
        lines = _read(f"/proc/sysvipc/{kind}", 1 << 22).decode().splitlines()
        if not lines:
            continue
        header = lines[0].split()
        id_col = header.index({"shm": "shmid", "msg": "msqid", "sem": "semid"}[kind])
        uid_col = header.index("uid")
        for line in lines[1:]:
            cols = line.split()
            if len(cols) > max(id_col, uid_col) and int(cols[uid_col]) in SANDBOX_UIDS:
                found.append((kind, int(cols[id_col]), int(cols[uid_col])))
    return found


def remove_sysv(objects: Iterable[tuple[str, int, int]]) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for kind, ident, _ in objects:
        if kind == "shm":
            libc.shmctl(ident, 0, None)  # IPC_RMID
        elif kind == "msg":
            libc.msgctl(ident, 0, None)
        else:
            libc.semctl(ident, 0, 0)


# ---------------------------------------------------------------------------------------------------------------
# Listeners: every kind of socket a submission could try to reach


class Listeners:
    """TCP, UDP and Unix sockets (filesystem and abstract) on this machine; records whatever reaches them."""

    def __init__(self, folder: Path, abstract: str) -> None:
        self.events: list[str] = []
        self.socks: dict[str, socket.socket] = {}
        self.values: dict[str, str] = {}
        self._add("TCP_PORT", socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", 0))
        self._add("TCP6_PORT", socket.AF_INET6, socket.SOCK_STREAM, ("::1", 0))
        self._add("UDP_PORT", socket.AF_INET, socket.SOCK_DGRAM, ("127.0.0.1", 0))
        self._add("UDP6_PORT", socket.AF_INET6, socket.SOCK_DGRAM, ("::1", 0))
        self._add("UNIX_STREAM", socket.AF_UNIX, socket.SOCK_STREAM, str(folder / "stream.sock"))
        self._add("UNIX_DGRAM", socket.AF_UNIX, socket.SOCK_DGRAM, str(folder / "dgram.sock"))
        self._add("ABSTRACT_STREAM", socket.AF_UNIX, socket.SOCK_STREAM, "\0" + abstract + "-stream")
        self._add("ABSTRACT_DGRAM", socket.AF_UNIX, socket.SOCK_DGRAM, "\0" + abstract + "-dgram")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="attack-listeners", daemon=True)
        self._thread.start()

    def _add(self, key: str, family: int, kind: int, address: Any) -> None:
        try:
            sock = socket.socket(family, kind)
            sock.bind(address)
        except OSError:  # e.g. no IPv6 here: the placeholder then names a port nobody listens on
            self.values[key] = "9" if "PORT" in key else "/nonexistent"
            return
        if kind == socket.SOCK_STREAM:
            sock.listen(64)
        sock.setblocking(False)
        if family == socket.AF_UNIX and not address.startswith("\0"):
            os.chmod(address, 0o777)  # only isolation, not file permissions, may keep a student out
        self.socks[key] = sock
        if family == socket.AF_UNIX:
            self.values[key] = address.lstrip("\0")
        else:
            self.values[key] = str(sock.getsockname()[1])

    def _loop(self) -> None:
        by_sock = {s: k for k, s in self.socks.items()}
        while not self._stop.is_set():
            try:
                ready = select.select(list(by_sock), [], [], 0.1)[0]
            except (OSError, ValueError):
                return
            for sock in ready:
                name = by_sock[sock]
                try:
                    if sock.type == socket.SOCK_STREAM:
                        conn, peer = sock.accept()
                        conn.settimeout(0.3)
                        try:
                            data = conn.recv(200)
                        except OSError:
                            data = b""
                        conn.close()
                        self.events.append(f"{name}: connection from {peer!r}, sent {data[:80]!r}")
                    else:
                        data, peer = sock.recvfrom(4096)
                        self.events.append(f"{name}: datagram from {peer!r}: {data[:80]!r}")
                except OSError:
                    continue

    def drain(self, *, settle: float = 0.2) -> list[str]:
        time.sleep(settle)  # let the loop pick up anything already queued
        events, self.events = self.events, []
        return events

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for sock in self.socks.values():
            sock.close()


# ---------------------------------------------------------------------------------------------------------------
# Files


def tree_state(root: Path) -> dict[str, tuple[Any, ...]]:
    """Content hash, mode, owner, size and mtime of every file and folder under ``root`` (caches skipped)."""
    state: dict[str, tuple[Any, ...]] = {}
    if not root.exists():
        return state
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in ("__pycache__", ".pytest_cache", ".hypothesis")]
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            try:
                st = path.lstat()
            except OSError:
                continue
            digest = ""
            if path.is_file() and not path.is_symlink():
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            elif path.is_symlink():
                digest = "->" + os.readlink(path)
            state[str(path.relative_to(root))] = (digest, st.st_mode, st.st_uid, st.st_size, st.st_mtime_ns)
    return state


def tree_diff(before: dict[str, tuple[Any, ...]], after: dict[str, tuple[Any, ...]]) -> list[str]:
    changes = []
    for name in sorted(set(before) | set(after)):
        if name not in after:
            changes.append(f"deleted {name}")
        elif name not in before:
            changes.append(f"created {name}")
        elif before[name] != after[name]:
            changes.append(f"changed {name}: {before[name]} -> {after[name]}")
    return changes


CODE_TREES = (REPO / "grader", HIDDEN, PUBLIC)


def code_fingerprint() -> str:
    """Changes whenever the engine, the checks, the reference or the public half change (they are being edited
    by others while the suite runs, in development: the honest baseline must follow)."""
    digest = hashlib.sha256()
    for root in CODE_TREES:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                try:
                    st = os.stat(Path(dirpath) / name)
                except OSError:
                    continue
                digest.update(f"{dirpath}/{name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def attributable(root: Path, changes: list[str], marker: str) -> list[str]:
    """The changes under a shared tree that the attack could have made, as opposed to someone editing the
    repository meanwhile: entries of a sandbox uid, entries holding the attack's marker (every write the attacks
    try carries it), and the zero mtime the attacks set."""
    found = []
    for change in changes:
        verb, _, rest = change.partition(" ")
        name = rest.split(":", 1)[0]
        path = root / name
        try:
            st = path.lstat()
            text = path.read_bytes() if path.is_file() and st.st_size < 2**22 else b""
        except OSError:
            st, text = None, b""
        if marker in name or marker.encode() in text or (st is not None and (
                st.st_uid in SANDBOX_UIDS or st.st_mtime_ns == 0)):  # fmt: skip
            found.append(change)
    return found


def temp_entries() -> dict[str, tuple[int, str]]:
    """Top-level entries of the shared temp folders: path -> (owner uid, name)."""
    found = {}
    for folder in TEMP_DIRS:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            try:
                found[str(folder / name)] = (os.lstat(folder / name).st_uid, name)
            except OSError:
                continue
    return found


def site_packages() -> Path:
    import numpy

    return Path(numpy.__file__).resolve().parent.parent


def marker_files(roots: Iterable[Path], marker: str) -> list[str]:
    """Files and folders whose name holds ``marker`` anywhere under ``roots`` (.git and .venv skipped: the
    virtualenv's site-packages is compared entry by entry instead)."""
    hits = []
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in (".git", ".venv") and not (Path(dirpath) / d).is_symlink()]
            hits += [str(Path(dirpath) / n) for n in dirnames + filenames if marker in n]
    return hits


# ---------------------------------------------------------------------------------------------------------------
# Secrets and how they could be smuggled


def normalise(text: str) -> str:
    """Text as a reader sees it: HTML entities decoded, Markdown/JSON backslash escapes dropped, whitespace folded."""
    text = html.unescape(text).replace("\\n", " ").replace("\\", "")
    return " ".join(text.split())


def haystack(path: Path) -> str:
    raw = path.read_bytes().decode("utf-8", "replace")
    parts = [raw, normalise(raw)]
    if path.suffix == ".json":
        try:
            strings: list[str] = []

            def walk(value: Any) -> None:
                if isinstance(value, str):
                    strings.append(value)
                elif isinstance(value, dict):
                    for k, v in value.items():
                        walk(k)
                        walk(v)
                elif isinstance(value, list):
                    for v in value:
                        walk(v)

            walk(json.loads(raw))
            parts += strings + [normalise(s) for s in strings]
        except ValueError:
            pass
    return "\n".join(parts)


@dataclass(frozen=True)
class Secret:
    """Text no output may hold; ``owner`` names the one output folder where it legitimately appears."""

    name: str
    text: str
    owner: str | None = None
    encoded: bool = False  # also look for it as decimal bytes (array values, shapes) and as hex
    in_stderr: bool = True  # the grader's stderr quotes the checks in its tracebacks for the instructor

    def patterns(self) -> list[re.Pattern[str]]:
        out = [re.compile(re.escape(normalise(self.text)))]
        if self.encoded:
            head = self.text.encode()[:16]
            out.append(re.compile(r"\D+".join(str(b) for b in head)))
            out.append(re.compile(re.escape(head.hex()), re.IGNORECASE))
        return out


def reference_secrets(exclude: Iterable[str]) -> list[Secret]:
    """Distinctive lines of the hidden half: code lines (not string literals, which may be check messages) of
    the solution, the checks and grading.toml, minus any line that a legitimate output or a public file holds."""
    excluded = [normalise(e) for e in exclude]
    shown = [*PUBLIC.rglob("*"), *(REPO / "grader" / "data").glob("*"), *(REPO / "grader" / "templates").glob("*")]
    public = "\n".join(normalise(p.read_text(errors="replace")) for p in shown if p.is_file())
    secrets = []
    for path in [SOLUTION, HIDDEN / "grading.toml", *sorted((HIDDEN / "checks").glob("*.py"))]:
        lines = []
        for line in path.read_text().splitlines():
            text = line.strip()
            if len(text) < 24 or text.startswith("#") or any(q in text for q in "\"'`"):
                continue
            norm = normalise(text)
            if norm in public or any(norm in e for e in excluded):
                continue
            lines.append(text)
        for text in sorted(set(lines), key=len, reverse=True)[:6]:
            secrets.append(Secret(f"{path.relative_to(REPO)}: {text[:50]}", text, in_stderr=False))
    return secrets


def live_markdown(markdown: str, needle: str) -> list[str]:
    """Lines of ``markdown`` where ``needle`` is live markup: outside every fenced code block (CommonMark rules),
    at the start of a heading, table row or quote, or next to an unescaped HTML tag."""
    live = []
    fence: tuple[str, int] | None = None
    for line in markdown.splitlines():
        stripped = line.lstrip(" ")
        run = re.match(r"(`{3,}|~{3,})", stripped)
        if fence is None:
            if run and len(line) - len(stripped) < 4:
                fence = (run.group(1)[0], len(run.group(1)))
                continue
            if needle in line and (stripped[:1] in ("#", "|", ">") or re.search(r"(?<!\\)<[A-Za-z/!]", line)):
                live.append(line)
        elif run and run.group(1)[0] == fence[0] and len(run.group(1)) >= fence[1] and not stripped[
                len(run.group(1)):].strip():  # fmt: skip
            fence = None
    return live


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]")  # C0 controls but \t and \n; DEL; the C1 CSI


# ---------------------------------------------------------------------------------------------------------------
# A graded batch and its verdicts


def _strip(result: dict[str, Any]) -> dict[str, Any]:
    """A result without what differs between two gradings of the same file: timings and the path."""
    stripped = {k: v for k, v in result.items() if k not in ("duration_s", "path")}
    stripped["checks"] = [{k: v for k, v in c.items() if k != "duration_s"} for c in result.get("checks", ())]
    return stripped


@dataclass
class Run:
    arena: Arena
    returncode: int | None
    stdout: str
    stderr: str
    elapsed: float
    timed_out: bool
    side_effects: list[str] = field(default_factory=list)
    leftovers: list[ProcInfo] = field(default_factory=list)
    fingerprint: str = ""
    formats: tuple[str, ...] = ()  # the --format outputs asked for (junit, gradescope)
    peak_rss_mb: float = 0.0  # the grade process's peak resident memory (VmHWM): with one job, the grader's own

    @property
    def out(self) -> Path:
        return self.arena.out

    def result(self, sid: str) -> dict[str, Any]:
        path = self.out / sid / "results.json"
        assert path.is_file(), f"{sid} has no results.json; grade said:\n{self.tail()}"
        return json.loads(path.read_text())

    def report(self, sid: str, tag: str = "REPORT", *, last: bool = False) -> dict[str, Any] | None:
        """The JSON an attack put after ``tag`` in one of its error messages or in its output, if any; with
        ``last``, the last one it printed (for attacks that report progress and may be cut short)."""
        result = self.result(sid)
        texts = [c["message"] for c in result["checks"]] + [c.get("got") or "" for c in result["checks"]]
        texts.append(result.get("output", ""))
        found = []
        for text in texts:
            for match in re.finditer(re.escape(tag) + " ", text):
                try:
                    value, _ = json.JSONDecoder().raw_decode(text[match.end():])
                except ValueError:
                    continue
                if isinstance(value, dict):
                    found.append(value)
                    if not last:
                        return value
        return found[-1] if found else None

    def tail(self, n: int = 3000) -> str:
        return (f"exit code {self.returncode}, {self.elapsed:.1f} s\n"
                f"stdout: {self.stdout[-n:]}\nstderr: {self.stderr[-n:]}")

    def gradebook(self) -> dict[str, dict[str, str]]:
        path = self.out / "gradebook.csv"
        if not path.is_file():
            return {}
        with path.open(newline="", encoding="utf-8") as fh:  # an id that starts like a formula has a quote before it
            return {re.sub(r"^'(?=[-=+@])", "", row["submission"]): row for row in csv.DictReader(fh)}

    # -- verdicts ---------------------------------------------------------------------------------------------------

    def problems(self, *, attacker: str | None, max_score: float, attacked: Iterable[str] = (),
                 must_not_pass: Iterable[str] = (), flags_any: Iterable[str] = (), max_seconds: float | None = None,
                 extra_secrets: Iterable[Secret] = (), allow_scores: dict[str, float] | None = None) -> list[str]:
        """Everything wrong with this run, as sentences."""
        problems = list(self.side_effects)
        if self.timed_out:
            problems.append(f"grade did not finish within {GRADE_TIMEOUT:g} s (killed)")
        elif self.returncode != 0:
            problems.append(f"grade exited with code {self.returncode}")
        if max_seconds is not None and self.elapsed > max_seconds:
            problems.append(f"grading took {self.elapsed:.1f} s, more than the {max_seconds:g} s it should")
        ids = self.arena.ids()
        results: dict[str, dict[str, Any]] = {}
        for sid in ids:
            path = self.out / sid / "results.json"
            if path.is_file():
                results[sid] = json.loads(path.read_text())
            else:
                problems.append(f"{sid} has no results.json")
        for sid, result in results.items():
            broken = [c["id"] for c in result["checks"] if "grader-error" in c["flags"]]
            if broken:
                problems.append(f"{sid}: checks failed inside the grader (grader-error): {broken}")
        # (a) the attacker earned nothing it did not earn
        if attacker is not None and attacker in results:
            result = results[attacker]
            if result["score"] > max_score + 1e-9:
                passed = [c["id"] for c in result["checks"] if c["status"] == "passed"]
                problems.append(f"{attacker} scored {result['score']:g}, more than the {max_score:g} it may earn "
                                f"(passed: {passed})")
            forbidden = {cid for f in attacked for cid in check_ids(f)} | set(must_not_pass)
            for check in result["checks"]:
                if check["id"] in forbidden and check["status"] == "passed":
                    problems.append(f"{attacker}: check {check['id']} passed")
            wanted = set(flags_any)
            if wanted:
                got = {flag for c in result["checks"] if c["function"] in set(attacked) for flag in c["flags"]}
                if not wanted & got:
                    detail = [(c["id"], c["status"], c["flags"], c["message"][:200]) for c in result["checks"]
                              if c["function"] in set(attacked)]
                    problems.append(f"{attacker}: none of the flags {sorted(wanted)} on the attacked checks: {detail}")
        for sid, most in (allow_scores or {}).items():
            if sid in results and results[sid]["score"] > most + 1e-9:
                problems.append(f"{sid} scored {results[sid]['score']:g}, more than the {most:g} it may earn")
        # (b) the honest submission is graded exactly as when it is alone
        layout = self.arena.layout_for(self.fingerprint or None)
        honest, alone = self.arena.honest_id, layout.result
        if honest and honest in results and alone is not None:
            if _strip(results[honest]) != _strip(alone):
                diffs = {k: (str(alone.get(k))[:200], str(results[honest].get(k))[:200]) for k in results[honest]
                         if k not in ("duration_s", "path", "checks") and results[honest].get(k) != alone.get(k)}
                changed = [(c["id"], c["status"], c["message"][:150]) for c, b in
                           zip(_strip(results[honest])["checks"], _strip(alone)["checks"]) if c != b]
                problems.append(f"the honest submission's results differ from grading it alone: {diffs} {changed}")
        # the output folder: exactly the expected files, and a gradebook row per submission
        expected = {*layout.batch_files} | {f"{sid}/{name}" for sid in ids for name in layout.submission_files}
        expected |= {"junit.xml"} if "junit" in self.formats else set()
        expected |= {f"{sid}/gradescope.json" for sid in ids} if "gradescope" in self.formats else set()
        actual = set()
        if self.out.exists():
            for dirpath, _, filenames in os.walk(self.out):
                actual |= {str((Path(dirpath) / n).relative_to(self.out)) for n in filenames}
        if actual - expected:
            problems.append(f"unexpected files in the output folder: {sorted(actual - expected)}")
        if expected - actual:
            problems.append(f"missing files in the output folder: {sorted(expected - actual)}")
        book = self.gradebook()
        for sid, result in results.items():
            row = book.get(sid)
            if row is None:
                problems.append(f"gradebook.csv has no row for {sid}")
            elif float(row["total"]) != result["score"]:
                problems.append(f"gradebook.csv says {sid} scored {row['total']}, results.json {result['score']:g}")
        # secrets
        secrets = [*self.arena.secrets(layout), *extra_secrets]
        files = [p for p in self.out.rglob("*") if p.is_file()] if self.out.exists() else []
        texts = {str(p.relative_to(self.out)): haystack(p) for p in files}
        texts["<grade stdout>"] = self.stdout + "\n" + normalise(self.stdout)
        texts["<grade stderr>"] = self.stderr + "\n" + normalise(self.stderr)
        for secret in secrets:
            for where, text in texts.items():
                if secret.owner is not None and (where.startswith(secret.owner + "/") or (
                        "/" not in where and not where.startswith("<") and where != "gradebook.csv")):
                    continue  # the owner's own folder, and the batch's aggregates (database, summary) of everyone
                if where == "<grade stderr>" and not secret.in_stderr:
                    continue
                if any(p.search(text) for p in secret.patterns()):
                    problems.append(f"secret {secret.name!r} appears in {where}")
        return problems

    def assert_contained(self, attacker: str | None, *, max_score: float = 0.0, **kwargs: Any) -> None:
        problems = self.problems(attacker=attacker, max_score=max_score, **kwargs)
        assert not problems, "the attack was not contained:\n  - " + "\n  - ".join(problems)


@dataclass(frozen=True)
class Baseline:
    """What grading the honest submission alone gives, once per state of the code (see ``code_fingerprint``): the
    bytes graded as honest.py, its result, its output files, and the output layout (which files a batch writes)."""

    solution: str
    fingerprint: str = ""
    result: dict[str, Any] | None = None
    texts: tuple[str, ...] = ()
    batch_files: tuple[str, ...] = ("gradebook.csv",)
    submission_files: tuple[str, ...] = ("results.json", "report.html", "report.md")


class Arena:
    """One attack's workspace, listeners and secrets. See the module docstring."""

    def __init__(self, provider: Callable[[str | None], Baseline] | None) -> None:
        """``provider(fingerprint)`` gives the honest baseline for that state of the code (None: as it is now);
        without one, the arena is the baseline's own and compares nothing."""
        self.base = Path(tempfile.mkdtemp(prefix="grader-attacks-", dir="/tmp"))
        self.base.chmod(0o755)
        self.batch = self._folder("batch")
        self.secret_dir = self._folder("secret")
        self.socket_dir = self._folder("sockets")
        self.out = self.base / "out"
        self.marker = "atk" + uuid.uuid4().hex[:12]  # 15 characters: fits a process's comm
        self.canary_file = self.secret_dir / "canary.txt"
        self.file_canary = f"FILECANARY{uuid.uuid4().hex[:20].upper()}"
        self.canary_file.write_text(f"{self.file_canary}\n")
        self.canary_file.chmod(0o644)
        self.env_canary = f"ENVCANARY{uuid.uuid4().hex[:20].upper()}"
        self.listeners = Listeners(self.socket_dir, self.marker)
        self._provider = provider
        self._solution = SOLUTION.read_text(encoding="utf-8")
        self.honest_id: str | None = None
        self.sources: list[str] = []
        self.extra_secrets: list[Secret] = []

    def layout_for(self, fingerprint: str | None = None) -> Baseline:
        """The honest baseline for the code as it was at ``fingerprint`` (None: now)."""
        if self._provider is None:
            return Baseline(solution=self._solution)
        return self._provider(fingerprint)

    @property
    def layout(self) -> Baseline:
        return self.layout_for(None)

    def _folder(self, name: str) -> Path:
        path = self.base / name
        path.mkdir(mode=0o755)
        path.chmod(0o755)
        return path

    # -- building the batch ---------------------------------------------------------------------------------------

    def placeholders(self) -> dict[str, str]:
        return {
            "MARKER": self.marker,
            "CANARY_FILE": str(self.canary_file),
            "BATCH_DIR": str(self.batch),
            "OUT_DIR": str(self.out),
            "REPO": str(REPO),
            **self.listeners.values,
        }

    def render(self, text: str) -> str:
        for key, value in self.placeholders().items():
            text = text.replace(f"@@{key}@@", value)
        left = re.findall(r"@@[A-Z0-9_]+@@", text)
        assert not left, f"unknown placeholders {left}"
        return text

    def add(self, name: str, *, as_name: str | None = None) -> str:
        """Copy ``submissions/<name>`` into the batch (placeholders filled in); returns its submission id."""
        text = self.render((SUBMISSIONS / name).read_text(encoding="utf-8"))
        return self.add_text(as_name or name, text)

    def add_text(self, name: str, text: str) -> str:
        path = self.batch / name
        path.write_text(text, encoding="utf-8")
        path.chmod(0o644)
        self.sources.append(text)
        return next(s.id for s in discover([self.batch]) if s.path.name == name)

    def add_honest(self) -> str:
        path = self.batch / "honest.py"
        path.write_text(self.layout.solution if self._provider else self._solution, encoding="utf-8")
        path.chmod(0o644)
        self.honest_id = next(s.id for s in discover([self.batch]) if s.path.name == "honest.py")
        return self.honest_id

    def ids(self) -> list[str]:
        return [s.id for s in discover([self.batch])]

    def secrets(self, layout: Baseline) -> list[Secret]:
        own = [*self.sources, *layout.texts]
        return [
            Secret("canary file", self.file_canary, encoded=True),
            Secret("canary environment variable", self.env_canary, encoded=True),
            *reference_secrets(own),
            *self.extra_secrets,
        ]

    # -- grading ----------------------------------------------------------------------------------------------------

    def grade(self, *, paths: list[str] | None = None, cwd: Path | None = None, jobs: int = 1,
              timeout: float = GRADE_TIMEOUT, formats: tuple[str, ...] = ()) -> Run:
        """Run ``grade`` on the batch. One job by default: every submission then goes through the same engine,
        sandbox uid and zygote, one after the other, which is where one submission could reach the next.

        If someone changed the engine or the assignment while it ran (the repository is being developed), the
        comparison with the honest baseline would be meaningless: the batch is graded once more, keeping the
        side effects of both runs."""
        earlier: list[str] = []
        for attempt in (1, 2):
            before = code_fingerprint()
            if self._provider is not None and self.honest_id is not None:
                honest = self.batch / "honest.py"  # the bytes of the baseline for this state of the code
                text = self.layout_for(before).solution
                if honest.read_text(encoding="utf-8") != text:
                    honest.write_text(text, encoding="utf-8")
            run = self._grade_once(paths=paths, cwd=cwd, jobs=jobs, timeout=timeout, formats=formats)
            run.fingerprint = before
            if code_fingerprint() == before or attempt == 2:
                run.side_effects = list(dict.fromkeys(earlier + run.side_effects))
                return run
            earlier = [e for e in run.side_effects if not e.startswith(("reference ", "assignments ", "grader "))]
            shutil.rmtree(self.out, ignore_errors=True)
        raise AssertionError("unreachable")

    def _grade_once(self, *, paths: list[str] | None, cwd: Path | None, jobs: int, timeout: float,
                    formats: tuple[str, ...] = ()) -> Run:
        shared = {"reference": HIDDEN, "assignments": PUBLIC, "grader": REPO / "grader"}  # others edit these: only
        # the attack's traces count
        own = {"batch": self.batch, "secret": self.secret_dir}  # nobody else touches these: every change counts
        before_trees = {k: tree_state(p) for k, p in {**shared, **own}.items()}
        before_site = set(os.listdir(site_packages()))
        before_temp = temp_entries()
        before_procs = {(pid, p.start) for pid, p in processes().items()}
        self.listeners.drain(settle=0)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_", "COVERAGE_"))}
        env["GRADER_SECRET_CANARY"] = self.env_canary
        command = [*grade_command(), *(paths or [str(self.batch)]), "--out", str(self.out), "--assignment", ASSIGNMENT,
                   "--jobs", str(jobs), *(arg for name in formats for arg in ("--format", name))]
        started = time.monotonic()
        proc = subprocess.Popen(command, cwd=cwd or self.base, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        timed_out = False
        memory = PeakMemory(proc.pid)
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            stdout, stderr = proc.communicate()
        elapsed = time.monotonic() - started
        run = Run(self, None if timed_out else proc.returncode, stdout.decode("utf-8", "replace"),
                  stderr.decode("utf-8", "replace"), elapsed, timed_out, formats=tuple(formats),
                  peak_rss_mb=memory.stop())
        # Side effects, processes first: they are killed as soon as they are seen.
        run.leftovers = leftover_processes(before_procs, self.marker)
        if run.leftovers:
            run.side_effects.append("processes outlived grading: " + "; ".join(p.describe() for p in run.leftovers))
            kill_leftovers(run.leftovers)
        events = self.listeners.drain()
        if events:
            run.side_effects.append(f"network traffic reached the listeners: {events}")
        for key, path in {**shared, **own}.items():
            changes = tree_diff(before_trees[key], tree_state(path))
            if key in shared:
                changes = attributable(path, changes, self.marker)
            if changes:
                run.side_effects.append(f"{key} changed: {changes[:20]}")
        site = site_packages()
        new_site = [n for n in set(os.listdir(site)) - before_site
                    if self.marker in n or (site / n).lstat().st_uid in SANDBOX_UIDS]
        if new_site:
            run.side_effects.append(f"new entries in site-packages: {sorted(new_site)}")
        for path, (uid, name) in temp_entries().items():
            if path not in before_temp and (uid in SANDBOX_UIDS or self.marker in name):
                run.side_effects.append(f"new entry in a shared temp folder: {path} (owner uid {uid})")
        hits = [h for h in marker_files([REPO, self.base], self.marker)
                if not h.startswith((str(self.out) + os.sep, str(self.batch) + os.sep))]
        if hits:
            run.side_effects.append(f"files named after the attack's marker: {hits}")
        ipc = sysv_objects()
        if ipc:
            run.side_effects.append(f"System V IPC objects of a sandbox uid remain: {ipc}")
            remove_sysv(ipc)
        return run

    def close(self) -> None:
        self.listeners.close()
        shutil.rmtree(self.base, ignore_errors=True)
