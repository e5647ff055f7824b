"""Reading a notebook's JSON within bounds, before nbformat sees it (the limits are in ARCHITECTURE.md).

A notebook is hostile input: four million empty objects cost nbformat 2 GB. ``read_notebook`` counts the text's
values before parsing, checks the parsed tree's depth and strings, counts cells after parsing (so that no spelling
of the keys hides them), then converts the tree to nbformat 4. Outputs are read only as far as JSON parsing and
these checks need: their images are strings, never decoded. Nothing here runs code.
"""

from __future__ import annotations

import json

from ._nbformat import nbformat, nbreader

__all__ = ["Refused", "read_notebook", "short"]

_MAX_CELLS = 2_000  # cells in one notebook, counted after parsing
# A notebook's JSON, bounded before nbformat sees it: a course notebook has about 2,600 values, depth 7, and its
# longest string (an image output) is under 2 MB. Four million empty objects cost 2 GB in nbformat.
_MAX_JSON_MARKS = 1_000_000  # commas, brackets, braces and quote pairs in the text: an upper bound on its values
_MAX_JSON_OBJECTS = 100_000  # braces in the text: objects cost the most (about 500 bytes each once read)
_MAX_JSON_DEPTH = 64
_MAX_JSON_STRING = 16 * 2**20  # characters of one string
_SLICE = 256 * 2**10  # bytes of the text counted at a time
_NOT_MARKS = bytes(byte for byte in range(256) if byte not in b',[{"')  # what _check_marks deletes before counting


class Refused(Exception):
    """The submission is refused as a whole; the message is a phrase that follows the file name."""


def short(exc: BaseException) -> str:
    """The first line of an exception's message, clipped: for a reason shown to a student."""
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0].rstrip()
    return text if len(text) <= 160 else text[:160] + "..."


def _check_marks(data: bytes) -> None:
    """Refuse, before parsing, a text that would parse into too many values: a cheap upper bound on their number
    (the commas, brackets, braces and quotes of the text, those inside strings too). One pass keeps only those
    bytes, a slice at a time so that a text made of them costs no copy of itself, and counts them: a 5 MB notebook
    of images holds a few thousand (benchmarks/loading.py)."""
    objects = marks = quotes = 0
    for start in range(0, len(data), _SLICE):
        kept = data[start:start + _SLICE].translate(None, _NOT_MARKS)
        braces = kept.count(b"{")
        objects += braces
        marks += kept.count(b",") + kept.count(b"[") + braces
        quotes += kept.count(b'"')
    marks += quotes // 2
    if marks > _MAX_JSON_MARKS or objects > _MAX_JSON_OBJECTS:
        what = f"{_MAX_JSON_OBJECTS:,} JSON objects" if objects > _MAX_JSON_OBJECTS else \
            f"{_MAX_JSON_MARKS:,} JSON values"
        raise Refused(f"is too large a notebook to grade (more than {what}); clear its outputs (Kernel > Restart & "
                       "Clear Output) and submit it again")


def _check_tree(tree: object) -> None:
    """Refuse parsed JSON that is nested too deeply or holds too long a string, before nbformat sees it."""
    level: list[object] = [tree]
    depth = 0
    while level:  # one level of the tree at a time: no recursion, and a fast loop over a million values
        if depth > _MAX_JSON_DEPTH:
            raise Refused(f"is not a notebook: its JSON is nested more than {_MAX_JSON_DEPTH} levels deep")
        below: list[object] = []
        for value in level:
            if type(value) is str:
                if len(value) > _MAX_JSON_STRING:
                    raise Refused(f"holds a string of {len(value):,} characters, more than the "
                                   f"{_MAX_JSON_STRING:,} a notebook may hold; clear its outputs and submit it again")
            elif type(value) is dict:
                below += value  # the keys
                below += value.values()
            elif type(value) is list:
                below += value
        level, depth = below, depth + 1


def _cell_count(tree: dict[str, object]) -> int:
    """How many cells the parsed notebook has (v4: ``cells``; v3 and before: ``worksheets[].cells``)."""
    cells = tree.get("cells")
    if isinstance(cells, list):
        return len(cells)
    sheets = tree.get("worksheets")
    if not isinstance(sheets, list):
        return 0
    return sum(len(sheet["cells"]) for sheet in sheets if isinstance(sheet, dict) and isinstance(sheet.get("cells"),
                                                                                                  list))


def read_notebook(data: bytes) -> object:
    """What ``nbformat.reads(text, as_version=4)`` does, within bounds and without its logging; raises Refused if it
    is no notebook.

    nbformat never sees a text of more than ``_MAX_JSON_MARKS`` values (counted before parsing), nor a tree deeper
    than ``_MAX_JSON_DEPTH``, with a string longer than ``_MAX_JSON_STRING`` or with more than ``_MAX_CELLS`` cells
    (counted after parsing, so no spelling of the keys can hide them).
    """
    try:
        _check_marks(data)
        tree = json.loads(data.decode("utf-8-sig"))
        if not isinstance(tree, dict):
            raise Refused(f"is not a notebook: its JSON is {_json_kind(tree)}, not an object")
        _check_tree(tree)
        if _cell_count(tree) > _MAX_CELLS:
            raise Refused(f"has too many cells to grade (more than {_MAX_CELLS:,})")
        major, minor = nbreader.get_version(tree)  # type: ignore[no-untyped-call]
        if major not in nbformat.versions:
            raise Refused(f"is not a notebook: nbformat version {str(major)[:20]!r} is not one Jupyter knows")
        notebook: nbformat.NotebookNode = nbformat.convert(nbformat.versions[major].to_notebook_json(tree, minor=minor),
                                                           4)  # type: ignore[no-untyped-call]
        return notebook
    except Refused:
        raise
    except UnicodeDecodeError:
        reason = "the file is not UTF-8 text"
    except json.JSONDecodeError as exc:
        reason = f"the file is not valid JSON (line {exc.lineno}, column {exc.colno})"
    except RecursionError:
        reason = "its JSON is nested too deeply"
    except Exception as exc:  # nbformat raises many types on malformed structure
        reason = f"its structure is not that of a Jupyter notebook ({short(exc)})"
    raise Refused(f"is not a notebook: {reason}")


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    return "null" if value is None else "a number"
