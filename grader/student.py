"""For students: run the public checks on your own functions, in Jupyter or with ``grade check FILE``.

Inside a notebook::

    from grader import check
    check("backward_propagation")   # one function
    check()                         # every function that has a public check

The public checks are the assignment's ``public_tests`` module (``<function>_test(target)`` functions), shipped
with the student materials. The hidden checks never are: they live in ``reference/`` and need the grader.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["PUBLIC_MODULE", "PublicCheck", "RUNNER_NAME", "SYMBOLS", "Status", "check", "check_file", "runner_source"]

PUBLIC_MODULE = "public_tests"

Status = Literal["passed", "failed", "error", "missing", "absent"]
SYMBOLS = {"passed": "✓", "failed": "✗", "error": "⚠", "missing": "?", "absent": "-"}


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

    def line(self) -> str:
        text = {"missing": "not defined yet", "absent": "no public check"}.get(self.status, self.message)
        return f"{SYMBOLS[self.status]} {self.function}: {self.status}" + (f": {text}" if text else "")

    @classmethod
    def from_dict(cls, data: dict[str, Any], function: str) -> PublicCheck:
        status = data.get("status") if isinstance(data, dict) else None
        if status not in SYMBOLS:
            return cls(function=function, status="error", message="the check returned nothing readable")
        return cls(function=function, status=status, message=str(data.get("message", ""))[:2000],
                   output=str(data.get("output", ""))[:4000])


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
    except Exception as exc:
        return {"status": "error", "message": f"{type(exc).__name__}: {exc}", "output": out.getvalue()}
    return {"status": "passed", "message": out.getvalue().strip().splitlines()[-1] if out.getvalue().strip() else "",
            "output": out.getvalue()}


RUNNER_NAME = "__grader_public_check__"


def runner_source() -> str:
    """Source that defines the public-check runner under ``RUNNER_NAME`` in a submission's namespace."""
    return inspect.getsource(_run_public_check) + f"\n{RUNNER_NAME} = _run_public_check\n"


def check(*functions: str, module: str = PUBLIC_MODULE, namespace: dict[str, Any] | None = None,
          quiet: bool = False) -> tuple[PublicCheck, ...]:
    """Run the public checks on functions defined in the running notebook (``__main__``), print a summary."""
    space = namespace if namespace is not None else vars(sys.modules["__main__"])
    names: Iterable[str] = functions
    if not functions:
        try:
            public = importlib.import_module(module)
        except ImportError as exc:
            raise RuntimeError(f"cannot import the public checks module {module!r}: {exc}") from None
        names = [name.removesuffix("_test") for name in getattr(public, "__all__", dir(public))
                 if name.endswith("_test")]
    results = tuple(PublicCheck.from_dict(_run_public_check(name, module, space), name) for name in names)
    if not quiet:
        for result in results:
            print(result.line())
        passed = sum(r.passed for r in results)
        print(f"{passed} of {len(results)} public checks passed. The grader runs more checks of its own.")
    return results


def check_file(path: str, assignment: Any) -> tuple[tuple[PublicCheck, ...], tuple[Any, ...]]:
    """Run the public checks on a submission file, in the sandbox; returns the checks and any load problems.

    The sandbox is used as it is available (no layer is required: no secret is present, since the hidden
    checks and the reference are never loaded).
    """
    import ast
    import dataclasses

    from .load import load_submission
    from .session import Program, Sandbox

    loaded = load_submission(path, execute=assignment.execute, helpers=assignment.helper_modules)
    if not loaded.ok:
        return (), loaded.problems
    program = Program.build(loaded, assignment)
    source = runner_source()
    runner = ("<grader>", source, tuple(range(len(ast.parse(source).body))))
    program = dataclasses.replace(program, units=(*program.units, runner))
    results = []
    with Sandbox(insecure=True) as sandbox, sandbox.session(program, assignment.limits, seed=0) as session:
        for function in assignment.functions:
            try:
                reply = session.call(RUNNER_NAME, function)
            except Exception as exc:  # a StudentError: the check's own call crashed, hung or ran out of memory
                results.append(PublicCheck(function=function, status="error", message=str(exc)))
                continue
            results.append(PublicCheck.from_dict(reply, function))
    return tuple(results), loaded.problems
