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


def test_helpers():
    row = {"dimension": "hardware & runtime_config", "value": "tpu & cfg-1"}
    assert names_cause(row, [{"dimension": "runtime_config", "value": "cfg-1"}])
    assert not names_cause(row, [{"dimension": "runtime_config", "value": "cfg-2"}])
    attr = pa.table({"cluster_id": ["bg", "bg"], "dimension": ["a", "b"], "value": ["x", "y"],
                     "q_value": [0.001, 0.5], "lift": [3.0, 1.0], "reports": [9, 9],
                     "rank": [1, 2]})  # fmt: skip
    assert len(false_alarms(attr, ["bg"])) == 1
    assert false_alarms(attr, ["other"]) == []
