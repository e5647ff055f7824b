"""Signatures as data: the form of each graded function that an assignment asks for, the older forms it also
accepts, and how a call in one form is made to a function written in another.

An assignment declares them in assignment.toml::

    [signatures]
    compute_cost = "compute_cost(A2, Y)"

    [accepted_signatures]
    compute_cost = ["compute_cost(A2, Y, parameters)"]   # notebooks v3 to v6c

The checks always call in the asked form. When the student's function does not take that call but takes the call
in an accepted form, it is called in that form (``plan_call``): the arguments are matched by name; one that the
asked form lacks (``parameters``) is what the check gives (``student.given(parameters=...)``); one that the accepted
form lacks is left out. A function that takes none of them is not called at all: ``WrongSignature``, in the student's
terms. When a composite asks the grader for a part in an accepted form, or in the form the student's own part has,
the ask is turned back into the asked form before the reference answers it (``plan_ask``).

The student's signature comes from the sandbox as plain data (``describe_signature`` there, ``read_signature`` here),
so a hostile ``__signature__`` can only describe its own function, and whatever it says is validated here.
"""

from __future__ import annotations

import ast
import inspect
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError
from .failures import WrongSignature

__all__ = [
    "CallPlan",
    "Form",
    "FunctionSignatures",
    "SignatureNotGiven",
    "WRONG_SIGNATURE",
    "WrongSignature",
    "describe_signature",
    "plan_ask",
    "plan_call",
    "read_signature",
    "reshape_ask",
]

WRONG_SIGNATURE = WrongSignature.flag
_P = inspect.Parameter
_KINDS = {kind.name: kind for kind in (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD, _P.VAR_POSITIONAL, _P.KEYWORD_ONLY,
                                       _P.VAR_KEYWORD)}
_MAX_PARAMETERS = 64
_MAX_NAME = 100
_MAX_DEFAULT = 60


class SignatureNotGiven(ConfigError):
    """A check called a function without giving an argument that the accepted form it has needs (a check's bug)."""


class _Shown:
    """A default value as the student's process described it: shown, never used."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Form:
    """One declared signature: ``compute_cost(A2, Y, parameters)``."""

    name: str
    signature: inspect.Signature

    @classmethod
    def parse(cls, text: str) -> Form:
        """Read a form written as a def line without ``def`` and colon; defaults must be literals. Raises ValueError."""
        try:
            tree = ast.parse(f"def {text.strip()}:\n    pass\n")
        except SyntaxError as exc:
            raise ValueError(f"{text!r} is not a signature ({exc.msg})") from None
        if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef):
            raise ValueError(f"{text!r} is not a signature")
        node = tree.body[0]
        if node.decorator_list or node.returns is not None:
            raise ValueError(f"{text!r}: write only the name and the parameters")
        return cls(node.name, inspect.Signature(_parameters(node.args, text)))

    def __str__(self) -> str:
        return f"{self.name}{self.signature}"


def _parameters(args: ast.arguments, text: str) -> list[inspect.Parameter]:
    def default(node: ast.expr | None) -> Any:
        if node is None:
            return inspect.Parameter.empty
        try:
            return ast.literal_eval(node)
        except ValueError:
            raise ValueError(f"{text!r}: defaults must be literal values") from None

    positional = [*args.posonlyargs, *args.args]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    P = _P
    out = [P(a.arg, P.POSITIONAL_ONLY if i < len(args.posonlyargs) else P.POSITIONAL_OR_KEYWORD, default=default(d))
           for i, (a, d) in enumerate(zip(positional, defaults))]
    if args.vararg is not None:
        out.append(P(args.vararg.arg, P.VAR_POSITIONAL))
    out += [P(a.arg, P.KEYWORD_ONLY, default=default(d)) for a, d in zip(args.kwonlyargs, args.kw_defaults)]
    if args.kwarg is not None:
        out.append(P(args.kwarg.arg, P.VAR_KEYWORD))
    return out


@dataclass(frozen=True, slots=True)
class FunctionSignatures:
    """The form a graded function must have, and the older forms it may have instead."""

    asks: Form
    accepts: tuple[Form, ...] = ()

    @classmethod
    def parse(cls, function: str, asks: str, accepts: tuple[str, ...] = ()) -> FunctionSignatures:
        """Raises ValueError when a form does not parse or names another function."""
        forms = [Form.parse(text) for text in (asks, *accepts)]
        for form in forms:
            if form.name != function:
                raise ValueError(f"the signature {str(form)!r} is declared for {function}, not {form.name}")
        return cls(forms[0], tuple(forms[1:]))

    def refusal(self, student: inspect.Signature, reason: str) -> str:
        """What to tell a student whose function has ``student`` for a signature, which fits none of the forms."""
        also = " or ".join(str(form) for form in self.accepts)
        return (f"The assignment asks for {self.asks}; yours is {self.asks.name}{student}, so the grader cannot "
                f"call it ({reason})."
                + (f" Older versions of the notebook ask for {also}, which is accepted too." if also else "")
                + f" Change the def line to {'one of these' if also else 'the one the assignment asks for'}.")


# ---------------------------------------------------------------------------------------------------------------
# The student's signature: described in the sandbox, read back here


def describe_signature(function: Any) -> list[list[Any]] | None:
    """``function``'s parameters as plain data, [[name, kind, default's repr or None], ...]; None when unknown.

    Runs in the student's process (``_worker``): everything it returns is validated by ``read_signature``.
    """
    try:
        parameters = list(inspect.signature(function).parameters.values())[:_MAX_PARAMETERS + 1]
        out = []
        for p in parameters:
            shown = None
            if p.default is not p.empty:
                try:
                    shown = reprlib.repr(p.default)[:_MAX_DEFAULT]
                except BaseException:
                    shown = "..."
            out.append([str(p.name)[:_MAX_NAME + 1], p.kind.name, shown])
        return out
    except BaseException:  # builtins without a signature, a hostile __signature__: unknown, so called as it is
        return None


def read_signature(data: Any) -> inspect.Signature | None:
    """The signature the sandbox described, validated; None when it is missing or malformed."""
    if type(data) is not list or len(data) > _MAX_PARAMETERS:
        return None
    parameters = []
    for item in data:
        if type(item) is not list or len(item) != 3:
            return None
        name, kind, default = item
        if (type(name) is not str or not name.isidentifier() or len(name) > _MAX_NAME or kind not in _KINDS
                or not (default is None or type(default) is str)):
            return None
        shown = inspect.Parameter.empty if default is None else _Shown(_printable(default[:_MAX_DEFAULT]))
        try:
            parameters.append(inspect.Parameter(name, _KINDS[kind], default=shown))
        except ValueError:
            return None
    try:
        return inspect.Signature(parameters)
    except ValueError:  # out of order, duplicated
        return None


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)


# ---------------------------------------------------------------------------------------------------------------
# Calls and asks


@dataclass(frozen=True, slots=True)
class CallPlan:
    """How a call in the asked form is made to the student's function: ``args`` and ``kwargs`` to send, and for
    each of them where it came from in the check's call (``("arg", i)``, ``("kw", name)``, or None if given)."""

    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    sources: tuple[tuple[str, int | str] | None, ...] = ()  # args first, then kwargs in order; () when sent as is
    form: Form | None = None  # the accepted form used, None for the call as the check made it

    def back(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Values in the student's call (after it ran, say) put back where the check's call had them."""
        if self.form is None:
            return tuple(args), dict(kwargs)
        positional: dict[int, Any] = {}
        named: dict[str, Any] = {}
        values = [*args, *(kwargs.get(k) for k in self.kwargs)]
        for source, value in zip(self.sources, values):
            if source is not None and source[0] == "arg":
                positional[int(source[1])] = value
            elif source is not None:
                named[str(source[1])] = value
        return tuple(positional[i] for i in sorted(positional)), named

    def returned(self, after: Any) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
        """The arguments an observed call sent back (``[args, kwargs]``, as the sandbox left them), in the check's
        form; None when they are missing or do not match the call that was sent."""
        if type(after) is not list or len(after) != 2 or type(after[0]) is not list or type(after[1]) is not dict:
            return None
        if len(after[0]) != len(self.args) or set(after[1]) != set(self.kwargs):
            return None
        return self.back(tuple(after[0]), after[1])


def _binds(signature: inspect.Signature, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> str | None:
    """None when the call binds; else Python's reason."""
    try:
        signature.bind(*args, **kwargs)
        return None
    except TypeError as exc:
        return str(exc)


def _reshape(target: Form, named: Mapping[str, Any], origin: Mapping[str, tuple[str, int | str]],
             given: Mapping[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any], tuple[Any, ...]]:
    """A call of ``target`` from values by name (``named``, else ``given``), positional until a value is left out.
    Raises SignatureNotGiven, naming the parameter, when ``target`` needs a value that neither has."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    sources: list[Any] = []
    kw_sources: list[Any] = []
    skipped = False
    for p in target.signature.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.name in named:
            value, source = named[p.name], origin.get(p.name)
        elif p.name in given:
            value, source = given[p.name], None
        elif p.default is not p.empty:
            skipped = True
            continue
        else:
            raise SignatureNotGiven(p.name)
        if skipped or p.kind == p.KEYWORD_ONLY:
            kwargs[p.name] = value
            kw_sources.append(source)
        else:
            args.append(value)
            sources.append(source)
    return tuple(args), kwargs, (*sources, *kw_sources)


def plan_call(declared: FunctionSignatures, student: inspect.Signature | None, args: tuple[Any, ...],
              kwargs: Mapping[str, Any], given: Mapping[str, Any]) -> CallPlan:
    """How to call the student's function (signature ``student``) for a check's call in the asked form.

    Raises WrongSignature when neither the asked nor an accepted form fits it, and SignatureNotGiven when an
    accepted form needs an argument the check did not give.
    """
    if student is None or _binds(student, args, kwargs) is None:
        return CallPlan(tuple(args), dict(kwargs))
    try:
        bound = declared.asks.signature.bind(*args, **kwargs)
    except TypeError as exc:  # the check's own call does not fit the declared form
        raise SignatureNotGiven(f"the check's call does not fit {declared.asks}: {exc}") from None
    origin: dict[str, tuple[str, int | str]] = {
        name: ("arg", i) for i, name in enumerate(list(declared.asks.signature.parameters)[:len(args)])}
    origin.update({name: ("kw", name) for name in kwargs})
    for form in declared.accepts:
        try:
            reshaped = _reshape(form, bound.arguments, origin, given)
        except SignatureNotGiven as missing:
            if _binds(student, *_any_call(form)) is None:
                raise SignatureNotGiven(f"{form} needs {missing}, which the check does not give") from None
            continue
        if _binds(student, reshaped[0], reshaped[1]) is None:
            return CallPlan(reshaped[0], reshaped[1], reshaped[2], form)
    raise WrongSignature(declared.refusal(student, _why_not(declared, student, args, kwargs)),
                         function=declared.asks.name)


def _why_not(declared: FunctionSignatures, student: inspect.Signature, args: tuple[Any, ...],
             kwargs: Mapping[str, Any]) -> str:
    """Why the student's signature takes no call the grader can make, in few words."""
    known = {name for form in (declared.asks, *declared.accepts) for name in form.signature.parameters}
    extra = [p.name for p in student.parameters.values()
             if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name not in known]
    if extra:
        return f"it needs {', '.join(extra)}, which the assignment does not pass"
    return _binds(student, args, kwargs) or "its parameters differ"


def _any_call(form: Form) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """A call with one placeholder per required parameter of ``form``: for telling whether a function has it."""
    args = tuple(None for p in form.signature.parameters.values()
                 if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
    kwargs = {p.name: None for p in form.signature.parameters.values()
              if p.default is p.empty and p.kind == p.KEYWORD_ONLY}
    return args, kwargs


def plan_ask(declared: FunctionSignatures, student: inspect.Signature | None, args: tuple[Any, ...],
             kwargs: Mapping[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
    """A composite's call of a part, in the asked form for the reference to answer; None when it fits no form.

    The call may be in the asked form, in an accepted one, or in the form of the student's own part (so that a
    composite that calls the student's own part the way it is written costs the composite nothing).
    """
    asks = declared.asks.signature
    if _binds(asks, args, kwargs) is None:
        return tuple(args), dict(kwargs)
    shapes = [form.signature for form in declared.accepts] + ([student] if student is not None else [])
    for shape in shapes:
        try:
            bound = shape.bind(*args, **kwargs)
        except TypeError:
            continue
        try:
            reshaped = _reshape(declared.asks, bound.arguments, {}, {})
        except SignatureNotGiven:
            continue
        if _binds(asks, reshaped[0], reshaped[1]) is None:
            return reshaped[0], reshaped[1]
    return None


def reshape_ask(declared: FunctionSignatures, student: inspect.Signature | None, caller: str, args: tuple[Any, ...],
                kwargs: Mapping[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """``plan_ask``, or a TypeError for the student (sent back as the ask's answer) saying why ``caller``'s call of
    the part fits no form."""
    shaped = plan_ask(declared, student, args, kwargs)
    if shaped is None:
        part = declared.asks.name
        raise TypeError(f"{caller} calls {part} with {len(args)} argument(s)"
                        + (f" and {', '.join(sorted(kwargs))}" if kwargs else "")
                        + f", which fits no signature of {part}: the assignment's is {declared.asks}")
    return shaped
