"""The global clustering step's body: every embedded record in, clustered records out.

Columnar over the `clustering` library: the records arrive as spill files
(`pipeline.run.spill`) and stay Arrow columns, the embeddings one float32 matrix, from here to
the extract's tables (no Python dict per report: at a million reports those took ~9 GB).
`stages.ClusterReports` runs it in Beam.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.run.epoch import from_us
from pipeline.run.spill import EMBEDDING, embedding_matrix, read_schema, read_table

REPORTS = "reports"
CLUSTER_INFO = "cluster_info"
BACKGROUND_ID = "background"
_FILE, _ROW = "__spill_file", "__spill_row"


def dedup_key(record: dict) -> tuple:
    """Which copy of a repeated report id is kept: the earliest submission; ties break on
    the redacted content, so the choice does not depend on arrival order. (`keep_rows`
    applies the same order to columns.)"""
    return (
        record["submitted_us"],
        record["comment_redacted"] or "",
        record["response_redacted"] or "",
    )


def keep_rows(table: pa.Table) -> pa.Array:
    """Indices of the rows to keep, one per report id, in report id order: per id the first
    row by :func:`dedup_key`, then by position in ``table`` (stable sorts). Strings sort by
    code point, as Python's do. Only the rows of repeated ids are sorted on their texts."""
    if table.num_rows == 0:
        return pa.array([], pa.int64())
    ids = table.column("report_id")
    order = pc.sort_indices(ids).to_numpy()  # stable: equal ids keep their positions' order
    sorted_ids = ids.take(order).combine_chunks()
    repeated = np.zeros(len(order), dtype=bool)
    if len(order) > 1:
        same = pc.equal(sorted_ids.slice(1), sorted_ids.slice(0, len(order) - 1))
        same = same.to_numpy(zero_copy_only=False)
        repeated[1:] |= same
        repeated[:-1] |= same
    del sorted_ids
    if not repeated.any():
        return pa.array(order)
    single = order[~repeated]
    twice = np.sort(order[repeated])  # rows of repeated ids, in position order
    sub = table.select(["report_id", "submitted_us", "comment_redacted", "response_redacted"])
    sub = sub.take(pa.array(twice))
    keys = pa.table(
        {
            "id": sub.column("report_id"),
            "at": sub.column("submitted_us"),
            "c": pc.fill_null(sub.column("comment_redacted").cast(pa.string()), ""),
            "r": pc.fill_null(sub.column("response_redacted").cast(pa.string()), ""),
        }
    )
    by_key = pc.sort_indices(keys, sort_keys=[(k, "ascending") for k in keys.column_names])
    dup_ids = keys.column("id").take(by_key).combine_chunks()
    first = np.ones(len(dup_ids), dtype=bool)
    if len(dup_ids) > 1:
        first[1:] = ~pc.equal(dup_ids.slice(1), dup_ids.slice(0, len(dup_ids) - 1)).to_numpy(
            zero_copy_only=False
        )
    chosen = twice[by_key.to_numpy()[first]]
    kept = np.concatenate([single, chosen])
    return pa.array(kept).take(pc.sort_indices(ids.take(pa.array(kept))))


def take_columns(table: pa.Table, indices: pa.Array) -> pa.Table:
    """``table.take(indices)`` a column at a time, each source column let go once taken, so
    the copy costs one column's memory on top of the result rather than a second table."""
    names = table.column_names
    taken = []
    for name in names:
        taken.append(table.column(name).take(indices))
        table = table.drop_columns([name])
    return pa.table(dict(zip(names, taken, strict=True)))


def keep_first_per_report(records: list[dict]) -> list[dict]:
    """One record per report id (a repeated id is the same report sent twice), sorted by
    report id; see :func:`dedup_key` for the copy kept. (The list form of `keep_rows`.)"""
    if not records:
        return []
    table = pa.Table.from_pylist(records)
    return table.take(keep_rows(table)).to_pylist()


def _records_and_matrix(records: Sequence[dict | None]) -> tuple[pa.Table, np.ndarray]:
    rows = [r for r in records if r is not None]
    if not rows:
        return pa.table({}), np.zeros((0, 0), dtype=np.float32)
    emb = np.stack([np.frombuffer(r[EMBEDDING], dtype=np.float32) for r in rows])
    table = pa.Table.from_pylist([{k: v for k, v in r.items() if k != EMBEDDING} for r in rows])
    return table, emb


def gather(paths: Sequence[str | None]) -> tuple[pa.Table, np.ndarray]:
    """Read spill files: (one row per report id, in report id order, without embeddings;
    the embeddings as one (n, d) float32 matrix, same order).

    Two passes so that every embedding is held once: first every column but the embedding
    (to dedupe and order), then each file's embeddings straight into their rows of the
    matrix. Files are read in sorted path order, so ties in the dedupe do not depend on which
    worker wrote what.
    """
    paths = sorted(p for p in paths if p)
    parts = []
    for i, path in enumerate(paths):
        table = read_table(path, columns=[n for n in read_schema(path).names if n != EMBEDDING])
        n = table.num_rows
        table = table.append_column(_FILE, pa.array(np.full(n, i, dtype=np.int32)))
        parts.append(table.append_column(_ROW, pa.array(np.arange(n, dtype=np.int64))))
        del table
    if not parts or not sum(t.num_rows for t in parts):
        return pa.table({}), np.zeros((0, 0), dtype=np.float32)
    light = pa.concat_tables(parts, promote_options="default")
    del parts
    light = take_columns(light, keep_rows(light))
    files = light.column(_FILE).to_numpy()
    rows = light.column(_ROW).to_numpy()
    light = light.drop_columns([_FILE, _ROW])
    emb = None
    for i, path in enumerate(paths):
        where = np.flatnonzero(files == i)
        if not len(where):
            continue
        part = embedding_matrix(read_table(path, columns=[EMBEDDING]).column(EMBEDDING))
        if emb is None:
            emb = np.empty((light.num_rows, part.shape[1]), dtype=np.float32)
        emb[where] = part[rows[where]]
        del part
    pa.default_memory_pool().release_unused()  # what the first pass freed, back to the OS
    return light, emb


def cluster_spilled(
    paths: Sequence[str | None], previous: dict | None, random_state: int, min_users: int = 5
) -> dict:
    """`gather` the spill files, then `cluster_table`."""
    table, emb = gather(paths)
    return cluster_table(table, emb, previous, random_state, min_users=min_users)


def cluster_all(
    records: Sequence[dict | None],
    previous: dict | None = None,
    random_state: int = 0,
    *,
    min_users: int = 5,
) -> dict:
    """`cluster_table` on records given as dicts (with ``embedding`` as float32 bytes);
    ``None`` items are ignored, a repeated report id is kept once (`keep_rows`)."""
    table, emb = _records_and_matrix(records)
    keep = keep_rows(table) if table.num_rows else pa.array([], pa.int64())
    return cluster_table(
        table.take(keep), emb[keep.to_numpy()], previous, random_state, min_users=min_users
    )


def cluster_table(
    table: pa.Table,
    emb: np.ndarray,
    previous: dict | None = None,
    random_state: int = 0,
    *,
    min_users: int = 5,
) -> dict:
    """Cluster the reports of ``table`` (one row per report id, sorted by report id, as
    `gather` gives them; ``emb`` their embeddings): ``{REPORTS: table + cluster_id,
    CLUSTER_INFO: {cluster_id: {label, centroid, is_background}}}``. The job's later global
    steps (join, attribution) take this one value as it is, so the reports are not shipped
    through the runner again between them. Sorted by report id, the result does not depend on
    the order the runner delivered the records in (determinism across runners).

    Labels quote a cluster's most central redacted comment only when it has at least
    ``min_users`` (K) distinct users, the clusters the extract publishes (see
    `clustering.labels`).
    """
    from clustering import (  # deferred: sklearn (worker)
        ReportClusterer,
        assign_stable_ids,
        label_clusters,
        symptom_matrix,
    )

    if table.num_rows == 0:
        return {REPORTS: table, CLUSTER_INFO: {}}
    symptoms = table.column("symptoms").to_pylist()
    # The one global step: nothing else of the job runs while it does, so its shards use
    # every core of the worker (same labels as one core).
    model = ReportClusterer(random_state=random_state, n_jobs=-1)
    labels = model.fit_predict(emb, symptom_matrix(symptoms))
    texts = [t or "" for t in table.column("comment_redacted").to_pylist()]
    users = table.column("user_pseudonym").to_pylist()
    names = label_clusters(
        texts, labels, symptoms, embeddings=emb, users=users, min_users=min_users
    )
    del texts, users, symptoms
    found = range(model.n_clusters_)  # labels are 0..k-1, centroids_ row k is cluster k
    # New ids hash from the data's last day, so an unrelated cluster of another day never
    # reuses an old id, and the same input still gives the same ids.
    last_day = from_us(pc.max(table.column("submitted_hour_us")).as_py()).strftime("%Y-%m-%d")
    ids = assign_stable_ids(model.centroids_, previous, namespace=last_day)
    id_of = dict(zip(found, ids, strict=True))
    info = {
        BACKGROUND_ID: {
            "label": "background: mixed complaints with no shared pattern",
            "centroid": None,
            "is_background": True,
        }
    }
    for k, cid, c in zip(found, ids, model.centroids_, strict=True):
        info[cid] = {
            "label": names.get(k, f"cluster {cid}"),
            "centroid": c.tolist(),
            "is_background": False,
        }
    # Label -> cluster id through a lookup array (labels are -1..k-1): no string per report.
    top = max(found, default=-1)
    lut = pa.array([BACKGROUND_ID] + [id_of.get(k, BACKGROUND_ID) for k in range(top + 1)])
    cluster_id = lut.take(pa.array(labels + 1))
    table = table.drop_columns([c for c in ("cluster_id",) if c in table.column_names])
    return {REPORTS: table.append_column("cluster_id", cluster_id), CLUSTER_INFO: info}
