"""Scenarios of `triage simulate --scenario NAME`, beyond the postmortem.

Each scenario is built from small named steps over the postmortem's world (its pools, models,
traffic, users and texts; `pipeline.replay.world`, `generate`, `texts`): a window, innocent
routine changes, and the bugs, each a `Cause` with its rate, text style and truth. The seed
places each bug (which hardware and region, which pools, which models, the onset hour), so a
measurement over seeds is not a measurement of one configuration. Same seed, same bytes.

- ``postmortem``: the incident of ../shared/INCIDENT.md.
- ``kernel``: a kernel bug on one hardware kind in one region (only the pair
  ``hardware & region`` explains it), an innocent serving release in the same hour, and a
  UI complaint wave on claude.ai after a frontend release (``routed: false``: no routing
  dimension explains it).
- ``custom-column``: a bug keyed on ``kv_cache_layout``, a routing column the contract does
  not name, rolled out in stages to one pool per platform.
- ``sampler``: a GPU sampler build that hurts two models, whose users only say "it got
  worse" (odd words, no symptom the detectors know), beside the incident's misrouting.
- ``null``: no bug, background complaints and innocent changes only.

Rates are the incident's: 35 complaints per million requests for a corruption-like bug
(kernel), 12 for a sampler-like one (KV layout, sampler), 150 per misrouted request, 5.5
background; the UI wave adds 4 per million first-party requests for a day or two.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pipeline.replay import world as w
from pipeline.replay.model import (
    BACKGROUND_CAUSE,
    Cause,
    Scenario,
    iso_utc,
    misrouted_rate,
    postmortem,
)

#: The window of the scenarios beyond the postmortem: three weeks.
START = datetime(2025, 10, 1, tzinfo=UTC)
END = START + timedelta(days=21)

KERNEL_RATE = 35.0  # the incident's corruption rate
KV_RATE = 12.0  # the incident's top-k rate
SAMPLER_RATE = 12.0
UI_RATE = 4.0  # per million first-party requests during the wave

_SHORT = {"first_party": "fp", "bedrock": "br", "vertex": "vx"}
_HW = {"tpu": "tpu", "gpu": "gpu", "trainium": "trn"}
STANDARD_POOLS = tuple(p for p in w.POOLS if p.context_tier == "standard")


# ---------------------------------------------------------------------------------------
# Steps shared by the scenarios
# ---------------------------------------------------------------------------------------


def _hour(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


def onset_in(rng: random.Random, day: int, spread_hours: int = 48) -> datetime:
    """An onset hour ``day`` days after START plus up to ``spread_hours`` (the seed's draw)."""
    return START + timedelta(days=day, hours=rng.randrange(spread_hours))


def release(
    platform: str, hardware: str, start: datetime, minutes: int, desc: str, id_format: str
) -> w.Deploy:
    """A serving release (the `deploy_id` column) on one platform's pools of one hardware;
    its id is ``rel-<platform>-<hardware>-`` and ``start`` in ``id_format``."""
    did = f"rel-{_SHORT[platform]}-{_HW[hardware]}-{start:{id_format}}"
    return w.Deploy(
        did,
        start,
        start + timedelta(minutes=minutes),
        "serving_release",
        desc,
        platform=platform,
        hardware=hardware,
        column="deploy_id",
    )


def routine_releases(rng: random.Random, every_days: int = 5) -> list[w.Deploy]:
    """Innocent releases: each (platform, hardware) of the standard pools every ~5 days."""
    out = []
    for platform, hw in sorted({(p.platform, p.hardware) for p in STANDARD_POOLS}):
        day = START + timedelta(days=rng.randrange(1, every_days))
        while day < END - timedelta(days=1):
            start = day.replace(hour=rng.randrange(8, 18), minute=rng.randrange(60))
            out.append(release(platform, hw, start, 180, "Serving release: routine fixes", "%m%d"))
            day += timedelta(days=rng.randint(every_days - 1, every_days + 2))
    return out


def innocent_version_rollouts(rng: random.Random) -> list[w.Deploy]:
    """A runtime config and a sampler build per hardware kind, harmless, mid-window."""
    out = []
    for column, prefix, component, desc in (
        ("runtime_config", "cfg", "runtime_config", "Runtime configuration: larger prefill"),
        ("sampler_build", "smp", "sampler", "Sampler: faster top-p filtering"),
    ):
        for hw in ("tpu", "gpu", "trainium"):
            start = onset_in(rng, rng.randrange(3, 15), 24).replace(minute=rng.randrange(60))
            out.append(
                w.Deploy(
                    f"{prefix}-{start:%m%d}-{_HW[hw]}",
                    start,
                    start + timedelta(hours=2),
                    component,
                    f"{desc} ({hw})",
                    hardware=hw,
                    column=column,
                )
            )
    return out


def _deploys(*groups) -> tuple[w.Deploy, ...]:
    flat = [d for g in groups for d in g]
    ids = [(d.deploy_id, d.platform, d.hardware, d.server_pool, d.model) for d in flat]
    assert len(ids) == len(set(ids)), "duplicate deploy in a scenario"
    return tuple(sorted(flat, key=lambda d: (d.started_at, d.deploy_id)))


VERSIONED_BASE = {
    "deploy_id": "rel-initial",
    "runtime_config": "cfg-0901",
    "sampler_build": "smp-0901",
}


def bug_truth(
    description: str,
    onset: datetime,
    end: datetime,
    accepted: list[tuple[str, str]],
    deploys: list[str],
    **extra,
) -> dict:
    """One entry of truth/causes.json (the postmortem's format, plus ``routed``)."""
    return {
        "description": description,
        "onset": iso_utc(onset),
        "end": iso_utc(end),
        "accepted_causes": [{"dimension": d, "value": v} for d, v in accepted],
        "deploys": deploys,
        "routed": bool(accepted),
        **extra,
    }


def window_rate(
    rate: float, onset: datetime, end: datetime, where: Callable[..., bool]
) -> Callable[..., float]:
    """A cause's rate: ``rate`` per million where ``where(pool, region, model, v)`` holds."""

    def f(pool: w.Pool, region: str, model: str, v: dict[str, str], t: datetime) -> float:
        return rate if onset <= t < end and where(pool, region, model, v) else 0.0

    return f


# ---------------------------------------------------------------------------------------
# kernel: one hardware kind in one region, an innocent release the same hour, a UI wave
# ---------------------------------------------------------------------------------------


def kernel_sites() -> list[tuple[str, str]]:
    """(hardware, region) pairs that only the pair explains: served by standard pools of two
    or more platforms, in a region that other hardware serves too (ap-northeast, all GPU, is
    not one). Two platforms because the scenario's innocent release is one platform's: on a
    site whose pools are all one platform's (TPU in us-east is first-party only) it would
    serve every request of the site from the onset on, and no data could tell the release
    from the site."""
    platforms: dict[tuple[str, str], set[str]] = {}
    for p in STANDARD_POOLS:
        for r in p.regions:
            platforms.setdefault((p.hardware, r), set()).add(p.platform)
    kinds = {r: {hw for hw, r2 in platforms if r2 == r} for _, r in platforms}
    return sorted(k for k, pf in platforms.items() if len(pf) >= 2 and len(kinds[k[1]]) >= 2)


def ui_wave(rng: random.Random, after: datetime) -> tuple[list[w.Deploy], Cause, dict]:
    """A claude.ai frontend release whose users complain about the app for a day or two."""
    on = _hour(after + timedelta(hours=rng.randrange(60, 108)))
    end = on + timedelta(hours=rng.randrange(24, 48))
    did = f"web-{on:%m%d}"
    deploys = [
        w.Deploy(did, on - timedelta(minutes=10), on, "web_frontend",
                 "claude.ai frontend: new conversation layout", platform="first_party"),
        w.Deploy(f"rb-{did}", end - timedelta(minutes=20), end, "web_frontend",
                 f"Rollback of {did}", platform="first_party", rollback_of=did),
    ]  # fmt: skip
    cause = Cause(
        "ui_wave",
        window_rate(UI_RATE, on, end, lambda p, r, m, v: p.platform == "first_party"),
        surface="claude_ai",
    )
    truth = bug_truth(
        "claude.ai frontend release: complaints about the app, every pool and model alike",
        on,
        end,
        [],
        [did],
    )
    return deploys, cause, truth


def kernel(seed: int = 0) -> Scenario:
    """A kernel bug on one hardware kind in one region (no deploy in the log caused it),
    an innocent serving release on that hardware in the same hour, and a UI wave later."""
    rng = random.Random(f"kernel:{seed}")
    hw, region = rng.choice(kernel_sites())
    onset = onset_in(rng, 10)
    end = onset + timedelta(hours=rng.randrange(96, 144))
    pools = [p for p in STANDARD_POOLS if p.hardware == hw and region in p.regions]
    same_hour = release(
        pools[0].platform,
        hw,
        onset + timedelta(minutes=5),
        20,
        "Serving release: request queue metrics",
        "%m%d-%H",  # a routine release may share its day, never this id
    )
    ui_deploys, ui_cause, ui_truth = ui_wave(rng, onset)
    bug = Cause(
        "kernel",
        window_rate(KERNEL_RATE, onset, end, lambda p, r, m, v: p.hardware == hw and r == region),
        style="kernel_degenerate",
    )
    return Scenario(
        name="kernel",
        start=START,
        end=END,
        deploys=_deploys(routine_releases(rng), [same_hour], ui_deploys),
        extra_dimensions=("context_tier",),
        base_versions={"deploy_id": "rel-initial"},
        causes=(BACKGROUND_CAUSE, bug, ui_cause),
        truth={
            "kernel": bug_truth(
                f"Attention kernel bug on {hw} in {region}: loops and cut-off answers",
                onset,
                end,
                [("hardware & region", f"{hw} & {region}")],
                [],
                innocent_deploys=[same_hour.deploy_id],
                pools=[p.name for p in pools],
            ),
            "ui_wave": ui_truth,
        },
    )


# ---------------------------------------------------------------------------------------
# custom-column: a bug keyed on a column the contract does not name
# ---------------------------------------------------------------------------------------

KV_COLUMN = "kv_cache_layout"
KV_BASE = "kvl-0901-contiguous"


def kv_stage_pools(rng: random.Random) -> list[w.Pool]:
    """One standard pool per platform, three different hardware kinds, in rollout order."""
    by_platform = [[p for p in STANDARD_POOLS if p.platform == pf] for pf in w.PLATFORM_SHARE]
    triples = [
        (a, b, c)
        for a in by_platform[0]
        for b in by_platform[1]
        for c in by_platform[2]
        if len({a.hardware, b.hardware, c.hardware}) == 3
    ]
    chosen = list(rng.choice(triples))
    rng.shuffle(chosen)
    return chosen


def custom_column(seed: int = 0) -> Scenario:
    """A KV-cache layout rolled out in stages to three pools (three platforms, three hardware
    kinds) breaks long prompts: only the `kv_cache_layout` column explains the bug; an
    earlier, harmless layout in the same column is the decoy."""
    rng = random.Random(f"custom-column:{seed}")
    onset = onset_in(rng, 10)
    end = onset + timedelta(hours=rng.randrange(120, 168))
    bad = f"kvl-{onset:%m%d}-blocked"
    stages = kv_stage_pools(rng)
    offsets = [0, rng.randrange(4, 10), rng.randrange(12, 24)]
    rollout = [
        w.Deploy(bad, onset + timedelta(hours=h - 2), onset + timedelta(hours=h), "kv_cache",
                 f"KV-cache layout: blocked layout for long prompts (stage {i + 1}, {p.name})",
                 server_pool=p.name, column=KV_COLUMN)
        for i, (p, h) in enumerate(zip(stages, offsets, strict=True))
    ]  # fmt: skip
    rollback = [
        w.Deploy(f"rb-{bad}-{p.name}", end - timedelta(hours=1), end, "kv_cache",
                 f"Rollback of {bad} on {p.name}", server_pool=p.name, column=KV_COLUMN,
                 rollback_of=bad)
        for p in stages
    ]  # fmt: skip
    others = [p for p in STANDARD_POOLS if p not in stages]
    decoy_on = onset - timedelta(days=rng.randint(4, 6), hours=rng.randrange(12))
    decoy_id = f"kvl-{decoy_on:%m%d}-paged"
    decoy = [
        w.Deploy(decoy_id, decoy_on - timedelta(hours=2), decoy_on, "kv_cache",
                 f"KV-cache layout: paged layout ({p.name})", server_pool=p.name,
                 column=KV_COLUMN)
        for p in rng.sample(others, 2)
    ]  # fmt: skip
    bug = Cause(
        "kv_layout",
        window_rate(KV_RATE, onset, end, lambda p, r, m, v: v[KV_COLUMN] == bad),
        style="kv_garbled",
    )
    return Scenario(
        name="custom-column",
        start=START,
        end=END,
        deploys=_deploys(routine_releases(rng), rollout, rollback, decoy),
        extra_dimensions=("context_tier", KV_COLUMN),
        base_versions={"deploy_id": "rel-initial", KV_COLUMN: KV_BASE},
        causes=(BACKGROUND_CAUSE, bug),
        truth={
            "kv_layout": bug_truth(
                "KV-cache blocked layout mixes up long prompts (three pools, staged)",
                onset,
                end,
                [(KV_COLUMN, bad)],
                [bad],
                pools=[p.name for p in stages],
            )
        },
    )


# ---------------------------------------------------------------------------------------
# sampler: "it got worse" on two models of a GPU sampler build, beside a routing bug
# ---------------------------------------------------------------------------------------


def misrouting(onset: datetime, rebalance: datetime, peak: datetime, fix: datetime, done):
    """First-party Sonnet 4 misrouted share: the incident's 0.8% from ``onset``, ramping to
    its 16% at ``peak`` after the rebalance, back to 0 between ``fix`` and ``done``."""

    def share(platform: str, t: datetime) -> float:
        if platform != "first_party" or t < onset or t >= done:
            return 0.0
        if t < rebalance:
            return w.INITIAL_SHARE
        if t <= peak:
            return w._ramp(t, rebalance, peak, w.INITIAL_SHARE, w.PEAK_SHARE)
        if t < fix:
            return w.PEAK_SHARE
        return w._ramp(t, fix, done, w.PEAK_SHARE, 0.0)

    return share


def sampler(seed: int = 0) -> Scenario:
    """The case of issue 20: a GPU sampler build hurts two models with odd words that no
    detector knows ("it got worse"), while Sonnet 4 requests leak to the 1M-context pool
    (GPU too) at the incident's rates; innocent TPU/Trainium builds and a GPU config the
    same days."""
    rng = random.Random(f"sampler:{seed}")
    r_on = onset_in(rng, 8)
    rebalance = r_on + timedelta(hours=rng.randrange(72, 96))
    peak = rebalance + timedelta(hours=36)
    fix = peak + timedelta(hours=48)
    done = fix + timedelta(hours=72)
    lb = [
        w.Deploy(f"lb-{r_on:%m%d}-1m-pool", r_on - timedelta(hours=1), r_on, "load_balancer",
                 "Routing table: add the 1M-context pool", model="sonnet-4"),
        w.Deploy(f"lb-{rebalance:%m%d}-rebalance", rebalance - timedelta(hours=1), rebalance,
                 "load_balancer", "Routine load-balancing change", model="sonnet-4"),
        w.Deploy(f"lb-{fix:%m%d}-routing-fix", fix, done, "load_balancer",
                 f"Rollback of lb-{r_on:%m%d}-1m-pool: context-window routing fix",
                 model="sonnet-4", rollback_of=f"lb-{r_on:%m%d}-1m-pool"),
    ]  # fmt: skip
    s_on = _hour(r_on + timedelta(hours=rng.randrange(24, 72)))
    s_end = s_on + timedelta(hours=rng.randrange(144, 192))
    bad = f"smp-{s_on:%m%d}-gpu"
    models = sorted(rng.sample(["haiku-3.5", "opus-3", "opus-4.1", "opus-4"], 2))
    builds = [
        w.Deploy(f"smp-{s_on:%m%d}-{_HW[hw]}", s_on - timedelta(hours=4), s_on, "sampler",
                 f"Sampler: repetition-penalty rewrite ({hw} build)", hardware=hw,
                 column="sampler_build")
        for hw in ("gpu", "tpu", "trainium")
    ] + [
        w.Deploy(f"rb-{bad}", s_end - timedelta(hours=2), s_end, "sampler",
                 f"Rollback of {bad}", hardware="gpu", column="sampler_build",
                 rollback_of=bad),
        w.Deploy(f"cfg-{s_on:%m%d}-gpu", s_on - timedelta(hours=20), s_on - timedelta(hours=18),
                 "runtime_config", "GPU runtime configuration: new memory pool",
                 platform="first_party", hardware="gpu", column="runtime_config"),
    ]  # fmt: skip
    bug = Cause(
        "sampler_worse",
        window_rate(
            SAMPLER_RATE,
            s_on,
            s_end,
            lambda p, r, m, v: v["sampler_build"] == bad and m in models,
        ),
        style="vague_worse",
    )
    routing = Cause(
        "routing_1m",
        misrouted_rate,
        exposure="misrouted",
        session_mean=w.MISROUTED_SESSION_MEAN_REPORTS,
    )
    return Scenario(
        name="sampler",
        start=START,
        end=END,
        deploys=_deploys(routine_releases(rng), lb, builds),
        extra_dimensions=w.EXTRA_DIMENSIONS,
        base_versions=dict(VERSIONED_BASE),
        causes=(BACKGROUND_CAUSE, bug, routing),
        truth={
            "routing_1m": bug_truth(
                "Sonnet 4 short-context requests misrouted (sticky) to the 1M pool",
                r_on,
                done,
                [("context_tier", "long_1m"), ("server_pool", "fp-long-1m")],
                [lb[0].deploy_id, lb[1].deploy_id],
            ),
            "sampler_worse": bug_truth(
                f"GPU sampler build hurts {' and '.join(models)}: odd words, 'it got worse'",
                s_on,
                s_end,
                [("sampler_build", bad)],
                [bad],
                models=models,
            ),
        },
        misrouted_share=misrouting(r_on, rebalance, peak, fix, done),
    )


# ---------------------------------------------------------------------------------------
# null: no bug
# ---------------------------------------------------------------------------------------


def null(seed: int = 0) -> Scenario:
    """Background complaints only, with the usual innocent releases, configs and builds:
    any confident finding here is a false alarm."""
    rng = random.Random(f"null:{seed}")
    return Scenario(
        name="null",
        start=START,
        end=END,
        deploys=_deploys(routine_releases(rng), innocent_version_rollouts(rng)),
        extra_dimensions=w.EXTRA_DIMENSIONS,
        base_versions=dict(VERSIONED_BASE),
        causes=(BACKGROUND_CAUSE,),
        truth={},
    )


SCENARIOS: dict[str, Callable[[int], Scenario]] = {
    "postmortem": postmortem,
    "kernel": kernel,
    "custom-column": custom_column,
    "sampler": sampler,
    "null": null,
}


def build_scenario(name: str, seed: int = 0) -> Scenario:
    """The scenario ``name`` for ``seed``; ValueError naming the available ones otherwise."""
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r} (available: {', '.join(SCENARIOS)})")
    return SCENARIOS[name](seed)
