"""Publishing swaps the extract atomically: old readers keep the old one, new readers the new."""

from __future__ import annotations

import subprocess
import sys

import duckdb

from tests.extract import crafted


def test_reader_of_the_old_extract_keeps_working_across_a_swap(tmp_path):
    from pipeline.extract.publish import write_extract

    out = tmp_path / "out"
    write_extract(out, crafted.tables(), "run-old")
    old = duckdb.connect(str(out / "triage.duckdb"), read_only=True)
    before = old.execute("select count(*) from reports").fetchone()[0]
    old_parquet = (out / "parquet").resolve()

    tables = crafted.tables()
    tables["reports"] = tables["reports"].slice(0, 1)
    write_extract(out, tables, "run-new")

    # The connection opened before the swap still reads the complete old file.
    assert old.execute("select count(*) from reports").fetchone()[0] == before
    # A new reader (another process: DuckDB shares open databases within one process).
    code = (
        "import duckdb,sys; c=duckdb.connect(sys.argv[1], read_only=True); "
        "print(c.execute('select count(*) from reports').fetchone()[0])"
    )
    fresh = subprocess.run(
        [sys.executable, "-c", code, str(out / "triage.duckdb")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert fresh.stdout.strip() == "1"
    # parquet/ is a link swapped in one rename; it now points at the new version's folder.
    assert (out / "parquet").is_symlink() and (out / "parquet").resolve() != old_parquet
    con = duckdb.connect()
    n = con.execute(f"select count(*) from '{out / 'parquet/reports.parquet'}'").fetchone()[0]
    assert n == 1
    assert not list(out.glob(".parquet-*"))  # no temporary link left behind
