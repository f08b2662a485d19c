"""Real scheduled runs over the replay (date partitions): lock, idempotence, stable ids, backfill.

One module fixture runs the real job four times at scale 0.1 with a 2-day window:
two concurrent `triage schedule` processes for Aug 26 (one runs, one is skipped), Aug 27 in
process, Aug 27 again (the re-run), and the one-job backfill of Aug 26..27.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from pipeline.replay.partition import partition_replay
from pipeline.run import schedule
from pipeline.run.options import KeySource, RunOptions
from tests.conftest import SHARED, TEST_KEY

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
D1, D2 = date(2025, 8, 26), date(2025, 8, 27)
WINDOW = 2
KEY_VAR = "TRIAGE_SCHEDULE_TEST_KEY"  # same key as the CLI runs, under a name of its own
TABLES = ("reports", "clusters", "attributions", "suspects", "cluster_timeseries", "quarantine")
# Per-report columns that do not depend on which other reports share the run.
ROW_COLUMNS = (
    "report_id",
    "kind",
    "submitted_hour",
    "user_pseudonym",
    "session_pseudonym",
    "request_pseudonym",
    "surface",
    "reported_model",
    "comment_redacted",
    "response_redacted",
    "tags",
    "symptoms",
    "symptom_evidence",
    "joined",
)


@dataclass
class Week:
    inp: Path
    out: Path
    concurrent: list[subprocess.CompletedProcess]
    d2_first: list
    d2_tables: dict
    d1_bytes: str
    d2_rerun: list
    d2_rerun_tables: dict
    one_job: schedule.DayResult


def _tables(db: Path) -> dict[str, list[dict]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            t: con.execute(f"select * from {t}").to_arrow_table().to_pylist()
            for t in TABLES + ("runs",)
        }
    finally:
        con.close()


def _differing(a: list[dict], b: list[dict]) -> int:
    """How many rows differ (a length mismatch counts its extra rows)."""
    return sum(x != y for x, y in zip(a, b, strict=False)) + abs(len(a) - len(b))


def _without_centroids(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "centroid"} for r in rows]


def _centroid_drift(a: list[dict], b: list[dict]) -> float:
    """Largest absolute difference between the same clusters' centroids (0 if none).

    The embedding model's output moves in the 8th decimal with batch composition, which the
    runner does not fix; ids, memberships and every other column must match exactly.
    """
    import numpy as np

    cb = {r["cluster_id"]: r["centroid"] for r in b}
    drift = [
        float(np.max(np.abs(np.asarray(r["centroid"]) - np.asarray(cb[r["cluster_id"]]))))
        for r in a
        if r["centroid"] is not None and cb.get(r["cluster_id"]) is not None
    ]
    return max(drift, default=0.0)


def _cli(inp: Path, out: Path) -> subprocess.Popen:
    env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "TRIAGE_QUIET": "1"}
    env["TRIAGE_PSEUDONYM_KEY"] = TEST_KEY
    cmd = [sys.executable, "-m", "pipeline.cli.main", "schedule", "--input", str(inp)]
    cmd += ["--output", str(out), "--date", D1.isoformat(), "--window", str(WINDOW)]
    cmd += ["--min-users", "1"]
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.fixture(scope="module")
def week(small_replay, tmp_path_factory) -> Week:
    work = tmp_path_factory.mktemp("schedule")
    inp, out = work / "input", work / "out"
    partition_replay(small_replay, inp)
    procs = [_cli(inp, out), _cli(inp, out)]
    concurrent = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=900)
        concurrent.append(subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr))
    os.environ[KEY_VAR] = TEST_KEY
    base = RunOptions(input_dir=inp, output_dir=out, min_users=1, key=KeySource(env_var=KEY_VAR))
    d1_db = schedule.dated_dir(out, D1) / "triage.duckdb"
    d2_db = schedule.dated_dir(out, D2) / "triage.duckdb"
    d2_first = schedule.run_days(base, [D2], WINDOW)
    d2_tables = _tables(d2_db)
    d1_bytes = hashlib.sha256(d1_db.read_bytes()).hexdigest()
    d2_rerun = schedule.run_days(base, [D2], WINDOW)
    d2_rerun_tables = _tables(d2_db)
    one_job = schedule.run_range_one_job(base, D1, D2, WINDOW)
    return Week(
        inp, out, concurrent, d2_first, d2_tables, d1_bytes, d2_rerun, d2_rerun_tables, one_job
    )


def test_two_concurrent_schedules_one_runs_and_one_is_skipped(week):
    codes = sorted(p.returncode for p in week.concurrent)
    assert codes == [0, 75], [p.stderr[-400:] for p in week.concurrent]
    skipped = next(p for p in week.concurrent if p.returncode == 75)
    assert skipped.stderr.strip().splitlines()[-1].startswith("triage schedule: skipped:")
    assert skipped.stdout == ""
    ran = next(p for p in week.concurrent if p.returncode == 0)
    assert ran.stdout.startswith(f"{D1}: ")
    assert (schedule.dated_dir(week.out, D1) / "triage.duckdb").is_file()


def test_dated_extracts_conform_to_the_contract(week):
    spec = importlib.util.spec_from_file_location(
        "check_extract", SHARED / "contract/check_extract.py"
    )
    checker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checker)
    for day in (D1, D2):
        assert checker.problems(schedule.dated_dir(week.out, day) / "triage.duckdb", week.inp) == []


def test_each_day_reads_exactly_its_window(week):
    for day in (D1, D2):
        since, until = schedule.day_window(day, WINDOW)
        t = _tables(schedule.dated_dir(week.out, day) / "triage.duckdb")
        hours = [r["submitted_hour"] for r in t["reports"]]
        assert hours and min(hours) >= since and max(hours) <= until
        assert min(hours).date() == since.date() and max(hours).date() == day


def test_rerun_of_a_day_changes_no_table_and_no_other_day(week):
    (first,), (again,) = week.d2_first, week.d2_rerun
    assert first.previous == again.previous == schedule.dated_dir(week.out, D1) / "triage.duckdb"
    for table in TABLES:
        before, after = week.d2_tables[table], week.d2_rerun_tables[table]
        if table == "clusters":  # centroids: float noise of batched embedding, see below
            before, after = _without_centroids(before), _without_centroids(after)
        assert _differing(before, after) == 0, table  # counts only: rows hold report text
    assert _centroid_drift(week.d2_tables["clusters"], week.d2_rerun_tables["clusters"]) < 1e-6
    assert week.d2_rerun_tables["runs"][0]["run_id"] != week.d2_tables["runs"][0]["run_id"]
    d1_db = schedule.dated_dir(week.out, D1) / "triage.duckdb"
    assert hashlib.sha256(d1_db.read_bytes()).hexdigest() == week.d1_bytes
    assert os.readlink(week.out / "latest") == f"daily/date={D2}"
    assert again.latest == D2


def test_next_day_keeps_the_ids_of_the_clusters_it_matches(week):
    day1 = {
        r["cluster_id"]: r
        for r in _tables(schedule.dated_dir(week.out, D1) / "triage.duckdb")["clusters"]
    }
    day2 = {r["cluster_id"]: r for r in week.d2_tables["clusters"]}
    found1 = {c for c, r in day1.items() if not r["is_background"]}
    found2 = {c for c, r in day2.items() if not r["is_background"]}
    assert found1 and found2, (len(found1), len(found2))
    kept = found1 & found2
    assert kept, (
        f"no cluster id carried from {D1} to {D2} ({len(found1)} and {len(found2)} clusters)"
    )


def test_backfill_day_by_day_equals_one_job_report_by_report(week):
    one = _tables(week.one_job.output_dir / "triage.duckdb")
    since, _ = schedule.day_window(D1, WINDOW)
    assert week.one_job.since == since and week.one_job.until == schedule.day_window(D2, WINDOW)[1]
    by_day: dict[str, dict] = {}
    for day in (D1, D2):
        rows = _tables(schedule.dated_dir(week.out, day) / "triage.duckdb")["reports"]
        part = [r for r in rows if r["submitted_hour"].date() == day]
        assert part, day
        for r in part:
            assert r["report_id"] not in by_day  # each report lands in exactly one day
            by_day[r["report_id"]] = r
    one_rows = {r["report_id"]: r for r in one["reports"] if r["submitted_hour"].date() in (D1, D2)}
    assert len(set(one_rows) ^ set(by_day)) == 0, (len(one_rows), len(by_day))
    dims = [c for c in one["reports"][0] if c not in ROW_COLUMNS and c != "cluster_id"]
    mismatched = {
        col: sum(1 for rid in by_day if by_day[rid][col] != one_rows[rid][col])
        for col in (*ROW_COLUMNS, *dims)
    }
    assert not any(mismatched.values()), {k: v for k, v in mismatched.items() if v}
    # Each run reads only the partitions of its window (+-1 day), so the one job's quarantine
    # is the union of the two days' quarantines, and exactly the bad lines of those files.
    one_q = {(q["source"], q["line"], q["reason"]) for q in one["quarantine"]}
    daily_q = set()
    for day in (D1, D2):
        rows = _tables(schedule.dated_dir(week.out, day) / "triage.duckdb")["quarantine"]
        daily_q |= {(q["source"], q["line"], q["reason"]) for q in rows}
    assert len(one_q ^ daily_q) == 0, (len(one_q), len(daily_q))
    assert one_q == _bad_lines(week.inp, week.one_job.since, week.one_job.until)


def _bad_lines(inp: Path, since, until) -> set:
    from pipeline.run.inputs import list_files, prune_partitions
    from pipeline.run.validate import parse_feedback_line

    root = str(inp).rstrip("/") + "/"
    found = set()
    for path in prune_partitions(list_files(f"{inp}/feedback/*.jsonl"), since, until):
        with open(path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, start=1):
                if line.strip():
                    reason = parse_feedback_line(line)[1]
                    if reason:
                        found.add((path.removeprefix(root), lineno, reason))
    return found


def test_one_job_backfill_leaves_dated_extracts_and_latest_alone(week):
    assert week.one_job.output_dir.parent.name == "backfill"
    assert os.readlink(week.out / "latest") == f"daily/date={D2}"
    now = _tables(schedule.dated_dir(week.out, D2) / "triage.duckdb")
    assert _differing(now["reports"], week.d2_rerun_tables["reports"]) == 0
    assert now["runs"][0]["run_id"] == week.d2_rerun_tables["runs"][0]["run_id"]
    assert pq.read_table(week.one_job.output_dir / "parquet" / "reports.parquet").num_rows == len(
        _tables(week.one_job.output_dir / "triage.duckdb")["reports"]
    )
