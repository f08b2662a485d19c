"""Measurement (issue 20): what the run-wide users test's dispersion policy decides.

`joins.emerging.EmergingFindings` divides its users test by a dispersion of reports per
user: the value's own (``dispersion="value"``) or the slice's population's (``"population"``,
the default). For each (scenario, seed) at scale 1 this runs the real pipeline once
(`triage run`, `--until` the routing bug's onset + ``--hours``, or the whole window for the
null scenario), then re-runs `EmergingFindings` on the extract's published reports under
each policy and reports:

- routed bugs with a run-wide finding naming an accepted cause at rank <= 3 and q <= 0.05
  (run-wide findings only: the per-cluster explainer is not re-run; a combination counts
  when one of its parts is an accepted cause, and, unlike `joins.evaluate.found`, no check
  that its reports are mostly the bug's: by onset + 24 h of the routing bug no other bug of
  these scenarios has started);
- the null scenario's confident run-wide findings (q <= 0.01, lift >= 2): false alarms.

    nice -n 10 .venv/bin/python bench/eval_dispersion_policy.py \\
        --postmortem-seeds 1,2,3,4,5 --sampler-seeds 1,2,7,8,9 --null-seeds 1,2,7,8,9 \\
        [--hours 24] [--work /tmp/dispersion_policy] [--out bench/results/dispersion_policy.json]

Replays are simulated into ``--work`` when missing (the public demo key: synthetic data).
Statistics only: no text, no ids.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

# Each policy: the EmergingFindings keyword arguments it stands for.
POLICIES: dict[str, dict] = {
    "value": {"dispersion": "value"},
    "population": {"dispersion": "population"},
}


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def _published(db: Path):
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(
            "select r.* exclude (comment_redacted, response_redacted) from reports r "
            "join clusters k using (cluster_id) where k.published order by report_id"
        ).arrow().read_all()  # fmt: skip
    finally:
        con.close()


def _dims(reports, replay: Path) -> list[str]:
    from pipeline.run.inputs import read_table_dir

    traffic = read_table_dir(str(replay), "traffic")
    skip = {"hour", "requests"}
    return [c for c in traffic.column_names if c not in skip and c in reports.column_names]


def run_one(
    scenario: str, seed: int, hours: int, work: Path, policies: list[str], reuse: bool = False
) -> dict:
    """Simulate (if missing), run once (or reuse the extract), then each policy's findings."""
    from joins.emerging import EmergingFindings
    from joins.evaluate import is_routed, load_causes
    from pipeline.replay.generate import simulate
    from pipeline.run import job
    from pipeline.run.inputs import read_table_dir
    from pipeline.run.options import KeySource, RunOptions

    replay = work / f"{scenario}-{seed}"
    if not (replay / "truth" / "causes.json").exists():
        simulate(replay, seed=seed, scale=1.0, scenario=scenario)
    causes = load_causes(replay / "truth")
    routed = {b: i for b, i in causes.items() if is_routed(i)}
    until = None
    if "routing_1m" in routed:
        onset = datetime.fromisoformat(routed["routing_1m"]["onset"].replace("Z", "+00:00"))
        until = onset + timedelta(hours=hours)
    out_dir = work / f"{scenario}-{seed}-out-{hours if until else 'whole'}"
    opts = RunOptions(
        input_dir=replay, output_dir=out_dir, key=KeySource(allow_demo=True), until=until
    )
    db = out_dir / "triage.duckdb"
    if not (reuse and db.exists()):
        db = job.run(opts).db_path
    reports = _published(db)
    traffic = read_table_dir(str(replay), "traffic")
    dims = _dims(reports, replay)
    row: dict = {"scenario": scenario, "seed": seed, "until": until.isoformat() if until else None}
    for policy in policies:
        found = EmergingFindings(min_users=5, **POLICIES[policy]).find(
            reports, traffic, dimensions=dims
        )
        res: dict = {
            "confident": sum(1 for f in found if f.q_value <= 0.01 and f.lift >= 2),
            "findings": len(found),
        }
        if until is not None:
            accepted = {
                (c["dimension"], c["value"]) for c in routed["routing_1m"]["accepted_causes"]
            }
            hits = [f for f in found if f.rank <= 3 and set(f.parts) & accepted]
            best = min(hits, key=lambda f: f.rank) if hits else None
            res["routing_found"] = best is not None
            res["routing"] = (
                None if best is None
                else {"rank": best.rank, "q": best.q_value, "users": best.users,
                      "reports": best.reports, "row": f"{best.dimension}={best.value}"}
            )  # fmt: skip
        row[policy] = res
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--postmortem-seeds", default="1,2,3,4,5")
    ap.add_argument("--sampler-seeds", default="1,2,7,8,9")
    ap.add_argument("--null-seeds", default="1,2,7,8,9")
    ap.add_argument("--hours", type=int, default=24)
    ap.add_argument("--work", default="/tmp/dispersion_policy")
    ap.add_argument("--out", default=str(ROOT / "bench/results/dispersion_policy.json"))
    ap.add_argument("--policies", default=",".join(POLICIES), help="comma-separated names")
    ap.add_argument(
        "--reuse", action="store_true", help="reuse an extract already in --work (same code)"
    )
    args = ap.parse_args(argv)
    policies = [p for p in args.policies.split(",") if p]
    unknown = [p for p in policies if p not in POLICIES]
    if unknown:
        ap.error(f"unknown policies {unknown}; known: {list(POLICIES)}")
    todo = [("postmortem", s) for s in _ints(args.postmortem_seeds)]
    todo += [("sampler", s) for s in _ints(args.sampler_seeds)]
    todo += [("null", s) for s in _ints(args.null_seeds)]
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    rows, t0 = [], time.monotonic()
    for scenario, seed in todo:
        r = run_one(scenario, seed, args.hours, work, policies, args.reuse)
        rows.append(r)
        summary = "; ".join(
            f"{p}: " + (f"routing {'yes' if r[p].get('routing_found') else 'no'}, "
                        if "routing_found" in r[p] else "")
            + f"confident {r[p]['confident']}"
            for p in policies
        )  # fmt: skip
        print(f"eval_dispersion_policy: {scenario} {seed}: {summary}", flush=True)
        Path(args.out).write_text(
            json.dumps(
                {"argv": sys.argv[1:] if argv is None else argv, "hours": args.hours,
                 "wall_s": round(time.monotonic() - t0, 1), "rows": rows},
                indent=1, default=str,
            ) + "\n"
        )  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
