"""The full sandbox without root (issue 13): run as a throwaway ordinary uid, the grader keeps the namespace and
scratch-quota layers through an unprivileged user namespace, and the uid layer too when the user owns subordinate
ids; results.json says how (``via:userns``). Both ways are tested, each with the library (what a student process
can and cannot do) and with the real CLI grading an attack beside an honest submission. Root's way (``via:root``)
is what the rest of the suite runs.

Needs root (to become the throwaway uid), setpriv and unshare (util-linux), an interpreter an ordinary user may
run, and, for the subordinate ids, newuidmap/newgidmap (the uidmap package, in .ci/run)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import uuid

import pytest
from unprivileged import ROOT, UserWorld

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="becoming a throwaway uid needs root"),
    pytest.mark.skipif(not shutil.which("setpriv") or not shutil.which("unshare"), reason="util-linux missing"),
]

SUB_START, SUB_COUNT = 2_100_000_000, 65536

STUDENT = '''
import os, signal, socket, threading
def ids():
    return [os.getuid(), os.geteuid(), os.getgid()]
def read(path):
    return open(path).read()
def connect(port):
    s = socket.socket()
    s.connect(("127.0.0.1", port))
def kill(pid):
    os.kill(pid, signal.SIGTERM)
def chmod(path):
    os.chmod(path, 0o777)
def fill():
    for i in range(100000):
        with open(f"f{i}", "wb") as fh:
            fh.write(b"x" * 2**20)
def threads():
    gate, started = threading.Event(), []
    try:
        for _ in range(64):
            worker = threading.Thread(target=gate.wait)
            worker.start()
            started.append(worker)
    except RuntimeError:
        pass
    gate.set()
    return len(started)
'''

PROBE = '''
import ast, json, os, sys
from grader.assignment import Limits
from grader.program import Program
from grader.worker_sandbox import Sandbox
source, secret, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
prog = Program(units=(("<cell 1>", source, tuple(range(len(ast.parse(source).body)))),), helpers=(), stubs=(),
               main="__main__")
out = {}
with Sandbox(scratch_bytes=32 * 2**20) as box:
    out["layers"] = list(box.layers)
    with box.session(prog, Limits(call_seconds=5), seed=1) as s:
        out["ids"] = s.call("ids")
        pid = s._process.pid
        with open(f"/proc/{pid}/status") as fh:
            out["caps"] = {l.split(":")[0]: int(l.split()[1], 16) for l in fh if l.startswith("Cap")}
        out["host_uid"] = os.stat(f"/proc/{pid}").st_uid
        for name, args in (("read", [secret]), ("connect", [port]), ("kill", [os.getpid()]), ("chmod", [secret]),
                           ("fill", []), ("threads", [])):
            try:
                out[name] = ["returned", s.call(name, *args)]
            except Exception as exc:
                out[name] = [type(exc).__name__, str(exc)[:300]]
out["secret_mode"] = oct(os.stat(secret).st_mode & 0o777)
print(json.dumps(out))
'''


@pytest.fixture(scope="module")
def world():
    try:
        made = UserWorld(1_400_000_000 + os.getpid() % 1_000_000)
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    made.give_subordinate_ids(SUB_START, SUB_COUNT)
    secret = made.work / "secret.txt"
    made.secret = f"USERSECRET{uuid.uuid4().hex[:16].upper()}"
    secret.write_text(made.secret + "\n")
    secret.chmod(0o600)
    os.chown(secret, made.uid, made.uid)
    yield made
    made.close()


@pytest.fixture
def listener():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    sock.setblocking(False)
    yield sock
    sock.close()


def _probe(world, listener, *, subids: bool) -> dict:
    done = world.run(["-c", PROBE, STUDENT, str(world.work / "secret.txt"), str(listener.getsockname()[1])],
                     subids=subids)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _contained(out: dict, listener: socket.socket) -> None:
    assert out["read"][0] == "StudentCrash" and "PermissionError" in out["read"][1], out["read"]
    assert out["connect"][0] == "StudentCrash", out["connect"]
    with pytest.raises(BlockingIOError):
        listener.accept()  # nothing reached the host's loopback
    assert out["kill"][0] == "StudentCrash" and "PermissionError" in out["kill"][1], out["kill"]
    assert out["chmod"][0] == "StudentCrash" and "PermissionError" in out["chmod"][1], out["chmod"]
    assert out["secret_mode"] == "0o600"
    assert out["fill"][0] == "ResourceLimit" and "disk space" in out["fill"][1], out["fill"]
    assert out["threads"][0] == "returned" and out["threads"][1] < 16, out["threads"]  # RLIMIT_NPROC, per namespace
    assert not any(out["caps"].values()), out["caps"]  # no capability left, not even in the bounding set


def test_a_user_namespace_keeps_namespaces_and_quota_without_root(world, listener):
    out = _probe(world, listener, subids=False)
    layers = out["layers"]
    assert "via:userns" in layers and "via:root" not in layers and "uid" not in layers, layers
    assert {"namespaces", "scratch-quota", "landlock", "seccomp", "rlimits"} <= set(layers), layers
    assert out["ids"] == [0, 0, 0] and out["host_uid"] == world.uid  # root of its namespace, the user outside
    _contained(out, listener)


def test_subordinate_ids_keep_the_uid_layer_without_root(world, listener):
    out = _probe(world, listener, subids=True)
    layers = out["layers"]
    assert {"via:userns", "uid", "namespaces", "scratch-quota"} <= set(layers), layers
    assert out["ids"] == [1, 1, 1]
    assert SUB_START <= out["host_uid"] < SUB_START + SUB_COUNT  # a uid of its own, not the grader's
    _contained(out, listener)


@pytest.mark.parametrize("subids", [False, True], ids=["userns", "userns+subids"])
def test_grading_without_root_through_the_cli(world, subids):
    """An attack that reads the reference and the user's own private file by every route, graded beside the
    reference solution: the attack earns nothing and leaks nothing, the honest one scores full marks, and
    results.json records how the layers were obtained."""
    batch = world.work / f"batch-{subids}"
    out = world.work / f"out-{subids}"
    batch.mkdir()
    shutil.copy(world.repo / "reference" / "shallow-nn" / "solution.py", batch / "honest.py")
    text = (ROOT / "tests" / "attacks" / "submissions" / "read_reference.py").read_text()
    text = text.replace("@@REPO@@", str(world.repo)).replace("@@CANARY_FILE@@", str(world.work / "secret.txt"))
    (batch / "read_reference.py").write_text(text)
    for path in (batch, batch / "honest.py", batch / "read_reference.py"):
        os.chown(path, world.uid, world.uid)
    done = world.run(["-c", "import sys; from grader.cli import main; sys.exit(main())", str(batch),
                      "--assignment", "shallow-nn", "--out", str(out), "--jobs", "1"], subids=subids)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    honest = json.loads((out / "honest" / "results.json").read_text())
    attacker = json.loads((out / "read_reference" / "results.json").read_text())
    assert honest["score"] == honest["max_score"] and attacker["score"] == 0, attacker["checks"][0]["message"]
    for result in (honest, attacker):
        assert "via:userns" in result["sandbox"] and ("uid" in result["sandbox"]) == subids, result["sandbox"]
    solution_lines = [line.strip() for line in (world.repo / "reference" / "shallow-nn" / "solution.py").read_text()
                      .splitlines() if len(line.strip()) > 30 and not line.strip().startswith(("#", '"', "'"))]
    for path in out.rglob("*"):
        if path.is_file() and path.parent.name == "read_reference":
            content = path.read_text(errors="replace")
            assert world.secret not in content, path
            assert not [line for line in solution_lines if line in content], path
