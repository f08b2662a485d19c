"""Feedback line validation: every defect gets a specific reason that never quotes the data."""

from __future__ import annotations

import json

import pytest

from pipeline.run.validate import parse_feedback_line

GOOD = {
    "report_id": "r1",
    "kind": "bug",
    "submitted_at": "2025-08-31T17:02:00+02:00",
    "user_id": "acct_secret_value",
    "comment": "hi",
    "tags": None,
    "extra": "dropped",
}


def test_valid_line_is_normalised_to_utc_and_drops_unknown_fields():
    record, reason = parse_feedback_line(json.dumps(GOOD))
    assert reason is None
    assert record.submitted_at.isoformat() == "2025-08-31T15:02:00+00:00"
    assert not hasattr(record, "extra") and record.session_id is None


def test_a_record_prints_neither_its_text_nor_its_ids():
    line = {**GOOD, "comment": "call Ada Quist", "session_id": "sess_secret", "tags": ["mine"]}
    record, _ = parse_feedback_line(json.dumps(line))
    shown = repr(record) + str(record)
    for raw in ("acct_secret_value", "sess_secret", "Ada Quist", "r1", "mine"):
        assert raw not in shown  # the assertion names no value either
    assert "kind='bug'" in shown  # the rest is there to debug with


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda r: r.pop("user_id"), "missing required field user_id"),
        (lambda r: r.update(kind="angry"), "field kind is not"),
        (lambda r: r.update(submitted_at="2025-08-31T17:02:00"), "submitted_at"),
        (lambda r: r.update(submitted_at=1756000000), "submitted_at"),
        (lambda r: r.update(tags="slow"), "field tags"),
        (lambda r: r.update(comment=42), "field comment"),
    ],
)
def test_each_defect_has_its_reason(mutate, expected):
    rec = dict(GOOD)
    mutate(rec)
    record, reason = parse_feedback_line(json.dumps(rec))
    assert record is None and expected in reason
    assert "acct_secret_value" not in reason


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"report_id": "r1", "kind"', "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        ("   ", "empty line"),
        ("\ud800", "not valid JSON"),
    ],
)
def test_unparseable_lines(line, expected):
    record, reason = parse_feedback_line(line)
    assert record is None and expected in reason
