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


def _few_users_world():
    """Two named users spread over four clusters, and reports without a user next to the
    alphabetically last users: user codes and (cluster, user) keys must not collide."""
    rows = []

    def add(cluster, user, n, pool, tier, hour0):
        for j in range(n):
            i = len(rows)
            rows.append({
                "cluster_id": cluster, "hour": EPOCH_HOUR0 + (hour0 + 2 * j) % 10,
                "minute": 7, "user": user, "id": f"r{i:04d}", "pool": pool, "model": "m1",
                "tier": tier,
            })  # fmt: skip

    add("c0", "b", 4, "p1", "t1", 0)
    add("c0", "a", 2, "p2", "t2", 1)
    add("c1", "a", 5, "p2", "t1", 2)
    add("c1", "b", 1, "p1", "t2", 3)
    add("c2", "a", 3, "p1", "t1", 4)
    add("c2", "b", 6, "p2", "t1", 5)
    add("c3", "a", 1, "p2", "t2", 6)
    add("c3", "b", 2, "p2", "t1", 7)
    add("c3", None, 4, "p1", "t1", 8)
    add("c1", None, 3, "p2", "t2", 9)
    traffic = [
        {"hour": EPOCH_HOUR0 + h, "pool": p, "model": "m1", "requests": 100 + 37 * h * (p == "p2")}
        for h in range(10)
        for p in ("p1", "p2")
    ]
    return rows, traffic


@pytest.mark.parametrize("anonymous", [True, False])
def test_few_users_in_many_clusters_match_the_reference(anonymous):
    reports, traffic = _few_users_world()
    if not anonymous:  # two user codes only: (cluster, user) keys collide most easily
        reports = [r for r in reports if r["user"] is not None]
    got = attribute(_table(reports, DIMS), _traffic_table(traffic, ["pool", "model"]),
                    dimensions=DIMS, min_reports=1, details=True)  # fmt: skip
    want = Reference(reports, traffic, DIMS, ["pool", "model"], min_reports=1).rows()
    _compare(got, want)
    users = {(r["cluster_id"], r["value"]): r["users"] for r in want if r["dimension"] == "pool"}
    if anonymous:
        assert users[("c3", "p1")] == 4 and users[("c1", "p2")] == 4  # each counts once
    else:
        assert users[("c2", "p1")] == 1 and users[("c0", "p1")] == 1


def test_without_report_ids_the_arrival_order_is_the_order():
    # No report id: reports are taken cluster by cluster in the order they came, exactly as
    # if their ids were their arrival positions (the float sums follow that order).
    reports, traffic = _world(7)
    t = _table(reports, DIMS)
    tr = _traffic_table(traffic, ["pool", "model"])
    by_position = t.set_column(t.schema.get_field_index("report_id"), "report_id",
                               pa.array([f"{i:06d}" for i in range(t.num_rows)]))  # fmt: skip
    no_ids = t.drop_columns(["report_id"])
    want = attribute(by_position, tr, dimensions=DIMS, details=True)
    assert attribute(no_ids, tr, dimensions=DIMS, details=True).equals(want)


def test_arrival_order_does_not_change_a_single_bit():
    reports, traffic = _world(7)
    t = _table(reports, DIMS)
    tr = _traffic_table(traffic, ["pool", "model"])
    want = attribute(t, tr, dimensions=DIMS, details=True)
    for seed in (1, 2):
        perm = np.random.default_rng(seed).permutation(t.num_rows)
        assert attribute(t.take(perm), tr, dimensions=DIMS, details=True).equals(want)


def test_reports_without_any_cluster_give_an_empty_table():
    reports, traffic = _world(8)
    for r in reports:
        r["cluster_id"] = None
    got = attribute(_table(reports, DIMS), _traffic_table(traffic, ["pool", "model"]),
                    dimensions=DIMS, details=True)  # fmt: skip
    assert got.num_rows == 0 and "score" in got.column_names


def _rows(spec, hours=10):
    """Reports from (cluster, user or None, n, pool, model, tier) tuples, hours cycling."""
    rows = []
    for cluster, user, n, pool, model, tier in spec:
        for _ in range(n):
            i = len(rows)
            rows.append({
                "cluster_id": cluster, "hour": EPOCH_HOUR0 + (3 * i) % hours, "minute": i % 60,
                "user": f"{user}{i}" if user == "fresh" else user, "id": f"r{i:04d}",
                "pool": pool, "model": model, "tier": tier,
            })  # fmt: skip
    return rows


def _check(reports, traffic, traffic_dims=("pool", "model"), **opts):
    ref_names = {"pair_candidates_per_dimension": "per_dim", "max_pair_candidates": "max_cand",
                 "pair_margin": "margin", "pair_alpha": "alpha"}  # fmt: skip
    ref_opts = {ref_names.get(k, k): v for k, v in opts.items()}
    tr = None if traffic is None else _traffic_table(traffic, list(traffic_dims))
    got = attribute(_table(reports, DIMS), tr, dimensions=DIMS, details=True, **opts)
    want = Reference(reports, traffic, DIMS, list(traffic_dims), **ref_opts).rows()
    _compare(got, want)
    return want


EVERY_PAIR = {"min_reports": 1, "pair_margin": -1.0, "pair_alpha": 1.1}  # emit every pair scored


def test_traffic_of_combinations_no_report_has_counts_for_no_combination():
    # Every pool and every model has reports, but not every (pool, model): traffic of the
    # missing combinations (one sorts below a known one, one above all) must not be
    # credited to a neighbouring combination.
    reports = _rows([
        ("bug", "fresh", 20, "p1", "m3", "t1"), ("bug", "fresh", 5, "p2", "m1", "t1"),
        ("bg", "fresh", 10, "p1", "m1", "t2"), ("bg", "fresh", 10, "p2", "m1", "t1"),
        ("bg", "fresh", 6, "p2", "m2", "t2"),
    ])  # fmt: skip
    volume = {("p1", "m1"): 100, ("p1", "m2"): 800, ("p1", "m3"): 30, ("p2", "m1"): 1000,
              ("p2", "m2"): 200, ("p2", "m3"): 900}  # fmt: skip
    traffic = [
        {"hour": EPOCH_HOUR0 + h, "pool": p, "model": m, "requests": r + h}
        for h in range(10)
        for (p, m), r in volume.items()
    ]
    want = _check(reports, traffic, **EVERY_PAIR)
    pairs = {(r["cluster_id"], r["value"]) for r in want if " & " in r["dimension"]}
    assert ("bug", "p1 & m3") in pairs


def test_one_combination_in_reports_against_traffic_of_many():
    # A pool that only ever comes with an unjoined model: the pair vocabulary has a single
    # combination while traffic has combinations sorting after it.
    reports = _rows([
        ("bug", "fresh", 12, "p1", "m1", "t1"), ("bg", "fresh", 4, "p2", None, "t1"),
        ("bg", "fresh", 3, "p1", "m1", "t2"),
    ])  # fmt: skip
    traffic = [
        {"hour": EPOCH_HOUR0 + h, "pool": p, "model": m, "requests": 50 + 10 * h}
        for h in range(10)
        for p in ("p1", "p2")
        for m in ("m1", "m2")
    ]
    _check(reports, traffic, **EVERY_PAIR)


def test_a_single_cluster_without_traffic_is_compared_with_itself():
    reports = _rows([
        ("only", "fresh", 12, "p1", "m1", "t1"), ("only", "fresh", 5, "p2", "m2", "t2"),
        ("only", "u", 4, "p2", "m1", "t1"),
    ])  # fmt: skip
    want = _check(reports, None, traffic_dims=(), min_reports=1)
    # No other cluster: the share is the cluster's own, so nothing stands out.
    assert all(0.8 < r["lift"] < 1.25 for r in want if r["dimension"] == "pool")


def test_a_cluster_alone_with_a_value_is_compared_with_all_reports():
    # Only "bug" has a tier; the other clusters' reports are not joined on it. Its report
    # baseline cannot come from the other clusters, so it comes from all reports.
    reports = _rows([
        ("bug", "fresh", 10, "p1", "m1", "t1"), ("bug", "fresh", 4, "p2", "m1", "t2"),
        ("bg", "fresh", 9, "p2", "m2", None), ("bg2", "fresh", 7, "p1", "m2", None),
        ("solo", "z", 5, "p2", "m2", None),  # one user: user-equivalents sum to 1
    ])  # fmt: skip
    traffic = [
        {"hour": EPOCH_HOUR0 + h, "pool": p, "model": m, "requests": 40 + h * (p == "p1")}
        for h in range(10)
        for p in ("p1", "p2")
        for m in ("m1", "m2")
    ]
    want = _check(reports, traffic, min_reports=1)
    tiers = {r["value"]: r for r in want if r["dimension"] == "tier"}
    assert tiers["t1"]["baseline"] == "reports"
    assert tiers["t1"]["expected"] == pytest.approx(14 * 10.5 / 15)


def test_a_single_request_is_traffic():
    # An hour with one request is that hour's traffic (not an hour without traffic), and a
    # run whose traffic is one request still has a traffic baseline.
    reports = _rows([("bug", "fresh", 8, "p2", "m1", "t1"), ("bg", "fresh", 8, "p1", "m1", "t1")],
                    hours=2)  # fmt: skip
    one = [{"hour": EPOCH_HOUR0, "pool": "p2", "model": "m1", "requests": 1}]
    want = _check(reports, one, min_reports=1)
    assert {r["baseline"] for r in want if r["dimension"] == "pool"} == {"traffic"}
    more = one + [
        {"hour": EPOCH_HOUR0 + 1, "pool": p, "model": "m1", "requests": r}
        for p, r in (("p1", 900), ("p2", 100))
    ]
    _check(reports, more, min_reports=1)


def test_a_traffic_group_with_only_null_requests_counts_zero():
    reports, traffic = _world(9)
    traffic.append({"hour": EPOCH_HOUR0 + 5, "pool": "p8", "model": "m1", "requests": None})
    want = _check(reports, traffic)
    assert {r["baseline"] for r in want if r["dimension"] == "pool"} == {"traffic"}


def test_a_run_with_one_user():
    reports = _rows([
        ("a", "z", 6, "p1", "m1", "t1"), ("a", "z", 2, "p2", "m1", "t2"),
        ("b", "z", 5, "p2", "m2", "t1"),
    ])  # fmt: skip
    traffic = [
        {"hour": EPOCH_HOUR0 + h, "pool": p, "model": m, "requests": 10 + h * (m == "m2")}
        for h in range(10)
        for p in ("p1", "p2")
        for m in ("m1", "m2")
    ]
    want = _check(reports, traffic, min_reports=1)
    assert {r["users"] for r in want} == {1}


def _wide_world():
    """One cluster over-represented on four pools, three models and three tiers, so the pair
    search has more candidates than it keeps (per dimension and in all)."""
    spec = []
    for i, (p, n) in enumerate((("p1", 14), ("p2", 12), ("p3", 10), ("p4", 8))):
        for j, m in enumerate(("m1", "m2", "m3")):
            spec.append(("wide", "fresh", max(n - 3 * j, 1), p, m, ("t1", "t2", "t3")[(i + j) % 3]))
    spec += [("bg", "fresh", 31, "p9", "m9", "t4"), ("bg", "fresh", 3, "p1", "m1", "t1")]
    traffic = [
        {"hour": EPOCH_HOUR0 + h, "pool": p, "model": m, "requests": r}
        for h in range(10)
        for p in ("p1", "p2", "p3", "p4", "p9")
        for m in ("m1", "m2", "m3", "m9")
        for r in [(400 if p == "p9" else 10) * (60 if m == "m9" else 1)]
    ]
    return _rows(spec), traffic


@pytest.mark.parametrize(
    "opts",
    [
        EVERY_PAIR,  # the default candidate limits decide which pairs exist
        {"min_reports": 1, "pair_margin": -1.0},  # the default pair_alpha decides
        {"max_pair_candidates": 12, **EVERY_PAIR},  # the default per dimension decides
        {"pair_candidates_per_dimension": 4, "max_pair_candidates": 12, **EVERY_PAIR},  # 33 pairs
        {"max_pair_candidates": 12, "max_pairs": 5, **EVERY_PAIR},
    ],
)
def test_pair_search_limits_match_the_reference(opts):
    reports, traffic = _wide_world()
    want = _check(reports, traffic, **opts)
    assert sum(" & " in r["dimension"] for r in want) >= 5


def test_within_part_test_of_a_one_user_part():
    # One user's reports on a pool whose traffic almost never meets the model: the pair is
    # over-represented within the pool even though the pool has a single user-equivalent.
    reports = _rows([("a", "z", 6, "p1", "m1", "t1"), ("a", "y", 6, "p2", "m2", "t1"),
                     ("b", "fresh", 8, "p2", "m2", "t2")])  # fmt: skip
    volume = {("p1", "m1"): 1, ("p1", "m2"): 500, ("p2", "m1"): 500, ("p2", "m2"): 500}
    traffic = [
        {"hour": EPOCH_HOUR0 + h, "pool": p, "model": m, "requests": r}
        for h in range(10)
        for (p, m), r in volume.items()
    ]
    want = _check(reports, traffic, min_reports=1, pair_margin=-1.0)
    assert ("a", "p1 & m1") in {(r["cluster_id"], r["value"]) for r in want}
    # A value with exactly min_reports reports is a candidate too.
    want = _check(reports, traffic, min_reports=6, pair_margin=-1.0)
    assert ("a", "p1 & m1") in {(r["cluster_id"], r["value"]) for r in want}


def test_one_report_and_no_report():
    reports = _rows([("a", "z", 1, "p1", "m1", "t1")])
    traffic = [{"hour": EPOCH_HOUR0, "pool": "p2", "model": "m1", "requests": 10}]
    assert len(_check(reports, traffic, min_reports=1)) == 3
    # An empty run's table may have no columns at all (an empty input file).
    for details in (False, True):
        out = attribute(pa.table({}), None, dimensions=DIMS, details=details)
        assert out.num_rows == 0 and ("score" in out.column_names) == details


def _tie_reports(extra):
    rows = [{"cluster_id": "bug", "hour": EPOCH_HOUR0 + 5 + i % 5, "minute": 0, "user": f"b{i}",
             "id": f"b{i:03d}", "release": "r2", "config": "c2"} for i in range(12)]  # fmt: skip
    rows += [{"cluster_id": "bg", "hour": EPOCH_HOUR0 + 5 + i % 5, "minute": 0, "user": f"g{i}",
              "id": f"g{i:03d}", "release": "r1", "config": "c1"} for i in range(30)]  # fmt: skip
    for hour, release, config in extra:
        i = len(rows)
        rows.append({"cluster_id": "bg", "hour": EPOCH_HOUR0 + hour, "minute": 0,
                     "user": f"x{i}", "id": f"x{i:03d}", "release": release,
                     "config": config})  # fmt: skip
    return rows


def _tie_table(rows):
    return pa.table({
        "cluster_id": [r["cluster_id"] for r in rows],
        "submitted_hour": pa.array([T0 + dt.timedelta(hours=r["hour"] - EPOCH_HOUR0)
                                    for r in rows], TS),
        "user_pseudonym": [r["user"] for r in rows], "report_id": [r["id"] for r in rows],
        "release": [r["release"] for r in rows], "config": [r["config"] for r in rows],
    })  # fmt: skip


def test_identical_evidence_ranks_the_newer_change_first_by_traffic():
    # r2 and c2 reached exactly the same requests in the reports' hours, but r2 was in
    # traffic earlier (one request at hour 2; a zero-request row at hour 0 does not count).
    traffic = [(0, "r2", "c1", 0), (2, "r2", "c1", 1), (4, "r1", "c2", 7)]
    traffic += [(h, "r1", "c1", 900) for h in range(10)]
    traffic += [(h, "r2", "c2", 100 + h) for h in range(5, 10)]
    tr = pa.table({
        "hour": pa.array([T0 + dt.timedelta(hours=h) for h, *_ in traffic], TS),
        "release": [t[1] for t in traffic], "config": [t[2] for t in traffic],
        "requests": pa.array([t[3] for t in traffic], pa.int64()),
    })  # fmt: skip
    dims = ["release", "config"]
    for order in (dims, dims[::-1]):
        out = attribute(_tie_table(_tie_reports([])), tr, dimensions=order, details=True)
        bug = sorted((r for r in out.to_pylist() if r["cluster_id"] == "bug"),
                     key=lambda r: r["rank"])  # fmt: skip
        assert bug[0]["score"] == bug[1]["score"] and bug[0]["p_value"] == bug[1]["p_value"]
        assert [(r["dimension"], r["value"]) for r in bug[:2]] == [("config", "c2"),
                                                                  ("release", "r2")]  # fmt: skip


def test_identical_evidence_ranks_the_newer_change_first_by_reports():
    # Without traffic, a value is first seen at its first report (in any cluster): r2 at
    # hour 0, c2 at hour 3, each once outside the bug cluster, so the evidence is the same.
    rows = _tie_reports([(0, "r2", "c1"), (3, "r1", "c2")])
    for order in (["release", "config"], ["config", "release"]):
        out = attribute(_tie_table(rows), None, dimensions=order, details=True)
        bug = sorted((r for r in out.to_pylist() if r["cluster_id"] == "bug"),
                     key=lambda r: r["rank"])  # fmt: skip
        assert bug[0]["score"] == bug[1]["score"]
        assert [r["value"] for r in bug[:2]] == ["c2", "r2"]
    # ... and the other way round when c2 came first (a report joined on neither, earlier
    # still, is no value's first sighting).
    rows = _tie_reports([(3, "r2", "c1"), (1, "r1", "c2"), (0, None, None)])
    out = attribute(_tie_table(rows), None, dimensions=["release", "config"])
    assert [r["value"] for r in out.to_pylist() if r["cluster_id"] == "bug"][:2] == ["r2", "c2"]


def test_min_reports_zero_tests_every_cell():
    # With no minimum every (cluster, value) has a row, including the cells of a cluster
    # with no report joined on the dimension: nothing observed, nothing expected, lift inf.
    reports = _rows([
        ("bug", "fresh", 10, "p1", "m1", "t1"), ("bug", "fresh", 4, "p2", "m1", "t2"),
        ("bg", "fresh", 9, "p2", "m2", None),
    ])  # fmt: skip
    traffic = [
        {"hour": EPOCH_HOUR0 + h, "pool": p, "model": "m1", "requests": 40 + h}
        for h in range(10)
        for p in ("p1", "p2")
    ]
    want = _check(reports, traffic, min_reports=0, min_users=0)
    empty = [r for r in want if r["cluster_id"] == "bg" and r["dimension"] == "tier"]
    assert len(empty) == 2 and all(r["lift"] == math.inf and r["p_value"] == 1 for r in empty)


def test_tied_candidates_are_taken_in_value_order():
    # Four pools with identical evidence in the cluster and room for three candidates per
    # dimension: the first three in sorted value order are the ones paired.
    spec = [("tie", "fresh", 3, f"q{i}", "m1", "t1") for i in range(1, 5)]
    spec += [("bg", "fresh", 3, f"a{i}", "m2", "t2") for i in range(1, 5)]
    rows = _rows(spec, hours=1)
    traffic = [
        {"hour": EPOCH_HOUR0, "pool": p, "model": m, "requests": 10 if m == "m1" else 100}
        for p in [f"a{i}" for i in range(1, 5)] + [f"q{i}" for i in range(1, 5)]
        for m in ("m1", "m2")
    ]
    want = _check(rows, traffic, **EVERY_PAIR)
    paired = {
        r["value"] for r in want if r["cluster_id"] == "tie" and r["dimension"] == "pool & model"
    }
    assert paired == {"q1 & m1", "q2 & m1", "q3 & m1"}


def test_pair_thresholds_at_their_boundaries():
    # p1 and m1 are each over-represented in "bug", but mostly apart: their pair has one
    # report against ~2.7 expected, a score of exactly 0, which no margin lets through.
    # (p3, m3) has exactly one report (= min_reports) and p3 is only ever served by m3, so
    # within p3 the pair is exactly what traffic predicts: p = 1, which pair_alpha = 1 keeps
    # out and anything above lets in.
    reports = _rows([
        ("bug", "fresh", 10, "p1", "m2", "t1"), ("bug", "fresh", 10, "p2", "m1", "t1"),
        ("bug", "fresh", 1, "p1", "m1", "t1"), ("bug", "fresh", 1, "p3", "m3", "t1"),
        ("bg", "fresh", 20, "p2", "m2", "t2"),
    ])  # fmt: skip
    volume = {("p1", "m1"): 300, ("p1", "m2"): 10, ("p2", "m1"): 10, ("p2", "m2"): 2000,
              ("p3", "m3"): 1}  # fmt: skip
    traffic = [
        {"hour": EPOCH_HOUR0 + h, "pool": p, "model": m, "requests": r}
        for h in range(10)
        for (p, m), r in volume.items()
    ]
    pairs = {(r["cluster_id"], r["value"]): r for r in _check(reports, traffic, **EVERY_PAIR)
             if " & " in r["dimension"]}  # fmt: skip
    assert ("bug", "p1 & m1") not in pairs
    assert pairs[("bug", "p3 & m3")]["reports"] == 1
    pairs = {r["value"] for r in _check(reports, traffic, **{**EVERY_PAIR, "pair_alpha": 1.0})}
    assert "p3 & m3" not in pairs


def test_a_dimension_no_report_is_joined_on():
    # Every report's tier is null: the dimension has no value and no row, and the pair search
    # has nothing to take from it; the other dimensions are attributed as before.
    reports = _rows([("bug", "fresh", 12, "p1", "m1", None), ("bg", "fresh", 9, "p2", "m2", None)])
    traffic = [
        {"hour": EPOCH_HOUR0 + h, "pool": p, "model": m, "requests": 30 + h}
        for h in range(10)
        for p in ("p1", "p2")
        for m in ("m1", "m2")
    ]
    want = _check(reports, traffic, **EVERY_PAIR)
    assert want and not any("tier" in r["dimension"] for r in want)
