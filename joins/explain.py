"""Explaining away per cluster (Adtributor / HALO style) with combinations in the residual (iDice).

Text clusters cannot separate two bugs whose users both write "it got worse". Per cluster:

1. Test every dimension value on the cluster's reports against traffic (as
   `joins.attribution`: observed against the value's traffic share over the cluster's own
   hours; p = max of the user-equivalent and the report binomial tails; score = coverage x
   log lift, the smaller of users and reports).
2. Add combinations of values (pairs, then triples of surviving pairs) built from the values
   with lift > 1, pruned as iDice prunes: by **impact** (at least ``min_reports`` reports and
   ``min_users`` users, and a score beating each part's and the step's best single value's by
   ``combo_score_margin``, as `joins.attribution` asks of pairs), by **change in time** (the
   combination's complaints per request of it step up somewhere in the run, or the
   combination is new: its traffic starts in the run) and by **isolation** (its lift beats
   each part's by ``combo_margin`` and, within each part, its share of the part's users beats
   traffic's share, binomial p < ``combo_alpha``). So
   "sampler build X on models A and B" is found when neither X nor A alone stands out.
3. Benjamini-Hochberg over this step's tests; among those with q <= ``alpha``, lift >=
   ``min_lift`` and enough users, accept the highest score as a finding; among candidates
   within ``proxy_tolerance`` of it that cover nearly the same reports (co-extensive over
   the cluster's hours, e.g. a release and a config on the same servers), the value that
   appeared in traffic most recently (the newer change, a prior as in `joins.attribution`).
   Values that only restate an accepted cause (their reports are, for at least
   ``nest_share``, among the accepted value's reports in the cluster, such as a pool inside
   an accepted tier; or a combination containing it) are folded under it and are not
   candidates any more.
4. Remove the accepted value's reports (the ones it explains) and repeat on the residual,
   while something is significant, up to ``max_findings``.

Every test made (all steps, all clusters) enters one Benjamini-Hochberg family; a finding's
``q_value`` is its q there, and a finding above ``alpha`` is dropped (or, when a step's more
specific name fails there, reported under the name it replaced: `first_significant`). The cluster's
``attributions`` rows are re-ranked: its findings first (in the order accepted), then the
other rows by score, then the folded rows; combinations found in the residual get a row with
their whole-cluster statistics. All sums are order-fixed (no BLAS).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
from scipy import stats

from joins import schemas
from joins.findings import (
    SEP,
    Finding,
    ReportData,
    TrafficIndex,
    best_rise,
    first_significant,
    significant_step,
    unique_inverse,
)
from joins.stats import benjamini_hochberg, binomial_upper_tail, poisson_upper_tail

SMOOTHING = 0.5  # add-half smoothing of report-share baselines (as joins.attribution)


@dataclass
class _Cand:
    """A value (or combination) tested on a set of rows. Counts are over those rows."""

    dims: tuple[str, ...]
    key: int
    reports: int
    users: int
    expected: float
    lift: float
    p_value: float
    score: float
    ow: float  # user-equivalent observed
    ew: float  # user-equivalent expected
    baseline: str = "traffic"
    parents: list[_Cand] = field(default_factory=list)


@dataclass
class Explanation:
    """What `ExplainingAway.explain` returns."""

    findings: list[Finding]  # accepted, q <= alpha, per cluster in acceptance order
    attributions: pa.Table  # ATTRIBUTIONS, re-ranked (findings first, folded last)
    tests: int  # size of the Benjamini-Hochberg family of the findings
    folded: dict[tuple[str, str, str], str] = field(default_factory=dict)  # row -> finding id


def _score(o: np.ndarray, n: np.ndarray, e: np.ndarray) -> np.ndarray:
    o, n, e = (np.asarray(x, dtype=float) for x in (o, n, e))
    cover = np.divide(o, n, out=np.zeros(np.broadcast(o, n).shape), where=np.asarray(n) > 0)
    return np.maximum(cover * np.log((o + 1.0) / (e + 1.0)), 0.0)


class ExplainingAway:
    """Per-cluster causes found one after the other, each on what the previous leave unexplained.

    Args:
        alpha: false-discovery level (Benjamini-Hochberg) for accepting a cause.
        min_reports / min_users: fewest reports / distinct users of a tested value.
        min_lift: fewest observed / expected of an accepted cause.
        max_findings: most causes per cluster.
        nest_share: a value whose cluster reports are at least this share inside an accepted
            value's reports restates it (folded, never a separate finding).
        candidates_per_dimension / max_candidates: parts of combinations (values with lift >
            1 on the residual, best scores first).
        max_triples: surviving pairs (best first) extended by a third value.
        combo_margin: a combination's lift must exceed (1 + margin) x each part's.
        combo_score_margin: ... and its score (1 + margin) x each part's and the step's best
            single value's (a refinement must explain clearly more than what it refines).
        combo_alpha: within-part isolation test level (binomial on user-equivalents).
        proxy_tolerance: candidates within this share of the best score that cover nearly
            the same reports are co-extensive proxies: the newest change is accepted.
        change_llr: log likelihood ratio an upward step of a combination's complaints per
            request must reach to count as a change in time (new combinations always count).
        min_segment_hours: fewest hours on each side of a change.
    """

    def __init__(
        self,
        *,
        alpha: float = 0.05,
        min_reports: int = 3,
        min_users: int = 2,
        min_lift: float = 1.5,
        max_findings: int = 5,
        nest_share: float = 0.9,
        candidates_per_dimension: int = 3,
        max_candidates: int = 10,
        max_triples: int = 5,
        combo_margin: float = 0.2,
        combo_score_margin: float = 0.1,
        combo_alpha: float = 0.01,
        proxy_tolerance: float = 0.05,
        change_llr: float = 4.0,
        min_segment_hours: int = 3,
        refine_alpha: float = 0.05,
    ) -> None:
        self.alpha = alpha
        self.min_reports = min_reports
        self.min_users = min_users
        self.min_lift = min_lift
        self.max_findings = max_findings
        self.nest_share = nest_share
        self.candidates_per_dimension = candidates_per_dimension
        self.max_candidates = max_candidates
        self.max_triples = max_triples
        self.combo_margin = combo_margin
        self.combo_score_margin = combo_score_margin
        self.proxy_tolerance = proxy_tolerance
        self.combo_alpha = combo_alpha
        self.change_llr = change_llr
        self.min_segment_hours = min_segment_hours
        self.refine_alpha = refine_alpha

    # ------------------------------------------------------------------ public
    def explain(
        self,
        reports: pa.Table,
        traffic: pa.Table | None,
        *,
        dimensions: Sequence[str],
        attributions: pa.Table | None = None,
        data: ReportData | None = None,
    ) -> Explanation:
        """Findings of every cluster of ``reports`` and its re-ranked attributions.

        Args:
            reports: N rows: ``cluster_id`` (null rows ignored), ``submitted_hour``,
                ``user_pseudonym`` and the dimension columns (as `joins.attribute`).
            traffic: ``hour``, ``requests`` and dimension columns, or None (then each value
                is compared with its share among the other clusters' reports).
            dimensions: dimension columns in output order.
            attributions: `joins.attribute` output for the same reports (re-ranked and
                completed here); None = findings only (``attributions`` comes back empty).
            data: an already encoded `ReportData` of ``reports`` (to share the encoding).

        Returns:
            `Explanation`. Each finding's ``members`` are row positions in ``reports``;
            ``reports``/``users``/``expected``/``lift``/``p_value`` are the test at
            acceptance (on the residual), ``step`` its acceptance order.
        """
        dims = list(dict.fromkeys(dimensions))
        self._data = data if data is not None else ReportData(reports, dims)
        self._traffic = traffic
        self._tindex: dict[tuple[str, ...], TrafficIndex] = {}
        self._tests: list[float] = []
        self._dims = dims
        accepted: list[list[tuple[Finding, int]]] = []  # each step's names, preferred first
        D = self._data
        for c, cid in enumerate(D.clusters):
            rows_c = np.flatnonzero(D.cl == c)
            accepted += self._explain_cluster(c, cid, rows_c)
        q = benjamini_hochberg(np.array(self._tests)) if self._tests else np.zeros(0)
        findings = [f for alts in accepted if (f := first_significant(alts, q, self.alpha))]
        ranks: dict[str, int] = {}
        for f in findings:
            ranks[f.cluster_id] = ranks.get(f.cluster_id, 0) + 1
            f.rank = ranks[f.cluster_id]
        attr, folded = self._rerank(attributions, findings)
        return Explanation(findings, attr, len(self._tests), folded)

    # ------------------------------------------------------------------ one cluster
    def _explain_cluster(
        self, c: int, cid: str, rows_c: np.ndarray
    ) -> list[list[tuple[Finding, int]]]:
        out: list[list[tuple[Finding, int]]] = []
        active = np.ones(len(rows_c), dtype=bool)
        accepted_sets: list[tuple[Finding, np.ndarray]] = []  # (finding, whole-cluster mask)
        for step in range(1, self.max_findings + 1):
            rows = rows_c[active]
            if len(rows) < self.min_reports:
                break
            cands = [
                x for x in self._candidates(c, rows) if not self._restates(x, rows_c, accepted_sets)
            ]
            if not cands:
                break
            ok = significant_step(
                cands, self._tests, alpha=self.alpha, min_lift=self.min_lift,
                min_users=self.min_users, min_reports=self.min_reports,
            )  # fmt: skip
            if not ok:
                break
            best, t = min(
                ok,
                key=lambda xt: (
                    -float(f"{xt[0].score:.9g}"),
                    -self._first_seen(xt[0]),
                    xt[0].p_value,
                    len(xt[0].dims),
                    [self._dims.index(d) for d in xt[0].dims],
                    xt[0].key,
                ),
            )
            D = self._data
            names = [(best, t)]  # the step's names, each replacing the one before
            names.append(self._refine(c, *names[-1], ok, rows))
            names.append(self._newest_proxy(*names[-1], ok, rows))
            names = [nt for i, nt in enumerate(names) if i == 0 or nt[0] is not names[i - 1][0]]
            alts = [(self._finding(cid, x, step, rows), tx) for x, tx in reversed(names)]
            out.append(alts)
            f, best = alts[0][0], names[-1][0]
            accepted_sets.append((f, D.keys(best.dims)[rows_c] == best.key))
            active &= ~np.isin(rows_c, f.members, kind="table")
        return out

    def _finding(self, cid: str, x: _Cand, step: int, rows: np.ndarray) -> Finding:
        D = self._data
        return Finding(
            cluster_id=cid,
            dims=x.dims,
            values=D.decode(x.dims, x.key),
            members=rows[D.keys(x.dims)[rows] == x.key],
            reports=x.reports,
            users=x.users,
            expected=x.expected,
            lift=x.lift,
            p_value=x.p_value,
            score=x.score,
            step=step,
        )

    def _refine(self, c: int, best: _Cand, t: int, ok: list, rows: np.ndarray) -> tuple:
        """The most specific significant candidate that leaves nothing over in the best one.

        The score (coverage x log lift) favours the broader of two nested explanations: a
        release that serves the failing servers since weeks over the configuration deployed
        on them yesterday, "Opus 3 on TPU" over "Opus 3 on the new TPU sampler build". A
        significant candidate ``x`` with fewer reports, at least ``nest_share`` of them inside
        the best's, replaces it when the rest of the best's reports (those without ``x``'s
        values) are not themselves in excess of traffic (one-sided Poisson tail p >=
        ``refine_alpha`` in reports or in user-equivalents, or lift below ``min_lift``): the
        broader value then only adds its ordinary complaints to the narrower one's. A
        candidate that served traffic ``min_segment_hours`` or more before the best also
        needs the rest shown to complain less than its own part of the best does
        (`_remainder_below`). Repeated while such a candidate exists (best score first), as
        a drill-down (iDice isolation, HALO's hierarchy walk)."""
        D = self._data
        while True:
            mine = D.keys(best.dims)[rows] == best.key
            options = []
            for x, tx in ok:
                if x is best or x.reports >= best.reports:
                    continue
                other = D.keys(x.dims)[rows] == x.key
                if int((mine & other).sum()) < self.nest_share * max(int(other.sum()), 1):
                    continue
                if self._remainder_in_excess(c, best, x, rows):
                    continue
                # Renaming a change to an older value (the configuration a new build went
                # onto) must show the change is fine elsewhere, not only not yet bad there.
                older = self._first_seen(best) - self._first_seen(x) >= self.min_segment_hours
                if older and not self._remainder_below(c, best, x, rows):
                    continue
                options.append((x, tx))
            if not options:
                return best, t
            best, t = min(
                options,
                key=lambda xt: (
                    -float(f"{xt[0].score:.9g}"),
                    xt[0].p_value,
                    len(xt[0].dims),
                    [self._dims.index(d) for d in xt[0].dims],
                    xt[0].key,
                ),
            )

    def _remainder_in_excess(self, c: int, best: _Cand, x: _Cand, rows: np.ndarray) -> bool:
        """Whether ``best``'s reports without ``x``'s values still complain more than traffic
        predicts (see `_refine`)."""
        joint = self._data.joint((best.dims, best.key), (x.dims, x.key))
        if joint is None:
            return True  # no joint value: not a refinement
        dims, key = joint
        st = self._stats(c, rows, dims, np.array([key]))
        if not st:
            return True
        j = st[0]
        o, e = best.reports - j.reports, max(best.expected - j.expected, 0.0)
        ow, ew = best.ow - j.ow, max(best.ew - j.ew, 0.0)
        if o <= 0:
            return False
        p = max(poisson_upper_tail(o, e), poisson_upper_tail(ow, ew))
        return p < self.refine_alpha and o >= self.min_lift * e

    def _remainder_below(self, c: int, best: _Cand, x: _Cand, rows: np.ndarray) -> bool:
        """Whether ``best``'s reports without ``x``'s values are shown to complain less than
        ``x``'s part of ``best`` does (one-sided Poisson tail of the rest's reports at the
        part's lift, p < ``refine_alpha``; see `_refine`). Not in excess is not enough: a
        sampler build that reached a second platform a few hours ago has a rest of two
        reports, ordinary by traffic and as many as the build's rate predicts there, and
        renaming it to the older configuration of the first platform would drop the build
        on that absence of evidence."""
        joint = self._data.joint((best.dims, best.key), (x.dims, x.key))
        if joint is None:
            return False
        dims, key = joint
        st = self._stats(c, rows, dims, np.array([key]))
        if not st or st[0].expected <= 0:
            return False
        j = st[0]
        o, e = best.reports - j.reports, max(best.expected - j.expected, 0.0)
        return float(stats.poisson.cdf(max(o, 0), j.lift * e)) < self.refine_alpha

    def _newest_proxy(self, best: _Cand, t: int, ok: list, rows: np.ndarray) -> tuple:
        """Among candidates within ``proxy_tolerance`` of the best score that cover nearly the
        same reports (both ways at least ``nest_share``), the newest change: values that are
        co-extensive over the cluster's hours (a release and a config on the same servers)
        cannot be told apart by the data, and the newer change is the prior."""
        D = self._data
        mine = D.keys(best.dims)[rows] == best.key
        same = []
        for x, tx in ok:
            if x.score < (1.0 - self.proxy_tolerance) * best.score:
                continue
            other = D.keys(x.dims)[rows] == x.key
            both = int((mine & other).sum())
            if both >= self.nest_share * max(int(mine.sum()), int(other.sum()), 1):
                same.append((x, tx))
        if len(same) <= 1:
            return best, t
        return min(
            same,
            key=lambda xt: (
                -self._first_seen(xt[0]),
                -float(f"{xt[0].score:.9g}"),
                xt[0].p_value,
                len(xt[0].dims),
                [self._dims.index(d) for d in xt[0].dims],
                xt[0].key,
            ),
        )

    def _first_seen(self, x: _Cand) -> int:
        """Epoch hour the value first served traffic (first report without traffic): equal
        scores (identical evidence, e.g. a release and a config on the same servers) go to
        the newer change, as in `joins.attribution`."""
        ti = self._tidx(x.dims)
        if ti.ok:
            lo = np.searchsorted(ti.key, x.key, side="left")
            hi = np.searchsorted(ti.key, x.key, side="right")
            if hi > lo:
                return int(ti.hour[lo:hi][ti.req[lo:hi] > 0].min(initial=np.iinfo(np.int64).max))
        D = self._data
        h = D.hour[D.keys(x.dims) == x.key]
        return int(h.min()) if len(h) else 0

    def _restates(self, x: _Cand, rows_c: np.ndarray, accepted: list) -> bool:
        """True when ``x`` contains an accepted cause or its reports nest inside one's."""
        if not accepted:
            return False
        D = self._data
        vals = set(zip(x.dims, D.decode(x.dims, x.key), strict=True))
        mask = D.keys(x.dims)[rows_c] == x.key
        n = int(mask.sum())
        for f, fmask in accepted:
            if set(f.parts) <= vals:
                return True
            if n and (mask & fmask).sum() >= self.nest_share * n:
                return True
        return False

    # ------------------------------------------------------------------ statistics
    def _tidx(self, dims: tuple[str, ...]) -> TrafficIndex:
        if dims not in self._tindex:
            self._tindex[dims] = TrafficIndex(self._traffic, self._data, dims)
        return self._tindex[dims]

    def _stats(
        self, c: int, rows: np.ndarray, dims: tuple[str, ...], keys: np.ndarray | None = None
    ) -> list[_Cand]:
        """Every value (or the given keys) of ``dims`` tested on ``rows`` of cluster ``c``."""
        D = self._data
        k_all = D.keys(dims)[rows]
        valid = k_all >= 0
        if not valid.any():
            return []
        w = D.weights(rows)
        kv, wv = k_all[valid], w[valid]
        if keys is None:
            uk, inv, _ = unique_inverse(kv)
        else:
            uk = np.unique(np.asarray(keys, dtype=np.int64))
            pos = np.minimum(np.searchsorted(uk, kv), len(uk) - 1)
            inv = np.where(uk[pos] == kv, pos, -1)
        K = len(uk)
        hit = inv >= 0
        obs = np.bincount(inv[hit], minlength=K).astype(float)
        ow = np.bincount(inv[hit], wv[hit], minlength=K)
        users = D.users_per_key(rows[valid], inv, K)
        n, nw = float(valid.sum()), float(wv.sum())
        hrs, hinv, _ = unique_inverse(D.hour[rows][valid])
        J = np.bincount(hinv, minlength=len(hrs)).astype(float)
        Jw = np.bincount(hinv, wv, minlength=len(hrs))
        share = self._tidx(dims).shares(hrs, uk)
        if share is not None:
            e = (J[:, None] * share).sum(0)
            ew = (Jw[:, None] * share).sum(0)
            baseline = "traffic"
        else:
            sc = self._report_share(c, dims, uk)
            e, ew, baseline = n * sc, nw * sc, "reports"
        p_users = binomial_upper_tail(ow, nw, np.where(nw > 0, ew / max(nw, 1e-300), 0.0))
        p_reports = binomial_upper_tail(obs, n, np.where(n > 0, e / max(n, 1e-300), 0.0))
        p = np.maximum(p_users, p_reports)
        score = np.minimum(_score(ow, nw, ew), _score(obs, n, e))
        with np.errstate(divide="ignore", invalid="ignore"):
            lift = np.where(e > 0, obs / np.where(e > 0, e, 1.0), np.inf)
        return [
            _Cand(dims, int(uk[i]), int(obs[i]), int(users[i]), float(e[i]), float(lift[i]),
                  float(p[i]), float(score[i]), float(ow[i]), float(ew[i]), baseline)
            for i in range(K)
        ]  # fmt: skip

    def _report_share(self, c: int, dims: tuple[str, ...], uk: np.ndarray) -> np.ndarray:
        """Each key's share among the other clusters' joined reports (add-half smoothing)."""
        D = self._data
        k = D.keys(dims)
        other = (D.cl != c) & (D.cl >= 0) & (k >= 0)
        if not other.any():
            other = k >= 0
        ko = k[other]
        n_keys = len(np.unique(k[k >= 0]))
        pos = np.minimum(np.searchsorted(uk, ko), max(len(uk) - 1, 0))
        hit = uk[pos] == ko if len(uk) else np.zeros(len(ko), bool)
        cnt = np.bincount(pos[hit], minlength=len(uk)).astype(float)
        return (cnt + SMOOTHING) / (len(ko) + SMOOTHING * n_keys)

    def _rising(self, rows: np.ndarray, x: _Cand) -> bool:
        """Change in time: the combination's complaints per request of it step up, or it is
        new (its traffic starts after the run's first ``min_segment_hours`` hours)."""
        D = self._data
        mine = rows[D.keys(x.dims)[rows] == x.key]
        y = D.counts_by_hour(mine)
        ti = self._tidx(x.dims)
        if ti.ok:
            req = ti.requests(D.span, np.array([x.key]))[:, 0]
            seen = np.flatnonzero(req > 0)
            if len(seen) and seen[0] >= self.min_segment_hours:
                return True
            e = np.where((req <= 0) & (y > 0), 0.5, req)
        else:
            e = np.ones(len(y))
        rise = best_rise(y, e, min_size=self.min_segment_hours)
        return bool(rise.llr[0] >= self.change_llr)

    # ------------------------------------------------------------------ candidates
    def _candidates(self, c: int, rows: np.ndarray) -> list[_Cand]:
        singles: list[_Cand] = []
        parts: list[_Cand] = []
        for d in self._dims:
            st = self._stats(c, rows, (d,))
            tested = [x for x in st if x.reports >= self.min_reports and x.users >= self.min_users]
            singles += tested
            up = sorted(
                (x for x in tested if x.lift > 1.0),
                key=lambda x: (-x.score, x.p_value, x.key),
            )
            parts += up[: self.candidates_per_dimension]
        self._best_single = max((x.score for x in singles), default=0.0)
        parts.sort(key=lambda x: (-x.score, x.p_value, self._dims.index(x.dims[0]), x.key))
        parts = parts[: self.max_candidates]
        pairs = []
        for i, a in enumerate(parts):
            for b in parts[i + 1 :]:
                if a.dims[0] == b.dims[0]:
                    continue
                pair = self._combine(c, rows, [a, b])
                if pair is not None:
                    pairs.append(pair)
        triples = []
        pairs.sort(key=lambda x: (-x.score, x.p_value, x.key))
        seen: set[tuple] = set()
        for pr in pairs[: self.max_triples]:
            for z in parts:
                if z.dims[0] in pr.dims:
                    continue
                trip = self._combine(c, rows, [pr, z], pieces=[*pr.parents, z])
                if trip is None or (trip.dims, trip.key) in seen:
                    continue
                seen.add((trip.dims, trip.key))
                triples.append(trip)
        return singles + pairs + triples

    def _combine(
        self, c: int, rows: np.ndarray, parents: list[_Cand], pieces: list[_Cand] | None = None
    ) -> _Cand | None:
        """The combination of ``pieces`` (single values) if it passes impact, isolation and
        change in time against each of ``parents``; else None."""
        D = self._data
        pieces = pieces or parents
        order = sorted(pieces, key=lambda x: self._dims.index(x.dims[0]))
        dims = tuple(x.dims[0] for x in order)
        key = 0
        for x in order:
            key = key * D.radix(x.dims[0]) + x.key
        st = self._stats(c, rows, dims, np.array([key]))
        if not st or st[0].reports < self.min_reports or st[0].users < self.min_users:
            return None  # impact
        x = st[0]
        bar = max([par.score for par in parents] + [self._best_single])
        if x.score <= (1.0 + self.combo_score_margin) * bar:
            return None  # explains no more than a part, or the best single value, already does
        for par in parents:
            if not x.lift >= (1.0 + self.combo_margin) * par.lift:
                return None  # isolation: no sharper than a part
            p0 = min(x.ew / par.ew, 1.0) if par.ew > 0 else 1.0
            if par.ow <= 0 or binomial_upper_tail(x.ow, par.ow, p0) >= self.combo_alpha:
                return None  # isolation: the part alone explains it
        if not self._rising(rows, x):
            return None  # no change in time
        x.parents = list(order)
        return x

    # ------------------------------------------------------------------ attributions
    def _rerank(
        self, attributions: pa.Table | None, findings: list[Finding]
    ) -> tuple[pa.Table, dict]:
        """Findings first, then independent rows by score, then rows restating a finding."""
        schema = schemas.ATTRIBUTIONS
        if attributions is None:
            return schema.empty_table(), {}
        D = self._data
        rows = attributions.to_pylist()
        by_cluster: dict[str, list[Finding]] = {}
        for f in findings:
            by_cluster.setdefault(f.cluster_id, []).append(f)
        have = {(r["cluster_id"], r["dimension"], r["value"]) for r in rows}
        cidx = {cid: i for i, cid in enumerate(D.clusters)}
        for f in findings:  # combinations found in the residual: whole-cluster statistics
            if (f.cluster_id, f.dimension, f.value) in have:
                continue
            c = cidx[f.cluster_id]
            key = D.keys(f.dims)[f.members[0]]
            st = self._stats(c, np.flatnonzero(D.cl == c), f.dims, np.array([key]))[0]
            rows.append(
                {
                    "cluster_id": f.cluster_id,
                    "dimension": f.dimension,
                    "value": f.value,
                    "reports": st.reports,
                    "users": st.users,
                    "expected": st.expected,
                    "lift": st.lift,
                    "p_value": st.p_value,
                    "q_value": 1.0,
                    "rank": 10**9,
                    "baseline": st.baseline,
                }
            )
        folded: dict[tuple[str, str, str], str] = {}
        tiers = []
        masks: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for r in rows:
            cid = r["cluster_id"]
            fs = by_cluster.get(cid, [])
            tier, order = 1, r["rank"]
            for i, f in enumerate(fs):
                if (r["dimension"], r["value"]) == (f.dimension, f.value):
                    tier, order = 0, i
                    break
            else:
                f = self._restated_by(r, fs, masks, cidx)
                if f is not None:
                    tier = 2
                    folded[(cid, r["dimension"], r["value"])] = f.id
                    if f"{r['dimension']}={r['value']}" not in f.folded:
                        f.folded.append(f"{r['dimension']}={r['value']}")
            tiers.append((tier, order))
        if not rows:
            return schema.empty_table(), folded
        q = benjamini_hochberg(np.array([r["p_value"] for r in rows], dtype=float))
        for r, qq in zip(rows, q, strict=True):
            r["q_value"] = float(qq)
        idx = sorted(
            range(len(rows)),
            key=lambda i: (rows[i]["cluster_id"], tiers[i], rows[i]["dimension"], rows[i]["value"]),
        )
        prev, rank = None, 0
        for i in idx:
            rank = rank + 1 if rows[i]["cluster_id"] == prev else 1
            prev = rows[i]["cluster_id"]
            rows[i]["rank"] = rank
        ordered = [rows[i] for i in idx]
        return pa.Table.from_pylist(ordered, schema=schema), folded

    def _restated_by(self, r: dict, fs: list[Finding], masks: dict, cidx: dict) -> Finding | None:
        if not fs or r["cluster_id"] not in cidx:
            return None
        D = self._data
        dims = tuple(r["dimension"].split(SEP))
        vals = tuple(r["value"].split(SEP))
        if any(d not in D.codes for d in dims):
            return None
        c = cidx[r["cluster_id"]]
        if r["cluster_id"] not in masks:
            masks[r["cluster_id"]] = (np.flatnonzero(D.cl == c), None)
        rows_c = masks[r["cluster_id"]][0]
        mask = np.ones(len(rows_c), dtype=bool)
        for d, v in zip(dims, vals, strict=True):
            codes = D.codes[d][rows_c]
            vi = D.vocab[d].index(v) if v in D.vocab[d] else -2
            mask &= codes == vi
        n = int(mask.sum())
        for f in fs:
            if set(f.parts) <= set(zip(dims, vals, strict=True)):
                return f
            fmask = D.keys(f.dims)[rows_c] == D.keys(f.dims)[f.members[0]]
            if n and (mask & fmask).sum() >= self.nest_share * n:
                return f
        return None


def explain_clusters(
    reports: pa.Table,
    traffic: pa.Table | None,
    *,
    dimensions: Sequence[str],
    attributions: pa.Table | None = None,
    **params,
) -> Explanation:
    """`ExplainingAway(**params).explain(...)`: a function for callers without state."""
    return ExplainingAway(**params).explain(
        reports, traffic, dimensions=dimensions, attributions=attributions
    )
