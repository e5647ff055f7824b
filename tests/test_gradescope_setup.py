"""The Gradescope setup.sh (grader/export.py SETUP) finds or installs a Python of at least 3.11.

The fast tests run the real script with bash against stand-ins for apt-get, apt-cache, the interpreters and uv that
act like Ubuntu 24.04, Ubuntu 22.04 (whose archive's python3.11 is a release candidate) and other images; they
record what the script asked for. The slow test runs it for real on this (Debian) machine and grades a submission
with the result.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from paths import EXAMPLES

from grader.cli import main
from grader.export import SETUP

FAKE_PYTHON = """#!/bin/bash
# A stand-in interpreter: says its version, and makes a venv whose pip records what it installs.
case "$1" in
    --version) echo "Python {version}" ;;
    -m) [ "$2" = venv ] || exit 2
        mkdir -p "$3/bin"
        echo "venv $0 $3" >> "$FAKE_LOG"
        printf '%s\\n' '#!/bin/bash' 'echo "pip $*" >> "$FAKE_LOG"' \\
            '[ "$2 $3" = "-q uv" ] && cp "$FAKE_BIN/uv.template" "$(dirname "$0")/uv" || true' > "$3/bin/pip"
        chmod +x "$3/bin/pip" ;;
    *) exit 2 ;;
esac
"""

FAKE_APT_GET = """#!/bin/bash
# apt-get install python3.X installs the interpreter whose full version $FAKE_APT lists (say 3.11.0rc1).
echo "apt-get $*" >> "$FAKE_LOG"
[ "$1" = install ] || exit 0
for package in "$@"; do
    case "$package" in python3.1[0-9])
        version="$(printf '%s\\n' $FAKE_APT | grep "^${package#python}\\." | head -n 1)"
        [ -n "$version" ] || exit 100
        sed "s/{version}/$version/" "$FAKE_BIN/python.template" > "$FAKE_BIN/$package"
        chmod +x "$FAKE_BIN/$package" ;;
    esac
done
"""

FAKE_APT_CACHE = """#!/bin/bash
# apt-cache show python3.X[-venv]: known if $FAKE_APT lists a 3.X.*, with Debian's spelling of its version.
minor="${2#python}"; minor="${minor%-venv}"
version="$(printf '%s\\n' $FAKE_APT | grep "^$minor\\." | head -n 1)"
[ -n "$version" ] || exit 100
echo "Package: $2"
echo "Version: $(echo "$version" | sed 's/rc/~rc/')-1~22.04.1"
"""

FAKE_UV = """#!/bin/bash
echo "uv $*" >> "$FAKE_LOG"
[ -z "$FAKE_UV_FAILS" ] || exit 1
case "$1 $2" in
    "python install") mkdir -p "$UV_PYTHON_INSTALL_DIR/bin"
        sed "s/{version}/$3.9/" "$FAKE_BIN/python.template" > "$UV_PYTHON_INSTALL_DIR/bin/python$3"
        chmod +x "$UV_PYTHON_INSTALL_DIR/bin/python$3" ;;
    "python find") echo "$UV_PYTHON_INSTALL_DIR/bin/python$3" ;;
esac
"""


def run_setup(tmp: Path, python3: str, apt: str, **env: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run setup.sh on a stand-in image whose python3 is ``python3`` and whose archive has Pythons ``apt``."""
    fake, tools, root = tmp / "fakebin", tmp / "tools", tmp / "autograder"
    for folder in (fake, tools, root / "source"):
        folder.mkdir(parents=True)
    for tool in ("mkdir", "chmod", "cat", "sed", "cp", "dirname", "grep", "head"):
        (tools / tool).symlink_to(shutil.which(tool) or f"/bin/{tool}")
    scripts = {"apt-get": FAKE_APT_GET, "apt-cache": FAKE_APT_CACHE, "python.template": FAKE_PYTHON,
               "python3": FAKE_PYTHON.replace("{version}", python3), "uv.template": FAKE_UV}
    for name, text in scripts.items():
        (fake / name).write_text(text)
        (fake / name).chmod(0o755)
    (tmp / "setup.sh").write_text(SETUP)
    log = tmp / "log"
    log.write_text("")
    done = subprocess.run(["/bin/bash", str(tmp / "setup.sh")], capture_output=True, text=True, timeout=60, env={
        "PATH": f"{fake}:{tools}", "AUTOGRADER_ROOT": str(root), "FAKE_BIN": str(fake), "FAKE_LOG": str(log),
        "FAKE_APT": apt, **env})
    return done, log.read_text().replace(str(tmp), "TMP").splitlines()


UV_ROAD = ["venv TMP/fakebin/python3 TMP/autograder/uv",
           "pip install -q uv",
           "uv python install 3.12",
           "uv python find 3.12",
           "venv TMP/autograder/python/bin/python3.12 TMP/autograder/venv",
           "pip install -q TMP/autograder/source"]


def test_ubuntu_24_04_uses_its_own_python3(tmp_path):
    done, log = run_setup(tmp_path, python3="3.12.3", apt="3.12.3")
    assert done.returncode == 0, done.stderr
    assert log == ["apt-get update -qq",
                   "apt-get install -y -qq --no-install-recommends ca-certificates libseccomp2 python3 python3-venv",
                   "venv TMP/fakebin/python3 TMP/autograder/venv",
                   "pip install -q TMP/autograder/source"]
    assert "grading with Python 3.12.3" in done.stdout


def test_ubuntu_22_04_skips_the_archives_release_candidate_and_takes_uvs_python(tmp_path):
    # Ubuntu 22.04: python3 is 3.10; the archive's python3.11 is 3.11.0~rc1 (universe).
    done, log = run_setup(tmp_path, python3="3.10.12", apt="3.10.12 3.11.0rc1")
    assert done.returncode == 0, done.stderr
    assert log[2:] == UV_ROAD
    assert "grading with Python 3.12.9" in done.stdout


def test_a_final_python_of_the_archive_is_taken_the_newest_first(tmp_path):
    done, log = run_setup(tmp_path, python3="3.10.12", apt="3.11.9 3.12.4")
    assert done.returncode == 0, done.stderr
    assert log[2:] == ["apt-get install -y -qq --no-install-recommends python3.12 python3.12-venv",
                       "venv TMP/fakebin/python3.12 TMP/autograder/venv",
                       "pip install -q TMP/autograder/source"]


@pytest.mark.parametrize("python3", ["3.8.10", "3.11.0rc1", "3.10"])
def test_without_a_suitable_package_uv_installs_a_standalone_python(tmp_path, python3):
    done, log = run_setup(tmp_path, python3=python3, apt="")
    assert done.returncode == 0, done.stderr
    assert log[2:] == UV_ROAD


def test_no_python_at_all_is_a_clear_failure(tmp_path):
    done, log = run_setup(tmp_path, python3="3.8.10", apt="", FAKE_UV_FAILS="1")
    assert done.returncode == 1
    assert "could not install a Python 3.11 or newer, which the grader needs" in done.stderr
    assert not (tmp_path / "autograder" / "venv").exists()


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("apt-get") is None, reason="needs root and apt-get")
def test_setup_sh_for_real_then_run_autograder(tmp_path):
    """On this Debian machine (python3 is 3.11): the real set-up, then the real run_autograder with its venv."""
    archive = tmp_path / "auto.zip"
    assert CliRunner().invoke(main, ["export", "gradescope", "shallow-nn", "--out", str(archive)]).exit_code == 0
    root = tmp_path / "autograder"
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(root)
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "AUTOGRADER_ROOT": str(root),
           **{k: v for k, v in os.environ.items() if k.startswith(("PIP_", "http", "HTTP", "no_proxy", "NO_PROXY"))}}
    done = subprocess.run(["bash", str(root / "setup.sh")], env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "grading with Python 3.1" in done.stdout
    (root / "submission").mkdir()
    (root / "submission" / "shallow_nn.ipynb").write_bytes((EXAMPLES / "wrong_backprop_notebook.ipynb").read_bytes())
    done = subprocess.run(["bash", str(root / "run_autograder")], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads((root / "results" / "results.json").read_text())["score"] == 7.5
