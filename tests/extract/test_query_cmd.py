"""`triage query`: read-only answers in four formats and one-line errors."""

from __future__ import annotations

import csv
import io
import json
import stat

import duckdb
import pyarrow.parquet as pq
import pytest

from pipeline.cli import main as cli
from pipeline.cli.query import QueryError, query
from tests.extract import crafted


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return crafted.write(tmp_path_factory.mktemp("q"))


def _triage(capsys, *argv):
    rc = cli.main(["query", *map(str, argv)])
    out, err = capsys.readouterr()
    return rc, out, err


def test_prints_an_aligned_table(db, capsys):
    rc, out, err = _triage(
        capsys,
        "--extract",
        db,
        "select cluster_id, n_users, label from clusters order by cluster_id",
    )
    assert rc == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["cluster_id", "n_users", "label"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].split()[:2] == ["c1", "6"] and lines[3].split()[:2] == ["c2", "8"]
    # columns line up: every value of n_users ends where its header ends (right-aligned)
    end = lines[0].index("n_users") + len("n_users")
    assert lines[2][end - 1] == "6" and lines[3][end - 1] == "8"
    assert lines[-1] == "(2 rows)"


def test_timestamps_print_in_utc(db, capsys):
    rc, out, _ = _triage(capsys, "--extract", db, "select min(submitted_hour) as t from reports")
    assert rc == 0
    assert "2025-08-25 10:00:00+00:00" in out


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_writes_owner_only_files(db, tmp_path, capsys, fmt):
    out = tmp_path / f"result.{fmt}"
    sql = "select cluster_id, top_symptoms, first_seen, n_users from clusters order by 1"
    rc, stdout, err = _triage(capsys, "--extract", db, sql, "--format", fmt, "--output", out)
    assert rc == 0 and stdout == ""
    assert "2 rows written" in err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(out.read_text())))
        assert rows[0] == ["cluster_id", "top_symptoms", "first_seen", "n_users"]
        assert rows[1][0] == "c1" and json.loads(rows[1][1]) == ["unexpected_script"]
    elif fmt == "json":
        rows = json.loads(out.read_text())
        assert rows[0]["cluster_id"] == "c1" and rows[0]["n_users"] == 6
        assert rows[0]["top_symptoms"] == ["unexpected_script"]
        assert rows[0]["first_seen"].startswith("2025-08-26T16:00:00")
    else:
        table = pq.read_table(out)
        assert table.column("cluster_id").to_pylist() == ["c1", "c2"]
        assert table.column("top_symptoms").to_pylist()[0] == ["unexpected_script"]


def test_csv_and_json_go_to_stdout_without_output(db, capsys):
    rc, out, _ = _triage(capsys, "--extract", db, "select 1 as a, 'x' as b", "--format", "csv")
    assert rc == 0 and out == "a,b\n1,x\n"
    rc, out, _ = _triage(capsys, "--extract", db, "select 1 as a", "--format", "json")
    assert json.loads(out) == [{"a": 1}]


def test_parquet_needs_an_output_file(db, capsys):
    rc, out, err = _triage(capsys, "--extract", db, "select 1", "--format", "parquet")
    assert rc == 2 and out == ""
    assert err.strip() == "triage query: error: --format parquet needs --output FILE"


@pytest.mark.parametrize(
    "sql, kind",
    [
        ("insert into quarantine values ('x', 1, 'y')", "INSERT"),
        ("delete from reports", "DELETE"),
        ("update clusters set label = 'x'", "UPDATE"),
        ("drop table runs", "DROP"),
        ("create table t as select 1", "CREATE"),
        ("create temp table t as select 1", "CREATE"),
        ("copy reports to 'leak.csv'", "COPY"),
        ("attach 'other.duckdb' as o", "ATTACH"),
        ("set enable_external_access = true", "SET"),
        ("pragma enable_profiling", "PRAGMA"),
        ("export database 'dump'", "EXPORT"),
    ],
)
def test_refuses_statements_that_write(db, capsys, sql, kind):
    before = db.stat().st_mtime_ns
    rc, out, err = _triage(capsys, "--extract", db, sql)
    assert rc == 2 and out == ""
    assert err.count("\n") == 1
    assert f"refused: {kind} statements are not allowed" in err
    assert db.stat().st_mtime_ns == before
    check = duckdb.connect(str(db), read_only=True)
    assert check.execute("select count(*) from quarantine").fetchone() == (1,)
    check.close()


def test_file_access_is_off_inside_queries(db, tmp_path, capsys):
    secret = tmp_path / "other.csv"
    secret.write_text("a\n1\n")
    rc, out, err = _triage(capsys, "--extract", db, f"select * from read_csv('{secret}')")
    assert rc == 2 and out == ""
    assert err.startswith("triage query: error: bad query:") and err.count("\n") == 1


@pytest.mark.parametrize(
    "sql, expect",
    [
        ("selec 1", "bad query: Parser Error"),
        ("select * from no_such_table", "bad query: Catalog Error"),
        ("select 1; select 2", "one statement at a time (2 given)"),
        ("   ", "empty query"),
    ],
)
def test_bad_queries_give_one_line(db, capsys, sql, expect):
    rc, out, err = _triage(capsys, "--extract", db, sql)
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and expect in err


def test_missing_file_directory_and_non_duckdb_file(tmp_path, db, capsys):
    rc, _, err = _triage(capsys, "--extract", tmp_path / "nope.duckdb", "select 1")
    assert rc == 2 and "does not exist" in err and err.count("\n") == 1
    rc, _, err = _triage(capsys, "--extract", db.parent, "select 1")
    assert rc == 2 and "is a directory (pass OUT/triage.duckdb)" in err
    junk = tmp_path / "junk.duckdb"
    junk.write_text("not a database\n")
    rc, _, err = _triage(capsys, "--extract", junk, "select 1")
    assert rc == 2 and "cannot be read as a DuckDB extract" in err and err.count("\n") == 1


def test_a_duckdb_file_that_is_not_an_extract(tmp_path, capsys):
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("create table t as select 1 as a").close()
    rc, _, err = _triage(capsys, "--extract", other, "select * from t")
    assert rc == 2 and "is not a triage extract" in err


def test_an_extract_of_another_contract_version(tmp_path, capsys):
    old = crafted.write(tmp_path, contract_version="0")
    rc, out, err = _triage(capsys, "--extract", old, "select 1")
    assert rc == 2 and out == ""
    assert "contract version '0'; this triage reads version '1'" in err
    assert err.count("\n") == 1


def test_refuses_to_overwrite_the_extract(db, capsys):
    rc, _, err = _triage(capsys, "--extract", db, "select 1", "--format", "csv", "--output", db)
    assert rc == 2 and "would overwrite the extract" in err


def test_explain_prints_the_plan(db, capsys):
    rc, out, _ = _triage(capsys, "--extract", db, "explain select * from reports where joined")
    assert rc == 0 and "reports" in out.lower()


def test_query_function_raises_query_error(db):
    with pytest.raises(QueryError, match="refused: DROP"):
        query(db, "drop table reports")
    buf = io.StringIO()
    assert query(db, "select * from cluster_causes", "csv", stdout=buf) == 2
