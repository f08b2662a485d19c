"""Measurement (issue 20, item 7): how early could *any* users test find a routed bug?

An oracle bound on time to detection, from the replay's truth, with no pipeline run: for
each routed bug, accepted cause value and horizon H, the test that knows the bug's value and
its onset (no search over values, splits or hours, no multiple-testing correction) and
counts users, as the incident asks (sticky users "hit over and over" count once):

- U = distinct users with a valid report on the value in (onset, onset + H], every cause
  (the bug's users and the value's background complainers; what a test sees);
- E = the users expected there without the bug: the value's background reports per request
  before the onset (all the traffic's for a value new at the onset) x its requests in the
  window, divided by
  the background's reports per user in windows of H hours (>= 1; a smaller E favours the
  test, so the bound is optimistic);
- p = P(Poisson(E) >= U).

A pipeline test searches ~15 split hours and ~40-60 values and pairs per run and
Benjamini-Hochberg-corrects them: at rank 1 it needs p <= 0.05 / m. If even this oracle's p
is above 0.05, no users test finds the bug by onset + H; the finding also needs U >= K = 5.

    nice -n 10 .venv/bin/python bench/ttd_users_bound.py --postmortem-seeds 1,2,3,4,5 \\
        --scenarios sampler --scenario-seeds 1,2,7,8,9 --hours 24,48 \\
        [--work /tmp/ttd_bound] [--out bench/results/ttd_users_bound.json]

Replays are simulated at scale 1 (the incident's rates) into ``--work`` and reused when
there. Statistics only: no text, no ids.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _requests(traffic: pa.Table, dim: str, value: str, start: datetime, end: datetime) -> float:
    """The value's requests with start <= hour < end."""
    m = pc.and_(
        pc.equal(traffic[dim], value),
        pc.and_(pc.greater_equal(traffic["hour"], start), pc.less(traffic["hour"], end)),
    )
    return float(pc.sum(traffic.filter(m)["requests"]).as_py() or 0)


def _all_requests(traffic: pa.Table, start: datetime, end: datetime) -> float:
    m = pc.and_(pc.greater_equal(traffic["hour"], start), pc.less(traffic["hour"], end))
    return float(pc.sum(traffic.filter(m)["requests"]).as_py() or 0)


def _reports_per_user(reports: pa.Table, start: datetime, hours: int) -> float:
    """Background reports per distinct user in consecutive windows of ``hours`` before
    ``start`` (pooled), at least 1."""
    sub = reports.filter(pc.less(reports["submitted_at"], start)).to_pydict()
    if not sub["user_id"]:
        return 1.0
    t0 = min(sub["submitted_at"])
    windows: dict[int, list[str]] = {}
    for t, u in zip(sub["submitted_at"], sub["user_id"], strict=True):
        windows.setdefault(int((t - t0).total_seconds() // (3600 * hours)), []).append(u)
    n = sum(len(v) for v in windows.values())
    users = sum(len(set(v)) for v in windows.values())
    return max(n / users, 1.0)


def bound_one(replay: Path, hours: list[int]) -> list[dict]:
    """Rows (bug, value, H, U, E, p, bug users, reports) for every routed bug of a replay."""
    from joins.evaluate import is_routed, load_causes
    from pipeline.run.inputs import read_table_dir

    causes = load_causes(replay / "truth")
    truth = pq.read_table(replay / "truth" / "reports.parquet")
    truth = truth.filter(pc.equal(truth["status"], "valid"))
    traffic = read_table_dir(str(replay), "traffic")
    run_start = min(traffic["hour"].to_pylist())
    background = truth.filter(pc.equal(truth["cause"], "background"))
    rows = []
    for bug, info in sorted(causes.items()):
        if not is_routed(info):
            continue
        onset = _ts(info["onset"])
        # A value new at the onset has no rate of its own before: the traffic's (every
        # value's background reports per request before the onset).
        early = background.filter(pc.less(background["submitted_at"], onset))
        overall_rate = early.num_rows / max(_all_requests(traffic, run_start, onset), 1.0)
        for cause in info["accepted_causes"]:
            dim, value = cause["dimension"], cause["value"]
            if dim not in truth.column_names or dim not in traffic.column_names:
                continue
            on_value = truth.filter(pc.equal(truth[dim], value))
            before = on_value.filter(
                pc.and_(pc.less(on_value["submitted_at"], onset),
                        pc.equal(on_value["cause"], "background"))
            )  # fmt: skip
            n_before = _requests(traffic, dim, value, run_start, onset)
            for h in hours:
                end = onset + timedelta(hours=h)
                after = on_value.filter(
                    pc.and_(pc.greater(on_value["submitted_at"], onset),
                            pc.less_equal(on_value["submitted_at"], end))
                )  # fmt: skip
                users = set(after["user_id"].to_pylist())
                bug_users = {
                    u for u, c in zip(after["user_id"].to_pylist(), after["cause"].to_pylist(),
                                      strict=True) if c == bug
                }  # fmt: skip
                n_after = _requests(traffic, dim, value, onset, end)
                rate = before.num_rows / n_before if n_before > 0 else overall_rate
                per_user = _reports_per_user(background, onset, h)
                e_users = rate * n_after / per_user
                p = float(stats.poisson.sf(len(users) - 1, e_users)) if e_users > 0 else 0.0
                rows.append(
                    {
                        "bug": bug,
                        "cause": f"{dim}={value}",
                        "hours": h,
                        "users": len(users),
                        "bug_users": len(bug_users),
                        "reports": after.num_rows,
                        "expected_users": round(e_users, 3),
                        "background_reports_per_user": round(per_user, 3),
                        "reports_before": before.num_rows,
                        "p_oracle": p,
                    }
                )
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--postmortem-seeds", default="1,2,3,4,5")
    ap.add_argument("--scenarios", default="sampler")
    ap.add_argument("--scenario-seeds", default="1,2,7,8,9")
    ap.add_argument("--hours", default="24,48")
    ap.add_argument("--work", default="/tmp/ttd_bound")
    ap.add_argument("--out", default=str(ROOT / "bench/results/ttd_users_bound.json"))
    args = ap.parse_args(argv)
    from pipeline.replay.generate import simulate

    hours = _ints(args.hours)
    todo = [("postmortem", s) for s in _ints(args.postmortem_seeds)]
    todo += [(sc, s) for sc in args.scenarios.split(",") if sc for s in _ints(args.scenario_seeds)]
    items, t0 = [], time.monotonic()
    for scenario, seed in todo:
        replay = Path(args.work) / f"{scenario}-{seed}"
        if not (replay / "truth" / "causes.json").exists():
            simulate(replay, seed=seed, scale=1.0, scenario=scenario)
        for r in bound_one(replay, hours):
            items.append({"scenario": scenario, "seed": seed, **r})
            print(
                f"{scenario:>10} {seed:>2} {r['bug']:<16} {r['cause']:<28} +{r['hours']:>3}h "
                f"users {r['users']:>3} (bug {r['bug_users']:>3}) "
                f"expected {r['expected_users']:6.2f} "
                f"p_oracle {r['p_oracle']:.2e}",
                flush=True,
            )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "argv": sys.argv[1:] if argv is None else argv,
                "scale": 1.0,
                "wall_s": round(time.monotonic() - t0, 1),
                "rows": items,
            },
            indent=1,
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
