"""`attribute` against a reference written from the definitions, on worlds built to differ.

The reference below recomputes every column of every row (singles and pairs) with plain
loops over the reports, straight from the module's documented definitions: the weighting of
a user by 1 / (their reports in the cluster), expected counts summed over the cluster's own
hours of each hour's traffic share (floor, pooled share for hours without traffic, values no
report has), the report-share baseline with add-half smoothing over the *other* clusters,
p = max(p_users, p_reports), score = min(score_users, score_reports), BH over the run, the
rank's tie-breaks (score to 9 digits, newer value, p, names) and the pair search.

The worlds are chosen so that shortcuts give different numbers: traffic that varies by hour
and has hours missing, traffic rows outside the reports' hours and of values no report has,
null dimension values on both sides, null users, users shared between clusters, one user
with many reports, a cluster with a null id, two values with identical evidence, a broken
pair. Mutation testing (bench/mutation.py) showed which of these the other tests left open.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict

import numpy as np
import pyarrow as pa
import pytest
from scipy import special, stats

from joins import attribute

# Function-scoped fixtures only: mutmut links a module-scoped fixture's work to the first
# test of the module (bench/mutation.py).

T0 = dt.datetime(2025, 8, 1, tzinfo=dt.UTC)
TS = pa.timestamp("us", tz="UTC")
I64_MIN = np.iinfo(np.int64).min
EPOCH_HOUR0 = int(T0.timestamp()) // 3600


def _tail(k: float, n: float, p: float) -> float:
    """P(X >= k), X ~ Bin(n, p), continuous in k and n (regularized incomplete beta)."""
    if k <= 0:
        return 1.0
    n = max(n, k)
    p = min(max(p, 0.0), 1.0)
    return float(special.betainc(k, n - k + 1.0, p))


def _score(o: float, n: float, e: float) -> float:
    cover = o / n if n > 0 else 0.0
    return max(cover * math.log((o + 1.0) / (e + 1.0)), 0.0)


# --------------------------------------------------------------------------------- reference


class Reference:
    """Plain-loop attribution of a list of report dicts against a list of traffic dicts."""

    def __init__(self, reports, traffic, dims, traffic_dims, **opts):
        self.dims = list(dims)
        self.opts = {
            "min_reports": 3, "min_users": 1, "max_pairs": 30, "per_dim": 3, "max_cand": 8,
            "margin": 0.2, "alpha": 0.01, **opts,
        }  # fmt: skip
        self.reports = [r for r in reports if r["cluster_id"] is not None]
        self.traffic = traffic
        self.traffic_dims = set(traffic_dims) if traffic is not None else set()
        self.clusters = sorted({r["cluster_id"] for r in self.reports})
        self.hours = sorted({r["hour"] for r in self.reports})
        # A report without a user is its own user; weights are per (cluster, user).
        for i, r in enumerate(self.reports):
            r["_user"] = r["user"] if r["user"] is not None else ("<none>", i)
        per = defaultdict(int)
        for r in self.reports:
            per[(r["cluster_id"], r["_user"])] += 1
        for r in self.reports:
            r["_w"] = 1.0 / per[(r["cluster_id"], r["_user"])]

    def vocab(self, dims):
        return sorted({tuple(r[d] for d in dims) for r in self.reports if self._joined(r, dims)})

    @staticmethod
    def _joined(r, dims):
        return all(r[d] is not None for d in dims)

    def first_seen(self, d, value):
        if d in self.traffic_dims:
            hs = [t["hour"] for t in self.traffic if t[d] == value and (t["requests"] or 0) > 0]
            return min(hs) if hs else I64_MIN
        return min(r["hour"] for r in self.reports if r[d] == value)

    def shares(self, dims):
        """{hour: {combo: share}} for every report hour, or None (use the report baseline)."""
        vocab = self.vocab(dims)
        if self.traffic is None or not all(d in self.traffic_dims for d in dims) or not vocab:
            return None
        rows = [t for t in self.traffic if all(t[d] is not None for d in dims)]
        if sum((t["requests"] or 0) for t in rows) <= 0:
            return None
        pooled, pooled_total = defaultdict(float), 0.0
        for t in rows:
            pooled[tuple(t[d] for d in dims)] += t["requests"] or 0
            pooled_total += t["requests"] or 0
        out = {}
        for h in self.hours:
            in_h = [t for t in rows if t["hour"] == h]
            total = sum((t["requests"] or 0) for t in in_h)
            if total <= 0:
                out[h] = {v: max(pooled[v], 0.5) / pooled_total for v in vocab}
                continue
            cnt = defaultdict(float)
            for t in in_h:
                cnt[tuple(t[d] for d in dims)] += t["requests"] or 0
            out[h] = {v: max(cnt[v], 0.5) / total for v in vocab}
        return out

    def cells(self, dims):
        """{(cluster, combo): row numbers} for every combination a cluster has, + baseline."""
        vocab = self.vocab(dims)
        share = self.shares(dims)
        baseline = "traffic" if share is not None else "reports"
        if share is None:
            counts = {c: defaultdict(int) for c in self.clusters}
            for r in self.reports:
                if self._joined(r, dims):
                    counts[r["cluster_id"]][tuple(r[d] for d in dims)] += 1
            total = defaultdict(int)
            for c in self.clusters:
                for v, n in counts[c].items():
                    total[v] += n
            share_c = {}
            for c in self.clusters:
                others = {v: total[v] - counts[c][v] for v in vocab}
                if sum(others.values()) == 0:
                    others = dict(total)
                s = sum(others.values())
                share_c[c] = {v: (others[v] + 0.5) / (s + 0.5 * len(vocab)) for v in vocab}
        out = {}
        for c in self.clusters:
            mine = [r for r in self.reports if r["cluster_id"] == c and self._joined(r, dims)]
            n = float(len(mine))
            n_w = sum(r["_w"] for r in mine)
            for v in vocab:
                hit = [r for r in mine if tuple(r[d] for d in dims) == v]
                if share is not None:
                    e = sum(share[r["hour"]][v] for r in mine)
                    e_w = sum(r["_w"] * share[r["hour"]][v] for r in mine)
                else:
                    e, e_w = n * share_c[c][v], n_w * share_c[c][v]
                o, o_w = float(len(hit)), sum(r["_w"] for r in hit)
                out[(c, v)] = {
                    "reports": len(hit),
                    "users": len({r["_user"] for r in hit}),
                    "expected": e,
                    "lift": o / e if e > 0 else math.inf,
                    "p_value": max(
                        _tail(o_w, n_w, e_w / n_w if n_w > 0 else 0.0),
                        _tail(o, n, e / n if n > 0 else 0.0),
                    ),
                    "score": min(_score(o_w, n_w, e_w), _score(o, n, e)),
                    "user_equivalent": o_w,
                    "expected_users": e_w,
                }
        return out, vocab, baseline

    def _row(self, c, dims, v, st, baseline):
        new = max(self.first_seen(d, x) for d, x in zip(dims, v, strict=True))
        return {
            "cluster_id": c, "dimension": " & ".join(dims), "value": " & ".join(v),
            "baseline": baseline, "_new": new, **st,
        }  # fmt: skip

    def rows(self):
        o = self.opts
        rows, singles = [], {}
        for d in self.dims:
            cells, vocab, baseline = self.cells([d])
            singles[d] = cells
            for (c, v), st in cells.items():
                if st["reports"] >= o["min_reports"] and st["users"] >= o["min_users"]:
                    rows.append(self._row(c, [d], v, st, baseline))
        rows += self.pairs(singles)
        if not rows:
            return []
        q = stats.false_discovery_control([r["p_value"] for r in rows], method="bh")
        for r, qq in zip(rows, q, strict=True):
            r["q_value"] = float(qq)
        by_cluster = defaultdict(list)
        for r in rows:
            by_cluster[r["cluster_id"]].append(r)
        out = []
        for c in sorted(by_cluster):
            group = sorted(
                by_cluster[c],
                key=lambda r: (-float(f"{r['score']:.9g}"), -r["_new"], r["p_value"],
                               r["dimension"], r["value"]),
            )  # fmt: skip
            for rank, r in enumerate(group, 1):
                r["rank"] = rank
                out.append(r)
        return out

    def pairs(self, singles):
        o = self.opts
        wanted = defaultdict(set)
        part_score, best_single = {}, {}
        for c in self.clusters:
            cands = []
            for d in self.dims:
                vals = [v for (cc, v) in singles[d] if cc == c]  # sorted vocabulary order
                scored = [(singles[d][(c, v)]["score"], i, v) for i, v in enumerate(vals)]
                best_single[c] = max([best_single.get(c, 0.0)] + [s for s, _, _ in scored])
                ok = [
                    (s, i, v) for s, i, v in scored
                    if singles[d][(c, v)]["reports"] >= o["min_reports"]
                    and singles[d][(c, v)]["reports"] > singles[d][(c, v)]["expected"]
                ]  # fmt: skip
                ok.sort(key=lambda t: (-t[0], t[1]))
                for s, i, v in ok[: o["per_dim"]]:
                    cands.append((s, d, i, v))
                    part_score[(c, d, v)] = s
            cands.sort(key=lambda t: (-t[0], self.dims.index(t[1]), t[2]))
            cands = cands[: o["max_cand"]]
            combos = [(a, b) for a, b in itertools.combinations(cands, 2) if a[1] != b[1]]
            combos.sort(key=lambda ab: -(ab[0][0] * ab[1][0]))
            for a, b in combos[: o["max_pairs"]]:
                if self.dims.index(a[1]) > self.dims.index(b[1]):
                    a, b = b, a
                wanted[(a[1], b[1])].add((c, a[3], b[3]))
        out = []
        for (d1, d2), want in wanted.items():
            cells, _, baseline = self.cells([d1, d2])
            for c, v1, v2 in sorted(want):
                st = cells.get((c, v1 + v2))
                if st is None or st["reports"] == 0:
                    continue
                best = max(part_score[(c, d1, v1)], part_score[(c, d2, v2)], best_single[c])
                if st["score"] <= (1 + o["margin"]) * best or st["reports"] < o["min_reports"]:
                    continue
                if st["users"] < o["min_users"]:
                    continue
                p_within = 0.0
                for d, v in ((d1, v1), (d2, v2)):
                    part = singles[d][(c, v)]
                    po, pe = part["user_equivalent"], part["expected_users"]
                    p = 1.0 if po <= 0 or pe <= 0 else _tail(
                        st["user_equivalent"], po, min(st["expected_users"] / pe, 1.0)
                    )  # fmt: skip
                    p_within = max(p_within, p)
                if p_within < o["alpha"]:
                    out.append(self._row(c, [d1, d2], v1 + v2, st, baseline))
        return out


# ------------------------------------------------------------------------------------ worlds


def _table(report_rows, dims) -> pa.Table:
    return pa.table(
        {
            "cluster_id": pa.array([r["cluster_id"] for r in report_rows], pa.string()),
            "submitted_hour": pa.array(
                [
                    T0 + dt.timedelta(hours=r["hour"] - EPOCH_HOUR0, minutes=r["minute"])
                    for r in report_rows
                ],
                TS,
            ),  # fmt: skip
            "user_pseudonym": pa.array([r["user"] for r in report_rows], pa.string()),
            "report_id": pa.array([r["id"] for r in report_rows], pa.string()),
            **{d: pa.array([r[d] for r in report_rows], pa.string()) for d in dims},
        }
    )


def _traffic_table(rows, dims) -> pa.Table:
    return pa.table(
        {
            "hour": pa.array([T0 + dt.timedelta(hours=t["hour"] - EPOCH_HOUR0) for t in rows], TS),
            "requests": pa.array([t["requests"] for t in rows], pa.int64()),
            **{d: pa.array([t[d] for t in rows], pa.string()) for d in dims},
        }
    )


def _world(seed: int):
    """Reports and traffic for dimensions pool (in traffic), model (in traffic), tier (not)."""
    rng = np.random.default_rng(seed)
    H = 12
    pools, models, tiers = ["p1", "p2", "p3", "p4"], ["m1", "m2", "m3"], ["t1", "t2", "t3"]
    traffic = []
    for h in range(-2, H + 2):  # two hours before and after the reports: must not count
        if h in (3, 7):
            continue  # hours without traffic: the pooled share
        for p in [*pools, "p9", None]:  # p9: no report has it; None: not joined
            for m in models:
                req = int(rng.integers(0, 400)) * (1 + (h % 4 == 0) * 5 * (p == "p2"))
                if p == "p4" and h < 5:
                    req = 0  # first seen later in traffic than its first report
                traffic.append({"hour": EPOCH_HOUR0 + h, "pool": p, "model": m, "requests": req})
    traffic.append({"hour": EPOCH_HOUR0 + 1, "pool": "p1", "model": "m1", "requests": None})
    reports = []

    def add(cluster, n, pool, model, tier, user=None, hours=(0, H)):
        for _ in range(n):
            i = len(reports)
            reports.append({
                "cluster_id": cluster,
                "hour": EPOCH_HOUR0 + int(rng.integers(*hours)),
                "minute": int(rng.integers(0, 60)),
                "user": user if user != "fresh" else f"u{i}",
                "id": f"r{int(rng.integers(0, 10**9)):09d}-{i}",
                "pool": pool() if callable(pool) else pool,
                "model": model() if callable(model) else model,
                "tier": tier() if callable(tier) else tier,
            })  # fmt: skip

    def pick(vals, p=None):
        return lambda: vals[rng.choice(len(vals), p=p)]

    shared = [f"shared{i}" for i in range(6)]  # users who report in several clusters
    add("bug", 30, "p3", "m1", pick(tiers), user="fresh")
    add("bug", 10, pick(pools), pick(models), "t2", user="fresh")
    add("bug", 12, "p3", "m2", "t1", user="sticky")
    add("pair", 30, "p2", "m2", pick(tiers), user="fresh", hours=(0, 6))
    add("pair", 6, "p1", "m2", pick(tiers), user="fresh")  # each part alone is diluted
    add("pair", 6, "p2", "m1", pick(tiers), user="fresh")
    for k, u in enumerate(shared):
        add("pair", 1 + k % 3, pick(pools), "m1", "t3", user=u)
        add("bg", 2, pick(pools), pick(models), pick([*tiers, None]), user=u)
    add("bg", 60, pick([*pools, None], [0.3, 0.3, 0.2, 0.1, 0.1]), pick(models),
        pick([*tiers, None]), user="fresh")  # fmt: skip
    add("bg", 8, "p1", None, "t1", user=None)  # no user: each its own user
    add("night", 9, "p4", "m1", "t3", user="fresh", hours=(0, 4))  # before p4's traffic
    add(None, 20, "p1", "m1", "t1", user="fresh")  # no cluster: ignored
    order = rng.permutation(len(reports))
    return [reports[i] for i in order], traffic


def _compare(got: pa.Table, want: list[dict]) -> None:
    rows = got.to_pylist()
    keys = ["cluster_id", "dimension", "value"]
    assert [tuple(r[k] for k in keys) for r in rows] == [tuple(r[k] for k in keys) for r in want]
    for g, w in zip(rows, want, strict=True):
        where = (g["cluster_id"], g["dimension"], g["value"])
        assert (g["baseline"], g["reports"], g["users"], g["rank"]) == (
            w["baseline"], w["reports"], w["users"], w["rank"]), where  # fmt: skip
        for k in ("expected", "lift", "p_value", "q_value", "score", "user_equivalent",
                  "expected_users"):  # fmt: skip
            assert g[k] == pytest.approx(w[k], rel=1e-9, abs=1e-300), (where, k)


DIMS = ["pool", "model", "tier"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_row_matches_the_reference(seed):
    reports, traffic = _world(seed)
    got = attribute(_table(reports, DIMS), _traffic_table(traffic, ["pool", "model"]),
                    dimensions=DIMS, details=True)  # fmt: skip
    want = Reference(reports, traffic, DIMS, ["pool", "model"]).rows()
    _compare(got, want)
    # The world is built so that every kind of row is there.
    assert {r["baseline"] for r in want} == {"traffic", "reports"}
    assert any(" & " in r["dimension"] for r in want), "a pair row"
    assert any(r["lift"] < 1 for r in want) and any(r["users"] < r["reports"] for r in want)


@pytest.mark.parametrize(
    "opts",
    [
        {"min_reports": 1, "min_users": 1},
        {"min_reports": 5, "min_users": 3},
        {"min_reports": 2, "max_pairs": 1, "pair_candidates_per_dimension": 1},
        {"max_pair_candidates": 2, "pair_margin": 0.0, "pair_alpha": 0.5},
        {"pair_margin": 5.0},
    ],
)
def test_options_match_the_reference(opts):
    reports, traffic = _world(4)
    ref_opts = {
        "min_reports": opts.get("min_reports", 3),
        "min_users": opts.get("min_users", 1),
        "max_pairs": opts.get("max_pairs", 30),
        "per_dim": opts.get("pair_candidates_per_dimension", 3),
        "max_cand": opts.get("max_pair_candidates", 8),
        "margin": opts.get("pair_margin", 0.2),
        "alpha": opts.get("pair_alpha", 0.01),
    }
    got = attribute(_table(reports, DIMS), _traffic_table(traffic, ["pool", "model"]),
                    dimensions=DIMS, details=True, **opts)  # fmt: skip
    _compare(got, Reference(reports, traffic, DIMS, ["pool", "model"], **ref_opts).rows())


def test_without_traffic_every_dimension_uses_the_report_baseline():
    reports, traffic = _world(5)
    got = attribute(_table(reports, DIMS), None, dimensions=DIMS, details=True)
    want = Reference(reports, None, DIMS, []).rows()
    _compare(got, want)
    assert {r["baseline"] for r in want} == {"reports"}


def test_traffic_without_any_requests_falls_back_to_reports():
    reports, traffic = _world(6)
    for t in traffic:
        t["requests"] = 0
    got = attribute(_table(reports, DIMS), _traffic_table(traffic, ["pool", "model"]),
                    dimensions=DIMS, details=True)  # fmt: skip
    want = Reference(reports, traffic, DIMS, ["pool", "model"]).rows()
    _compare(got, want)
    assert {r["baseline"] for r in want} == {"reports"}
