"""The one template environment of the grader, its filters, and the small text helpers every page shares.

Every page (the feedback report in HTML and Markdown, the class summary, the similarity report) is rendered by
``render(template, context)`` from ``templates/`` in the package, through one jinja environment built the way the
pallets projects recommend: ``PackageLoader``, ``select_autoescape`` and ``StrictUndefined`` (a misspelt variable
is an error, never an empty string). ``.html.j2`` templates are HTML-escaped; ``.md.j2`` ones are not, and the
Markdown filters below escape or fence what they are given instead.

Text written by students (messages that quote their values, code lines, printed output, submission ids) is never
trusted. The filters treat every string as literal text: messages and lesson texts may mark code with single
backticks (```like this```); nothing else in them is interpreted.

The helpers turn numbers into the short texts the pages show (``number``, ``percent``, ``percent_floor``) and names
into anchors (``slug``).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from typing import Any

import jinja2
from markupsafe import Markup, escape

__all__ = ["environment", "number", "percent", "percent_floor", "render", "slug"]

_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_MD_SPECIAL = re.compile(r"[\\`*\[\]<>|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|&(?=#?\w+;)")
_MD_LINE_START = re.compile(r"^(\d*)([#+=.)-])")
_BLANK_LINES = re.compile(r"\n\s*\n")


# ---------------------------------------------------------------------------------------------------------------
# Numbers and names


def number(value: float) -> str:
    """A score as it is read: ``2`` for 2.0, ``2.5`` for 2.5, ``0.33`` for 1/3 (at most two decimals)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def percent(part: float, whole: float, *, empty: str = "–") -> str:
    """``part`` as a percentage of ``whole``, rounded to one decimal and written by ``number`` (``"37.5%"``,
    ``"100%"``); ``empty`` when ``whole`` is not positive."""
    return f"{number(round(100.0 * part / whole, 1))}%" if whole > 0 else empty


def percent_floor(share: float) -> str:
    """A share (0..1) as a percentage with one decimal, rounded down, so that ``"80.0%"`` is never shown for a
    share below 0.8 (a similarity must not look higher than it is)."""
    return f"{math.floor(round(share * 1000, 6)) / 10:.1f}%"


def slug(text: str) -> str:
    """An anchor-friendly form of ``text``: lower case, runs of anything but letters and digits as one ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


# ---------------------------------------------------------------------------------------------------------------
# Filters


def _rich_html(text: str) -> Markup:
    """Escaped paragraphs, with ```code``` spans as ``<code>`` and single newlines as line breaks."""
    paragraphs = []
    for para in _BLANK_LINES.split(str(text).strip()):
        pieces = []
        for i, piece in enumerate(_CODE_SPAN.split(para)):
            pieces.append(f"<code>{escape(piece)}</code>" if i % 2 else str(escape(piece)).replace("\n", "<br>\n"))
        paragraphs.append(f"<p>{''.join(pieces)}</p>")
    return Markup("\n".join(paragraphs))


_BREAK_AFTER = re.compile(r"(::|[-_./:])")


def _breakable(text: Any) -> Markup:
    """An identifier (check id, function name, flag, submission id), escaped, that a narrow column may wrap only
    after ``::``, ``:``, ``-``, ``_``, ``.`` or ``/``: ``initialize_<wbr>parameters::<wbr>not_<wbr>zero``, never in
    mid-word."""
    parts = [part for part in _BREAK_AFTER.split(str(text)) if part]
    return Markup("".join(str(escape(part)) + ("<wbr>" if i < len(parts) - 1 and _BREAK_AFTER.fullmatch(part) else "")
                          for i, part in enumerate(parts)))


def _md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def _md_text(text: Any) -> str:
    """One line of literal text for Markdown: newlines folded, markup characters escaped."""
    return _md_escape(" ".join(str(text).split()))


def _md_rich(text: Any) -> str:
    """Literal Markdown paragraphs that keep ```code``` spans; nothing else can become markup."""
    paragraphs = []
    for para in _BLANK_LINES.split(str(text).strip()):
        lines = []
        for line in para.split("\n"):
            pieces = _CODE_SPAN.split(line.strip())
            rendered = "".join(f"`{p}`" if i % 2 else _md_escape(p) for i, p in enumerate(pieces))
            lines.append(_MD_LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", rendered))
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def _longest_run(text: str, char: str) -> int:
    return max((len(run) for run in re.findall(f"{re.escape(char)}+", text)), default=0)


def _md_fence(text: Any, lang: str = "text") -> str:
    """A fenced code block that ``text`` cannot close early, whatever backticks it holds."""
    body = str(text).rstrip("\n")
    fence = "`" * max(3, _longest_run(body, "`") + 1)
    return f"{fence}{lang}\n{body}\n{fence}"


def _md_code(text: Any, table: bool = False) -> str:
    """An inline code span that ``text`` cannot close early; ``table`` also escapes cell separators."""
    body = " ".join(str(text).split())
    if not body:
        return "(empty)"
    ticks = "`" * (_longest_run(body, "`") + 1)
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    span = f"{ticks}{pad}{body}{pad}{ticks}"
    return span.replace("|", "\\|") if table else span


def _md_quote(text: Any) -> str:
    """Prefix every line with ``> `` to make a block quote."""
    return "\n".join(f"> {line}" if line else ">" for line in str(text).split("\n"))


# ---------------------------------------------------------------------------------------------------------------
# The environment


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The template environment (built once): ``.html.j2`` templates are HTML-escaped, ``.md.j2`` ones are not.

    The templates are the package's own and do not change while it runs, so jinja does not look at their files
    again before each use (``auto_reload``): that was six ``stat`` calls per report."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("grader", "templates"),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "html.j2"), default_for_string=False, default=False
        ),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(
        breakable=_breakable,
        rich_html=_rich_html,
        md_text=_md_text,
        md_rich=_md_rich,
        md_fence=_md_fence,
        md_code=_md_code,
        md_quote=_md_quote,
    )
    return env


def render(template: str, context: Mapping[str, Any]) -> str:
    """``template`` (a file name in ``templates/``) rendered with ``context``, plain data only."""
    return environment().get_template(template).render(context)
