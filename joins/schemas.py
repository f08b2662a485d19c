"""The data contract (../shared/CONTRACT.md, v1) as pyarrow schemas.

This module is the single source of truth for every table the project reads or writes:
readers validate against it, writers cast to it, tests and the data dictionary import it.
It imports nothing but pyarrow so the pure libraries and the dashboard can use it without
pulling in Beam.
"""

from __future__ import annotations

import pyarrow as pa

CONTRACT_VERSION = "1"

UTC_TS = pa.timestamp("us", tz="UTC")
STRINGS = pa.list_(pa.string())

# Routing dimensions the contract names; any other string column of the routing log is a
# dimension too (see `dimension_columns`).
NAMED_DIMENSIONS: tuple[str, ...] = (
    "model",
    "platform",
    "hardware",
    "server_pool",
    "deploy_id",
    "region",
)

REPORT_KINDS: tuple[str, ...] = ("bug", "thumbs_down")

# ---------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------

#: feedback/*.jsonl, after parsing. ``submitted_at`` is normalised to UTC.
FEEDBACK = pa.schema(
    [
        pa.field("report_id", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("submitted_at", UTC_TS, nullable=False),
        pa.field("user_id", pa.string(), nullable=False),
        pa.field("session_id", pa.string()),
        pa.field("request_id", pa.string()),
        pa.field("model", pa.string()),
        pa.field("surface", pa.string()),
        pa.field("comment", pa.string()),
        pa.field("response_excerpt", pa.string()),
        pa.field("client_version", pa.string()),
        pa.field("tags", STRINGS),
    ]
)
FEEDBACK_REQUIRED: tuple[str, ...] = ("report_id", "kind", "submitted_at", "user_id")

#: routing/*.parquet: the required columns; every other string column is a dimension.
ROUTING_BASE = pa.schema(
    [
        pa.field("request_id", pa.string(), nullable=False),
        pa.field("ts", UTC_TS, nullable=False),
    ]
    + [pa.field(name, pa.string()) for name in NAMED_DIMENSIONS]
)

#: traffic/*.parquet: the required columns, plus the same dimension columns as routing.
TRAFFIC_BASE = pa.schema(
    [pa.field("hour", UTC_TS, nullable=False)]
    + [pa.field(name, pa.string()) for name in NAMED_DIMENSIONS]
    + [pa.field("requests", pa.int64(), nullable=False)]
)

#: deploys/*.jsonl
DEPLOYS = pa.schema(
    [
        pa.field("deploy_id", pa.string(), nullable=False),
        pa.field("started_at", UTC_TS, nullable=False),
        pa.field("finished_at", UTC_TS),
        pa.field("component", pa.string()),
        pa.field("description", pa.string()),
        pa.field("platform", pa.string()),
        pa.field("hardware", pa.string()),
        pa.field("server_pool", pa.string()),
        pa.field("model", pa.string()),
    ]
)
DEPLOY_SCOPE_FIELDS: tuple[str, ...] = ("platform", "hardware", "server_pool", "model")


def routing_schema(extra_dimensions: list[str] | tuple[str, ...] = ()) -> pa.Schema:
    """The routing schema with extra string dimension columns appended, in order."""
    return _with_dimensions(ROUTING_BASE, extra_dimensions, before=None)


def traffic_schema(extra_dimensions: list[str] | tuple[str, ...] = ()) -> pa.Schema:
    """The traffic schema with extra string dimension columns before ``requests``."""
    return _with_dimensions(TRAFFIC_BASE, extra_dimensions, before="requests")


def _with_dimensions(base: pa.Schema, extra: list[str] | tuple[str, ...], before: str | None):
    fields = list(base)
    new = [pa.field(name, pa.string()) for name in extra if name not in base.names]
    if before is None:
        return pa.schema(fields + new)
    i = base.get_field_index(before)
    return pa.schema(fields[:i] + new + fields[i:])


def is_string_type(t: pa.DataType) -> bool:
    """True for string, large_string, string_view and dictionary<_, string>."""
    if pa.types.is_dictionary(t):
        return is_string_type(t.value_type)
    return (
        pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or (hasattr(pa.types, "is_string_view") and pa.types.is_string_view(t))
    )


def dimension_columns(
    schema: pa.Schema, skip: tuple[str, ...] | frozenset[str] = ("request_id",)
) -> list[str]:
    """The one rule for dimensions: every string column of a schema not in ``skip``, in order.

    The contract makes every string column of the routing log and traffic a dimension,
    including ones it does not name (``context_tier``, ``sampler_build``). For the extract's
    ``reports`` table, skip its base columns (`report_dimension_columns`).
    """
    return [f.name for f in schema if f.name not in skip and is_string_type(f.type)]


def quote_identifier(name: str) -> str:
    """``name`` as a double-quoted SQL identifier (standard SQL and DuckDB: quotes doubled).

    Every dimension is a column named by the input's owner, so every query that names one
    quotes it with this.
    """
    return '"' + name.replace('"', '""') + '"'


# ---------------------------------------------------------------------------------------
# Outputs: the extract (OUT/triage.duckdb and OUT/parquet/<table>.parquet)
# ---------------------------------------------------------------------------------------

#: reports: the routing dimension columns are appended per run (`reports_schema`).
REPORTS_BASE = pa.schema(
    [
        pa.field("report_id", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("submitted_hour", UTC_TS, nullable=False),
        pa.field("user_pseudonym", pa.string(), nullable=False),
        pa.field("session_pseudonym", pa.string()),
        pa.field("request_pseudonym", pa.string()),
        pa.field("surface", pa.string()),
        pa.field("reported_model", pa.string()),
        pa.field("comment_redacted", pa.string()),
        pa.field("response_redacted", pa.string()),
        pa.field("tags", STRINGS),
        pa.field("symptoms", STRINGS, nullable=False),
        pa.field("symptom_evidence", pa.string()),
        pa.field("cluster_id", pa.string()),
        pa.field("joined", pa.bool_(), nullable=False),
        # Fields cut to the input limits on read (comment, response_excerpt, model, surface,
        # client_version, tags; pipeline.run.validate.InputLimits): empty when none was.
        pa.field("truncated_fields", STRINGS),
    ]
)

CLUSTERS = pa.schema(
    [
        pa.field("cluster_id", pa.string(), nullable=False),
        pa.field("label", pa.string(), nullable=False),
        pa.field("n_reports", pa.int64(), nullable=False),
        pa.field("n_users", pa.int64(), nullable=False),
        pa.field("n_sessions", pa.int64(), nullable=False),
        pa.field("first_seen", UTC_TS, nullable=False),
        pa.field("last_seen", UTC_TS, nullable=False),
        pa.field("top_symptoms", STRINGS, nullable=False),
        pa.field("published", pa.bool_(), nullable=False),
        pa.field("is_background", pa.bool_(), nullable=False),
        pa.field("sticky_concentration", pa.float64()),
        pa.field("sticky_flag", pa.bool_()),
        pa.field("centroid", pa.list_(pa.float32())),
    ]
)

ATTRIBUTIONS = pa.schema(
    [
        pa.field("cluster_id", pa.string(), nullable=False),
        pa.field("dimension", pa.string(), nullable=False),
        pa.field("value", pa.string(), nullable=False),
        pa.field("reports", pa.int64(), nullable=False),
        pa.field("users", pa.int64(), nullable=False),
        pa.field("expected", pa.float64(), nullable=False),
        pa.field("lift", pa.float64(), nullable=False),
        pa.field("p_value", pa.float64(), nullable=False),
        pa.field("q_value", pa.float64(), nullable=False),
        pa.field("rank", pa.int64(), nullable=False),
        pa.field("baseline", pa.string(), nullable=False),
    ]
)

SUSPECTS = pa.schema(
    [
        pa.field("cluster_id", pa.string()),  # null: a suspect of a run-wide finding
        pa.field("deploy_id", pa.string(), nullable=False),
        pa.field("started_at", UTC_TS, nullable=False),
        pa.field("onset", UTC_TS, nullable=False),
        pa.field("score", pa.float64(), nullable=False),
        pa.field("reason", pa.string()),
        pa.field("finding_id", pa.string()),  # null: scored against the cluster's own series
        pa.field("match", pa.string()),
        pa.field("end", UTC_TS),
        pa.field("rollback_id", pa.string()),
        pa.field("rollback_at", UTC_TS),
    ]
)

#: One accepted cause: per cluster (explaining away) or run-wide (cluster_id null: emerging).
FINDINGS = pa.schema(
    [
        pa.field("finding_id", pa.string(), nullable=False),
        pa.field("cluster_id", pa.string()),
        pa.field("rank", pa.int64(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("symptom", pa.string()),
        pa.field("dimension", pa.string(), nullable=False),
        pa.field("value", pa.string(), nullable=False),
        pa.field("onset", UTC_TS),
        pa.field("end", UTC_TS),
        pa.field("reports", pa.int64(), nullable=False),
        pa.field("users", pa.int64(), nullable=False),
        pa.field("expected", pa.float64(), nullable=False),
        pa.field("lift", pa.float64(), nullable=False),
        pa.field("p_value", pa.float64(), nullable=False),
        pa.field("q_value", pa.float64(), nullable=False),
        pa.field("score", pa.float64(), nullable=False),
        pa.field("deploy_id", pa.string()),
        pa.field("clusters", STRINGS, nullable=False),
        pa.field("folded", STRINGS, nullable=False),
        pa.field("restates", pa.string()),
    ]
)

FINDING_TIMESERIES = pa.schema(
    [
        pa.field("finding_id", pa.string(), nullable=False),
        pa.field("hour", UTC_TS, nullable=False),
        pa.field("reports", pa.int64(), nullable=False),
        pa.field("requests", pa.int64()),
        pa.field("rate_per_million", pa.float64()),
    ]
)

CLUSTER_TIMESERIES = pa.schema(
    [
        pa.field("cluster_id", pa.string(), nullable=False),
        pa.field("hour", UTC_TS, nullable=False),
        pa.field("reports", pa.int64(), nullable=False),
        pa.field("requests", pa.int64()),
        pa.field("rate_per_million", pa.float64()),
    ]
)

QUARANTINE = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("line", pa.int64(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
    ]
)

RUNS = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("started_at", UTC_TS, nullable=False),
        pa.field("finished_at", UTC_TS, nullable=False),
        pa.field("reports_in", pa.int64(), nullable=False),
        pa.field("reports_out", pa.int64(), nullable=False),
        pa.field("quarantined", pa.int64(), nullable=False),
        pa.field("duplicates", pa.int64(), nullable=False),
        pa.field("outside_window", pa.int64(), nullable=False),
        pa.field("version", pa.string(), nullable=False),
        pa.field("contract_version", pa.string(), nullable=False),
        pa.field("options", pa.string()),
        pa.field("redactions", pa.string()),
        pa.field("audit_findings", pa.string()),
        pa.field("min_users", pa.int64(), nullable=False),
        # Reports in the extract with a field cut to the input limits (truncated_fields).
        pa.field("truncated_reports", pa.int64()),
    ]
)


#: traffic summed per hour and routing dimension value: the denominators investigators need.
TRAFFIC_HOURLY = pa.schema(
    [
        pa.field("hour", UTC_TS, nullable=False),
        pa.field("dimension", pa.string(), nullable=False),
        pa.field("value", pa.string(), nullable=False),
        pa.field("requests", pa.int64(), nullable=False),
    ]
)


def reports_schema(dimensions: list[str] | tuple[str, ...]) -> pa.Schema:
    """The extract's ``reports`` table with one nullable string column per routing dimension."""
    return _with_dimensions(REPORTS_BASE, dimensions, before=None)


#: Every table of the extract, by name, with its fixed schema (``reports`` gains dimensions).
EXTRACT_TABLES: dict[str, pa.Schema] = {
    "reports": REPORTS_BASE,
    "clusters": CLUSTERS,
    "attributions": ATTRIBUTIONS,
    "suspects": SUSPECTS,
    "findings": FINDINGS,
    "finding_timeseries": FINDING_TIMESERIES,
    "cluster_timeseries": CLUSTER_TIMESERIES,
    "quarantine": QUARANTINE,
    "traffic_hourly": TRAFFIC_HOURLY,
    "deploys": DEPLOYS,
    "runs": RUNS,
}

#: Every input table, by name.
INPUT_TABLES: dict[str, pa.Schema] = {
    "feedback": FEEDBACK,
    "routing": ROUTING_BASE,
    "traffic": TRAFFIC_BASE,
    "deploys": DEPLOYS,
}


def report_dimension_columns(reports: pa.Schema) -> list[str]:
    """The routing dimension columns of an extract's ``reports`` table, in order."""
    return dimension_columns(reports, skip=frozenset(REPORTS_BASE.names))


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Select and cast ``table`` to ``schema``; missing nullable columns become nulls.

    Raises ``ValueError`` naming the column when a required column is missing or a value
    cannot be cast (never the value itself: it may be personal data).
    """
    arrays = []
    for field in schema:
        if field.name in table.column_names:
            col = table.column(field.name)
            try:
                col = col.cast(field.type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise ValueError(f"column {field.name!r} is not {field.type}") from exc
            if not field.nullable and col.null_count:
                raise ValueError(f"column {field.name!r} has nulls but is required")
            arrays.append(col)
        elif field.nullable:
            arrays.append(pa.nulls(table.num_rows, field.type))
        else:
            raise ValueError(f"required column {field.name!r} is missing")
    return pa.Table.from_arrays(arrays, schema=schema)
