"""The publication rule at its boundary: K distinct users publish a cluster, K - 1 do not.

Fast (no models): `build_tables` on hand-made records. Report counts are well above K in
both clusters, so only the count of distinct *users* can decide, and both clusters get the
same strong routing signal, so the published one visibly gets attributions, a series and a
suspect while the unpublished one keeps counts only.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from joins import schemas
from pipeline.run.attributed import UNPUBLISHED_LABEL, build_tables
from pipeline.run.epoch import HOUR_US, to_us

# Function-scoped fixtures on purpose: mutmut links a module-scoped fixture's work to the
# first test only, so the other tests would not run against mutants (bench/mutation.py).
T0 = datetime(2025, 8, 1, tzinfo=UTC)
H = 48
DIMS = ["server_pool"]
K = 5
SECRET_LABEL = "synthetic label that only a published cluster may show"


def _traffic() -> pa.Table:
    """Constant hourly traffic: pool "big" 99%, pool "small" 1%."""
    rows = [
        {"hour": to_us(T0) + h * HOUR_US, "server_pool": pool, "requests": req}
        for h in range(H)
        for pool, req in (("big", 990_000), ("small", 10_000))
    ]
    return pa.table(
        {
            "hour": pa.array([r["hour"] for r in rows], pa.int64()).cast(schemas.UTC_TS),
            "server_pool": [r["server_pool"] for r in rows],
            "requests": pa.array([r["requests"] for r in rows], pa.int64()),
        }
    )


def _record(i: int, cluster: str, user: str, hour: int, pool: str) -> dict:
    """One joined report; every id and text is a made-up token (no personal data)."""
    return {
        "report_id": f"{cluster}-{i:03d}",
        "kind": "bug",
        "submitted_hour_us": to_us(T0) + hour * HOUR_US,
        "user_pseudonym": f"u_{user}",
        "session_pseudonym": f"s_{user}",
        "request_pseudonym": f"r_{cluster}{i}",
        "surface": "claude_code",
        "reported_model": "model-a",
        "comment_redacted": "synthetic comment: output switched script",
        "response_redacted": "synthetic response text",
        "tags": None,
        "symptoms": ["unexpected_script"] if cluster != "bg" else [],
        "symptom_evidence": "[]",
        "cluster_id": cluster,
        "joined": True,
        "server_pool": pool,
    }


def _records(n_users_at_k: int = K) -> list[dict]:
    recs = []
    # Background: 48 users spread over the run on the traffic's pools.
    for i in range(H):
        recs.append(_record(i, "bg", f"bg{i}", i, "small" if i % 40 == 0 else "big"))
    # Two bug clusters with the same signal (all on the small pool from hour 24), 20 reports
    # each: "at_k" has exactly K users, "below_k" has K - 1 users.
    for cluster, n_users in (("at_k", n_users_at_k), ("below_k", n_users_at_k - 1)):
        for i in range(20):
            recs.append(_record(i, cluster, f"{cluster}{i % n_users}", 24 + i, "small"))
    return recs


def _info() -> dict:
    return {
        "bg": {"label": "background", "is_background": True, "centroid": [1.0, 0.0]},
        "at_k": {"label": SECRET_LABEL, "is_background": False, "centroid": [0.0, 1.0]},
        "below_k": {"label": SECRET_LABEL, "is_background": False, "centroid": [0.6, 0.8]},
    }


def _deploys() -> list[dict]:
    return [
        {
            "deploy_id": "rel-small-2",
            "started_at": datetime(2025, 8, 1, 22, tzinfo=UTC),
            "finished_at": None,
            "component": "serving_release",
            "description": "synthetic release on the small pool",
            "server_pool": "small",
        }
    ]


@pytest.fixture()
def tables() -> dict[str, pa.Table]:
    return build_tables(_records(), _info(), _traffic(), _deploys(), DIMS, min_users=K)


def _clusters(tables) -> dict[str, dict]:
    return {r["cluster_id"]: r for r in tables["clusters"].to_pylist()}


def _ids(table: pa.Table) -> set[str]:
    return set(table.column("cluster_id").to_pylist())


def test_exactly_k_users_is_published_with_its_evidence(tables):
    c = _clusters(tables)["at_k"]
    assert (c["n_users"], c["n_reports"]) == (K, 20)
    assert c["published"] is True
    assert c["label"] == SECRET_LABEL and c["centroid"] is not None
    rows = [r for r in tables["reports"].to_pylist() if r["cluster_id"] == "at_k"]
    assert all(r["comment_redacted"] and r["response_redacted"] for r in rows)
    assert "at_k" in _ids(tables["attributions"])
    assert "at_k" in _ids(tables["cluster_timeseries"])
    assert "at_k" in _ids(tables["suspects"])
    found = [r for r in tables["findings"].to_pylist() if r["cluster_id"] == "at_k"]
    assert found, "the published cluster's cause is a finding"
    series = set(tables["finding_timeseries"].column("finding_id").to_pylist())
    assert {r["finding_id"] for r in found} <= series


def test_k_minus_one_users_keep_counts_only(tables):
    c = _clusters(tables)["below_k"]
    # Counts survive: they are what the dashboard's "unpublished" line shows.
    assert (c["n_users"], c["n_reports"], c["n_sessions"]) == (K - 1, 20, K - 1)
    assert c["published"] is False
    assert c["label"] == UNPUBLISHED_LABEL.format(k=K)
    assert SECRET_LABEL not in c["label"]
    assert c["centroid"] is None
    rows = [r for r in tables["reports"].to_pylist() if r["cluster_id"] == "below_k"]
    assert len(rows) == 20
    for r in rows:
        assert r["comment_redacted"] is None
        assert r["response_redacted"] is None
        assert r["symptom_evidence"] is None
    for name in ("attributions", "cluster_timeseries", "suspects", "findings"):
        assert "below_k" not in _ids(tables[name]), name
    # nor may a run-wide finding (cluster_id null) name it among its clusters
    assert all("below_k" not in (r["clusters"] or []) for r in tables["findings"].to_pylist())


def test_the_boundary_moves_with_k():
    """K is the argument, not a constant: with K = 4 the 4-user cluster publishes, and with
    K = 6 the 5-user one does not."""
    recs = _records()
    for k, published in ((K - 1, {"at_k", "below_k"}), (K + 1, set())):
        out = build_tables([dict(r) for r in recs], _info(), _traffic(), _deploys(), DIMS, k)
        got = {r["cluster_id"] for r in out["clusters"].to_pylist() if r["published"]}
        assert got - {"bg"} == published, k
        labels = {r["cluster_id"]: r["label"] for r in out["clusters"].to_pylist()}
        for cid in {"at_k", "below_k"} - published:
            assert labels[cid] == UNPUBLISHED_LABEL.format(k=k)
    # The contract's default K is 5.
    out = build_tables([dict(r) for r in recs], _info(), _traffic(), _deploys(), DIMS)
    got = {r["cluster_id"] for r in out["clusters"].to_pylist() if r["published"]}
    assert got == {"bg", "at_k"}
