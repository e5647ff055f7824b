"""Where a wrong answer first goes wrong: a student's intermediates compared with the reference's.

``locate`` compares two records of ``grader.tracing`` in the grader's process, from validated plain data only:
first by name (the course fixes the names: Z1, A1, dZ2, cost, thetaplus, gradapprox...; a dict entry
``parameters["W1"]`` goes by its key, so it meets a local ``W1`` too), then by value for a student who uses other
names. It names the first intermediate that differs, its line, and the ones before it that are right: "dZ1 on line
12 differs from the expected dZ1; dZ2, dW2 and db2 are right". Each name is judged by the value it held when the
call ended, so an array filled in place (``gradapprox[i] = ...``) is compared filled. A shared array written
through one of its names differs where the reference binds a copy; an array filled in place that ends wrong
differs when nothing bound earlier does.

Random draws: the reference runs twice, under the student's seed and another one, and what changes between the
two runs was drawn at random. A student's draw is right when it equals the reference's under the same seed, and
differs when it is that same draw times another factor (``randn * 0.01`` where ``randn * sqrt(2 / n)`` is asked
for: "W1 on line 5 is 0.12 times the expected W1") or all zeros; otherwise nothing can be told of it.

Counts (integers such as ``L`` or ``m``) that differ are not the mistake by themselves when something later
differs (``L = len(layers_dims) - 1`` and a loop to ``L + 1``): they are mentioned beside it. It knows nothing of
any assignment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .tracing import RETURNED, Step

__all__ = ["Located", "Place", "ROUNDING", "locate"]

ROUNDING = 1e-12  # relative differences up to this are rounding (a few operations in another order)

Place = Callable[[str, int], "str | None"]  # (filename, line) -> "cell 4, line 2", or None when not the student's


@dataclass(frozen=True, slots=True)
class Located:
    """The first intermediate of the student's that differs from the reference's, and those before it that agree.

    ``how``: "value"; "slight" (differs by ``factor`` of its size, within the tolerance but more than rounding,
    before something that differs clearly); "scaled" (a random draw ``factor`` times the expected one, 0 for
    zeros); "shared" (another name for ``alias``, written into); "final" (filled in place, ends wrong; ``line``
    bound it); "filled" (the same, ``line`` last wrote into it); "unwritten" (bound right, never written into
    where the reference's is); "count" (only a count differs).
    ``counts`` are earlier counts that differ: (name, line, filename, the student's value, the reference's).
    """

    name: str  # the student's name for it
    expected: str  # the reference's name for what it should be
    line: int
    filename: str
    right: tuple[str, ...]
    how: str = "value"
    alias: str = ""
    factor: float = 1.0
    counts: tuple[tuple[str, int, str, float, float], ...] = ()

    def sentence(self, where: str | None = None, place: Place | None = None) -> str:
        """E.g. "dZ1 on line 12 differs from the expected dZ1; dZ2, dW2 and db2 are right". ``where`` describes
        this intermediate's line, ``place`` any other line (a count's)."""
        at = where or f"line {self.line}"
        if self.how == "shared":
            text = (f"{self.name} on {at} is another name for the array {self.alias}, not a copy of it, so writing "
                    f"into {self.name} also changes {self.alias} (the reference works on a copy)")
        elif self.how == "final":
            text = (f"{self.name}, bound on {at} and then filled in place, ends with values that differ from the "
                    f"expected {self.expected}")
        elif self.how == "unwritten":
            text = (f"{self.name}, bound on {at}, is never changed afterwards, where the expected {self.expected} "
                    "is then written into in place")
        elif self.how == "filled":
            text = (f"{self.name}, filled in place on {at}, ends with values that differ from the expected "
                    f"{self.expected}")
        elif self.how == "count" and self.counts:
            text = (f"{self.name} on {at} is {self.counts[0][3]:g}, where the reference's {self.expected} is "
                    f"{self.counts[0][4]:g}")
        elif self.how == "slight":
            text = (f"{self.name} on {at} differs from the expected {self.expected}, slightly (by {self.factor:.2g} "
                    "of its size, more than rounding) but enough to change what is computed from it")
        elif self.how == "scaled" and self.factor == 0.0:
            text = f"{self.name} on {at} is all zeros, where the expected {self.expected} is drawn at random"
        elif self.how == "scaled":
            text = (f"{self.name} on {at} is {self.factor:.3g} times the expected {self.expected} (the same random "
                    "draw, scaled differently)")
        else:
            text = f"{self.name} on {at} differs from the expected {self.expected}"
        for name, line, filename, got, expected in self.counts[1 if self.how == "count" else 0:]:
            spot = (place(filename, line) if place is not None else None) or f"line {line}"
            text += f"; {name} on {spot} is {got:g}, where the reference's {name} is {expected:g}"
        if self.right:
            names = list(self.right)
            listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            text += f"; {listed} {'is' if len(names) == 1 else 'are'} right"
        return text


def _key(name: str) -> str:
    """A dict entry ``parameters["W1"]`` goes by its key, ``W1``; a local by its name."""
    return name[name.index('["') + 2:-2] if name.endswith('"]') and '["' in name else name


def _same(a: Any, b: Any, rtol: float, atol: float) -> bool:
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.shape != y.shape:
        return False
    with np.errstate(all="ignore"):
        return bool(np.allclose(x, y, rtol=rtol, atol=atol))


def _alike(a: Step, b: Step, rtol: float, atol: float, *, first: bool = False) -> bool:
    """Whether two steps held the same values (their last ones, or their first ones), whole shapes compared."""
    return a.dims == b.dims and _same(a.value if first else a.last, b.value if first else b.last, rtol, atol)


def _telling(value: Any) -> bool:
    """Whether a value is distinctive enough to be matched by value alone (not a size, a count or a constant)."""
    array = np.asarray(value, dtype=np.float64)
    return array.size > 1 and bool(np.any(array != array.flat[0]))


def _count(value: Any) -> bool:
    array = np.asarray(value, dtype=np.float64)
    return array.size == 1 and array.ndim == 0 and bool(np.isfinite(array)) and float(array) == int(array)


def _factor(student: Step, drawn: Step) -> float | None:
    """c when the student's values are c times the reference's draw (the same shape), else None."""
    if student.dims != drawn.dims or student.final is not None or drawn.final is not None:
        return None
    s, t = np.asarray(student.value, dtype=np.float64), np.asarray(drawn.value, dtype=np.float64)
    with np.errstate(all="ignore"):
        scale = float(np.vdot(t, t))
        if not np.isfinite(scale) or scale == 0.0 or not np.all(np.isfinite(s)):
            return None
        c = float(np.vdot(s, t)) / scale
        fits = np.allclose(s, c * t, rtol=1e-6, atol=1e-12 * float(np.max(np.abs(t))) * max(abs(c), 1.0))
    return c if fits and not np.isclose(c, 1.0, rtol=1e-6) else None


def _slight(step: Step, twin: Step) -> float:
    """How far a step judged right is from its twin, relative to its size, when that is more than rounding
    (``ROUNDING``) can explain; 0 otherwise. theta + epsilon and theta - epsilon agree to 1e-11 when theta is 1e4."""
    if step.dims != twin.dims:
        return 0.0
    s, t = np.asarray(step.last, dtype=np.float64), np.asarray(twin.last, dtype=np.float64)
    with np.errstate(all="ignore"):
        size = float(np.max(np.abs(t))) if t.size else 0.0
        gap = float(np.max(np.abs(s - t))) if t.size else 0.0
    return gap / size if np.isfinite(gap) and size > 0 and gap > ROUNDING * size else 0.0


def _verdict(step: Step, twin: Step, drawn: bool, rtol: float, atol: float) -> tuple[str, float]:
    """How the student's step compares with the reference's of the same name: right, count, final (filled in
    place and ends wrong), scaled (by the factor), unknown (another random draw) or differs."""
    if _alike(step, twin, rtol, atol):
        return "right", 1.0
    if drawn and step.dims != twin.dims:  # a draw's shape is not random
        return "differs", 1.0
    if drawn:
        factor = _factor(step, twin)
        return ("unknown", 1.0) if factor is None else ("scaled", factor)
    if _count(step.value) and _count(twin.value) and step.name != RETURNED:  # a result is no mere count
        return "count", 1.0
    if _alike(step, twin, rtol, atol, first=True):  # bound right, and one of the two was then written into
        return "final", 1.0
    return "differs", 1.0


def _order(suspect: Located) -> tuple[bool, int]:
    """Suspects by line, an array never written into last: it is more often what a wrong write left behind
    (J_plus equal to J_minus fills gradapprox with the zeros it started with) than the mistake."""
    return suspect.how == "unwritten", suspect.line


def _draws(first: Sequence[Step], second: Sequence[Step] | None) -> tuple[list[Step], set[str]]:
    """The reference's steps that both runs bind, and the names of those whose values changed with the seed."""
    if second is None:
        return list(first), set()
    other = {step.name: step for step in second}
    kept = [step for step in first if step.name in other]
    changed = {step.name for step in kept if not (_alike(step, other[step.name], 0.0, 0.0)
                                                   and _alike(step, other[step.name], 0.0, 0.0, first=True))}
    return kept, changed


def locate(student: Sequence[Step], reference: Sequence[Step], second: Sequence[Step] | None = None, *,
           rtol: float = 1e-5, atol: float = 1e-8) -> Located | None:
    """The student's first intermediate that differs from the reference's, or None when none can be told.

    ``reference`` is the reference's record under the student's seed, ``second`` under another seed (what differs
    between them was drawn at random; without it nothing is). A student's name that the reference also binds is
    compared with the reference's value of that name. Another name is matched by value: it is right when it
    equals some intermediate of the reference (a distinctive one, not a count); when it equals none, it is the
    first that differs if it has the shape of a reference intermediate not yet accounted for (the expected one is
    that intermediate), unless the student uses the course's names (two or more), who is then judged by name
    alone. Names that neither match nor differ (a loop counter, a temporary with no counterpart) are passed over.
    """
    reference, drawn = _draws(reference, second)
    search = _Search(student, reference, drawn, rtol, atol)
    for step in student:
        if step.alias and not search.shares:  # the reference writes into no shared array
            return search.found(step, step.name, "shared")
        twin = search.by_name.get(_key(step.name))
        hit = search.named(step, twin) if twin is not None else search.unnamed(step)
        if hit is not None:
            return hit
    return search.end()


class _Search:
    """The state of one ``locate``: what is right so far, which reference names are accounted for, the counts
    that differ, and the suspects (steps that may be where it went wrong if something later differs clearly:
    arrays filled in place that end wrong, and the first step right within the tolerance but not within
    rounding)."""

    def __init__(self, student: Sequence[Step], reference: list[Step], drawn: set[str], rtol: float,
                 atol: float) -> None:
        self.reference, self.drawn, self.rtol, self.atol = reference, drawn, rtol, atol
        self.by_name = {_key(step.name): step for step in reversed(reference)}
        # a student who uses the course's names is judged by name alone: a temporary of theirs that the reference
        # does not bind (Z1 read from the cache, say) is not a mistake for lack of a twin
        self.by_value = sum(1 for step in student if _key(step.name) in self.by_name and _telling(step.value)) < 2
        self.shares = any(step.alias for step in reference)
        self.right: list[str] = []
        self.accounted: set[str] = set()
        self.counts: list[tuple[str, int, str, float, float]] = []
        self.suspects: list[Located] = []
        self.slight = False

    def found(self, step: Step, expected: str, how: str = "value", factor: float = 1.0) -> Located:
        right, counts = tuple(self.right), tuple(self.counts)
        if how == "final" and step.final is None:
            how = "unwritten"
        if how == "final" and step.wrote:
            return Located(step.name, expected, step.wrote, step.filename, right, "filled", "", 1.0, counts)
        if how == "slight" and step.final is not None and step.wrote:  # the write made the difference
            return Located(step.name, expected, step.wrote, step.filename, right, how, "", factor, counts)
        return Located(step.name, expected, step.line, step.filename, right, how, step.alias, factor, counts)

    def first(self, clear: Located) -> Located:
        """What a clear difference is blamed on: the suspect on the earliest line, if any."""
        return min(self.suspects, key=_order) if self.suspects and clear.how == "value" else clear

    def named(self, step: Step, twin: Step) -> Located | None:
        """A step whose name the reference binds too: compared with that name's value."""
        self.accounted.add(twin.name)
        verdict, factor = _verdict(step, twin, twin.name in self.drawn, self.rtol, self.atol)
        if verdict == "right":
            gap = 0.0 if self.slight or twin.name in self.drawn else _slight(step, twin)
            if gap:
                self.slight = True
                self.suspects.append(self.found(step, twin.name, "slight", gap))
            if not (_count(step.value) and float(step.value) in (0.0, 1.0)):  # a loop index at its start
                self.right.append(step.name)                                  # says nothing: not listed
        elif verdict == "count":
            self.counts.append((step.name, step.line, step.filename, float(step.value), float(twin.value)))
        elif verdict == "final":
            self.suspects.append(self.found(step, twin.name, "final"))
        elif verdict != "unknown":
            return self.first(self.found(step, twin.name, "value" if verdict == "differs" else verdict, factor))
        return None

    def unnamed(self, step: Step) -> Located | None:
        """A step under a name of the student's own: matched by value, or the first that differs."""
        if not _telling(step.value):
            return None
        reference, drawn, rtol, atol = self.reference, self.drawn, self.rtol, self.atol
        match = next((r for r in reference if r.name not in drawn and _telling(r.last)
                      and _alike(step, r, rtol, atol)), None)
        if match is None and step.final is not None:  # filled in place: its first value may still match
            match = next((r for r in reference if r.name not in drawn and _telling(r.value)
                          and _alike(step, r, rtol, atol, first=True)), None)
        if match is not None:
            self.accounted.add(match.name)
            if _alike(step, match, rtol, atol):
                self.right.append(step.name if match.name == step.name
                                  else f"{step.name} (the expected {match.name})")
            else:
                self.suspects.append(self.found(step, match.name, "final"))
            return None
        if not self.by_value:
            return None
        expected = next((r for r in reference if r.name not in self.accounted and r.name not in drawn
                         and r.dims == step.dims and _telling(r.last)), None)
        return self.first(self.found(step, expected.name)) if expected is not None else None

    def end(self) -> Located | None:
        """Nothing differs clearly: an array that ends wrong is where it goes wrong (a slight difference alone is
        not); else a count that differs; else nothing can be told."""
        ends = [suspect for suspect in self.suspects if suspect.how in ("final", "filled", "unwritten")]
        if ends:
            return min(ends, key=_order)
        if self.counts:
            name, line, filename, *_ = self.counts[0]
            return Located(name, name, line, filename, tuple(self.right), "count", counts=tuple(self.counts))
        return None
