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
# Gradescope image set-up: a Python of at least 3.11, libseccomp for the sandbox, and the grader in a venv.
#
# Which Python: the image's own python3 when it is a final 3.11 or newer (Ubuntu 24.04: 3.12, with the
# distribution's security updates); else a final python3.1x of the same archive; else a standalone CPython
# installed by uv, which comes from PyPI like the grader's other dependencies. Ubuntu 22.04 takes the last road:
# its python3 is 3.10 and its archive's python3.11 is a release candidate (3.11.0~rc1, in universe). A PPA such as
# deadsnakes would add a new apt source and signing key to the image; uv adds nothing but itself.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
export DEBIAN_FRONTEND=noninteractive

new_enough() {  # is "$1" a final (not alpha, beta or candidate) Python 3.11 or newer?
    local text
    text="$("$1" --version 2>&1)" || return 1
    [[ $text =~ ^Python\\ 3\\.([0-9]+)\\.[0-9]+$ ]] && [ "${BASH_REMATCH[1]}" -ge 11 ]
}

final_in_archive() {  # does the archive offer a final python$1, with its venv module?
    apt-cache show "python$1-venv" >/dev/null 2>&1 \\
        && apt-cache show "python$1" 2>/dev/null | grep -E "^Version: ${1//./\\\\.}\\.[0-9]+-" >/dev/null
}

pick_python() {  # print the path of a Python 3.11 or newer, installing one if need be
    if new_enough python3; then command -v python3; return; fi
    local v
    for v in 3.13 3.12 3.11; do
        if final_in_archive "$v" \\
            && apt-get install -y -qq --no-install-recommends "python$v" "python$v-venv" >/dev/null \\
            && new_enough "python$v"; then
            command -v "python$v"; return
        fi
    done
    echo "setup.sh: no final Python 3.11 or newer in the distribution; installing a standalone one with uv" >&2
    python3 -m venv "$ROOT/uv" >&2 && "$ROOT/uv/bin/pip" install -q uv >&2 \\
        && UV_PYTHON_INSTALL_DIR="$ROOT/python" "$ROOT/uv/bin/uv" python install 3.12 >&2 \\
        && UV_PYTHON_INSTALL_DIR="$ROOT/python" "$ROOT/uv/bin/uv" python find 3.12
}

apt-get update -qq
apt-get install -y -qq --no-install-recommends ca-certificates libseccomp2 python3 python3-venv >/dev/null
if ! PYTHON="$(pick_python)" || ! new_enough "$PYTHON"; then
    echo "setup.sh: could not install a Python 3.11 or newer, which the grader needs" >&2
    exit 1
fi
echo "setup.sh: grading with $("$PYTHON" --version 2>&1) ($PYTHON)"
"$PYTHON" -m venv "$ROOT/venv"
"$ROOT/venv/bin/pip" install -q "$ROOT/source"
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
