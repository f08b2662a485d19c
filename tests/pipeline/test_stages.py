"""Beam stages on small inputs with TestPipeline and assert_that (no models needed)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from pipeline.run.clustered import keep_first_per_report
from pipeline.run.inputs import OUT_OF_WINDOW, QUARANTINE, REPORTS, ReadFeedback, ReadRouting
from pipeline.run.options import KeySource
from pipeline.run.records import Report
from pipeline.run.stages import CountUniqueReports, JoinRouting

T0 = datetime(2025, 8, 31, 17, 5, tzinfo=UTC)


def _line(rid: str, ts: str = "2025-08-31T17:05:00Z", **extra) -> str:
    rec = {
        "report_id": rid,
        "kind": "bug",
        "submitted_at": ts,
        "user_id": "acct_synthetic_1",
        "request_id": f"req_{rid}",
        **extra,
    }
    return json.dumps(rec)


def _runner_pipeline():
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    return TestPipeline(runner=FnApiRunner())


def test_read_feedback_quarantines_bad_lines_with_line_numbers(tmp_path):
    (tmp_path / "feedback").mkdir()
    lines = [
        _line("a"),
        "{not json",
        _line("b", kind="angry"),
        "",
        _line("c", ts="2025-09-30T00:00:00Z"),
    ]
    (tmp_path / "feedback/day.jsonl").write_text("\n".join(lines) + "\n")
    until = datetime(2025, 9, 1, tzinfo=UTC)
    with _runner_pipeline() as p:
        out = p | ReadFeedback(str(tmp_path), None, until)
        ids = out[REPORTS] | "Ids" >> beam.Map(lambda r: r.report_id)
        assert_that(ids, equal_to(["a"]), label="valid")
        assert_that(
            out[QUARANTINE],
            equal_to(
                [
                    {"source": "feedback/day.jsonl", "line": 2, "reason": "not valid JSON"},
                    {
                        "source": "feedback/day.jsonl",
                        "line": 3,
                        "reason": "field kind is not 'bug' or 'thumbs_down'",
                    },
                ]
            ),
            label="quarantine",
        )
        assert_that(out[OUT_OF_WINDOW], equal_to([1]), label="outside")


def test_duplicates_are_processed_once():
    recs = [
        {"report_id": "a", "submitted_us": 2, "comment_redacted": "z", "response_redacted": None},
        {"report_id": "b", "submitted_us": 1, "comment_redacted": None, "response_redacted": None},
        {"report_id": "a", "submitted_us": 1, "comment_redacted": "y", "response_redacted": None},
        {"report_id": "a", "submitted_us": 1, "comment_redacted": "x", "response_redacted": None},
    ]
    for order in (recs, recs[::-1]):
        kept = keep_first_per_report(order)
        assert [(r["report_id"], r["comment_redacted"]) for r in kept] == [("a", "x"), ("b", None)]
    with _runner_pipeline() as p:
        reports = [_embedded(r["report_id"]) for r in recs]
        unique = p | beam.Create(reports) | CountUniqueReports()
        assert_that(unique, equal_to([2]))


def test_join_attaches_latest_routing_row_and_keeps_unjoined(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIAGE_PSEUDONYM_KEY", "k" * 32)
    from redaction import Pseudonymizer

    ps = Pseudonymizer(b"k" * 32)
    (tmp_path / "routing").mkdir()
    ts = pa.array([T0, T0.replace(hour=18)], pa.timestamp("us", tz="UTC"))
    pq.write_table(
        pa.table(
            {
                "request_id": ["req_1", "req_1"],
                "ts": ts,
                "server_pool": ["old-pool", "fp-long-1m"],
                "context_tier": ["standard", "long_1m"],
            }
        ),
        tmp_path / "routing/a.parquet",
    )
    dims = ["server_pool", "context_tier"]
    reports = [
        {"report_id": "r1", "request_pseudonym": ps.pseudonym("req_1", "request")},
        {"report_id": "r2", "request_pseudonym": ps.pseudonym("req_404", "request")},
        {"report_id": "r3", "request_pseudonym": None},
    ]
    with _runner_pipeline() as p:
        routing = p | ReadRouting(str(tmp_path), KeySource(), dims)
        clustered = p | beam.Create([{"reports": reports, "cluster_info": {}}])
        joined = (clustered, routing) | JoinRouting(dims)
        shape = joined | beam.FlatMap(
            lambda batch: [
                (r["report_id"], r["server_pool"], r["context_tier"], r["joined"])
                for r in batch["reports"].to_pylist()
            ]
        )
        assert_that(
            shape,
            equal_to(
                [
                    ("r1", "fp-long-1m", "long_1m", True),
                    ("r2", None, None, False),
                    ("r3", None, None, False),
                ]
            ),
        )


def test_routing_is_cut_to_the_reported_requests_where_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIAGE_PSEUDONYM_KEY", "k" * 32)
    from redaction import Pseudonymizer

    ps = Pseudonymizer(b"k" * 32)
    (tmp_path / "routing").mkdir()
    ts = pa.array([T0] * 3, pa.timestamp("us", tz="UTC"))
    pq.write_table(
        pa.table(
            {
                "request_id": ["req_1", "req_2", None],
                "ts": ts,
                "server_pool": ["a", "b", "c"],
            }
        ),
        tmp_path / "routing/a.parquet",
    )
    wanted = {ps.pseudonym("req_2", "request"), ps.pseudonym("req_9", "request")}
    with _runner_pipeline() as p:
        side = beam.pvalue.AsSingleton(p | "Wanted" >> beam.Create([wanted]))
        routing = p | ReadRouting(
            str(tmp_path), KeySource(), ["server_pool", "region"], wanted=side
        )
        rows = routing | beam.FlatMap(lambda t: t.to_pylist())
        assert_that(
            rows,
            equal_to(
                [
                    {
                        "request_pseudonym": ps.pseudonym("req_2", "request"),
                        "ts": int(T0.timestamp() * 1_000_000),
                        "server_pool": "b",
                        "region": None,
                    }
                ]
            ),
        )


def _embedded(rid: str, **extra) -> Report:
    rec = {
        "report_id": rid,
        "kind": "bug",
        "submitted_us": 1_756_659_900_000_000,
        "submitted_hour_us": 1_756_659_600_000_000,
        "user_pseudonym": f"u-{rid}",
        "session_pseudonym": None,
        "request_pseudonym": f"r-{rid}",
        "surface": "api",
        "reported_model": None,
        "comment_redacted": "answer switched to Thai ภาษาไทย, ask <PERSON>",
        "response_redacted": None,
        "tags": [],
        "truncated_fields": [],
        "symptoms": ["unexpected_script"],
        "symptom_evidence": "[]",
        "embedding": bytes(range(16)),
    }
    rec.update(extra)
    return Report(**rec)


def test_spill_files_give_back_the_records_they_were_given(tmp_path):
    from pipeline.run.spill import SPILL_DIR, read_records, write_records

    records = [_embedded("a"), _embedded("b", tags=["x", "y"], response_redacted="def f(:")]
    path = write_records(str(tmp_path), records)
    assert path.startswith(str(tmp_path / SPILL_DIR))
    assert read_records(path) == records
    assert write_records(str(tmp_path), records) != path  # one new file per call


def test_cluster_reports_gathers_every_bundle_through_spill_files(tmp_path, monkeypatch):
    import numpy as np

    from pipeline.run import stages

    seen: dict = {}

    def fake_cluster_table(table, emb, previous, random_state, min_users=5):  # as it gets them
        seen["ids"] = table.column("report_id").to_pylist()
        seen["emb"] = emb[:, 0].tolist()
        return {"reports": table, "cluster_info": {}}

    monkeypatch.setattr("pipeline.run.clustered.cluster_table", fake_cluster_table)

    def rec(i: int) -> Report:  # each record's embedding holds its number: rows must line up
        return _embedded(f"r{i:03d}", embedding=np.full(4, i, np.float32).tobytes())

    records = [rec(i) for i in range(250)] + [rec(7)]
    with _runner_pipeline() as p:
        out = (
            p
            | beam.Create(records, reshuffle=True)
            | stages.ClusterReports(str(tmp_path), previous=None, random_state=0)
            | beam.Map(lambda v: len(v["reports"]))
        )
        assert_that(out, equal_to([250]))  # the repeated id once
    assert seen["ids"] == [f"r{i:03d}" for i in range(250)]  # sorted by report id
    assert seen["emb"] == [float(i) for i in range(250)]  # each row its own embedding
    assert list((tmp_path / "embedded").glob("*.parquet"))  # the records went through files


def test_spill_bundle_writes_a_file_per_max_records(tmp_path):
    """A bundle larger than ``max_records`` is written as it comes, one file per
    ``max_records`` records: a worker never holds more (a multiprocess worker's bundle is
    its whole share of the input)."""
    from pipeline.run import stages
    from pipeline.run.spill import read_records

    spill = stages._SpillBundle(str(tmp_path), max_records=100)
    spill.start_bundle()
    records = [_embedded(f"r{i:03d}") for i in range(250)]
    paths = []
    for r in records:
        paths += list(spill.process(r))
        assert len(spill.records) < 100
    paths += [v.value for v in spill.finish_bundle()]
    assert len(paths) == 3
    back = [r for path in paths for r in read_records(path)]
    assert back == records


def test_cluster_reports_on_no_records_gives_one_empty_value(tmp_path):
    from pipeline.run import stages

    with _runner_pipeline() as p:
        out = (
            p
            | beam.Create([])
            | stages.ClusterReports(str(tmp_path), previous=None, random_state=0)
            | beam.Map(lambda v: (len(v["reports"]), len(v["cluster_info"])))
        )
        assert_that(out, equal_to([(0, 0)]))
