"""The scripted week: daily scheduled runs Aug 24..31 over the replay, then a re-run of Aug 27.

    .venv/bin/python bench/bench_schedule_week.py [--scale 0.05] [--seed 7] [--window 14]

Generates the postmortem replay, re-lays it into date partitions, runs `triage schedule`'s
day-by-day path (in process, the real job) for each day, and checks, per bug of the truth:
the cluster holding most of that bug's reports keeps one id and one first_seen (onset) across
the days it is found. Then re-runs Aug 27 and checks every table of that day's extract (but
`runs`) is unchanged and the other days and `latest` are untouched. Writes
bench/results/schedule_week.{json,md}. Timings are on 2 CPU cores shared with other work.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRIAGE_QUIET", "1")

from pipeline.replay.generate import simulate  # noqa: E402
from pipeline.replay.partition import partition_replay  # noqa: E402
from pipeline.run import schedule  # noqa: E402
from pipeline.run.options import KeySource, RunOptions  # noqa: E402

BUGS = ("routing_1m", "tpu_corruption", "topk_sampler")
COMPARED = ("reports", "clusters", "attributions", "suspects", "cluster_timeseries", "quarantine")


def bug_clusters(db: Path, cause_of: dict[str, str]) -> dict[str, dict]:
    """Per bug: the non-background cluster with most of its reports in this extract."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "select r.report_id, r.cluster_id, c.first_seen, c.published from reports r "
            "join clusters c using (cluster_id) where not c.is_background"
        ).fetchall()
        onsets = dict(
            con.execute("select cluster_id, min(onset) from suspects group by 1").fetchall()
        )
    finally:
        con.close()
    out = {}
    for bug in BUGS:
        counts: dict[str, int] = {}
        meta = {}
        for rid, cid, first, published in rows:
            if cause_of.get(rid) == bug:
                counts[cid] = counts.get(cid, 0) + 1
                meta[cid] = (first, published)
        if not counts:
            continue
        cid = max(sorted(counts), key=lambda c: counts[c])
        first, published = meta[cid]
        onset = onsets.get(cid)
        out[bug] = {
            "cluster_id": cid,
            "bug_reports": counts[cid],
            "first_seen": first.isoformat(),
            "suspect_onset": onset.isoformat() if onset else None,
            "published": bool(published),
        }
    return out


def table_digests(db: Path) -> dict[str, str]:
    """SHA-256 of each compared table in its extract order (Parquet copy), centroids apart.

    Centroids are compared with `centroids` instead: the embedding model's output moves in
    the 8th decimal with batch composition, which the runner does not fix.
    """
    out = {}
    for name in COMPARED:
        rows = pq.read_table(db.parent / "parquet" / f"{name}.parquet").to_pylist()
        rows = [{k: v for k, v in r.items() if k != "centroid"} for r in rows]
        out[name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return out


def centroids(db: Path) -> dict[str, list]:
    rows = pq.read_table(db.parent / "parquet" / "clusters.parquet").to_pylist()
    return {r["cluster_id"]: r["centroid"] for r in rows if r["centroid"] is not None}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--window", type=int, default=schedule.DEFAULT_WINDOW_DAYS)
    ap.add_argument("--first", default="2025-08-24")
    ap.add_argument("--last", default="2025-08-31")
    ap.add_argument("--rerun", default="2025-08-27")
    ap.add_argument("--workdir", help="keep inputs and outputs here (default: a temp dir)")
    ap.add_argument("--results", default=str(ROOT / "bench/results"))
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="--workdir holds a finished week: re-analyse it and redo only the re-run "
        "(per-day seconds are taken from the previous results file)",
    )
    args = ap.parse_args(argv)

    work = Path(args.workdir or tempfile.mkdtemp(prefix="schedule-week-"))
    flat, inp, out = work / "replay", work / "input", work / "out"
    t0 = time.monotonic()
    if not args.reuse:
        simulate(flat, seed=args.seed, scale=args.scale)
        partition_replay(flat, inp)
    t_replay = time.monotonic() - t0
    truth = pq.read_table(inp / "truth/reports.parquet", columns=["report_id", "cause"])
    cause_of = dict(zip(truth["report_id"].to_pylist(), truth["cause"].to_pylist(), strict=True))

    base = RunOptions(
        input_dir=inp,
        output_dir=out,
        key=KeySource(allow_demo=not os.environ.get("TRIAGE_PSEUDONYM_KEY")),
    )
    days = schedule.days_between(date.fromisoformat(args.first), date.fromisoformat(args.last))
    per_day = []

    def on_day(r):
        found = bug_clusters(r.output_dir / "triage.duckdb", cause_of)
        per_day.append(
            {
                "day": r.day.isoformat(),
                "reports": r.summary.reports_out,
                "seconds": round(r.seconds, 1),
                "previous": r.previous.parent.name if r.previous else None,
                "bugs": found,
            }
        )
        print(f"{r.day}: {r.summary.reports_out} reports, {r.seconds:.0f}s", file=sys.stderr)

    t1 = time.monotonic()
    if args.reuse:
        prev = json.loads((Path(args.results) / "schedule_week.json").read_text())
        seconds = {d["day"]: d["seconds"] for d in prev["per_day"]}
        for day in days:
            db = schedule.dated_dir(out, day) / "triage.duckdb"
            n = duckdb.connect(str(db), read_only=True).execute("select count(*) from reports")
            per_day.append(
                {
                    "day": day.isoformat(),
                    "reports": n.fetchone()[0],
                    "seconds": seconds[day.isoformat()],
                    "previous": None,
                    "bugs": bug_clusters(db, cause_of),
                }
            )
        t_replay, t_week = prev["replay_seconds"], prev["week_seconds"]
    else:
        schedule.run_days(base, days, args.window, on_day=on_day)
        t_week = time.monotonic() - t1

    stability = {}
    for bug in BUGS:
        seen = [(d["day"], d["bugs"][bug]) for d in per_day if bug in d["bugs"]]
        ids = sorted({b["cluster_id"] for _, b in seen})
        firsts = sorted({b["first_seen"] for _, b in seen})
        onsets = sorted({b["suspect_onset"] for _, b in seen if b.get("suspect_onset")})
        stability[bug] = {
            "detected_onsets": onsets,
            "keeps_detected_onset": len(onsets) == 1,
            "days_found": len(seen),
            "distinct_ids": len(ids),
            "distinct_first_seen": len(firsts),
            "first_seen": firsts,
            "keeps_id": len(ids) == 1,
            "keeps_onset": len(firsts) == 1,
        }

    rerun_day = date.fromisoformat(args.rerun)
    db = schedule.dated_dir(out, rerun_day) / "triage.duckdb"
    before, before_c = table_digests(db), centroids(db)
    others = {
        d: hashlib.sha256((schedule.dated_dir(out, d) / "triage.duckdb").read_bytes()).hexdigest()
        for d in days
        if d != rerun_day
    }
    latest_before = os.readlink(out / schedule.LATEST)
    t2 = time.monotonic()
    schedule.run_days(base, [rerun_day], args.window)
    t_rerun = time.monotonic() - t2
    after, after_c = table_digests(db), centroids(db)
    drift = max(
        (max(abs(x - y) for x, y in zip(before_c[c], after_c[c], strict=True)) for c in before_c),
        default=0.0,
    )
    others_after = {
        d: hashlib.sha256((schedule.dated_dir(out, d) / "triage.duckdb").read_bytes()).hexdigest()
        for d in others
    }
    rerun = {
        "day": args.rerun,
        "tables_unchanged": {t: before[t] == after[t] for t in COMPARED},
        "same_cluster_ids": sorted(before_c) == sorted(after_c),
        "centroid_max_abs_drift": drift,
        "other_days_untouched": others == others_after,
        "latest_unchanged": os.readlink(out / schedule.LATEST) == latest_before,
        "seconds": round(t_rerun, 1),
    }

    result = {
        "scale": args.scale,
        "seed": args.seed,
        "window_days": args.window,
        "days": [d.isoformat() for d in days],
        "replay_seconds": round(t_replay, 1),
        "week_seconds": round(t_week, 1),
        "per_day": per_day,
        "stability": stability,
        "rerun": rerun,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs shared with other work",
    }
    res = Path(args.results)
    res.mkdir(parents=True, exist_ok=True)
    (res / "schedule_week.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    (res / "schedule_week.md").write_text(render_md(result))
    print(render_md(result))
    ok = all(rerun["tables_unchanged"].values()) and rerun["other_days_untouched"]
    ok = ok and rerun["same_cluster_ids"] and rerun["centroid_max_abs_drift"] < 1e-6
    return 0 if ok else 1


def render_md(r: dict) -> str:
    lines = [
        f"# Scheduled week (scale {r['scale']}, seed {r['seed']}, window {r['window_days']} days)",
        "",
        f"{len(r['days'])} daily runs in {r['week_seconds']:.0f}s ({r['machine']}); "
        f"re-run of {r['rerun']['day']} in {r['rerun']['seconds']:.0f}s.",
        "",
        "| day | reports | s | " + " | ".join(BUGS) + " |",
        "|---|---|---|" + "---|" * len(BUGS),
    ]
    for d in r["per_day"]:
        cells = []
        for bug in BUGS:
            b = d["bugs"].get(bug)
            cells.append(
                f"{b['cluster_id']} ({b['bug_reports']}, {b['first_seen'][:13]})" if b else "-"
            )
        lines.append(
            f"| {d['day']} | {d['reports']} | {d['seconds']:.0f} | " + " | ".join(cells) + " |"
        )
    lines += [
        "",
        "| bug | days found | keeps id | keeps first_seen | keeps detected onset | onsets |",
        "|---|---|---|---|---|---|",
    ]
    for bug, s in r["stability"].items():
        lines.append(
            f"| {bug} | {s['days_found']} | {s['keeps_id']} | {s['keeps_onset']} | "
            f"{s['keeps_detected_onset']} | {', '.join(o[:13] for o in s['detected_onsets'])} |"
        )
    rr = r["rerun"]
    lines += [
        "",
        f"Re-run of {rr['day']}: tables unchanged {all(rr['tables_unchanged'].values())} "
        f"(centroids apart: same ids {rr['same_cluster_ids']}, max drift "
        f"{rr['centroid_max_abs_drift']:.1e}), other days untouched {rr['other_days_untouched']}, "
        f"latest unchanged {rr['latest_unchanged']}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
