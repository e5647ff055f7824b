"""Which top-level statements matter to the graded functions, and which failed statement left a name undefined.

The sandbox runs a submission's kept top-level statements one at a time (``_worker``); one that raises is a load
error, and it costs only the names it would have bound. Most load errors of a course notebook cost nothing: the
statements after a skipped helper call (``X, Y = load_planar_dataset()`` does not run at grading time, so
``shape_X = X.shape`` finds no ``X``) bind names that no graded function uses. ``Bindings`` reads the submission's
own parse (the grader's, never the sandbox's account beyond where an error happened) and says:

- ``relevant(errors)``: the errors of statements that bind a name the graded functions use, directly or through the
  submission's other functions and constants; the others are left out of the report;
- ``unbound(errors)``: for each name such a statement should have bound, why it is missing, for a NameError's
  message ("the import `from lr_utils import load_dataset` on cell 3, line 2 failed (ModuleNotFoundError: ...)");
  also the names only a statement that does not run at grading time binds (a training cell's ``X``), and under
  ``"*"`` a star import that failed, which may have been meant to bind a name that nothing binds;
- ``users(name)``: the graded functions that use a name.

A star import binds names nobody can list: its failure matters when a graded function uses a name that nothing in
the submission binds.
"""

from __future__ import annotations

import ast
import builtins
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .load import LoadedSubmission

__all__ = ["Bindings"]

_STAR = "*"
_BUILTINS = frozenset(dir(builtins)) | {"__name__", "__file__", "__builtins__", "get_ipython", "display", "In",
                                        "Out"}
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(frozen=True, slots=True)
class _Statement:
    filename: str
    line: int
    binds: frozenset[str]
    node: ast.stmt  # what it uses is read off this when a closure reaches it (most statements are never asked)
    is_import: bool

    def uses(self) -> set[str]:
        return _free(self.node) if isinstance(self.node, _DEFS) else _loaded(self.node)


def _stored(node: ast.AST) -> set[str]:
    """Names a statement binds at its own level (not inside the functions or classes it defines)."""
    names: set[str] = set()
    todo = [node]
    while todo:
        current = todo.pop()
        if isinstance(current, (ast.Import, ast.ImportFrom)):
            for alias in current.names:
                names.add(_STAR if alias.name == "*" else alias.asname or alias.name.split(".")[0])
            continue
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(current.name)
            continue
        if isinstance(current, ast.Lambda):
            continue
        if isinstance(current, ast.Name) and isinstance(current.ctx, ast.Store):
            names.add(current.id)
        todo.extend(ast.iter_child_nodes(current))
    return names


def _loaded(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _free(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> set[str]:
    """The global names a function or class uses: what it loads, less its parameters and what it assigns (unless
    declared ``global``). Nested scopes are lumped together: a little more than exact, never less. One walk of
    the tree (a course's functions are walked for every submission)."""
    declared: set[str] = set()
    local: set[str] = set()
    loaded: set[str] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            (loaded if isinstance(n.ctx, ast.Load) else local).add(n.id)  # Store and Del bind locally
        elif isinstance(n, ast.arg):
            local.add(n.arg)
        elif isinstance(n, ast.Global):
            declared.update(n.names)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            local |= {a.asname or a.name.split(".")[0] for a in n.names}
        elif isinstance(n, _DEFS) and n is not node:
            local.add(n.name)
    return loaded - (local - declared)


def _statements(loaded: LoadedSubmission) -> tuple[list[_Statement], list[_Statement]]:
    """The top-level statements that run at grading time, and those the definitions policy leaves out."""
    kept: list[_Statement] = []
    skipped: list[_Statement] = []
    trees = loaded.trees if len(loaded.trees) == len(loaded.units) else (None,) * len(loaded.units)
    for unit, tree in zip(loaded.units, trees, strict=True):
        if unit.syntax_error is not None:
            continue
        if tree is None:  # a submission loaded without its trees
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    tree = ast.parse(unit.source, unit.filename)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
        body = tree.body
        keep = set(unit.keep)
        for index, stmt in enumerate(body):
            (kept if index in keep else skipped).append(_Statement(
                unit.filename, stmt.lineno, frozenset(_stored(stmt)), stmt,
                isinstance(stmt, (ast.Import, ast.ImportFrom))))
    return kept, skipped


class Bindings:
    """What the kept top-level statements of one submission bind and use, and what the graded functions need."""

    def __init__(self, loaded: LoadedSubmission, functions: Iterable[str]) -> None:
        self.loaded = loaded
        self.functions = tuple(functions)
        self._statements, self._skipped = _statements(loaded)
        self._by_place = {(s.filename, s.line): s for s in self._statements}
        self._bound = frozenset(name for s in self._statements for name in s.binds)
        self._uses: dict[int, frozenset[str]] = {}  # index in _statements → the names it uses, once read
        self._needs = {function: self._closure({function}) for function in self.functions}

    def _closure(self, names: set[str]) -> frozenset[str]:
        """``names`` and every name that the statements binding them use, transitively. What a statement uses is
        read once, and only for the statements a closure reaches: a course notebook's other cells are never walked."""
        needed, todo = set(names), list(names)
        while todo:
            name = todo.pop()
            for index, statement in enumerate(self._statements):
                if name in statement.binds:
                    if index not in self._uses:
                        self._uses[index] = frozenset(statement.uses())
                    for used in self._uses[index] - needed:
                        needed.add(used)
                        todo.append(used)
        return frozenset(needed)

    def users(self, name: str) -> tuple[str, ...]:
        """The graded functions that use ``name`` (or would, through a star import, when nothing binds it)."""
        if name == _STAR:
            return tuple(f for f, needs in self._needs.items() if needs - self._bound - _BUILTINS - {f})
        return tuple(f for f, needs in self._needs.items() if name in needs)

    def _still_bound(self, errors: Sequence[Mapping[str, Any]]) -> frozenset[str]:
        """The names some statement that did not fail binds (an import that failed for some names binds the rest)."""
        lost: dict[tuple[str, int], set[str]] = {}
        for error in errors:
            place = (str(error.get("filename", "")), _int(error.get("line")))
            lost.setdefault(place, set()).update(self.failed(error) or ())
        return frozenset(name for s in self._statements for name in s.binds - lost.get((s.filename, s.line), set()))

    def failed(self, error: Mapping[str, Any]) -> tuple[str, ...] | None:
        """The names a failed statement left unbound (None when the grader cannot place the statement)."""
        statement = self._by_place.get((str(error.get("filename", "")), _int(error.get("line"))))
        if statement is None:
            return None
        names = error.get("names")
        if statement.is_import and isinstance(names, list) and names:  # one import per name: those that failed
            return tuple(sorted(statement.binds & {n for n in names if isinstance(n, str)}))
        return tuple(sorted(statement.binds))

    def relevant(self, errors: Sequence[Mapping[str, Any]]) -> list[tuple[Mapping[str, Any], tuple[str, ...]]]:
        """The load errors that matter to a graded function, each with the graded functions it matters to. An error
        the grader cannot place is kept, said to matter to none in particular."""
        out: list[tuple[Mapping[str, Any], tuple[str, ...]]] = []
        bound = self._still_bound(errors)
        for error in errors:
            names = self.failed(error)
            if names is None:
                out.append((error, ()))
                continue
            users = tuple(dict.fromkeys(f for name in names if name not in bound for f in self.users(name)))
            if users:
                out.append((error, users))
        return out

    def unbound(self, errors: Sequence[Mapping[str, Any]]) -> dict[str, str]:
        """Name → why the statement that should have bound it did not (for a NameError's message)."""
        notes: dict[str, str] = {}
        bound = self._still_bound(errors)
        for error in errors:
            names = self.failed(error)
            where = self.loaded.locate(str(error.get("filename", "")), _int(error.get("line")))
            if not names or where is None:
                continue
            text = f"{str(error.get('type', 'Error'))[:100]}: {str(error.get('message', ''))[:300]}"
            statement = self._by_place[(str(error.get("filename", "")), _int(error.get("line")))]
            what = "import" if statement.is_import else "statement"
            for name in names:
                if name == _STAR:
                    notes.setdefault(_STAR, f"the import `{where.code.strip()}` on {where.describe()} failed ({text})")
                elif name not in bound:
                    notes[name] = f"the {what} `{where.code.strip()}` on {where.describe()} failed ({text})"
        return {**self._left_out(bound | frozenset(notes)), **notes}

    def _left_out(self, bound: frozenset[str]) -> dict[str, str]:
        """Name → which statement the definitions policy left out would have bound it (a training cell's ``X, Y =
        load_planar_dataset()``): a function that reads it as a global finds nothing at grading time."""
        notes: dict[str, str] = {}
        for statement in self._skipped:
            where = self.loaded.locate(statement.filename, statement.line)
            if where is None:
                continue
            for name in sorted(statement.binds - bound - {_STAR}):
                notes.setdefault(name, f"it is set by `{where.code.strip()}` on {where.describe()}, which does not "
                                       "run at grading time (only imports, definitions and assignments of "
                                       "constants do): take it as an argument instead")
        return notes


def _int(value: Any) -> int:
    return value if type(value) is int else 0

