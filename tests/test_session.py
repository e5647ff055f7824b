"""The sandbox with real child processes: calls, crashes, hangs, limits, respawns, and the isolation layers."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import struct
import time

import frames as hostile
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader import isolation
from grader.assignment import Limits
from grader.failures import BadReply, MissingFunction, ResourceLimit, StudentCrash, StudentError, StudentTimeout
from grader.program import Program
from grader.worker_sandbox import Sandbox

SOURCE = '''
import os, socket
import numpy as np
import matplotlib.pyplot as plt
from helper_mod import TWO

SCALE = 3
def double(x):
    print("doubling")
    return {"x": x * 2, "t": (1, "s"), "two": TWO}
def draw():
    return float(np.random.randn())
def hang():
    while True:
        pass
def boom():
    raise ValueError("bad value")
def leave():
    os._exit(3)
def exit_nicely():
    raise SystemExit(0)
def hog():
    return np.ones(10**10)
def recurse(n=0):
    return recurse(n + 1)
def whoami():
    return os.getuid()
def read(path):
    return open(path).read()
def connect(port):
    s = socket.socket()
    s.connect(("127.0.0.1", port))
def spawn():
    return os.fork()
def plot():
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    return SCALE
def function_object():
    return len
def counter():
    global SCALE
    SCALE += 1
    return SCALE
'''


def program(source: str = SOURCE) -> Program:
    import ast

    keep = tuple(range(len(ast.parse(source).body)))
    return Program(units=(("<cell 3>", source, keep),), helpers=(("helper_mod", "TWO = 2"),),
                   stubs=("matplotlib",), main="__main__")


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as box:
        yield box


@pytest.fixture
def session(sandbox):
    with sandbox.session(program(), Limits(call_seconds=1.5, memory_mb=256), seed=7) as s:
        yield s


def test_calls_carry_plain_data_both_ways(session):
    out = session.call("double", np.arange(3))
    assert np.array_equal(out["x"], [0, 2, 4]) and out["t"] == (1, "s") and out["two"] == 2
    assert "doubling" in session.output.text()


def test_calls_are_seeded_deterministically(sandbox):
    def draws():
        with sandbox.session(program(), Limits(), seed=11) as s:
            s.context = "check-a"
            return [s.call("draw"), s.call("draw")]

    first, second = draws(), draws()
    assert first == second
    assert first[0] != first[1]


def test_explicit_seed_repeats_a_draw(session):
    assert session.call_seeded(5, "draw") == session.call_seeded(5, "draw")


def test_exception_points_at_the_student_line(session):
    with pytest.raises(StudentCrash, match="ValueError: bad value") as info:
        session.call("boom")
    filename, line, name = info.value.frames[-1]
    assert (filename, name) == ("<cell 3>", "boom") and line == 17


def test_hang_costs_one_timeout_and_the_next_call_gets_a_fresh_process(session):
    started = time.monotonic()
    with pytest.raises(StudentTimeout, match="did not return within 1.5 s"):
        session.call("hang")
    assert time.monotonic() - started < 5
    with pytest.raises(StudentTimeout, match="earlier check"):
        session.call("hang")
    assert session.call("counter") == 4  # a fresh process: module state starts over


def test_exit_and_system_exit_are_contained(session):
    with pytest.raises(StudentCrash, match="exited with code 3"):
        session.call("leave")
    with pytest.raises(StudentCrash, match="SystemExit"):
        session.call("exit_nicely")
    assert session.call("plot") == 3


def test_memory_and_recursion_limits(session):
    with pytest.raises(ResourceLimit, match="ran out of memory"):
        session.call("hog")
    with pytest.raises(StudentCrash, match="recursed too deeply"):
        session.call("recurse")
    assert session.call("plot") == 3


def test_missing_and_unreadable_results(session):
    with pytest.raises(MissingFunction):
        session.call("nope")
    with pytest.raises(MissingFunction, match="not as a function"):
        session.call("SCALE")
    value = session.call("function_object")
    assert value.type_name == "builtin_function_or_method"


def test_a_graded_function_the_definitions_left_out_is_never_called(sandbox):
    """The process says after loading which graded functions it lacks: calls to them fail as the process would
    have answered, without asking it."""
    declared = dataclasses.replace(program(), functions=("double", "nope", "SCALE"))
    with sandbox.session(declared, Limits(), seed=7) as s, sandbox.session(program(), Limits(), seed=7) as plain:
        s.call("double", np.arange(2))  # loads the definitions
        asked: list[str] = []
        real = s._process.request
        s._process.request = lambda message, *a, **k: asked.append(message["fn"]) or real(message, *a, **k)
        for name in ("nope", "SCALE"):
            with pytest.raises(MissingFunction) as local:
                s.call(name)
            with pytest.raises(MissingFunction) as remote:
                plain.call(name)
            assert str(local.value) == str(remote.value) and local.value.function == name
        assert np.array_equal(s.call("double", np.arange(2))["x"], [0, 2])
        assert asked == ["double"]


def test_a_broken_load_fails_every_call_the_same_way(sandbox):
    source = "import os\nos._exit(9)\ndef f():\n    return 1\n"
    prog = Program(units=(("<cell 1>", source, (0, 1, 2)),), helpers=(), stubs=(), main="__main__")
    with sandbox.session(prog, Limits(), seed=1) as s:
        for _ in range(2):
            with pytest.raises(StudentCrash, match="exited with code 9 while your code's definitions were running"):
                s.call("f")


def test_top_level_errors_are_reported_not_fatal(sandbox):
    source = "import not_a_module\nX = 1 / 0\ndef f():\n    return 1\n"
    prog = Program(units=(("<cell 2>", source, (0, 1, 2)),), helpers=(), stubs=(), main="__main__")
    with sandbox.session(prog, Limits(), seed=1) as s:
        assert s.call("f") == 1
        kinds = [(e["type"], e["line"]) for e in s.load_errors]
    assert kinds == [("ModuleNotFoundError", 1), ("ZeroDivisionError", 2)]


def test_a_statement_that_parses_but_does_not_compile_costs_only_itself(sandbox):
    """The grader compiles what the process runs (grader.program): ``return`` outside a function parses, then fails
    to compile; the process reports that error as its own, at its line, and runs the rest. An import of several
    names costs only the names it cannot bind: a missing module is one error naming them all."""
    source = ("from no_such_module import a, b\nfrom math import pi, no_such_name\nreturn 5\n"
              "def f(x: NotDefinedAnywhere) -> None:\n    return pi\n")
    prog = Program(units=(("<cell 4>", source, (0, 1, 2, 3)),), helpers=(), stubs=(), main="__main__")
    with sandbox.session(prog, Limits(), seed=1) as s:
        assert s.call("f", 1) == pytest.approx(np.pi)  # annotations are not evaluated, as before
        errors = [(e["type"], e["line"], e.get("names")) for e in s.load_errors]
    assert errors == [("ModuleNotFoundError", 1, ["a", "b"]), ("ImportError", 2, ["no_such_name"]),
                      ("SyntaxError", 3, [])]


def test_compiled_units_are_the_same_whether_remembered_or_not():
    """compile_unit remembers small units (a class hands in the same cells): a remembered answer is the one a fresh
    compile gives, and a unit over the memo's size is compiled each time."""
    from grader import program as module

    small, keep = "import os, sys\nx = 1\ndef f():\n    return x\n", (0, 2)
    assert module.compile_unit("<cell 1>", small, keep) is module.compile_unit("<cell 1>", small, keep)
    assert module.compile_unit("<cell 1>", small, keep) == module._compile_unit("<cell 1>", small, keep)
    big = small + "# padding\n" * (module._MEMO_CHARS // 10)
    first, second = module.compile_unit("<cell 1>", big, keep), module.compile_unit("<cell 1>", big, keep)
    assert first == second and first is not second
    _, _, statements, error = first
    assert error is None and [(line, [names for names, _, _ in pieces]) for line, pieces in statements] == [
        (1, [("os",), ("sys",)]), (3, [()])]


def test_a_loaded_cell_is_compiled_from_the_loaders_tree_without_parsing_it_again(monkeypatch):
    """The loader parses each unit; the compile that follows reads its tree instead of parsing the text again
    (a unit over the loader's memo size is still parsed by the compile), and compiles the same code."""
    import ast

    import nbformat

    from grader import load, program
    from grader.load import load_source

    small = "import numpy as np\n\ndef f(x):\n    return np.sum(x) * 2\n"
    big = small + "# padding\n" * (load._MEMO_CHARS // 10)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(small), nbformat.v4.new_code_cell(big.replace("def f", "def g"))]
    loaded = load_source(nbformat.writes(nb).encode(), name="n.ipynb", kind="ipynb")
    units = [(u.filename, u.source, u.keep) for u in loaded.units]
    fresh = [program._compile_unit(*unit) for unit in units]  # filled the memo too
    parses: list[str] = []
    parse = ast.parse
    monkeypatch.setattr(program.ast, "parse", lambda text, *a, **k: (parses.append(text), parse(text, *a, **k))[1])
    again = [program._compile_unit(*unit) for unit in units]
    assert again == fresh and units[0][0] == "<cell 1>"
    assert parses == [units[1][1]]  # only the unit too large to be remembered


@pytest.mark.skipif(os.geteuid() != 0, reason="the uid layer needs root")
def test_student_runs_as_an_unprivileged_uid(session, sandbox):
    uid = session.call("whoami")
    assert uid == sandbox.uid and uid >= isolation.UID_BASE


@pytest.mark.skipif("landlock" not in isolation.available_layers(), reason="no Landlock here")
def test_files_outside_scratch_are_out_of_reach(session, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("canary")
    secret.chmod(0o644)
    with pytest.raises(StudentCrash, match="PermissionError"):
        session.call("read", str(secret))
    with pytest.raises(StudentCrash, match="PermissionError"):
        session.call("read", os.path.abspath(__file__))


def test_network_and_fork_are_denied(session):
    with pytest.raises(StudentCrash, match="PermissionError|OSError"):
        session.call("connect", 9)
    with pytest.raises(StudentCrash, match="PermissionError|BlockingIOError"):
        session.call("spawn")


def test_sandbox_records_its_layers(sandbox):
    assert sandbox.layers[0] == "process"
    assert set(isolation.available_layers()) <= set(sandbox.layers)
    if os.geteuid() == 0:  # as an ordinary user: tests/test_unprivileged.py
        assert {"uid", "namespaces", "scratch-quota", isolation.VIA_ROOT} <= set(sandbox.layers)
        assert isolation.VIA_USERNS not in sandbox.layers and sandbox.layers[-1] == isolation.VIA_ROOT


def _gone(pid: int, within: float = 2.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.02)
    return False


ESCAPE = """
import os, time
def escape():
    pid = os.fork()
    if pid == 0:
        os.setsid()  # out of the session's process group: only the sweep of the uid finds it
        time.sleep(60)
        os._exit(0)
    return pid
"""


def test_without_seccomp_a_process_that_left_the_session_is_swept_at_its_end(sandbox, monkeypatch):
    """Without seccomp a student process can fork, and a child that calls setsid escapes the kill of the session's
    process group: the sweep of the sandbox uid is what ends it. (Under seccomp nothing can fork, and the sweep, a
    scan of every process on the host, is left out: ``test_network_and_fork_are_denied``.)"""
    if sandbox.uid is None:
        pytest.skip("the student processes have no uid of their own to sweep")
    monkeypatch.setattr(sandbox, "layers", tuple(layer for layer in sandbox.layers if layer != "seccomp"))
    with sandbox.session(program(ESCAPE), Limits(call_seconds=5), seed=1) as s:
        escaped = s.call("escape")
        assert isinstance(escaped, int) and escaped > 0 and not _gone(escaped, within=0.2), "the fork did not happen"
    assert _gone(escaped), f"process {escaped} outlived its session"


def test_processes_do_not_outlive_the_session(sandbox):
    with sandbox.session(program(), Limits(), seed=1) as s:
        s.call("double", 1)
        pid = s._process.pid
    time.sleep(0.1)
    assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"


def test_bad_reply_is_contained(sandbox):
    source = "def deep():\n    x = []\n    for _ in range(200):\n        x = [x]\n    return x\n"
    prog = Program(units=(("<cell 1>", source, (0,)),), helpers=(), stubs=(), main="__main__")
    with sandbox.session(prog, Limits(), seed=1) as s:
        with pytest.raises(BadReply, match="cannot read back"):
            s.call("deep")


def test_scratch_space_has_a_quota_and_starts_empty(tmp_path):
    source = ('import os\ndef fill():\n    for i in range(10000):\n        with open(f"f{i}", "wb") as fh:\n'
              '            fh.write(b"x" * 1_000_000)\ndef listing():\n    return sorted(os.listdir("."))\n')
    prog = Program(units=(("<cell 1>", source, (0, 1, 2)),), helpers=(), stubs=(), main="__main__")
    with Sandbox(scratch_bytes=32 * 2**20) as box:
        if "scratch-quota" not in box.layers:
            pytest.skip("no scratch quota without root")
        with box.session(prog, Limits(), seed=1) as s:
            with pytest.raises(ResourceLimit, match="disk space"):
                s.call("fill")
        with box.session(prog, Limits(), seed=1) as s:
            assert s.call("listing") == []
        assert not any(box.scratch_base.iterdir())  # the host never saw the files


ORDINARY = '''
import json, os, random, shutil, threading, time, resource, signal, tempfile
import numpy as np

def everyday():
    """What honest student code does besides arithmetic: files in its folder, threads, clocks, randomness."""
    np.save("w.npy", np.arange(6.0).reshape(2, 3))
    back = np.load("w.npy")
    with open("notes.txt", "w") as fh:
        fh.write(json.dumps({"loss": [0.5, 0.25]}))
    os.makedirs("runs/a", exist_ok=True)
    shutil.copy("notes.txt", "runs/a/notes.txt")
    os.rename("runs/a/notes.txt", "runs/a/renamed.txt")
    listing = sorted(os.listdir("runs/a")) + [os.path.exists("w.npy"), os.path.realpath(".") == os.getcwd()]
    os.remove("runs/a/renamed.txt")
    os.chdir("runs")
    os.chdir("..")
    with open("notes.txt", "r+") as fh:
        fh.truncate(4)
        fh.flush()
        os.fsync(fh.fileno())
    shutil.rmtree("runs")
    grown = bytearray()
    for _ in range(32):  # realloc of a large block
        grown += bytes(2**20)
    mapped = np.memmap("m.dat", dtype="f8", mode="w+", shape=(1000,))
    mapped[:] = 1.0
    mapped.flush()
    del mapped
    os.close(os.dup(1))
    about = [len(os.sched_getaffinity(0)) > 0, resource.getrlimit(resource.RLIMIT_AS)[0] > 0,
             os.uname().sysname == "Linux", os.getppid() > 0, os.times().user >= 0, len(grown) == 2**25]
    results = []
    worker = threading.Thread(target=lambda: results.append(np.linalg.norm(np.ones((50, 50)) @ np.ones((50, 50)))))
    worker.start()
    worker.join()
    started = time.perf_counter()
    time.sleep(0.01)
    slept = time.perf_counter() - started >= 0.009
    big = np.zeros(10**6)
    big = np.resize(big, 4 * 10**6)  # realloc: mremap
    handler = signal.signal(signal.SIGUSR1, lambda *a: results.append("signalled"))
    signal.raise_signal(signal.SIGUSR1)
    signal.signal(signal.SIGUSR1, handler)
    fd, name = tempfile.mkstemp(dir=".")
    os.close(fd)
    os.unlink(name)
    random.seed()
    rng = np.random.default_rng()
    return {"back": back, "listing": listing, "results": results, "slept": slept, "size": big.size,
            "cpu": resource.getrusage(resource.RUSAGE_SELF).ru_utime >= 0, "rng": float(rng.random()) < 1,
            "pid": os.getpid() > 0, "time": time.time() > 0, "process_time": time.process_time() >= 0,
            "urandom": len(os.urandom(8)), "about": about, "files": sorted(os.listdir("."))}
'''


def test_ordinary_code_works_in_the_sandbox(sandbox):
    import ast

    keep = tuple(range(len(ast.parse(ORDINARY).body)))
    prog = Program(units=(("<cell 1>", ORDINARY, keep),), helpers=(), stubs=(), main="__main__")
    with sandbox.session(prog, Limits(), seed=3) as s:
        out = s.call("everyday")
    assert np.array_equal(out["back"], np.arange(6.0).reshape(2, 3))
    assert out["listing"] == ["renamed.txt", True, True]
    assert out["results"] == [50.0 * 50, "signalled"]
    assert out["slept"] and out["size"] == 4 * 10**6 and out["urandom"] == 8
    assert all(out[k] for k in ("cpu", "rng", "pid", "time", "process_time")) and all(out["about"])
    assert out["files"] == ["m.dat", "notes.txt", "w.npy"]


# ---------------------------------------------------------------------------------------------------------------
# Hostile frames from a real student process (issue 13): only StudentError reaches the checks, and the process is
# always killed and reaped with no descriptor left open in the grader.

FORGER = '''
import os, stat, time
def _channel():
    for fd in range(3, 1024):
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                return fd
        except OSError:
            continue
def forge(data, then):
    view = memoryview(data.tobytes())
    while view:
        view = view[os.write(_channel(), view):]
    if then == "exit":
        os._exit(0)
    if then == "hang":
        time.sleep(60)
    return "after"
'''


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _zygote_children(sandbox) -> list[str]:
    pid = sandbox.zygote().process.pid
    return open(f"/proc/{pid}/task/{pid}/children").read().split()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=hostile.frames, then=st.sampled_from(["exit", "hang", "return"]))
def test_any_frame_in_a_reply_costs_only_that_call(sandbox, data, then):
    before = _open_fds()
    with sandbox.session(program(FORGER), Limits(call_seconds=1.0), seed=1) as s:
        try:
            s.call("forge", np.frombuffer(data, dtype=np.uint8), then)
        except StudentError:
            assert s._process is None  # killed, not kept with its channel out of step
    assert _zygote_children(sandbox) == []  # reaped: no process, no zombie
    assert _open_fds() == before


@pytest.mark.slow  # about 9 s of wall time waiting for loads that hang: the reply fuzzer above stays in the fast loop
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=hostile.frames)
def test_any_frame_at_load_costs_only_that_submission(sandbox, data):
    source = (f"FRAME = {data!r}\n" + FORGER
              + "import numpy\nforge(numpy.frombuffer(FRAME, dtype=numpy.uint8), 'hang')\n")
    before = _open_fds()
    with sandbox.session(program(source), Limits(load_seconds=1.0), seed=1) as s:
        for _ in range(3):
            try:
                s.call("forge", np.zeros(0, dtype=np.uint8), "return")
            except StudentError:
                pass
    assert _zygote_children(sandbox) == []
    assert _open_fds() == before


def test_a_frame_with_an_absurd_shape_is_the_students_fault(sandbox):
    header = json.dumps({"v": {"$": "dict", "items": [["op", "reply"], ["ok", True], ["value", {
        "$": "nd", "buf": 0, "dtype": "<f8", "shape": [0, 10**30]}]]}, "n": 1}).encode()
    data = np.frombuffer(struct.pack("!I", len(header)) + header + struct.pack("!Q", 0), dtype=np.uint8)
    before = _open_fds()
    with sandbox.session(program(FORGER), Limits(), seed=1) as s:
        for _ in range(3):
            with pytest.raises(BadReply, match="cannot accept"):
                s.call("forge", data, "hang")
    assert _open_fds() == before and _zygote_children(sandbox) == []


# ---------------------------------------------------------------------------------------------------------------
# Scratch that the zygote must survive (issue 13)

DEEP = '''
import os
def deep(levels):
    for _ in range(levels):
        os.mkdir("d")
        os.chdir("d")
    with open("leaf.txt", "w") as fh:
        fh.write("x")
    try:
        os.chmod(".", 0o500)  # no longer writable (only with a uid of its own: seccomp)
    except PermissionError:
        pass
    return levels
def parent():
    return os.getppid()
'''


def test_a_folder_chain_5000_deep_does_not_stop_the_zygote(sandbox):
    zygote = sandbox.zygote().process.pid
    with sandbox.session(program(DEEP), Limits(call_seconds=30), seed=1) as s:
        assert s.call("deep", 5000) == 5000
        assert s.call("parent") == zygote
    with sandbox.session(program(DEEP), Limits(), seed=1) as s:
        assert s.call("parent") == zygote  # graded by the same zygote
    assert sandbox.zygote().process.pid == zygote and sandbox.zygote().process.poll() is None
    assert not any(sandbox.scratch_base.iterdir())


# ---------------------------------------------------------------------------------------------------------------
# Memory counted whatever the means (issue 13)

HOARD = '''
import os
def memfd(mib):
    chunk = b"x" * 2**20
    held = []
    for i in range(mib):
        if i % 8 == 0:  # each under the file size limit, which applies to a memfd too
            held.append(os.memfd_create("hoard"))
        os.write(held[-1], chunk)
    return mib
def pipe():
    return os.pipe()
'''


def test_memory_outside_the_address_space_is_refused(session, sandbox):
    prog = program(HOARD)
    with sandbox.session(prog, Limits(), seed=1) as s:
        with pytest.raises(StudentCrash, match="PermissionError"):  # not on seccomp's allow list
            s.call("memfd", 1)
        with pytest.raises(StudentCrash, match="PermissionError"):
            s.call("pipe")


def test_the_memory_cgroup_counts_what_rlimit_as_does_not(sandbox, monkeypatch):
    """With seccomp taken away, memfd_create works: the memory cgroup still stops the process at its limit."""
    if "cgroup-memory" not in sandbox.layers:
        pytest.skip("no memory cgroup on this machine (see grader/_cgroup.py)")
    monkeypatch.setattr(sandbox, "layers", tuple(x for x in sandbox.layers if x != "seccomp"))
    with sandbox.session(program(HOARD), Limits(memory_mb=64, call_seconds=20), seed=1) as s:
        assert s.call("memfd", 16) == 16
        with pytest.raises(ResourceLimit, match="memory cgroup"):
            s.call("memfd", 512)


def test_a_death_by_any_signal_is_described():
    from grader.sandbox import describe_status
    from grader.zygote import Ending

    for number in (signal.SIGKILL, signal.SIGBUS, signal.SIGRTMIN + 3, 64):
        words, kind = describe_status(Ending(number))
        assert words and issubclass(kind, StudentError)
    assert describe_status(Ending(9, oom=True))[1] is ResourceLimit


def test_a_failed_spawn_is_answered_and_the_zygote_stays(sandbox):
    """A spawn the zygote cannot carry out (here: a scratch folder it cannot create) is an error of the grader,
    reported, and the same zygote forks the next student process."""
    from pathlib import Path

    from grader.errors import InternalError

    zygote = sandbox.zygote()
    before = _open_fds()
    with pytest.raises(InternalError, match="could not start a process"):
        zygote.spawn(sandbox.plan(Limits()), Path("/proc/self/no-such-folder/scratch"))
    assert _open_fds() == before
    with sandbox.session(program(), Limits(), seed=1) as s:
        assert s.call("double", 1)["x"] == 2
    assert sandbox.zygote() is zygote and zygote.process.poll() is None


def test_a_cell_with_nothing_to_run_is_not_sent_and_the_rest_runs_as_before(sandbox):
    """Program.build leaves out the cells whose statements all stay out at grading time (calls, training loops):
    the process would only parse them. The cells that define still run, and their lines still show in a failure."""
    from pathlib import Path

    import nbformat

    from grader.assignment import load_assignment
    from grader.load import load_source

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(text) for text in (
        "import numpy as np\n\ndef layer_sizes(X, Y):\n    return (X.shape[0], 4, Y.shape[0])\n",
        "print(layer_sizes(np.zeros((2, 3)), np.zeros((1, 3))))\n",
        "for n_h in [1, 2, 3]:\n    print(n_h)\n",
        "SIZE = 4\n\ndef broken(x):\n    return x / undefined_name\n",
    )]
    loaded = load_source(nbformat.writes(nb).encode(), name="n.ipynb", kind="ipynb")
    root = Path(__file__).resolve().parent.parent
    built = Program.build(loaded, load_assignment(root, "shallow-nn"))
    assert [filename for filename, _, _ in built.units] == ["<cell 1>", "<cell 4>"]
    with sandbox.session(built, Limits(call_seconds=5, memory_mb=256), seed=3) as s:
        assert s.call("layer_sizes", np.zeros((5, 2)), np.zeros((1, 2))) == (5, 4, 1)
        with pytest.raises(StudentError) as raised:
            s.call("broken", 1.0)
    assert "undefined_name" in str(raised.value)
    assert raised.value.frames == (("<cell 4>", 4, "broken"),)  # the cell and line the grader places it by
