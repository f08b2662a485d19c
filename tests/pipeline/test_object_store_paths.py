"""Input and staging as object-store URLs (what a distributed runner needs: workers do not
share the launcher's disk) give the same extract as local folders."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.extract.publish import TriageError, check_inputs
from pipeline.run.options import RunOptions
from tests.conftest import TEST_KEY
from tests.pipeline import object_store

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("reports", "clusters", "attributions", "suspects", "cluster_timeseries", "quarantine")


def _run_with_store(*args: str) -> subprocess.CompletedProcess:
    """`triage run` in a clean subprocess that has the teststore:// filesystem registered."""
    code = (
        "import sys, tests.pipeline.object_store; from pipeline.cli.main import main; "
        "sys.exit(main(sys.argv[1:]))"
    )
    env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "TRIAGE_QUIET": "1",
           "TRIAGE_PSEUDONYM_KEY": TEST_KEY}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-c", code, "run", *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=1200,
    )  # fmt: skip


@pytest.mark.slow
def test_object_store_input_and_staging_give_the_local_extract(
    small_replay, triage_extract, tmp_path
):
    staging_root = tmp_path / "bucket/staging"
    proc = _run_with_store(
        "--input", object_store.PREFIX + str(small_replay),
        "--output", str(tmp_path / "out"),
        "--staging-location", object_store.PREFIX + str(staging_root),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    a = duckdb.connect(str(tmp_path / "out/triage.duckdb"), read_only=True)
    b = duckdb.connect(str(triage_extract / "triage.duckdb"), read_only=True)
    assert a.execute("select count(*) from reports").fetchone()[0] > 1000
    for table in TABLES:
        got = a.execute(f"select * from {table}").fetchall()
        assert got == b.execute(f"select * from {table}").fetchall(), table
    # The staged tables went to the store and were cleaned up after publishing.
    assert staging_root.is_dir() and not any(staging_root.iterdir())


def _opts(inp, out, **kw) -> RunOptions:
    return RunOptions(input_dir=inp, output_dir=out, **kw)


def test_object_store_input_problems_are_one_clear_line(tmp_path):
    (tmp_path / "empty/routing").mkdir(parents=True)
    with pytest.raises(TriageError, match=r"has no feedback/\*\.jsonl files"):
        check_inputs(_opts(object_store.PREFIX + str(tmp_path / "empty"), tmp_path / "out"))
    with pytest.raises(TriageError, match=r"no filesystem for nosuchstore:// is installed"):
        check_inputs(_opts("nosuchstore://bucket/x", tmp_path / "out"))
    (tmp_path / "bad/feedback").mkdir(parents=True)
    (tmp_path / "bad/feedback/a.jsonl").write_text("{}\n")
    (tmp_path / "bad/routing").mkdir()
    (tmp_path / "bad/routing/r.parquet").write_bytes(b"not parquet")
    with pytest.raises(TriageError, match=r"r\.parquet is not a readable Parquet file"):
        check_inputs(_opts(object_store.PREFIX + str(tmp_path / "bad"), tmp_path / "out"))
    with pytest.raises(TriageError, match=r"nosuchstore://s: no filesystem"):
        check_inputs(_opts(tmp_path / "bad", tmp_path / "out", staging_location="nosuchstore://s"))
