"""Measurement (issue 20, item 7): is every routed bug found, how early, and does the null
scenario stay quiet? The whole pipeline on replays over seeds and scenarios.

    nice -n 10 .venv/bin/python bench/eval_findings.py --head \\
        [--postmortem-seeds 1,2,3,4,5] [--scenario-seeds 1,2] [--scale 0.1] \\
        [--scenario-scale 0.25] [--hours 12,24,48] [--ttd-only] \\
        [--out bench/results/findings_eval.json]

``--head`` measures the committed tree: ``git archive HEAD`` into a scratch folder, run
there (its packages first on the path), its commit recorded; without it, the working tree.

For each (scenario, seed): `triage simulate`, one `triage run` over the whole replay (in
this process, the public demo key: synthetic data), scored with `joins.evaluate.found`
(a finding naming an accepted cause with rank <= 3 and q <= 0.05, not one whose reports are
mostly another bug's; attributions when the extract has no findings table), then the time
to detection with `pipeline.cli.evaluate.time_to_detection` (`--until onset + H`, stopping at
the first H a bug is found). ``--ttd-only`` skips the whole-window run where a scenario has
routed bugs (the time to detection at the incident's volume, scale 1, is the expensive part;
the null scenario's whole-window run always happens). Null scenario: the findings with q <=
0.01 and lift >= 2 (every one is a false alarm). Nothing is tuned here: the thresholds are
the issue's, the seeds are 1..N. Each bug's row also holds its valid reports and distinct
users in the truth by onset + H (what any method could have seen; a run-wide finding needs
K = 5 users, a cluster K users).

Writes the per-bug rows, the null counts, the CPU time of this process (runs are
in-process) and a markdown table (also printed) to ``--out``, after every (scenario, seed).
Statistics only: no text.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def bug_counts(truth_dir: Path, bug: str, onset: str, hours: list[int]) -> dict:
    """The bug's valid reports and distinct users submitted by onset + H, per H (from the
    truth: what any method could see; a finding needs K = 5 users to be published)."""
    from datetime import datetime, timedelta

    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    t = pq.read_table(truth_dir / "reports.parquet", columns=["cause", "status", "user_id",
                                                              "submitted_at"])  # fmt: skip
    t = t.filter(pc.and_(pc.equal(t["cause"], bug), pc.equal(t["status"], "valid")))
    start = datetime.fromisoformat(onset.replace("Z", "+00:00"))
    sub = t["submitted_at"].to_pylist()
    users = t["user_id"].to_pylist()
    out = {}
    for h in hours:
        until = start + timedelta(hours=h)
        seen = [u for s, u in zip(sub, users, strict=True) if s <= until]
        out[str(h)] = {"reports": len(seen), "users": len(set(seen))}
    return out


def evaluate_one(
    scenario: str, seed: int, scale: float, hours: list[int], work: Path, full: bool = True
) -> dict:
    """Simulate, run, score and time-to-detect one (scenario, seed). ``full`` False: no run
    over the whole window where the scenario has routed bugs (time to detection only)."""
    from joins.evaluate import (
        _read_extract,
        confident_rows,
        found,
        is_routed,
        load_causes,
        names_cause,
        truth_causes,
    )
    from pipeline.cli.evaluate import time_to_detection
    from pipeline.replay.generate import simulate
    from pipeline.run import job
    from pipeline.run.options import KeySource, RunOptions

    t0, c0 = time.monotonic(), _cpu()
    replay = work / f"{scenario}-{seed}"
    summary = simulate(replay, seed=seed, scale=scale, scenario=scenario)
    base = RunOptions(
        input_dir=replay, output_dir=work / f"{scenario}-{seed}-out", key=KeySource(allow_demo=True)
    )
    causes = load_causes(replay / "truth")
    routed = {b: i for b, i in sorted(causes.items()) if is_routed(i)}
    true_causes = [c for i in routed.values() for c in i["accepted_causes"]]
    cause_of = truth_causes(replay / "truth")
    tables = None
    if full or not routed:
        tables = _read_extract(job.run(base).db_path)
    confident = confident_rows(tables) if tables is not None else None
    ttd = time_to_detection(
        base, replay / "truth", hours, stop_when_found=True, progress=_say, run=job.run
    )
    bugs = []
    for bug, info in routed.items():
        if tables is not None:
            hit = found(tables, info["accepted_causes"], bug=bug, cause_of=cause_of)
        else:
            hit = dict.fromkeys(
                ("found", "rank", "q_value", "lift", "dimension", "value", "cluster_id",
                 "deploy_id")
            )  # fmt: skip
        bugs.append(
            {
                "bug": bug,
                "onset": info["onset"],
                "accepted": [f"{c['dimension']}={c['value']}" for c in info["accepted_causes"]],
                "detected": hit["found"],
                "rank": hit["rank"],
                "q": hit["q_value"],
                "lift": hit["lift"],
                "row": f"{hit['dimension']}={hit['value']}" if hit["dimension"] else None,
                "cluster_id": hit["cluster_id"],
                "deploy_id": hit["deploy_id"],
                "true_deploys": info.get("deploys", []),
                "truth_by_hours": bug_counts(replay / "truth", bug, info["onset"], hours),
                "ttd_hours": ttd[bug]["ttd_hours"],
                "by_hours": {
                    str(h): {k: r.get(k) for k in ("found", "rank", "q_value", "lift", "error")}
                    for h, r in ttd[bug]["by_hours"].items()
                },
            }
        )
    return {
        "scenario": scenario,
        "seed": seed,
        "scale": scale,
        "full_run": tables is not None,
        "source": None
        if tables is None
        else ("findings" if tables.get("findings") is not None else "attributions"),
        "reports": summary["reports"],
        "reports_by_cause": {
            k.removeprefix("reports_"): v for k, v in summary.items() if k.startswith("reports_")
        },
        "bugs": bugs,
        "confident": None if confident is None else len(confident),
        "confident_unexplained": None
        if confident is None
        else sum(1 for r in confident if not names_cause(r, true_causes)),
        "confident_rows": confident if scenario == "null" else None,
        "unrouted": sorted(set(causes) - set(routed)),
        "wall_s": round(time.monotonic() - t0, 1),
        "cpu_s": round(_cpu() - c0, 1),
    }


def _fmt(v, spec):
    return "-" if v is None else format(v, spec)


def _deploy(b: dict) -> str:
    if not b.get("deploy_id"):
        return "-"
    return f"{b['deploy_id']} ({'true' if b['deploy_id'] in b['true_deploys'] else 'innocent'})"


def _horizons(b: dict, hours: list[int]) -> str:
    """Per horizon: found (rank, q) or not, and the bug's users in the truth by then."""
    parts = []
    for h in hours:
        r = b["by_hours"].get(str(h))
        users = b.get("truth_by_hours", {}).get(str(h), {}).get("users")
        seen = f"{users} users" if users is not None else "?"
        if r is None:
            parts.append(f"+{h}: - ({seen})")
        elif r.get("found"):
            parts.append(f"+{h}: yes r{r['rank']} q {r['q_value']:.0e} ({seen})")
        else:
            parts.append(f"+{h}: no ({seen})")
    return "; ".join(parts)


def markdown(items: list[dict], hours: list[int]) -> str:
    lines = [
        "| scenario | seed | scale | bug | whole window: found (rank, q, row) | "
        f"TTD (of {', '.join(f'+{h} h' for h in hours)}) | per horizon (bug's users by then) "
        "| its deploy |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for it in items:
        for b in it["bugs"]:
            ttd = f"{b['ttd_hours']} h" if b["ttd_hours"] is not None else f"> {hours[-1]} h"
            if not it.get("full_run", True):
                whole = "not run"
            elif b["detected"]:
                whole = f"yes ({b['rank']}, {_fmt(b['q'], '.1e')}, {b['row']})"
            else:
                whole = "**no**"
            lines.append(
                f"| {it['scenario']} | {it['seed']} | {it['scale']} | {b['bug']} | {whole} | "
                f"{ttd} | {_horizons(b, hours)} | {_deploy(b)} |"
            )
    named = [
        b["deploy_id"] in b["true_deploys"]
        for it in items
        for b in it["bugs"]
        if b["detected"] and b["true_deploys"] and b.get("deploy_id")
    ]
    found_with_deploy = sum(
        1 for it in items for b in it["bugs"] if b["detected"] and b["true_deploys"]
    )
    lines += [
        "",
        f"Whole window, bugs found that a deploy caused: {found_with_deploy}; the finding's "
        f"top suspect is a true deploy for {sum(named)}, an innocent one for "
        f"{len(named) - sum(named)}, none for {found_with_deploy - len(named)}.",
    ]
    lines += [
        "",
        "| scenario | seed | scale | confident findings (q <= 0.01, lift >= 2) | "
        "naming no true cause |",
        "|---|---|---|---|---|",
    ]
    for it in items:
        if it["confident"] is None:
            continue
        lines.append(
            f"| {it['scenario']} | {it['seed']} | {it['scale']} | {it['confident']} | "
            f"{it['confident_unexplained']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--postmortem-seeds", default="1,2,3,4,5")
    ap.add_argument("--scenario-seeds", default="1,2")
    ap.add_argument("--scenarios", default="kernel,custom-column,sampler,null")
    ap.add_argument("--scale", type=float, default=0.1, help="postmortem scale (default 0.1)")
    ap.add_argument("--scenario-scale", type=float, default=0.25)
    ap.add_argument("--hours", default="12,24,48")
    ap.add_argument(
        "--ttd-only",
        action="store_true",
        help="no run over the whole window for scenarios with routed bugs (the null "
        "scenario's always runs)",
    )
    ap.add_argument("--out", default=str(ROOT / "bench/results/findings_eval.json"))
    ap.add_argument("--head", action="store_true", help="measure an export of HEAD")
    ap.add_argument(
        "--merge",
        help="comma-separated result files of earlier runs (one per group of seeds or "
        "scenarios, run side by side): one file with every item and one table, to --out",
    )
    ap.add_argument("--commit", help=argparse.SUPPRESS)  # set by --head for the export
    args = ap.parse_args(argv)
    argv = list(sys.argv[1:] if argv is None else argv)
    if args.merge:
        return _merge([Path(f) for f in args.merge.split(",") if f], Path(args.out))
    if args.head:
        return _run_on_head([a for a in argv if a != "--head"], Path(args.out).resolve())
    hours = sorted(_ints(args.hours))
    plan = [("postmortem", s, args.scale) for s in _ints(args.postmortem_seeds)]
    plan += [
        (sc, s, args.scenario_scale)
        for sc in args.scenarios.split(",")
        if sc
        for s in _ints(args.scenario_seeds)
    ]
    items = []
    t0, c0 = time.monotonic(), _cpu()
    with tempfile.TemporaryDirectory(prefix="eval-findings-") as tmp:
        for i, (scenario, seed, scale) in enumerate(plan, start=1):
            _say(f"eval_findings: {i}/{len(plan)} {scenario} seed {seed} scale {scale} ...")
            it = evaluate_one(scenario, seed, scale, hours, Path(tmp), full=not args.ttd_only)
            items.append(it)
            _write(args, argv, items, hours, t0, c0)
            _say(
                f"eval_findings: {scenario} seed {seed}: "
                + ", ".join(
                    f"{b['bug']} {'found' if b['detected'] else 'NOT found'} "
                    f"(rank {b['rank']}, TTD {b['ttd_hours']})"
                    for b in it["bugs"]
                )
                + f"; confident {it['confident']} ({it['confident_unexplained']} unexplained); "
                f"{it['cpu_s']} s CPU, {it['wall_s']} s wall"
            )
    out = _write(args, argv, items, hours, t0, c0)
    print(out["markdown"])
    print(f"\n{out['cpu_s']} s CPU, {out['wall_s']} s wall; written to {args.out}")
    return 0


def _write(args, argv: list[str], items: list[dict], hours: list[int], t0: float, c0: float):
    """Write the results so far (after every item: a long run keeps what it measured)."""
    commit = (
        args.commit
        or subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip()
        + " + working tree"
    )
    out = {
        "command": "nice -n 10 .venv/bin/python bench/eval_findings.py "
        + ("--head " if args.commit else "")
        + " ".join(a for i, a in enumerate(argv) if not _is_internal(argv, i)),
        "commit": commit,
        "hours": hours,
        "found_rule": "a finding (attributions if none) naming an accepted cause, rank <= 3, "
        "q <= 0.05, whose reports are not mostly another bug's",
        "confident_rule": "q <= 0.01 and lift >= 2",
        "items": items,
        "cpu_s": round(_cpu() - c0, 1),
        "wall_s": round(time.monotonic() - t0, 1),
        "cores": os.cpu_count(),
        "markdown": markdown(items, hours),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2, default=str) + "\n")
    return out


def _merge(files: list[Path], out: Path) -> int:
    """Items, commands, commits and CPU of several result files in one, with one table."""
    parts = [json.loads(f.read_text()) for f in files]
    hours = sorted({h for p in parts for h in p["hours"]})
    items = [it for p in parts for it in p["items"]]
    merged = {
        "commands": [p["command"] for p in parts],
        "commit": sorted({p["commit"] for p in parts}),
        "hours": hours,
        "found_rule": parts[0]["found_rule"],
        "confident_rule": parts[0]["confident_rule"],
        "items": items,
        "cpu_s": round(sum(p["cpu_s"] for p in parts), 1),
        "wall_s_each": [p["wall_s"] for p in parts],
        "cores": parts[0]["cores"],
        "markdown": markdown(items, hours),
    }
    out.write_text(json.dumps(merged, indent=2, default=str) + "\n")
    print(merged["markdown"])
    return 0


def _is_internal(argv: list[str], i: int) -> bool:
    return argv[i] in ("--commit", "--out") or (i > 0 and argv[i - 1] in ("--commit", "--out"))


def _run_on_head(argv: list[str], out: Path) -> int:
    """Export HEAD and run this script there, recording the commit."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
        check=True,
    ).stdout.strip()  # fmt: skip
    work = Path(tempfile.mkdtemp(prefix="eval-findings-head-"))
    try:
        archive = work / "head.tar"
        subprocess.run(["git", "archive", "-o", str(archive), "HEAD"], cwd=ROOT, check=True)
        with tarfile.open(archive) as tar:
            tar.extractall(work / "tree", filter="data")
        _say(f"eval_findings: HEAD {commit} exported to {work / 'tree'}")
        env = {**os.environ, "PYTHONPATH": str(work / "tree")}
        cmd = [sys.executable, str(work / "tree/bench/eval_findings.py"), *argv]
        cmd += ["--commit", commit, "--out", str(out)]
        return subprocess.run(cmd, cwd=work / "tree", env=env).returncode
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
