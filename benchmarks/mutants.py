"""Mutants of a reference solution: one small change in one graded function, generated from its AST.

Operators (each site may give several mutants):

- ``operator``: an arithmetic operator swapped (+ and -, * and /, @ to *, augmented assignments too);
- ``dropped term``: a binary operation replaced by one of its operands (a + b → a, (a - b) * c → a - b, ...);
- ``dropped / m``: a division by m (the number of examples) left out;
- ``transpose``: a .T dropped, or the left operand of a matrix product transposed;
- ``axis``: axis=1 and axis=0 swapped, or the axis left out;
- ``keepdims``: keepdims=True left out;
- ``constant``: a number changed (an integer by +1, a float doubled);
- ``comparison``: > and >= (and < and <=) swapped, or the comparison reversed;
- ``sign``: a unary minus dropped;
- ``statement``: an assignment inside a loop left out (the loop no longer carries its result on);
- ``loop``: ``range(n)`` run one step short.

String concatenations (dictionary keys such as ``"W" + str(l)``) are left alone: changing them only crashes.

Mutants are made only inside the graded functions (docstrings excepted), and never twice alike: a mutant whose
source equals another's, or the reference's, is dropped. ``mutants(source, functions)`` returns them in a stable
order with stable ids (``<function>/<operator>/<n>``), so a list of explained equivalent mutants stays valid as
long as the solution does not change.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass

__all__ = ["Mutant", "mutants"]


@dataclass(frozen=True)
class Mutant:
    id: str  # "<function>/<operator>/<n>"
    function: str
    operator: str
    description: str  # "line 12: `dZ2 @ A1.T / m` → `dZ2 @ A1.T`"
    source: str


_SWAPS: dict[type, tuple[type, ...]] = {
    ast.Add: (ast.Sub,), ast.Sub: (ast.Add,), ast.Mult: (ast.Div,), ast.Div: (ast.Mult,), ast.MatMult: (ast.Mult,),
}
_COMPARISONS: dict[type, tuple[type, ...]] = {
    ast.Gt: (ast.GtE, ast.Lt), ast.GtE: (ast.Gt, ast.LtE), ast.Lt: (ast.LtE, ast.Gt), ast.LtE: (ast.Lt, ast.GtE),
}

# A change to make at one site: (operator, a function that mutates a copy of the node in place or returns a new one)
Change = tuple[str, Callable[[ast.AST], ast.AST]]


def _is_m(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "m"


def _is_text(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "str")


def _binop_changes(node: ast.BinOp) -> Iterator[Change]:
    if _is_text(node.left) or _is_text(node.right):
        return
    for new in _SWAPS.get(type(node.op), ()):
        yield "operator", lambda n, new=new: ast.BinOp(n.left, new(), n.right)
    if isinstance(node.op, ast.Div) and _is_m(node.right):
        yield "dropped / m", lambda n: n.left
        return
    if isinstance(node.op, ast.Mult) and isinstance(node.left, ast.BinOp) and isinstance(node.left.op, ast.Div) \
            and _is_m(node.left.right):
        yield "dropped / m", lambda n: n.right
    if isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.MatMult, ast.Div)):
        yield "dropped term", lambda n: n.left
        if not isinstance(node.op, (ast.Sub, ast.Div)):
            yield "dropped term", lambda n: n.right
    if isinstance(node.op, ast.MatMult):
        yield "transpose", lambda n: ast.BinOp(ast.Attribute(n.left, "T", ast.Load()), n.op, n.right)


def _call_changes(node: ast.Call) -> Iterator[Change]:
    for index, keyword in enumerate(node.keywords):
        value = keyword.value
        if keyword.arg == "axis" and isinstance(value, ast.Constant) and value.value in (0, 1):
            yield "axis", lambda n, i=index: _set_keyword(n, i, ast.Constant(1 - n.keywords[i].value.value))
            yield "axis", lambda n, i=index: _drop_keyword(n, i)
        if keyword.arg == "keepdims" and isinstance(value, ast.Constant) and value.value is True:
            yield "keepdims", lambda n, i=index: _drop_keyword(n, i)
    func = node.func
    if isinstance(func, ast.Name) and func.id == "range" and len(node.args) == 1:
        yield "loop", lambda n: ast.Call(n.func, [ast.BinOp(n.args[0], ast.Sub(), ast.Constant(1))], [])
    if isinstance(func, ast.Attribute) and func.attr == "dot" and len(node.args) == 2:
        yield "transpose", lambda n: ast.Call(n.func, [ast.Attribute(n.args[0], "T", ast.Load()), n.args[1]],
                                              n.keywords)


def _drop_statement(node: ast.For | ast.While, index: int) -> ast.AST:
    del node.body[index]
    return node


def _set_keyword(node: ast.Call, index: int, value: ast.expr) -> ast.Call:
    node.keywords[index].value = value
    return node


def _drop_keyword(node: ast.Call, index: int) -> ast.Call:
    del node.keywords[index]
    return node


def _changes(node: ast.AST) -> Iterator[Change]:
    if isinstance(node, ast.BinOp):
        yield from _binop_changes(node)
    elif isinstance(node, ast.AugAssign):
        for new in _SWAPS.get(type(node.op), ()):
            yield "operator", lambda n, new=new: ast.AugAssign(n.target, new(), n.value)
    elif isinstance(node, (ast.For, ast.While)):
        for index, statement in enumerate(node.body):
            if isinstance(statement, (ast.Assign, ast.AugAssign)) and len(node.body) > 1:
                yield "statement", lambda n, i=index: _drop_statement(n, i)
    elif isinstance(node, ast.Call):
        yield from _call_changes(node)
    elif isinstance(node, ast.Attribute) and node.attr == "T":
        yield "transpose", lambda n: n.value
    elif isinstance(node, ast.Compare) and len(node.ops) == 1:
        for new in _COMPARISONS.get(type(node.ops[0]), ()):
            yield "comparison", lambda n, new=new: ast.Compare(n.left, [new()], n.comparators)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        yield "sign", lambda n: n.operand
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
        value = node.value
        yield "constant", lambda n: ast.Constant(value + 1 if isinstance(value, int) else value * 2)


def _sites(function: ast.FunctionDef) -> list[ast.AST]:
    """The nodes of a function's body, in a stable order, without its docstring and argument defaults."""
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return [node for statement in body for node in ast.walk(statement)]


class _Replace(ast.NodeTransformer):
    def __init__(self, target: ast.AST, change: Callable[[ast.AST], ast.AST]) -> None:
        self.target, self.change = target, change

    def generic_visit(self, node: ast.AST) -> ast.AST:
        if node is self.target:
            return self.change(node)
        return super().generic_visit(node)


def _describe(node: ast.AST, before: str, change: Callable[[ast.AST], ast.AST]) -> str:
    after = change(copy.deepcopy(node))
    if isinstance(node, (ast.For, ast.While)) and isinstance(after, (ast.For, ast.While)):
        kept = {ast.unparse(s) for s in after.body}
        dropped = next(s for s in node.body if ast.unparse(s) not in kept)
        return f"line {dropped.lineno}: `{ast.unparse(dropped)}` left out"
    return f"line {node.lineno}: `{before}` → `{ast.unparse(after)}`"


def mutants(source: str, functions: tuple[str, ...]) -> list[Mutant]:
    """Every mutant of ``functions`` in ``source``, deduplicated, in a stable order."""
    tree = ast.parse(source)
    original = ast.unparse(tree)
    seen = {original}
    out = []
    for function in functions:
        count = 0
        definition = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function)
        for index, node in enumerate(_sites(definition)):
            for operator, change in _changes(node):
                copied = copy.deepcopy(tree)
                defn = next(n for n in copied.body if isinstance(n, ast.FunctionDef) and n.name == function)
                target = _sites(defn)[index]
                before = ast.unparse(target)
                mutated = ast.fix_missing_locations(_Replace(target, change).visit(copied))
                text = ast.unparse(mutated)
                if text in seen:
                    continue
                seen.add(text)
                count += 1
                out.append(Mutant(id=f"{function}/{operator}/{count}", function=function, operator=operator,
                                  description=_describe(node, before, change), source=text))
    return out
