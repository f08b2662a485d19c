"""The replay conforms to the contract and its truth agrees with its data."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from joins import schemas
from pipeline.replay import world
from pipeline.replay.generate import simulate
from pipeline.run.validate import parse_feedback_line


def _lines(replay: Path):
    for path in sorted((replay / "feedback").glob("*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, start=1):
                yield f"feedback/{path.name}", lineno, line.rstrip("\n")


def test_feedback_lines_are_valid_except_the_truths_malformed_ones(small_replay):
    malformed = {
        (r["source"], r["line"])
        for r in pq.read_table(small_replay / "truth/malformed.parquet").to_pylist()
    }
    assert malformed, "the replay should contain some malformed lines"
    bad_valid, good_invalid, n = 0, 0, 0
    for source, lineno, line in _lines(small_replay):
        n += 1
        record, reason = parse_feedback_line(line)
        if (source, lineno) in malformed:
            bad_valid += record is not None
        else:
            good_invalid += reason is not None
    assert n > 1000
    assert bad_valid == 0, f"{bad_valid} lines marked malformed parse as valid"
    assert good_invalid == 0, f"{good_invalid} lines not marked malformed fail validation"


def test_report_ids_repeat_only_as_the_truths_duplicates(small_replay):
    truth = pq.read_table(small_replay / "truth/reports.parquet")
    copies = dict(
        zip(
            truth.column("report_id").to_pylist(), truth.column("n_copies").to_pylist(), strict=True
        )
    )
    seen: dict[str, int] = {}
    for _, _, line in _lines(small_replay):
        record, _ = parse_feedback_line(line)
        if record:
            seen[record.report_id] = seen.get(record.report_id, 0) + 1
    assert any(v == 2 for v in seen.values())
    assert all(copies[rid] == k for rid, k in seen.items())


def test_routing_traffic_and_deploys_follow_the_contract(small_replay):
    routing = pq.read_table(small_replay / "routing")
    for field in schemas.ROUTING_BASE:
        assert routing.schema.field(field.name).type == field.type, field.name
    extra = set(schemas.dimension_columns(routing.schema)) - set(schemas.NAMED_DIMENSIONS)
    assert extra == set(world.EXTRA_DIMENSIONS)
    traffic = pq.read_table(small_replay / "traffic")
    for field in schemas.TRAFFIC_BASE:
        assert traffic.schema.field(field.name).type == field.type, field.name
    assert set(schemas.dimension_columns(traffic.schema)) == set(
        schemas.dimension_columns(routing.schema)
    )
    for line in (small_replay / "deploys/deploys.jsonl").read_text().splitlines():
        rec = json.loads(line)
        assert set(rec) == set(schemas.DEPLOYS.names)


def test_routing_holds_the_reported_requests_and_unreported_ones(small_replay):
    con = duckdb.connect()
    r = small_replay
    joined, in_log, total_routing = con.execute(f"""
        select (select count(*) from '{r}/truth/reports.parquet' t
                join '{r}/routing/*.parquet' g using (request_id)),
               (select count(*) from '{r}/truth/reports.parquet' where in_routing_log),
               (select count(*) from '{r}/routing/*.parquet')""").fetchone()
    assert joined == in_log
    assert total_routing >= 4 * in_log


def test_worst_hour_misrouted_share_is_16_percent_on_aug_31(small_replay):
    hourly = pq.read_table(small_replay / "truth/misrouting_hourly.parquet").to_pylist()
    fp = [r for r in hourly if r["platform"] == "first_party" and r["sonnet4_requests"]]
    worst = max(fp, key=lambda r: r["misrouted_requests"] / r["sonnet4_requests"])
    share = worst["misrouted_requests"] / worst["sonnet4_requests"]
    assert 0.14 <= share <= 0.17
    assert worst["hour"].date() == datetime(2025, 8, 31).date()
    before = [r for r in fp if r["hour"] < world.ROUTING_BUG_START - world.timedelta(hours=1)]
    assert all(r["misrouted_requests"] == 0 for r in before)
    bedrock = [r for r in hourly if r["platform"] == "bedrock" and r["sonnet4_requests"]]
    peak = max(r["misrouted_requests"] / r["sonnet4_requests"] for r in bedrock)
    assert 0.0012 <= peak <= 0.0024


def test_traffic_counts_match_the_misrouting_truth(small_replay):
    con = duckdb.connect()
    r = small_replay
    long_sonnet = con.execute(f"""select sum(requests) from '{r}/traffic/*.parquet'
        where server_pool = 'fp-long-1m' and hour = '2025-08-31 17:00:00+00'""").fetchone()[0]
    truth = con.execute(f"""select misrouted_requests, sonnet4_requests
        from '{r}/truth/misrouting_hourly.parquet'
        where platform = 'first_party' and hour = '2025-08-31 17:00:00+00'""").fetchone()
    legit = truth[1] * world.LEGIT_LONG_CONTEXT_SHARE
    assert long_sonnet == pytest.approx(truth[0] + legit, rel=0.05)


def test_bug_windows_per_model_and_platform(small_replay):
    con = duckdb.connect()
    t = f"'{small_replay}/truth/reports.parquet'"
    rows = dict(
        con.execute(f"""select model, max(request_ts) from {t}
        where cause = 'tpu_corruption' group by 1""").fetchall()
    )
    for opus in ("opus-4", "opus-4.1"):
        assert rows[opus] < datetime(2025, 8, 29, tzinfo=UTC)
    assert rows["sonnet-4"] > datetime(2025, 8, 31, tzinfo=UTC)
    assert rows["sonnet-4"] < datetime(2025, 9, 2, 18, tzinfo=UTC)
    platforms = {
        p
        for (p,) in con.execute(
            f"select distinct platform || '/' || hardware from {t} where cause='tpu_corruption'"
        ).fetchall()
    }
    assert platforms == {"first_party/tpu"}
    topk = dict(
        con.execute(f"""select model, max(request_ts) from {t}
        where cause = 'topk_sampler' group by 1""").fetchall()
    )
    assert topk["haiku-3.5"] < datetime(2025, 9, 4, 14, tzinfo=UTC)
    assert topk["opus-3"] < datetime(2025, 9, 12, 14, tzinfo=UTC)
    hw = {
        h
        for (h,) in con.execute(
            f"select distinct hardware from {t} where cause = 'topk_sampler'"
        ).fetchall()
    }
    assert hw == {"tpu"}
    first_routing = con.execute(
        f"select min(request_ts) from {t} where cause = 'routing_1m'"
    ).fetchone()[0]
    assert first_routing >= world.ROUTING_BUG_START


def test_routing_bug_is_sticky(small_replay):
    con = duckdb.connect()
    sql = f"""select count(*)::double / count(distinct session_id)
        from '{small_replay}/truth/reports.parquet' where cause = ? and session_id is not null"""
    per_session = con.execute(sql, ["routing_1m"]).fetchone()[0]
    background = con.execute(sql, ["background"]).fetchone()[0]
    assert per_session > 1.8 and background < 1.3


def test_truth_spans_point_at_the_values_in_the_texts(small_replay):
    texts = {}
    for _, _, line in _lines(small_replay):
        record, _ = parse_feedback_line(line)
        if record:
            texts[record.report_id] = record
    pii = pq.read_table(small_replay / "truth/pii.parquet").to_pylist()
    types = {p["entity_type"] for p in pii}
    assert {
        "PERSON",
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "CREDIT_CARD",
        "SECRET",
        "HOME_PATH",
        "CONNECTION_STRING",
        "IP_ADDRESS",
    } <= types
    checked = 0
    for p in pii:
        rec = texts.get(p["report_id"])
        if rec is None:  # malformed line
            continue
        assert getattr(rec, p["field"])[p["start"] : p["end"]] == p["value"], p["entity_type"]
        checked += 1
    assert checked > 300
    share = len({p["report_id"] for p in pii}) / len(texts)
    assert 0.3 <= share <= 0.5
    for s in pq.read_table(small_replay / "truth/symptoms.parquet").to_pylist():
        rec = texts.get(s["report_id"])
        if rec is not None:
            assert 0 <= s["start"] < s["end"] <= len(getattr(rec, s["field"])), s["symptom"]


def test_corrupted_python_blocks_do_not_parse(small_replay):
    import ast
    import re

    truth = pq.read_table(small_replay / "truth/reports.parquet").to_pylist()
    broken = {r["report_id"] for r in truth if "code_syntax_error" in r["symptoms"]}
    fence = re.compile(r"```python\n(.*?)```", re.S)
    n = 0
    for _, _, line in _lines(small_replay):
        record, _ = parse_feedback_line(line)
        if not record or record.report_id not in broken or not record.response_excerpt:
            continue
        for block in fence.findall(record.response_excerpt):
            try:
                ast.parse(block)
            except SyntaxError:
                n += 1
                break
    assert n > 0


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    simulate(tmp_path / "a", seed=11, scale=0.02)
    simulate(tmp_path / "b", seed=11, scale=0.02)
    simulate(tmp_path / "c", seed=12, scale=0.02)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def test_bad_scale_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="--scale"):
        simulate(tmp_path, scale=0)
