"""ClusterAttributor: `attribute` in scikit-learn's manner, with the same rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest
from sklearn.base import clone

from joins.attribution import ClusterAttributor, attribute

T0 = datetime(2025, 8, 5, tzinfo=UTC)


def _reports() -> pa.Table:
    """Cluster c1 sits on pool-b (8 users); c2 is spread evenly over both pools."""
    rows = []
    for i in range(12):
        rows.append(
            ("c1", T0 + timedelta(hours=i % 3), f"u{i % 8}", "pool-b" if i < 10 else "pool-a")
        )
    for i in range(12):
        rows.append(("c2", T0 + timedelta(hours=i % 3), f"v{i}", "pool-a" if i % 2 else "pool-b"))
    cid, hour, user, pool = zip(*rows, strict=True)
    return pa.table(
        {
            "cluster_id": pa.array(cid, pa.string()),
            "submitted_hour": pa.array(hour, pa.timestamp("us", tz="UTC")),
            "user_pseudonym": pa.array(user, pa.string()),
            "server_pool": pa.array(pool, pa.string()),
        }
    )


def _traffic() -> pa.Table:
    hours = [T0 + timedelta(hours=h) for h in range(3) for _ in range(2)]
    return pa.table(
        {
            "hour": pa.array(hours, pa.timestamp("us", tz="UTC")),
            "server_pool": ["pool-a", "pool-b"] * 3,
            "requests": pa.array([9_000, 1_000] * 3, pa.int64()),
        }
    )


def test_fit_returns_self_with_the_rows_of_attribute():
    model = ClusterAttributor(min_users=2)
    assert not hasattr(model, "attributions_")  # __init__ learns nothing
    assert model.fit(_reports(), _traffic(), ["server_pool", "server_pool"]) is model
    expected = attribute(_reports(), _traffic(), dimensions=["server_pool"], min_users=2)
    assert model.attributions_.equals(expected)
    assert model.dimensions_ == ["server_pool"]
    top = model.attributions_.filter(pa.compute.equal(model.attributions_["rank"], 1))
    assert top.column("value").to_pylist()[0] == "pool-b"


def test_parameters_reach_the_statistics():
    loose = ClusterAttributor(min_reports=1).fit(_reports(), _traffic(), ["server_pool"])
    strict = ClusterAttributor(min_reports=11).fit(_reports(), _traffic(), ["server_pool"])
    assert strict.attributions_.num_rows < loose.attributions_.num_rows


def test_scikit_learn_protocol():
    model = ClusterAttributor(min_users=2, pair_margin=0.5)
    assert model.get_params()["pair_margin"] == 0.5
    twin = clone(model)
    assert twin is not model and twin.get_params() == model.get_params()
    model.set_params(min_reports=5)
    assert model.min_reports == 5
    with pytest.raises(ValueError):
        model.set_params(no_such_parameter=1)
    assert "pair_margin=0.5" in repr(twin)
