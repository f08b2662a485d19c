"""Validation of input records against the contract, one record at a time (no Beam here).

A bad record yields a reason, never an exception, and the reason never quotes the record:
it may hold personal data.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pipeline import schemas

_OPTIONAL_STRINGS = (
    "session_id",
    "request_id",
    "model",
    "surface",
    "comment",
    "response_excerpt",
    "client_version",
)


def parse_timestamp(value: Any) -> datetime | None:
    """An RFC 3339 timestamp with an offset (or Z), as an aware UTC datetime; else None."""
    if not isinstance(value, str) or "T" not in value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        ts = datetime.fromisoformat(text)
    except ValueError:
        return None
    if ts.tzinfo is None:
        return None
    return ts.astimezone(UTC)


def parse_feedback_line(line: str) -> tuple[dict | None, str | None]:
    """Parse one feedback JSONL line into a contract record, or return why it is invalid.

    Returns ``(record, None)`` with exactly the contract's fields (others dropped, they may
    carry personal data) and ``submitted_at`` as a UTC datetime, or ``(None, reason)``.
    """
    if not line.strip():
        return None, "empty line"
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        return None, "not valid JSON"
    if not isinstance(obj, dict):
        return None, f"not a JSON object (a {type(obj).__name__})"
    for name in schemas.FEEDBACK_REQUIRED:
        if obj.get(name) is None:
            return None, f"missing required field {name}"
    for name in ("report_id", "user_id"):
        if not isinstance(obj[name], str) or not obj[name]:
            return None, f"field {name} is not a non-empty string"
    if obj["kind"] not in schemas.REPORT_KINDS:
        return None, "field kind is not 'bug' or 'thumbs_down'"
    submitted = parse_timestamp(obj["submitted_at"])
    if submitted is None:
        return None, "field submitted_at is not an RFC 3339 timestamp with offset"
    record: dict[str, Any] = {
        "report_id": obj["report_id"],
        "kind": obj["kind"],
        "submitted_at": submitted,
        "user_id": obj["user_id"],
    }
    for name in _OPTIONAL_STRINGS:
        value = obj.get(name)
        if value is not None and not isinstance(value, str):
            return None, f"field {name} is not a string or null"
        record[name] = value
    tags = obj.get("tags")
    if tags is not None and (
        not isinstance(tags, list) or not all(isinstance(t, str) for t in tags)
    ):
        return None, "field tags is not a list of strings or null"
    record["tags"] = tags
    return record, None
