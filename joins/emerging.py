"""Emerging findings over all reports: a change in the complaint rate per request of a value.

Text clusters need not isolate a bug (its users may write like everyone else). Over all
(published) reports, and again over the reports of each symptom, for every dimension value
and promising pair of values:

- y[h] = its reports in hour h; n[h] = its requests in hour h (traffic).
- e[h] = n[h] * r[h], r = the complaint rate per request of all the dimension's traffic
  (reports and requests each summed over a centred window of ``smooth_hours`` so sparse hours
  do not make the baseline jump; the value's own reports included, which makes the test
  conservative; an accepted finding's reports and requests leave it from its onset on, and
  leave each value's own requests too, `_series`).
  Under "nothing changed", y ~ Poisson(lambda e) with one lambda (the value's relative risk)
  over the whole run, whatever traffic does hour by hour.
- Likelihood-ratio test of one upward step of lambda (the best split, `best_rise`); its
  p-value is Bonferroni-bounded over the split points tried: p = min(1, S * P(chi2_1 >= 2
  LLR) / 2), and must also hold for "from the split on, more than the traffic's rate
  predicts" (lambda > 1; the larger p is kept: a deficit before a normal rate is no change).
  A value whose traffic starts inside the run (a new release, config, build) is
  tested against lambda = 1 from its start (it complains more than the rest since it
  appeared). Users, not reports: each LLR is divided by a dispersion of reports per user,
  phi = sum(c^2) / sum(c) over users' report counts c (compound Poisson, quasi-likelihood;
  `_dispersion_of`), by default the slice's population's from the onset on (``dispersion``:
  under "nothing changed" a value's users file reports like everybody's, so the
  population's repeats are the null's; a sticky bug's users who come back again and again
  are then evidence, as they are in the incident). Fewer than ``min_users`` users make
  nothing, and heavy reporters raise the population's phi themselves.
- onset = the split hour; ``reports``/``users`` = its reports from the onset on; ``expected``
  = max(lambda_before, 1) * e over those hours (lambda_before shrunk towards the run's by
  ``prior_reports``; for a new value 1, or its parts' worst rate over the same hours for a
  combination; a new value that rises within its life is tested on that rise instead when
  it scores higher);
  ``lift`` = reports / expected; score = (reports - expected) * ln lift / phi (excess x
  surprise, in users as the test is).
- Pairs (iDice pruning): from the values with lift > 1 (best few per dimension, even when
  not significant alone), cross-dimension pairs with at least ``min_reports`` reports and
  ``min_users`` users (impact), a lift beating each part's by ``combo_margin`` (isolation),
  tested the same way (change in time).
- Explaining away, as per cluster (`joins.explain`): Benjamini-Hochberg over each step's
  tests, accept the best score among q <= alpha, lift >= min_lift, users >= min_users,
  remove the reports and traffic it explains (from its onset on, less its spared parts:
  those shown quieter than its rate before anything else changed on its requests,
  `_spared_parts`), repeat. Every test of every step and slice is one BH family; findings
  above alpha are dropped (a step's refined name that fails there falls back to the name it
  replaced, `first_significant`). Slices run all reports first, then symptoms in name order; what an
  earlier slice's finding explains (its value's reports from its onset on) is removed from a
  later slice before it is searched, and its value is not repeated there.
- A pair must beat each part's lift and score by ``combo_margin`` (else the part explains it).

Each finding lists the clusters its reports fall in (``clusters``, most reports first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from scipy import stats

from joins.findings import (
    Finding,
    ReportData,
    TrafficCells,
    TrafficIndex,
    best_rise,
    date_rise,
    first_significant,
    poisson_ll,
    significant_step,
    unique_inverse,
)
from joins.stats import benjamini_hochberg, poisson_upper_tail


@dataclass
class _ECand:
    dims: tuple[str, ...]
    key: int
    tau: int  # span index of the onset
    reports: int
    users: int
    expected: float
    lift: float
    p_value: float
    score: float
    new: bool
    members: np.ndarray  # rows (positions) with the value from the onset on
    series: np.ndarray  # rows with the value, all hours
    traffic_lift: float = float("nan")  # reports / traffic's expectation from the onset on


def _window_sum(x: np.ndarray, width: int) -> np.ndarray:
    """Centred moving sum over ``width`` hours along axis 0 (cumsum; order-fixed)."""
    H = x.shape[0]
    c = np.concatenate([np.zeros((1, *x.shape[1:])), np.cumsum(x, 0)], 0)
    half = width // 2
    lo = np.clip(np.arange(H) - half, 0, H)
    hi = np.clip(np.arange(H) + half + 1, 0, H)
    return c[hi] - c[lo]


def _chi2_half(llr: np.ndarray) -> np.ndarray:
    """One-sided p-value of a one-parameter likelihood-ratio statistic: P(chi2_1 >= 2 LLR) / 2."""
    return 0.5 * stats.chi2.sf(2.0 * np.maximum(np.asarray(llr, dtype=float), 0.0), 1)


class EmergingFindings:
    """Changes in the complaint rate per request of values and pairs, over all reports.

    Args:
        alpha: false-discovery level (Benjamini-Hochberg over every test made).
        min_reports / min_users: fewest reports / distinct users from the onset on (set
            min_users to the publication threshold K: nothing about fewer than K users).
        min_lift: fewest reports / expected from the onset on.
        max_findings: most findings per slice (all reports, each symptom).
        nest_share: a candidate with at least this share of its reports among an accepted
            finding's restates it.
        smooth_hours: width of the centred window of the rest's complaint rate (hours).
        min_segment_hours: fewest hours on each side of a change.
        candidates_per_dimension / max_candidates / combo_margin: pair pruning (parts: the
            values with lift > 1, best scores first).
        symptoms: also test per symptom. min_symptom_reports: fewest reports of a symptom.
        prior_reports: the rate before a change is shrunk towards the run's by this many
            expected reports (lift of a change against a few quiet hours stays modest).
        dispersion: whose reports-per-user dispersion divides the users test:
            "population" (the default: all of the slice's reports from the onset on, as a
            quasi-Poisson model estimates one dispersion; a value's repeat reporters weigh
            like the population's typical repeats, so a sticky bug is found from its first
            day) or "value" (the value's own reports from the onset on: a few users hit
            over and over weigh about as few: the most conservative reading, which finds
            the incident's routing bug days later). Both measured, with the null
            scenario's false alarms, in docs/attribution.md.
    """

    def __init__(
        self,
        *,
        alpha: float = 0.05,
        min_reports: int = 5,
        min_users: int = 5,
        min_lift: float = 1.5,
        max_findings: int = 5,
        nest_share: float = 0.9,
        smooth_hours: int = 72,
        min_segment_hours: int = 6,
        candidates_per_dimension: int = 3,
        max_candidates: int = 12,
        combo_margin: float = 0.2,
        symptoms: bool = True,
        min_symptom_reports: int = 30,
        prior_reports: float = 5.0,
        split_ratio: float | None = 1.25,
        refine_alpha: float = 0.05,
        dispersion: str = "population",
    ) -> None:
        if dispersion not in ("value", "population"):
            raise ValueError(f"dispersion must be 'value' or 'population', not {dispersion!r}")
        self.alpha = alpha
        self.min_reports = min_reports
        self.min_users = min_users
        self.min_lift = min_lift
        self.max_findings = max_findings
        self.nest_share = nest_share
        self.smooth_hours = smooth_hours
        self.min_segment_hours = min_segment_hours
        self.candidates_per_dimension = candidates_per_dimension
        self.max_candidates = max_candidates
        self.combo_margin = combo_margin
        self.symptoms = symptoms
        self.min_symptom_reports = min_symptom_reports
        self.prior_reports = prior_reports
        self.split_ratio = split_ratio
        self.refine_alpha = refine_alpha
        self.dispersion = dispersion

    def find(
        self,
        reports: pa.Table,
        traffic: pa.Table | None,
        *,
        dimensions: Sequence[str],
        data: ReportData | None = None,
    ) -> list[Finding]:
        """Run-wide findings (``cluster_id`` None), ranked 1.. by score.

        Args:
            reports: N rows: ``cluster_id``, ``submitted_hour``, ``user_pseudonym``, the
                dimension columns and (for per-symptom slices) ``symptoms``.
            traffic: ``hour``, ``requests`` and dimension columns; without it (or for a
                dimension it lacks) there is no rate per request and nothing is tested.
            dimensions: dimension columns in output order.
            data: an already encoded `ReportData` of ``reports``.

        Returns:
            Findings with ``members`` (row positions from the onset on), ``series_rows``,
            ``onset_hour``, ``symptom`` (None = all reports), ``clusters`` and ``q_value``.
        """
        D = data if data is not None else ReportData(reports, dimensions)
        self._data, self._traffic = D, traffic
        self._dims = [d for d in dict.fromkeys(dimensions)]
        self._tindex: dict[tuple[str, ...], TrafficIndex] = {}
        self._tests: list[float] = []
        self._accepted_global: list[tuple[tuple, set, np.ndarray]] = []
        self._explained: list[tuple] = []  # (dims, key, onset, spared parts)
        if D.n == 0 or traffic is None or traffic.num_rows == 0:
            return []
        self._cells = TrafficCells(traffic, D)
        self._explained_rows = np.zeros(len(self._cells.req), dtype=bool)
        slices: list[tuple[str | None, np.ndarray]] = [(None, np.arange(D.n))]
        if self.symptoms and D.symptoms is not None:
            by: dict[str, list[int]] = {}
            for i, syms in enumerate(D.symptoms):
                for s in set(syms):
                    by.setdefault(s, []).append(i)
            for s in sorted(by):
                if len(by[s]) >= self.min_symptom_reports:
                    slices.append((s, np.array(by[s], dtype=np.int64)))
        accepted: list[list[tuple[Finding, int]]] = []  # each step's names, preferred first
        overall: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()
        for symptom, rows in slices:
            got = self._slice(symptom, rows, overall)
            # Every name a step considered: whichever the final q keeps is not repeated later.
            overall |= {(f.dims, f.values) for alts in got for f, _ in alts}
            accepted += got
        q = benjamini_hochberg(np.array(self._tests)) if self._tests else np.zeros(0)
        out = [f for alts in accepted if (f := first_significant(alts, q, self.alpha))]
        out.sort(key=lambda f: (-round(f.score, 9), f.symptom or "", f.dimension, f.value))
        for i, f in enumerate(out, 1):
            f.rank = i
            cl = D.cl[f.members]
            cl = cl[cl >= 0]
            ids, cnt = np.unique(cl, return_counts=True)
            order = sorted(range(len(ids)), key=lambda j: (-cnt[j], D.clusters[ids[j]]))
            f.clusters = [D.clusters[ids[j]] for j in order]
        return out

    # ------------------------------------------------------------------ one slice
    def _slice(self, symptom, rows_s, overall) -> list[list[tuple[Finding, int]]]:
        D = self._data
        active = np.ones(len(rows_s), dtype=bool)
        self._explained_rows[:] = False  # traffic an accepted finding explains
        # What earlier slices' findings explain is explained here too: their value's reports
        # from their onset on leave this slice's residual (and their requests its baseline).
        for dims, key, tau, spared in self._explained:
            hit = (D.keys(dims)[rows_s] == key) & (D.hour[rows_s] >= D.span0 + tau)
            for pd, pk in spared:
                hit &= D.keys(pd)[rows_s] != pk
            if hit.any():
                active &= ~hit
                self._explain_requests(dims, key, tau, spared)
        got: list[list[tuple[Finding, int]]] = []
        accepted_sets = self._accepted_global  # earlier slices' findings count too
        for step in range(1, self.max_findings + 1):
            rows = rows_s[active]
            if len(rows) < self.min_reports:
                break
            cands = [
                x
                for x in self._candidates(rows)
                if not self._restates(x, accepted_sets)
                and (x.dims, D.decode(x.dims, x.key)) not in overall
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
                    -round(xt[0].score, 12),
                    xt[0].new,
                    xt[0].p_value,
                    len(xt[0].dims),
                    [self._dims.index(d) for d in xt[0].dims],
                    xt[0].key,
                ),
            )
            names = [(best, t)]  # the step's names, each replacing the one before
            names.append(self._refine(rows, *names[-1], ok))
            names.append(self._newest_proxy(*names[-1], ok))
            names.append(self._change_within(rows, *names[-1], ok))
            names = [nt for i, nt in enumerate(names) if i == 0 or nt[0] is not names[i - 1][0]]
            best, t = names[-1]
            vals = D.decode(best.dims, best.key)
            got.append([(self._finding(x, step, symptom), tx) for x, tx in reversed(names)])
            accepted_sets.append((best.dims, set(zip(best.dims, vals, strict=True)), best.members))
            spared = self._spared_parts(rows, best)
            explained = best.members
            for pd, pk in spared:
                explained = explained[D.keys(pd)[explained] != pk]
            active &= ~np.isin(rows_s, explained, kind="table")
            self._explain_requests(best.dims, best.key, best.tau, spared)
            self._explained.append((best.dims, best.key, best.tau, spared))
        return got

    def _explain_requests(self, dims, key: int, tau: int, spared) -> None:
        """An accepted value's traffic from ``tau`` on, less its spared parts', leaves the
        residual: the baseline's total and every tested value's own requests
        (`_series`), each explained request once however many findings cover it."""
        cells, D = self._cells, self._data
        hit = (cells.keys(dims) == key) & (cells.hour >= D.span0 + tau)
        for pd, pk in spared:
            hit &= cells.keys(pd) != pk
        self._explained_rows |= hit

    def _spared_parts(self, rows: np.ndarray, best: _ECand) -> list[tuple[tuple[str, ...], int]]:
        """The parts of an accepted finding that it does not explain, as (dims, key).

        Explaining away removes the finding's reports and requests from its onset on. A
        value is often broader than its bug: a TPU configuration that corrupts three models
        also serves two it does not touch, and a second bug that later hits those two (a
        sampler build on the same servers) would be removed with it. Between the onset and
        the first later change on the finding's requests (a value that first serves traffic
        ``min_segment_hours`` or more after it), a part of the finding by one more
        dimension's value whose reports are shown fewer than the finding's rate there
        predicts (Poisson lower tail p < ``refine_alpha``, as `_remainder_below`) is not
        the finding's: its reports stay in the residual and its requests in the baseline.
        One dimension: the one whose spared parts carry the most expected reports."""
        D = self._data
        H, m = len(D.span), self.min_segment_hours
        members, lo = best.members, best.tau
        hi = H
        for d in self._dims:
            if d in best.dims or not self._tidx((d,)).ok:
                continue
            ks = np.unique(D.keys((d,))[members])
            for k in ks[ks >= 0]:
                first = self._first_hour((d,), int(k))
                if lo + m <= first < hi:
                    hi = first
        got = self._series(rows, best.dims, np.array([best.key]))
        if got is None or hi - lo < m:
            return []
        lam = D.counts_by_hour(members)[lo:hi].sum() / max(got[4][lo:hi, 0].sum(), 1e-12)
        chosen: list[tuple[tuple[str, ...], int]] = []
        most = 0.0
        for d in self._dims:
            if d in best.dims:
                continue
            ku = D.keys((d,))[members]
            parts, expected = [], 0.0
            for u in np.unique(ku[ku >= 0]):
                part = D.joint((best.dims, best.key), ((d,), int(u)))
                if part is None or not self._tidx(part[0]).ok:
                    continue
                sp = self._series(rows, part[0], np.array([part[1]]))
                if sp is None:
                    continue
                y = D.counts_by_hour(members[ku == u])[lo:hi].sum()
                e = float(sp[4][lo:hi, 0].sum())
                if e > 0 and float(stats.poisson.cdf(y, lam * e)) < self.refine_alpha:
                    parts.append(part)
                    expected += e
            if expected > most:
                chosen, most = parts, expected
        return chosen

    def _finding(self, x: _ECand, step: int, symptom: str | None) -> Finding:
        D = self._data
        return Finding(
            cluster_id=None,
            dims=x.dims,
            values=D.decode(x.dims, x.key),
            members=x.members,
            reports=x.reports,
            users=x.users,
            expected=x.expected,
            lift=x.lift,
            p_value=x.p_value,
            score=x.score,
            step=step,
            symptom=symptom,
            onset_hour=int(D.span0 + x.tau),
            series_rows=x.series,
        )

    def _refine(self, rows: np.ndarray, best: _ECand, t: int, ok: list) -> tuple:
        """The most specific significant candidate that leaves nothing over in the best one
        (as `joins.explain.ExplainingAway._refine`): a candidate with fewer reports, at least
        ``nest_share`` of them among the best's, replaces it when the best's reports from its
        onset on without the candidate's values are not in excess of traffic (Poisson tail p
        >= ``refine_alpha`` or lift below ``min_lift``, in reports against the traffic's
        rate); a candidate that served traffic ``min_segment_hours`` or more before the best
        also needs that rest shown below its own part's rate (`_remainder_below`). "Haiku
        3.5 on GPU" since yesterday is "Haiku 3.5 on the GPU sampler build deployed
        yesterday" when nothing else of Haiku 3.5 on GPU complains."""
        while True:
            options = []
            for x, tx in ok:
                if x is best or x.reports >= best.reports:
                    continue
                inside = np.isin(x.members, best.members, kind="table").sum()
                if inside < self.nest_share * max(len(x.members), 1):
                    continue
                if self._remainder_in_excess(rows, best, x):
                    continue
                # As per cluster: renaming a change to an older value needs the change's
                # rest shown to complain less, not only not yet more.
                older = self._first_hour(best.dims, best.key) - self._first_hour(x.dims, x.key)
                if older >= self.min_segment_hours and not self._remainder_below(rows, best, x):
                    continue
                options.append((x, tx))
            if not options:
                return best, t
            best, t = min(
                options,
                key=lambda xt: (
                    -round(xt[0].score, 12),
                    xt[0].p_value,
                    len(xt[0].dims),
                    [self._dims.index(d) for d in xt[0].dims],
                    xt[0].key,
                ),
            )

    def _newest_proxy(self, best: _ECand, t: int, ok: list) -> tuple:
        """Among the significant candidates that serve the same requests as ``best`` from
        the earlier of their onsets on (`_same_requests`), the newest change: the data
        cannot tell them apart (their reports are the same; their scores differ only in how
        each dated its onset), and a version, build or config whose traffic starts at the
        onset is the better prior than a value that served for weeks ("Haiku 3.5 on the GPU
        sampler build deployed today" rather than "Haiku 3.5 on GPU"), as
        `joins.explain.ExplainingAway._newest_proxy` does per cluster."""
        same = [(x, tx) for x, tx in ok if x is best or self._same_requests(best, x)]
        if len(same) <= 1:
            return best, t
        return min(
            same,
            key=lambda xt: (
                -self._first_hour(xt[0].dims, xt[0].key),
                -round(xt[0].score, 12),
                xt[0].p_value,
                len(xt[0].dims),
                [self._dims.index(d) for d in xt[0].dims],
                xt[0].key,
            ),
        )

    def _change_within(self, rows: np.ndarray, best: _ECand, t: int, ok: list) -> tuple:
        """An old value that changed at its onset, and a change that started within
        ``min_segment_hours`` of that onset on (nearly) all of its requests, or on all of
        them that complain in excess (the rest is not, `_remainder_in_excess`): the two
        together are named (the candidate search pairs values one by one and can prune the
        new build's pair, "Haiku 3.5 on the new sampler build", when the build hurts another
        model too). The joint value is tested like any new combination and kept when it is
        as significant as this step's accepted candidates; its test joins the family."""
        if best.new:
            return best, t
        D = self._data
        options = []
        for d in self._dims:
            if d in best.dims or not self._tidx((d,)).ok:
                continue
            keys = np.unique(D.keys((d,))[best.members])
            for k in keys[keys >= 0]:
                first = self._first_hour((d,), int(k))
                if first < self.min_segment_hours or abs(first - best.tau) > self.min_segment_hours:
                    continue
                dims, key = D.joint((best.dims, best.key), ((d,), int(k)))
                got = self._test(rows, dims, np.array([key]))
                # On nearly all of the value's requests, or on those that complain: a
                # build rolled out to 80% of a model's servers carries its rise when the
                # other 20% do not complain in excess (as `_refine` asks of a nested value).
                if got and (
                    self._same_requests(best, got[0])
                    or not self._remainder_in_excess(rows, best, got[0])
                ):
                    options.append((first, got[0]))
        if not options:
            return best, t
        first, x = max(options, key=lambda o: (o[0], round(o[1].score, 12), -o[1].p_value))
        if x.p_value > max(c.p_value for c, _ in ok):
            return best, t
        self._tests.append(x.p_value)
        return x, len(self._tests) - 1

    def _first_hour(self, dims: tuple[str, ...], key: int) -> int:
        """Span index of the first hour the value served traffic (0: before the run)."""
        req = self._tidx(dims).requests(self._data.span, np.array([key]))[:, 0]
        seen = np.flatnonzero(req > 0)
        return int(seen[0]) if len(seen) else 0

    def _same_requests(self, a: _ECand, b: _ECand) -> bool:
        """Whether ``a`` and ``b`` serve the same requests (each at least ``nest_share`` of
        the other's, in traffic) from the earlier of their onsets on."""
        D = self._data
        joint = D.joint((a.dims, a.key), (b.dims, b.key))
        if joint is None:
            return False
        tau = min(a.tau, b.tau)
        counts = []
        for ds, key in ((a.dims, a.key), (b.dims, b.key), joint):
            ti = self._tidx(ds)
            if not ti.ok:
                return False
            counts.append(float(ti.requests(D.span, np.array([key]))[tau:, 0].sum()))
        ra, rb, both = counts
        return both > 0 and both >= self.nest_share * max(ra, rb)

    def _remainder_in_excess(self, rows: np.ndarray, best: _ECand, x: _ECand) -> bool:
        joint = self._data.joint((best.dims, best.key), (x.dims, x.key))
        if joint is None:
            return True
        dims, key = joint
        a = self._series(rows, best.dims, np.array([best.key]))
        b = self._series(rows, dims, np.array([key]))
        if a is None:
            return True
        tau = best.tau
        o = a[3][tau:, 0].sum() - (b[3][tau:, 0].sum() if b is not None else 0.0)
        e = a[4][tau:, 0].sum() - (b[4][tau:, 0].sum() if b is not None else 0.0)
        if o <= 0:
            return False
        e = max(e, 0.0)
        p = float(poisson_upper_tail(o, e))
        return p < self.refine_alpha and o >= self.min_lift * e

    def _remainder_below(self, rows: np.ndarray, best: _ECand, x: _ECand) -> bool:
        """Whether ``best``'s reports from its onset on without ``x``'s values are fewer than
        the rate of ``x``'s part of ``best`` predicts (Poisson lower tail p <
        ``refine_alpha``), as `joins.explain.ExplainingAway._remainder_below`."""
        joint = self._data.joint((best.dims, best.key), (x.dims, x.key))
        if joint is None:
            return False
        a = self._series(rows, best.dims, np.array([best.key]))
        dims, key = joint
        b = self._series(rows, dims, np.array([key]))
        if a is None or b is None:
            return False
        tau = best.tau
        part_y, part_e = b[3][tau:, 0].sum(), b[4][tau:, 0].sum()
        if part_e <= 0:
            return False
        o = max(a[3][tau:, 0].sum() - part_y, 0.0)
        e = max(a[4][tau:, 0].sum() - part_e, 0.0)
        return float(stats.poisson.cdf(o, part_y / part_e * e)) < self.refine_alpha

    def _restates(self, x: _ECand, accepted) -> bool:
        if not accepted:
            return False
        vals = set(zip(x.dims, self._data.decode(x.dims, x.key), strict=True))
        n = len(x.members)
        for _, parts, members in accepted:
            if parts <= vals:
                return True
            if n and np.isin(x.members, members, kind="table").sum() >= self.nest_share * n:
                return True
        return False

    # ------------------------------------------------------------------ tests
    def _tidx(self, dims: tuple[str, ...]) -> TrafficIndex:
        if dims not in self._tindex:
            self._tindex[dims] = TrafficIndex(self._traffic, self._data, dims)
        return self._tindex[dims]

    def _series(self, rows: np.ndarray, dims: tuple[str, ...], keys=None):
        """Hourly series of every value of ``dims`` with enough reports on ``rows`` (or of
        the given keys): (keys (K,), value of each joined row (-1 none), joined rows, y, e,
        n), the arrays (H, K) over the run's span. None without traffic or rows."""
        D = self._data
        ti = self._tidx(dims)
        if not ti.ok:
            return None
        k_all = D.keys(dims)[rows]
        valid = k_all >= 0
        if not valid.any():
            return None
        rv, kv = rows[valid], k_all[valid]
        if keys is None:
            uk, _, cnt = unique_inverse(kv)
            uk = uk[cnt >= self.min_reports]
        else:
            uk = np.unique(np.asarray(keys, dtype=np.int64))
        K, H = len(uk), len(D.span)
        if K == 0 or H == 0:
            return None
        pos = np.minimum(np.searchsorted(uk, kv), K - 1)
        inv = np.where(uk[pos] == kv, pos, -1)
        hit = inv >= 0
        hr = D.hour[rv] - D.span0
        y = np.bincount(hr[hit] * K + inv[hit], minlength=H * K).reshape(H, K).astype(float)
        Y = np.bincount(hr, minlength=H).astype(float)
        # The residual's reports and requests match: what an accepted finding explains
        # leaves each value's own requests too, not only the baseline's total (else a
        # value that shares servers with it keeps their requests as expected complaints
        # without their reports: a sampler build on a failing configuration's servers).
        gone, gone_total = self._cells.explained_requests(self._explained_rows, dims, uk, D.span)
        n = np.maximum(ti.requests(D.span, uk) - gone, 0.0)
        N = np.maximum(ti.totals(D.span) - gone_total, 0.0)
        return uk, inv, rv, y, self._expected(y, Y, n, N), n

    def _test(self, rows: np.ndarray, dims: tuple[str, ...], keys=None, parts=()) -> list[_ECand]:
        """Every value of ``dims`` with enough reports on ``rows`` (or the given keys) tested.

        ``parts``: for a combination, its single values as (dims, key): a combination that
        is new (its traffic starts inside the run) is compared with the worst of its parts'
        rates over its own lifetime, not with the traffic's (a new version on servers that
        are failing anyway is not a new failure)."""
        D = self._data
        got = self._series(rows, dims, keys)
        if got is None:
            return []
        uk, inv, rv, y, e, n = got
        population = self._dispersion_of(rows) if self.dispersion == "population" else None
        out = []
        for j in range(len(uk)):
            ref = 1.0
            seen = np.flatnonzero(n[:, j] > 0)
            if parts and len(seen) and seen[0] >= self.min_segment_hours:
                st = int(seen[0])
                ref = self._reference(rows, parts, st, (y[st:, j].sum(), e[st:, j].sum()))
            mine = rv[inv == j]
            phi = population or self._dispersion_of(mine)
            c = self._one(y[:, j], e[:, j], n[:, j], ref, phi)
            if c is None:
                continue
            tau, rep, exp_, lift, p, score, new = c
            members = mine[D.hour[mine] >= D.span0 + tau]
            users = len(np.unique(D.user[members]))
            if len(members) < self.min_reports or users < self.min_users:
                continue
            out.append(
                _ECand(dims, int(uk[j]), tau, len(members), users, exp_, lift, p, score, new,
                       members, mine, rep / max(float(e[tau:, j].sum()), 1e-12))
            )  # fmt: skip
        return out

    def _reference(self, rows, parts, start: int, own) -> float:
        """max(1, each part's relative rate from ``start`` on without the combination): a
        new combination must complain more than the rest of each of its parts over the same
        hours (iDice isolation). ``own``: the combination's (reports, expected) from
        ``start`` on. The part's
        rate with the combination's own reports in it would hold the combination to its own
        excess: a sampler build that hurts two models of the many it serves would be compared
        with a build rate raised by those two models."""
        lam = 1.0
        oy, oe = own
        for dims, key in parts:
            got = self._series(rows, dims, np.array([key]))
            if got is None:
                continue
            _, _, _, y, e, _ = got
            ry, re_ = max(y[start:, 0].sum() - oy, 0.0), max(e[start:, 0].sum() - oe, 0.0)
            lam = max(lam, (ry + 1.0) / (re_ + 1.0))
        return lam

    def _expected(self, y, Y, n, N) -> np.ndarray:
        """(H, K) expected counts at the complaint rate per request of all the traffic of the
        dimension (this value included, so its own rise makes the test conservative), each
        summed over a centred window of ``smooth_hours``."""
        sy, sn = _window_sum(Y, self.smooth_hours), _window_sum(N, self.smooth_hours)
        r0 = (Y.sum() + 0.5) / N.sum() if N.sum() > 0 else 0.0
        r = np.where(sn > 0, sy / np.where(sn > 0, sn, 1.0), r0)
        r = np.where(r > 0, r, r0)
        e = n * r[:, None]
        # Reports on a value the traffic never served in that hour: half a request.
        return np.where((e <= 0) & (y > 0), 0.5 * np.maximum(r, r0)[:, None], e)

    def _dispersion_of(self, rows: np.ndarray):
        """phi(tau): the dispersion of ``rows``' reports from span hour ``tau`` on, sum(c^2) /
        sum(c) over each user's count c of them (1 when every user reports once).

        Complaints arrive per user, not per report: if users come as a Poisson stream and
        each files c reports, the count has variance E[c^2] / E[c] times its mean (compound
        Poisson). Dividing the reports' log likelihood ratio by it (quasi-likelihood) is the
        users test: three users with seven reports each weigh about as much as three reports,
        twenty users with one report each as twenty. It replaces a Poisson test on
        user-equivalents (each report weighing 1 / its user's reports in the slice), which
        discounted every user who had reported anything else in the run and treated a
        fractional sum as a count: it lost most of the power of a bug whose users are
        ordinary reporters."""
        D = self._data
        hours = D.hour[rows] - D.span0
        users = D.user[rows]

        def phi(tau: int) -> float:
            _, c = np.unique(users[hours >= tau], return_counts=True)
            return max(float((c * c).sum()) / float(c.sum()), 1.0) if len(c) else 1.0

        return phi

    def _one(self, y, e, n, ref=1.0, phi=None):
        """(tau, reports after, expected, lift, p, score, new) of one series, or None.

        ``ref``: the relative rate a new value is compared with; ``phi``: the dispersion of
        the value's reports from a span hour on (`_dispersion_of`; None: 1, every report its
        own user). p is the users test: the reports' log likelihood ratio divided by phi
        (never below the reports test); the score, (excess) x ln(lift), is divided by it
        too."""
        phi = phi or (lambda tau: 1.0)
        seen = np.flatnonzero(n > 0)
        if len(seen) == 0 or e.sum() <= 0:
            return None
        new = seen[0] >= self.min_segment_hours
        if new:
            # A value that is new but rises within its own life (it rides on a problem that
            # grows later) is tested on that rise when the rise scores higher.
            start = int(seen[0])
            later = self._one(y[start:], e[start:], n[start:], phi=lambda tau: phi(tau + start))
            first = self._one_new(y, e, start, ref, phi(start))
            if later is not None and later[5] > first[5]:
                return (later[0] + start, *later[1:6], False)
            return first
        return self._one_change(y, e, phi)

    def _one_new(self, y, e, tau, lam, dispersion=1.0):
        d = max(dispersion, 1.0)
        p = float(_chi2_half(self._llr1(y[tau:].sum(), lam * e[tau:].sum()) / d))
        return self._summary(y, e, tau, lam, p, d, True)

    def _one_change(self, y, e, phi=None):
        H = len(y)
        m, g = self.min_segment_hours, self.split_ratio
        rise = best_rise(y, e, min_size=m, grid=g)
        if rise.tau[0] < 0:
            return None
        tau = int(rise.tau[0])
        if g is not None:
            tau = date_rise(y, e, tau, min_size=m, grid=g)
        # The users test divides the same statistics by the dispersion of the value's
        # reports from the change on (`_dispersion_of`): at least 1, so it decides p.
        d = max(phi(tau), 1.0) if phi is not None else 1.0
        p = min(1.0, rise.n_splits * float(_chi2_half(rise.llr[0] / d)))
        # ... and from the change on it complains more than the traffic's rate predicts
        # (a deficit before a normal rate is no emerging problem).
        p = max(p, float(_chi2_half(self._llr1(y[tau:].sum(), e[tau:].sum()) / d)))
        # The rate before, shrunk towards the whole run's by ``prior_reports`` expected
        # reports: a few quiet hours before the split make no lift. The expectation after
        # the change is the higher of that rate and the traffic's (a value quieter than the
        # rest that becomes ordinary is no new problem).
        k = self.prior_reports
        lam = (y[:tau].sum() + k * y.sum() / e.sum()) / (e[:tau].sum() + k)
        if tau >= H:
            return None
        return self._summary(y, e, tau, max(lam, 1.0), p, d, False)

    @staticmethod
    def _summary(y, e, tau, lam, p, dispersion, new):
        rep, exp_ = float(y[tau:].sum()), float(lam * e[tau:].sum())
        lift = rep / exp_ if exp_ > 0 else float("inf")
        score = (rep - exp_) * np.log((rep + 1.0) / (exp_ + 1.0)) / dispersion
        return tau, rep, exp_, lift, p, float(max(score, 0.0)), bool(new)

    @staticmethod
    def _llr1(c: float, e: float) -> float:
        """Log likelihood ratio of lambda = c / e against lambda = 1 (0 unless c > e)."""
        if c <= e or e <= 0:
            return 0.0
        return float(poisson_ll(c, e) + e)

    def _candidates(self, rows: np.ndarray) -> list[_ECand]:
        singles: list[_ECand] = []
        parts: list[_ECand] = []
        for d in self._dims:
            st = self._test(rows, (d,))
            singles += st
            up = sorted(
                (x for x in st if x.lift > 1.0),
                key=lambda x: (-x.score, x.p_value, x.key),
            )
            parts += up[: self.candidates_per_dimension]
        parts.sort(key=lambda x: (-x.score, x.p_value, self._dims.index(x.dims[0]), x.key))
        parts = parts[: self.max_candidates]
        D = self._data
        pairs = []
        for i, a in enumerate(parts):
            for b in parts[i + 1 :]:
                if a.dims[0] == b.dims[0]:
                    continue
                x, z = sorted((a, b), key=lambda v: self._dims.index(v.dims[0]))
                key = x.key * D.radix(z.dims[0]) + z.key
                got = self._test(
                    rows, (x.dims[0], z.dims[0]), np.array([key]),
                    parts=((x.dims, x.key), (z.dims, z.key)),
                )  # fmt: skip
                m = 1.0 + self.combo_margin
                # Isolation on the same footing: lifts against the traffic's rate (a new
                # pair's own expectation is raised to its parts' rate for its test).
                if (
                    got
                    and got[0].traffic_lift >= m * max(a.traffic_lift, b.traffic_lift)
                    and got[0].score >= m * max(a.score, b.score)
                ):
                    pairs.append(got[0])
        return singles + pairs
