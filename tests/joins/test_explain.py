"""Explaining away per cluster, combinations in the residual, folding of restating rows."""

import numpy as np
import pyarrow as pa
import pytest

from joins import attribute
from joins.explain import ExplainingAway
from joins.findings import ReportData, describe_series, findings_table
from joins.schemas import ATTRIBUTIONS, FINDING_TIMESERIES, FINDINGS

from .world import World

H = 240
DIMS = ["context_tier", "server_pool", "model", "sampler_build"]


def mixed_world(seed: int = 1) -> World:
    """One text cluster holding two bugs and background complaints:
    - a routing bug on the long-context tier (2% of traffic; its two pools 1% each),
    - a sampler build X broken on models A and B only (X serves half the traffic, A and B
      5% each), from hour 120: X alone has a lift near 1.2 and A alone is diluted by the
      background; only the combinations isolate it.
    """
    w = World(
        H,
        {
            "context_tier": {"standard": 0.98, "long_1m": 0.02},
            "model": {"A": 0.05, "B": 0.05, "C": 0.45, "D": 0.45},
            "sampler_build": {"X": 0.5, "Y": 0.5},
        },
        nested={
            "server_pool": (
                "context_tier",
                {
                    "std-a": ("standard", 0.5),
                    "std-b": ("standard", 0.5),
                    "long-a": ("long_1m", 0.5),
                    "long-b": ("long_1m", 0.5),
                },
            )
        },  # fmt: skip
        seed=seed,
    )
    w.add("mixed", 1200)  # background: follows traffic
    w.add("mixed", 300, where={"context_tier": "long_1m"})
    w.add("mixed", 120, where={"model": "A", "sampler_build": "X"}, hours=(120, H))
    w.add("mixed", 120, where={"model": "B", "sampler_build": "X"}, hours=(120, H))
    w.add("other", 800)  # a second, innocent cluster
    return w


@pytest.fixture(scope="module")
def mixed():
    w = mixed_world()
    reports, traffic = w.table(), w.traffic()
    attr = attribute(reports, traffic, dimensions=DIMS, min_users=2)
    ex = ExplainingAway().explain(reports, traffic, dimensions=DIMS, attributions=attr)
    return reports, traffic, attr, ex


def test_two_bugs_in_one_cluster_are_separate_findings(mixed):
    _, _, attr, ex = mixed
    got = [(f.dimension, f.value) for f in ex.findings if f.cluster_id == "mixed"]
    assert got[0] == ("context_tier", "long_1m")
    # The sampler bug comes out of the residual as the build on each broken model.
    assert set(got[1:]) == {("model & sampler_build", "A & X"), ("model & sampler_build", "B & X")}
    assert all(f.q_value <= 0.05 and f.lift >= 2 for f in ex.findings)
    assert [f.rank for f in ex.findings if f.cluster_id == "mixed"] == [1, 2, 3]
    assert not [f for f in ex.findings if f.cluster_id == "other"]
    # Neither part alone stands out: X barely moves, A alone is weaker than the pair.
    rows = {(r["dimension"], r["value"]): r for r in attr.to_pylist() if r["cluster_id"] == "mixed"}
    assert rows[("sampler_build", "X")]["lift"] < 1.5


def test_pools_are_folded_under_the_tier_and_rank_below_independent_rows(mixed):
    _, _, _, ex = mixed
    tier = ex.findings[0]
    assert {"server_pool=long-a", "server_pool=long-b"} <= set(tier.folded)
    rows = [r for r in ex.attributions.to_pylist() if r["cluster_id"] == "mixed"]
    assert ex.attributions.schema.equals(ATTRIBUTIONS)
    rank = {(r["dimension"], r["value"]): r["rank"] for r in rows}
    assert rank[("context_tier", "long_1m")] == 1
    assert {rank[("model & sampler_build", "A & X")], rank[("model & sampler_build", "B & X")]} == {
        2,
        3,
    }
    folded = {k for k in rank if k in {("server_pool", "long-a"), ("server_pool", "long-b")}}
    independent = [v for k, v in rank.items() if ex.folded.get(("mixed", *k)) is None]
    assert folded and all(rank[k] > max(independent) for k in folded)
    assert sorted(rank.values()) == list(range(1, len(rank) + 1))
    q = np.array([r["q_value"] for r in ex.attributions.to_pylist()])
    assert ((q >= 0) & (q <= 1)).all()


def test_series_onset_and_table(mixed):
    reports, traffic, _, ex = mixed
    data = ReportData(reports, DIMS)
    ts = describe_series(ex.findings, data, traffic)
    assert ts.schema.equals(FINDING_TIMESERIES)
    pair = next(f for f in ex.findings if f.value == "A & X")
    start = data.span0
    assert abs(pair.onset_hour - (start + 120)) <= 6
    table = findings_table(ex.findings)
    assert table.schema.equals(FINDINGS)
    assert table.column("cluster_id").to_pylist() == ["mixed"] * len(ex.findings)
    per = ts.filter(pa.compute.equal(ts.column("finding_id"), pair.id))
    assert per.num_rows == len(data.span) and sum(per.column("reports").to_pylist()) == len(
        pair.members
    )


def test_same_input_any_row_order_gives_the_same_findings(mixed):
    reports, traffic, attr, _ = mixed
    ex = ExplainingAway().explain(reports, traffic, dimensions=DIMS, attributions=attr)
    perm = np.random.default_rng(5).permutation(reports.num_rows)
    shuffled = reports.take(perm)
    attr2 = attribute(shuffled, traffic, dimensions=DIMS, min_users=2)
    ex2 = ExplainingAway().explain(shuffled, traffic, dimensions=DIMS, attributions=attr2)
    assert findings_table(ex2.findings).equals(findings_table(ex.findings))
    assert ex2.attributions.equals(ex.attributions)


def test_no_bug_gives_no_confident_finding():
    for seed in range(3):
        w = World(
            H,
            {"region": {"r1": 0.5, "r2": 0.3, "r3": 0.2}, "model": {"A": 0.2, "B": 0.8},
             "hardware": {"tpu": 0.4, "gpu": 0.6}},
            cycle={("region", "r1"): 0.6},
            seed=seed,
        )  # fmt: skip
        for c in range(6):
            w.add(f"c{c}", 300)
        reports, traffic = w.table(), w.traffic()
        dims = ["region", "model", "hardware"]
        attr = attribute(reports, traffic, dimensions=dims, min_users=2)
        ex = ExplainingAway().explain(reports, traffic, dimensions=dims, attributions=attr)
        assert not [f for f in ex.findings if f.q_value <= 0.01 and f.lift >= 2], seed


def test_fallback_without_traffic_still_explains():
    w = mixed_world(seed=2)
    reports = w.table()
    ex = ExplainingAway().explain(reports, None, dimensions=DIMS)
    first = [f for f in ex.findings if f.cluster_id == "mixed"][0]
    assert (first.dimension, first.value) in {
        ("context_tier", "long_1m"),
        ("server_pool", "long-a"),
    }
    assert ex.attributions.num_rows == 0


def test_a_step_whose_preferred_name_fails_the_final_q_keeps_the_name_it_replaced():
    """As run-wide: a more specific name chosen in a step that fails the run's final q
    leaves the step's finding under the candidate it replaced instead of dropping it."""
    import dataclasses

    w = mixed_world()
    reports, traffic = w.table(), w.traffic()
    attr = attribute(reports, traffic, dimensions=DIMS, min_users=2)
    ex = ExplainingAway()
    refine = ex._refine

    def weaker_name(c, best, t, ok, rows):
        best, t = refine(c, best, t, ok, rows)
        ex._tests.append(1.0)
        return dataclasses.replace(best, p_value=1.0), len(ex._tests) - 1

    ex._refine = weaker_name
    got = ex.explain(reports, traffic, dimensions=DIMS, attributions=attr)
    top = [f for f in got.findings if f.cluster_id == "mixed" and f.rank == 1]
    assert top and top[0].q_value <= 0.01 and top[0].p_value < 1.0
    assert ("context_tier", "long_1m") in top[0].parts
