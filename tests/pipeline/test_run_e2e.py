"""End to end: `triage run` on a small replay with the real models and a real Beam run."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter

import duckdb
import pyarrow.parquet as pq
import pytest

from tests.conftest import SHARED, run_triage

pytestmark = pytest.mark.slow
TABLES = ("reports", "clusters", "attributions", "suspects", "cluster_timeseries", "quarantine")


def _checker():
    spec = importlib.util.spec_from_file_location(
        "check_extract", SHARED / "contract/check_extract.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def extract(triage_extract):
    return triage_extract, (triage_extract / "run_stdout.txt").read_text()


def test_extract_conforms_to_the_contract_without_raw_ids(extract, small_replay):
    out, _ = extract
    problems = _checker().problems(out / "triage.duckdb", small_replay)
    assert problems == []


def test_accounting_and_quarantine_match_the_truth(extract, small_replay):
    out, _ = extract
    con = duckdb.connect(str(out / "triage.duckdb"), read_only=True)
    reports_in, reports_out, quarantined, dups = con.execute(
        "select reports_in, reports_out, quarantined, duplicates from runs"
    ).fetchone()
    assert reports_in == reports_out + quarantined
    truth = pq.read_table(small_replay / "truth/reports.parquet")
    valid = [r for r in truth.to_pylist() if r["status"] == "valid"]
    assert reports_out == len(valid)
    assert dups == sum(r["n_copies"] - 1 for r in valid)
    malformed = {
        (r["source"], r["line"])
        for r in pq.read_table(small_replay / "truth/malformed.parquet").to_pylist()
    }
    got = set(con.execute("select source, line from quarantine").fetchall())
    assert got == malformed


def test_no_injected_personal_data_reaches_the_extract(extract, small_replay):
    out, _ = extract
    values = {
        r["value"]
        for r in pq.read_table(small_replay / "truth/pii.parquet").to_pylist()
        if len(r["value"]) >= 6
    }
    con = duckdb.connect(str(out / "triage.duckdb"), read_only=True)
    texts = []
    for table in TABLES:
        cols = [
            c
            for (c,) in con.execute(
                "select column_name from information_schema.columns where table_name = ? "
                "and data_type = 'VARCHAR'",
                [table],
            ).fetchall()
        ]
        for col in cols:
            texts += [v for (v,) in con.execute(f'select "{col}" from {table}').fetchall() if v]
    blob = "\n".join(texts)
    leaked = sum(1 for v in values if v in blob)
    assert leaked == 0, f"{leaked} injected personal-data values found in the extract"


def _bug_cluster(assignments, truth, bug: str, min_reports: int = 10) -> str:
    """The cluster most concentrated in ``bug`` among those holding >= ``min_reports`` of it.

    The largest holder is not used: a bug without a distinctive symptom (top-k) has most of
    its reports in the background lump, which is attributed to the strongest signal in it.
    """
    held = Counter(cid for rid, cid in assignments if truth.get(rid) == bug)
    size = Counter(cid for _, cid in assignments)
    candidates = [c for c, k in held.items() if k >= min_reports and c != "background"]
    return max(candidates, key=lambda c: (held[c] / size[c], held[c]))


def test_each_bug_is_attributed_to_its_true_cause(extract, small_replay):
    out, _ = extract
    causes = json.loads((small_replay / "truth/causes.json").read_text())
    truth = {
        r["report_id"]: r["cause"]
        for r in pq.read_table(small_replay / "truth/reports.parquet").to_pylist()
    }
    con = duckdb.connect(str(out / "triage.duckdb"), read_only=True)
    assignments = con.execute("select report_id, cluster_id from reports").fetchall()
    for bug in ("routing_1m", "tpu_corruption", "topk_sampler"):
        cluster = _bug_cluster(assignments, truth, bug)
        row = con.execute(
            "select dimension, value, q_value from attributions where cluster_id = ? and rank = 1",
            [cluster],
        ).fetchone()
        assert row is not None, bug
        accepted = {(c["dimension"], c["value"]) for c in causes[bug]["accepted_causes"]}
        parts = set(zip(row[0].split(" & "), row[1].split(" & "), strict=True))
        assert parts & accepted, (bug, row[0], row[1])
        assert row[2] < 0.05
        if bug != "routing_1m":  # routing's deploys are load-balancer changes weeks apart
            suspects = [
                d for (d,) in con.execute(
                    "select deploy_id from suspects where cluster_id = ? order by score desc",
                    [cluster],
                ).fetchall()
            ]  # fmt: skip
            assert set(suspects[:3]) & set(causes[bug]["deploys"]), (bug, suspects)


def test_same_inputs_same_tables(extract, small_replay, tmp_path):
    out, _ = extract
    proc = run_triage(small_replay, tmp_path / "again")
    assert proc.returncode == 0, proc.stderr[-2000:]
    a = duckdb.connect(str(out / "triage.duckdb"), read_only=True)
    b = duckdb.connect(str(tmp_path / "again/triage.duckdb"), read_only=True)
    for table in TABLES:
        assert (
            a.execute(f"select * from {table}").fetchall()
            == b.execute(f"select * from {table}").fetchall()
        ), table


def test_summary_names_clusters_and_extract_is_owner_only(extract):
    out, proc = extract
    assert "rank-1 cause" in proc and "reports in" in proc
    assert (out / "triage.duckdb").stat().st_mode & 0o077 == 0
    assert (out / "parquet/reports.parquet").exists()


@pytest.mark.parametrize("case", ["missing_input", "missing_key", "unwritable_output"])
def test_fatal_problems_are_one_clear_line(case, small_replay, tmp_path):
    if case == "missing_input":
        proc = run_triage(tmp_path / "nope", tmp_path / "out")
        expected = "does not exist"
    elif case == "missing_key":
        proc = run_triage(small_replay, tmp_path / "out", key=None)
        expected = "TRIAGE_PSEUDONYM_KEY is not set"
    else:
        blocker = tmp_path / "a-file"
        blocker.write_text("")  # a path under a regular file cannot be a directory, even for root
        proc = run_triage(small_replay, blocker / "out")
        expected = "cannot be created"
    assert proc.returncode == 2
    err = [ln for ln in proc.stderr.strip().splitlines() if "error" in ln]
    assert len(err) == 1 and expected in err[0]


def test_evaluate_command_scores_each_bug_on_its_clusters(extract, small_replay):
    import subprocess
    import sys

    out, _ = extract
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", "evaluate", "--truth",
         str(small_replay / "truth"), "--extract", str(out / "triage.duckdb")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = {
        ln.split(")")[0] + ")": ln.split()[2:4] for ln in proc.stdout.splitlines() if ") " in ln
    }
    assert rows["routing_1m (largest)"] == ["True", "1"]
    assert rows["tpu_corruption (largest)"] == ["True", "1"]
    assert rows["topk_sampler (focused)"] == ["True", "1"]
    assert "leaked personal-data values: none" in proc.stdout


def test_a_window_without_reports_publishes_an_empty_conforming_extract(small_replay, tmp_path):
    """Nothing in the window: the global steps still run once (on an empty list) and the
    extract is published, empty but valid, with the run's accounting."""
    out = tmp_path / "out"
    proc = run_triage(small_replay, out, "--since", "2099-01-01T00:00:00Z", "--min-users", "7")
    assert proc.returncode == 0, proc.stderr[-500:]
    # The contract checker expects reports; every other check of it (tables, columns,
    # types, views) must pass on the empty extract.
    problems = _checker().problems(out / "triage.duckdb", small_replay)
    assert problems == ["reports is empty"]
    con = duckdb.connect(str(out / "triage.duckdb"), read_only=True)
    reports_out, outside, k = con.execute(
        "select reports_out, outside_window, min_users from runs"
    ).fetchone()
    assert reports_out == 0 and outside > 0
    assert k == 7  # the run's --min-users, recorded for the contract checker
    assert con.execute("select count(*) from clusters").fetchone()[0] == 0
