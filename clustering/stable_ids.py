"""Stable cluster ids across daily runs, by centroid matching.

Each run's clusters have centroids (mean L2-normalised embedding, see
:func:`clustering.cluster.centroids`). Given the previous run's ``{cluster_id: centroid}``, the
current clusters are matched one-to-one to previous ones by the Hungarian algorithm
(``scipy.optimize.linear_sum_assignment``) on cosine similarity; a pair is kept only when its
similarity is at least ``threshold``. A matched cluster keeps its previous id, so a cluster keeps
its id as it grows or drifts slowly.

New ids: ``"c" + 10 hex digits of SHA-256(namespace + ":" + index)`` where ``namespace`` is the
run's key (the pipeline passes its run date, e.g. ``"2025-08-31"``) and ``index`` the cluster's
position in this run. Same run key and clustering -> same ids; different days never collide in
practice (40-bit hash), and no id encodes report content.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import numpy as np


def new_cluster_id(namespace: str, index: int) -> str:
    """Deterministic id for a cluster first seen in run ``namespace`` at position ``index``."""
    digest = hashlib.sha256(f"{namespace}:{index}".encode()).hexdigest()
    return "c" + digest[:10]


def assign_stable_ids(
    centroids: np.ndarray,
    previous: Mapping[str, np.ndarray] | None,
    *,
    threshold: float = 0.8,
    namespace: str = "run",
) -> list[str]:
    """Ids for this run's clusters, reusing previous ids where centroids match.

    Args:
        centroids: (k, d) centroids of this run's clusters, row i = cluster i.
        previous: {previous_id: centroid (d,)} from the previous extract, or None.
        threshold: minimum cosine similarity for a match.
        namespace: run key for new ids (e.g. the run date).

    Returns:
        k distinct ids, in row order.
    """
    cur = np.asarray(centroids, dtype=np.float64)
    if cur.ndim != 2:
        raise ValueError(f"centroids must be 2-D (k, d), got shape {cur.shape}")
    k = cur.shape[0]
    ids: list[str | None] = [None] * k
    if previous and k:
        prev_ids = sorted(previous)  # sorted: the result must not depend on mapping order
        prev = np.vstack([np.asarray(previous[p], dtype=np.float64) for p in prev_ids])
        if prev.shape[1] != cur.shape[1]:
            raise ValueError(
                f"previous centroids have dimension {prev.shape[1]}, current {cur.shape[1]}"
            )
        sim = _normalise(cur) @ _normalise(prev).T
        from scipy.optimize import linear_sum_assignment

        rows, cols = linear_sum_assignment(-sim)
        for r, c in zip(rows, cols, strict=True):
            if sim[r, c] >= threshold:
                ids[r] = prev_ids[c]
    taken = set(i for i in ids if i is not None) | set(previous or {})
    out: list[str] = []
    salt = 0
    for i, cid in enumerate(ids):
        if cid is None:
            cid = new_cluster_id(namespace, i)
            while cid in taken:  # a collision with an old id: re-salt deterministically
                salt += 1
                cid = new_cluster_id(f"{namespace}#{salt}", i)
        taken.add(cid)
        out.append(cid)
    return out


def _normalise(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
