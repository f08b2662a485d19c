"""Benchmark: join + attribution over synthetic routing/report tables (issue 5, item 8).

    .venv/bin/python bench/bench_attribution.py [--routing-rows 20000000] [--reports 1000000]

Generates a routing log (9 string dimensions, one row per request over 30 days), hourly
traffic (the routing log aggregated by hour and all dimensions), and reports that point at
random requests (5% at unknown ids: unjoined) in 50 clusters, a few of them caused by one
pool / config. Times `join_reports` and `attribute` (singles + pairs) and samples the
process's resident memory every 50 ms. Writes bench/results/attribution.json.
The machine's 2 cores are shared with other work: timings are upper bounds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import threading
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from joins import attribute, dimension_columns, join_reports  # noqa: E402

HOUR_US = 3_600_000_000
T0_HOUR = 486_456  # 2025-07-01T00:00Z in epoch hours
HOURS = 30 * 24
POOLS = [  # name, platform, hardware, context_tier
    (f"{plat}-{hw}-{k}", plat, hw, "long_1m" if k == "l" else "standard")
    for plat in ("first_party", "bedrock", "vertex")
    for hw, k in (("tpu", "a"), ("gpu", "a"), ("trainium", "a"), ("gpu", "l"))
]
MODELS = ["sonnet-4", "opus-4.1", "opus-4", "haiku-3.5", "opus-3"]
REGIONS = ["us-east", "us-west", "eu-west", "ap-northeast"]


def rss_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class PeakRss:
    """Samples resident memory in a thread; ``peak`` is the max seen while active."""

    def __init__(self, every_s: float = 0.05) -> None:
        self.every_s, self.peak, self._stop = every_s, 0, threading.Event()

    def __enter__(self) -> PeakRss:
        self.peak = rss_bytes()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.peak = max(self.peak, rss_bytes())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, rss_bytes())


def _take(values: list[str], idx: np.ndarray) -> pa.Array:
    """Plain string column (as read from Parquet), not dictionary-encoded."""
    return pc.take(pa.array(values), pa.array(idx)).cast(pa.string())


def make_routing(n: int, rng: np.random.Generator) -> tuple[pa.Table, dict[str, np.ndarray]]:
    pool_p = rng.dirichlet(np.full(len(POOLS), 2.0))
    pool = rng.choice(len(POOLS), n, p=pool_p)
    model = rng.choice(len(MODELS), n, p=[0.45, 0.2, 0.1, 0.15, 0.1])
    hour = rng.integers(0, HOURS, n)
    region = (pool + rng.integers(0, 2, n)) % len(REGIONS)
    hw = np.array([["tpu", "gpu", "trainium"].index(p[2]) for p in POOLS])[pool]
    late = hour >= HOURS // 2  # every component has a new version half way
    cfg = hw * 2 + late
    smp = hw * 2 + (hour >= HOURS // 2 + 24)
    dep = pool * 2 + late
    cols = {
        "request_id": pc.cast(pa.array(rng.permutation(n).astype(np.int64) + 10**9), pa.string()),
        "ts": pa.array((T0_HOUR + hour) * HOUR_US + rng.integers(0, HOUR_US, n)).cast(
            pa.timestamp("us", tz="UTC")
        ),
        "model": _take(MODELS, model),
        "platform": _take([p[1] for p in POOLS], pool),
        "hardware": _take(["tpu", "gpu", "trainium"], hw),
        "server_pool": _take([p[0] for p in POOLS], pool),
        "deploy_id": _take([f"rel-{p[0]}-{v}" for p in POOLS for v in (1, 2)], dep),
        "region": _take(REGIONS, region),
        "context_tier": _take([p[3] for p in POOLS], pool),
        "runtime_config": _take(
            [f"cfg-{h}-{v}" for h in ("tpu", "gpu", "trn") for v in (1, 2)], cfg
        ),  # fmt: skip
        "sampler_build": _take(
            [f"smp-{h}-{v}" for h in ("tpu", "gpu", "trn") for v in (1, 2)], smp
        ),  # fmt: skip
    }
    return pa.table(cols), {"pool": pool, "cfg": cfg, "hour": hour}


def make_traffic(routing: pa.Table) -> pa.Table:
    dims = dimension_columns(routing.schema)
    con = duckdb.connect()
    con.register("routing", routing)
    sel = ", ".join(dims)
    t = con.sql(
        f"SELECT date_trunc('hour', ts) AS hour, {sel}, count(*)::BIGINT AS requests "
        f"FROM routing GROUP BY ALL"
    ).to_arrow_table()
    con.close()
    return t


def make_reports(
    routing: pa.Table, codes: dict[str, np.ndarray], m: int, rng: np.random.Generator
) -> pa.Table:
    n = routing.num_rows
    # 3 "bug" clusters with a cause (a pool, a config), the rest background.
    cluster = rng.integers(3, 50, m)
    req = rng.integers(0, n, m)
    bug_pool = np.flatnonzero(codes["pool"] == 3)
    bug_cfg = np.flatnonzero(codes["cfg"] == 1)
    k = m // 50
    cluster[:k], req[:k] = 0, rng.choice(bug_pool, k)
    cluster[k : 2 * k], req[k : 2 * k] = 1, rng.choice(bug_cfg, k)
    cluster[2 * k : 3 * k] = 2
    ids = routing.column("request_id").take(pa.array(req))
    unknown = rng.random(m) < 0.05
    ids = pc.if_else(pa.array(unknown), pa.scalar("missing"), ids)
    users = rng.zipf(1.6, m) % 300_000
    hour = codes["hour"][req]
    return pa.table(
        {
            "report_id": pc.cast(pa.array(np.arange(m)), pa.string()),
            "cluster_id": pc.cast(pa.array(cluster), pa.string()),
            "submitted_hour": pa.array((T0_HOUR + hour) * HOUR_US).cast(
                pa.timestamp("us", tz="UTC")
            ),
            "user_pseudonym": pc.cast(pa.array(users), pa.string()),
            "session_pseudonym": pc.cast(pa.array(users * 7 + rng.integers(0, 3, m)), pa.string()),
            "request_pseudonym": ids,
        }
    )


def evaluate(replay: Path, out: Path) -> int:
    """Attribution alone on a replay (truth cause as cluster id): results JSON, no text/ids."""
    from joins.evaluate import evaluate_replay

    t = time.perf_counter()
    res = evaluate_replay(replay)
    res["seconds"] = round(time.perf_counter() - t, 1)
    res["replay"] = str(replay)
    res["note"] = "cluster id = truth cause: measures attribution alone, not clustering"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2, default=str) + "\n")
    print(json.dumps(res, indent=2, default=str))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--routing-rows", type=int, default=20_000_000)
    ap.add_argument("--reports", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results/attribution.json"))
    ap.add_argument("--evaluate-replay", metavar="DIR", help="score attribution on a replay")
    args = ap.parse_args()
    if args.evaluate_replay:
        return evaluate(Path(args.evaluate_replay), Path(args.out))
    rng = np.random.default_rng(args.seed)
    t = time.perf_counter()
    routing, codes = make_routing(args.routing_rows, rng)
    traffic = make_traffic(routing)
    reports = make_reports(routing, codes, args.reports, rng)
    gen_s = time.perf_counter() - t
    base_rss = rss_bytes()
    dims = dimension_columns(routing.schema)

    with PeakRss() as mem_join:
        t = time.perf_counter()
        joined = join_reports(reports, routing)
        join_s = time.perf_counter() - t
    with PeakRss() as mem_attr:
        t = time.perf_counter()
        attr = attribute(joined, traffic, dimensions=dims)
        attr_s = time.perf_counter() - t
    n_pairs = int(pc.sum(pc.match_substring(attr.column("dimension"), " & ")).as_py() or 0)
    top = {
        r["cluster_id"]: f"{r['dimension']}={r['value']}"
        for r in attr.filter(pc.equal(attr.column("rank"), 1)).to_pylist()
        if r["cluster_id"] in ("0", "1")
    }
    result = {
        "routing_rows": routing.num_rows,
        "reports": reports.num_rows,
        "traffic_rows": traffic.num_rows,
        "dimensions": len(dims),
        "joined_share": float(pc.mean(joined.column("joined").cast(pa.int8())).as_py()),
        "attribution_rows": attr.num_rows,
        "pair_rows": n_pairs,
        "rank1_of_planted_clusters": top,
        "generate_s": round(gen_s, 2),
        "join_s": round(join_s, 2),
        "attribute_s": round(attr_s, 2),
        "total_s": round(join_s + attr_s, 2),
        "rss_before_gib": round(base_rss / 2**30, 2),
        "peak_rss_join_gib": round(mem_join.peak / 2**30, 2),
        "peak_rss_attribute_gib": round(mem_attr.peak / 2**30, 2),
        "max_rss_process_gib": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 2**30, 2
        ),
        "input_arrow_gib": round((routing.nbytes + reports.nbytes + traffic.nbytes) / 2**30, 2),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pyarrow": pa.__version__,
        "note": "2 CPU cores shared with other concurrent work: timings are upper bounds",
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
