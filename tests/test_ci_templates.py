"""The GitHub Actions templates in docs/ci: no secret that reads the hidden checks reaches a workflow a student can
edit, no student-controlled value reaches a shell, and every file passes actionlint and shellcheck.

The security properties are checked on the parsed YAML by small rule functions; each rule is also shown to catch
the hole it is about, on the leaky template this design replaced and on hand-made variants.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from paths import ROOT

from grader.export import RUN, SETUP

yaml = pytest.importorskip("yaml")

CI = ROOT / "docs" / "ci"
STUDENT = CI / "student-checks.yml"
PRIVATE = CI / "hidden-grading.yml"
ACTIONLINT = ROOT / ".ci" / "actionlint"
IN_CI = bool(os.environ.get("CI"))

# What docs/ci/grade.yml did before: every student repository got a token that reads the grader, reference/ too.
LEAKY = """
name: grade
on: [push, workflow_dispatch]
permissions:
  contents: read
jobs:
  grade:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with: {path: submission}
      - uses: actions/checkout@v4
        with:
          repository: my-course/grader
          token: ${{ secrets.GRADER_REPO_TOKEN }}
          path: grader
      - run: .venv/bin/grade submission/shallow_nn.ipynb --assignment shallow-nn
"""


def load(path: Path) -> dict[str, Any]:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def strings(node: Any) -> list[str]:
    """Every string value in a parsed document."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in strings(v)]
    return []


def steps(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(name, step) for name, job in workflow["jobs"].items() for step in job.get("steps", [])]


def runs_student_code(job: dict[str, Any]) -> bool:
    return any(re.search(r"\bgrade (run|check)\b", step.get("run", "")) for step in job.get("steps", []))


# ---- the rules ---------------------------------------------------------------------------------------------------

def problems_any(workflow: dict[str, Any]) -> list[str]:
    """Rules for every workflow: minimal permissions, no expression in a shell, pinned actions, no kept token."""
    found = []
    top = workflow.get("permissions")
    if not isinstance(top, dict) or any(v not in ("read", "none") for v in top.values()):
        found.append(f"top-level permissions must be a map of read/none, not {top!r}")
    elif set(top) - {"contents"}:
        found.append(f"top-level permissions grant more than contents: {sorted(top)}")
    triggers = workflow["on"] if isinstance(workflow["on"], (dict, list)) else [workflow["on"]]
    for risky in ("pull_request_target", "workflow_run"):
        if risky in triggers:
            found.append(f"{risky} runs with the base repository's secrets on someone else's code")
    for job_name, step in steps(workflow):
        if "${{" in step.get("run", ""):
            found.append(f"{job_name}: an expression inside run: ({step.get('name', step['run'][:40])!r}); "
                         "pass it through env:")
        uses = step.get("uses", "")
        if uses and not re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses):
            found.append(f"{job_name}: {uses} is not pinned to a commit")
        if uses.startswith("actions/checkout@") and (step.get("with") or {}).get("persist-credentials") is not False:
            found.append(f"{job_name}: a checkout without persist-credentials: false leaves its token on disk")
    return found


def problems_student(workflow: dict[str, Any], text: str) -> list[str]:
    """The student's workflow: no secret at all, and nothing that can write."""
    found = []
    if "secrets." in text or "secrets[" in text:
        found.append("the student's workflow names a secret: the student can print it")
    for name, job in workflow["jobs"].items():
        granted = job.get("permissions", {})
        if granted in ("write-all", "read-all") or (isinstance(granted, dict) and "write" in granted.values()):
            found.append(f"{name}: permissions {granted!r}")
    for name, step in steps(workflow):
        token = (step.get("with") or {}).get("token")
        if token is not None:
            found.append(f"{name}: a checkout with a token of its own ({token})")
    return found


def problems_private(workflow: dict[str, Any]) -> list[str]:
    """The private grading workflow: payload only as data, secrets only in jobs that run no student code."""
    found = []
    if workflow.get("permissions") != {}:
        found.append("the grading workflow's own token should have no permission at all")
    for value in strings(workflow):
        if "github.event." in value or "client_payload" in value:
            found.append(f"an expression reads the event directly: {value.strip()[:80]!r}")
    for name, job in workflow["jobs"].items():
        text = json.dumps(job)
        holds_secret = "secrets." in text or ".outputs.token" in text or "environment" in job
        if runs_student_code(job) and holds_secret:
            found.append(f"{name}: runs student code and holds a secret or token")
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/checkout@"):
                repository = (step.get("with") or {}).get("repository", "")
                if "GRADER_REPOSITORY" not in repository:
                    found.append(f"{name}: checks out {repository or 'this repository'}; fetch student files through "
                                 "the API, never a checkout (and never this repository's own files)")
    return found


# ---- the templates as shipped ------------------------------------------------------------------------------------

def test_the_templates_are_the_two_workflows():
    assert sorted(p.name for p in CI.glob("*.yml")) == ["hidden-grading.yml", "student-checks.yml"]


@pytest.mark.parametrize("path", [STUDENT, PRIVATE], ids=lambda p: p.name)
def test_every_workflow_follows_the_common_rules(path):
    assert problems_any(load(path)) == []


def test_the_student_workflow_holds_no_secret_and_cannot_write():
    workflow = load(STUDENT)
    assert problems_student(workflow, STUDENT.read_text()) == []
    assert workflow["permissions"] == {"contents": "read"}
    commands = " ".join(step.get("run", "") for _, step in steps(workflow))
    assert "grade check" in commands and "grade run" not in commands
    # The optional dispatch token is a variable, readable by the student by design, and sent nowhere but the API.
    request = workflow["jobs"]["request-grading"]
    assert request["permissions"] == {} and "vars.GRADING_DISPATCH_TOKEN" in request["if"]
    assert "github.event.repository.default_branch" in request["if"]


def test_the_private_workflow_keeps_secrets_away_from_student_code():
    workflow = load(PRIVATE)
    assert problems_private(workflow) == []
    jobs = workflow["jobs"]
    assert [name for name, job in jobs.items() if runs_student_code(job)] == ["grade"]
    assert "environment" not in jobs["grade"] and "secrets." not in json.dumps(jobs["grade"])
    assert set(workflow["on"]) == {"repository_dispatch", "schedule", "workflow_dispatch"}
    assert workflow["on"]["repository_dispatch"] == {"types": ["grade"]}


def test_the_app_tokens_ask_for_the_least_they_need():
    workflow = load(PRIVATE)
    tokens = {name: step["with"] for name, step in steps(workflow)
              if step.get("uses", "").startswith("actions/create-github-app-token@")}
    permissions = {name: {k: v for k, v in given.items() if k.startswith("permission-")} for name, given in
                   tokens.items()}
    assert permissions == {"plan": {"permission-contents": "read", "permission-checks": "read"},
                           "report": {"permission-checks": "write"}}
    assert tokens["report"]["repositories"] == "${{ needs.plan.outputs.repositories }}"


def test_the_payload_reaches_only_the_helper_which_reads_the_event_file():
    workflow = load(PRIVATE)
    helper = [step for _, step in steps(workflow) if "hidden_grading.py" in step.get("run", "")]
    assert len(helper) == 2 and all(step["run"].startswith("python3 grader/docs/ci/") for step in helper)
    assert "GITHUB_EVENT_PATH" in (CI / "hidden_grading.py").read_text()


# ---- the rules catch what they are about ---------------------------------------------------------------------------

def test_the_rules_catch_the_leaky_template():
    leaky = yaml.safe_load(LEAKY)
    leaky["on"] = leaky.pop(True)
    assert any("names a secret" in p for p in problems_student(leaky, LEAKY))
    common = problems_any(leaky)
    assert any("not pinned" in p for p in common) and any("persist-credentials" in p for p in common)


def test_the_rules_catch_an_injected_payload_and_a_token_next_to_student_code():
    workflow = load(PRIVATE)
    bad = copy.deepcopy(workflow)
    bad["jobs"]["plan"]["steps"].append({"run": 'echo "${{ github.event.client_payload.sha }}"'})
    assert any("inside run:" in p for p in problems_any(bad))
    assert any("reads the event directly" in p for p in problems_private(bad))
    bad = copy.deepcopy(workflow)
    bad["jobs"]["grade"]["steps"][-2].setdefault("env", {})["GH_TOKEN"] = "${{ secrets.GRADER_APP_PRIVATE_KEY }}"
    assert any("runs student code and holds" in p for p in problems_private(bad))
    bad = copy.deepcopy(workflow)
    bad["jobs"]["grade"]["steps"].insert(0, {"uses": "actions/checkout@" + "0" * 40, "with": {
        "repository": "${{ matrix.repository }}", "persist-credentials": False}})
    assert any("never a checkout" in p for p in problems_private(bad))
    bad = copy.deepcopy(workflow)
    bad["permissions"] = "write-all"
    bad["on"]["pull_request_target"] = None
    assert len(problems_any(bad)) == 2


# ---- actionlint and shellcheck -------------------------------------------------------------------------------------

def _tool_missing(what: str) -> None:
    message = f"{what} is not installed (.ci/run installs it)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def actionlint(*paths: Path) -> list[dict[str, Any]]:
    if shutil.which("node") is None or not (ACTIONLINT / "node_modules" / "@tktco" / "node-actionlint").is_dir():
        _tool_missing("actionlint (npm ci --prefix .ci/actionlint)")
    done = subprocess.run(["node", str(ACTIONLINT / "lint.cjs"), "--json", *map(str, paths)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_actionlint_passes_every_template():
    assert actionlint(*sorted(CI.glob("*.yml"))) == []


def test_actionlint_finds_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(PRIVATE.read_text().replace("needs.plan.outputs.slugs", "needs.plann.outputs.slugs"))
    findings = actionlint(broken)
    assert findings and all(f["kind"] == "expression" and '"plann"' in f["message"] for f in findings)


def _shell_scripts() -> dict[str, str]:
    scripts = {"setup.sh": SETUP, "run_autograder": RUN.format(stem="shallow_nn", name="shallow-nn")}
    for path in (STUDENT, PRIVATE):
        for index, (job, step) in enumerate(steps(load(path))):
            if "run" in step:
                scripts[f"{path.name}:{job}:{index}"] = "#!/usr/bin/env bash\nset -eo pipefail\n" + step["run"]
    return scripts


def test_shellcheck_passes_every_script(tmp_path):
    if shutil.which("shellcheck") is None:
        _tool_missing("shellcheck (apt-get install shellcheck)")
    failures = []
    for name, script in _shell_scripts().items():
        path = tmp_path / re.sub(r"[^\w.-]", "_", name)
        path.write_text(script)
        done = subprocess.run(["shellcheck", "--shell=bash", "--severity=info", str(path)], capture_output=True,
                              text=True, timeout=60)
        if done.returncode:
            failures.append(f"{name}:\n{done.stdout}")
    assert not failures, "\n".join(failures)
    # shellcheck does find the classic hole: an unquoted value in a command.
    hole = tmp_path / "hole.sh"
    hole.write_text('#!/usr/bin/env bash\ncp $SUBMISSION incoming/\n')
    assert subprocess.run(["shellcheck", "--shell=bash", str(hole)], capture_output=True).returncode == 1
