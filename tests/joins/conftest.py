"""Synthetic worlds for the joins tests: traffic per (hour, dimensions) and report tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pytest

T0 = dt.datetime(2025, 8, 1, tzinfo=dt.UTC)
TS = pa.timestamp("us", tz="UTC")


def hour(h: int) -> dt.datetime:
    return T0 + dt.timedelta(hours=int(h))


def traffic_table(
    hours: int, combos: Sequence[dict[str, str]], requests: Sequence[int]
) -> pa.Table:
    """Constant hourly traffic: one row per (hour, combination of dimension values)."""
    names = list(combos[0])
    cols: dict[str, list] = {"hour": [], **{n: [] for n in names}, "requests": []}
    for h in range(hours):
        for combo, req in zip(combos, requests, strict=True):
            cols["hour"].append(hour(h))
            for n in names:
                cols[n].append(combo[n])
            cols["requests"].append(int(req))
    return pa.table({k: pa.array(v, TS if k == "hour" else None) for k, v in cols.items()})


class ReportBuilder:
    """Accumulates synthetic reports; every id is a made-up token, never personal data."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.rows: dict[str, list] = {
            "cluster_id": [],
            "submitted_hour": [],
            "user_pseudonym": [],
            "session_pseudonym": [],
        }
        self._next_user = 0

    def add(
        self,
        cluster: str,
        n: int,
        values: dict[str, tuple[Sequence[str], Sequence[float]]],
        hours: tuple[int, int],
        *,
        user: str | None = None,
        session: str | None = None,
    ) -> ReportBuilder:
        """n reports of ``cluster``; each dimension drawn from (values, probabilities).

        ``user``/``session`` pin all n reports to one user/session (a sticky session);
        otherwise each report comes from a fresh user and session.
        """
        for _ in range(n):
            self.rows["cluster_id"].append(cluster)
            self.rows["submitted_hour"].append(hour(self.rng.integers(hours[0], hours[1])))
            if user is None:
                self._next_user += 1
                u, s = f"u{self._next_user}", f"s{self._next_user}"
            else:
                u, s = user, session or f"s-{user}"
            self.rows["user_pseudonym"].append(u)
            self.rows["session_pseudonym"].append(s)
            for dim, (vals, probs) in values.items():
                self.rows.setdefault(dim, []).append(str(self.rng.choice(vals, p=probs)))
        return self

    def table(self) -> pa.Table:
        return pa.table(
            {
                k: pa.array(v, TS if k == "submitted_hour" else pa.string())
                for k, v in self.rows.items()
            }  # fmt: skip
        )


@pytest.fixture
def builder():
    return ReportBuilder


@pytest.fixture
def make_traffic():
    return traffic_table
