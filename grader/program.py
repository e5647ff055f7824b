"""What a student process loads, and the seeds of its calls.

``Program`` is the plain data a sandboxed process is given to load: the submission's code units, the assignment's
helper modules and stubs, its composites and declared signatures. ``call_seed`` derives the stable seed of a load or
a call from the run's seed and the call's identity, so that a verdict never depends on the order of the calls.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .signatures import FunctionSignatures

__all__ = ["Program", "call_seed"]

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

    @classmethod
    def build(cls, loaded: LoadedSubmission, assignment: Assignment) -> Program:
        return cls(
            # A unit with nothing to run (a cell of calls, plots or training) is not sent: the process would only
            # parse it. A cell that does not compile runs nothing either (``load`` reported it).
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
        """The load request; ``seed`` seeds numpy's and random's global generators before the definitions run."""
        return {
            "op": "load",
            "seed": seed,
            "units": [{"filename": f, "source": s, "keep": list(k)} for f, s, k in self.units],
            "helpers": dict(self.helpers),
            "stubs": list(self.stubs),
            "main": self.main,
            "describe": [name for name, _ in self.signatures],
            "functions": list(self.functions),
        }


def call_seed(seed: int, *parts: object) -> int:
    """A stable 32-bit seed derived from the run's seed and a call's identity."""
    text = "\x1f".join([str(seed), *map(str, parts)])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")
