"""Attribution alone on a small postmortem replay (truth cause = cluster id)."""

import pyarrow as pa
import pytest

from joins.evaluate import evaluate_extract, evaluate_replay, false_alarms, names_cause

generate = pytest.importorskip("pipeline.replay.generate")


@pytest.fixture(scope="module")
def replay(tmp_path_factory):
    out = tmp_path_factory.mktemp("replay")
    generate.simulate(out, seed=3, scale=0.05)
    return out


def test_each_bug_rank1_names_its_cause(replay):
    res = evaluate_replay(replay, hours_after=(96,))
    assert set(res["bugs"]) == {"routing_1m", "tpu_corruption", "topk_sampler"}
    for bug, r in res["bugs"].items():
        assert r["detected"], f"{bug}: rank-1 is not an accepted cause with q < 0.05"
        assert r["rank"] == 1 and r["q"] < 0.05 and r["lift"] > 1
    assert res["false_alarms"] == []
    assert 0.5 < res["joined_share"] <= 1.0


def test_evaluate_extract_on_truth_clusters(replay):
    # An "extract" whose clusters are the truth causes must score every bug as pure.
    from joins import attribute, dimension_columns, join_reports
    from joins.evaluate import load_replay

    data = load_replay(replay)
    joined = join_reports(data["reports"], data["routing"])
    attr = attribute(joined, data["traffic"], dimensions=dimension_columns(data["routing"].schema))
    res = evaluate_extract({"reports": joined, "attributions": attr}, replay / "truth")
    for bug, r in res["bugs"].items():
        assert r["purity"] == pytest.approx(1.0) and r["coverage"] > 0.9, bug
        assert r["detected"], bug
    assert res["false_alarms"] == []


def test_a_bug_spread_over_a_mixed_cluster_is_also_scored_on_its_focused_one(replay):
    """Most top-k reports in the background cluster, a fifth in a small cluster of their own
    (with some background): the largest cluster misses the cause, the focused one names it."""
    import numpy as np

    from joins import attribute, dimension_columns, join_reports
    from joins.evaluate import load_replay

    data = load_replay(replay)
    joined = join_reports(data["reports"], data["routing"])
    cause = joined.column("cluster_id").to_pylist()
    rng = np.random.default_rng(0)
    relabelled = []
    for c in cause:
        if c == "topk_sampler":
            relabelled.append("small" if rng.random() < 0.2 else "background")
        elif c == "background" and rng.random() < 0.01:
            relabelled.append("small")
        else:
            relabelled.append(c)
    joined = joined.set_column(
        joined.schema.get_field_index("cluster_id"), "cluster_id", pa.array(relabelled)
    )
    attr = attribute(joined, data["traffic"], dimensions=dimension_columns(data["routing"].schema))
    res = evaluate_extract({"reports": joined, "attributions": attr}, replay / "truth")
    topk = res["bugs"]["topk_sampler"]
    assert topk["cluster_id"] == "background" and topk["coverage"] > 0.7
    focused = topk["focused"]
    assert focused["cluster_id"] == "small" and 0.1 < focused["coverage"] < 0.35
    assert focused["purity"] > topk["purity"]
    assert focused["detected"] and focused["rank"] == 1
    assert "small" not in {a["cluster_id"] for a in res["false_alarms"]}
    assert "focused" not in res["bugs"]["tpu_corruption"]


def test_helpers():
    row = {"dimension": "hardware & runtime_config", "value": "tpu & cfg-1"}
    assert names_cause(row, [{"dimension": "runtime_config", "value": "cfg-1"}])
    assert not names_cause(row, [{"dimension": "runtime_config", "value": "cfg-2"}])
    attr = pa.table({"cluster_id": ["bg", "bg"], "dimension": ["a", "b"], "value": ["x", "y"],
                     "q_value": [0.001, 0.5], "lift": [3.0, 1.0], "reports": [9, 9],
                     "rank": [1, 2]})  # fmt: skip
    assert len(false_alarms(attr, ["bg"])) == 1
    assert false_alarms(attr, ["other"]) == []
