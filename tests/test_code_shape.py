"""benchmarks/code_shape.py: the lines per module and function lengths the closing notes quote."""

from __future__ import annotations

import importlib.util
import sys
import textwrap

import pytest
from paths import ROOT


@pytest.fixture(scope="module")
def shape():
    spec = importlib.util.spec_from_file_location("code_shape", ROOT / "benchmarks" / "code_shape.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["code_shape"] = module  # dataclasses look their module up while the class is built
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop("code_shape", None)


SOURCE = textwrap.dedent('''
    """Doc."""


    @decorated
    def outer(x):
        def inner(y):
            return y

        return inner(x)


    class Thing:
        def method(self):
            """One.

            Two.
            """
            return 1

        async def waiting(self):
            return 2
''')


def test_functions_are_measured_from_def_to_last_line_with_qualified_names(shape):
    found = {f.name: (f.line, f.length) for f in shape.functions("m.py", SOURCE)}
    assert found == {"outer": (6, 5), "outer.<locals>.inner": (7, 2), "Thing.method": (14, 6),
                     "Thing.waiting": (21, 2)}
    assert shape.line_count(SOURCE) == 22


def test_the_report_covers_every_module_and_lists_the_longest_functions(shape, capsys):
    assert shape.main(["--top", "3"]) == 0
    text = capsys.readouterr().out
    table, _, longest = text.partition("\nthe 3 longest of ")
    rows = table.splitlines()[1:]  # after the header
    modules = sorted(p.name for p in (ROOT / "grader").glob("*.py"))
    assert sorted(row.split()[0] for row in rows[:-1]) == modules
    assert rows[-1].split()[:2] == ["total", str(sum(len((ROOT / "grader" / m).read_text().splitlines())
                                                     for m in modules))]
    functions = [line for line in longest.splitlines()[1:] if line.strip()]
    assert len(functions) == 3
    lengths = [int(line.split()[0]) for line in functions]
    assert lengths == sorted(lengths, reverse=True) and all(".py:" in line for line in functions)
