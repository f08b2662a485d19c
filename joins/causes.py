"""One call for the extract's cause tables: findings, their series and suspects, re-ranked
attributions. Plain pyarrow in and out (the pipeline's attribution step calls it)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from joins.emerging import EmergingFindings
from joins.explain import ExplainingAway
from joins.findings import Finding, ReportData, describe_series, findings_table
from joins.suspects import finding_suspects, suspect_deploys


def find_causes(
    attributable: pa.Table,
    published: pa.Table,
    traffic: pa.Table | None,
    deploys: pa.Table,
    *,
    dimensions: Sequence[str],
    attributions: pa.Table,
    timeseries: pa.Table,
    min_users: int = 5,
    explainer: ExplainingAway | None = None,
    emerging: EmergingFindings | None = None,
) -> dict[str, pa.Table]:
    """Findings per cluster and run-wide, their hourly series and suspect deploys.

    Args:
        attributable: reports of the published, non-background clusters (what
            ``attributions`` was computed on): cluster_id, submitted_hour, user_pseudonym,
            dimension columns.
        published: every report of a published cluster (background included) with
            ``symptoms``: the population of run-wide (emerging) findings.
        traffic: hourly requests per dimension combination, or None.
        deploys: DEPLOYS rows.
        attributions: `joins.attribute` output on ``attributable``.
        timeseries: CLUSTER_TIMESERIES of the attributable clusters (for the suspects of
            clusters without a finding, scored on the cluster's own series as before).
        min_users: K; a run-wide finding needs at least K distinct users.

    Returns:
        {"attributions": re-ranked (findings first, restating rows last), "findings",
        "finding_timeseries", "suspects"}.
    """
    dims = list(dimensions)
    explainer = explainer or ExplainingAway()
    emerging = emerging or EmergingFindings(min_users=min_users)
    d_attr = ReportData(attributable, dims)
    ex = explainer.explain(
        attributable, traffic, dimensions=dims, attributions=attributions, data=d_attr
    )
    d_pub = ReportData(published, dims)
    run_wide = emerging.find(published, traffic, dimensions=dims, data=d_pub)
    run_wide = rank_run_wide(
        run_wide, ex.findings, published, attributable, share=emerging.nest_share
    )
    ts_c = describe_series(ex.findings, d_attr, traffic)
    ts_r = describe_series(run_wide, d_pub, traffic)
    sus_c = finding_suspects(ex.findings, d_attr, deploys)
    sus_r = finding_suspects(run_wide, d_pub, deploys)
    with_findings = sorted({f.cluster_id for f in ex.findings})
    legacy = suspect_deploys(timeseries, ex.attributions, deploys)
    if legacy.num_rows and with_findings:
        keep = pc.invert(pc.is_in(legacy.column("cluster_id"), pa.array(with_findings)))
        legacy = legacy.filter(keep)
    return {
        "attributions": ex.attributions,
        "findings": findings_table([*ex.findings, *run_wide]),
        "finding_timeseries": pa.concat_tables([ts_c, ts_r]),
        "suspects": pa.concat_tables([sus_c, sus_r, legacy]),
    }


def rank_run_wide(
    run_wide: Sequence[Finding],
    cluster_findings: Sequence[Finding],
    published: pa.Table,
    attributable: pa.Table,
    *,
    share: float = 0.9,
) -> list[Finding]:
    """Run-wide findings re-ranked: those no single cluster isolates first (by their rank),
    then those a cluster's finding already holds.

    A run-wide finding is a concentration that no text cluster isolates (CONTRACT.md). One
    whose reports that fall in attributable clusters are, for at least ``share`` of them,
    the reports one cluster finding explains restates that finding over a different slice
    of time or name (a routing bug's tier named once per release it lived through, while
    its cluster's finding names the pool since the bug began): it keeps its row but ranks
    below every independent one, so that the ranks a reader looks at first go to causes
    the clusters missed.

    Args:
        run_wide: `EmergingFindings.find` output, ``members`` row positions in
            ``published``.
        cluster_findings: per-cluster findings, ``members`` row positions in
            ``attributable``.
        published, attributable: the two report tables, each with ``report_id``.
        share: the fraction of a run-wide finding's attributable reports that one cluster
            finding must hold.

    Returns:
        The same findings, ``rank`` renumbered 1.. in the new order; ``restates`` set to
        the holding cluster finding's id on those that restate one.
    """
    ids = "report_id"
    if not cluster_findings or ids not in published.column_names:
        return list(run_wide)
    if ids not in attributable.column_names:
        return list(run_wide)
    # Each published report's row in ``attributable`` (-1: not in an attributable cluster).
    where = pc.index_in(published.column(ids), value_set=attributable.column(ids))
    where = pc.fill_null(where, -1).to_numpy()
    # The cluster finding that explains each attributable report (-1: none). A cluster's
    # findings explain disjoint reports (each is tested on the residual of the ones before
    # it); where a step kept a broader name, a report shared with a later one counts there.
    owner = np.full(attributable.num_rows, -1, dtype=np.int64)
    for i, f in enumerate(cluster_findings):
        owner[f.members] = i

    for f in run_wide:
        pos = where[f.members]
        pos = pos[pos >= 0]
        held = owner[pos]
        held = held[held >= 0]
        if len(held):
            counts = np.bincount(held)
            top = int(counts.argmax())
            if counts[top] >= share * len(pos):
                f.restates = cluster_findings[top].id
    order = sorted(run_wide, key=lambda f: (f.restates is not None, f.rank))
    for i, f in enumerate(order, 1):
        f.rank = i
    return order
