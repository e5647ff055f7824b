"""The ``student`` a check calls: the current submission's functions, called in its sandbox.

A ``StudentProxy`` turns ``student.f(...)`` into ``StudentSession.invoke``, with the options of the call (seed,
composites' parts, signatures, observed arrays) chosen by chaining: ``student.with_seed(7).recorded.nn_model(...)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .session import StudentSession

__all__ = ["StudentProxy"]


class StudentProxy:
    """``student.forward_propagation(X, params)`` calls into the sandbox.

    - ``student.with_seed(7).nn_model(...)`` seeds numpy's global generator with 7 for that call, so that two calls
      can be made to draw the same random numbers.
    - A composite function (assignment.toml ``[composites]``) runs with the reference answering the parts it calls
      (``grader.parts``): it is judged on its own code. ``student.recorded.nn_model(...)`` returns a ``Called``:
      the value and every part it asked for, with the answers, in order. ``student.own_parts.nn_model(...)`` runs
      it with the student's own parts instead (for report figures; it must not earn points).
      ``student.with_parts(backward_propagation=wrong).gradient_check(...)`` answers a part with ``wrong`` (in the
      grader's process) for that call: a check can feed a composite a wrong part on purpose.
    - Checks call in the signature the assignment asks for; a function written in an older, accepted signature is
      called in that one (``grader.signatures``). ``student.given(parameters=p).compute_cost(A2, Y)`` gives the
      values such a signature takes that the asked one lacks.
    - ``student.observed.update_parameters(...)`` returns a ``Called`` whose ``after`` holds the arrays it was given
      as the function left them: whether it wrote into them.
    - ``student.own_parts.keeping(update_parameters=[40, 80]).nn_model(...)`` returns a ``Called`` whose ``kept``
      counts the calls of the student's ``update_parameters`` during the call and holds what its 40th and 80th calls
      returned: checkpoints of one training run.
    """

    def __init__(self, session: StudentSession, seed: int | None = None, *, own_parts: bool = False,
                 record: bool = False, answers: Mapping[str, Callable[..., Any]] | None = None,
                 given: Mapping[str, Any] | None = None, observe: bool = False,
                 keep: Mapping[str, Sequence[int]] | None = None) -> None:
        self._session = session
        self._seed = seed
        self._own_parts = own_parts
        self._record = record
        self._answers = dict(answers or {})
        self._given = dict(given or {})
        self._observe = observe
        self._keep = dict(keep or {})

    def _with(self, *, seed: int | None = None, own_parts: bool | None = None, record: bool | None = None,
              answers: Mapping[str, Callable[..., Any]] | None = None, given: Mapping[str, Any] | None = None,
              observe: bool | None = None, keep: Mapping[str, Sequence[int]] | None = None) -> StudentProxy:
        return StudentProxy(self._session, self._seed if seed is None else seed,
                            own_parts=self._own_parts if own_parts is None else own_parts,
                            record=self._record if record is None else record,
                            answers={**self._answers, **(answers or {})}, given={**self._given, **(given or {})},
                            observe=self._observe if observe is None else observe,
                            keep={**self._keep, **(keep or {})})

    def with_seed(self, seed: int) -> StudentProxy:
        return self._with(seed=seed)

    @property
    def recorded(self) -> StudentProxy:
        return self._with(record=True)

    @property
    def own_parts(self) -> StudentProxy:
        return self._with(own_parts=True)

    @property
    def observed(self) -> StudentProxy:
        return self._with(observe=True)

    def given(self, **values: Any) -> StudentProxy:
        """Calls through this proxy give these values to an accepted signature that takes them."""
        return self._with(given=values)

    def keeping(self, **calls: Sequence[int]) -> StudentProxy:
        """Calls through this proxy count the calls of the functions named and keep what the numbered ones (from 1)
        returned, in ``Called.kept``."""
        return self._with(keep=calls)

    def with_parts(self, **answers: Callable[..., Any]) -> StudentProxy:
        """Composites called through this proxy get these functions' answers for the parts named (run in the
        grader's process) instead of the reference's."""
        return self._with(answers=answers)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)

        def call(*args: Any, **kwargs: Any) -> Any:
            called = self._session.invoke(name, args, kwargs, seed=self._seed, own_parts=self._own_parts,
                                          record=self._record, answers=self._answers, given=self._given,
                                          observe=self._observe, keep=self._keep)
            return called if self._record or self._observe or self._keep else called.value

        return call
