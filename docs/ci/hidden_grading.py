"""The steps of docs/ci/hidden-grading.yml that talk to GitHub: choose what to grade, fetch it, post the verdict.

Runs in the course's private grading workflow, from the checkout of the grader at a pinned ref, never from the
grading repository itself (a holder of the dispatch token can change that repository's files). Standard library
only; Python 3.11 or newer (the python3 of ubuntu-24.04 runners is 3.12).

    python3 hidden_grading.py plan --out DIR      the event → DIR/targets.json, DIR/submissions/<slug>/<file>
    python3 hidden_grading.py report --plan FILE --results DIR      one check run per target

Everything a student controls is data here: the dispatch payload (validated, then checked against GitHub's own
record of the repository), the repository's branch names (quoted into URLs), the submission file (taken only if
GitHub says it is a regular file, within the size limit), and the results (read as bounded JSON). Nothing is ever
put into a shell command. Configuration comes from the workflow's ``env:``, which only the staff can edit.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# GitHub's own rules for names: an owner is 1-39 letters, digits and inner hyphens; a repository 1-100 of
# letters, digits, '.', '_' and '-'. A commit is named by 40 lowercase hex digits.
_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?"
_REPOSITORY = re.compile(rf"({_OWNER})/([A-Za-z0-9._-]{{1,100}})")
_SHA = re.compile(r"[0-9a-f]{40}")
_FILE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,99}")  # a file at the top of the repository
MAX_SUBMISSION_BYTES = 50 * 2**20  # the grader reads nothing larger (grader/load.py)
MAX_JSON_BYTES = 8 * 2**20  # any one API answer, the event, a results.json
MAX_SUMMARY = 60_000  # characters of a check run's summary (GitHub allows 65,535)
MAX_PAGES = 20  # 2,000 repositories
API_VERSION = "2022-11-28"


class Refused(Exception):
    """A request to grade something that must not be graded; the message says why, for the log."""


class ApiError(Exception):
    """GitHub answered with an error, or with something that is not what the endpoint promises."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Config:
    """What the workflow's ``env:`` says: which repositories are students', which file to grade, and so on."""

    owner: str
    students: re.Pattern[str]
    submission_file: str
    check_name: str
    app_slug: str
    excluded: frozenset[str]
    max_targets: int = 100
    lookback: timedelta = timedelta(hours=48)

    @classmethod
    def from_env(cls, env: dict[str, str]) -> Config:
        def need(name: str) -> str:
            value = env.get(name, "").strip()
            if not value:
                raise SystemExit(f"hidden_grading: the workflow must set {name}")
            return value

        submission = need("SUBMISSION_FILE")
        if not _FILE.fullmatch(submission):
            raise SystemExit(f"hidden_grading: SUBMISSION_FILE {submission!r} is not a plain file name")
        excluded = {need("GITHUB_REPOSITORY").lower()} | {
            name.strip().lower() for name in env.get("GRADER_REPOSITORY", "").split(",") if name.strip()}
        return cls(owner=need("GITHUB_REPOSITORY_OWNER"), students=re.compile(need("STUDENT_REPOS")),
                   submission_file=submission, check_name=need("CHECK_NAME"), app_slug=env.get("APP_SLUG", ""),
                   excluded=frozenset(excluded), max_targets=int(env.get("MAX_TARGETS", "100")),
                   lookback=timedelta(hours=float(env.get("LOOKBACK_HOURS", "48"))))


@dataclass(frozen=True)
class Target:
    """One commit to report on. ``problem`` is set when there is nothing to grade, and says why."""

    repository: str
    sha: str
    slug: str
    problem: str = ""

    @classmethod
    def of(cls, repository: str, sha: str, problem: str = "") -> Target:
        return cls(repository, sha, f"{repository.split('/')[1]}-{sha[:12]}", problem)

    @classmethod
    def from_dict(cls, data: Any, config: Config) -> Target:
        """Read one entry of targets.json back, validating it again: it crossed from another job."""
        if not isinstance(data, dict):
            raise Refused("a target is not an object")
        repository = check_repository(data.get("repository"), config)
        sha = check_sha(data.get("sha"))
        problem = data.get("problem", "")
        return cls.of(repository, sha, problem[:500] if isinstance(problem, str) else "")


def check_repository(value: object, config: Config) -> str:
    """``owner/name`` if ``value`` names one of the students' repositories, else Refused."""
    if not isinstance(value, str) or len(value) > 140:
        raise Refused("the repository is not a short string")
    match = _REPOSITORY.fullmatch(value)
    if match is None or match.group(2) in (".", ".."):
        raise Refused(f"{value!r} is not a repository name")
    if match.group(1).lower() != config.owner.lower():
        raise Refused(f"{value!r} does not belong to {config.owner}")
    if value.lower() in config.excluded:
        raise Refused(f"{value!r} is one of the course's own repositories")
    if not config.students.fullmatch(value):
        raise Refused(f"{value!r} does not match STUDENT_REPOS")
    return value


def check_sha(value: object) -> str:
    """The commit id if ``value`` is 40 lowercase hex digits, else Refused."""
    if not isinstance(value, str) or not _SHA.fullmatch(value):
        raise Refused("the commit is not 40 lowercase hex digits")
    return value


def parse_dispatch(event: Any, config: Config) -> tuple[str, str]:
    """The (repository, commit) a ``repository_dispatch`` event asks for; Refused unless both are valid."""
    payload = event.get("client_payload") if isinstance(event, dict) else None
    if not isinstance(payload, dict) or set(payload) != {"repository", "sha"}:
        raise Refused("client_payload must be an object with exactly the keys repository and sha")
    return check_repository(payload["repository"], config), check_sha(payload["sha"])


class GitHub:
    """The few REST calls this needs, with a bound on every answer. ``GITHUB_API_URL`` says where the API is."""

    def __init__(self, token: str, api: str = "https://api.github.com") -> None:
        self.token = token
        self.api = api.rstrip("/")

    def _request(self, method: str, path: str, *, accept: str = "application/vnd.github+json",
                 body: Any = None, limit: int = MAX_JSON_BYTES) -> tuple[bytes, dict[str, str]]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.api + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Accept": accept, "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "grader-hidden-grading", **({"Content-Type": "application/json"} if data else {})})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                payload = response.read(limit + 1)
                headers = {k.lower(): v for k, v in response.headers.items()}
        except urllib.error.HTTPError as exc:
            raise ApiError(f"{method} {path}: HTTP {exc.code}", exc.code) from None
        except (urllib.error.URLError, OSError) as exc:
            raise ApiError(f"{method} {path}: {exc}") from None
        if len(payload) > limit:
            raise ApiError(f"{method} {path}: the answer is larger than {limit:,} bytes")
        return payload, headers

    def get(self, path: str, **params: str) -> Any:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        payload, _ = self._request("GET", path + query)
        return _json(payload, path)

    def pages(self, path: str, key: str) -> Iterator[Any]:
        """The items of a paginated list (``{key: [...]}`` per page), at most MAX_PAGES pages."""
        for page in range(1, MAX_PAGES + 1):
            items = self.get(path, per_page="100", page=str(page)).get(key)
            if not isinstance(items, list):
                raise ApiError(f"GET {path}: no list {key!r} in the answer")
            yield from items
            if len(items) < 100:
                return

    def raw(self, path: str, limit: int, **params: str) -> bytes:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return self._request("GET", path + query, accept="application/vnd.github.raw+json", limit=limit)[0]

    def post(self, path: str, body: Any) -> Any:
        return _json(self._request("POST", path, body=body)[0], path)


def _json(payload: bytes, what: str) -> Any:
    try:
        return json.loads(payload)
    except ValueError:
        raise ApiError(f"{what}: the answer is not JSON") from None


def _quote(part: str) -> str:
    return urllib.parse.quote(part, safe="")


def head_of_default_branch(github: GitHub, repository: str) -> str:
    """The commit at the tip of ``repository``'s default branch, as GitHub records it."""
    branch = github.get(f"/repos/{repository}").get("default_branch")
    if not isinstance(branch, str) or not branch:
        raise ApiError(f"{repository}: no default branch")
    head = github.get(f"/repos/{repository}/commits/{_quote(branch)}").get("sha")
    return check_sha(head)


def already_reported(github: GitHub, target: Target, config: Config) -> bool:
    """True if this commit already carries our check run (made by our App: a student's own one does not count)."""
    runs = github.get(f"/repos/{target.repository}/commits/{target.sha}/check-runs",
                      check_name=config.check_name, filter="all").get("check_runs", [])
    return any(isinstance(r, dict) and isinstance(r.get("app"), dict) and r["app"].get("slug") == config.app_slug
               for r in runs)


def fetch_submission(github: GitHub, target: Target, config: Config, folder: Path) -> Target:
    """Download the submission file of ``target`` into ``folder``; a target with ``problem`` set if there is none.

    GitHub's own description of the path decides: only a regular file is taken (a symlink would point the grader
    at a file of its own choosing), and only up to the size the grader accepts.
    """
    path = f"/repos/{target.repository}/contents/{_quote(config.submission_file)}"
    try:
        entry = github.get(path, ref=target.sha)
    except ApiError as exc:
        if exc.status == 404:
            return Target.of(target.repository, target.sha, f"There is no {config.submission_file} in this "
                             "commit. Commit your notebook under that name at the top of the repository.")
        raise
    if not isinstance(entry, dict) or entry.get("type") != "file":
        kind = entry.get("type", "a folder") if isinstance(entry, dict) else "a folder"
        return Target.of(target.repository, target.sha, f"{config.submission_file} is {kind}, not a regular file: "
                         "commit the notebook itself.")
    size = entry.get("size")
    if not isinstance(size, int) or size > MAX_SUBMISSION_BYTES:
        return Target.of(target.repository, target.sha, f"{config.submission_file} is larger than "
                         f"{MAX_SUBMISSION_BYTES // 2**20} MB: clear the notebook's outputs and commit it again.")
    data = github.raw(path, MAX_SUBMISSION_BYTES, ref=target.sha)
    if len(data) != size:
        raise ApiError(f"{target.repository}: {config.submission_file} changed size while it was downloaded")
    destination = folder / target.slug
    destination.mkdir(parents=True, exist_ok=False)
    (destination / config.submission_file).write_bytes(data)
    return target


def _dispatch_targets(github: GitHub, event: Any, config: Config) -> list[Target]:
    repository, sha = parse_dispatch(event, config)
    if head_of_default_branch(github, repository) != sha:
        raise Refused(f"{sha} is not the head of {repository}'s default branch (a newer push has its own turn)")
    return [Target.of(repository, sha)]


def _scheduled_targets(github: GitHub, config: Config, now: datetime) -> list[Target]:
    """The head of every student repository pushed to within the look-back window."""
    targets = []
    for repo in github.pages("/installation/repositories", "repositories"):
        name = repo.get("full_name") if isinstance(repo, dict) else None
        try:
            repository = check_repository(name, config)
        except Refused:
            continue
        pushed = repo.get("pushed_at")
        if isinstance(pushed, str) and _when(pushed) < now - config.lookback:
            continue
        try:
            targets.append(Target.of(repository, head_of_default_branch(github, repository)))
        except (ApiError, Refused) as exc:
            print(f"skipped {repository}: {exc}", file=sys.stderr)
    return targets


def _when(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC)


def plan(github: GitHub, event_name: str, event: Any, config: Config, out: Path,
         now: datetime | None = None) -> list[Target]:
    """Choose the commits to grade, download their submission files, write ``out/targets.json``."""
    try:
        if event_name == "repository_dispatch":
            candidates = _dispatch_targets(github, event, config)
        elif event_name in ("schedule", "workflow_dispatch"):
            candidates = _scheduled_targets(github, config, now or datetime.now(UTC))
        else:
            raise Refused(f"the event {event_name!r} does not start grading")
    except Refused as exc:
        print(f"nothing to grade: {exc}", file=sys.stderr)
        candidates = []
    chosen: list[Target] = []
    for target in candidates:
        if len(chosen) >= config.max_targets:
            print(f"{len(candidates) - len(chosen)} more left for the next run", file=sys.stderr)
            break
        try:
            if already_reported(github, target, config):
                continue
            chosen.append(fetch_submission(github, target, config, out / "submissions"))
        except ApiError as exc:
            print(f"skipped {target.repository}@{target.sha}: {exc}", file=sys.stderr)
    out.mkdir(parents=True, exist_ok=True)
    (out / "targets.json").write_text(json.dumps([asdict(t) for t in chosen], indent=1) + "\n")
    return chosen


def _read_json(path: Path) -> Any:
    with path.open("rb") as fh:
        data = fh.read(MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        raise ValueError(f"{path.name} is larger than {MAX_JSON_BYTES:,} bytes")
    return json.loads(data)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def check_run(target: Target, results_dir: Path | None, config: Config) -> dict[str, Any]:
    """The check run that tells the student how ``target`` was graded (GitHub's ``POST .../check-runs`` body)."""
    base = {"name": config.check_name, "head_sha": target.sha, "status": "completed", "external_id": target.slug}
    if target.problem:
        return {**base, "conclusion": "failure",
                "output": {"title": "Nothing to grade", "summary": target.problem}}
    found = sorted(results_dir.glob("*/results.json")) if results_dir else []
    try:
        result = _read_json(found[0]) if len(found) == 1 else None
    except (OSError, ValueError):
        result = None
    score = _number(result.get("score")) if isinstance(result, dict) else None
    most = _number(result.get("max_score")) if isinstance(result, dict) else None
    if score is None or most is None:
        return {**base, "conclusion": "neutral", "output": {
            "title": "Grading did not finish",
            "summary": "The grader could not finish grading this commit. The course staff can see why in the "
                       "grading workflow's run; pushing again starts a new attempt."}}
    report = found[0].parent / "report.md"
    try:
        text = report.read_text(encoding="utf-8", errors="replace")[:MAX_SUMMARY + 1]
    except OSError:
        text = ""
    if len(text) > MAX_SUMMARY:
        text = text[:text.rfind("\n", 0, MAX_SUMMARY)] + "\n\n*(The report is longer; this is its beginning.)*"
    return {**base, "conclusion": "success" if score >= most else "neutral",
            "output": {"title": f"{score:g} / {most:g} points", "summary": text or "(no report)"}}


def report(github: GitHub, targets: list[Target], results: Path, config: Config) -> int:
    """Post one check run per target; the number that could not be posted."""
    failed = 0
    for target in targets:
        folder = results / target.slug
        body = check_run(target, folder if folder.is_dir() else None, config)
        try:
            github.post(f"/repos/{target.repository}/check-runs", body)
            print(f"{target.repository}@{target.sha}: {body['conclusion']}, {body['output']['title']}")
        except ApiError as exc:
            failed += 1
            print(f"could not post to {target.repository}@{target.sha}: {exc}", file=sys.stderr)
    return failed


def _github_output(values: dict[str, str]) -> None:
    path = os.environ.get("GITHUB_OUTPUT")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.writelines(f"{key}={value}\n" for key, value in values.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)
    plan_cmd = commands.add_parser("plan", help="choose and fetch the commits to grade")
    plan_cmd.add_argument("--out", type=Path, required=True)
    report_cmd = commands.add_parser("report", help="post the results back as check runs")
    report_cmd.add_argument("--plan", type=Path, required=True)
    report_cmd.add_argument("--results", type=Path, required=True)
    args = parser.parse_args(argv)

    env = dict(os.environ)
    config = Config.from_env(env)
    github = GitHub(env.get("GH_TOKEN", ""), env.get("GITHUB_API_URL", "https://api.github.com"))
    if args.command == "plan":
        if not config.app_slug:
            raise SystemExit("hidden_grading: APP_SLUG (the App's slug) is needed to recognise its own check runs")
        event = _read_json(Path(env["GITHUB_EVENT_PATH"])) if env.get("GITHUB_EVENT_PATH") else {}
        chosen = plan(github, env.get("GITHUB_EVENT_NAME", ""), event, config, args.out)
        graded = [t.slug for t in chosen if not t.problem]
        _github_output({"count": str(len(chosen)), "slugs": json.dumps(graded),
                        "repositories": ",".join(sorted({t.repository.split("/")[1] for t in chosen}))})
        print(f"{len(chosen)} commit(s) to report on, {len(graded)} to grade")
        return 0
    try:
        targets = [Target.from_dict(item, config) for item in _read_json(args.plan)]
    except (OSError, ValueError, TypeError, Refused) as exc:
        raise SystemExit(f"hidden_grading: {args.plan} is not a list of targets: {exc}") from None
    return 1 if report(github, targets, args.results, config) else 0


if __name__ == "__main__":
    sys.exit(main())
