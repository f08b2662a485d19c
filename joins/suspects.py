"""Suspect deploys: changes that start shortly before a cluster's onset and match its scope."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from joins.attribution import SEP
from joins.columns import HOUR_US, hours_of
from joins.onset import onset_and_end
from pipeline import schemas

# The contract's table, from the one schema module (pyarrow only, no Beam).
SUSPECTS_SCHEMA = schemas.SUSPECTS
SCOPE_FIELDS: tuple[str, ...] = ("platform", "hardware", "server_pool", "model")
_ROLLBACK_OF = re.compile(r"rollback of\s+([^\s,;:()]+)", re.IGNORECASE)


def _attributed(attr: pa.Table, top_k: int, alpha: float) -> dict[str, dict[str, dict]]:
    """{cluster: {dimension: {value: best rank}}} of each cluster's top significant
    over-represented rows. Pair rows are split into their parts (each gets the pair's rank).
    """
    out: dict[str, dict[str, dict[str, int]]] = {}
    cols = ["cluster_id", "dimension", "value", "rank", "q_value", "lift"]
    for r in attr.select(cols).to_pylist():
        if r["rank"] > top_k or r["q_value"] >= alpha or r["lift"] <= 1.0:
            continue
        per = out.setdefault(r["cluster_id"], {})
        for d, v in zip(r["dimension"].split(SEP), r["value"].split(SEP), strict=False):
            cur = per.setdefault(d, {})
            cur[v] = min(cur.get(v, r["rank"]), r["rank"])
    return out


def _rollbacks(deploys: list[dict]) -> list[tuple[str | None, dict]]:
    """(rolled-back deploy id or None, rollback record) for every rollback in the log."""
    out = []
    for d in deploys:
        m = _ROLLBACK_OF.search(d.get("description") or "")
        is_rb = m is not None or "rollback" in (d.get("component") or "").lower()
        if is_rb:
            out.append((m.group(1).rstrip(".") if m else None, d))
    return out


def _evidence(dep: dict, attributed: dict[str, dict]) -> tuple[float, list[str], bool]:
    """(evidence weight, reasons, conflict) of a deploy against a cluster's attributions."""
    ev, why, conflict = 0.0, [], False
    for dim, values in attributed.items():
        if dep["deploy_id"] in values:
            rank = values[dep["deploy_id"]]
            ev += 2.0 / rank
            why.append(f"deploy id attributed via {dim} (rank {rank})")
    id_hit = ev > 0
    for f in SCOPE_FIELDS:
        val = dep.get(f)
        if val is None or f not in attributed:
            continue
        if val in attributed[f]:
            rank = attributed[f][val]
            ev += 1.0 / rank
            why.append(f"scope {f}={val} matches (rank {rank})")
        else:
            conflict = True
    return ev, why, conflict and not id_hit


def suspect_deploys(
    timeseries: pa.Table,
    attributions: pa.Table,
    deploys: pa.Table,
    *,
    window_hours: float = 72.0,
    lead_slack_hours: float = 1.0,
    rollback_window_hours: float = 24.0,
    rollback_bonus: float = 1.0,
    top_k: int = 10,
    alpha: float = 0.05,
    unscoped_evidence: float = 0.1,
    max_suspects: int = 5,
    unaligned_max_rank: int = 1,
    min_size: int = 3,
    penalty: float | None = None,
) -> pa.Table:
    """Score deploys as causes of each cluster.

    For each cluster in ``timeseries`` (CLUSTER_TIMESERIES rows): the upward change points of
    its hourly rate per million (Poisson binary segmentation, `joins.onset`), the first being
    the onset, and the end of its elevated period. A deploy is a candidate for a change point
    when it started at most ``window_hours`` before it (or ``lead_slack_hours`` after: hours
    are floored). Its score is

        evidence * time * step * (1 + rollback)

    - evidence: 2/rank when its deploy_id is an attributed value (routing version columns,
      e.g. deploy_id / runtime_config / sampler_build, carry deploy ids), plus 1/rank per
      scope field (platform, hardware, server_pool, model) equal to an attributed value of
      that dimension; attributions = the cluster's rows with rank <= top_k, q < alpha and
      lift > 1 (pairs split into parts). A scope value that contradicts the attributed
      values of its dimension excludes the deploy (unless its id is attributed). A deploy
      that matches nothing but does not conflict (e.g. unscoped) gets ``unscoped_evidence``.
    - time: 1 - lag / (2 * window), from 1 (at the change point) to 0.5 (window's edge).
    - step: 1 for the onset, 0.5 for a later upward change point.
    - a deploy whose id is attributed at rank <= ``unaligned_max_rank`` (the cluster's leading
      evidence) but that lines up with no change point is still listed,
      scored ``evidence * 0.25 * (1 + rollback)``, its onset the cluster's first report
      after it started, and the reason says no change point lines up.
    - rollback: ``rollback_bonus`` when a rollback of this deploy ("Rollback of <id>" in the
      description) started within ``rollback_window_hours`` of the cluster's end; half of it
      for a rollback without an id (component contains "rollback") whose scope does not
      contradict the deploy's. Rollbacks themselves are never suspects.

    Returns:
        SUSPECTS rows, the best ``max_suspects`` per cluster (one row per deploy, at its
        best change point), sorted by cluster_id then score descending.
    """
    deps = [d for d in deploys.to_pylist() if d.get("deploy_id") and d.get("started_at")]
    rollbacks = _rollbacks(deps)
    rb_ids = {id(r) for _, r in rollbacks}
    for d in deps:
        d["_h"] = _epoch_hours(d["started_at"])
    rows: list[dict] = []
    if timeseries.num_rows == 0:
        return SUSPECTS_SCHEMA.empty_table()
    ts = timeseries.sort_by([("cluster_id", "ascending"), ("hour", "ascending")])
    cl = ts.column("cluster_id").to_numpy(zero_copy_only=False)
    hours = hours_of(ts.column("hour"))
    counts = ts.column("reports").to_numpy(zero_copy_only=False).astype(float)
    req = pc.fill_null(ts.column("requests"), 0).to_numpy().astype(float)
    by_cluster = _attributed(attributions, top_k, alpha)
    starts = np.flatnonzero(np.r_[True, cl[1:] != cl[:-1]])
    for a, b in zip(starts, np.r_[starts[1:], len(cl)], strict=True):
        cluster = str(cl[a])
        exposure = req[a:b] if (req[a:b] > 0).any() else None
        ups, end = onset_and_end(counts[a:b], exposure, min_size=min_size, penalty=penalty)
        if not ups:
            continue
        attributed = by_cluster.get(cluster, {})
        end_h = float(hours[a + end]) if end is not None else None
        best: dict[str, dict] = {}
        for step_i, up in enumerate(ups):
            onset_h = float(hours[a + up])
            for dep in deps:
                if id(dep) in rb_ids:
                    continue
                lag = onset_h - dep["_h"]
                if lag > window_hours or lag < -lead_slack_hours:
                    continue
                ev, why, conflict = _evidence(dep, attributed)
                if conflict:
                    continue
                if ev == 0:
                    ev, why = unscoped_evidence, ["no attributed value contradicts its scope"]
                time_f = 1.0 - max(lag, 0.0) / (2.0 * window_hours)
                step_f = 1.0 if step_i == 0 else 0.5
                rb, rb_why = _rollback_factor(dep, rollbacks, end_h, rollback_window_hours)
                score = ev * time_f * step_f * (1.0 + rollback_bonus * rb)
                reason = "; ".join(
                    [*why, f"started {lag:.1f} h before {'onset' if step_i == 0 else 'a rise'}"]
                    + ([rb_why] if rb_why else [])
                )
                if dep["deploy_id"] not in best or score > best[dep["deploy_id"]]["score"]:
                    best[dep["deploy_id"]] = _row(cluster, dep, onset_h, score, reason)
        _add_unaligned(best, cluster, deps, rb_ids, attributed, hours[a:b], counts[a:b],
                       rollbacks, end_h, rollback_window_hours, rollback_bonus,
                       unaligned_max_rank)  # fmt: skip
        ranked = sorted(best.values(), key=lambda r: (-r["score"], r["deploy_id"]))
        rows += ranked[:max_suspects]
    return _to_table(rows)


def _row(cluster: str, dep: dict, onset_h: float, score: float, reason: str) -> dict:
    return {
        "cluster_id": cluster,
        "deploy_id": dep["deploy_id"],
        "started_at": dep["started_at"],
        "onset": int(onset_h) * HOUR_US,
        "score": score,
        "reason": reason,
    }


def _add_unaligned(
    best, cluster, deps, rb_ids, attributed, hours, counts, rollbacks, end_h, rb_window, rb_bonus,
    max_rank,
) -> None:  # fmt: skip
    """Deploys whose own id is an attributed value of rank <= ``max_rank`` but whose start
    lines up with no change point (a small or background-mixed cluster often has none): the
    reports were served by that release, which is evidence in itself. Scored at the weakest
    time and step factors (0.5 * 0.5); "onset" is the cluster's first report hour after the
    deploy started."""
    for dep in deps:
        if id(dep) in rb_ids or dep["deploy_id"] in best:
            continue
        ranks = [vals[dep["deploy_id"]] for vals in attributed.values() if dep["deploy_id"] in vals]
        if not ranks or min(ranks) > max_rank:
            continue
        ev, why, _ = _evidence(dep, attributed)
        after = np.flatnonzero((hours >= np.floor(dep["_h"])) & (counts > 0))
        if after.size == 0:
            continue
        first_h = float(hours[after[0]])
        rb, rb_why = _rollback_factor(dep, rollbacks, end_h, rb_window)
        reason = "; ".join(
            [*why, "no change point of the cluster's rate lines up with its start",
             f"first report {first_h - dep['_h']:.1f} h after it started"]
            + ([rb_why] if rb_why else [])
        )  # fmt: skip
        score = ev * 0.25 * (1.0 + rb_bonus * rb)
        best[dep["deploy_id"]] = _row(cluster, dep, first_h, score, reason)


def _rollback_factor(dep, rollbacks, end_h, window) -> tuple[float, str | None]:
    if end_h is None:
        return 0.0, None
    best, why = 0.0, None
    for target, rb in rollbacks:
        gap = abs(_epoch_hours(rb["started_at"]) - end_h)
        if gap > window:
            continue
        if target == dep["deploy_id"]:
            return 1.0, f"rolled back {gap:.1f} h from the cluster's end"
        compatible = all(
            rb.get(f) is None or dep.get(f) is None or rb.get(f) == dep.get(f) for f in SCOPE_FIELDS
        )
        if target is None and compatible and best < 0.5:
            best, why = 0.5, f"a rollback in its scope {gap:.1f} h from the cluster's end"
    return best, why


def _epoch_hours(ts) -> float:
    """Datetime (aware = UTC) or int us -> fractional epoch hours."""
    if isinstance(ts, int):
        return ts / HOUR_US
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=dt.UTC)
    return ts.timestamp() / 3600.0


def _to_table(rows: Sequence[dict]) -> pa.Table:
    if not rows:
        return SUSPECTS_SCHEMA.empty_table()
    cols = {f.name: [r[f.name] for r in rows] for f in SUSPECTS_SCHEMA}
    cols["onset"] = pa.array(cols["onset"], pa.int64()).cast(pa.timestamp("us", tz="UTC"))
    cols["started_at"] = pa.array(cols["started_at"]).cast(pa.timestamp("us", tz="UTC"))
    return pa.table(
        {
            f.name: pa.array(cols[f.name], f.type)
            if not isinstance(cols[f.name], pa.Array)
            else cols[f.name]
            for f in SUSPECTS_SCHEMA
        },  # fmt: skip
        schema=SUSPECTS_SCHEMA,
    )
