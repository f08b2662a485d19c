"""Suspect deploys: changes that start shortly before a cluster's onset and match its scope."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from joins import schemas
from joins.attribution import SEP
from joins.columns import HOUR_US, hours_of
from joins.onset import onset_and_end

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


def _cluster_evidence(dep: dict, attributed: dict, unscoped_ev: float):
    """(evidence, reasons) of a deploy for a cluster, `_evidence` with the weak evidence of
    a deploy that matches nothing but contradicts nothing; None when it contradicts."""
    ev, why, conflict = _evidence(dep, attributed)
    if conflict:
        return None
    if ev == 0:
        return unscoped_ev, ["no attributed value contradicts its scope"]
    return ev, why


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
      description) rolled out (start to finish) within ``rollback_window_hours`` of the
      cluster's end; half of it
      for a rollback without an id (component contains "rollback") whose scope does not
      contradict the deploy's. A deploy rolled back by id at the end that started before
      the onset is a candidate however long before, scored ``evidence * (1 - gap / (2
      rollback_window)) * (1 + rollback)`` (gap: end to the rollout). Rollbacks themselves
      are never suspects.

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
                got = _cluster_evidence(dep, attributed, unscoped_evidence)
                if got is None:
                    continue
                ev, why = got
                time_f = 1.0 - max(lag, 0.0) / (2.0 * window_hours)
                step_f = 1.0 if step_i == 0 else 0.5
                rb, rb_why, rb_dep = _rollback_near_end(
                    dep, rollbacks, end_h, rollback_window_hours
                )
                score = ev * time_f * step_f * (1.0 + rollback_bonus * rb)
                reason = "; ".join(
                    [*why, f"started {lag:.1f} h before {'onset' if step_i == 0 else 'a rise'}"]
                    + ([rb_why] if rb_why else [])
                )
                if dep["deploy_id"] not in best or score > best[dep["deploy_id"]]["score"]:
                    best[dep["deploy_id"]] = _row(
                        cluster, dep, onset_h, score, reason, end_h, rb_dep
                    )
        _add_rolled_back(best, cluster, deps, rb_ids, attributed, float(hours[a + ups[0]]),
                         rollbacks, end_h, rollback_window_hours, rollback_bonus,
                         lead_slack_hours, unscoped_evidence)  # fmt: skip
        _add_unaligned(best, cluster, deps, rb_ids, attributed, hours[a:b], counts[a:b],
                       rollbacks, end_h, rollback_window_hours, rollback_bonus,
                       unaligned_max_rank)  # fmt: skip
        ranked = sorted(best.values(), key=lambda r: (-r["score"], r["deploy_id"]))
        rows += ranked[:max_suspects]
    return _to_table(rows)


def _row(
    cluster: str,
    dep: dict,
    onset_h: float,
    score: float,
    reason: str,
    end_h: float | None = None,
    rollback: dict | None = None,
) -> dict:
    return {
        "cluster_id": cluster,
        "deploy_id": dep["deploy_id"],
        "started_at": dep["started_at"],
        "onset": int(onset_h) * HOUR_US,
        "score": score,
        "reason": reason,
        "end": None if end_h is None else int(end_h) * HOUR_US,
        "rollback_id": rollback["deploy_id"] if rollback else None,
        "rollback_at": rollback["started_at"] if rollback else None,
    }


def _add_rolled_back(
    best, cluster, deps, rb_ids, attributed, onset_h, rollbacks, end_h, rb_window, rb_bonus,
    lead_slack, unscoped_ev,
) -> None:  # fmt: skip
    """Deploys rolled back by id as the cluster's complaints ended that started before its
    onset, however long before (as `finding_suspects`): time factor 1 - gap / (2
    ``rb_window``), the gap between the end and the rollback's rollout; kept when better
    than the deploy's score at a change point."""
    for dep in deps:
        if id(dep) in rb_ids or dep["_h"] > onset_h + lead_slack:
            continue
        rb, rb_why, rb_dep = _rollback_near_end(dep, rollbacks, end_h, rb_window)
        if rb != 1.0:
            continue
        got = _cluster_evidence(dep, attributed, unscoped_ev)
        if got is None:
            continue
        ev, why = got
        tf = 1.0 - _gap_to_rollout(rb_dep, end_h) / (2.0 * rb_window)
        score = ev * tf * (1.0 + rb_bonus * rb)
        if dep["deploy_id"] in best and best[dep["deploy_id"]]["score"] >= score:
            continue
        reason = "; ".join([*why, f"started {onset_h - dep['_h']:.1f} h before onset", rb_why])
        best[dep["deploy_id"]] = _row(cluster, dep, onset_h, score, reason, end_h, rb_dep)


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
        rb, rb_why, rb_dep = _rollback_near_end(dep, rollbacks, end_h, rb_window)
        reason = "; ".join(
            [*why, "no change point of the cluster's rate lines up with its start",
             f"first report {first_h - dep['_h']:.1f} h after it started"]
            + ([rb_why] if rb_why else [])
        )  # fmt: skip
        score = ev * 0.25 * (1.0 + rb_bonus * rb)
        best[dep["deploy_id"]] = _row(cluster, dep, first_h, score, reason, end_h, rb_dep)


def _gap_to_rollout(rb: dict, end_h: float) -> float:
    """Hours between ``end_h`` and a rollback's rollout, from its start to its finish (0
    inside it): a staged rollback ends the complaints while it rolls out, server by server,
    not only at the hour it began."""
    start = _epoch_hours(rb["started_at"])
    finish = _epoch_hours(rb["finished_at"]) if rb.get("finished_at") else start
    finish = max(finish, start)
    if end_h < start:
        return start - end_h
    return max(end_h - finish, 0.0)


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
    cols = {}
    for f in SUSPECTS_SCHEMA:
        vals = [r.get(f.name) for r in rows]
        if pa.types.is_timestamp(f.type):
            if all(v is None or isinstance(v, int) for v in vals):
                cols[f.name] = pa.array(vals, pa.int64()).cast(f.type)
            else:
                cols[f.name] = pa.array(vals).cast(f.type)
        else:
            cols[f.name] = pa.array(vals, f.type)
    return pa.table(cols, schema=SUSPECTS_SCHEMA)


def finding_suspects(
    findings: Sequence,
    data,
    deploys: pa.Table,
    *,
    window_hours: float = 72.0,
    lead_slack_hours: float = 1.0,
    rollback_window_hours: float = 24.0,
    rollback_bonus: float = 1.0,
    version_evidence: float = 2.0,
    scope_evidence: float = 1.0,
    cover_evidence: float = 0.5,
    unscoped_evidence: float = 0.1,
    cover_share: float = 0.9,
    max_suspects: int = 5,
) -> pa.Table:
    """Deploys matched to each finding by what they changed, then by timing.

    Args:
        findings: `joins.findings.Finding` objects with ``onset_hour``, ``change_hours`` and
            ``end_hour`` set (`joins.findings.describe_series`) and ``members`` (rows of
            ``data``).
        data: the `joins.findings.ReportData` the findings' members index.
        deploys: DEPLOYS rows (schemas.DEPLOYS).

    For each finding and deploy (rollbacks are never suspects):

    - evidence, what it changed: ``version_evidence`` when its id is one of the finding's
      values (version columns such as deploy_id, runtime_config, sampler_build carry deploy
      ids: it introduced that value); ``scope_evidence`` per scope field (platform,
      hardware, server_pool, model) equal to the finding's value of that dimension; and
      ``cover_evidence`` when its scope sits over the finding: at least ``cover_share`` of
      the finding's reports fall inside its scope. A scoped deploy covering fewer than
      ``cover_share`` of them is dropped (unless its id is the value): the failing requests
      outside its scope never ran it, so it cannot be the change the finding is "since" (a
      first-party release on a site that fails on two platforms; background reports on the
      value are inside the value's scope too, so they do not lower the share). An unscoped
      deploy, or one matching nothing, gets ``unscoped_evidence``.
    - time: it must start at most ``window_hours`` before an upward change point of the
      finding's series (``lead_slack_hours`` after allowed: hours are floored), factor 1 -
      lag / (2 window); step 1 at the onset, 0.5 at a later rise. A deploy that introduced
      the value but lines up with no change point is listed at factor 0.25, its onset the
      finding's first report after it started.
    - rollback: x (1 + ``rollback_bonus``) when "Rollback of <its id>" rolled out (from its
      start to its finish) within ``rollback_window_hours`` of the finding's end (half of it
      for a rollback without an id whose scope does not contradict the deploy's). A deploy
      rolled back by id at the end that started before the onset is a candidate however
      long before: time factor 1 - gap / (2 ``rollback_window_hours``), the gap between the
      end and the rollout (a routing change made weeks before its escalation, fixed by its
      rollback, is the cause; the escalation's own deploy and a build that started with it
      line up only with the start).

    Returns:
        SUSPECTS rows with ``finding_id``, ``match`` (version / scope / covers / none), the
        finding's ``end``, ``rollback_id`` and ``rollback_at``; the best ``max_suspects`` per
        finding, one row per deploy id, sorted by finding then score descending.
    """
    deps = [d for d in deploys.to_pylist() if d.get("deploy_id") and d.get("started_at")]
    rollbacks = _rollbacks(deps)
    rb_ids = {id(r) for _, r in rollbacks}
    for d in deps:
        d["_h"] = _epoch_hours(d["started_at"])
    rows: list[dict] = []
    for f in findings:
        if f.onset_hour is None or len(f.members) == 0:
            continue
        parts = dict(f.parts)
        ups = f.change_hours or [f.onset_hour]
        member_hours = np.sort(data.hour[f.members])
        scope_vals = {fld: data.codes[fld][f.members] for fld in SCOPE_FIELDS if fld in data.codes}
        best: dict[str, dict] = {}
        for dep in deps:
            if id(dep) in rb_ids:
                continue
            ev, why, match, drop = _finding_evidence(
                dep, f, parts, scope_vals, data, version_evidence, scope_evidence,
                cover_evidence, unscoped_evidence, cover_share,
            )  # fmt: skip
            if drop:
                continue
            rb, rb_why, rb_dep = _rollback_near_end(
                dep, rollbacks, f.end_hour, rollback_window_hours, of="finding"
            )
            cands = []
            for i, up in enumerate(ups):
                lag = up - dep["_h"]
                if -lead_slack_hours <= lag <= window_hours:
                    tf = 1.0 - max(lag, 0.0) / (2.0 * window_hours)
                    step = 1.0 if i == 0 else 0.5
                    where = "onset" if i == 0 else "a rise"
                    cands.append((ev * tf * step, up, f"started {lag:.1f} h before {where}"))
            if rb == 1.0 and dep["_h"] <= f.onset_hour + lead_slack_hours:
                # Rolled back, by id, as the finding's complaints ended, and started before
                # they began: the end lines up with it as an onset would (a rollback is the
                # one experiment a deploy log records), whenever it started.
                gap = _gap_to_rollout(rb_dep, f.end_hour)
                tf = 1.0 - gap / (2.0 * rollback_window_hours)
                lead = f.onset_hour - dep["_h"]
                cands.append((ev * tf, f.onset_hour, f"started {lead:.1f} h before onset"))
            if not cands and match == "version":
                after = member_hours[member_hours >= np.floor(dep["_h"])]
                if len(after):
                    first = int(after[0])
                    cands.append(
                        (ev * 0.25, first, "no change point of the finding's rate lines up with "
                         f"its start; first report {first - dep['_h']:.1f} h after it started")
                    )  # fmt: skip
            if not cands:
                continue
            score, onset_h, when = max(cands, key=lambda c: (c[0], -c[1]))
            score *= 1.0 + rollback_bonus * rb
            if dep["deploy_id"] in best and best[dep["deploy_id"]]["score"] >= score:
                continue
            best[dep["deploy_id"]] = {
                "cluster_id": f.cluster_id,
                "finding_id": f.id,
                "deploy_id": dep["deploy_id"],
                "started_at": dep["started_at"],
                "onset": int(onset_h) * HOUR_US,
                "score": score,
                "reason": "; ".join([*why, when] + ([rb_why] if rb_why else [])),
                "match": match,
                "end": None if f.end_hour is None else int(f.end_hour) * HOUR_US,
                "rollback_id": rb_dep["deploy_id"] if rb_dep else None,
                "rollback_at": rb_dep["started_at"] if rb_dep else None,
            }
        ranked = sorted(best.values(), key=lambda r: (-r["score"], r["deploy_id"]))
        if ranked:
            f.deploy_id = ranked[0]["deploy_id"]
        rows += ranked[:max_suspects]
    return _to_table(rows)


def _finding_evidence(
    dep, f, parts, scope_vals, data, version_ev, scope_ev, cover_ev, unscoped_ev, cover_share,
) -> tuple[float, list[str], str, bool]:  # fmt: skip
    """(evidence, reasons, match kind, drop) of one deploy for one finding."""
    ev, why, match = 0.0, [], "none"
    version = dep["deploy_id"] in parts.values()
    if version:
        dim = next(d for d, v in parts.items() if v == dep["deploy_id"])
        ev += version_ev
        why.append(f"its new version is the finding's {dim}")
        match = "version"
    scoped = [fld for fld in SCOPE_FIELDS if dep.get(fld) is not None]
    for fld in scoped:
        if parts.get(fld) == dep[fld]:
            ev += scope_ev
            why.append(f"its scope {fld}={dep[fld]} is the finding's value")
            match = "version" if version else "scope"
    known = [fld for fld in scoped if fld in scope_vals]
    if known:
        inside = np.ones(len(f.members), dtype=bool)
        joined = np.ones(len(f.members), dtype=bool)
        for fld in known:
            vocab = data.vocab[fld]
            code = vocab.index(dep[fld]) if dep[fld] in vocab else -2
            inside &= scope_vals[fld] == code
            joined &= scope_vals[fld] >= 0
        n = int(joined.sum())
        cover = float((inside & joined).sum() / n) if n else None
        if cover is not None:
            if cover < cover_share and not version:
                return 0.0, [], "none", True
            if cover >= cover_share:
                ev += cover_ev
                why.append(f"its scope covers {cover:.0%} of the finding's reports")
                if match == "none":
                    match = "covers"
    if ev == 0.0:
        ev = unscoped_ev
        why.append("unscoped" if not scoped else "its scope is in no column of the reports")
    return ev, why, match, False


def _rollback_near_end(
    dep, rollbacks, end_h, window, of: str = "cluster"
) -> tuple[float, str | None, dict | None]:
    """(factor, reason, rollback record) for a rollback near the end of the cluster's or the
    finding's elevated period: 1 for a rollback of this deploy, 0.5 for an untargeted rollback
    whose scope is compatible with it, else 0."""
    if end_h is None:
        return 0.0, None, None
    best: tuple[float, str | None, dict | None] = (0.0, None, None)
    for target, rb in rollbacks:
        gap = _gap_to_rollout(rb, end_h)
        if gap > window:
            continue
        if target == dep["deploy_id"]:
            return 1.0, f"rolled back {gap:.1f} h from the {of}'s end", rb
        compatible = all(
            rb.get(f) is None or dep.get(f) is None or rb.get(f) == dep.get(f) for f in SCOPE_FIELDS
        )
        if target is None and compatible and best[0] < 0.5:
            best = (0.5, f"a rollback in its scope {gap:.1f} h from the {of}'s end", rb)
    return best
