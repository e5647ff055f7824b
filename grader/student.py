"""For students: run the public checks on your own functions, in Jupyter or with ``grade check FILE``.

Inside a notebook::

    from grader import check
    check("backward_propagation")   # one function
    check()                         # every function that has a public check

``check`` returns a ``CheckReport``: the cell shows it as a table (plain text outside Jupyter), and it can be
iterated for each ``PublicCheck``. The public checks are the assignment's ``public_tests`` module
(``<function>_test(target)`` functions), shipped with the student materials. The hidden checks never are: they live
in ``reference/`` and need the grader.
"""

from __future__ import annotations

import ast
import difflib
import html
import importlib
import importlib.util
import inspect
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

__all__ = [
    "CheckReport",
    "PUBLIC_MODULE",
    "PublicCheck",
    "RUNNER_NAME",
    "SYMBOLS",
    "Status",
    "check",
    "check_file",
    "runner_source",
]

PUBLIC_MODULE = "public_tests"

Status = Literal["passed", "failed", "error", "missing", "absent"]
SYMBOLS = {"passed": "✓", "failed": "✗", "error": "⚠", "missing": "?", "absent": "-"}
_COLOURS = {"passed": "#0a6b2d", "failed": "#a3171d", "error": "#a3171d", "missing": "#7a5200", "absent": "#4a4a4a"}
_NOT_DEFINED = re.compile(r"NameError: name '(\w+)' is not defined")


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicCheck:
    """The outcome of one public check."""

    function: str
    status: Status
    message: str = ""
    output: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def text(self) -> str:
        """What to say after the status: the message, or what a missing status means."""
        default = {"missing": "not defined yet", "absent": "no public check"}.get(self.status, "")
        return self.message or default

    def line(self) -> str:
        text = self.text()
        return f"{SYMBOLS[self.status]} {self.function}: {self.status}" + (f": {text}" if text else "")

    @classmethod
    def from_dict(cls, data: dict[str, Any], function: str) -> PublicCheck:
        status = data.get("status") if isinstance(data, dict) else None
        if status not in SYMBOLS:
            return cls(function=function, status="error", message="the check returned nothing readable")
        return cls(function=function, status=status, message=str(data.get("message", ""))[:2000],
                   output=str(data.get("output", ""))[:4000])


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckReport:
    """The public checks of one run of ``check`` or ``grade check``: shown as the summary, iterable as checks."""

    checks: tuple[PublicCheck, ...]
    functions: tuple[str, ...] = ()  # every function the assignment asks for
    source: str = ""  # the file checked ("" in a notebook)
    problems: tuple[str, ...] = field(default=())  # what went wrong with the file as a whole

    @property
    def graded(self) -> tuple[PublicCheck, ...]:
        """The checks that ran or could have run (not the names without a public check)."""
        return tuple(c for c in self.checks if c.status != "absent")

    @property
    def passed(self) -> int:
        return sum(c.passed for c in self.checks)

    @property
    def ok(self) -> bool:
        """Every check passed, and there was at least one."""
        return bool(self.graded) and self.passed == len(self.graded)

    def summary(self) -> str:
        """The closing line."""
        if not any(c.status not in ("missing", "absent") for c in self.checks) and self.functions:
            where = self.source or "this notebook"
            return (f"{where} defines none of the assignment's functions ({', '.join(self.functions)}), so no "
                    "public check ran. " + ("Is it the right file?" if self.source else
                                            "Run the cells that define them, then check again."))
        return (f"{self.passed} of {len(self.graded)} public checks passed. "
                "The grader runs more checks of its own.")

    def __iter__(self) -> Iterator[PublicCheck]:
        return iter(self.checks)

    def __len__(self) -> int:
        return len(self.checks)

    def __getitem__(self, index: int) -> PublicCheck:
        return self.checks[index]

    def __repr__(self) -> str:
        lines = [f"⚠ {p}" for p in self.problems] + [c.line() for c in self.checks] + [self.summary()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """A table for Jupyter: the status in words and symbols as well as colours."""
        rows = []
        for c in self.checks:
            colour = _COLOURS[c.status]
            rows.append(
                f'<tr><td style="color:{colour};font-weight:bold">{SYMBOLS[c.status]} {c.status}</td>'
                f"<td><code>{html.escape(c.function)}</code></td>"
                f'<td style="white-space:pre-wrap;text-align:left">{html.escape(c.text())}</td></tr>')
        problems = "".join(f'<p style="color:#a3171d">⚠ {html.escape(p)}</p>' for p in self.problems)
        return (f'{problems}<table><caption style="text-align:left">Public checks</caption>'
                '<thead><tr><th scope="col">status</th><th scope="col">function</th>'
                '<th scope="col" style="text-align:left">details</th></tr></thead>'
                f'<tbody>{"".join(rows)}</tbody></table><p>{html.escape(self.summary())}</p>')


def _run_public_check(function: str, module_name: str = "public_tests",
                      namespace: dict[str, object] | None = None) -> dict[str, object]:
    """Run ``<module>.<function>_test`` on the function of that name. Runs in the student's own process.

    Self-contained on purpose (builtins only, even in annotations and defaults): its source is also sent into
    the sandbox by ``grade check``.
    """
    import contextlib
    import importlib
    import io

    space = globals() if namespace is None else namespace
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        return {"status": "error", "message": f"cannot import {module_name}: {exc}"}
    test = getattr(module, f"{function}_test", None)
    if test is None:
        return {"status": "absent"}
    target = space.get(function)
    if not callable(target):
        return {"status": "missing"}
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            test(target)
    except AssertionError as exc:
        return {"status": "failed", "message": str(exc), "output": out.getvalue()}
    except NotImplementedError as exc:  # the generated stub's ``raise NotImplementedError()``
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = tb.tb_frame.f_code.co_name if tb is not None else function
        who = where if where not in ("<module>", f"{function}_test") else function
        detail = f": {exc}" if str(exc) else ""
        return {"status": "error", "output": out.getvalue(),
                "message": f"{who} is not implemented yet (the stub is still in place){detail}"}
    except Exception as exc:
        return {"status": "error", "message": f"{type(exc).__name__}: {exc}", "output": out.getvalue()}
    return {"status": "passed", "message": out.getvalue().strip().splitlines()[-1] if out.getvalue().strip() else "",
            "output": out.getvalue()}


RUNNER_NAME = "__grader_public_check__"


def runner_source() -> str:
    """Source that defines the public-check runner under ``RUNNER_NAME`` in a submission's namespace."""
    return inspect.getsource(_run_public_check) + f"\n{RUNNER_NAME} = _run_public_check\n"


def _suggest(name: str, known: Sequence[str]) -> str:
    """Why ``name`` has no public check, with the nearest valid name: abbreviations first, then spelling."""
    def abbreviates(short: str, full: str) -> bool:
        letters = iter(full)
        return all(ch in letters for ch in short)

    near = [k for k in known if abbreviates(name.lower(), k.lower())]
    near = near or difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    return f"no public check named {name!r}{hint} The public checks are: {', '.join(known)}."


def _binds(node: ast.AST, name: str) -> str | None:
    """The module an import statement takes ``name`` from, if it binds ``name``; else None."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if (alias.asname or alias.name.split(".")[0]) == name:
                return alias.name
    elif isinstance(node, ast.ImportFrom) and any((a.asname or a.name) == name for a in node.names):
        return node.module or "."
    return None


def _import_of(name: str, sources: Sequence[str]) -> tuple[str, str] | None:
    """The last import statement in ``sources`` that binds ``name``, and its module."""
    for source in reversed(sources):
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in reversed(list(ast.walk(tree))):
            if (module := _binds(node, name)) is not None:
                return ast.get_source_segment(source, node) or ast.unparse(node), module
    return None


def _explain_missing_name(result: PublicCheck, history: Sequence[str]) -> PublicCheck:
    """A NameError for a name an earlier import should have bound: say which import, and why it failed."""
    found = _NOT_DEFINED.match(result.message) if result.status == "error" else None
    imported = _import_of(found.group(1), history) if found else None
    if imported is None:
        return result
    statement, module = imported
    top = module.split(".")[0]
    if top and importlib.util.find_spec(top) is None:
        why = (f"the import `{statement}` failed: there is no module named {top!r} here. Install it (or remove "
               "the import), run that cell again, then check again.")
    else:
        why = f"the cell with `{statement}` raised an error or has not run yet: run it again and read its error."
    return replace(result, message=f"{result.message}: {why}")


def _in_ipython() -> bool:
    ipython = sys.modules.get("IPython")
    return ipython is not None and getattr(ipython, "get_ipython", lambda: None)() is not None


def check(*functions: str, module: str = PUBLIC_MODULE, namespace: dict[str, Any] | None = None,
          quiet: bool = False) -> CheckReport:
    """Run the public checks on functions defined in the running notebook (``__main__``).

    In Jupyter the returned report shows itself as a table when it ends the cell; elsewhere it is also printed
    (unless ``quiet``).
    """
    space = namespace if namespace is not None else vars(sys.modules["__main__"])
    try:
        public = importlib.import_module(module)
    except ImportError as exc:
        raise RuntimeError(f"cannot import the public checks module {module!r}: {exc}") from None
    known = [name.removesuffix("_test") for name in getattr(public, "__all__", dir(public))
             if name.endswith("_test")]
    history = [str(cell) for cell in space.get("In", ()) if isinstance(cell, str)]
    results = []
    for name in functions or known:
        result = PublicCheck.from_dict(_run_public_check(name, module, space), name)
        if result.status == "absent":
            result = replace(result, message=_suggest(name, known))
        results.append(_explain_missing_name(result, history))
    report = CheckReport(checks=tuple(results), functions=tuple(known) if not functions else ())
    if not quiet and not _in_ipython():
        print(report)
    return report


def _load_error_notes(errors: Sequence[Mapping[str, Any]], loaded: Any) -> dict[str, str]:
    """Name → why it is missing, for names whose import raised while the definitions loaded."""
    notes: dict[str, str] = {}
    for error in errors:
        where = loaded.locate(str(error.get("filename", "")), int(error.get("line") or 0))
        if where is None:
            continue
        try:
            tree = ast.parse(where.code.strip())
        except SyntaxError:
            continue
        text = f"{str(error.get('type', 'Error'))[:100]}: {str(error.get('message', ''))[:300]}"
        for node in ast.walk(tree):
            for alias in getattr(node, "names", ()) if isinstance(node, (ast.Import, ast.ImportFrom)) else ():
                bound = alias.asname or (alias.name.split(".")[0] if isinstance(node, ast.Import) else alias.name)
                notes[bound] = f"the import `{where.code.strip()}` on {where.describe()} failed ({text})"
    return notes


def _file_check(result: PublicCheck, loaded: Any, notes: Mapping[str, str]) -> PublicCheck:
    """Say why a function is missing (a syntax error took it) or a name undefined (its import failed)."""
    if result.status == "missing":
        lost = loaded.lost_to_syntax_error(result.function)
        if lost is not None:  # "SyntaxError in cell 4, line 2: '(' was never closed"
            first = lost.message.splitlines()[0] if lost.message else "a syntax error"
            return replace(result, message=f"removed by a syntax error ({first}): fix it and the function "
                                           "comes back")
    found = _NOT_DEFINED.match(result.message) if result.status == "error" else None
    if found and found.group(1) in notes:
        return replace(result, message=f"{result.message}: {notes[found.group(1)]}")
    return result


def check_file(path: str, assignment: Any) -> CheckReport:
    """Run the public checks on a submission file, in the sandbox.

    The sandbox is used as it is available (no layer is required: no secret is present, since the hidden
    checks and the reference are never loaded).
    """
    import dataclasses
    from pathlib import Path

    from .load import load_submission
    from .models import WARNING
    from .program import Program
    from .worker_sandbox import Sandbox

    loaded = load_submission(path, execute=assignment.execute, helpers=assignment.helper_modules)
    problems = tuple(p.message for p in loaded.problems if p.kind != WARNING)
    functions = tuple(assignment.functions)
    name = Path(path).name
    if not loaded.ok:
        return CheckReport(checks=(), functions=functions, source=name, problems=problems)
    program = Program.build(loaded, assignment)
    source = runner_source()
    runner = ("<grader>", source, tuple(range(len(ast.parse(source).body))))
    program = dataclasses.replace(program, units=(*program.units, runner))
    results = []
    with Sandbox(insecure=True) as sandbox, sandbox.session(program, assignment.limits, seed=0) as session:
        for function in functions:
            try:
                reply = session.call(RUNNER_NAME, function)
            except Exception as exc:  # a StudentError: the check's own call crashed, hung or ran out of memory
                results.append(PublicCheck(function=function, status="error", message=str(exc)))
                continue
            results.append(PublicCheck.from_dict(reply, function))
        notes = _load_error_notes(session.load_errors, loaded)
    checks = tuple(_file_check(r, loaded, notes) for r in results)
    return CheckReport(checks=checks, functions=functions, source=name, problems=problems)
