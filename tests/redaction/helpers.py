"""Assertion helpers whose failure messages show types and offsets, never text."""

from __future__ import annotations

from redaction import Redactor


def types_at(redactor: Redactor, text: str, value: str) -> set[str]:
    """Entity types of detected spans overlapping the first occurrence of ``value``."""
    start = text.index(value)
    end = start + len(value)
    spans = redactor.analyze_batch([text])[0] or []
    return {s.entity_type for s in spans if s.start < end and start < s.end}


def covered(redactor: Redactor, text: str, value: str) -> bool:
    """True if every character of ``value`` (first occurrence) is inside a detected span."""
    start = text.index(value)
    end = start + len(value)
    spans = redactor.analyze_batch([text])[0] or []
    inside = sum(max(0, min(end, s.end) - max(start, s.start)) for s in spans)
    return inside >= end - start


def assert_outside_unchanged(original: str, redacted: str, spans) -> None:
    """The redacted text equals the original with each span swapped for its placeholder."""
    rebuilt, cursor = [], 0
    for span in spans:
        rebuilt.append(original[cursor : span.start])
        rebuilt.append(f"<{span.entity_type}>")
        cursor = span.end
    rebuilt.append(original[cursor:])
    assert "".join(rebuilt) == redacted, f"text outside {len(spans)} spans was altered"
