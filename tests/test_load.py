"""Tests for grader.load: real .py and .ipynb files in, code units with their origins out."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.load import CodeUnit, LoadedSubmission, load_source, load_submission
from grader.models import Location

MD = "md:"  # a cell text starting with this becomes a markdown cell


def notebook_bytes(*cells: str) -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(c[len(MD) :]) if c.startswith(MD) else nbformat.v4.new_code_cell(c)
        for c in cells
    ]
    return nbformat.writes(nb).encode("utf-8")


def write_notebook(tmp_path: Path, *cells: str, name: str = "alice.ipynb") -> Path:
    path = tmp_path / name
    path.write_bytes(notebook_bytes(*cells))
    return path


def write_py(tmp_path: Path, data: bytes | str, name: str = "bob.py") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def unit_for(sub: LoadedSubmission, cell: int) -> CodeUnit:
    return next(u for u in sub.units if u.cell == cell)


def kept_source(unit: CodeUnit) -> list[str]:
    body = ast.parse(unit.source).body
    return [ast.get_source_segment(unit.source, body[i]) or "" for i in unit.keep]


def assert_invalid(sub: LoadedSubmission, name: str, *words: str) -> None:
    assert not sub.ok
    assert sub.units == ()
    invalid = [p for p in sub.problems if p.kind == "invalid-submission"]
    assert len(invalid) == 1, sub.problems
    assert name in invalid[0].message
    for word in words:
        assert word in invalid[0].message, invalid[0].message


# --- .py files ---------------------------------------------------------------------------------------------------


def test_py_file_is_one_unit_with_metadata(tmp_path: Path) -> None:
    data = b"import math\n\nRATE = 0.5\n\ndef f(x):\n    return x * RATE\n"
    sub = load_submission(write_py(tmp_path, data))
    assert sub.ok and sub.problems == ()
    assert (sub.id, sub.kind, sub.path) == ("bob", "py", str(tmp_path / "bob.py"))
    assert sub.sha256 == hashlib.sha256(data).hexdigest()
    (unit,) = sub.units
    assert (unit.index, unit.cell, unit.first_line, unit.filename) == (0, None, 1, "<submission>")
    assert unit.source == data.decode() and unit.defines == ("f",) and unit.syntax_error is None
    assert unit.keep == (0, 1, 2)


def test_py_latin1_coding_cookie(tmp_path: Path) -> None:
    text = '# -*- coding: latin-1 -*-\nGREETING = "café"\n\ndef greet():\n    return GREETING\n'
    sub = load_submission(write_py(tmp_path, text.encode("latin-1")))
    assert sub.ok
    assert 'GREETING = "café"' in sub.units[0].source
    assert sub.locate("<submission>", 2) == Location(cell=None, line=2, code='GREETING = "café"')


def test_py_bom_and_crlf_and_cr(tmp_path: Path) -> None:
    sub = load_submission(write_py(tmp_path, b"\xef\xbb\xbfx = 1\r\ndef f():\r\n    return 2\r\n"))
    assert sub.ok
    source = sub.units[0].source
    assert "\r" not in source and "\ufeff" not in source
    assert source.split("\n")[:3] == ["x = 1", "def f():", "    return 2"]
    assert sub.definition("f") == Location(cell=None, line=2, code="def f():")
    old_mac = load_source(b"a = 1\rb = 2\rdef g():\r    pass\r", name="mac.py", kind="py")
    assert old_mac.definition("g") == Location(cell=None, line=3, code="def g():")


def test_py_syntax_error_costs_only_its_function(tmp_path: Path) -> None:
    text = (
        "import numpy as np\n"  # 1
        "LR = 1.2\n"  # 2
        "\n"  # 3
        "@staticmethod\n"  # 4
        "def good(x):\n"  # 5
        '    """Docs.\n'  # 6
        "from the top of the column, not a chunk start\n"  # 7
        '    """\n'  # 8
        "    return x\n"  # 9
        "\n"  # 10
        "def bad(x):\n"  # 11
        "    y = np.dot(x, (x\n"  # 12  (never closed)
        "    return y\n"  # 13
        "\n"  # 14
        "def after(x):\n"  # 15
        "    return x + 1\n"  # 16
        "def broken(:\n"  # 17
        "    pass\n"  # 18
        "class Last:\n"  # 19
        "    pass\n"  # 20
    )
    sub = load_submission(write_py(tmp_path, text))
    assert sub.ok
    assert [u.first_line for u in sub.units] == [1, 4, 11, 15, 17, 19]
    assert [u.defines for u in sub.units] == [(), ("good",), ("bad",), ("after",), ("broken",), ("Last",)]
    assert [u.syntax_error is None for u in sub.units] == [True, True, False, True, False, True]
    assert [u.keep for u in sub.units] == [(0, 1), (0,), (), (0,), (), (0,)]
    for unit in sub.units:  # padding makes compiled line numbers file line numbers
        assert unit.source.startswith("\n" * (unit.first_line - 1))
        assert unit.filename == "<submission>" and unit.cell is None
        if unit.syntax_error is None:
            assert ast.parse(unit.source).body[0].lineno == unit.first_line + (unit.first_line == 4)  # after @
    bad = sub.units[2].syntax_error
    assert bad is not None and bad.kind == "syntax-error"
    assert bad.location == Location(cell=None, line=12, code="    y = np.dot(x, (x")
    assert bad.message.startswith("SyntaxError on line 12: ") and "np.dot(x, (x" in bad.message
    assert [p.kind for p in sub.problems] == ["syntax-error", "syntax-error"]
    assert sub.lost_to_syntax_error("bad") is bad
    assert sub.lost_to_syntax_error("after") is None and sub.lost_to_syntax_error("nothing") is None
    assert sub.definition("after") == Location(cell=None, line=15, code="def after(x):")
    assert sub.definition("good") == Location(cell=None, line=5, code="def good(x):")
    assert sub.locate("<submission>", 16) == Location(cell=None, line=16, code="    return x + 1")


def test_py_compile_time_errors_count_as_syntax_errors() -> None:
    sub = load_source(b"return 2\ndef f():\n    return 1\n", name="r.py", kind="py")
    assert [u.defines for u in sub.units if u.syntax_error is None] == [("f",)]
    assert any(p.kind == "syntax-error" and "'return' outside function" in p.message for p in sub.problems)


# --- notebooks ---------------------------------------------------------------------------------------------------


def test_cell_numbering_counts_markdown(tmp_path: Path) -> None:
    path = write_notebook(tmp_path, "md:# Title", "import numpy as np", "md:text", "md:more", "def f():\n    pass")
    sub = load_submission(path)
    assert sub.ok and (sub.id, sub.kind) == ("alice", "ipynb")
    assert [(u.index, u.cell, u.filename, u.first_line) for u in sub.units] == [
        (0, 2, "<cell 2>", 1),
        (1, 5, "<cell 5>", 1),
    ]
    assert sub.definition("f") == Location(cell=5, line=1, code="def f():")


def test_syntax_error_in_one_cell_keeps_the_others(tmp_path: Path) -> None:
    cells = ["md:intro", "import numpy as np", "def layer_sizes(X):\n    return X.shape[0]",
             "md:a", "md:b", "md:c", "def sigmoid(z):\n    s = 1\n    return 1 / (1 + np.exp(-z)\n\nclass Net:\n"
             "    pass", "def relu(z):\n    return np.maximum(0, z)"]  # fmt: skip
    sub = load_submission(write_notebook(tmp_path, *cells))
    assert sub.ok
    broken = unit_for(sub, 7)
    assert broken.keep == () and broken.defines == ("sigmoid", "Net")
    error = broken.syntax_error
    assert error is not None and error.kind == "syntax-error"
    assert error.location == Location(cell=7, line=3, code="    return 1 / (1 + np.exp(-z)")
    assert error.location.describe() == "cell 7, line 3"
    assert error.message.startswith("SyntaxError in cell 7, line 3: ")
    assert "return 1 / (1 + np.exp(-z)" in error.message
    assert sub.problems == (error,)
    assert unit_for(sub, 3).defines == ("layer_sizes",) and unit_for(sub, 3).keep == (0,)
    assert unit_for(sub, 8).defines == ("relu",) and unit_for(sub, 8).keep == (0,)
    assert sub.lost_to_syntax_error("sigmoid") is error and sub.lost_to_syntax_error("Net") is error
    assert sub.lost_to_syntax_error("relu") is None
    assert sub.definition("sigmoid") is None


def test_locate_maps_to_cell_and_line(tmp_path: Path) -> None:
    cells = ["md:1", "x = 1", "md:3", "md:4", "md:5", "md:6", "import os\n%matplotlib inline\ny = x / 0   \nz = 2"]
    sub = load_submission(write_notebook(tmp_path, *cells))
    where = sub.locate("<cell 7>", 3)
    assert where == Location(cell=7, line=3, code="y = x / 0")
    assert where is not None and where.describe() == "cell 7, line 3"
    assert sub.locate("<cell 7>", 2) == Location(cell=7, line=2, code="%matplotlib inline")  # the original text
    assert sub.locate("<cell 7>", 99) is None
    assert sub.locate("<cell 3>", 1) is None  # markdown
    assert sub.locate("<submission>", 1) is None


def test_definition_last_wins_and_a_later_good_definition_beats_a_lost_one(tmp_path: Path) -> None:
    cells = ["def f():\n    return 1", "md:", "def g(:\n    pass", "x = 1\n\ndef f():\n    return 2", "def g():\n pass"]
    sub = load_submission(write_notebook(tmp_path, *cells))
    assert sub.definition("f") == Location(cell=4, line=3, code="def f():")
    assert sub.definition("g") == Location(cell=5, line=1, code="def g():")
    assert sub.lost_to_syntax_error("g") is None  # cell 5 defines it after the broken cell 3
    assert sub.definition("h") is None
    lost = load_source(notebook_bytes("def g():\n pass", "def g(:\n    pass"), name="n.ipynb", kind="ipynb")
    assert lost.lost_to_syntax_error("g") is lost.units[1].syntax_error is not None


def test_line_magics_shell_and_help_are_neutralised() -> None:
    cell = (
        "import numpy as np\n"
        "%matplotlib inline\n"
        "!pip install torch\n"
        "files = !ls -la\n"
        "t = %timeit -o np.zeros(3)\n"
        "np.zeros?\n"
        "??np.ones\n"
        "np.dot??\n"
        "for i in range(2):\n"
        "    %time print(i)\n"
        "r = 7 % 3\n"
        "s = '''\n"
        "%d is a format, ! is not a shell\n"
        "'''\n"
        "q = (10\n"
        "% 3)\n"
        "fmt = '%s' % 'x'  # a comment with ? at the end?\n"
    )
    sub = load_source(notebook_bytes(cell), name="m.ipynb", kind="ipynb")
    (unit,) = sub.units
    assert unit.syntax_error is None, unit.syntax_error
    lines, original = unit.source.split("\n"), cell.split("\n")
    assert len(lines) == len(original)
    for number in (2, 3, 4, 5, 6, 7, 8):
        assert lines[number - 1] == "pass  # " + original[number - 1]
    assert lines[9] == "    pass  # %time print(i)"
    assert lines[10:] == original[10:]  # % in expressions, strings and continuation lines untouched


def test_cell_magics() -> None:
    timed = "%%time\ndef trained():\n    return 1\nprint(trained())"
    bash = "%%bash\necho hi\ndef not_python(:\n  exit 1"
    writefile = "\n%%writefile helper.py\ndef helper():\n    return 1\n"
    sub = load_source(notebook_bytes(timed, bash, writefile), name="c.ipynb", kind="ipynb")
    assert sub.problems == ()
    t, b, w = sub.units
    assert t.source.split("\n") == ["pass  # %%time", "def trained():", "    return 1", "print(trained())"]
    assert t.defines == ("trained",) and t.keep == (0, 1)
    assert b.source.split("\n") == ["pass  # %%bash", "# echo hi", "# def not_python(:", "#   exit 1"]
    assert b.defines == () and w.defines == ()
    assert len(w.source.split("\n")) == len(writefile.split("\n"))


def test_top_level_await_is_not_a_syntax_error_in_a_notebook() -> None:
    sub = load_source(notebook_bytes("import asyncio\nawait asyncio.sleep(0)"), name="a.ipynb", kind="ipynb")
    assert sub.problems == () and sub.units[0].keep == (0,)


def test_null_bytes_and_deep_nesting_in_a_cell_are_syntax_errors() -> None:
    cells = ["def ok():\n    pass", "x = 1\0", "x = " + "-" * 50_000 + "1", "y = " + "(" * 300 + ")" * 300]
    sub = load_source(notebook_bytes(*cells), name="n.ipynb", kind="ipynb")
    assert sub.ok
    assert [u.syntax_error is None for u in sub.units] == [True, False, False, False]
    assert [p.location.cell for p in sub.problems if p.location] == [2, 3, 4]


def test_invalid_but_readable_notebook_gives_a_warning(tmp_path: Path) -> None:
    nb = json.loads(notebook_bytes("md:hi", "def f():\n    return 1"))
    nb["cells"][1]["bogus"] = 1
    del nb["cells"][1]["outputs"]
    path = tmp_path / "warn.ipynb"
    path.write_text(json.dumps(nb))
    sub = load_submission(path)
    assert sub.ok and sub.units[0].defines == ("f",) and sub.units[0].cell == 2
    (warning,) = sub.problems
    assert warning.kind == "warning" and "warn.ipynb is not a valid notebook" in warning.message


def test_older_notebook_format_is_converted() -> None:
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [
        {"cell_type": "markdown", "source": "hi", "metadata": {}},
        {"cell_type": "code", "input": "def f():\n    return 3", "language": "python", "outputs": [], "metadata": {}},
    ]}]}  # fmt: skip
    sub = load_source(json.dumps(v3).encode(), name="old.ipynb", kind="ipynb")
    assert sub.ok and sub.definition("f") == Location(cell=2, line=1, code="def f():")


# --- execution policy --------------------------------------------------------------------------------------------

POLICY_CELL = """\
'''Module docstring.'''
import numpy as np
from planar_utils import load_planar_dataset
import matplotlib.pyplot as plt
LEARNING_RATE = 1.2
n_h: int = 4
n_h += 1
SHAPE = (2, len([1, 2]), max(3, 4), int("5"))
W = np.random.randn(2, 3) * 0.01
X, Y = load_planar_dataset()
Z = np.zeros(3).reshape(1, 3)
square = lambda v: print(v)
def f(x):
    return x
class Model:
    pass
try:
    import torch
except ImportError:
    torch = None
if LEARNING_RATE > 1:
    DECAY = 0.9
else:
    DECAY = 1.0
print("hello")
params = nn_model(X, Y)
plt.plot(X)
for i in range(3):
    pass
while False:
    pass
with open("x") as fh:
    pass
if __name__ == "__main__":
    f(1)
if verbose():
    x = 1
if LEARNING_RATE:
    print(1)
try:
    train()
except Exception:
    pass
assert f(1) == 1
del W
raise SystemExit
x = [p for p in open("data")]
"""


def test_definitions_policy_keeps_setup_and_drops_work() -> None:
    sub = load_source(notebook_bytes(POLICY_CELL), name="p.ipynb", kind="ipynb")
    (unit,) = sub.units
    kept = kept_source(unit)
    assert kept[:3] == ["'''Module docstring.'''", "import numpy as np", "from planar_utils import load_planar_dataset"]
    for expected in ("LEARNING_RATE = 1.2", "n_h: int = 4", "n_h += 1", 'SHAPE = (2, len([1, 2]), max(3, 4), int("5"))',
                     "W = np.random.randn(2, 3) * 0.01", "X, Y = load_planar_dataset()",
                     "Z = np.zeros(3).reshape(1, 3)", "square = lambda v: print(v)", "class Model:\n    pass"):
        assert expected in kept  # fmt: skip
    assert any(k.startswith("def f") for k in kept) and any(k.startswith("try:\n    import torch") for k in kept)
    assert any(k.startswith("if LEARNING_RATE > 1:") for k in kept)
    assert len(kept) == 16
    dropped = [s for s in kept if any(w in s for w in ("print(", "nn_model", "plt.", "for ", "while", "with ",
                                                      "__main__", "verbose", "train", "assert", "del ", "raise"))]
    assert dropped == ["square = lambda v: print(v)"]  # the lambda body does not run at assignment


def test_execute_all_keeps_everything() -> None:
    sub = load_source(notebook_bytes(POLICY_CELL), name="p.ipynb", kind="ipynb", execute="all")
    assert sub.units[0].keep == tuple(range(len(ast.parse(sub.units[0].source).body)))


def test_import_anywhere_in_the_submission_allows_calls_in_other_cells() -> None:
    sub = load_source(notebook_bytes("X = helper()", "print(1)", "from tools import helper"), name="i.ipynb",
                      kind="ipynb")  # fmt: skip
    assert [u.keep for u in sub.units] == [(0,), (), (0,)]


def test_py_policy_drops_main_block() -> None:
    text = "import sys\nN = 3\ndef main():\n    print(N)\nmain()\nif __name__ == '__main__':\n    N = 4\n"
    (unit,) = load_source(text.encode(), name="s.py", kind="py").units
    assert unit.keep == (0, 1, 2)
    assert load_source(text.encode(), name="s.py", kind="py", execute="all").units[0].keep == (0, 1, 2, 3, 4)


# --- invalid input -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("empty.py", b"", ("is empty",)),
        ("blank.py", b"  \n\t\n\n", ("contains no code",)),
        ("comments.py", b"# just a comment\n", ("contains no code",)),
        ("binary.py", b"\x7fELF\x00\x01\x02", ("binary",)),
        ("latin.py", "x = 'café'\n".encode("latin-1"), ("cannot be decoded",)),
        ("later.py", b"x = 1\n\n\ny = '\xff'\n", ("cannot be decoded", "0xff")),
        ("cookie.py", b"# -*- coding: klingon -*-\nx = 1\n", ("klingon",)),
        ("bomcookie.py", b"\xef\xbb\xbf# coding: latin-1\nx = 1\n", ("cannot be decoded",)),
        ("empty.ipynb", b"", ("is empty",)),
        ("shallow.ipynb", b"this is not json", ("is not a notebook", "not valid JSON (line 1, column 1)")),
        ("list.ipynb", b"[1, 2]", ("is not a notebook", "list")),
        ("null.ipynb", b"null", ("is not a notebook",)),
        ("latin.ipynb", b'{"a": "\xe9"}', ("is not a notebook", "UTF-8")),
        ("nocells.ipynb", b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}', ("is not a notebook",)),
        ("version.ipynb", b'{"nbformat": 99, "cells": []}', ("is not a notebook",)),
        ("deep.ipynb", b"[" * 100_000 + b"]" * 100_000, ("is not a notebook",)),
        ("markdown.ipynb", notebook_bytes("md:# only prose"), ("contains no code",)),
        ("blankcells.ipynb", notebook_bytes("", "  \n", "# comment"), ("contains no code",)),
    ],
)
def test_invalid_files(tmp_path: Path, name: str, data: bytes, words: tuple[str, ...]) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    sub = load_submission(path)
    assert_invalid(sub, name, *words)
    assert sub.sha256 == hashlib.sha256(data).hexdigest()
    assert sub.kind == path.suffix[1:] and sub.id == path.stem
    assert_invalid(load_source(data, name=name, kind=path.suffix[1:]), name, *words)


def test_cells_without_source(tmp_path: Path) -> None:
    nb = {"nbformat": 4, "nbformat_minor": 4, "metadata": {},
          "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}]}  # fmt: skip
    path = tmp_path / "nosource.ipynb"
    path.write_text(json.dumps(nb))
    assert_invalid(load_submission(path), "nosource.ipynb", "contains no code")
    nb["cells"].append({"cell_type": "code", "metadata": {}, "source": "def f():\n    pass", "outputs": []})
    path.write_text(json.dumps(nb))
    sub = load_submission(path)
    assert sub.ok and sub.units[0].cell == 2
    assert any(p.kind == "warning" and "cell 1" in p.message for p in sub.problems)


def test_unreadable_paths(tmp_path: Path) -> None:
    assert_invalid(load_submission(tmp_path / "missing.py"), "missing.py", "does not exist")
    (tmp_path / "folder.ipynb").mkdir()
    assert_invalid(load_submission(tmp_path / "folder.ipynb"), "folder.ipynb", "directory")
    assert_invalid(load_submission(write_py(tmp_path, "x = 1\n", "notes.txt")), "notes.txt", ".py or .ipynb")
    big = write_py(tmp_path, "x = 1\n" * 100, "big.py")
    assert_invalid(load_submission(big, max_bytes=100), "big.py", "too large")
    assert load_submission(big, max_bytes=600).ok
    link = tmp_path / "link.py"
    link.symlink_to(big)
    assert_invalid(load_submission(link), "link.py", "symbolic link")
    fifo = tmp_path / "fifo.py"
    os.mkfifo(fifo)
    assert_invalid(load_submission(fifo), "fifo.py", "not a regular file")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_permissions(tmp_path: Path) -> None:
    path = write_py(tmp_path, "x = 1\n", "secret.py")
    path.chmod(0)
    sub = load_submission(path)
    assert_invalid(sub, "secret.py", "cannot be read")
    assert sub.sha256 == ""


def test_giant_inputs_are_refused_cheaply() -> None:
    def raw_notebook(*sources: str) -> bytes:
        cells = [{"cell_type": "code", "metadata": {}, "source": s, "outputs": [], "execution_count": None}
                 for s in sources]  # fmt: skip
        return json.dumps({"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": cells}).encode()

    many_cells = raw_notebook(*["x = 1"] * 2001)
    assert_invalid(load_source(many_cells, name="many.ipynb", kind="ipynb"), "many.ipynb", "too many cells")
    huge_cell = raw_notebook("x = 1\n" * 90_000)
    assert_invalid(load_source(huge_cell, name="huge.ipynb", kind="ipynb"), "huge.ipynb", "too much code")
    assert_invalid(load_source(b"x = 1\n" * 90_000, name="huge.py", kind="py"), "huge.py", "too much code")
    same_name = b"def f():\n    return 1\n" * 1200  # compiling this is quadratic in CPython: only parsed
    sub = load_source(same_name, name="same.py", kind="py")
    assert sub.ok and sub.units[0].defines == ("f",) and len(sub.units[0].keep) == 1200


def test_magics_in_a_py_file_are_neutralised_too() -> None:
    sub = load_source(b"import numpy as np\n%matplotlib inline\ndef f():\n    return 1\n", name="m.py", kind="py")
    assert sub.problems == () and len(sub.units) == 1
    assert sub.units[0].source.split("\n")[1] == "pass  # %matplotlib inline"
    assert sub.locate("<submission>", 2) == Location(cell=None, line=2, code="%matplotlib inline")


def test_bad_arguments_are_grader_bugs() -> None:
    with pytest.raises(ValueError):
        load_source(b"x = 1", name="a.py", kind="txt")
    with pytest.raises(ValueError):
        load_source(b"x = 1", name="a.py", kind="py", execute="everything")


def test_load_source_matches_load_submission(tmp_path: Path) -> None:
    data = notebook_bytes("md:x", "import math\nR = math.pi", "print(R)")
    from_file = load_submission(write_py(tmp_path, data, "carol.ipynb"))
    from_bytes = load_source(data, name="carol.ipynb", kind="ipynb")
    assert from_bytes.path == "" and from_bytes.id == "carol"
    assert from_file.units == from_bytes.units and from_file.sha256 == from_bytes.sha256


# --- never raises ------------------------------------------------------------------------------------------------

PYTHONISH = st.text(alphabet="%!?()[]{}'\"#\\ \n\r\t\0:=.,@abcdefimnoprstx0123456789", max_size=200)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
CELL = st.fixed_dictionaries(
    {},
    optional={
        "cell_type": st.sampled_from(["code", "markdown", "raw"]) | JSON,
        "source": PYTHONISH | st.lists(PYTHONISH, max_size=3) | JSON,
        "metadata": st.just({}) | JSON,
        "outputs": st.just([]) | JSON,
        "execution_count": st.none() | JSON,
    },
)
NOTEBOOK = st.fixed_dictionaries(
    {},
    optional={
        "nbformat": st.sampled_from([3, 4, 4, 5]) | JSON,
        "nbformat_minor": st.integers(0, 5) | JSON,
        "metadata": st.just({}) | JSON,
        "cells": st.lists(CELL, max_size=4) | JSON,
    },
)
FAST = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def check_result(sub: LoadedSubmission) -> None:
    assert isinstance(sub, LoadedSubmission)
    assert {p.kind for p in sub.problems} <= {"invalid-submission", "syntax-error", "warning"}
    if sub.ok:
        assert sub.units and [u.index for u in sub.units] == list(range(len(sub.units)))
    else:
        assert sub.units == () and sub.problems[0].kind == "invalid-submission"
    for unit in sub.units:
        if unit.syntax_error is None:
            body = ast.parse(unit.source).body
            assert all(0 <= i < len(body) for i in unit.keep)
        assert len(unit.source.split("\n")) == unit.first_line - 1 + len(unit.original.split("\n"))
        for line in range(unit.first_line, unit.first_line + 3):
            sub.locate(unit.filename, line)
        for name in unit.defines:
            sub.definition(name)
            sub.lost_to_syntax_error(name)


@FAST
@given(data=st.binary(max_size=300), kind=st.sampled_from(["py", "ipynb"]))
def test_arbitrary_bytes_never_raise(data: bytes, kind: str) -> None:
    check_result(load_source(data, name=f"x.{kind}", kind=kind))


@FAST
@given(text=PYTHONISH)
def test_arbitrary_text_as_py_never_raises(text: str) -> None:
    check_result(load_source(text.encode("utf-8"), name="x.py", kind="py"))


@FAST
@given(nb=NOTEBOOK | JSON)
def test_arbitrary_json_as_notebook_never_raises(nb: object) -> None:
    check_result(load_source(json.dumps(nb).encode("utf-8"), name="x.ipynb", kind="ipynb"))


def test_calls_into_the_assignments_helpers_do_not_run(tmp_path):
    path = tmp_path / "s.py"
    path.write_text("import numpy as np\nfrom init_utils import model, load\nimport init_utils as iu\n"
                    "W = np.zeros(3)\nparams = model(1, 2)\nX = load()\nY = iu.load()\n")
    plain = load_submission(path)
    aware = load_submission(path, helpers=("init_utils",))
    assert plain.units[0].keep == (0, 1, 2, 3, 4, 5, 6)
    assert aware.units[0].keep == (0, 1, 2, 3)


# ---------------------------------------------------------------------------------------------------------------
# A worker remembers the parse of cells it has seen (a class hands in the same instructor-written cells)


def test_a_remembered_cell_is_placed_where_each_notebook_has_it():
    shared_error, shared_def = "answer = (1,\n", "import numpy as np\n\ndef f(x):\n    return x + 1\n"
    data = notebook_bytes(shared_def, shared_error)
    first = load_source(data, name="a.ipynb", kind="ipynb")
    second = load_source(notebook_bytes("md:intro", "y = 2", shared_error, "z = 3", shared_def), name="b.ipynb",
                         kind="ipynb")
    assert [p.location.cell for p in first.problems if p.location] == [2]
    assert [p.location.cell for p in second.problems if p.location] == [3]
    assert "in cell 2, line 1" in first.problems[0].message and "in cell 3, line 1" in second.problems[0].message
    assert (unit_for(first, 1).definitions, unit_for(first, 1).keep) == (
        unit_for(second, 5).definitions, unit_for(second, 5).keep) == ((("f", 3),), (0, 1))
    assert unit_for(second, 5).filename == "<cell 5>" and unit_for(first, 1).filename == "<cell 1>"
    again = load_source(data, name="a.ipynb", kind="ipynb")
    assert again == first  # what is remembered gives the same submission as a first parse


def test_the_remembered_parses_are_bounded_in_number_and_size():
    from grader import load

    cells = [f"value_{i} = {i}" for i in range(3 * load._MEMO_CELLS)] + ["x = 1\n" * (load._MEMO_CHARS // 3)]
    loaded = load_source(notebook_bytes(*cells), name="many.ipynb", kind="ipynb")
    assert len(loaded.units) == len(cells) and not loaded.problems
    info = load._remembered.cache_info()
    assert info.currsize <= info.maxsize == load._MEMO_CELLS
    big = cells[-1]
    assert len(big) > load._MEMO_CHARS
    before = info.misses
    load_source(notebook_bytes(big), name="big.ipynb", kind="ipynb")
    assert load._remembered.cache_info().misses == before  # a cell over the size bound is parsed, not remembered


def test_reading_notebooks_does_not_import_jsonschema_s_iri_grammar(tmp_path: Path) -> None:
    """jsonschema imports ``rfc3987_syntax`` when it is installed, and that module builds a grammar as it is imported
    (1-5 s in Jupyter environments); the grader reads notebooks without it, and leaves it importable afterwards.

    A stand-in module on the path records that it was imported; the control shows that jsonschema does import it.
    """
    marker = tmp_path / "imported"
    (tmp_path / "rfc3987_syntax.py").write_text(
        f"open({str(marker)!r}, 'a').write('x')\n"
        "def is_valid_syntax(rule, text):\n    return True\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))}

    def run(code: str) -> str:
        marker.unlink(missing_ok=True)
        subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=tmp_path)
        return marker.read_text() if marker.exists() else ""

    assert run("import jsonschema") == "x"  # the control: without the grader, jsonschema imports it
    # The grader's modules import nbformat without it; it stays importable as usual afterwards.
    assert run("import grader.cli, grader.author, grader.load, sys\n"
               "assert 'rfc3987_syntax' not in sys.modules\n"
               f"assert not __import__('os').path.exists({str(marker)!r})\n"
               "import rfc3987_syntax") == "x"
