"""An assignment is data: a public folder under ``assignments/`` and a hidden one under ``reference/``.

Public folder ``assignments/<name>/``::

    assignment.toml      name, version, graded functions and their signatures, composites, limits, helper modules,
                         modules to stub
    lessons.toml         the concept behind each assignment-specific flag, for feedback
    <helpers>.py         modules a student's code may import (data helper, public checks)
    examples/            example submissions with known outcomes

Hidden folder ``reference/<name>/``::

    grading.toml         points for each check, tolerances
    solution.py          the reference solution
    checks/test_*.py     the hidden pytest checks

Nothing in the engine knows any assignment by name.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .errors import ConfigError, UsageError
from .policy import LatePolicy, parse_time
from .signatures import FunctionSignatures

__all__ = [
    "Assignment",
    "EXECUTE_MODES",
    "Helper",
    "Limits",
    "MISTAKES_FILE",
    "available",
    "find_root",
    "load_assignment",
]

EXECUTE_MODES = ("definitions", "all")
MISTAKES_FILE = "mistakes.py"


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """Resource limits for one submission's sandboxed process."""

    call_seconds: float = 10.0  # wall time of one call into a student function
    load_seconds: float = 20.0  # wall time to execute the submission's definitions
    submission_seconds: float = 120.0  # wall time of all calls into one submission together
    cpu_seconds: int = 120  # CPU time of one sandboxed process, a backstop for the wall-time limits
    memory_mb: int = 1024  # address space the student's code may add on top of the warm interpreter
    output_bytes: int = 64 * 1024  # how much of the student's stdout/stderr is kept
    file_bytes: int = 16 * 1024 * 1024  # largest file the student's code may write in its scratch folder
    scratch_bytes: int = 256 * 1024 * 1024  # all the files of one submission's scratch folder together
    open_files: int = 64
    asks_per_call: int = 20_000  # parts a composite function may have answered in one call (grader.parts)
    ask_max_dim: int = 1024  # largest array dimension and integer in the arguments of an answered part

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, path: Path) -> Limits:
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ConfigError(f"unknown keys in [limits]: {', '.join(sorted(unknown))}", path=str(path))
        try:
            return cls(**{k: type(getattr(cls(), k))(v) for k, v in data.items()})
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"bad value in [limits]: {exc}", path=str(path)) from None


@dataclass(frozen=True, slots=True, kw_only=True)
class Helper:
    """A module shipped with the assignment that student code may import."""

    module: str
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Assignment:
    """One assignment's configuration, read from its two folders."""

    name: str
    version: str
    title: str
    public_dir: Path
    reference_dir: Path | None  # None when only the public half is present (a student's machine)
    functions: tuple[str, ...]
    helpers: tuple[Helper, ...]
    stub_modules: tuple[str, ...]
    execute: str
    limits: Limits
    points: Mapping[str, float]
    tolerances: Mapping[str, float]
    lessons: Mapping[str, Mapping[str, str]]
    fingerprint: str  # changes whenever config, reference, checks or helpers change
    # [composites]: function -> the parts it calls, which the reference answers while it runs (grader.parts)
    composites: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    # [signatures] and [accepted_signatures]: the form each graded function must have, and older ones also accepted
    signatures: Mapping[str, FunctionSignatures] = field(default_factory=lambda: MappingProxyType({}))
    late: LatePolicy | None = None  # [late]: deadline and penalty
    hidden_until: datetime | None = None  # [visibility]: the checks' details are withheld until then

    @property
    def checks_dir(self) -> Path:
        if self.reference_dir is None:
            raise ConfigError(f"the hidden checks of {self.name!r} are not available here")
        return self.reference_dir / "checks"

    @property
    def solution_path(self) -> Path:
        if self.reference_dir is None:
            raise ConfigError(f"the reference solution of {self.name!r} is not available here")
        return self.reference_dir / "solution.py"

    @property
    def mistakes_path(self) -> Path:
        """The optional catalogue of known mistakes, ``reference/<name>/mistakes.py``."""
        return self.solution_path.with_name(MISTAKES_FILE)

    @property
    def stem(self) -> str:
        """The name as a Python identifier: the stem of the student files and of module names."""
        return self.name.replace("-", "_")

    @property
    def helper_modules(self) -> tuple[str, ...]:
        return tuple(h.module for h in self.helpers)

    @property
    def max_score(self) -> float:
        return float(sum(self.points.values()))


def find_root(start: Path | None = None) -> Path:
    """The folder that holds ``assignments/``: ``$GRADER_ROOT``, else the nearest one above the working
    directory, else the checkout this package was installed from."""
    env = os.environ.get("GRADER_ROOT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "assignments").is_dir():
            return folder
    return Path(__file__).resolve().parent.parent


def available(root: Path) -> tuple[str, ...]:
    """Names of the assignments under ``root``."""
    base = root / "assignments"
    if not base.is_dir():
        return ()
    return tuple(sorted(p.name for p in base.iterdir() if (p / "assignment.toml").is_file()))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError("file is missing", path=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=str(path)) from None


def _fingerprint(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _read_helpers(public: Path, config: Mapping[str, Any], config_path: Path) -> tuple[Helper, ...]:
    helpers = []
    for filename in config.get("helpers", []):
        path = public / filename
        if not path.is_file():
            raise ConfigError(f"helper module {filename!r} is listed but missing", path=str(config_path))
        helpers.append(Helper(module=path.stem, source=path.read_text(encoding="utf-8")))
    return tuple(helpers)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Hidden:
    """What ``reference/<name>/`` holds, when it is there."""

    folder: Path | None
    points: dict[str, float]
    tolerances: dict[str, float]
    files: list[Path]  # what the fingerprint covers, beyond the public config and helpers


def _read_reference(reference: Path, functions: list[str], lessons_path: Path) -> _Hidden:
    """Points, tolerances and fingerprinted files of the hidden half; ``folder`` is None when it is absent."""
    grading_path = reference / "grading.toml"
    if not grading_path.is_file():
        return _Hidden(folder=None, points={}, tolerances={}, files=[])
    grading = _read_toml(grading_path)
    points = {str(k): float(v) for k, v in grading.get("points", {}).items()}
    tolerances = {str(k): float(v) for k, v in grading.get("tolerances", {}).items()}
    if not points:
        raise ConfigError("no [points] table", path=str(grading_path))
    unknown = {cid.split("::", 1)[0] for cid in points} - set(functions)
    if unknown:
        raise ConfigError(
            f"points name functions that assignment.toml does not grade: {', '.join(sorted(unknown))}",
            path=str(grading_path),
        )
    if not (reference / "solution.py").is_file():
        raise ConfigError("the reference solution solution.py is missing", path=str(reference))
    files = [grading_path, reference / "solution.py", *sorted((reference / "checks").glob("*.py"))]
    files += [p for p in (reference / MISTAKES_FILE, lessons_path) if p.is_file()]
    return _Hidden(folder=reference, points=points, tolerances=tolerances, files=files)


def _read_policies(config: Mapping[str, Any], config_path: Path) -> tuple[LatePolicy | None, datetime | None]:
    """The ``[late]`` and ``[visibility]`` tables."""
    try:
        late = LatePolicy.from_mapping(config["late"]) if "late" in config else None
        visibility = config.get("visibility", {})
        hidden_until = parse_time(visibility["hidden_until"]) if "hidden_until" in visibility else None
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"bad [late] or [visibility] table: {exc}", path=str(config_path)) from None
    return late, hidden_until


def _composites(table: Any, functions: tuple[str, ...], path: Path) -> Mapping[str, tuple[str, ...]]:
    """``[composites]``: each graded function that calls others, with the names of the parts it may call."""
    if not isinstance(table, dict):
        raise ConfigError("[composites] must be a table of function = [parts]", path=str(path))
    out = {}
    for function, parts in table.items():
        if function not in functions:
            raise ConfigError(f"[composites] names {function!r}, which is not a graded function", path=str(path))
        if (not isinstance(parts, list) or not all(isinstance(p, str) and p.isidentifier() for p in parts)
                or function in parts):
            raise ConfigError(f"[composites] {function} must list the names of other functions", path=str(path))
        out[function] = tuple(parts)
    return MappingProxyType(out)


def _signatures(config: Mapping[str, Any], functions: tuple[str, ...], path: Path
                ) -> Mapping[str, FunctionSignatures]:
    """``[signatures]`` (function = "its signature") and ``[accepted_signatures]`` (function = ["older ones"])."""
    asked, accepted = config.get("signatures", {}), config.get("accepted_signatures", {})
    if not isinstance(asked, dict) or not isinstance(accepted, dict):
        raise ConfigError("[signatures] and [accepted_signatures] must be tables", path=str(path))
    for table, names in (("signatures", asked), ("accepted_signatures", accepted)):
        unknown = sorted(set(names) - set(functions))
        if unknown:
            raise ConfigError(f"[{table}] names {', '.join(unknown)}, not a graded function", path=str(path))
    orphans = sorted(set(accepted) - set(asked))
    if orphans:
        raise ConfigError(f"[accepted_signatures] {', '.join(orphans)} needs its signature in [signatures] too",
                          path=str(path))
    out = {}
    for function, text in asked.items():
        older = accepted.get(function, [])
        if not isinstance(text, str) or not isinstance(older, list) or not all(isinstance(t, str) for t in older):
            raise ConfigError(f"the signatures of {function} must be a string and a list of strings", path=str(path))
        try:
            out[function] = FunctionSignatures.parse(function, text, tuple(older))
        except ValueError as exc:
            raise ConfigError(f"bad signature of {function}: {exc}", path=str(path)) from None
    return MappingProxyType(out)


def load_assignment(root: Path, name: str) -> Assignment:
    """Read and validate the assignment ``name`` under ``root``."""
    public = root / "assignments" / name
    if not (public / "assignment.toml").is_file():
        names = ", ".join(available(root)) or "none"
        raise UsageError(f"no assignment named {name!r} under {root / 'assignments'} (available: {names})")
    config_path = public / "assignment.toml"
    config = _read_toml(config_path)
    for key in ("name", "version", "functions"):
        if key not in config:
            raise ConfigError(f"missing key {key!r}", path=str(config_path))
    if config["name"] != name:
        raise ConfigError(f"name {config['name']!r} does not match its folder {name!r}", path=str(config_path))
    execute = config.get("execute", "definitions")
    if execute not in EXECUTE_MODES:
        raise ConfigError(f"execute must be one of {EXECUTE_MODES}, not {execute!r}", path=str(config_path))

    helpers = _read_helpers(public, config, config_path)
    lessons_path = public / "lessons.toml"
    lessons = _read_toml(lessons_path) if lessons_path.is_file() else {}
    hidden = _read_reference(root / "reference" / name, config["functions"], lessons_path)
    late, hidden_until = _read_policies(config, config_path)
    fingerprint_files = [config_path, *(public / f for f in config.get("helpers", [])), *hidden.files]
    composites = _composites(config.get("composites", {}), tuple(config["functions"]), config_path)
    signatures = _signatures(config, tuple(config["functions"]), config_path)

    return Assignment(
        name=name,
        version=str(config["version"]),
        title=str(config.get("title", name)),
        public_dir=public,
        reference_dir=hidden.folder,
        functions=tuple(config["functions"]),
        helpers=helpers,
        stub_modules=tuple(config.get("stub_modules", ())),
        execute=execute,
        limits=Limits.from_mapping(config.get("limits", {}), path=config_path),
        points=MappingProxyType(hidden.points),
        tolerances=MappingProxyType(hidden.tolerances),
        lessons=MappingProxyType({str(k): MappingProxyType(dict(v)) for k, v in lessons.items()}),
        fingerprint=_fingerprint(fingerprint_files),
        composites=composites,
        signatures=signatures,
        late=late,
        hidden_until=hidden_until,
    )
