"""The dashboard's queries against an extract built by the real pipeline.

Expected numbers are recomputed independently from OUT/parquet/*.parquet with pyarrow, so a
wrong join, filter or window in the SQL fails here.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from app import queries
from joins.schemas import CONTRACT_VERSION
from pipeline.extract.reader import ExtractProblem
from tests.app.conftest import copy_extract


def _parquet(extract_db: Path, table: str):
    return pq.read_table(extract_db.parent / "parquet" / f"{table}.parquet")


def _published(extract_db: Path) -> set[str]:
    cl = _parquet(extract_db, "clusters").to_pylist()
    return {c["cluster_id"] for c in cl if c["published"]}


def _per_cluster(rows: list[dict]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, set]] = {}
    for r in rows:
        n, users = out.get(r["cluster_id"], (0, set()))
        users.add(r["user_pseudonym"])
        out[r["cluster_id"]] = (n + 1, users)
    return {k: (n, len(u)) for k, (n, u) in out.items()}


def test_overview_counts_match_the_reports_table(con, extract_db):
    df = queries.overview(con)
    reports = _parquet(extract_db, "reports").to_pylist()
    published = _published(extract_db)
    want = _per_cluster([r for r in reports if r["cluster_id"] in published])
    got = {r.cluster_id: (r.reports, r.users) for r in df.itertuples()}
    assert got == want, f"{len(got)} clusters shown, {len(want)} expected"
    first, last = queries.time_bounds(con)
    days = (last.date() - first.date()).days + 1
    assert all(
        len(d) == days and sum(d) == n for d, n in zip(df["daily"], df["reports"], strict=True)
    )


def test_overview_filters_restrict_reports(con, extract_db):
    reports = _parquet(extract_db, "reports").to_pylist()
    published = _published(extract_db)
    first, last = queries.time_bounds(con)
    start, end = first + timedelta(days=20), last - timedelta(days=10)
    model = queries.distinct_values(con, "model")[0]
    surface = queries.distinct_values(con, "surface")[0]
    f = queries.Filters(start=start, end=end, model=(model,), surface=(surface,))
    keep = [
        r
        for r in reports
        if r["cluster_id"] in published
        and start <= r["submitted_hour"] <= end
        and r["model"] == model
        and r["surface"] == surface
    ]
    assert keep, "the filter keeps no report: pick another value"
    got = {r.cluster_id: (r.reports, r.users) for r in queries.overview(con, f).itertuples()}
    assert got == _per_cluster(keep)
    assert queries.totals(con, f)["reports"] == sum(
        1
        for r in reports
        if start <= r["submitted_hour"] <= end and r["model"] == model and r["surface"] == surface
    )


def test_overview_status_new_and_growing(con, extract_db):
    clusters = {c["cluster_id"]: c for c in _parquet(extract_db, "clusters").to_pylist()}
    reports = _parquet(extract_db, "reports").to_pylist()
    regular = [c for c in clusters.values() if c["published"] and not c["is_background"]]
    latest = max(regular, key=lambda c: (c["first_seen"], c["cluster_id"]))
    # "Now" a day after the youngest cluster appeared: it must be new, and the ranking must
    # put new and growing clusters first.
    end = latest["first_seen"] + timedelta(hours=24)
    df = queries.overview(con, queries.Filters(end=end), recent_hours=72)
    status = dict(zip(df["cluster_id"], df["status"], strict=True))
    assert status[latest["cluster_id"]] == "new"
    for cid, s in status.items():
        c = clusters[cid]
        recent = {
            r["user_pseudonym"]
            for r in reports
            if r["cluster_id"] == cid and end - timedelta(hours=72) < r["submitted_hour"] <= end
        }
        prior = {
            r["user_pseudonym"]
            for r in reports
            if r["cluster_id"] == cid
            and end - timedelta(hours=144) < r["submitted_hour"] <= end - timedelta(hours=72)
        }
        if c["is_background"]:
            want = "background"
        elif c["first_seen"] > end - timedelta(hours=72):
            want = "new"
        elif len(recent) >= 2 * max(len(prior), 1) and len(recent) >= 3:
            want = "growing"
        else:
            want = "steady"
        assert s == want, f"{cid}: {s} != {want} ({len(recent)} recent, {len(prior)} prior)"
    flagged = [s in ("new", "growing") for s in df["status"]]
    assert flagged == sorted(flagged, reverse=True)
    by_size = queries.overview(con, order="size")
    assert list(by_size["users"]) == sorted(by_size["users"], reverse=True)


def test_rank1_cause_is_the_attribution_of_rank_1(con, extract_db):
    attrib = [a for a in _parquet(extract_db, "attributions").to_pylist() if a["rank"] == 1]
    want = {a["cluster_id"]: f"{a['dimension']} = {a['value']}" for a in attrib}
    df = queries.overview(con)
    got = {r.cluster_id: r.cause for r in df.itertuples() if isinstance(r.cause, str)}
    assert got == {k: v for k, v in want.items() if k in got}
    assert set(got) == set(want) & set(df["cluster_id"])


def test_unpublished_cluster_shows_counts_only(hidden_copy):
    db, cid, _ = hidden_copy
    c = queries.connect(db)
    try:
        assert cid not in set(queries.overview(c)["cluster_id"])
        assert cid not in set(queries.published_clusters(c)["cluster_id"])
        n, users = c.execute(
            "select count(*), count(distinct user_pseudonym) from reports where cluster_id = ?",
            [cid],
        ).fetchone()
        assert queries.unpublished_counts(c) == {"clusters": 1, "reports": n, "users": users}
        # Even if an extract still held rows for it, per-cluster queries return nothing.
        assert queries.cluster(c, cid) is None
        assert queries.examples(c, cid) == []
        assert queries.pool_by_hour(c, cid).empty
        assert queries.reports_per_user(c, cid).empty
        assert queries.symptoms_of(c, cid) == []
        for dim in queries.dimensions(c)[:3]:
            assert cid not in set(queries.lift_matrix(c, dim)["cluster_id"])
        first, _ = queries.time_bounds(c)
        assert cid not in set(queries.compare_windows(c, first + timedelta(days=25))["cluster_id"])
    finally:
        c.close()


def test_per_cluster_queries_ignore_rows_of_an_unpublished_cluster(extract_db, tmp_path):
    # A defective extract that kept text and attributions for an unpublished cluster.
    db = copy_extract(extract_db, tmp_path)
    w = duckdb.connect(str(db))
    cid = w.execute(
        "select cluster_id from attributions group by 1 order by count(*) desc limit 1"
    ).fetchone()[0]
    w.execute("update clusters set published = false where cluster_id = ?", [cid])
    w.close()
    c = queries.connect(db)
    try:
        assert queries.attributions(c, cid).empty
        assert queries.suspects(c, cid).empty
        assert queries.rate_series(c, cid).empty
        assert queries.examples(c, cid) == []
        assert cid not in set(queries.lift_matrix(c, "hardware", baseline="traffic")["cluster_id"])
    finally:
        c.close()


def test_attribution_interval_brackets_lift(con):
    cid = con.execute(
        "select cluster_id from attributions group by 1 order by count(*) desc, 1 limit 1"
    ).fetchone()[0]
    df = queries.attributions(con, cid)
    assert not df.empty and list(df["rank"]) == sorted(df["rank"])
    assert (df["lift_low"] <= df["lift"] + 1e-9).all() and (df["lift"] <= df["lift_high"]).all()


def test_poisson_interval_matches_published_values():
    low, high = queries.poisson_interval([0, 10], 0.95)
    # Garwood intervals: 0 -> (0, 3.689), 10 -> (4.795, 18.390).
    assert np.allclose(low, [0.0, 4.7954], atol=1e-3)
    assert np.allclose(high, [3.6889, 18.3904], atol=1e-3)


def test_lift_matrix_reports_baseline(con, extract_db):
    rows = [
        r
        for r in _parquet(extract_db, "reports").to_pylist()
        if r["joined"] and r["server_pool"] is not None and r["cluster_id"] is not None
    ]
    df = queries.lift_matrix(con, "server_pool")
    cell = df.sort_values(["reports", "cluster_id", "value"], ascending=False).iloc[0]
    in_cluster = [r for r in rows if r["cluster_id"] == cell["cluster_id"]]
    share_c = sum(r["server_pool"] == cell["value"] for r in in_cluster) / len(in_cluster)
    share_all = sum(r["server_pool"] == cell["value"] for r in rows) / len(rows)
    assert cell["lift"] == pytest.approx(share_c / share_all)
    traffic = queries.lift_matrix(con, "server_pool", baseline="traffic")
    attrib = _parquet(extract_db, "attributions")
    mask = pc.equal(attrib.column("dimension"), "server_pool")
    assert len(traffic) == pc.sum(mask.cast("int64")).as_py()


def test_compare_windows_sums_the_hourly_series(con, extract_db):
    ts = _parquet(extract_db, "cluster_timeseries").to_pylist()
    deploys = queries.deploy_choices(con)
    assert not deploys.empty
    pivot = deploys["started_at"].iloc[len(deploys) // 2].to_pydatetime()
    df = queries.compare_windows(con, pivot, hours=48).set_index("cluster_id")
    for cid, row in df.iterrows():
        before = [
            t
            for t in ts
            if t["cluster_id"] == cid and pivot - timedelta(hours=48) <= t["hour"] < pivot
        ]
        after = [
            t
            for t in ts
            if t["cluster_id"] == cid and pivot <= t["hour"] < pivot + timedelta(hours=48)
        ]
        assert row["reports_before"] == sum(t["reports"] for t in before)
        assert row["reports_after"] == sum(t["reports"] for t in after)
        req = sum(t["requests"] or 0 for t in after)
        if req:
            assert row["rate_after"] == pytest.approx(row["reports_after"] * 1e6 / req)


def test_run_health_queries(con, extract_db):
    run = _parquet(extract_db, "runs").to_pylist()[-1]
    assert queries.runs(con)["run_id"].iloc[0] == run["run_id"]
    q = queries.quarantine_reasons(con)
    assert int(q["lines"].sum()) == run["quarantined"]
    red = queries.redactions(con)
    assert dict(zip(red["entity_type"], red["redacted"], strict=True)) == json.loads(
        run["redactions"]
    )
    assert list(red["redacted"]) == sorted(red["redacted"], reverse=True)
    audit = queries.audit_findings(con)
    record = json.loads(run["audit_findings"])
    assert int(audit["findings"].sum()) == sum(record["findings"].values())
    rate = queries.audit_rate(con)
    assert rate["texts"] == record["texts"] > 0
    assert rate["texts_with_findings"] == record["texts_with_findings"]
    assert rate["share"] == pytest.approx(record["texts_with_findings"] / record["texts"])
    assert rate["share"] <= rate["budget"] == json.loads(run["options"])["audit_budget"]


def test_audit_queries_read_the_old_flat_record_too(extract_db, tmp_path):
    """Extracts published before the audit masked (a flat {type: count}) still show."""
    db = copy_extract(extract_db, tmp_path)
    c = duckdb.connect(str(db))
    c.execute("""update runs set audit_findings = '{"PHONE_NUMBER": 2, "SECRET": 0}'""")
    c.close()
    c = queries.connect(db)
    try:
        audit = queries.audit_findings(c)
        assert dict(zip(audit["entity_type"], audit["findings"], strict=True)) == {
            "PHONE_NUMBER": 2,
            "SECRET": 0,
        }
        assert queries.audit_rate(c) == {
            "texts": None,
            "texts_with_findings": None,
            "share": None,
            "budget": None,
        }
    finally:
        c.close()


def test_column_names_are_checked(con):
    with pytest.raises(ValueError):
        queries.distinct_values(con, 'model" from reports; --')
    with pytest.raises(ValueError):
        queries.lift_matrix(con, "user_pseudonym")


def test_missing_extract_is_a_clear_problem(tmp_path):
    with pytest.raises(ExtractProblem, match="does not exist"):
        queries.connect(tmp_path / "triage.duckdb")
    assert queries.signature(tmp_path / "triage.duckdb") is None


def test_not_a_duckdb_file_is_a_clear_problem(tmp_path):
    bad = tmp_path / "triage.duckdb"
    bad.write_bytes(b"not a database at all" * 100)
    with pytest.raises(ExtractProblem, match="cannot be read"):
        queries.connect(bad)


def test_other_contract_version_is_a_clear_problem(extract_db, tmp_path):
    db = copy_extract(extract_db, tmp_path)
    w = duckdb.connect(str(db))
    w.execute("update runs set contract_version = '0'")
    w.close()
    with pytest.raises(ExtractProblem, match=f"version '0'.*version '{CONTRACT_VERSION}'"):
        queries.connect(db)


def test_missing_tables_is_a_clear_problem(extract_db, tmp_path):
    db = copy_extract(extract_db, tmp_path)
    w = duckdb.connect(str(db))
    w.execute("drop view if exists cluster_causes")
    w.execute("drop table quarantine")
    w.close()
    with pytest.raises(ExtractProblem, match="lacks the tables quarantine"):
        queries.connect(db)


def test_swapped_extract_changes_signature_and_data(extract_db, tmp_path):
    live = copy_extract(extract_db, tmp_path / "out")
    before = queries.signature(live)
    c_old = queries.connect(live)
    old_id = queries.runs(c_old)["run_id"].iloc[0]
    new = copy_extract(extract_db, tmp_path / "staging")
    w = duckdb.connect(str(new))
    w.execute("update runs set run_id = 'run-swapped'")
    w.close()
    os.replace(new, live)
    assert queries.signature(live) != before
    c_new = queries.connect(live)
    try:
        assert queries.runs(c_new)["run_id"].iloc[0] == "run-swapped"
        # A connection opened before the swap keeps reading the file it opened.
        assert queries.runs(c_old)["run_id"].iloc[0] == old_id
    finally:
        c_new.close()
        c_old.close()
