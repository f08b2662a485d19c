"""Property-based fuzzing of the feedback reader and every per-record stage (issue 22).

Whatever a line holds (arbitrary JSON values and Unicode including lone surrogates and
control characters, deep nesting, huge numbers, over-long text, mutated real replay lines,
broken bytes), it ends as exactly one report, quarantine row or out-of-window count, never
an exception; and the records that pass survive the real redaction, symptom, embedding,
spill and extract-table code and Beam's coder. Deterministic (``derandomize=True``) and
sized to run in well under a minute.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.run.validate import InputLimits, parse_feedback_line, safe_cut

# Small limits so that the fuzzer reaches them with small examples.
LIMITS = InputLimits(max_line_bytes=3000, max_text_chars=80, max_field_chars=24, max_tags=3)
NOW = datetime(2025, 9, 30, tzinfo=UTC)
SINCE = datetime(2025, 8, 3, tzinfo=UTC)
UNTIL = datetime(2025, 9, 20, tzinfo=UTC)


def fuzz(max_examples: int) -> settings:
    """Deterministic in CI: the same examples on every run (no example database)."""
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


REASONS = (  # every reason the reader may give: fixed texts, never a quote of the line
    r"not valid JSON",
    r"not valid UTF-8",
    r"line too long \(over \d+ bytes\)",
    r"not a JSON object \(a \w+\)",
    r"missing required field \w+",
    r"field \w+ is not a non-empty string",
    r"field \w+ is not a string or null",
    r"field \w+ is longer than \d+ characters",
    r"field \w+ holds a lone surrogate \(not encodable as UTF-8\)",
    r"field kind is not 'bug' or 'thumbs_down'",
    r"field submitted_at is not an RFC 3339 timestamp with offset",
    r"field submitted_at is before 2000-01-01",
    r"field submitted_at is more than a day after the run started",
    r"field tags is not a list of strings or null",
)

# Any code point, with lone surrogates, control characters and combining marks made common.
ANY_CHAR = st.one_of(
    st.characters(codec=None),
    st.characters(categories=["Cs"]),  # lone surrogates (excluded by default)
    st.characters(categories=["Cc", "Cf", "Mn", "Me"]),
    st.sampled_from(["\x00", "\x1b", "\x7f", "\u0301", "\u200d", "\U0001f1fa", "\r", "\n", " "]),
)


def any_text(min_size: int = 0, max_size: int = 120):
    """Text of ANY_CHAR (a list joined: ``st.text`` merges the alphabets of a ``one_of`` of
    ``characters`` and loses the surrogates)."""
    return st.lists(ANY_CHAR, min_size=min_size, max_size=max_size).map("".join)


ANY_TEXT = any_text()
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)
TIMESTAMPS = st.one_of(
    st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.timezones()
    ).map(lambda d: d.isoformat()),
    st.datetimes(min_value=datetime(2025, 7, 1), max_value=datetime(2025, 10, 30)).map(
        lambda d: d.isoformat() + "Z"
    ),
    st.datetimes(min_value=datetime(2025, 8, 4), max_value=datetime(2025, 9, 19)).map(
        lambda d: d.isoformat() + "+00:00"
    ),
    st.sampled_from(["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00", "2025-08-31"]),
    JSON_VALUES,
)
FIELDS = (
    "report_id", "kind", "submitted_at", "user_id", "session_id", "request_id", "model",
    "surface", "comment", "response_excerpt", "client_version", "tags",
)  # fmt: skip


def _field(name: str):
    good = {
        "kind": st.sampled_from(["bug", "thumbs_down"]),
        "submitted_at": TIMESTAMPS,
        "tags": st.none() | st.lists(ANY_TEXT, max_size=5),
        "report_id": any_text(1, 30),
        "user_id": any_text(1, 30),
    }.get(name, st.none() | ANY_TEXT)
    return st.one_of(good, good, good, JSON_VALUES)


REQUIRED = ("report_id", "kind", "submitted_at", "user_id")
UTF8_ID = st.text(st.characters(codec="utf-8"), min_size=1, max_size=30)
IN_WINDOW = st.datetimes(min_value=datetime(2025, 8, 4), max_value=datetime(2025, 9, 19))
# Arbitrary records, and records whose required fields are valid and in the window, so
# that hostile optional fields (text with surrogates, controls, wrong types) reach the stages.
RECORDS = st.one_of(
    st.fixed_dictionaries({}, optional={name: _field(name) for name in FIELDS}),
    st.fixed_dictionaries(
        {
            "report_id": UTF8_ID,
            "kind": st.sampled_from(["bug", "thumbs_down"]),
            "submitted_at": IN_WINDOW.map(lambda d: d.isoformat() + "Z"),
            "user_id": UTF8_ID,
        },
        optional={name: _field(name) for name in FIELDS if name not in REQUIRED},
    ),
)


def _reason_ok(reason: str) -> bool:
    import re

    return any(re.fullmatch(p, reason) for p in REASONS)


@pytest.fixture(scope="module")
def replay_lines(tmp_path_factory) -> list[str]:
    """Lines of a tiny real replay (`triage simulate --scale 0.01`), to mutate."""
    from pipeline.replay.generate import simulate

    out = tmp_path_factory.mktemp("fuzz-replay")
    simulate(out, seed=3, scale=0.01)
    lines = []
    for path in sorted((out / "feedback").glob("*.jsonl")):
        lines += [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert len(lines) > 100
    return lines


def _mutate(line: str, rng: random.Random, value, text: str) -> bytes:
    """One mutation of a real line: a field replaced, removed or given hostile text, or the
    bytes cut, spliced or corrupted."""
    how = rng.randrange(7)
    rec = json.loads(line)
    name = rng.choice(FIELDS)
    if how == 0:
        rec[name] = value
    elif how == 1:
        rec.pop(name, None)
    elif how == 2:
        rec[name] = (rec.get(name) or "") + text if isinstance(rec.get(name), str) else text
    elif how == 3:
        rec["comment"] = (text or "x") * rng.randrange(1, 60)  # long: reaches the limits
    else:
        raw = json.dumps(rec, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
        pos = rng.randrange(len(raw) + 1)
        if how == 4:
            return raw[:pos]
        if how == 5:
            return raw[:pos] + bytes([rng.randrange(256)]) + raw[pos + 1 :]
        return raw[:pos] + text.encode("utf-8", "surrogatepass") + raw[pos:]
    return json.dumps(rec, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")


def _as_line(value, ascii_only: bool = True) -> bytes:
    """JSON escapes (ensure_ascii) keep lone surrogates in valid JSON; raw, they are bytes
    that are not UTF-8."""
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


LINES = st.one_of(
    RECORDS.map(_as_line),
    RECORDS.map(_as_line),
    RECORDS.map(lambda r: _as_line(r, ascii_only=False)),
    JSON_VALUES.map(_as_line),
    st.binary(max_size=200),
    st.integers(1, 4000).map(lambda n: b"[" * n + b"]" * n),  # deep nesting
    st.integers(1, 6000).map(lambda n: b'{"report_id": ' + b"9" * n + b"}"),  # huge number
    st.integers(2000, 6000).map(lambda n: b'{"comment": "' + b"a" * n + b'"}'),  # over-long
)


def _read(tmp_path: Path, lines: list[bytes]) -> dict:
    """Run the real reader stage (the DoFn `ReadFeedback` uses) over ``lines`` as one file."""
    from pipeline.run.inputs import OUT_OF_WINDOW, QUARANTINE, REPORTS, _ParseFeedbackFile

    folder = tmp_path / "feedback"
    folder.mkdir(exist_ok=True)
    path = folder / "fuzz.jsonl"
    path.write_bytes(b"\n".join(ln.replace(b"\n", b" ") for ln in lines) + b"\n")
    fn = _ParseFeedbackFile(str(tmp_path), SINCE, UNTIL, LIMITS, NOW)
    fn.setup()
    out: dict = {REPORTS: [], QUARANTINE: [], OUT_OF_WINDOW: 0}
    for tag, value in fn.process(str(path)):
        if tag == OUT_OF_WINDOW:
            out[tag] += value
        else:
            out[tag].append(value)
    return out


def _check_reader(lines: list[bytes], got: dict) -> None:
    from apache_beam.coders import coders

    from pipeline.run.inputs import OUT_OF_WINDOW, QUARANTINE, REPORTS

    blank = sum(1 for ln in lines if not ln.replace(b"\n", b" ").strip(b" \t\r"))
    # Accounting: every non-blank line is one report, one quarantine row or one out-of-window.
    assert len(got[REPORTS]) + len(got[QUARANTINE]) + got[OUT_OF_WINDOW] == len(lines) - blank
    assert len({q["line"] for q in got[QUARANTINE]}) == len(got[QUARANTINE])
    for q in got[QUARANTINE]:
        assert _reason_ok(q["reason"]), "unexpected quarantine reason"
    coder = coders.FastPrimitivesCoder()
    for rec in got[REPORTS]:
        coder.encode(rec)  # the raw record crosses Beam's coder (the original crash)
        assert SINCE <= rec.submitted_at <= UNTIL
        for name in ("comment", "response_excerpt", "model", "surface", "client_version"):
            value = getattr(rec, name)
            if value is not None:
                value.encode("utf-8")
                limit = LIMITS.max_text_chars if name in ("comment", "response_excerpt") else 24
                assert len(value) <= limit
        assert rec.tags is None or len(rec.tags) <= LIMITS.max_tags
        for name in ("report_id", "user_id", "session_id", "request_id"):
            if getattr(rec, name) is not None:
                getattr(rec, name).encode("utf-8")


@fuzz(250)
@given(lines=st.lists(LINES, min_size=1, max_size=6))
def test_reader_accounts_for_every_arbitrary_line(tmp_path, lines):
    _check_reader(lines, _read(tmp_path, lines))


@fuzz(150)
@given(data=st.data())
def test_reader_accounts_for_every_mutated_replay_line(tmp_path, replay_lines, data):
    rng = random.Random(data.draw(st.integers(0, 2**32), label="seed"))
    picked = data.draw(st.lists(st.sampled_from(replay_lines), min_size=1, max_size=5))
    lines = [
        _mutate(ln, rng, data.draw(JSON_VALUES), data.draw(ANY_TEXT))
        if data.draw(st.booleans())
        else ln.encode("utf-8")
        for ln in picked
    ]
    _check_reader(lines, _read(tmp_path, lines))


@pytest.fixture(scope="module")
def stages(monkeypatch_module):
    """The real per-record stages, set up once (Presidio + spaCy, the static embedding)."""
    from pipeline.run.options import KeySource
    from pipeline.run.stages import _EmbedBatch, _RedactBatch

    monkeypatch_module.setenv("TRIAGE_PSEUDONYM_KEY", "fuzz-test-key-0123456789")
    redact = _RedactBatch(KeySource())
    redact.setup()
    embed = _EmbedBatch(batch_size=64, backend="static")
    embed.setup()
    return redact, embed


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def _through_stages(stages, records: list[dict], tmp_path: Path) -> list[dict]:
    """Redact -> symptoms -> embed -> spill file -> dedupe, as the job runs them."""
    from pipeline.run.clustered import keep_first_per_report
    from pipeline.run.spill import read_table, write_records
    from pipeline.run.stages import REPORTS, _with_symptoms

    redact, embed = stages
    redacted = [v for tag, v in redact.process(records) if tag == REPORTS]
    with_symptoms = [_with_symptoms(r) for r in redacted]
    embedded = list(embed.process(with_symptoms))
    spilled = read_table(write_records(str(tmp_path), embedded)).to_pylist()
    return keep_first_per_report(spilled)


@fuzz(60)
@given(data=st.data())
def test_every_valid_record_survives_every_per_record_stage(tmp_path, stages, replay_lines, data):
    import duckdb
    from apache_beam.coders import coders

    from pipeline.run.attributed import _records_table

    rng = random.Random(data.draw(st.integers(0, 2**32), label="seed"))
    records = []
    for _ in range(data.draw(st.integers(1, 3))):
        line = data.draw(st.sampled_from(replay_lines))
        mutated = _mutate(line, rng, data.draw(JSON_VALUES), data.draw(ANY_TEXT))
        record, _ = parse_feedback_line(mutated.decode("utf-8", "replace"), LIMITS, NOW)
        if record is None:  # then hostile text in both free-text fields of a valid line
            text = data.draw(ANY_TEXT)
            rec = {**json.loads(line), "comment": text, "response_excerpt": text[::-1]}
            record, _ = parse_feedback_line(json.dumps(rec), LIMITS, NOW)
        records.append(record)
    records = [r for r in records if r is not None]
    if not records:
        return
    out = _through_stages(stages, records, tmp_path)
    # Accounting: one record per distinct report id, none lost, none added.
    assert sorted(r["report_id"] for r in out) == sorted({r.report_id for r in records})
    coder = coders.FastPrimitivesCoder()
    for rec in out:
        coder.encode(rec)
        # The flag travels with the copy kept (a repeated id may differ in what was cut).
        assert rec["truncated_fields"] in [
            r.truncated_fields for r in records if r.report_id == rec["report_id"]
        ]
    rows = [{**r, "cluster_id": "background", "joined": False} for r in out]
    table = _records_table(pa.Table.from_pylist(rows), ["model", "region"])
    con = duckdb.connect()
    con.register("t", table)
    assert con.execute("select count(*) from t").fetchone()[0] == len(out)


@fuzz(300)
@given(text=any_text(0, 300), limit=st.integers(1, 200))
def test_safe_cut_is_a_prefix_at_a_grapheme_boundary(text, limit):
    import regex

    cut = safe_cut(text, limit)
    assert text.startswith(cut) and len(cut) <= limit
    if len(text) <= limit:
        assert cut == text
        return
    ends = {m.end() for m in regex.finditer(r"\X", text)}
    first = min(ends)
    if first <= limit:  # a grapheme boundary exists within the limit: the cut is on one
        assert len(cut) in ends
        assert len(cut) > 0
