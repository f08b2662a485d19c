"""Run-wide (emerging) findings: changes in the complaint rate per request, against traffic."""

import numpy as np
import pytest

from joins.emerging import EmergingFindings
from joins.findings import ReportData, best_rise, findings_table
from joins.schemas import FINDINGS

from .world import World

H = 240
DIMS = ["region", "hardware", "model"]


def world(seed: int, bug: bool) -> World:
    """Three text clusters of ordinary complaints; region r1's traffic (and so its
    complaints) swings by hour of day. With ``bug``, a kernel bug on tpu in region r2 from
    hour 120 sends 40 reports to each cluster: no cluster is mostly the bug."""
    w = World(
        H,
        {
            "region": {"r1": 0.5, "r2": 0.3, "r3": 0.2},
            "hardware": {"tpu": 0.4, "gpu": 0.6},
            "model": {"A": 0.3, "B": 0.7},
        },
        cycle={("region", "r1"): 0.7},
        seed=seed,
    )
    for c in ("c1", "c2", "c3"):
        w.add(c, 500)
        if bug:
            w.add(c, 40, where={"hardware": "tpu", "region": "r2"}, hours=(120, H),
                  symptoms=["code_syntax_error"])  # fmt: skip
    return w


def test_a_bug_no_cluster_isolates_is_a_run_wide_finding():
    w = world(seed=11, bug=True)
    reports, traffic = w.table(), w.traffic()
    found = EmergingFindings(min_users=5).find(reports, traffic, dimensions=DIMS)
    top = found[0]
    assert top.cluster_id is None and top.rank == 1
    assert set(top.parts) == {("region", "r2"), ("hardware", "tpu")}
    assert top.q_value <= 0.01 and top.lift >= 1.5
    span0 = ReportData(reports, DIMS).span0
    assert abs(top.onset_hour - (span0 + 120)) <= 6
    assert set(top.clusters) == {"c1", "c2", "c3"}
    # Its parents (r2, tpu) are explained away, not separate findings over all reports.
    overall = [f for f in found if f.symptom is None]
    assert [(f.dimension, f.value) for f in overall] == [("region & hardware", "r2 & tpu")]
    table = findings_table(found)
    assert table.schema.equals(FINDINGS) and table.column("cluster_id").null_count == len(found)


def test_traffic_varying_by_hour_and_no_bug_give_no_confident_finding():
    for seed in range(3):
        w = world(seed=seed, bug=False)
        found = EmergingFindings(min_users=5).find(w.table(), w.traffic(), dimensions=DIMS)
        assert not [f for f in found if f.q_value <= 0.01 and f.lift >= 2], seed


def test_a_rate_that_only_follows_traffic_has_no_change():
    """Counts that swing with traffic by hour rise and fall, the rate per request does not."""
    rng = np.random.default_rng(0)
    req = 1e6 * (1 + 0.8 * np.cos(2 * np.pi * np.arange(480) / 24))
    y = rng.poisson(req * 4e-6)
    flat = best_rise(y, req * 4e-6, min_size=6)
    assert flat.llr[0] < 10
    y2 = y + np.where(np.arange(480) >= 240, rng.poisson(req * 8e-6), 0)
    step = best_rise(y2, req * 4e-6, min_size=6)
    assert abs(int(step.tau[0]) - 240) <= 6 and step.llr[0] > 50


def test_one_sticky_user_is_not_an_emerging_finding():
    w = world(seed=3, bug=False)
    w.add("c1", 60, where={"hardware": "tpu", "region": "r3"}, hours=(150, 160), user="sticky")
    found = EmergingFindings(min_users=5).find(w.table(), w.traffic(), dimensions=DIMS)
    assert not [f for f in found if ("region", "r3") in f.parts and f.q_value <= 0.05]


def test_without_traffic_nothing_is_claimed():
    w = world(seed=4, bug=True)
    assert EmergingFindings().find(w.table(), None, dimensions=DIMS) == []


@pytest.mark.parametrize("seed", [11])
def test_deterministic_under_row_order(seed):
    w = world(seed=seed, bug=True)
    reports, traffic = w.table(), w.traffic()
    a = findings_table(EmergingFindings().find(reports, traffic, dimensions=DIMS))
    perm = np.random.default_rng(1).permutation(reports.num_rows)
    b = findings_table(EmergingFindings().find(reports.take(perm), traffic, dimensions=DIMS))
    assert a.drop_columns(["clusters"]).equals(b.drop_columns(["clusters"]))


def _bug_by(users: list[str], seed: int = 5) -> tuple:
    """world(bug=False) plus 60 reports on tpu in r3 from hour 150 on (about 36 expected
    there), written by ``users`` in turn; each of them also filed two ordinary reports
    earlier in the run."""
    w = world(seed=seed, bug=False)
    for u in dict.fromkeys(users):
        w.add("c2", 2, hours=(0, 100), user=u)
    for i in range(60):
        w.add("c1", 1, where={"hardware": "tpu", "region": "r3"}, hours=(150, H),
              user=users[i % len(users)])  # fmt: skip
    return w.table(), w.traffic()


def _r3_tpu(found):
    return [f for f in found if {("region", "r3"), ("hardware", "tpu")} >= set(f.parts)]


def test_users_who_report_other_things_too_count_fully():
    """Sixty users, one report each about the bug, who had each complained about something
    else before: sixty users (a test on user-equivalents weighted by each user's reports in
    the whole run counted them as twenty)."""
    reports, traffic = _bug_by([f"reporter{i}" for i in range(60)])
    found = EmergingFindings(min_users=5).find(reports, traffic, dimensions=DIMS)
    hit = _r3_tpu(found)
    assert hit and hit[0].q_value <= 0.01 and hit[0].users >= 50


def test_under_the_value_policy_the_same_reports_from_ten_users_weigh_as_ten():
    """The same sixty reports from ten users (six each) are ten users' evidence: the users
    test divides the statistic by their own sum(c^2) / sum(c), about 6."""
    many = EmergingFindings(min_users=5, dispersion="value")
    p_many = [f.p_value for f in _r3_tpu(many.find(*_bug_by([f"r{i}" for i in range(60)]),
                                                   dimensions=DIMS))]  # fmt: skip
    few = EmergingFindings(min_users=5, dispersion="value").find(
        *_bug_by([f"r{i}" for i in range(10)]), dimensions=DIMS
    )
    p_few = [f.p_value for f in _r3_tpu(few)]
    assert p_many and (not p_few or p_few[0] > 1e3 * p_many[0])


def test_by_default_repeat_reporters_weigh_like_everyone_elses():
    """The policy: ten users with six reports each (a sticky bug's users coming back),
    divided by the slice's dispersion (about 1, the default) instead of their own (about 6,
    the "value" policy), are a finding; under "value" they are not."""
    data = _bug_by([f"r{i}" for i in range(10)])
    default = _r3_tpu(EmergingFindings(min_users=5).find(*data, dimensions=DIMS))
    own = _r3_tpu(EmergingFindings(min_users=5, dispersion="value").find(*data, dimensions=DIMS))
    assert not [f for f in own if f.q_value <= 0.05]
    assert default and default[0].q_value <= 0.01


def test_a_few_heavy_reporters_on_one_value_are_no_finding_by_default():
    """Sixty reports on a value expecting about 36: thirty from one user and six from each of
    five others. Their own repeats raise the population's dispersion (and the lift is
    modest), so by default nothing is claimed; one sticky user alone never is (fewer than
    K users)."""
    heavy = ["h"] * 30 + [f"o{i}" for i in range(5)] * 6
    found = EmergingFindings(min_users=5).find(*_bug_by(heavy), dimensions=DIMS)
    assert not [f for f in _r3_tpu(found) if f.q_value <= 0.05]


def test_an_unknown_dispersion_is_a_clear_error():
    with pytest.raises(ValueError, match="dispersion"):
        EmergingFindings(dispersion="reports")


def test_dispersion_is_one_for_one_report_per_user_and_grows_with_repeats():
    reports, traffic = _bug_by([f"r{i}" for i in range(5)])
    ef = EmergingFindings(min_users=5)
    ef.find(reports, traffic, dimensions=DIMS)
    D = ef._data
    rows = np.flatnonzero(np.isin(D.user, np.unique(D.user)[:3]))
    c = np.unique(D.user[rows], return_counts=True)[1]
    assert ef._dispersion_of(rows)(0) == pytest.approx((c * c).sum() / c.sum())
    one_each = np.unique(D.user, return_index=True)[1]
    assert ef._dispersion_of(one_each)(0) == 1.0
    assert ef._dispersion_of(rows)(10**6) == 1.0  # no report from there on


def _with_build(table, hour_col: str, onset_hour: int, region: str | tuple | None = None):
    """Add ``sampler_build``: GPU requests (of ``region`` only, or of those regions, if
    given) run build gpu-new from ``onset_hour`` on (gpu-old otherwise), TPU requests the
    TPU build throughout."""
    import datetime as dt

    import pyarrow as pa

    from .world import T0

    cut = T0 + dt.timedelta(hours=onset_hour)
    regions = (region,) if isinstance(region, str) else tuple(region or ())
    hours = table.column(hour_col).to_pylist()
    hw = table.column("hardware").to_pylist()
    rg = table.column("region").to_pylist()
    build = [
        ("gpu-new" if h >= cut and (region is None or r in regions) else "gpu-old")
        if k == "gpu"
        else "tpu-build"
        for h, k, r in zip(hours, hw, rg, strict=True)
    ]  # fmt: skip
    return table.append_column("sampler_build", pa.array(build, pa.string()))


def test_a_new_build_on_the_same_requests_as_an_old_value_is_the_finding():
    """From hour 150 every GPU request runs the new build, which breaks model A: "A on
    GPU" and "A on the new build" are the same requests from then on and the data cannot
    tell them apart; the newer change is named (the old value served for days)."""
    w = world(seed=8, bug=False)
    w.add("c1", 90, where={"hardware": "gpu", "model": "A"}, hours=(150, H))
    dims = [*DIMS, "sampler_build"]
    reports = _with_build(w.table(), "submitted_hour", 150)
    traffic = _with_build(w.traffic(), "hour", 150)
    found = EmergingFindings(min_users=5).find(reports, traffic, dimensions=dims)
    overall = [f for f in found if f.symptom is None]
    assert overall and overall[0].q_value <= 0.01
    assert set(overall[0].parts) == {("model", "A"), ("sampler_build", "gpu-new")}
    # The old value is not a second finding: it restates the first.
    assert not [f for f in overall[1:] if ("hardware", "gpu") in f.parts]


def test_a_new_build_on_part_of_the_failing_requests_is_not_named():
    """The new build runs on region r2's GPUs only, the bug hits model A on every GPU: the
    build serves a third of the failing requests, so it is no stand-in for them."""
    w = world(seed=8, bug=False)
    w.add("c1", 90, where={"hardware": "gpu", "model": "A"}, hours=(150, H))
    dims = [*DIMS, "sampler_build"]
    reports = _with_build(w.table(), "submitted_hour", 150, region="r2")
    traffic = _with_build(w.traffic(), "hour", 150, region="r2")
    found = EmergingFindings(min_users=5).find(reports, traffic, dimensions=dims)
    overall = [f for f in found if f.symptom is None]
    assert overall and set(overall[0].parts) == {("model", "A"), ("hardware", "gpu")}


def _old_value_and_build(build_hour: int, *, regions=None, bug_regions=None):
    """Model A on GPU breaks from hour 150 (in ``bug_regions`` only, if given); a GPU
    build starts at ``build_hour`` (in ``regions`` only, if given). Returns the explainer
    after a search (its state set) and the candidate "A on GPU" on all rows."""
    w = world(seed=8, bug=False)
    where = {"hardware": "gpu", "model": "A"}
    for region, n in (bug_regions or {None: 90}).items():
        w.add("c1", n, where={**where, **({"region": region} if region else {})}, hours=(150, H))
    dims = [*DIMS, "sampler_build"]
    reports = _with_build(w.table(), "submitted_hour", build_hour, region=regions)
    traffic = _with_build(w.traffic(), "hour", build_hour, region=regions)
    ef = EmergingFindings(min_users=5)
    ef.find(reports, traffic, dimensions=dims)
    ef._explained_rows[:] = False
    rows = np.arange(ef._data.n)
    (a_gpu,) = [x for x in ef._test(rows, ("hardware", "model"))
                if ef._data.decode(x.dims, x.key) == ("gpu", "A")]  # fmt: skip
    return ef, rows, a_gpu


def test_a_change_starting_with_the_onset_on_all_its_requests_is_named_with_it():
    ef, rows, a_gpu = _old_value_and_build(150)
    assert not a_gpu.new and abs(a_gpu.tau - 150) <= 6
    n_tests = len(ef._tests)
    best, t = ef._change_within(rows, a_gpu, 7, [(a_gpu, 7)])
    assert set(zip(best.dims, ef._data.decode(best.dims, best.key), strict=True)) == {
        ("hardware", "gpu"), ("model", "A"), ("sampler_build", "gpu-new")}  # fmt: skip
    assert t == n_tests and len(ef._tests) == n_tests + 1  # its test joins the family
    assert best.p_value <= a_gpu.p_value * 1e3


def _build_on_most_gpus(bug_everywhere: bool):
    """The new GPU build reaches regions r1 and r2 (80% of GPU requests) at hour 150;
    model A breaks from then on the new build only, or on every GPU when
    ``bug_everywhere`` (150 reports either way)."""
    bug = {None: 150} if bug_everywhere else {"r1": 94, "r2": 56}
    return _old_value_and_build(150, regions=("r1", "r2"), bug_regions=bug)


def test_a_change_on_the_part_that_complains_is_named_with_the_onset():
    """The build serves 80% of "A on GPU" (not the same requests), but the other 20% do
    not complain in excess: the build carries the rise and is named with it."""
    ef, rows, a_gpu = _build_on_most_gpus(bug_everywhere=False)
    (build,) = [x for x in ef._test(rows, ("sampler_build",))
                if ef._data.decode(x.dims, x.key) == ("gpu-new",)]  # fmt: skip
    assert not ef._same_requests(a_gpu, build)
    best, _ = ef._change_within(rows, a_gpu, 7, [(a_gpu, 7)])
    assert ("sampler_build", "gpu-new") in zip(
        best.dims, ef._data.decode(best.dims, best.key), strict=True
    )


def test_a_change_on_part_of_a_value_that_complains_everywhere_is_not_named():
    ef, rows, a_gpu = _build_on_most_gpus(bug_everywhere=True)
    best, t = ef._change_within(rows, a_gpu, 7, [(a_gpu, 7)])
    assert best is a_gpu and t == 7


def test_a_change_a_day_before_the_onset_is_not_named_with_it():
    ef, rows, a_gpu = _old_value_and_build(126)
    best, t = ef._change_within(rows, a_gpu, 7, [(a_gpu, 7)])
    assert best is a_gpu and t == 7


def test_a_step_whose_preferred_name_fails_the_final_q_keeps_the_name_it_replaced():
    """The step accepts its best candidate, then may name a more specific one (significant
    in the step's tests); the run's final q is over every test, so that name can fail
    there. The step's finding is then reported under the candidate it replaced, not lost (a
    tier refined to its pool had lost the routing bug this way; docs/attribution.md)."""
    import dataclasses

    w = world(seed=11, bug=True)
    reports, traffic = w.table(), w.traffic()
    ef = EmergingFindings(min_users=5)
    refine = ef._refine

    def weaker_name(rows, best, t, ok):
        best, t = refine(rows, best, t, ok)
        ef._tests.append(1.0)  # the preferred name's own test: nowhere near significant
        return dataclasses.replace(best, p_value=1.0), len(ef._tests) - 1

    ef._refine = weaker_name
    found = [f for f in ef.find(reports, traffic, dimensions=DIMS) if f.symptom is None]
    assert found and set(found[0].parts) == {("region", "r2"), ("hardware", "tpu")}
    assert found[0].q_value <= 0.01 and found[0].p_value < 1.0


def test_first_significant_takes_the_first_name_within_alpha():
    from joins.findings import Finding, first_significant

    def named(v):
        return Finding(cluster_id=None, dims=("pool",), values=(v,), members=np.arange(3),
                       reports=3, users=3, expected=1.0, lift=3.0, p_value=0.0, score=1.0,
                       step=1)  # fmt: skip

    q = np.array([0.2, 0.04, 0.01])
    got = first_significant([(named("a"), 0), (named("b"), 1), (named("c"), 2)], q, 0.05)
    assert got is not None and got.values == ("b",) and got.q_value == pytest.approx(0.04)
    assert first_significant([(named("a"), 0)], q, 0.05) is None


def _build_and_config(vx_hours: int, vx_bug: bool):
    """`world.build_on_config` searched run-wide; the candidates "build new" and "config
    cfg" (older: on fp since hour 40) on all rows, as the step sees them."""
    from .world import BUILD_DIMS, build_on_config

    reports, traffic = build_on_config(vx_hours, vx_bug=vx_bug, seed=7)
    ef = EmergingFindings(min_users=5)
    ef.find(reports, traffic, dimensions=list(BUILD_DIMS))
    ef._explained_rows[:] = False
    rows = np.arange(ef._data.n)
    D = ef._data
    (build,) = [
        x for x in ef._test(rows, ("sampler_build",)) if D.decode(x.dims, x.key) == ("new",)
    ]
    (config,) = [x for x in ef._test(rows, ("runtime_config",))
                 if D.decode(x.dims, x.key) == ("cfg",)]  # fmt: skip
    return ef, rows, build, config


def test_run_wide_a_build_just_on_a_second_platform_is_not_renamed_to_the_older_config():
    ef, rows, build, config = _build_and_config(6, vx_bug=True)
    assert config.reports < build.reports
    assert not ef._remainder_in_excess(rows, build, config)  # the old rule would rename
    best, t = ef._refine(rows, build, 0, [(build, 0), (config, 1)])
    assert best is build and t == 0


def test_run_wide_a_change_innocent_where_it_served_long_is_renamed_to_the_older_value():
    ef, rows, build, config = _build_and_config(36, vx_bug=False)
    best, t = ef._refine(rows, build, 0, [(build, 0), (config, 1)])
    assert best is config and t == 1


def test_a_second_bug_on_a_failing_configurations_servers_is_not_explained_away_with_it():
    """A configuration on p1 breaks models A and B from hour 40; a build replacing the old
    one on the same servers at hour 70 breaks model C. Explaining away the configuration
    spares its C part (C was not failing on it before the build) and nets the build's
    requests of what the configuration explains, so the build's bug is a finding too."""
    from .world import CONFIG_DIMS, config_then_build

    reports, traffic = config_then_build()
    ef = EmergingFindings(min_users=5)
    found = [f for f in ef.find(reports, traffic, dimensions=list(CONFIG_DIMS))
             if f.symptom is None]  # fmt: skip
    assert found and set(found[0].parts) == {("runtime_config", "cfg")}
    (dims, _key, _onset, spared) = ef._explained[0]
    assert dims == ("runtime_config",)
    D = ef._data
    assert {D.decode(pd, pk) for pd, pk in spared} == {("C", "cfg")}
    second = [f for f in found[1:] if {("model", "C"), ("sampler_build", "new")} & set(f.parts)]
    assert second and second[0].q_value <= 0.05
    assert second[0].onset_hour >= found[0].onset_hour + 24  # the build's, not the config's


def test_explained_traffic_is_counted_once_however_many_findings_cover_it():
    from joins.findings import TrafficCells

    from .world import CONFIG_DIMS, config_then_build

    reports, traffic = config_then_build()
    D = ReportData(reports, list(CONFIG_DIMS))
    cells = TrafficCells(traffic, D)
    cfg = cells.keys(("runtime_config",)) == D.encode(
        ("runtime_config",), {"runtime_config": "cfg"}
    )
    new = cells.keys(("sampler_build",)) == D.encode(("sampler_build",), {"sampler_build": "new"})
    models = np.unique(D.keys(("model",)))
    span = D.span
    by_model, total = cells.explained_requests(cfg | new, ("model",), models, span)
    # The build's traffic lies inside the configuration's: the union is the configuration's.
    alone, alone_total = cells.explained_requests(cfg, ("model",), models, span)
    assert np.array_equal(by_model, alone) and np.array_equal(total, alone_total)
    assert total.sum() == pytest.approx(cells.req[cfg].sum())
    assert by_model.sum(1) == pytest.approx(total)


def test_explained_traffic_of_a_value_no_report_has_still_leaves_the_total():
    import pyarrow as pa

    from joins.findings import TrafficCells, TrafficIndex

    from .world import CONFIG_DIMS, config_then_build

    reports, traffic = config_then_build()
    quiet = traffic.slice(0, 10).set_column(
        traffic.column_names.index("model"), "model", pa.array(["D"] * 10)
    )  # a model no report names, on the same (explained) servers
    traffic = pa.concat_tables([traffic, quiet])
    D = ReportData(reports, list(CONFIG_DIMS))
    cells = TrafficCells(traffic, D)
    everything = np.ones(traffic.num_rows, dtype=bool)
    _, total = cells.explained_requests(everything, ("model",), np.array([0]), D.span)
    index = TrafficIndex(traffic, D, ("model",))
    assert total == pytest.approx(index.totals(D.span))
