"""Hourly report counts and rates per million requests, per cluster."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from joins import schemas
from joins.columns import encode, hour_timestamps, hours_of

# The contract's table, from the one schema module (pyarrow only, no Beam).
TIMESERIES_SCHEMA = schemas.CLUSTER_TIMESERIES


def total_requests_by_hour(traffic: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """(epoch hours, total requests) over all of traffic, sorted by hour."""
    if traffic.num_rows == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    h = hours_of(traffic.column("hour"))
    req = pc.fill_null(traffic.column("requests"), 0).to_numpy().astype(np.int64)
    hours, inv = np.unique(h, return_inverse=True)
    return hours, np.bincount(inv, req, minlength=len(hours)).astype(np.int64)


def cluster_timeseries(
    reports: pa.Table,
    traffic: pa.Table | None,
    *,
    start_hour: int | None = None,
    end_hour: int | None = None,
) -> pa.Table:
    """One row per (cluster, hour) over the run's whole span, zero hours included.

    Args:
        reports: ``cluster_id`` (null rows ignored) and ``submitted_hour`` (timestamp).
        traffic: ``hour`` and ``requests``; None leaves ``requests``/``rate`` null.
        start_hour / end_hour: epoch hours (inclusive) to span; default the first and last
            report hour of any cluster, so every cluster's series starts before its onset.

    Returns:
        CLUSTER_TIMESERIES rows sorted by (cluster_id, hour). ``requests`` is the *total*
        traffic of that hour (all dimensions: the cluster's own slice is unknown before
        attribution); ``rate_per_million`` = reports / requests * 1e6, null where the hour
        has no traffic.
    """
    for col in ("cluster_id", "submitted_hour"):
        if col not in reports.column_names:
            raise ValueError(f"reports lack the column {col!r}")
    reports = reports.filter(pc.is_valid(reports.column("cluster_id")))
    if reports.num_rows == 0:
        return TIMESERIES_SCHEMA.empty_table()
    cl, clusters = encode(reports.column("cluster_id"))
    h = hours_of(reports.column("submitted_hour"))
    lo = int(h.min()) if start_hour is None else int(start_hour)
    hi = int(h.max()) if end_hour is None else int(end_hour)
    if hi < lo:
        raise ValueError("end_hour is before start_hour")
    H, C = hi - lo + 1, len(clusters)
    keep = (h >= lo) & (h <= hi)
    counts = np.bincount(cl[keep] * H + (h[keep] - lo), minlength=C * H)
    span = np.arange(lo, hi + 1)
    req = np.full(H, -1, dtype=np.int64)
    if traffic is not None:
        th, tr = total_requests_by_hour(traffic)
        ok = (th >= lo) & (th <= hi)
        req[th[ok] - lo] = tr[ok]
    req_all = np.tile(req, C)
    has = req_all > 0
    rate = np.where(has, counts / np.where(has, req_all, 1) * 1e6, np.nan)
    return pa.table(
        {
            "cluster_id": pa.array(np.repeat(np.array(clusters, dtype=object), H), pa.string()),
            "hour": pa.chunked_array([hour_timestamps(np.tile(span, C))]),
            "reports": pa.array(counts.astype(np.int64)),
            "requests": pa.array(req_all, mask=req_all < 0),
            "rate_per_million": pa.array(rate, mask=~has),
        },
        schema=TIMESERIES_SCHEMA,
    )
