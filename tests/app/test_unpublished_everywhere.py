"""Every dashboard query that touches a cluster hides an unpublished one, whatever its rows.

The extract here is deliberately defective: cluster "c1" is marked unpublished but keeps
*all* its rows (text, attributions, suspects, hourly series), so a query passes only if it
applies the ``published`` filter itself; deleting the rows first would let a query without
the filter pass too. Its twin "c3" (the same rows under another id, published) is the
positive control: each query does return it, so an empty answer is not a broken query.

Fast: a crafted extract written by the real `write_extract` (no models, no pipeline run).
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from app import queries
from pipeline.extract.publish import write_extract
from tests.extract import crafted

HIDDEN, TWIN = "c1", "c3"


def _twin(table: pa.Table, **changes) -> pa.Table:
    """``table`` plus a copy of its c1 rows as c3 (ids in ``changes`` rewritten per row)."""
    rows = table.to_pylist()
    extra = []
    for r in rows:
        if r["cluster_id"] == HIDDEN:
            r2 = dict(r, cluster_id=TWIN)
            for col, fn in changes.items():
                r2[col] = fn(r2[col])
            extra.append(r2)
    return pa.Table.from_pylist(rows + extra, schema=table.schema)


def _with_text(table: pa.Table) -> pa.Table:
    rows = table.to_pylist()
    for r in rows:
        r["comment_redacted"] = "synthetic comment: answer switched to another script"
        r["response_redacted"] = "synthetic response"
    return pa.Table.from_pylist(rows, schema=table.schema)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    t = crafted.tables()
    reports = _with_text(t["reports"])
    t["reports"] = _twin(
        reports,
        report_id=lambda v: v.replace("r", "t", 1),
        request_pseudonym=lambda v: v.replace("q", "p", 1),
    )
    for name in ("attributions", "cluster_timeseries"):
        t[name] = _twin(t[name])
    t["suspects"] = _twin(t["suspects"], score=lambda s: s / 2)
    clusters = t["clusters"].to_pylist()
    c1 = next(c for c in clusters if c["cluster_id"] == HIDDEN)
    clusters.append(dict(c1, cluster_id=TWIN))
    # The defect: c1 is unpublished, yet every one of its rows is still in the extract.
    c1["published"] = False
    t["clusters"] = pa.Table.from_pylist(clusters, schema=t["clusters"].schema)
    out = tmp_path_factory.mktemp("unpublished_everywhere")
    write_extract(out, t, "run-unpublished")
    return str(out / "triage.duckdb")


@pytest.fixture()
def con(db):
    c = queries.connect(db)
    yield c
    c.close()


def _is_empty(result) -> bool:
    if result is None:
        return True
    if isinstance(result, pd.DataFrame):
        return result.empty
    return len(result) == 0


def _per_cluster_queries() -> dict[str, object]:
    """Every public function of app.queries that takes a cluster id."""
    return {
        name: fn
        for name, fn in inspect.getmembers(queries, inspect.isfunction)
        if not name.startswith("_")
        and fn.__module__ == queries.__name__
        and "cluster_id" in inspect.signature(fn).parameters
    }


def test_the_extract_really_holds_every_row_of_the_hidden_cluster(con):
    for table in ("attributions", "suspects", "cluster_timeseries"):
        n = con.execute(f"select count(*) from {table} where cluster_id = ?", [HIDDEN]).fetchone()
        assert n[0] > 0, table
    n_text = con.execute(
        "select count(*) from reports where cluster_id = ? and comment_redacted is not null",
        [HIDDEN],
    ).fetchone()[0]
    assert n_text == 12


def test_every_per_cluster_query_returns_nothing_for_it(con):
    found = _per_cluster_queries()
    # The queries this test was written against; a new one is covered by the loop below.
    assert set(found) >= {
        "cluster", "rate_series", "suspects", "attributions", "pool_by_hour",
        "reports_per_user", "symptoms_of", "examples",
    }  # fmt: skip
    for name, fn in sorted(found.items()):
        assert _is_empty(fn(con, HIDDEN)), name


@pytest.mark.parametrize(
    "name",
    ["cluster", "rate_series", "suspects", "attributions", "pool_by_hour", "reports_per_user",
     "symptoms_of", "examples"],
)  # fmt: skip
def test_the_published_twin_is_returned(con, name):
    assert not _is_empty(getattr(queries, name)(con, TWIN))


def test_overview_and_cluster_list_skip_it_but_count_it(con):
    ids = set(queries.overview(con)["cluster_id"])
    assert TWIN in ids and HIDDEN not in ids
    ids = set(queries.overview(con, order="size")["cluster_id"])
    assert TWIN in ids and HIDDEN not in ids
    ids = set(queries.published_clusters(con)["cluster_id"])
    assert TWIN in ids and HIDDEN not in ids
    assert queries.unpublished_counts(con) == {"clusters": 1, "reports": 12, "users": 6}


@pytest.mark.parametrize("baseline", ["reports", "traffic"])
@pytest.mark.parametrize("dimension", ["server_pool", "sampler_build", "hardware"])
def test_lift_matrix_skips_it(con, baseline, dimension):
    ids = set(queries.lift_matrix(con, dimension, baseline=baseline)["cluster_id"])
    assert TWIN in ids and HIDDEN not in ids


def test_before_after_comparison_skips_it(con):
    for pivot_hour, hours in ((30, 24), (40, 72), (0, 200)):
        df = queries.compare_windows(con, crafted.hour(pivot_hour), hours=hours)
        ids = set(df["cluster_id"])
        assert TWIN in ids and HIDDEN not in ids, pivot_hour
        twin = df.set_index("cluster_id").loc[TWIN]
        assert twin["reports_before"] + twin["reports_after"] > 0
    # Nor can its counts leak through the totals of the published ones.
    df = queries.compare_windows(con, crafted.hour(40), hours=72).set_index("cluster_id")
    assert df["reports_before"].sum() + df["reports_after"].sum() == 12


def test_deploy_choices_carry_no_score_of_it(con):
    # c3's suspects score half of c1's: the best score shown must be c3's.
    df = queries.deploy_choices(con).set_index("deploy_id")
    assert df.loc["smp-new", "score"] == pytest.approx(1.5)
    assert df.loc["rel-1", "score"] == pytest.approx(0.25)


def test_nothing_but_the_change_log_without_any_published_cluster(db, tmp_path):
    import duckdb

    copy = tmp_path / "triage.duckdb"
    copy.write_bytes(Path(db).read_bytes())
    w = duckdb.connect(str(copy))
    w.execute("update clusters set published = false where cluster_id <> 'c2'")
    w.close()
    c = queries.connect(copy)
    try:
        df = queries.deploy_choices(c)
        # rel-1 is named only by the suspects table: it must vanish; smp-new stays as a
        # change-log entry with score 0.
        assert set(df["deploy_id"]) == {"smp-new"}
        assert df["score"].tolist() == [0.0]
        assert queries.compare_windows(c, crafted.hour(40), hours=72).empty
        assert set(queries.overview(c)["cluster_id"]) == {"c2"}
        for name, fn in sorted(_per_cluster_queries().items()):
            assert _is_empty(fn(c, TWIN)), name
    finally:
        c.close()
