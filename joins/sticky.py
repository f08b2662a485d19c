"""Sticky concentration: is a cluster's signal carried by a few sessions?"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from joins.columns import encode

STICKY_SCHEMA = pa.schema(
    [
        pa.field("cluster_id", pa.string(), nullable=False),
        pa.field("n_reports", pa.int64(), nullable=False),
        pa.field("n_sessions", pa.int64(), nullable=False),
        pa.field("effective_sessions", pa.float64(), nullable=False),
        pa.field("top_session_share", pa.float64(), nullable=False),
        pa.field("sticky_concentration", pa.float64(), nullable=False),
        pa.field("sticky_flag", pa.bool_(), nullable=False),
    ]
)


def sticky_concentration(
    reports: pa.Table,
    *,
    concentration_threshold: float = 0.5,
    few_sessions: float = 20.0,
) -> pa.Table:
    """Per cluster, how concentrated its reports are in few sessions.

    Args:
        reports: ``cluster_id`` (null rows ignored) and ``session_pseudonym`` (a null session
            falls back to ``user_pseudonym`` when present, else the report is its own session).
        concentration_threshold, few_sessions: the flag rule below.

    Returns:
        One row per cluster (STICKY_SCHEMA), sorted by cluster_id:
        ``effective_sessions`` = 1 / sum_s (n_s / N)^2 (inverse Herfindahl index): the number
        of equally-sized sessions that would give the same concentration. Independent requests
        (each report from its own session) give N. ``sticky_concentration`` = 1 -
        effective_sessions / N, in [0, 1): 0 = independent, near 1 = one session.
        ``sticky_flag`` = concentration >= threshold and effective_sessions < few_sessions:
        the signal rests on a handful of sessions, whatever the report count says.
    """
    if "cluster_id" not in reports.column_names:
        raise ValueError("reports lack the column 'cluster_id'")
    reports = reports.filter(pc.is_valid(reports.column("cluster_id")))
    n = reports.num_rows
    if n == 0:
        return STICKY_SCHEMA.empty_table()
    cl, clusters = encode(reports.column("cluster_id"))
    sess = _session_codes(reports)
    C = len(clusters)
    keys, counts = np.unique(cl * (sess.max() + 1) + sess, return_counts=True)
    key_cl = keys // (sess.max() + 1)
    n_c = np.bincount(cl, minlength=C).astype(float)
    share = counts / n_c[key_cl]
    hhi = np.bincount(key_cl, share**2, minlength=C)
    n_sessions = np.bincount(key_cl, minlength=C)
    top = np.zeros(C)
    np.maximum.at(top, key_cl, share)
    eff = 1.0 / hhi
    conc = 1.0 - eff / n_c
    flag = (conc >= concentration_threshold) & (eff < few_sessions)
    return pa.table(
        {
            "cluster_id": pa.array(clusters, pa.string()),
            "n_reports": pa.array(n_c.astype(np.int64)),
            "n_sessions": pa.array(n_sessions.astype(np.int64)),
            "effective_sessions": pa.array(eff),
            "top_session_share": pa.array(top),
            "sticky_concentration": pa.array(np.clip(conc, 0.0, 1.0)),
            "sticky_flag": pa.array(flag),
        },
        schema=STICKY_SCHEMA,
    )


def _session_codes(reports: pa.Table) -> np.ndarray:
    n = reports.num_rows
    if "session_pseudonym" in reports.column_names:
        sess_col = reports.column("session_pseudonym")
    else:
        sess_col = pa.chunked_array([pa.nulls(n, pa.string())])
    if "user_pseudonym" in reports.column_names:
        # Namespaced so a user pseudonym never collides with a session pseudonym.
        user = pc.binary_join_element_wise("user:", reports.column("user_pseudonym"), "")
        sess_col = pc.coalesce(pc.binary_join_element_wise("session:", sess_col, ""), user)
    codes, _ = encode(sess_col)
    missing = codes < 0
    codes[missing] = codes.max(initial=-1) + 1 + np.arange(missing.sum())
    return codes
