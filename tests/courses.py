"""A small assignment written for a test, laid out as ``grade`` reads one. (A module of its own, as paths.py is, so
that tests/attacks/'s conftest.py cannot shadow it.)"""

from __future__ import annotations

from pathlib import Path


def write_course(root: Path, name: str, *, config: str, solution: str, points: str, checks: str,
                 public_files: dict[str, str] | None = None) -> tuple[Path, Path]:
    """``root/assignments/<name>`` (assignment.toml and ``public_files``) and ``root/reference/<name>``
    (solution.py, grading.toml, checks/test_<name>.py); returns (public folder, hidden folder)."""
    public, hidden = root / "assignments" / name, root / "reference" / name
    public.mkdir(parents=True)
    (hidden / "checks").mkdir(parents=True)
    (public / "assignment.toml").write_text(config)
    for file_name, text in (public_files or {}).items():
        (public / file_name).write_text(text)
    (hidden / "solution.py").write_text(solution)
    (hidden / "grading.toml").write_text(points)
    (hidden / "checks" / f"test_{name}.py").write_text(checks)
    return public, hidden


def write_batch(folder: Path, files: dict[str, str | bytes]) -> Path:
    """``folder`` holding each named submission (text, or bytes as they are); returns it."""
    folder.mkdir(parents=True)
    for name, content in files.items():
        path = folder / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    return folder
