"""Date and window arithmetic, dated folders, `latest`, partition pruning, day orchestration."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.extract.lock import RunLock, RunLocked
from pipeline.extract.publish import RunSummary, TriageError
from pipeline.run import schedule
from pipeline.run.options import RunOptions

D = date(2025, 8, 27)


def test_window_covers_whole_utc_days_ending_with_the_day():
    since, until = schedule.day_window(D, 14)
    assert since == datetime(2025, 8, 14, tzinfo=UTC)
    assert until == datetime(2025, 8, 28, tzinfo=UTC) - timedelta(microseconds=1)
    assert (until - since) < timedelta(days=14) and (until - since) > timedelta(days=13, hours=23)
    one = schedule.day_window(D, 1)
    assert one[0].date() == one[1].date() == D


def test_windows_cross_month_and_year_boundaries():
    since, until = schedule.day_window(date(2025, 1, 2), 3)
    assert since == datetime(2024, 12, 31, tzinfo=UTC)
    assert until.date() == date(2025, 1, 2)
    since, _ = schedule.day_window(date(2024, 3, 1), 2)  # leap year
    assert since == datetime(2024, 2, 29, tzinfo=UTC)


@pytest.mark.parametrize("bad", [0, -3])
def test_window_must_be_positive(bad):
    with pytest.raises(ValueError):
        schedule.day_window(D, bad)


def test_days_between_is_inclusive_and_ordered():
    days = schedule.days_between(date(2025, 8, 30), date(2025, 9, 2))
    assert days == [date(2025, 8, 30), date(2025, 8, 31), date(2025, 9, 1), date(2025, 9, 2)]
    assert schedule.days_between(D, D) == [D]
    with pytest.raises(ValueError):
        schedule.days_between(D, D - timedelta(days=1))


def test_parse_day_and_yesterday():
    assert schedule.parse_day("2025-08-27") == D
    for bad in ("2025-8-27x", "27/08/2025", ""):
        with pytest.raises(ValueError):
            schedule.parse_day(bad)
    assert schedule.yesterday(datetime(2025, 9, 1, 0, 30, tzinfo=UTC)) == date(2025, 8, 31)


def _fake_dated(out: Path, *days: str) -> None:
    for d in days:
        p = out / "daily" / f"date={d}"
        p.mkdir(parents=True)
        (p / "triage.duckdb").write_bytes(b"")


def test_previous_extract_is_the_nearest_earlier_published_day(tmp_path):
    _fake_dated(tmp_path, "2025-08-24", "2025-08-26", "2025-08-28")
    (tmp_path / "daily" / "date=2025-08-27").mkdir()  # no extract: a failed day
    (tmp_path / "daily" / "notes").mkdir()
    assert schedule.dated_days(tmp_path) == [
        date(2025, 8, 24),
        date(2025, 8, 26),
        date(2025, 8, 28),
    ]
    prev = schedule.previous_extract(tmp_path, date(2025, 8, 28))
    assert prev == tmp_path / "daily/date=2025-08-26/triage.duckdb"
    assert schedule.previous_extract(tmp_path, date(2025, 8, 24)) is None
    assert schedule.previous_extract(tmp_path / "missing", D) is None


def test_latest_points_at_the_newest_day_and_is_swapped_not_rewritten(tmp_path):
    assert schedule.refresh_latest(tmp_path) is None
    _fake_dated(tmp_path, "2025-08-26")
    assert schedule.refresh_latest(tmp_path) == date(2025, 8, 26)
    assert os.readlink(tmp_path / "latest") == "daily/date=2025-08-26"
    _fake_dated(tmp_path, "2025-08-28", "2025-08-27")
    assert schedule.refresh_latest(tmp_path) == date(2025, 8, 28)
    assert (tmp_path / "latest" / "triage.duckdb").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".latest")]
    (tmp_path / "latest").unlink()
    (tmp_path / "latest").mkdir()
    with pytest.raises(TriageError):
        schedule.refresh_latest(tmp_path)


def test_prune_partitions_keeps_the_window_with_a_day_of_slack():
    paths = [f"/in/feedback/date=2025-08-{d:02d}/part-00000.jsonl" for d in range(20, 31)]
    paths.append("/in/feedback/2025-08-01.jsonl")  # flat files are never pruned
    since, until = schedule.day_window(date(2025, 8, 26), 2)
    kept = schedule.prune_partitions(paths, since, until)
    assert [p.split("/")[-2] for p in kept[:-1]] == [
        "date=2025-08-24",
        "date=2025-08-25",
        "date=2025-08-26",
        "date=2025-08-27",
    ]
    assert kept[-1] == "/in/feedback/2025-08-01.jsonl"
    assert schedule.prune_partitions(paths, None, None) == paths


def _recording_runner(calls: list):
    """A job that writes an extract file and records what it was asked (orchestration only)."""

    def run(opts: RunOptions) -> RunSummary:
        # The schedule holds OUT's lock for the whole job.
        with pytest.raises(RunLocked):
            RunLock(opts.output_dir.parents[1]).acquire()
        calls.append(opts)
        opts.output_dir.mkdir(parents=True, exist_ok=True)
        (opts.output_dir / "triage.duckdb").write_text(f"{opts.since}..{opts.until}")
        return RunSummary("r", opts.output_dir / "triage.duckdb", 0, 0, 0, 0, 0, 0.0, {}, {})

    return run


def test_days_run_in_order_each_with_its_window_and_the_previous_day(tmp_path):
    calls: list[RunOptions] = []
    base = RunOptions(input_dir=tmp_path / "in", output_dir=tmp_path / "out", min_users=3)
    days = schedule.days_between(date(2025, 8, 25), date(2025, 8, 27))
    results = schedule.run_days(base, days, 14, run=_recording_runner(calls))
    assert [c.output_dir.name for c in calls] == [f"date=2025-08-{d}" for d in (25, 26, 27)]
    assert [c.since for c in calls] == [schedule.day_window(d, 14)[0] for d in days]
    assert calls[0].previous_extract is None
    assert calls[1].previous_extract == calls[0].output_dir / "triage.duckdb"
    assert calls[2].previous_extract == calls[1].output_dir / "triage.duckdb"
    assert all(c.min_users == 3 and c.input_dir == base.input_dir for c in calls)
    assert [r.latest for r in results] == days
    # Re-running an older day replaces that day only and leaves latest on the newest.
    newest = (tmp_path / "out/daily/date=2025-08-27/triage.duckdb").read_text()
    again = schedule.run_days(base, [date(2025, 8, 26)], 14, run=_recording_runner(calls))
    assert again[0].previous == calls[0].output_dir / "triage.duckdb"
    assert again[0].latest == date(2025, 8, 27)
    assert os.readlink(tmp_path / "out/latest") == "daily/date=2025-08-27"
    assert (tmp_path / "out/daily/date=2025-08-27/triage.duckdb").read_text() == newest


def test_one_job_backfill_reads_what_the_day_by_day_backfill_reads(tmp_path):
    calls: list[RunOptions] = []
    base = RunOptions(input_dir=tmp_path / "in", output_dir=tmp_path / "out")
    _fake_dated(tmp_path / "out", "2025-08-20")
    first, last = date(2025, 8, 25), date(2025, 8, 27)
    run = _recording_runner(calls)
    result = schedule.run_range_one_job(base, first, last, 3, run=run)
    (opts,) = calls
    assert opts.since == schedule.day_window(first, 3)[0] == datetime(2025, 8, 23, tzinfo=UTC)
    assert opts.until == schedule.day_window(last, 3)[1]
    assert opts.previous_extract == tmp_path / "out/daily/date=2025-08-20/triage.duckdb"
    assert result.output_dir == tmp_path / "out/backfill/from=2025-08-25_to=2025-08-27"
    assert not (tmp_path / "out/latest").exists()  # dated extracts and latest untouched
