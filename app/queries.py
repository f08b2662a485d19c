"""Every query the dashboard runs against the extract: parameterized SQL, no Streamlit.

The pages and the tests call these functions; nothing else in `app/` writes SQL. Values always
travel as bound parameters; the only identifiers placed into SQL text are column names, and
those are checked against the extract's own columns first (`_column`).

Privacy: a cluster whose ``published`` flag is false is never returned by any function here
except `unpublished_counts`, which gives counts only. Every per-cluster query joins
``clusters`` and requires ``published``.

All timestamps are UTC (``SET TimeZone = 'UTC'`` on every connection). DataFrames come back
from DuckDB's ``fetchdf``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from joins.schemas import quote_identifier
from pipeline.extract.reader import open_extract
from pipeline.extract.views import report_dimensions

#: Columns of ``reports`` that the overview can filter on, besides the time range.
FILTER_COLUMNS: tuple[str, ...] = ("model", "platform", "hardware", "surface")


@dataclass(frozen=True)
class Filters:
    """What the overview and explore pages restrict reports to.

    start, end: inclusive bounds on ``reports.submitted_hour`` (UTC; None = open).
    The tuples hold accepted values of that column (empty = no restriction); a report whose
    value is null (e.g. its request did not join the routing log) is excluded by a non-empty one.
    """

    start: datetime | None = None
    end: datetime | None = None
    model: tuple[str, ...] = field(default_factory=tuple)
    platform: tuple[str, ...] = field(default_factory=tuple)
    hardware: tuple[str, ...] = field(default_factory=tuple)
    surface: tuple[str, ...] = field(default_factory=tuple)


# ---------------------------------------------------------------------------------------
# Opening the extract
# ---------------------------------------------------------------------------------------


def signature(path: str | Path) -> tuple[int, int, int, int] | None:
    """(device, inode, mtime ns, size) of the extract file, or None when it is missing.

    The pipeline swaps a new extract in with ``os.replace``, which changes the inode; a
    changed signature is how the dashboard knows to drop its cached results.
    """
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


def connect(path: str | Path) -> duckdb.DuckDBPyConnection:
    """The extract opened the one way every reader opens it (`pipeline.extract.reader`)."""
    return open_extract(path)


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = 'extract' and table_name = ? order by ordinal_position",
        [table],
    ).fetchall()


def dimensions(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The routing dimension columns of ``reports`` (the contract's one rule)."""
    return report_dimensions(con)


def _column(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """``name`` quoted for SQL, after checking it is a filterable or dimension column."""
    if name not in set(dimensions(con)) | {"surface", "kind"}:
        raise ValueError(f"unknown reports column {name!r}")
    return quote_identifier(name)


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_catalog = 'extract' and table_name = ?",
            [name],
        ).fetchone()[0]
    )


# ---------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------


def time_bounds(con: duckdb.DuckDBPyConnection) -> tuple[datetime | None, datetime | None]:
    """(first, last) ``submitted_hour`` over all reports (None, None when there are none)."""
    return con.execute("select min(submitted_hour), max(submitted_hour) from reports").fetchone()


def distinct_values(con: duckdb.DuckDBPyConnection, column: str) -> list[str]:
    """Sorted non-null values of a filter or dimension column of ``reports``."""
    col = _column(con, column)
    rows = con.execute(f"select distinct {col} from reports where {col} is not null order by 1")
    return [r[0] for r in rows.fetchall()]


def _where(con: duckdb.DuckDBPyConnection, f: Filters, alias: str = "r") -> tuple[str, list]:
    """SQL conditions (starting with ' and ') and their parameters for ``f``."""
    sql, params = [], []
    if f.start is not None:
        sql.append(f"{alias}.submitted_hour >= ?")
        params.append(f.start)
    if f.end is not None:
        sql.append(f"{alias}.submitted_hour <= ?")
        params.append(f.end)
    for name in FILTER_COLUMNS:
        values = getattr(f, name)
        if values:
            sql.append(f"list_contains(?::varchar[], {alias}.{_column(con, name)})")
            params.append(list(values))
    return "".join(" and " + s for s in sql), params


# ---------------------------------------------------------------------------------------
# Overview
# ---------------------------------------------------------------------------------------


def overview(
    con: duckdb.DuckDBPyConnection,
    f: Filters = Filters(),
    *,
    recent_hours: int = 72,
    growth_factor: float = 2.0,
    min_recent_users: int = 3,
    order: str = "growth",
) -> pd.DataFrame:
    """Published clusters with their filtered counts, growth, rank-1 cause and daily series.

    "Now" is ``f.end`` or the last report hour. The recent window is the ``recent_hours``
    ending now, the prior window the same length before it.

    Returns one row per published cluster that has a report under ``f``: cluster_id, label,
    top_symptoms (list), is_background, sticky_flag, reports, users, first_seen (the cluster's,
    unfiltered), last_seen (filtered), recent_users, prior_users, growth (recent - prior users),
    status ("new": first seen in the recent window; "growing": recent users >=
    ``growth_factor`` x prior and >= ``min_recent_users``; "background"; else "steady"),
    cause (``dimension = value`` of attribution rank 1), lift, q_value, daily (list of report
    counts per UTC day over the filtered range). Ordered by ``order``: "growth" (new and
    growing first, then growth, then users) or "size" (users, then reports).
    """
    where, params = _where(con, f)
    first, last = time_bounds(con)
    if first is None:
        return pd.DataFrame()
    start = f.start or first
    now = f.end or last
    recent_start = now - timedelta(hours=recent_hours)
    prior_start = now - timedelta(hours=2 * recent_hours)
    sql = f"""
        with f as (
            select r.cluster_id, r.user_pseudonym, r.submitted_hour
            from reports r join clusters c using (cluster_id)
            where c.published {where}
        ),
        days as (
            select unnest(generate_series(date_trunc('day', ?::timestamptz),
                                          date_trunc('day', ?::timestamptz),
                                          interval 1 day)) as day
        ),
        per_day as (
            select cluster_id, date_trunc('day', submitted_hour) as day, count(*) as n
            from f group by all
        ),
        spark as (
            select k.cluster_id, list(coalesce(p.n, 0) order by d.day) as daily
            from (select distinct cluster_id from f) k cross join days d
            left join per_day p on p.cluster_id = k.cluster_id and p.day = d.day
            group by k.cluster_id
        ),
        counts as (
            select cluster_id, count(*) as reports, count(distinct user_pseudonym) as users,
                   max(submitted_hour) as last_seen,
                   count(distinct user_pseudonym) filter (where submitted_hour > ?) as recent_users,
                   count(distinct user_pseudonym)
                       filter (where submitted_hour > ? and submitted_hour <= ?) as prior_users
            from f group by cluster_id
        ),
        cause as (
            select cluster_id, dimension || ' = ' || value as cause, lift, q_value
            from attributions where rank = 1
        )
        select c.cluster_id, c.label, c.top_symptoms, c.is_background, c.sticky_flag,
               k.reports, k.users, c.first_seen, k.last_seen, k.recent_users, k.prior_users,
               k.recent_users - k.prior_users as growth,
               case when c.is_background then 'background'
                    when c.first_seen > ? then 'new'
                    when k.recent_users >= ? * greatest(k.prior_users, 1)
                         and k.recent_users >= ? then 'growing'
                    else 'steady' end as status,
               a.cause, a.lift, a.q_value, s.daily
        from counts k join clusters c using (cluster_id)
        left join cause a using (cluster_id)
        left join spark s using (cluster_id)
    """
    args = [
        *params,
        start,
        now,
        recent_start,
        prior_start,
        recent_start,
        recent_start,
        growth_factor,
        min_recent_users,
    ]
    df = con.execute(sql, args).fetchdf()
    if df.empty:
        return df
    if order == "size":
        df = df.sort_values(["users", "reports", "cluster_id"], ascending=[False, False, True])
    else:
        prio = df["status"].map({"new": 0, "growing": 0, "steady": 1, "background": 2})
        df = (
            df.assign(_p=prio)
            .sort_values(
                ["_p", "growth", "users", "cluster_id"], ascending=[True, False, False, True]
            )
            .drop(columns="_p")
        )
    return df.reset_index(drop=True)


def unpublished_counts(con: duckdb.DuckDBPyConnection, f: Filters = Filters()) -> dict[str, int]:
    """Counts only, for clusters below the publication threshold under ``f``.

    Returns {"clusters", "reports", "users"} (distinct users across those clusters).
    """
    where, params = _where(con, f)
    row = con.execute(
        f"""select count(distinct r.cluster_id), count(*), count(distinct r.user_pseudonym)
            from reports r join clusters c using (cluster_id)
            where not c.published {where}""",
        params,
    ).fetchone()
    return {"clusters": int(row[0]), "reports": int(row[1]), "users": int(row[2])}


def totals(con: duckdb.DuckDBPyConnection, f: Filters = Filters()) -> dict[str, int]:
    """{"reports", "users", "joined"} over every report under ``f`` (any cluster or none)."""
    where, params = _where(con, f)
    row = con.execute(
        f"""select count(*), count(distinct r.user_pseudonym), count(*) filter (where r.joined)
            from reports r where true {where}""",
        params,
    ).fetchone()
    return {"reports": int(row[0]), "users": int(row[1]), "joined": int(row[2])}


# ---------------------------------------------------------------------------------------
# Cluster page
# ---------------------------------------------------------------------------------------


def published_clusters(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """cluster_id, label, n_users of every published cluster, largest first."""
    return con.execute(
        "select cluster_id, label, n_users from clusters where published "
        "order by is_background, n_users desc, cluster_id"
    ).fetchdf()


def cluster(con: duckdb.DuckDBPyConnection, cluster_id: str) -> dict | None:
    """The ``clusters`` row of a published cluster (without the centroid), or None."""
    df = con.execute(
        """select cluster_id, label, n_reports, n_users, n_sessions, first_seen, last_seen,
                  top_symptoms, is_background, sticky_concentration, sticky_flag
           from clusters where published and cluster_id = ?""",
        [cluster_id],
    ).fetchdf()
    if df.empty:
        return None
    row = df.iloc[0].to_dict()
    row["top_symptoms"] = [] if row["top_symptoms"] is None else list(row["top_symptoms"])
    return row


def rate_series(con: duckdb.DuckDBPyConnection, cluster_id: str) -> pd.DataFrame:
    """hour, reports, requests, rate_per_million of a published cluster, by hour."""
    return con.execute(
        """select t.hour, t.reports, t.requests, t.rate_per_million
           from cluster_timeseries t join clusters c using (cluster_id)
           where c.published and t.cluster_id = ? order by t.hour""",
        [cluster_id],
    ).fetchdf()


def suspects(con: duckdb.DuckDBPyConnection, cluster_id: str) -> pd.DataFrame:
    """deploy_id, started_at, onset, score, reason (and rollback_id, rollback_at where the
    extract has them) of a published cluster, one row per deploy, best first: suspects of the
    cluster's rank-1 finding, then of later findings, then of its own series."""
    have = {n for n, _ in _columns(con, "suspects")}
    rollback = ", s.rollback_id, s.rollback_at" if {"rollback_id", "rollback_at"} <= have else ""
    if "finding_id" in have and has_table(con, "findings"):
        finding_rank, join = "coalesce(f.rank, 1000000)", "left join findings f using (finding_id)"
    else:
        finding_rank, join = "1", ""
    return con.execute(
        f"""select deploy_id, started_at, onset, score, reason{rollback.replace("s.", "")}
           from (select s.deploy_id, s.started_at, s.onset, s.score, s.reason{rollback},
                        {finding_rank} as finding_rank,
                        row_number() over (partition by s.deploy_id
                                           order by {finding_rank}, s.score desc) as k
                 from suspects s join clusters c using (cluster_id) {join}
                 where c.published and s.cluster_id = ?)
           where k = 1 order by finding_rank, score desc, deploy_id""",
        [cluster_id],
    ).fetchdf()


def deploy_log(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The extract's ``deploys`` table (the change log) if it has one, else an empty frame.

    Columns: deploy_id, started_at, finished_at, component, description.
    """
    if not has_table(con, "deploys"):
        return pd.DataFrame(
            columns=["deploy_id", "started_at", "finished_at", "component", "description"]
        )
    return con.execute(
        "select deploy_id, started_at, finished_at, component, description from deploys "
        "order by started_at"
    ).fetchdf()


def attributions(
    con: duckdb.DuckDBPyConnection, cluster_id: str, *, limit: int = 25, level: float = 0.95
) -> pd.DataFrame:
    """The attribution rows of a published cluster, by rank, with a confidence interval on lift.

    Columns: rank, dimension, value, reports, users, expected, lift, lift_low, lift_high,
    q_value, baseline. The interval is the exact Poisson interval of ``reports`` at ``level``
    divided by ``expected`` (the traffic's prediction is taken as known).
    """
    df = con.execute(
        """select a.rank, a.dimension, a.value, a.reports, a.users, a.expected, a.lift,
                  a.q_value, a.baseline
           from attributions a join clusters c using (cluster_id)
           where c.published and a.cluster_id = ? order by a.rank limit ?""",
        [cluster_id, limit],
    ).fetchdf()
    low, high = poisson_interval(df["reports"].to_numpy(), level)
    exp = df["expected"].where(df["expected"] > 0)
    df.insert(df.columns.get_loc("lift") + 1, "lift_low", low / exp)
    df.insert(df.columns.get_loc("lift_low") + 1, "lift_high", high / exp)
    return df


def poisson_interval(counts, level: float = 0.95):
    """Exact (Garwood) Poisson interval of each count: two arrays (low, high), same shape."""
    import numpy as np
    from scipy.stats import chi2

    k = np.asarray(counts, dtype=float)
    a = 1.0 - level
    low = np.where(k > 0, chi2.ppf(a / 2, 2 * k) / 2, 0.0)
    high = chi2.ppf(1 - a / 2, 2 * (k + 1)) / 2
    return low, high


def pool_by_hour(con: duckdb.DuckDBPyConnection, cluster_id: str) -> pd.DataFrame:
    """server_pool, hour, reports of a published cluster's joined reports."""
    if "server_pool" not in dimensions(con):
        return pd.DataFrame(columns=["server_pool", "hour", "reports"])
    return con.execute(
        """select r.server_pool, r.submitted_hour as hour, count(*) as reports
           from reports r join clusters c using (cluster_id)
           where c.published and r.cluster_id = ? and r.server_pool is not null
           group by all order by hour, server_pool""",
        [cluster_id],
    ).fetchdf()


def reports_per_user(con: duckdb.DuckDBPyConnection, cluster_id: str) -> pd.DataFrame:
    """The sticky-session signal: reports_per_user, users (how many users sent that many)."""
    return con.execute(
        """select n as reports_per_user, count(*) as users from (
               select count(*) as n from reports r join clusters c using (cluster_id)
               where c.published and r.cluster_id = ? group by r.user_pseudonym)
           group by n order by n""",
        [cluster_id],
    ).fetchdf()


def symptoms_of(con: duckdb.DuckDBPyConnection, cluster_id: str) -> list[str]:
    """Distinct symptoms among a published cluster's reports, sorted."""
    rows = con.execute(
        """select distinct unnest(r.symptoms) from reports r join clusters c using (cluster_id)
           where c.published and r.cluster_id = ? order by 1""",
        [cluster_id],
    ).fetchall()
    return [r[0] for r in rows]


def examples(
    con: duckdb.DuckDBPyConnection,
    cluster_id: str,
    *,
    symptom: str | None = None,
    limit: int = 5,
) -> list[dict]:
    """Redacted example reports of a published cluster, those with symptom evidence first.

    Returns dicts: kind, submitted_hour, surface, model, symptoms (list), comment_redacted,
    response_redacted, evidence (list of {field, symptom, start, end, reason}). Nothing for an
    unpublished cluster, whatever its rows hold. Deterministic order (report_id breaks ties).
    """
    dims = set(dimensions(con))
    model = "r.model" if "model" in dims else "r.reported_model"
    cur = con.execute(
        f"""select r.kind, r.submitted_hour, r.surface, {model} as model, r.symptoms,
                   r.comment_redacted, r.response_redacted, r.symptom_evidence
            from reports r join clusters c using (cluster_id)
            where c.published and r.cluster_id = ?
              and (r.comment_redacted is not null or r.response_redacted is not null)
              and (?::varchar is null or list_contains(r.symptoms, ?::varchar))
            order by (coalesce(r.symptom_evidence, '[]') <> '[]') desc, r.report_id
            limit ?""",
        [cluster_id, symptom, symptom, limit],
    )
    return _evidence_rows(cur)


def _evidence_rows(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    """An evidence query's rows as dicts, with ``evidence`` parsed and ``symptoms`` a list."""
    names = [d[0] for d in cur.description]
    out = []
    for values in cur.fetchall():
        row = dict(zip(names, values, strict=True))
        row["evidence"] = parse_evidence(row.pop("symptom_evidence"))
        row["symptoms"] = list(row["symptoms"]) if row["symptoms"] is not None else []
        out.append(row)
    return out


def parse_evidence(raw: str | None) -> list[dict]:
    """``reports.symptom_evidence`` JSON as a list of spans; malformed input gives []."""
    if not raw:
        return []
    try:
        spans = json.loads(raw)
    except (TypeError, ValueError):
        return []
    keep = []
    for s in spans if isinstance(spans, list) else []:
        if (
            isinstance(s, dict)
            and isinstance(s.get("start"), int)
            and isinstance(s.get("end"), int)
            and s.get("field") in ("comment_redacted", "response_redacted")
        ):
            keep.append(s)
    return keep


# ---------------------------------------------------------------------------------------
# Explore
# ---------------------------------------------------------------------------------------


def lift_matrix(
    con: duckdb.DuckDBPyConnection,
    dimension: str,
    f: Filters = Filters(),
    *,
    baseline: str = "reports",
) -> pd.DataFrame:
    """Lift of every value of ``dimension`` in every published cluster.

    baseline "reports": lift = (share of the cluster's joined reports with the value) /
    (share of all joined reports under ``f`` with the value); defined for every pair.
    baseline "traffic": the pipeline's own ``attributions`` rows (traffic-share baseline);
    pairs it did not test are absent, and ``f`` does not apply.

    Returns cluster_id, label, value, reports, lift.
    """
    if baseline == "traffic":
        return con.execute(
            """select a.cluster_id, c.label, a.value, a.reports, a.lift
               from attributions a join clusters c using (cluster_id)
               where c.published and a.dimension = ? order by a.cluster_id, a.value""",
            [dimension],
        ).fetchdf()
    col = _column(con, dimension)
    where, params = _where(con, f)
    return con.execute(
        f"""with j as (
                select r.cluster_id, r.{col} as value from reports r
                where r.joined and r.{col} is not null and r.cluster_id is not null {where}),
            tot as (select value, count(*) as n from j group by value),
            n_all as (select count(*) as n from j),
            per as (select cluster_id, count(*) as n from j group by cluster_id)
            select j.cluster_id, c.label, j.value, count(*) as reports,
                   (count(*) / any_value(per.n)) / (any_value(tot.n) / any_value(n_all.n))
                       as lift
            from j join clusters c using (cluster_id) join per using (cluster_id)
            join tot using (value) cross join n_all
            where c.published
            group by j.cluster_id, c.label, j.value
            order by j.cluster_id, j.value""",
        params,
    ).fetchdf()


def deploy_choices(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """deploy_id, started_at, score (best suspect score, 0 if none) of every deploy the
    extract names (the suspects, plus its ``deploys`` table when it has one), by start.
    """
    extra = (
        "union all select deploy_id, started_at, 0.0 from deploys"
        if has_table(con, "deploys")
        else ""
    )
    return con.execute(
        f"""select deploy_id, min(started_at) as started_at, max(score) as score from (
                select s.deploy_id, s.started_at, s.score
                from suspects s join clusters c using (cluster_id) where c.published
                {extra})
            group by 1 order by 2, 1"""
    ).fetchdf()


def compare_windows(
    con: duckdb.DuckDBPyConnection, pivot: datetime, hours: int = 72
) -> pd.DataFrame:
    """Each published cluster in the ``hours`` before ``pivot`` against the ``hours`` after.

    Returns cluster_id, label, reports_before, reports_after, rate_before, rate_after (reports
    per million requests; null without traffic) and change (rate_after / rate_before, null
    when before is 0), sorted by reports_after - reports_before, largest first.
    """
    before = pivot - timedelta(hours=hours)
    after = pivot + timedelta(hours=hours)
    return con.execute(
        """with w as (
               select t.cluster_id,
                      sum(t.reports) filter (where t.hour >= ? and t.hour < ?) as rb,
                      sum(t.requests) filter (where t.hour >= ? and t.hour < ?) as qb,
                      sum(t.reports) filter (where t.hour >= ? and t.hour < ?) as ra,
                      sum(t.requests) filter (where t.hour >= ? and t.hour < ?) as qa
               from cluster_timeseries t group by t.cluster_id)
           select w.cluster_id, c.label, coalesce(rb, 0) as reports_before,
                  coalesce(ra, 0) as reports_after,
                  case when qb > 0 then rb * 1e6 / qb end as rate_before,
                  case when qa > 0 then ra * 1e6 / qa end as rate_after,
                  case when qb > 0 and qa > 0 and rb > 0 then (ra / qa) / (rb / qb) end as change
           from w join clusters c using (cluster_id)
           where c.published
           order by coalesce(ra, 0) - coalesce(rb, 0) desc, w.cluster_id""",
        [before, pivot, before, pivot, pivot, after, pivot, after],
    ).fetchdf()


# ---------------------------------------------------------------------------------------
# Findings
# ---------------------------------------------------------------------------------------

#: A finding with q at or below this is "confident": ranked before every other one.
CONFIDENT_Q = 0.05


def has_findings(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the extract has the ``findings`` table (extracts written before it lack it)."""
    return has_table(con, "findings")


def run_min_users(con: duckdb.DuckDBPyConnection, default: int = 5) -> int:
    """K of the latest run (``runs.min_users``; ``default`` for an extract without it)."""
    if "min_users" not in {n for n, _ in _columns(con, "runs")}:
        return default
    row = con.execute("select min_users from runs order by finished_at desc limit 1").fetchone()
    return default if row is None or row[0] is None else int(row[0])


#: Columns the pipeline's ``findings`` may have beyond the contract's list: (column, name
#: here, SQL type for the null stand-in when an extract lacks it).
_OPTIONAL_FINDING_COLUMNS = (
    ("kind", "kind", "varchar"),
    ("symptom", "symptom", "varchar"),
    ("end", "until", "timestamptz"),
    ("folded", "folded", "varchar[]"),
    ("restates", "restates", "varchar"),
)


def _visible_findings(con: duckdb.DuckDBPyConnection) -> tuple[str, list]:
    """SQL (a select) of the findings the dashboard may show, with labels and deploy times.

    A finding of a cluster shows only when the cluster is published; a run-wide one (null
    ``cluster_id``) only when it concerns at least K users (K of the run), so an extract that
    kept rows it should not have still shows nothing about fewer than K people.
    """
    dep = (
        """select deploy_id, min(started_at) as started_at, min(component) as component,
                  min(description) as description from deploys group by deploy_id"""
        if has_table(con, "deploys")
        else """select null::varchar as deploy_id, null::timestamptz as started_at,
                       null::varchar as component, null::varchar as description where false"""
    )
    have = {n for n, _ in _columns(con, "findings")}
    extra = ", ".join(
        f'f."{col}" as {alias}' if col in have else f"null::{kind} as {alias}"
        for col, alias, kind in _OPTIONAL_FINDING_COLUMNS
    )
    sql = f"""
        select f.finding_id, f.cluster_id, f.rank, f.dimension, f.value, f.onset, f.reports,
               f.users, f.lift, f.q_value, f.deploy_id, {extra}, c.label, c.top_symptoms,
               coalesce(d.started_at, s.started_at, s2.started_at) as deploy_started_at,
               d.component as deploy_component, d.description as deploy_description
        from findings f
        left join clusters c on c.cluster_id = f.cluster_id
        left join ({dep}) d on d.deploy_id = f.deploy_id
        left join (select cluster_id, deploy_id, min(started_at) as started_at
                   from suspects group by all) s
               on s.cluster_id = f.cluster_id and s.deploy_id = f.deploy_id
        left join (select deploy_id, min(started_at) as started_at from suspects
                   join clusters using (cluster_id) where published group by all) s2
               on s2.deploy_id = f.deploy_id
        where (f.cluster_id is null and f.users >= ?)
           or (f.cluster_id is not null and c.published)
    """
    return sql, [run_min_users(con)]


def findings(con: duckdb.DuckDBPyConnection, *, confident_q: float = CONFIDENT_Q) -> pd.DataFrame:
    """Every visible finding, ranked by confidence, then impact (the findings page's order).

    Order: confident ones (``q_value <= confident_q``) first, and within each, run-wide
    findings that restate a cluster's finding after the others; then more users, more
    reports, higher lift, lower q; ``finding_id`` breaks ties. Columns: position (1, 2, ...),
    finding_id, cluster_id (null = run-wide), rank (within its cluster, or among run-wide
    ones), dimension, value, onset, reports, users, lift, q_value, confident, deploy_id,
    kind, symptom, until (the detected end), folded (values folded under it), restates (the
    cluster finding a run-wide one restates; these five are null where the extract's
    findings lack them), label, top_symptoms (list; null for
    run-wide), deploy_started_at, deploy_component, deploy_description. An empty frame with
    those columns when the extract has no findings table (see `has_findings`).
    """
    cols = [
        "position", "finding_id", "cluster_id", "rank", "dimension", "value", "onset", "reports",
        "users", "lift", "q_value", "confident", "deploy_id", "kind", "symptom", "until",
        "folded", "restates", "label", "top_symptoms", "deploy_started_at",
        "deploy_component", "deploy_description",
    ]  # fmt: skip
    if not has_findings(con):
        return pd.DataFrame(columns=cols)
    sql, params = _visible_findings(con)
    df = con.execute(
        f"""select row_number() over (
                   order by coalesce(q_value <= ?, false) desc, restates is null desc,
                            users desc nulls last,
                            reports desc nulls last, lift desc nulls last,
                            q_value asc nulls last, finding_id) as position,
                   *, coalesce(q_value <= ?, false) as confident
            from ({sql}) v order by position""",
        [confident_q, confident_q, *params],
    ).fetchdf()
    return df[cols]


def finding(con: duckdb.DuckDBPyConnection, finding_id: str) -> dict | None:
    """One visible finding as a dict (the columns of `findings`), or None."""
    df = findings(con)
    row = df[df["finding_id"] == finding_id]
    if row.empty:
        return None
    out = {}
    for k, v in row.iloc[0].to_dict().items():
        if k in ("top_symptoms", "folded"):
            out[k] = [] if v is None or isinstance(v, float) else list(v)
        elif isinstance(v, pd.Timestamp):
            out[k] = v.to_pydatetime()
        else:
            out[k] = None if v is None or v is pd.NaT or (isinstance(v, float) and v != v) else v
    return out


def cluster_findings(con: duckdb.DuckDBPyConnection, cluster_id: str) -> pd.DataFrame:
    """The findings of a published cluster in their accepted order (rank 1 first)."""
    df = findings(con)
    return df[df["cluster_id"] == cluster_id].sort_values(["rank", "finding_id"])


def _finding_match(
    con: duckdb.DuckDBPyConnection, dimension: str, value: str, alias: str = "r"
) -> tuple[str, list] | None:
    """SQL condition (and parameters) for reports holding a finding's value; a combination
    (``hardware & region`` = ``tpu & eu``) needs every part. None when a part is not a
    column of ``reports`` (nothing can be matched then)."""
    dims = [d.strip() for d in str(dimension).split(" & ")]
    values = [v.strip() for v in str(value).split(" & ")]
    known = set(dimensions(con))
    if len(dims) != len(values) or not all(d in known for d in dims):
        return None
    sql = " and ".join(f"{alias}.{_column(con, d)} = ?" for d in dims)
    return sql, values


def _finding_scope(con: duckdb.DuckDBPyConnection, finding_id: str):
    """(finding dict, match SQL, params): the reports a visible finding is about."""
    f = finding(con, finding_id)
    if f is None:
        return None
    match = _finding_match(con, f["dimension"], f["value"])
    if match is None:
        return f, "false", []
    sql, params = match
    if f["cluster_id"] is not None:
        sql += " and r.cluster_id = ?"
        params = [*params, f["cluster_id"]]
    return f, sql, params


def finding_series(con: duckdb.DuckDBPyConnection, finding_id: str) -> pd.DataFrame:
    """hour, reports, requests, rate_per_million of a visible finding, every hour of the
    extract (0 where none).

    The pipeline's own series (``finding_timeseries``) when the extract has one for it; else
    counted here: its cluster's reports holding its value (all reports for a run-wide
    finding), with requests from ``traffic_hourly`` for a single dimension value (null for a
    combination, or without traffic)."""
    scope = _finding_scope(con, finding_id)
    if scope is None:
        return pd.DataFrame(columns=["hour", "reports", "requests", "rate_per_million"])
    f, sql, params = scope
    first, last = time_bounds(con)
    if has_table(con, "finding_timeseries"):
        own = con.execute(
            """with hours as (
                   select unnest(generate_series(?::timestamptz, ?::timestamptz,
                                                 interval 1 hour)) as hour),
               t as (select hour, reports, requests, rate_per_million
                     from finding_timeseries where finding_id = ?)
               select h.hour, coalesce(t.reports, 0) as reports, t.requests,
                      t.rate_per_million
               from hours h left join t using (hour)
               where exists (select 1 from t)
               order by h.hour""",
            [first, last, f["finding_id"]],
        ).fetchdf()
        if not own.empty:
            return own
    single = " & " not in str(f["dimension"]) and has_table(con, "traffic_hourly")
    traffic = (
        """select hour, sum(requests) as requests from traffic_hourly
           where dimension = ? and value = ? group by hour"""
        if single
        else "select null::timestamptz as hour, null::bigint as requests where false"
    )
    targs = [f["dimension"], f["value"]] if single else []
    return con.execute(
        f"""with hours as (
                select unnest(generate_series(?::timestamptz, ?::timestamptz,
                                              interval 1 hour)) as hour),
            n as (select r.submitted_hour as hour, count(*) as reports from reports r
                  where {sql} group by 1),
            t as ({traffic})
            select h.hour, coalesce(n.reports, 0) as reports, t.requests,
                   case when t.requests > 0 then coalesce(n.reports, 0) * 1e6 / t.requests
                   end as rate_per_million
            from hours h left join n using (hour) left join t using (hour)
            order by h.hour""",
        [first, last, *params, *targs],
    ).fetchdf()


def finding_clusters(con: duckdb.DuckDBPyConnection, finding_id: str) -> pd.DataFrame:
    """Where a visible finding's reports since its onset fall: cluster_id, label, reports,
    users per published cluster, most first; clusters below K and reports in no cluster
    are one row with null cluster_id and label (counts only)."""
    scope = _finding_scope(con, finding_id)
    if scope is None:
        return pd.DataFrame(columns=["cluster_id", "label", "reports", "users"])
    f, sql, params = scope
    return con.execute(
        f"""select cluster_id, label, count(*) as reports,
                   count(distinct user_pseudonym) as users
            from (select case when c.published then r.cluster_id end as cluster_id,
                         case when c.published then c.label end as label, r.user_pseudonym
                  from reports r left join clusters c using (cluster_id)
                  where {sql} and (?::timestamptz is null or r.submitted_hour >= ?))
            group by cluster_id, label
            order by (cluster_id is null), reports desc, cluster_id""",
        [*params, f["onset"], f["onset"]],
    ).fetchdf()


def finding_suspects(con: duckdb.DuckDBPyConnection, finding_id: str) -> pd.DataFrame:
    """deploy_id, started_at, score, reason, match, rollback_id, rollback_at of a visible
    finding's suspect deploys, best first (``suspects`` rows scored against that finding;
    none in an extract whose suspects are per cluster only)."""
    cols = ["deploy_id", "started_at", "score", "reason", "match", "rollback_id", "rollback_at"]
    have = {n for n, _ in _columns(con, "suspects")}
    if "finding_id" not in have or finding(con, finding_id) is None:
        return pd.DataFrame(columns=cols)
    optional = {"match": "varchar", "rollback_id": "varchar", "rollback_at": "timestamptz"}
    extra = ", ".join(f"s.{c}" if c in have else f"null::{t} as {c}" for c, t in optional.items())
    return con.execute(
        f"""select s.deploy_id, s.started_at, s.score, s.reason, {extra}
            from suspects s where s.finding_id = ?
            order by s.score desc, s.deploy_id""",
        [finding_id],
    ).fetchdf()


def finding_examples(
    con: duckdb.DuckDBPyConnection, finding_id: str, *, limit: int = 3
) -> list[dict]:
    """Redacted examples of a visible finding: published clusters' reports holding its
    value, those since its onset and with symptom evidence first (report_id breaks ties).
    Same dicts as `examples`, plus cluster_id."""
    scope = _finding_scope(con, finding_id)
    if scope is None:
        return []
    f, sql, params = scope
    model = "r.model" if "model" in set(dimensions(con)) else "r.reported_model"
    cur = con.execute(
        f"""select r.cluster_id, r.kind, r.submitted_hour, r.surface, {model} as model,
                   r.symptoms, r.comment_redacted, r.response_redacted, r.symptom_evidence
            from reports r join clusters c using (cluster_id)
            where c.published and {sql}
              and (r.comment_redacted is not null or r.response_redacted is not null)
            order by coalesce(r.submitted_hour >= ?::timestamptz, true) desc,
                     (coalesce(r.symptom_evidence, '[]') <> '[]') desc, r.report_id
            limit ?""",
        [*params, f["onset"], limit],
    )
    return _evidence_rows(cur)


# ---------------------------------------------------------------------------------------
# Run health
# ---------------------------------------------------------------------------------------


def runs(con: duckdb.DuckDBPyConnection, limit: int = 20) -> pd.DataFrame:
    """The latest runs, newest first, without their options or JSON columns."""
    return con.execute(
        """select run_id, started_at, finished_at, reports_in, reports_out, quarantined,
                  duplicates, outside_window, version, contract_version
           from runs order by started_at desc limit ?""",
        [limit],
    ).fetchdf()


def quarantine_reasons(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """reason, lines, files: quarantined input lines per reason, most first."""
    return con.execute(
        """select reason, count(*) as lines, count(distinct source) as files
           from quarantine group by reason order by lines desc, reason"""
    ).fetchdf()


def _latest_record(con: duckdb.DuckDBPyConnection, column: str) -> dict:
    if column not in ("redactions", "audit_findings"):
        raise ValueError(f"not a JSON column of runs: {column!r}")
    row = con.execute(f"select {column} from runs order by finished_at desc limit 1").fetchone()
    try:
        data = json.loads(row[0]) if row and row[0] else {}
    except ValueError:
        data = {}
    return data if isinstance(data, dict) else {}


def _latest_json(con: duckdb.DuckDBPyConnection, column: str, name: str) -> pd.DataFrame:
    data = _latest_record(con, column)
    if column == "audit_findings" and isinstance(data.get("findings"), dict):
        data = data["findings"]  # {findings: per type, texts, texts_with_findings, budget}
    items = sorted(
        ((str(k), int(v)) for k, v in data.items() if isinstance(v, int | float)),
        key=lambda kv: (-kv[1], kv[0]),
    )
    return pd.DataFrame(items, columns=["entity_type", name])


def redactions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """entity_type, redacted: spans replaced per entity type in the latest run, most first."""
    return _latest_json(con, "redactions", "redacted")


def audit_findings(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """entity_type, findings: values the independent audit found after redaction and masked
    in the published texts in the latest run, per type, most first."""
    return _latest_json(con, "audit_findings", "findings")


def audit_rate(con: duckdb.DuckDBPyConnection) -> dict:
    """texts, texts_with_findings, share and budget (a share of texts; None when the run
    did not record them) of the latest run's audit."""
    data = _latest_record(con, "audit_findings")
    texts = data.get("texts")
    flagged = data.get("texts_with_findings")
    texts = int(texts) if isinstance(texts, int | float) else None
    flagged = int(flagged) if isinstance(flagged, int | float) else None
    budget = data.get("budget")
    return {
        "texts": texts,
        "texts_with_findings": flagged,
        "share": flagged / texts if texts and flagged is not None else None,
        "budget": float(budget) if isinstance(budget, int | float) else None,
    }
