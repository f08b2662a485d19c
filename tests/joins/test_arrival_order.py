"""The attribution is the same whatever order a runner delivers the reports in, and whatever
the BLAS thread count: runners (local, multi-process, Dask) must give the same extract."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from threadpoolctl import threadpool_limits

from joins import attribute
from tests.joins.conftest import TS, hour


def _hourly_traffic(hours: int, pools: list[str], seed: int) -> pa.Table:
    """Traffic whose pool shares change hour by hour (irregular request counts)."""
    rng = np.random.default_rng(seed)
    rows = {"hour": [], "server_pool": [], "model": [], "requests": []}
    for h in range(hours):
        for pool in pools:
            for model in ("m-a", "m-b", "m-c"):
                rows["hour"].append(hour(h))
                rows["server_pool"].append(pool)
                rows["model"].append(model)
                rows["requests"].append(int(rng.integers(1_000, 90_000)))
    return pa.table({k: pa.array(v, TS if k == "hour" else None) for k, v in rows.items()})


def _reports(n: int, hours: int, pools: list[str], seed: int) -> pa.Table:
    """Several users with several reports each (fractional user weights), in many hours."""
    rng = np.random.default_rng(seed)
    users = [f"u{i}" for i in range(n // 3)]
    return pa.table(
        {
            "report_id": [f"r{i:05d}" for i in range(n)],
            "cluster_id": [f"c{int(c)}" for c in rng.integers(0, 4, n)],
            "submitted_hour": pa.array([hour(int(h)) for h in rng.integers(0, hours, n)], TS),
            "user_pseudonym": [str(rng.choice(users)) for _ in range(n)],
            "session_pseudonym": [None] * n,
            "server_pool": [str(rng.choice(pools, p=[0.55, 0.2, 0.15, 0.1])) for _ in range(n)],
            "model": [str(rng.choice(["m-a", "m-b", "m-c"])) for _ in range(n)],
        }
    )


def test_attribution_is_exactly_the_same_for_any_arrival_order_and_thread_count():
    pools = ["p-1", "p-2", "p-3", "p-4"]
    traffic = _hourly_traffic(96, pools, seed=3)
    reports = _reports(3_000, 96, pools, seed=4)
    dims = ["server_pool", "model"]
    reference = attribute(reports, traffic, dimensions=dims, min_users=2, details=True)
    assert reference.num_rows > 8
    rng = np.random.default_rng(11)
    for limit in (1, None):
        shuffled = reports.take(pa.array(rng.permutation(reports.num_rows)))
        with threadpool_limits(limits=limit):
            got = attribute(shuffled, traffic, dimensions=dims, min_users=2, details=True)
        # Bit-for-bit, not approximately: the extract is compared exactly across runners.
        assert got.equals(reference), f"differs with BLAS limit {limit}"
