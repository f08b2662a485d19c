"""The same job on a real distributed engine (Beam's Dask runner on a local dask.distributed
cluster with worker processes) and the multi-process local mode give the same extract as the
in-process local runner."""

from __future__ import annotations

import os

import duckdb
import pytest

from tests.conftest import TEST_KEY, run_triage

pytestmark = pytest.mark.slow
TABLES = ("reports", "clusters", "attributions", "suspects", "cluster_timeseries", "quarantine")


@pytest.fixture(scope="module")
def tiny_replay(tmp_path_factory):
    from pipeline.replay.generate import simulate

    out = tmp_path_factory.mktemp("tiny")
    simulate(out, seed=5, scale=0.02)
    return out


def test_dask_runner_matches_local_runner(tiny_replay, tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    # Workers read the key from their own environment, as production workers do.
    monkeypatch.setenv("TRIAGE_PSEUDONYM_KEY", TEST_KEY)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    try:
        dask = run_triage(
            tiny_replay,
            tmp_path / "dask",
            "--runner",
            "dask",
            f"--beam-arg=--dask_client_address={cluster.scheduler_address}",
        )
    finally:
        cluster.close()
    assert dask.returncode == 0, dask.stderr[-3000:]
    local = run_triage(tiny_replay, tmp_path / "local")
    assert local.returncode == 0, local.stderr[-3000:]
    # The multi-process local mode (one SDK worker process per core) gives the same too.
    multi = run_triage(
        tiny_replay, tmp_path / "multi", "--runner", "multiprocess", "--workers", "2"
    )
    assert multi.returncode == 0, multi.stderr[-3000:]
    b = duckdb.connect(str(tmp_path / "local/triage.duckdb"), read_only=True)
    assert b.execute("select count(*) from reports").fetchone()[0] > 300
    for other in ("dask", "multi"):
        a = duckdb.connect(str(tmp_path / other / "triage.duckdb"), read_only=True)
        for table in TABLES:
            got = a.execute(f"select * from {table}").fetchall()
            assert got == b.execute(f"select * from {table}").fetchall(), (other, table)
    assert os.environ["TRIAGE_PSEUDONYM_KEY"] == TEST_KEY
