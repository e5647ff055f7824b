"""The shape of the engine's code: lines per module of grader/, and its longest functions.

Usage::

    .venv/bin/python benchmarks/code_shape.py                       # the working tree
    .venv/bin/python benchmarks/code_shape.py --before 459b600      # beside an older commit
    .venv/bin/python benchmarks/code_shape.py --at main --top 20    # a commit instead of the working tree

Lines are physical lines of each ``grader/*.py`` file. A function's length runs from its ``def`` line (decorators
excluded) to its last line, docstring and comments included; methods and nested functions are listed under their
qualified names (``Class.method``, ``outer.<locals>.inner``). The guide asks for modules of about 400 lines at most
and no function over 60 lines without a stated reason; both are marked.
"""

from __future__ import annotations

import argparse
import ast
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "grader"
MODULE_LIMIT = 400
FUNCTION_LIMIT = 60


@dataclass(frozen=True)
class Function:
    module: str
    name: str
    line: int
    length: int


def sources(at: str | None) -> dict[str, str]:
    """{module file name: text} of grader/*.py in the working tree, or at the commit ``at``."""
    if at is None:
        return {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / PACKAGE).glob("*.py"))}
    listing = subprocess.run(["git", "ls-tree", "--name-only", f"{at}:{PACKAGE}"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.split()
    return {name: subprocess.run(["git", "show", f"{at}:{PACKAGE}/{name}"], cwd=ROOT, check=True,
                                 capture_output=True, text=True).stdout
            for name in sorted(listing) if name.endswith(".py")}


def renames(before: str, at: str | None) -> dict[str, str]:
    """{new name: old name} of the modules git sees as renamed between ``before`` and ``at``."""
    diff = subprocess.run(["git", "diff", "-M", "--name-status", before, *([at] if at else []), "--", PACKAGE],
                          cwd=ROOT, check=True, capture_output=True, text=True).stdout
    pairs = [line.split("\t") for line in diff.splitlines() if line.startswith("R")]
    return {Path(new).name: Path(old).name for _, old, new in pairs}


def line_count(text: str) -> int:
    return len(text.splitlines())


def functions(module: str, text: str) -> list[Function]:
    """Every function and method of a module, with its length in lines."""
    found: list[Function] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + child.name
                end = child.end_lineno or child.lineno
                found.append(Function(module, name, child.lineno, end - child.lineno + 1))
                visit(child, name + ".<locals>.")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(text), "")
    return found


def print_modules(after: dict[str, str], before: dict[str, str] | None, labels: tuple[str, str],
                  renamed: dict[str, str]) -> None:
    gone = set(renamed.values())
    names = sorted(set(after) | (set(before or {}) - gone), key=lambda n: (-line_count(after.get(n, "")), n))
    if before is None:
        print(f"{'module':<22} {'lines':>6}")
        for name in names:
            mark = "  > 400" if line_count(after[name]) > MODULE_LIMIT else ""
            print(f"{name:<22} {line_count(after[name]):>6}{mark}")
        print(f"{'total':<22} {sum(map(line_count, after.values())):>6}  ({len(after)} modules)")
        return
    print(f"{'module':<22} {labels[0]:>10} {labels[1]:>10} {'change':>7}")
    for name in names:
        was = renamed.get(name, name)
        old = line_count(before[was]) if was in before else None
        new = line_count(after[name]) if name in after else None
        change = (new or 0) - (old or 0)
        mark = "  > 400" if (new or 0) > MODULE_LIMIT else ""
        note = f"  (was {was})" if was != name else ""
        print(f"{name:<22} {'-' if old is None else old:>10} {'-' if new is None else new:>10} {change:>+7}{mark}"
              f"{note}")
    old_total, new_total = sum(map(line_count, before.values())), sum(map(line_count, after.values()))
    print(f"{'total':<22} {old_total:>10} {new_total:>10} {new_total - old_total:>+7}  "
          f"({len(before)} → {len(after)} modules)")


def print_functions(texts: dict[str, str], top: int) -> None:
    every = [f for module, text in texts.items() for f in functions(module, text)]
    every.sort(key=lambda f: (-f.length, f.module, f.line))
    over = sum(f.length > FUNCTION_LIMIT for f in every)
    print(f"\nthe {min(top, len(every))} longest of {len(every)} functions ({over} over {FUNCTION_LIMIT} lines):")
    for f in every[:top]:
        mark = f"  > {FUNCTION_LIMIT}" if f.length > FUNCTION_LIMIT else ""
        print(f"{f.length:>5}  {f.module}:{f.line} {f.name}{mark}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--at", default=None, help="a commit to measure (default: the working tree)")
    parser.add_argument("--before", default=None, help="an older commit to compare lines per module with")
    parser.add_argument("--top", type=int, default=15, help="how many of the longest functions to list")
    args = parser.parse_args(argv)
    after = sources(args.at)
    before = sources(args.before) if args.before else None
    renamed = renames(args.before, args.at) if args.before else {}
    print_modules(after, before, (args.before or "", args.at or "now"), renamed)
    print_functions(after, args.top)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `| head` ends the output quietly
    sys.exit(main())
