"""The join step's body: the clustered batch + the routing rows of its requests -> every
report with the routing dimensions.

Plain Python over `joins.join_reports` (DuckDB); `stages.JoinRouting` runs it in Beam. The
routing rows arrive as small Arrow tables, one per routing file, already keyed by request
pseudonym and cut down to the requests that have a report (`inputs.ReadRouting`), so the
500k-row log never travels through the runner row by row.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

REQUEST_KEY = "request_pseudonym"


def keyed_routing_schema(dimensions: list[str]) -> pa.Schema:
    """The keyed routing rows: request pseudonym, ts (int microseconds), every dimension.
    (The raw input's schema, with request_id and a timestamp, is `schemas.routing_schema`.)"""
    return pa.schema(
        [pa.field(REQUEST_KEY, pa.string()), pa.field("ts", pa.int64())]
        + [pa.field(d, pa.string()) for d in dimensions]
    )


def join_batch(batch: dict, routing: Iterable[pa.Table], dimensions: list[str]) -> dict:
    """``batch`` (``{"reports": table (or a list of records), "cluster_info": ...}``) with
    the reports as a table given each of ``dimensions`` (None when unknown) and ``joined``
    (its request is in the log).

    A request logged more than once takes its latest row (ties: `joins.join_reports`'s rule),
    so the result does not depend on the order the runner delivered the tables in.
    """
    from joins import join_reports  # deferred: scipy (worker)

    reports = batch["reports"]
    if not isinstance(reports, pa.Table):
        reports = pa.Table.from_pylist(list(reports))
    if REQUEST_KEY not in reports.column_names:  # the empty run (or records without the key)
        reports = reports.append_column(REQUEST_KEY, pa.nulls(reports.num_rows, pa.string()))
    schema = keyed_routing_schema(dimensions)
    tables = [t.select(schema.names).cast(schema) for t in routing if t.num_rows]
    log = pa.concat_tables(tables) if tables else schema.empty_table()
    keys = pa.table({REQUEST_KEY: reports.column(REQUEST_KEY).cast(pa.string())})
    joined = join_reports(keys, log, report_key=REQUEST_KEY, routing_key=REQUEST_KEY)
    out = reports.drop_columns([c for c in [*dimensions, "joined"] if c in reports.column_names])
    for d in dimensions:
        out = out.append_column(pa.field(d, pa.string()), joined.column(d))
    out = out.append_column(pa.field("joined", pa.bool_()), joined.column("joined"))
    return {**batch, "reports": out}
