"""A tiny hand-made extract written by the real `pipeline.extract.publish.write_extract`.

Fast tests use it instead of a pipeline run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from joins import schemas
from pipeline.extract.publish import write_extract

DIMS = ["model", "platform", "hardware", "server_pool", "deploy_id", "region", "sampler_build"]
T0 = datetime(2025, 8, 25, 10, tzinfo=UTC)


def hour(h: int) -> datetime:
    return T0 + timedelta(hours=h)


def _report(i: int, h: int, user: str, symptoms: list[str], pool: str | None, build: str):
    joined = pool is not None
    return {
        "report_id": f"r{i:03d}",
        "kind": "bug",
        "submitted_hour": hour(h),
        "user_pseudonym": user,
        "session_pseudonym": f"s-{user}",
        "request_pseudonym": f"q{i:03d}",
        "symptoms": symptoms,
        "cluster_id": "c1" if symptoms else "c2",
        "joined": joined,
        "model": "model-a" if joined else None,
        "platform": "first_party" if joined else None,
        "hardware": ("tpu" if pool and pool.startswith("tpu") else "gpu") if joined else None,
        "server_pool": pool,
        "deploy_id": "rel-1" if joined else None,
        "region": "r1" if joined else None,
        "sampler_build": build if joined else None,
    }


def tables(contract_version: str = schemas.CONTRACT_VERSION) -> dict[str, pa.Table]:
    """Reports over hours 0-70: c1 = foreign script on tpu-a with build smp-new (hours 30-52,
    6 users, 2 reports each); c2 = background on gpu-a with smp-old (hours 0-70, one report
    without a routing join). Total traffic 1,000,000 + 1,000 x hour requests per hour."""
    reports = []
    for i in range(12):
        h = 30 + i * 2  # c1: after the new build, on tpu-a, 6 users
        reports.append(_report(i, h, f"u{i % 6}", ["unexpected_script"], "tpu-a", "smp-new"))
    for i in range(12, 20):
        h = (i - 12) * 10  # c2: background on gpu-a with the old build, one unjoined
        pool = None if i == 19 else "gpu-a"
        reports.append(_report(i, h, f"u{i}", [], pool, "smp-old"))
    rep = pa.Table.from_pylist(reports, schema=schemas.reports_schema(DIMS))
    clusters = pa.Table.from_pylist(
        [
            {
                "cluster_id": "c1",
                "label": "foreign script",
                "n_reports": 12,
                "n_users": 6,
                "n_sessions": 6,
                "first_seen": hour(30),
                "last_seen": hour(52),
                "top_symptoms": ["unexpected_script"],
                "published": True,
                "is_background": False,
            },
            {
                "cluster_id": "c2",
                "label": "background",
                "n_reports": 8,
                "n_users": 8,
                "n_sessions": 8,
                "first_seen": hour(0),
                "last_seen": hour(70),
                "top_symptoms": [],
                "published": True,
                "is_background": True,
            },
        ],
        schema=schemas.CLUSTERS,
    )
    attributions = pa.Table.from_pylist(
        [
            {
                "cluster_id": "c1",
                "dimension": d,
                "value": v,
                "reports": 12,
                "users": 6,
                "expected": 12 / lift,
                "lift": lift,
                "p_value": 1e-6,
                "q_value": 1e-5,
                "rank": rank,
                "baseline": "traffic",
            }
            for rank, (d, v, lift) in enumerate(
                [
                    ("sampler_build", "smp-new", 4.0),
                    ("hardware", "tpu", 2.0),
                    ("server_pool", "tpu-a", 1.5),
                ],
                start=1,
            )
        ],
        schema=schemas.ATTRIBUTIONS,
    )
    suspects = pa.Table.from_pylist(
        [
            {
                "cluster_id": "c1",
                "deploy_id": "smp-new",
                "started_at": hour(27),
                "onset": hour(30),
                "score": 3.0,
                "reason": "attributed",
            },
            {
                "cluster_id": "c1",
                "deploy_id": "rel-1",
                "started_at": hour(-30),
                "onset": hour(30),
                "score": 0.5,
                "reason": "scope",
            },
        ],
        schema=schemas.SUSPECTS,
    )
    timeseries = pa.Table.from_pylist(
        [
            {
                "cluster_id": "c1",
                "hour": hour(h),
                "reports": sum(
                    1 for r in reports if r["cluster_id"] == "c1" and r["submitted_hour"] == hour(h)
                ),
                "requests": 1_000_000 + 1000 * h,
                "rate_per_million": None,
            }
            for h in range(72)
        ],
        schema=schemas.CLUSTER_TIMESERIES,
    )
    quarantine = pa.Table.from_pylist(
        [{"source": "feedback/x.jsonl", "line": 3, "reason": "not valid JSON"}],
        schema=schemas.QUARANTINE,
    )
    runs = pa.Table.from_pylist(
        [
            {
                "run_id": "run-test",
                "started_at": T0,
                "finished_at": T0,
                "reports_in": 21,
                "reports_out": 20,
                "quarantined": 1,
                "duplicates": 0,
                "outside_window": 0,
                "version": "test",
                "contract_version": contract_version,
                "min_users": 5,
            }
        ],
        schema=schemas.RUNS,
    )
    # Tables of the contract that this small extract leaves empty (the views read them).
    empty = {
        name: schemas.EXTRACT_TABLES[name].empty_table()
        for name in ("findings", "finding_timeseries")
        if name in schemas.EXTRACT_TABLES
    }
    return {
        **empty,
        "reports": rep,
        "clusters": clusters,
        "attributions": attributions,
        "suspects": suspects,
        "cluster_timeseries": timeseries,
        "quarantine": quarantine,
        "traffic_hourly": schemas.TRAFFIC_HOURLY.empty_table(),
        "deploys": pa.Table.from_pylist(
            [
                {
                    "deploy_id": "smp-new",
                    "started_at": hour(27),
                    "finished_at": hour(29),
                    "component": "sampler",
                    "description": "new sampler build",
                    "hardware": "tpu",
                }
            ],
            schema=schemas.DEPLOYS,
        ),
        "runs": runs,
    }


def write(
    out: Path, contract_version: str = schemas.CONTRACT_VERSION, run_id: str = "run-test"
) -> Path:
    """Write the crafted extract under ``out``; returns OUT/triage.duckdb."""
    write_extract(Path(out), tables(contract_version), run_id)
    return Path(out) / "triage.duckdb"
