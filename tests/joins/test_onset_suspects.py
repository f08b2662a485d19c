import datetime as dt

import numpy as np
import pyarrow as pa

from joins import cluster_timeseries, onset_and_end, suspect_deploys
from joins.columns import hour_timestamps
from joins.schemas import DEPLOYS, SUSPECTS

T0 = dt.datetime(2025, 8, 1, tzinfo=dt.UTC)


def test_onset_on_a_synthetic_step():
    rng = np.random.default_rng(0)
    exposure = rng.uniform(0.8e6, 1.2e6, 240)  # requests per hour, varying
    rate = np.where(np.arange(240) < 100, 0.5, 5.0) / 1e6  # per request
    rate[200:] = 0.5 / 1e6  # fixed at hour 200
    counts = rng.poisson(rate * exposure)
    ups, end = onset_and_end(counts, exposure)
    assert abs(ups[0] - 100) <= 3
    assert end is not None and abs(end - 200) <= 3
    flat = rng.poisson(np.full(240, 2.0))
    ups_flat, end_flat = onset_and_end(flat, None)
    assert ups_flat == [int(np.nonzero(flat)[0][0])] and end_flat is None


def _series(onset: int, stop: int, hours: int = 200) -> pa.Table:
    rng = np.random.default_rng(1)
    lam = np.where((np.arange(hours) >= onset) & (np.arange(hours) < stop), 6.0, 0.1)
    return pa.table(
        {
            "cluster_id": ["bug"] * hours,
            "hour": hour_timestamps(np.arange(hours) + int(T0.timestamp()) // 3600),
            "reports": rng.poisson(lam).astype(np.int64),
            "requests": np.full(hours, 1_000_000, np.int64),
            "rate_per_million": np.zeros(hours),
        }
    )


def _deploys(rows: list[dict]) -> pa.Table:
    full = [{f: r.get(f) for f in DEPLOYS.names} for r in rows]
    return pa.Table.from_pylist(full, schema=DEPLOYS)


ATTR = pa.table(
    {
        "cluster_id": ["bug", "bug"],
        "dimension": ["hardware", "hardware & runtime_config"],
        "value": ["tpu", "tpu & cfg-0825"],
        "reports": [50, 40],
        "users": [50, 40],
        "expected": [5.0, 1.0],
        "lift": [10.0, 40.0],
        "p_value": [1e-9, 1e-12],
        "q_value": [1e-8, 1e-11],
        "rank": [2, 1],
        "baseline": ["traffic", "traffic"],
    }
)


def test_scope_and_id_matches_and_rollback_raise_the_score():
    h = lambda x: T0 + dt.timedelta(hours=x)  # noqa: E731
    deploys = [
        {"deploy_id": "cfg-0825", "started_at": h(96), "component": "runtime_config"},
        {"deploy_id": "gpu-fix", "started_at": h(98), "hardware": "gpu"},  # contradicts tpu
        {"deploy_id": "tpu-misc", "started_at": h(97), "hardware": "tpu"},
        {"deploy_id": "global", "started_at": h(99)},
        {"deploy_id": "too-old", "started_at": h(10), "hardware": "tpu"},
    ]
    ts = _series(onset=100, stop=160)
    out = suspect_deploys(ts, ATTR, _deploys(deploys), window_hours=72)
    assert out.schema.equals(SUSPECTS)
    got = {r["deploy_id"]: r for r in out.to_pylist()}
    assert set(got) == {"cfg-0825", "tpu-misc", "global"}
    assert got["cfg-0825"]["score"] > got["tpu-misc"]["score"] > got["global"]["score"]
    assert abs((got["cfg-0825"]["onset"] - h(100)).total_seconds()) <= 3 * 3600
    rb = {"deploy_id": "rb-1", "started_at": h(158), "component": "config",
          "description": "Rollback of cfg-0825 on TPU"}  # fmt: skip
    with_rb = suspect_deploys(ts, ATTR, _deploys([*deploys, rb]), window_hours=72)
    got_rb = {r["deploy_id"]: r for r in with_rb.to_pylist()}
    assert "rb-1" not in got_rb
    assert got_rb["cfg-0825"]["score"] > 1.5 * got["cfg-0825"]["score"]
    assert got_rb["tpu-misc"]["score"] == got["tpu-misc"]["score"]
    # The rollback and the end it lines up with are columns, not prose to parse back.
    assert got_rb["cfg-0825"]["rollback_id"] == "rb-1"
    assert got_rb["cfg-0825"]["rollback_at"] == h(158)
    assert abs((got_rb["cfg-0825"]["end"] - h(160)).total_seconds()) <= 3 * 3600
    assert got["cfg-0825"]["rollback_id"] is None and got["cfg-0825"]["rollback_at"] is None
    assert got_rb["tpu-misc"]["rollback_id"] is None
    # The same rollback far from the cluster's end does not count.
    late = dict(rb, started_at=h(190))
    got_late = {r["deploy_id"]: r for r in suspect_deploys(ts, ATTR, _deploys([*deploys, late]))
                .to_pylist()}  # fmt: skip
    assert got_late["cfg-0825"]["score"] == got["cfg-0825"]["score"]


def test_a_change_rolled_back_as_the_cluster_ends_is_a_suspect_however_old():
    """A TPU change made 95 h before the onset (outside the 72 h window) whose staged
    rollback rolls out over the cluster's end is listed, above the deploy at the onset; a
    rollback that finished long before the end, or none, leaves it out."""
    h = lambda x: T0 + dt.timedelta(hours=x)  # noqa: E731
    old = {"deploy_id": "tpu-old", "started_at": h(5), "hardware": "tpu"}
    misc = {"deploy_id": "tpu-misc", "started_at": h(99), "hardware": "tpu"}
    rb = {"deploy_id": "rb-2", "started_at": h(120), "finished_at": h(163),
          "component": "config", "description": "Rollback of tpu-old, staged"}  # fmt: skip
    ts = _series(onset=100, stop=160)
    without = {r["deploy_id"] for r in suspect_deploys(ts, ATTR, _deploys([old, misc])).to_pylist()}
    assert without == {"tpu-misc"}
    got = {r["deploy_id"]: r for r in
           suspect_deploys(ts, ATTR, _deploys([old, misc, rb])).to_pylist()}  # fmt: skip
    assert set(got) == {"tpu-old", "tpu-misc"}
    assert got["tpu-old"]["score"] > got["tpu-misc"]["score"]
    assert got["tpu-old"]["rollback_id"] == "rb-2"
    assert abs((got["tpu-old"]["onset"] - h(100)).total_seconds()) <= 3 * 3600
    done_early = dict(rb, started_at=h(60), finished_at=h(70))
    early = suspect_deploys(ts, ATTR, _deploys([old, misc, done_early])).to_pylist()
    assert {r["deploy_id"] for r in early} == {"tpu-misc"}


def test_a_deploy_named_by_an_attribution_is_a_suspect_without_a_change_point():
    """A flat series (no change point near the deploy) still lists the deploy whose id is
    attributed, below an aligned one, with a reason that says so; a scope-only match and a
    deploy after the cluster's last report are not listed."""
    h = lambda x: T0 + dt.timedelta(hours=x)  # noqa: E731
    rng = np.random.default_rng(2)
    hours = 200
    flat = pa.table(
        {
            "cluster_id": ["bug"] * hours,
            "hour": hour_timestamps(np.arange(hours) + int(T0.timestamp()) // 3600),
            "reports": rng.poisson(np.full(hours, 0.5)).astype(np.int64),
            "requests": np.full(hours, 1_000_000, np.int64),
            "rate_per_million": np.zeros(hours),
        }
    )
    deploys = [
        {"deploy_id": "cfg-0825", "started_at": h(120), "component": "runtime_config"},
        {"deploy_id": "tpu-misc", "started_at": h(121), "hardware": "tpu"},
    ]
    attr = ATTR.set_column(2, "value", pa.array(["tpu", "tpu & cfg-0825"]))
    attr = attr.set_column(1, "dimension", pa.array(["hardware", "hardware & runtime_config"]))
    got = {r["deploy_id"]: r for r in suspect_deploys(flat, attr, _deploys(deploys)).to_pylist()}
    assert set(got) == {"cfg-0825"}
    row = got["cfg-0825"]
    assert "no change point" in row["reason"] and "runtime_config (rank 1)" in row["reason"]
    assert h(120) <= row["onset"] <= h(130)
    aligned = suspect_deploys(_series(onset=122, stop=160), attr, _deploys(deploys)).to_pylist()
    aligned_score = {r["deploy_id"]: r["score"] for r in aligned}["cfg-0825"]
    assert row["score"] < aligned_score
    weaker = attr.set_column(9, "rank", pa.array([1, 3], pa.int64()))  # id only at rank 3
    assert suspect_deploys(flat, weaker, _deploys(deploys)).num_rows == 0
    late = [{"deploy_id": "cfg-0825", "started_at": h(hours + 5)}]
    assert suspect_deploys(flat, attr, _deploys(late)).num_rows == 0


def test_suspects_from_reports_end_to_end(builder, make_traffic):
    b = builder(seed=3)
    b.add("bug", 1, {}, (0, 100)).add("bug", 200, {}, (100, 150))
    traffic = make_traffic(200, [{"hardware": "tpu"}], [1_000_000])
    ts = cluster_timeseries(b.table(), traffic)
    deploys = _deploys([{"deploy_id": "x", "started_at": T0 + dt.timedelta(hours=90)}])
    out = suspect_deploys(ts, ATTR.slice(0, 0), deploys)
    assert out.column("deploy_id").to_pylist() == ["x"]
