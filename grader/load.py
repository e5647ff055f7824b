"""Stage 1: turn a student's .py or .ipynb file into code units for the sandbox, remembering where each line came from.

This runs in the trusted grader process and never executes student code. Student files are hostile, so nothing here
raises on bad input: an unreadable file, a broken notebook or a syntax error becomes a ``Problem`` in the result.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import io
import os
import re
import stat
import tokenize
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ._definitions import imported_names, keepable
from ._nbformat import nbformat
from ._notebook import Refused, read_notebook, short
from ._pysource import cut, neutralise
from .assignment import EXECUTE_MODES
from .models import INVALID_SUBMISSION, SYNTAX_ERROR, WARNING, Location, Problem

__all__ = ["CodeUnit", "KINDS", "LoadedSubmission", "MAX_SUBMISSION_BYTES", "load_source", "load_submission",
           "prepare", "remembered_tree"]

KINDS = ("py", "ipynb")
MAX_SUBMISSION_BYTES = 50 * 2**20  # the largest file that is read at all
_MAX_CODE = 500_000  # characters of code in one submission (~10x a big notebook; parsing ~3 s/million)
_MAX_COMPILED = 1_000  # past this many def/class/lambda/for, skip the compile check (CPython can go quadratic)
_CLIP = 300  # longest code line quoted in a Location or message
# A class hands in the same instructor-written cells (imports, public tests, training and plotting cells) hundreds of
# times: a worker remembers the parse of this many cells of at most this many characters. A tree takes up to about
# 300 times its text (dense code, measured), so at most about 40 MB; a class's shared cells take well under 1 MB.
_MEMO_CELLS = 64
_MEMO_CHARS = 2_048
_TOO_MUCH = f"contains too much code to grade (more than {_MAX_CODE:,} characters)"
_DEF_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_CODE_OBJECTS = re.compile(r"\b(?:def|class|lambda|for)\b")
_DEFINES = re.compile(r"^(?:(?:async[ \t]+)?def|class)[ \t]+([^\W\d]\w*)", re.MULTILINE)


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeUnit:
    """One piece of the submission that is compiled on its own: a notebook code cell or a chunk of a .py file."""

    index: int  # 0-based execution order
    cell: int | None  # notebook: 1-based position among all cells (markdown too); .py: None
    first_line: int  # 1-based line of the original file where this unit starts (1 for a notebook cell)
    filename: str  # the name to compile under: "<cell N>" for notebooks, "<submission>" for .py
    source: str  # cleaned source; .py units are padded with newlines so compiled line numbers are file lines
    keep: tuple[int, ...]  # indices into ast.parse(source).body of the top-level statements to execute
    syntax_error: Problem | None
    defines: tuple[str, ...]  # top-level functions/classes defined here (regex-guessed when it does not parse)
    original: str = ""  # the unit's text as the student wrote it (newlines normalised, no padding)
    # (name, compiled line) of each top-level def/class, in order (empty when it does not parse): where a check's
    # function is, without parsing the unit again for every check
    definitions: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadedSubmission:
    """A student's file as code units, with the problems found while loading it."""

    id: str  # file name without extension
    path: str
    kind: str  # "py" | "ipynb"
    sha256: str  # of the raw file bytes ("" if unreadable)
    units: tuple[CodeUnit, ...]
    problems: tuple[Problem, ...]  # invalid-submission, syntax-error (one per bad unit), warning
    # The tree of each unit (None where it does not compile), shared with the parse memo: read them, never change
    # them. Whoever needs a unit's statements again (``grader.bindings``) reads them here instead of parsing.
    trees: tuple[ast.Module | None, ...] = field(default=(), compare=False, repr=False)

    def locate(self, filename: str, line: int) -> Location | None:
        """Map a compiled (filename, line number) to the cell and line of the original file, with its code."""
        for unit in self.units:
            if unit.filename == filename and (found := _line_of(unit, line)) is not None:
                return found
        return None

    def definition(self, name: str) -> Location | None:
        """Where the top-level ``def``/``class`` ``name`` is; the last definition wins, as execution would have it."""
        found: Location | None = None
        for unit in self.units:
            if unit.syntax_error is None:
                for defined, line in unit.definitions:
                    if defined == name:
                        found = _line_of(unit, line) or found
        return found

    def lost_to_syntax_error(self, name: str) -> Problem | None:
        """The syntax error of the unit that would have defined ``name`` last, unless a later unit defines it."""
        lost: Problem | None = None
        for unit in self.units:
            if name in unit.defines:
                lost = unit.syntax_error
        return lost

    @property
    def ok(self) -> bool:
        """False when the submission is invalid as a whole and none of it can run."""
        return not any(problem.kind == INVALID_SUBMISSION for problem in self.problems)


_Parsed = tuple[CodeUnit, ast.Module | None]  # a unit (index, keep and defines not yet set) and its tree


def load_submission(
    path: str | os.PathLike[str], *, execute: str = "definitions", max_bytes: int = MAX_SUBMISSION_BYTES,
    helpers: Iterable[str] = (),
) -> LoadedSubmission:
    """Load a student's .py or .ipynb file. Bad input never raises; it gives ``ok=False`` and a Problem.

    Raises ValueError only for a bad ``execute`` argument (a grader bug, not a student's).
    """
    if execute not in EXECUTE_MODES:
        raise ValueError(f"execute must be one of {EXECUTE_MODES}, not {execute!r}")
    file = Path(path)
    name = file.name or str(path)
    kind = {".py": "py", ".ipynb": "ipynb"}.get(file.suffix.lower())
    try:
        if kind is None:
            raise Refused("is not a .py or .ipynb file")
        data = _read(file, max_bytes)
    except Refused as exc:
        return _invalid(f"{name} {exc}", ident=file.stem, path=str(path), kind=kind or "py")
    return _load(data, name=name, ident=file.stem, path=str(path), kind=kind, execute=execute, max_bytes=max_bytes,
                 helpers=frozenset(helpers))


def load_source(source: bytes, *, name: str, kind: str, execute: str = "definitions",
                helpers: Iterable[str] = ()) -> LoadedSubmission:
    """Load a submission from its bytes, as ``load_submission`` would (``path`` is "").

    ``name`` is the file name used in messages; ``id`` is it without a .py/.ipynb extension.
    Raises ValueError only for a bad ``kind`` or ``execute`` argument.
    """
    if kind not in KINDS or execute not in EXECUTE_MODES:
        raise ValueError(f"bad arguments: kind={kind!r} (one of {KINDS}), execute={execute!r} (one of {EXECUTE_MODES})")
    stem, dot, ext = name.rpartition(".")
    ident = stem if dot and ext.lower() in KINDS else name
    return _load(bytes(source), name=name, ident=ident, path="", kind=kind, execute=execute,
                 max_bytes=MAX_SUBMISSION_BYTES, helpers=frozenset(helpers))


def _invalid(message: str, *, ident: str, path: str, kind: str, sha256: str = "",
             warnings_: Iterable[Problem] = ()) -> LoadedSubmission:  # fmt: skip
    problems = (Problem(kind=INVALID_SUBMISSION, message=message), *warnings_)
    return LoadedSubmission(id=ident, path=path, kind=kind, sha256=sha256, units=(), problems=problems)


_NOT_A_FILE = {stat.S_IFDIR: "is a directory, not a file", stat.S_IFLNK: "is a symbolic link, not a file",
               stat.S_IFIFO: "is a FIFO (named pipe), not a regular file",
               stat.S_IFCHR: "is a device, not a regular file", stat.S_IFBLK: "is a device, not a regular file",
               stat.S_IFSOCK: "is a socket, not a regular file"}


def _refuse(st: os.stat_result) -> None:
    """Raise Refused unless ``st`` is that of a plain file with one name: a hard link may be a second name for a
    file its owner never submitted (a root-only file would be read with the grader's rights)."""
    kind = stat.S_IFMT(st.st_mode)
    if kind != stat.S_IFREG:
        raise Refused(_NOT_A_FILE.get(kind, "is not a regular file"))
    if st.st_nlink > 1:
        raise Refused(f"has {st.st_nlink} hard links (names): a file with more than one name is not graded, since "
                       "it may be another name for a file nobody submitted; submit a copy of it instead")


def _read(file: Path, max_bytes: int) -> bytes:
    """At most ``max_bytes + 1`` bytes of the file; raises Refused when they cannot be had, or when it is not a
    plain file with a single name. Nothing but a regular file is ever opened (opening a device can act)."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # no symlink swap, no hanging on a FIFO
    try:
        _refuse(os.lstat(file))
        fd = os.open(file, flags)
        with open(fd, "rb") as fh:
            now, before = os.fstat(fd), os.lstat(file)
            if (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino):
                raise Refused("changed while it was being read")
            _refuse(now)
            return fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise Refused("does not exist") from None
    except IsADirectoryError:
        raise Refused("is a directory, not a file") from None
    except (OSError, ValueError) as exc:
        raise Refused(f"cannot be read: {getattr(exc, 'strerror', None) or exc}") from None


def _load(data: bytes, *, name: str, ident: str, path: str, kind: str, execute: str,
          max_bytes: int, helpers: frozenset[str] = frozenset()) -> LoadedSubmission:  # fmt: skip
    common = {"ident": ident, "path": path, "kind": kind}
    if len(data) > max_bytes:
        return _invalid(f"{name} is too large to grade (more than {max_bytes:,} bytes)", ident=ident, path=path,
                        kind=kind)
    digest = hashlib.sha256(data).hexdigest()
    notes: list[Problem] = []
    try:
        if not data:
            raise Refused("is empty")
        parsed = _py_units(_decode_py(data)) if kind == "py" else _notebook_units(data, name, notes)
        if not any(tree is None or tree.body for _, tree in parsed):
            raise Refused("contains no code")
    except Refused as exc:
        return _invalid(f"{name} {exc}", sha256=digest, warnings_=notes, **common)
    units = _finish(parsed, execute=execute, helpers=helpers)
    problems = (*notes, *(unit.syntax_error for unit in units if unit.syntax_error is not None))
    return LoadedSubmission(id=ident, path=path, kind=kind, sha256=digest, units=units, problems=problems,
                            trees=tuple(tree for _, tree in parsed))


def _decode_py(data: bytes) -> str:
    """The text of a .py file, honouring PEP 263 and a UTF-8 BOM, with newlines normalised."""
    if b"\0" in data:
        raise Refused("is a binary file, not Python source (it contains NUL bytes)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if exc.msg == "invalid or missing encoding declaration":
            raise Refused("cannot be decoded: it is not UTF-8 text and declares no encoding") from None
        raise Refused(f"cannot be decoded: {exc.msg}") from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise Refused(f"cannot be decoded as {encoding}: byte {data[exc.start]:#04x} at position {exc.start} "
                       "is invalid") from None  # fmt: skip
    except LookupError:
        raise Refused(f"cannot be decoded: {encoding!r} is not a text encoding") from None
    if "\0" in text:
        raise Refused("is a binary file, not Python source (it decodes to NUL characters)")
    if len(text) > _MAX_CODE:
        raise Refused(_TOO_MUCH)
    return _clean_text(text)


def _clean_text(text: str) -> str:
    """Newlines normalised to LF; lone surrogates (which cannot be compiled or printed) replaced."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def prepare() -> None:
    """Build now, in this process, the validator that reading the first notebook of nbformat's current version
    would build (about 45 CPU-ms): a batch's coordinator calls it before it forks its workers. Notebooks of other
    minor versions each still build their own once per process."""
    nbformat.validator.get_validator(nbformat.v4.nbformat, nbformat.v4.nbformat_minor)  # type: ignore[no-untyped-call]


def _notebook_units(data: bytes, name: str, notes: list[Problem]) -> list[_Parsed]:
    """The code cells of a notebook as parsed units; warnings are appended to ``notes``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nb = read_notebook(data)
        try:
            nbformat.validate(nb)
        except Exception as exc:
            notes.append(Problem(kind=WARNING, message=f"{name} is not a valid notebook ({short(exc)}); "
                                                         "its cells were read anyway"))  # fmt: skip
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise Refused("is not a notebook: it has no list of cells")
    parsed: list[_Parsed] = []
    skipped: list[str] = []
    total = 0
    for position, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source")
        if isinstance(source, list) and all(isinstance(part, str) for part in source):
            source = "".join(source)
        if not isinstance(source, str):
            skipped.append(str(position))
            continue
        original = _clean_text(source)
        total += len(original)
        if total > _MAX_CODE:
            raise Refused(_TOO_MUCH)
        lines, _ = neutralise(original)
        parsed.append(_parse("\n".join(lines), original=original, cell=position, first_line=1))
    if skipped:
        more = ", ..." if len(skipped) > 10 else ""
        notes.append(Problem(kind=WARNING, message=f"{name}: code cell {', '.join(skipped[:10])}{more} "
                                                     "has no readable source and was skipped"))  # fmt: skip
    return parsed


def _clip(text: str, limit: int = _CLIP) -> str:
    text = text.rstrip()
    return text if len(text) <= limit else text[:limit] + "..."


def _py_units(text: str) -> list[_Parsed]:
    """One unit if the file compiles; otherwise the chunks ``_pysource.cut`` finds, each padded with newlines so that
    compiled line numbers are file lines."""
    original = text.split("\n")
    lines, starts = neutralise(text)
    whole = _parse("\n".join(lines), original=text, cell=None, first_line=1)
    if whole[1] is not None:
        return [whole]
    parsed: dict[tuple[int, int], _Parsed] = {}

    def unit(a: int, b: int) -> _Parsed:
        if (a, b) not in parsed:
            parsed[a, b] = _parse("\n" * a + "\n".join(lines[a:b]), original="\n".join(original[a:b]), cell=None,
                                  first_line=a + 1)
        return parsed[a, b]

    return [unit(a, b) for a, b in cut(lines, starts, lambda a, b: unit(a, b)[1] is not None)]


def _checked(source: str, in_cell: bool) -> tuple[ast.Module | None, tuple[str, int | None, str] | None]:
    """The tree of ``source``, or why it does not compile: (kind, line, message). A function of the text alone
    (the file name a unit compiles under changes neither), so ``_remembered`` may share its answer, tree included:
    nothing that reads a tree changes it."""
    tree: ast.Module | None = None
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT if in_cell else 0  # IPython allows top-level await
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
            if len(_CODE_OBJECTS.findall(source)) <= _MAX_COMPILED:
                compile(tree, "<unit>", "exec", flags=flags, dont_inherit=True)
    except SyntaxError as exc:
        return None, (type(exc).__name__, exc.lineno, exc.msg or "invalid syntax")
    except ValueError:
        return None, ("SyntaxError", None, "the code contains characters Python cannot compile (such as null bytes)")
    except RecursionError:
        return None, _TOO_DEEP
    return tree, None  # a MemoryError is not an answer to remember: it goes to the caller


_TOO_DEEP = ("SyntaxError", None, "the code is nested too deeply for Python to compile")
_remembered = functools.lru_cache(maxsize=_MEMO_CELLS)(_checked)


def remembered_tree(source: str, *, in_cell: bool) -> ast.Module | None:
    """The loader's tree of a unit small enough to be remembered (the memo's own object: read it, never change it),
    for whoever compiles the unit after loading it (``grader.program``); a unit the loader has not seen is read and
    remembered as the loader would. None when the unit is too large to be remembered or does not compile: the
    caller parses it itself."""
    if len(source) > _MEMO_CHARS:
        return None
    try:
        return _remembered(source, in_cell)[0]
    except MemoryError:
        return None


def _parse(source: str, *, original: str, cell: int | None, first_line: int) -> _Parsed:
    """Parse and compile (never run) one unit; failures become a syntax-error Problem."""
    filename = "<submission>" if cell is None else f"<cell {cell}>"
    try:
        tree, error = (_remembered if len(source) <= _MEMO_CHARS else _checked)(source, cell is not None)
    except MemoryError:
        tree, error = None, _TOO_DEEP
    unit = CodeUnit(index=0, cell=cell, first_line=first_line, filename=filename, source=source, keep=(),
                    syntax_error=None, defines=(), original=original)  # fmt: skip
    if error is None:
        return unit, tree
    what, line, message = error
    lines = original.split("\n")
    line = min(max(line or first_line, first_line), first_line + len(lines) - 1)
    code = _clip(lines[line - first_line])
    where = f"in cell {cell}, line {line}" if cell is not None else f"on line {line}"
    text = f"{what} {where}: {message}" + (f"\n    {code.strip()}" if code.strip() else "")
    problem = Problem(kind=SYNTAX_ERROR, message=text, location=Location(cell=cell, line=line, code=code))
    return replace(unit, syntax_error=problem), None


def _finish(parsed: list[_Parsed], *, execute: str, helpers: frozenset[str] = frozenset()) -> tuple[CodeUnit, ...]:
    """Number the units and decide which of their top-level statements run.

    Names imported from the assignment's own ``helpers`` modules (data loaders, training loops) do not make a
    call harmless: ``parameters = model(X, Y)`` with ``model`` from a helper would train at grading time.
    """
    imported = imported_names((tree for _, tree in parsed if tree is not None), helpers)
    units: list[CodeUnit] = []
    for index, (unit, tree) in enumerate(parsed):
        definitions: tuple[tuple[str, int], ...] = ()
        if tree is None:
            keep: tuple[int, ...] = ()
            defines = tuple(dict.fromkeys(_DEFINES.findall(unit.source)))
        else:
            keep = tuple(i for i, stmt in enumerate(tree.body) if execute == "all" or keepable(stmt, imported))
            definitions = tuple((stmt.name, stmt.lineno) for stmt in tree.body if isinstance(stmt, _DEF_NODES))
            defines = tuple(dict.fromkeys(name for name, _ in definitions))
        units.append(replace(unit, index=index, keep=keep, defines=defines, definitions=definitions))
    return tuple(units)


def _line_of(unit: CodeUnit, line: int) -> Location | None:
    lines = unit.original.split("\n")
    offset = line - unit.first_line
    if 0 <= offset < len(lines):
        return Location(cell=unit.cell, line=line, code=_clip(lines[offset]))
    return None
