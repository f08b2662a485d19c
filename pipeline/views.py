"""Views created in every extract for investigators' common questions (see docs/extract.md)."""

from __future__ import annotations

VIEWS: dict[str, str] = {
    # One row per published cluster: its label and rank-1..3 causes with lift and q.
    "cluster_causes": """
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
        order by c.n_users desc""",
    # The best-scored suspect deploy per cluster.
    "cluster_top_suspect": """
        select cluster_id, arg_max(deploy_id, score) as deploy_id, max(score) as score,
               arg_max(onset, score) as onset, arg_max(started_at, score) as started_at
        from suspects group by cluster_id""",
}


def create_views(con) -> None:
    """Create (or replace) every view on an open DuckDB connection."""
    for name, sql in VIEWS.items():
        con.execute(f"create or replace view {name} as {sql}")
