"""Hostile feedback lines (synthetic data only) for the robustness and fault tests."""

from __future__ import annotations

import json
from pathlib import Path

BASE = {
    "report_id": "rpt_hostile_0",
    "kind": "bug",
    "submitted_at": "2025-08-02T10:00:00Z",
    "user_id": "acct_synthetic_hostile",
    "session_id": "sess_synthetic_hostile",
    "request_id": None,
    "model": "claude-sonnet-4-20250514",
    "surface": "api",
    "comment": "the answer switched language",
    "response_excerpt": "Here is the fix.",
    "client_version": None,
    "tags": None,
}


def _rec(i: int, **changes) -> dict:
    return {**BASE, "report_id": f"rpt_hostile_{i}", **changes}


def lines() -> list[tuple[str, str | None]]:
    """(line, expected quarantine reason or None for a report). JSON escapes keep lone
    surrogates and control characters in valid JSON, as an exporter might write them."""
    long_comment = ("word " * 30_000).strip()  # 150,000 characters: cut, flagged
    return [
        (json.dumps(_rec(1, comment="bad \ud800 here")), None),
        (json.dumps(_rec(2, surface="x\udfffy", tags=["a\ud83d"])), None),
        (json.dumps(_rec(3, comment="nul\x00 and \x1b[31m escape \x7f")), None),
        (json.dumps(_rec(4, comment=long_comment)), None),
        (json.dumps(_rec(5, response_excerpt="é" * 40_000)), None),
        (json.dumps(_rec(6, submitted_at="9999-12-31T23:59:59-05:00")), "after the run"),
        (json.dumps(_rec(7, submitted_at="0001-01-01T00:00:00+01:00")), "before 2000"),
        (json.dumps(_rec(8, submitted_at="1999-12-31T23:59:59Z")), "before 2000"),
        (json.dumps(_rec(9, user_id="acct\ud800")), "lone surrogate"),
        (json.dumps(_rec(10, comment={"nested": [1, 2]})), "not a string"),
        ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
        ('{"report_id": ' + "1" * 5000 + "}", "not valid JSON"),
        (json.dumps(_rec(11, kind=["bug"])), "field kind"),
        ("\x1c", "not valid JSON"),
    ]


def write_input(folder: Path, big_line_bytes: int = 0) -> dict[str, str | None]:
    """Append the hostile lines (and one line of ``big_line_bytes`` bytes when > 0) as
    feedback/hostile.jsonl; return {line number as str: expected reason or None}."""
    expected = {}
    with open(folder / "feedback" / "hostile.jsonl", "w", encoding="utf-8") as fh:
        for i, (line, reason) in enumerate(lines(), start=1):
            fh.write(line + "\n")
            expected[str(i)] = reason
        if big_line_bytes:
            head = json.dumps(_rec(99))[:-1] + ', "comment": "'
            fh.write(head + "x" * (big_line_bytes - len(head) - 2) + '"}\n')
            expected[str(len(expected) + 1)] = "line too long"
    return expected
