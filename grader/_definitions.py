"""The "definitions" policy: which top-level statements of a submission run when its definitions are loaded.

Imports, definitions, docstrings, and assignments (and ``if``/``try`` made of them) whose calls reach only imported
library names or harmless builtins run; everything else (training loops, plots, calls of the submission's own
functions or of the assignment's helper modules) is left out, so that loading is quick and cannot fail for want of
data that only the notebook's author had. ``grader.load`` applies it to each parsed unit; it never runs code.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

__all__ = ["imported_names", "keepable"]

_SAFE_BUILTINS = frozenset(
    {"int", "float", "str", "bool", "tuple", "list", "dict", "set", "frozenset", "range", "len", "abs", "min",
     "max", "round", "sorted"}
)  # fmt: skip
_DEF_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def imported_names(trees: Iterable[ast.Module], helpers: frozenset[str] = frozenset()) -> frozenset[str]:
    """Every name an import statement binds anywhere in the submission (star imports bind nothing we can see),
    except those bound from the ``helpers`` modules."""
    names: set[str] = set()
    todo: list[ast.AST] = [stmt for tree in trees for stmt in tree.body]
    while todo:  # statements only: imports are never inside expressions, and expressions are most of the nodes
        node = todo.pop()
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            todo.extend(getattr(node, field, ()))
        if isinstance(node, ast.Import):
            names.update(alias.asname or alias.name.partition(".")[0] for alias in node.names
                         if alias.name.partition(".")[0] not in helpers)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").partition(".")[0] not in helpers:
            names.update(alias.asname or alias.name for alias in node.names if alias.name != "*")
    return frozenset(names)


def _calls_allowed(node: ast.AST, imported: frozenset[str]) -> bool:
    """True if evaluating ``node`` calls only imported names or harmless builtins (lambda bodies do not run)."""
    todo = [node]
    while todo:
        current = todo.pop()
        if isinstance(current, (ast.Await, ast.Yield, ast.YieldFrom)):
            return False
        if isinstance(current, ast.Call):
            root = current.func
            while isinstance(root, (ast.Attribute, ast.Subscript, ast.Call)):
                root = root.func if isinstance(root, ast.Call) else root.value
            if not (isinstance(root, ast.Name) and (root.id in imported or root.id in _SAFE_BUILTINS)):
                return False
        if isinstance(current, ast.Lambda):
            todo.append(current.args)
        else:
            todo.extend(ast.iter_child_nodes(current))
    return True


def _is_main_guard(test: ast.expr) -> bool:
    nodes = list(ast.walk(test))
    names = {n.id for n in nodes if isinstance(n, ast.Name)}
    return "__name__" in names and any(isinstance(n, ast.Constant) and n.value == "__main__" for n in nodes)


def keepable(stmt: ast.stmt, imported: frozenset[str]) -> bool:
    """The "definitions" policy: imports, definitions, docstrings, call-free assignments and if/try made of them."""
    todo = [stmt]
    while todo:
        current = todo.pop()
        if isinstance(current, (ast.Import, ast.ImportFrom, ast.Pass, *_DEF_NODES)):
            continue
        if isinstance(current, ast.Expr) and isinstance(current.value, ast.Constant):
            if isinstance(current.value.value, str):
                continue
            return False
        if isinstance(current, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and _calls_allowed(current, imported):
            continue
        if isinstance(current, ast.If) and not _is_main_guard(current.test):
            if _calls_allowed(current.test, imported):
                todo.extend([*current.body, *current.orelse])
                continue
        if isinstance(current, (ast.Try, ast.TryStar)):
            if all(h.type is None or _calls_allowed(h.type, imported) for h in current.handlers):
                todo.extend([*current.body, *current.orelse, *current.finalbody])
                todo.extend(stmt for handler in current.handlers for stmt in handler.body)
                continue
        return False
    return True
