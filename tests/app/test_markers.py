"""Rate-chart markers and the sticky-session share (pure functions)."""

from __future__ import annotations

import pandas as pd

from app.markers import detected_end, rate_markers, top_user_share


def _series(counts, requests=1_000_000):
    hours = pd.date_range("2025-08-20", periods=len(counts), freq="h", tz="UTC")
    return pd.DataFrame(
        {
            "hour": hours,
            "reports": counts,
            "requests": [requests] * len(counts),
            "rate_per_million": counts,
        }
    )


def test_detected_end_finds_the_drop_after_the_peak():
    series = _series([0] * 48 + [30] * 48 + [0] * 48)
    end = detected_end(series)
    assert end is not None and abs((end - series["hour"].iloc[96]).total_seconds()) <= 3 * 3600
    assert detected_end(_series([0] * 48 + [30] * 48)) is None


def test_rate_markers_kinds():
    series = _series([0] * 48 + [30] * 48 + [0] * 48)
    sus = pd.DataFrame(
        {
            "deploy_id": ["cfg-a", "rel-b"],
            "started_at": pd.to_datetime(["2025-08-21 20:00", "2025-08-21 10:00"], utc=True),
            "onset": pd.to_datetime(["2025-08-22 00:00", "2025-08-22 00:00"], utc=True),
            "score": [4.0, 0.2],
            "reason": ["scope matches; rolled back 2.0 h from the cluster's end", "started"],
            "rollback_id": ["rb-1", None],
            "rollback_at": pd.to_datetime(["2025-08-24 02:00", None], utc=True),
        }
    )
    m = rate_markers(sus, series)
    assert sorted(m["kind"]) == ["deploy start", "deploy start", "end", "onset", "rollback"]
    rb0 = m[m["kind"] == "rollback"]
    assert "cfg-a" in rb0["label"].iloc[0]
    assert rb0["at"].iloc[0] == pd.Timestamp("2025-08-24 02:00", tz="UTC")  # the column's time
    # Prose alone (an extract without the columns) draws no rollback: nothing is parsed back.
    no_cols = rate_markers(sus.drop(columns=["rollback_id", "rollback_at"]), series)
    assert "rollback" not in set(no_cols["kind"])
    log = pd.DataFrame(
        {
            "deploy_id": ["rb-1"],
            "started_at": pd.to_datetime(["2025-08-24 01:00"], utc=True),
            "finished_at": [None],
            "component": ["rollback"],
            "description": ["Rollback of cfg-a"],
        }
    )
    m2 = rate_markers(sus, series, log)
    rb = m2[m2["kind"] == "rollback"]
    assert len(rb) == 1 and rb["at"].iloc[0] == pd.Timestamp("2025-08-24 01:00", tz="UTC")


def test_top_user_share():
    per_user = pd.DataFrame({"reports_per_user": [1, 50], "users": [9, 1]})
    assert top_user_share(per_user) == 50 / 59
    assert top_user_share(pd.DataFrame({"reports_per_user": [], "users": []})) == 0.0
