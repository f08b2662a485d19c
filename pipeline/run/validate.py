"""Validation of input records against the contract, one record at a time (no Beam here).

A bad record yields a reason, never an exception, and the reason never quotes the record:
it may hold personal data. Every line of a feedback file ends as exactly one of: a valid
record, a quarantine reason, or a blank line (skipped). What the reader guarantees of a
valid record, whatever the input held (docs/pipeline.md, "Input limits"):

- every string is encodable as UTF-8: a lone surrogate (``"\\ud800"`` is valid JSON) in a
  free-text field becomes U+FFFD; in an id it quarantines the line (an id is not guessed);
- free text is at most ``InputLimits.max_text_chars`` (comment, response_excerpt) or
  ``max_field_chars`` (model, surface, client_version, each tag) long: longer text is cut at
  a safe boundary and the field is named in ``truncated_fields``;
- ``submitted_at`` lies between 2000-01-01 and the run's start plus a day;
- a line longer than ``max_line_bytes`` is quarantined unparsed ("line too long"), and
  reading it never holds more than that many bytes of it in memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import IO, Any

import regex

from joins import schemas

_OPTIONAL_IDS = ("session_id", "request_id")
_SHORT_STRINGS = ("model", "surface", "client_version")
_TEXTS = ("comment", "response_excerpt")
_GRAPHEME = regex.compile(r"\X")
_SURROGATE = regex.compile("[\ud800-\udfff]")
_JSON_BLANK = " \t\r\n"  # whitespace as JSON defines it; any other character is content

#: The field names a report's ``truncated_fields`` may hold, in this order.
TRUNCATABLE_FIELDS: tuple[str, ...] = (*_TEXTS, *_SHORT_STRINGS, "tags")

EARLIEST_SUBMITTED = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class InputLimits:
    """Size and time limits on feedback lines (defaults documented in docs/pipeline.md).

    :param max_line_bytes: a longer line (UTF-8 bytes, newline excluded) is quarantined
        with reason "line too long" before it is decoded or parsed: this bounds the memory
        one line can take in a worker (about 10x this, for the decoded and parsed copies).
    :param max_text_chars: comment and response_excerpt longer than this (code points) are
        cut at a safe boundary and flagged: this bounds redaction's time and memory per
        report and the size of the extract.
    :param max_field_chars: the same for model, surface, client_version and each tag.
    :param max_tags: tags beyond this many are dropped (and ``tags`` flagged).
    :param max_id_chars: an id (report, user, session, request) longer than this is
        quarantined: an id cut short could name another report or user.
    :param future_slack: a report submitted more than this after the run started is
        quarantined (clock skew allowance).
    """

    max_line_bytes: int = 4 * 1024 * 1024
    max_text_chars: int = 32 * 1024
    max_field_chars: int = 1024
    max_tags: int = 64
    max_id_chars: int = 1024
    future_slack: timedelta = timedelta(days=1)

    def __post_init__(self) -> None:
        for name in ("max_line_bytes", "max_text_chars", "max_field_chars", "max_id_chars"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.max_tags < 0:
            raise ValueError("max_tags must not be negative")


DEFAULT_LIMITS = InputLimits()


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    """One valid feedback line: exactly the contract's fields (others are dropped: they may
    carry personal data), ``submitted_at`` as a UTC datetime, free text cut to the limits
    and ``truncated_fields`` naming the fields that were cut.

    It holds raw text and raw ids, so its repr shows neither (a test failure or a log line
    printing a record leaks nothing); it lives only between `ReadFeedback` and
    `RedactReports`.
    """

    report_id: str = field(repr=False)
    kind: str
    submitted_at: datetime
    user_id: str = field(repr=False)
    session_id: str | None = field(repr=False)
    request_id: str | None = field(repr=False)
    model: str | None
    surface: str | None
    client_version: str | None
    comment: str | None = field(repr=False)
    response_excerpt: str | None = field(repr=False)
    tags: list[str] | None = field(repr=False)
    truncated_fields: list[str]


def parse_timestamp(value: Any) -> datetime | None:
    """An RFC 3339 timestamp with an offset (or Z), as an aware UTC datetime; else None.

    None too for a timestamp whose UTC value leaves datetime's range (year 1 with a positive
    offset, year 9999 with a negative one).
    """
    local = _parse_local_timestamp(value)
    if local is None:
        return None
    try:
        return local.astimezone(UTC)
    except OverflowError:
        return None


def _parse_local_timestamp(value: Any) -> datetime | None:
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
    return ts


def _submitted_at(value: Any, now: datetime | None, limits: InputLimits):
    """(UTC datetime, None) or (None, reason) for the submitted_at field."""
    local = _parse_local_timestamp(value)
    if local is None:
        return None, "field submitted_at is not an RFC 3339 timestamp with offset"
    try:
        ts = local.astimezone(UTC)
    except OverflowError:  # out of datetime's range in UTC: year 1 or year 9999
        ts = None
    if (ts is None and local.year < 2000) or (ts is not None and ts < EARLIEST_SUBMITTED):
        return None, "field submitted_at is before 2000-01-01"
    if ts is None or (now is not None and ts > now + limits.future_slack):
        return None, "field submitted_at is more than a day after the run started"
    return ts, None


def safe_cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` code points at a safe boundary.

    The cut never splits a grapheme (a letter and its combining marks, an emoji sequence,
    a flag, CR LF) or a surrogate pair, and, when a space or line break lies in the last
    1,024 code points before the limit, falls just before it, so no word (a name, an email
    address, a key the redactor must still recognise) is cut in half. Only a single
    grapheme longer than ``limit`` (thousands of combining marks) is cut inside itself,
    at a code point boundary. Text within the limit is returned unchanged.
    """
    if len(text) <= limit:
        return text
    head = text[: limit + 64]  # a boundary at or before `limit` depends only on this part
    boundaries = [m.end() for m in _GRAPHEME.finditer(head) if m.end() <= limit]
    if not boundaries:
        cut = limit
        if 0xD800 <= ord(text[cut - 1]) <= 0xDBFF and 0xDC00 <= ord(text[cut]) <= 0xDFFF:
            cut -= 1  # never between the halves of a pair
        return text[:cut]
    for b in reversed(boundaries):
        if b < limit - 1024:
            break
        if text[b].isspace() and b > 0:
            return text[:b]
    return text[: boundaries[-1]]


def _clean_text(value: str, limit: int) -> tuple[str, bool]:
    """(text encodable as UTF-8 and at most ``limit`` long, whether it was cut)."""
    cut = safe_cut(value, limit)
    return _SURROGATE.sub("\ufffd", cut), len(cut) < len(value)


def _id_problem(obj: dict, name: str, limits: InputLimits, required: bool) -> str | None:
    value = obj.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        return (
            f"field {name} is not a non-empty string"
            if required
            else f"field {name} is not a string or null"
        )
    if len(value) > limits.max_id_chars:
        return f"field {name} is longer than {limits.max_id_chars} characters"
    if _SURROGATE.search(value):
        return f"field {name} holds a lone surrogate (not encodable as UTF-8)"
    return None


def parse_feedback_line(
    line: str, limits: InputLimits = DEFAULT_LIMITS, now: datetime | None = None
) -> tuple[FeedbackRecord | None, str | None]:
    """Parse one feedback JSONL line into a contract record, or return why it is invalid.

    Returns ``(record, None)`` with exactly the contract's fields (others dropped, they may
    carry personal data), ``submitted_at`` as a UTC datetime and ``truncated_fields`` (the
    fields cut to the limits, see :class:`InputLimits`), or ``(None, reason)``. ``now`` is
    the run's start: a timestamp more than ``limits.future_slack`` after it is quarantined
    (not checked when None).
    """
    if not line.strip(_JSON_BLANK):
        return None, "empty line"
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):  # ValueError includes over-long integer literals
        return None, "not valid JSON"
    if not isinstance(obj, dict):
        return None, f"not a JSON object (a {type(obj).__name__})"
    for name in schemas.FEEDBACK_REQUIRED:
        if obj.get(name) is None:
            return None, f"missing required field {name}"
    for name in ("report_id", "user_id"):
        problem = _id_problem(obj, name, limits, required=True)
        if problem:
            return None, problem
    if not isinstance(obj["kind"], str) or obj["kind"] not in schemas.REPORT_KINDS:
        return None, "field kind is not 'bug' or 'thumbs_down'"
    submitted, reason = _submitted_at(obj["submitted_at"], now, limits)
    if submitted is None:
        return None, reason
    record: dict[str, Any] = {
        "report_id": obj["report_id"],
        "kind": obj["kind"],
        "submitted_at": submitted,
        "user_id": obj["user_id"],
    }
    for name in _OPTIONAL_IDS:
        problem = _id_problem(obj, name, limits, required=False)
        if problem:
            return None, problem
        record[name] = obj.get(name)
    truncated: list[str] = []
    for name in _SHORT_STRINGS + _TEXTS:
        value = obj.get(name)
        if value is not None and not isinstance(value, str):
            return None, f"field {name} is not a string or null"
        if value is not None:
            limit = limits.max_text_chars if name in _TEXTS else limits.max_field_chars
            value, cut = _clean_text(value, limit)
            if cut:
                truncated.append(name)
        record[name] = value
    tags = obj.get("tags")
    if tags is not None and (
        not isinstance(tags, list) or not all(isinstance(t, str) for t in tags)
    ):
        return None, "field tags is not a list of strings or null"
    if tags is not None:
        cleaned = [_clean_text(t, limits.max_field_chars) for t in tags[: limits.max_tags]]
        if len(tags) > limits.max_tags or any(cut for _, cut in cleaned):
            truncated.append("tags")
        tags = [t for t, _ in cleaned]
    record["tags"] = tags
    record["truncated_fields"] = [f for f in TRUNCATABLE_FIELDS if f in truncated]
    return FeedbackRecord(**record), None


def iter_feedback_lines(
    fh: IO[bytes], limits: InputLimits = DEFAULT_LIMITS, now: datetime | None = None
) -> Iterator[tuple[int, FeedbackRecord | None, str | None]]:
    """``(line number, record, None)`` or ``(line number, None, reason)`` for each non-blank
    line of a feedback file opened in binary mode.

    A line longer than ``limits.max_line_bytes`` is read in pieces and skipped without ever
    being held whole ("line too long"); a line that is not UTF-8 gets "not valid UTF-8".
    Blank lines (JSON whitespace only) are not reports and yield nothing.
    """
    cap = limits.max_line_bytes
    lineno = 0
    while True:
        raw = fh.readline(cap + 2)  # the line, its newline (maybe \r\n), and one more byte
        if not raw:
            return
        lineno += 1
        if not raw.endswith(b"\n") and len(raw) > cap:
            while raw and not raw.endswith(b"\n"):  # drain the rest of the line, bounded
                raw = fh.readline(1 << 20)
            yield lineno, None, f"line too long (over {cap} bytes)"
            continue
        body = raw.rstrip(b"\r\n")
        if len(body) > cap:
            yield lineno, None, f"line too long (over {cap} bytes)"
            continue
        try:
            line = body.decode("utf-8")
        except UnicodeDecodeError:
            yield lineno, None, "not valid UTF-8"
            continue
        if not line.strip(_JSON_BLANK):
            continue  # a blank line (often the last one) is not a report
        record, reason = parse_feedback_line(line, limits, now)
        yield lineno, record, reason
