"""`triage run`'s summary lists the findings read back from the extract."""

import datetime as dt

import duckdb
import pyarrow as pa

from joins import schemas
from pipeline.extract import summary, views
from pipeline.extract.publish import RunSummary


def test_summary_prints_findings(tmp_path):
    db = tmp_path / "triage.duckdb"
    con = duckdb.connect(str(db))
    for name, schema in schemas.EXTRACT_TABLES.items():
        con.register("empty_", pa.Table.from_pylist([], schema=schema))
        con.execute(f'create table "{name}" as select * from empty_')
        con.unregister("empty_")
    onset = dt.datetime(2025, 8, 25, 14, tzinfo=dt.UTC)
    row = {f.name: None for f in schemas.FINDINGS}
    row.update(finding_id="f-1", rank=1, kind="emerging", dimension="model & runtime_config",
               value="sonnet-4 & cfg-0825-tpu", onset=onset, reports=40, users=30,
               expected=10.0, lift=4.0, p_value=1e-9, q_value=1e-8, score=5.0,
               deploy_id="cfg-0825-tpu", clusters=["c1"], folded=[])  # fmt: skip
    con.register("f_", pa.Table.from_pylist([row], schema=schemas.FINDINGS))
    con.execute("insert into findings select * from f_")
    views.create_views(con)
    con.close()
    res = RunSummary("run-x", db, 1, 1, 0, 0, 0, 1.0, {}, {})
    text = summary.render(res)
    line = next(x for x in text.splitlines() if "cfg-0825-tpu" in x and "(all)" in x)
    assert "model & runtime_config = sonnet-4 & cfg-0825-tpu" in line and "4.0" in line
    assert "2025-08-25 14:00" in line
