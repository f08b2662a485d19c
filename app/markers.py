"""Vertical markers for a cluster's rate chart: deploy starts, onset, end, rollbacks.

Pure functions over the frames `app.queries` returns (no Streamlit, no SQL).

A rollback is drawn at its exact time: from the suspect's own ``rollback_id`` and
``rollback_at`` columns (the rollback the suspect ranking matched near the end), or from the
extract's ``deploys`` table (the change log) when it names one ("Rollback of <id>").
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from joins.onset import onset_and_end

MARKER_COLUMNS = ["at", "kind", "label"]
_ROLLBACK_OF = re.compile(r"rollback of\s+([^\s,;:()]+)", re.IGNORECASE)


def detected_end(series: pd.DataFrame) -> pd.Timestamp | None:
    """Start hour of the period after the peak where the rate stays below half the peak.

    ``series``: hour, reports, requests (as `queries.rate_series`). Uses the same change-point
    model as the pipeline's suspect ranking (joins.onset); None when it ends elevated.
    """
    if series.empty:
        return None
    counts = series["reports"].to_numpy(dtype=float)
    req = series["requests"].fillna(0).to_numpy(dtype=float)
    _, end = onset_and_end(counts, req if (req > 0).any() else None)
    return None if end is None else pd.Timestamp(series["hour"].iloc[end])


def rate_markers(
    suspects: pd.DataFrame,
    series: pd.DataFrame,
    deploy_log: pd.DataFrame | None = None,
    *,
    top: int = 3,
) -> pd.DataFrame:
    """Markers for the rate chart: at (UTC timestamp), kind, label.

    kind is one of "deploy start" (the ``top`` best suspects), "onset" (the detected onset the
    best suspect was scored against), "end" (detected end of the elevated period), and
    "rollback" (see module doc). ``suspects`` may carry ``rollback_id`` and ``rollback_at``
    (extracts written before those columns existed draw rollbacks from the change log only).
    """
    rows: list[dict] = []
    best = suspects.head(top)
    for s in best.itertuples():
        rows.append({"at": s.started_at, "kind": "deploy start", "label": f"{s.deploy_id} starts"})
    if not suspects.empty:
        rows.append({"at": suspects.iloc[0]["onset"], "kind": "onset", "label": "detected onset"})
    end = detected_end(series)
    if end is not None:
        rows.append({"at": end, "kind": "end", "label": "detected end"})
    ids = set(best["deploy_id"]) if not best.empty else set()
    exact = set()
    if deploy_log is not None and not deploy_log.empty:
        for d in deploy_log.itertuples():
            m = _ROLLBACK_OF.search(str(d.description or ""))
            if m and m.group(1) in ids:
                exact.add(m.group(1))
                rows.append(
                    {"at": d.started_at, "kind": "rollback", "label": f"rollback of {m.group(1)}"}
                )
    if "rollback_at" in best.columns:
        for s in best.itertuples():
            if s.deploy_id in exact or s.rollback_at is None or pd.isna(s.rollback_at):
                continue
            exact.add(s.deploy_id)
            rows.append(
                {"at": s.rollback_at, "kind": "rollback", "label": f"rollback of {s.deploy_id}"}
            )
    df = pd.DataFrame(rows, columns=MARKER_COLUMNS)
    if not df.empty:
        df["at"] = pd.to_datetime(df["at"], utc=True)
    return df


def top_user_share(per_user: pd.DataFrame, fraction: float = 0.1) -> float:
    """Share of reports sent by the top ``fraction`` of users (the sticky-session signal).

    ``per_user``: reports_per_user, users (as `queries.reports_per_user`). 0.0 when empty.
    """
    if per_user.empty:
        return 0.0
    counts = np.repeat(per_user["reports_per_user"].to_numpy(int), per_user["users"].to_numpy(int))
    counts = np.sort(counts)[::-1]
    k = max(1, int(np.ceil(fraction * len(counts))))
    return float(counts[:k].sum() / counts.sum())
