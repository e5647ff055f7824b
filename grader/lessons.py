"""Which lessons a report tells: each one chosen from what was measured on this submission.

A lesson (``grader/data/lessons.toml``, or an assignment's ``lessons.toml``) is a table under a key (a flag, a
problem kind, ``function:<name>`` or ``mistake:<id>``) with a ``title`` and a ``text``, and optionally:

- ``when``: a condition on the submission's facts; the lesson is told only when it holds. A report never says
  what its own measurements contradict: the zero-initialization lesson needs every weight matrix to be zero, the
  lesson that learning crawls needs the student's cost curve to fall slower than the reference's.
- ``extra``: a list of ``{when, text}`` paragraphs added to the text when their condition holds.
- ``idea``: lessons that explain the same idea share it; a report explains each idea once (``grader.render``).

Facts are plain values (bool, number, string) recorded by report-only figures (``figures.add(..., facts={...})``)
and by checks (``CheckFailure(..., facts={...})``), plus what the engine knows itself: ``passed.<function>`` (every
check of the function passed) and ``failed.<function>`` (one failed or errored). A lesson told about a check of
``f`` also sees the facts named ``f.<name>`` as ``<name>`` (``scoped``).

A condition is a Python expression of names (facts; dotted names such as ``passed.nn_model`` included), numbers,
strings, ``True``/``False``, comparisons, ``+ - * /``, ``not``, ``and``, ``or`` and parentheses; nothing else
parses. A fact that was not measured is unknown, and so is anything computed from it (``not`` of unknown is
unknown; ``False and unknown`` is false). Only a condition that is known to hold counts: what was not measured is
never claimed.
"""

from __future__ import annotations

import ast
import functools
import logging
import math
import operator
import tomllib
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any, Final

from .models import SubmissionResult

__all__ = ["UNKNOWN", "condition_error", "evaluate", "facts_of", "generic_lessons", "holds", "resolve", "scoped"]

logger = logging.getLogger(__name__)


class _Unknown:
    """The value of a fact that was not measured, and of anything computed from it (one instance, ``UNKNOWN``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        raise TypeError("an unknown fact is neither true nor false")


UNKNOWN: Final[_Unknown] = _Unknown()

_COMPARE: Mapping[type[ast.cmpop], Callable[[Any, Any], Any]] = MappingProxyType({
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne})
_ARITHMETIC: Mapping[type[ast.operator], Callable[[Any, Any], Any]] = MappingProxyType({
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv})
_MAX_CONDITION = 500


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return None if head is None else f"{head}.{node.attr}"
    return None


def _truth(value: Any) -> bool | _Unknown:
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, _Unknown):
        return UNKNOWN
    if isinstance(value, (int, float)):
        return bool(value != 0) and not (isinstance(value, float) and math.isnan(value))
    if isinstance(value, str):
        return bool(value)
    return UNKNOWN


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _bool_op(node: ast.BoolOp, facts: Mapping[str, Any]) -> bool | _Unknown:
    values = [_truth(_eval(v, facts)) for v in node.values]
    decisive = isinstance(node.op, ast.Or)  # True decides an "or", False an "and"
    if any(v is decisive for v in values):
        return decisive
    return UNKNOWN if any(v is UNKNOWN for v in values) else not decisive


def _compare(node: ast.Compare, facts: Mapping[str, Any]) -> bool | _Unknown:
    left = _eval(node.left, facts)
    result: bool | _Unknown = True
    for op, right_node in zip(node.ops, node.comparators):
        right = _eval(right_node, facts)
        if left is UNKNOWN or right is UNKNOWN:
            result = UNKNOWN
        elif not isinstance(op, (ast.Eq, ast.NotEq)) and not (_number(left) and _number(right)):
            result = UNKNOWN  # only numbers are ordered
        elif not _COMPARE[type(op)](left, right):
            return False
        left = right
    return result


def _eval(node: ast.expr, facts: Mapping[str, Any]) -> Any:
    name = _dotted(node)
    if name is not None:
        value = facts.get(name, UNKNOWN)  # None is a measurement that has no value (NaN, say): unknown too
        return value if isinstance(value, (bool, int, float, str)) else UNKNOWN
    if isinstance(node, ast.Constant) and isinstance(node.value, (bool, int, float, str)):
        return node.value
    if isinstance(node, ast.BoolOp):
        return _bool_op(node, facts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _truth(_eval(node.operand, facts))
        return UNKNOWN if inner is UNKNOWN else not inner
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _eval(node.operand, facts)
        return -inner if _number(inner) else UNKNOWN
    if isinstance(node, ast.Compare):
        return _compare(node, facts)
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        left, right = _eval(node.left, facts), _eval(node.right, facts)
        if not (_number(left) and _number(right)) or (isinstance(node.op, ast.Div) and right == 0):
            return UNKNOWN
        return _ARITHMETIC[type(node.op)](left, right)
    raise ValueError(f"{type(node).__name__} is not allowed in a condition")


@functools.lru_cache(maxsize=512)
def _parse(condition: str) -> ast.expr:
    if len(condition) > _MAX_CONDITION:
        raise ValueError(f"a condition is at most {_MAX_CONDITION} characters")
    tree = ast.parse(condition.strip(), mode="eval").body
    _eval(tree, {})  # every node kind is checked once, with every fact unknown
    return tree


def condition_error(condition: str) -> str | None:
    """Why ``condition`` cannot be used (syntax, or a construct outside the language), or None when it can."""
    try:
        _parse(condition)
    except (SyntaxError, ValueError) as exc:
        return str(exc)
    return None


def evaluate(condition: str, facts: Mapping[str, Any]) -> bool | _Unknown:
    """True, False, or ``UNKNOWN`` when the facts it needs were not measured. Raises ValueError for a condition
    outside the language."""
    try:
        tree = _parse(condition)
    except SyntaxError as exc:
        raise ValueError(f"cannot read the condition {condition!r}: {exc.msg}") from None
    return _truth(_eval(tree, facts))


def holds(condition: str | None, facts: Mapping[str, Any]) -> bool:
    """Whether ``condition`` is known to hold (no condition always holds). A condition that cannot be read is
    logged and does not hold."""
    if condition is None or not str(condition).strip():
        return True
    try:
        return evaluate(str(condition), facts) is True
    except ValueError:
        logger.error("lesson condition %r cannot be evaluated", condition, exc_info=True)
        return False


# ---------------------------------------------------------------------------------------------------------------
# Facts and lessons


def facts_of(result: SubmissionResult) -> dict[str, Any]:
    """The facts measured on ``result``: the figures' and the checks' (the first to record a name wins), then
    ``passed.<function>`` and ``failed.<function>`` for each graded function."""
    facts: dict[str, Any] = {}
    recorded: Iterable[Any] = [
        *(figure.data.get("facts") for figure in result.figures),
        *(dict(check.facts) for check in result.checks),
    ]
    for measured in recorded:
        if isinstance(measured, Mapping):
            for name, value in measured.items():
                facts.setdefault(str(name), value)
    functions: dict[str, bool] = {}
    for check in result.checks:
        functions[check.function] = functions.get(check.function, True) and check.passed
    for function, passed in functions.items():
        facts[f"passed.{function}"] = passed
        facts[f"failed.{function}"] = not passed
    return facts


def scoped(facts: Mapping[str, Any], function: str | None) -> Mapping[str, Any]:
    """``facts`` as a lesson about ``function`` sees them: ``<function>.<name>`` is also ``<name>`` (figures that
    measure several functions record their facts that way)."""
    if not function:
        return facts
    prefix = f"{function}."
    own = {name[len(prefix):]: value for name, value in facts.items() if name.startswith(prefix)}
    return {**facts, **own} if own else facts


@functools.lru_cache(maxsize=1)
def generic_lessons() -> Mapping[str, Mapping[str, Any]]:
    """The engine's own lessons, from the package data file ``data/lessons.toml``."""
    text = resources.files("grader").joinpath("data", "lessons.toml").read_text(encoding="utf-8")
    return MappingProxyType({str(key): MappingProxyType(dict(entry)) for key, entry in tomllib.loads(text).items()})


def resolve(key: str, entry: Any, facts: Mapping[str, Any]) -> dict[str, str] | None:
    """The lesson under ``key`` as it is told for these facts: ``{"title", "text", "idea"}``, with the extra
    paragraphs whose condition holds; None when it has no title or text, or its ``when`` does not hold."""
    if not isinstance(entry, Mapping):
        return None
    title = str(entry.get("title") or "").strip()
    text = str(entry.get("text") or "").strip()
    if (not title and not text) or not holds(entry.get("when"), facts):
        return None
    extra = entry.get("extra")
    for paragraph in extra if isinstance(extra, list) else ():
        if isinstance(paragraph, Mapping) and holds(paragraph.get("when"), facts):
            more = str(paragraph.get("text") or "").strip()
            text = f"{text}\n\n{more}" if text and more else text or more
    return {"title": title or key, "text": text, "idea": str(entry.get("idea") or key)}
