"""Statements in a feedback report that the same report's measurements contradict, found by rules.

``contradictions(result, report)`` reads one graded submission, its results.json (as a dict) and its report.md,
and returns one line per statement that a measurement of the same report makes false; a sound report has none.
The measurements are the facts the figures and checks record (``grader.lessons.facts_of``: which weight matrices
are zero, whether rows of W1 repeat, whether the student's cost falls slower than the reference's, accuracies) and
the checks' own statuses. The rules:

- zero-init: wording that every weight matrix is zero, or that a named one is, where the facts of the same
  function say it is not;
- symmetry: rows of W1 said to repeat where they do not;
- slow learning: the student's training said to learn slowly or to end above the reference's where the measured
  cost falls as fast (``training_slower`` false); and the other way round;
- one mistake: a check's message giving two different mistakes as what the value is, without saying that the
  value fits more than one;
- where to look: an intermediate said to differ and, in the same sentence, to be right;
- status: a function shown as "All passed" while one of its checks did not pass, or with a failed check shown
  under "Checks that passed";
- unexplained: nn_model shown as "All passed" while its training figure says it learned worse than the
  reference, and no sentence says why the two differ (issue 15).

A rule with a measurement that is missing (a figure not drawn) says nothing: it checks only what was measured.
tests/test_contradictions.py runs it over real graded reports and shows that each rule fires on a report that
says the false thing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

__all__ = ["contradictions", "sections"]

_UNESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~])")


def _plain(markdown: str) -> str:
    """report.md with its Markdown escapes taken out (``2 \\* epsilon`` reads ``2 * epsilon``)."""
    return _UNESCAPE.sub(r"\1", markdown)


def sections(report: str) -> Iterator[tuple[str | None, str]]:
    """(function, text) for each part of a report: a failed function's section under "What went wrong" (its
    ``### `name``` heading), and the rest of the report with function None."""
    function: str | None = None
    lines: list[str] = []
    for line in _plain(report).splitlines():
        heading = re.match(r"^### `([A-Za-z_][A-Za-z0-9_]*)`", line)
        if heading or line.startswith("## "):
            yield function, "\n".join(lines)
            function, lines = (heading.group(1) if heading else None), []
        lines.append(line)
    yield function, "\n".join(lines)


def _scoped(facts: Mapping[str, Any], function: str | None) -> dict[str, Any]:
    if not function:
        return dict(facts)
    prefix = f"{function}."
    return {**facts, **{name[len(prefix):]: value for name, value in facts.items() if name.startswith(prefix)}}


_ALL_ZERO = re.compile(r"every weight (?:is |)zero|W1 and W2 (?:are|both) (?:all )?zero|W1 and W2 start at zero|"
                       r"`W1` and `W2` both zero|If all the weights start at zero|With zero weights every hidden unit",
                       re.IGNORECASE)
_ONE_ZERO = re.compile(r"\b(W[12]) is all zeros|With (W[12]) zero\b|`(W[12])` is zero\b")
_ROWS = re.compile(r"Only \d+ of the \d+ rows of (W\d) are different")
_SLOW = re.compile(r"learns slowly|learning crawls|your cost curve ends above the reference's|Your own training "
                   r"shows it", re.IGNORECASE)
_FAST = re.compile(r"cost curve ends at or below the reference's", re.IGNORECASE)
_CAUSES = {
    "a missing copy": re.compile(r"Your value is what you get when theta_plus \(or theta_minus\) is the parameter"),
    "dividing by epsilon": re.compile(r"Your value is what you get when J_plus - J_minus is divided by epsilon"),
    "the one-sided difference": re.compile(r"Your value is what the one-sided difference"),
    "the absolute difference": re.compile(r"Your value is the absolute difference"),
}
_WHERE = re.compile(r"Where it goes wrong: (\S+) (?:on|, bound on) .*?; (?:.*; )?(.+?) (?:is|are) right")


def _is_false(facts: Mapping[str, Any], name: str) -> bool:
    return facts.get(name) is False


def _zero_init(function: str | None, text: str, facts: Mapping[str, Any]) -> Iterator[str]:
    every = _ALL_ZERO.search(text)
    if every and _is_false(facts, "weights_all_zero"):
        yield f"says every weight is zero ({every.group(0)!r}), but weights_all_zero is false"
    for match in _ONE_ZERO.finditer(text):
        name = next(group for group in match.groups() if group)
        if _is_false(facts, f"{name}_zero"):
            yield f"says {name} is zero ({match.group(0)!r}), but {name}_zero is false"


def _symmetry(function: str | None, text: str, facts: Mapping[str, Any]) -> Iterator[str]:
    for match in _ROWS.finditer(text):
        if match.group(1) == "W1" and _is_false(facts, "W1_rows_identical"):
            yield f"says rows of W1 repeat ({match.group(0)!r}), but W1_rows_identical is false"


def _learning(function: str | None, text: str, facts: Mapping[str, Any]) -> Iterator[str]:
    slow = _SLOW.search(text)
    if slow and _is_false(facts, "training_slower"):
        yield f"says learning is slow ({slow.group(0)!r}), but the cost falls as fast as the reference's"
    fast = _FAST.search(text)
    if fast and facts.get("training_slower") is True:
        yield f"says the cost ends at or below the reference's ({fast.group(0)!r}), but training_slower is true"


def _one_mistake(function: str | None, text: str, facts: Mapping[str, Any]) -> Iterator[str]:
    for paragraph in text.split("\n\n"):
        named = [cause for cause, pattern in _CAUSES.items() if pattern.search(paragraph)]
        if len(named) > 1 and "fits more than one mistake" not in paragraph:
            yield f"gives {' and '.join(named)} as what the same value is"


def _where(function: str | None, text: str, facts: Mapping[str, Any]) -> Iterator[str]:
    for match in _WHERE.finditer(text):
        right = {re.sub(r" \(the expected .*\)$", "", name.strip())
                 for name in re.split(r", | and ", match.group(2))}
        if match.group(1) in right:
            yield f"says {match.group(1)} differs and is right in the same sentence"


_RULES: tuple[Callable[[str | None, str, Mapping[str, Any]], Iterator[str]], ...] = (
    _zero_init, _symmetry, _learning, _one_mistake, _where)


def _statuses(result: Mapping[str, Any], report: str, facts: Mapping[str, Any]) -> Iterator[str]:
    checks = result.get("checks") or []
    failed = {c["function"] for c in checks if c.get("status") != "passed"}
    text = _plain(report)
    for function in re.findall(r"^\| `([A-Za-z_][A-Za-z0-9_]*)` \|[^\n]*✓ All passed", text, re.MULTILINE):
        if function in failed:
            yield f"shows {function} as all passed, but one of its checks did not pass"
    passed_part = text.split("## Checks that passed", 1)[1] if "## Checks that passed" in text else ""
    for check in checks:
        name = check["id"].split("::", 1)[1]
        if check.get("status") == "failed" and re.search(rf"`{check['function']}`:[^\n]*✓ {re.escape(name)} \(",
                                                          passed_part):
            yield f"lists {check['id']} among the checks that passed, but it failed"
    if "nn_model" not in failed and facts.get("training_worse") is True and any(
            c["function"] == "nn_model" for c in checks) and "nn_model's check" not in text:
        yield "nn_model passed while its training figure learned worse than the reference, with no sentence why"


def contradictions(result: Mapping[str, Any], report: str) -> list[str]:
    """Every statement of ``report`` (report.md) that a measurement recorded in ``result`` (results.json)
    contradicts, one line each; [] for a sound report."""
    from grader.lessons import facts_of
    from grader.models import SubmissionResult

    facts = facts_of(SubmissionResult.from_dict(dict(result)))
    found: list[str] = []
    for function, text in sections(report):
        scoped = _scoped(facts, function)
        for rule in _RULES:
            found += [f"{rule.__name__.strip('_')}: {line}" for line in rule(function, text, scoped)]
    found += [f"status: {line}" for line in _statuses(result, report, facts)]
    return found
