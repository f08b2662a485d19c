"""Run-wide (emerging) findings: changes in the complaint rate per request, against traffic."""

import numpy as np
import pytest

from joins.emerging import EmergingFindings
from joins.findings import ReportData, best_rise, findings_table
from joins.schemas import FINDINGS

from .world import World

H = 240
DIMS = ["region", "hardware", "model"]


def world(seed: int, bug: bool) -> World:
    """Three text clusters of ordinary complaints; region r1's traffic (and so its
    complaints) swings by hour of day. With ``bug``, a kernel bug on tpu in region r2 from
    hour 120 sends 40 reports to each cluster: no cluster is mostly the bug."""
    w = World(
        H,
        {
            "region": {"r1": 0.5, "r2": 0.3, "r3": 0.2},
            "hardware": {"tpu": 0.4, "gpu": 0.6},
            "model": {"A": 0.3, "B": 0.7},
        },
        cycle={("region", "r1"): 0.7},
        seed=seed,
    )
    for c in ("c1", "c2", "c3"):
        w.add(c, 500)
        if bug:
            w.add(c, 40, where={"hardware": "tpu", "region": "r2"}, hours=(120, H),
                  symptoms=["code_syntax_error"])  # fmt: skip
    return w


def test_a_bug_no_cluster_isolates_is_a_run_wide_finding():
    w = world(seed=11, bug=True)
    reports, traffic = w.table(), w.traffic()
    found = EmergingFindings(min_users=5).find(reports, traffic, dimensions=DIMS)
    top = found[0]
    assert top.cluster_id is None and top.rank == 1
    assert set(top.parts) == {("region", "r2"), ("hardware", "tpu")}
    assert top.q_value <= 0.01 and top.lift >= 1.5
    span0 = ReportData(reports, DIMS).span0
    assert abs(top.onset_hour - (span0 + 120)) <= 6
    assert set(top.clusters) == {"c1", "c2", "c3"}
    # Its parents (r2, tpu) are explained away, not separate findings over all reports.
    overall = [f for f in found if f.symptom is None]
    assert [(f.dimension, f.value) for f in overall] == [("region & hardware", "r2 & tpu")]
    table = findings_table(found)
    assert table.schema.equals(FINDINGS) and table.column("cluster_id").null_count == len(found)


def test_traffic_varying_by_hour_and_no_bug_give_no_confident_finding():
    for seed in range(3):
        w = world(seed=seed, bug=False)
        found = EmergingFindings(min_users=5).find(w.table(), w.traffic(), dimensions=DIMS)
        assert not [f for f in found if f.q_value <= 0.01 and f.lift >= 2], seed


def test_a_rate_that_only_follows_traffic_has_no_change():
    """Counts that swing with traffic by hour rise and fall, the rate per request does not."""
    rng = np.random.default_rng(0)
    req = 1e6 * (1 + 0.8 * np.cos(2 * np.pi * np.arange(480) / 24))
    y = rng.poisson(req * 4e-6)
    flat = best_rise(y, req * 4e-6, min_size=6)
    assert flat.llr[0] < 10
    y2 = y + np.where(np.arange(480) >= 240, rng.poisson(req * 8e-6), 0)
    step = best_rise(y2, req * 4e-6, min_size=6)
    assert abs(int(step.tau[0]) - 240) <= 6 and step.llr[0] > 50


def test_one_sticky_user_is_not_an_emerging_finding():
    w = world(seed=3, bug=False)
    w.add("c1", 60, where={"hardware": "tpu", "region": "r3"}, hours=(150, 160), user="sticky")
    found = EmergingFindings(min_users=5).find(w.table(), w.traffic(), dimensions=DIMS)
    assert not [f for f in found if ("region", "r3") in f.parts and f.q_value <= 0.05]


def test_without_traffic_nothing_is_claimed():
    w = world(seed=4, bug=True)
    assert EmergingFindings().find(w.table(), None, dimensions=DIMS) == []


@pytest.mark.parametrize("seed", [11])
def test_deterministic_under_row_order(seed):
    w = world(seed=seed, bug=True)
    reports, traffic = w.table(), w.traffic()
    a = findings_table(EmergingFindings().find(reports, traffic, dimensions=DIMS))
    perm = np.random.default_rng(1).permutation(reports.num_rows)
    b = findings_table(EmergingFindings().find(reports.take(perm), traffic, dimensions=DIMS))
    assert a.drop_columns(["clusters"]).equals(b.drop_columns(["clusters"]))
