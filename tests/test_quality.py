"""The code's own surface: lint, types, and what each module declares public."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys

import pytest
from paths import ROOT

MODULES = sorted(p for p in (ROOT / "grader").glob("*.py"))


def _defined_public(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if not n.startswith("_") and n not in ("logger", "__all__")}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_every_module_declares_exactly_its_public_names(path):
    """``__all__`` lists every public name a module defines, and only names that exist: the rest is private."""
    module = importlib.import_module(f"grader.{path.stem}") if path.stem != "__init__" else importlib.import_module(
        "grader")
    declared = getattr(module, "__all__", None)
    assert declared is not None, f"{path.name} has no __all__"
    assert declared == sorted(declared), f"{path.name}: keep __all__ sorted"
    missing = [name for name in declared if not hasattr(module, name)]
    assert not missing, f"{path.name}: __all__ names what does not exist: {missing}"
    if path.stem != "__init__":
        undeclared = _defined_public(ast.parse(path.read_text(encoding="utf-8"))) - set(declared)
        assert not undeclared, f"{path.name}: public but not in __all__ (declare them or make them private): " \
                               f"{sorted(undeclared)}"


def test_the_package_is_typed():
    assert (ROOT / "grader" / "py.typed").is_file()


def test_ruff_finds_nothing():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", str(ROOT)], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_mypy_strict_finds_nothing():
    done = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental"], cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout + done.stderr
