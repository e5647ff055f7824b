"""The similarity report of a batch: fingerprint every submission, find the near-identical pairs, write the page.

``similar_pairs`` is what ``grade similarity`` runs. The algorithm is ``fingerprint.py`` (each graded function as
hashed shingles) and ``similarity.py`` (weighted MinHash, exact scores); this module reads the submissions and
writes ``similarity.html`` and ``similarity.json``.
Nothing here runs student code.

The page is autoescaped: the functions' source, the submission ids and the locations are written by students.
"""

from __future__ import annotations

import difflib
import io
import json
import keyword
import textwrap
import tokenize
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .assignment import Assignment
from .author import generated_files
from .fingerprint import FunctionPrint, fingerprints
from .load import load_source, load_submission
from .pipeline import discover
from .similarity import SimilarPair, find_similar
from .templating import percent_floor, render

__all__ = ["marked_lines", "render_similarity_html", "similar_pairs", "similarity_context", "write_similarity_report"]

_LAYOUT = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                     tokenize.ENDMARKER})


def _skeleton(assignment: Assignment) -> dict[str, FunctionPrint]:
    """The fingerprints of the starter code everybody shares (the stub), which are no evidence of copying."""
    stub = assignment.public_dir / f"{assignment.stem}.py"
    if stub.is_file():
        return fingerprints(load_submission(stub, helpers=assignment.helper_modules), assignment.functions)
    if assignment.reference_dir is not None:
        text = next(t for p, t in generated_files(assignment).items() if p.suffix == ".py")
        return fingerprints(load_source(text.encode(), name="stub.py", kind="py"), assignment.functions)
    return {}


def similar_pairs(paths: Sequence[Path], assignment: Assignment, *, out_dir: Path,
                  threshold: float = 0.8) -> tuple[tuple[SimilarPair, ...], Path]:
    """Fingerprint every submission's graded functions, find near-identical pairs, write the report into
    ``out_dir``; return the pairs and the path of similarity.html. Submissions that do not load are left out."""
    prints = {}
    for submission in discover(paths):
        loaded = load_submission(submission.path, execute=assignment.execute, helpers=assignment.helper_modules)
        if loaded.ok:
            prints[submission.id] = fingerprints(loaded, assignment.functions)
    pairs = find_similar(prints, threshold=threshold, skeleton=_skeleton(assignment))
    return pairs, write_similarity_report(pairs, out_dir, title=assignment.title)


def _line_keys(source: str) -> list[tuple[str, ...]]:
    """Each line of ``source`` as its tokens with names and comments left out of account: two lines that differ
    only in names, spacing or comments get the same key; a blank or comment-only line gets ``()``."""
    lines = source.split("\n")
    keys: list[list[str]] = [[] for _ in lines]
    try:
        for token in tokenize.generate_tokens(io.StringIO(textwrap.dedent(source)).readline):
            if token.type in _LAYOUT or token.start[0] > len(lines):
                continue
            word = "name" if token.type == tokenize.NAME and not keyword.iskeyword(token.string) else token.string
            keys[token.start[0] - 1].append(word)
    except (tokenize.TokenError, IndentationError, SyntaxError):  # a fragment: compare the lines' words instead
        keys = [line.split("#", 1)[0].split() for line in lines]
    return [tuple(key) for key in keys]


def marked_lines(left: str, right: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The lines of two functions, each marked ``same`` when it lies in a run of lines that the other function has
    too, in the same order (names, spacing and comments aside): what the report highlights."""
    left_keys, right_keys = _line_keys(left), _line_keys(right)
    left_kept = [i for i, key in enumerate(left_keys) if key]
    right_kept = [i for i, key in enumerate(right_keys) if key]
    matcher = difflib.SequenceMatcher(None, [left_keys[i] for i in left_kept], [right_keys[i] for i in right_kept],
                                      autojunk=False)
    same_left: set[int] = set()
    same_right: set[int] = set()
    for a, b, size in matcher.get_matching_blocks():
        same_left.update(left_kept[a:a + size])
        same_right.update(right_kept[b:b + size])
    return ([{"text": line, "same": i in same_left, "code": bool(left_keys[i])}
             for i, line in enumerate(left.split("\n"))],
            [{"text": line, "same": i in same_right, "code": bool(right_keys[i])}
             for i, line in enumerate(right.split("\n"))])


def similarity_context(pairs: Sequence[SimilarPair], *, title: str) -> dict[str, Any]:
    """What the template shows: the pairs in rank order with anchors and percentages, and each function's lines
    marked where they match the other side, as plain data."""
    rows = []
    for rank, pair in enumerate(pairs, start=1):
        matches = []
        for m in pair.matches:
            left_lines, right_lines = marked_lines(m.left_source, m.right_source)
            matches.append({**m.to_dict(), "similarity_text": percent_floor(m.similarity),
                            "left_lines": left_lines, "right_lines": right_lines,
                            "same_lines": sum(line["same"] for line in left_lines),
                            "code_lines": sum(line["code"] for line in left_lines)})
        rows.append({**pair.to_dict(), "rank": rank, "anchor": f"pair-{rank}",
                     "score_text": percent_floor(pair.score), "matches": matches})
    return {"title": title, "pairs": rows}


def render_similarity_html(pairs: Sequence[SimilarPair], *, title: str) -> str:
    """The report as one self-contained, autoescaped HTML page: pairs ranked by score, functions side by side."""
    return render("similarity.html.j2", similarity_context(pairs, title=title))


def write_similarity_report(pairs: Sequence[SimilarPair], out_dir: Path, *, title: str) -> Path:
    """Write ``similarity.html`` and ``similarity.json`` (the pairs as data) into ``out_dir``; return the HTML path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = {"title": title, "pairs": [pair.to_dict() for pair in pairs]}
    (out_dir / "similarity.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    html_path = out_dir / "similarity.html"
    html_path.write_text(render_similarity_html(pairs, title=title), encoding="utf-8")
    return html_path
