"""A pytest plugin for benchmarks/suite_time.py: the CPU time of each test, children included, as a TSV file.

Loaded with ``-p _suite_cpu`` and ``benchmarks/`` on PYTHONPATH; writes ``seconds<TAB>node id`` lines to the file
named by ``$TEST_CPU_REPORT``. Children count when they are reaped, so a sandbox or worker counts for the test
that closes it. Under pytest-xdist each worker appends its own rows (the file starts empty for each run).
"""

from __future__ import annotations

import os
import resource
from collections.abc import Iterator
from typing import Any

import pytest

_rows: list[tuple[float, str]] = []


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: Any) -> Iterator[None]:
    started = _cpu()
    yield
    _rows.append((_cpu() - started, item.nodeid))


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = os.environ.get("TEST_CPU_REPORT")
    if target:
        with open(target, "a", encoding="utf-8") as fh:  # each xdist worker adds its own tests' rows
            fh.writelines(f"{seconds:.3f}\t{nodeid}\n" for seconds, nodeid in _rows)
