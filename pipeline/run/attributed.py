"""The attribution step's body: joined, clustered reports in; the extract's tables out.

Plain Python over the `joins` library (pyarrow in, pyarrow out); `AttributeClusters` runs it
in Beam. Applies the publication threshold: a cluster with fewer than K distinct users keeps
its counts only.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from joins import schemas
from pipeline.run.epoch import from_us, to_us

UNPUBLISHED_LABEL = "unpublished cluster (fewer than {k} users)"


def records_table(records: list[dict]) -> pa.Table:
    """Records (dicts) as a table with one column per key any of them has (absent: null)."""
    keys = dict.fromkeys(k for r in records for k in r)
    return pa.table({k: [r.get(k) for r in records] for k in keys})


def _records_table(table: pa.Table, dimensions: list[str]) -> pa.Table:
    """The `reports` table of the records ``table``, column by column: no Python object per
    report (at a million reports a dict per row took ~9 GB)."""
    schema = schemas.reports_schema(dimensions)
    columns = []
    for field in schema:
        name = "submitted_hour_us" if field.name == "submitted_hour" else field.name
        if name not in table.column_names:
            columns.append(pa.nulls(table.num_rows, field.type))
            continue
        col = table.column(name)
        if field.name == "submitted_hour":  # int microseconds -> timestamp column
            col = col.cast(pa.int64()).cast(field.type)
        else:
            col = col.cast(field.type)
        if field.name == "symptoms":  # null -> []
            col = pc.if_else(pc.is_null(col), pa.scalar([], field.type), col)
        columns.append(col)
    return pa.Table.from_arrays(columns, schema=schema)


def _sorted_by_report_id(table: pa.Table) -> pa.Table:
    if table.num_rows < 2:  # an empty run's table may have no columns at all
        return table
    ids = table.column("report_id")
    if pc.all(pc.less_equal(ids.slice(0, len(ids) - 1), ids.slice(1))).as_py():
        return table  # already sorted (as the clustering step leaves it): no copy
    return table.take(pc.sort_indices(ids))


def _cluster_stats(reports: pa.Table) -> dict[str, dict]:
    """Per cluster id: reports, distinct users, distinct sessions (the user's when a report
    has none), first and last hour (int microseconds), and its top symptoms
    (`clustering.top_symptoms`: the extract's share and length; ties go to the symptom first
    seen in report id order)."""
    from clustering import top_symptoms_flat  # deferred: the detectors' tables (worker)

    cid = reports.column("cluster_id")
    user = reports.column("user_pseudonym")
    session = reports.column("session_pseudonym")
    no_session = pc.or_kleene(pc.is_null(session), pc.equal(session, ""))
    session = pc.if_else(pc.fill_null(no_session, True), user, session)
    hour = reports.column("submitted_hour").cast(pa.int64())
    groups = (
        pa.table({"c": cid, "u": user, "s": session, "h": hour})
        .group_by("c")
        .aggregate(
            [
                ("c", "count", pc.CountOptions(mode="all")),
                ("u", "count_distinct", pc.CountOptions(mode="all")),
                ("s", "count_distinct", pc.CountOptions(mode="all")),
                ("h", "min"),
                ("h", "max"),
            ]
        )
    )
    stats = {
        row["c"]: {
            "n": row["c_count"],
            "users": row["u_count_distinct"],
            "sessions": row["s_count_distinct"],
            "first": row["h_min"],
            "last": row["h_max"],
            "top_symptoms": [],
        }
        for row in groups.to_pylist()
    }
    # Columnar: cluster ids as dictionary codes, symptoms flat with their report's row.
    codes = pc.dictionary_encode(cid.combine_chunks())
    symptoms = reports.column("symptoms").combine_chunks()
    flat, rows = pc.list_flatten(symptoms), pc.list_parent_indices(symptoms)
    named = pc.is_valid(flat)
    top = top_symptoms_flat(
        codes.indices.to_numpy(zero_copy_only=False),
        rows.filter(named).to_numpy(),
        flat.filter(named).to_numpy(zero_copy_only=False),
    )
    for code, names in top.items():
        stats[codes.dictionary[code].as_py()]["top_symptoms"] = names
    return stats


def traffic_hourly(traffic: pa.Table | None, dimensions: list[str]) -> pa.Table:
    """Requests per (hour, dimension, value): traffic summed over every other dimension."""
    if traffic is None or traffic.num_rows == 0:
        return schemas.TRAFFIC_HOURLY.empty_table()
    import duckdb

    con = duckdb.connect()
    con.register("traffic", traffic)
    parts = [
        f"select hour, '{d}' as dimension, \"{d}\" as value, sum(requests)::bigint as requests "
        f'from traffic where "{d}" is not null group by all'
        for d in dimensions
        if d in traffic.column_names
    ]
    if not parts:
        return schemas.TRAFFIC_HOURLY.empty_table()
    table = con.execute(" union all ".join(parts) + " order by 1, 2, 3").to_arrow_table()
    con.close()
    return schemas.conform(table, schemas.TRAFFIC_HOURLY)


def build_tables(
    records: list[dict] | pa.Table,
    cluster_info: dict,
    traffic: pa.Table | None,
    deploys: list[dict],
    dimensions: list[str],
    min_users: int = 5,
    previous_first_seen: dict | None = None,
) -> dict[str, pa.Table]:
    """reports, clusters, attributions, findings (with their series), suspects and
    cluster_timeseries for one run. Findings and suspects only for published clusters; a
    run-wide finding counts reports of published clusters only and has at least K users.

    ``records``: the joined, clustered reports as a table (as `joined.join_batch` gives
    them) or as dicts; every step is columnar."""
    from joins import (  # deferred: scipy (worker)
        ClusterAttributor,
        cluster_timeseries,
        sticky_concentration,
    )
    from joins.causes import find_causes  # deferred: scipy (worker)

    table = records if isinstance(records, pa.Table) else records_table(records)
    reports = _records_table(_sorted_by_report_id(table), dimensions)
    del table
    stats = _cluster_stats(reports)
    first = {cid: s["first"] for cid, s in stats.items()}
    for cid, seen in (previous_first_seen or {}).items():
        if cid in first and seen is not None:
            first[cid] = min(first[cid], to_us(seen))
    published = {cid for cid, s in stats.items() if s["users"] >= min_users}

    # Unpublished clusters keep their counts only: no text of theirs is in the extract.
    cluster_id = reports.column("cluster_id")
    is_published = pc.fill_null(
        pc.is_in(cluster_id, pa.array(sorted(published), pa.string())), False
    )
    for name in ("comment_redacted", "response_redacted", "symptom_evidence"):
        i = reports.schema.get_field_index(name)
        blank = pc.if_else(is_published, reports.column(i), pa.scalar(None, pa.string()))
        reports = reports.set_column(i, reports.schema.field(i), blank)
    # The joins library reads ids, hours, dimensions and symptoms: the texts stay out of its
    # copies (a filter copies every column it keeps).
    lean = reports.drop_columns(["comment_redacted", "response_redacted", "symptom_evidence"])

    attributable = [
        cid for cid in sorted(published) if not cluster_info.get(cid, {}).get("is_background")
    ]
    mask = pc.fill_null(pc.is_in(cluster_id, pa.array(attributable, pa.string())), False)
    subset = lean.filter(mask)
    attributions = ClusterAttributor(min_users=2).fit(subset, traffic, dimensions).attributions_
    timeseries = cluster_timeseries(subset, traffic)
    deploys_table = pa.Table.from_pylist(deploys, schema=schemas.DEPLOYS)
    causes = find_causes(
        subset,
        lean.filter(is_published),
        traffic,
        deploys_table,
        dimensions=dimensions,
        attributions=attributions,
        timeseries=timeseries,
        min_users=min_users,
    )
    attributions, suspects = causes["attributions"], causes["suspects"]
    sticky = {row["cluster_id"]: row for row in sticky_concentration(lean).to_pylist()}

    cluster_rows = []
    for cid in sorted(stats):
        info = cluster_info.get(cid, {})
        is_pub = cid in published
        label = info.get("label") if is_pub else UNPUBLISHED_LABEL.format(k=min_users)
        n = stats[cid]["n"]
        st = sticky.get(cid, {})
        cluster_rows.append(
            {
                "cluster_id": cid,
                "label": label or f"cluster {cid}",
                "n_reports": n,
                "n_users": stats[cid]["users"],
                "n_sessions": stats[cid]["sessions"],
                "first_seen": from_us(first[cid]),
                "last_seen": from_us(stats[cid]["last"]),
                "top_symptoms": stats[cid]["top_symptoms"],
                "published": is_pub,
                "is_background": bool(info.get("is_background", False)),
                "sticky_concentration": st.get("sticky_concentration"),
                "sticky_flag": st.get("sticky_flag"),
                "centroid": info.get("centroid") if is_pub else None,
            }
        )
    return {
        "traffic_hourly": traffic_hourly(traffic, dimensions),
        "deploys": deploys_table,
        "reports": reports,
        "clusters": pa.Table.from_pylist(cluster_rows, schema=schemas.CLUSTERS),
        "attributions": schemas.conform(attributions, schemas.ATTRIBUTIONS),
        "suspects": schemas.conform(suspects, schemas.SUSPECTS),
        "findings": schemas.conform(causes["findings"], schemas.FINDINGS),
        "finding_timeseries": schemas.conform(
            causes["finding_timeseries"], schemas.FINDING_TIMESERIES
        ),
        "cluster_timeseries": schemas.conform(timeseries, schemas.CLUSTER_TIMESERIES),
    }
