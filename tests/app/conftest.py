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
