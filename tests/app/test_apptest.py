"""Every page and filter of the dashboard through Streamlit's AppTest, on the real extract."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

import app
from app import queries
from joins.schemas import CONTRACT_VERSION
from tests.app.conftest import copy_extract

ENTRY = str(Path(app.__file__).resolve().parent / "main.py")
PAGES = ["findings", "overview", "cluster", "explore", "health"]


def _app(monkeypatch, db: Path, page: str = "overview") -> AppTest:
    """The app on ``page`` (a slug of app.main.PAGES), opened by its ``?page=`` deep link."""
    monkeypatch.setenv("TRIAGE_EXTRACT", str(db))
    at = AppTest.from_file(ENTRY, default_timeout=120)
    at.query_params["page"] = page
    return at.run()


def _ok(at: AppTest) -> None:
    assert not at.exception, f"{len(at.exception)} exception boxes"
    assert not at.error or all("audit" in e.value for e in at.error), f"{len(at.error)} error boxes"


def _df(at: AppTest, column: str):
    """The first dataframe on the page with ``column`` (AppTest does not keep their keys)."""
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no dataframe with a {column!r} column among {len(at.dataframe)}")


def _texts(at: AppTest) -> str:
    """Every markdown, caption, title, header, alert and metric text of the page."""
    parts = []
    for kind in ("markdown", "caption", "title", "subheader", "error", "warning", "info"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(parts)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(monkeypatch, extract_db, con, page):
    at = _app(monkeypatch, extract_db, page)
    _ok(at)
    titles = [t.value for t in at.title]
    if page == "findings":
        assert titles[0] == "What broke"
        if queries.has_findings(con):
            assert len(_df(at, "where")) == len(queries.findings(con))
        else:  # an extract of the pipeline before findings: the clusters view instead
            assert any("no findings table" in w.value for w in at.warning)
            assert len(_df(at, "status")) == len(queries.overview(con))
    elif page == "overview":
        assert titles == ["Clusters"]
        table = _df(at, "status")
        assert len(table) == len(queries.overview(con))
        assert {m.label for m in at.metric} >= {"Reports", "Users", "New", "Growing"}
    elif page == "cluster":
        first = queries.published_clusters(con).iloc[0]
        assert titles == [first["label"]]
        assert len(at.get("vega_lite_chart")) >= 3  # rate, lift bars, heatmap
    elif page == "explore":
        assert titles == ["Explore"] and len(at.get("vega_lite_chart")) >= 2
    else:
        assert titles == ["Run health"]
        run = queries.runs(con).iloc[0]
        assert at.metric[0].value == f"{run['reports_in']:,}"
        assert _df(at, "run_id")["run_id"].iloc[0] == run["run_id"]


def test_overview_each_filter(monkeypatch, extract_db, con):
    at = _app(monkeypatch, extract_db)
    for name in queries.FILTER_COLUMNS:
        value = queries.distinct_values(con, name)[0]
        at.sidebar.multiselect(key=f"f_{name}").set_value([value]).run()
        _ok(at)
        want = queries.overview(con, queries.Filters(**{name: (value,)}))
        got = _df(at, "status")
        assert list(got["reports"]) == list(want["reports"]), name
        at.sidebar.multiselect(key=f"f_{name}").set_value([]).run()
    first, last = queries.time_bounds(con)
    lo, hi = first.replace(tzinfo=None), last.replace(tzinfo=None)
    at.sidebar.slider(key="f_time").set_value((lo + timedelta(days=24), hi)).run()
    _ok(at)
    want = queries.overview(con, queries.Filters(start=first + timedelta(days=24), end=last))
    assert list(_df(at, "status")["reports"]) == list(want["reports"])
    at.sidebar.radio(key="ov_order").set_value("size").run()
    users = list(_df(at, "status")["users"])
    assert users == sorted(users, reverse=True)
    at.sidebar.selectbox(key="ov_recent").set_value("last 24 h").run()
    _ok(at)


def test_overview_marks_new_clusters(monkeypatch, extract_db, con):
    regular = con.execute(
        "select cluster_id, label, first_seen from clusters where published "
        "and not is_background order by first_seen desc, cluster_id limit 1"
    ).fetchone()
    first, _ = queries.time_bounds(con)
    at = _app(monkeypatch, extract_db)
    end = (regular[2] + timedelta(hours=24)).replace(tzinfo=None)
    at.sidebar.slider(key="f_time").set_value((first.replace(tzinfo=None), end)).run()
    _ok(at)
    table = _df(at, "status")
    assert table["status"].iloc[0] in ("NEW", "GROWING")
    assert "NEW" in set(table[table["label"] == regular[1]]["status"])
    assert any(regular[1] in e.value for e in at.warning)  # the call-out for a new cluster


def test_open_cluster_from_overview(monkeypatch, extract_db, con):
    at = _app(monkeypatch, extract_db)
    ids = list(queries.overview(con)["cluster_id"])
    target = ids[-1]
    at.selectbox(key="ov_open_pick").set_value(target).run()
    at.button(key="ov_open").click().run()
    _ok(at)
    assert not at.warning, "a widget-state warning box is shown"
    assert at.title[0].value == queries.cluster(con, target)["label"]


def test_cluster_page_every_cluster_and_symptom(monkeypatch, extract_db, con):
    at = _app(monkeypatch, extract_db, "cluster")
    clusters = queries.published_clusters(con)
    seen_mark = False
    for cid, label in zip(clusters["cluster_id"], clusters["label"], strict=True):
        at.sidebar.selectbox(key="cl_pick").set_value(cid).run()
        _ok(at)
        assert at.title[0].value == label
        # One symptom per cluster keeps this quick; the count check shows the filter works.
        for symptom in queries.symptoms_of(con, cid)[-1:]:
            at.selectbox(key="cl_symptom").set_value(symptom).run()
            _ok(at)
            html = [m.value for m in at.markdown if "report-field" in m.value]
            want = queries.examples(con, cid, symptom=symptom, limit=5)
            assert len(html) == sum(
                bool(r["comment_redacted"]) + bool(r["response_redacted"]) for r in want
            )
            seen_mark |= any(f'data-symptom="{symptom}"' in h for h in html)
        at.selectbox(key="cl_symptom").set_value("any").run()
    assert seen_mark, "no example showed highlighted evidence"


def test_explore_every_dimension_baseline_and_pivot(monkeypatch, extract_db, con):
    at = _app(monkeypatch, extract_db, "explore")
    for baseline in ("traffic share (pipeline attributions)", "share of all reports (every pair)"):
        at.radio(key="ex_base").set_value(baseline).run()
        for dim in queries.dimensions(con):
            at.selectbox(key="ex_dim").set_value(dim).run()
            _ok(at)
    grid = at.dataframe[0].value
    want = queries.lift_matrix(con, queries.dimensions(con)[-1])
    assert set(grid.columns) == set(want["value"])
    at.selectbox(key="ex_pivot").set_value("custom time").run()
    _ok(at)
    deploy = queries.deploy_choices(con)["deploy_id"].iloc[-1]
    at.selectbox(key="ex_pivot").set_value(deploy).run()
    at.slider(key="ex_hours").set_value(24).run()
    _ok(at)
    pivot = queries.deploy_choices(con).set_index("deploy_id").loc[deploy, "started_at"]
    want = queries.compare_windows(con, pivot.to_pydatetime(), hours=24)
    assert list(_df(at, "reports_after")["reports_after"]) == list(want["reports_after"])


def test_missing_extract_shows_a_message(monkeypatch, tmp_path):
    for page in PAGES:
        at = _app(monkeypatch, tmp_path / "none" / "triage.duckdb", page)
        assert not at.exception
        assert len(at.error) == 1 and "does not exist" in at.error[0].value


def test_old_contract_shows_a_message(monkeypatch, extract_db, tmp_path):
    db = copy_extract(extract_db, tmp_path)
    w = duckdb.connect(str(db))
    w.execute("update runs set contract_version = '0'")
    w.close()
    at = _app(monkeypatch, db)
    assert not at.exception
    assert len(at.error) == 1 and f"reads version '{CONTRACT_VERSION}'" in at.error[0].value


def test_reloads_when_a_new_extract_is_swapped_in(monkeypatch, extract_db, tmp_path):
    live = tmp_path / "out" / "triage.duckdb"
    at = _app(monkeypatch, live, "health")
    assert "does not exist" in at.error[0].value  # not built yet
    copy_extract(extract_db, live.parent)
    at.run()
    _ok(at)
    old = _df(at, "run_id")["run_id"].iloc[0]
    new = copy_extract(extract_db, tmp_path / "staging")
    w = duckdb.connect(str(new))
    w.execute("update runs set run_id = 'run-swapped-in'")
    w.close()
    os.replace(new, live)
    at.run()
    _ok(at)
    assert old != "run-swapped-in"
    assert _df(at, "run_id")["run_id"].iloc[0] == "run-swapped-in"


def test_unpublished_cluster_is_only_counted(monkeypatch, hidden_copy):
    db, cid, label = hidden_copy
    for page in PAGES:
        monkeypatch.setenv("TRIAGE_EXTRACT", str(db))
        at = AppTest.from_file(ENTRY, default_timeout=120)
        at.query_params["page"] = page
        at.query_params["cluster"] = cid
        at.run()
        _ok(at)
        text = _texts(at)
        assert f"({cid})" not in text and "unpublished" not in text
        for sb in at.selectbox:
            assert cid not in sb.options and f"({cid})" not in " ".join(sb.options)
        for df in at.dataframe:
            value = df.value
            for col in ("label", "cluster_id"):
                if col in value.columns:
                    assert cid not in set(value[col]) and "unpublished" not in set(value[col])
            assert "unpublished" not in set(value.index.astype(str))
        if page in ("overview", "findings"):
            assert "1 more clusters are below the publication threshold" in text
