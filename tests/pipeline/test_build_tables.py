"""`build_tables` fills every column of `clusters` and passes traffic on (fast, no models).

The publication boundary has its own tests (test_publication_boundary.py); these pin the
rest of what the extract's clusters row promises: first/last seen (and a previous run's
onset), top symptoms (at least 20% of reports, most common first, at most three), sessions
(the user when a report has none), the background flag, the sticky columns, and that the
attribution and the hourly series are computed against traffic. Function-scoped fixtures
(see test_publication_boundary.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from joins import schemas, sticky_concentration
from pipeline.run.attributed import build_tables
from tests.pipeline.test_publication_boundary import DIMS, T0, _deploys, _info, _record, _traffic

# Symptoms of the 20 "at_k" reports: a 10, b 6, c 4 and d 4 (exactly 20% each, c first), e 1:
# four qualify, three are kept.
SYMPTOMS = (
    [["a", "b", "c"]] * 3 + [["a", "b", "d"]] * 3 + [["a", "c"]] * 1 + [["a", "d"]]
    + [["a"]] * 2 + [["e"]] + [[]] * 9
)  # fmt: skip


def _records() -> list[dict]:
    recs = [_record(i, "bg", f"bg{i}", i, "small" if i % 40 == 0 else "big") for i in range(48)]
    for i in range(20):
        # hours 24-43 out of report-id order, so first/last are a min and a max
        r = _record(i, "at_k", f"k{i % 6}", 24 + (i * 7) % 20, "small")
        r["symptoms"] = SYMPTOMS[i]
        if i % 6 in (0, 1):
            r["session_pseudonym"] = None  # counts as the user's own session: two of them
        recs.append(r)
    recs[0]["symptoms"] = None  # None becomes []
    return recs


@pytest.fixture()
def out() -> dict[str, pa.Table]:
    return build_tables(_records(), _info(), _traffic(), _deploys(), DIMS, min_users=5)


def test_clusters_row_holds_what_the_contract_promises(out):
    c = {r["cluster_id"]: r for r in out["clusters"].to_pylist()}
    k = c["at_k"]
    assert k["first_seen"] == datetime(2025, 8, 2, 0, tzinfo=UTC)  # hour 24
    assert k["last_seen"] == datetime(2025, 8, 2, 19, tzinfo=UTC)  # hour 43
    assert k["top_symptoms"] == ["a", "b", "c"]
    assert (k["n_users"], k["n_sessions"], k["n_reports"]) == (6, 6, 20)
    assert k["is_background"] is False and c["bg"]["is_background"] is True
    assert c["bg"]["top_symptoms"] == [] and c["bg"]["first_seen"] == T0
    assert c["bg"]["label"] == "background" and k["centroid"] == pytest.approx([0.0, 1.0])
    sticky = {r["cluster_id"]: r for r in sticky_concentration(out["reports"]).to_pylist()}
    for cid in ("at_k", "bg"):
        assert c[cid]["sticky_concentration"] == pytest.approx(sticky[cid]["sticky_concentration"])
        assert c[cid]["sticky_flag"] == sticky[cid]["sticky_flag"]
    assert out["clusters"].schema == schemas.CLUSTERS


def test_a_cluster_without_info_gets_a_plain_label_and_is_not_background():
    info = _info()
    del info["at_k"]
    got = build_tables(_records(), info, _traffic(), _deploys(), DIMS, min_users=5)
    k = {r["cluster_id"]: r for r in got["clusters"].to_pylist()}["at_k"]
    assert k["label"] == "cluster at_k" and k["is_background"] is False
    assert k["published"] is True and k["centroid"] is None
    assert "at_k" in set(got["attributions"].column("cluster_id").to_pylist())


def test_top_symptoms_take_at_most_three_at_twenty_percent():
    recs = _records()
    for r in recs:
        if r["cluster_id"] == "at_k" and r["symptoms"] == ["a", "b", "c"]:
            r["symptoms"] = ["a", "b"]  # c drops to 1 of 20 (5%)
    got = build_tables(recs, _info(), _traffic(), _deploys(), DIMS, min_users=5)
    k = {r["cluster_id"]: r for r in got["clusters"].to_pylist()}["at_k"]
    assert k["top_symptoms"] == ["a", "b", "d"]  # d still at exactly 20%
    for r in recs:
        if r["cluster_id"] == "at_k" and r["symptoms"] == ["a", "d"]:
            r["symptoms"] = ["a"]  # d drops to 3 of 20 (15%)
    got = build_tables(recs, _info(), _traffic(), _deploys(), DIMS, min_users=5)
    k = {r["cluster_id"]: r for r in got["clusters"].to_pylist()}["at_k"]
    assert k["top_symptoms"] == ["a", "b"]


def test_a_previous_runs_onset_is_kept_only_when_earlier(out):
    earlier = {"at_k": datetime(2025, 7, 30, 5, tzinfo=UTC), "gone": T0}
    later = {"at_k": datetime(2025, 8, 3, tzinfo=UTC)}
    a = build_tables(_records(), _info(), _traffic(), _deploys(), DIMS, 5, earlier)
    b = build_tables(_records(), _info(), _traffic(), _deploys(), DIMS, 5, later)
    first = {r["cluster_id"]: r["first_seen"] for r in a["clusters"].to_pylist()}
    assert first["at_k"] == earlier["at_k"] and "gone" not in first
    first = {r["cluster_id"]: r["first_seen"] for r in b["clusters"].to_pylist()}
    assert first["at_k"] == datetime(2025, 8, 2, 0, tzinfo=UTC)


def test_reports_table_has_the_schema_and_lists(out):
    rep = out["reports"]
    assert rep.schema == schemas.reports_schema(DIMS)
    by_id = {r["report_id"]: r for r in rep.to_pylist()}
    assert by_id["bg-000"]["symptoms"] == []  # None in the record
    assert by_id["at_k-000"]["symptoms"] == ["a", "b", "c"]
    assert by_id["at_k-001"]["symptoms"] == ["a", "b", "c"]
    ids = rep.column("report_id").to_pylist()
    assert ids == sorted(ids)  # sorted by report id, whatever the input order
    assert by_id["bg-000"]["submitted_hour"] == T0
    assert rep.num_rows == 68


def test_attribution_and_series_use_traffic(out):
    att = out["attributions"].to_pylist()
    assert att and {r["baseline"] for r in att} == {"traffic"}
    small = [r for r in att if r["cluster_id"] == "at_k" and r["value"] == "small"][0]
    assert small["expected"] == pytest.approx(20 * 0.01)
    ts = [r for r in out["cluster_timeseries"].to_pylist() if r["cluster_id"] == "at_k"]
    assert ts and all(r["requests"] == 1_000_000 for r in ts)
    assert out["deploys"].schema == schemas.DEPLOYS
    assert out["deploys"].column("deploy_id").to_pylist() == ["rel-small-2"]
    th = out["traffic_hourly"]
    assert th.schema == schemas.TRAFFIC_HOURLY and th.num_rows == 48 * 2


def test_a_value_needs_two_users_to_be_tested():
    recs = _records()
    # 3 reports from one user on pool "solo", 3 reports from two users on pool "duo"
    for i, (user, pool) in enumerate([("k0", "solo")] * 3 + [("k1", "duo"), ("k2", "duo")] * 2):
        r = _record(100 + i, "at_k", user, 30, pool)
        recs.append(r)
    got = build_tables(recs, _info(), _traffic(), _deploys(), DIMS, min_users=5)
    values = {r["value"] for r in got["attributions"].to_pylist() if r["cluster_id"] == "at_k"}
    assert "duo" in values and "solo" not in values
