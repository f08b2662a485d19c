"""Times inside the job are int microseconds since the epoch (UTC), not datetimes.

Beam's default coder encodes ints natively but pickles every datetime (and numpy array) it
meets, once per element each time a record crosses a stage boundary: on the 20k replay with
two workers, that pickling was ~17 s of the workers' ~260 s of CPU before this module
(`bench/profile_job.py`, stage "beam: pickled values"). Times become datetimes again only
in the extract's tables.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from joins.columns import HOUR_US

__all__ = ["HOUR_US", "floor_hour_us", "from_us", "to_us"]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_us(ts: datetime) -> int:
    """A timezone-aware datetime -> microseconds since 1970-01-01 UTC."""
    if ts.tzinfo is None:
        raise ValueError("naive datetime: a time in the job must carry its offset")
    delta = ts - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def floor_hour_us(us: int) -> int:
    """Microseconds truncated to the UTC hour."""
    return us - us % HOUR_US


def from_us(us: int) -> datetime:
    """Microseconds since the epoch -> an aware UTC datetime."""
    return _EPOCH + timedelta(microseconds=us)
