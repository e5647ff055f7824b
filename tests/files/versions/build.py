"""Generate the course-version fixtures: notebooks that reproduce how each published version of the three course
assignments looks, completed correctly or with one planted mistake, with their .py exports and a manifest.

    python tests/files/versions/build.py           # write the files next to this script
    python tests/files/versions/build.py --check   # exit 1 if the committed files differ from what it makes

The generated files are committed, so the tests need no generation step; tests/test_course_versions.py checks that
they are what this script makes. What each version looks like is written down in docs/course-versions.md.

manifest.json, for each assignment, version and fixture: ``lost`` names the functions that hold a planted mistake
("some": the function loses points; "all": it loses all of them); every other graded function must keep all its
points. ``quirks`` are layout quirks the fixture reproduces (the test checks each is there), ``mistakes`` the ids
of the planted mistakes, ``python2`` whether its code is Python 2 (the .py export then does not parse).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import _gradient_fixtures  # noqa: E402
import _init_fixtures  # noqa: E402
import _shallow_fixtures  # noqa: E402
from _fixture import Fixture  # noqa: E402

MODULES = (_shallow_fixtures, _init_fixtures, _gradient_fixtures)
GENERATED = ("*/*/*.ipynb", "*/*/*.py", "manifest.json")


def fixtures() -> list[Fixture]:
    return [f for module in MODULES for f in module.fixtures()]


def render() -> dict[str, bytes]:
    """Every generated file: {path relative to this folder: bytes}."""
    files: dict[str, bytes] = {}
    manifest: dict = {}
    for fixture in fixtures():
        produced = fixture.files()
        clash = set(produced) & set(files)
        if clash:
            raise ValueError(f"two fixtures write {sorted(clash)}")
        files.update(produced)
        manifest.setdefault(fixture.assignment, {}).setdefault(fixture.version, {})[fixture.name] = fixture.manifest()
    files["manifest.json"] = (json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()
    return files


def committed() -> dict[str, bytes]:
    """The generated files as they are in this folder."""
    found = {p for pattern in GENERATED for p in HERE.glob(pattern)}
    return {str(p.relative_to(HERE)): p.read_bytes() for p in sorted(found)}


def differences() -> list[str]:
    """What differs between the committed files and what render() makes."""
    made, have = render(), committed()
    out = [f"missing: {p}" for p in sorted(set(made) - set(have))]
    out += [f"not generated: {p}" for p in sorted(set(have) - set(made))]
    out += [f"differs: {p}" for p in sorted(set(made) & set(have)) if made[p] != have[p]]
    return out


def write() -> int:
    made = render()
    for stale in set(committed()) - set(made):
        (HERE / stale).unlink()
    for rel, data in made.items():
        path = HERE / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
    return len(made)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    if args.check:
        diff = differences()
        print("\n".join(diff) or "up to date")
        return 1 if diff else 0
    print(f"wrote {write()} files under {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
