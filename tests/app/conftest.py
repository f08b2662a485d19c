"""Fixtures for the dashboard tests: the shared real extract, and private copies to change."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
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
#: users, reports, lift. f-hidden-run (2 users < K) and f-hidden-c3 (unpublished) never show.
CRAFTED_FINDINGS = {
    "f-run-pool": (None, 1, "server_pool", "gpu-a", 0, 7, 7, 2.5, 0.01, "rel-1"),
    "f-c1-build": ("c1", 1, "sampler_build", "smp-new", 30, 12, 6, 4.0, 1e-5, "smp-new"),
    "f-c1-combo": ("c1", 2, "hardware & sampler_build", "tpu & smp-new", 30, 12, 6, 3.0, 1e-3,
                   None),
    "f-run-model": (None, 2, "model", "model-a", 0, 22, 9, 1.1, 0.2, None),
    "f-c1-region": ("c1", 3, "region", "r1", 30, 4, 3, 1.2, 0.3, None),
    "f-hidden-run": (None, 3, "server_pool", "gpu-b", 40, 4, 2, 9.0, 1e-9, None),
    "f-hidden-c3": ("c3", 1, "server_pool", "gpu-b", 40, 4, 3, 9.0, 1e-9, "smp-new"),
}  # fmt: skip
CRAFTED_ORDER = ["f-run-pool", "f-c1-build", "f-c1-combo", "f-run-model", "f-c1-region"]
HIDDEN_CLUSTER = "c3"
HIDDEN_TEXT = "synthetic hidden complaint about the gpu-b pool"


def write_findings_extract(out: Path, *, with_findings: bool = True) -> Path:
    """The crafted extract (tests.extract.crafted) plus an unpublished cluster c3 (3 users, 4
    reports on gpu-b, with text and an attribution row it should not have kept) and, when
    ``with_findings``, a ``findings`` table per `CRAFTED_FINDINGS`. Returns the DuckDB path."""
    from tests.extract import crafted

    db = crafted.write(out)
    c = duckdb.connect(str(db))
    try:
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
        if with_findings:
            c.execute(
                """create table findings (finding_id varchar, cluster_id varchar,
                       rank integer, dimension varchar, value varchar,
                       onset timestamp with time zone, reports bigint, users bigint,
                       lift double, q_value double, deploy_id varchar)"""
            )
            for fid, (cid, rank, dim, val, h, n, u, lift, q, dep) in CRAFTED_FINDINGS.items():
                c.execute(
                    "insert into findings values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [fid, cid, rank, dim, val, crafted.hour(h), n, u, lift, q, dep],
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
