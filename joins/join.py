"""Join reports to the routing log on the (already keyed) request id, in DuckDB."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from joins.columns import as_string
from joins.schemas import dimension_columns, quote_identifier

REPORT_KEY = "request_pseudonym"
ROUTING_KEY = "request_id"


def join_reports(
    reports: pa.Table,
    routing: pa.Table,
    *,
    report_key: str = REPORT_KEY,
    routing_key: str = ROUTING_KEY,
    threads: int | None = None,
) -> pa.Table:
    """Left-join reports to routing; one output row per report, in the reports' order.

    Args:
        reports: any columns plus ``report_key`` (string, nullable: null never joins).
        routing: ``routing_key`` (string), ``ts`` (timestamp, optional) and dimension columns:
            every string column except the key is a dimension, named by the contract or not.
        threads: DuckDB threads (None = DuckDB's default, all cores).

    Returns:
        ``reports`` with every routing dimension column appended (a report column of the same
        name is replaced) as ``string``, plus ``joined`` (bool). A request that appears several
        times in routing contributes one row: the latest ``ts``, ties broken by the dimension
        values in column order (nulls last), so the result does not depend on row order.
        Reports without a match get null dimensions and ``joined = False``.

    Raises:
        ValueError: a key column is missing or not a string column.
    """
    if report_key not in reports.column_names:
        raise ValueError(f"reports lack the key column {report_key!r}")
    if routing_key not in routing.column_names:
        raise ValueError(f"routing lacks the key column {routing_key!r}")
    dims = dimension_columns(routing.schema, skip=(routing_key,))
    keys = as_string(reports.column(report_key))
    rkeys = as_string(routing.column(routing_key))

    # Only the keys and the dimension columns travel to DuckDB: report text never does.
    left = pa.table({"__i": pa.array(range(reports.num_rows), pa.int64()), "__k": keys})
    right_cols = {"__k": rkeys}
    has_ts = "ts" in routing.column_names
    if has_ts:
        right_cols["__ts"] = routing.column("ts")
    for d in dims:
        right_cols[d] = as_string(routing.column(d))
    right = pa.table(right_cols)

    order = (["__ts DESC NULLS LAST"] if has_ts else []) + [
        f"{quote_identifier(d)} ASC NULLS LAST" for d in dims
    ]
    dim_sel = ", ".join(f"d.{quote_identifier(d)}" for d in dims)
    sql = f"""
        WITH m AS (
            SELECT * FROM right_t WHERE __k IN (SELECT __k FROM left_t WHERE __k IS NOT NULL)
        ), d AS (
            SELECT * FROM m
            QUALIFY row_number() OVER (PARTITION BY __k ORDER BY {", ".join(order) or "__k"}) = 1
        )
        SELECT l.__i, d.__k IS NOT NULL AS joined{", " + dim_sel if dims else ""}
        FROM left_t l LEFT JOIN d ON l.__k = d.__k
        ORDER BY l.__i
    """
    con = duckdb.connect(":memory:")
    try:
        if threads is not None:
            con.execute(f"SET threads = {int(threads)}")
        con.register("left_t", left)
        con.register("right_t", right)
        joined = con.sql(sql).to_arrow_table()
    finally:
        con.close()

    out = reports.drop_columns([c for c in [*dims, "joined"] if c in reports.column_names])
    for d in dims:
        out = out.append_column(pa.field(d, pa.string()), as_string(joined.column(d)))
    return out.append_column(pa.field("joined", pa.bool_(), nullable=False), joined["joined"])
