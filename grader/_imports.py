"""Inside the sandbox: the modules a submission may import besides the preloaded ones, namely the assignment's
helper modules (the code the grader compiled and sends) and inert stand-ins for display-only libraries (plotting),
so that ``import matplotlib.pyplot as plt`` and every use of ``plt`` cost nothing and fail nothing."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import marshal
import types
from typing import Any

__all__ = ["Provider"]


class _Inert:
    """Absorbs any use: calls, attributes, items, context managers, arithmetic. Used for plotting libraries."""

    def __call__(self, *args: Any, **kwargs: Any) -> _Inert:
        return self

    def __getattr__(self, name: str) -> _Inert:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self

    def __getitem__(self, key: Any) -> _Inert:
        return self

    def __setitem__(self, key: Any, value: Any) -> None:
        pass

    def __iter__(self) -> Any:  # `fig, ax = plt.subplots()`
        return iter((self, self))

    def __enter__(self) -> _Inert:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def __repr__(self) -> str:
        return "<inert stand-in>"


class _StubModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _Inert()


class Provider(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds the assignment's helper modules (marshalled code objects) and stubbed packages, before anything else."""

    def __init__(self, helpers: dict[str, Any], stubs: list[str]) -> None:
        self.helpers = helpers
        self.stubs = tuple(stubs)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname in self.helpers:
            return importlib.machinery.ModuleSpec(fullname, self, origin=f"<helper {fullname}>")
        if fullname.split(".")[0] in self.stubs:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: Any) -> types.ModuleType | None:
        if spec.name in self.helpers:
            return None
        module = _StubModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        code = self.helpers.get(module.__name__)
        if code is not None:
            exec(marshal.loads(code), module.__dict__)
