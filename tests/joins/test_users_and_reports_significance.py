"""Significance must hold in users *and* in reports: p = the larger of the two p-values.

Two ways a handful of people can fake a signal, one per half of the rule:
- "sticky": one user files many reports on one value. In reports it looks significant; in
  users it is one person. A reports-only test would flag it.
- "heavy elsewhere": a few heavy users file many reports on *other* values, so the cluster
  has few users in total and the few light users on the value are a large share of them.
  In users it looks significant; in reports the value is where traffic puts it. A users-only
  test would flag it.
A value many users report many times ("real") is significant under both.
Built here, with constant traffic, so the numbers are checked against scipy directly.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from scipy import stats

from joins import attribute

# Function-scoped fixtures on purpose: mutmut links a module-scoped fixture's work to the
# first test only, so the other tests would not run against mutants (bench/mutation.py).

T0 = dt.datetime(2025, 8, 1, tzinfo=dt.UTC)
TS = pa.timestamp("us", tz="UTC")
H = 24
SHARE = {"x": 0.03, "y": 0.03, "z": 0.03, "big": 0.91}


def _traffic() -> pa.Table:
    rows = [(h, v, int(1_000_000 * s)) for h in range(H) for v, s in SHARE.items()]
    return pa.table(
        {
            "hour": pa.array([T0 + dt.timedelta(hours=h) for h, _, _ in rows], TS),
            "server_pool": [v for _, v, _ in rows],
            "requests": pa.array([n for _, _, n in rows], pa.int64()),
        }
    )


def _reports() -> pa.Table:
    rows: list[tuple[str, str, str]] = []  # (cluster, user, pool); made-up tokens
    # heavy elsewhere: 8 light users on "x", 3 heavy users with 100 reports each on "big".
    rows += [("heavy_elsewhere", f"light{i}", "x") for i in range(8)]
    rows += [("heavy_elsewhere", f"heavy{u}", "big") for u in range(3) for _ in range(100)]
    # sticky: one user, 40 reports on "y", plus 60 one-report users on "big".
    rows += [("sticky", "stuck", "y")] * 40
    rows += [("sticky", f"s{i}", "big") for i in range(60)]
    # real: 40 users with 3 reports each on "z", plus 60 one-report users on "big".
    rows += [("real", f"r{i}", "z") for i in range(40) for _ in range(3)]
    rows += [("real", f"b{i}", "big") for i in range(60)]
    return pa.table(
        {
            "cluster_id": [c for c, _, _ in rows],
            "submitted_hour": pa.array(
                [T0 + dt.timedelta(hours=i % H) for i in range(len(rows))], TS
            ),
            "user_pseudonym": [u for _, u, _ in rows],
            "server_pool": [p for _, _, p in rows],
        }
    )


@pytest.fixture()
def rows() -> dict[tuple[str, str], dict]:
    out = attribute(_reports(), _traffic(), dimensions=["server_pool"])
    return {(r["cluster_id"], r["value"]): r for r in out.to_pylist()}


def _tail(k: float, n: float, p: float) -> float:
    """P(X >= k), X ~ Bin(n, p), for integer k and n."""
    return float(stats.binom.sf(k - 1, n, p))


def test_heavy_users_elsewhere_do_not_make_a_value_significant(rows):
    r = rows[("heavy_elsewhere", "x")]
    assert (r["reports"], r["users"]) == (8, 8)
    # In users: 8 of 11 user-equivalents (each heavy user counts once) against 3%.
    p_users = _tail(8, 11, 0.03)
    # In reports: 8 of 308 against 3%, about what traffic predicts.
    p_reports = _tail(8, 308, 0.03)
    assert p_users < 1e-9 < 0.3 < p_reports
    assert r["p_value"] == pytest.approx(max(p_users, p_reports), rel=1e-6)
    assert r["p_value"] > 0.05 and r["q_value"] > 0.05


def test_one_sticky_user_does_not_make_a_value_significant(rows):
    r = rows[("sticky", "y")]
    assert (r["reports"], r["users"]) == (40, 1)
    p_users = _tail(1, 61, 0.03)  # one user-equivalent of 61
    p_reports = _tail(40, 100, 0.03)
    assert p_reports < 1e-20 and p_users > 0.5
    assert r["p_value"] == pytest.approx(max(p_users, p_reports), rel=1e-6)
    assert r["p_value"] > 0.05


def test_many_users_many_reports_is_significant_under_both(rows):
    r = rows[("real", "z")]
    assert (r["reports"], r["users"]) == (120, 40)
    p = max(_tail(40, 100, 0.03), _tail(120, 180, 0.03))
    assert r["p_value"] == pytest.approx(p, rel=1e-6)
    assert r["p_value"] < 1e-20 and r["q_value"] < 1e-20
    assert r["rank"] == 1
