"""Synthetic serving worlds for the findings tests: traffic per (hour, combination) and reports
drawn from it, so complaints follow traffic unless a bug says otherwise. Every id is made up."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pyarrow as pa

T0 = dt.datetime(2025, 8, 1, tzinfo=dt.UTC)
TS = pa.timestamp("us", tz="UTC")


class World:
    """Traffic cells (hour, combination of dimension values, requests) and report sampling.

    Args:
        hours: span of the world (hours from T0).
        dims: {dimension: {value: share}}; shares of independent dimensions multiply.
        nested: {dimension: (parent dimension, {value: parent value})}: a value that only
            exists under one parent value (a pool inside a tier), its share within it.
        cycle: {(dimension, value): amplitude}: that value's traffic follows a daily cycle
            (1 + amplitude * cos(2 pi (h - 17) / 24)), so its share varies by hour.
        base: requests per hour at share 1.
    """

    def __init__(self, hours, dims, nested=None, cycle=None, base=1_000_000, seed=0):
        self.hours = hours
        self.rng = np.random.default_rng(seed)
        nested = nested or {}
        names = list(dims) + list(nested)
        combos = []
        for vals in itertools.product(*[list(dims[d].items()) for d in dims]):
            combo = {d: v for d, (v, _) in zip(dims, vals, strict=True)}
            share = float(np.prod([s for _, s in vals]))
            for nd, (parent, within) in nested.items():
                opts = [(v, s) for v, s in within.items() if s[0] == combo[parent]]
                combo = [dict(combo, **{nd: v}) for v, _ in opts]
                shares = [share * s[1] for _, s in opts]
                break
            else:
                combo, shares = [combo], [share]
            combos += list(zip(combo, shares, strict=True))
        self.names = names
        rows = []
        for h in range(hours):
            for combo, share in combos:
                f = 1.0
                for (d, v), amp in (cycle or {}).items():
                    if combo.get(d) == v:
                        f *= 1.0 + amp * np.cos(2 * np.pi * (h - 17) / 24)
                rows.append((h, combo, base * share * f))
        self.cells = rows
        self.req = np.array([r[2] for r in rows])
        self.reports: dict[str, list] = {
            k: [] for k in ["cluster_id", "submitted_hour", "user_pseudonym", *names]
        }
        self.reports["symptoms"] = []
        self._user = 0

    def traffic(self) -> pa.Table:
        cols = {"hour": [T0 + dt.timedelta(hours=h) for h, _, _ in self.cells]}
        for n in self.names:
            cols[n] = [c[n] for _, c, _ in self.cells]
        cols["requests"] = [int(round(r)) for _, _, r in self.cells]
        return pa.table({k: pa.array(v, TS if k == "hour" else None) for k, v in cols.items()})

    def add(self, cluster, n, *, where=None, hours=(0, None), symptoms=(), user=None):
        """n reports of ``cluster`` drawn from the traffic cells (optionally only those whose
        values match ``where``, in ``hours``), each from a new user unless ``user``."""
        lo, hi = hours[0], hours[1] if hours[1] is not None else self.hours
        ok = np.array(
            [lo <= h < hi and all(c.get(d) == v for d, v in (where or {}).items())
             for h, c, _ in self.cells]
        )  # fmt: skip
        p = np.where(ok, self.req, 0.0)
        picks = self.rng.choice(len(self.cells), size=n, p=p / p.sum())
        for i in picks:
            h, combo, _ = self.cells[i]
            self.reports["cluster_id"].append(cluster)
            self.reports["submitted_hour"].append(T0 + dt.timedelta(hours=int(h)))
            if user is None:
                self._user += 1
            self.reports["user_pseudonym"].append(user or f"u{self._user}")
            for d in self.names:
                self.reports[d].append(combo[d])
            self.reports["symptoms"].append(list(symptoms))
        return self

    def table(self) -> pa.Table:
        types = {"submitted_hour": TS, "symptoms": pa.list_(pa.string())}
        return pa.table({k: pa.array(v, types.get(k, pa.string())) for k, v in
                         self.reports.items()})  # fmt: skip


def cell_tables(cells: list[tuple], dims: tuple[str, ...], picks) -> tuple[pa.Table, pa.Table]:
    """(reports, traffic) from traffic cells (hour, one value per dimension of ``dims``,
    requests) and the cells ``picks`` the reports were drawn from, one user each."""
    reports = pa.table({
        "cluster_id": ["c"] * len(picks),
        "submitted_hour": pa.array([T0 + dt.timedelta(hours=int(cells[i][0])) for i in picks], TS),
        "user_pseudonym": [f"u{j}" for j in range(len(picks))],
        **{d: [cells[i][1 + k] for i in picks] for k, d in enumerate(dims)},
        "symptoms": pa.array([[] for _ in picks], pa.list_(pa.string())),
    })  # fmt: skip
    traffic = pa.table({
        "hour": pa.array([T0 + dt.timedelta(hours=c[0]) for c in cells], TS),
        **{d: [c[1 + k] for c in cells] for k, d in enumerate(dims)},
        "requests": [int(c[-1]) for c in cells],
    })  # fmt: skip
    return reports, traffic


BUILD_DIMS = ("platform", "sampler_build", "runtime_config")


def build_on_config(
    vx_hours: int, *, vx_bug: bool, ordinary_from: int = 0, seed: int = 5
) -> tuple[pa.Table, pa.Table]:
    """(reports, traffic) of one cluster ``c`` over 96 hours of two platforms (BUILD_DIMS).

    The configuration ``cfg`` went onto platform fp at hour 40; a build ``new`` replaced
    ``old`` on fp at hour 60 and on vx at hour 96 - ``vx_hours``. Reports: 150 ordinary
    complaints following all traffic from hour ``ordinary_from`` on, and the build's bug
    (120 reports on the new build, fp and vx alike, when ``vx_bug``; else 60 on fp only).
    """
    rng = np.random.default_rng(seed)
    vx_start = 96 - vx_hours
    cells = []
    for h in range(96):
        for platform in ("fp", "vx"):
            build = "new" if h >= (60 if platform == "fp" else vx_start) else "old"
            config = "cfg" if platform == "fp" and h >= 40 else "base"
            cells.append((h, platform, build, config, 500_000))
    req = np.array([c[4] for c in cells], dtype=float)
    late = np.array([c[0] >= ordinary_from for c in cells])
    bug = np.array([c[2] == "new" and (c[1] == "fp" or vx_bug) for c in cells])
    ordinary = rng.choice(len(cells), 150, p=req * late / (req * late).sum())
    buggy = rng.choice(len(cells), 120 if vx_bug else 60, p=req * bug / (req * bug).sum())
    picks = [*ordinary, *buggy]
    return cell_tables(cells, BUILD_DIMS, picks)


CONFIG_DIMS = ("model", "platform", "runtime_config", "sampler_build")


def config_then_build(
    *, build_bug: int = 90, seed: int = 3, hours: int = 120
) -> tuple[pa.Table, pa.Table]:
    """(reports, traffic) of two bugs on the same servers, one after the other.

    Models A, B, C (traffic shares 0.4, 0.4, 0.2) on platforms p1 and p2 (half each). On
    p1, a configuration ``cfg`` replaces ``base`` at hour 40 and breaks A and B (300
    reports); a build ``new`` replaces ``old`` at hour 70 and breaks C (``build_bug``
    reports). 600 ordinary complaints follow all traffic. Each report is its own user."""
    rng = np.random.default_rng(seed)
    cells = []
    for h in range(hours):
        for model, share in (("A", 0.4), ("B", 0.4), ("C", 0.2)):
            for platform in ("p1", "p2"):
                config = "cfg" if h >= 40 and platform == "p1" else "base"
                build = "new" if h >= 70 and platform == "p1" else "old"
                cells.append((h, model, platform, config, build, 500_000 * share))
    req = np.array([c[5] for c in cells])

    def draw(n, ok):
        w = req * np.array([ok(c) for c in cells], dtype=float)
        return list(rng.choice(len(cells), n, p=w / w.sum()))

    picks = (
        draw(600, lambda c: True)
        + draw(300, lambda c: c[3] == "cfg" and c[1] in ("A", "B"))
        + draw(build_bug, lambda c: c[4] == "new" and c[1] == "C")
    )
    return cell_tables(cells, CONFIG_DIMS, picks)
