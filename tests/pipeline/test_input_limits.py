"""Input limits (issue 22 items 2-3): over-long text is cut and flagged, an enormous line is
quarantined without being held in memory, implausible timestamps are quarantined."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.run.validate import InputLimits, parse_feedback_line, safe_cut
from tests.pipeline import hostile

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 9, 30, tzinfo=UTC)

# Reads one feedback file with the job's reader function in a fresh interpreter and prints
# the tracemalloc peak (bytes) and what each line became. argv: path, max_line_bytes.
MEASURE = """
import json, sys, tracemalloc
from pipeline.run.validate import InputLimits, iter_feedback_lines
limits = InputLimits(max_line_bytes=int(sys.argv[2]))
tracemalloc.start()
with open(sys.argv[1], "rb") as fh:
    out = [(n, r is not None, reason, (r.truncated_fields if r else None))
           for n, r, reason in iter_feedback_lines(fh, limits)]
peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"peak": peak, "lines": out}))
"""


def _measure(path: Path, max_line_bytes: int) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), str(max_line_bytes)],
        capture_output=True, text=True, cwd=REPO, timeout=300, check=True,
    )  # fmt: skip
    return json.loads(proc.stdout)


def _line(comment_chars: int) -> str:
    return json.dumps({**hostile.BASE, "comment": "word " * (comment_chars // 5)})


def test_a_50_mb_line_is_quarantined_and_read_in_bounded_memory(tmp_path):
    mib = 1024 * 1024
    path = tmp_path / "big.jsonl"
    with open(path, "w") as fh:
        fh.write(_line(100) + "\n")
        head = json.dumps(hostile.BASE)[:-1] + ', "comment": "'
        fh.write(head + "x" * (50 * mib) + '"}\n')  # a 50 MB line
        fh.write(_line(100) + "\n")
    got = _measure(path, 4 * mib)
    assert [(n, ok, reason) for n, ok, reason, _ in got["lines"]] == [
        (1, True, None),
        (2, False, f"line too long (over {4 * mib} bytes)"),
        (3, True, None),
    ]
    # The line is read in pieces and dropped: about twice the cap at most (8.1 MiB
    # measured), where reading it whole takes several times the line's 50 MB.
    assert got["peak"] < 3 * 4 * mib, got["peak"]


def test_a_line_under_the_cap_is_parsed_and_its_text_cut_in_bounded_memory(tmp_path):
    mib = 1024 * 1024
    path = tmp_path / "long.jsonl"
    path.write_text(_line(3 * mib) + "\n")  # a 3 MB comment: under the 4 MiB line cap
    got = _measure(path, 4 * mib)
    assert got["lines"] == [[1, True, None, ["comment"]]]
    # The bytes, the decoded line and the parsed comment (3 MB each) are the peak.
    assert got["peak"] < 16 * mib, got["peak"]


def test_long_text_is_cut_at_a_word_boundary_and_flagged():
    limits = InputLimits(max_text_chars=1000, max_field_chars=10, max_tags=2)
    text = "call Jane Doe at jane.doe@example.com " * 100
    rec, reason = parse_feedback_line(
        json.dumps(
            {
                **hostile.BASE,
                "comment": text,
                "response_excerpt": "short",
                "model": "m" * 11,
                "tags": ["a", "b", "c"],
            }
        ),
        limits,
    )
    assert reason is None
    assert rec.truncated_fields == ["comment", "model", "tags"]
    assert len(rec.comment) <= 1000 and text.startswith(rec.comment)
    assert text[len(rec.comment)] == " "  # no word (an address) cut in half
    assert rec.response_excerpt == "short" and rec.tags == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("e\u0301" * 10, 5, "e\u0301e\u0301"),  # never between a letter and its accent
        ("\U0001f1fa\U0001f1f8" * 4, 3, "\U0001f1fa\U0001f1f8"),  # nor inside a flag
        ("ab\r\ncd", 3, "ab"),  # nor between CR and LF
        ("a" * 10, 4, "aaaa"),  # no boundary but code points: a hard cut
        ("short", 10, "short"),
    ],
)
def test_safe_cut_examples(text, limit, expected):
    assert safe_cut(text, limit) == expected


@pytest.mark.parametrize(
    ("ts", "reason"),
    [
        ("0001-01-01T00:00:00+01:00", "field submitted_at is before 2000-01-01"),
        ("1999-12-31T23:59:59Z", "field submitted_at is before 2000-01-01"),
        ("9999-12-31T23:59:59-05:00", "field submitted_at is more than a day after the run"),
        ("2025-10-01T00:00:01Z", "field submitted_at is more than a day after the run"),
        ("2025-10-01T00:00:00Z", None),  # the run's time plus a day exactly: kept
        ("2000-01-01T00:00:00Z", None),
    ],
)
def test_implausible_timestamps_are_quarantined(ts, reason):
    rec, got = parse_feedback_line(json.dumps({**hostile.BASE, "submitted_at": ts}), now=NOW)
    if reason is None:
        assert got is None and rec is not None
    else:
        assert rec is None and got.startswith(reason)


def test_every_hostile_line_ends_as_expected(tmp_path):
    from pipeline.run.validate import iter_feedback_lines

    (tmp_path / "feedback").mkdir()
    expected = hostile.write_input(tmp_path, big_line_bytes=5 * 1024 * 1024)
    with open(tmp_path / "feedback/hostile.jsonl", "rb") as fh:
        got = {str(n): (r, reason) for n, r, reason in iter_feedback_lines(fh, now=NOW)}
    assert set(got) == set(expected)
    for n, want in expected.items():
        record, reason = got[n]
        if want is None:
            assert record is not None and reason is None, n
            for name in ("comment", "response_excerpt", "surface"):
                if getattr(record, name) is not None:
                    getattr(record, name).encode("utf-8")
        else:
            assert record is None and want in reason, (n, reason)


@pytest.mark.slow
def test_a_run_over_hostile_input_publishes_with_every_line_accounted_for(tmp_path):
    """The job end to end (the lone surrogate once crashed it in Beam's coder): every hostile
    line is a report or a quarantine row with its reason, cut texts are flagged and counted."""
    import shutil

    import duckdb

    from pipeline.replay.generate import simulate
    from tests.conftest import run_triage

    replay = tmp_path / "replay"
    simulate(replay, seed=13, scale=0.01)
    expected = hostile.write_input(replay, big_line_bytes=50 * 1024 * 1024)
    proc = run_triage(replay, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr[-3000:]
    con = duckdb.connect(str(tmp_path / "out/triage.duckdb"), read_only=True)
    quarantined = dict(
        con.execute(
            "select line, reason from quarantine where source = 'feedback/hostile.jsonl'"
        ).fetchall()
    )
    for n, want in expected.items():
        if want is None:
            assert int(n) not in quarantined, n
        else:
            assert want in quarantined[int(n)], (n, quarantined.get(int(n)))
    cut = dict(
        con.execute(
            "select report_id, truncated_fields from reports where len(truncated_fields) > 0"
        ).fetchall()
    )
    assert cut == {"rpt_hostile_4": ["comment"], "rpt_hostile_5": ["response_excerpt"]}
    reports_in, reports_out, n_quarantined, truncated = con.execute(
        "select reports_in, reports_out, quarantined, truncated_reports from runs"
    ).fetchone()
    assert truncated == 2 and reports_in == reports_out + n_quarantined
    shutil.rmtree(replay)
