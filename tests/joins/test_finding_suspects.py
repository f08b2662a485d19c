"""Suspect deploys of a finding: matched by what they changed, then by timing and rollbacks.

The routing bug's story, made up here: a routing change long before the complaints grew, an
escalation and an unrelated build on the same servers right before the onset, and a staged
rollback of the routing change that rolls out while the complaints end. Every id is made up.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from joins.findings import Finding, ReportData
from joins.schemas import DEPLOYS, SUSPECTS
from joins.suspects import finding_suspects

T0 = dt.datetime(2025, 8, 1, tzinfo=dt.UTC)
TS = pa.timestamp("us", tz="UTC")
H0 = int(T0.timestamp()) // 3600  # epoch hour of T0
ONSET, END = 400, 700  # hours from T0


def h(x: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=x)


def _data() -> ReportData:
    """40 reports on pool p-long (model m1, gpu; half first-party, half bedrock) between the
    onset and the end, and 40 on pool p-short (model m2, tpu, first-party) all along."""
    hours = [ONSET + 7 * i for i in range(40)] + [10 * i for i in range(40)]
    table = pa.table(
        {
            "cluster_id": ["c1"] * 80,
            "submitted_hour": pa.array([h(x) for x in hours], TS),
            "user_pseudonym": [f"u{i}" for i in range(80)],
            "server_pool": ["p-long"] * 40 + ["p-short"] * 40,
            "model": ["m1"] * 40 + ["m2"] * 40,
            "hardware": ["gpu"] * 40 + ["tpu"] * 40,
            "platform": ["first_party", "bedrock"] * 20 + ["first_party"] * 40,
        }
    )
    return ReportData(table, ["server_pool", "model", "hardware", "platform"])


def _finding(data: ReportData) -> Finding:
    members = np.flatnonzero(data.codes["server_pool"] == data.vocab["server_pool"].index("p-long"))
    return Finding(
        cluster_id=None, dims=("server_pool",), values=("p-long",), members=members,
        reports=len(members), users=len(members), expected=4.0, lift=10.0, p_value=1e-9,
        score=50.0, onset_hour=H0 + ONSET, end_hour=H0 + END, change_hours=[H0 + ONSET],
    )  # fmt: skip


def _deploys(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist([{f: r.get(f) for f in DEPLOYS.names} for r in rows], DEPLOYS)


ROUTING = {"deploy_id": "lb-start", "started_at": h(ONSET - 300), "component": "load_balancer",
           "model": "m1"}  # fmt: skip
ESCALATION = {"deploy_id": "lb-rebalance", "started_at": h(ONSET - 2),
              "component": "load_balancer", "model": "m1"}  # fmt: skip
BUILD = {"deploy_id": "smp-gpu", "started_at": h(ONSET - 1), "component": "sampler",
         "hardware": "gpu"}  # fmt: skip
ELSEWHERE = {"deploy_id": "tpu-rel", "started_at": h(ONSET - 1), "hardware": "tpu"}


def _rollback(start: float, finish: float | None, target: str = "lb-start") -> dict:
    return {"deploy_id": "lb-fix", "started_at": h(start),
            "finished_at": None if finish is None else h(finish), "component": "load_balancer",
            "description": f"Rollback of {target}: staged rollout", "model": "m1"}  # fmt: skip


def _suspects(deploys: list[dict]) -> tuple[dict[str, dict], Finding]:
    data = _data()
    f = _finding(data)
    out = finding_suspects([f], data, _deploys(deploys))
    assert out.schema.equals(SUSPECTS)
    return {r["deploy_id"]: r for r in out.to_pylist()}, f


def test_without_a_rollback_the_deploys_at_the_onset_are_the_suspects():
    got, f = _suspects([ROUTING, ESCALATION, BUILD, ELSEWHERE])
    # The routing change started 300 h before the onset: no change point lines up with it.
    assert "lb-start" not in got
    # A scoped deploy covering none of the finding's reports cannot have caused them.
    assert "tpu-rel" not in got
    assert set(got) == {"lb-rebalance", "smp-gpu"}
    assert f.deploy_id in {"lb-rebalance", "smp-gpu"}


def test_a_staged_rollback_rolling_out_as_complaints_end_names_the_change_it_reverts():
    # Started 250 h before the end, finished 2 h after it: the end falls inside its rollout.
    got, f = _suspects([ROUTING, ESCALATION, BUILD, _rollback(END - 250, END + 2)])
    assert f.deploy_id == "lb-start"
    top = got["lb-start"]
    assert top["rollback_id"] == "lb-fix" and top["match"] == "covers"
    assert top["score"] > 1.5 * max(got["lb-rebalance"]["score"], got["smp-gpu"]["score"])
    assert "lb-fix" not in got  # a rollback is never a suspect
    # Its onset is the finding's, however long before the deploy started.
    assert top["onset"] == h(ONSET)


def test_a_rollback_far_from_the_end_or_of_another_deploy_does_not_count():
    # Its rollout finished three days before the complaints ended.
    got, f = _suspects([ROUTING, ESCALATION, BUILD, _rollback(END - 200, END - 72)])
    assert "lb-start" not in got and f.deploy_id != "lb-start"
    # It reverts something else.
    got, f = _suspects([ROUTING, ESCALATION, BUILD, _rollback(END - 250, END + 2, "other")])
    assert "lb-start" not in got


def test_a_deploy_that_started_after_the_onset_is_not_named_by_its_rollback():
    late = dict(ROUTING, started_at=h(ONSET + 48))
    got, _ = _suspects([late, ESCALATION, BUILD, _rollback(END - 250, END + 2)])
    assert "lb-start" not in got


def test_the_rollout_counts_for_a_deploy_aligned_with_the_onset_too():
    """An escalation rolled back by id over a rollout spanning the end scores at least twice
    its score without the rollback (the rule that counted the rollback's start alone, 250 h
    from the end, did not raise it)."""
    base, _ = _suspects([ESCALATION, BUILD])
    rb = _rollback(END - 250, END + 2, "lb-rebalance")
    got, f = _suspects([ESCALATION, BUILD, rb])
    assert got["lb-rebalance"]["score"] >= 2 * base["lb-rebalance"]["score"]
    assert got["lb-rebalance"]["rollback_id"] == "lb-fix"
    assert got["smp-gpu"]["score"] == base["smp-gpu"]["score"]
    assert f.deploy_id == "lb-rebalance"


def test_a_release_on_part_of_the_failing_requests_is_no_suspect():
    """The finding's requests run on two platforms; a first-party GPU release at the onset
    holds half of its reports: the other half never ran it, so it is no suspect (the kernel
    scenario's innocent same-hour release). The same release on every platform is one."""
    part = {"deploy_id": "rel-fp-gpu", "started_at": h(ONSET - 1), "hardware": "gpu",
            "platform": "first_party"}  # fmt: skip
    whole = {"deploy_id": "rel-gpu", "started_at": h(ONSET - 1), "hardware": "gpu"}
    got, f = _suspects([part])
    assert got == {} and f.deploy_id is None
    got, f = _suspects([part, whole])
    assert set(got) == {"rel-gpu"} and f.deploy_id == "rel-gpu"
