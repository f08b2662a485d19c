"""The attribution step's glue: traffic denominators per dimension value."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from joins import schemas
from pipeline.run.attributed import traffic_hourly


def test_traffic_hourly_sums_every_other_dimension():
    h = datetime(2025, 8, 31, 17, tzinfo=UTC)
    traffic = pa.table(
        {
            "hour": pa.array([h, h, h], schemas.UTC_TS),
            "server_pool": ["a", "a", "b"],
            "sampler_build": ["s1", "s2", "s1"],
            "requests": pa.array([10, 5, 7], pa.int64()),
        }
    )
    out = traffic_hourly(traffic, ["server_pool", "sampler_build", "absent"])
    assert out.schema == schemas.TRAFFIC_HOURLY
    rows = {(r["dimension"], r["value"]): r["requests"] for r in out.to_pylist()}
    assert rows == {
        ("server_pool", "a"): 15,
        ("server_pool", "b"): 7,
        ("sampler_build", "s1"): 17,
        ("sampler_build", "s2"): 5,
    }


def test_traffic_hourly_without_traffic_is_empty():
    assert traffic_hourly(None, ["model"]).num_rows == 0
