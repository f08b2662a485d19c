"""Fixtures for the dashboard tests: the shared real extract, and private copies to change."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from app import queries


@pytest.fixture(scope="session")
def extract_db(triage_extract: Path) -> Path:
    """OUT/triage.duckdb of the session's real pipeline run (read it only)."""
    return triage_extract / "triage.duckdb"


@pytest.fixture()
def con(extract_db: Path):
    c = queries.connect(extract_db)
    yield c
    c.close()


def copy_extract(src: Path, dst_dir: Path, name: str = "triage.duckdb") -> Path:
    """A private copy of an extract file that a test may change."""
    dst_dir.mkdir(parents=True, exist_ok=True)
    dst = dst_dir / name
    shutil.copyfile(src, dst)
    return dst


def unpublish(db: Path, cluster_id: str) -> None:
    """Turn a published cluster into an unpublished one as the pipeline would write it:
    generic label, no text, no attributions, suspects or series rows."""
    c = duckdb.connect(str(db))
    try:
        c.execute(
            "update clusters set published = false, label = 'unpublished' where cluster_id = ?",
            [cluster_id],
        )
        c.execute(
            "update reports set comment_redacted = null, response_redacted = null "
            "where cluster_id = ?",
            [cluster_id],
        )
        for table in ("attributions", "suspects", "cluster_timeseries"):
            c.execute(f"delete from {table} where cluster_id = ?", [cluster_id])
    finally:
        c.close()


@pytest.fixture()
def hidden_copy(extract_db: Path, tmp_path: Path) -> tuple[Path, str, str]:
    """(copy path, cluster_id, its original label) with the largest non-background published
    cluster turned unpublished."""
    c = queries.connect(extract_db)
    try:
        cid, label = c.execute(
            "select cluster_id, label from clusters where published and not is_background "
            "order by n_users desc, cluster_id limit 1"
        ).fetchone()
    finally:
        c.close()
    db = copy_extract(extract_db, tmp_path / "hidden")
    unpublish(db, cid)
    return db, cid, label


# ---------------------------------------------------------------------------------------
# A crafted extract with a findings table (fast; no pipeline run)
# ---------------------------------------------------------------------------------------

#: finding_id -> (cluster_id, rank, dimension, value, onset hour, reports, users, lift, q,
#: deploy_id). Visible ones in the findings page's order: confident (q <= 0.05) first, then
#: users, reports, lift; f-run-restates (most users) restates f-c1-build (`RESTATES`), so it
#: comes after the confident ones no cluster holds. f-hidden-run (2 users < K) and
#: f-hidden-c3 (unpublished) never show.
CRAFTED_FINDINGS = {
    "f-run-pool": (None, 1, "server_pool", "gpu-a", 0, 7, 7, 2.5, 0.01, "rel-1"),
    "f-c1-build": ("c1", 1, "sampler_build", "smp-new", 30, 12, 6, 4.0, 1e-5, "smp-new"),
    "f-c1-combo": ("c1", 2, "hardware & sampler_build", "tpu & smp-new", 30, 12, 6, 3.0, 1e-3,
                   None),
    "f-run-model": (None, 2, "model", "model-a", 0, 22, 9, 1.1, 0.2, None),
    "f-run-restates": (None, 4, "deploy_id & sampler_build", "rel-1 & smp-new", 30, 20, 12,
                       5.0, 1e-6, "smp-new"),
    "f-c1-region": ("c1", 3, "region", "r1", 30, 4, 3, 1.2, 0.3, None),
    "f-hidden-run": (None, 3, "server_pool", "gpu-b", 40, 4, 2, 9.0, 1e-9, None),
    "f-hidden-c3": ("c3", 1, "server_pool", "gpu-b", 40, 4, 3, 9.0, 1e-9, "smp-new"),
}  # fmt: skip
CRAFTED_ORDER = [
    "f-run-pool", "f-c1-build", "f-c1-combo", "f-run-restates", "f-run-model", "f-c1-region"
]  # fmt: skip
RESTATES = {"f-run-restates": "f-c1-build"}
HIDDEN_CLUSTER = "c3"
HIDDEN_TEXT = "synthetic hidden complaint about the gpu-b pool"


#: The pipeline's own hourly series of one visible and one hidden finding (rows of
#: ``finding_timeseries``, used by the dashboard instead of its own count when present).
CRAFTED_SERIES = {"f-c1-build": (30, 53, 1_000_000), "f-hidden-c3": (40, 44, 1_000)}

_FINDINGS_BASE = pa.schema(
    [
        pa.field("finding_id", pa.string(), nullable=False),
        pa.field("cluster_id", pa.string()),
        pa.field("rank", pa.int64(), nullable=False),
        pa.field("dimension", pa.string(), nullable=False),
        pa.field("value", pa.string(), nullable=False),
        pa.field("onset", pa.timestamp("us", tz="UTC")),
        pa.field("reports", pa.int64(), nullable=False),
        pa.field("users", pa.int64(), nullable=False),
        pa.field("lift", pa.float64(), nullable=False),
        pa.field("q_value", pa.float64(), nullable=False),
        pa.field("deploy_id", pa.string()),
    ]
)


def _findings_table() -> pa.Table:
    """`CRAFTED_FINDINGS` in the pipeline's ``findings`` schema when it has one (extra
    columns filled plainly), else in the contract's column list."""
    from joins import schemas
    from tests.extract import crafted

    rows = []
    for fid, (cid, rank, dim, val, h, n, u, lift, q, dep) in CRAFTED_FINDINGS.items():
        rows.append(
            {
                "finding_id": fid, "cluster_id": cid, "rank": rank, "dimension": dim,
                "value": val, "onset": crafted.hour(h), "reports": n, "users": u,
                "lift": lift, "q_value": q, "deploy_id": dep,
                "kind": "explained" if cid else "emerging", "expected": n / lift,
                "p_value": q / 10, "score": lift, "clusters": [cid] if cid else [],
                "folded": ["server_pool = tpu-a"] if fid == "f-c1-build" else [],
                "restates": RESTATES.get(fid),
            }
        )  # fmt: skip
    schema = getattr(schemas, "FINDINGS", _FINDINGS_BASE)
    return pa.Table.from_pylist([{k: r.get(k) for k in schema.names} for r in rows], schema=schema)


def _series_table() -> pa.Table | None:
    from joins import schemas
    from tests.extract import crafted

    schema = getattr(schemas, "FINDING_TIMESERIES", None)
    if schema is None:
        return None
    rows = [
        {
            "finding_id": fid,
            "hour": crafted.hour(h),
            "reports": 1,
            "requests": req,
            "rate_per_million": 1e6 / req,
        }
        for fid, (h0, h1, req) in CRAFTED_SERIES.items()
        for h in range(h0, h1, 2)
    ]
    return pa.Table.from_pylist(rows, schema=schema)


def write_findings_extract(out: Path, *, with_findings: bool = True) -> Path:
    """The crafted extract (tests.extract.crafted) plus an unpublished cluster c3 (3 users, 4
    reports on gpu-b, with text and an attribution row it should not have kept) and, when
    ``with_findings``, a ``findings`` table per `CRAFTED_FINDINGS` (and a
    ``finding_timeseries`` per `CRAFTED_SERIES` where the pipeline has that table).
    Without, the extract looks like one written before findings existed. Returns the DuckDB
    path."""
    from pipeline.extract.publish import SORT_KEYS, write_extract
    from tests.extract import crafted

    tables = crafted.tables()
    late = {"findings": _findings_table()}
    series = _series_table()
    if series is not None:
        late["finding_timeseries"] = series
    for name, table in late.items():
        if name in SORT_KEYS:  # the pipeline writes (and its views read) this table
            tables[name] = table
    write_extract(Path(out), tables, "run-test")
    db = Path(out) / "triage.duckdb"
    c = duckdb.connect(str(db))
    try:
        for name, table in late.items():
            if name not in tables:  # a pipeline that does not write it yet
                c.register("staged", table)
                c.execute(f"create table {name} as select * from staged")
                c.unregister("staged")
            if not with_findings:
                c.execute(f"drop table {name}")
        c.execute(
            """insert into reports by name
               select 't' || i as report_id, 'bug' as kind,
                      ?::timestamptz + i * interval 1 hour as submitted_hour,
                      'h' || (i % 3) as user_pseudonym, 'hs' || i as session_pseudonym,
                      'hq' || i as request_pseudonym, [] as symptoms, 'c3' as cluster_id,
                      true as joined, 'model-a' as model, 'first_party' as platform,
                      'gpu' as hardware, 'gpu-b' as server_pool, 'rel-1' as deploy_id,
                      'r1' as region, 'smp-old' as sampler_build,
                      ? as comment_redacted
               from range(4) t(i)""",
            [crafted.hour(40), HIDDEN_TEXT],
        )
        c.execute(
            """insert into clusters by name
               select 'c3' as cluster_id, 'unpublished' as label, 4 as n_reports,
                      3 as n_users, 4 as n_sessions, ?::timestamptz as first_seen,
                      ?::timestamptz as last_seen, [] as top_symptoms, false as published,
                      false as is_background""",
            [crafted.hour(40), crafted.hour(43)],
        )
        c.execute(
            """insert into attributions by name
               select 'c3' as cluster_id, 'server_pool' as dimension, 'gpu-b' as value,
                      4 as reports, 3 as users, 0.4 as expected, 10.0 as lift,
                      1e-9 as p_value, 1e-9 as q_value, 1 as rank, 'traffic' as baseline"""
        )
        c.execute(
            "update reports set comment_redacted = 'synthetic: the reply turned into ' || "
            "'another script, sent by <PERSON>' where cluster_id = 'c1'"
        )
    finally:
        c.close()
    return db


@pytest.fixture(scope="session")
def findings_db(tmp_path_factory) -> Path:
    """A crafted extract with a findings table (read it only)."""
    return write_findings_extract(tmp_path_factory.mktemp("findings"))


@pytest.fixture(scope="session")
def no_findings_db(tmp_path_factory) -> Path:
    """The same crafted extract without a findings table (an extract older than findings)."""
    return write_findings_extract(tmp_path_factory.mktemp("nofindings"), with_findings=False)
