"""Issue 20's sharper findings: the drill-down to the most specific cause, the geometric grid
of change points, the Poisson tail the remainder test uses."""

import numpy as np
import pytest
from scipy import stats

from joins.explain import ExplainingAway
from joins.findings import ReportData, best_rise, date_rise, split_grid
from joins.stats import poisson_upper_tail

from .world import BUILD_DIMS, World, build_on_config

DIMS = ["model", "server_pool"]


# ---------------------------------------------------------------- poisson_upper_tail
@pytest.mark.parametrize("k", [1, 2, 3, 7, 20])
@pytest.mark.parametrize("mu", [0.3, 1.18, 5.0, 40.0])
def test_poisson_tail_is_scipy_for_integers(k, mu):
    assert poisson_upper_tail(k, mu) == pytest.approx(stats.poisson.sf(k - 1, mu), rel=1e-9)


def test_poisson_tail_edges_and_monotone():
    assert poisson_upper_tail(0, 3.0) == 1.0
    assert poisson_upper_tail(-1.5, 3.0) == 1.0
    assert poisson_upper_tail(2, 0.0) == 0.0
    ks = np.linspace(0.5, 12, 40)
    tails = poisson_upper_tail(ks, 4.0)
    assert np.all(np.diff(tails) < 0)  # more observed: rarer
    assert np.all(np.diff(poisson_upper_tail(5.5, np.linspace(0.5, 9, 30))) > 0)
    assert tails.shape == ks.shape and np.all((tails >= 0) & (tails <= 1))


# ---------------------------------------------------------------- the grid of change points
def test_split_grid_every_hour_without_ratio():
    assert split_grid(20, 3, None).tolist() == list(range(3, 18))


@pytest.mark.parametrize("H", [13, 50, 130, 600, 1224])
def test_split_grid_is_geometric_in_age_and_inside_bounds(H):
    g = split_grid(H, 6, 1.25)
    assert g.tolist() == sorted(set(g.tolist()))
    assert g.min() >= 6 and g.max() <= H - 6
    assert H - 6 in g.tolist() and 6 in g.tolist()  # the youngest age and the earliest split
    ages = H - g[::-1]
    ratios = ages[1:-1] / ages[:-2]
    assert np.all(ratios <= 1.25 + 6 / ages[:-2])  # no gap wider than the grid's step
    assert len(g) <= 2 + np.log(H / 6) / np.log(1.25)  # a few dozen, not one per hour


def test_split_grid_too_short():
    assert split_grid(11, 6, 1.25).size == 0
    assert best_rise(np.ones(11), np.ones(11), min_size=6, grid=1.25).tau[0] == -1


def test_grid_rise_finds_a_late_step_and_date_rise_dates_it_to_the_hour():
    rng = np.random.default_rng(3)
    H, onset = 600, 571
    e = np.full(H, 2.0)
    y = rng.poisson(np.where(np.arange(H) >= onset, 12.0, 2.0)).astype(float)
    r = best_rise(y, e, min_size=6, grid=1.25)
    assert r.n_splits < 40
    assert abs(int(r.tau[0]) - onset) <= 0.25 * (H - onset) + 1
    assert date_rise(y, e, int(r.tau[0]), min_size=6, grid=1.25) == onset
    full = best_rise(y, e, min_size=6)
    assert full.n_splits == H - 11 and full.llr[0] >= r.llr[0]


# ---------------------------------------------------------------- the drill-down
def _explainer(bug_where, seed=2):
    """One cluster, background following traffic, a bug on ``bug_where``; the explainer's
    state set as `explain` sets it, and the candidates for "model A" and "A on pool p1"."""
    w = World(
        96,
        {"model": {"A": 0.2, "B": 0.8}, "server_pool": {"p1": 0.5, "p2": 0.5}},
        seed=seed,
    )
    w.add("c", 600)
    w.add("c", 120, where=bug_where)
    reports, traffic = w.table(), w.traffic()
    ex = ExplainingAway()
    D = ReportData(reports, DIMS)
    ex._data, ex._traffic, ex._tindex, ex._tests, ex._dims = D, traffic, {}, [], DIMS
    rows = np.arange(D.n)
    broad = next(x for x in ex._stats(0, rows, ("model",)) if D.decode(x.dims, x.key) == ("A",))
    pair = [x for x in ex._stats(0, rows, ("model", "server_pool"))]
    narrow = next(x for x in pair if D.decode(x.dims, x.key) == ("A", "p1"))
    return ex, rows, broad, narrow


def test_drill_down_to_the_narrower_cause_when_the_rest_is_ordinary():
    ex, rows, broad, narrow = _explainer({"model": "A", "server_pool": "p1"})
    assert narrow.reports < broad.reports
    best, t = ex._refine(0, broad, 0, [(broad, 0), (narrow, 1)], rows)
    assert best is narrow and t == 1
    assert not ex._remainder_in_excess(0, broad, narrow, rows)


def test_no_drill_down_when_the_rest_of_the_broader_cause_complains_too():
    ex, rows, broad, narrow = _explainer({"model": "A"})
    assert ex._remainder_in_excess(0, broad, narrow, rows)
    best, t = ex._refine(0, broad, 0, [(broad, 0), (narrow, 1)], rows)
    assert best is broad and t == 0


def test_drill_down_ignores_candidates_outside_the_best():
    ex, rows, broad, _ = _explainer({"model": "A", "server_pool": "p1"})
    D = ex._data
    other = next(x for x in ex._stats(0, rows, ("server_pool",)) if D.decode(x.dims, x.key) ==
                 ("p2",))  # fmt: skip
    best, _ = ex._refine(0, broad, 0, [(broad, 0), (other, 1)], rows)
    assert best is broad


def test_encode_and_joint_invert_decode():
    w = World(24, {"model": {"A": 0.2, "B": 0.8}, "server_pool": {"p1": 0.5, "p2": 0.5}})
    w.add("c", 200)
    D = ReportData(w.table(), DIMS)
    dims = ("model", "server_pool")
    keys = np.unique(D.keys(dims))
    for k in keys:
        values = dict(zip(dims, D.decode(dims, int(k)), strict=True))
        assert D.encode(dims, values) == k
        a = D.encode(("model",), values)
        b = D.encode(("server_pool",), values)
        assert D.joint((("server_pool",), b), (("model",), a)) == (dims, k)
    assert D.encode(("model",), {"model": "never-seen"}) is None
    a, b = D.encode(("model",), {"model": "A"}), D.encode(("model",), {"model": "B"})
    assert D.joint((("model",), a), (("model",), b)) is None
    assert D.joint((("model",), a), (("model",), a)) == (("model",), a)


# ------------------------------------------- a drill-down from a change to an older value
def _build_on_config(vx_hours: int, *, vx_bug: bool, seed: int = 5):
    """`world.build_on_config`'s cluster with the explainer's state set as `explain` sets
    it, the rows and the candidates "build new" (best) and "config cfg" (older, its reports
    inside the build's)."""
    reports, traffic = build_on_config(vx_hours, vx_bug=vx_bug, ordinary_from=60, seed=seed)
    dims = list(BUILD_DIMS)
    ex = ExplainingAway()
    D = ReportData(reports, dims)
    ex._data, ex._traffic, ex._tindex, ex._tests, ex._dims = D, traffic, {}, [], dims
    rows = np.arange(D.n)
    pick = {
        d: next(x for x in ex._stats(0, rows, (d,)) if D.decode(x.dims, x.key) == (v,))
        for d, v in (("sampler_build", "new"), ("runtime_config", "cfg"))
    }
    return ex, rows, pick["sampler_build"], pick["runtime_config"]


def test_a_build_that_just_reached_a_second_platform_is_not_renamed_to_the_older_config():
    # The build has served vx for six hours: its two or three reports there are ordinary by
    # traffic and as many as the build's rate on fp predicts; the data cannot clear the build.
    ex, rows, build, config = _build_on_config(6, vx_bug=True)
    assert config.reports < build.reports
    assert not ex._remainder_in_excess(0, build, config, rows)  # the old rule would rename
    assert not ex._remainder_below(0, build, config, rows)
    best, t = ex._refine(0, build, 0, [(build, 0), (config, 1)], rows)
    assert best is build and t == 0


def test_a_change_innocent_where_it_served_long_is_renamed_to_the_older_value():
    # The build has served vx as long as fp, with ordinary complaints there only: the
    # configuration under it on fp is what the data points at (the kernel scenario's shape).
    ex, rows, build, config = _build_on_config(36, vx_bug=False)
    assert ex._remainder_below(0, build, config, rows)
    best, t = ex._refine(0, build, 0, [(build, 0), (config, 1)], rows)
    assert best is config and t == 1
