"""The extract of one real `triage run` on the small replay: dictionary and permissions."""

from __future__ import annotations

import os
import stat

import duckdb
import pytest

from tests.extract.test_dictionary import check_extract_against_dictionary

pytestmark = pytest.mark.slow


def test_the_real_extract_matches_the_dictionary(triage_extract):
    con = duckdb.connect(str(triage_extract / "triage.duckdb"), read_only=True)
    try:
        check_extract_against_dictionary(con)
    finally:
        con.close()


def test_the_real_extract_is_owner_only(triage_extract):
    check_owner_only(triage_extract)


def check_owner_only(out) -> None:
    """Every extract file is 0600 and the version store 0700; nothing else is readable."""
    db = out / "triage.duckdb"
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE((out / ".extracts").stat().st_mode) == 0o700
    parquet = (out / "parquet").resolve()
    assert stat.S_IMODE(parquet.stat().st_mode) == 0o700
    files = sorted(parquet.glob("*.parquet"))
    assert {p.stem for p in files} >= {"reports", "clusters", "runs"}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    for root, _dirs, names in os.walk(out / ".extracts"):
        for name in names:
            mode = stat.S_IMODE(os.stat(os.path.join(root, name)).st_mode)
            assert mode & 0o077 == 0, f"{name} mode {oct(mode)}"
    assert not (out / "triage.duckdb.wal").exists()
