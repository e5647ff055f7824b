"""Attacks that try to exhaust the machine: CPU, memory (directly, by growth, and by every means RLIMIT_AS does not
count: System V and POSIX shared memory, memfds, tmpfs files written or mapped), processes and threads, disk (one
huge file; many files each under the size limit; a folder chain deeper than any recursion), open files, output,
recursion.

Each must end with the attacked function's checks failing with flag ``timeout`` or ``resource-limit`` (an
exhausted limit is not an ordinary crash of the student's code), the honest submission unaffected and the batch
finished. The assignment's call limit is 10 s, so a test whose attack only ends at the limit costs about 10 s."""

from __future__ import annotations

import pytest
from attack_harness import LIMITS, MAX_SCORE, RESOURCE_FLAGS

pytestmark = pytest.mark.slow  # each test grades a batch through the real CLI: not in the -m "not slow" loop


MEMORY_MB = int(LIMITS.get("memory_mb", 1024))
CALL_SECONDS = float(LIMITS.get("call_seconds", 10))
OUTPUT_BYTES = 64 * 1024  # Limits.output_bytes: the head of the output a result keeps
SCRATCH_MB = 256  # more than this in one scratch folder means nothing bounds it: no quota would allow it


def _contained(run, sid, *attacked, max_seconds=None):
    run.assert_contained(sid, max_score=0.0, attacked=list(attacked), flags_any=RESOURCE_FLAGS,
                         max_seconds=max_seconds)


def test_cpu_spin(attack):
    run, sid = attack("cpu_spin.py")
    _contained(run, sid, "layer_sizes", max_seconds=CALL_SECONDS + 40)


def test_memory_huge_allocation(attack):
    run, sid = attack("memory_huge.py")
    _contained(run, sid, "layer_sizes", "compute_cost")
    checks = [c for c in run.result(sid)["checks"] if c["function"] in ("layer_sizes", "compute_cost")]
    flags = {f for c in checks for f in c["flags"]}
    assert "resource-limit" in flags, flags


def test_memory_growth(attack):
    run, sid = attack("memory_grow.py")
    _contained(run, sid, "layer_sizes")


def test_memory_outside_the_address_space(attack):
    run, sid = attack("memory_sysv.py")
    report = run.report(sid, "PINNED", last=True)
    assert report is not None, "the attack did not report"
    assert report["pinned_mb"] <= MEMORY_MB, (
        f"the submission pinned {report['pinned_mb']} MiB of System V shared memory, beyond its {MEMORY_MB} MiB "
        f"limit (RLIMIT_AS does not count it); it stopped on {report['failed']}")
    _contained(run, sid, "layer_sizes")


COUNTED_SLACK_MB = 128  # a memory cgroup's limit: memory_mb plus the zygote's resident pages a child may copy


def _pinned(run, sid):
    report = run.report(sid, "PINNED", last=True)
    assert report is not None, f"the attack did not report: {run.result(sid)['output'][-500:]}"
    return report


def test_memory_in_a_memfd(attack):
    run, sid = attack("memory_memfd.py")
    report = _pinned(run, sid)
    assert report["pinned_mb"] <= MEMORY_MB, (
        f"the submission held {report['pinned_mb']} MiB in memfds beyond its {MEMORY_MB} MiB limit; it stopped on "
        f"{report['failed']}")
    _contained(run, sid, "layer_sizes")


def test_memory_in_posix_shared_memory(attack):
    run, sid = attack("memory_posix_shm.py")
    report = _pinned(run, sid)
    assert report["pinned_mb"] <= MEMORY_MB, (
        f"the submission held {report['pinned_mb']} MiB in /dev/shm; it stopped on {report['failed']}")
    _contained(run, sid, "layer_sizes")


@pytest.mark.parametrize("name", ["memory_scratch_files.py", "memory_mapped_files.py"])
def test_memory_in_scratch_files(attack, name):
    """Arrays up to nearly the address-space limit, then tmpfs pages in scratch: with a memory cgroup the sum
    stays within memory_mb (plus the zygote's pages a child may copy); without one, the scratch quota bounds it."""
    run, sid = attack(name)
    counted = "cgroup-memory" in run.result(sid)["sandbox"]
    bound = MEMORY_MB + (COUNTED_SLACK_MB if counted else SCRATCH_MB)
    report = _pinned(run, sid)
    assert report["pinned_mb"] <= bound, (
        f"the submission held {report['pinned_mb']} MiB in arrays and scratch files, beyond {bound} MiB "
        f"({'with' if counted else 'without'} a memory cgroup); it stopped on {report['failed']}")
    _contained(run, sid, "layer_sizes")


def test_scratch_too_deep_to_delete_recursively(arena):
    """5,000 nested folders in scratch: the next submission is still graded by the same zygote."""
    sid = arena.add("deep_scratch.py")
    probe = arena.add("zz_probe.py")
    run = arena.grade()
    run.assert_contained(sid, max_score=0.0, attacked=["layer_sizes"], allow_scores={probe: MAX_SCORE})
    first, last = run.report(sid, "ZYGOTE"), run.report(probe, "ZYGOTE")
    assert first is not None and last is not None, run.result(sid)["checks"][0]["message"]
    assert first["pid"] == last["pid"], "the zygote was replaced after the deep folder chain"
    assert "5,000 deep" in " ".join(c["message"] for c in run.result(sid)["checks"])


def test_fork_bomb(attack):
    run, sid = attack("fork_bomb.py")
    _contained(run, sid, "layer_sizes", max_seconds=CALL_SECONDS + 40)


def test_thread_bomb(attack):
    run, sid = attack("thread_bomb.py")
    _contained(run, sid, "layer_sizes", max_seconds=CALL_SECONDS + 40)


def test_disk_one_huge_file(attack):
    run, sid = attack("disk_big_file.py")
    _contained(run, sid, "layer_sizes")


def test_disk_many_files(attack):
    run, sid = attack("disk_many_files.py")
    progress = run.report(sid, "WROTE", last=True) or {"written_mb": 0, "files": 0}
    assert progress["written_mb"] <= SCRATCH_MB, (
        f"the submission wrote {progress['written_mb']} MiB in {progress['files']} files of its scratch folder and "
        f"nothing stopped it (it stops itself at 2 GiB; a scratch quota would stop it long before {SCRATCH_MB} MiB)")
    _contained(run, sid, "layer_sizes")


def test_open_files(attack):
    run, sid = attack("open_files.py")
    _contained(run, sid, "layer_sizes")


def test_output_flood(attack):
    run, sid = attack("output_flood.py")
    _contained(run, sid, "layer_sizes", max_seconds=CALL_SECONDS + 40)
    result = run.result(sid)
    assert len(result["output"]) <= OUTPUT_BYTES + 200, len(result["output"])
    for name in ("results.json", "report.html", "report.md"):
        size = (run.out / sid / name).stat().st_size
        assert size < 2 * 2**20, f"{name} is {size} bytes"


def test_deep_recursion(attack):
    run, sid = attack("recursion_deep.py")
    _contained(run, sid, "layer_sizes", "compute_cost")
    for function in ("layer_sizes", "compute_cost"):
        checks = [c for c in run.result(sid)["checks"] if c["function"] == function]
        flags = {f for c in checks for f in c["flags"]}
        assert flags & RESOURCE_FLAGS, f"{function}: flags {sorted(flags)}: {checks[0]['message'][:200]}"
