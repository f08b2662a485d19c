"""The pipeline's extract writer leaves owner-only files, also over a previous extract."""

from __future__ import annotations

import os
import stat

from tests.extract import crafted
from tests.extract.test_extract_real import check_owner_only


def test_write_extract_is_owner_only(tmp_path):
    crafted.write(tmp_path)
    check_owner_only(tmp_path)


def test_a_rewrite_stays_owner_only_even_under_a_permissive_umask(tmp_path):
    old = os.umask(0o000)
    try:
        crafted.write(tmp_path, run_id="run-1")
        (tmp_path / "triage.duckdb").chmod(0o644)  # someone loosened the old copy
        crafted.write(tmp_path, run_id="run-2")
    finally:
        os.umask(old)
    check_owner_only(tmp_path)
    assert stat.S_IMODE((tmp_path / "triage.duckdb").stat().st_mode) == 0o600
