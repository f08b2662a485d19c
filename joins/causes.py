"""One call for the extract's cause tables: findings, their series and suspects, re-ranked
attributions. Plain pyarrow in and out (the pipeline's attribution step calls it)."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

from joins.emerging import EmergingFindings
from joins.explain import ExplainingAway
from joins.findings import ReportData, describe_series, findings_table
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
