import numpy as np
import pyarrow as pa
import pytest

from joins import attribute, sticky_concentration
from joins.schemas import ATTRIBUTIONS

H = 72
POOLS = ["busy", "mid", "small"]
POOL_REQ = [950_000, 40_000, 10_000]  # per hour: busy 95%, mid 4%, small 1%
SHARES = [r / sum(POOL_REQ) for r in POOL_REQ]


@pytest.fixture
def pool_traffic(make_traffic) -> pa.Table:
    return make_traffic(H, [{"server_pool": p} for p in POOLS], POOL_REQ)


def rows_of(table: pa.Table, cluster: str) -> dict[str, dict]:
    return {r["value"]: r for r in table.to_pylist() if r["cluster_id"] == cluster}


def test_guilty_small_pool_outranks_busy_innocent_pool(builder, pool_traffic):
    b = builder(seed=3)
    # The bug cluster is contaminated by background complaints: more of its reports come
    # from the busy pool (120) than from the small guilty pool (80).
    b.add("bug", 120, {"server_pool": (["busy"], [1.0])}, (0, H))
    b.add("bug", 80, {"server_pool": (["small"], [1.0])}, (0, H))
    b.add("background", 1000, {"server_pool": (POOLS, SHARES)}, (0, H))
    out = attribute(b.table(), pool_traffic, dimensions=["server_pool"])
    bug = rows_of(out, "bug")
    assert bug["busy"]["reports"] > bug["small"]["reports"]
    assert bug["small"]["rank"] == 1
    assert bug["small"]["q_value"] < 0.05 and bug["small"]["lift"] > 10
    assert bug["busy"]["lift"] < 1 and bug["busy"]["p_value"] > 0.5
    assert abs(bug["small"]["expected"] - 200 * 0.01) < 1e-6
    assert set(out.column("baseline").to_pylist()) == {"traffic"}


def test_single_sticky_session_is_not_a_confident_attribution(builder, pool_traffic):
    b = builder(seed=4)
    b.add("sticky", 40, {"server_pool": (["mid"], [1.0])}, (0, H), user="uS", session="sS")
    b.add("sticky", 10, {"server_pool": (POOLS, SHARES)}, (0, H))
    b.add("spread", 40, {"server_pool": (["mid"], [1.0])}, (0, H))  # 40 distinct users
    b.add("spread", 10, {"server_pool": (POOLS, SHARES)}, (0, H))
    reports = b.table()
    out = attribute(reports, pool_traffic, dimensions=["server_pool"])
    sticky, spread = rows_of(out, "sticky")["mid"], rows_of(out, "spread")["mid"]
    # Same report counts and report lift, very different evidence.
    assert sticky["reports"] >= 40 and spread["reports"] >= 40
    assert sticky["lift"] > 10 and spread["lift"] > 10
    assert sticky["users"] <= 2 and spread["users"] >= 40
    assert sticky["p_value"] > 0.05, "one user must not make a value significant"
    assert spread["q_value"] < 1e-6
    flags = {r["cluster_id"]: r for r in sticky_concentration(reports).to_pylist()}
    assert flags["sticky"]["sticky_flag"] and not flags["spread"]["sticky_flag"]


def test_fallback_to_report_share_is_noted(builder, pool_traffic):
    b = builder(seed=5)
    tiers = (["standard", "long_1m"], [0.98, 0.02])
    b.add("bug", 60, {"server_pool": (["busy"], [1.0]), "context_tier": (["long_1m"], [1.0])},
          (0, H))  # fmt: skip
    for c in ("bg1", "bg2", "bg3"):
        b.add(c, 300, {"server_pool": (POOLS, SHARES), "context_tier": tiers}, (0, H))
    reports = b.table()
    out = attribute(reports, pool_traffic, dimensions=["server_pool", "context_tier"])
    by_dim = {}
    for r in out.to_pylist():
        by_dim.setdefault(r["dimension"], set()).add(r["baseline"])
    assert by_dim["server_pool"] == {"traffic"}
    assert by_dim["context_tier"] == {"reports"}
    long_row = rows_of(out, "bug")["long_1m"]
    assert long_row["rank"] == 1 and long_row["q_value"] < 1e-6
    # Expected from the other clusters' share of long_1m (about 2%), not from the bug itself.
    assert 0.3 < long_row["expected"] < 3.5
    none = attribute(reports, None, dimensions=["server_pool"])
    assert set(none.column("baseline").to_pylist()) == {"reports"}


def test_bh_q_values_over_the_run_are_monotone_and_bounded(builder, pool_traffic):
    b = builder(seed=6)
    b.add("bug", 80, {"server_pool": (POOLS, [0.3, 0.2, 0.5])}, (0, H))
    for c in ("a", "b", "c", "d"):
        b.add(c, 200, {"server_pool": (POOLS, SHARES)}, (0, H))
    out = attribute(b.table(), pool_traffic, dimensions=["server_pool"])
    p = np.array(out.column("p_value").to_pylist())
    q = np.array(out.column("q_value").to_pylist())
    order = np.argsort(p, kind="stable")
    assert np.all(np.diff(q[order]) >= -1e-15)
    assert np.all((q >= 0) & (q <= 1)) and np.all(q >= p * (1 - 1e-12))
    assert out.num_rows > 10


def test_background_clusters_drawn_from_traffic_raise_no_alarm(builder, pool_traffic):
    b = builder(seed=7)
    for c in range(8):
        b.add(f"bg{c}", 400, {"server_pool": (POOLS, SHARES)}, (0, H))
    out = attribute(b.table(), pool_traffic, dimensions=["server_pool"])
    assert min(out.column("q_value").to_pylist()) > 0.05
    # The evaluation's false-alarm rule: a rank-1 row with q < 0.01 and lift >= 2.
    alarms = [r for r in out.to_pylist() if r["rank"] == 1 and r["q_value"] < 0.01]
    assert not alarms
    assert out.num_rows >= 16


@pytest.fixture
def pair_world(make_traffic) -> pa.Table:
    combos = [{"model": m, "server_pool": p} for m in ("m1", "m2") for p in ("p1", "p2")]
    return make_traffic(H, combos, [250_000] * 4)


def test_pair_reported_only_when_it_beats_both_parts(builder, pair_world):
    b = builder(seed=8)
    dims = {"model": (["m1"], [1.0]), "server_pool": (["p2"], [1.0])}
    b.add("both", 100, dims, (0, H))  # only (m1, p2) is broken
    b.add("pool", 100, {"model": (["m1", "m2"], [0.5, 0.5]), "server_pool": (["p2"], [1.0])},
          (0, H))  # fmt: skip
    b.add("bg", 400, {"model": (["m1", "m2"], [0.5, 0.5]), "server_pool": (["p1", "p2"],
          [0.5, 0.5])}, (0, H))  # fmt: skip
    out = attribute(b.table(), pair_world, dimensions=["model", "server_pool"])
    both = [r for r in out.to_pylist() if r["cluster_id"] == "both"]
    top = min(both, key=lambda r: r["rank"])
    assert (top["dimension"], top["value"]) == ("model & server_pool", "m1 & p2")
    assert top["lift"] == pytest.approx(4.0) and top["q_value"] < 1e-6
    # Single rows stay too.
    assert {r["value"] for r in both} >= {"m1", "p2", "m1 & p2"}
    for cluster in ("pool", "bg"):
        dims_seen = {r["dimension"] for r in out.to_pylist() if r["cluster_id"] == cluster}
        assert "model & server_pool" not in dims_seen, cluster


def test_unjoined_reports_do_not_enter_expected(builder, pool_traffic):
    b = builder(seed=9)
    b.add("bug", 50, {"server_pool": (["small"], [1.0])}, (0, H))
    base = attribute(b.table(), pool_traffic, dimensions=["server_pool"])
    b.add("bug", 30, {"server_pool": ([""], [1.0])}, (0, H))
    t = b.table()
    pool = t.column("server_pool")
    t = t.set_column(t.schema.get_field_index("server_pool"), "server_pool",
                     pa.compute.if_else(pa.compute.equal(pool, ""), None, pool))  # fmt: skip
    more = attribute(t, pool_traffic, dimensions=["server_pool"])
    a, m = rows_of(base, "bug")["small"], rows_of(more, "bug")["small"]
    assert (a["reports"], a["expected"]) == (m["reports"], m["expected"])
    assert a["expected"] == pytest.approx(0.5)


def test_schema_determinism_and_errors(builder, pool_traffic):
    b = builder(seed=10)
    b.add("x", 50, {"server_pool": (POOLS, [0.2, 0.3, 0.5])}, (0, H))
    b.add("y", 50, {"server_pool": (POOLS, SHARES)}, (0, H))
    t = b.table()
    out = attribute(t, pool_traffic, dimensions=["server_pool"])
    assert out.schema.equals(ATTRIBUTIONS)
    perm = np.random.default_rng(0).permutation(t.num_rows)
    assert attribute(t.take(perm), pool_traffic, dimensions=["server_pool"]).equals(out)
    ranks = {}
    for r in out.to_pylist():
        ranks.setdefault(r["cluster_id"], []).append(r["rank"])
    assert all(sorted(v) == list(range(1, len(v) + 1)) for v in ranks.values())
    with pytest.raises(ValueError, match="region"):
        attribute(t, pool_traffic, dimensions=["region"])
    assert attribute(t.slice(0, 0), None, dimensions=["server_pool"]).num_rows == 0
