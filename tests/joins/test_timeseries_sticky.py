import pyarrow as pa
import pytest

from joins import cluster_timeseries, sticky_concentration
from joins.schemas import CLUSTER_TIMESERIES


def test_timeseries_fills_hours_and_rates(builder, make_traffic):
    b = builder(seed=1)
    b.add("a", 6, {}, (2, 3)).add("b", 4, {}, (5, 6))
    traffic = make_traffic(4, [{"model": "m1"}, {"model": "m2"}], [1_500_000, 500_000])
    ts = cluster_timeseries(b.table(), traffic)
    assert ts.schema.equals(CLUSTER_TIMESERIES)
    rows = ts.to_pylist()
    assert len(rows) == 2 * 4  # hours 2..5 for both clusters, zero hours included
    a = [r for r in rows if r["cluster_id"] == "a"]
    assert [r["reports"] for r in a] == [6, 0, 0, 0]
    assert a[0]["requests"] == 2_000_000 and a[0]["rate_per_million"] == pytest.approx(3.0)
    # Traffic ends at hour 3: later hours have no denominator.
    assert a[2]["requests"] is None and a[2]["rate_per_million"] is None
    none = cluster_timeseries(b.table(), None)
    assert none.column("requests").null_count == none.num_rows


def test_sticky_concentration_numbers(builder):
    b = builder(seed=2)
    b.add("one", 8, {}, (0, 5), user="u", session="s").add("one", 2, {}, (0, 5))
    b.add("indep", 10, {}, (0, 5))
    out = {r["cluster_id"]: r for r in sticky_concentration(b.table()).to_pylist()}
    # Sessions of sizes 8, 1, 1: HHI = 0.64 + 0.01 + 0.01.
    assert out["one"]["effective_sessions"] == pytest.approx(1 / 0.66)
    assert out["one"]["top_session_share"] == pytest.approx(0.8)
    assert out["one"]["sticky_flag"]
    assert out["indep"]["sticky_concentration"] == pytest.approx(0.0)
    assert not out["indep"]["sticky_flag"]


def test_sticky_null_sessions_fall_back_to_users():
    t = pa.table(
        {
            "cluster_id": ["c"] * 6,
            "user_pseudonym": ["u1"] * 5 + ["u2"],
            "session_pseudonym": pa.array([None] * 6, pa.string()),
        }
    )
    row = sticky_concentration(t).to_pylist()[0]
    assert row["n_sessions"] == 2 and row["top_session_share"] == pytest.approx(5 / 6)
