"""`build_tables` and `traffic_hourly` at the edges mutation testing found untested.

A run in which no cluster reaches K, two reports out of id order, the joined reports handed
over as an Arrow table (as the pipeline does) rather than dicts, records that lack optional
columns, a published background cluster (never attributed), traffic of a single row.
Fast: hand-made records, no models. Function-scoped fixtures (see
test_publication_boundary.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from joins import schemas
from pipeline.run.attributed import build_tables, records_table, traffic_hourly
from pipeline.run.epoch import HOUR_US, to_us
from tests.pipeline.test_publication_boundary import (
    DIMS,
    T0,
    _deploys,
    _info,
    _record,
    _records,
    _traffic,
)


def test_a_run_without_any_published_cluster():
    out = build_tables(_records(), _info(), _traffic(), _deploys(), DIMS, min_users=100)
    clusters = out["clusters"].to_pylist()
    assert clusters and not any(c["published"] for c in clusters)
    assert out["reports"].column("comment_redacted").null_count == out["reports"].num_rows
    for name in ("attributions", "suspects", "findings"):
        assert out[name].num_rows == 0, name


def test_two_reports_out_of_id_order_are_sorted():
    recs = [_record(1, "c", "u1", 3, "small"), _record(0, "c", "u2", 2, "big")]
    out = build_tables(recs, {}, _traffic(), _deploys(), DIMS, min_users=1)
    assert out["reports"].column("report_id").to_pylist() == ["c-000", "c-001"]


def test_an_arrow_table_of_records_gives_the_same_tables_as_dicts():
    recs = _records()
    want = build_tables([dict(r) for r in recs], _info(), _traffic(), _deploys(), DIMS, 5)
    got = build_tables(records_table(recs), _info(), _traffic(), _deploys(), DIMS, 5)
    for name, table in want.items():
        assert got[name].equals(table), name


def test_columns_a_record_lacks_are_null_of_their_type():
    recs = _records()
    for r in recs:
        del r["tags"], r["surface"]
    out = build_tables(recs, _info(), _traffic(), _deploys(), DIMS, 5)
    rep = out["reports"]
    assert rep.schema == schemas.reports_schema(DIMS)
    assert rep.column("tags").null_count == rep.column("surface").null_count == rep.num_rows


def test_a_published_background_cluster_is_never_attributed():
    # "bg" has 48 users (published) and its reports lean on the small pool from hour 24,
    # like the bug clusters; being background it gets no attribution, suspect or finding.
    recs = _records()
    for r in recs:
        if r["cluster_id"] == "bg" and r["submitted_hour_us"] >= recs[24]["submitted_hour_us"]:
            r["server_pool"] = "small"
    out = build_tables(recs, _info(), _traffic(), _deploys(), DIMS, 5)
    assert {c["cluster_id"] for c in out["clusters"].to_pylist() if c["published"]} >= {"bg"}
    for name in ("attributions", "suspects", "cluster_timeseries"):
        assert "bg" not in set(out[name].column("cluster_id").to_pylist()), name
    assert "at_k" in set(out["attributions"].column("cluster_id").to_pylist())


def test_traffic_hourly_of_a_single_row():
    h = datetime(2025, 8, 31, 17, tzinfo=UTC)
    traffic = pa.table(
        {
            "hour": pa.array([h], schemas.UTC_TS),
            "server_pool": ["a"],
            "requests": pa.array([3], pa.int64()),
        }
    )
    out = traffic_hourly(traffic, ["server_pool"])
    assert [(r["dimension"], r["value"], r["requests"]) for r in out.to_pylist()] == [
        ("server_pool", "a", 3)
    ]


def test_a_value_with_two_users_is_reported_even_when_it_explains_nothing():
    # Two users' four reports on the busy pool: far below what traffic predicts (no finding
    # restates it), yet two users are enough for the row.
    recs = _records()
    for i, user in enumerate(["k1", "k2"] * 2):
        recs.append(_record(100 + i, "at_k", user, 30, "big"))
    out = build_tables(recs, _info(), _traffic(), _deploys(), DIMS, min_users=5)
    rows = {(r["cluster_id"], r["value"]): r for r in out["attributions"].to_pylist()}
    assert (rows[("at_k", "big")]["users"], rows[("at_k", "big")]["reports"]) == (2, 4)
    assert rows[("at_k", "big")]["lift"] < 1


def test_run_wide_findings_use_the_runs_k():
    # A new pool (traffic from hour 24) draws 40 complaints from 4 users: with K = 3 that is
    # a run-wide finding, which the default K of 5 would not allow.
    rows = [
        (h, pool, req)
        for h in range(48)
        for pool, req in (("big", 990_000), ("small", 10_000))
        if pool == "big" or h >= 24
    ]
    traffic = pa.table(
        {
            "hour": pa.array([to_us(T0) + h * HOUR_US for h, _, _ in rows], pa.int64()).cast(
                schemas.UTC_TS
            ),
            "server_pool": [p for _, p, _ in rows],
            "requests": pa.array([r for _, _, r in rows], pa.int64()),
        }
    )
    recs = [_record(i, "bg", f"bg{i}", i % 48, "big") for i in range(480)]
    recs += [_record(j, "at_k", f"s{j % 4}", 24 + (j * 7) % 24, "small") for j in range(40)]
    out = build_tables(recs, _info(), traffic, [], DIMS, min_users=3)
    run_wide = [r for r in out["findings"].to_pylist() if r["cluster_id"] is None]
    assert [(r["value"], r["users"], r["reports"]) for r in run_wide] == [("small", 4, 40)]
