"""What a student process loads, and the seeds of its calls.

``Program`` is the plain data a sandboxed process is given to load: the submission's code units, the assignment's
helper modules and stubs, its composites and declared signatures. ``call_seed`` derives the stable seed of a load or
a call from the run's seed and the call's identity, so that a verdict never depends on the order of the calls.

The grader compiles what the process runs (``compile_unit``, ``compile_helper``) and sends it as marshalled code
objects: a fresh student process that parsed and compiled its definitions itself spent most of its load in the
compiler (1.3 against 0.3 CPU-ms for five functions; 15 against 7 for a course notebook). Each kept statement is
one piece, an import of several names one piece per name, so that a failure costs only the names it would bind. A
piece that does not compile (``return`` outside a function) travels as the error it raised, and the process
reports it as its own.

Marshalled data goes from the grader to the student's process only, never back: the grader reads what a process
sends with ``grader.wire``'s validating decoder, and never unmarshals it.
"""

from __future__ import annotations
import __future__

import ast
import functools
import hashlib
import marshal
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ._worker import describe_exception
from .load import remembered_tree
from .signatures import FunctionSignatures

__all__ = ["CompiledUnit", "Piece", "Program", "call_seed", "compile_helper", "compile_unit"]

# A piece: (the names it binds when it is an import, else none; its marshalled code, or None when it does not
# compile; then the error compiling it raised, as the process would have described it).
Piece = tuple[tuple[str, ...], bytes | None, dict[str, Any] | None]
# A unit: (filename, source, each kept statement as (line, pieces), or None when the unit does not parse; the
# error parsing it raised).
CompiledUnit = tuple[str, str, tuple[tuple[int, tuple[Piece, ...]], ...] | None, dict[str, Any] | None]

# Student code is compiled as the process compiled it before (its compile() inherited the module's future import):
# annotations are never evaluated, and asserts are kept (the zygote runs without -O).
_FLAGS = __future__.annotations.compiler_flag
# Like load's parse memo: a class hands in the same cells hundreds of times. The last 128 units of at most 4,096
# characters (about 2 MB of keys and code at most); a larger unit is compiled each time.
_MEMO_UNITS = 128
_MEMO_CHARS = 4_096


def _compile(tree: ast.Module | str, filename: str) -> bytes:
    with warnings.catch_warnings():  # SyntaxWarnings are the student's, not the grader's to print
        warnings.simplefilter("ignore")
        return marshal.dumps(compile(tree, filename, "exec", flags=_FLAGS, dont_inherit=True, optimize=0))


def _split(statement: ast.stmt) -> list[tuple[ast.stmt, tuple[str, ...]]]:
    """The statement as the pieces to run, each with the names it binds when it is an import: an import of several
    names becomes one import per name. Other statements stay whole (their names: none)."""
    if isinstance(statement, ast.ImportFrom) and all(alias.name != "*" for alias in statement.names):
        return [(ast.copy_location(ast.ImportFrom(module=statement.module, names=[alias], level=statement.level),
                                   statement), (alias.asname or alias.name,)) for alias in statement.names]
    if isinstance(statement, ast.Import):
        return [(ast.copy_location(ast.Import(names=[alias]), statement), (alias.asname or alias.name.split(".")[0],))
                for alias in statement.names]
    return [(statement, ())]


def _compile_unit(filename: str, source: str, keep: tuple[int, ...]) -> CompiledUnit:
    # The loader has just parsed a unit it loaded (cells are named "<cell N>"): its tree is read, not parsed again.
    tree = remembered_tree(source, in_cell=filename.startswith("<cell "))
    try:
        body = (ast.parse(source, filename) if tree is None else tree).body
    except Exception as exc:  # the loader reported it, and sends no such unit; a Program built by hand may
        return filename, source, None, describe_exception(exc)
    statements = []
    for index in keep:
        if not 0 <= index < len(body):
            continue
        pieces: list[Piece] = []
        for piece, names in _split(body[index]):
            try:
                pieces.append((names, _compile(ast.Module(body=[piece], type_ignores=[]), filename), None))
            except Exception as exc:  # parses, yet does not compile: ``return`` outside a function, say
                pieces.append((names, None, describe_exception(exc)))
        statements.append((body[index].lineno, tuple(pieces)))
    return filename, source, tuple(statements), None


_remembered = functools.lru_cache(maxsize=_MEMO_UNITS)(_compile_unit)


def compile_unit(filename: str, source: str, keep: tuple[int, ...]) -> CompiledUnit:
    """The statements ``keep`` of a code unit, compiled to run in a student process. A pure function of its
    arguments: small units are remembered."""
    return (_remembered if len(source) <= _MEMO_CHARS else _compile_unit)(filename, source, tuple(keep))


@functools.lru_cache(maxsize=16)
def compile_helper(module: str, source: str) -> bytes:
    """An assignment's helper module, compiled once per worker for every submission that imports it."""
    return _compile(source, f"<helper {module}>")


if TYPE_CHECKING:
    from .assignment import Assignment
    from .load import LoadedSubmission


@dataclass(frozen=True, slots=True, kw_only=True)
class Program:
    """What a student process loads: the submission's code units, helper modules and stubs. Plain data."""

    units: tuple[tuple[str, str, tuple[int, ...]], ...]  # (filename, source, statement indices to run)
    helpers: tuple[tuple[str, str], ...]  # (module name, source)
    stubs: tuple[str, ...]
    main: str  # the module's __name__
    composites: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (function, the parts the reference answers for it)
    # The declared signatures (grader.signatures): what the sandbox describes, and how calls and asks are adapted.
    signatures: tuple[tuple[str, FunctionSignatures], ...] = ()
    # The graded functions: the process says which of them its definitions left unbound or not callable, so that a
    # call to one of those is answered without a round trip.
    functions: tuple[str, ...] = ()
    # The units compiled (``compile_unit``) as the Program is made, in the thread that makes it (the engine's, which
    # loaded them), so that it always follows ``units``, a Program made by ``dataclasses.replace`` included.
    compiled: tuple[CompiledUnit, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", tuple(compile_unit(*unit) for unit in self.units))

    @classmethod
    def build(cls, loaded: LoadedSubmission, assignment: Assignment) -> Program:
        # A unit with nothing to run (a cell of calls, plots or training) is not sent: the process would only
        # parse it. A cell that does not compile runs nothing either (``load`` reported it).
        return cls(
            units=tuple((u.filename, u.source, u.keep) for u in loaded.units if u.syntax_error is None and u.keep),
            helpers=tuple((h.module, h.source) for h in assignment.helpers),
            stubs=assignment.stub_modules,
            main="__main__" if loaded.kind == "ipynb" else "submission",
            composites=tuple((name, tuple(parts)) for name, parts in assignment.composites.items()),
            signatures=tuple(assignment.signatures.items()),
            functions=tuple(assignment.functions),
        )

    def parts_of(self, function: str) -> tuple[str, ...]:
        """The functions the reference answers while ``function`` runs (none unless it is a composite)."""
        return next((parts for name, parts in self.composites if name == function), ())

    def declared(self, function: str) -> FunctionSignatures | None:
        """The signatures the assignment declares for ``function``, if any."""
        return next((forms for name, forms in self.signatures if name == function), None)

    def load_message(self, seed: int) -> dict[str, Any]:
        """The load request; ``seed`` seeds numpy's and random's global generators before the definitions run.

        Its content travels marshalled, as one array of bytes (the one kind of raw data the channel carries): a
        fresh process decodes it with one call, where the channel's validating decoder, meant for what the grader
        reads, took it 1.2 CPU-ms for five functions and 3 for a course notebook (``load`` in ``grader._worker``)."""
        content = {
            "seed": seed,
            "units": [_unit_message(unit) for unit in self.compiled],
            "helpers": {module: compile_helper(module, source) for module, source in self.helpers},
            "stubs": list(self.stubs),
            "main": self.main,
            "describe": [name for name, _ in self.signatures],
            "functions": list(self.functions),
        }
        return {"op": "load", "content": np.frombuffer(marshal.dumps(content), dtype=np.uint8)}


def _unit_message(unit: CompiledUnit) -> dict[str, Any]:
    filename, source, statements, error = unit
    if statements is None:
        return {"filename": filename, "source": source, "error": error}
    return {"filename": filename, "source": source, "statements": [
        (line, [{"names": list(names), "code": code} if code is not None else {"names": list(names), "error": failure}
                for names, code, failure in pieces]) for line, pieces in statements]}


def call_seed(seed: int, *parts: object) -> int:
    """A stable 32-bit seed derived from the run's seed and a call's identity."""
    text = "\x1f".join([str(seed), *map(str, parts)])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")
