"""nbformat, imported without the grammar that jsonschema may build as it imports.

nbformat imports jsonschema, and jsonschema imports ``rfc3987_syntax`` when it is installed (Jupyter's
``jsonschema[format-nongpl]`` brings it, so most Jupyter environments have it) to check strings of the format "iri".
That module builds a parser from its grammar as it is imported: 1.1-1.4 s of CPU on the development machine, up to
5 s when the machine is busy, paid by every ``grade`` command and every ``grade check`` before the first notebook.
Nothing here uses it: nbformat validates without a format checker, and its schema names no iri.

So the first import of nbformat in a process is made with that one module reported missing (a ``None`` entry in
``sys.modules``, which makes ``import`` raise ImportError; jsonschema then leaves the iri check out), and the entry
is removed at once, so that anything imported later, in the same process, can import the module as usual. If
jsonschema was imported before, nothing is changed.
"""

from __future__ import annotations

import sys

_SLOW = "rfc3987_syntax"
_held_back = "jsonschema" not in sys.modules and _SLOW not in sys.modules
if _held_back:
    sys.modules[_SLOW] = None  # type: ignore[assignment]
try:
    import nbformat
    from nbformat import reader as nbreader
finally:
    if _held_back and _SLOW in sys.modules and sys.modules[_SLOW] is None:
        del sys.modules[_SLOW]

__all__ = ["nbformat", "nbreader"]
