"""`n_sessions` of a cluster: distinct sessions, where a report without one (null or "")
counts as its user's own session.

The other clusters tests give every user one session, so counting users instead of sessions
passed them; mutation testing (bench/mutation.py) found it. Here one user has two sessions
and two users each send an empty session pseudonym, which must not merge them.
Function-scoped fixtures (see test_publication_boundary.py).
"""

from __future__ import annotations

from pipeline.run.attributed import build_tables
from tests.pipeline.test_publication_boundary import DIMS, _deploys, _info, _record, _traffic


def _records() -> list[dict]:
    recs = [_record(i, "bg", f"bg{i}", i, "big") for i in range(10)]
    sessions = [
        ("k0", "s_a"), ("k0", "s_b"),  # one user, two sessions
        ("k1", ""), ("k2", ""),  # empty pseudonyms: each the user's own session
        ("k3", None), ("k3", None),  # no session: the user's
        ("k4", "s_k4"), ("k4", "s_k4"),
    ]  # fmt: skip
    for i, (user, session) in enumerate(sessions * 2):
        r = _record(i, "at_k", user, 24 + i, "small")
        r["session_pseudonym"] = session
        recs.append(r)
    return recs


def test_sessions_are_counted_per_session_with_the_user_standing_in_for_none():
    out = build_tables(_records(), _info(), _traffic(), _deploys(), DIMS, min_users=5)
    k = {r["cluster_id"]: r for r in out["clusters"].to_pylist()}["at_k"]
    assert (k["n_reports"], k["n_users"]) == (16, 5)
    assert k["n_sessions"] == 6  # s_a, s_b, k1's, k2's, k3's, s_k4
