"""Score attribution against a replay's truth folder (`triage simulate` output).

Two entry points:

- `evaluate_extract`: an extract's tables (or its DuckDB path) + truth: per bug, the cluster
  holding most of its reports, whether that cluster's rank-1 attribution names an accepted
  cause with q < alpha, the rank/q/lift of the best row naming it, purity, coverage; and false
  alarms (clusters not matched to a bug whose rank-1 row has q < 0.01 and lift >= 2). Also,
  per routed bug, `found`: the best finding naming it (attributions when the extract has no
  findings table) and whether it has rank <= 3 and q <= 0.05; and the confident findings
  (q <= 0.01, lift >= 2) that name no true cause (every one of them, in the null scenario).
  A bug with ``routed: false`` (a UI wave) is not scored; its cluster counts for alarms.
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

from joins.attribution import SEP, ClusterAttributor
from joins.columns import HOUR_US
from joins.join import join_reports
from joins.schemas import DEPLOYS, dimension_columns
from joins.suspects import suspect_deploys
from joins.timeseries import cluster_timeseries

BACKGROUND = "background"


def load_causes(truth_dir: str | Path) -> dict[str, dict]:
    """truth/causes.json: {bug: {onset, end, accepted_causes: [{dimension, value}], ...}}."""
    return json.loads((Path(truth_dir) / "causes.json").read_text())


def names_cause(row: dict, accepted: Sequence[dict]) -> bool:
    """True when an attribution or finding row (single or combination) contains an accepted
    cause: every part of it. An accepted combination (``hardware & region``) needs both of its
    parts in the row; a row that adds parts to an accepted cause still names it."""
    parts = set(zip(row["dimension"].split(SEP), row["value"].split(SEP), strict=False))
    return any(
        set(zip(c["dimension"].split(SEP), c["value"].split(SEP), strict=False)) <= parts
        for c in accepted
    )


def is_routed(info: dict) -> bool:
    """A bug of truth/causes.json that a routing dimension explains (``routed``, default: it
    has accepted causes). A UI wave is not: it is scored for false alarms instead."""
    return bool(info.get("routed", bool(info.get("accepted_causes"))))


#: `found`: a finding (or, in an extract without findings, an attribution) naming the cause
#: with rank <= FOUND_RANK and q <= FOUND_Q. `confident`: q <= CONFIDENT_Q and lift >=
#: CONFIDENT_LIFT, what the null scenario must not have.
FOUND_RANK, FOUND_Q = 3, 0.05
CONFIDENT_Q, CONFIDENT_LIFT = 0.01, 2.0


def causal_rows(tables: dict[str, pa.Table]) -> tuple[str, list[dict]]:
    """("findings", its rows) when the extract has a findings table, else ("attributions",
    its rows): the statistics a triage lead reads first."""
    if tables.get("findings") is not None:
        return "findings", tables["findings"].to_pylist()
    return "attributions", tables["attributions"].to_pylist()


def row_owner(row: dict, reports: Sequence[dict], cause_of: dict[str, str]) -> str | None:
    """The bug (truth cause other than background) with most of a row's reports: the
    reports of its cluster (all reports for a run-wide finding) carrying every part of its
    (dimension, value). None when none of them is a bug's."""
    parts = list(zip(row["dimension"].split(SEP), row["value"].split(SEP), strict=False))
    counts: dict[str, int] = {}
    for r in reports:
        if row["cluster_id"] is not None and r["cluster_id"] != row["cluster_id"]:
            continue
        if all(r.get(d) == v for d, v in parts):
            c = cause_of.get(r["report_id"])
            if c is not None and c != BACKGROUND:
                counts[c] = counts.get(c, 0) + 1
    return max(sorted(counts), key=counts.__getitem__) if counts else None


def row_owners(
    rows: Sequence[dict],
    reports: pa.Table,
    cause_of: dict[str, str],
    *,
    context: Sequence[dict] | None = None,
) -> list:
    """`row_owner` of each of ``rows``, by columns: one pass of Arrow comparisons per row
    instead of a Python dict per report (a million-report extract made ~5 GB of them).

    With ``context`` (every findings row of the extract), a row is judged on the reports it
    stands for, as explaining away left them: from its ``onset`` on, less the reports of
    each higher-ranked row of the same scope (cluster, or run-wide) from that row's onset.
    A build on the servers of a configuration accepted before it is then owned by the bug
    of its own residual, not by the configuration's bug that fills its value's reports."""
    import pyarrow.compute as pc

    ids = reports.column("report_id").to_pylist()
    cause = np.array([cause_of.get(i) for i in ids], dtype=object)
    del ids
    counted = np.array([c is not None and c != BACKGROUND for c in cause])
    hours = reports.column("submitted_hour") if "submitted_hour" in reports.column_names else None

    def covered(row: dict, since: bool) -> np.ndarray:
        parts = list(zip(row["dimension"].split(SEP), row["value"].split(SEP), strict=False))
        mask = np.ones(reports.num_rows, dtype=bool)
        if row["cluster_id"] is not None:
            same = pc.equal(reports.column("cluster_id"), row["cluster_id"])
            mask &= pc.fill_null(same, False).to_numpy(zero_copy_only=False)
        for d, v in parts:
            if d not in reports.column_names:
                return np.zeros(reports.num_rows, dtype=bool)
            same = pc.equal(reports.column(d).cast(pa.string()), v)
            mask &= pc.fill_null(same, False).to_numpy(zero_copy_only=False)
        if since and hours is not None and row.get("onset") is not None:
            later = pc.greater_equal(hours, pa.scalar(row["onset"], hours.type))
            mask &= pc.fill_null(later, False).to_numpy(zero_copy_only=False)
        return mask

    out = []
    for row in rows:
        mask = counted & covered(row, context is not None)
        for other in context or ():
            if other["cluster_id"] == row["cluster_id"] and other["rank"] < row["rank"]:
                mask &= ~covered(other, True)
        names, n = np.unique(cause[mask].astype(str), return_counts=True)
        counts = dict(zip(names.tolist(), n.tolist(), strict=True))
        out.append(max(sorted(counts), key=counts.__getitem__) if counts else None)
    return out


def found(
    tables: dict[str, pa.Table],
    accepted: Sequence[dict],
    *,
    bug: str | None = None,
    cause_of: dict[str, str] | None = None,
    rank_max: int = FOUND_RANK,
    q_max: float = FOUND_Q,
) -> dict:
    """Whether a bug is found: its best row naming an accepted cause (lowest rank, then q),
    in any cluster or run-wide, and whether that row has rank <= rank_max and q <= q_max.

    With ``bug`` and ``cause_of`` (truth report id -> cause), a row whose reports are mostly
    another bug's does not count for this one: "1M tier & GPU sampler build" found for the
    misrouted reports names the sampler build too, but it is the routing bug's finding.
    """
    source, rows = causal_rows(tables)
    hits = [r for r in rows if names_cause(r, accepted)]
    if bug is not None and cause_of is not None and hits:
        context = rows if source == "findings" else None
        owners = row_owners(hits, tables["reports"], cause_of, context=context)
        hits = [r for r, owner in zip(hits, owners, strict=True) if owner in (bug, None)]
    ok = [r for r in hits if r["rank"] <= rank_max and r["q_value"] <= q_max]
    best = min(ok or hits, key=lambda r: (r["rank"], r["q_value"]), default=None)
    out = {"found": bool(ok), "source": source}
    for key in ("rank", "q_value", "lift", "reports", "users", "cluster_id", "dimension"):
        out[key] = best[key] if best else None
    out["value"] = best["value"] if best else None
    out["deploy_id"] = best.get("deploy_id") if best else None
    return out


def truth_causes(truth_dir: str | Path) -> dict[str, str]:
    """truth/reports.parquet as {report_id: cause}."""
    t = pq.read_table(Path(truth_dir) / "reports.parquet", columns=["report_id", "cause"])
    return dict(zip(t.column("report_id").to_pylist(), t.column("cause").to_pylist(), strict=True))


def confident_rows(
    tables: dict[str, pa.Table],
    *,
    clusters: Sequence[str | None] | None = None,
    rank_max: int = FOUND_RANK,
    q_max: float = CONFIDENT_Q,
    lift_min: float = CONFIDENT_LIFT,
) -> list[dict]:
    """Findings (else attributions of rank <= rank_max) with q <= q_max and lift >= lift_min,
    optionally only in ``clusters`` (None among them: run-wide findings). Counts and
    statistics only."""
    source, rows = causal_rows(tables)
    keep = None if clusters is None else set(clusters)
    return [
        {
            k: r.get(k)
            for k in ("cluster_id", "rank", "dimension", "value", "q_value", "lift", "reports")
        }  # fmt: skip
        for r in rows
        if (source == "findings" or r["rank"] <= rank_max)
        and r["q_value"] <= q_max
        and r["lift"] >= lift_min
        and (keep is None or r["cluster_id"] in keep)
    ]


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
        have = {
            t for (t,) in con.execute("select table_name from information_schema.tables").fetchall()
        }
        # Reports without their texts: scoring reads ids, clusters and dimensions, and the
        # texts are most of a million-report extract's memory.
        texts = ("comment_redacted", "response_redacted", "symptom_evidence")
        cols = [
            c
            for (c,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_name = 'reports' order by ordinal_position"
            ).fetchall()
            if c not in texts
        ]
        select = {"reports": ", ".join(f'"{c}"' for c in cols) or "*"}
        return {
            name: con.sql(f"SELECT {select.get(name, '*')} FROM {name}").to_arrow_table()
            for name in ("reports", "attributions", "findings")
            if name in have or name != "findings"
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
    causes = load_causes(truth_dir)
    for bug, info in sorted(causes.items()):
        routed = is_routed(info)
        hit = found(tables, info["accepted_causes"], bug=bug, cause_of=cause_of) if routed else None
        cands = [(n, cl) for (cl, c), n in counts.items() if c == bug]
        if not cands:
            out["bugs"][bug] = {"detected": False, "cluster_id": None, "found": hit}
            continue
        n, cl = max(cands, key=lambda t: (t[0], t[1]))
        if routed:  # an unrouted bug's (UI wave's) cluster may still raise false alarms
            matched.add(cl)
        res = bug_scores(tables["attributions"], cl, info["accepted_causes"], alpha)
        res.update(found=hit, routed=routed)
        res.update(cluster_id=cl, purity=n / size[cl], coverage=n / max(totals.get(bug, 0), 1))
        focus = [(k / size[c], k, c) for k, c in cands if k >= min_focus_reports]
        if focus:
            share, k, c = max(focus)
            if c != cl:
                if routed:
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
    true_causes = [c for i in causes.values() if is_routed(i) for c in i["accepted_causes"]]
    source, _ = causal_rows(tables)
    out["source"] = source
    out["confident_unexplained"] = [
        r for r in confident_rows(tables) if not names_cause(r, true_causes)
    ]
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
        return ClusterAttributor(**opts).fit(reps, data["traffic"], dims).attributions_

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
