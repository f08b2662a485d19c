"""Shared pieces of the findings: encoded reports, traffic per value and hour, the upward
change-point likelihood ratio, and the `Finding` record.

A *finding* is one cause a triage lead acts on: a dimension value (or a combination of values
of several dimensions, parts joined by " & ") whose complaints concentrate against traffic,
with the reports it explains, its onset and its suspect deploys. `joins.explain` finds them
per cluster (explaining away), `joins.emerging` over all reports (changes in the complaint
rate per request). All sums here are order-fixed numpy reductions or ``bincount`` (no matrix
products whose result depends on BLAS threads), so the same input gives the same numbers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from joins import schemas
from joins.columns import HOUR_US, codes_in, encode, hour_timestamps, hours_of
from joins.onset import onset_and_end
from joins.stats import benjamini_hochberg

SEP = " & "
ZERO_TRAFFIC_FLOOR = 0.5  # requests: a joined value absent from traffic still gets a share > 0


#: Combination keys `ReportData.keys` keeps (the most recently used).
KEPT_COMBINATIONS = 16


def unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True, return_counts=True)`` with a flat inverse:
    for integers whose range is at most a few times their number, by counting (O(n + range))
    instead of sorting. The same three arrays either way; the findings run it for every
    value tested, and at a million reports the sorts were most of the attribution step."""
    v = np.asarray(values).reshape(-1)
    if v.size and v.dtype.kind in "iu":
        lo = int(v.min())
        span = int(v.max()) - lo + 1
        if span <= 4 * v.size + 65_536:
            shifted = v.astype(np.int64) - lo
            counts = np.bincount(shifted, minlength=span)
            present = counts > 0
            uniq = (np.flatnonzero(present) + lo).astype(v.dtype)
            return uniq, (np.cumsum(present) - 1)[shifted], counts[present]
    uniq, inv, counts = np.unique(v, return_inverse=True, return_counts=True)
    return uniq, inv.reshape(-1), counts


class ReportData:
    """Reports encoded once: cluster, epoch hour, user and dimension codes per row.

    Args:
        reports: N rows with ``cluster_id`` (string, may be null), ``submitted_hour``
            (timestamp), ``user_pseudonym`` (string) and one string column per dimension
            (null = not joined). ``symptoms`` (list of strings) is read when present.
        dimensions: the dimension columns, in output order (combinations join names in it).

    Row positions (0..N-1) refer to ``reports`` as given: findings' members are positions.
    """

    def __init__(self, reports: pa.Table, dimensions: Sequence[str]) -> None:
        for col in ("cluster_id", "submitted_hour", "user_pseudonym", *dimensions):
            if col not in reports.column_names:
                raise ValueError(f"reports lack the column {col!r}")
        self.dims = list(dict.fromkeys(dimensions))
        self.n = reports.num_rows
        self.cl, self.clusters = encode(reports.column("cluster_id"))
        self.hour = hours_of(reports.column("submitted_hour")) if self.n else np.zeros(0, np.int64)
        user, _ = encode(reports.column("user_pseudonym"))
        missing = user < 0  # a report without a user pseudonym is its own user
        user[missing] = user.max(initial=-1) + 1 + np.arange(int(missing.sum()))
        self.user = user
        self.n_users = int(user.max(initial=-1)) + 1
        self.codes: dict[str, np.ndarray] = {}
        self.vocab: dict[str, list[str]] = {}
        for d in self.dims:
            self.codes[d], self.vocab[d] = encode(reports.column(d))
        self._index = {d: {v: i for i, v in enumerate(self.vocab[d])} for d in self.dims}
        self.span0 = int(self.hour.min()) if self.n else 0
        self.span = np.arange(self.span0, int(self.hour.max()) + 1 if self.n else 0)
        self.symptoms: list[list[str]] | None = None
        if "symptoms" in reports.column_names:
            self.symptoms = [s or [] for s in reports.column("symptoms").to_pylist()]
        self._keys: dict[tuple[str, ...], np.ndarray] = {}

    def radix(self, d: str) -> int:
        return max(len(self.vocab[d]), 1)

    def keys(self, dims: Sequence[str]) -> np.ndarray:
        """(N,) int64 mixed-radix key of the combination of ``dims``; -1 where any is null."""
        dims = tuple(dims)
        if dims in self._keys:
            self._keys[dims] = self._keys.pop(dims)  # most recently used last
            return self._keys[dims]
        key = np.zeros(self.n, dtype=np.int64)
        valid = np.ones(self.n, dtype=bool)
        for d in dims:
            key = key * self.radix(d) + np.maximum(self.codes[d], 0)
            valid &= self.codes[d] >= 0
        self._keys[dims] = np.where(valid, key, -1)
        # Single dimensions stay; of the combinations (hundreds are tested, 8 bytes per report
        # each: 1.6 GB at a million reports) only the most recent are kept. Recomputing one
        # is a few vector operations and gives the same array.
        combos = [k for k in self._keys if len(k) > 1]
        for old in combos[: max(len(combos) - KEPT_COMBINATIONS, 0)]:
            del self._keys[old]
        return self._keys[dims]

    def decode(self, dims: Sequence[str], key: int) -> tuple[str, ...]:
        parts = []
        for d in reversed(tuple(dims)):
            key, r = divmod(int(key), self.radix(d))
            parts.append(self.vocab[d][r])
        return tuple(reversed(parts))

    def encode(self, dims: Sequence[str], values: Mapping[str, str]) -> int | None:
        """The key of ``values`` (dimension -> value) over ``dims``, as `keys` computes it
        (the inverse of `decode`); None when a value never occurs in the reports."""
        key = 0
        for d in dims:
            if values[d] not in self._index[d]:
                return None
            key = key * self.radix(d) + self._index[d][values[d]]
        return key

    def joint(self, *parts: tuple[Sequence[str], int]) -> tuple[tuple[str, ...], int] | None:
        """The combination of several (dims, key) values, its dims in the order of the
        reports' dimensions: None when two of them give one dimension different values."""
        values: dict[str, str] = {}
        for dims, key in parts:
            for d, v in zip(dims, self.decode(dims, key), strict=True):
                if values.setdefault(d, v) != v:
                    return None
        dims = tuple(d for d in self.dims if d in values)
        key = self.encode(dims, values)
        return None if key is None else (dims, key)

    def weights(self, rows: np.ndarray) -> np.ndarray:
        """1 / (that user's reports among ``rows``): a user counts once however many reports."""
        _, inv, counts = unique_inverse(self.user[rows])
        return 1.0 / counts[inv]

    def users_per_key(self, rows: np.ndarray, inv: np.ndarray, k: int) -> np.ndarray:
        """Distinct users per key index (``inv`` maps each of ``rows`` to 0..k-1, -1 = none)."""
        ok = inv >= 0
        pair = np.unique(inv[ok].astype(np.int64) * (self.n_users + 1) + self.user[rows][ok])
        return np.bincount(pair // (self.n_users + 1), minlength=k)

    def counts_by_hour(self, rows: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """(len(span),) reports (or summed weights) per span hour."""
        return np.bincount(
            self.hour[rows] - self.span0, weights=weights, minlength=len(self.span)
        ).astype(float)


class TrafficIndex:
    """Traffic requests grouped by (hour, combination of ``dims``), keyed like `ReportData`.

    Values of traffic that no report has are kept in the hour totals but have no key.
    ``ok`` is False when traffic is None, empty or lacks one of the dimensions.
    """

    def __init__(self, traffic: pa.Table | None, data: ReportData, dims: Sequence[str]) -> None:
        self.dims = tuple(dims)
        self.ok = (
            traffic is not None
            and traffic.num_rows > 0
            and all(d in traffic.column_names for d in self.dims)
        )
        if not self.ok:
            return
        t = traffic.select(["hour", "requests", *self.dims])
        for d in self.dims:
            t = t.filter(pc.is_valid(t.column(d)))
        g = t.group_by(["hour", *self.dims]).aggregate([("requests", "sum")])
        hour = hours_of(g.column("hour")) if g.num_rows else np.zeros(0, np.int64)
        req = pc.fill_null(g.column("requests_sum"), 0).to_numpy().astype(float)
        key = np.zeros(g.num_rows, dtype=np.int64)
        known = np.ones(g.num_rows, dtype=bool)
        for d in self.dims:
            code = codes_in(g.column(d), data.vocab[d])
            key = key * data.radix(d) + np.maximum(code, 0)
            known &= code >= 0
        self.total_hours, tinv = np.unique(hour, return_inverse=True)
        self.total = np.bincount(tinv.reshape(-1), req, minlength=len(self.total_hours))
        self.pooled_total = float(req.sum())
        order = np.lexsort((hour[known], key[known]))
        self.key = key[known][order]
        self.hour = hour[known][order]
        self.req = req[known][order]

    def _rows_of(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions of traffic rows for each key, and which key (index into ``keys``)."""
        lo = np.searchsorted(self.key, keys, side="left")
        hi = np.searchsorted(self.key, keys, side="right")
        n = hi - lo
        which = np.repeat(np.arange(len(keys)), n)
        pos = np.repeat(lo, n) + (np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n))
        return pos.astype(np.int64), which

    def requests(self, hours: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """(H, K) requests of each key in each of ``hours`` (epoch hours, sorted)."""
        out = np.zeros((len(hours), len(keys)))
        if not self.ok or len(keys) == 0 or len(hours) == 0:
            return out
        pos, which = self._rows_of(np.asarray(keys, dtype=np.int64))
        h = self.hour[pos]
        hi = np.searchsorted(hours, h)
        ok = (hi < len(hours)) & (hours[np.minimum(hi, len(hours) - 1)] == h)
        np.add.at(out, (hi[ok], which[ok]), self.req[pos][ok])
        return out

    def totals(self, hours: np.ndarray) -> np.ndarray:
        """(H,) requests with every dimension of ``dims`` non-null, per hour."""
        out = np.zeros(len(hours))
        if not self.ok or len(hours) == 0:
            return out
        hi = np.searchsorted(self.total_hours, hours)
        ok = (hi < len(self.total_hours)) & (
            self.total_hours[np.minimum(hi, len(self.total_hours) - 1)] == hours
        )
        out[ok] = self.total[hi[ok]]
        return out

    def pooled(self, keys: np.ndarray) -> np.ndarray:
        """(K,) requests of each key over every traffic hour."""
        out = np.zeros(len(keys))
        if not self.ok or len(keys) == 0:
            return out
        pos, which = self._rows_of(np.asarray(keys, dtype=np.int64))
        np.add.at(out, which, self.req[pos])
        return out

    def shares(self, hours: np.ndarray, keys: np.ndarray) -> np.ndarray | None:
        """(H, K) share of each key in each hour's traffic (as `joins.attribution`): a key
        absent from an hour gets ZERO_TRAFFIC_FLOOR requests; an hour without traffic uses
        the key's share over all hours. None when there is no traffic at all."""
        if not self.ok or self.pooled_total <= 0:
            return None
        req = self.requests(hours, keys)
        tot = self.totals(hours)
        share = np.maximum(req, ZERO_TRAFFIC_FLOOR) / np.where(tot > 0, tot, 1.0)[:, None]
        pooled = np.maximum(self.pooled(keys), ZERO_TRAFFIC_FLOOR) / self.pooled_total
        share[tot <= 0] = pooled
        return share


class TrafficCells:
    """Traffic rows at the full granularity of the dimensions, to take out of any value's
    requests the ones an accepted finding explains (the union of all of them, once).

    ``explained``: a boolean mask over the rows, owned by the caller."""

    def __init__(self, traffic: pa.Table, data: ReportData) -> None:
        self.hour = hours_of(traffic.column("hour"))
        self.req = pc.fill_null(traffic.column("requests"), 0).to_numpy().astype(float)
        self._data = data
        self._codes: dict[str, np.ndarray] = {}
        self._null: dict[str, np.ndarray] = {}
        for d in data.dims:
            if d not in traffic.column_names:
                continue
            col = traffic.column(d)
            self._null[d] = col.is_null().to_numpy(zero_copy_only=False)
            self._codes[d] = codes_in(col, data.vocab[d])
        self._keys: dict[tuple[str, ...], np.ndarray] = {}

    def keys(self, dims: Sequence[str]) -> np.ndarray:
        """(rows,) key of each row over ``dims`` as `ReportData.keys` (-1: a value no
        report has, a null, or a dimension the traffic lacks)."""
        dims = tuple(dims)
        if dims not in self._keys:
            key = np.zeros(len(self.req), dtype=np.int64)
            valid = np.ones(len(self.req), dtype=bool)
            for d in dims:
                code = self._codes.get(d)
                if code is None:
                    valid[:] = False
                    break
                key = key * self._data.radix(d) + np.maximum(code, 0)
                valid &= code >= 0
            self._keys[dims] = np.where(valid, key, -1)
            # As `ReportData.keys`: single dimensions stay, only the newest combinations.
            combos = [k for k in self._keys if len(k) > 1]
            for old in combos[: max(len(combos) - KEPT_COMBINATIONS, 0)]:
                del self._keys[old]
        return self._keys[dims]

    def explained_requests(
        self, explained: np.ndarray, dims: Sequence[str], keys: np.ndarray, hours: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """((H, K) explained requests of each key, (H,) of every row with ``dims`` non-null,
        as `TrafficIndex.totals` counts them) per hour of ``hours`` (epoch hours, sorted)."""
        H, K = len(hours), len(keys)
        by_key, total = np.zeros((H, K)), np.zeros(H)
        rows = np.flatnonzero(explained)
        if len(rows) == 0 or any(d not in self._null for d in dims):
            return by_key, total
        k = self.keys(dims)[rows]
        hi = np.searchsorted(hours, self.hour[rows])
        ok = (hi < H) & (hours[np.minimum(hi, H - 1)] == self.hour[rows])
        for d in dims:
            ok &= ~self._null[d][rows]
        np.add.at(total, hi[ok], self.req[rows][ok])
        uk = np.asarray(keys, dtype=np.int64)
        if K:
            pos = np.minimum(np.searchsorted(uk, k), K - 1)
            hit = ok & (k >= 0) & (uk[pos] == k)
            np.add.at(by_key, (hi[hit], pos[hit]), self.req[rows][hit])
        return by_key, total


def poisson_ll(c: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Maximised Poisson log-likelihood c ln(c / e) - c of a segment (0 where c or e is 0)."""
    c = np.asarray(c, dtype=float)
    e = np.asarray(e, dtype=float)
    ok = (c > 0) & (e > 0)
    out = np.zeros(np.broadcast(c, e).shape)
    cc, ee = np.broadcast_arrays(c, e)
    out[ok] = cc[ok] * np.log(cc[ok] / ee[ok]) - cc[ok]
    return out


@dataclass(frozen=True)
class Rise:
    """The best upward change of a rate: y ~ Poisson(lambda * e), lambda steps up at ``tau``."""

    tau: np.ndarray  # (K,) index of the first hour of the right segment (-1: none)
    llr: np.ndarray  # (K,) log likelihood ratio of the step against a constant lambda
    n_splits: int  # split points tried (for a Bonferroni bound on the maximum)


def split_grid(H: int, min_size: int, ratio: float | None) -> np.ndarray:
    """Split points (index of the first hour of the right segment) with at least
    ``min_size`` hours on each side: every hour when ``ratio`` is None, else a geometric
    grid of ages (hours from the split to the end: min_size, x ratio, ..., rounded, distinct)
    and the earliest split. A change is dated to within a share ``ratio - 1`` of its age,
    and a scan over S splits pays a Bonferroni factor S: a few dozen on any window instead
    of one per hour (600 over 25 days)."""
    if ratio is None:
        return np.arange(min_size, H - min_size + 1)
    if H - min_size < min_size:
        return np.zeros(0, dtype=np.int64)
    ages = [float(min_size)]
    while ages[-1] * ratio <= H - min_size:
        ages.append(ages[-1] * ratio)
    taus = {H - int(round(a)) for a in ages} | {min_size}
    return np.array(sorted(t for t in taus if min_size <= t <= H - min_size), dtype=np.int64)


def best_rise(
    y: np.ndarray, e: np.ndarray, *, min_size: int = 3, grid: float | None = None
) -> Rise:
    """Best single upward step of lambda in y ~ Poisson(lambda_t * e) per column.

    Args:
        y: (H, K) counts per hour (reports or user-equivalents, may be fractional).
        e: (H, K) exposure per hour (expected counts at lambda = 1, or requests).
        min_size: fewest hours on each side of the split.
        grid: None = every split; else the ratio of a geometric grid of ages (`split_grid`).

    Returns:
        `Rise`; a split counts only when both sides have exposure and the right side's rate
        is higher. ``llr`` is 0 where no upward split exists.
    """
    y = np.atleast_2d(np.asarray(y, dtype=float).T).T
    e = np.atleast_2d(np.asarray(e, dtype=float).T).T
    H, K = y.shape
    return rise_over(y, e, split_grid(H, min_size, grid))


def rise_over(y: np.ndarray, e: np.ndarray, taus: np.ndarray) -> Rise:
    """`best_rise` over the given split points ((H, K) arrays; ``taus`` sorted, each the
    index of the first row of the right segment, 1 <= tau <= H - 1)."""
    K = y.shape[1]
    if len(taus) == 0:
        return Rise(np.full(K, -1), np.zeros(K), 0)
    cy, ce = np.cumsum(y, 0), np.cumsum(e, 0)
    ly, le = cy[taus - 1], ce[taus - 1]
    ry, re_ = cy[-1] - ly, ce[-1] - le
    llr = poisson_ll(ly, le) + poisson_ll(ry, re_) - poisson_ll(cy[-1], ce[-1])[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        up = (le > 0) & (re_ > 0) & (ry / np.where(re_ > 0, re_, 1) > ly / np.where(le > 0, le, 1))
    llr = np.where(up, np.maximum(llr, 0.0), 0.0)
    best = np.argmax(llr, axis=0)
    val = llr[best, np.arange(K)]
    tau = np.where(val > 0, taus[best], -1)
    return Rise(tau, val, len(taus))


def date_rise(y: np.ndarray, e: np.ndarray, tau: int, *, min_size: int, grid: float) -> int:
    """The hour of a rise found on the grid of ``grid`` (`split_grid`), dated to the hour:
    the best split within a share ``grid - 1`` of its age on either side (1-D series). The
    test's p-value stays the grid's; this only dates the change."""
    y = np.asarray(y, dtype=float).reshape(-1, 1)
    e = np.asarray(e, dtype=float).reshape(-1, 1)
    H = len(y)
    w = max(int(np.ceil((grid - 1.0) * (H - tau))), 1)
    taus = np.arange(max(tau - w, min_size), min(tau + w, H - min_size) + 1)
    r = rise_over(y, e, taus)
    return int(r.tau[0]) if r.tau[0] >= 0 else tau


def significant_step(
    cands: Sequence,
    family: list[float],
    *,
    alpha: float,
    min_lift: float,
    min_users: int,
    min_reports: int,
) -> list[tuple]:
    """One step of the explaining-away search: the candidates' p-values join the run's test
    ``family`` (the final q-values are over every test made), and the candidates whose
    step-wise BH q is at most ``alpha`` and that have enough lift, users and reports come back
    as (candidate, index of its test in ``family``). Candidates need ``p_value``, ``lift``,
    ``users`` and ``reports``."""
    first = len(family)
    family += [x.p_value for x in cands]
    q = benjamini_hochberg(np.array([x.p_value for x in cands]))
    return [
        (x, first + i)
        for i, x in enumerate(cands)
        if q[i] <= alpha
        and x.lift >= min_lift
        and x.users >= min_users
        and x.reports >= min_reports
    ]


def first_significant(
    alternatives: Sequence[tuple[Finding, int]], q: np.ndarray, alpha: float
) -> Finding | None:
    """The first of one step's named alternatives whose final q is at most ``alpha``, its
    ``q_value`` set (None when none is).

    A step accepts its best candidate, then may name a more specific or newer one that
    serves the same reports (`_refine`, `_newest_proxy`, ...), itself significant in the
    step's tests. The final q-values are over every test of the run, so the name chosen may
    fail there while the candidate it replaced holds: the step's finding is then reported
    under that candidate's name instead of being lost. ``alternatives``: (finding, index of
    its test in ``q``), the preferred name first."""
    for f, t in alternatives:
        if float(q[t]) <= alpha:
            f.q_value = float(q[t])
            return f
    return None


def finding_id(cluster_id: str | None, symptom: str | None, dimension: str, value: str) -> str:
    """A stable id of (scope, dimension, value): the same cause keeps its id across runs."""
    key = "\x1f".join([cluster_id or "*", symptom or "*", dimension, value])
    return "f-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


@dataclass
class Finding:
    """One accepted cause. ``members`` are row positions of the reports it explains."""

    cluster_id: str | None
    dims: tuple[str, ...]
    values: tuple[str, ...]
    members: np.ndarray
    reports: int
    users: int
    expected: float
    lift: float
    p_value: float
    score: float
    step: int = 1
    symptom: str | None = None
    q_value: float = float("nan")
    onset_hour: int | None = None  # epoch hour
    end_hour: int | None = None
    change_hours: list[int] = field(default_factory=list)
    folded: list[str] = field(default_factory=list)
    clusters: list[str] = field(default_factory=list)
    rank: int = 0
    deploy_id: str | None = None
    series_rows: np.ndarray | None = None  # rows whose hourly counts are its series
    restates: str | None = None  # run-wide: the cluster finding that holds its reports

    @property
    def dimension(self) -> str:
        return SEP.join(self.dims)

    @property
    def value(self) -> str:
        return SEP.join(self.values)

    @property
    def parts(self) -> list[tuple[str, str]]:
        return list(zip(self.dims, self.values, strict=True))

    @property
    def id(self) -> str:
        return finding_id(self.cluster_id, self.symptom, self.dimension, self.value)


def describe_series(
    findings: Sequence[Finding],
    data: ReportData,
    traffic: pa.Table | None,
    *,
    min_size: int = 3,
) -> pa.Table:
    """Each finding's hourly series; sets its onset (if unset), end and change hours.

    The series counts the finding's ``series_rows`` (else ``members``) per hour over the
    run's span, with the requests of its value (all traffic when traffic lacks the
    dimensions). Change points and the end come from `joins.onset.onset_and_end` (Poisson
    binary segmentation with all traffic's requests as exposure); a cluster finding's onset
    is its first upward change point, an emerging finding keeps the onset its test found.

    Returns:
        FINDING_TIMESERIES rows: finding_id, hour, reports, requests, rate_per_million.
    """
    cols: dict[str, list] = {"finding_id": [], "hour": [], "reports": [], "requests": []}
    all_t = TrafficIndex(traffic, data, ()) if traffic is not None else None
    for f in findings:
        rows = f.series_rows if f.series_rows is not None else f.members
        y = data.counts_by_hour(rows)
        ti = TrafficIndex(traffic, data, f.dims)
        key = data.keys(f.dims)[f.members[0]] if len(f.members) else -1
        if ti.ok and key >= 0:
            req = ti.requests(data.span, np.array([key]))[:, 0]
        elif all_t is not None and all_t.ok:
            req = all_t.totals(data.span)
        else:
            req = np.zeros(len(y))
        has = req > 0
        # Change points against all traffic (as cluster_timeseries): a bug that moves traffic
        # onto its value (misrouting) raises its share of complaints more than its own rate.
        total = all_t.totals(data.span) if all_t is not None and all_t.ok else req
        ups, end = onset_and_end(y, total if (total > 0).any() else None, min_size=min_size)
        f.change_hours = [int(data.span0 + u) for u in ups]
        if f.onset_hour is None and ups:
            f.onset_hour = f.change_hours[0]
        elif f.onset_hour is not None:
            f.change_hours = sorted(
                {f.onset_hour, *(h for h in f.change_hours if h > f.onset_hour)}
            )
        f.end_hour = int(data.span0 + end) if end is not None else None
        if f.end_hour is not None and f.onset_hour is not None and f.end_hour <= f.onset_hour:
            f.end_hour = None
        cols["finding_id"] += [f.id] * len(y)
        cols["hour"].append(data.span)
        cols["reports"].append(y.astype(np.int64))
        cols["requests"].append(np.where(has, req, -1).astype(np.int64))
    if not findings:
        return schemas.FINDING_TIMESERIES.empty_table()
    hours = np.concatenate(cols["hour"])
    rep = np.concatenate(cols["reports"])
    req = np.concatenate(cols["requests"])
    has = req > 0
    rate = np.where(has, rep / np.where(has, req, 1) * 1e6, np.nan)
    return pa.table(
        {
            "finding_id": pa.array(cols["finding_id"], pa.string()),
            "hour": hour_timestamps(hours),
            "reports": pa.array(rep, pa.int64()),
            "requests": pa.array(req, pa.int64(), mask=~has),
            "rate_per_million": pa.array(rate, mask=~has),
        },
        schema=schemas.FINDING_TIMESERIES,
    )


def findings_table(findings: Sequence[Finding]) -> pa.Table:
    """FINDINGS rows (see `joins.schemas.FINDINGS`), cluster findings first by cluster and
    rank, then run-wide findings by rank."""

    def ts(h):
        return None if h is None else int(h) * HOUR_US

    ordered = sorted(
        findings, key=lambda f: (f.cluster_id is None, f.cluster_id or "", f.rank, f.id)
    )
    rows = [
        {
            "finding_id": f.id,
            "cluster_id": f.cluster_id,
            "rank": f.rank,
            "kind": "cluster" if f.cluster_id is not None else "emerging",
            "symptom": f.symptom,
            "dimension": f.dimension,
            "value": f.value,
            "onset": ts(f.onset_hour),
            "end": ts(f.end_hour),
            "reports": f.reports,
            "users": f.users,
            "expected": f.expected,
            "lift": f.lift,
            "p_value": f.p_value,
            "q_value": f.q_value,
            "score": f.score,
            "deploy_id": f.deploy_id,
            "clusters": list(f.clusters),
            "folded": list(f.folded),
            "restates": f.restates,
        }
        for f in ordered
    ]
    schema = schemas.FINDINGS
    if not rows:
        return schema.empty_table()
    cols = {}
    for fld in schema:
        vals = [r[fld.name] for r in rows]
        if pa.types.is_timestamp(fld.type):
            cols[fld.name] = pa.array(vals, pa.int64()).cast(fld.type)
        else:
            cols[fld.name] = pa.array(vals, fld.type)
    return pa.table(cols, schema=schema)
