"""Expected counts follow the traffic of the cluster's own hours, not the whole run's.

A value whose share of traffic is large at night and small by day is the trap: a bug whose
reports all arrive at night must be compared with night traffic, where that value is
common, or the value looks guilty for no reason. These tests use traffic that varies by
hour (every other attribution test uses constant traffic, so the weighting went untested)
and check ``expected`` against sum over the cluster's hours h of J[c, h] * share[v, h].
Built here, not from the shared fixtures, so they do not depend on them.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from joins import attribute

T0 = dt.datetime(2025, 8, 1, tzinfo=dt.UTC)
TS = pa.timestamp("us", tz="UTC")
H = 48


def _night(h: int) -> bool:
    return h % 24 < 6


def _share_a(h: int) -> float:
    """Pool "a": 30-55% of the night's traffic (varying by hour), 4% of the day's."""
    return 0.30 + 0.05 * (h % 6) if _night(h) else 0.04


def _total(h: int) -> int:
    return 100_000 if _night(h) else 1_000_000


def _traffic(hours=range(H)) -> pa.Table:
    cols: dict[str, list] = {"hour": [], "server_pool": [], "requests": []}
    for h in hours:
        a = round(_total(h) * _share_a(h))
        for pool, req in (("a", a), ("b", _total(h) - a)):
            cols["hour"].append(T0 + dt.timedelta(hours=h))
            cols["server_pool"].append(pool)
            cols["requests"].append(req)
    return pa.table(
        {
            "hour": pa.array(cols["hour"], TS),
            "server_pool": cols["server_pool"],
            "requests": pa.array(cols["requests"], pa.int64()),
        }
    )


def _reports(rows: list[tuple[str, int, str, str]]) -> pa.Table:
    """(cluster, hour, user, pool) rows; all made-up tokens."""
    return pa.table(
        {
            "cluster_id": [r[0] for r in rows],
            "submitted_hour": pa.array([T0 + dt.timedelta(hours=r[1]) for r in rows], TS),
            "user_pseudonym": [r[2] for r in rows],
            "server_pool": [r[3] for r in rows],
        }
    )


# The night bug: 40 reports, one user each, in night hours only, unevenly spread (more in
# the early hours); pool "a" answers about as often as night traffic predicts.
NIGHT_HOURS = [h for h in range(H) if _night(h)]
J = {h: n for h, n in zip(NIGHT_HOURS, [6, 5, 4, 3, 2, 1, 6, 5, 4, 2, 1, 1], strict=True)}
assert sum(J.values()) == 40


def _night_bug() -> list[tuple[str, int, str, str]]:
    rows, i = [], 0
    for h, n in J.items():
        for _ in range(n):
            # every other report on "a": about half, the night traffic's share
            rows.append(("night", h, f"u{i}", "a" if i % 2 == 0 else "b"))
            i += 1
    return rows


def _day_background() -> list[tuple[str, int, str, str]]:
    return [("day", h, f"d{h}", "a" if h % 25 == 0 else "b") for h in range(H) if not _night(h)]


def test_expected_is_the_sum_over_the_clusters_hours_of_its_traffic_shares():
    out = attribute(
        _reports(_night_bug() + _day_background()), _traffic(), dimensions=["server_pool"]
    )
    row = {(r["cluster_id"], r["value"]): r for r in out.to_pylist()}[("night", "a")]
    want = sum(n * _share_a(h) for h, n in J.items())
    assert row["expected"] == pytest.approx(want, rel=1e-6)
    assert row["reports"] == 20
    assert row["lift"] == pytest.approx(20 / want, rel=1e-6)
    # Not the whole run's share of "a", nor the plain mean of the hourly shares.
    whole_run = sum(_total(h) * _share_a(h) for h in range(H)) / sum(map(_total, range(H)))
    assert abs(row["expected"] - 40 * whole_run) > 10
    mean_share = np.mean([_share_a(h) for h in J])
    assert abs(row["expected"] - 40 * mean_share) > 0.1
    assert row["baseline"] == "traffic"


def test_a_value_common_at_night_is_not_blamed_for_a_night_bug():
    out = attribute(
        _reports(_night_bug() + _day_background()), _traffic(), dimensions=["server_pool"]
    )
    row = {(r["cluster_id"], r["value"]): r for r in out.to_pylist()}[("night", "a")]
    # Against the whole run's ~5% share this would be lift ~10 and p ~1e-15.
    assert row["lift"] < 1.5
    assert row["p_value"] > 0.05 and row["q_value"] > 0.05


def test_the_same_reports_by_day_are_compared_with_day_traffic():
    # Shift the night bug's reports by 12 hours into the day: "a" is now rare in traffic,
    # so the same 20 reports on "a" are a strong signal.
    rows = [(c, h + 12, u, p) for c, h, u, p in _night_bug()]
    out = attribute(_reports(rows + _day_background()), _traffic(), dimensions=["server_pool"])
    row = {(r["cluster_id"], r["value"]): r for r in out.to_pylist()}[("night", "a")]
    assert row["expected"] == pytest.approx(40 * 0.04, rel=1e-3)
    assert row["lift"] > 10 and row["p_value"] < 1e-10


def test_hours_without_traffic_use_the_pooled_share():
    # Traffic is missing for hours 0-5; those reports are compared with the pooled share
    # of the hours that have traffic (a floor keeps a missing value above zero).
    traffic = _traffic(range(6, H))
    out = attribute(_reports(_night_bug() + _day_background()), traffic, dimensions=["server_pool"])
    row = {(r["cluster_id"], r["value"]): r for r in out.to_pylist()}[("night", "a")]
    hours = range(6, H)
    pooled = sum(_total(h) * _share_a(h) for h in hours) / sum(map(_total, hours))
    want = sum(n * (pooled if h < 6 else _share_a(h)) for h, n in J.items())
    assert row["expected"] == pytest.approx(want, rel=1e-4)


def test_traffic_hours_without_any_report_do_not_leak_into_report_hours():
    # Only the night bug: the day hours have traffic but no report at all.
    out = attribute(_reports(_night_bug()), _traffic(), dimensions=["server_pool"])
    row = {(r["cluster_id"], r["value"]): r for r in out.to_pylist()}[("night", "a")]
    assert row["expected"] == pytest.approx(sum(n * _share_a(h) for h, n in J.items()), rel=1e-6)


def test_traffic_of_values_no_report_has_counts_for_no_one():
    # A third pool "c" takes 20% of every hour's traffic but has no reports: the shares of
    # "a" and "b" are still their requests over *all* requests of the hour.
    t = _traffic()
    extra = pa.table(
        {
            "hour": t.column("hour").filter(pa.compute.equal(t.column("server_pool"), "a")),
            "server_pool": ["c"] * H,
            "requests": pa.array([_total(h) // 4 for h in range(H)], pa.int64()),
        }
    )
    traffic = pa.concat_tables([t, extra])
    out = attribute(_reports(_night_bug() + _day_background()), traffic, dimensions=["server_pool"])
    rows = {(r["cluster_id"], r["value"]): r for r in out.to_pylist()}
    total = {h: _total(h) * 1.25 for h in range(H)}
    want_a = sum(n * _total(h) * _share_a(h) / total[h] for h, n in J.items())
    want_b = sum(n * _total(h) * (1 - _share_a(h)) / total[h] for h, n in J.items())
    assert rows[("night", "a")]["expected"] == pytest.approx(want_a, rel=1e-6)
    assert rows[("night", "b")]["expected"] == pytest.approx(want_b, rel=1e-6)
