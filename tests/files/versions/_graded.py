"""How a graded cell of the course notebooks is laid out, in both generations of the course's templates.

Old templates (2017-2020: shallow-nn v3..v6c, Initialization and Gradient Checking "v1") wrap each answer in
``### START CODE HERE ### (≈ N lines of code)`` / ``### END CODE HERE ###``. New ones (2021 on: W3A1, W1A1,
W1A3) put a hint such as ``# W1 = ...`` first and wrap the answer in ``# YOUR CODE STARTS HERE`` /
``# YOUR CODE ENDS HERE``. A graded cell starts with a tag line, ``# GRADED FUNCTION: name``.
"""

from __future__ import annotations

from dataclasses import dataclass

INDENT = "    "


@dataclass(frozen=True)
class Answer:
    """The part of a graded function the learner writes: ``lines`` (indented one level unless they carry their
    own indentation), the size the template announces, and the hint lines of the new templates."""

    lines: tuple[str, ...]
    size: str = "≈ 1 line of code"
    hints: tuple[str, ...] = ()


def answer(*lines: str, size: str = "", hints: tuple[str, ...] = ()) -> Answer:
    return Answer(tuple(lines), size or f"≈ {len(lines)} lines of code", hints)


def _indent(line: str, level: int) -> str:
    return (INDENT * level + line) if line else ""


def render_answer(part: Answer, style: str, level: int = 1) -> list[str]:
    """The answer between the template's markers."""
    if style == "old":
        head = [f"### START CODE HERE ### ({part.size})"]
        tail = ["### END CODE HERE ###"]
    else:
        head = [f"#({part.size})", *(f"# {h}" for h in part.hints), "# YOUR CODE STARTS HERE"]
        tail = ["# YOUR CODE ENDS HERE"]
    return [_indent(x, level) for x in head] + [_indent(x, level) for x in part.lines] + [_indent(x, level)
                                                                                        for x in tail]


def docstring(text: str, level: int = 1) -> list[str]:
    pad = INDENT * level
    return [pad + '"""', *((pad + line) if line else "" for line in text.strip("\n").split("\n")), pad + '"""']


def graded_cell(name: str, signature: str, doc: str, body: list[str | Answer | tuple[int, Answer]], *,
                style: str, tag: str | None = "default") -> str:
    """A graded cell: the tag line (``tag`` None drops it, any other string replaces it), the def line, the
    docstring, then ``body``: template lines (strings, written as given at one indent level) and answers
    (``Answer`` at one level, ``(level, Answer)`` deeper)."""
    lines = []
    if tag == "default":
        lines += [f"# GRADED FUNCTION: {name}", ""]
    elif tag is not None:
        lines += [tag, ""]
    lines.append(f"def {signature}:")
    lines += docstring(doc)
    for item in body:
        if isinstance(item, Answer):
            lines += render_answer(item, style)
        elif isinstance(item, tuple):
            lines += render_answer(item[1], style, item[0])
        else:
            lines.append(_indent(item, 1) if not item.startswith(" ") else item)
    return "\n".join(lines)
