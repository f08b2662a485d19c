"""Score attribution against a replay's truth folder (`triage simulate` output).

Two entry points:

- `evaluate_extract`: an extract's tables (or its DuckDB path) + truth: per bug, the cluster
  holding most of its reports, whether that cluster's rank-1 attribution names an accepted
  cause with q < alpha, the rank/q/lift of the best row naming it, purity, coverage; and false
  alarms (clusters not matched to a bug whose rank-1 row has q < 0.01 and lift >= 2).
- `evaluate_replay`: attribution alone, before the pipeline exists: truth ``cause`` stands in
  for the cluster id (perfect clustering), reports are joined to the replay's routing log with
  `join_reports` and attributed against its traffic. Also the time to detection: reports
  restricted to those submitted before onset + 12/24/48/96 h.

Outputs hold counts, ids of causes/deploys and statistics only: never report text or raw ids.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.json as pj
import pyarrow.parquet as pq

from joins.attribution import SEP, attribute
from joins.columns import HOUR_US, dimension_columns
from joins.join import join_reports
from joins.suspects import suspect_deploys
from joins.timeseries import cluster_timeseries

BACKGROUND = "background"


def load_causes(truth_dir: str | Path) -> dict[str, dict]:
    """truth/causes.json: {bug: {onset, end, accepted_causes: [{dimension, value}], ...}}."""
    return json.loads((Path(truth_dir) / "causes.json").read_text())


def names_cause(row: dict, accepted: Sequence[dict]) -> bool:
    """True when an attribution row (single or pair) has an accepted (dimension, value) part."""
    parts = set(zip(row["dimension"].split(SEP), row["value"].split(SEP), strict=False))
    return any((c["dimension"], c["value"]) in parts for c in accepted)


def bug_scores(
    attributions: pa.Table, cluster: str | None, accepted: Sequence[dict], alpha: float = 0.05
) -> dict:
    """Rank-1 verdict and the best row naming an accepted cause, for one cluster."""
    rows = [r for r in attributions.to_pylist() if r["cluster_id"] == cluster]
    rows.sort(key=lambda r: r["rank"])
    hit = next((r for r in rows if names_cause(r, accepted)), None)
    top = rows[0] if rows else None
    return {
        "detected": bool(top and names_cause(top, accepted) and top["q_value"] < alpha),
        "rank": hit["rank"] if hit else None,
        "q": hit["q_value"] if hit else None,
        "lift": hit["lift"] if hit else None,
        "users": hit["users"] if hit else None,
        "top": f"{top['dimension']}={top['value']}" if top else None,
        "top_q": top["q_value"] if top else None,
        "top_lift": top["lift"] if top else None,
    }


def false_alarms(
    attributions: pa.Table, clusters: Sequence[str], *, q_max: float = 0.01, lift_min: float = 2.0
) -> list[dict]:
    """Rank-1 rows of the given (background) clusters with q < q_max and lift >= lift_min."""
    keep = set(clusters)
    return [
        {k: r[k] for k in ("cluster_id", "dimension", "value", "q_value", "lift", "reports")}
        for r in attributions.to_pylist()
        if r["cluster_id"] in keep
        and r["rank"] == 1
        and r["q_value"] < q_max
        and r["lift"] >= lift_min
    ]


def _read_extract(extract: dict[str, pa.Table] | str | Path) -> dict[str, pa.Table]:
    if isinstance(extract, dict):
        return extract
    import duckdb

    con = duckdb.connect(str(extract), read_only=True)
    try:
        return {
            name: con.sql(f"SELECT * FROM {name}").to_arrow_table()
            for name in ("reports", "attributions")
        }
    finally:
        con.close()


def evaluate_extract(
    extract: dict[str, pa.Table] | str | Path,
    truth_dir: str | Path,
    *,
    report_key: Callable[[str], str] | None = None,
    alpha: float = 0.05,
    min_focus_reports: int = 10,
) -> dict:
    """Per bug: detected, rank, q, lift of the true cause, purity, coverage; false alarms.

    A bug is scored on the cluster holding most of its reports. When another cluster is more
    concentrated in it (highest share of the bug among clusters with at least
    ``min_focus_reports`` of its reports), that cluster is scored too, under ``focused``: a
    bug without a distinctive symptom can have most reports in a mixed cluster and still be
    found, and attributed, through a smaller one. Focused clusters are not false alarms.

    Args:
        extract: {"reports": ..., "attributions": ...} tables or the path of triage.duckdb.
        truth_dir: the replay's truth/ folder.
        report_key: maps a truth report_id to the extract's report_id (identity if None,
            e.g. the pipeline's keyed pseudonymiser if it pseudonymises report ids).
    """
    tables = _read_extract(extract)
    truth = pq.read_table(Path(truth_dir) / "reports.parquet", columns=["report_id", "cause"])
    ids = truth.column("report_id").to_pylist()
    if report_key is not None:
        ids = [report_key(i) for i in ids]
    cause_of = dict(zip(ids, truth.column("cause").to_pylist(), strict=True))
    rep = tables["reports"].select(["report_id", "cluster_id"]).to_pylist()
    counts: dict[tuple[str, str], int] = {}
    size: dict[str, int] = {}
    for r in rep:
        cause = cause_of.get(r["report_id"])
        if r["cluster_id"] is None or cause is None:
            continue
        counts[(r["cluster_id"], cause)] = counts.get((r["cluster_id"], cause), 0) + 1
        size[r["cluster_id"]] = size.get(r["cluster_id"], 0) + 1
    totals: dict[str, int] = {}
    for c in cause_of.values():
        totals[c] = totals.get(c, 0) + 1
    out: dict = {"bugs": {}}
    matched = set()
    for bug, info in sorted(load_causes(truth_dir).items()):
        cands = [(n, cl) for (cl, c), n in counts.items() if c == bug]
        if not cands:
            out["bugs"][bug] = {"detected": False, "cluster_id": None}
            continue
        n, cl = max(cands, key=lambda t: (t[0], t[1]))
        matched.add(cl)
        res = bug_scores(tables["attributions"], cl, info["accepted_causes"], alpha)
        res.update(cluster_id=cl, purity=n / size[cl], coverage=n / max(totals.get(bug, 0), 1))
        focus = [(k / size[c], k, c) for k, c in cands if k >= min_focus_reports]
        if focus:
            share, k, c = max(focus)
            if c != cl:
                matched.add(c)
                res["focused"] = bug_scores(
                    tables["attributions"], c, info["accepted_causes"], alpha
                )
                res["focused"].update(
                    cluster_id=c, purity=share, coverage=k / max(totals.get(bug, 0), 1)
                )
        out["bugs"][bug] = res
    others = sorted(set(size) - matched)
    out["false_alarms"] = false_alarms(tables["attributions"], others)
    return out


# ---------------------------------------------------------------------------------------
# Attribution alone on a replay folder
# ---------------------------------------------------------------------------------------


def load_replay(replay_dir: str | Path) -> dict[str, pa.Table]:
    """The replay's routing, traffic, deploys and the truth reports as stand-in clusters.

    ``reports`` gets cluster_id = truth cause, submitted_hour, user/session/request ids (the
    replay's synthetic ids stay in memory as pseudonyms: nothing here is written out).
    """
    root = Path(replay_dir)
    truth = pq.read_table(root / "truth/reports.parquet")
    if "status" in truth.column_names:
        truth = truth.filter(pc.equal(truth.column("status"), "valid"))
    us = truth.column("submitted_at").cast(pa.int64()).to_numpy()
    reports = pa.table(
        {
            "report_id": truth.column("report_id"),
            "cluster_id": truth.column("cause"),
            "submitted_at": truth.column("submitted_at"),
            "submitted_hour": pa.array((us // HOUR_US) * HOUR_US).cast(
                pa.timestamp("us", tz="UTC")
            ),
            "user_pseudonym": truth.column("user_id"),
            "session_pseudonym": truth.column("session_id"),
            "request_pseudonym": truth.column("request_id"),
        }
    )
    routing = ds.dataset(root / "routing", format="parquet").to_table()
    traffic = ds.dataset(root / "traffic", format="parquet").to_table()
    deploy_files = sorted((root / "deploys").glob("*.jsonl"))
    if deploy_files:
        from pipeline.schemas import DEPLOYS  # pyarrow only; used to parse types

        deploys = pa.concat_tables(
            [
                pj.read_json(f, parse_options=pj.ParseOptions(explicit_schema=DEPLOYS))
                for f in deploy_files
            ]
        )
    else:
        deploys = None
    return {"reports": reports, "routing": routing, "traffic": traffic, "deploys": deploys}


def _iso(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def evaluate_replay(
    replay_dir: str | Path,
    *,
    hours_after: Sequence[int] = (12, 24, 48, 96),
    alpha: float = 0.05,
    attribute_options: dict | None = None,
) -> dict:
    """Attribution alone on a replay (truth cause = cluster id); see the module doc.

    Returns:
        {"bugs": {bug: {detected, rank, q, lift, top, ..., suspects, ttd_hours,
        by_hours: {h: detected}}}, "false_alarms": [...], "n_reports", "joined_share"}.
    """
    data = load_replay(replay_dir)
    causes = load_causes(Path(replay_dir) / "truth")
    opts = dict(attribute_options or {})
    dims = dimension_columns(data["routing"].schema)
    joined = join_reports(data["reports"], data["routing"])

    def run(reps: pa.Table) -> pa.Table:
        return attribute(reps, data["traffic"], dimensions=dims, **opts)

    attr = run(joined)
    ts = cluster_timeseries(joined, data["traffic"])
    sus = (
        suspect_deploys(ts, attr, data["deploys"])
        if data["deploys"] is not None
        else pa.table({"cluster_id": pa.array([], pa.string())})
    )
    out: dict = {
        "n_reports": joined.num_rows,
        "joined_share": float(np.mean(joined.column("joined").to_numpy(zero_copy_only=False))),
        "bugs": {},
    }
    sub_at = joined.column("submitted_at")
    for bug, info in sorted(causes.items()):
        res = bug_scores(attr, bug, info["accepted_causes"], alpha)
        sus_rows = [r for r in sus.to_pylist() if r["cluster_id"] == bug]
        true_deps = set(info.get("deploys", []))
        res["suspects"] = [r["deploy_id"] for r in sus_rows]
        res["true_deploy_suspect_rank"] = next(
            (i + 1 for i, r in enumerate(sus_rows) if r["deploy_id"] in true_deps), None
        )
        by_hours = {}
        onset = _iso(info["onset"])
        for h in hours_after:
            until = pa.scalar(onset + dt.timedelta(hours=h), pa.timestamp("us", tz="UTC"))
            part = joined.filter(pc.less(sub_at, until))
            a = run(part)
            by_hours[int(h)] = bug_scores(a, bug, info["accepted_causes"], alpha)["detected"]
        res["by_hours"] = by_hours
        res["ttd_hours"] = next((h for h in sorted(by_hours) if by_hours[h]), None)
        out["bugs"][bug] = res
    out["false_alarms"] = false_alarms(attr, [BACKGROUND])
    out["background_top"] = bug_scores(attr, BACKGROUND, [], alpha)
    return out
