"""Do the verdicts depend on the student's code alone? Correct code, catalogued mistakes and mutants, many seeds.

Usage::

    .venv/bin/python benchmarks/verdicts.py                          # all three assignments, 50 seeds
    .venv/bin/python benchmarks/verdicts.py --assignment shallow-nn --seeds 10 --jobs 2 --json /tmp/verdicts.json

For each assignment it grades, under every seed 0 .. N-1 (the seed of the check inputs, as ``grade --seed``):

- correct code: the reference, the bundled correct examples and variants written in many styles
  (benchmarks/variants.py). A false failure is any check they fail: there must be none.
- every catalogued mistake, each written into otherwise correct code: it must lose points in its own function
  under every seed, and the flag that names it must be there under every seed.
- stubs that ignore their inputs (None, 0.0, 1.0, {}, or the reference's answer on a fixed input) in place of
  each function of the reference: the function must earn nothing and every other function keep its points.
- mutants of the reference (benchmarks/mutants.py): operator swaps, dropped terms, transposes, changed axes and
  constants, a dropped keepdims or ``/ m``, dropped statements. Each is killed under every seed, under some seeds
  only (must be none), or under none: every one of those is listed in ``EQUIVALENT`` with why it is equivalent.
  For each killed mutant: were the points lost in the mutated function only?

Grading runs in-process through the real checks (``grader.plugin.run_checks``) and sandbox
(``grader.worker_sandbox``, ``grader.session``), without the report figures, one pytest session and one sandbox per
worker process for the whole run. Correct code runs every check under every seed; wrong code (mistakes, stubs,
mutants) runs every check under the first ``--full-seeds`` seeds (5), which tells where else it loses points, and
its own function's checks under the rest, which tell whether it is caught (most of a grading's time goes to the
other functions' checks).
It is a measurement, not a test: tests/test_verdicts.py pins the same properties on a few seeds.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [p for p in (str(ROOT), str(ROOT / "benchmarks")) if p not in sys.path]

from mutants import mutants  # noqa: E402
from variants import Sub, correct, mistakes, stubs  # noqa: E402

ASSIGNMENTS = ("shallow-nn", "initialization", "gradient-checking")

# Mutants no check can kill, because they do not change what the function returns. Each is named and explained.
EQUIVALENT = {
    "shallow-nn": {
        "nn_model/statement/2": "the cost is only printed, and the checks (like any caller) pass print_cost=False",
        "nn_model/constant/6": "`i % 1000 == 1` only decides when the cost is printed",
        "nn_model/constant/7": "`i % 1001 == 0` only decides when the cost is printed",
        "predict/comparison/1": "`A2 >= 0.5` differs from `A2 > 0.5` only where A2 is exactly 0.5, which the checks "
                                "avoid on purpose: the README asks for True above 0.5, and both cut-offs are right",
        "backward_propagation/axis/14": "db2 = np.sum(dZ2, keepdims=True) / m: dZ2 has one row (one output unit), so "
                                        "summing everything is summing over axis 1",
        "backward_propagation/operator/20": "W2.T * dZ2: W2.T is a column and dZ2 a row (one output unit), so the "
                                            "broadcast product is the matrix product",
    },
    "initialization": {},
    "gradient-checking": {},
}

Verdict = list[tuple[str, str, str, tuple[str, ...]]]  # (check id, function, status, flags)


# ---------------------------------------------------------------------------------------------------------------
# Grading, in worker processes


Task = tuple[str, str, str, tuple[str, ...]]  # (id, source, kind, the only functions whose checks run after ``full``
#                                                seeds; all when empty)


def _grade_task(name: str, subs: list[Task], seeds: list[int], full: int) -> list[tuple[str, int, Verdict]]:
    """Grade every submission of ``subs`` under every seed, in this process: one sandbox, one pytest session.

    Under the first ``full`` seeds every check runs; under the others only the checks of the submission's function
    at fault, when it has one (enough to tell whether it is caught; where else points went is measured under the
    first ones)."""
    from grader.assignment import load_assignment
    from grader.load import load_source
    from grader.plugin import Job, run_checks
    from grader.program import Program
    from grader.worker_sandbox import Sandbox

    assignment = load_assignment(ROOT, name)
    out: list[tuple[str, int, Verdict]] = []
    with Sandbox() as sandbox:
        def jobs():
            for sid, text, kind, functions in subs:
                loaded = load_source(text.encode(), name=f"{sid}.{kind}", kind=kind, execute=assignment.execute,
                                     helpers=assignment.helper_modules)
                program = Program.build(loaded, assignment)
                for index, seed in enumerate(seeds):
                    only = frozenset(functions) if functions and index >= full else None
                    with sandbox.session(program, assignment.limits, seed) as session:
                        yield Job(id=f"{sid}\x1f{seed}", loaded=loaded, session=session, seed=seed, functions=only)

        def done(job, outcomes, figures) -> None:
            sid, seed = job.id.split("\x1f")
            out.append((sid, int(seed), [(o.id, o.function, o.status, tuple(o.flags)) for o in outcomes]))

        run_checks(assignment, jobs(), done, figures=False)
    return out


def grade(name: str, subs: list[Sub], seeds: list[int], jobs: int, *, full: int | None = None
          ) -> dict[str, dict[int, Verdict]]:
    """{submission id: {seed: verdict}}, graded by ``jobs`` worker processes; every check under the first ``full``
    seeds (all by default), then only those of each submission's function at fault."""
    tasks: list[list[Task]] = [[] for _ in range(max(jobs, 1))]
    for i, sub in enumerate(subs):
        tasks[i % len(tasks)].append((sub.id, sub.text, sub.kind, _at_fault(sub)))
    tasks = [t for t in tasks if t]
    results: dict[str, dict[int, Verdict]] = defaultdict(dict)
    full = len(seeds) if full is None else full
    with multiprocessing.get_context("spawn").Pool(len(tasks)) as pool:
        for chunk in pool.starmap(_grade_task, [(name, task, seeds, full) for task in tasks]):
            for sid, seed, verdict in chunk:
                results[sid][seed] = verdict
    return results


# ---------------------------------------------------------------------------------------------------------------
# What the verdicts say


def _at_fault(sub: Sub) -> tuple[str, ...]:
    """The functions a submission has a mistake in (none for correct code)."""
    return (sub.function, *sub.also) if sub.function is not None else ()


def _lost(verdict: Verdict) -> set[str]:
    return {function for _, function, status, _ in verdict if status != "passed"}


def _flags(verdict: Verdict) -> set[str]:
    return {flag for _, _, _, flags in verdict for flag in flags}


def judge_correct(results: dict[str, dict[int, Verdict]]) -> list[tuple[str, int, str]]:
    """(submission, seed, check) for every check a correct submission failed."""
    return [(sid, seed, cid) for sid, by_seed in sorted(results.items()) for seed, verdict in sorted(by_seed.items())
            for cid, _, status, _ in verdict if status != "passed"]


def judge_mistakes(subs: list[Sub], results: dict[str, dict[int, Verdict]]) -> dict[str, dict[str, Any]]:
    """For each mistake: the seeds where it kept its function's points (or those of the other function with a
    mistake of its own, ``also``), lacked its flag, or cost another function."""
    out = {}
    for sub in subs:
        by_seed, at_fault = results[sub.id], set(_at_fault(sub))
        out[sub.id] = {
            "function": sub.function, "flags": sub.flags,
            "unpunished": sorted(s for s, v in by_seed.items() if not at_fault <= _lost(v)),
            "unnamed": sorted(s for s, v in by_seed.items() if not set(sub.flags) <= _flags(v)),
            "elsewhere": sorted({f for v in by_seed.values() for f in _lost(v) - at_fault}),
        }
    return out


def judge_stubs(subs: list[Sub], results: dict[str, dict[int, Verdict]]) -> list[tuple[str, int, str]]:
    """(stub, seed, what went wrong) whenever a stub earned points or cost another function some."""
    out = []
    for sub in subs:
        for seed, verdict in sorted(results[sub.id].items()):
            earned = [cid for cid, function, status, _ in verdict if function == sub.function and status == "passed"]
            elsewhere = sorted(_lost(verdict) - {sub.function})
            if earned or elsewhere:
                out.append((sub.id, seed, f"earned {earned}, cost {elsewhere}"))
    return out


def judge_mutants(name: str, found: list, results: dict[str, dict[int, Verdict]]) -> dict[str, Any]:
    """Mutants killed under every seed, some seeds only, none; and where the killed ones lost points."""
    every, some, none, spread = [], [], [], []
    for mutant in found:
        by_seed = results[mutant.id]
        killed = [seed for seed, verdict in by_seed.items() if _lost(verdict)]
        row = {"id": mutant.id, "description": mutant.description}
        if not killed:
            none.append({**row, "why": EQUIVALENT[name].get(mutant.id)})
            continue
        (every if len(killed) == len(by_seed) else some).append(
            {**row, "survived": sorted(set(by_seed) - set(killed))})
        elsewhere = {f for v in by_seed.values() for f in _lost(v)} - {mutant.function}
        if elsewhere:
            spread.append({**row, "also": sorted(elsewhere)})
    return {"total": len(found), "every": every, "some": some, "none": none, "elsewhere": spread}


# ---------------------------------------------------------------------------------------------------------------


def measure(name: str, seeds: list[int], jobs: int, full: int) -> dict[str, Any]:
    from grader.assignment import load_assignment

    functions = load_assignment(ROOT, name).functions
    good, bad, constant = correct(name), mistakes(name), stubs(name, functions)
    found = mutants((ROOT / "reference" / name / "solution.py").read_text(), functions)
    subs = good + bad + constant + [Sub(m.id, m.source, function=m.function) for m in found]
    started = time.perf_counter()
    results = grade(name, subs, seeds, jobs, full=full)
    elapsed = time.perf_counter() - started
    return {
        "assignment": name, "seeds": [seeds[0], seeds[-1]], "runs": len(subs) * len(seeds),
        "seconds": round(elapsed, 1), "jobs": jobs, "full": min(full, len(seeds)),
        "correct": {"submissions": len(good), "false_failures": judge_correct({s.id: results[s.id] for s in good})},
        "mistakes": judge_mistakes(bad, results),
        "stubs": {"submissions": len(constant), "wrong": judge_stubs(constant, results)},
        "mutants": judge_mutants(name, found, results),
    }


def report(data: dict[str, Any]) -> tuple[str, bool]:
    """The text summary of one assignment's measurement, and whether its properties hold."""
    lines = [f"{data['assignment']}: seeds {data['seeds'][0]}..{data['seeds'][1]}, {data['runs']} gradings in "
             f"{data['seconds']:.0f} s with {data['jobs']} worker(s); every check of wrong code under the first "
             f"{data['full']} seeds, its own function's checks under the others"]
    false = data["correct"]["false_failures"]
    lines.append(f"  correct code: {data['correct']['submissions']} submissions, false failures {len(false)}")
    lines += [f"    FALSE FAILURE {sid} seed {seed}: {cid}" for sid, seed, cid in false[:20]]
    wrong = data["mistakes"]
    unpunished = {k: v for k, v in wrong.items() if v["unpunished"]}
    unnamed = {k: v for k, v in wrong.items() if v["unnamed"]}
    elsewhere = {k: v for k, v in wrong.items() if v["elsewhere"]}
    lines.append(f"  catalogued mistakes: {len(wrong)} written forms; lost points in their function under every seed "
                 f"{len(wrong) - len(unpunished)}, named by their flag under every seed {len(wrong) - len(unnamed)}, "
                 f"cost another function {len(elsewhere)}")
    for sid, v in {**unpunished, **unnamed, **elsewhere}.items():
        lines.append(f"    {sid} ({v['function']}, {', '.join(v['flags'])}): kept its points under seeds "
                     f"{v['unpunished'][:8]}, unnamed under {v['unnamed'][:8]}, also cost {v['elsewhere']}")
    stubbed = data["stubs"]
    lines.append(f"  stubs that ignore their inputs: {stubbed['submissions']}; earned points or cost another function "
                 f"{len(stubbed['wrong'])} times")
    lines += [f"    STUB {sid} seed {seed}: {what}" for sid, seed, what in stubbed["wrong"][:20]]
    m = data["mutants"]
    unexplained = [row for row in m["none"] if not row["why"]]
    lines.append(f"  mutants: {m['total']}; killed under every seed {len(m['every'])}, under some seeds only "
                 f"{len(m['some'])}, under none {len(m['none'])} ({len(m['none']) - len(unexplained)} explained as "
                 f"equivalent); killed with points lost in the mutated function only "
                 f"{len(m['every']) + len(m['some']) - len(m['elsewhere'])} of {len(m['every']) + len(m['some'])}")
    for row in m["some"]:
        lines.append(f"    SOME SEEDS ONLY {row['id']} {row['description']}: survived seeds {row['survived'][:8]}")
    for row in m["none"]:
        lines.append(f"    {'equivalent' if row['why'] else 'SURVIVED'} {row['id']} {row['description']}"
                     + (f": {row['why']}" if row["why"] else ""))
    for row in m["elsewhere"]:
        lines.append(f"    ELSEWHERE {row['id']} {row['description']}: also cost {row['also']}")
    ok = not (false or stubbed["wrong"] or unpunished or unnamed or elsewhere or m["some"] or unexplained
              or m["elsewhere"])
    return "\n".join(lines), ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", action="append", choices=ASSIGNMENTS,
                        help="an assignment to measure (repeatable; default: all three)")
    parser.add_argument("--seeds", type=int, default=50, help="how many seeds (default 50)")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    parser.add_argument("--full-seeds", type=int, default=5,
                        help="under this many first seeds, wrong code (mistakes, stubs, mutants) runs every check, "
                             "to see where else it loses points; under the others only its own function's checks "
                             "(default 5; correct code always runs every check)")
    parser.add_argument("--json", type=Path, default=None, help="also write the full measurement here")
    args = parser.parse_args()
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    everything, ok = [], True
    for name in args.assignment or ASSIGNMENTS:
        data = measure(name, seeds, args.jobs, args.full_seeds)
        text, good = report(data)
        print(text, flush=True)
        everything.append(data)
        ok = ok and good
    if args.json is not None:
        args.json.write_text(json.dumps(everything, indent=1) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
