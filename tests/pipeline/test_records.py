"""The per-record stages' `Report` and its spill-file schema list the same fields."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields, replace

import pyarrow as pa
import pytest
from apache_beam.coders import coders

from pipeline.run.records import SPILL_SCHEMA, Report, reports_from_table, reports_table


def _report(**extra) -> Report:
    base = dict(
        report_id="r1",
        kind="bug",
        submitted_us=1_756_659_900_000_000,
        submitted_hour_us=1_756_659_600_000_000,
        user_pseudonym="u",
        session_pseudonym=None,
        request_pseudonym="q",
        surface="api",
        reported_model=None,
        comment_redacted="it got worse, ask <PERSON>",
        response_redacted=None,
        tags=None,
        truncated_fields=["comment"],
    )
    return Report(**{**base, **extra})


def test_the_dataclass_and_the_schema_agree():
    assert [f.name for f in fields(Report)] == SPILL_SCHEMA.names


def test_a_table_of_reports_round_trips_with_the_schema():
    reports = [
        _report(),
        _report(report_id="r2", tags=["x"], symptoms=["truncation"], embedding=b"\x00" * 8),
    ]
    table = reports_table(reports)
    assert table.schema == SPILL_SCHEMA
    assert reports_from_table(table) == reports
    # Types come from the schema, not from the values: an all-null column keeps its type.
    assert table.schema.field("session_pseudonym").type == pa.string()


def test_stages_fill_in_copies_and_the_runner_can_encode_them():
    report = _report()
    with pytest.raises(FrozenInstanceError):
        report.symptoms = ["repetition"]  # type: ignore[misc]
    filled = replace(report, symptoms=["repetition"], symptom_evidence="[]")
    assert report.symptoms is None and filled.symptoms == ["repetition"]
    coder = coders.FastPrimitivesCoder()
    assert coder.decode(coder.encode(filled)) == filled
