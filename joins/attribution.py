"""Attribution: which routing value over-explains each cluster, against traffic in its hours.

Per (cluster, dimension, value):

- ``reports``: the cluster's reports whose request has that value; ``users``: distinct users.
- ``expected`` = sum over hours h of J[c, h] * share[v, h], where J[c, h] counts the cluster's
  reports in hour h whose request joined (non-null value for that dimension) and share[v, h] is
  the value's share of that hour's traffic. So a bug that lived four days is compared with
  those four days. ``lift`` = reports / expected.
- The one-sided test is run on *user-equivalent* counts: each report weighs 1 / (that user's
  reports in the cluster), so a user counts once however many reports a sticky session made.
  Observed and expected user-equivalents give a binomial tail P(X >= o_u), X ~ Bin(n_u,
  e_u / n_u) (regularized incomplete beta, exact for integers, continuous for fractions).
- ``q_value``: Benjamini-Hochberg over every row of the run (singles and pairs).
- ``rank`` 1 = largest score = coverage_u * ln((o_u + 1) / (e_u + 1)) (0 when negative):
  the value's share of the cluster (in users) times its log lift, shrunk towards 1 by one
  pseudo-user. It is the value's term of the KL divergence of the cluster's distribution from
  traffic, so a value that covers most of the cluster with good lift outranks a high-lift
  value that covers few of its users, and a one-user fluke cannot rank first on lift alone.
- Where traffic lacks the dimension (or is None), the share is the value's share among the
  other clusters' joined reports over the whole run (add-half smoothing), ``baseline`` =
  "reports"; otherwise ``baseline`` = "traffic".
- Pairs (iDice/Adtributor-style pruning): per cluster, only values with lift > 1 and enough
  reports are candidates (top few per dimension); pairs of candidates from different
  dimensions are scored the same way on joint traffic shares and kept only when their score
  beats both parts' by ``pair_margin``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp
from sklearn.base import BaseEstimator

from joins import schemas
from joins.columns import encode, hours_of
from joins.stats import benjamini_hochberg, binomial_upper_tail

# The contract's table, from the one schema module (pyarrow only, no Beam).
ATTRIBUTION_SCHEMA = schemas.ATTRIBUTIONS
DETAIL_FIELDS = [
    pa.field("score", pa.float64(), nullable=False),
    pa.field("user_equivalent", pa.float64(), nullable=False),
    pa.field("expected_users", pa.float64(), nullable=False),
]
SEP = " & "
ZERO_TRAFFIC_FLOOR = 0.5  # requests: a joined value absent from traffic still gets a share > 0
SMOOTHING = 0.5  # add-half smoothing of report-share baselines


@dataclass
class _Prepared:
    clusters: list[str]
    cl: np.ndarray  # (N,) cluster index, reports sorted by cluster
    hour: np.ndarray  # (N,) index into hours
    hours: np.ndarray  # (H,) sorted unique epoch hours
    weight: np.ndarray  # (N,) 1 / reports of that user in that cluster
    user: np.ndarray  # (N,) user code
    codes: dict[str, np.ndarray]
    vocab: dict[str, list[str]]
    first_seen: dict[str, np.ndarray] | None = None


def _prepare(reports: pa.Table, dimensions: Sequence[str]) -> _Prepared:
    for col in ("cluster_id", "submitted_hour", "user_pseudonym", *dimensions):
        if col not in reports.column_names:
            raise ValueError(f"reports lack the column {col!r}")
    reports = reports.filter(pc.is_valid(reports.column("cluster_id")))
    cl_codes, clusters = encode(reports.column("cluster_id"))
    # Canonical row order (cluster, then report id where there is one): the float sums below
    # then do not depend on the order in which a runner delivered the reports.
    if "report_id" in reports.column_names:
        id_codes, _ = encode(reports.column("report_id"))
        order = np.lexsort((id_codes, cl_codes))
    else:
        order = np.argsort(cl_codes, kind="stable")
    cl = cl_codes[order]
    hour_abs = hours_of(reports.column("submitted_hour"))[order]
    hours, hour = np.unique(hour_abs, return_inverse=True)
    ucodes, _ = encode(reports.column("user_pseudonym"))
    ucodes = ucodes[order]
    # A report without a user pseudonym is its own user (cannot be merged with anyone).
    missing = ucodes < 0
    ucodes[missing] = ucodes.max(initial=-1) + 1 + np.arange(missing.sum())
    pair = cl * (ucodes.max(initial=0) + 1) + ucodes
    _, inv, counts = np.unique(pair, return_inverse=True, return_counts=True)
    weight = 1.0 / counts[inv]
    codes, vocab = {}, {}
    for d in dimensions:
        c, v = encode(reports.column(d))
        codes[d], vocab[d] = c[order], v
    return _Prepared(clusters, cl, hour, hours, weight, ucodes, codes, vocab)


def _traffic_shares(
    traffic: pa.Table, dims: Sequence[str], prep: _Prepared, combo_vocab: list[tuple[int, ...]]
) -> np.ndarray:
    """Share of each combination of values of ``dims`` in each report hour: (H, K) array.

    Hours without traffic for these dimensions use the pooled share over all traffic hours.
    A combination with no traffic in an hour gets ZERO_TRAFFIC_FLOOR requests.
    """
    cols = list(dims)
    t = traffic.select(["hour", "requests", *cols])
    for d in cols:
        t = t.filter(pc.is_valid(t.column(d)))
    g = t.group_by(["hour", *cols]).aggregate([("requests", "sum")])
    h_abs = hours_of(g.column("hour"))
    req = pc.fill_null(g.column("requests_sum"), 0).to_numpy().astype(float)
    H, K = len(prep.hours), len(combo_vocab)
    # Same mixed-radix key as `_combo_codes`, so traffic rows find their combination by search.
    key = np.zeros(g.num_rows, dtype=np.int64)
    known = np.ones(g.num_rows, dtype=bool)
    for d in cols:
        code = pc.fill_null(pc.index_in(g.column(d), value_set=pa.array(prep.vocab[d])), -1)
        code = code.to_numpy().astype(np.int64)
        key = key * (len(prep.vocab[d]) + 1) + code
        known &= code >= 0
    vocab_keys = _combo_keys(prep, cols, combo_vocab)
    pos = np.searchsorted(vocab_keys, key)
    pos_c = np.minimum(pos, max(K - 1, 0))
    combo_idx = np.where(known & (K > 0) & (vocab_keys[pos_c] == key), pos_c, -1)
    hi = np.searchsorted(prep.hours, h_abs)
    in_hours = (hi < H) & (prep.hours[np.minimum(hi, H - 1)] == h_abs)
    total_h = np.zeros(H)
    np.add.at(total_h, hi[in_hours], req[in_hours])
    counts = np.zeros((H, K))
    ok = in_hours & (combo_idx >= 0)
    np.add.at(counts, (hi[ok], combo_idx[ok]), req[ok])
    pooled_total = req.sum()
    pooled = np.zeros(K)
    np.add.at(pooled, combo_idx[combo_idx >= 0], req[combo_idx >= 0])
    share = np.maximum(counts, ZERO_TRAFFIC_FLOOR) / np.where(total_h > 0, total_h, 1.0)[:, None]
    if pooled_total > 0:
        pooled_share = np.maximum(pooled, ZERO_TRAFFIC_FLOOR) / pooled_total
        share[total_h <= 0] = pooled_share
    else:
        share[total_h <= 0] = np.nan  # no traffic at all: caller falls back to reports
    return share


def _combo_keys(prep: _Prepared, dims: Sequence[str], vocab: list[tuple]) -> np.ndarray:
    """Mixed-radix int64 key of each combination tuple (sorted, as `_combo_codes` makes it)."""
    keys = np.zeros(len(vocab), dtype=np.int64)
    for j, d in enumerate(dims):
        keys = keys * (len(prep.vocab[d]) + 1) + np.array([v[j] for v in vocab], dtype=np.int64)
    return keys


def _report_shares(combo: np.ndarray, cl: np.ndarray, n_clusters: int, n_combos: int) -> np.ndarray:
    """Per cluster, each combination's share among the *other* clusters' reports: (C, K)."""
    valid = combo >= 0
    counts = np.bincount(
        cl[valid] * n_combos + combo[valid], minlength=n_clusters * n_combos
    ).reshape(n_clusters, n_combos)
    others = counts.sum(0)[None, :] - counts
    # A cluster with no other cluster to compare with (the only one, or the only one joined
    # on these dimensions): use all reports (lift ~1, honest).
    others = np.where(others.sum(1, keepdims=True) == 0, counts.sum(0)[None, :], others)
    return (others + SMOOTHING) / (others.sum(1, keepdims=True) + SMOOTHING * n_combos)


def _score(ow: np.ndarray, nw: np.ndarray, ew: np.ndarray) -> np.ndarray:
    # float out: with no value at all (a dimension no report is joined on) numpy's bincount
    # gives an empty *integer* array, which the division could not write into.
    cover = np.divide(ow, nw, out=np.zeros_like(ow, dtype=float), where=nw > 0)
    return np.maximum(cover * np.log((ow + 1.0) / (ew + 1.0)), 0.0)


def _hour_weighted(per_hour: np.ndarray, share_h: np.ndarray) -> np.ndarray:
    """``per_hour @ share_h`` for (C, H) and (H, K) arrays, summed hour after hour in a fixed
    order by scipy's sparse kernel instead of BLAS: a BLAS product's last bits depend on its
    thread count, and the extract must be the same on every runner and machine."""
    return np.asarray(sp.csr_matrix(per_hour) @ share_h, dtype=np.float64)


def _cells(
    prep: _Prepared,
    combo: np.ndarray,
    n_combos: int,
    share_h: np.ndarray | None,
    share_c: np.ndarray | None,
) -> dict[str, np.ndarray]:
    """Observed/expected per (cluster, combination) as (C, K) arrays."""
    C, H = len(prep.clusters), len(prep.hours)
    v = combo >= 0
    cl, cb, hr, w = prep.cl[v], combo[v], prep.hour[v], prep.weight[v]
    obs = np.bincount(cl * n_combos + cb, minlength=C * n_combos).reshape(C, n_combos)
    obs_w = np.bincount(cl * n_combos + cb, w, minlength=C * n_combos).reshape(C, n_combos)
    triples = np.unique((cl * n_combos + cb) * (prep.user.max(initial=0) + 1) + prep.user[v])
    users = np.bincount(triples // (prep.user.max(initial=0) + 1), minlength=C * n_combos).reshape(
        C, n_combos
    )
    jh = np.bincount(cl * H + hr, minlength=C * H).reshape(C, H).astype(float)
    wh = np.bincount(cl * H + hr, w, minlength=C * H).reshape(C, H)
    if share_h is not None:
        exp, exp_w = _hour_weighted(jh, share_h), _hour_weighted(wh, share_h)
    else:
        exp = jh.sum(1, keepdims=True) * share_c
        exp_w = wh.sum(1, keepdims=True) * share_c
    return {
        "obs": obs,
        "obs_w": obs_w,
        "users": users,
        "n_w": wh.sum(1),
        "n": jh.sum(1),
        "exp": exp,
        "exp_w": exp_w,
    }


def _combo_codes(prep: _Prepared, dims: Sequence[str]) -> tuple[np.ndarray, list[tuple]]:
    """Joint code of several dimensions (-1 where any is null) and its vocabulary of tuples."""
    if len(dims) == 1:
        d = dims[0]
        return prep.codes[d], [(i,) for i in range(len(prep.vocab[d]))]
    sizes = [len(prep.vocab[d]) + 1 for d in dims]
    key = np.zeros(len(prep.cl), dtype=np.int64)
    valid = np.ones(len(prep.cl), dtype=bool)
    for d, size in zip(dims, sizes, strict=True):
        key = key * size + prep.codes[d]
        valid &= prep.codes[d] >= 0
    uniq, inv = np.unique(key[valid], return_inverse=True)
    combo = np.full(len(key), -1, dtype=np.int64)
    combo[valid] = inv.reshape(-1)
    vocab = []
    for u in uniq.tolist():
        parts = []
        for size in reversed(sizes):
            u, r = divmod(u, size)
            parts.append(r)
        vocab.append(tuple(reversed(parts)))
    return combo, vocab


def _evaluate_dims(
    prep: _Prepared, traffic: pa.Table | None, dims: Sequence[str]
) -> tuple[dict[str, np.ndarray], list[tuple], str]:
    combo, vocab = _combo_codes(prep, dims)
    K = len(vocab)
    use_traffic = traffic is not None and all(d in traffic.column_names for d in dims)
    share_h = _traffic_shares(traffic, dims, prep, vocab) if use_traffic and K else None
    if share_h is not None and np.isnan(share_h).any():
        share_h = None
    baseline = "traffic" if share_h is not None else "reports"
    share_c = None if share_h is not None else _report_shares(combo, prep.cl, len(prep.clusters), K)
    return _cells(prep, combo, K, share_h, share_c), vocab, baseline


def attribute(
    reports: pa.Table,
    traffic: pa.Table | None,
    *,
    dimensions: Sequence[str],
    min_reports: int = 3,
    min_users: int = 1,
    max_pairs: int = 30,
    pair_candidates_per_dimension: int = 3,
    max_pair_candidates: int = 8,
    pair_margin: float = 0.2,
    pair_alpha: float = 0.01,
    details: bool = False,
) -> pa.Table:
    """Rank, per cluster, the routing values (and value pairs) that over-explain it.

    Args:
        reports: one row per report: ``cluster_id`` (string; null rows are ignored),
            ``submitted_hour`` (timestamp, UTC; floored to the hour), ``user_pseudonym``
            (string) and one string column per name in ``dimensions`` (null = not joined).
        traffic: ``hour`` (timestamp), ``requests`` (int) and dimension columns; None or a
            missing column means that dimension falls back to the report-share baseline.
        dimensions: the dimension columns to attribute, in output order (pairs join names
            in this order with " & ").
        min_reports / min_users: a (cluster, value) cell with fewer is not tested (no row).
        max_pairs: most pairs scored per cluster (the most promising by part scores).
        pair_candidates_per_dimension / max_pair_candidates: pruning of the pair search.
        pair_margin: a pair is reported only if its score > (1 + margin) * both parts'.
        pair_alpha: ... and, within each part, its share of the part's users beats the
            share traffic predicts with one-sided p < pair_alpha.
        details: also return ``score``, ``user_equivalent`` and ``expected_users``.

    Returns:
        ATTRIBUTIONS rows (see module doc), sorted by cluster_id then rank. ``expected`` and
        ``lift`` are in reports; ``p_value`` comes from the user-equivalent test.
    """
    dims = list(dict.fromkeys(dimensions))
    if reports.num_rows == 0 or not dims:
        return _empty(details)
    prep = _prepare(reports, dims)
    rows: dict[str, list] = {k: [] for k in [*ATTRIBUTION_SCHEMA.names, *_DETAIL_NAMES, "_new"]}
    singles: dict[str, tuple[dict, list, str]] = {}
    prep.first_seen = {d: _first_seen(prep, traffic, d) for d in dims}
    for d in dims:
        cells, vocab, baseline = _evaluate_dims(prep, traffic, [d])
        singles[d] = (cells, vocab, baseline)
        _emit(rows, prep, cells, [d], vocab, baseline, min_reports, min_users, None)

    _pairs(
        rows, prep, traffic, dims, singles, min_reports, min_users, max_pairs,
        pair_candidates_per_dimension, max_pair_candidates, pair_margin, pair_alpha,
    )  # fmt: skip
    return _finish(rows, details)


_DETAIL_NAMES = [f.name for f in DETAIL_FIELDS]


def _first_seen(prep: _Prepared, traffic: pa.Table | None, d: str) -> np.ndarray:
    """Epoch hour each value of ``d`` first appears (traffic if it has ``d``, else reports).

    Used only to break ties between values with identical evidence (e.g. a release and a
    config that reached exactly the same servers): the newer change ranks first.
    """
    V = len(prep.vocab[d])
    out = np.full(V, np.iinfo(np.int64).min, dtype=np.int64)
    if traffic is not None and d in traffic.column_names and V:
        t = traffic.select(["hour", "requests", d]).filter(pc.greater(traffic["requests"], 0))
        g = t.group_by([d]).aggregate([("hour", "min")])
        idx = pc.fill_null(pc.index_in(g.column(d), value_set=pa.array(prep.vocab[d])), -1)
        idx = idx.to_numpy()
        h = hours_of(g.column("hour_min"))
        out[idx[idx >= 0]] = h[idx >= 0]
        return out
    codes = prep.codes[d]
    ok = codes >= 0
    tmp = np.full(V, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(tmp, codes[ok], prep.hours[prep.hour[ok]])
    return np.where(tmp == np.iinfo(np.int64).max, out, tmp)


def _row_stats(cells: dict, c: int, k: int) -> dict[str, float]:
    """One row's numbers. The test and the score must hold in users *and* in reports:
    p = max(p_users, p_reports) (an intersection-union test, still level alpha) and
    score = min(score_users, score_reports), so neither a sticky user nor a reweighting of
    users can make a value look over-represented on its own."""
    o, ow, ew = cells["obs"][c, k], cells["obs_w"][c, k], cells["exp_w"][c, k]
    nw, n = cells["n_w"][c], cells["n"][c]
    e = cells["exp"][c, k]
    p_users = binomial_upper_tail(ow, nw, ew / nw if nw > 0 else 0.0)
    p_reports = binomial_upper_tail(o, n, e / n if n > 0 else 0.0)
    s_users = _score(np.array([ow]), np.array([nw]), np.array([ew]))[0]
    s_reports = _score(np.array([float(o)]), np.array([float(n)]), np.array([e]))[0]
    return {
        "reports": int(o),
        "users": int(cells["users"][c, k]),
        "expected": float(e),
        "lift": float(o / e) if e > 0 else float("inf"),
        "p_value": float(max(p_users, p_reports)),
        "score": float(min(s_users, s_reports)),
        "user_equivalent": float(ow),
        "expected_users": float(ew),
    }


def _emit(rows, prep, cells, dims, vocab, baseline, min_reports, min_users, keep) -> None:
    C = len(prep.clusters)
    obs, users = cells["obs"], cells["users"]
    for c in range(C):
        ks = np.nonzero((obs[c] >= min_reports) & (users[c] >= min_users))[0]
        for k in ks:
            if keep is not None and not keep(c, int(k)):
                continue
            st = _row_stats(cells, c, int(k))
            rows["cluster_id"].append(prep.clusters[c])
            rows["dimension"].append(SEP.join(dims))
            parts = zip(dims, vocab[k], strict=True)
            rows["value"].append(SEP.join(prep.vocab[d][i] for d, i in parts))
            rows["baseline"].append(baseline)
            rows["_new"].append(
                max(int(prep.first_seen[d][i]) for d, i in zip(dims, vocab[k], strict=True))
            )
            for name, val in st.items():
                rows[name].append(val)


def _pairs(
    rows, prep, traffic, dims, singles, min_reports, min_users, max_pairs, per_dim, max_cand,
    margin, pair_alpha,
) -> None:  # fmt: skip
    """Score pairs of promising single values; append the ones clearly better than parts."""
    C = len(prep.clusters)
    wanted: dict[tuple[str, str], set[tuple[int, int, int]]] = {}
    best_single: dict[int, float] = {}
    for c in range(C):
        cands: list[tuple[float, str, int]] = []
        for d in dims:
            cells = singles[d][0]
            width = cells["obs"].shape[1]
            s = np.minimum(
                _score(cells["obs_w"][c], np.full(width, cells["n_w"][c]), cells["exp_w"][c]),
                _score(cells["obs"][c].astype(float), np.full(width, cells["n"][c]),
                       cells["exp"][c]),
            )  # fmt: skip
            ok = (cells["obs"][c] >= min_reports) & (cells["obs"][c] > cells["exp"][c])
            idx = [i for i in np.argsort(-s, kind="stable") if ok[i]][:per_dim]
            cands += [(float(s[i]), d, int(i)) for i in idx]
            best_single[c] = max(best_single.get(c, 0.0), float(s.max(initial=0.0)))
        cands.sort(key=lambda t: (-t[0], dims.index(t[1]), t[2]))
        cands = cands[:max_cand]
        combos = [(a, b) for a, b in itertools.combinations(cands, 2) if a[1] != b[1]]
        combos.sort(key=lambda ab: -(ab[0][0] * ab[1][0]))
        for a, b in combos[:max_pairs]:
            if dims.index(a[1]) > dims.index(b[1]):
                a, b = b, a
            wanted.setdefault((a[1], b[1]), set()).add((c, a[2], b[2]))
    for (d1, d2), want in sorted(
        wanted.items(), key=lambda kv: (dims.index(kv[0][0]), dims.index(kv[0][1]))
    ):
        cells, vocab, baseline = _evaluate_dims(prep, traffic, [d1, d2])
        index = {v: k for k, v in enumerate(vocab)}
        keep_set = set()
        for c, i1, i2 in want:
            k = index.get((i1, i2))
            if k is None:
                continue
            st = _row_stats(cells, c, k)
            # Beat the cluster's best single value (so both parts, whose scores are among
            # its singles): a pair that merely refines a proxy of the best value adds nothing.
            if st["score"] <= (1.0 + margin) * best_single[c] or st["reports"] < min_reports:
                continue
            # Within each part, the pair must be over-represented too (its users' share of
            # the part beats traffic's share): otherwise the part alone explains it.
            p_within = max(_within_part_p(st, singles[d][0], c, i) for d, i in ((d1, i1), (d2, i2)))
            if p_within < pair_alpha:
                keep_set.add((c, k))
        _emit(rows, prep, cells, [d1, d2], vocab, baseline, min_reports, min_users,
              lambda c, k, s=keep_set: (c, k) in s)  # fmt: skip


def _within_part_p(pair: dict[str, float], part_cells: dict, c: int, i: int) -> float:
    """One-sided p that the pair's share of its part's users exceeds the expected share."""
    part_o, part_e = part_cells["obs_w"][c, i], part_cells["exp_w"][c, i]
    if part_o <= 0 or part_e <= 0:
        return 1.0
    p0 = min(pair["expected_users"] / part_e, 1.0)
    return float(binomial_upper_tail(pair["user_equivalent"], part_o, p0))


def _finish(rows: dict[str, list], details: bool) -> pa.Table:
    n = len(rows["cluster_id"])
    if n == 0:
        return _empty(details)
    p = np.array(rows["p_value"], dtype=float)
    rows["q_value"] = benjamini_hochberg(p).tolist()
    # Scores equal to 9 significant digits are identical evidence: the newer value first.
    score = [float(f"{x:.9g}") for x in rows["score"]]
    cl = np.array(rows["cluster_id"], dtype=object)
    new = rows["_new"]
    order = sorted(
        range(n),
        key=lambda i: (cl[i], -score[i], -new[i], p[i], rows["dimension"][i], rows["value"][i]),
    )
    rank = np.zeros(n, dtype=np.int64)
    prev, r = None, 0
    for i in order:
        r = r + 1 if cl[i] == prev else 1
        prev = cl[i]
        rank[i] = r
    rows["rank"] = rank.tolist()
    schema = _schema(details)
    table = pa.table({f.name: pa.array(rows[f.name], f.type) for f in schema}, schema=schema)
    return table.take(pa.array(order, pa.int64()))


def _schema(details: bool) -> pa.Schema:
    return pa.schema(list(ATTRIBUTION_SCHEMA) + (DETAIL_FIELDS if details else []))


def _empty(details: bool) -> pa.Table:
    return _schema(details).empty_table()


class ClusterAttributor(BaseEstimator):
    """`attribute` in scikit-learn's manner: parameters in ``__init__``, ``fit`` returns self.

    The pipeline and the evaluation configure an attributor once and fit it to a run's
    reports; ``get_params``, ``set_params`` and ``sklearn.base.clone`` come from
    scikit-learn's ``BaseEstimator``. The parameters are `attribute`'s (see there).

    Attributes (after ``fit``):
        attributions_: pa.Table of ATTRIBUTION_SCHEMA rows (plus the detail columns when
            ``details``), sorted by cluster_id then rank.
        dimensions_: the dimension columns attributed, in output order (duplicates dropped).
    """

    def __init__(
        self,
        *,
        min_reports: int = 3,
        min_users: int = 1,
        max_pairs: int = 30,
        pair_candidates_per_dimension: int = 3,
        max_pair_candidates: int = 8,
        pair_margin: float = 0.2,
        pair_alpha: float = 0.01,
        details: bool = False,
    ) -> None:
        self.min_reports = min_reports
        self.min_users = min_users
        self.max_pairs = max_pairs
        self.pair_candidates_per_dimension = pair_candidates_per_dimension
        self.max_pair_candidates = max_pair_candidates
        self.pair_margin = pair_margin
        self.pair_alpha = pair_alpha
        self.details = details

    def fit(
        self, reports: pa.Table, traffic: pa.Table | None, dimensions: Sequence[str]
    ) -> ClusterAttributor:
        """Rank every cluster's over-represented values; returns ``self``.

        Args:
            reports: one row per report (see `attribute`).
            traffic: hourly requests per dimension value, or None (report-share baseline).
            dimensions: the dimension columns to attribute.
        """
        self.dimensions_ = list(dict.fromkeys(dimensions))
        self.attributions_ = attribute(
            reports, traffic, dimensions=self.dimensions_, **self.get_params()
        )
        return self
