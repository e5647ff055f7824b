"""--executor dask against a local Dask cluster the test starts itself: the same results into the same gradebook."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from paths import EXAMPLES

from grader.cli import main
from grader.models import SubmissionResult

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.slow  # a local cluster; --executor dask without --scheduler is also in test_cli.py


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1") as local:
        yield local


def read(out):
    data = {}
    for path in out.glob("*/results.json"):
        item = SubmissionResult.from_dict(json.loads(path.read_text())).without_timings().to_dict()
        data[item["submission"]] = item
    return data


def test_dask_gives_the_local_results(cluster, tmp_path):
    batch = tmp_path / "batch"
    shutil.copytree(EXAMPLES, batch)
    runner = CliRunner()
    local = runner.invoke(main, [str(batch), "--out", str(tmp_path / "local"), "-j", "1", "-a", "shallow-nn"],
                          catch_exceptions=False)
    assert local.exit_code == 0, local.output
    remote = runner.invoke(main, [str(batch), "--out", str(tmp_path / "dask"), "--executor", "dask", "-a", "shallow-nn",
                                  "--scheduler", cluster.scheduler_address], catch_exceptions=False)
    assert remote.exit_code == 0, remote.output
    assert read(tmp_path / "local") == read(tmp_path / "dask")
    assert (tmp_path / "local" / "gradebook.csv").read_text() == (tmp_path / "dask" / "gradebook.csv").read_text()
    # The same gradebook: a local run over the Dask run's output folder finds everything already graded.
    again = runner.invoke(main, [str(batch), "--out", str(tmp_path / "dask"), "-j", "1", "-a", "shallow-nn"],
                          catch_exceptions=False)
    assert "8 submission(s) already graded; grading 0" in again.output


def test_dask_needs_a_scheduler(tmp_path):
    result = CliRunner().invoke(main, [str(EXAMPLES), "--out", str(tmp_path), "--executor", "dask"])
    assert result.exit_code == 2 and "--scheduler" in result.output
