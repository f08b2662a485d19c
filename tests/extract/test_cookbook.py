"""Every query of docs/cookbook.md runs on the real extract of the small replay and gives the
answer the replay's story implies (shape + one known fact per question).

The replay (pipeline/replay/world.py, docs/replay.md) is scale 0.1, seed 7: facts are checked
with margins that hold for that sample, never against numbers copied from a run.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

pytestmark = pytest.mark.slow

COOKBOOK = Path(__file__).resolve().parents[2] / "docs" / "cookbook.md"
CORRUPTION_CAUSE = "cfg-0825-tpu"
LONG_CONTEXT = ("server_pool = fp-long-1m", "context_tier = long_1m")


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def cookbook_queries() -> dict[str, str]:
    """{id: sql} of every ```sql block (each starts with `-- id: NAME`)."""
    text = COOKBOOK.read_text()
    blocks = re.findall(r"```sql\n(.*?)```", text, re.S)
    out = {}
    for sql in blocks:
        m = re.match(r"-- id: (\w+)\n", sql)
        assert m, "every cookbook query starts with '-- id: NAME'"
        assert m.group(1) not in out, f"duplicate id {m.group(1)}"
        out[m.group(1)] = sql
    return out


@pytest.fixture(scope="module")
def con(triage_extract):
    c = duckdb.connect(str(triage_extract / "triage.duckdb"), read_only=True)
    c.execute("set TimeZone = 'UTC'")
    yield c
    c.close()


def run(con, qid: str) -> list[dict]:
    cur = con.execute(cookbook_queries()[qid])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def columns(con, qid: str) -> list[str]:
    return [d[0] for d in con.execute(cookbook_queries()[qid]).description]


def causes(row) -> str:
    return " ".join(str(row.get(k) or "") for k in ("cause_1", "cause_2", "cause_3"))


# ---------------------------------------------------------------------------------------
# One checker per cookbook question
# ---------------------------------------------------------------------------------------


def check_top_problems(con, rows):
    assert 3 <= len(rows) <= 10
    users = [r["n_users"] for r in rows]
    assert users == sorted(users, reverse=True)
    assert any(r["cause_1"] in LONG_CONTEXT and r["q_1"] < 0.05 for r in rows[:3])
    corr = [r for r in rows if CORRUPTION_CAUSE in causes(r)]
    assert corr and min(r["q_1"] for r in corr) < 0.05


def check_new_since(con, rows):
    assert rows
    assert all(r["onset"] >= ts("2025-08-25T00:00:00") for r in rows)
    assert any(CORRUPTION_CAUSE in (r["cause_1"] or "") for r in rows)


def check_misrouting_by_day(con, rows):
    assert columns(con, "misrouting_by_day") == [
        "day",
        "reports",
        "users",
        "requests",
        "users_per_million",
    ]
    days = [r["day"] for r in rows]
    assert days == sorted(days) and len(days) == len(set(days)) >= 40
    rate = {r["day"]: r["users_per_million"] for r in rows}
    peak = max(rate, key=rate.get)
    assert date(2025, 8, 30) <= peak <= date(2025, 9, 6), peak

    def mean(lo, hi):
        vals = [v for d, v in rate.items() if lo <= d <= hi]
        return sum(vals) / len(vals)

    surge = mean(date(2025, 8, 30), date(2025, 9, 6))
    assert surge > 3 * mean(date(2025, 8, 6), date(2025, 8, 28))
    assert mean(date(2025, 9, 17), date(2025, 9, 30)) < surge / 3


def check_misrouting_by_platform(con, rows):
    assert [r["platform"] for r in rows][0] == "first_party"
    assert {r["platform"] for r in rows} <= {"first_party", "bedrock", "vertex"}
    assert rows[0]["pct_of_users"] >= 75
    assert sum(r["pct_of_users"] for r in rows) == pytest.approx(100, abs=0.5)


def check_pools_unexpected_script_24h(con, rows):
    assert rows and columns(con, "pools_unexpected_script_24h") == [
        "server_pool",
        "reports",
        "hours_with_reports",
        "peak_hourly_rate",
        "reports_per_million",
    ]
    assert rows[0]["server_pool"].startswith("fp-tpu")
    on_fp_tpu = sum(r["reports"] for r in rows if r["server_pool"].startswith("fp-tpu"))
    assert on_fp_tpu >= 0.8 * sum(r["reports"] for r in rows)
    for r in rows:  # a rate over the whole window is below the peak hour's rate
        assert 0 < r["reports_per_million"] <= r["peak_hourly_rate"]


def check_corruption_scope(con, rows):
    assert (rows[0]["platform"], rows[0]["hardware"]) == ("first_party", "tpu")
    assert rows[0]["pct_of_users"] >= 80


def check_what_changed_on_tpu(con, rows):
    assert rows
    values = {r["value"] for r in rows}
    assert CORRUPTION_CAUSE in values
    assert "smp-0826-tpu" in values  # the sampler build a day later, on the same servers
    for r in rows:
        assert r["hardware_seen"] in (["tpu"], None)
    first = min(r["changed_at"] for r in rows if r["value"] == CORRUPTION_CAUSE)
    assert ts("2025-08-25T00:00:00") <= first <= ts("2025-08-26T00:00:00")


def check_suspects_lead_time(con, rows):
    assert all(1 <= r["suspect_rank"] <= 3 for r in rows)
    for r in rows:
        lead = (r["onset"] - r["started_at"]).total_seconds() / 3600
        assert r["hours_before_onset"] == pytest.approx(lead)
    # The corruption clusters: those whose rank-1 cause names the corruption's config. (Other
    # clusters may list it lower, e.g. a sampler cluster of comment-less reports at rank 3.)
    corruption = {
        cid
        for (cid,) in con.execute(
            "select cluster_id from attributions where rank = 1 and value like ?",
            [f"%{CORRUPTION_CAUSE}%"],
        ).fetchall()
    }
    corr = [r for r in rows if r["cluster_id"] in corruption and r["suspect_rank"] == 1]
    assert corruption and {r["cluster_id"] for r in corr} == corruption
    assert all(r["deploy_id"] == CORRUPTION_CAUSE for r in corr)
    assert all(0 <= r["hours_before_onset"] <= 24 for r in corr)


def check_which_version_column(con, rows):
    assert rows
    by_cluster: dict[str, dict[str, dict]] = {}
    for r in rows:
        by_cluster.setdefault(r["cluster_id"], {})[r["dimension"]] = r
    for dims in by_cluster.values():
        assert dims["runtime_config"]["value"] == CORRUPTION_CAUSE
        if "deploy_id" in dims:
            assert dims["runtime_config"]["rank"] < dims["deploy_id"]["rank"]


def check_corruption_by_model(con, rows):
    last = {r["model"]: r["last_report"] for r in rows}
    assert rows[0]["model"] == "sonnet-4"
    # Opus 4 / 4.1 rolled back Aug 28 20:00-23:00 (reports follow within the hour)
    for model in ("opus-4", "opus-4.1"):
        if model in last:
            assert last[model] <= ts("2025-08-29T00:00:00"), model
    assert ts("2025-09-01T00:00:00") <= last["sonnet-4"] <= ts("2025-09-02T18:00:00")


def check_topk_by_model(con, rows):
    last = {r["model"]: r["last_report"] for r in rows}
    assert last["haiku-3.5"] <= ts("2025-09-04T14:00:00")  # rolled back Sep 4 10:00-13:00
    assert ts("2025-09-05T00:00:00") < last["opus-3"] <= ts("2025-09-12T14:00:00")
    assert last["sonnet-4"] > ts("2025-09-12T14:00:00")  # Sonnet 4 keeps the build
    assert all(r["first_report"] >= ts("2025-08-26T00:00:00") for r in rows)


def check_repeat_users(con, rows):
    ratios = [r["reports_per_user"] for r in rows]
    assert ratios == sorted(ratios, reverse=True)
    for r in rows:
        assert r["reports_per_user"] == pytest.approx(r["n_reports"] / r["n_users"], abs=0.006)
    routing = [r for r in rows if r["cause_1"] in LONG_CONTEXT or r["cause_2"] in LONG_CONTEXT]
    assert routing
    sticky = max(routing, key=lambda r: r["reports_per_user"])
    assert sticky["reports_per_user"] > 1.5
    assert sticky["sticky_concentration"] > 0.1


def check_run_accounting(con, rows, replay: Path):
    run = rows[0]
    assert run["reports_in"] == run["reports_out"] + run["quarantined"]
    assert sum(r["lines"] for r in rows) == run["quarantined"]
    malformed = pq.read_table(replay / "truth/malformed.parquet").num_rows
    assert run["quarantined"] == malformed


CHECKS = {
    "top_problems": check_top_problems,
    "new_since": check_new_since,
    "misrouting_by_day": check_misrouting_by_day,
    "misrouting_by_platform": check_misrouting_by_platform,
    "pools_unexpected_script_24h": check_pools_unexpected_script_24h,
    "corruption_scope": check_corruption_scope,
    "what_changed_on_tpu": check_what_changed_on_tpu,
    "suspects_lead_time": check_suspects_lead_time,
    "which_version_column": check_which_version_column,
    "corruption_by_model": check_corruption_by_model,
    "topk_by_model": check_topk_by_model,
    "repeat_users": check_repeat_users,
    "run_accounting": check_run_accounting,
}


def test_every_cookbook_query_has_a_check_and_there_are_at_least_ten():
    assert set(cookbook_queries()) == set(CHECKS)
    assert len(CHECKS) >= 10


@pytest.mark.parametrize("qid", list(CHECKS))
def test_cookbook_query(con, qid, small_replay):
    rows = run(con, qid)
    assert rows, f"{qid} returned no rows"
    check = CHECKS[qid]
    if qid == "run_accounting":
        check(con, rows, small_replay)
    else:
        check(con, rows)


def test_cookbook_queries_run_through_triage_query(triage_extract, tmp_path):
    """The documented way: every cookbook query is accepted by `triage query` as read-only."""
    import shutil

    from pipeline.cli.query import open_extract, run_query

    # A copy: DuckDB refuses a second in-process connection with other settings to one file.
    db = tmp_path / "triage.duckdb"
    shutil.copy(triage_extract / "triage.duckdb", db)
    con = open_extract(db)
    try:
        for qid, sql in cookbook_queries().items():
            assert run_query(con, sql).num_rows > 0, qid
    finally:
        con.close()
