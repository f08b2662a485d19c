"""The join step's body without Beam: latest row per request, order-free, no log at all."""

from __future__ import annotations

import pyarrow as pa

from pipeline.run.joined import join_batch, keyed_routing_schema

DIMS = ["server_pool", "region"]


def _table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=keyed_routing_schema(DIMS))


def _batch():
    reports = [
        {"report_id": "r1", "request_pseudonym": "q1"},
        {"report_id": "r2", "request_pseudonym": None},
        {"report_id": "r3", "request_pseudonym": "q3"},
    ]
    return {"reports": reports, "cluster_info": {"c": 1}}


def test_latest_row_wins_whatever_the_order_of_the_tables():
    old = _table([{"request_pseudonym": "q1", "ts": 1, "server_pool": "old", "region": "eu"}])
    new = _table([{"request_pseudonym": "q1", "ts": 2, "server_pool": "new", "region": None}])
    for tables in ([old, new], [new, old]):
        out = join_batch(_batch(), tables, DIMS)
        assert out["cluster_info"] == {"c": 1}
        rows = [
            (r["report_id"], r["server_pool"], r["region"], r["joined"])
            for r in out["reports"].to_pylist()
        ]
        assert rows == [
            ("r1", "new", None, True),
            ("r2", None, None, False),
            ("r3", None, None, False),
        ]


def test_no_routing_log_leaves_every_report_unjoined():
    out = join_batch(_batch(), [], DIMS)
    rows = out["reports"].to_pylist()
    assert [r["joined"] for r in rows] == [False, False, False]
    assert all(r["server_pool"] is None for r in rows)
