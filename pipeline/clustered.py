"""The global clustering step's body: every embedded record in, clustered records out.

Plain Python over the `clustering` library; `stages.ClusterReports` runs it in Beam.
"""

from __future__ import annotations

import numpy as np

from pipeline.epoch import from_us

REPORTS = "reports"
CLUSTER_INFO = "cluster_info"
BACKGROUND_ID = "background"


def dedup_key(record: dict) -> tuple:
    """Which copy of a repeated report id is kept: the earliest submission; ties break on
    the redacted content, so the choice does not depend on arrival order."""
    return (
        record["submitted_us"],
        record["comment_redacted"] or "",
        record["response_redacted"] or "",
    )


def keep_first_per_report(records: list[dict]) -> list[dict]:
    """One record per report id (a repeated id is the same report sent twice), sorted by
    report id; see :func:`dedup_key` for the copy kept."""
    kept: dict[str, dict] = {}
    for rec in records:
        other = kept.get(rec["report_id"])
        if other is None or dedup_key(rec) < dedup_key(other):
            kept[rec["report_id"]] = rec
    return [kept[k] for k in sorted(kept)]


def cluster_all(
    records: list[dict], previous: dict | None = None, random_state: int = 0, *, min_users: int = 5
) -> dict:
    """Cluster all records: ``{REPORTS: [record with cluster_id (embedding dropped), ...],
    CLUSTER_INFO: {cluster_id: {label, centroid, is_background}}}``. The job's later global
    steps (join, attribution) take this one value as it is, so the reports are not shipped
    through the runner again between them.

    ``None`` items are ignored (`stages.ClusterReports` adds one so an empty run still gathers
    one list). A repeated report id is kept once (:func:`keep_first_per_report`): the job
    dedupes here, where every record already meets, rather than shuffling every record
    through a group-by-id before. Records are sorted by report id so the result does not
    depend on the order the runner delivered them in (determinism across runners).

    Labels quote a cluster's most central redacted comment only when it has at least
    ``min_users`` (K) distinct users, the clusters the extract publishes (see
    `clustering.labels`).
    """
    from clustering import (
        assign_stable_ids,
        cluster_reports,
        label_clusters,
        symptom_matrix,
    )

    records = keep_first_per_report([r for r in records if r is not None])
    if not records:
        return {REPORTS: [], CLUSTER_INFO: {}}
    emb = np.stack([np.frombuffer(r["embedding"], dtype=np.float32) for r in records])
    symptoms = [r["symptoms"] for r in records]
    # The one global step: nothing else of the job runs while it does, so its shards use
    # every core of the worker (same labels as one core).
    labels = cluster_reports(emb, symptom_matrix(symptoms), random_state=random_state, n_jobs=-1)
    texts = [r["comment_redacted"] or "" for r in records]
    users = [r["user_pseudonym"] for r in records]
    names = label_clusters(
        texts, labels, symptoms, embeddings=emb, users=users, min_users=min_users
    )
    found = sorted(int(k) for k in set(labels.tolist()) if k >= 0)
    centroids = []
    for k in found:
        c = emb[labels == k].mean(axis=0)
        centroids.append(c / (np.linalg.norm(c) or 1.0))
    centroid_arr = np.stack(centroids) if centroids else np.zeros((0, emb.shape[1]), np.float32)
    # New ids hash from the data's last day, so an unrelated cluster of another day never
    # reuses an old id, and the same input still gives the same ids.
    last_day = from_us(max(r["submitted_hour_us"] for r in records)).strftime("%Y-%m-%d")
    ids = assign_stable_ids(centroid_arr, previous, namespace=last_day)
    id_of = dict(zip(found, ids, strict=True))
    info = {
        BACKGROUND_ID: {
            "label": "background: mixed complaints with no shared pattern",
            "centroid": None,
            "is_background": True,
        }
    }
    for k, cid, c in zip(found, ids, centroids, strict=True):
        info[cid] = {
            "label": names.get(k, f"cluster {cid}"),
            "centroid": c.tolist(),
            "is_background": False,
        }
    out = []
    for rec, k in zip(records, labels.tolist(), strict=True):
        row = dict(rec)
        row.pop("embedding", None)
        row["cluster_id"] = id_of.get(k, BACKGROUND_ID)
        out.append(row)
    return {REPORTS: out, CLUSTER_INFO: info}
