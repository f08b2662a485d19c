"""Run-wide findings that a cluster's finding already holds rank below the others."""

import numpy as np
import pyarrow as pa

from joins.causes import rank_run_wide
from joins.findings import Finding


def _finding(cluster, members, rank=0, value="v"):
    return Finding(
        cluster_id=cluster, dims=("d",), values=(value,), members=np.array(members),
        reports=len(members), users=len(members), expected=1.0, lift=2.0, p_value=1e-6,
        score=10.0, rank=rank,
    )  # fmt: skip


# Published reports r0..r19; r0..r15 are in attributable clusters (at positions 0..15),
# r16..r19 in the background cluster (published, not attributable).
PUBLISHED = pa.table({"report_id": [f"r{i}" for i in range(20)]})
ATTRIBUTABLE = pa.table({"report_id": [f"r{i}" for i in range(16)]})
CLUSTER = [_finding("c1", list(range(0, 10)), rank=1)]


def test_a_run_wide_finding_a_cluster_finding_holds_ranks_after_the_independent_ones():
    # rank 1: r0..r8 and three background reports: every attributable one is in c1's finding
    held = _finding(None, [0, 1, 2, 3, 4, 5, 6, 7, 8, 16, 17, 18], rank=1, value="held")
    other = _finding(None, [9, 10, 11, 12, 13, 14], rank=2, value="other")
    got = rank_run_wide([held, other], CLUSTER, PUBLISHED, ATTRIBUTABLE, share=0.9)
    assert [f.value for f in got] == ["other", "held"]
    assert [f.rank for f in got] == [1, 2]
    assert held.restates == CLUSTER[0].id and other.restates is None


def test_a_run_wide_finding_mostly_outside_any_cluster_finding_keeps_its_rank():
    # 8 of its 10 attributable reports in c1's finding: below the share
    mixed = _finding(None, [0, 1, 2, 3, 4, 5, 6, 7, 12, 13], rank=1, value="mixed")
    other = _finding(None, [10, 11, 12, 13, 14], rank=2, value="other")
    got = rank_run_wide([mixed, other], CLUSTER, PUBLISHED, ATTRIBUTABLE, share=0.9)
    assert [(f.value, f.rank) for f in got] == [("mixed", 1), ("other", 2)]
    assert mixed.restates is None


def test_the_cluster_finding_holding_most_is_the_one_restated():
    two = [_finding("c1", [0, 1, 2], rank=1), _finding("c1", list(range(3, 12)), rank=2, value="w")]
    f = _finding(None, list(range(3, 12)) + [1], rank=1, value="f")
    rank_run_wide([f], two, PUBLISHED, ATTRIBUTABLE, share=0.9)
    assert f.restates == two[1].id  # 9 of its 10 clustered reports are the second's


def test_a_run_wide_finding_only_in_unclustered_reports_is_independent():
    bg = _finding(None, [16, 17, 18, 19], rank=1, value="bg")
    got = rank_run_wide([bg], CLUSTER, PUBLISHED, ATTRIBUTABLE)
    assert [(f.value, f.rank) for f in got] == [("bg", 1)]


def test_without_report_ids_or_cluster_findings_the_order_is_kept():
    a = _finding(None, [0, 1, 2], rank=1, value="a")
    b = _finding(None, [10, 11], rank=2, value="b")
    no_ids = pa.table({"x": list(range(20))})
    assert rank_run_wide([a, b], CLUSTER, no_ids, ATTRIBUTABLE) == [a, b]
    assert rank_run_wide([a, b], [], PUBLISHED, ATTRIBUTABLE) == [a, b]
