"""The accounting at publish, fast: staged tables and counts in, the `runs` row out.

`publish` is called on a staging folder written by hand (the crafted extract's tables), so
the rules are checked without a pipeline run: reports_in = unique valid reports +
quarantined lines = reports_out + quarantined; duplicates = valid - unique; outside_window
as counted; min_users = the run's K; a reports table that disagrees with the unique count
publishes nothing.
"""

from __future__ import annotations

import importlib.util
import json
import re
from datetime import UTC, datetime

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from joins import schemas
from pipeline.extract.publish import DB_NAME, TriageError, project_version, publish
from pipeline.run import locations
from pipeline.run.options import RunOptions
from tests.conftest import SHARED
from tests.extract import crafted

QUARANTINED = [
    {"source": "feedback/a.jsonl", "line": 3, "reason": "not valid JSON"},
    {"source": "feedback/a.jsonl", "line": 9, "reason": "missing field user_id"},
    {"source": "feedback/b.jsonl", "line": 1, "reason": "kind is not bug or thumbs_down"},
]
STARTED = datetime(2025, 8, 28, 6, tzinfo=UTC)


def _stage(tmp_path, counts: dict, n_quarantined: int = 3) -> str:
    tables = crafted.tables()
    del tables["runs"]
    for name, schema in schemas.EXTRACT_TABLES.items():  # tables newer than the crafted ones
        if name != "runs" and name not in tables:
            tables[name] = schema.empty_table()
    tables["quarantine"] = pa.Table.from_pylist(
        QUARANTINED[:n_quarantined], schema=schemas.QUARANTINE
    )
    staging = str(tmp_path / ".staging-test")
    locations.write_staged(staging, tables, {"redactions": {}, "audit": {}, **counts})
    return staging


def _opts(tmp_path, **kw) -> RunOptions:
    return RunOptions(input_dir=tmp_path / "in", output_dir=tmp_path / "out", **kw)


def _runs_row(out) -> dict:
    con = duckdb.connect(str(out / DB_NAME), read_only=True)
    try:
        cur = con.execute("select * from runs")
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()
    assert len(rows) == 1
    return rows[0]


def test_reports_in_counts_quarantined_lines_and_not_duplicates(tmp_path):
    # 20 reports in the crafted extract; 23 valid lines of which 3 repeat an id; 4 outside
    # the window; 3 quarantined lines.
    redactions = {"PERSON": 2, "EMAIL_ADDRESS": 1}  # not in key order: the row sorts them
    audit = {"SECRET": 0, "EMAIL_ADDRESS": 0}
    staging = _stage(
        tmp_path,
        {"valid": 23, "unique": 20, "outside_window": 4, "redactions": redactions, "audit": audit},
    )
    opts = _opts(tmp_path, audit_budget=3)
    summary = publish(opts, staging, STARTED, 1.5)
    assert summary.db_path == opts.output_dir / DB_NAME and summary.seconds == 1.5
    assert summary.redactions == redactions
    row = _runs_row(opts.output_dir)
    assert row["reports_out"] == 20
    assert row["quarantined"] == 3
    assert row["reports_in"] == 23 == row["reports_out"] + row["quarantined"]
    assert row["duplicates"] == 3
    assert row["outside_window"] == 4
    assert (summary.reports_in, summary.reports_out, summary.quarantined) == (23, 20, 3)
    assert (summary.duplicates, summary.outside_window) == (3, 4)
    assert row["started_at"] == STARTED and row["finished_at"] >= STARTED
    assert row["contract_version"] == schemas.CONTRACT_VERSION
    assert row["run_id"] == summary.run_id
    assert re.fullmatch(r"run-20250828T060000-[0-9a-f]{6}", row["run_id"])
    assert row["version"] == project_version()
    assert row["options"] == opts.describe() and json.loads(row["options"])["audit_budget"] == 3
    assert row["redactions"] == '{"EMAIL_ADDRESS": 1, "PERSON": 2}'
    # the audit's record (report text and labels): JSON with its keys sorted
    found = json.loads(row["audit_findings"])
    assert found and row["audit_findings"] == json.dumps(found, sort_keys=True)
    runs = pq.read_table(opts.output_dir / "parquet" / "runs.parquet")
    assert [(f.name, f.type) for f in runs.schema] == [(f.name, f.type) for f in schemas.RUNS]


def test_quarantine_changes_reports_in_only(tmp_path):
    a = _stage(tmp_path / "a", {"valid": 20, "unique": 20}, n_quarantined=0)
    b = _stage(tmp_path / "b", {"valid": 20, "unique": 20}, n_quarantined=2)
    ra = publish(_opts(tmp_path / "a"), a, STARTED, 1.0)
    rb = publish(_opts(tmp_path / "b"), b, STARTED, 1.0)
    assert (ra.reports_in, rb.reports_in) == (20, 22)
    assert ra.reports_out == rb.reports_out == 20
    assert (ra.duplicates, ra.outside_window) == (0, 0)


@pytest.mark.parametrize("unique", [19, 21])
def test_reports_that_do_not_add_up_publish_nothing(tmp_path, unique):
    staging = _stage(tmp_path, {"valid": 23, "unique": unique})
    opts = _opts(tmp_path)
    with pytest.raises(TriageError, match="accounting failed"):
        publish(opts, staging, STARTED, 1.0)
    assert not (opts.output_dir / DB_NAME).exists()


@pytest.mark.parametrize("k", [1, 5, 7])
def test_runs_records_the_runs_k(tmp_path, k):
    staging = _stage(tmp_path, {"valid": 20, "unique": 20})
    opts = _opts(tmp_path, min_users=k)
    publish(opts, staging, STARTED, 1.0)
    assert _runs_row(opts.output_dir)["min_users"] == k


def _checker():
    spec = importlib.util.spec_from_file_location(
        "check_extract", SHARED / "contract/check_extract.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_contract_checker_holds_published_to_the_runs_k(tmp_path):
    """The crafted clusters have 6 and 8 users: K = 5 conforms; K = 7 would have to withhold
    the 6-user cluster, so the same clusters table with runs.min_users = 7 is flagged."""
    checker = _checker()
    staging = _stage(tmp_path / "ok", {"valid": 20, "unique": 20})
    ok = _opts(tmp_path / "ok", min_users=5)
    publish(ok, staging, STARTED, 1.0)
    assert checker.problems(ok.output_dir / DB_NAME) == []
    staging = _stage(tmp_path / "bad", {"valid": 20, "unique": 20})
    bad = _opts(tmp_path / "bad", min_users=7)
    publish(bad, staging, STARTED, 1.0)
    found = checker.problems(bad.output_dir / DB_NAME)
    assert found == ["clusters: published differs from n_users >= min_users (7)"]


def _audit(found: int, texts: int = 38) -> dict:
    """A staged audit record (redaction.AuditResult.as_record): ``found`` e-mails masked in
    as many of ``texts`` report texts (the 2 crafted labels make 40 texts in all)."""
    return {"findings": {"EMAIL_ADDRESS": found}, "texts": texts, "texts_with_findings": found}


def test_residual_findings_above_the_budget_publish_nothing(tmp_path):
    """2 of 40 texts with findings is 5%: above a budget of 1% of texts nothing is
    published; within 10% the run publishes (tests/pipeline/test_audit_policy.py: more)."""
    staging = _stage(tmp_path, {"valid": 20, "unique": 20, "audit": _audit(2)})
    with pytest.raises(TriageError, match=r"audit failed: 2 of 40 texts \(5\.00%\)"):
        publish(_opts(tmp_path, audit_budget=0.01), staging, STARTED, 1.0)
    assert not (tmp_path / "out" / DB_NAME).exists()
    staging = _stage(tmp_path, {"valid": 20, "unique": 20, "audit": _audit(2)})
    publish(_opts(tmp_path, audit_budget=0.1), staging, STARTED, 1.0)
    assert (tmp_path / "out" / DB_NAME).exists()


def test_an_empty_run_without_counts_publishes_its_quarantine(tmp_path):
    """No valid line at all: the counts hold no "valid" or "unique" (they count to zero)."""
    tables = crafted.tables()
    del tables["runs"]
    for name, schema in schemas.EXTRACT_TABLES.items():
        if name != "runs":
            tables[name] = schema.empty_table()
    tables["quarantine"] = pa.Table.from_pylist(QUARANTINED, schema=schemas.QUARANTINE)
    staging = str(tmp_path / ".staging-empty")
    locations.write_staged(staging, tables, {"redactions": {}, "audit": {}})
    summary = publish(_opts(tmp_path), staging, STARTED, 1.0)
    assert (summary.reports_in, summary.reports_out, summary.quarantined) == (3, 0, 3)
    assert (summary.duplicates, summary.outside_window) == (0, 0)


def test_labels_are_audited_too(tmp_path):
    """A cluster label that still holds personal data counts like report text does: with
    the report texts' one finding, 2 of 40 texts (5%) pass a budget of 4%."""
    tables = crafted.tables()
    clusters = tables["clusters"].to_pylist()
    clusters[0]["label"] = "mail x.y@example.org about the script bug"
    staging = _stage(tmp_path, {"valid": 20, "unique": 20, "audit": _audit(1)})
    locations.write_staged(
        staging,
        {"clusters": pa.Table.from_pylist(clusters, schema=schemas.CLUSTERS)},
        {"valid": 20, "unique": 20, "redactions": {}, "audit": _audit(1)},
    )
    with pytest.raises(TriageError, match=r"2 of 40 texts \(5\.00%\).*EMAIL_ADDRESS 2"):
        publish(_opts(tmp_path, audit_budget=0.04), staging, STARTED, 1.0)
