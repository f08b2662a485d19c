"""`runs.truncated_reports` at publish: the reports with at least one field cut to the input
limits, counted from the staged reports' ``truncated_fields`` (fast, no pipeline run).

The end-to-end input-limit tests check it too, but only the slow ones; mutation testing
(bench/mutation.py) found the fast tests never read it.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from joins import schemas
from pipeline.extract.publish import DB_NAME, publish
from pipeline.run import locations
from tests.extract import crafted
from tests.pipeline.test_publish_accounting import STARTED, _opts


def _staged_with_cuts(tmp_path, cuts) -> str:
    tables = crafted.tables()
    del tables["runs"]
    for name, schema in schemas.EXTRACT_TABLES.items():
        if name != "runs" and name not in tables:
            tables[name] = schema.empty_table()
    reports = tables["reports"]
    cuts = cuts + [[]] * (reports.num_rows - len(cuts))
    column = pa.array(cuts, pa.list_(pa.string()))
    if "truncated_fields" in reports.column_names:
        i = reports.schema.get_field_index("truncated_fields")
        reports = reports.set_column(i, reports.schema.field(i), column)
    else:
        reports = reports.append_column("truncated_fields", column)
    tables["reports"] = reports
    staging = str(tmp_path / ".staging-test")
    n = reports.num_rows
    locations.write_staged(
        staging, tables, {"valid": n, "unique": n, "redactions": {}, "audit": {}}
    )
    return staging


def _truncated(out) -> int:
    con = duckdb.connect(str(out / DB_NAME), read_only=True)
    try:
        return con.execute("select truncated_reports from runs").fetchone()[0]
    finally:
        con.close()


def test_truncated_reports_counts_reports_with_a_cut_field(tmp_path):
    # Two reports had fields cut; an empty list and a null are no cut.
    staging = _staged_with_cuts(tmp_path, [["comment"], [], None, ["model", "tags"]])
    opts = _opts(tmp_path, audit_budget=3)
    publish(opts, staging, STARTED, 1.0)
    assert _truncated(opts.output_dir) == 2
