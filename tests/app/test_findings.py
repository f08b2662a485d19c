"""The findings page (the dashboard's first) and its queries, on a crafted extract.

The crafted extract (tests/app/conftest.py `write_findings_extract`) has five visible findings
in a known order, a run-wide one about fewer than K users and one of an unpublished cluster
c3 whose rows (text, attribution, finding) the extract should not have kept: neither may ever
show. Fast: no pipeline run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import app
from app import charts, queries
from tests.app.conftest import (
    CRAFTED_FINDINGS,
    CRAFTED_ORDER,
    CRAFTED_SERIES,
    HIDDEN_CLUSTER,
    HIDDEN_TEXT,
)
from tests.extract import crafted

ENTRY = str(Path(app.__file__).resolve().parent / "main.py")
HIDDEN_FINDINGS = {"f-hidden-run", "f-hidden-c3"}


@pytest.fixture()
def fcon(findings_db):
    c = queries.connect(findings_db)
    yield c
    c.close()


def _app(monkeypatch, db: Path, **params: str) -> AppTest:
    monkeypatch.setenv("TRIAGE_EXTRACT", str(db))
    at = AppTest.from_file(ENTRY, default_timeout=120)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception][:1]
    assert not at.error, [e.value for e in at.error][:1]


def _links(at: AppTest) -> list[tuple[str, str, str]]:
    """(page url path, query string, label) of every st.page_link on the page."""
    return [(p.proto.page, p.proto.query_string, p.value) for p in at.get("page_link")]


def _everything(at: AppTest) -> str:
    """Every text, option, link and table cell of the page, for leak checks."""
    parts = []
    for kind in ("markdown", "caption", "title", "subheader", "warning", "info", "metric"):
        parts += [str(getattr(e, "value", "")) + str(getattr(e, "label", "")) for e in at.get(kind)]
    parts += [" ".join(map(str, sb.options)) for sb in at.selectbox]
    parts += [f"{p} {q} {label}" for p, q, label in _links(at)]
    for df in at.dataframe:
        parts.append(df.value.to_csv())
    for chart in at.get("vega_lite_chart"):
        parts.append(chart.proto.spec + chart.proto.datasets.__repr__())
    return "\n".join(parts)


# --- queries ---------------------------------------------------------------------------


def test_findings_ranked_by_confidence_then_impact(fcon):
    df = queries.findings(fcon)
    assert list(df["finding_id"]) == CRAFTED_ORDER
    assert list(df["position"]) == list(range(1, len(CRAFTED_ORDER) + 1))
    conf = list(df["confident"])
    assert conf == sorted(conf, reverse=True)  # every confident one before any other
    # f-run-model has more users (9) than every confident finding no cluster holds:
    # confidence comes first.
    own = df.confident & df.restates.isna()
    assert df.set_index("finding_id").loc["f-run-model", "users"] > df["users"][own].max()
    row = df.set_index("finding_id").loc["f-c1-build"]
    assert row["label"] == "foreign script" and row["deploy_component"] == "sampler"
    assert row["deploy_started_at"] is not None


def test_a_run_wide_finding_a_cluster_finding_holds_comes_after_the_others(fcon):
    df = queries.findings(fcon).set_index("finding_id")
    restating = df.loc["f-run-restates"]
    assert restating["restates"] == "f-c1-build" and restating["confident"]
    own = df[df.confident & df.restates.isna()]
    assert restating["users"] > own["users"].max()  # impact alone would put it first
    assert restating["position"] == own["position"].max() + 1


def test_hidden_findings_never_returned(fcon):
    assert not HIDDEN_FINDINGS & set(queries.findings(fcon)["finding_id"])
    for fid in HIDDEN_FINDINGS:
        assert queries.finding(fcon, fid) is None
        assert queries.finding_series(fcon, fid).empty
        assert queries.finding_clusters(fcon, fid).empty
        assert queries.finding_examples(fcon, fid) == []
    assert queries.cluster_findings(fcon, HIDDEN_CLUSTER).empty
    # The fixture really holds them (so the filter, not missing rows, hides them).
    n = fcon.execute("select count(*) from findings where finding_id like 'f-hidden%'").fetchone()
    assert n[0] == 2


def test_finding_clusters_show_published_ones_and_count_the_rest(fcon):
    where = queries.finding_clusters(fcon, "f-run-model")
    named = where[where["cluster_id"].notna()]
    assert list(named["cluster_id"]) == ["c1", "c2"]
    assert list(named["reports"]) == [12, 7]
    rest = where[where["cluster_id"].isna()]
    assert list(rest["reports"]) == [4] and rest["label"].isna().all()  # c3: counts only
    assert HIDDEN_CLUSTER not in set(where["cluster_id"].dropna())


def test_finding_series_and_examples_follow_its_value_and_cluster(fcon):
    s = queries.finding_series(fcon, "f-c1-build")
    first, last = queries.time_bounds(fcon)
    assert len(s) == int((last - first).total_seconds() // 3600) + 1
    assert s["reports"].sum() == 12
    onset_hour = CRAFTED_FINDINGS["f-c1-build"][4]
    assert s.loc[s["reports"] > 0, "hour"].min() == crafted.hour(onset_hour)
    combo = queries.finding_series(fcon, "f-c1-combo")
    assert combo["reports"].sum() == 12 and combo["requests"].isna().all()
    assert queries.finding_series(fcon, "f-run-pool")["reports"].sum() == 7
    ex = queries.finding_examples(fcon, "f-run-model", limit=50)
    assert ex and {r["cluster_id"] for r in ex} == {"c1"}  # c3's text never, c2 has none
    assert all(HIDDEN_TEXT not in (r["comment_redacted"] or "") for r in ex)


def test_the_pipelines_own_series_is_used_when_the_extract_has_one(fcon):
    if not queries.has_table(fcon, "finding_timeseries"):
        pytest.skip("the pipeline does not write finding_timeseries yet")
    s = queries.finding_series(fcon, "f-c1-build")
    h0, h1, requests = CRAFTED_SERIES["f-c1-build"]
    assert s["requests"].notna().sum() == len(range(h0, h1, 2))  # counted here: no traffic
    assert set(s["requests"].dropna()) == {requests}
    assert s["rate_per_million"].max() == pytest.approx(1e6 / requests)
    assert queries.finding_series(fcon, "f-hidden-c3").empty  # its rows exist, never shown


def test_optional_columns_reach_the_page(monkeypatch, findings_db, fcon):
    have = {n for n, _ in queries._columns(fcon, "findings")}
    if "folded" not in have:
        pytest.skip("the extract's findings have no folded column")
    assert queries.finding(fcon, "f-c1-build")["folded"] == ["server_pool = tpu-a"]
    at = _app(monkeypatch, findings_db)
    _ok(at)
    assert any("folded under it): server_pool = tpu-a" in c.value for c in at.caption)


# --- the page ----------------------------------------------------------------------------


def test_findings_page_leads_ranked_with_links(monkeypatch, findings_db):
    at = _app(monkeypatch, findings_db)  # the default page: no ?page= needed
    _ok(at)
    assert at.title[0].value == "What broke"
    table = next(d.value for d in at.dataframe if "where" in d.value.columns)
    assert list(table["finding_id"]) == CRAFTED_ORDER
    assert list(table["#"]) == list(range(1, len(CRAFTED_ORDER) + 1))
    assert table["where"].iloc[2] == "hardware = tpu & sampler_build = smp-new"
    cards = [m.value for m in at.markdown if m.value.startswith("**#")]
    assert [c.split("**")[1] for c in cards] == [f"#{i}" for i in range(1, 6)]
    assert "run-wide" in table["what"].iloc[0]  # run-wide findings show too
    links = _links(at)
    for fid in CRAFTED_ORDER[:5]:  # the cards: the first five
        assert ("", f"finding={fid}", "Series and evidence") in links
    assert ("cluster", "cluster=c1", "Open cluster") in links
    assert {m.label: m.value for m in at.metric}["Run-wide"] == "3"
    # The run-wide finding a cluster's finding holds says so and links to that finding.
    restating = [m.value for m in at.markdown if "those of a cluster's finding" in m.value]
    assert len(restating) == 1
    assert ("", "finding=f-c1-build", "The cluster's finding") in links
    isolates = [m.value for m in at.markdown if "no single cluster isolates it" in m.value]
    assert len(isolates) == 2  # f-run-pool and f-run-model


def test_finding_deep_link_opens_series_clusters_and_evidence(monkeypatch, findings_db):
    at = _app(monkeypatch, findings_db, finding="f-c1-build")
    _ok(at)
    assert at.selectbox(key="fi_pick").value == "f-c1-build"
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert specs, "no series chart"
    assert ("cluster", "cluster=c1") in {(p, q) for p, q, _ in _links(at)}
    assert ("explore", "pivot=smp-new") in {(p, q) for p, q, _ in _links(at)}
    html = [m.value for m in at.markdown if "report-field" in m.value]
    assert html and all("&lt;PERSON&gt;" in h for h in html)  # redacted, escaped
    at.selectbox(key="fi_pick").set_value("f-run-model").run()
    _ok(at)
    assert at.query_params["finding"] == "f-run-model"
    assert any("no published cluster" in c.value for c in at.caption)


def test_unpublished_cluster_never_shown_on_any_page(monkeypatch, findings_db):
    for page in ("findings", "overview", "cluster", "explore", "health"):
        at = _app(monkeypatch, findings_db, page=page, cluster=HIDDEN_CLUSTER)
        _ok(at)
        text = _everything(at)
        for secret in (HIDDEN_TEXT, "gpu-b", "f-hidden", "unpublished", f"({HIDDEN_CLUSTER})"):
            assert secret not in text, (page, secret)
    at = _app(monkeypatch, findings_db)
    for fid in CRAFTED_ORDER:  # every finding's details
        at.selectbox(key="fi_pick").set_value(fid).run()
        _ok(at)
        text = _everything(at)
        assert HIDDEN_TEXT not in text and "cluster=c3" not in text and "gpu-b" not in text
    assert "1 more clusters are below the publication threshold" in _everything(at)


def test_older_extract_without_findings_falls_back_to_clusters(monkeypatch, no_findings_db):
    at = _app(monkeypatch, no_findings_db)
    _ok(at)
    assert any("no findings table" in w.value for w in at.warning)
    assert [t.value for t in at.title] == ["What broke", "Clusters"]
    table = next(d.value for d in at.dataframe if "status" in d.value.columns)
    assert set(table["label"]) == {"foreign script", "background"}
    at = _app(monkeypatch, no_findings_db, page="cluster", cluster="c1")
    _ok(at)
    assert "Findings: what explains it" not in [s.value for s in at.subheader]


def test_cluster_page_lists_its_findings_in_rank_order(monkeypatch, findings_db):
    at = _app(monkeypatch, findings_db, page="cluster", cluster="c1")
    _ok(at)
    assert at.title[0].value == "foreign script"
    found = [q for p, q, _ in _links(at) if q.startswith("finding=")]
    assert found == ["finding=f-c1-build", "finding=f-c1-combo", "finding=f-c1-region"]


def test_links_between_pages_switch_the_cluster(monkeypatch, findings_db):
    at = _app(monkeypatch, findings_db, page="cluster", cluster="c2")
    _ok(at)
    assert at.title[0].value == "background"
    at.query_params["cluster"] = "c1"  # as a followed link would set it
    at.run()
    assert at.title[0].value == "foreign script"
    at.sidebar.selectbox(key="cl_pick").set_value("c2").run()  # the picker still rules
    assert at.title[0].value == "background"


# --- chart sizing --------------------------------------------------------------------------


def _grid(n_clusters: int, n_values: int, label_len: int = 30):
    import pandas as pd

    rows = []
    for c in range(n_clusters):
        label = (f"cluster {c:02d} " + "the reply switched to another script " * 5)[:label_len]
        for v in range(n_values):
            rows.append(
                {
                    "cluster_id": f"c{c}",
                    "label": label,
                    "value": f"pool-{v:02d}",
                    "reports": 1 + v,
                    "lift": 0.5 + (c + v) % 4,
                }
            )
    return pd.DataFrame(rows)


def test_heatmap_height_grows_with_rows_and_labels_stay_distinct():
    small = charts.lift_heatmap(_grid(3, 4), "server_pool").to_dict()
    big = charts.lift_heatmap(_grid(40, 30), "server_pool").to_dict()
    assert small["height"] == charts.rows_height(3) >= 120
    assert big["height"] == 40 * charts.ROW_PX > small["height"]
    same = _grid(5, 3, label_len=200)  # one long label shared by 5 clusters when cut
    same["label"] = "the reply switched to another script " * 5
    spec = charts.lift_heatmap(same, "server_pool").to_dict()
    data = next(iter(spec["datasets"].values()))
    rows = {d["row"] for d in data}
    assert len(rows) == 5 and all(len(r) <= charts.LABEL_CHARS + 3 for r in rows)
    assert {d["label"] for d in data} == {same["label"].iloc[0]}  # full label in the tooltip
    # 30 pools x 30 px do not fit beside the labels: the chart keeps its own width.
    assert big["width"] == 30 * charts.COL_PX and "width" not in small
    # The height is the plot's own: only the width fits the page ("fit" would squeeze the
    # slanted pool names into it and leave a thin strip).
    assert small["autosize"]["type"] == "fit-x" and big["autosize"]["type"] == "pad"


def test_explore_heatmap_sized_to_its_clusters(monkeypatch, findings_db, fcon):
    at = _app(monkeypatch, findings_db, page="explore")
    _ok(at)
    grid = queries.lift_matrix(fcon, "server_pool")
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["height"] == charts.rows_height(grid["cluster_id"].nunique())
