"""Scheduled daily runs: dated extracts, a rolling `latest`, idempotent re-runs, backfills.

Layout of a schedule's output directory ``OUT``::

    OUT/daily/date=2025-08-27/triage.duckdb   the extract as of the end of that day: every
                                              report of the window's N days (default 14)
    OUT/latest -> daily/date=<newest day>      symlink, swapped atomically by one rename
    OUT/backfill/from=D1_to=D2/triage.duckdb   a one-job backfill (see `run_range`)

A day's run reads reports submitted in ``[day - N + 1, day]`` (whole UTC days) and takes the
nearest earlier dated extract as ``--previous-extract``, so a cluster keeps its id from day to
day and its ``first_seen`` stays its onset while the onset is inside the window. Re-running a
day replaces exactly ``daily/date=<day>`` (the job's atomic swap) and moves ``latest`` only if
that day is the newest; same inputs and same previous extract give the same tables.

The whole schedule holds `pipeline.extract.lock.RunLock` on ``OUT`` (so two schedules never
interleave their days or `latest`), and each job holds the lock on its own dated folder.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from pipeline.extract.lock import RunLock
from pipeline.extract.publish import DB_NAME, RunSummary, TriageError
from pipeline.run.inputs import prune_partitions  # noqa: F401  (re-exported for callers)
from pipeline.run.options import RunOptions

DEFAULT_WINDOW_DAYS = 14
DAILY = "daily"
LATEST = "latest"
BACKFILL = "backfill"
_PARTITION = re.compile(r"^date=(\d{4}-\d{2}-\d{2})$")

Runner = Callable[[RunOptions], RunSummary]


@dataclass(frozen=True)
class DayResult:
    """One scheduled job: the days it covers, where it wrote, what it read as previous."""

    day: date
    since: datetime
    until: datetime
    output_dir: Path
    previous: Path | None
    summary: RunSummary
    latest: date | None  # what OUT/latest points at after this job (None: untouched)
    seconds: float


def parse_day(value: str) -> date:
    """``YYYY-MM-DD`` -> date; ValueError with a clear message otherwise."""
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a date like 2025-08-27") from None


def day_window(day: date, window_days: int = DEFAULT_WINDOW_DAYS) -> tuple[datetime, datetime]:
    """(since, until) in UTC covering the ``window_days`` whole days that end with ``day``.

    Both ends are inclusive, as `triage run --since/--until` are: since is 00:00:00 of the
    first day, until the last microsecond of ``day``.
    """
    if window_days < 1:
        raise ValueError("the window must be at least 1 day")
    since = datetime.combine(day - timedelta(days=window_days - 1), dtime.min, UTC)
    until = datetime.combine(day + timedelta(days=1), dtime.min, UTC) - timedelta(microseconds=1)
    return since, until


def days_between(first: date, last: date) -> list[date]:
    """Every day from ``first`` to ``last``, both included, in order."""
    if last < first:
        raise ValueError(f"the range ends ({last}) before it starts ({first})")
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def yesterday(now: datetime | None = None) -> date:
    """The last complete UTC day: what a nightly schedule without a date runs."""
    return ((now or datetime.now(UTC)).astimezone(UTC) - timedelta(days=1)).date()


def dated_dir(out: Path, day: date) -> Path:
    return Path(out) / DAILY / f"date={day.isoformat()}"


def dated_days(out: Path) -> list[date]:
    """Days that have a published dated extract under ``OUT/daily``, sorted."""
    root = Path(out) / DAILY
    found = []
    for child in root.iterdir() if root.is_dir() else []:
        m = _PARTITION.match(child.name)
        if m and (child / DB_NAME).is_file():
            found.append(date.fromisoformat(m.group(1)))
    return sorted(found)


def previous_extract(out: Path, day: date) -> Path | None:
    """The nearest earlier dated extract (its clusters give this day's run its ids)."""
    earlier = [d for d in dated_days(out) if d < day]
    return dated_dir(out, earlier[-1]) / DB_NAME if earlier else None


def refresh_latest(out: Path) -> date | None:
    """Point ``OUT/latest`` at the newest dated extract with one atomic rename; its day."""
    days = dated_days(out)
    if not days:
        return None
    out = Path(out)
    link = out / LATEST
    target = os.path.relpath(dated_dir(out, days[-1]), out)
    if link.is_symlink() and os.readlink(link) == target:
        return days[-1]
    if link.exists() and not link.is_symlink():
        raise TriageError(f"{link} exists and is not a link; move it away to let latest refresh")
    tmp = out / f".{LATEST}-{os.getpid()}"
    if tmp.is_symlink():
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, link)
    return days[-1]


def _job(base: RunOptions, output_dir: Path, since, until, previous, run: Runner) -> RunSummary:
    opts = replace(base, output_dir=output_dir, since=since, until=until, previous_extract=previous)
    return run(opts)


def run_days(
    base: RunOptions,
    days: list[date],
    window_days: int = DEFAULT_WINDOW_DAYS,
    run: Runner | None = None,
    on_day: Callable[[DayResult], None] | None = None,
) -> list[DayResult]:
    """Run ``days`` in order, one job each, under the schedule lock on ``base.output_dir``.

    ``base`` carries the input, the schedule's root OUT and every other option; since, until
    and previous_extract are set per day. ``run`` defaults to `pipeline.run.job.run`. A failing
    day stops the schedule (raises): later days would otherwise match against a stale
    previous extract. Returns one `DayResult` per day.
    """
    out = Path(base.output_dir)
    results = []
    with RunLock(out):
        if run is None:  # imported under the lock: a skipped schedule exits before loading Beam
            from pipeline.run.job import run  # deferred: Beam (seconds)
        for day in days:
            t0 = time.monotonic()
            since, until = day_window(day, window_days)
            previous = previous_extract(out, day)
            target = dated_dir(out, day)
            summary = _job(base, target, since, until, previous, run)
            newest = refresh_latest(out)
            result = DayResult(
                day, since, until, target, previous, summary, newest, time.monotonic() - t0
            )
            results.append(result)
            if on_day:
                on_day(result)
    return results


def run_range_one_job(
    base: RunOptions,
    first: date,
    last: date,
    window_days: int = DEFAULT_WINDOW_DAYS,
    run: Runner | None = None,
) -> DayResult:
    """A backfill as one job: every report the day-by-day backfill of [first, last] reads.

    Reads ``[first - N + 1, last]`` with the extract before ``first`` as previous and writes
    ``OUT/backfill/from=first_to=last``; dated extracts and ``latest`` are not touched (each
    dated extract covers exactly its own window). Per report it gives the same rows as the
    day-by-day backfill; clusters are computed over the wider span, so their ids and
    statistics may differ (tests/schedule/test_backfill.py states what is compared).
    """
    days_between(first, last)  # validates the order
    out = Path(base.output_dir)
    since, _ = day_window(first, window_days)
    _, until = day_window(last, window_days)
    target = out / BACKFILL / f"from={first.isoformat()}_to={last.isoformat()}"
    t0 = time.monotonic()
    with RunLock(out):
        if run is None:
            from pipeline.run.job import run  # deferred: Beam (seconds)
        previous = previous_extract(out, first)
        summary = _job(base, target, since, until, previous, run)
    return DayResult(last, since, until, target, previous, summary, None, time.monotonic() - t0)
