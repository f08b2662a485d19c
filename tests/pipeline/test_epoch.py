"""Times inside the job: int microseconds, back to the same instant in the tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from pipeline.run.epoch import HOUR_US, floor_hour_us, from_us, to_us


def test_round_trip_keeps_the_instant_across_offsets():
    local = datetime(2025, 8, 31, 19, 5, 3, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert from_us(to_us(local)) == local
    assert from_us(to_us(local)).tzinfo == UTC
    assert to_us(datetime(1970, 1, 1, tzinfo=UTC)) == 0
    assert to_us(datetime(1969, 12, 31, 23, tzinfo=UTC)) == -HOUR_US


def test_floor_hour_is_the_utc_hour():
    local = datetime(2025, 8, 31, 19, 5, 3, tzinfo=timezone(timedelta(hours=2, minutes=30)))
    assert from_us(floor_hour_us(to_us(local))) == datetime(2025, 8, 31, 16, tzinfo=UTC)


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="naive"):
        to_us(datetime(2025, 8, 31, 17))
