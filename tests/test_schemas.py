"""The schema module round-trips through Parquet and DuckDB and matches the contract checker."""

from __future__ import annotations

import datetime as dt
import importlib.util

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from joins import schemas
from tests.conftest import SHARED


def _sample_row(schema: pa.Schema) -> dict:
    now = dt.datetime(2025, 8, 31, 17, tzinfo=dt.UTC)
    values = {
        pa.string(): "x",
        pa.int64(): 3,
        pa.float64(): 1.5,
        pa.bool_(): True,
        schemas.UTC_TS: now,
        schemas.STRINGS: ["unexpected_script"],
        pa.list_(pa.float32()): [0.5, -0.25],
    }
    return {f.name: values[f.type] for f in schema}


@pytest.mark.parametrize("name", sorted(schemas.EXTRACT_TABLES) + sorted(schemas.INPUT_TABLES))
def test_schema_round_trips_through_parquet_and_duckdb(name, tmp_path):
    schema = {**schemas.EXTRACT_TABLES, **schemas.INPUT_TABLES}[name]
    table = pa.Table.from_pylist([_sample_row(schema)], schema=schema)
    path = tmp_path / f"{name}.parquet"
    pq.write_table(table, path)
    back = pq.read_table(path)
    assert back.schema.equals(schema, check_metadata=False)
    assert back.to_pylist() == table.to_pylist()
    con = duckdb.connect()
    assert con.execute(f"select count(*) from '{path}'").fetchone()[0] == 1


def test_extract_tables_have_every_column_the_contract_checker_requires():
    spec = importlib.util.spec_from_file_location(
        "check_extract", SHARED / "contract/check_extract.py"
    )
    checker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checker)
    for table, cols in checker.REQUIRED.items():
        assert table in schemas.EXTRACT_TABLES, table
        missing = set(cols) - set(schemas.EXTRACT_TABLES[table].names)
        assert not missing, (table, missing)


def test_dimension_columns_include_unnamed_string_columns():
    schema = schemas.routing_schema(["context_tier", "sampler_build"])
    dims = schemas.dimension_columns(schema)
    assert dims[: len(schemas.NAMED_DIMENSIONS)] == list(schemas.NAMED_DIMENSIONS)
    assert dims[-2:] == ["context_tier", "sampler_build"]
    assert "request_id" not in dims and "ts" not in dims


def test_conform_fills_optional_columns_and_rejects_missing_required():
    t = pa.table({"source": ["feedback/a.jsonl"], "line": [4], "reason": ["not valid JSON"]})
    assert schemas.conform(t, schemas.QUARANTINE).schema == schemas.QUARANTINE
    with pytest.raises(ValueError, match="required column 'reason'"):
        schemas.conform(t.drop_columns(["reason"]), schemas.QUARANTINE)
    partial = pa.table(
        {
            "cluster_id": ["c1"],
            "hour": pa.array([dt.datetime(2025, 8, 1, tzinfo=dt.UTC)], schemas.UTC_TS),
            "reports": [2],
        }
    )
    out = schemas.conform(partial, schemas.CLUSTER_TIMESERIES)
    assert out.column("rate_per_million").null_count == 1
