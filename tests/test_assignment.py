"""Reading an assignment's two folders: what is read, every refusal with the file it names, and the fingerprint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from paths import ROOT

from grader.assignment import Limits, available, load_assignment
from grader.errors import ConfigError, UsageError

CONFIG = '''name = "demo"
version = "2"
title = "A demo"
functions = ["add", "mul"]
helpers = ["data_utils.py"]
stub_modules = ["matplotlib"]

[limits]
call_seconds = 3
memory_mb = 512
'''


def make(root, *, config: str = CONFIG, reference: bool = True):
    public, hidden = root / "assignments" / "demo", root / "reference" / "demo"
    public.mkdir(parents=True)
    (public / "assignment.toml").write_text(config)
    (public / "data_utils.py").write_text("def load():\n    return 1\n")
    (public / "lessons.toml").write_text('[zero-init]\ntitle = "Zeros"\nbody = "Why zeros fail."\n')
    (public / "examples").mkdir()
    if reference:
        (hidden / "checks").mkdir(parents=True)
        (hidden / "grading.toml").write_text('[points]\n"add::a" = 1\n"mul::b" = 0.5\n\n[tolerances]\nrtol = 1e-5\n')
        (hidden / "solution.py").write_text("def add(a, b):\n    return a + b\n")
        (hidden / "checks" / "test_demo.py").write_text("# checks\n")
    return public, hidden


def test_everything_is_read(tmp_path):
    public, hidden = make(tmp_path)
    demo = load_assignment(tmp_path, "demo")
    assert (demo.name, demo.version, demo.title, demo.execute) == ("demo", "2", "A demo", "definitions")
    assert (demo.public_dir, demo.reference_dir) == (public, hidden)
    assert demo.functions == ("add", "mul") and demo.stub_modules == ("matplotlib",)
    assert [(h.module, h.source) for h in demo.helpers] == [("data_utils", "def load():\n    return 1\n")]
    assert demo.limits == Limits(call_seconds=3.0, memory_mb=512)
    assert dict(demo.points) == {"add::a": 1.0, "mul::b": 0.5} and demo.max_score == 1.5
    assert dict(demo.tolerances) == {"rtol": 1e-5}
    assert dict(demo.lessons["zero-init"]) == {"title": "Zeros", "body": "Why zeros fail."}
    assert demo.late is None and demo.hidden_until is None
    assert (demo.stem, demo.solution_path, demo.checks_dir) == ("demo", hidden / "solution.py", hidden / "checks")
    assert demo.mistakes_path == hidden / "mistakes.py"
    assert available(tmp_path) == ("demo",)


def test_the_public_half_alone_is_an_assignment_without_checks(tmp_path):
    make(tmp_path, reference=False)
    demo = load_assignment(tmp_path, "demo")
    assert demo.reference_dir is None and dict(demo.points) == {} and demo.max_score == 0.0
    for needs_reference in ("solution_path", "checks_dir", "mistakes_path"):
        with pytest.raises(ConfigError, match="not available here"):
            getattr(demo, needs_reference)


def test_late_and_visibility_tables(tmp_path):
    make(tmp_path, config=CONFIG.replace("[limits]", '[late]\ndeadline = "2026-12-01T23:59:00Z"\npenalty_per_day = 0.25'
                                                      '\nmax_days = 3\ngrace_minutes = 10\n\n[visibility]\n'
                                                      'hidden_until = "2026-12-20T00:00:00"\n\n[limits]'))
    demo = load_assignment(tmp_path, "demo")
    assert demo.late.deadline == datetime(2026, 12, 1, 23, 59, tzinfo=UTC)
    assert (demo.late.penalty_per_day, demo.late.max_days, demo.late.grace) == (0.25, 3, timedelta(minutes=10))
    assert demo.hidden_until == datetime(2026, 12, 20, tzinfo=UTC)


def test_an_unknown_assignment_is_a_usage_error_listing_the_others(tmp_path):
    make(tmp_path)
    with pytest.raises(UsageError, match=r"no assignment named 'nope' under .* \(available: demo\)"):
        load_assignment(tmp_path, "nope")
    with pytest.raises(UsageError, match=r"\(available: none\)"):
        load_assignment(tmp_path / "empty", "nope")


def refusal(tmp_path, *, public_file: str | None = None, hidden_file: str | None = None, text: str = "",
            delete: str | None = None) -> ConfigError:
    public, hidden = make(tmp_path)
    if public_file:
        (public / public_file).write_text(text)
    if hidden_file:
        (hidden / hidden_file).write_text(text)
    if delete:
        (tmp_path / delete).unlink()
    with pytest.raises(ConfigError) as caught:
        load_assignment(tmp_path, "demo")
    return caught.value


@pytest.mark.parametrize(("change", "where", "message"), [
    ({"public_file": "assignment.toml", "text": "name = "}, "assignments/demo/assignment.toml", "not valid TOML"),
    ({"public_file": "assignment.toml", "text": 'name = "demo"\nversion = "1"\n'}, "assignments/demo/assignment.toml",
     "missing key 'functions'"),
    ({"public_file": "assignment.toml", "text": CONFIG.replace('"demo"', '"other"')},
     "assignments/demo/assignment.toml", "name 'other' does not match its folder 'demo'"),
    ({"public_file": "assignment.toml", "text": CONFIG.replace("title", 'execute = "some"\ntitle')},
     "assignments/demo/assignment.toml", "execute must be one of"),
    ({"delete": "assignments/demo/data_utils.py"}, "assignments/demo/assignment.toml",
     "helper module 'data_utils.py' is listed but missing"),
    ({"public_file": "lessons.toml", "text": "[x\n"}, "assignments/demo/lessons.toml", "not valid TOML"),
    ({"hidden_file": "grading.toml", "text": "[tolerances]\nrtol = 1\n"}, "reference/demo/grading.toml",
     "no [points] table"),
    ({"hidden_file": "grading.toml", "text": '[points]\n"add::a" = 1\n"div::c" = 1\n"sub::d" = 1\n'},
     "reference/demo/grading.toml", "points name functions that assignment.toml does not grade: div, sub"),
    ({"delete": "reference/demo/solution.py"}, "reference/demo", "the reference solution solution.py is missing"),
    ({"public_file": "assignment.toml", "text": CONFIG + '\n[late]\npenalty_per_day = 0.1\n'},
     "assignments/demo/assignment.toml", "bad [late] or [visibility] table"),
    ({"public_file": "assignment.toml", "text": CONFIG + '\n[late]\ndeadline = "2026-12-01"\npenalty_per_day = 2\n'},
     "assignments/demo/assignment.toml", "penalty_per_day must be within 0..1"),
    ({"public_file": "assignment.toml", "text": CONFIG + '\n[visibility]\nhidden_until = "soon"\n'},
     "assignments/demo/assignment.toml", "bad [late] or [visibility] table"),
    ({"public_file": "assignment.toml", "text": CONFIG + "wall_seconds = 3\n"}, "assignments/demo/assignment.toml",
     "unknown keys in [limits]: wall_seconds"),
    ({"public_file": "assignment.toml", "text": CONFIG.replace("512", '"lots"')},
     "assignments/demo/assignment.toml", "bad value in [limits]"),
])
def test_each_refusal_names_its_file(tmp_path, change, where, message):
    error = refusal(tmp_path, **change)
    assert error.path == str(tmp_path / where)
    assert message in error.show() and error.show().startswith(f"error: {tmp_path / where}: ")


def test_the_fingerprint_follows_every_file_that_changes_grading(tmp_path):
    public, hidden = make(tmp_path)
    (hidden / "mistakes.py").write_text("# catalogue\n")
    seen = {load_assignment(tmp_path, "demo").fingerprint}
    assert load_assignment(tmp_path, "demo").fingerprint in seen  # stable
    for path in (public / "assignment.toml", public / "data_utils.py", public / "lessons.toml",
                 hidden / "grading.toml", hidden / "solution.py", hidden / "checks" / "test_demo.py",
                 hidden / "mistakes.py"):
        path.write_text(path.read_text() + "\n# changed\n")
        fingerprint = load_assignment(tmp_path, "demo").fingerprint
        assert fingerprint not in seen, path
        seen.add(fingerprint)
    (public / "examples" / "new.py").write_text("x = 1\n")  # what is graded, not what grades
    (hidden / "notes.txt").write_text("todo\n")
    assert load_assignment(tmp_path, "demo").fingerprint in seen


def test_the_bundled_assignments_load():
    for name in available(ROOT):
        assignment = load_assignment(ROOT, name)
        assert assignment.reference_dir is not None and assignment.max_score > 0
        assert {cid.split("::")[0] for cid in assignment.points} <= set(assignment.functions)
