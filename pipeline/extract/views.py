"""Views (and one table macro) created in every extract for investigators' common questions.

Each view is documented here, column by column, and `pipeline.extract.dictionary` renders these
docs into docs/extract.md; a test fails when a view's columns and its docs differ.

Two views adapt to tables the extract may gain later, chosen when the extract is written:
- ``symptom_rates_hourly`` divides by per-dimension traffic when a ``traffic_hourly`` table
  (hour, dimension, value, requests) exists, and by the hour's total traffic otherwise; its
  ``denominator`` column says which.
- ``what_changed`` lists every deploy of a ``deploys`` table (schemas.DEPLOYS) when one exists;
  otherwise only the suspect deploys, plus the version values first or last seen in reports.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

from joins import schemas
from joins.schemas import quote_identifier

#: Change events within this many hours of the data's first/last report are not changes:
#: the value was simply already (or still) in service when the data starts (ends).
EDGE_HOURS = 24


@dataclass(frozen=True)
class Column:
    """One documented column: what it means and its unit ("" when it has none)."""

    description: str
    unit: str = ""


@dataclass(frozen=True)
class ViewContext:
    """What the extract being written holds, for views that adapt to it."""

    dimensions: tuple[str, ...]
    has_traffic_hourly: bool = False
    has_deploys: bool = False


@dataclass(frozen=True)
class View:
    """A view: its SQL (built from the context), its purpose and its documented columns."""

    name: str
    description: str
    columns: dict[str, Column]
    sql: Callable[[ViewContext], str]
    kind: str = "view"  # "view" or "macro" (a table macro: called like a table function)
    signature: str = ""  # for macros: the parameter list, e.g. "(since, until)"
    extra: list[str] = field(default_factory=list)  # more doc lines (how to use it well)


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# ---------------------------------------------------------------------------------------
# SQL builders
# ---------------------------------------------------------------------------------------


def _cluster_causes(_: ViewContext) -> str:
    return """
        select c.cluster_id, c.label, c.n_reports, c.n_users, c.first_seen, c.last_seen,
               c.top_symptoms,
               max(case when a.rank = 1 then a.dimension || ' = ' || a.value end) as cause_1,
               max(case when a.rank = 1 then a.lift end) as lift_1,
               max(case when a.rank = 1 then a.q_value end) as q_1,
               max(case when a.rank = 2 then a.dimension || ' = ' || a.value end) as cause_2,
               max(case when a.rank = 2 then a.lift end) as lift_2,
               max(case when a.rank = 2 then a.q_value end) as q_2,
               max(case when a.rank = 3 then a.dimension || ' = ' || a.value end) as cause_3,
               max(case when a.rank = 3 then a.lift end) as lift_3,
               max(case when a.rank = 3 then a.q_value end) as q_3
        from clusters c left join attributions a using (cluster_id)
        where c.published
        group by all
        order by c.n_users desc, c.cluster_id"""


def _cluster_top_suspect(_: ViewContext) -> str:
    # The rank-1 finding's best suspect when the cluster has findings, else the best suspect
    # scored on the cluster's own series.
    return """
        select cluster_id, deploy_id, score, onset, started_at
        from (
            select s.cluster_id, s.deploy_id, s.score, s.onset, s.started_at,
                   row_number() over (partition by s.cluster_id
                                      order by coalesce(f.rank, 1000000), s.score desc,
                                               s.deploy_id) as k
            from suspects s left join findings f using (finding_id)
            where s.cluster_id is not null)
        where k = 1"""


def _cluster_suspects(_: ViewContext) -> str:
    return """
        -- One row per (cluster, deploy): a deploy suspected for several of the cluster's
        -- findings keeps its row of the best-ranked finding; suspects of the rank-1 finding
        -- come first, then those of later findings, then those of the cluster's own series.
        select cluster_id, label, n_users,
               row_number() over (partition by cluster_id
                                  order by coalesce(finding_rank, 1000000), score desc,
                                           deploy_id) as suspect_rank,
               finding_rank, deploy_id, started_at, onset, hours_before_onset, score, reason
        from (
            select s.cluster_id, c.label, c.n_users, f.rank as finding_rank, s.deploy_id,
                   s.started_at, s.onset,
                   date_diff('minute', s.started_at, s.onset) / 60.0 as hours_before_onset,
                   s.score, s.reason,
                   row_number() over (partition by s.cluster_id, s.deploy_id
                                      order by coalesce(f.rank, 1000000), s.score desc) as k
            from suspects s join clusters c using (cluster_id)
                 left join findings f using (finding_id)
            where c.published)
        where k = 1
        order by n_users desc, cluster_id, suspect_rank"""


def _hourly_total_traffic() -> str:
    # cluster_timeseries repeats the hour's total traffic on every cluster's row.
    return (
        "select hour, max(requests) as requests from cluster_timeseries "
        "where requests is not null group by hour"
    )


def _cluster_daily(_: ViewContext) -> str:
    return f"""
        with t as ({_hourly_total_traffic()}),
        day_traffic as (
            select cast(timezone('UTC', hour) as date) as day, sum(requests) as requests
            from t where requests is not null group by all
        ),
        per_day as (
            select cluster_id, cast(timezone('UTC', submitted_hour) as date) as day,
                   count(*) as reports, count(distinct user_pseudonym) as users,
                   count(distinct coalesce(session_pseudonym, user_pseudonym)) as sessions
            from reports join clusters using (cluster_id)
            where clusters.published
            group by all
        )
        select p.cluster_id, p.day, p.reports, p.users, p.sessions, d.requests,
               case when d.requests > 0 then p.reports * 1e6 / d.requests end
                   as reports_per_million,
               case when d.requests > 0 then p.users * 1e6 / d.requests end
                   as users_per_million
        from per_day p left join day_traffic d using (day)
        order by p.cluster_id, p.day"""


def _symptom_rates_hourly(ctx: ViewContext) -> str:
    dims = [quote_identifier(d) for d in ctx.dimensions]
    dim_list = ", ".join(dims)
    per_dim = (
        f"""union all
            select hour, user_pseudonym, symptom, dimension, value
            from (unpivot s on {dim_list} into name dimension value value)"""
        if dims
        else ""
    )
    if ctx.has_traffic_hourly:
        denominators = f"""
            select c.*, coalesce(th.requests, t.requests) as requests,
                   case when c.dimension = 'all' then 'all_traffic'
                        else 'dimension_value' end as denominator
            from counts c
            left join ({_hourly_total_traffic()}) t
                   on c.dimension = 'all' and t.hour = c.hour
            left join (select hour, dimension, value, sum(requests) as requests
                       from traffic_hourly group by all) th
                   on c.dimension <> 'all' and th.hour = c.hour
                      and th.dimension = c.dimension and th.value = c.value"""
    else:
        denominators = f"""
            select c.*, t.requests, 'all_traffic' as denominator
            from counts c left join ({_hourly_total_traffic()}) t using (hour)"""
    select_dims = (", " + dim_list) if dims else ""
    return f"""
        with s as (
            select submitted_hour as hour, user_pseudonym,
                   unnest(list_distinct(list_concat(['any'], coalesce(symptoms, []))))
                       as symptom{select_dims}
            from reports
        ),
        d as (
            select hour, user_pseudonym, symptom, 'all' as dimension, 'all' as value from s
            {per_dim}
        ),
        counts as (
            select hour, symptom, dimension, value, count(*) as reports,
                   count(distinct user_pseudonym) as users
            from d group by all
        ),
        r as ({denominators})
        select hour, symptom, dimension, value, reports, users, requests,
               case when requests > 0 then reports * 1e6 / requests end as rate_per_million,
               case when requests > 0 then users * 1e6 / requests end as users_per_million,
               denominator
        from r
        order by hour, symptom, dimension, value"""


def _what_changed(ctx: ViewContext) -> str:
    dims = list(ctx.dimensions)
    in_reports = (
        " union all ".join(
            f"""select {_sql_str(d)} as dimension, {quote_identifier(d)} as value, submitted_hour,
                       platform_, hardware_
                from (select *, {"platform" if "platform" in dims else "null"} as platform_,
                             {"hardware" if "hardware" in dims else "null"} as hardware_
                      from reports) where {quote_identifier(d)} is not null"""
            for d in dims
        )
        or "select null::varchar as dimension, null::varchar as value, "
        "null::timestamptz as submitted_hour, null::varchar as platform_, "
        "null::varchar as hardware_ where false"
    )
    if ctx.has_deploys:
        deploy_events = """
            select started_at as changed_at, 'deploy_started' as change, deploy_id,
                   component, description, platform as scope_platform,
                   hardware as scope_hardware, 'deploys' as source
            from deploys
            union all
            select finished_at, 'deploy_finished', deploy_id, component, description,
                   platform, hardware, 'deploys'
            from deploys where finished_at is not null"""
    else:
        deploy_events = """
            select min(started_at) as changed_at, 'deploy_started' as change, deploy_id,
                   null::varchar as component, null::varchar as description,
                   null::varchar as scope_platform, null::varchar as scope_hardware,
                   'suspects' as source
            from suspects group by deploy_id"""
    return f"""
        with bounds as (
            select min(submitted_hour) as lo, max(submitted_hour) as hi from reports
        ),
        seen as ({in_reports}),
        per_value as (
            select dimension, value, min(submitted_hour) as first_reported,
                   max(submitted_hour) as last_reported, count(*) as reports,
                   list_sort(list_distinct(list(platform_))) as platforms_seen,
                   list_sort(list_distinct(list(hardware_))) as hardware_seen
            from seen group by all
        ),
        suspect_of as (
            select deploy_id, list_sort(list(distinct cluster_id)) as suspect_of,
                   max(score) as best_score
            from suspects group by deploy_id
        ),
        -- a deploy id can appear as the value of several version columns: keep the busiest
        deploy_dim as (
            select value as deploy_id, arg_max(dimension, reports) as dimension,
                   max(reports) as reports,
                   arg_max(platforms_seen, reports) as platforms_seen,
                   arg_max(hardware_seen, reports) as hardware_seen
            from per_value group by value
        ),
        deploys_ as ({deploy_events}),
        events as (
            select e.changed_at, e.change, d.dimension, e.deploy_id as value, e.component,
                   e.description, e.scope_platform, e.scope_hardware, d.reports,
                   d.platforms_seen, d.hardware_seen, e.source
            from deploys_ e left join deploy_dim d using (deploy_id)
            union all
            select p.first_reported, 'first_reported', p.dimension, p.value, null, null, null,
                   null, p.reports, p.platforms_seen, p.hardware_seen, 'reports'
            from per_value p, bounds b
            where p.first_reported > b.lo + interval {EDGE_HOURS} hour
            union all
            select p.last_reported, 'last_reported', p.dimension, p.value, null, null, null,
                   null, p.reports, p.platforms_seen, p.hardware_seen, 'reports'
            from per_value p, bounds b
            where p.last_reported < b.hi - interval {EDGE_HOURS} hour
        )
        select e.changed_at, e.change, e.dimension, e.value, e.component, e.description,
               e.scope_platform, e.scope_hardware, coalesce(e.reports, 0) as reports,
               e.platforms_seen, e.hardware_seen, s.suspect_of, s.best_score, e.source
        from events e left join suspect_of s on s.deploy_id = e.value
        order by e.changed_at, e.change, e.dimension, e.value"""


def _what_changed_between(_: ViewContext) -> str:
    return """
        select * from what_changed
        where changed_at >= cast(since as timestamptz) and changed_at <= cast(until as timestamptz)
        order by changed_at, change, dimension, value"""


# ---------------------------------------------------------------------------------------
# The catalogue
# ---------------------------------------------------------------------------------------

_CAUSE = "`dimension = value` of the rank-{k} attribution (null when there is none)"
_LIFT = "lift of the rank-{k} attribution: reports / expected"
_Q = "q-value (after false-discovery correction) of the rank-{k} attribution"

VIEW_DEFS: tuple[View, ...] = (
    View(
        "cluster_causes",
        "One row per published cluster (biggest first by distinct users): its label and "
        "its rank-1..3 causes with lift and q-value.",
        {
            "cluster_id": Column("cluster id (stable across runs with --previous-extract)"),
            "label": Column("cluster label, built from redacted text"),
            "n_reports": Column("reports in the cluster", "reports"),
            "n_users": Column("distinct user pseudonyms in the cluster", "users"),
            "first_seen": Column("hour of the cluster's first report", "UTC hour"),
            "last_seen": Column("hour of the cluster's last report", "UTC hour"),
            "top_symptoms": Column(
                "up to three symptoms in at least 20% of its reports, most common first"
            ),
            **{
                name: Column(text.format(k=k), unit)
                for k in (1, 2, 3)
                for name, text, unit in (
                    (f"cause_{k}", _CAUSE, ""),
                    (f"lift_{k}", _LIFT, "ratio"),
                    (f"q_{k}", _Q, "probability"),
                )
            },
        },
        _cluster_causes,
        extra=[
            "The background cluster is listed (with null causes): it is never attributed.",
        ],
    ),
    View(
        "cluster_top_suspect",
        "The suspect deploy of each cluster that has suspects: the best of its rank-1 "
        "finding's, or the best scored on the cluster's own series when it has no finding.",
        {
            "cluster_id": Column("cluster id"),
            "deploy_id": Column("the suspect deploy"),
            "score": Column("its score (see suspects.score)", "score"),
            "onset": Column("the cluster's onset used for the match", "UTC hour"),
            "started_at": Column("when that deploy started", "UTC timestamp"),
        },
        _cluster_top_suspect,
    ),
    View(
        "cluster_suspects",
        "Every suspect deploy of every published cluster, once, ranked within the cluster, with "
        "how long before the cluster's onset the deploy started.",
        {
            "cluster_id": Column("cluster id"),
            "label": Column("cluster label"),
            "n_users": Column("distinct users in the cluster", "users"),
            "suspect_rank": Column(
                "1 = best within the cluster: suspects of its rank-1 finding first, then of "
                "later findings, then of the cluster's own series; by score within each",
                "rank",
            ),
            "finding_rank": Column(
                "rank of the cluster's finding this deploy is suspected for (null: suspected "
                "on the cluster's own series)",
                "rank",
            ),
            "deploy_id": Column("the suspect deploy (a change-log id)"),
            "started_at": Column("when the deploy started", "UTC timestamp"),
            "onset": Column("the cluster's onset", "UTC hour"),
            "hours_before_onset": Column(
                "onset - started_at; negative when the deploy started after the onset", "hours"
            ),
            "score": Column("suspect score: higher is more likely (see suspects)", "score"),
            "reason": Column("why it is a suspect (scope matches, timing, rollback)"),
        },
        _cluster_suspects,
    ),
    View(
        "requests_hourly",
        "The denominator: all requests served per hour (total traffic, every dimension). "
        "Sum it over the same hours as the reports you count, including hours without reports.",
        {
            "hour": Column("the hour", "UTC hour"),
            "requests": Column("requests served in that hour", "requests"),
        },
        lambda _: _hourly_total_traffic() + " order by hour",
        extra=[
            "It spans the hours of cluster_timeseries (first to last report of an attributed "
            "cluster); empty when the input had no traffic.",
        ],
    ),
    View(
        "cluster_daily",
        "Reports, distinct users and sessions per published cluster and UTC day, with the "
        "day's total traffic as denominator. Count users, not reports, when sticky sessions "
        "repeat the same complaint.",
        {
            "cluster_id": Column("cluster id"),
            "day": Column("the UTC calendar day", "UTC date"),
            "reports": Column("reports submitted that day", "reports"),
            "users": Column("distinct user pseudonyms that day", "users"),
            "sessions": Column("distinct session pseudonyms (user when no session)", "sessions"),
            "requests": Column(
                "all requests served that day (total traffic; null before the first and after "
                "the last hour of cluster_timeseries)",
                "requests",
            ),
            "reports_per_million": Column("reports / requests x 1e6", "reports per 1M requests"),
            "users_per_million": Column("users / requests x 1e6", "users per 1M requests"),
        },
        _cluster_daily,
        extra=["Days without reports have no row (zero)."],
    ),
    View(
        "symptom_rates_hourly",
        "Reports per hour, symptom and routing-dimension value, per million requests. "
        "`symptom = 'any'` counts every report (also those without a symptom, e.g. the "
        "routing bug's); `dimension = 'all', value = 'all'` counts every report of the hour, "
        "joined or not. Other rows count only reports whose request joined the routing log.",
        {
            "hour": Column("submission hour", "UTC hour"),
            "symptom": Column("a symptom of reports.symptoms, or 'any'"),
            "dimension": Column("routing dimension (a reports column), or 'all'"),
            "value": Column("its value, or 'all'"),
            "reports": Column("reports with that symptom and value in that hour", "reports"),
            "users": Column("distinct user pseudonyms among them", "users"),
            "requests": Column(
                "the denominator: requests served in that hour, by that value when "
                "`denominator = 'dimension_value'`, in total when 'all_traffic'",
                "requests",
            ),
            "rate_per_million": Column("reports / requests x 1e6", "reports per 1M requests"),
            "users_per_million": Column("users / requests x 1e6", "users per 1M requests"),
            "denominator": Column(
                "'dimension_value' (traffic of that value) or 'all_traffic' (the hour's total)"
            ),
        },
        _symptom_rates_hourly,
        extra=[
            "Hours with no report have no row (rate 0).",
            "While the extract has no per-dimension traffic table (`traffic_hourly`), every "
            "row's denominator is the hour's total traffic: rates then compare hours with each "
            "other, not values of a dimension with each other (use `attributions.lift` for "
            "that, which is computed against each value's share of traffic).",
        ],
    ),
    View(
        "what_changed",
        "Change events in time order: deploys starting (and finishing, when the extract has "
        "the change log) and routing-dimension values first or last seen in reports, e.g. a "
        "runtime config that starts answering requests or a build that is rolled back.",
        {
            "changed_at": Column("when", "UTC timestamp"),
            "change": Column(
                "'deploy_started', 'deploy_finished', 'first_reported' or 'last_reported'"
            ),
            "dimension": Column("routing dimension whose value it is (null if never reported)"),
            "value": Column("the deploy id or dimension value"),
            "component": Column("deploy component (null without the change log)"),
            "description": Column("deploy description (null without the change log)"),
            "scope_platform": Column("platform the deploy targets; null = all or unknown"),
            "scope_hardware": Column("hardware the deploy targets; null = all or unknown"),
            "reports": Column("reports whose request was answered by this value", "reports"),
            "platforms_seen": Column("platforms of those reports"),
            "hardware_seen": Column("hardware of those reports"),
            "suspect_of": Column("clusters that name it a suspect deploy"),
            "best_score": Column("its best suspect score", "score"),
            "source": Column("'deploys' (change log), 'suspects' or 'reports'"),
        },
        _what_changed,
        extra=[
            "Without a `deploys` table only suspect deploys have `deploy_started` rows; "
            "`first_reported`/`last_reported` come from reports (a value's first/last "
            f"report, not its deploy time) and are left out within {EDGE_HOURS} h of the "
            "data's first/last report, where the value was simply already or still serving.",
        ],
    ),
    View(
        "what_changed_between",
        "Table macro: the rows of `what_changed` with `since <= changed_at <= until`, e.g. "
        "`select * from what_changed_between('2025-08-24', '2025-08-27')`.",
        {},  # same columns as what_changed (checked by the tests)
        _what_changed_between,
        kind="macro",
        signature="(since, until)",
    ),
)

VIEWS: dict[str, View] = {v.name: v for v in VIEW_DEFS}


def report_dimensions(con) -> list[str]:
    """The routing dimension columns of the extract's ``reports`` (`joins.schemas`' one rule).

    Every reader of an extract (the views here, the dashboard, `triage query`) asks this.
    """
    with warnings.catch_warnings():
        # No rows are read (limit 0): the copy DuckDB warns about for DB-API results is empty,
        # and a relation (con.sql) would clash with a caller's unfinished result.
        warnings.simplefilter("ignore", UserWarning)
        reports = con.execute("select * from reports limit 0").to_arrow_reader().schema
    return schemas.report_dimension_columns(reports)


def extract_context(con) -> ViewContext:
    """The ViewContext of the extract open on ``con`` (its tables must already exist)."""
    tables = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_type = 'BASE TABLE'"
        ).fetchall()
    }
    return ViewContext(
        dimensions=tuple(report_dimensions(con)),
        has_traffic_hourly="traffic_hourly" in tables,
        has_deploys="deploys" in tables,
    )


def create_views(con, context: ViewContext | None = None) -> None:
    """Create (or replace) every view and macro on an open DuckDB connection.

    The extract's tables must exist; ``context`` defaults to what they hold.
    """
    ctx = context or extract_context(con)
    for view in VIEW_DEFS:
        sql = view.sql(ctx)
        if view.kind == "macro":
            con.execute(f"create or replace macro {view.name}{view.signature} as table {sql}")
        else:
            con.execute(f"create or replace view {view.name} as {sql}")
