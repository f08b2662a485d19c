"""The data dictionary cannot drift: schemas, column docs, views and docs/extract.md agree."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from joins import schemas
from pipeline.extract import dictionary, views
from tests.extract import crafted

DOC = Path(__file__).resolve().parents[2] / "docs" / "extract.md"


def test_every_table_of_the_schema_is_documented_and_nothing_else():
    assert list(dictionary.TABLES) == list(schemas.EXTRACT_TABLES)


@pytest.mark.parametrize("table", list(schemas.EXTRACT_TABLES))
def test_every_column_is_documented_in_schema_order(table):
    documented = list(dictionary.TABLES[table].columns)
    assert documented == schemas.EXTRACT_TABLES[table].names
    for name, col in dictionary.TABLES[table].columns.items():
        assert col.description.strip(), f"{table}.{name} has no description"
    assert dictionary.TABLES[table].never.strip()


def test_named_dimensions_are_documented():
    assert list(dictionary.DIMENSION_DOCS) == list(schemas.NAMED_DIMENSIONS)


def test_view_docs_match_the_columns_the_views_return():
    types = dictionary._duckdb_types()
    for view in views.VIEW_DEFS:
        if view.kind == "macro":
            # a macro over what_changed returns what_changed's columns
            assert list(types[view.name]) == list(types["what_changed"])
        else:
            assert list(view.columns) == list(types[view.name]), view.name
            assert all(c.description.strip() for c in view.columns.values()), view.name


def test_the_document_is_the_generator_output():
    # Regenerate with: python -m pipeline.extract.dictionary > docs/extract.md
    assert DOC.read_text() == dictionary.render()


def test_the_document_names_every_table_view_and_column():
    text = DOC.read_text()
    for table, schema in schemas.EXTRACT_TABLES.items():
        assert f"### `{table}`" in text
        for name in schema.names:
            assert f"| `{name}` |" in text, f"{table}.{name}"
    for view in views.VIEW_DEFS:
        assert f"### `{view.name}" in text
    assert "## Who may receive the extract" in text


def test_an_extract_written_by_the_pipeline_matches_the_dictionary(tmp_path):
    db = crafted.write(tmp_path)
    con = duckdb.connect(str(db), read_only=True)
    try:
        check_extract_against_dictionary(con)
    finally:
        con.close()


def check_extract_against_dictionary(con) -> None:
    """Tables, their columns (reports: base + dimensions) and views are what the docs say."""
    objects = dict(
        con.execute("select table_name, table_type from information_schema.tables").fetchall()
    )
    tables = {k for k, v in objects.items() if v == "BASE TABLE"}
    assert tables == set(schemas.EXTRACT_TABLES)
    assert {k for k, v in objects.items() if v == "VIEW"} == {
        v.name for v in views.VIEW_DEFS if v.kind == "view"
    }
    for table, schema in schemas.EXTRACT_TABLES.items():
        cols = [r[0] for r in con.execute(f'describe "{table}"').fetchall()]
        if table == "reports":
            assert cols[: len(schema)] == schema.names
            assert set(schemas.NAMED_DIMENSIONS) <= set(cols[len(schema) :])
        else:
            assert cols == schema.names, table
    for view in views.VIEW_DEFS:
        if view.kind == "view":
            cols = [r[0] for r in con.execute(f"describe {view.name}").fetchall()]
            assert cols == list(view.columns), view.name
