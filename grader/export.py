"""Export an assignment as a Gradescope autograder zip: setup.sh, run_autograder and the grader's source.

Gradescope unpacks the zip into /autograder/source, runs setup.sh once to build the image, and runs
run_autograder for every submission with the student's files in /autograder/submission; the results go to
/autograder/results/results.json. The hidden checks travel inside the zip, which only instructors upload.
"""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

from .assignment import Assignment
from .errors import ConfigError

__all__ = ["RUN", "SETUP", "gradescope_zip"]

SETUP = """#!/usr/bin/env bash
# Gradescope image set-up: Python, libseccomp for the sandbox, and the grader in a virtual environment.
set -euo pipefail
apt-get update -qq
apt-get install -y -qq python3 python3-venv python3-pip libseccomp2 >/dev/null
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -q /autograder/source
"""

RUN = """#!/usr/bin/env bash
# Grade the one submission in $AUTOGRADER_ROOT/submission and write Gradescope's results.json.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{GRADER_PYTHON:-$ROOT/venv/bin/python}}"
export GRADER_ROOT="$ROOT/source"
OUT="$(mktemp -d)"
pick() {{
    for pattern in "{stem}.ipynb" "{stem}.py" "*.ipynb" "*.py"; do
        for file in "$ROOT"/submission/$pattern; do
            [ -f "$file" ] && {{ echo "$file"; return; }}
        done
    done
}}
FILE="$(pick)"
mkdir -p "$ROOT/results"
if [ -z "$FILE" ]; then
    printf '{{"score": 0, "output": "No .ipynb or .py file was submitted.", "tests": []}}\\n' \\
        > "$ROOT/results/results.json"
    exit 0
fi
"$PYTHON" -m grader.cli run "$FILE" --assignment {name} --out "$OUT" --jobs 1 --format gradescope --quiet
cp "$OUT"/*/gradescope.json "$ROOT/results/results.json"
"""

_SKIP = ("__pycache__", ".pyc", ".egg-info")


def _files(base: Path, folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not any(s in str(p) for s in _SKIP)) \
        if folder.is_dir() else []


def gradescope_zip(assignment: Assignment, package_root: Path) -> bytes:
    """The autograder zip for ``assignment``, built from the grader checkout at ``package_root``."""
    if assignment.reference_dir is None:
        raise ConfigError(f"the hidden half of {assignment.name!r} (reference/{assignment.name}/) is not here; an "
                          "autograder needs it", path=str(assignment.public_dir))
    entries: list[tuple[str, bytes, bool]] = [
        ("setup.sh", SETUP.encode(), True),
        ("run_autograder", RUN.format(stem=assignment.stem, name=assignment.name).encode(), True),
    ]
    root = assignment.public_dir.parent.parent
    try:
        for name in ("pyproject.toml", "README.md"):
            entries.append((f"source/{name}", (package_root / name).read_bytes(), False))
        for folder in (package_root / "grader", assignment.public_dir, assignment.reference_dir):
            base = package_root if folder.name == "grader" else root
            for path in _files(base, folder):
                entries.append((f"source/{path.relative_to(base).as_posix()}", path.read_bytes(), False))
    except OSError as exc:
        raise ConfigError(f"cannot read {exc.filename}: {exc.strerror}; the autograder zip needs every file of "
                          "the grader, the assignment and its reference", path=str(package_root)) from None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data, executable in entries:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # reproducible archives
            info.external_attr = ((stat.S_IFREG | (0o755 if executable else 0o644)) << 16)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()
