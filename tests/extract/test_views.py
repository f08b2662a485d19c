"""The extract's views on a tiny hand-made extract whose answers are known exactly."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from joins import schemas
from pipeline.extract import views
from tests.extract import crafted


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    db = crafted.write(tmp_path_factory.mktemp("crafted"))
    c = duckdb.connect(str(db), read_only=True)
    c.execute("set TimeZone = 'UTC'")
    yield c
    c.close()


def _memory_extract(extra: dict[str, pa.Table]):
    """The crafted tables plus ``extra`` in an in-memory DuckDB, with the views created."""
    c = duckdb.connect()
    c.execute("set TimeZone = 'UTC'")
    for name, table in {**crafted.tables(), **extra}.items():
        c.register("t_", table)
        c.execute(f'create table "{name}" as select * from t_')
        c.unregister("t_")
    views.create_views(c)
    return c


def test_every_view_and_macro_exists(con):
    have = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_type = 'VIEW'"
        ).fetchall()
    }
    assert have == {v.name for v in views.VIEW_DEFS if v.kind == "view"}
    assert con.execute("select count(*) from what_changed_between('2025-08-01', '2025-09-01')")


def test_symptom_rates_count_reports_users_and_rates(con):
    rows = con.execute(
        "select sum(reports) from symptom_rates_hourly where symptom = 'any' and dimension = 'all'"
    ).fetchone()
    assert rows[0] == 20  # every report, joined or not
    joined = con.execute(
        "select sum(reports) from symptom_rates_hourly "
        "where symptom = 'any' and dimension = 'server_pool'"
    ).fetchone()[0]
    assert joined == 19  # the unjoined report has no server_pool
    per_pool = con.execute(
        "select value, sum(reports), max(users) from symptom_rates_hourly "
        "where symptom = 'unexpected_script' and dimension = 'server_pool' group by value"
    ).fetchall()
    assert per_pool == [("tpu-a", 12, 1)]
    # rate = reports / the hour's total traffic x 1e6 (hour 30: 1,030,000 requests)
    hour30, rate, den = con.execute(
        "select requests, rate_per_million, denominator from symptom_rates_hourly "
        "where symptom = 'unexpected_script' and dimension = 'all' and hour = ?",
        [crafted.hour(30)],
    ).fetchone()
    assert hour30 == 1_030_000
    assert rate == pytest.approx(1e6 / 1_030_000)
    assert den == "all_traffic"


def test_symptom_rates_use_per_value_traffic_when_the_extract_has_it():
    traffic = pa.table(
        {
            "hour": pa.array([crafted.hour(30)], schemas.UTC_TS),
            "dimension": ["server_pool"],
            "value": ["tpu-a"],
            "requests": pa.array([2000], pa.int64()),
        }
    )
    c = _memory_extract({"traffic_hourly": traffic})
    row = c.execute(
        "select requests, rate_per_million, denominator from symptom_rates_hourly "
        "where symptom = 'unexpected_script' and dimension = 'server_pool' and hour = ?",
        [crafted.hour(30)],
    ).fetchone()
    assert row == (2000, pytest.approx(500.0), "dimension_value")
    total = c.execute(
        "select requests, denominator from symptom_rates_hourly "
        "where symptom = 'any' and dimension = 'all' and hour = ?",
        [crafted.hour(30)],
    ).fetchone()
    assert total == (1_030_000, "all_traffic")


def test_cluster_suspects_rank_and_lead_time(con):
    rows = con.execute(
        "select suspect_rank, deploy_id, hours_before_onset from cluster_suspects "
        "where cluster_id = 'c1' order by suspect_rank"
    ).fetchall()
    assert rows == [(1, "smp-new", 3.0), (2, "rel-1", 60.0)]
    top = con.execute("select deploy_id from cluster_top_suspect where cluster_id = 'c1'")
    assert top.fetchone() == ("smp-new",)


def test_cluster_causes_keeps_its_contract(con):
    row = con.execute(
        "select cause_1, lift_1, q_1, cause_3 from cluster_causes where cluster_id = 'c1'"
    ).fetchone()
    assert row == ("sampler_build = smp-new", 4.0, 1e-5, "server_pool = tpu-a")


def test_cluster_daily_counts_users_over_full_day_traffic(con):
    rows = con.execute(
        "select day, reports, users, requests from cluster_daily where cluster_id = 'c1' "
        "order by day"
    ).fetchall()
    # c1: hours 30..52 -> Aug 26 16:00 .. Aug 27 14:00 UTC
    assert [(str(d), r, u) for d, r, u, _ in rows] == [("2025-08-26", 4, 4), ("2025-08-27", 8, 6)]
    # Aug 26 = hours 14..37 of the crafted traffic: sum of 1e6 + 1000 h
    assert rows[0][3] == sum(1_000_000 + 1000 * h for h in range(14, 38))


def test_requests_hourly_is_the_total_per_hour(con):
    n, total = con.execute("select count(*), sum(requests) from requests_hourly").fetchone()
    assert n == 72
    assert total == sum(1_000_000 + 1000 * h for h in range(72))


def test_what_changed_lists_suspects_and_new_values(con):
    rows = con.execute(
        "select change, dimension, value, changed_at from what_changed order by changed_at, value"
    ).fetchall()
    events = {(c, d, v) for c, d, v, _ in rows}
    assert ("deploy_started", "sampler_build", "smp-new") in events
    assert ("first_reported", "sampler_build", "smp-new") in events
    assert ("first_reported", "server_pool", "tpu-a") in events
    # values present from the data's first hour are not changes
    assert not any(v in ("gpu-a", "smp-old") for _, _, v in events)
    within = con.execute(
        "select value, change from what_changed_between(?, ?)",
        [crafted.hour(26), crafted.hour(28)],
    ).fetchall()
    assert within == [("smp-new", "deploy_started")]


def test_what_changed_uses_the_change_log_when_the_extract_has_it():
    deploys = pa.Table.from_pylist(
        [
            {
                "deploy_id": "smp-new",
                "started_at": crafted.hour(27),
                "finished_at": crafted.hour(28),
                "component": "sampler",
                "description": "new sampler",
                "hardware": "tpu",
            },
            {"deploy_id": "fe-1", "started_at": crafted.hour(40), "component": "frontend"},
        ],
        schema=schemas.DEPLOYS,
    )
    c = _memory_extract({"deploys": deploys})
    rows = c.execute(
        "select change, value, component, scope_hardware, source from what_changed "
        "where source = 'deploys' order by changed_at, change"
    ).fetchall()
    assert rows == [
        ("deploy_started", "smp-new", "sampler", "tpu", "deploys"),
        ("deploy_finished", "smp-new", "sampler", "tpu", "deploys"),
        ("deploy_started", "fe-1", "frontend", None, "deploys"),
    ]
